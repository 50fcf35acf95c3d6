#!/usr/bin/env python3
"""Writes a rule set of payload-content rules spread over service ports, the shape of most
commercial and community packs (ET-style `alert tcp any any -> any 445 (content:...)`):
2,000 rules, TCP and UDP, 90% on one of 22 service ports, half with flow:to_server, 30% with a
short, frequent fast pattern (HTTP, Host, |00 00|, ...) so the prefilter finds candidates all
the time, each with a second content that never occurs (verification work, no alerts).

    python3 benches/port_rules.py --out /tmp/port-rules.rules
    python3 benches/pipeline.py --rules /tmp/port-rules.rules --compare-alerts
"""
import argparse
import random

PORTS = [21, 22, 23, 25, 53, 80, 110, 135, 139, 143, 443, 445, 993, 995, 1433, 3306, 3389,
         5432, 5900, 8080, 8443, 9200]
COMMON = ["HTTP", "Host", "User", "GET ", "POST", "html", "Accept", "Content", "|00 00|",
          "|16 03|", "www.", "com|00|", ".php", "admin", "login", "Mozilla", "|01 00 00 01|"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    lines = []
    for i in range(args.count):
        proto = rnd.choice(["tcp", "tcp", "udp"])
        port = rnd.choice(PORTS)
        if rnd.random() < 0.3:
            pat = rnd.choice(COMMON)
        else:
            pat = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                          for _ in range(rnd.randint(6, 12)))
        dst = "any" if rnd.random() < 0.1 else str(port)
        flow = "flow:to_server; " if rnd.random() < 0.5 else ""
        lines.append(f'alert {proto} any any -> any {dst} (msg:"port content {i}"; {flow}'
                     f'content:"{pat}"; fast_pattern; content:"zq{i}zq"; '
                     f'sid:{7000000 + i}; rev:1;)')
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
