#!/usr/bin/env python3
"""Writes a large indicator-of-compromise rule set in Suricata 7 syntax, like the feeds analysts load.

    python3 benches/ioc_rules.py --out /tmp/ioc.rules            # 20,000 rules, seed 1
    python3 benches/ioc_rules.py --count 50000 --seed 7 --out FILE

The set is deterministic for a given --seed and --count. The mix (by share of --count):

    45 %  domains in DNS queries      dns.query; content:"x.example"; nocase; endswith;
    20 %  domains in TLS SNI          tls.sni; content:"x.example"; nocase; endswith;
    10 %  domains as HTTP Host        http.host; content:"x.example"; endswith;
    15 %  IP addresses                alert ip $HOME_NET any -> [a.b.c.d,...] any (1-12 per rule)
    10 %  JA3 client fingerprints     ja3.hash; content:"<32 hex>";

(`http.host` is lowercase already: Suricata refuses `nocase` on it, so those rules have none.)
Every rule has msg, classtype, metadata (feed, confidence, created_at), sid from 8000000, rev 1.

The random indicators never occur in the bench capture (random names under reserved-looking
TLDs, public IPv4 outside the documentation ranges the generator uses, random JA3 hashes).
A few dozen indicators that DO occur in `sensor generate --scenario bench` are mixed in (at
deterministic positions), so both engines have alerts to compare: names, server addresses and a
JA3 that the generator emits, found by replaying a 20 MB bench capture and reading the EVE
`dns`, `tls`, `http` and `flow` records (the generator is deterministic and a larger capture
starts with the same flows, so they occur in the 1 GB capture too). --no-hits leaves them out.
"""
import argparse
import random
import sys

SID_BASE = 8_000_000

# Indicators present in the bench capture (generator/src/bench.rs).
HIT_DNS = [
    "img.video.stream.example",
    "api.cdn.assets.example",
    "www.updates.os-vendor.example",
    "img.mail.office-suite.example",
    "api.www.news.example",
    "img.files.share.example",
    "www.maps.example",
    "api.saas.example",          # also matches img.api.saas.example, www.api.saas.example, ...
    "IMG.Updates.OS-Vendor.example",  # mixed case: exercises nocase
    "files.share.example",       # suffix of several names (endswith)
]
HIT_SNI = [
    "updates.os-vendor.example",
    "files.share.example",
    "Mail.Office-Suite.Example",  # mixed case: exercises nocase
    "news.example",               # suffix of www.news.example
]
HIT_HTTP_HOST = [
    "cdn.assets.example",
    "maps.example",
    "video.stream.example",
]
HIT_IPS = [
    "192.0.2.166",
    "192.0.2.227",
    "192.0.2.135",
    "203.0.113.188",
    "203.0.113.205",
    "192.0.2.98",
    "203.0.113.136",
    "192.0.2.31",
]
HIT_JA3 = ["6999145f3e5d69bc81de13970a907670"]

WORDS = (
    "secure login update account verify portal cloud mail office vote ballot county state "
    "registrar election result report voter check sync cdn static api auth token sso drive "
    "share file docs news media stream track pixel ads metric stat telemetry support help desk "
    "admin panel remote access vpn gate bridge relay proxy node edge host web app service online "
    "pay bill invoice tax gov official notice alert info data backup store archive dl download"
).split()
TLDS = ["com", "net", "org", "info", "biz", "xyz", "top", "online", "site", "club", "ru", "cn",
        "io", "co", "us", "cc", "tk", "pw", "su", "live"]
FEEDS = ["abuse-feed", "osint-domains", "isac-ei", "vendor-ti", "cisa-aa", "community-ioc"]
CONFIDENCE = ["Low", "Medium", "High"]
CLASSTYPES = {
    "dns": ["bad-unknown", "trojan-activity", "domain-c2"],
    "sni": ["bad-unknown", "trojan-activity", "domain-c2"],
    "http": ["bad-unknown", "trojan-activity"],
    "ip": ["bad-unknown", "trojan-activity", "misc-activity"],
    "ja3": ["trojan-activity", "bad-unknown"],
}
THREATS = ["phishing", "c2", "malware-download", "credential-theft", "ransomware", "scanner",
           "botnet", "infostealer", "apt"]
# Ranges the generator uses or that are not routable: random IPs avoid them.
RESERVED_FIRST_OCTETS = {0, 10, 127, 169, 172, 192, 198, 203, 224, 225, 226, 227, 228, 229, 230,
                         231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244,
                         245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 100}


def random_domain(rng):
    n = rng.choice([1, 1, 2, 2, 3])
    labels = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.5:
            labels.append(rng.choice(WORDS) + "-" + rng.choice(WORDS))
        elif kind < 0.8:
            labels.append(rng.choice(WORDS) + str(rng.randrange(1, 999)))
        else:
            labels.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                                  for _ in range(rng.randrange(6, 16))))
    return ".".join(labels) + "." + rng.choice(TLDS)


def random_ip(rng):
    while True:
        a = rng.randrange(1, 224)
        if a not in RESERVED_FIRST_OCTETS:
            return f"{a}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def meta(rng, created):
    return (f"metadata:feed {rng.choice(FEEDS)}, confidence {rng.choice(CONFIDENCE)}, "
            f"signature_severity {rng.choice(['Minor', 'Major', 'Critical'])}, created_at {created};")


def rule(kind, value, sid, rng, hit=False):
    created = f"2026_{rng.randrange(1, 12):02d}_{rng.randrange(1, 29):02d}"
    threat = rng.choice(THREATS)
    classtype = rng.choice(CLASSTYPES[kind])
    tag = " (bench hit)" if hit else ""
    tail = f"classtype:{classtype}; {meta(rng, created)} sid:{sid}; rev:1;)"
    if kind == "dns":
        return (f'alert dns $HOME_NET any -> any any (msg:"IOC {threat} domain in DNS query {value.lower()}{tag}"; '
                f'dns.query; content:"{value}"; nocase; endswith; {tail}')
    if kind == "sni":
        return (f'alert tls $HOME_NET any -> any any (msg:"IOC {threat} domain in TLS SNI {value.lower()}{tag}"; '
                f'flow:established,to_server; tls.sni; content:"{value}"; nocase; endswith; {tail}')
    if kind == "http":
        return (f'alert http $HOME_NET any -> any any (msg:"IOC {threat} domain in HTTP Host {value}{tag}"; '
                f'flow:established,to_server; http.host; content:"{value}"; endswith; {tail}')
    if kind == "ip":
        return (f'alert ip $HOME_NET any -> [{",".join(value)}] any (msg:"IOC {threat} traffic to '
                f'{len(value)} listed address{"es" if len(value) > 1 else ""}{tag}"; {tail}')
    if kind == "ja3":
        return (f'alert tls $HOME_NET any -> any any (msg:"IOC {threat} TLS client fingerprint {value}{tag}"; '
                f'ja3.hash; content:"{value}"; {tail}')
    raise ValueError(kind)


def generate(count, seed, hits=True):
    rng = random.Random(seed)
    shares = [("dns", 45), ("sni", 20), ("http", 10), ("ip", 15), ("ja3", 10)]
    plan = []
    for kind, pct in shares:
        plan += [kind] * (count * pct // 100)
    plan += ["dns"] * (count - len(plan))
    rng.shuffle(plan)

    hit_values = []
    if hits:
        hit_values += [("dns", v) for v in HIT_DNS]
        hit_values += [("sni", v) for v in HIT_SNI]
        hit_values += [("http", v) for v in HIT_HTTP_HOST]
        hit_values += [("ja3", v) for v in HIT_JA3]
        # IP hits: each in its own rule, mixed with random addresses like feed rules are.
        for ip in HIT_IPS:
            ips = [random_ip(rng) for _ in range(rng.randrange(0, 6))]
            ips.insert(rng.randrange(len(ips) + 1), ip)
            hit_values.append(("ip", ips))
    hit_at = dict(zip(sorted(rng.sample(range(count), len(hit_values))), hit_values))

    seen = set()
    out = []
    for i, kind in enumerate(plan):
        sid = SID_BASE + i
        if i in hit_at:
            k, v = hit_at[i]
            out.append(rule(k, v, sid, rng, hit=True))
            continue
        if kind in ("dns", "sni", "http"):
            while True:
                v = random_domain(rng)
                if (kind, v) not in seen:
                    seen.add((kind, v))
                    break
        elif kind == "ip":
            v = [random_ip(rng) for _ in range(rng.choice([1, 1, 1, 2, 3, 5, 8, 12]))]
        else:
            v = "%032x" % rng.getrandbits(128)
        out.append(rule(kind, v, sid, rng))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="-", help="output file (default: standard output)")
    ap.add_argument("--count", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-hits", action="store_true", help="leave out the indicators present in the bench capture")
    args = ap.parse_args()
    rules = generate(args.count, args.seed, hits=not args.no_hits)
    header = (f"# IOC benchmark rule set: {len(rules)} rules, seed {args.seed}, sids {SID_BASE}-{SID_BASE + len(rules) - 1}\n"
              f"# generated by benches/ioc_rules.py; {'no' if args.no_hits else 'includes'} indicators present in the bench capture\n")
    text = header + "\n".join(rules) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w") as f:
            f.write(text)
        print(f"wrote {len(rules)} rules to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
