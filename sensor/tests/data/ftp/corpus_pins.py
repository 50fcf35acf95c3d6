#!/usr/bin/env python3
"""Pins Suricata 7.0.10's EVE `ftp_data` records and its alerts with ftp.rules on the corpus's
FTP captures, for tests/ftp_data_vs_suricata.rs (`suricata -r PCAP -k none --runmode single`).

    python3 corpus_pins.py [--corpus DIR] > corpus-suricata.tsv

Lines: capture <TAB> ftp_data <TAB> src <TAB> dst <TAB> command <TAB> filename
       capture <TAB> alert <TAB> lower port-higher port <TAB> sid <TAB> count
       capture <TAB> -            (a capture with neither)"""
import argparse, collections, json, os, subprocess, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CAPTURES = [
    "zeek-traces/ftp/bigtransfer.pcap", "zeek-traces/ftp/cwd-navigation.pcap",
    "zeek-traces/ftp/ftp-auth-tls.pcap", "zeek-traces/ftp/ipv4.pcap", "zeek-traces/ftp/ipv6.pcap",
    "zeek-traces/ftp/ipv6-retr-samba.pcap", "zeek-traces/ftp/retr.pcap",
    "zeek-traces/ftp/fake-long-commands.pcap", "zeek-traces/pe/pe.pcap",
    "zeek-traces/pe/pe-single.pcap", "suricata-verify-wide/ftp__ftp-bounce/test.pcap",
    "suricata-verify-wide/ftp__ftp-too-long-command/ftp-too-long-command.pcap",
    "suricata-verify-wide/ftp__ftp-too-long-response/ftp-too-long-response.pcap",
    "suricata-verify-wide/detect-ftp__ftp-command-01/input.pcap",
]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(HERE, "../../../../../shared/corpus"))
    a = ap.parse_args()
    for cap in CAPTURES:
        with tempfile.TemporaryDirectory() as d:
            subprocess.run(["suricata", "-r", os.path.join(a.corpus, cap), "-k", "none",
                            "--runmode", "single", "-S", os.path.join(HERE, "ftp.rules"), "-l", d],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            lines, alerts = [], collections.Counter()
            for l in open(os.path.join(d, "eve.json")):
                v = json.loads(l)
                if v["event_type"] == "ftp_data":
                    fd = v["ftp_data"]
                    lines.append("%s\tftp_data\t%s|%d\t%s|%d\t%s\t%s" % (
                        cap, v["src_ip"], v["src_port"], v["dest_ip"], v["dest_port"],
                        fd.get("command", "-"), fd.get("filename", "-")))
                elif v["event_type"] == "alert":
                    lo, hi = sorted((v["src_port"], v["dest_port"]))
                    alerts["%d-%d\t%d" % (lo, hi, v["alert"]["signature_id"])] += 1
            lines += ["%s\talert\t%s\t%d" % (cap, k, n) for k, n in alerts.items()]
            for l in sorted(lines) or ["%s\t-" % cap]:
                print(l)

main()
