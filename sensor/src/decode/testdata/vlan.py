#!/usr/bin/env python3
"""Makes vlan.tsv: the VLAN decoder events Suricata 7.0.10 raises.

Ethernet frames with one VLAN tag before each of 26 types (IP, ARP, MPLS, PPPoE, 802.1ah,
VN-Tag, NSH, LLDP, unknown and 802.3 lengths) and with 1-5 stacked tags before IPv4, run
through Suricata with its shipped decoder-events.rules (the vlan. ones). Lines: tags <TAB>
final type (hex) <TAB> events. Frames: destination 00:01:02:03:04:05, source
00:01:02:03:04:06, type 0x8100, then per tag TCI 100+k and the next type; after the last tag
an IPv4 TCP SYN (10.0.0.1 -> 10.1.0.1, ports 1000 -> 80) for IPv4/IPv6 types, else 40 zero
bytes.
Run: python3 vlan.py OUT_DIR > vlan.tsv"""
import struct, json, subprocess, os, sys, collections
OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
os.chdir(OUT)
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b)); s=(s&0xffff)+(s>>16); s=(s&0xffff)+(s>>16); return ~s&0xffff
tcp=struct.pack('!HHIIBBHHH',1000,80,1,0,5<<4,2,65535,0,0)
ip=struct.pack('!BBHHHBBH4s4s',0x45,0,40,1,0,64,6,0,bytes([10,0,0,1]),bytes([10,1,0,1]))
ip=ip[:10]+struct.pack('!H',csum(ip))+ip[12:]+tcp
types=[0x0800,0x86dd,0x0806,0x8100,0x88a8,0x9100,0x8847,0x8848,0x8863,0x8864,0x88e7,0x8926,0x894f,0x88cc,0x0842,0x22f0,0x1234,0xabcd,0x0600,0x05dc,0x8035,0x88b5,0x9000,0xffff,0x6558,0x0000]
cases=[]
for t in types:
    for depth in (1,):
        cases.append((depth,t))
for depth in (1,2,3,4,5):
    cases.append((depth,0x0800))
out=[]
for depth,t in cases:
    fr=b'\x00\x01\x02\x03\x04\x05\x00\x01\x02\x03\x04\x06'
    tags=[]
    for k in range(depth):
        tags.append(0x8100)
    # first ethertype is VLAN, then each tag gives next type
    fr+=struct.pack('!H',0x8100)
    for k in range(depth):
        nxt=0x8100 if k<depth-1 else t
        fr+=struct.pack('!HH',100+k,nxt)
    fr+=ip if t==0x0800 else (ip if t==0x86dd else b'\0'*40)
    out.append((depth,t,fr))
with open('v.pcap','wb') as f:
    f.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))
    for i,(d,t,fr) in enumerate(out):
        f.write(struct.pack('<IIII',1700000000+i,0,len(fr),len(fr))+fr)
rules=[l for l in open('/etc/suricata/rules/decoder-events.rules') if l.startswith('alert') and 'decode-event:vlan' in l]
open('v.rules','w').write(''.join(rules))
os.makedirs('s',exist_ok=True)
subprocess.run(['suricata','-r','v.pcap','-S','v.rules','-k','none','--runmode','single','-l','s'],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
ev={int(l.split('sid:')[1].split(';')[0]): l.split('decode-event:')[1].split(';')[0] for l in rules}
hits=collections.defaultdict(set)
for l in open('s/eve.json'):
    e=json.loads(l)
    if e['event_type']=='alert': hits[e['pcap_cnt']].add(ev[e['alert']['signature_id']])
for i,(d,t,fr) in enumerate(out):
    print(f"{d}\t{t:04x}\t{','.join(sorted(hits.get(i+1,())))}")
