#!/usr/bin/env python3
"""Writes the capture of tests/http_events_vs_suricata.rs and pins Suricata 7.0.10's alerts.

One complete TCP session per case (handshake, the case's messages each acknowledged, FIN both
ways), client 10.0.0.1 port 20000+i to 10.0.0.2 port 80 (8080 where a case says): each case
carries one HTTP or protocol-detection anomaly, or is a normal control. Suricata runs with its
shipped http-events.rules and app-layer-events.rules concatenated (events.rules here);
suricata.tsv gets one line per case: index, client port, name, then the sids that fired with
their counts (`sid:n,...`, empty when none).
Deterministic. Usage: make.py OUTDIR (writes http-events.pcap, events.rules, suricata.tsv
into OUTDIR; run with OUTDIR = this directory to refresh the committed files)."""
import collections, gzip, json, os, struct, subprocess, sys, tempfile, zlib

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ip4(a): return bytes(int(x) for x in a.split('.'))

class Pcap:
    def __init__(self): self.pkts = []; self.t = 1_700_000_000.0
    def add(self, src, dst, l4):
        hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), len(self.pkts) & 0xffff, 0, 64, 6, 0, ip4(src), ip4(dst))
        hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
        eth = b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + b'\x08\x00'
        self.t += 0.001
        self.pkts.append((self.t, eth + hdr + l4))
    def write(self, path):
        with open(path, 'wb') as f:
            f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
            for t, p in self.pkts:
                f.write(struct.pack('<IIII', int(t), int(round((t % 1) * 1e6)), len(p), len(p)) + p)

def seg(src, dst, sp, dp, seq, ack, flags, data=b''):
    h = struct.pack('!HHIIBBHHH', sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0)
    ph = ip4(src) + ip4(dst) + struct.pack('!BBH', 0, 6, len(h) + len(data))
    return h[:16] + struct.pack('!H', csum(ph + h + data)) + h[18:] + data

MSS = 1400

def session(p, cp, sp, msgs):
    c, s = '10.0.0.1', '10.0.0.2'
    cs, ss = 1000, 5000
    p.add(c, s, seg(c, s, cp, sp, cs, 0, 0x02)); cs += 1
    p.add(s, c, seg(s, c, sp, cp, ss, cs, 0x12)); ss += 1
    p.add(c, s, seg(c, s, cp, sp, cs, ss, 0x10))
    for ts, d in msgs:
        for o in range(0, len(d), MSS):
            part = d[o:o + MSS]
            if ts:
                p.add(c, s, seg(c, s, cp, sp, cs, ss, 0x18, part)); cs += len(part)
                p.add(s, c, seg(s, c, sp, cp, ss, cs, 0x10))
            else:
                p.add(s, c, seg(s, c, sp, cp, ss, cs, 0x18, part)); ss += len(part)
                p.add(c, s, seg(c, s, cp, sp, cs, ss, 0x10))
    p.add(c, s, seg(c, s, cp, sp, cs, ss, 0x11)); cs += 1
    p.add(s, c, seg(s, c, sp, cp, ss, cs, 0x11)); ss += 1
    p.add(c, s, seg(c, s, cp, sp, cs, ss, 0x10))

OK = b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
NORMAL = b'GET /p HTTP/1.1\r\nHost: h\r\n\r\n'

def q(req, resp=OK):
    """A request and its response."""
    return [(True, req), (False, resp)]

def after_normal(req, resp=OK):
    """A normal exchange first (so the flow is HTTP whatever the second request looks like)."""
    return q(NORMAL) + q(req, resp)

def get(extra=b'', line=b'GET /x HTTP/1.1'):
    return line + b'\r\nHost: h\r\n' + extra + b'\r\n'

def resp(head, body=b''):
    return q(NORMAL, head + b'\r\n\r\n' + body)

def gz(b): return gzip.compress(b, mtime=0)

def raw_deflate(b):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(b) + c.flush()

BODY = b'hello world, hello world, hello world\n' * 4
CASES = [
    # Controls.
    ('normal_get', q(NORMAL)),
    ('normal_post', q(b'POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello')),
    ('normal_http10_no_host', q(b'GET / HTTP/1.0\r\n\r\n')),
    ('normal_chunked_request', q(b'POST /f HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n')),
    ('normal_chunked_response', resp(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked', b'2\r\nok\r\n0\r\n\r\n')),
    ('normal_gzip_response', resp(b'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d' % len(gz(BODY)), gz(BODY))),
    ('normal_folding', q(get(b'X-A: 1\r\n 2\r\n'))),
    ('normal_abs_uri_same_host', q(b'GET http://h/x HTTP/1.1\r\nHost: h\r\n\r\n')),
    ('normal_pipelined', [(True, NORMAL + NORMAL), (False, OK + OK)]),
    ('normal_100_continue', q(b'POST /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello', b'HTTP/1.1 100 Continue\r\n\r\n' + OK)),
    # Request line.
    ('missing_host', q(b'GET / HTTP/1.1\r\n\r\n')),
    ('missing_host_second', after_normal(b'GET / HTTP/1.1\r\n\r\n')),
    ('unknown_method', after_normal(get(line=b'FOO /x HTTP/1.1'))),
    ('unknown_method_first', q(get(line=b'FOO /x HTTP/1.1'))),
    ('lowercase_method', after_normal(get(line=b'get /x HTTP/1.1'))),
    ('method_only_unknown', after_normal(b'GARBAGE\r\n\r\n')),
    ('method_only_known', after_normal(b'GET\r\n\r\n')),
    ('unknown_method_no_protocol', after_normal(b'FOO /x\r\n\r\n')),
    ('unknown_method_bad_protocol', after_normal(get(line=b'FOO /x HTXP/1.1'))),
    ('http09_request', after_normal(b'GET /x\r\n')),
    ('bad_protocol_version', after_normal(get(line=b'GET /x HTTP/9.9'))),
    ('bad_protocol_suffix', after_normal(get(line=b'GET /x HTTP/1.1x'))),
    ('bad_protocol_word', after_normal(get(line=b'GET /x FOO'))),
    ('leading_whitespace', after_normal(get(line=b'  GET /x HTTP/1.1'))),
    ('leading_whitespace_first', q(get(line=b' GET /x HTTP/1.1'))),
    ('method_delim_tab', after_normal(get(line=b'GET\t/x HTTP/1.1'))),
    ('method_delim_two_spaces', after_normal(get(line=b'GET  /x HTTP/1.1'))),
    ('uri_delim_tab', after_normal(get(line=b'GET /x\tHTTP/1.1'))),
    ('uri_tab_inside', after_normal(get(line=b'GET /a\tb HTTP/1.1'))),
    ('uri_delim_two_spaces', after_normal(get(line=b'GET /x  HTTP/1.1'))),
    ('request_line_incomplete', q(NORMAL) + [(True, b'GET /x HTTP/1.1')]),
    ('garbage_after_request', q(NORMAL) + [(True, b'\x01\x02\x03 garbage\r\n\r\n')]),
    # URI.
    ('uri_double_encoded', after_normal(get(line=b'GET /%2541 HTTP/1.1'))),
    ('uri_invalid_escape', after_normal(get(line=b'GET /%zz HTTP/1.1'))),
    ('uri_encoded_nul', after_normal(get(line=b'GET /a%00b HTTP/1.1'))),
    ('uri_raw_nul', after_normal(get(line=b'GET /a\x00b HTTP/1.1'))),
    ('uri_u_encoding', after_normal(get(line=b'GET /%u0041 HTTP/1.1'))),
    ('uri_encoded_slash', after_normal(get(line=b'GET /a%2fb HTTP/1.1'))),
    ('uri_host_invalid_char', after_normal(b'GET http://a_b/x HTTP/1.1\r\nHost: a_b\r\n\r\n')),
    ('uri_host_space', after_normal(b'GET http://a%20b/x HTTP/1.1\r\nHost: h\r\n\r\n')),
    ('uri_port_invalid', after_normal(b'GET http://h:xyz/x HTTP/1.1\r\nHost: h\r\n\r\n')),
    ('uri_port_mismatch', after_normal(b'GET http://h:8080/x HTTP/1.1\r\nHost: h:8080\r\n\r\n')),
    ('uri_port_too_big', after_normal(b'GET http://h:99999/x HTTP/1.1\r\nHost: h\r\n\r\n')),
    ('uri_bracket_unclosed', after_normal(b'GET http://[::1/x HTTP/1.1\r\nHost: h\r\n\r\n')),
    # Host header.
    ('host_ambiguous', after_normal(b'GET http://a/x HTTP/1.1\r\nHost: b\r\n\r\n')),
    ('host_ambiguous_case', after_normal(b'GET http://A/x HTTP/1.1\r\nHost: a\r\n\r\n')),
    ('host_ambiguous_port', after_normal(b'GET http://a:81/x HTTP/1.1\r\nHost: a:82\r\n\r\n')),
    ('host_repeated_same', after_normal(b'GET /x HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n')),
    ('host_repeated_different', after_normal(b'GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')),
    ('host_empty', after_normal(b'GET /x HTTP/1.1\r\nHost:\r\n\r\n')),
    ('host_with_space', after_normal(b'GET /x HTTP/1.1\r\nHost: a b\r\n\r\n')),
    ('host_port_invalid', after_normal(b'GET /x HTTP/1.1\r\nHost: h:xyz\r\n\r\n')),
    ('host_port_too_big', after_normal(b'GET /x HTTP/1.1\r\nHost: h:99999\r\n\r\n')),
    ('host_port_mismatch', after_normal(b'GET /x HTTP/1.1\r\nHost: h:8080\r\n\r\n')),
    ('host_bad_char', after_normal(b'GET /x HTTP/1.1\r\nHost: a_b\r\n\r\n')),
    ('host_bracket_unclosed', after_normal(b'GET /x HTTP/1.1\r\nHost: [::1\r\n\r\n')),
    ('host_double_dot', after_normal(b'GET /x HTTP/1.1\r\nHost: a..b\r\n\r\n')),
    # Request headers.
    ('request_header_no_colon', after_normal(get(b'Foo bar\r\n'))),
    ('request_header_empty_name', after_normal(get(b': bar\r\n'))),
    ('request_header_lws_after_name', after_normal(get(b'Foo : bar\r\n'))),
    ('request_header_name_space', after_normal(get(b'Fo o: bar\r\n'))),
    ('request_header_name_ctl', after_normal(get(b'Fo\x01o: bar\r\n'))),
    ('request_header_value_nul', after_normal(get(b'Foo: b\x00ar\r\n'))),
    ('request_folding_first', after_normal(b'GET /x HTTP/1.1\r\n Host: h\r\n\r\n')),
    ('request_header_repetition', after_normal(get(b'X-A: 1\r\n' * 70))),
    ('request_header_repeated_few', after_normal(get(b'X-A: 1\r\n' * 3))),
    ('request_many_headers_300', after_normal(get(b''.join(b'X-%d: 1\r\n' % i for i in range(300))))),
    ('request_many_headers_1100', after_normal(get(b''.join(b'X-%d: 1\r\n' % i for i in range(1100))))),
    ('request_header_long', after_normal(get(b'X-Long: ' + b'a' * 20000 + b'\r\n'))),
    ('request_line_long', after_normal(get(line=b'GET /' + b'a' * 20000 + b' HTTP/1.1'))),
    ('request_auth_unknown', after_normal(get(b'Authorization: Foo abc\r\n'))),
    ('request_auth_basic', after_normal(get(b'Authorization: Basic YTpi\r\n'))),
    # Request bodies.
    ('request_cl_invalid', after_normal(b'POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n')),
    ('request_cl_negative', after_normal(b'POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: -5\r\n\r\n')),
    ('request_cl_trailing_junk', after_normal(b'POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 5x\r\n\r\nhello')),
    ('request_cl_leading_junk', after_normal(b'POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: x5\r\n\r\nhello')),
    ('request_cl_duplicate_same', after_normal(b'POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello')),
    ('request_cl_duplicate_different', after_normal(b'POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello')),
    ('request_te_gzip', after_normal(b'POST /f HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n')),
    ('request_te_chunked_http10', after_normal(b'POST /f HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n')),
    ('request_te_abnormal', after_normal(b'POST /f HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n')),
    ('request_cl_and_te', after_normal(b'POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n')),
    ('request_chunk_len_invalid', after_normal(b'POST /f HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n')),
    ('request_chunk_extension', after_normal(b'POST /f HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\n\r\n')),
    ('request_body_unexpected_get', after_normal(b'GET /x HTTP/1.1\r\nHost: h\r\n\r\nhello body\r\n')),
    ('request_gzip_body_bad', after_normal(b'POST /f HTTP/1.1\r\nHost: h\r\nContent-Encoding: gzip\r\nContent-Length: 20\r\n\r\n' + b'not gzip at all!!!!!')),
    ('request_ce_unknown', after_normal(b'POST /f HTTP/1.1\r\nHost: h\r\nContent-Encoding: br\r\nContent-Length: 5\r\n\r\nhello')),
    # Responses.
    ('response_cl_invalid', resp(b'HTTP/1.1 200 OK\r\nContent-Length: abc', b'ok')),
    ('response_cl_duplicate_different', resp(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3', b'ok')),
    ('response_cl_trailing_junk', resp(b'HTTP/1.1 200 OK\r\nContent-Length: 2x', b'ok')),
    ('response_chunk_len_invalid', resp(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked', b'zz\r\nok\r\n0\r\n\r\n')),
    ('response_chunked_http10', resp(b'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked', b'2\r\nok\r\n0\r\n\r\n')),
    ('response_te_abnormal', resp(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity', b'2\r\nok\r\n0\r\n\r\n')),
    ('response_te_gzip', resp(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2', b'ok')),
    ('response_status_invalid', resp(b'HTTP/1.1 abc OK\r\nContent-Length: 2', b'ok')),
    ('response_status_too_big', resp(b'HTTP/1.1 1000 OK\r\nContent-Length: 2', b'ok')),
    ('response_status_missing', resp(b'HTTP/1.1\r\nContent-Length: 2', b'ok')),
    ('response_protocol_invalid', resp(b'HTTP/1.a 200 OK\r\nContent-Length: 2', b'ok')),
    ('response_protocol_http2', resp(b'HTTP/2.0 200 OK\r\nContent-Length: 2', b'ok')),
    ('response_protocol_no_slash', resp(b'HTTPX 200 OK\r\nContent-Length: 2', b'ok')),
    ('response_not_http', q(NORMAL, b'hello there\r\n')),
    ('response_header_no_colon', resp(b'HTTP/1.1 200 OK\r\nServer foo\r\nContent-Length: 2', b'ok')),
    ('response_header_empty_name', resp(b'HTTP/1.1 200 OK\r\n: foo\r\nContent-Length: 2', b'ok')),
    ('response_header_lws_after_name', resp(b'HTTP/1.1 200 OK\r\nServer : foo\r\nContent-Length: 2', b'ok')),
    ('response_header_name_space', resp(b'HTTP/1.1 200 OK\r\nSer ver: foo\r\nContent-Length: 2', b'ok')),
    ('response_header_value_nul', resp(b'HTTP/1.1 200 OK\r\nServer: f\x00oo\r\nContent-Length: 2', b'ok')),
    ('response_folding_first', resp(b'HTTP/1.1 200 OK\r\n Server: foo\r\nContent-Length: 2', b'ok')),
    ('response_header_repetition', resp(b'HTTP/1.1 200 OK\r\n' + b'X-A: 1\r\n' * 70 + b'Content-Length: 2', b'ok')),
    ('response_many_headers_1100', resp(b'HTTP/1.1 200 OK\r\n' + b''.join(b'X-%d: 1\r\n' % i for i in range(1100)) + b'Content-Length: 2', b'ok')),
    ('response_header_long', resp(b'HTTP/1.1 200 OK\r\nX-Long: ' + b'a' * 20000 + b'\r\nContent-Length: 2', b'ok')),
    ('response_100_twice', q(b'POST /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello', b'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n' + OK)),
    ('response_unmatched', q(NORMAL, OK + OK)),
    ('response_unmatched_second_flow_part', q(NORMAL, OK) + [(False, OK)]),
    ('response_gzip_bad', resp(b'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 20', b'not gzip at all!!!!!')),
    ('response_deflate_bad', resp(b'HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: 20', b'not gzip at all!!!!!')),
    ('response_gzip_truncated', resp(b'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 20', gz(BODY)[:20])),
    ('response_gzip_corrupt', resp(b'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d' % len(gz(BODY)), gz(BODY)[:12] + b'\xff' * 8 + gz(BODY)[20:])),
    ('response_ce_unknown', resp(b'HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 2', b'ok')),
    ('response_ce_identity', resp(b'HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\nContent-Length: 2', b'ok')),
    ('response_ce_gzip_abnormal', resp(b'HTTP/1.1 200 OK\r\nContent-Encoding: gzipx\r\nContent-Length: %d' % len(gz(BODY)), gz(BODY))),
    ('response_ce_x_gzip', resp(b'HTTP/1.1 200 OK\r\nContent-Encoding: x-gzip\r\nContent-Length: %d' % len(gz(BODY)), gz(BODY))),
    ('response_ce_gzip_br', resp(b'HTTP/1.1 200 OK\r\nContent-Encoding: gzip, br\r\nContent-Length: %d' % len(gz(BODY)), gz(BODY))),
    ('response_ce_three_layers', resp(b'HTTP/1.1 200 OK\r\nContent-Encoding: gzip, gzip, gzip\r\nContent-Length: %d' % len(gz(gz(gz(BODY)))), gz(gz(gz(BODY))))),
    ('response_ce_two_layers', resp(b'HTTP/1.1 200 OK\r\nContent-Encoding: gzip, gzip\r\nContent-Length: %d' % len(gz(gz(BODY))), gz(gz(BODY)))),
    ('response_range_invalid', resp(b'HTTP/1.1 206 Partial Content\r\nContent-Range: bytes abc\r\nContent-Length: 2', b'ok')),
    ('response_range_valid', resp(b'HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-1/10\r\nContent-Length: 2', b'ok')),
    ('response_multipart_byteranges', resp(b'HTTP/1.1 206 Partial Content\r\nContent-Type: multipart/byteranges; boundary=x', b'--x\r\n\r\nok\r\n--x--\r\n')),
    ('response_101_switch_cl', q(b'GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nContent-Length: 2\r\n\r\n')),
    ('response_body_on_304', resp(b'HTTP/1.1 304 Not Modified\r\nContent-Length: 2', b'ok')),
    # Protocol detection.
    ('response_first', [(False, OK), (True, NORMAL)]),
    ('response_ssh_banner', q(NORMAL, b'SSH-2.0-OpenSSH_8.9p1\r\n')),
    ('request_only_one_direction', q(NORMAL, b'\x00\x01\x02\x03' * 40)),
    ('request_tls_response', q(NORMAL, b'\x16\x03\x01\x00\x31\x02\x00\x00\x2d\x03\x01' + b'\x00' * 32 + b'\x00\x00\x2f\x00\x00\x05\xff\x01\x00\x01\x00')),
    # Added after the first run (indices above stay put).
    ('response_deflate_zlib', resp(b'HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: %d' % len(zlib.compress(BODY)), zlib.compress(BODY))),
    ('response_deflate_raw', resp(b'HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: %d' % len(raw_deflate(BODY)), raw_deflate(BODY))),
    ('response_gzip_labelled_deflate', resp(b'HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: %d' % len(gz(BODY)), gz(BODY))),
    ('response_raw_labelled_gzip', resp(b'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d' % len(raw_deflate(BODY)), raw_deflate(BODY))),
    ('request_line_incomplete_first', [(True, b'GET /x HTTP/1.1')]),
    ('request_headers_1024', after_normal(get(b''.join(b'X-%d: 1\r\n' % i for i in range(1023))))),
    ('request_headers_1025', after_normal(get(b''.join(b'X-%d: 1\r\n' % i for i in range(1024))))),
    ('request_headers_1100_same_name', after_normal(get(b'X-A: 1\r\n' * 1100))),
    ('request_line_invalid_with_uri_host', after_normal(b'FOO http://h:xyz/ HTXP/1.1\r\nHost: h\r\n\r\n')),
    ('request_line_invalid_no_host', after_normal(b'FOO /x HTXP/1.1\r\n\r\n')),
    ('server_speaks_first', [(False, b'220 hello\r\n'), (True, NORMAL), (False, OK)]),
    ('request_post_then_junk', after_normal(b'POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhellojunk here\r\n')),
    ('request_get_then_pipelined', after_normal(NORMAL + NORMAL, OK + OK)),
    ('response_status_lws', resp(b'HTTP/1.1  200  OK\r\nContent-Length: 2', b'ok')),
    ('response_lowercase_protocol', resp(b'http/1.1 200 OK\r\nContent-Length: 2', b'ok')),
    ('response_range_no_body', resp(b'HTTP/1.1 206 Partial Content\r\nContent-Range: bytes abc\r\nContent-Length: 0', b'')),
    ('response_range_on_200', resp(b'HTTP/1.1 200 OK\r\nContent-Range: bytes 5-1/10\r\nContent-Length: 2', b'ok')),
    ('connect_invalid_authority', q(b'CONNECT h:xyz HTTP/1.1\r\nHost: h\r\n\r\n', b'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n')),
    ('response_range_reversed_no_size', resp(b'HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 10-5/*\r\nContent-Length: 2', b'ok')),
    ('response_range_reversed', resp(b'HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 5-1/10\r\nContent-Length: 2', b'ok')),
    ('response_range_past_size', resp(b'HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-10/10\r\nContent-Length: 2', b'ok')),
]

def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    p = Pcap()
    for i, (name, msgs) in enumerate(CASES):
        session(p, 20000 + i, 80, msgs)
    pcap = os.path.join(out, 'http-events.pcap')
    p.write(pcap)
    rules = []
    for f in ('http-events.rules', 'app-layer-events.rules'):
        rules += [l for l in open('/etc/suricata/rules/' + f) if l.startswith('alert')]
    rpath = os.path.join(out, 'events.rules')
    open(rpath, 'w').write(''.join(rules))
    with tempfile.TemporaryDirectory() as log:
        subprocess.run(['suricata', '-k', 'none', '--runmode', 'single', '-r', pcap, '-S', rpath, '-l', log],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        hits = collections.defaultdict(collections.Counter)
        for l in open(os.path.join(log, 'eve.json')):
            e = json.loads(l)
            if e['event_type'] == 'alert':
                port = e['src_port'] if e['src_ip'] == '10.0.0.1' else e['dest_port']
                hits[port][e['alert']['signature_id']] += 1
    with open(os.path.join(out, 'suricata.tsv'), 'w') as f:
        f.write('# case\tclient port\tname\tsid:alerts (Suricata 7.0.10, make.py)\n')
        for i, (name, _) in enumerate(CASES):
            h = hits.get(20000 + i, {})
            f.write('%d\t%d\t%s\t%s\n' % (i, 20000 + i, name, ','.join('%d:%d' % (s, n) for s, n in sorted(h.items()))))

main()
