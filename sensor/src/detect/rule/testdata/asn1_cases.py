#!/usr/bin/env python3
"""Makes asn1_cases.tsv: Suricata 7.0.10's verdicts for `asn1` rules on BER payloads.

Every rule runs on its own UDP destination port over its own copy of every payload (so no
packet reaches Suricata's 15-alert limit); a case is `payload-hex <TAB> options <TAB> 0|1`.
Run: python3 asn1_cases.py OUT_DIR > asn1_cases.tsv (needs `suricata` on PATH, its Debian
suricata.yaml: asn1-max-frames 256)."""
import json, os, struct, subprocess, sys

PERSONNEL = bytes.fromhex(
    "60818561101a044a6f686e1a01501a05536d697468a00a1a084469726563746f72420133a10a43083139373130393137"
    "a21261101a044d6172791a01541a05536d697468a342311f61111a0552616c70681a01541a05536d697468a00a4308"
    "3139353731313131311f61111a05537573616e1a01421a054a6f6e6573a00a43083139353930373137")

def real(n, first=0x05):
    return bytes([0x09, 0x82, n >> 8, n & 0xFF, first]) + bytes([0x05] * (n - 1))

def nested(depth, inner):
    out = inner
    for _ in range(depth):
        n = len(out)
        head = bytes([0x30, n]) if n < 128 else bytes([0x30, 0x82, n >> 8, n & 0xFF])
        out = head + out
    return out

PAYLOADS = [
    PERSONNEL,
    b"AA" + PERSONNEL,
    PERSONNEL + b"\x61\x11\x1a\x05Pablo\x1a\x01B\x1a\x05Jones",
    b"\x03\x01\xff",
    b"AA\x03\x01\xff",
    b"\x03\x01\x07",
    b"\x03\x02\xff\x00",
    b"\x03\x02\x10\x00",
    b"\x03\x02\x11\x00",
    b"\x03\x00\x03\x01\xff",
    real(257),
    real(256),
    real(257, 0x80),
    real(300, 0x41),
    b"\x30\x03\x03\x01\x09",
    b"\xa0\x03\x03\x01\xff",
    b"\x23\x03\x03\x01\xff",
    b"\x30\x80\x04\x04abcd\x00\x00",
    b"\x30\x80\x03\x01\xff\x00\x00",
    b"\x30\x80\x04\x04abcd",
    b"\x04\x81\xc8abc",
    b"\x04\x03abc\xff",
    b"\x04\x80ab\x00\x00",
    b"\x04\x82\x01\x2c" + b"x" * 300,
    b"\x1f\x81\x00\x03abc",
    b"\x04\x01a\x03\x01\xff",
    b"\xff\xff\x03\x01\xff",
    b"\x04\x84\x7f\xff\xff\xffabc",
    nested(40, b"\x03\x01\xff"),
    nested(300, b"\x03\x01\xff"),
    b"\x61\x05\x04\x03abc\x03\x01\xff",
    b"\x30\x06\x04\x03abc\xff\x03\x01\xff",
    b"\x30\x07\x04\x03abc\x03\x01\xff",
    b"XX\x00\x00\x00\x00NTLMSSP\x03\x01\xff",
    b"XX\x00\x00\x00\x00NOTSSPP\x03\x01\xff",
    (b"\x04\x01a") * 40 + b"\x03\x01\xff",
    (b"\x04\x01a") * 300 + b"\x03\x01\xff",
    b"\x0c\x02\xff\xfe\x03\x01\xff",
    b"\x13\x02!!\x03\x01\xff",
    b"\x30\x80\x00\x00\x03\x01\xff",
    b"\x00\x00\x03\x01\xff",
    b"\x01\x02\x00\x00\x03\x01\xff",
    b"\x05\x01\x00\x03\x01\xff",
    b"\x02\x00\x03\x01\xff",
    b"\x06\x02\x2a\x86\x03\x01\xff",
    b"\x17\x02\x01\x02\x03\x01\xff",
    b"\x17\x02ab\x03\x01\xff",
    b"\x1a\x02\x80\x81\x03\x01\xff",
    b"\x16\x02\x80\x81\x03\x01\xff",
    b"\x24\x05\x04\x03abc\x03\x01\xff",
    b"\x31\x03\x03\x01\xff",
    b"\xa0\x80\x04\x01a\x00\x00\x03\x01\xff",
    b"\x60\x80\x03\x01\xff\x00\x00",
    b"\x0a\x09\x01\x02\x03\x04\x05\x06\x07\x08\x09\x03\x01\xff",
    b"\x02\x09\x01\x02\x03\x04\x05\x06\x07\x08\x09\x03\x01\xff",
    b"\x12\x02a1\x03\x01\xff",
    b"\x1e\x03abc\x03\x01\xff",
    b"\x1c\x03abc\x03\x01\xff",
    b"\x30\x05\x02\x00\x03\x01\xff",
    b"\x0d\x01\x81\x03\x01\xff",
    b"\x09\x00\x03\x01\xff",
    b"\x01\x00\x03\x01\xff",
    bytes.fromhex("170b393931323331323335395a") + b"\x03\x01\xff",
    bytes.fromhex("170d3939313233313233353935395a") + b"\x03\x01\xff",
    bytes.fromhex("170a39393132333132333539") + b"\x03\x01\xff",
    bytes.fromhex("170b393931333331323335395a") + b"\x03\x01\xff",
    bytes.fromhex("170f393931323331323335392b30313030") + b"\x03\x01\xff",
    bytes.fromhex("170b393931323331323435395a") + b"\x03\x01\xff",
    bytes.fromhex("170b393931323332323335395a") + b"\x03\x01\xff",
    bytes.fromhex("170b393931323331323336305a") + b"\x03\x01\xff",
    bytes.fromhex("180f32303234303130313132303030305a") + b"\x03\x01\xff",
    bytes.fromhex("180b323032343031303131325a") + b"\x03\x01\xff",
    bytes.fromhex("181132303234303130313132303030302e355a") + b"\x03\x01\xff",
    bytes.fromhex("180e3230323430313031313230303030") + b"\x03\x01\xff",
    bytes.fromhex("180f32303234313330313132303030305a") + b"\x03\x01\xff",
    bytes.fromhex("2c030c0161") + b"\x03\x01\xff",
    bytes.fromhex("3303130161") + b"\x03\x01\xff",
    bytes.fromhex("2500") + b"\x03\x01\xff",
    bytes.fromhex("2203020101") + b"\x03\x01\xff",
    bytes.fromhex("24050403616263") + b"\x03\x01\xff",
    bytes.fromhex("2403020101") + b"\x03\x01\xff",
    bytes.fromhex("0a00") + b"\x03\x01\xff",
    bytes.fromhex("1e0400610062") + b"\x03\x01\xff",
    bytes.fromhex("1e02d800") + b"\x03\x01\xff",
    bytes.fromhex("1c0400000061") + b"\x03\x01\xff",
    bytes.fromhex("0c00") + b"\x03\x01\xff",
    bytes.fromhex("1300") + b"\x03\x01\xff",
    bytes.fromhex("030100") + b"\x03\x01\xff",
    bytes.fromhex("2c00") + b"\x03\x01\xff",
    bytes.fromhex("3000") + b"\x03\x01\xff",
    bytes.fromhex("a000") + b"\x03\x01\xff",
    bytes.fromhex("24800401610000") + b"\x03\x01\xff",
]

RULES = [
    "asn1:oversize_length 0;",
    "asn1:oversize_length 2;",
    "asn1:oversize_length 3;",
    "asn1:oversize_length 4;",
    "asn1:oversize_length 100;",
    "asn1:oversize_length 132;",
    "asn1:oversize_length 133;",
    "asn1:oversize_length 199;",
    "asn1:oversize_length 255;",
    "asn1:oversize_length 256;",
    "asn1:oversize_length 299;",
    "asn1:oversize_length 300;",
    "asn1:bitstring_overflow;",
    "asn1:double_overflow;",
    "asn1:double_overflow, bitstring_overflow, oversize_length 2048;",
    "asn1:absolute_offset 0, oversize_length 132;",
    "asn1:absolute_offset 2, oversize_length 130;",
    "asn1:absolute_offset 2, bitstring_overflow;",
    "asn1:absolute_offset 5, bitstring_overflow;",
    "asn1:relative_offset 2, bitstring_overflow;",
    "asn1:relative_offset 2, bitstring_overflow, oversize_length 140;",
    "asn1:oversize_length 2000;",
    'content:"AA"; asn1:relative_offset 0, oversize_length 130;',
    'content:"AA"; asn1:relative_offset 0, bitstring_overflow;',
    'content:"AA"; asn1:relative_offset -2, oversize_length 130;',
    'content:"AA"; asn1:relative_offset -3, oversize_length 1;',
    'content:"Pablo"; asn1:absolute_offset 0, oversize_length 130;',
    'content:"John"; asn1:relative_offset -7, oversize_length 130;',
    'content:"John"; asn1:relative_offset -7, oversize_length 140;',
    'content:"Jones"; asn1:relative_offset 0, oversize_length 1;',
    'content:"abc"; asn1:relative_offset 0, bitstring_overflow;',
    'content:"abc"; asn1:bitstring_overflow;',
    'content:"XX"; content:!"NTLMSSP"; within:7; distance:4; asn1:relative_offset 11, bitstring_overflow;',
    'content:"XX"; content:!"NTLMSSP"; within:7; distance:4; asn1:relative_offset 0, oversize_length 1;',
    'content:"a"; asn1:relative_offset 1, bitstring_overflow;',
    'content:"a"; asn1:relative_offset 0, oversize_length 0;',
    'asn1:oversize_length 1024,relative_offset -1;',
    'content:"x"; asn1:oversize_length 1024,relative_offset -1;',
    'content:"x"; asn1:oversize_length 200,relative_offset -5;',
]

def pcap(path, packets):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (dport, payload) in enumerate(packets):
            udp = struct.pack("!HHHH", 20000 + i, dport, 8 + len(payload), 0) + payload
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                             bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
            s = sum(struct.unpack("!10H", ip))
            s = (s & 0xFFFF) + (s >> 16); s = (s & 0xFFFF) + (s >> 16)
            ip = ip[:10] + struct.pack("!H", ~s & 0xFFFF) + ip[12:]
            eth = b"\x00\x01\x02\x03\x04\x05\x00\x01\x02\x03\x04\x06\x08\x00" + ip + udp
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(eth), len(eth)) + eth)

def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    packets = [(1000 + r, payload) for r in range(len(RULES)) for payload in PAYLOADS]
    pcap(os.path.join(out, "asn1.pcap"), packets)
    with open(os.path.join(out, "asn1.rules"), "w") as f:
        for r, opts in enumerate(RULES):
            f.write(f"alert udp any any -> any {1000 + r} (msg:\"asn1 {r}\"; {opts} sid:{r + 1};)\n")
    subprocess.run(["suricata", "-r", os.path.join(out, "asn1.pcap"), "-k", "none", "--runmode", "single",
                    "-S", os.path.join(out, "asn1.rules"), "-l", out], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hits = set()
    for line in open(os.path.join(out, "eve.json")):
        e = json.loads(line)
        if e.get("event_type") == "alert":
            hits.add(e["src_port"] - 20000)
    for r, opts in enumerate(RULES):
        for p, payload in enumerate(PAYLOADS):
            want = 1 if r * len(PAYLOADS) + p in hits else 0
            print(f"{payload.hex()}\t{opts}\t{want}")

main()
