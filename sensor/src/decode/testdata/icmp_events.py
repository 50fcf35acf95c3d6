#!/usr/bin/env python3
"""Makes icmp_events.tsv: the ICMPv4/ICMPv6 decoder events Suricata 7.0.10 raises.

Every ICMP type (0-255) with codes 0-20 and 255, for both versions, plus error messages with
short or wrong-version embedded headers and MLD messages with several hop limits, each packet
run through Suricata with its shipped decoder-events.rules (the icmpv4./icmpv6. ones).
Output lines:
  matrix <TAB> 4|6 <TAB> type <TAB> one character per code 0..20, 255:
      . none, c unknown code, t unknown type, u unassigned type, x experimentation type,
      m MLD hop limit not 1, M both m and c
  packet <TAB> 4|6 <TAB> hop limit <TAB> ICMP message hex <TAB> events (comma-separated names)
Matrix packets carry, after the 8-byte header, a valid embedded IPv4 header + UDP header
(ICMPv4), or for ICMPv6 types below 128 a valid embedded IPv6 + UDP header, else 20 zero bytes;
hop limit 64.
Run: python3 icmp_events.py OUT_DIR > icmp_events.tsv"""
import json, os, struct, subprocess, sys

CODES = list(range(21)) + [255]

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def ip4(proto, payload, i):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), i & 0xFFFF, 0, 64, proto, 0,
                    bytes([10, 0, i >> 8 & 255, i & 255]), bytes([10, 1, 0, 1]))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload

def ip6(nh, payload, i, hl):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, hl,
                       bytes([0xFD] + [0] * 13 + [i >> 8 & 255, i & 255]),
                       bytes([0xFD] + [0] * 14 + [1])) + payload

EMB4 = ip4(17, struct.pack("!HHHH", 1000, 53, 8, 0), 0)[:28]
EMB6 = ip6(17, struct.pack("!HHHH", 1000, 53, 8, 0), 0, 64)[:48]

def icmp(t, c, body):
    m = struct.pack("!BBHI", t, c, 0, 0) + body
    return m

def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    cases = []  # (kind, fam, t, c, hl, icmp bytes)
    for fam in (4, 6):
        for t in range(256):
            for c in CODES:
                body = EMB4 if fam == 4 else (EMB6 if t < 128 else b"\0" * 20)
                cases.append(("matrix", fam, t, c, 64, icmp(t, c, body)))
    for t, c in ((3, 0), (4, 0), (5, 1), (11, 1), (12, 0), (3, 16)):
        for body in (b"", EMB4[:10], EMB4[:19], EMB4[:20], b"\x65" + EMB4[1:], b"\x45"):
            cases.append(("packet", 4, t, c, 64, icmp(t, c, body)))
    for t, c in ((1, 0), (2, 0), (3, 1), (4, 2), (1, 9)):
        for body in (b"", EMB6[:20], EMB6[:39], EMB6[:40], b"\x45" + EMB6[1:], b"\x60"):
            cases.append(("packet", 6, t, c, 64, icmp(t, c, body)))
    for t in (130, 131, 132, 143):
        for hl in (0, 1, 2, 255):
            cases.append(("packet", 6, t, 0, hl, icmp(t, 0, b"\0" * 20)))
    with open(os.path.join(out, "icmp.pcap"), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (_, fam, t, c, hl, m) in enumerate(cases):
            if fam == 4:
                m = m[:2] + struct.pack("!H", csum(m)) + m[4:]
                pkt, et = ip4(1, m, i), b"\x08\x00"
            else:
                pkt, et = ip6(58, m, i, hl), b"\x86\xdd"
            fr = b"\x00\x01\x02\x03\x04\x05\x00\x01\x02\x03\x04\x06" + et + pkt
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)) + fr)
    rules = os.path.join(out, "icmp.rules")
    with open("/etc/suricata/rules/decoder-events.rules") as src, open(rules, "w") as dst:
        for line in src:
            if "decode-event:icmpv4." in line or "decode-event:icmpv6." in line:
                dst.write(line)
    subprocess.run(["suricata", "-r", os.path.join(out, "icmp.pcap"), "-k", "none", "--runmode",
                    "single", "-S", rules, "-l", out], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sid_event = {}
    for line in open(rules):
        sid = int(line.split("sid:")[1].split(";")[0])
        sid_event[sid] = line.split("decode-event:")[1].split(";")[0]
    hits = {}
    for line in open(os.path.join(out, "eve.json")):
        e = json.loads(line)
        if e["event_type"] == "alert":
            hits.setdefault(e["pcap_cnt"], set()).add(sid_event[e["alert"]["signature_id"]])
    matrix = {}
    for i, (kind, fam, t, c, hl, m) in enumerate(cases):
        ev = hits.get(i + 1, set())
        if kind == "matrix":
            names = {n.split(".", 1)[1] for n in ev}
            ch = "."
            if "unknown_type" in names:
                ch = "t"
            elif "unassigned_type" in names:
                ch = "u"
            elif "experimentation_type" in names:
                ch = "x"
            elif "mld_message_with_invalid_hl" in names:
                ch = "M" if "unknown_code" in names else "m"
            elif "unknown_code" in names:
                ch = "c"
            matrix.setdefault((fam, t), []).append(ch)
        else:
            print(f"packet\t{fam}\t{hl}\t{m.hex()}\t{','.join(sorted(ev))}")
    for (fam, t), chars in sorted(matrix.items()):
        print(f"matrix\t{fam}\t{t}\t{''.join(chars)}")

main()
