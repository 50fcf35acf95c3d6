//! A network sink: a bounded queue of chunks and a thread that sends their records through a
//! [`Transport`] (syslog, Redis), reconnecting with backoff when the server goes away.
//!
//! Delivery is at least once: records a failed send may not have delivered are sent again
//! after the reconnection, so a server that dies mid-batch can see a record twice but none
//! that the sink took is skipped. What the sink does not take is counted: when the queue is
//! full (`run` with a slow or dead server), the chunk's records the sink would have sent are
//! dropped and counted in `dropped_records`; in `replay` the worker waits for room instead.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender, TrySendError};

use super::record::{EventFilter, RecordIndex};
use super::sink::SinkStats;

/// Records sent in one batch (one write, then the replies read).
const BATCH: usize = 256;
/// First wait before reconnecting; doubled up to [`BACKOFF_MAX`].
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// In `run`, how long a closing sink keeps trying to send what it holds.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// How a network server is reached and fed.
pub trait Transport: Send {
    /// `syslog`, `redis`.
    fn kind(&self) -> &'static str;
    /// Where it sends (`udp://127.0.0.1:514`), for messages.
    fn describe(&self) -> String;
    /// Connects (or reconnects): whatever the previous connection was is dropped.
    fn connect(&mut self) -> io::Result<()>;
    fn disconnect(&mut self);
    /// Sends records (each one EVE line without its newline). On failure: how many records,
    /// from the start, surely arrived, and the error. Records the server refused (an error
    /// reply) are not failures of the connection: they come back in `refused`.
    fn send(&mut self, records: &[&[u8]], refused: &mut u64) -> Result<(), (usize, io::Error)>;
}

/// What a full queue does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenFull {
    /// Drop the chunk and count its records (`run`: capture never waits for a server).
    Drop,
    /// Wait for room (`replay`: nothing is lost).
    Wait,
}

struct Chunk {
    bytes: Arc<[u8]>,
    records: u64,
}

pub struct QueuedSink {
    kind: &'static str,
    tx: Mutex<Option<Sender<Chunk>>>,
    when_full: WhenFull,
    stats: Arc<SinkStats>,
    closing: Arc<AtomicBool>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl QueuedSink {
    /// Starts the sink's thread. `queue_chunks`: how many chunks (of up to about 64 KiB) may
    /// wait; the first connection is tried on the thread, so a server down at start-up is
    /// reported and retried like any other outage.
    pub fn start(
        name: &str,
        transport: Box<dyn Transport>,
        filter: EventFilter,
        queue_chunks: usize,
        when_full: WhenFull,
    ) -> io::Result<QueuedSink> {
        let kind = transport.kind();
        let (tx, rx) = bounded::<Chunk>(queue_chunks.max(1));
        let stats = Arc::new(SinkStats::default());
        let closing = Arc::new(AtomicBool::new(false));
        let mut worker = SendLoop {
            name: name.to_string(),
            transport,
            filter,
            when_full,
            stats: stats.clone(),
            closing: closing.clone(),
            connected: false,
            ever_connected: false,
            backoff: BACKOFF_MIN,
            index: RecordIndex::default(),
            close_deadline: None,
            reported_down: false,
            last_attempt: Instant::now(),
        };
        let thread = std::thread::Builder::new()
            .name(format!("sink-{name}"))
            .spawn(move || worker.run(rx))?;
        Ok(QueuedSink {
            kind,
            tx: Mutex::new(Some(tx)),
            when_full,
            stats,
            closing,
            thread: Mutex::new(Some(thread)),
        })
    }

    pub fn kind(&self) -> &'static str {
        self.kind
    }

    pub fn stats(&self) -> &SinkStats {
        &self.stats
    }

    /// Queues a chunk holding `records` records this sink takes.
    pub fn push(&self, bytes: Arc<[u8]>, records: u64) {
        let tx = self.tx.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let Some(tx) = tx else {
            self.stats
                .dropped_records
                .fetch_add(records, Ordering::Relaxed);
            return;
        };
        self.stats
            .queued_records
            .fetch_add(records, Ordering::Relaxed);
        let chunk = Chunk { bytes, records };
        let refused = match self.when_full {
            WhenFull::Drop => match tx.try_send(chunk) {
                Ok(()) => None,
                Err(TrySendError::Full(c) | TrySendError::Disconnected(c)) => Some(c),
            },
            WhenFull::Wait => tx.send(chunk).err().map(|e| e.0),
        };
        if let Some(c) = refused {
            self.stats
                .queued_records
                .fetch_sub(c.records, Ordering::Relaxed);
            self.stats
                .dropped_records
                .fetch_add(c.records, Ordering::Relaxed);
        }
    }

    /// Sends what is queued and ends the thread (in `run`, within a grace period).
    pub fn close(&self) {
        self.closing.store(true, Ordering::Relaxed);
        self.tx.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(t) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = t.join();
        }
    }
}

impl Drop for QueuedSink {
    fn drop(&mut self) {
        self.close();
    }
}

struct SendLoop {
    name: String,
    transport: Box<dyn Transport>,
    filter: EventFilter,
    when_full: WhenFull,
    stats: Arc<SinkStats>,
    closing: Arc<AtomicBool>,
    connected: bool,
    ever_connected: bool,
    backoff: Duration,
    index: RecordIndex,
    /// Set once closing in `run`: after it, what is left is dropped.
    close_deadline: Option<Instant>,
    /// The outage was reported (once per outage).
    reported_down: bool,
    last_attempt: Instant,
}

impl SendLoop {
    fn run(&mut self, rx: Receiver<Chunk>) {
        // Connect early so the gauge and the log tell at start-up whether the server is there.
        self.try_connect();
        loop {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(chunk) => self.send_chunk(chunk),
                Err(RecvTimeoutError::Timeout) => {
                    // Idle and down: keep trying at the backoff's pace, so the gauge says
                    // when the server is back before records need it.
                    if !self.connected
                        && !self.closing.load(Ordering::Relaxed)
                        && self.last_attempt.elapsed() >= self.backoff
                        && !self.try_connect()
                    {
                        self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        self.transport.disconnect();
        self.stats.connected.store(0, Ordering::Relaxed);
    }

    fn send_chunk(&mut self, chunk: Chunk) {
        let mut index = std::mem::take(&mut self.index);
        index.build(&chunk.bytes);
        let lines: Vec<&[u8]> = index
            .select(&chunk.bytes, self.filter)
            .map(|(_, l)| l.strip_suffix(b"\n").unwrap_or(l))
            .collect();
        let mut rest: &[&[u8]] = &lines;
        while !rest.is_empty() {
            let n = rest.len().min(BATCH);
            let sent = self.send_batch(&rest[..n]);
            rest = &rest[sent..];
            if sent < n && self.give_up() {
                let left = rest.len() as u64;
                self.stats
                    .dropped_records
                    .fetch_add(left, Ordering::Relaxed);
                break;
            }
        }
        drop(lines);
        self.index = index;
        self.stats
            .queued_records
            .fetch_sub(chunk.records, Ordering::Relaxed);
    }

    /// Sends one batch; returns how many of its records are done with (delivered or
    /// refused). Less than the batch means the connection failed and the rest waits.
    fn send_batch(&mut self, batch: &[&[u8]]) -> usize {
        if !self.connected && !self.try_connect() {
            self.sleep_backoff();
            return 0;
        }
        let mut refused = 0;
        match self.transport.send(batch, &mut refused) {
            Ok(()) => {
                let bytes: usize = batch.iter().map(|l| l.len() + 1).sum();
                let done = batch.len() as u64;
                self.stats.add_written(done - refused, bytes as u64);
                self.count_refused(refused);
                batch.len()
            }
            Err((arrived, e)) => {
                let bytes: usize = batch[..arrived].iter().map(|l| l.len() + 1).sum();
                self.stats
                    .add_written((arrived as u64).saturating_sub(refused), bytes as u64);
                self.count_refused(refused);
                self.stats.errors.fetch_add(1, Ordering::Relaxed);
                self.down(&e);
                arrived
            }
        }
    }

    fn count_refused(&self, refused: u64) {
        if refused > 0 {
            self.stats
                .lost_records
                .fetch_add(refused, Ordering::Relaxed);
        }
    }

    fn try_connect(&mut self) -> bool {
        self.last_attempt = Instant::now();
        match self.transport.connect() {
            Ok(()) => {
                if self.ever_connected {
                    self.stats.reconnects.fetch_add(1, Ordering::Relaxed);
                }
                if self.reported_down {
                    eprintln!(
                        "sensor: output {}: connected again to {}",
                        self.name,
                        self.transport.describe()
                    );
                }
                self.connected = true;
                self.ever_connected = true;
                self.reported_down = false;
                self.backoff = BACKOFF_MIN;
                self.stats.connected.store(1, Ordering::Relaxed);
                true
            }
            Err(e) => {
                self.stats.errors.fetch_add(1, Ordering::Relaxed);
                self.down(&e);
                false
            }
        }
    }

    fn down(&mut self, e: &io::Error) {
        self.connected = false;
        self.transport.disconnect();
        self.stats.connected.store(0, Ordering::Relaxed);
        if !self.reported_down {
            let then = match self.when_full {
                WhenFull::Drop => {
                    "records wait in its queue, and are dropped and counted when it is full"
                }
                WhenFull::Wait => "the replay waits for it",
            };
            eprintln!(
                "sensor: output {}: {}: {e}; retrying ({then})",
                self.name,
                self.transport.describe()
            );
            self.reported_down = true;
        }
    }

    fn sleep_backoff(&mut self) {
        std::thread::sleep(self.backoff);
        self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
    }

    /// Whether to stop retrying what is in hand: only when closing in `run` and the grace
    /// period is over (`replay` keeps trying: a second stop signal ends the process).
    fn give_up(&mut self) -> bool {
        if self.when_full == WhenFull::Wait || !self.closing.load(Ordering::Relaxed) {
            return false;
        }
        let deadline = *self
            .close_deadline
            .get_or_insert_with(|| Instant::now() + CLOSE_GRACE);
        Instant::now() >= deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that is up or down as the test says and keeps what it received.
    #[derive(Clone, Default)]
    struct Fake {
        up: Arc<AtomicBool>,
        got: Arc<Mutex<Vec<String>>>,
        connects: Arc<std::sync::atomic::AtomicU64>,
    }

    struct FakeTransport(Fake, bool);

    impl Transport for FakeTransport {
        fn kind(&self) -> &'static str {
            "redis"
        }
        fn describe(&self) -> String {
            "fake".into()
        }
        fn connect(&mut self) -> io::Result<()> {
            if self.0.up.load(Ordering::SeqCst) {
                self.0.connects.fetch_add(1, Ordering::SeqCst);
                self.1 = true;
                Ok(())
            } else {
                Err(io::ErrorKind::ConnectionRefused.into())
            }
        }
        fn disconnect(&mut self) {
            self.1 = false;
        }
        fn send(&mut self, records: &[&[u8]], _: &mut u64) -> Result<(), (usize, io::Error)> {
            if !self.0.up.load(Ordering::SeqCst) || !self.1 {
                return Err((0, io::ErrorKind::BrokenPipe.into()));
            }
            let mut got = self.0.got.lock().unwrap();
            for r in records {
                got.push(String::from_utf8_lossy(r).into_owned());
            }
            Ok(())
        }
    }

    fn chunk(n: usize, from: usize) -> Arc<[u8]> {
        let mut v = Vec::new();
        for i in from..from + n {
            v.extend_from_slice(format!("{{\"event_type\":\"alert\",\"n\":{i}}}\n").as_bytes());
        }
        Arc::from(v)
    }

    fn wait_for(what: impl Fn() -> bool) {
        let t = Instant::now();
        while !what() {
            assert!(t.elapsed() < Duration::from_secs(10), "timed out");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_dead_server_drops_what_the_queue_cannot_hold_then_reconnects() {
        let fake = Fake::default();
        let sink = QueuedSink::start(
            "t",
            Box::new(FakeTransport(fake.clone(), false)),
            EventFilter::ALL,
            2,
            WhenFull::Drop,
        )
        .unwrap();
        // The first connection attempt fails.
        wait_for(|| sink.stats().errors.load(Ordering::Relaxed) >= 1);
        // Down: the first chunk is taken into the thread's hands, two wait, the rest drop.
        for i in 0..10 {
            sink.push(chunk(3, i * 3), 3);
        }
        let dropped = sink.stats().dropped_records.load(Ordering::Relaxed);
        assert!((18..=27).contains(&dropped), "dropped {dropped}");
        assert_eq!(sink.stats().connected.load(Ordering::Relaxed), 0);
        fake.up.store(true, Ordering::SeqCst);
        wait_for(|| sink.stats().connected.load(Ordering::Relaxed) == 1);
        sink.push(chunk(2, 100), 2);
        sink.close();
        let got = fake.got.lock().unwrap().len() as u64;
        let st = sink.stats();
        // Every record was either delivered or counted as dropped.
        assert_eq!(got + st.dropped_records.load(Ordering::Relaxed), 32);
        assert_eq!(st.records.load(Ordering::Relaxed), got);
        assert_eq!(st.queued_records.load(Ordering::Relaxed), 0);
        assert!(st.errors.load(Ordering::Relaxed) >= 1);
    }

    #[test]
    fn waiting_loses_nothing() {
        let fake = Fake::default();
        let sink = Arc::new(
            QueuedSink::start(
                "t",
                Box::new(FakeTransport(fake.clone(), false)),
                EventFilter::ALL,
                1,
                WhenFull::Wait,
            )
            .unwrap(),
        );
        let s2 = sink.clone();
        let pusher = std::thread::spawn(move || {
            for i in 0..20 {
                s2.push(chunk(5, i * 5), 5);
            }
        });
        std::thread::sleep(Duration::from_millis(300));
        fake.up.store(true, Ordering::SeqCst);
        pusher.join().unwrap();
        sink.close();
        assert_eq!(fake.got.lock().unwrap().len(), 100);
        assert_eq!(sink.stats().dropped_records.load(Ordering::Relaxed), 0);
        assert_eq!(sink.stats().records.load(Ordering::Relaxed), 100);
    }

    #[test]
    fn a_filter_sends_only_its_types() {
        let fake = Fake::default();
        fake.up.store(true, Ordering::SeqCst);
        let sink = QueuedSink::start(
            "t",
            Box::new(FakeTransport(fake.clone(), false)),
            EventFilter::from_names(&["flow"]).unwrap(),
            4,
            WhenFull::Wait,
        )
        .unwrap();
        let bytes: Arc<[u8]> =
            Arc::from(&b"{\"event_type\":\"alert\"}\n{\"event_type\":\"flow\",\"a\":1}\n"[..]);
        sink.push(bytes, 1);
        sink.close();
        assert_eq!(
            *fake.got.lock().unwrap(),
            vec!["{\"event_type\":\"flow\",\"a\":1}".to_string()]
        );
    }
}
