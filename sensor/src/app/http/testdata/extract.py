#!/usr/bin/env python3
"""Builds HTTP parser test vectors from a pcap (dev tool; tests never run it).

Writes OUT_FILE with one section per TCP stream of PCAP that Suricata logged HTTP records for:
  ## <name>-<stream>   starts a flow
  # comment lines
  > hex        bytes client -> server, in capture order   (tshark -z follow,tcp,raw)
  < hex        bytes server -> client
  G> n / G< n  n bytes missing in the capture (tshark's gap marker), client->server / server->client
  = json       one EVE "http" object Suricata 7 wrote for this flow, in tx_id order
  T Q m\tu\th\ta   tshark: request method, URI, Host, User-Agent (per request, in order)
  T R code         tshark: response status code (per response, in order)
  ~ json       (added by hand) the EVE object expected from this parser where it deliberately
               differs from Suricata; when present these replace the "=" lines
Usage: extract.py PCAP EVE_JSON OUT_FILE NAME [--no-tshark]
"""
import collections, ipaddress, json, os, re, subprocess, sys

pcap, eve, out_file, name = sys.argv[1:5]
with_tshark = '--no-tshark' not in sys.argv[5:]

def tshark(args):
    return subprocess.run(['tshark', '-r', pcap] + args, capture_output=True, text=True).stdout

# Suricata records per flow (client ip/port -> list by tx_id)
flows = collections.defaultdict(list)
for line in open(eve):
    d = json.loads(line)
    if d.get('event_type') != 'http' or 'http2' in d.get('http', {}):
        continue
    ip = lambda a: str(ipaddress.ip_address(a))
    flows[(ip(d['src_ip']), d['src_port'], ip(d['dest_ip']), d['dest_port'])].append((d.get('tx_id', 0), d['http']))

streams = sorted({int(s) for s in tshark(['-T', 'fields', '-e', 'tcp.stream']).split() if s.strip()})
fields = ['tcp.stream', 'ip.src', 'tcp.srcport', 'http.request.method', 'http.request.uri', 'http.host',
          'http.user_agent', 'http.response.code']
rows = collections.defaultdict(list)
for line in tshark(['-Y', 'http', '-T', 'fields', '-E', 'occurrence=f'] + sum([['-e', f] for f in fields], [])).splitlines():
    parts = line.split('\t')
    if len(parts) == len(fields) and parts[0]:
        rows[int(parts[0])].append(parts)

f = open(out_file, 'w')
for s in streams:
    out = tshark(['-q', '-z', 'follow,tcp,raw,%d' % s])
    nodes, chunks = [], []
    for l in out.splitlines():
        if l.startswith('Node 0:') or l.startswith('Node 1:'):
            ip, _, port = l.split(': ', 1)[1].rpartition(':')
            nodes.append((str(ipaddress.ip_address(ip.strip('[]'))), int(port)))
        elif l and not l.startswith(('=', 'Follow', 'Filter')) and all(c in '0123456789abcdef\t' for c in l):
            chunks.append((1 if l.startswith('\t') else 0, l.strip()))
    if len(nodes) != 2:
        continue
    recs = None
    for cli in (0, 1):
        key = (nodes[cli][0], nodes[cli][1], nodes[1 - cli][0], nodes[1 - cli][1])
        if key in flows:
            recs, client = flows[key], cli
    if recs is None:
        continue
    f.write('## %s-%d\n' % (name, s))
    f.write('# source: %s, tcp.stream %d, client %s:%d\n' % (name, s, *nodes[client]))
    for node, hx in chunks:
        arrow = '>' if node == client else '<'
        m = re.fullmatch(rb'\[(\d+) bytes missing in capture file\]\x00?', bytes.fromhex(hx))
        if m:
            f.write('G%s %s\n' % (arrow, m.group(1).decode()))
        else:
            f.write('%s %s\n' % (arrow, hx))
    for _, h in sorted(recs, key=lambda r: r[0]):
        f.write('= %s\n' % json.dumps(h, ensure_ascii=False, separators=(',', ':')))
    for p in (rows.get(s, []) if with_tshark else []):
        if p[3]:
            f.write('T Q %s\n' % '\t'.join(p[3:7]))
        elif p[7]:
            f.write('T R %s\n' % p[7])
    print('%s-%d' % (name, s))
