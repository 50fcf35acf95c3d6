//! Writer for the Prometheus text exposition format, version 0.0.4.
//!
//! The caller emits one `family` header followed by that family's samples; families must not
//! be repeated (Prometheus rejects a second `# TYPE` line for the same name, and debug builds
//! assert against it). Names are checked with `debug_assert!` only: they come from code, not
//! from traffic, so a bad one is a programming error caught by the tests.

use std::fmt::Write as _;

/// The metric type written on the `# TYPE` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// Accumulates one exposition in a `String`.
#[derive(Debug, Default)]
pub struct TextWriter {
    out: String,
    #[cfg(debug_assertions)]
    families: std::collections::HashSet<String>,
}

impl TextWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// `# HELP name help` and `# TYPE name kind`. In `help`, backslash and newline are escaped.
    pub fn family(&mut self, name: &str, help: &str, kind: Kind) {
        debug_assert!(valid_metric_name(name), "invalid metric name {name:?}");
        #[cfg(debug_assertions)]
        debug_assert!(
            self.families.insert(name.to_string()),
            "metric family {name:?} written twice"
        );
        self.out.push_str("# HELP ");
        self.out.push_str(name);
        self.out.push(' ');
        for c in help.chars() {
            match c {
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                c => self.out.push(c),
            }
        }
        self.out.push_str("\n# TYPE ");
        self.out.push_str(name);
        self.out.push(' ');
        self.out.push_str(kind.as_str());
        self.out.push('\n');
    }

    /// `name{l1="v1",...} value`, without braces when there are no labels.
    pub fn sample_u64(&mut self, name: &str, labels: &[(&str, &str)], value: u64) {
        self.series(name, labels, None);
        // Writing to a String cannot fail.
        let _ = writeln!(self.out, "{value}");
    }

    /// Like [`TextWriter::sample_u64`]; NaN and the infinities are spelt `NaN`, `+Inf`, `-Inf`.
    pub fn sample_f64(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.series(name, labels, None);
        push_f64(&mut self.out, value);
        self.out.push('\n');
    }

    /// One histogram series: `name_bucket{...,le="b"}` for each bound, `le="+Inf"`, `name_sum`
    /// and `name_count`.
    ///
    /// `bounds` are the finite upper bounds, ascending. `bucket_counts` are **per-bucket**
    /// (not cumulative) counts: `bucket_counts[i]` observations fell in `(bounds[i-1], bounds[i]]`
    /// and `bucket_counts[bounds.len()]` above the last bound, so it has `bounds.len() + 1`
    /// entries. The writer accumulates them. In release builds a missing entry counts as 0 and
    /// extra entries go to the `+Inf` bucket, so `_count` is always the sum of all counts.
    pub fn histogram(
        &mut self,
        name: &str,
        labels: &[(&str, &str)],
        bounds: &[f64],
        bucket_counts: &[u64],
        sum: f64,
    ) {
        debug_assert!(
            bucket_counts.len() == bounds.len() + 1,
            "histogram {name:?}: {} bucket counts for {} bounds (want bounds + 1)",
            bucket_counts.len(),
            bounds.len()
        );
        debug_assert!(
            bounds.iter().all(|b| b.is_finite()) && bounds.windows(2).all(|w| w[0] < w[1]),
            "histogram {name:?}: bounds must be finite and strictly ascending: {bounds:?}"
        );
        debug_assert!(
            labels.iter().all(|(l, _)| *l != "le"),
            "histogram {name:?}: label `le` is reserved"
        );
        let bucket = format!("{name}_bucket");
        let mut cumulative: u64 = 0;
        let mut le = String::new();
        for (i, &bound) in bounds.iter().enumerate() {
            cumulative = cumulative.saturating_add(bucket_counts.get(i).copied().unwrap_or(0));
            le.clear();
            push_f64(&mut le, bound);
            self.series(&bucket, labels, Some(&le));
            let _ = writeln!(self.out, "{cumulative}");
        }
        let total = bucket_counts
            .iter()
            .skip(bounds.len())
            .fold(cumulative, |acc, &c| acc.saturating_add(c));
        self.series(&bucket, labels, Some("+Inf"));
        let _ = writeln!(self.out, "{total}");
        self.sample_f64(&format!("{name}_sum"), labels, sum);
        self.sample_u64(&format!("{name}_count"), labels, total);
    }

    pub fn finish(self) -> String {
        self.out
    }

    /// The series name and label set, up to and including the space before the value.
    fn series(&mut self, name: &str, labels: &[(&str, &str)], le: Option<&str>) {
        debug_assert!(valid_metric_name(name), "invalid metric name {name:?}");
        self.out.push_str(name);
        if !labels.is_empty() || le.is_some() {
            self.out.push('{');
            let le_pair = le.map(|v| ("le", v));
            for (i, (label, value)) in labels.iter().copied().chain(le_pair).enumerate() {
                debug_assert!(valid_label_name(label), "invalid label name {label:?}");
                if i > 0 {
                    self.out.push(',');
                }
                self.out.push_str(label);
                self.out.push_str("=\"");
                for c in value.chars() {
                    match c {
                        '\\' => self.out.push_str("\\\\"),
                        '"' => self.out.push_str("\\\""),
                        '\n' => self.out.push_str("\\n"),
                        c => self.out.push(c),
                    }
                }
                self.out.push('"');
            }
            self.out.push('}');
        }
        self.out.push(' ');
    }
}

/// Prometheus parses values with Go's `ParseFloat`, which takes Rust's shortest round-trip
/// decimal form; only the non-finite values need their own spelling.
fn push_f64(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v == f64::INFINITY {
        out.push_str("+Inf");
    } else if v == f64::NEG_INFINITY {
        out.push_str("-Inf");
    } else {
        let _ = write!(out, "{v}");
    }
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
pub fn valid_metric_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_' || b == b':')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`
pub fn valid_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_header_escapes_help() {
        let mut w = TextWriter::new();
        w.family("a_total", "back\\slash\nnew \"quoted\"", Kind::Counter);
        assert_eq!(
            w.finish(),
            "# HELP a_total back\\\\slash\\nnew \"quoted\"\n# TYPE a_total counter\n"
        );
    }

    #[test]
    fn samples_with_and_without_labels() {
        let mut w = TextWriter::new();
        w.family("pkts_total", "Packets.", Kind::Counter);
        w.sample_u64("pkts_total", &[], 18_446_744_073_709_551_615);
        w.sample_u64("pkts_total", &[("if", "eth0"), ("dir", "rx")], 7);
        assert_eq!(
            w.finish(),
            "# HELP pkts_total Packets.\n# TYPE pkts_total counter\n\
             pkts_total 18446744073709551615\n\
             pkts_total{if=\"eth0\",dir=\"rx\"} 7\n"
        );
    }

    #[test]
    fn label_values_are_escaped() {
        let mut w = TextWriter::new();
        w.sample_u64("x", &[("path", "C:\\pcap\\\"a\"\nb")], 1);
        assert_eq!(w.finish(), "x{path=\"C:\\\\pcap\\\\\\\"a\\\"\\nb\"} 1\n");
    }

    #[test]
    fn float_spelling() {
        let mut w = TextWriter::new();
        for v in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.005,
            1.0,
            -2.5,
            1e21,
            0.0,
        ] {
            w.sample_f64("g", &[], v);
        }
        assert_eq!(
            w.finish(),
            "g NaN\ng +Inf\ng -Inf\ng 0.005\ng 1\ng -2.5\ng 1000000000000000000000\ng 0\n"
        );
    }

    #[test]
    fn histogram_accumulates_per_bucket_counts() {
        let mut w = TextWriter::new();
        w.family("lat_seconds", "Latency.", Kind::Histogram);
        w.histogram(
            "lat_seconds",
            &[("worker", "0")],
            &[0.005, 0.1, 1.0],
            &[3, 0, 2, 4],
            12.25,
        );
        assert_eq!(
            w.finish(),
            "# HELP lat_seconds Latency.\n# TYPE lat_seconds histogram\n\
             lat_seconds_bucket{worker=\"0\",le=\"0.005\"} 3\n\
             lat_seconds_bucket{worker=\"0\",le=\"0.1\"} 3\n\
             lat_seconds_bucket{worker=\"0\",le=\"1\"} 5\n\
             lat_seconds_bucket{worker=\"0\",le=\"+Inf\"} 9\n\
             lat_seconds_sum{worker=\"0\"} 12.25\n\
             lat_seconds_count{worker=\"0\"} 9\n"
        );
    }

    #[test]
    fn histogram_without_labels_or_bounds() {
        let mut w = TextWriter::new();
        w.histogram("h", &[], &[], &[5], 0.5);
        assert_eq!(
            w.finish(),
            "h_bucket{le=\"+Inf\"} 5\nh_sum 0.5\nh_count 5\n"
        );
    }

    #[test]
    fn names() {
        for ok in ["a", "_a", ":a", "a:b_c9", "sensor_packets_total"] {
            assert!(valid_metric_name(ok), "{ok}");
        }
        for bad in ["", "9a", "a-b", "a b", "é"] {
            assert!(!valid_metric_name(bad), "{bad}");
        }
        assert!(valid_label_name("_le9"));
        assert!(!valid_label_name("a:b"));
        assert!(!valid_label_name("1a"));
        assert!(!valid_label_name(""));
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "invalid label name")]
    fn bad_label_name_asserts() {
        TextWriter::new().sample_u64("x", &[("a:b", "v")], 1);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "written twice")]
    fn repeated_family_asserts() {
        let mut w = TextWriter::new();
        w.family("x", "h", Kind::Gauge);
        w.family("x", "h", Kind::Gauge);
    }
}
