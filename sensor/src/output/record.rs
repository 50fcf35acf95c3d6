//! Typed records. Workers write each record once, as one EVE JSON line, into their buffer; when
//! a chunk of lines goes to the outputs it is indexed here (where each record ends, and its
//! event type, read from the head every record shares), and each sink takes the records its
//! event-type filter accepts. The bytes are never parsed again or re-serialised.

use std::fmt;

/// The event types the sensor writes. Names are EVE's `event_type` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EventType {
    Alert,
    Anomaly,
    Flow,
    Http,
    Dns,
    Tls,
    Ftp,
    /// An FTP data connection (Suricata's ftp logger writes both).
    FtpData,
    Smtp,
    Ssh,
    Fileinfo,
    Stats,
    /// A packet tagged by a rule's `tag` keyword.
    Packet,
    /// A record whose type this list does not know (kept, and passed by unfiltered sinks).
    Other,
}

impl EventType {
    pub const KNOWN: [EventType; 13] = [
        EventType::Alert,
        EventType::Anomaly,
        EventType::Flow,
        EventType::Http,
        EventType::Dns,
        EventType::Tls,
        EventType::Ftp,
        EventType::FtpData,
        EventType::Smtp,
        EventType::Ssh,
        EventType::Fileinfo,
        EventType::Stats,
        EventType::Packet,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventType::Alert => "alert",
            EventType::Anomaly => "anomaly",
            EventType::Flow => "flow",
            EventType::Http => "http",
            EventType::Dns => "dns",
            EventType::Tls => "tls",
            EventType::Ftp => "ftp",
            EventType::FtpData => "ftp_data",
            EventType::Smtp => "smtp",
            EventType::Ssh => "ssh",
            EventType::Fileinfo => "fileinfo",
            EventType::Stats => "stats",
            EventType::Packet => "packet",
            EventType::Other => "other",
        }
    }

    pub fn from_name(name: &[u8]) -> EventType {
        EventType::KNOWN
            .into_iter()
            .find(|t| t.name().as_bytes() == name)
            .unwrap_or(EventType::Other)
    }

    /// The type of one EVE line, read from its head: `"event_type"` comes after the
    /// timestamp and the optional `flow_id` and `pcap_cnt`, well inside the first 160 bytes.
    pub fn of_line(line: &[u8]) -> EventType {
        const KEY: &[u8] = b"\"event_type\":\"";
        let head = &line[..line.len().min(160)];
        let Some(at) = memchr::memmem::find(head, KEY) else {
            return EventType::Other;
        };
        let rest = &line[at + KEY.len()..];
        match memchr::memchr(b'"', &rest[..rest.len().min(32)]) {
            Some(end) => EventType::from_name(&rest[..end]),
            None => EventType::Other,
        }
    }

    fn bit(self) -> u32 {
        1 << (self as u8)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which event types a sink takes (Suricata's `types:` list of an eve-log output).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventFilter(u32);

impl EventFilter {
    /// Every record, including types this list does not know.
    pub const ALL: EventFilter = EventFilter(u32::MAX);

    /// From configured names; an unknown name is an error that lists the known ones.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<EventFilter, String> {
        let mut bits = 0;
        for n in names {
            let n = n.as_ref();
            let t = EventType::from_name(n.as_bytes());
            if t == EventType::Other {
                let known: Vec<&str> = EventType::KNOWN.iter().map(|t| t.name()).collect();
                return Err(format!(
                    "unknown event type \"{n}\" (known: {})",
                    known.join(", ")
                ));
            }
            bits |= t.bit();
        }
        Ok(EventFilter(bits))
    }

    pub fn accepts(self, t: EventType) -> bool {
        self.0 & t.bit() != 0
    }

    pub fn is_all(self) -> bool {
        self == EventFilter::ALL
    }
}

/// Where each record of a chunk ends (one past its newline) and its type.
#[derive(Default, Debug)]
pub struct RecordIndex {
    records: Vec<(u32, EventType)>,
}

impl RecordIndex {
    /// Indexes a chunk of whole lines (a trailing piece with no newline counts as a record).
    pub fn build(&mut self, chunk: &[u8]) {
        self.records.clear();
        let mut start = 0usize;
        while start < chunk.len() {
            let end = memchr::memchr(b'\n', &chunk[start..]).map_or(chunk.len(), |i| start + i + 1);
            self.records
                .push((end as u32, EventType::of_line(&chunk[start..end])));
            start = end;
        }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The records of `chunk` (indexed by [`RecordIndex::build`]) that `filter` accepts, each
    /// with its newline.
    pub fn select<'a>(
        &'a self,
        chunk: &'a [u8],
        filter: EventFilter,
    ) -> impl Iterator<Item = (EventType, &'a [u8])> + 'a {
        let mut start = 0usize;
        self.records.iter().filter_map(move |&(end, t)| {
            let line = &chunk[start..end as usize];
            start = end as usize;
            filter.accepts(t).then_some((t, line))
        })
    }

    /// How many records `filter` accepts.
    pub fn count(&self, filter: EventFilter) -> u64 {
        if filter.is_all() {
            return self.records.len() as u64;
        }
        self.records
            .iter()
            .filter(|(_, t)| filter.accepts(*t))
            .count() as u64
    }

    /// Whether every record is accepted (the chunk can go out whole).
    pub fn all_accepted(&self, filter: EventFilter) -> bool {
        filter.is_all() || self.records.iter().all(|(_, t)| filter.accepts(*t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHUNK: &[u8] = b"{\"timestamp\":\"2016-01-01T00:00:00.000000+0000\",\"flow_id\":12,\"pcap_cnt\":3,\"event_type\":\"alert\",\"src_ip\":\"1.2.3.4\"}\n\
{\"timestamp\":\"2016-01-01T00:00:00.000000+0000\",\"event_type\":\"stats\",\"stats\":{}}\n\
{\"timestamp\":\"2016-01-01T00:00:00.000000+0000\",\"flow_id\":1,\"event_type\":\"flow\"}\n\
{\"timestamp\":\"2016-01-01T00:00:00.000000+0000\",\"event_type\":\"quic\"}\n";

    #[test]
    fn types_are_read_from_the_head() {
        let mut idx = RecordIndex::default();
        idx.build(CHUNK);
        let all: Vec<EventType> = idx.select(CHUNK, EventFilter::ALL).map(|r| r.0).collect();
        assert_eq!(
            all,
            [
                EventType::Alert,
                EventType::Stats,
                EventType::Flow,
                EventType::Other
            ]
        );
    }

    #[test]
    fn a_filter_takes_its_types_and_whole_lines() {
        let mut idx = RecordIndex::default();
        idx.build(CHUNK);
        let f = EventFilter::from_names(&["alert", "flow"]).unwrap();
        let lines: Vec<&[u8]> = idx.select(CHUNK, f).map(|r| r.1).collect();
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.ends_with(b"}\n")));
        assert!(lines[1].starts_with(b"{\"timestamp\"") && lines[1].ends_with(b"\"flow\"}\n"));
        assert_eq!(idx.count(f), 2);
        assert!(!idx.all_accepted(f));
        assert!(idx.all_accepted(EventFilter::ALL));
        assert_eq!(idx.count(EventFilter::ALL), 4);
    }

    #[test]
    fn unknown_names_are_refused_with_the_list() {
        let e = EventFilter::from_names(&["alerts"]).unwrap_err();
        assert!(
            e.contains("\"alerts\"") && e.contains("alert, anomaly, flow"),
            "{e}"
        );
    }

    #[test]
    fn a_line_without_a_type_or_newline_is_still_one_record() {
        let mut idx = RecordIndex::default();
        idx.build(b"garbage\n{\"event_type\":\"dns\"");
        assert_eq!(idx.len(), 2);
        let v: Vec<_> = idx
            .select(b"garbage\n{\"event_type\":\"dns\"", EventFilter::ALL)
            .collect();
        assert_eq!(v[0].0, EventType::Other);
        assert_eq!(v[1].0, EventType::Dns);
    }
}
