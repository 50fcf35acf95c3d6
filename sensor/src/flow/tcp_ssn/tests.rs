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
        .map(|(d, h, len)| names(t.packet(*d, h, TcpOpts::default(), *len, 1000).events))
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

/// Which segments reach reassembly (D43), per segment of a run.
fn taken(t: &mut TcpSsn, segs: &[(usize, TcpHeader, u32)]) -> Vec<bool> {
    segs.iter()
        .map(|(d, h, len)| t.packet(*d, h, TcpOpts::default(), *len, 1000).reassemble)
        .collect()
}

#[test]
fn only_an_answered_session_is_reassembled() {
    // Picked up mid-stream: no SYN, nothing reassembled, however long it goes on.
    let mut t = TcpSsn::default();
    let got = taken(
        &mut t,
        &[
            (0, seg(A | TcpHeader::PSH, 1000, 5000), 100),
            (1, seg(A, 5000, 1100), 0),
            (1, seg(A | TcpHeader::PSH, 5000, 1100), 200),
        ],
    );
    assert_eq!(got, [false, false, false]);
    assert_eq!(t.isn(0), None);

    // One-sided: the server never answers the SYN, so the client's data stays out.
    let mut t = TcpSsn::default();
    let got = taken(
        &mut t,
        &[
            (0, seg(TcpHeader::SYN, 100, 0), 0),
            (0, seg(A, 101, 501), 0),
            (0, seg(A | TcpHeader::PSH, 101, 501), 10),
        ],
    );
    assert_eq!(got, [false, false, false]);
    assert_eq!((t.isn(0), t.isn(1)), (Some(100), None));

    // Data on a SYN without Fast Open stays out; the handshake's ACK and what follows go in.
    let mut t = TcpSsn::default();
    let got = taken(
        &mut t,
        &[
            (0, seg(TcpHeader::SYN, 100, 0), 20),
            (1, seg(SA, 500, 101), 0),
            (0, seg(A, 101, 501), 0),
            (0, seg(A | TcpHeader::PSH, 101, 501), 10),
            (1, seg(A | TcpHeader::PSH, 501, 111), 30),
        ],
    );
    assert_eq!(got, [false, false, true, true, true]);
    assert_eq!((t.isn(0), t.isn(1)), (Some(100), Some(500)));
    assert!(t.established_before());
}

#[test]
fn a_stale_ack_before_the_synack_sets_nothing() {
    let mut t = TcpSsn::default();
    let got = taken(
        &mut t,
        &[
            (0, seg(TcpHeader::SYN, 100, 0), 0),
            (1, seg(A, 7777, 3333), 0),
            (1, seg(SA, 500, 101), 0),
            (0, seg(A, 101, 501), 0),
        ],
    );
    assert_eq!(got, [false, false, false, true]);
    assert_eq!(t.isn(1), Some(500));
    // The handshake's last ACK is not itself established; the next packet is.
    assert!(!t.established_before());
    t.packet(1, &seg(A, 501, 101), TcpOpts::default(), 0, 1000);
    assert!(t.established_before());
}

#[test]
fn fast_open_syn_data_is_reassembled() {
    let mut t = TcpSsn::default();
    let tfo = TcpOpts {
        tfo: true,
        ..TcpOpts::default()
    };
    let j = t.packet(0, &seg(TcpHeader::SYN, 100, 0), tfo, 40, 1000);
    assert!(j.reassemble);
    // The SYN/ACK acknowledges the data: the session is established at once.
    let j = t.packet(1, &seg(SA, 500, 141), tfo, 0, 1000);
    assert!(!j.reassemble);
    let j = t.packet(0, &seg(A, 141, 501), TcpOpts::default(), 0, 1000);
    assert!(j.reassemble && j.events.is_empty());
    assert!(t.established_before());
}
