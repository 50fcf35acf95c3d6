#!/usr/bin/env python3
"""Pins Suricata 7.0.10's DCE/RPC records and the alerts of `dcerpc.rules` on the corpus's
DCE/RPC-over-TCP captures, for `tests/dcerpc_vs_suricata.rs`: one `suricata -r` per capture,
`--runmode single -k none`. Writes `suricata-dcerpc.tsv`:

    R <capture> <sport> <dport> <dcerpc object, keys sorted>
    A <capture> <sport> <dport> <sid> <alerts>
    M <capture> <sport> <dport>      a TCP flow Suricata saw without its handshake (it runs
                                     without stream.midstream: nothing parsed or inspected)
    S <capture> <sport> <dport>      a flow Suricata parsed as SMB (DCE/RPC over SMB: the
                                     sensor does not parse SMB)
"""
import glob, json, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../../../shared/corpus"))
CAPTURES = sorted(
    os.path.relpath(p, CORPUS)
    for p in glob.glob(os.path.join(CORPUS, "zeek-traces/dce-rpc/*"))
    + glob.glob(os.path.join(CORPUS, "suricata-verify-wide/dcerpc*/*.pcap"))
)

rows = []
for cap in CAPTURES:
    d = tempfile.mkdtemp()
    subprocess.run(["suricata", "-r", os.path.join(CORPUS, cap), "-k", "none", "--runmode", "single", "-l", d,
                    "-S", os.path.join(HERE, "dcerpc.rules")], capture_output=True, check=True)
    alerts = {}
    for line in open(os.path.join(d, "eve.json")):
        r = json.loads(line)
        ports = [str(r.get("src_port")), str(r.get("dest_port"))]
        if r["event_type"] == "dcerpc":
            rows.append("\t".join(["R", cap] + ports + [json.dumps(r["dcerpc"], sort_keys=True, separators=(",", ":"))]))
        elif r["event_type"] == "alert":
            k = tuple(ports + [str(r["alert"]["signature_id"])])
            alerts[k] = alerts.get(k, 0) + 1
        elif r["event_type"] == "flow" and r["proto"] == "TCP" and r["flow"]["state"] == "new" and "app_proto" not in r:
            rows.append("\t".join(["M", cap] + ports))
        elif r["event_type"] == "flow" and r.get("app_proto") == "smb":
            rows.append("\t".join(["S", cap] + ports))
    for k, n in sorted(alerts.items()):
        rows.append("\t".join(["A", cap] + list(k) + [str(n)]))
    shutil.rmtree(d)
with open(os.path.join(HERE, "suricata-dcerpc.tsv"), "w") as f:
    f.write("# Suricata 7.0.10: dcerpc records and dcerpc.rules alerts per capture and flow (make_pins.py)\n")
    f.write("\n".join(rows) + "\n")
print(len(CAPTURES), "captures,", len(rows), "rows")
