//! Output chores off the packet path, on one thread: reopening the EVE files on SIGHUP (after
//! `logrotate` moved it) and writing a `stats` record every interval in live runs. The final
//! `stats` record is written by the command once the workers have finished.

use std::sync::Arc;

use crossbeam_channel::{bounded, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::counters::{write_eve_stats, Registry};
use crate::signals::HupWatch;

use super::sink::Outputs;

/// How often the thread looks for a SIGHUP or the end of the run.
const POLL: Duration = Duration::from_millis(100);

pub struct Periodic {
    /// Dropped to stop the thread at once (it waits on the other end between rounds).
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Periodic {
    /// Starts the chores; `stats_every` `None` writes no periodic stats records.
    pub fn start(
        outputs: Arc<Outputs>,
        registry: Arc<Registry>,
        stats_every: Option<Duration>,
        stats_sensor_counters: bool,
    ) -> std::io::Result<Periodic> {
        let (stop, stopped) = bounded::<()>(0);
        let mut hup = HupWatch::new();
        let thread = std::thread::Builder::new()
            .name("outputs".into())
            .spawn(move || {
                let mut next_stats = stats_every.map(|d| Instant::now() + d);
                let mut line = Vec::new();
                loop {
                    if hup.take() {
                        for (name, result) in outputs.reopen() {
                            match result {
                                Ok(()) => eprintln!("sensor: SIGHUP: reopened output {name}"),
                                Err(e) => eprintln!(
                                    "sensor: SIGHUP: cannot reopen output {name}: {e} (still writing to the old file)"
                                ),
                            }
                        }
                    }
                    if let (Some(at), Some(every)) = (next_stats, stats_every) {
                        if Instant::now() >= at {
                            line.clear();
                            write_eve_stats(
                                &registry.totals(),
                                stats_sensor_counters,
                                &mut line,
                            );
                            outputs.write_record(&line);
                            next_stats = Some(at + every);
                        }
                    }
                    if stopped.recv_timeout(POLL) != Err(RecvTimeoutError::Timeout) {
                        break;
                    }
                }
            })?;
        Ok(Periodic {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Periodic {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
