#!/usr/bin/env python3
"""Makes ipv4_options.tsv: the IPv4 option events Suricata 7.0.10 raises.

Every option type 2-255 alone with lengths 2-12, each known type twice, route and timestamp
pointers and flags, and the length rules of router alert, stream id, quick start, CIPSO and
security, each in the options of a TCP SYN, run through Suricata with its shipped
decoder-events.rules (the ipv4.opt ones). Lines: options hex (before padding to 4 bytes
with zeros) <TAB> events (comma-separated).
Run: python3 ipv4_options.py OUT_DIR > ipv4_options.tsv"""
import struct, json, subprocess, os, sys, collections
OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b)); s=(s&0xffff)+(s>>16); s=(s&0xffff)+(s>>16); return ~s&0xffff
def pkt(opts, i):
    o=bytes(opts)
    if len(o)%4: o+=b'\0'*(4-len(o)%4)
    if len(o)>40: return None
    tcp=struct.pack('!HHIIBBHHH',1000+i%50000,80,1,0,5<<4,2,65535,0,0)
    ihl=5+len(o)//4
    h=struct.pack('!BBHHHBBH4s4s',0x40|ihl,0,ihl*4+len(tcp),i&0xffff,0,64,6,0,bytes([10,0,i>>8&255,i&255]),bytes([10,1,0,1]))+o
    h=h[:10]+struct.pack('!H',csum(h))+h[12:]
    return h+tcp
cases=[]
for t in range(2,256):
    for L in (2,3,4,6,8,11,12):
        body=[t,L]+[0]*(L-2)
        cases.append(body)
known=[7,0x19,0x44,0x82,0x83,0x85,0x86,0x88,0x89,0x94]
for t in known:
    for L in (4,8):
        cases.append([t,L]+[0]*(L-2)+[t,L]+[0]*(L-2))
        cases.append([t,L,4]+[0]*(L-3)+[1]+[t,L,4]+[0]*(L-3))
# RR/LSRR/SSRR pointers
for t in (7,0x83,0x89):
    for L in (3,7,11):
        for ptr in (0,3,4,5,8,9,12,13):
            cases.append([t,L,ptr]+[0]*(L-3))
# timestamp
for L in (4,5,8,12,16):
    for ptr in (4,5,6,9,13,17):
        for fl in (0,1,2,3,0x10):
            cases.append([0x44,L,ptr,fl]+[0]*(L-4))
# router alert / sid / qs / cipso / sec
for t,Ls in ((0x94,(2,3,4,5,6)),(0x88,(2,3,4,5)),(0x19,(6,7,8,9)),(0x86,(2,5,6,7,8,10)),(0x82,(2,3,10,11,12))):
    for L in Ls:
        for v in (0,1):
            cases.append([t,L]+[v]*(L-2))
cases.append([1,1,1,0]); cases.append([0,7,7,4]); cases.append([1,7,3,4,0,0])
out=[]
for c in cases:
    p=pkt(c,len(out))
    if p is not None: out.append((c,p))
with open(os.path.join(OUT,'o.pcap'),'wb') as f:
    f.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))
    for i,(c,p) in enumerate(out):
        fr=b'\x00\x01\x02\x03\x04\x05\x00\x01\x02\x03\x04\x06\x08\x00'+p
        f.write(struct.pack('<IIII',1700000000+i,0,len(fr),len(fr))+fr)
rules=[l for l in open('/etc/suricata/rules/decoder-events.rules') if l.startswith('alert') and 'decode-event:ipv4.opt' in l]
open(os.path.join(OUT,'o.rules'),'w').write(''.join(rules))
subprocess.run(['suricata','-r',os.path.join(OUT,'o.pcap'),'-S',os.path.join(OUT,'o.rules'),'-k','none','--runmode','single','-l',OUT],check=True,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
ev={int(l.split('sid:')[1].split(';')[0]): l.split('decode-event:')[1].split(';')[0] for l in rules}
hits=collections.defaultdict(set)
for l in open(os.path.join(OUT,'eve.json')):
    e=json.loads(l)
    if e['event_type']=='alert': hits[e['pcap_cnt']].add(ev[e['alert']['signature_id']])
for i,(c,p) in enumerate(out):
    print(bytes(c).hex()+'\t'+','.join(sorted(hits.get(i+1,()))))
