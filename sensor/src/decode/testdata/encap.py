#!/usr/bin/env python3
"""Makes encap.tsv: the encapsulation decoder events Suricata 7.0.10 raises, and whether it
decapsulates the packet inside.

Frames of GRE (every flag and version-byte combination before IPv4, IPv6, bridged Ethernet,
PPP, ERSPAN, VLAN and unknown payloads; truncations; source routes), PPP (link type 9 and in
GRE; every protocol number, compressed and with the HDLC address bytes), PPPoE discovery and
session, MPLS (label stacks ending in every reserved label, IPv4/IPv6/Ethernet pseudowire
guesses), 802.1ah, VN-Tag, DCE, ERSPAN, null/loopback (link type 0), IP-in-IPv6, VXLAN and
Geneve, and chains deep enough to reach Suricata's 16 decoder layers. Run through Suricata
with its shipped decoder-events.rules, a few rules for events the file leaves out, and a
content rule that only matches the UDP datagram 10.9.9.1 -> 10.9.9.2 (or fd00::1 -> fd00::2)
carrying "DECAPOK" that well-formed tunnels hold.
Lines: case name <TAB> link type <TAB> frame hex <TAB> events (comma-separated, "decap" when
the content rule matched).
Run: python3 encap.py OUT_DIR > encap.tsv"""
import collections, json, os, struct, subprocess, sys

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
os.chdir(OUT)

CASES = []  # (name, dlt, frame)
sport = [2000]


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def v4(proto, body, src=(192, 0, 2, 1), dst=(192, 0, 2, 2)):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 1, 0, 64, proto, 0, bytes(src), bytes(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + body


def v6(nh, body, src=b"\x20\x01\x0d\xb8" + b"\0" * 11 + b"\x01", dst=b"\x20\x01\x0d\xb8" + b"\0" * 11 + b"\x02"):
    return struct.pack("!IHBB", 0x60000000, len(body), nh, 64) + src + dst + body


def udp(sp, dp, data):
    return struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data


def inner4():
    """The control datagram: matched by the content rule only if decapsulated."""
    sport[0] += 1
    return v4(17, udp(sport[0], 2222, b"DECAPOK"), (10, 9, 9, 1), (10, 9, 9, 2))


def inner6():
    sport[0] += 1
    a = bytes.fromhex("fd000000000000000000000000000001")
    b = bytes.fromhex("fd000000000000000000000000000002")
    return v6(17, udp(sport[0], 2222, b"DECAPOK"), a, b)


MAC = bytes.fromhex("000102030405000102030406")


def eth(et, payload):
    return MAC + struct.pack("!H", et) + payload


def add(name, frame, dlt=1):
    CASES.append((name, dlt, frame))


def eth_ip(body):
    return eth(0x0800, body)


# ---------------------------------------------------------------- GRE
def gre_inner(proto, flags1):
    if proto == 0x0800:
        return inner4()
    if proto == 0x86DD:
        return inner6()
    if proto == 0x6558:
        return eth(0x0800, inner4())
    if proto == 0x880B:
        return b"\x00\x21" + inner4()
    if proto == 0x88BE:
        if flags1 & 0x10:  # type II: 8-byte header, version 1
            return struct.pack("!HHI", 0x1000, 0, 0) + eth(0x0800, inner4())
        return eth(0x0800, inner4())
    if proto == 0x8100:
        return struct.pack("!HH", 7, 0x0800) + inner4()
    return inner4()


def gre_hdr_len(f1, f2):
    ver = f2 & 7
    n = 4
    if ver == 0:
        if f1 & 0x20:
            n += 4
        if f1 & 0x10:
            n += 4
        if f1 & 0xC0:
            n += 4
        if f1 & 0x40:
            n += 4  # the terminating SRE
    else:
        n += 4
        if f1 & 0x10:
            n += 4
        if f2 & 0x80:
            n += 4
    return n


for n in range(0, 4):
    add(f"gre_short_{n}", eth_ip(v4(47, b"\x00\x00\x08\x00"[:n])))
FLAGS1 = [0x00, 0x80, 0x40, 0x20, 0x10, 0x08, 0x01, 0x07, 0x30, 0xB0, 0x60, 0x28]
FLAGS2 = [0x00, 0x01, 0x02, 0x07, 0x08, 0x40, 0x78, 0x80, 0x81, 0x09, 0x41, 0xF8]
PROTOS = [0x0800, 0x86DD, 0x6558, 0x880B, 0x88BE, 0x8100, 0x1234]
for f1 in FLAGS1:
    for f2 in FLAGS2:
        for proto in PROTOS:
            hl = gre_hdr_len(f1, f2)
            hdr = struct.pack("!BBH", f1, f2, proto) + b"\0" * (hl - 4)
            add(f"gre_{f1:02x}_{f2:02x}_{proto:04x}", eth_ip(v4(47, hdr + gre_inner(proto, f1))))
            # Cut inside the optional fields.
            if hl > 4:
                add(f"gre_cut_{f1:02x}_{f2:02x}_{proto:04x}", eth_ip(v4(47, hdr[: hl - 1])))
# Source routes: one entry then the terminator; an entry running past the end; no terminator.
sre = struct.pack("!HBB", 0x0800, 0, 4) + b"\1\2\3\4"
add("gre_sre_ok", eth_ip(v4(47, struct.pack("!BBH", 0x40, 0, 0x0800) + b"\0" * 4 + sre + b"\0" * 4 + inner4())))
add("gre_sre_long", eth_ip(v4(47, struct.pack("!BBH", 0x40, 0, 0x0800) + b"\0" * 4 + struct.pack("!HBB", 0x0800, 0, 200) + b"\0" * 30)))
add("gre_sre_unterminated", eth_ip(v4(47, struct.pack("!BBH", 0x40, 0, 0x0800) + b"\0" * 4 + sre)))
add("gre_sre_zero_len_af", eth_ip(v4(47, struct.pack("!BBH", 0x40, 0, 0x0800) + b"\0" * 4 + struct.pack("!HBB", 0x0800, 0, 0) + b"\0" * 4 + inner4())))
# GRE over IPv6; the inner packet short or of a foreign version.
add("gre6_ip4", eth(0x86DD, v6(47, struct.pack("!BBH", 0, 0, 0x0800) + inner4())))
add("gre_ip4_short", eth_ip(v4(47, struct.pack("!BBH", 0, 0, 0x0800) + inner4()[:12])))
add("gre_ip4_v6inside", eth_ip(v4(47, struct.pack("!BBH", 0, 0, 0x0800) + inner6())))
add("gre_ip6_v4inside", eth_ip(v4(47, struct.pack("!BBH", 0, 0, 0x86DD) + inner4())))
add("gre_eth_short", eth_ip(v4(47, struct.pack("!BBH", 0, 0, 0x6558) + b"\0" * 10)))
add("gre_empty_payload", eth_ip(v4(47, struct.pack("!BBH", 0, 0, 0x0800))))

# ---------------------------------------------------------------- PPP
PPP_PROTOS = [0x0021, 0x0057, 0x002F, 0x002D, 0x002B, 0x0023, 0x0025, 0x0027, 0x0029, 0x0031,
              0x0033, 0x0035, 0x0201, 0x0231, 0x0233, 0x0281, 0x0283, 0x8021, 0x8023, 0x8025,
              0x8027, 0x8029, 0x802B, 0x8031, 0x8033, 0x8035, 0x8057, 0x8281, 0xC021, 0xC023,
              0xC025, 0xC223, 0x0000, 0x0001, 0x003D, 0x00FD, 0x1234, 0x8001, 0xFFFF, 0x0059,
              0x0061, 0x8207, 0xC029, 0xC227, 0x80FD]


def ppp_body(proto):
    if proto in (0x0021, 0x002F):
        return inner4()
    if proto == 0x0057:
        return inner6()
    return b"\0" * 24


def ppp_cases(prefix, wrap, dlt):
    for proto in PPP_PROTOS:
        add(f"{prefix}_{proto:04x}", wrap(struct.pack("!H", proto) + ppp_body(proto)), dlt)
        add(f"{prefix}_hdlc_{proto:04x}", wrap(b"\xff\x03" + struct.pack("!H", proto) + ppp_body(proto)), dlt)
    for b in (0x21, 0x57, 0x2F, 0x2D, 0x23, 0x3D, 0xFD, 0x01, 0x31):
        add(f"{prefix}_pfc_{b:02x}", wrap(bytes([b]) + ppp_body(b)), dlt)
        add(f"{prefix}_hdlc_pfc_{b:02x}", wrap(b"\xff\x03" + bytes([b]) + ppp_body(b)), dlt)
    for n in range(0, 4):
        add(f"{prefix}_short_{n}", wrap(b"\xff\x03\x00\x21"[:n]), dlt)
        add(f"{prefix}_nohdlc_short_{n}", wrap(b"\x00\x21"[:n]), dlt)
    for proto, cut in ((0x0021, 19), (0x0021, 0), (0x0057, 39), (0x0057, 10), (0x002F, 19)):
        add(f"{prefix}_{proto:04x}_cut{cut}", wrap(struct.pack("!H", proto) + ppp_body(proto)[:cut]), dlt)
        add(f"{prefix}_hdlc_{proto:04x}_cut{cut}", wrap(b"\xff\x03" + struct.pack("!H", proto) + ppp_body(proto)[:cut]), dlt)
    add(f"{prefix}_vju_v6", wrap(b"\x00\x2f" + inner6()), dlt)
    add(f"{prefix}_ip4_v6inside", wrap(b"\x00\x21" + inner6()), dlt)
    add(f"{prefix}_ip6_v4inside", wrap(b"\x00\x57" + inner4() + b"\0" * 20), dlt)


ppp_cases("ppp", lambda b: b, 9)
ppp_cases("greppp", lambda b: eth_ip(v4(47, struct.pack("!BBHHH", 0x20, 0x01, 0x880B, len(b), 0) + b)), 1)

# ---------------------------------------------------------------- PPPoE
for n in range(0, 8):
    add(f"pppoed_short_{n}", eth(0x8863, bytes.fromhex("1109000000000000")[:n]))
for code in range(256):
    tags = struct.pack("!HH", 0x0101, 0) + struct.pack("!HH", 0x0103, 4) + b"abcd"
    add(f"pppoed_code_{code:02x}", eth(0x8863, struct.pack("!BBHH", 0x11, code, 0, len(tags)) + tags))
for declared, actual in ((0, 0), (4, 4), (5, 4), (12, 12), (13, 12), (100, 12), (2, 12), (0xFFFF, 12)):
    tags = (struct.pack("!HH", 0x0101, 0) + struct.pack("!HH", 0x0103, 4) + b"abcd")[:actual]
    add(f"pppoed_len_{declared}_{actual}", eth(0x8863, struct.pack("!BBHH", 0x11, 0x09, 0, declared) + tags))
add("pppoed_badtaglen", eth(0x8863, struct.pack("!BBHH", 0x11, 0x09, 0, 8) + struct.pack("!HH", 0x0101, 200) + b"abcd"))
add("pppoed_ver2", eth(0x8863, struct.pack("!BBHH", 0x21, 0x09, 0, 0)))
for n in range(0, 9):
    add(f"pppoes_short_{n}", eth(0x8864, bytes.fromhex("110000010002002145")[:n]))


def pppoes(proto_bytes, body, length=None):
    plen = len(proto_bytes) + len(body) if length is None else length
    return eth(0x8864, struct.pack("!BBHH", 0x11, 0, 1, plen) + proto_bytes + body)


for proto in PPP_PROTOS:
    add(f"pppoes_{proto:04x}", pppoes(struct.pack("!H", proto), ppp_body(proto)))
for b in (0x21, 0x57, 0x2F, 0x2D, 0x23, 0x3D, 0xFD):
    add(f"pppoes_pfc_{b:02x}", pppoes(bytes([b]), ppp_body(b)))
for proto, cut in ((0x0021, 19), (0x0021, 0), (0x0057, 39), (0x002F, 19), (0x0057, 0)):
    add(f"pppoes_{proto:04x}_cut{cut}", pppoes(struct.pack("!H", proto), ppp_body(proto)[:cut]))
add("pppoes_len0", pppoes(b"\x00\x21", inner4(), 0))
add("pppoes_len0_lcp", pppoes(b"\xc0\x21", b"\0" * 20, 0))
add("pppoes_lenbig", pppoes(b"\x00\x21", inner4(), 1000))
add("pppoes_vju_v6", pppoes(b"\x00\x2f", inner6()))
add("pppoes_ip4_v6inside", pppoes(b"\x00\x21", inner6()))
add("vlan_pppoes", eth(0x8100, struct.pack("!HH", 5, 0x8864) + struct.pack("!BBHH", 0x11, 0, 1, 2 + 35) + b"\x00\x21" + inner4()))

# ---------------------------------------------------------------- MPLS


def mpls(labels, body, et=0x8847):
    s = b""
    for i, lab in enumerate(labels):
        bos = 1 if i == len(labels) - 1 else 0
        s += struct.pack("!I", (lab << 12) | (bos << 8) | 64)
    return eth(et, s + body)


for lab in list(range(0, 20)) + [1000, 0xFFFFF]:
    add(f"mpls_{lab}_ip4", mpls([lab], inner4()))
    add(f"mpls_{lab}_ip6", mpls([lab], inner6()))
    add(f"mpls_{lab}_pw", mpls([lab], b"\0\0\0\0" + eth(0x0800, inner4())))
    add(f"mpls_{lab}_other", mpls([lab], b"\x50" + b"\0" * 30))
    add(f"mpls_{lab}_short", mpls([lab], b"\x45\0\0"))
    add(f"mpls_{lab}_empty", mpls([lab], b""))
add("mpls_stack_ip4", mpls([100, 200, 300], inner4(), 0x8848))
add("mpls_stack_ra_ip4", mpls([1, 200], inner4()))
add("mpls_stack_ip6", mpls([16, 17, 2], inner6()))
add("mpls_nobottom", eth(0x8847, struct.pack("!I", (100 << 12) | 64) * 3))
for n in range(0, 4):
    add(f"mpls_short_{n}", eth(0x8847, b"\x00\x06\x41\x40"[:n]))
add("mpls_pw_short", mpls([100], b"\0\0\0\0" + b"\0" * 8))
add("mpls_pw_vlan", mpls([100], b"\0\0\0\0" + eth(0x8100, struct.pack("!HH", 9, 0x0800) + inner4())))
add("mpls_ip4_label_v6inside", mpls([0], inner6()))
add("mpls_ip6_label_v4inside", mpls([2], inner4() + b"\0" * 20))
add("vlan_mpls", eth(0x8100, struct.pack("!HH", 5, 0x8847) + struct.pack("!I", (100 << 12) | (1 << 8) | 64) + inner4()))

# ---------------------------------------------------------------- 802.1ah, VN-Tag, DCE
for n in (0, 1, 4, 17, 18):
    add(f"8021ah_short_{n}", eth(0x88E7, (b"\0" * 4 + MAC + b"\x08\x00")[:n]))
add("8021ah_ip4", eth(0x88E7, b"\0\0\0\1" + MAC + b"\x08\x00" + inner4()))
add("8021ah_ip6", eth(0x88E7, b"\0\0\0\1" + MAC + b"\x86\xdd" + inner6()))
add("8021ah_vlan_ip4", eth(0x88E7, b"\0\0\0\1" + MAC + b"\x81\x00" + struct.pack("!HH", 3, 0x0800) + inner4()))
add("8021ah_unknown", eth(0x88E7, b"\0\0\0\1" + MAC + b"\x12\x34" + b"\0" * 20))
add("8021ah_arp", eth(0x88E7, b"\0\0\0\1" + MAC + b"\x08\x06" + b"\0" * 28))
for n in (0, 1, 5, 6):
    add(f"vntag_short_{n}", eth(0x8926, b"\x80\x01\x00\x02\x08\x00"[:n]))
for et in (0x0800, 0x86DD, 0x1234, 0x8100, 0x0806, 0x88CC, 0x8847):
    body = inner4() if et == 0x0800 else inner6() if et == 0x86DD else struct.pack("!HH", 3, 0x0800) + inner4() if et == 0x8100 else struct.pack("!I", (100 << 12) | (1 << 8) | 64) + inner4() if et == 0x8847 else b"\0" * 28
    add(f"vntag_{et:04x}", eth(0x8926, b"\x80\x01\x00\x02" + struct.pack("!H", et) + body))
for n in (0, 2, 15, 16, 17):
    add(f"dce_short_{n}", eth(0x8903, (b"\0\0" + eth(0x0800, b"\0" * 10))[:n]))
add("dce_ip4", eth(0x8903, b"\0\0" + eth(0x0800, inner4())))
add("dce_unknown", eth(0x8903, b"\0\0" + eth(0x1234, b"\0" * 30)))
add("vlan_dce_ip4", eth(0x8100, struct.pack("!HH", 5, 0x8903) + b"\0\0" + eth(0x0800, inner4())))


# Chains of n VN-Tags and of n DCE layers, for the decoder's layer limit.
for n in range(10, 19):
    body = inner4()
    et = 0x0800
    for _ in range(n):
        body = b"\x80\x01\x00\x02" + struct.pack("!H", et) + body
        et = 0x8926
    add(f"vntag_chain_{n}", eth(et, body))
    frame = eth(0x0800, inner4())
    for _ in range(n - 1):
        frame = eth(0x8903, b"\0\0" + frame)
    add(f"dce_chain_{n}", frame)
    labels = [100 + i for i in range(n)]
    add(f"mpls_chain_{n}", mpls(labels, inner4()))

# Which layers count: VN-Tag chains behind a VLAN tag, in front of MPLS and of PPPoE, and
# chains of 802.1ah headers.
def vntags(n, last_type, body):
    et = last_type
    for _ in range(n):
        body = b"\x80\x01\x00\x02" + struct.pack("!H", et) + body
        et = 0x8926
    return et, body


for n in range(10, 17):
    et, body = vntags(n, 0x0800, inner4())
    add(f"vlan_vntag_chain_{n}", eth(0x8100, struct.pack("!HH", 5, et) + body))
    et, body = vntags(n, 0x8847, struct.pack("!I", (100 << 12) | (1 << 8) | 64) + inner4())
    add(f"vntag_mpls_chain_{n}", eth(et, body))
    et, body = vntags(n, 0x8864, struct.pack("!BBHH", 0x11, 0, 1, 2 + 35) + b"\x00\x21" + inner4())
    add(f"vntag_pppoe_chain_{n}", eth(et, body))
    body, et = inner4(), 0x0800
    for _ in range(n):
        body = b"\0\0\0\1" + MAC + struct.pack("!H", et) + body
        et = 0x88E7
    add(f"8021ah_chain_{n}", eth(et, body))

# ---------------------------------------------------------------- ERSPAN (GRE 0x88be)


for ver in range(0, 4):
    for vlan in (0, 5):
        add(f"erspan_v{ver}_vlan{vlan}", eth_ip(v4(47, struct.pack("!BBHI", 0x10, 0, 0x88BE, 1) + struct.pack("!HHI", (ver << 12) | vlan, 0, 0) + eth(0x0800, inner4()))))
for n in range(0, 9):
    add(f"erspan_short_{n}", eth_ip(v4(47, struct.pack("!BBHI", 0x10, 0, 0x88BE, 1) + struct.pack("!HHI", 0x1000, 0, 0)[:n])))
for outer in (0, 1, 2):
    for inner_tags in (0, 1):
        for vlan in (0, 6):
            body = eth(0x0800, inner4())
            if inner_tags:
                body = eth(0x8100, struct.pack("!HH", 8, 0x0800) + inner4())
            frame_body = v4(47, struct.pack("!BBHI", 0x10, 0, 0x88BE, 1) + struct.pack("!HHI", 0x1000 | vlan, 0, 0) + body)
            et = 0x0800
            for k in range(outer):
                frame_body = struct.pack("!HH", 10 + k, et) + frame_body
                et = 0x8100
            add(f"erspan_outer{outer}_inner{inner_tags}_vlan{vlan}", eth(et, frame_body))
add("erspan_type1", eth_ip(v4(47, struct.pack("!BBH", 0, 0, 0x88BE) + eth(0x0800, inner4()))))
add("erspan_type1_short", eth_ip(v4(47, struct.pack("!BBH", 0, 0, 0x88BE) + b"\0" * 6)))

# ---------------------------------------------------------------- null / loopback (link 0)
for n in range(0, 4):
    add(f"null_short_{n}", b"\x02\x00\x00\x00"[:n], 0)
for fam in (0, 1, 2, 7, 10, 23, 24, 26, 28, 30, 0x02000000, 0x1E000000, 0x0A000000, 0xFFFFFFFF):
    body = inner4() if fam in (2, 0x02000000) else inner6()
    add(f"null_{fam:x}", struct.pack("<I", fam) + body, 0)
add("null_2_v6inside", struct.pack("<I", 2) + inner6(), 0)
add("null_2_empty", struct.pack("<I", 2), 0)

# ---------------------------------------------------------------- IP in IP
add("ip4in6", eth(0x86DD, v6(4, inner4())))
add("ip6in6", eth(0x86DD, v6(41, inner6())))
add("ip6in4", eth_ip(v4(41, inner6())))
add("ip4in4", eth_ip(v4(4, inner4())))
for n in (0, 1, 19):
    add(f"ip4in6_short_{n}", eth(0x86DD, v6(4, inner4()[:n])))
for n in (0, 1, 39):
    add(f"ip6in6_short_{n}", eth(0x86DD, v6(41, inner6()[:n])))
    add(f"ip6in4_short_{n}", eth_ip(v4(41, inner6()[:n])))
    add(f"ip4in4_short_{n}", eth_ip(v4(4, inner4()[: n // 2])))
add("ip4in6_v6inside", eth(0x86DD, v6(4, inner6())))
add("ip6in6_v4inside", eth(0x86DD, v6(41, inner4() + b"\0" * 20)))
add("ip6in4_v4inside", eth_ip(v4(41, inner4() + b"\0" * 20)))
add("ip4in4_v6inside", eth_ip(v4(4, inner6())))
# After extension headers: a destination-options header, then IPv4.
add("ip4in6_after_dstopts", eth(0x86DD, v6(60, bytes([4, 0, 1, 4, 0, 0, 0, 0]) + inner4())))
# ESP twice: the second is never reached (ESP ends the chain).
add("ipv6_esp_esp", eth(0x86DD, v6(50, struct.pack("!II", 1, 1) + struct.pack("!II", 1, 1) + b"\0" * 16)))

# ---------------------------------------------------------------- VXLAN, Geneve


def vx(flags, inner_eth, port=4789, res=0):
    return eth_ip(v4(17, udp(40000, port, struct.pack("!BBHI", flags, 0, res, (42 << 8)) + inner_eth)))


add("vxlan_ip4", vx(0x08, eth(0x0800, inner4())))
add("vxlan_ip6", vx(0x08, eth(0x86DD, inner6())))
add("vxlan_vlan", vx(0x08, eth(0x8100, struct.pack("!HH", 7, 0x0800) + inner4())))
add("vxlan_noflag", vx(0x00, eth(0x0800, inner4())))
add("vxlan_reserved", vx(0x08, eth(0x0800, inner4()), res=1))
add("vxlan_unknown_type", vx(0x08, eth(0x1234, b"\0" * 30)))
add("vxlan_other_port", vx(0x08, eth(0x0800, inner4()), port=4790))
add("vxlan_8472", vx(0x08, eth(0x0800, inner4()), port=8472))
add("vxlan_short", vx(0x08, b"\0" * 10))


def gnv(ver, optlen, proto, body, sp=40001, dp=6081, flags=0, opts=None):
    o = opts if opts is not None else b"\0" * (optlen * 4)
    h = struct.pack("!BBHI", (ver << 6) | optlen, flags, proto, 42 << 8) + o
    return eth_ip(v4(17, udp(sp, dp, h + body)))


add("geneve_eth_ip4", gnv(0, 0, 0x6558, eth(0x0800, inner4())))
add("geneve_eth_ip6", gnv(0, 0, 0x6558, eth(0x86DD, inner6())))
add("geneve_eth_vlan", gnv(0, 0, 0x6558, eth(0x8100, struct.pack("!HH", 7, 0x0800) + inner4())))
add("geneve_ip4", gnv(0, 0, 0x0800, inner4()))
add("geneve_ip6", gnv(0, 0, 0x86DD, inner6()))
add("geneve_opts", gnv(0, 2, 0x6558, eth(0x0800, inner4()), opts=struct.pack("!HBB", 0x0102, 3, 1) + b"abcd"))
add("geneve_badopts", gnv(0, 2, 0x6558, eth(0x0800, inner4()), opts=struct.pack("!HBB", 0x0102, 3, 5) + b"abcd"))
add("geneve_v1", gnv(1, 0, 0x6558, eth(0x0800, inner4())))
add("geneve_srcport", gnv(0, 0, 0x0800, inner4(), sp=6081, dp=40002))
add("geneve_unknown", gnv(0, 0, 0x1234, b"\0" * 30))
add("geneve_eth_unknown", gnv(0, 0, 0x6558, eth(0x1234, b"\0" * 30)))
add("geneve_oam", gnv(0, 0, 0x6558, eth(0x0800, inner4()), flags=0x80))
add("geneve_short", gnv(0, 10, 0x6558, b""))

# Teredo (UDP 3544, either port): IPv6 alone, after an origin indication, an authentication
# header, hop limit 0, a length that does not match, too short.
def teredo(body, sp=40003, dp=3544):
    return eth_ip(v4(17, udp(sp, dp, body)))


add("teredo_ip6", teredo(inner6()))
add("teredo_srcport", teredo(inner6(), sp=3544, dp=40004))
add("teredo_origin", teredo(b"\x00\x00" + b"\0" * 6 + inner6()))
add("teredo_origin_short", teredo(b"\x00\x00" + b"\0" * 6 + inner6()[:30]))
add("teredo_auth", teredo(b"\x00\x01" + b"\0" * 11 + inner6()))
add("teredo_other", teredo(b"\x00\x05" + inner6()))
hl0 = bytearray(inner6())
hl0[7] = 0
add("teredo_hlim0", teredo(bytes(hl0)))
add("teredo_trailing", teredo(inner6() + b"\0\0"))
add("teredo_ip4", teredo(inner4() + b"\0" * 20))
add("teredo_short", teredo(inner6()[:39]))
hop = v6(0, bytes([17, 0, 1, 4, 0, 0, 0, 0]) + udp(40005, 2222, b"DECAPOK"),
         bytes.fromhex("fd000000000000000000000000000001"), bytes.fromhex("fd000000000000000000000000000002"))
add("teredo_hop", teredo(hop))
add("teredo_hop_short", teredo(v6(0, b"\0" * 4)))

# ---------------------------------------------------------------- run Suricata
EXTRA = [
    'alert pkthdr any any -> any any (msg:"gre sre"; decode-event:gre.version0_malformed_sre_hdr; sid:9100001;)',
    'alert pkthdr any any -> any any (msg:"vxlan type"; decode-event:vxlan.unknown_payload_type; sid:9100002;)',
    'alert pkthdr any any -> any any (msg:"geneve type"; decode-event:geneve.unknown_payload_type; sid:9100003;)',
    'alert udp 10.9.9.1 any -> 10.9.9.2 2222 (msg:"decap"; content:"DECAPOK"; sid:9000001;)',
    'alert udp fd00::1 any -> fd00::2 2222 (msg:"decap"; content:"DECAPOK"; sid:9000002;)',
]
rules = [l.strip() for l in open("/etc/suricata/rules/decoder-events.rules") if l.startswith("alert") and "decode-event:" in l]
rules += EXTRA
open("e.rules", "w").write("\n".join(rules) + "\n")
names = {}
for l in rules:
    sid = int(l.split("sid:")[1].split(";")[0])
    names[sid] = "decap" if "DECAPOK" in l else l.split("decode-event:")[1].split(";")[0]

hits = collections.defaultdict(set)
for dlt in sorted({c[1] for c in CASES}):
    sub = [i for i, c in enumerate(CASES) if c[1] == dlt]
    with open(f"e{dlt}.pcap", "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, dlt))
        for k, i in enumerate(sub):
            fr = CASES[i][2]
            f.write(struct.pack("<IIII", 1700000000 + k, 0, len(fr), len(fr)) + fr)
    d = f"s{dlt}"
    os.makedirs(d, exist_ok=True)
    if os.path.exists(f"{d}/eve.json"):
        os.remove(f"{d}/eve.json")
    subprocess.run(["suricata", "-r", f"e{dlt}.pcap", "-S", "e.rules", "-k", "none", "--runmode", "single", "-l", d],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    for l in open(f"{d}/eve.json"):
        e = json.loads(l)
        if e["event_type"] == "alert":
            # Tunnelled packets carry their frame's number in "tunnel".
            cnt = e["pcap_cnt"] if "pcap_cnt" in e else e["tunnel"]["pcap_cnt"]
            hits[sub[cnt - 1]].add(names[e["alert"]["signature_id"]])
for i, (name, dlt, fr) in enumerate(CASES):
    print(f"{name}\t{dlt}\t{fr.hex()}\t{','.join(sorted(hits.get(i, ())))}")
