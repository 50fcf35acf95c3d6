#!/usr/bin/env python3
"""Pins Suricata 7.0.10's alerts with its shipped app-layer-events.rules on every capture of
the committed `pcaps/` and the public corpus (the captures of ../et-corpus/make_pins.py), for
`tests/applayer_events_vs_suricata.rs`: Suricata in unix-socket mode, each capture on its own,
`-k none`, single runmode, as `sensor replay --each` runs them.

    python3 corpus_pins.py [--corpus DIR] [--out corpus-alerts.tsv]

One line per (capture, signature, source, destination) with the alert count; captures without
alerts are not listed (the first line gives how many captures were read).
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "et-corpus"))
from make_pins import REPO, captures, sc  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(REPO, "..", "shared", "corpus"))
    ap.add_argument("--out", default=os.path.join(HERE, "corpus-alerts.tsv"))
    a = ap.parse_args()
    corpus = os.path.abspath(a.corpus)
    tmp = tempfile.mkdtemp(prefix="applayer-pins-")
    rules = os.path.join(HERE, "app-layer-events.rules")
    sock = os.path.join(tmp, "suricata.sock")
    log = open(os.path.join(tmp, "suricata.log"), "w")
    proc = subprocess.Popen(["suricata", "-c", "/etc/suricata/suricata.yaml", f"--unix-socket={sock}",
                             "--runmode", "single", "-k", "none", "-S", rules, "-l", tmp],
                            stdout=log, stderr=subprocess.STDOUT)
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
            for (sid, src, dst), c in sorted(counts.items()):
                rows.append(f"{name}\t{sid}\t{src}\t{dst}\t{c}")
        with open(a.out, "w") as f:
            f.write(f"# Suricata 7.0.10, unix-socket pcap-file per capture, --runmode single, -k none, "
                    f"app-layer-events.rules; {len(caps)} captures read\n")
            f.write("# capture\tsid\tsrc\tdst\talerts\n")
            f.write("\n".join(rows) + "\n")
        print(f"{len(caps)} captures, {len(rows)} alert lines -> {a.out}")
    finally:
        sc(sock, "shutdown")
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
