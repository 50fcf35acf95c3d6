//! Small pure helpers shared by the detections: robust statistics, registered domains,
//! character entropy.

/// Median of `v` (sorted in place). `None` when empty.
pub fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Some(quantile_sorted(v, 0.5))
}

/// Linear-interpolated quantile of sorted data.
pub fn quantile_sorted(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let f = pos - lo as f64;
    v[lo] * (1.0 - f) + v[hi] * f
}

/// Dispersion of a series the way RITA scores it: Bowley skew and median absolute deviation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dispersion {
    pub median: f64,
    /// Median absolute deviation from the median.
    pub mad: f64,
    /// Bowley (quartile) skew in -1..1; 0 for a symmetric series.
    pub skew: f64,
}

impl Dispersion {
    /// `scratch` is reused (no allocation once warm).
    pub fn of(values: &[f64], scratch: &mut Vec<f64>) -> Option<Dispersion> {
        if values.is_empty() {
            return None;
        }
        scratch.clear();
        scratch.extend_from_slice(values);
        scratch.sort_by(|a, b| a.total_cmp(b));
        let q1 = quantile_sorted(scratch, 0.25);
        let q2 = quantile_sorted(scratch, 0.5);
        let q3 = quantile_sorted(scratch, 0.75);
        // A spread of a few per cent of the median is noise (120.002 s vs 120.003 s): no skew.
        let skew = if q3 - q1 > 0.02 * q2.abs() + 1e-9 {
            (q1 + q3 - 2.0 * q2) / (q3 - q1)
        } else {
            0.0
        };
        for x in scratch.iter_mut() {
            *x = (*x - q2).abs();
        }
        scratch.sort_by(|a, b| a.total_cmp(b));
        let mad = quantile_sorted(scratch, 0.5);
        Some(Dispersion {
            median: q2,
            mad,
            skew,
        })
    }

    /// RITA-style regularity in 0..1: 1 for a perfectly regular series. The MAD part is the
    /// deviation relative to the median (a 60 s beacon with 3 s MAD scores 0.95).
    pub fn regularity(&self) -> f64 {
        let skew_score = 1.0 - self.skew.abs().min(1.0);
        let mad_score = if self.median > f64::EPSILON {
            1.0 - (self.mad / self.median).min(1.0)
        } else if self.mad <= f64::EPSILON {
            1.0
        } else {
            0.0
        };
        (skew_score + mad_score) / 2.0
    }
}

/// Second-level labels under which names are registered (`example.co.uk`).
const SECOND_LEVEL: &[&str] = &[
    "co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", "mil", "k12", "state",
];

/// The registered domain (eTLD+1, approximated: the last two labels, three when the second
/// last is a common second-level label under a two-letter country code). Lower-case input
/// expected; a trailing dot is ignored.
pub fn registered_domain(name: &str) -> &str {
    let name = name.trim_end_matches('.');
    // Dots from the right, on bytes (a dot never occurs inside a multi-byte character).
    let b = name.as_bytes();
    let Some(last) = memchr::memrchr(b'.', b) else {
        return name;
    };
    let Some(second) = memchr::memrchr(b'.', &b[..last]) else {
        return name;
    };
    let tld = &name[last + 1..];
    let sld = &name[second + 1..last];
    if tld.len() == 2 && SECOND_LEVEL.contains(&sld) {
        match memchr::memrchr(b'.', &b[..second]) {
            Some(third) => &name[third + 1..],
            None => name,
        }
    } else {
        &name[second + 1..]
    }
}

/// Shannon entropy in bits per character of `s`.
pub fn entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// A 64-bit FNV-1a hash (stable across runs, for sketches and tie-breaks).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_domains() {
        assert_eq!(registered_domain("a.b.tun.hsc.fr"), "hsc.fr");
        assert_eq!(registered_domain("x.y.example.co.uk"), "example.co.uk");
        assert_eq!(registered_domain("example.com."), "example.com");
        assert_eq!(registered_domain("localhost"), "localhost");
        assert_eq!(registered_domain("co.uk"), "co.uk");
        assert_eq!(registered_domain("a.b.example.co.uk."), "example.co.uk");
        assert_eq!(registered_domain(".uk"), ".uk");
        assert_eq!(registered_domain("x.co.uk"), "x.co.uk");
        assert_eq!(registered_domain("é.example.fr"), "example.fr");
        assert_eq!(registered_domain("a..com"), ".com");
    }

    #[test]
    fn dispersion_of_a_regular_series() {
        let mut s = Vec::new();
        let d = Dispersion::of(&[60.0, 60.0, 61.0, 59.0, 60.0], &mut s).unwrap();
        assert_eq!(d.median, 60.0);
        assert_eq!(d.mad, 0.0);
        assert!(d.regularity() > 0.9);
        // Sub-millisecond noise around one value is not skew.
        let d = Dispersion::of(
            &[120.003, 120.002, 120.003, 120.003, 120.004, 120.003],
            &mut s,
        )
        .unwrap();
        assert_eq!(d.skew, 0.0);
        let d = Dispersion::of(&[1.0, 100.0, 5.0, 300.0, 2.0, 40.0], &mut s).unwrap();
        assert!(d.regularity() < 0.5, "{d:?}");
    }

    #[test]
    fn entropy_orders_random_above_words() {
        assert!(entropy(b"aaaaaaaa") < 0.01);
        assert!(entropy(b"mail") < entropy(b"k2j4h5g6f7d8s9a0q1w3e"));
    }
}
