//! Reference frames: one of each kind the generator writes (TCP SYN, TCP data, UDP DNS, ICMP
//! echo, IPv6 TCP with a Destination Options header, ICMPv6 echo). The generator's tests pin
//! their checksums; the sensor's tests decode them (`sensor/tests/generator.rs`).

use std::net::IpAddr;

use crate::net::{v4, v6};
use crate::packet::{self, Ip, Link, Tcp, TCP_ACK, TCP_PSH, TCP_SYN};
use crate::protocols::dns::{Message, TYPE_A};

const SRC_MAC: packet::Mac = [0x02, 0x10, 10, 10, 3, 5];
const DST_MAC: packet::Mac = [0x02, 0x10, 10, 10, 1, 10];

fn ip(src: IpAddr, dst: IpAddr, ttl: u8, id: u32) -> Ip {
    Ip::new(src, dst, ttl, id)
}

/// The reference frames whose checksums are pinned below. Their values were checked once with
/// `tshark -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE`
/// (all "Good", ICMP and ICMPv6 included) on a pcap of exactly these frames.
pub fn reference_frames() -> Vec<Vec<u8>> {
    let link = Link::ethernet(SRC_MAC, DST_MAC);
    let mut frames = Vec::new();

    let (opts, n) = packet::syn_options(1460, 8, None);
    let syn = Tcp {
        sport: 51000,
        dport: 443,
        seq: 0x0102_0304,
        ack: 0,
        flags: TCP_SYN,
        window: 64240,
        options: &opts[..n],
    };
    let mut b = Vec::new();
    packet::tcp_frame(
        &mut b,
        &link,
        &ip(v4(10, 10, 3, 5), v4(10, 10, 1, 10), 128, 0x1234),
        &syn,
        &[],
    );
    frames.push(b);

    let ts = packet::ts_options(1000, 2000);
    let data = Tcp {
        sport: 51000,
        dport: 80,
        seq: 7,
        ack: 9,
        flags: TCP_ACK | TCP_PSH,
        window: 502,
        options: &ts,
    };
    let mut b = Vec::new();
    packet::tcp_frame(
        &mut b,
        &link,
        &ip(v4(10, 10, 3, 5), v4(10, 10, 1, 10), 64, 0x4321),
        &data,
        b"GET / HTTP/1.1\r\nHost: voter.elections.example\r\n\r\n",
    );
    frames.push(b);

    let q = Message::query(0xbeef, "voter.elections.example", TYPE_A).encode();
    let mut b = Vec::new();
    let mut udp_ip = ip(v4(10, 10, 3, 5), v4(10, 10, 0, 53), 128, 0x0101);
    udp_ip.dont_fragment = false;
    packet::udp_frame(&mut b, &link, &udp_ip, 53000, 53, &q);
    frames.push(b);

    let mut b = Vec::new();
    let payload: Vec<u8> = (0..56u8).collect();
    packet::icmp_frame(
        &mut b,
        &link,
        &ip(v4(10, 10, 0, 5), v4(10, 10, 1, 10), 64, 0x0202),
        8,
        0,
        [0x1c, 0x2d, 0, 1],
        &payload,
    );
    frames.push(b);

    let a6 = v6([0x2001, 0xdb8, 0x10, 3, 0, 0, 0, 0x60]);
    let b6 = v6([0x2001, 0xdb8, 0x10, 1, 0, 0, 0, 0x10]);
    let mut b = Vec::new();
    let mut ip6 = ip(a6, b6, 64, 0xabcde);
    ip6.dest_opts = true;
    packet::tcp_frame(&mut b, &link, &ip6, &data, b"hello");
    frames.push(b);

    let mut b = Vec::new();
    packet::icmp_frame(
        &mut b,
        &link,
        &ip(a6, b6, 64, 0x12345),
        128,
        0,
        [0, 7, 0, 1],
        &payload,
    );
    frames.push(b);
    frames
}
