#!/usr/bin/env python3
"""Makes ftp.pcap and the Suricata 7.0.10 reference for tests/ftp_data_vs_suricata.rs: FTP
control sessions whose STOR/RETR open data connections (PASV, EPSV, PORT, EPRT; data in
either direction), a bounce PORT, over-long command and reply lines, a RETR without a data
port (Suricata's parser stops), data connections nothing expected, and an expectation used
from another address pair (not linked).

Case i: client 10.0.0.1 port 10000+i to server 10.0.0.2 port 21 (case 9 from 10.0.0.3); its
data connection, if any, follows its control session's STOR/RETR and precedes the final reply.
Output (stdout), one line per record:
  alert <TAB> the flow's ports, lower-higher <TAB> sid   (lines sorted)
  ftp_data <TAB> client port <TAB> server port <TAB> command <TAB> filename
  flow <TAB> client port <TAB> server port <TAB> app_proto
Run: python3 gen.py OUT_DIR > ftp-suricata.tsv  (OUT_DIR/ftp.pcap and eve.json; the pcap and
rules are copied beside this file)."""
import json, os, shutil, struct, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
CLI, SRV, OTHER = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), bytes([10, 0, 0, 3])

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

FIN, SYN, PSH, ACK = 1, 2, 8, 16

class Session:
    """One TCP connection, its segments written as they are sent (each acknowledged)."""
    def __init__(self, pcap, c, s, cport, sport):
        self.p, self.c, self.s, self.cp, self.sp = pcap, c, s, cport, sport
        self.cs, self.ss = 1000, 5000
        pcap.add(ip4(c, s, tcp(cport, sport, self.cs, 0, SYN)))
        pcap.add(ip4(s, c, tcp(sport, cport, self.ss, self.cs + 1, SYN | ACK)))
        self.cs += 1; self.ss += 1
        pcap.add(ip4(c, s, tcp(cport, sport, self.cs, self.ss, ACK)))

    def send(self, d, data):
        if isinstance(data, str):
            data = data.encode()
        while data:
            part, data = data[:1400], data[1400:]
            if d == 0:
                self.p.add(ip4(self.c, self.s, tcp(self.cp, self.sp, self.cs, self.ss, PSH | ACK, part)))
                self.cs += len(part)
                self.p.add(ip4(self.s, self.c, tcp(self.sp, self.cp, self.ss, self.cs, ACK)))
            else:
                self.p.add(ip4(self.s, self.c, tcp(self.sp, self.cp, self.ss, self.cs, PSH | ACK, part)))
                self.ss += len(part)
                self.p.add(ip4(self.c, self.s, tcp(self.cp, self.sp, self.cs, self.ss, ACK)))

    def close(self):
        c, s, cp, sp = self.c, self.s, self.cp, self.sp
        self.p.add(ip4(c, s, tcp(cp, sp, self.cs, self.ss, FIN | ACK)))
        self.p.add(ip4(s, c, tcp(sp, cp, self.ss, self.cs + 1, FIN | ACK)))
        self.p.add(ip4(c, s, tcp(cp, sp, self.cs + 1, self.ss + 1, ACK)))

class Pcap:
    def __init__(self):
        self.frames, self.t = [], 1700000000.0

    def add(self, fr):
        self.t += 0.001
        self.frames.append((self.t, fr))

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t, fr in self.frames:
                f.write(struct.pack("<IIII", int(t), int(round((t % 1) * 1e6)), len(fr), len(fr)))
                f.write(fr)

KIMSUKY = (b'Set s = CreateObject("WScript.Shell")\r\ns.Run "reg add HKCU\\x /d '
           b'ftp://abcdefgh.xyz/a"\r\n')
FILE = b"<html>hello from the ftp data channel</html>\r\n" * 3

def login(s):
    s.send(1, "220 ready\r\n")
    s.send(0, "USER anon\r\n"); s.send(1, "331 pw\r\n")
    s.send(0, "PASS x\r\n"); s.send(1, "230 ok\r\n")

def data(p, i, c, s, cport, sport, d, payload):
    """A data connection from `c`:`cport` to `s`:`sport`; `payload` in direction `d`."""
    x = Session(p, c, s, cport, sport)
    if payload:
        x.send(d, payload)
    x.close()

def case(p, i, steps, c=CLI):
    s = Session(p, c, SRV, 10000 + i, 21)
    login(s)
    for st in steps:
        if callable(st):
            st()
        else:
            s.send(*st)
    s.send(0, "QUIT\r\n"); s.send(1, "221 bye\r\n")
    s.close()

def build():
    p = Pcap()
    # 1 passive RETR (PASV): the file comes from the server.
    case(p, 1, [(0, "PASV\r\n"), (1, "227 Entering Passive Mode (10,0,0,2,195,81).\r\n"),
                (0, "RETR evil.vbs\r\n"), (1, "150 open\r\n"),
                lambda: data(p, 1, CLI, SRV, 20001, 50001, 1, KIMSUKY), (1, "226 done\r\n")])
    # 2 active STOR (PORT): the server connects from port 20; the file goes to it.
    case(p, 2, [(0, "PORT 10,0,0,1,156,66\r\n"), (1, "200 PORT ok\r\n"),
                (0, "STOR upload.html\r\n"), (1, "150 open\r\n"),
                lambda: data(p, 2, SRV, CLI, 20, 40002, 1, FILE), (1, "226 done\r\n")])
    # 3 passive STOR (EPSV): the client sends the file.
    case(p, 3, [(0, "EPSV\r\n"), (1, "229 Entering Extended Passive Mode (|||50003|)\r\n"),
                (0, "STOR dir/up.txt\r\n"), (1, "150 open\r\n"),
                lambda: data(p, 3, CLI, SRV, 20003, 50003, 0, FILE), (1, "226 done\r\n")])
    # 4 active RETR (EPRT): the server connects and sends.
    case(p, 4, [(0, "EPRT |1|10.0.0.1|40004|\r\n"), (1, "200 EPRT ok\r\n"),
                (0, "RETR pub/x.bin\r\n"), (1, "150 open\r\n"),
                lambda: data(p, 4, SRV, CLI, 20, 40004, 0, KIMSUKY), (1, "226 done\r\n")])
    # 5 bounce: PORT naming another host.
    case(p, 5, [(0, "PORT 10,9,9,9,0,80\r\n"), (1, "200 PORT ok\r\n"),
                (0, "LIST\r\n"), (1, "425 no\r\n")])
    # 6 a command line over 4096 bytes, then a reply line over 4096 bytes.
    case(p, 6, [(0, "SITE " + "A" * 5000 + "\r\n"), (1, "500 no\r\n"),
                (0, "HELP\r\n"), (1, "214 " + "B" * 5000 + "\r\n")])
    # 7 RETR with no data port: Suricata's parser stops (later commands are not logged).
    case(p, 7, [(0, "RETR nothing.txt\r\n"), (1, "425 use PASV\r\n"),
                (0, "NOOP\r\n"), (1, "200 ok\r\n")])
    # 8 PASV but LIST (no expectation): its data connection is not ftp-data.
    case(p, 8, [(0, "PASV\r\n"), (1, "227 Entering Passive Mode (10,0,0,2,195,88).\r\n"),
                (0, "LIST\r\n"), (1, "150 open\r\n"),
                lambda: data(p, 8, CLI, SRV, 20008, 50008, 1, b"-rw-r--r-- 1 a b 3 x\r\n"),
                (1, "226 done\r\n")])
    # 9 from another client: the expectation is for 10.0.0.3; a connection from 10.0.0.1
    # to the same port is not linked, one from 10.0.0.3 is.
    case(p, 9, [(0, "PASV\r\n"), (1, "227 Entering Passive Mode (10,0,0,2,195,89).\r\n"),
                (0, "RETR second.vbs\r\n"), (1, "150 open\r\n"),
                lambda: data(p, 9, CLI, SRV, 20009, 50009, 1, KIMSUKY),
                lambda: data(p, 9, OTHER, SRV, 20019, 50009, 1, KIMSUKY),
                (1, "226 done\r\n")], c=OTHER)
    # 10 a RETR whose data arrives in the other direction (client to server): linked, but
    # no file.
    case(p, 10, [(0, "PASV\r\n"), (1, "227 Entering Passive Mode (10,0,0,2,195,90).\r\n"),
                 (0, "RETR odd.txt\r\n"), (1, "150 open\r\n"),
                 lambda: data(p, 10, CLI, SRV, 20010, 50010, 0, FILE), (1, "226 done\r\n")])
    # 11 two transfers on one control session, the second to an empty file.
    case(p, 11, [(0, "PASV\r\n"), (1, "227 Entering Passive Mode (10,0,0,2,195,91).\r\n"),
                 (0, "RETR a.txt\r\n"), (1, "150 open\r\n"),
                 lambda: data(p, 11, CLI, SRV, 20011, 50011, 1, FILE), (1, "226 done\r\n"),
                 (0, "PASV\r\n"), (1, "227 Entering Passive Mode (10,0,0,2,195,92).\r\n"),
                 (0, "STOR empty.txt\r\n"), (1, "150 open\r\n"),
                 lambda: data(p, 11, CLI, SRV, 20012, 50012, 0, b""), (1, "226 done\r\n")])
    return p

def flow_key(v):
    a, b = sorted((v["src_port"], v["dest_port"]))
    return "%d-%d" % (a, b)

def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    pcap = os.path.join(out, "ftp.pcap")
    build().write(pcap)
    rules = os.path.join(HERE, "ftp.rules")
    for f in ("eve.json",):
        if os.path.exists(os.path.join(out, f)):
            os.remove(os.path.join(out, f))
    subprocess.run(["suricata", "-r", pcap, "-k", "none", "--runmode", "single", "-S", rules,
                    "-l", out], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lines = []
    with open(os.path.join(out, "eve.json")) as f:
        for line in f:
            v = json.loads(line)
            t = v.get("event_type")
            if t == "alert":
                lines.append("alert\t%s\t%d" % (flow_key(v), v["alert"]["signature_id"]))
            elif t == "ftp_data":
                fd = v.get("ftp_data", {})
                lines.append("ftp_data\t%d\t%d\t%s\t%s" % (v["src_port"], v["dest_port"], fd.get("command", "-"), fd.get("filename", "-")))
            elif t == "flow":
                lines.append("flow\t%d\t%d\t%s" % (v["src_port"], v["dest_port"], v.get("app_proto", "-")))
    for l in sorted(lines):
        print(l)
    shutil.copy(pcap, os.path.join(HERE, "ftp.pcap"))

main()
