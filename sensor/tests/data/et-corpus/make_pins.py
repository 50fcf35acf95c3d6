#!/usr/bin/env python3
"""Pins Suricata 7.0.10's alerts with ET Open plus the shipped packs on every capture of the
committed `pcaps/` and the public corpus, for `tests/et_corpus_vs_suricata.rs`.

Suricata runs in unix-socket mode so that ET Open loads once (11 s) and each capture is then
replayed on its own, as `sensor replay --each` does: flows, thresholds, xbits and host state
start fresh for every file. Options as the sensor's test runs it: `-k none`, single runmode.

    python3 make_pins.py [--corpus DIR] [--out et-alerts.tsv]

Writes one line per (capture, signature, source, destination) with the alert count; captures
with no alert are listed with `-`, so a capture Suricata could not read is told from a quiet
one. Paths are relative to the corpus (or `pcaps/...` for the committed ones).
"""
import argparse, glob, json, os, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
CORPUS_SETS = ["behaviour-real", "community-id", "zeek-traces", "suricata-verify", "suricata-verify-wide"]
EXTS = (".pcap", ".pcapng", ".cap")


def captures(corpus):
    out = [("pcaps/" + f, os.path.join(REPO, "pcaps", f)) for f in sorted(os.listdir(os.path.join(REPO, "pcaps")))
           if f.endswith(EXTS)]
    for s in CORPUS_SETS:
        for p in sorted(glob.glob(os.path.join(corpus, s, "**", "*"), recursive=True)):
            if os.path.isfile(p) and p.lower().endswith(EXTS):
                out.append((os.path.relpath(p, corpus), p))
    return out


def rules_file(tmp, corpus):
    path = os.path.join(tmp, "all.rules")
    with open(path, "w") as out:
        for f in [os.path.join(corpus, "et-open", "et-open.rules")] + sorted(glob.glob(os.path.join(REPO, "rules", "*.rules"))):
            with open(f) as src:
                out.write(src.read())
                out.write("\n")
    return path


def sc(sock, cmd):
    r = subprocess.run(["suricatasc", "-c", cmd, sock], capture_output=True, text=True)
    try:
        return json.loads(r.stdout)
    except ValueError:
        return {"return": "NOK", "message": r.stdout + r.stderr}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(REPO, "..", "shared", "corpus"))
    ap.add_argument("--out", default=os.path.join(HERE, "et-alerts.tsv"))
    a = ap.parse_args()
    corpus = os.path.abspath(a.corpus)
    tmp = tempfile.mkdtemp(prefix="et-pins-")
    rules = rules_file(tmp, corpus)
    sock = os.path.join(tmp, "suricata.sock")
    log = open(os.path.join(tmp, "suricata.log"), "w")
    proc = subprocess.Popen(["suricata", "-c", "/etc/suricata/suricata.yaml", f"--unix-socket={sock}", "--runmode", "single", "-k", "none",
                             "-S", rules, "-l", tmp], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            if os.path.exists(sock) and sc(sock, "version").get("return") == "OK":
                break
            time.sleep(1)
        else:
            sys.exit("suricata did not open its socket; see " + log.name)
        caps = captures(corpus)
        outdirs = []
        for i, (name, path) in enumerate(caps):
            d = os.path.join(tmp, "out", str(i))
            os.makedirs(d)
            r = sc(sock, f"pcap-file {path} {d}")
            if r.get("return") != "OK":
                sys.exit(f"{name}: {r}")
            outdirs.append(d)
        while True:
            n = sc(sock, "pcap-file-number").get("message", 1)
            cur = sc(sock, "pcap-current").get("message")
            if n == 0 and cur in (None, "None"):
                break
            time.sleep(2)
        rows = []
        for (name, _), d in zip(caps, outdirs):
            counts = {}
            eve = os.path.join(d, "eve.json")
            if os.path.exists(eve):
                for line in open(eve, errors="replace"):
                    try:
                        r = json.loads(line)
                    except ValueError:
                        continue
                    if r.get("event_type") != "alert":
                        continue
                    k = (r["alert"]["signature_id"], r.get("src_ip", ""), r.get("dest_ip", ""))
                    counts[k] = counts.get(k, 0) + 1
            if not counts:
                rows.append(f"{name}\t-")
            for (sid, src, dst), c in sorted(counts.items()):
                rows.append(f"{name}\t{sid}\t{src}\t{dst}\t{c}")
        with open(a.out, "w") as f:
            f.write("# Suricata 7.0.10, unix-socket pcap-file per capture, --runmode single, -k none, ET Open + rules/*.rules\n")
            f.write("# capture\tsid\tsrc\tdst\talerts   (or capture\\t- : no alert)\n")
            f.write("\n".join(rows) + "\n")
        print(f"{len(caps)} captures, {sum(1 for r in rows if not r.endswith(chr(9) + '-'))} alert lines -> {a.out}")
    finally:
        sc(sock, "shutdown")
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
