#!/usr/bin/env python3
"""Makes app_events.pcap and app_events.tsv: the TLS, SMTP and DNS app-layer events Suricata
7.0.10 raises with its shipped tls-events, smtp-events and dns-events rules (app_events.rules,
their three files concatenated), one small complete session per case.

Each TCP case is a 3-way handshake, its data segments (each acknowledged by the other side),
then FIN both ways, from client 10.0.0.1 port 10000+i; each DNS case is one or two UDP
datagrams from client port 10000+i to port 53. Output lines:
  case <TAB> i <TAB> name <TAB> sid:count,sid:count (sorted by sid; empty when none fired)
Run: python3 gen.py OUT_DIR > app_events.tsv   (writes OUT_DIR/app_events.pcap, eve.json)
The pcap is copied beside this file; the Rust test `app_events_vs_suricata` replays it."""
import json, os, shutil, struct, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
CLI, SRV = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def ip4(proto, src, dst, l4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    pseudo = src + dst + struct.pack("!BBH", 0, proto, len(l4))
    c = csum(pseudo + l4)
    off = 16 if proto == 6 else 6
    l4 = l4[:off] + struct.pack("!H", c) + l4[off + 2:]
    return b"\x00\x01\x02\x03\x04\x05\x00\x01\x02\x03\x04\x06\x08\x00" + h + l4

def tcp(sport, dport, seq, ack, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50,
                       flags, 65535, 0, 0) + data

FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16

class Pcap:
    def __init__(self):
        self.frames = []
        self.t = 1700000000.0

    def add(self, fr):
        self.t += 0.001
        self.frames.append((self.t, fr))

    def tcp_session(self, cport, sport, segs):
        c, s = 1000, 5000
        self.add(ip4(6, CLI, SRV, tcp(cport, sport, c, 0, SYN)))
        self.add(ip4(6, SRV, CLI, tcp(sport, cport, s, c + 1, SYN | ACK)))
        c += 1; s += 1
        self.add(ip4(6, CLI, SRV, tcp(cport, sport, c, s, ACK)))
        for d, data in segs:
            if d == 0:
                self.add(ip4(6, CLI, SRV, tcp(cport, sport, c, s, PSH | ACK, data)))
                c += len(data)
                self.add(ip4(6, SRV, CLI, tcp(sport, cport, s, c, ACK)))
            else:
                self.add(ip4(6, SRV, CLI, tcp(sport, cport, s, c, PSH | ACK, data)))
                s += len(data)
                self.add(ip4(6, CLI, SRV, tcp(cport, sport, c, s, ACK)))
        self.add(ip4(6, CLI, SRV, tcp(cport, sport, c, s, FIN | ACK)))
        self.add(ip4(6, SRV, CLI, tcp(sport, cport, s, c + 1, FIN | ACK)))
        self.add(ip4(6, CLI, SRV, tcp(cport, sport, c + 1, s + 1, ACK)))

    def udp(self, cport, dgrams):
        for d, data in dgrams:
            l4 = struct.pack("!HHHH", cport, 53, 8 + len(data), 0) + data
            if d == 1:
                l4 = struct.pack("!HHHH", 53, cport, 8 + len(data), 0) + data
                self.add(ip4(17, SRV, CLI, l4))
            else:
                self.add(ip4(17, CLI, SRV, l4))

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t, fr in self.frames:
                f.write(struct.pack("<IIII", int(t), int(round((t % 1) * 1e6)), len(fr), len(fr)))
                f.write(fr)

# ---- TLS ----
def rec(ct, body, ver=0x0303):
    return struct.pack("!BHH", ct, ver, len(body)) + body

def hs(t, body):
    return struct.pack("!B", t) + len(body).to_bytes(3, "big") + body

def ext(t, body):
    return struct.pack("!HH", t, len(body)) + body

def sni_ext(name=b"example.com", typ=0, nlen=None):
    nlen = len(name) if nlen is None else nlen
    entry = struct.pack("!BH", typ, nlen) + name
    return ext(0, struct.pack("!H", len(entry)) + entry)

def client_hello(exts=None, suites=b"\x13\x01\xc0\x2f\x00\x2f", suites_len=None, ver=0x0303):
    if exts is None:
        exts = [sni_ext()]
    e = b"".join(exts)
    sl = len(suites) if suites_len is None else suites_len
    body = struct.pack("!H", ver) + b"\x11" * 32 + b"\x00" + struct.pack("!H", sl) + suites
    body += b"\x01\x00" + struct.pack("!H", len(e)) + e
    return hs(1, body)

def server_hello(ver=0x0303):
    body = struct.pack("!H", ver) + b"\x22" * 32 + b"\x00" + b"\xc0\x2f" + b"\x00" + b"\x00\x00"
    return hs(2, body)

SHD = hs(14, b"")

def der(tag, body):
    n = len(body)
    if n < 128:
        return bytes([tag, n]) + body
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(b)]) + b + body

def name(cn):
    atv = der(0x30, der(0x06, b"\x55\x04\x03") + der(0x0c, cn))
    return der(0x30, der(0x31, atv))

def cert(version=2, serial=b"\x01", validity=None, subject=None, issuer=None, alg=None):
    alg = alg if alg is not None else der(0x30, der(0x06, b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b") + b"\x05\x00")
    validity = validity if validity is not None else der(0x30, der(0x17, b"240101000000Z") + der(0x17, b"300101000000Z"))
    spki = der(0x30, der(0x30, der(0x06, b"\x2a\x86\x48\xce\x3d\x02\x01") + der(0x06, b"\x2a\x86\x48\xce\x3d\x03\x01\x07")) + der(0x03, b"\x00\x04" + b"\x05" * 64))
    tbs = b""
    if version is not None:
        tbs += der(0xa0, der(0x02, bytes([version])))
    tbs += der(0x02, serial) + alg + (issuer if issuer is not None else name(b"Test CA")) + validity
    tbs += (subject if subject is not None else name(b"example.com")) + spki
    return der(0x30, der(0x30, tbs) + alg + der(0x03, b"\x00" + b"\x07" * 64))

def certificate_msg(certs, list_len=None, cert_len=None):
    body = b""
    for c in certs:
        cl = len(c) if cert_len is None else cert_len
        body += cl.to_bytes(3, "big") + c
    ll = len(body) if list_len is None else list_len
    return hs(11, ll.to_bytes(3, "big") + body)

def tls_case(server_recs, client_recs=None, client_after=None):
    ch = client_recs if client_recs is not None else rec(22, client_hello())
    segs = [(0, ch), (1, server_recs)]
    if client_after:
        segs.append((0, client_after))
    return segs

GOOD_SRV = rec(22, server_hello()) + rec(22, certificate_msg([cert()])) + rec(22, SHD)
CCS = rec(20, b"\x01")

def hb(typ, plen, payload_actual, pad):
    return struct.pack("!BH", typ, plen) + b"\x41" * payload_actual + b"\x00" * pad

TLS = [
    ("tls_normal", tls_case(GOOD_SRV)),
    ("tls_normal_no_cert", tls_case(rec(22, server_hello()) + rec(22, SHD))),
    ("tls_srv_invalid_record_type", tls_case(rec(99, b"\x00" * 8) + GOOD_SRV)),
    ("tls_srv_invalid_record_type_after_hello", tls_case(rec(22, server_hello()) + rec(99, b"\x00" * 8))),
    ("tls_cli_invalid_record_type_after_hello", tls_case(GOOD_SRV, None, rec(99, b"\x00" * 8))),
    ("tls_srv_first_type25", tls_case(rec(25, b"\x00" * 8) + GOOD_SRV)),
    ("tls_srv_type0_after_hello", tls_case(rec(22, server_hello()) + rec(0, b"\x00" * 8) + rec(22, SHD))),
    ("tls_srv_type3f_after_hello", tls_case(rec(22, server_hello()) + rec(0x3f, b"\x00" * 8) + rec(22, SHD))),
    ("tls_cli_type25_after_hello_same_segment", tls_case(GOOD_SRV, rec(22, client_hello()) + rec(25, b"\x00" * 8))),
    ("tls_srv_record_version_0305", tls_case(rec(22, server_hello(), 0x0305) + rec(22, SHD))),
    ("tls_srv_record_version_0200", tls_case(rec(22, server_hello(), 0x0200) + rec(22, SHD))),
    ("tls_srv_record_version_0000", tls_case(rec(22, server_hello(), 0x0000) + rec(22, SHD))),
    ("tls_srv_record_too_long", tls_case(rec(22, server_hello()) + struct.pack("!BHH", 23, 0x0303, 20000) + b"\x00" * 20000)),
    ("tls_srv_hs_record_short", tls_case(rec(22, b"\x02\x00") + GOOD_SRV)),
    ("tls_srv_zero_len_record", tls_case(rec(22, b"") + GOOD_SRV)),
    ("tls_srv_unknown_hs_type", tls_case(rec(22, hs(99, b"\x00" * 4)) + GOOD_SRV)),
    ("tls_cli_unknown_hs_type_after_hello", tls_case(GOOD_SRV, None, rec(22, hs(99, b"\x00" * 4)))),
    ("tls_srv_hello_request", tls_case(rec(22, hs(0, b"")) + GOOD_SRV)),
    ("tls_cli_two_sni", tls_case(GOOD_SRV, rec(22, client_hello([sni_ext(), sni_ext(b"b.example")])))),
    ("tls_cli_sni_type_1", tls_case(GOOD_SRV, rec(22, client_hello([sni_ext(typ=1)])))),
    ("tls_cli_sni_len_300", tls_case(GOOD_SRV, rec(22, client_hello([sni_ext(b"a" * 300)])))),
    ("tls_cli_sni_len_overrun", tls_case(GOOD_SRV, rec(22, client_hello([sni_ext(nlen=200)])))),
    ("tls_cli_suites_len_overrun", tls_case(GOOD_SRV, rec(22, client_hello(suites_len=300)))),
    ("tls_cli_ext_len_overrun", tls_case(GOOD_SRV, rec(22, client_hello([ext(0x000a, b"\x00\x02\x00\x17")[:2] + b"\x01\x00" + b"\x00\x02\x00\x17"])))),
    ("tls_srv_hb_request_ok", tls_case(rec(22, server_hello()) + rec(24, hb(1, 4, 4, 16)) + rec(22, SHD))),
    ("tls_srv_hb_bad_type", tls_case(rec(22, server_hello()) + rec(24, hb(3, 4, 4, 16)) + rec(22, SHD))),
    ("tls_srv_hb_overflow", tls_case(rec(22, server_hello()) + rec(24, hb(1, 1000, 4, 16)) + rec(22, SHD))),
    ("tls_srv_hb_short_padding", tls_case(rec(22, server_hello()) + rec(24, hb(1, 4, 4, 2)) + rec(22, SHD))),
    ("tls_cli_hb_overflow_after_hello", tls_case(GOOD_SRV, None, rec(24, hb(1, 1000, 4, 16)))),
    ("tls_cli_hb_overflow_first_segment", tls_case(GOOD_SRV, rec(22, client_hello()) + rec(24, hb(1, 1000, 4, 16)))),
    ("tls_hb_dataleak", [(0, rec(22, client_hello())), (1, rec(22, server_hello()) + rec(22, SHD)),
                         (0, CCS + rec(22, b"\x33" * 40)), (1, CCS + rec(22, b"\x44" * 40)),
                         (0, rec(24, b"\x55" * 40)), (1, rec(24, b"\x66" * 400))]),
    ("tls_hb_encrypted_ok", [(0, rec(22, client_hello())), (1, rec(22, server_hello()) + rec(22, SHD)),
                             (0, CCS + rec(22, b"\x33" * 40)), (1, CCS + rec(22, b"\x44" * 40)),
                             (0, rec(24, b"\x55" * 40)), (1, rec(24, b"\x66" * 40))]),
    ("tls_srv_many_empty_records", tls_case(rec(22, server_hello()) + rec(23, b"") * 40)),
    ("tls_srv_many_tiny_records", tls_case(rec(22, server_hello()) + rec(21, b"\x01") * 40)),
    ("tls_sslv2_error", [(0, bytes([0x80, 0x2b, 0x01, 0x00, 0x02, 0x00, 0x12, 0x00, 0x00, 0x00, 0x10]) + b"\x07\x00\xc0\x05\x00\x80\x03\x00\x80\x01\x00\x80\x08\x00\x80\x06\x00\x40" + b"\x12" * 16),
                         (1, bytes([0x80, 0x03, 0x00, 0x00, 0x01]))]),
    ("tls_sslv2_zero_len", [(0, bytes([0x80, 0x2b, 0x01, 0x00, 0x02, 0x00, 0x12, 0x00, 0x00, 0x00, 0x10]) + b"\x07\x00\xc0\x05\x00\x80\x03\x00\x80\x01\x00\x80\x08\x00\x80\x06\x00\x40" + b"\x12" * 16),
                            (1, bytes([0x80, 0x00, 0x04]))]),
    ("tls_srv_alert", tls_case(rec(21, b"\x02\x28"))),
    ("tls_cert_garbage", tls_case(rec(22, server_hello()) + rec(22, certificate_msg([b"\x30\x03\x01\x02\x03"])) + rec(22, SHD))),
    ("tls_cert_not_der", tls_case(rec(22, server_hello()) + rec(22, certificate_msg([b"hello world"])) + rec(22, SHD))),
    ("tls_cert_list_len_too_big", tls_case(rec(22, server_hello()) + rec(22, certificate_msg([cert()], list_len=5000)) + rec(22, SHD))),
    ("tls_cert_len_too_big", tls_case(rec(22, server_hello()) + rec(22, certificate_msg([cert()], cert_len=5000)) + rec(22, SHD))),
    ("tls_cert_version_9", tls_case(rec(22, server_hello()) + rec(22, certificate_msg([cert(version=9)])) + rec(22, SHD))),
    ("tls_cert_bad_date", tls_case(rec(22, server_hello()) + rec(22, certificate_msg([cert(validity=der(0x30, der(0x17, b"2401X1000000Z") + der(0x17, b"300101000000Z")))])) + rec(22, SHD))),
    ("tls_cert_bad_name", tls_case(rec(22, server_hello()) + rec(22, certificate_msg([cert(subject=der(0x30, b"\x31\x02\x05\x00"))])) + rec(22, SHD))),
    ("tls_cert_bad_alg", tls_case(rec(22, server_hello()) + rec(22, certificate_msg([cert(alg=der(0x30, der(0x02, b"\x01")))])) + rec(22, SHD))),
    ("tls_cert_empty_serial", tls_case(rec(22, server_hello()) + rec(22, certificate_msg([cert(serial=b"")])) + rec(22, SHD))),
    ("tls_cert_second_of_two_bad", tls_case(rec(22, server_hello()) + rec(22, certificate_msg([cert(), b"\x30\x03\x01\x02\x03"])) + rec(22, SHD))),
    ("tls_cert_in_hello_record", tls_case(rec(22, server_hello() + certificate_msg([b"\x30\x03\x01\x02\x03"]) + SHD))),
    ("tls_cert_empty_list", tls_case(rec(22, server_hello()) + rec(22, certificate_msg([])) + rec(22, SHD))),
    ("tls_cert_truncated", tls_case(rec(22, server_hello()) + rec(22, certificate_msg([cert()[:60]], cert_len=60)) + rec(22, SHD))),
]

# ---- SMTP ----
def smtp(lines):
    return [(d, x if isinstance(x, bytes) else x.encode()) for d, x in lines]

def mail(body, pre=(), extra_reply=None):
    s = [(1, "220 mx.example ESMTP\r\n"), (0, "EHLO client.example\r\n"), (1, "250-mx.example\r\n250 SIZE 1000\r\n"),
         (0, "MAIL FROM:<a@example.com>\r\n"), (1, "250 OK\r\n"), (0, "RCPT TO:<b@example.com>\r\n"), (1, "250 OK\r\n"),
         (0, "DATA\r\n"), (1, "354 go\r\n")]
    s += [(0, body), (1, "250 queued\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")]
    return smtp(list(pre) + s)

MIME_OK = ("From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
           "--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"a.bin\"\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n--XX--\r\n.\r\n")

def mime_with(headers, part_headers="Content-Type: text/plain\r\n", part_body="hello\r\n", boundary="XX"):
    return ("From: a@example.com\r\n" + headers + "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n--" + boundary + "\r\n" + part_headers + "\r\n" + part_body +
            "--" + boundary + "--\r\n.\r\n")

# Pieces of SMTP sessions: greeting and EHLO, a refused DATA, a mail, RSET, QUIT.
SM_H = [(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n")]
SM_REJ = [(0, "MAIL FROM:<a@b>\r\n"), (1, "250 ok\r\n"), (0, "RCPT TO:<c@d>\r\n"), (1, "250 ok\r\n"), (0, "DATA\r\n"), (1, "554 no\r\n")]
SM_OK = [(0, "MAIL FROM:<a@b>\r\n"), (1, "250 ok\r\n"), (0, "RCPT TO:<c@d>\r\n"), (1, "250 ok\r\n"), (0, "DATA\r\n"), (1, "354 go\r\n"), (0, "hi\r\n.\r\n"), (1, "250 ok\r\n")]
SM_RSET = [(0, "RSET\r\n"), (1, "250 ok\r\n")]
SM_Q = [(0, "QUIT\r\n"), (1, "221 bye\r\n")]

SMTP = [
    ("smtp_normal", mail(MIME_OK)),
    ("smtp_invalid_reply", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "xyz hello\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_extra_reply", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n"), (1, "250 again\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_long_command", smtp([(1, "220 mx\r\n"), (0, "EHLO " + "a" * 5000 + "\r\n"), (1, "500 too long\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_command_600", smtp([(1, "220 mx\r\n"), (0, "EHLO " + "a" * 600 + "\r\n"), (1, "250 ok\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_long_reply", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 " + "b" * 5000 + "\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_reply_600", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 " + "b" * 600 + "\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_no_welcome", smtp([(0, "EHLO c\r\n"), (1, "250 ok\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_tls_rejected", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n"), (0, "STARTTLS\r\n"), (1, "454 no tls\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_data_rejected", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n"), (0, "MAIL FROM:<a@b>\r\n"), (1, "250 ok\r\n"), (0, "RCPT TO:<c@d>\r\n"), (1, "250 ok\r\n"), (0, "DATA\r\n"), (1, "554 no\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_bdat_exceeded", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n"), (0, "MAIL FROM:<a@b>\r\n"), (1, "250 ok\r\n"), (0, "RCPT TO:<c@d>\r\n"), (1, "250 ok\r\n"), (0, "BDAT 5 LAST\r\nhello world and more\r\n"), (1, "250 ok\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_bdat_ok", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n"), (0, "MAIL FROM:<a@b>\r\n"), (1, "250 ok\r\n"), (0, "RCPT TO:<c@d>\r\n"), (1, "250 ok\r\n"), (0, "BDAT 5 LAST\r\n"), (0, "hello"), (1, "250 ok\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_bdat_bad_len", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n"), (0, "MAIL FROM:<a@b>\r\n"), (1, "250 ok\r\n"), (0, "RCPT TO:<c@d>\r\n"), (1, "250 ok\r\n"), (0, "BDAT xyz\r\n"), (1, "501 bad\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_duplicate_helo", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n"), (0, "EHLO d\r\n"), (1, "250 ok\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_duplicate_mail_from", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n"), (0, "MAIL FROM:<a@b>\r\n"), (1, "250 ok\r\n"), (0, "MAIL FROM:<x@y>\r\n"), (1, "503 nested\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_mime_long_boundary", mail(mime_with("", boundary="B" * 300))),
    ("smtp_mime_long_filename", mail(mime_with("", part_headers="Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + "f" * 300 + ".bin\"\r\n", part_body="abc\r\n"))),
    ("smtp_mime_long_header_name", mail(mime_with("X" * 300 + ": v\r\n"))),
    ("smtp_mime_long_header_value", mail(mime_with("X-Long: " + "v" * 3000 + "\r\n"))),
    ("smtp_mime_long_line", mail(mime_with("", part_body="a" * 1200 + "\r\n"))),
    ("smtp_mime_bad_base64", mail(mime_with("", part_headers="Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n", part_body="!!!!####\r\n"))),
    ("smtp_mime_bad_qp", mail(mime_with("", part_headers="Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n", part_body="abc=ZZdef\r\n"))),
    ("smtp_unparsable_header", mail("From: a@example.com\r\nthis is not a header\r\nSubject: x\r\n\r\nbody\r\n.\r\n")),
    ("smtp_starttls_then_plain", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n"), (0, "STARTTLS\r\n"), (1, "220 go ahead\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n")])),
    ("smtp_starttls_502", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n"), (0, "STARTTLS\r\n"), (1, "502 no tls\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_first_reply_554", smtp([(1, "554 go away\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_reply_code_299", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "299 odd\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_reply_short", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "25\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_bdat_split_exceeded", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n"), (0, "MAIL FROM:<a@b>\r\n"), (1, "250 ok\r\n"), (0, "RCPT TO:<c@d>\r\n"), (1, "250 ok\r\n"), (0, "BDAT 3 LAST\r\n"), (0, "ab\r\n"), (1, "250 ok\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_bdat_exact_lines", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n"), (0, "MAIL FROM:<a@b>\r\n"), (1, "250 ok\r\n"), (0, "RCPT TO:<c@d>\r\n"), (1, "250 ok\r\n"), (0, "BDAT 7 LAST\r\n"), (0, "hello\r\n"), (1, "250 ok\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_starttls_then_command", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n"), (0, "STARTTLS\r\nNOOP\r\n"), (1, "454 later\r\n250 ok\r\n"), (0, "QUIT\r\n"), (1, "221 bye\r\n")])),
    ("smtp_boundary_254", mail(mime_with("", boundary="B" * 254))),
    ("smtp_boundary_255", mail(mime_with("", boundary="B" * 255))),
    ("smtp_boundary_256", mail(mime_with("", boundary="B" * 256))),
    ("smtp_boundary_200", mail(mime_with("", boundary="B" * 200))),
    ("smtp_filename_254", mail(mime_with("", part_headers="Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + "f" * 254 + "\"\r\n", part_body="abc\r\n"))),
    ("smtp_filename_255", mail(mime_with("", part_headers="Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + "f" * 255 + "\"\r\n", part_body="abc\r\n"))),
    ("smtp_filename_256", mail(mime_with("", part_headers="Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + "f" * 256 + "\"\r\n", part_body="abc\r\n"))),
    ("smtp_filename_ct_name_300", mail(mime_with("", part_headers="Content-Type: application/octet-stream; name=\"" + "g" * 300 + "\"\r\n", part_body="abc\r\n"))),
    ("smtp_two_mails_data_without_end", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n"), (0, "MAIL FROM:<a@b>\r\n"), (1, "250 ok\r\n"), (0, "RCPT TO:<c@d>\r\n"), (1, "250 ok\r\n"), (0, "DATA\r\n"), (1, "554 no\r\n"), (0, "DATA\r\n"), (1, "354 go\r\n"), (0, "Subject: x\r\n\r\nbody\r\n.\r\n"), (1, "250 ok\r\n")])),
    ("smtp_two_tx_data_rejected_after_rset", smtp(SM_H + SM_REJ + SM_RSET + SM_REJ + SM_Q)),
    ("smtp_mail_then_data_rejected", smtp(SM_H + SM_OK + SM_REJ + SM_Q)),
    ("smtp_rejected_ok_rejected", smtp(SM_H + SM_REJ + SM_RSET + SM_OK + SM_REJ + SM_Q)),
    ("smtp_duplicate_helo_in_two_tx", smtp(SM_H + [(0, "EHLO d\r\n"), (1, "250 ok\r\n")] + SM_OK + [(0, "EHLO e\r\n"), (1, "250 ok\r\n")] + SM_Q)),
    ("smtp_pipelined_bad", smtp([(1, "220 mx\r\n"), (0, "EHLO c\r\n"), (1, "250 ok\r\n"), (0, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nQUIT\r\n"), (1, "250 ok\r\n250 ok\r\n354 go\r\n")])),
]

# ---- DNS ----
def qname(n):
    out = b""
    for l in n.split("."):
        out += bytes([len(l)]) + l.encode()
    return out + b"\0"

def dns_msg(tid=0x1234, flags=0x0100, qd=1, an=0, body=None):
    if body is None:
        body = qname("example.com") + b"\x00\x01\x00\x01"
    return struct.pack("!HHHHHH", tid, flags, qd, an, 0, 0) + body

Q = dns_msg()
R = dns_msg(flags=0x8180, an=1, body=qname("example.com") + b"\x00\x01\x00\x01" + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x01\x02\x03\x04")

DNS = [
    ("dns_normal", [(0, Q), (1, R)]),
    ("dns_truncated_query", [(0, Q[:15])]),
    ("dns_truncated_response", [(0, Q), (1, R[:40])]),
    ("dns_header_only_short", [(0, Q[:8])]),
    ("dns_response_to_server", [(0, dns_msg(flags=0x8180, an=0))]),
    ("dns_query_to_client", [(0, Q), (1, dns_msg(flags=0x0100))]),
    ("dns_z_flag", [(0, dns_msg(flags=0x0140)), (1, R)]),
    ("dns_opcode_7", [(0, dns_msg(flags=0x3900))]),
    ("dns_pointer_loop", [(0, Q), (1, dns_msg(flags=0x8180, an=1, body=qname("example.com") + b"\x00\x01\x00\x01" + b"\xc0\x1d\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x01\x02\x03\x04"))]),
    ("dns_self_pointer_query", [(0, dns_msg(body=b"\xc0\x0c\x00\x01\x00\x01"))]),
    ("dns_name_too_long", [(0, dns_msg(body=(b"\x3f" + b"a" * 63) * 5 + b"\x00\x00\x01\x00\x01"))]),
    ("dns_too_many_labels", [(0, dns_msg(body=b"\x01a" * 300 + b"\x00\x00\x01\x00\x01"))]),
    ("dns_trailing_garbage", [(0, Q + b"\x00\x00\x00")]),
    ("dns_then_opcode_7", [(0, Q), (1, R), (0, dns_msg(flags=0x3900))]),
    ("dns_then_truncated_query", [(0, Q), (1, R), (0, Q[:15])]),
    ("dns_then_truncated_response", [(0, Q), (1, R), (0, Q), (1, R[:40])]),
    ("dns_then_response_to_server", [(0, Q), (1, R), (0, dns_msg(flags=0x8180, an=0))]),
    ("dns_then_query_to_client", [(0, Q), (1, R), (1, dns_msg(flags=0x0100))]),
    ("dns_then_pointer_loop", [(0, Q), (1, R), (0, Q), (1, dns_msg(flags=0x8180, an=1, body=qname("example.com") + b"\x00\x01\x00\x01" + b"\xc0\x1d\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x01\x02\x03\x04"))]),
    ("dns_then_name_too_long", [(0, Q), (1, R), (0, dns_msg(body=(b"\x3f" + b"a" * 63) * 5 + b"\x00\x00\x01\x00\x01"))]),
    ("dns_then_too_many_labels", [(0, Q), (1, R), (0, dns_msg(body=b"\x01a" * 300 + b"\x00\x00\x01\x00\x01"))]),
    ("dns_then_self_pointer", [(0, Q), (1, R), (0, Q), (1, dns_msg(flags=0x8180, an=1, body=b"\xc0\x0c\x00\x01\x00\x01" + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x01\x02\x03\x04"))]),
]

# DNS over TCP (port 53): each message behind its 2-byte length.
def framed(*msgs):
    return b"".join(struct.pack("!H", len(m)) + m for m in msgs)

DNSTCP = [
    ("dnstcp_normal", [(0, framed(Q)), (1, framed(R))]),
    ("dnstcp_cut_first", [(0, framed(Q[:15]))]),
    ("dnstcp_query_and_cut_query", [(0, framed(Q, Q[:15]))]),
    ("dnstcp_query_then_cut_query", [(0, framed(Q)), (0, framed(Q[:15]))]),
    ("dnstcp_query_then_cut_response", [(0, framed(Q)), (1, framed(R[:40]))]),
    ("dnstcp_exchange_then_cut_query", [(0, framed(Q)), (1, framed(R)), (0, framed(Q[:15]))]),
    ("dnstcp_cut_then_query", [(0, framed(Q[:15], Q))]),
    ("dnstcp_empty_frames", [(0, framed(b"", Q)), (1, framed(R))]),
    ("dnstcp_opcode_9", [(0, framed(dns_msg(flags=0x4900)))]),
]

def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    p = Pcap()
    cases = []
    for i, (nm, segs) in enumerate(TLS + SMTP + DNS + DNSTCP):
        port = 10000 + i
        if nm.startswith("tls"):
            p.tcp_session(port, 443, segs)
        elif nm.startswith("smtp"):
            p.tcp_session(port, 25, segs)
        elif nm.startswith("dnstcp"):
            p.tcp_session(port, 53, segs)
        else:
            p.udp(port, segs)
        cases.append(nm)
    pcap = os.path.join(out, "app_events.pcap")
    p.write(pcap)
    rules = os.path.join(out, "app_events.rules")
    with open(rules, "w") as dst:
        for f in ("tls-events.rules", "smtp-events.rules", "dns-events.rules"):
            with open("/etc/suricata/rules/" + f) as src:
                dst.write(src.read())
    for f in ("eve.json",):
        if os.path.exists(os.path.join(out, f)):
            os.remove(os.path.join(out, f))
    subprocess.run(["suricata", "-r", pcap, "-k", "none", "--runmode", "single", "-S", rules,
                    "-l", out], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fired = {}
    with open(os.path.join(out, "eve.json")) as f:
        for line in f:
            v = json.loads(line)
            if v.get("event_type") != "alert":
                continue
            port = v["src_port"] if v["src_ip"] == "10.0.0.1" else v["dest_port"]
            d = fired.setdefault(port - 10000, {})
            sid = v["alert"]["signature_id"]
            d[sid] = d.get(sid, 0) + 1
    for i, nm in enumerate(cases):
        d = fired.get(i, {})
        print("case\t%d\t%s\t%s" % (i, nm, ",".join("%d:%d" % (s, d[s]) for s in sorted(d))))
    if os.path.abspath(out) != HERE:
        shutil.copy(pcap, os.path.join(HERE, "app_events.pcap"))
        shutil.copy(rules, os.path.join(HERE, "app_events.rules"))

main()
