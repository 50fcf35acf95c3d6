#!/usr/bin/env python3
"""Makes applayer.pcap and applayer.tsv: the generic protocol-detection events Suricata 7.0.10
raises with its shipped app-layer-events.rules, one small complete session per case.

Each case is a TCP 3-way handshake, its data segments (each acknowledged by the other side),
then FIN both ways, from client 10.0.0.1 port 20000+i. Output lines:
  case <TAB> i <TAB> name <TAB> sid:count,sid:count (sorted by sid; empty when none fired)
       <TAB> the flow record's app_proto ("-" when none)
Run: python3 gen.py OUT_DIR > applayer.tsv   (writes OUT_DIR/applayer.pcap, eve.json)
The pcap is copied beside this file; the Rust test `applayer_events_vs_suricata` replays it."""
import json, os, shutil, struct, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
CLI, SRV = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
FIN, SYN, PSH, ACK = 1, 2, 8, 16

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def ip4(src, dst, l4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64, 6, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(l4)) + l4)
    l4 = l4[:16] + struct.pack("!H", c) + l4[18:]
    return b"\x00\x01\x02\x03\x04\x05\x00\x01\x02\x03\x04\x06\x08\x00" + h + l4

def tcp(sport, dport, seq, ack, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50,
                       flags, 65535, 0, 0) + data

class Pcap:
    def __init__(self):
        self.frames = []
        self.t = 1700000000.0

    def add(self, fr):
        self.t += 0.001
        self.frames.append((self.t, fr))

    def session(self, cport, sport, segs):
        """segs: (0 client / 1 server, bytes); a segment over 1400 bytes is sent in pieces,
        each acknowledged. Kind 2: server data the client acknowledges only after its own
        next segment was acknowledged (so Suricata's IDS mode handles the client's first)."""
        c, s = 1000, 5000
        self.add(ip4(CLI, SRV, tcp(cport, sport, c, 0, SYN)))
        self.add(ip4(SRV, CLI, tcp(sport, cport, s, c + 1, SYN | ACK)))
        c += 1; s += 1
        self.add(ip4(CLI, SRV, tcp(cport, sport, c, s, ACK)))
        lag = None  # server data the client has not acknowledged yet (kind 2)
        for d, data in segs:
            if d == 2:
                lag = s
                self.add(ip4(SRV, CLI, tcp(sport, cport, s, c, PSH | ACK, data)))
                s += len(data)
                continue
            for at in range(0, len(data), 1400):
                piece = data[at:at + 1400]
                if d == 0:
                    ack = s if lag is None else lag
                    self.add(ip4(CLI, SRV, tcp(cport, sport, c, ack, PSH | ACK, piece)))
                    c += len(piece)
                    self.add(ip4(SRV, CLI, tcp(sport, cport, s, c, ACK)))
                    if lag is not None:
                        lag = None
                        self.add(ip4(CLI, SRV, tcp(cport, sport, c, s, ACK)))
                else:
                    self.add(ip4(SRV, CLI, tcp(sport, cport, s, c, PSH | ACK, piece)))
                    s += len(piece)
                    self.add(ip4(CLI, SRV, tcp(cport, sport, c, s, ACK)))
        self.add(ip4(CLI, SRV, tcp(cport, sport, c, s, FIN | ACK)))
        self.add(ip4(SRV, CLI, tcp(sport, cport, s, c + 1, FIN | ACK)))
        self.add(ip4(CLI, SRV, tcp(cport, sport, c + 1, s + 1, ACK)))

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t, fr in self.frames:
                f.write(struct.pack("<IIII", int(t), int(round((t % 1) * 1e6)), len(fr), len(fr)))
                f.write(fr)

def rec(ct, body, ver=0x0303):
    return struct.pack("!BHH", ct, ver, len(body)) + body

def hs(t, body):
    return struct.pack("!B", t) + len(body).to_bytes(3, "big") + body

def client_hello():
    name = b"example.com"
    entry = struct.pack("!BH", 0, len(name)) + name
    e = struct.pack("!HH", 0, len(entry) + 2) + struct.pack("!H", len(entry)) + entry
    body = b"\x03\x03" + b"\x11" * 32 + b"\x00" + b"\x00\x06\x13\x01\xc0\x2f\x00\x2f"
    body += b"\x01\x00" + struct.pack("!H", len(e)) + e
    return rec(22, hs(1, body), 0x0301)

def server_hello():
    body = b"\x03\x03" + b"\x22" * 32 + b"\x00" + b"\xc0\x2f" + b"\x00" + b"\x00\x00"
    return rec(22, hs(2, body) + hs(14, b""))

GET = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
SSH_C = b"SSH-2.0-OpenSSH_9.0\r\n"
SSH_S = b"SSH-2.0-OpenSSH_8.0\r\n"
JUNK = bytes(range(1, 41))           # no protocol's start, 40 bytes
TEXT = b"hello there, nothing to see\r\n"
BIG = bytes((i * 7 + 3) % 251 + 1 for i in range(1400))

def smtp_start():
    return [(1, b"220 mail.example.com ESMTP\r\n"), (0, b"EHLO client\r\n"),
            (1, b"250-mail.example.com\r\n250 STARTTLS\r\n"), (0, b"STARTTLS\r\n"),
            (1, b"220 2.0.0 Ready to start TLS\r\n")]

def ftp_start():
    return [(1, b"220 (vsFTPd 3.0.3)\r\n"), (0, b"AUTH TLS\r\n"),
            (1, b"234 Proceed with negotiation.\r\n")]

def connect_start():
    return [(0, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
            (1, b"HTTP/1.1 200 Connection established\r\n\r\n")]

CASES = [
    ("http_control", 80, [(0, GET), (1, OK)]),
    ("tls_control", 443, [(0, client_hello()), (1, server_hello())]),
    ("ssh_control", 22, [(0, SSH_C), (1, SSH_S)]),
    ("http_answered_by_ssh", 80, [(0, GET), (1, SSH_S)]),
    ("http_answered_by_tls", 80, [(0, GET), (1, server_hello())]),
    ("tls_answered_by_http", 443, [(0, client_hello()), (1, OK)]),
    ("ssh_answered_by_http", 22, [(0, SSH_C), (1, OK)]),
    ("http_answered_by_ftp_banner", 80, [(0, GET), (1, b"220 (vsFTPd 3.0.3)\r\n")]),
    ("http_answered_by_junk", 80, [(0, GET), (1, JUNK)]),
    ("http_answered_by_text", 80, [(0, GET), (1, TEXT)]),
    ("http_answered_by_3_bytes", 80, [(0, GET), (1, b"abc")]),
    ("http_answered_by_junk_8080", 8080, [(0, GET), (1, JUNK)]),
    ("tls_answered_by_junk", 443, [(0, client_hello()), (1, JUNK)]),
    ("tls_answered_by_junk_port_9000", 9000, [(0, client_hello()), (1, JUNK)]),
    ("ssh_answered_by_junk", 22, [(0, SSH_C), (1, JUNK)]),
    ("ssh_server_then_junk_client", 22, [(1, SSH_S), (0, JUNK)]),
    ("ssh_server_then_http_client", 22, [(1, SSH_S), (0, GET)]),
    ("junk_then_http_answer", 80, [(0, JUNK), (1, OK)]),
    ("text_then_ssh_answer", 22, [(0, TEXT), (1, SSH_S)]),
    ("server_text_first_then_http", 80, [(1, TEXT), (0, GET), (1, OK)]),
    ("server_junk_first_then_http", 80, [(1, JUNK), (0, GET), (1, OK)]),
    ("server_http_first_then_http", 80, [(1, OK), (0, GET)]),
    ("server_ssh_first_then_ssh", 22, [(1, SSH_S), (0, SSH_C)]),
    ("server_junk_first_then_tls", 443, [(1, JUNK), (0, client_hello()), (1, server_hello())]),
    ("server_smtp_banner_first_then_http", 80, [(1, b"220 mail.example.com ESMTP\r\n"), (0, GET), (1, OK)]),
    ("smtp_starttls_then_tls", 25, smtp_start() + [(0, client_hello()), (1, server_hello())]),
    ("smtp_starttls_then_plaintext", 25, smtp_start() + [(0, b"EHLO client\r\n"), (1, b"250 ok\r\n")]),
    ("smtp_starttls_then_junk", 25, smtp_start() + [(0, JUNK), (1, JUNK)]),
    ("smtp_starttls_then_http", 25, smtp_start() + [(0, GET), (1, OK)]),
    ("smtp_starttls_then_ssh", 25, smtp_start() + [(0, SSH_C), (1, SSH_S)]),
    ("smtp_starttls_then_nothing", 25, smtp_start()),
    ("ftp_auth_tls_then_tls", 21, ftp_start() + [(0, client_hello()), (1, server_hello())]),
    ("ftp_auth_tls_then_plaintext", 21, ftp_start() + [(0, b"USER anonymous\r\n"), (1, b"331 ok\r\n")]),
    ("http_connect_then_tls", 80, connect_start() + [(0, client_hello()), (1, server_hello())]),
    ("http_connect_then_http", 80, connect_start() + [(0, GET), (1, OK)]),
    ("http_connect_then_junk", 80, connect_start() + [(0, JUNK), (1, JUNK)]),
    ("http_connect_then_ssh", 80, connect_start() + [(0, SSH_C), (1, SSH_S)]),
    ("big_unknown_one_sided_150k", 5555, [(0, BIG * 108)]),
    ("big_unknown_one_sided_90k", 5555, [(0, BIG * 64)]),
    ("big_unknown_both_sides", 5555, [(0, BIG * 2), (1, BIG * 2), (0, BIG * 100)]),
    ("big_unknown_server_only_150k", 5555, [(1, BIG * 108)]),
    ("big_unknown_client_250k_server_small", 5555, [(1, b"x"), (0, BIG * 180)]),
    ("junk_both_ways", 5555, [(0, JUNK), (1, JUNK)]),
    ("http_then_big_junk_answer", 80, [(0, GET), (1, BIG * 3)]),
    ("server_junk_unacked_then_tls", 443, [(2, JUNK), (0, client_hello()), (1, server_hello())]),
    ("server_junk_unacked_then_http", 80, [(2, JUNK), (0, GET), (1, OK)]),
    ("server_text_unacked_then_http", 80, [(2, TEXT), (0, GET), (1, OK)]),
    ("server_tls_first_then_tls", 443, [(1, server_hello()), (0, client_hello())]),
    ("server_tls_unacked_then_tls", 443, [(2, server_hello()), (0, client_hello())]),
    ("server_junk_first_then_tls_9000", 9000, [(1, JUNK), (0, client_hello()), (1, server_hello())]),
    ("server_junk_first_then_smb", 445, [(1, JUNK), (0, b"\x00\x00\x00\x2f\xffSMBr" + b"\x00" * 42)]),
    ("server_junk_first_then_dcerpc", 135, [(1, JUNK), (0, b"\x05\x00\x0b\x03\x10\x00\x00\x00\x48\x00\x00\x00\x01\x00\x00\x00" + b"\x00" * 56)]),
    ("server_junk_first_then_ssh", 22, [(1, JUNK), (0, SSH_C), (1, SSH_S)]),
    ("server_junk_first_then_smtp", 25, [(1, JUNK), (0, b"EHLO client\r\n"), (1, b"250 ok\r\n")]),
    ("server_junk_first_then_ftp", 21, [(1, JUNK), (0, b"USER anonymous\r\n"), (1, b"331 ok\r\n")]),
    ("server_junk_unacked_then_ssh", 22, [(2, JUNK), (0, SSH_C), (1, SSH_S)]),
    ("tls_answered_by_tls_and_http_later", 443, [(0, client_hello()), (1, server_hello()), (0, GET)]),
    ("http_answered_by_short_then_ssh", 80, [(0, GET), (1, b"SSH"), (1, b"-2.0-x\r\n")]),
]

def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    p = Pcap()
    for i, (nm, port, segs) in enumerate(CASES):
        p.session(20000 + i, port, segs)
    pcap = os.path.join(out, "applayer.pcap")
    p.write(pcap)
    rules = os.path.join(out, "app-layer-events.rules")
    if os.path.abspath(out) != HERE:
        shutil.copy("/etc/suricata/rules/app-layer-events.rules", rules)
    if os.path.exists(os.path.join(out, "eve.json")):
        os.remove(os.path.join(out, "eve.json"))
    subprocess.run(["suricata", "-r", pcap, "-k", "none", "--runmode", "single", "-S", rules,
                    "-l", out], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fired, protos = {}, {}
    with open(os.path.join(out, "eve.json")) as f:
        for line in f:
            v = json.loads(line)
            port = v.get("src_port", 0) if v.get("src_ip") == "10.0.0.1" else v.get("dest_port", 0)
            if v.get("event_type") == "flow":
                protos[port - 20000] = v.get("app_proto", "-")
            if v.get("event_type") != "alert":
                continue
            d = fired.setdefault(port - 20000, {})
            sid = v["alert"]["signature_id"]
            d[sid] = d.get(sid, 0) + 1
    for i, (nm, _, _) in enumerate(CASES):
        d = fired.get(i, {})
        print("case\t%d\t%s\t%s\t%s" % (i, nm, ",".join("%d:%d" % (s, d[s]) for s in sorted(d)),
                                     protos.get(i, "-")))
    if os.path.abspath(out) != HERE:
        shutil.copy(pcap, os.path.join(HERE, "applayer.pcap"))

main()
