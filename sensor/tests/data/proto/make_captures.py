#!/usr/bin/env python3
"""Writes the captures of tests/app_proto_vs_suricata.rs: one flow per protocol start the
sensor recognises (and look-alikes on other ports), and SOCKS 4/5 tunnels carrying TLS and HTTP.
Deterministic: the same bytes every run. Usage: make_captures.py OUTDIR"""
import struct, sys, os

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ip4(a): return bytes(int(x) for x in a.split('.'))

class Pcap:
    def __init__(self): self.pkts = []; self.t = 1_700_000_000.0
    def add(self, src, dst, proto, l4):
        hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), len(self.pkts) & 0xffff, 0, 64, proto, 0, ip4(src), ip4(dst))
        hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
        eth = b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + b'\x08\x00'
        self.t += 0.001
        self.pkts.append((self.t, eth + hdr + l4))
    def write(self, path):
        with open(path, 'wb') as f:
            f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
            for t, p in self.pkts:
                f.write(struct.pack('<IIII', int(t), int(round((t % 1) * 1e6)), len(p), len(p)) + p)

def tcp_seg(src, dst, sp, dp, seq, ack, flags, data=b''):
    h = struct.pack('!HHIIBBHHH', sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0)
    ph = ip4(src) + ip4(dst) + struct.pack('!BBH', 0, 6, len(h) + len(data))
    c = csum(ph + h + data)
    return h[:16] + struct.pack('!H', c) + h[18:] + data

def tcp_flow(p, c, s, cp, sp, msgs):
    """Handshake, `msgs` [(to_server, bytes)], each acknowledged, then FIN both ways."""
    cs, ss = 1000, 5000
    p.add(c, s, 6, tcp_seg(c, s, cp, sp, cs, 0, 0x02)); cs += 1
    p.add(s, c, 6, tcp_seg(s, c, sp, cp, ss, cs, 0x12)); ss += 1
    p.add(c, s, 6, tcp_seg(c, s, cp, sp, cs, ss, 0x10))
    for ts, d in msgs:
        if ts:
            p.add(c, s, 6, tcp_seg(c, s, cp, sp, cs, ss, 0x18, d)); cs += len(d)
            p.add(s, c, 6, tcp_seg(s, c, sp, cp, ss, cs, 0x10))
        else:
            p.add(s, c, 6, tcp_seg(s, c, sp, cp, ss, cs, 0x18, d)); ss += len(d)
            p.add(c, s, 6, tcp_seg(c, s, cp, sp, cs, ss, 0x10))
    p.add(c, s, 6, tcp_seg(c, s, cp, sp, cs, ss, 0x11)); cs += 1
    p.add(s, c, 6, tcp_seg(s, c, sp, cp, ss, cs, 0x11)); ss += 1
    p.add(c, s, 6, tcp_seg(c, s, cp, sp, cs, ss, 0x10))

def udp_flow(p, c, s, cp, sp, msgs):
    for ts, d in msgs:
        a, b, x, y = (c, s, cp, sp) if ts else (s, c, sp, cp)
        h = struct.pack('!HHHH', x, y, 8 + len(d), 0)
        ph = ip4(a) + ip4(b) + struct.pack('!BBH', 0, 17, 8 + len(d))
        h = h[:6] + struct.pack('!H', csum(ph + h + d) or 0xffff)
        p.add(a, b, 17, h + d)

# Protocol starts (client, server).
SSH_C = b'SSH-2.0-OpenSSH_9.6\r\n'; SSH_S = b'SSH-2.0-OpenSSH_8.9p1\r\n'
SMB2 = b'\x00\x00\x00\x48\xfeSMB\x40\x00\x00\x00\x00\x00\x00\x00\x00\x00' + b'\x00' * 56
SMB2R = b'\x00\x00\x00\x48\xfeSMB\x40\x00\x00\x00\x00\x00\x01\x00\x01\x00' + b'\x00' * 56
NBSS_REQ = b'\x81\x00\x00\x44\x20' + b'CKFDENECFDEFFCFGEFFCCACACACACACA' + b'\x00\x20' + b'EOEBFCFCEBEJEOCACACACACACACACAAA' + b'\x00'
NBSS_OK = b'\x82\x00\x00\x00'
DCE_BIND = bytes.fromhex('05000b03100000004800000001000000b810b810000000000100000000000100c84f324b7016d30112785a47bf6ee18803000000045d888aeb1cc9119fe808002b10486002000000')
DCE_ACK = bytes.fromhex('05000c03100000003c00000001000000b810b810d41300000400313335000000010000000000000004') + b'\x5d\x88\x8a\xeb\x1c\xc9\x11\x9f\xe8\x08\x00\x2b\x10\x48\x60\x02\x00\x00\x00'
H2 = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + b'\x00\x00\x00\x04\x00\x00\x00\x00\x00'
H2S = b'\x00\x00\x00\x04\x00\x00\x00\x00\x00'
MQTT = b'\x10\x17\x00\x04MQTT\x04\x02\x00\x3c\x00\x0bclient-0001'
MQTT_ACK = b'\x20\x02\x00\x00'
RDP_CR = b'\x03\x00\x00\x13\x0e\xe0\x00\x00\x00\x00\x00\x01\x00\x08\x00\x03\x00\x00\x00'
RDP_CC = b'\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x02\x00\x08\x00\x01\x00\x00\x00'
KRB_AS_REQ = bytes.fromhex('6a81b43081b1a103020105a20302010aa31530133011a10402020080a209040730050300000000a4819130818ea00703050040810010a1143012a003020101a10b30091b0761646d696e6973a2061b04544553541b04544553541b')[:0]
def der(tag, body):
    n = len(body)
    l = bytes([n]) if n < 128 else (b'\x81' + bytes([n]) if n < 256 else b'\x82' + struct.pack('!H', n))
    return bytes([tag]) + l + body
KRB_REQ = der(0x6a, der(0x30, der(0xa1, der(0x02, b'\x05')) + der(0xa2, der(0x02, b'\x0a')) + der(0xa4, der(0x30, der(0xa0, der(0x03, b'\x00\x40\x81\x00\x10')) + der(0xa2, der(0x1b, b'EXAMPLE.ORG')) + der(0xa7, der(0x02, b'\x01\x02\x03\x04')) + der(0xa8, der(0x30, der(0x02, b'\x12')))))))
KRB_ERR = der(0x7e, der(0x30, der(0xa0, der(0x02, b'\x05')) + der(0xa1, der(0x02, b'\x1e')) + der(0xa6, der(0x02, b'\x19')) + der(0xa9, der(0x1b, b'EXAMPLE.ORG'))))
def rpc_call(prog=100003, vers=3, proc=0):
    return struct.pack('!IIIIII', 0x1234, 0, 2, prog, vers, proc) + b'\0' * 16
RPC_REPLY = struct.pack('!IIIIII', 0x1234, 1, 0, 0, 0, 0)
DNP3 = b'\x05\x64\x05\xc9\x01\x00\x02\x00\x8d\x9b'
MODBUS = b'\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x0a'
MODBUS_R = b'\x00\x01\x00\x00\x00\x17\x01\x03\x14' + b'\x00' * 20
IMAP_CAP = b'1 capability\r\n'; IMAP_OK = b'* OK IMAP4rev1 ready\r\n'
DNS_Q = b'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03org\x00\x00\x01\x00\x01'
DNS_R = b'\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x03www\x07example\x03org\x00\x00\x01\x00\x01\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\x5d\xb8\xd8\x22'
IKE = bytes.fromhex('1122334455667788000000000000000021202208000000000000001c')
IKE_R = bytes.fromhex('11223344556677889988776655443322212022200000000000000001c'[:-1])
SNMP = bytes.fromhex('302602010104067075626c6963a019020412345678020100020100300b300906052b060102010500')
SNMP_R = bytes.fromhex('302c02010104067075626c6963a21f0204123456780201000201003011300f06052b0601020104067469746c6531')[:0] or bytes.fromhex('302602010104067075626c6963a219020412345678020100020100300b300906052b060102010500')
SIP = b'OPTIONS sip:bob@example.org SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060\r\nFrom: <sip:a@example.org>;tag=1\r\nTo: <sip:bob@example.org>\r\nCall-ID: 1@10.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'
SIP_R = b'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060\r\nFrom: <sip:a@example.org>;tag=1\r\nTo: <sip:bob@example.org>;tag=2\r\nCall-ID: 1@10.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'
def dhcp(op):
    d = bytearray(300); d[0:4] = bytes([op, 1, 6, 0]); d[4:8] = b'\x12\x34\x56\x78'; d[28:34] = b'\x02\0\0\0\0\x01'
    d[236:240] = b'\x63\x82\x53\x63'; d[240:243] = b'\x35\x01' + bytes([1 if op == 1 else 2]); d[243] = 0xff
    return bytes(d)
NTP = b'\x23' + b'\x00' * 47; NTP_R = b'\x24\x02' + b'\x00' * 46
TFTP = b'\x00\x01boot.cfg\x00octet\x00'
def tls_client_hello(name):
    ext = lambda t, b: struct.pack('!HH', t, len(b)) + b
    sni = ext(0, struct.pack('!HBH', len(name) + 3, 0, len(name)) + name)
    groups = ext(10, struct.pack('!H', 4) + b'\x00\x1d\x00\x17')
    versions = ext(43, b'\x04\x03\x04\x03\x03')
    exts = sni + groups + versions
    body = b'\x03\x03' + bytes(range(32)) + b'\x00' + struct.pack('!H', 4) + b'\x13\x01\x13\x02' + b'\x01\x00' + struct.pack('!H', len(exts)) + exts
    hs = b'\x01' + struct.pack('!I', len(body))[1:] + body
    return b'\x16\x03\x01' + struct.pack('!H', len(hs)) + hs
TLS_HELLO = tls_client_hello(b'example.org')
TLS_SH = bytes.fromhex('160303005a020000560303') + bytes(range(32, 64)) + bytes.fromhex('00130100002e002b0002030400330024001d0020') + bytes(range(64, 96))
HTTP_GET = b'GET / HTTP/1.1\r\nHost: example.org\r\n\r\n'
HTTP_OK = b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'

def recognise(p):
    C = '10.1.0.1'; n = [0]
    def t(sp, msgs):
        n[0] += 1; tcp_flow(p, C, '10.2.0.%d' % n[0], 40000 + n[0], sp, msgs)
    def u(sp, msgs, cp=None):
        n[0] += 1; udp_flow(p, C, '10.2.0.%d' % n[0], cp or 40000 + n[0], sp, msgs)
    t(22, [(True, SSH_C), (False, SSH_S)])
    t(2222, [(False, SSH_S), (True, SSH_C)])
    t(445, [(True, SMB2), (False, SMB2R)])
    t(8445, [(True, SMB2), (False, SMB2R)])
    t(139, [(True, NBSS_REQ), (False, NBSS_OK), (True, SMB2), (False, SMB2R)])
    t(1139, [(True, NBSS_REQ), (False, NBSS_OK), (True, SMB2), (False, SMB2R)])
    t(135, [(True, DCE_BIND), (False, DCE_ACK)])
    t(49152, [(True, DCE_BIND), (False, DCE_ACK)])
    t(80, [(True, H2), (False, H2S)])
    t(8080, [(True, H2), (False, H2S)])
    t(143, [(False, IMAP_OK), (True, IMAP_CAP)])
    t(143, [(False, IMAP_OK), (True, b'a1 LOGIN bob secret\r\n')])
    t(1883, [(True, MQTT), (False, MQTT_ACK)])
    t(1884, [(True, MQTT), (False, MQTT_ACK)])
    t(3389, [(True, RDP_CR), (False, RDP_CC)])
    t(3390, [(True, RDP_CR), (False, RDP_CC)])
    t(88, [(True, struct.pack('!I', len(KRB_REQ)) + KRB_REQ), (False, struct.pack('!I', len(KRB_ERR)) + KRB_ERR)])
    call = rpc_call(); t(2049, [(True, struct.pack('!I', 0x80000000 | len(call)) + call), (False, struct.pack('!I', 0x80000000 | len(RPC_REPLY)) + RPC_REPLY)])
    t(20000, [(True, DNP3), (False, DNP3)])
    t(502, [(True, MODBUS), (False, MODBUS_R)])
    t(53, [(True, struct.pack('!H', len(DNS_Q)) + DNS_Q), (False, struct.pack('!H', len(DNS_R)) + DNS_R)])
    t(5353, [(True, struct.pack('!H', len(DNS_Q)) + DNS_Q), (False, struct.pack('!H', len(DNS_R)) + DNS_R)])
    u(500, [(True, IKE), (False, IKE)], cp=500)
    u(4500, [(True, b'\0\0\0\0' + IKE), (False, b'\0\0\0\0' + IKE)], cp=4500)
    u(501, [(True, IKE), (False, IKE)])
    u(88, [(True, KRB_REQ), (False, KRB_ERR)])
    u(161, [(True, SNMP), (False, SNMP_R)])
    u(1161, [(True, SNMP), (False, SNMP_R)])
    u(5060, [(True, SIP), (False, SIP_R)], cp=5060)
    u(15060, [(True, SIP), (False, SIP_R)])
    u(67, [(True, dhcp(1)), (False, dhcp(2))], cp=68)
    u(123, [(True, NTP), (False, NTP_R)], cp=123)
    u(69, [(True, TFTP), (False, b'\x00\x03\x00\x01hello')])
    u(2049, [(True, rpc_call()), (False, RPC_REPLY)])
    u(20000, [(True, DNP3), (False, DNP3)])
    u(53, [(True, DNS_Q), (False, DNS_R)])
    u(5353, [(True, DNS_Q), (False, DNS_R)])

def socks(p):
    C = '10.3.0.1'; n = [0]
    def t(sp, msgs):
        n[0] += 1; tcp_flow(p, C, '10.4.0.%d' % n[0], 41000 + n[0], sp, msgs)
    # SOCKS 5, no authentication, CONNECT example.org:443, then TLS.
    t(1080, [(True, b'\x05\x01\x00'), (False, b'\x05\x00'),
             (True, b'\x05\x01\x00\x03\x0bexample.org\x01\xbb'), (False, b'\x05\x00\x00\x01\x0a\x04\x00\x01\x04\x38'),
             (True, TLS_HELLO), (False, TLS_SH)])
    # SOCKS 5 with username/password, to an IPv4 address, then HTTP.
    t(9050, [(True, b'\x05\x02\x00\x02'), (False, b'\x05\x02'), (True, b'\x01\x03bob\x06secret'), (False, b'\x01\x00'),
             (True, b'\x05\x01\x00\x01\x5d\xb8\xd8\x22\x00\x50'), (False, b'\x05\x00\x00\x01\x0a\x04\x00\x02\x04\x39'),
             (True, HTTP_GET), (False, HTTP_OK)])
    # SOCKS 4a to a host name, then TLS.
    t(1080, [(True, b'\x04\x01\x01\xbb\x00\x00\x00\x01alice\x00example.org\x00'), (False, b'\x00\x5a\x00\x00\x00\x00\x00\x00'),
             (True, TLS_HELLO), (False, TLS_SH)])
    # SOCKS 4, refused.
    t(1080, [(True, b'\x04\x01\x01\xbb\x5d\xb8\xd8\x22\x00'), (False, b'\x00\x5b\x00\x00\x00\x00\x00\x00')])
    # SOCKS 5 from a client that sends its ClientHello with the request, before the reply.
    t(1080, [(True, b'\x05\x01\x00'), (False, b'\x05\x00'),
             (True, b'\x05\x01\x00\x01\x5d\xb8\xd8\x22\x01\xbb' + TLS_HELLO),
             (False, b'\x05\x00\x00\x01\x0a\x04\x00\x01\x04\x38'), (False, TLS_SH)])
    # HTTP CONNECT, then TLS (what the sensor already followed).
    t(3128, [(True, b'CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n'), (False, b'HTTP/1.1 200 Connection established\r\n\r\n'),
             (True, TLS_HELLO), (False, TLS_SH)])

out = sys.argv[1]
p = Pcap(); recognise(p); p.write(os.path.join(out, 'recognise.pcap'))
p = Pcap(); socks(p); p.write(os.path.join(out, 'socks.pcap'))
