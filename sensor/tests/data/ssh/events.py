#!/usr/bin/env python3
"""SSH sessions with the anomalies of Suricata's ssh-events.rules (and controls), for
tests/ssh_vs_suricata.rs: `python3 events.py events.pcap`; Suricata's alerts with
/etc/suricata/rules/ssh-events.rules are pinned in events-suricata.tsv."""
import struct, sys
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b)); s=(s>>16)+(s&0xffff); s+=s>>16; return (~s)&0xffff
def pkt(src,dst,sp,dp,seq,ack,flags,data=b''):
    tcp=struct.pack('!HHIIBBHHH',sp,dp,seq,ack,5<<4,flags,65535,0,0)+data
    ph=bytes(src)+bytes(dst)+struct.pack('!BBH',0,6,len(tcp))
    c=csum(ph+tcp); tcp=tcp[:16]+struct.pack('!H',c)+tcp[18:]
    ip=struct.pack('!BBHHHBBH4s4s',0x45,0,20+len(tcp),1,0,64,6,0,bytes(src),bytes(dst))
    ip=ip[:10]+struct.pack('!H',csum(ip))+ip[12:]
    return b'\x00\x01\x02\x03\x04\x05\x00\x01\x02\x03\x04\x06\x08\x00'+ip+tcp
out=[]; t=[1000]
def add(p): t[0]+=1; out.append((t[0],p))
def session(n, cdata, sdata):
    c=[10,0,0,n]; s=[10,0,1,n]; cp=40000+n; sp=22
    cs=1000; ss=5000
    add(pkt(c,s,cp,sp,cs,0,0x02)); add(pkt(s,c,sp,cp,ss,cs+1,0x12)); add(pkt(c,s,cp,sp,cs+1,ss+1,0x10))
    cs+=1; ss+=1
    for who,d in [(0,x) for x in cdata[:1]]+[(1,x) for x in sdata[:1]]+[(0,x) for x in cdata[1:]]+[(1,x) for x in sdata[1:]]:
        if who==0:
            add(pkt(c,s,cp,sp,cs,ss,0x18,d)); cs+=len(d); add(pkt(s,c,sp,cp,ss,cs,0x10))
        else:
            add(pkt(s,c,sp,cp,ss,cs,0x18,d)); ss+=len(d); add(pkt(c,s,cp,sp,cs,ss,0x10))
    add(pkt(c,s,cp,sp,cs,ss,0x11)); add(pkt(s,c,sp,cp,ss,cs+1,0x11)); add(pkt(c,s,cp,sp,cs+1,ss+1,0x10))
def rec(payload, pad=4):
    return struct.pack('!IB', len(payload)+pad+1, pad)+payload+b'\0'*pad
good_c=b'SSH-2.0-OpenSSH_9.0\r\n'; good_s=b'SSH-2.0-OpenSSH_8.0\r\n'
session(1,[good_c],[good_s])                                    # control
session(2,[good_c],[b'Welcome to the server\r\n'+good_s])      # server pre-banner line
session(3,[b'SSH-2.0-'+b'A'*300+b'\r\n'],[good_s])             # long client banner
session(4,[good_c, b'\xff\xff\xff\xff\x04\x14'+b'\0'*40],[good_s])   # huge record
session(5,[good_c, rec(b'\x14'+b'\1'*16+b'\0'*44)],[good_s, b'\x00\x00\x00\x01\x00'])  # tiny server record
session(6,[b'SSH-2.0\r\n'],[good_s])                            # no software part
session(7,[good_c],[b'SSH-2.0-'+b'B'*250+b'\r\n'])              # 260-byte server line
session(8,[b'SSH-1.99-x\n'],[b'SSH-1.99-y\n'])                  # LF only
f=open(sys.argv[1],'wb'); f.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))
for ts,p in out: f.write(struct.pack('<IIII',ts,0,len(p),len(p))+p)
