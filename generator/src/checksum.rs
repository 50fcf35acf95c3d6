//! The Internet checksum (RFC 1071) used by IPv4, TCP, UDP and ICMP.

/// Adds `data` to a running ones'-complement sum. Words are big-endian; an odd trailing byte is
/// padded with zero. Eight bytes at a time: the bench generator checksums a gigabyte.
pub fn sum(mut acc: u64, data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let v = u64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        let (s, carry) = acc.overflowing_add(v);
        acc = s + carry as u64;
    }
    let rest = chunks.remainder();
    let mut words = rest.chunks_exact(2);
    for w in &mut words {
        let (s, carry) = acc.overflowing_add(u16::from_be_bytes([w[0], w[1]]) as u64);
        acc = s + carry as u64;
    }
    if let [b] = words.remainder() {
        let (s, carry) = acc.overflowing_add((*b as u64) << 8);
        acc = s + carry as u64;
    }
    acc
}

/// Folds a running sum to 16 bits and complements it.
pub fn finish(mut acc: u64) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

pub fn checksum(data: &[u8]) -> u16 {
    finish(sum(0, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3 example: sum 0xddf2 -> checksum !0xddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&data), !0xddf2);
    }

    #[test]
    fn known_ipv4_header() {
        // Wikipedia's IPv4 header checksum example: expected 0xb861.
        let hdr = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(checksum(&hdr), 0xb861);
    }

    #[test]
    fn odd_lengths_and_chunking_agree() {
        let data: Vec<u8> = (0..=255u8).cycle().take(1001).collect();
        let mut naive: u64 = 0;
        for w in data.chunks(2) {
            let hi = w[0] as u64;
            let lo = *w.get(1).unwrap_or(&0) as u64;
            naive += (hi << 8) | lo;
        }
        assert_eq!(checksum(&data), finish(naive));
        let split = finish(sum(sum(0, &data[..16]), &data[16..]));
        assert_eq!(split, checksum(&data));
    }
}
