#!/usr/bin/env python3
"""Extracts application-layer fields with tshark, for the sensor's app-layer tests.

For every capture given (default: pcaps/*.pcap* and the suricata-verify corpus), writes the
multisets of TLS SNI and JA3 hashes (ClientHellos), HTTP request fields (method, host, URI,
user agent) and DNS query names and answers that tshark dissects, into
sensor/tests/data/app_fields.json. The test `sensor/tests/app_fields.rs` compares them with the
sensor's EVE records; it never runs tshark itself. Development tool: needs tshark.

    python3 pcaps/tshark-app-fields.py
"""
import glob
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.realpath(os.environ.get("SENSOR_CORPUS_DIR", os.path.join(ROOT, "..", "shared", "corpus")))


def fields(pcap, display_filter, names):
    cmd = ["tshark", "-r", pcap, "-n", "-Y", display_filter, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=|"]
    for n in names:
        cmd += ["-e", n]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split("\t")
        parts += [""] * (len(names) - len(parts))
        rows.append(parts)
    return rows


def extract(pcap):
    r = {}
    r["tls_sni"] = sorted(x[0] for x in fields(pcap, "tls.handshake.type == 1", ["tls.handshake.extensions_server_name"]) if x[0])
    r["tls_ja3"] = sorted(x[0] for x in fields(pcap, "tls.handshake.type == 1", ["tls.handshake.ja3"]) if x[0])
    r["http_requests"] = sorted(
        [m, h, u, ua] for m, h, u, ua in fields(pcap, "http.request", ["http.request.method", "http.host", "http.request.uri", "http.user_agent"])
    )
    r["dns_queries"] = sorted(
        [n, t] for n, t in fields(pcap, "dns.flags.response == 0", ["dns.qry.name", "dns.qry.type"]) if n
    )
    answers = []
    for name, a, aaaa, cname in fields(pcap, "dns.flags.response == 1", ["dns.qry.name", "dns.a", "dns.aaaa", "dns.cname"]):
        for kind, vals in (("A", a), ("AAAA", aaaa), ("CNAME", cname)):
            for v in vals.split("|"):
                if v:
                    answers.append([kind, v])
    r["dns_answers"] = sorted(answers)
    return {k: v for k, v in r.items() if v}


def main():
    pcaps = sys.argv[1:]
    if not pcaps:
        pcaps = sorted(glob.glob(os.path.join(ROOT, "pcaps", "*.pcap*")))
        pcaps += sorted(glob.glob(os.path.join(CORPUS, "suricata-verify", "*", "*.pcap")))
    out = {}
    for p in pcaps:
        found = extract(p)
        if found:
            real = os.path.realpath(p)
            rel = "corpus:" + os.path.relpath(real, CORPUS) if real.startswith(CORPUS + os.sep) else os.path.relpath(real, ROOT)
            out[rel] = found
    version = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    dest = os.path.join(ROOT, "sensor", "tests", "data", "app_fields.json")
    with open(dest, "w") as f:
        json.dump({"tool": version, "captures": out}, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{len(out)} captures with app-layer fields -> {dest}")


if __name__ == "__main__":
    main()
