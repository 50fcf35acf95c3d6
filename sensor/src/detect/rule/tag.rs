//! The `tag` keyword's options (what tagging does at run time: `detect::tag`).

use super::error::{bail, PResult};

/// Suricata's `DETECT_TAG_MAX_PKTS`: default count, and cap of a packet count.
pub const MAX_TAG_PACKETS: u32 = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagKind {
    Session,
    /// `src`: the packet's source address; otherwise its destination.
    Host {
        src: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagMetric {
    Packets,
    Bytes,
    Seconds,
}

/// One `tag` keyword of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagSpec {
    pub kind: TagKind,
    pub count: u32,
    pub metric: TagMetric,
}

impl TagSpec {
    /// `session|host [, count, packets|bytes|seconds [, src|dst]]` (case-insensitive words).
    pub fn parse(v: &str) -> PResult<TagSpec> {
        let parts: Vec<&str> = v.split(',').map(str::trim).collect();
        let mut spec = match parts[0].to_ascii_lowercase().as_str() {
            "session" => TagSpec {
                kind: TagKind::Session,
                count: MAX_TAG_PACKETS,
                metric: TagMetric::Packets,
            },
            "host" => TagSpec {
                kind: TagKind::Host { src: false },
                count: MAX_TAG_PACKETS,
                metric: TagMetric::Packets,
            },
            other => bail!("tag: type `{other}` is not `session` or `host`"),
        };
        match parts.len() {
            1 => return Ok(spec),
            3 | 4 => {}
            _ => bail!("tag: expected `type[, count, metric[, direction]]`"),
        }
        let count = parts[1];
        spec.count = match count.parse::<u32>() {
            Ok(n) if count.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => bail!("tag: count `{count}` is not a number of 0-4294967295"),
        };
        spec.metric = match parts[2].to_ascii_lowercase().as_str() {
            "packets" => TagMetric::Packets,
            "bytes" => TagMetric::Bytes,
            "seconds" => TagMetric::Seconds,
            other => bail!("tag: metric `{other}` is not packets, bytes or seconds"),
        };
        if spec.metric == TagMetric::Packets {
            spec.count = spec.count.min(MAX_TAG_PACKETS);
        }
        if let Some(dir) = parts.get(3) {
            let src = match dir.to_ascii_lowercase().as_str() {
                "src" => true,
                "dst" => false,
                other => bail!("tag: direction `{other}` is not src or dst"),
            };
            // Suricata accepts a direction on a session tag and ignores it.
            if let TagKind::Host { .. } = spec.kind {
                spec.kind = TagKind::Host { src };
            }
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_suricata_forms() {
        let s = TagSpec::parse("session").unwrap();
        assert_eq!(
            (s.kind, s.count, s.metric),
            (TagKind::Session, 256, TagMetric::Packets)
        );
        let h = TagSpec::parse("host").unwrap();
        assert_eq!(h.kind, TagKind::Host { src: false });
        let h = TagSpec::parse("host, 200, bytes, src").unwrap();
        assert_eq!(
            (h.kind, h.count, h.metric),
            (TagKind::Host { src: true }, 200, TagMetric::Bytes)
        );
        assert_eq!(TagSpec::parse("session,1000,packets").unwrap().count, 256);
        assert_eq!(TagSpec::parse("session,1000,seconds").unwrap().count, 1000);
        assert_eq!(TagSpec::parse("Session, 5, Packets").unwrap().count, 5);
        for bad in [
            "flow",
            "host,10",
            "host,x,packets",
            "host,10,frames",
            "host,10,packets,up",
            "host,-1,packets",
            "host,1,packets,src,x",
        ] {
            assert!(TagSpec::parse(bad).is_err(), "{bad}");
        }
    }
}
