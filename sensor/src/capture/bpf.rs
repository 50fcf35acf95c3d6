//! Capture filters compiled by libpcap (feature `libpcap`): the full tcpdump syntax, turned into
//! a classic BPF program for `SO_ATTACH_FILTER`, so the kernel drops unwanted packets before
//! they are copied to the sensor. Builds without libpcap use `capture::filter` instead.
//!
//! The program is compiled against a "dead" handle (`pcap_open_dead`), not a live one, so
//! libpcap does not know it will run on a Linux packet socket. One consequence: on a live Linux
//! handle, libpcap compiles `vlan` to the kernel's VLAN metadata (the kernel usually strips the
//! tag before the filter runs), but here it tests the tag bytes in the frame, which a stripped
//! frame no longer has. Primitives other than `vlan` see the stripped frame as untagged, which
//! is what it then is.

use crate::capture::LinkType;

/// DLT_RAW on Linux (and most systems). The capture file value, LINKTYPE_RAW (101), is not a
/// DLT that `pcap_open_dead` knows.
const DLT_RAW: i32 = 12;

/// Compiles a tcpdump-syntax filter for a link type with libpcap (`pcap_open_dead` +
/// `pcap_compile`, optimised), into classic BPF instructions ready for `SO_ATTACH_FILTER`.
///
/// An accepted packet keeps `snaplen` bytes (0: all of it): the program's accepting `ret`
/// instructions return it, as the kernel truncates a packet to the filter's return value.
/// The error text is libpcap's message, prefixed "capture filter `expr`: ". libpcap's optimiser
/// also rejects a filter that can match nothing ("expression rejects all packets").
pub fn compile(expr: &str, link: LinkType, snaplen: u32) -> Result<Vec<libc::sock_filter>, String> {
    let fail = |msg: String| format!("capture filter `{expr}`: {msg}");
    let dlt = match link {
        LinkType::Raw => DLT_RAW,
        other => i32::try_from(other.to_dlt())
            .map_err(|_| fail(format!("link type {} is out of range", other.to_dlt())))?,
    };
    let dead = pcap::Capture::dead(pcap::Linktype(dlt)).map_err(|e| fail(message(e)))?;
    let program = dead.compile(expr, true).map_err(|e| fail(message(e)))?;
    let keep = if snaplen == 0 { u32::MAX } else { snaplen };
    program
        .get_instructions()
        .iter()
        .map(|insn| {
            let mut f = parse_insn(&insn.to_string())
                .ok_or_else(|| fail(format!("unreadable BPF instruction `{insn}`")))?;
            // libpcap accepts with `ret #<the handle's snaplen>` (65535 for a dead handle) and
            // rejects with `ret #0`: only the former changes.
            if u32::from(f.code) == libc::BPF_RET | libc::BPF_K && f.k != 0 {
                f.k = keep;
            }
            Ok(f)
        })
        .collect()
}

/// The pcap crate keeps an instruction's fields private but prints them as "code jt jf k";
/// reading that back avoids relying on the private type's layout.
fn parse_insn(text: &str) -> Option<libc::sock_filter> {
    let mut it = text.split(' ');
    let f = libc::sock_filter {
        code: it.next()?.parse().ok()?,
        jt: it.next()?.parse().ok()?,
        jf: it.next()?.parse().ok()?,
        k: it.next()?.parse().ok()?,
    };
    it.next().is_none().then_some(f)
}

/// libpcap's own message when there is one (without the crate's "libpcap error: " prefix).
fn message(e: pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(m) => m,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::filter::CaptureFilter;
    use crate::decode::{self, DecodeOutcome};
    use proptest::prelude::*;
    use sensor_generate::packet::{self, Ip, Link, Tcp};
    use std::net::IpAddr;

    /// A classic BPF interpreter, as the kernel runs a socket filter: the return value is the
    /// number of bytes to keep (0 drops), and a load outside the packet drops it.
    fn run(prog: &[libc::sock_filter], pkt: &[u8]) -> u32 {
        use libc::*;
        let (mut a, mut x) = (0u32, 0u32);
        let mut mem = [0u32; 16];
        let mut pc = 0;
        let load = |off: u32, size: u32| -> Option<u32> {
            let off = off as usize;
            let b = pkt.get(off..off.checked_add(size as usize)?)?;
            Some(b.iter().fold(0, |v, &byte| (v << 8) | u32::from(byte)))
        };
        loop {
            let i = prog[pc];
            let code = u32::from(i.code);
            pc += 1;
            let size = match code & 0x18 {
                BPF_W => 4,
                BPF_H => 2,
                _ => 1,
            };
            let src = if code & BPF_X != 0 { x } else { i.k };
            match code & 0x07 {
                BPF_LD => {
                    a = match code & 0xe0 {
                        BPF_IMM => i.k,
                        BPF_ABS => match load(i.k, size) {
                            Some(v) => v,
                            None => return 0,
                        },
                        BPF_IND => match load(x.wrapping_add(i.k), size) {
                            Some(v) => v,
                            None => return 0,
                        },
                        BPF_LEN => pkt.len() as u32,
                        BPF_MEM => mem[i.k as usize],
                        m => panic!("ld mode {m:#x}"),
                    }
                }
                BPF_LDX => {
                    x = match code & 0xe0 {
                        BPF_IMM => i.k,
                        BPF_LEN => pkt.len() as u32,
                        BPF_MEM => mem[i.k as usize],
                        BPF_MSH => match load(i.k, 1) {
                            Some(v) => (v & 0xf) * 4,
                            None => return 0,
                        },
                        m => panic!("ldx mode {m:#x}"),
                    }
                }
                BPF_ST => mem[i.k as usize] = a,
                BPF_STX => mem[i.k as usize] = x,
                BPF_ALU => {
                    a = match code & 0xf0 {
                        BPF_ADD => a.wrapping_add(src),
                        BPF_SUB => a.wrapping_sub(src),
                        BPF_MUL => a.wrapping_mul(src),
                        BPF_DIV if src == 0 => return 0,
                        BPF_DIV => a / src,
                        BPF_MOD if src == 0 => return 0,
                        BPF_MOD => a % src,
                        BPF_OR => a | src,
                        BPF_AND => a & src,
                        BPF_XOR => a ^ src,
                        BPF_LSH => a.checked_shl(src).unwrap_or(0),
                        BPF_RSH => a.checked_shr(src).unwrap_or(0),
                        BPF_NEG => a.wrapping_neg(),
                        op => panic!("alu op {op:#x}"),
                    }
                }
                BPF_JMP => {
                    let taken = match code & 0xf0 {
                        BPF_JA => {
                            pc += i.k as usize;
                            continue;
                        }
                        BPF_JEQ => a == src,
                        BPF_JGT => a > src,
                        BPF_JGE => a >= src,
                        BPF_JSET => a & src != 0,
                        op => panic!("jmp op {op:#x}"),
                    };
                    pc += usize::from(if taken { i.jt } else { i.jf });
                }
                BPF_RET => return if code & 0x18 == BPF_A { a } else { i.k },
                _ => {
                    if code & 0xf8 == BPF_TXA {
                        a = x;
                    } else {
                        x = a;
                    }
                }
            }
        }
    }

    fn v4(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    const ETH: Link = Link::Ethernet {
        src: [2, 0, 0, 0, 0, 1],
        dst: [2, 0, 0, 0, 0, 2],
        vlans: [(0, 0); 2],
        vlan_count: 0,
    };

    fn tcp_frame(ip: &Ip, sport: u16, dport: u16) -> Vec<u8> {
        let tcp = Tcp {
            sport,
            dport,
            seq: 7,
            ack: 0,
            flags: packet::TCP_SYN,
            window: 512,
            options: &[],
        };
        let mut f = Vec::new();
        packet::tcp_frame(&mut f, &ETH, ip, &tcp, b"GET /");
        f
    }

    fn udp_frame(ip: &Ip, sport: u16, dport: u16) -> Vec<u8> {
        let mut f = Vec::new();
        packet::udp_frame(&mut f, &ETH, ip, sport, dport, b"query");
        f
    }

    /// Untagged Ethernet frames of every kind both filters know.
    fn frames() -> Vec<Vec<u8>> {
        let a = Ip::new(v4("10.0.0.1"), v4("192.168.1.20"), 64, 1);
        let b = Ip::new(v4("192.168.1.20"), v4("10.0.0.9"), 64, 2);
        let a6 = Ip::new(
            "2001:db8::1".parse().unwrap(),
            "fe80::2".parse().unwrap(),
            64,
            3,
        );
        let mut out = vec![
            tcp_frame(&a, 40000, 80),
            tcp_frame(&b, 80, 40000),
            tcp_frame(&a, 443, 1024),
            udp_frame(&a, 5353, 53),
            udp_frame(&b, 53, 53),
            tcp_frame(&a6, 22, 50000),
            udp_frame(&a6, 53, 1023),
        ];
        let mut ping = Vec::new();
        packet::icmp_frame(&mut ping, &ETH, &b, 8, 0, [0, 1, 0, 1], b"ping");
        out.push(ping);
        let mut ping6 = Vec::new();
        packet::icmp_frame(&mut ping6, &ETH, &a6, 128, 0, [0, 1, 0, 1], b"ping");
        out.push(ping6);
        // IPv4 fragments: the first has the UDP ports, the others only the protocol.
        out.extend(packet::udp_fragments(&ETH, &a, 5000, 53, &[0x55; 64], 24));
        out
    }

    #[test]
    fn tcp_port_80_on_ethernet() {
        let prog = compile("tcp port 80", LinkType::Ethernet, 1500).unwrap();
        assert!(
            prog.len() > 5,
            "a real program: {} instructions",
            prog.len()
        );
        let ip = Ip::new(v4("10.0.0.1"), v4("10.0.0.2"), 64, 1);
        assert_eq!(run(&prog, &tcp_frame(&ip, 40000, 80)), 1500);
        assert_eq!(run(&prog, &tcp_frame(&ip, 80, 40000)), 1500);
        assert_eq!(run(&prog, &tcp_frame(&ip, 40000, 81)), 0);
        assert_eq!(run(&prog, &udp_frame(&ip, 40000, 53)), 0);
        assert_eq!(run(&prog, &udp_frame(&ip, 40000, 80)), 0);
        // Snap length 0: keep everything.
        let all = compile("tcp port 80", LinkType::Ethernet, 0).unwrap();
        assert_eq!(run(&all, &tcp_frame(&ip, 40000, 80)), u32::MAX);
    }

    #[test]
    fn other_link_types() {
        let ip = Ip::new(v4("10.0.0.1"), v4("10.0.0.2"), 64, 1);
        let frame = udp_frame(&ip, 1234, 53);
        // The same datagram without its Ethernet header, as raw IP.
        let raw = &frame[14..];
        for link in [LinkType::Raw, LinkType::Ipv4] {
            let prog = compile("udp dst port 53", link, 96).unwrap();
            assert_eq!(run(&prog, raw), 96, "{link:?}");
        }
        let prog = compile("ip6", LinkType::Raw, 96).unwrap();
        assert_eq!(run(&prog, raw), 0);
    }

    #[test]
    fn errors_are_libpcaps() {
        let e = compile("tcp prt 80", LinkType::Ethernet, 1500).unwrap_err();
        assert!(e.starts_with("capture filter `tcp prt 80`: "), "{e}");
        assert!(e.contains("syntax error"), "{e}");
        let e = compile("port 70000", LinkType::Ethernet, 1500).unwrap_err();
        assert!(e.contains("70000"), "{e}");
        let e = compile("port 53 and not port 53", LinkType::Ethernet, 1500).unwrap_err();
        assert!(e.ends_with(": expression rejects all packets"), "{e}");
        let e = compile("nul\0", LinkType::Ethernet, 1500).unwrap_err();
        assert!(e.starts_with("capture filter `nul\0`: "), "{e}");
    }

    #[test]
    fn kernel_accepts_the_program() {
        let prog = compile(
            "(tcp port 80 or udp portrange 50-60) and not net 10.0.0.0/8",
            LinkType::Ethernet,
            262_144,
        )
        .unwrap();
        // Any socket takes a filter; the kernel checks the program when it is attached.
        // SAFETY: a plain socket, closed below.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) };
        assert!(fd >= 0);
        let fprog = libc::sock_fprog {
            len: prog.len() as u16,
            filter: prog.as_ptr().cast_mut(),
        };
        // SAFETY: `fprog` points into `prog`, alive for the call (the kernel copies it).
        let r = unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_ATTACH_FILTER,
                (&fprog as *const libc::sock_fprog).cast(),
                std::mem::size_of::<libc::sock_fprog>() as libc::socklen_t,
            )
        };
        let err = std::io::Error::last_os_error();
        // SAFETY: closing our own socket.
        unsafe { libc::close(fd) };
        assert_eq!(r, 0, "SO_ATTACH_FILTER: {err}");
    }

    #[test]
    fn interpreter_agrees_with_pcap_offline_filter() {
        let exprs = [
            "tcp port 80",
            "udp",
            "ip6 and tcp",
            "icmp or icmp6",
            "portrange 50-60",
        ];
        for expr in exprs {
            let prog = compile(expr, LinkType::Ethernet, 65535).unwrap();
            let reference = pcap::Capture::dead(pcap::Linktype(1))
                .unwrap()
                .compile(expr, true)
                .unwrap();
            for frame in frames() {
                assert_eq!(run(&prog, &frame) != 0, reference.filter(&frame), "{expr}");
            }
        }
    }

    /// Leaves both filters read the same way on untagged IPv4 and IPv6 frames.
    const LEAVES: &[&str] = &[
        "tcp",
        "udp",
        "icmp",
        "icmp6",
        "ip",
        "ip6",
        "port 80",
        "port 53",
        "src port 53",
        "dst port 80",
        "tcp dst port 80",
        "udp src port 53",
        "portrange 1-1023",
        "host 10.0.0.1",
        "src host 192.168.1.20",
        "dst net 10.0.0.0/8",
        "net 192.168",
        "net 2001:db8::/32",
        "host fe80::2",
        "src and dst port 53",
        "proto 17",
        "ip proto 6",
        "ip6 proto 58",
        "port 80 or 443",
        "host 10.0.0.9 or 10.0.0.1",
    ];

    fn decoded(frame: &[u8]) -> decode::Decoded {
        match decode::decode(LinkType::Ethernet, frame) {
            Ok(DecodeOutcome::Ip(d)) => d,
            other => panic!("not IP: {other:?}"),
        }
    }

    fn agree(expr: &str) {
        let ours = CaptureFilter::parse(expr).unwrap();
        let prog = compile(expr, LinkType::Ethernet, 65535).unwrap();
        let mut matched = 0;
        for frame in frames() {
            let theirs = run(&prog, &frame) != 0;
            assert_eq!(ours.matches(&decoded(&frame)), theirs, "`{expr}`");
            matched += usize::from(theirs);
        }
        assert!(
            matched > 0 && matched < frames().len(),
            "`{expr}` tells frames apart"
        );
    }

    #[test]
    fn precedence_agrees_with_libpcap() {
        // Readings differ between "and before or" and libpcap's left-to-right.
        agree("tcp or udp and port 53");
        agree("port 53 and udp or tcp");
        agree("ip6 || udp && port 53");
        agree("not udp and port 53 or icmp");
        agree("port 80 and not 443");
        agree("host 192.168.1.20 and not 10.0.0.9");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The built-in filter and libpcap agree, precedence included: leaves joined by
        /// `and`/`or` (and their symbols) without parentheses, some negated.
        #[test]
        fn builtin_filter_agrees_with_libpcap(
            first in proptest::sample::select(LEAVES),
            rest in proptest::collection::vec((
                proptest::sample::select(vec!["and", "or", "&&", "||"]),
                any::<bool>(),
                proptest::sample::select(LEAVES),
            ), 0..4),
        ) {
            let mut expr = first.to_string();
            for (op, negate, leaf) in rest {
                let not = if negate { "not " } else { "" };
                expr = format!("{expr} {op} {not}{leaf}");
            }
            let ours = CaptureFilter::parse(&expr).unwrap();
            let prog = match compile(&expr, LinkType::Ethernet, 65535) {
                Ok(p) => p,
                // libpcap's optimiser refuses a filter it proves can never match
                // (`port 53 and not port 53`): then ours must match nothing either.
                Err(e) if e.ends_with("expression rejects all packets") => {
                    for frame in frames() {
                        prop_assert!(!ours.matches(&decoded(&frame)), "`{}`", expr);
                    }
                    return Ok(());
                }
                Err(e) => panic!("{e}"),
            };
            for frame in frames() {
                prop_assert_eq!(
                    ours.matches(&decoded(&frame)),
                    run(&prog, &frame) != 0,
                    "`{}` on {:?}", expr, decoded(&frame)
                );
            }
        }
    }
}
