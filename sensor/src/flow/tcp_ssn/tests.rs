use super::*;

fn seg(flags: u8, seq: u32, ack: u32) -> TcpHeader {
    TcpHeader {
        flags,
        seq,
        ack,
        window: 65535,
        ..Default::default()
    }
}

fn names(ev: PacketEvents) -> Vec<&'static str> {
    ev.iter().map(|e| e.name()).collect()
}

/// Runs segments (direction, header, payload length) and returns each one's events.
fn run(t: &mut TcpSsn, segs: &[(usize, TcpHeader, u32)]) -> Vec<Vec<&'static str>> {
    segs.iter()
        .map(|(d, h, len)| names(t.packet(*d, h, TcpOpts::default(), *len, 1000)))
        .collect()
}

const SA: u8 = TcpHeader::SYN | TcpHeader::ACK;
const A: u8 = TcpHeader::ACK;

#[test]
fn a_clean_session_raises_nothing() {
    let mut t = TcpSsn::default();
    let got = run(
        &mut t,
        &[
            (0, seg(TcpHeader::SYN, 100, 0), 0),
            (1, seg(SA, 500, 101), 0),
            (0, seg(A, 101, 501), 0),
            (0, seg(A | TcpHeader::PSH, 101, 501), 10),
            (1, seg(A, 501, 111), 0),
            (0, seg(A | TcpHeader::FIN, 111, 501), 0),
            (1, seg(A | TcpHeader::FIN, 501, 112), 0),
            (0, seg(A, 112, 502), 0),
        ],
    );
    assert!(got.iter().all(|e| e.is_empty()), "{got:?}");
    assert_eq!(t.state, St::Closed);
}

#[test]
fn handshake_anomalies() {
    let mut t = TcpSsn::default();
    let got = run(
        &mut t,
        &[
            (0, seg(TcpHeader::SYN, 100, 0), 0),
            (1, seg(SA, 500, 999), 0),
            (1, seg(SA, 500, 101), 0),
            (0, seg(A, 101, 777), 0),
            (0, seg(A, 150, 777), 0),
        ],
    );
    assert_eq!(got[1], ["3whs_synack_with_wrong_ack"]);
    assert!(got[2].is_empty());
    assert_eq!(got[3], ["3whs_right_seq_wrong_ack_evasion"]);
    assert_eq!(got[4], ["3whs_wrong_seq_wrong_ack"]);
}

#[test]
fn no_session_without_a_syn() {
    let mut t = TcpSsn::default();
    let got = run(
        &mut t,
        &[
            (0, seg(A, 100, 200), 5),
            (0, seg(TcpHeader::RST, 105, 7), 0),
            (1, seg(A | TcpHeader::FIN, 200, 105), 0),
        ],
    );
    assert!(got[0].is_empty());
    assert_eq!(got[1], ["rst_but_no_session", "pkt_broken_ack"]);
    assert_eq!(got[2], ["fin_but_no_session"]);
}

#[test]
fn options_are_read_as_suricata_reads_them() {
    // NOP, wscale 20 (read as 0), SACK permitted, timestamps, then a truncated option.
    let b = [1, 3, 3, 20, 4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 7, 8, 10, 1];
    let o = TcpOpts::parse(&b);
    assert_eq!(o.wscale, Some(0));
    assert!(o.sackok && !o.signed);
    assert_eq!(o.ts, Some((9, 7)));
    let mut md5 = vec![19, 18];
    md5.resize(18, 0);
    assert!(TcpOpts::parse(&md5).signed);
    assert!(TcpOpts::parse(&[34, 2]).tfo);
    assert!(TcpOpts::parse(&[254, 4, 0xF9, 0x89]).tfo);
    assert!(!TcpOpts::parse(&[254, 4, 0xF9, 0x88]).tfo);
}

#[test]
fn sequence_comparisons_wrap() {
    assert!(lt(u32::MAX, 1) && gt(1, u32::MAX));
    assert!(leq(5, 5) && geq(5, 5) && !lt(5, 5));
}
