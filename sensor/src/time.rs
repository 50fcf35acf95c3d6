//! Packet time. Every timeout, window and record timestamp in the sensor is derived from packet
//! timestamps, so a replay at full speed gives the same results as the live run it recorded.

use std::fmt;

/// Nanoseconds since the Unix epoch, as read from a capture. Negative times are not representable;
/// readers clamp them to zero and count the packet as having a bad timestamp.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub u64);

impl Timestamp {
    pub const ZERO: Timestamp = Timestamp(0);

    pub fn from_secs_nanos(secs: u64, nanos: u32) -> Timestamp {
        Timestamp(secs.saturating_mul(1_000_000_000).saturating_add(nanos as u64))
    }

    pub fn from_secs_micros(secs: u64, micros: u32) -> Timestamp {
        Timestamp::from_secs_nanos(secs, micros.saturating_mul(1000))
    }

    pub fn secs(self) -> u64 {
        self.0 / 1_000_000_000
    }

    pub fn subsec_nanos(self) -> u32 {
        (self.0 % 1_000_000_000) as u32
    }

    pub fn subsec_micros(self) -> u32 {
        self.subsec_nanos() / 1000
    }

    pub fn as_nanos(self) -> u64 {
        self.0
    }

    pub fn saturating_add_secs(self, secs: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(secs.saturating_mul(1_000_000_000)))
    }

    /// Seconds elapsed from `earlier` to `self`, zero if `earlier` is later.
    pub fn secs_since(self, earlier: Timestamp) -> f64 {
        self.0.saturating_sub(earlier.0) as f64 / 1e9
    }

    /// Formats as Suricata's EVE does: `2016-03-13T11:23:44.123456+0000` (always UTC, so output
    /// never depends on the machine's time zone).
    pub fn eve(self) -> EveTime {
        EveTime(self)
    }
}

/// Display adapter for [`Timestamp::eve`].
pub struct EveTime(Timestamp);

impl fmt::Display for EveTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.secs();
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+0000",
            y,
            m,
            d,
            rem / 3600,
            (rem / 60) % 60,
            rem % 60,
            self.0.subsec_micros()
        )
    }
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's civil-from-days algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eve_format_matches_suricata() {
        // 1457868224 = 2016-03-13T11:23:44Z
        let ts = Timestamp::from_secs_micros(1_457_868_224, 123_456);
        assert_eq!(ts.eve().to_string(), "2016-03-13T11:23:44.123456+0000");
        assert_eq!(Timestamp::ZERO.eve().to_string(), "1970-01-01T00:00:00.000000+0000");
        // leap day
        let ts = Timestamp::from_secs_nanos(951_782_400, 999_999_999);
        assert_eq!(ts.eve().to_string(), "2000-02-29T00:00:00.999999+0000");
    }
}
