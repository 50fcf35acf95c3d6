//! Helpers for the decoder tests: packet bytes are pasted as hex from real captures.

/// Decodes a hex string (whitespace ignored). Panics on bad input: test data only.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len() % 2 == 0, "odd number of hex digits");
    digits
        .chunks(2)
        .map(|p| {
            let s = std::str::from_utf8(p).unwrap();
            u8::from_str_radix(s, 16).unwrap()
        })
        .collect()
}

/// The `DecodeOutcome::Ip` of a decode, panicking (in a test) otherwise.
pub fn ip(r: Result<super::DecodeOutcome, super::DecodeError>) -> super::Decoded {
    match r {
        Ok(super::DecodeOutcome::Ip(d)) => d,
        other => panic!("expected an IP packet, got {other:?}"),
    }
}
