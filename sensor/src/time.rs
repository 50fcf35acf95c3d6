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
        Timestamp(
            secs.saturating_mul(1_000_000_000)
                .saturating_add(nanos as u64),
        )
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
        let mut clock = EveClock::new();
        let text = clock.text(self.0);
        // The text is ASCII digits and punctuation.
        f.write_str(std::str::from_utf8(text).unwrap_or_default())
    }
}

/// Length of an EVE timestamp: `2016-03-13T11:23:44.123456+0000`. Always this long: the year
/// of any `Timestamp` has four digits (u64 nanoseconds end in 2554).
pub const EVE_TIME_LEN: usize = 31;

/// EVE timestamp text with the text of the last second and day kept: a writer's packet times
/// are mostly increasing, many to a second, so a timestamp usually costs only its six digits of
/// microseconds (a different second of the same day only its time of day). Any timestamp, in
/// any order, gives exactly the text of [`Timestamp::eve`].
#[derive(Clone, Copy, Debug)]
pub struct EveClock {
    /// The second whose date and time are in `text` (`u64::MAX`: none, never a packet time's).
    secs: u64,
    /// The day whose date is in `text`.
    day: u64,
    text: [u8; EVE_TIME_LEN],
}

impl Default for EveClock {
    fn default() -> Self {
        EveClock::new()
    }
}

/// `"00" "01" ... "99"`.
const DEC_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

#[inline(always)]
fn put2(buf: &mut [u8], at: usize, v: u32) {
    let r = v as usize * 2;
    buf[at] = DEC_PAIRS[r];
    buf[at + 1] = DEC_PAIRS[r + 1];
}

impl EveClock {
    pub const fn new() -> EveClock {
        EveClock {
            secs: u64::MAX,
            day: u64::MAX,
            text: *b"0000-00-00T00:00:00.000000+0000",
        }
    }

    /// The EVE text of `ts`, valid until the next call.
    #[inline]
    pub fn text(&mut self, ts: Timestamp) -> &[u8; EVE_TIME_LEN] {
        let secs = ts.secs();
        if secs != self.secs {
            self.set_second(secs);
        }
        let us = ts.subsec_micros();
        put2(&mut self.text, 20, us / 10_000);
        put2(&mut self.text, 22, us / 100 % 100);
        put2(&mut self.text, 24, us % 100);
        &self.text
    }

    /// Appends the EVE text of `ts` (no quotes).
    #[inline]
    pub fn write(&mut self, ts: Timestamp, out: &mut Vec<u8>) {
        let secs = ts.secs();
        if secs != self.secs {
            self.set_second(secs);
        }
        // The cached text (its microseconds are another time's), then this time's microseconds
        // written over them in `out`: no load of bytes just stored.
        let len = out.len();
        out.extend_from_slice(&self.text);
        let us = ts.subsec_micros();
        let digits = &mut out[len + 20..len + 26];
        put2(digits, 0, us / 10_000);
        put2(digits, 2, us / 100 % 100);
        put2(digits, 4, us % 100);
    }

    #[cold]
    fn set_second(&mut self, secs: u64) {
        let day = secs / 86_400;
        if day != self.day {
            let (y, m, d) = civil_from_days(day as i64);
            // 1970..=2554: four digits.
            let y = y as u32;
            put2(&mut self.text, 0, y / 100);
            put2(&mut self.text, 2, y % 100);
            put2(&mut self.text, 5, m);
            put2(&mut self.text, 8, d);
            self.day = day;
        }
        let rem = (secs % 86_400) as u32;
        put2(&mut self.text, 11, rem / 3600);
        put2(&mut self.text, 14, rem / 60 % 60);
        put2(&mut self.text, 17, rem % 60);
        self.secs = secs;
    }
}

thread_local! {
    /// Each thread's clock for [`Timestamp::write_eve`] (a worker writes its records on its own
    /// thread, in mostly increasing packet time).
    static EVE_CLOCK: std::cell::RefCell<EveClock> = const { std::cell::RefCell::new(EveClock::new()) };
}

impl Timestamp {
    /// Appends the EVE text of this time (no quotes), the text of [`Timestamp::eve`], through
    /// this thread's [`EveClock`].
    #[inline]
    pub fn write_eve(self, out: &mut Vec<u8>) {
        with_eve_clock(|c| c.write(self, out));
    }
}

/// Runs `f` with this thread's [`EveClock`] (the one [`Timestamp::write_eve`] uses): one
/// thread-local access for a record's several timestamps. `f` must not call `write_eve`.
#[inline]
pub fn with_eve_clock<R>(f: impl FnOnce(&mut EveClock) -> R) -> R {
    EVE_CLOCK.with_borrow_mut(f)
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
        assert_eq!(
            Timestamp::ZERO.eve().to_string(),
            "1970-01-01T00:00:00.000000+0000"
        );
        // leap day
        let ts = Timestamp::from_secs_nanos(951_782_400, 999_999_999);
        assert_eq!(ts.eve().to_string(), "2000-02-29T00:00:00.999999+0000");
    }

    /// The formatting EVE timestamps had before [`EveClock`]: the reference.
    fn eve_fmt(ts: Timestamp) -> String {
        let secs = ts.secs();
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        let (y, m, d) = civil_from_days(days);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+0000",
            y,
            m,
            d,
            rem / 3600,
            (rem / 60) % 60,
            rem % 60,
            ts.subsec_micros()
        )
    }

    fn check(clock: &mut EveClock, ts: Timestamp) {
        let want = eve_fmt(ts);
        assert_eq!(std::str::from_utf8(clock.text(ts)).unwrap(), want, "{ts:?}");
        assert_eq!(ts.eve().to_string(), want, "{ts:?}");
        let mut out = b"x".to_vec();
        ts.write_eve(&mut out);
        assert_eq!(&out[1..], want.as_bytes(), "{ts:?}");
    }

    /// Days from 1970-01-01 to January 1st of `y`, counted day by day.
    fn days_to_year(y: u64) -> u64 {
        (1970..y)
            .map(|y| {
                if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                    366
                } else {
                    365
                }
            })
            .sum()
    }

    #[test]
    fn clock_equals_fmt_across_boundaries() {
        let mut clock = EveClock::new();
        let mut times = vec![0u64, 1, 999_999_999, 1_000_000_000, u64::MAX, u64::MAX - 1];
        // Around midnight of every year's first day, leap days, Feb 28 / Mar 1, Dec 31, over the
        // whole range (1970-2554: 2000 leap, 2100/2200/2300/2500 not, 2400 leap).
        for y in 1970..2555u64 {
            let jan1 = days_to_year(y) * 86_400;
            for day_offset in [0u64, 30, 31, 58, 59, 60, 364, 365] {
                let base = jan1 + day_offset * 86_400;
                for delta in [-1i64, 0, 1, 3599, 3600, 86_399] {
                    let secs = base.saturating_add_signed(delta);
                    for ns in [0u32, 999, 1000, 500_000_000, 999_999_999] {
                        times.push(Timestamp::from_secs_nanos(secs, ns).0);
                    }
                }
            }
        }
        // In order, reversed, and interleaved (out-of-order packets, two streams of time).
        for &t in &times {
            check(&mut clock, Timestamp(t));
        }
        for &t in times.iter().rev() {
            check(&mut clock, Timestamp(t));
        }
        for (a, b) in times.iter().zip(times.iter().rev()) {
            check(&mut clock, Timestamp(*a));
            check(&mut clock, Timestamp(*b));
        }
    }

    #[test]
    fn clock_leap_days() {
        let mut clock = EveClock::new();
        for (y, leap) in [
            (2000u64, true),
            (2024, true),
            (2100, false),
            (2400, true),
            (2023, false),
        ] {
            let feb29 = (days_to_year(y) + 59) * 86_400;
            let text = std::str::from_utf8(clock.text(Timestamp::from_secs_nanos(feb29, 0)))
                .unwrap()
                .to_string();
            let want = if leap {
                format!("{y}-02-29T00:00:00.000000+0000")
            } else {
                format!("{y}-03-01T00:00:00.000000+0000")
            };
            assert_eq!(text, want);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5_000))]

        #[test]
        fn clock_equals_fmt(t in proptest::prelude::any::<u64>(), steps in proptest::collection::vec(-3_000_000_000i64..3_000_000_000, 1..20)) {
            // A random start, then small steps back and forth (within a few seconds).
            let mut clock = EveClock::new();
            let mut t = t;
            check(&mut clock, Timestamp(t));
            for s in steps {
                t = t.saturating_add_signed(s);
                check(&mut clock, Timestamp(t));
            }
        }
    }
}
