#!/usr/bin/env python3
"""Makes stream_events.pcap and stream_events.tsv: the stream events Suricata 7.0.10 raises on
small TCP sessions, each exercising one anomaly of its TCP state machine (and normal sessions
as controls).

Every rule of /etc/suricata/rules/stream-events.rules is used, uncommented and without
`noalert`, so that each event shows as an alert of its sid. Each session has its own client
port (10000 + index) towards 10.0.1.1:7777 (no application protocol); a session's alerts are
found by that port.
Output lines: session name <TAB> client port <TAB> sid:count,... (sorted; empty when none)
Run: python3 stream_events.py OUT_DIR > stream_events.tsv
(stream_events.pcap and the rules used, stream_events.rules, are written to this directory.)"""
import json, os, re, struct, subprocess, sys

C, S = 0, 1
CI, SI = 1000, 5000  # client and server initial sequence numbers


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def opts(ts=None, ws=None, sack=False):
    o = b""
    if ws is not None:
        o += bytes([1, 3, 3, ws])
    if sack:
        o += bytes([1, 1, 4, 2])
    if ts is not None:
        o += bytes([1, 1, 8, 10]) + struct.pack("!II", *ts)
    return o


FLAGS = {"F": 1, "S": 2, "R": 4, "P": 8, "A": 16, "U": 32}


def tcp_frame(src, dst, sport, dport, flags, seq, ack, data, win, o):
    fl = sum(FLAGS[c] for c in flags)
    hl = 20 + len(o)
    t = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                    (hl // 4) << 4, fl, win, 0, 0) + o + data
    ph = src + dst + struct.pack("!BBH", 0, 6, len(t))
    t = t[:16] + struct.pack("!H", csum(ph + t)) + t[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(t), 1, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x00\x01\x02\x03\x04\x05\x00\x01\x02\x03\x04\x06\x08\x00" + ip + t


def p(d, flags, seq, ack=0, data=b"", win=65535, o=b"", cut=None):
    """One packet; `cut`: the capture keeps only this many bytes of the frame."""
    return (d, flags, seq, ack, data, win, o, cut)


HS = [p(C, "S", CI), p(S, "SA", SI, CI + 1), p(C, "A", CI + 1, SI + 1)]
REQ = b"hello server\n"  # 13 bytes
RSP = b"hello client\n"
# Established, one exchange each way, everything acknowledged.
EST = HS + [
    p(C, "PA", CI + 1, SI + 1, REQ),
    p(S, "PA", SI + 1, CI + 14, RSP),
    p(C, "A", CI + 14, SI + 14),
]
C1, S1 = CI + 14, SI + 14  # next sequence numbers after EST
# The server closes first (Suricata: FIN_WAIT1), or the client does (CLOSE_WAIT).
SFIN = EST + [p(S, "FA", S1, C1)]
CFIN = EST + [p(C, "FA", C1, S1)]
TSO = lambda v, e: opts(ts=(v, e))

SESSIONS = [
    ("normal_fin_close", EST + [p(C, "FA", C1, S1), p(S, "FA", S1, C1 + 1), p(C, "A", C1 + 1, S1 + 1)]),
    ("normal_server_fin_first", SFIN + [p(C, "A", C1, S1 + 1), p(C, "FA", C1, S1 + 1), p(S, "A", S1 + 1, C1 + 1)]),
    ("normal_rst_close", EST + [p(C, "RA", C1, S1)]),
    ("normal_options", [p(C, "S", CI, 0, b"", 65535, opts(ts=(100, 0), ws=7, sack=True)),
                        p(S, "SA", SI, CI + 1, b"", 65535, opts(ts=(900, 100), ws=7, sack=True)),
                        p(C, "A", CI + 1, SI + 1, b"", 512, TSO(101, 900)),
                        p(C, "PA", CI + 1, SI + 1, REQ, 512, TSO(102, 900)),
                        p(S, "PA", SI + 1, CI + 14, RSP, 512, TSO(901, 102)),
                        p(C, "A", CI + 14, SI + 14, b"", 512, TSO(103, 901))]),
    ("normal_keepalive", EST + [p(C, "A", C1 - 1, S1), p(S, "A", S1, C1)]),
    ("normal_window_update", EST + [p(S, "A", S1, C1, b"", 30000)]),
    ("normal_synack_resend_same", HS[:2] + [p(S, "SA", SI, CI + 1)] + HS[2:]),
    ("normal_syn_resend_same", [HS[0], HS[0]] + HS[1:]),
    ("midstream_data", [p(C, "PA", CI + 1, SI + 1, REQ), p(S, "A", SI + 1, CI + 14)]),
    ("synack_in_wrong_direction", [HS[0], p(C, "SA", CI, SI + 1)]),
    ("synack_with_wrong_ack", [HS[0], p(S, "SA", SI, CI + 5)]),
    ("synack_resend_with_different_ack", HS[:2] + [p(S, "SA", SI, CI + 7)]),
    ("synack_resend_with_diff_seq", HS[:2] + [p(S, "SA", SI + 100, CI + 1), p(C, "A", CI + 1, SI + 101)]),
    ("synack_toserver_on_syn_recv", HS[:2] + [p(C, "SA", CI, SI + 1)]),
    ("syn_toclient_on_syn_recv", HS[:2] + [p(S, "S", SI)]),
    ("syn_resend_diff_seq_on_syn_recv", HS[:2] + [p(C, "S", CI + 50)]),
    ("ack_in_wrong_dir", HS[:2] + [p(S, "A", SI + 1, CI + 1)]),
    ("ack_data_toclient_after_synack", HS[:2] + [p(S, "PA", SI + 1, CI + 1, RSP)]),
    ("wrong_seq_wrong_ack", HS[:2] + [p(C, "A", CI + 100, SI + 77)]),
    ("right_seq_wrong_ack_evasion", HS[:2] + [p(C, "A", CI + 1, SI + 99)]),
    ("seq_ahead_right_ack", HS[:2] + [p(C, "PA", CI + 20, SI + 1, REQ)]),
    ("4whs_normal", [HS[0], p(S, "S", SI), p(C, "SA", CI, SI + 1), p(S, "A", SI + 1, CI + 1),
                     p(C, "PA", CI + 1, SI + 1, REQ)]),
    ("4whs_synack_with_wrong_ack", [HS[0], p(S, "S", SI), p(C, "SA", CI, SI + 9)]),
    ("4whs_synack_with_wrong_syn", [HS[0], p(S, "S", SI), p(C, "SA", CI + 9, SI + 1)]),
    ("4whs_wrong_seq", [HS[0], p(S, "S", SI), p(C, "SA", CI, SI + 1), p(S, "A", SI + 9, CI + 1)]),
    ("4whs_invalid_ack", [HS[0], p(S, "S", SI), p(C, "SA", CI, SI + 1), p(S, "A", SI + 1, CI + 90000)]),
    ("est_synack_toserver", HS + [p(C, "SA", CI, SI + 1)]),
    ("est_synack_resend_with_different_ack", HS + [p(S, "SA", SI, CI + 9)]),
    ("est_synack_resend_with_diff_seq", HS + [p(S, "SA", SI + 9, CI + 1)]),
    ("est_synack_resend", EST + [p(S, "SA", SI, CI + 1)]),
    ("est_synack_resend_unconfirmed", HS + [p(S, "SA", SI, CI + 1)]),
    ("est_syn_toclient", HS + [p(S, "S", SI)]),
    ("est_syn_resend", HS + [p(C, "S", CI)]),
    ("est_syn_resend_diff_seq", HS + [p(C, "S", CI + 9)]),
    ("est_invalid_ack", HS + [p(C, "PA", CI + 1, SI + 90000, REQ)]),
    ("est_ack_behind_window", EST + [p(C, "PA", C1, SI - 70000, REQ)]),
    ("est_packet_out_of_window", [HS[0], p(S, "SA", SI, CI + 1, b"", 1000), HS[2],
                                  p(C, "PA", CI + 5000, SI + 1, REQ)]),
    ("est_out_of_window_cut_by_capture", [HS[0], p(S, "SA", SI, CI + 1, b"", 1000), HS[2],
                                          p(C, "PA", CI + 5000, SI + 1, REQ, 65535, b"", 60)]),
    ("est_pkt_before_last_ack", EST + [p(C, "PA", CI + 1, SI + 14, REQ)]),
    ("est_retransmission_in_flight", HS + [p(C, "PA", CI + 1, SI + 1, REQ), p(C, "PA", CI + 1, SI + 1, REQ),
                                           p(S, "A", SI + 1, CI + 14)]),
    ("est_overlap_different_data", HS + [p(C, "PA", CI + 1, SI + 1, REQ), p(C, "PA", CI + 1, SI + 1, b"HELLO SERVER\n"),
                                         p(S, "A", SI + 1, CI + 14)]),
    ("est_seq_gap", HS + [p(C, "PA", CI + 101, SI + 1, REQ), p(S, "A", SI + 1, CI + 114),
                          p(C, "PA", CI + 114, SI + 1, REQ), p(S, "A", SI + 1, CI + 127)]),
    ("est_old_retransmission", EST + [p(C, "PA", C1, S1, REQ), p(S, "A", S1, C1 + 13),
                                      p(C, "PA", C1 + 13, S1, REQ), p(S, "A", S1, C1 + 26),
                                      p(C, "PA", CI + 1, S1, REQ)]),
    ("bad_window_update", HS + [p(S, "A", SI + 101, CI + 51, b"", 100)]),
    ("invalid_timestamp", [p(C, "S", CI, 0, b"", 65535, TSO(500, 0)),
                           p(S, "SA", SI, CI + 1, b"", 65535, TSO(900, 500)),
                           p(C, "A", CI + 1, SI + 1, b"", 65535, TSO(501, 900)),
                           p(C, "PA", CI + 1, SI + 1, REQ, 65535, TSO(400, 900))]),
    ("zero_timestamp", [p(C, "S", CI, 0, b"", 65535, TSO(500, 0)),
                        p(S, "SA", SI, CI + 1, b"", 65535, TSO(900, 500)),
                        p(C, "A", CI + 1, SI + 1, b"", 65535, TSO(501, 900)),
                        p(C, "PA", CI + 1, SI + 1, REQ, 65535, TSO(0, 900))]),
    ("synack_bad_tsecr", [p(C, "S", CI, 0, b"", 65535, TSO(500, 0)),
                          p(S, "SA", SI, CI + 1, b"", 65535, TSO(900, 777))]),
    ("broken_ack_syn", [p(C, "S", CI, 12345)] + HS[1:]),
    ("broken_ack_rst", EST + [p(C, "R", C1, 999)]),
    ("fin_syn", EST + [p(C, "FS", C1, S1)]),
    ("fin_syn_ack", EST + [p(C, "FSA", C1, S1)]),
    ("fin_invalid_ack", EST + [p(C, "FA", C1, S1 + 90000)]),
    ("fin_out_of_window", EST + [p(C, "FA", C1 + 90000, S1)]),
    ("fin_before_last_ack", EST + [p(C, "FA", C1 - 5, S1)]),
    ("rst_invalid_ack", EST + [p(C, "RA", C1, S1 + 90000)]),
    ("rst_wrong_seq", EST + [p(C, "RA", C1 + 5, S1), p(C, "PA", C1, S1, REQ)]),
    ("rst_but_no_session", [p(C, "RA", CI, SI)]),
    ("fin_but_no_session", [p(C, "FA", CI, SI)]),
    ("fin_data_but_no_session", [p(C, "FPA", CI, SI, REQ)]),
    ("rst_inject", EST + [p(S, "RA", S1, C1), p(S, "PA", S1, C1, RSP)]),
    ("fin1_fin_wrong_seq", SFIN + [p(C, "FA", C1 + 90000, S1 + 1)]),
    ("fin1_invalid_ack", SFIN + [p(C, "A", C1, S1 + 90000)]),
    ("fin1_ack_wrong_seq", SFIN + [p(C, "A", C1 + 90000, S1 + 1)]),
    ("fin1_retransmission", SFIN + [p(C, "PA", CI + 1, S1 + 1, REQ)]),
    ("fin2_fin_wrong_seq", SFIN + [p(C, "A", C1, S1 + 1), p(C, "FA", C1 + 90000, S1 + 1)]),
    ("fin2_invalid_ack", SFIN + [p(C, "A", C1, S1 + 1), p(C, "A", C1, S1 + 90000)]),
    ("fin2_ack_wrong_seq", SFIN + [p(C, "A", C1, S1 + 1), p(C, "A", C1 + 90000, S1 + 1)]),
    ("closing_ack_wrong_seq", SFIN + [p(C, "F", C1, 0), p(C, "A", C1 + 50, S1 + 1)]),
    ("closing_invalid_ack", SFIN + [p(C, "F", C1, 0), p(C, "A", C1 + 1, S1 + 90000)]),
    ("closing_normal", SFIN + [p(C, "F", C1, 0), p(C, "A", C1 + 1, S1 + 1), p(S, "A", S1 + 1, C1 + 1)]),
    ("closewait_ack_out_of_window", CFIN + [p(C, "A", C1 + 90000, S1)]),
    ("closewait_pkt_before_last_ack", CFIN + [p(S, "A", S1, C1 + 1), p(C, "PA", CI + 1, S1, REQ)]),
    ("closewait_fin_out_of_window", CFIN + [p(S, "FA", S1 + 90000, C1 + 1)]),
    ("closewait_invalid_ack", CFIN + [p(S, "FA", S1, C1 + 90000)]),
    ("closewait_ack_invalid_ack", CFIN + [p(C, "A", C1 + 1, S1 + 90000)]),
    ("lastack_ack_wrong_seq", CFIN + [p(S, "FA", S1, C1 + 1), p(C, "A", C1 + 50, S1 + 1)]),
    ("lastack_invalid_ack", CFIN + [p(S, "FA", S1, C1 + 1), p(C, "A", C1 + 1, S1 + 90000)]),
    ("timewait_ack_wrong_seq", SFIN + [p(C, "FA", C1, S1 + 1), p(C, "A", C1 + 50, S1 + 1)]),
    ("timewait_invalid_ack", SFIN + [p(C, "FA", C1, S1 + 1), p(C, "A", C1 + 1, S1 + 90000)]),
    ("timewait_toclient_wrong_seq", SFIN + [p(C, "FA", C1, S1 + 1), p(S, "A", S1 + 50, C1 + 1)]),
    ("shutdown_syn_resend_closewait", CFIN + [p(C, "S", CI)]),
    ("shutdown_syn_resend_fin1", SFIN + [p(C, "S", CI)]),
    ("syn_resend_no_flood", [p(C, "S", CI, 0, b"", 1000 + i) for i in range(13)]),
    ("syn_flood", [p(C, "S", CI, 0, b"", 65535, TSO(100 + i, 0)) for i in range(13)]),
    ("syn_resend_ts_then_synack", [p(C, "S", CI, 0, b"", 65535, TSO(100 + i, 0)) for i in range(3)]
     + [p(S, "SA", SI, CI + 1, b"", 65535, TSO(900, 100)), p(C, "A", CI + 1, SI + 1, b"", 65535, TSO(103, 900))]),
    ("signed_rst_then_data", EST + [p(S, "RA", S1, C1, b"", 65535, bytes([1, 1, 19, 18] + [0] * 16)),
                                    p(S, "PA", S1, C1, RSP)]),
    ("synsent_rst_then_data", [HS[0], p(S, "RA", 0, CI + 1), p(S, "SA", SI, CI + 1)]),
    ("tfo_data_acked", [p(C, "S", CI, 0, REQ, 65535, bytes([34, 10]) + bytes(8) + bytes([1, 1])),
                        p(S, "SA", SI, CI + 14), p(C, "A", CI + 14, SI + 1),
                        p(S, "PA", SI + 1, CI + 14, RSP), p(C, "A", CI + 14, SI + 14)]),
    ("tfo_data_ignored", [p(C, "S", CI, 0, REQ, 65535, bytes([34, 10]) + bytes(8) + bytes([1, 1])),
                          p(S, "SA", SI, CI + 1), p(C, "PA", CI + 1, SI + 1, REQ),
                          p(S, "A", SI + 1, CI + 14)]),
    ("tfo_experimental_option", [p(C, "S", CI, 0, REQ, 65535, bytes([254, 4, 0xF9, 0x89])),
                                 p(S, "SA", SI, CI + 14), p(C, "A", CI + 14, SI + 1),
                                 p(S, "PA", SI + 1, CI + 14, RSP)]),
    ("tfo_synack_wrong_ack", [p(C, "S", CI, 0, REQ, 65535, bytes([34, 10]) + bytes(8) + bytes([1, 1])),
                              p(S, "SA", SI, CI + 5)]),
    ("synack_flood", [HS[0], HS[1]] + [p(S, "SA", SI + 10 * i, CI + 1) for i in range(1, 9)]),
]


CLIENT = bytes([10, 0, 0, 1])
SERVER = bytes([10, 0, 1, 1])


def write_pcap(path):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (_, pkts) in enumerate(SESSIONS):
            port = 10000 + i
            for j, (d, flags, seq, ack, data, win, o, cut) in enumerate(pkts):
                if d == C:
                    fr = tcp_frame(CLIENT, SERVER, port, 7777, flags, seq, ack, data, win, o)
                else:
                    fr = tcp_frame(SERVER, CLIENT, 7777, port, flags, seq, ack, data, win, o)
                secs, usec = 1700000000 + i * 10 + j // 1000, (j % 1000) * 1000
                kept = fr[:cut] if cut else fr
                f.write(struct.pack("<IIII", secs, usec, len(kept), len(fr)) + kept)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    pcap = os.path.join(here, "stream_events.pcap")
    write_pcap(pcap)
    rules = os.path.join(here, "stream_events.rules")
    with open("/etc/suricata/rules/stream-events.rules") as src, open(rules, "w") as dst:
        for line in src:
            line = line.lstrip("#")
            if line.startswith(("alert", "drop")):
                dst.write(line.replace(" noalert;", ""))
    subprocess.run(["suricata", "-r", pcap, "-k", "none", "--runmode", "single", "-S", rules,
                    "-l", out], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    counts = {}
    with open(os.path.join(out, "eve.json")) as f:
        for line in f:
            e = json.loads(line)
            if e.get("event_type") != "alert":
                continue
            port = e["src_port"] if e["src_port"] != 7777 else e["dest_port"]
            sid = e["alert"]["signature_id"]
            c = counts.setdefault(port, {})
            c[sid] = c.get(sid, 0) + 1
    for i, (name, _) in enumerate(SESSIONS):
        c = counts.get(10000 + i, {})
        print("%s\t%d\t%s" % (name, 10000 + i, ",".join("%d:%d" % (s, c[s]) for s in sorted(c))))


main()
