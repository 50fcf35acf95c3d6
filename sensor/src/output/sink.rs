//! The outputs: a list of sinks, each with its event-type filter, that every worker hands its
//! chunks of records to. File sinks (and standard output) write in the worker's thread, as
//! before: the fast path, one lock per chunk. Network sinks (syslog, Redis) get the chunk
//! through a bounded queue to their own thread ([`super::queued`]), so a slow or dead server
//! never stalls capture: in `run` a full queue drops the chunk and counts its records; in
//! `replay` the worker waits instead, so nothing is lost.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::file::FileSink;
use super::queued::QueuedSink;
use super::record::{EventFilter, RecordIndex};

/// A sink's counters, read by the registry (`sensor_output_*{output=NAME}`).
#[derive(Debug, Default)]
pub struct SinkStats {
    /// Records and bytes delivered (written to the file, sent to the server).
    pub records: AtomicU64,
    pub bytes: AtomicU64,
    /// Records a write failed on (full disk) or the server refused.
    pub lost_records: AtomicU64,
    pub lost_bytes: AtomicU64,
    /// Records not taken because the sink's queue was full (slow or dead server).
    pub dropped_records: AtomicU64,
    /// Failed writes, sends and connection attempts.
    pub errors: AtomicU64,
    /// Files reopened (SIGHUP).
    pub reopens: AtomicU64,
    /// Connections made again after a failure.
    pub reconnects: AtomicU64,
    /// Records waiting in the queue now.
    pub queued_records: AtomicU64,
    /// 1 while a network sink is connected.
    pub connected: AtomicU64,
}

impl SinkStats {
    pub fn add_written(&self, records: u64, bytes: u64) {
        self.records.fetch_add(records, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    pub fn add_lost(&self, records: u64, bytes: u64) {
        self.lost_records.fetch_add(records, Ordering::Relaxed);
        self.lost_bytes.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// What a sink writes to.
pub enum SinkBody {
    File(FileSink),
    Queued(QueuedSink),
}

pub struct Sink {
    /// The `output` label in metrics and the name in messages.
    pub name: String,
    pub filter: EventFilter,
    pub body: SinkBody,
}

impl Sink {
    pub fn stats(&self) -> &SinkStats {
        match &self.body {
            SinkBody::File(f) => &f.stats,
            SinkBody::Queued(q) => q.stats(),
        }
    }

    /// `file`, `stdout`, `syslog`, `redis`.
    pub fn kind(&self) -> &'static str {
        match &self.body {
            SinkBody::File(f) if f.path().is_none() => "stdout",
            SinkBody::File(_) => "file",
            SinkBody::Queued(q) => q.kind(),
        }
    }
}

/// One sink's counters, copied for the registry.
#[derive(Clone, Debug, Default)]
pub struct OutputTotals {
    pub name: String,
    pub kind: &'static str,
    pub records: u64,
    pub bytes: u64,
    pub lost_records: u64,
    pub lost_bytes: u64,
    pub dropped_records: u64,
    pub errors: u64,
    pub reopens: u64,
    pub reconnects: u64,
    pub queued_records: u64,
    /// For network sinks: connected now.
    pub connected: Option<bool>,
}

pub struct Outputs {
    sinks: Vec<Sink>,
    /// One unfiltered file sink: chunks go out whole, unindexed (the common case).
    single_file: bool,
}

impl Outputs {
    pub fn new(sinks: Vec<Sink>) -> Outputs {
        let single_file = sinks.len() == 1
            && sinks[0].filter.is_all()
            && matches!(sinks[0].body, SinkBody::File(_));
        Outputs { sinks, single_file }
    }

    /// One EVE file (or writer) taking every record: tests, benchmarks, `--eve` alone.
    pub fn single(file: FileSink) -> Outputs {
        Outputs::new(vec![Sink {
            name: "eve".into(),
            filter: EventFilter::ALL,
            body: SinkBody::File(file),
        }])
    }

    pub fn sinks(&self) -> &[Sink] {
        &self.sinks
    }

    /// Hands a chunk of whole lines to every sink; `index` is the caller's scratch.
    pub fn deliver(&self, chunk: &[u8], index: &mut RecordIndex) {
        if chunk.is_empty() {
            return;
        }
        if self.single_file {
            if let SinkBody::File(f) = &self.sinks[0].body {
                f.write_chunk(chunk);
            }
            return;
        }
        index.build(chunk);
        let mut shared: Option<Arc<[u8]>> = None;
        for sink in &self.sinks {
            match &sink.body {
                SinkBody::File(f) => f.write_selected(chunk, index, sink.filter),
                SinkBody::Queued(q) => {
                    let n = index.count(sink.filter);
                    if n > 0 {
                        let bytes = shared.get_or_insert_with(|| Arc::from(chunk)).clone();
                        q.push(bytes, n);
                    }
                }
            }
        }
    }

    /// One record (the `stats` record) to every sink that takes it.
    pub fn write_record(&self, line: &[u8]) {
        let mut index = RecordIndex::default();
        self.deliver(line, &mut index);
    }

    /// Reopens every file (SIGHUP); the result per file sink.
    pub fn reopen(&self) -> Vec<(String, io::Result<()>)> {
        self.sinks
            .iter()
            .filter_map(|s| match &s.body {
                SinkBody::File(f) if f.path().is_some() => Some((s.name.clone(), f.reopen())),
                _ => None,
            })
            .collect()
    }

    /// Flushes standard output's buffer.
    pub fn flush(&self) {
        for s in &self.sinks {
            if let SinkBody::File(f) = &s.body {
                f.flush();
            }
        }
    }

    /// Ends the network sinks: each sends what its queue holds (or, in `run`, gives up after
    /// its grace period and counts the rest as dropped) and its thread ends.
    pub fn close(&self) {
        for s in &self.sinks {
            if let SinkBody::Queued(q) = &s.body {
                q.close();
            }
        }
    }

    pub fn totals(&self) -> Vec<OutputTotals> {
        self.sinks
            .iter()
            .map(|s| {
                let st = s.stats();
                let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
                OutputTotals {
                    name: s.name.clone(),
                    kind: s.kind(),
                    records: get(&st.records),
                    bytes: get(&st.bytes),
                    lost_records: get(&st.lost_records),
                    lost_bytes: get(&st.lost_bytes),
                    dropped_records: get(&st.dropped_records),
                    errors: get(&st.errors),
                    reopens: get(&st.reopens),
                    reconnects: get(&st.reconnects),
                    queued_records: get(&st.queued_records),
                    connected: matches!(s.body, SinkBody::Queued(_))
                        .then(|| get(&st.connected) == 1),
                }
            })
            .collect()
    }

    /// The first failure of each file sink that lost records, for the exit status.
    pub fn file_errors(&self) -> Vec<(String, u64, u64)> {
        self.sinks
            .iter()
            .filter_map(|s| match &s.body {
                SinkBody::File(f) => f
                    .first_error()
                    .map(|e| (e, f.lost_records(), f.lost_bytes())),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A writer whose bytes a test reads back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl io::Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn each_file_sink_takes_its_types() {
        let all = Shared::default();
        let alerts = Shared::default();
        let outputs = Outputs::new(vec![
            Sink {
                name: "eve".into(),
                filter: EventFilter::ALL,
                body: SinkBody::File(FileSink::from_writer("all", Box::new(all.clone()))),
            },
            Sink {
                name: "alerts".into(),
                filter: EventFilter::from_names(&["alert"]).unwrap(),
                body: SinkBody::File(FileSink::from_writer("alerts", Box::new(alerts.clone()))),
            },
        ]);
        let chunk = b"{\"timestamp\":\"x\",\"event_type\":\"flow\"}\n{\"timestamp\":\"x\",\"event_type\":\"alert\"}\n";
        let mut index = RecordIndex::default();
        outputs.deliver(chunk, &mut index);
        assert_eq!(all.0.lock().unwrap().as_slice(), chunk);
        assert_eq!(
            alerts.0.lock().unwrap().as_slice(),
            b"{\"timestamp\":\"x\",\"event_type\":\"alert\"}\n"
        );
        let t = outputs.totals();
        assert_eq!((t[0].records, t[1].records), (2, 1));
        assert_eq!(t[1].kind, "stdout"); // a writer has no path
        assert_eq!(t[1].connected, None);
    }
}
