# Writes checksums.pcap (tests/checksum.rs): TCP sessions over IPv4/IPv6 with good, damaged and
# offload-seeded checksums, UDP (good, damaged, zero, seeded), a bad IPv4 header, ICMPv4/v6.
# Usage: python3 make_checksums.py checksums.pcap
import struct, sys
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b))
    while s>>16: s=(s&0xffff)+(s>>16)
    return s
def ip4(src,dst,proto,payload,ident=1,badhdr=False):
    h=struct.pack('!BBHHHBBH4s4s',0x45,0,20+len(payload),ident,0,64,proto,0,bytes(src),bytes(dst))
    c=(~csum(h))&0xffff
    if badhdr: c^=0x5a5a
    return h[:10]+struct.pack('!H',c)+h[12:]+payload
def ip6(src,dst,nh,payload):
    return struct.pack('!IHBB16s16s',0x60000000,len(payload),nh,64,bytes(src),bytes(dst))+payload
def pseudo4(src,dst,proto,l): return bytes(src)+bytes(dst)+struct.pack('!BBH',0,proto,l)
def pseudo6(src,dst,nh,l): return bytes(src)+bytes(dst)+struct.pack('!IxxxB',l,nh)
def l4sum(seg,ph,off,mode):
    # mode: ok, bad, seed, zero
    seg=bytearray(seg); seg[off:off+2]=b'\0\0'
    c=(~csum(ph+bytes(seg)))&0xffff
    if mode=='ok':
        if c==0 and off==6: c=0xffff
    elif mode=='bad': c^=0x1357
    elif mode=='seed': c=csum(ph)
    elif mode=='zero': c=0
    seg[off:off+2]=struct.pack('!H',c); return bytes(seg)
def tcp(sp,dp,seq,ack,flags,data=b''):
    return struct.pack('!HHIIBBHHH',sp,dp,seq,ack,5<<4,flags,65535,0,0)+data
def udp(sp,dp,data): return struct.pack('!HHHH',sp,dp,8+len(data),0)+data
def icmp(t,data): return struct.pack('!BBHHH',t,0,0,1,1)+data
def eth(p,v6=False): return b'\x02'*6+b'\x04'*6+(b'\x86\xdd' if v6 else b'\x08\x00')+p
A=[10,0,0,1]; B=[10,0,0,2]
A6=[0x20,1,0xd,0xb8]+[0]*11+[1]; B6=[0x20,1,0xd,0xb8]+[0]*11+[2]
pk=[]
def t4(src,dst,seg,mode='ok',badhdr=False):
    pk.append(eth(ip4(src,dst,6,l4sum(seg,pseudo4(src,dst,6,len(seg)),16,mode),badhdr=badhdr)))
def t6(src,dst,seg,mode='ok'):
    pk.append(eth(ip6(src,dst,6,l4sum(seg,pseudo6(src,dst,6,len(seg)),16,mode)),True))
def session(sp,req,cmode='ok',datamode=None,v6=False):
    f=t6 if v6 else t4
    s,d=(A6,B6) if v6 else (A,B)
    datamode=datamode or cmode
    f(s,d,tcp(sp,80,100,0,0x02),cmode)
    f(d,s,tcp(80,sp,500,101,0x12))
    f(s,d,tcp(sp,80,101,501,0x10),cmode)
    f(s,d,tcp(sp,80,101,501,0x18,req),datamode)
    resp=b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
    f(d,s,tcp(80,sp,501,101+len(req),0x18,resp))
    f(s,d,tcp(sp,80,101+len(req),501+len(resp),0x10),cmode)
    f(s,d,tcp(sp,80,101+len(req),501+len(resp),0x11),cmode)
    f(d,s,tcp(80,sp,501+len(resp),102+len(req),0x11))
    f(s,d,tcp(sp,80,102+len(req),502+len(resp),0x10),cmode)
req=lambda u: b'GET '+u+b' HTTP/1.1\r\nHost: x\r\n\r\n'
session(40001,req(b'/good'))
session(40002,req(b'/bad'),'ok','bad')
session(40003,req(b'/offload'),'seed')
session(40004,req(b'/six'),v6=True)
session(40005,req(b'/badsix'),'ok','bad',v6=True)
# udp v4
for mode,port in (('ok',5001),('bad',5002),('zero',5003),('seed',5004)):
    seg=udp(port,53,b'UDPDATA'+bytes([port&0xff]))
    pk.append(eth(ip4(A,B,17,l4sum(seg,pseudo4(A,B,17,len(seg)),6,mode))))
# ipv4 header bad, udp fine
seg=udp(5005,53,b'HDRBAD'); pk.append(eth(ip4(A,B,17,l4sum(seg,pseudo4(A,B,17,len(seg)),6,'ok'),badhdr=True)))
for mode,port in (('ok',6001),('bad',6002),('zero',6003)):
    seg=udp(port,53,b'UDP6DATA')
    pk.append(eth(ip6(A6,B6,17,l4sum(seg,pseudo6(A6,B6,17,len(seg)),6,mode)),True))
for mode in ('ok','bad'):
    seg=icmp(8,b'ping-'+mode.encode()); pk.append(eth(ip4(A,B,1,l4sum(seg,b'',2,mode))))
    seg=icmp(128,b'ping6-'+mode.encode()); pk.append(eth(ip6(A6,B6,58,l4sum(seg,pseudo6(A6,B6,58,len(seg)),2,mode)),True))
out=open(sys.argv[1],'wb')
out.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))
for i,p in enumerate(pk):
    out.write(struct.pack('<IIII',1700000000+i,0,len(p),len(p))+p)
print(len(pk))
