//! The generator (`sensor-generate`) and the sensor's decoder agree on the wire format: every
//! reference frame and every frame of a generated SYN flood decodes as the packet it was meant
//! to be. (The generator's own tests pin checksums without the decoder.)

use sensor::capture::LinkType;
use sensor::decode::{decode, DecodeOutcome, L4};

#[test]
fn reference_frames_decode_cleanly() {
    for (i, fr) in sensor_generate::reference::reference_frames()
        .iter()
        .enumerate()
    {
        match decode(LinkType::Ethernet, fr) {
            Ok(DecodeOutcome::Ip(d)) => {
                assert!(
                    d.payload_offset as usize + d.payload_len as usize <= fr.len(),
                    "frame {i}"
                )
            }
            other => panic!("reference frame {i} did not decode as IP: {other:?}"),
        }
    }
}

#[test]
fn synflood_frames_decode_as_syns_to_the_portal() {
    let mut a = Vec::new();
    sensor_generate::synflood::generate(&mut a, 7, 500, 100_000).unwrap();
    let portal = sensor_generate::net::portal().ip;
    let mut off = 24;
    let mut n = 0;
    while off < a.len() {
        let len = u32::from_le_bytes(a[off + 8..off + 12].try_into().unwrap()) as usize;
        let frame = &a[off + 16..off + 16 + len];
        off += 16 + len;
        let Ok(DecodeOutcome::Ip(d)) = decode(LinkType::Ethernet, frame) else {
            panic!("frame does not decode");
        };
        let L4::Tcp(h) = d.l4 else { panic!("not TCP") };
        assert_eq!(h.flags, sensor_generate::packet::TCP_SYN);
        assert_eq!(d.dst, portal);
        n += 1;
    }
    assert_eq!(n, 500);
}
