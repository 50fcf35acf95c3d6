#!/usr/bin/env python3
"""Pins Suricata 7.0.10's SSH records and the alerts of `ssh.rules` on the corpus's SSH
captures, for `tests/ssh_vs_suricata.rs`: one `suricata -r` per capture, `--runmode single -k
none`. Writes `suricata-ssh.tsv`:

    R <capture> <src> <sport> <dst> <dport> <client proto> <client software> <server proto> <server software>
    A <capture> <sid> <alerts>

(`-` for a side Suricata did not log).
"""
import json, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../../../shared/corpus"))
CAPTURES = sorted(
    "zeek-traces/ssh/" + f for f in os.listdir(os.path.join(CORPUS, "zeek-traces/ssh")) if f.endswith(".pcap")
) + ["zeek-traces/var-services-std-ports.pcap", "zeek-traces/ssl-and-ssh-using-sslh.pcap",
     "behaviour-real/cred-slips-ssh-bruteforce-902.pcap"]

rows = []
for cap in CAPTURES:
    d = tempfile.mkdtemp()
    subprocess.run(["suricata", "-r", os.path.join(CORPUS, cap), "-k", "none", "--runmode", "single", "-l", d,
                    "-S", os.path.join(HERE, "ssh.rules")], capture_output=True, check=True)
    alerts = {}
    for line in open(os.path.join(d, "eve.json")):
        r = json.loads(line)
        if r["event_type"] == "ssh":
            s = r["ssh"]
            side = lambda n: [s[n]["proto_version"], s[n]["software_version"]] if n in s else ["-", "-"]
            rows.append("\t".join(["R", cap, r["src_ip"], str(r["src_port"]), r["dest_ip"], str(r["dest_port"])]
                                  + side("client") + side("server")))
        if r["event_type"] == "alert":
            sid = r["alert"]["signature_id"]
            alerts[sid] = alerts.get(sid, 0) + 1
    for sid, n in sorted(alerts.items()):
        rows.append(f"A\t{cap}\t{sid}\t{n}")
    shutil.rmtree(d)
with open(os.path.join(HERE, "suricata-ssh.tsv"), "w") as f:
    f.write("# Suricata 7.0.10: ssh records and ssh.rules alerts per capture (make_pins.py)\n")
    f.write("\n".join(rows) + "\n")
print(len(CAPTURES), "captures,", len(rows), "rows")
