#!/usr/bin/env python3
"""Compare this parser's EVE dns records with Suricata's on whole pcaps.

Usage: crosscheck.py WORKDIR PCAP...   (needs tshark, suricata 7 and cargo)

For each pcap: tshark extracts DNS payloads (UDP datagrams, TCP segments in order),
Suricata writes eve.json, the ignored test `crosscheck_dump` writes our records, and
records are compared per packet (UDP) or in order (TCP). Differences are printed; a
`grouped` object whose keys only differ in order counts as equal (Suricata's order comes
from a hash map). Messages Suricata did not log because of flow handling (a flow that
starts with a response, two VLANs for one conversation, tunnels) show up as "count".
"""
import collections, json, os, re, subprocess, sys

work, pcaps = sys.argv[1], sys.argv[2:]
os.makedirs(work, exist_ok=True)
inp_path, ours_path = os.path.join(work, 'in.txt'), os.path.join(work, 'ours.txt')
theirs = collections.defaultdict(list)
with open(inp_path, 'w') as inp:
    for pi, p in enumerate(pcaps):
        fields = subprocess.run(
            ['tshark', '-r', p, '-o', 'tcp.desegment_tcp_streams:FALSE', '-Y',
             '(udp && dns) || (tcp.len>0 && tcp.port==53)', '-T', 'fields', '-e', 'frame.number',
             '-e', 'udp.payload', '-e', 'tcp.stream', '-e', 'tcp.dstport', '-e', 'tcp.payload'],
            capture_output=True, text=True).stdout
        for line in fields.splitlines():
            f = (line.split('\t') + [''] * 5)[:5]
            if f[1]:
                inp.write(f"{pi}:{f[0]}\tu\t{f[1].replace(':', '')}\n")
            elif f[4]:
                d = 's' if f[3] == '53' else 'c'
                inp.write(f"{pi}:{f[0]}\tt{pi}.{f[2]}{d}\t{f[4].replace(':', '')}\n")
        out = os.path.join(work, str(pi))
        os.makedirs(out, exist_ok=True)
        if os.path.exists(os.path.join(out, 'eve.json')):
            os.remove(os.path.join(out, 'eve.json'))  # Suricata appends
        subprocess.run(['suricata', '-r', p, '-k', 'none', '-l', out], capture_output=True)
        for line in open(os.path.join(out, 'eve.json')):
            if '"event_type":"dns"' not in line:
                continue
            e = json.loads(line)
            i = line.index('"dns":')
            _, end = json.JSONDecoder().raw_decode(line, i + 6)
            key = (f"{pi}:{e.get('pcap_cnt')}", e['proto'])
            theirs[key].append(re.sub(r'"tx_id":\d+', '"tx_id":0', line[i:end]))

env = dict(os.environ, DNS_CROSSCHECK_IN=inp_path, DNS_CROSSCHECK_OUT=ours_path)
subprocess.run(['cargo', 'test', '-q', '-p', 'sensor', '--lib', 'app::dns::tests::crosscheck_dump',
                '--', '--ignored'], env=env, check=True, capture_output=True)
ours = collections.defaultdict(list)
for line in open(ours_path):
    k, proto, j = line.rstrip('\n').split('\t', 2)
    ours[(k, proto)].append(j)


def value(j):
    return json.loads('{' + j + '}')


exact = equal = 0
for proto in ('UDP', 'TCP'):
    if proto == 'UDP':
        groups = [(k, theirs.get(k, []), ours.get(k, [])) for k in sorted(set(theirs) | set(ours)) if k[1] == 'UDP']
    else:
        t, o = collections.defaultdict(list), collections.defaultdict(list)
        def frame(item):
            f = item[0][0].split(':')[1]
            return int(f) if f.isdigit() else 1 << 62
        for d, src in ((t, theirs), (o, ours)):
            for k, v in sorted(src.items(), key=frame):
                if k[1] == 'TCP':
                    d[k[0].split(':')[0]] += v
        groups = [((p, 'TCP'), t.get(p, []), o.get(p, [])) for p in sorted(set(t) | set(o))]
    for key, a, b in groups:
        name = pcaps[int(key[0].split(':')[0])]
        if len(a) != len(b):
            print('count', key, name, f'suricata {len(a)} ours {len(b)}')
            for j in a + b:
                print('   ', j[:300])
            continue
        for x, y in zip(a, b):
            if x == y:
                exact += 1
            elif value(x) == value(y):
                equal += 1
            else:
                print('diff', key, name, '\n  suricata', x[:600], '\n  ours    ', y[:600])
print(f'{exact} records byte-identical, {equal} more equal as JSON')
