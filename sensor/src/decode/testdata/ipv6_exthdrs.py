#!/usr/bin/env python3
"""Makes ipv6_exthdrs.tsv: the IPv6 extension-header events Suricata 7.0.10 raises.

Chains of hop-by-hop, destination options, routing, fragment, AH, ESP and no-next-header
headers (options of every kind, padding only, bad option lengths, duplicates, routing type 0,
reserved fields) in front of a TCP SYN, run through Suricata with its shipped
decoder-events.rules (the ipv6. ones). Lines: first next-header <TAB> extension headers hex
(then the TCP SYN) <TAB> events (comma-separated).
Run: python3 ipv6_exthdrs.py OUT_DIR > ipv6_exthdrs.tsv"""
import json, os, struct, subprocess, sys

TCP = struct.pack("!HHIIBBHHH", 1000, 80, 1, 0, 5 << 4, 2, 65535, 0, 0)
HBH, DST, RH, FH, AH, ESP, NONE, TCPN = 0, 60, 43, 44, 51, 50, 59, 6

def opts_hdr(nh, opts):
    body = bytes(opts)
    total = (len(body) + 2 + 7) // 8 * 8
    body += b"\x01" + bytes([max(0, total - 2 - len(body) - 2)]) + b"\0" * max(0, total - 2 - len(body) - 2) if total - 2 - len(body) >= 2 else b"\0" * (total - 2 - len(body))
    return bytes([nh, total // 8 - 1]) + body

def raw_opts_hdr(nh, body, units):
    body = bytes(body)
    return bytes([nh, units]) + body + b"\0" * max(0, (units + 1) * 8 - 2 - len(body))

def rh(nh, rtype, segs=0, extra_units=2):
    return bytes([nh, extra_units, rtype, segs]) + b"\0" * 4 + b"\0" * (extra_units * 8)

def fh(nh, reserved=0, off=0, m=0):
    return bytes([nh, reserved]) + struct.pack("!HI", (off << 3) | m, 1234)

def ah(nh, reserved=0, plen=4):
    return bytes([nh, plen]) + struct.pack("!H", reserved) + b"\0" * ((plen + 2) * 4 - 4)

def esp():
    return struct.pack("!II", 1, 1)

def chain(*hdrs):
    return b"".join(hdrs)

CASES = []
def add(first, data):
    CASES.append((first, data))

# Options in hop-by-hop and destination options headers.
for kind in (HBH, DST):
    nxt = TCPN
    add(kind, opts_hdr(nxt, [1, 4, 0, 0, 0, 0]))               # PadN only
    add(kind, raw_opts_hdr(nxt, [0, 0, 0, 0, 0, 0], 0))        # Pad1 only
    add(kind, opts_hdr(nxt, [5, 2, 0, 0]))                     # router alert
    add(kind, opts_hdr(nxt, [5, 1, 0]))                        # router alert too short
    add(kind, opts_hdr(nxt, [0xC2, 4, 0, 0, 0, 0]))            # jumbo
    add(kind, opts_hdr(nxt, [0xC2, 2, 0, 0]))                  # jumbo too short
    add(kind, opts_hdr(nxt, [0xC9, 16] + [0] * 16))            # home address
    add(kind, opts_hdr(nxt, [0xC9, 4, 0, 0, 0, 0]))            # home address too short
    for t in (0x1E, 0x3E, 0x63, 0x8B, 0xEE, 0x04, 0x07):
        add(kind, opts_hdr(nxt, [t, 2, 0, 0]))                 # unknown options
    add(kind, opts_hdr(nxt, [1, 0]))                           # PadN of length 0
    add(kind, raw_opts_hdr(nxt, [1, 9, 0, 0, 0, 0], 0))        # PadN past the header
    add(kind, raw_opts_hdr(nxt, [0, 0, 0, 0, 0, 5], 0))        # option type at the end
    add(kind, raw_opts_hdr(nxt, [5, 2, 0, 0, 1, 0], 0))
    add(kind, raw_opts_hdr(nxt, [0x1E, 0, 1, 2, 0, 0], 0))
# Duplicates and orders.
add(HBH, chain(opts_hdr(HBH, [1, 4, 0, 0, 0, 0]), opts_hdr(TCPN, [1, 4, 0, 0, 0, 0])))
add(HBH, chain(opts_hdr(DST, [5, 2, 0, 0]), opts_hdr(HBH, [5, 2, 0, 0]), opts_hdr(TCPN, [5, 2, 0, 0])))
add(DST, chain(opts_hdr(DST, [5, 2, 0, 0]), opts_hdr(TCPN, [5, 2, 0, 0])))
add(DST, chain(opts_hdr(DST, [5, 2, 0, 0]), opts_hdr(DST, [5, 2, 0, 0]), opts_hdr(TCPN, [5, 2, 0, 0])))
add(DST, chain(opts_hdr(RH, [5, 2, 0, 0]), rh(DST, 2), opts_hdr(TCPN, [5, 2, 0, 0])))
add(RH, chain(rh(RH, 2), rh(TCPN, 2)))
add(RH, rh(TCPN, 0))
add(RH, rh(TCPN, 0, segs=1))
add(RH, rh(TCPN, 2, segs=1))
add(RH, rh(TCPN, 4, segs=1))
add(RH, rh(TCPN, 1, segs=0, extra_units=0))
add(FH, fh(TCPN, reserved=1))
add(FH, fh(TCPN, reserved=0))
add(FH, chain(fh(FH), fh(TCPN)))
add(AH, ah(TCPN))
add(AH, ah(TCPN, reserved=1))
add(AH, chain(ah(AH), ah(TCPN)))
add(AH, ah(TCPN, plen=0))
add(AH, ah(TCPN, plen=1))
add(ESP, esp() + b"\0" * 20)
add(NONE, b"")
add(NONE, b"\0" * 8)
add(HBH, opts_hdr(NONE, [1, 4, 0, 0, 0, 0]))
add(HBH, opts_hdr(NONE, [1, 4, 0, 0, 0, 0]) + b"abcdefgh")
add(HBH, chain(opts_hdr(RH, [5, 2, 0, 0]), rh(FH, 0), fh(DST), opts_hdr(TCPN, [0x3E, 2, 0, 0])))
add(DST, chain(opts_hdr(HBH, [1, 4, 0, 0, 0, 0]), opts_hdr(TCPN, [1, 4, 0, 0, 0, 0])))
add(1, b"")  # ICMPv4 in IPv6 (the SYN read as ICMP)

def ip6(nh, payload, i):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64,
                       bytes([0xFD] + [0] * 13 + [i >> 8 & 255, i & 255]),
                       bytes([0xFD] + [0] * 14 + [1])) + payload

def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "x.pcap"), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (first, data) in enumerate(CASES):
            payload = data if first == NONE or data.endswith(b"abcdefgh") or first == ESP else data + TCP
            fr = b"\x00\x01\x02\x03\x04\x05\x00\x01\x02\x03\x04\x06\x86\xdd" + ip6(first, payload, i)
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)) + fr)
    rules = [l for l in open("/etc/suricata/rules/decoder-events.rules")
             if l.startswith("alert") and "decode-event:ipv6." in l]
    with open(os.path.join(out, "x.rules"), "w") as f:
        f.write("".join(rules))
    subprocess.run(["suricata", "-r", os.path.join(out, "x.pcap"), "-S", os.path.join(out, "x.rules"),
                    "-k", "none", "--runmode", "single", "-l", out], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ev = {int(l.split("sid:")[1].split(";")[0]): l.split("decode-event:")[1].split(";")[0] for l in rules}
    hits = {}
    for line in open(os.path.join(out, "eve.json")):
        e = json.loads(line)
        if e["event_type"] == "alert":
            hits.setdefault(e["pcap_cnt"], set()).add(ev[e["alert"]["signature_id"]])
    for i, (first, data) in enumerate(CASES):
        payload = data if first == NONE or data.endswith(b"abcdefgh") or first == ESP else data + TCP
        print(f"{first}\t{payload.hex()}\t{','.join(sorted(hits.get(i + 1, ())))}")

main()
