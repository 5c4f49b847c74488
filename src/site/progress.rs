//! What a build says while it runs: a progress line on a terminal, and per-phase timings
//! for profiling (`SITEGEN_TIMINGS`).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::Progress;

/// Per-phase wall times, printed to stderr when `SITEGEN_TIMINGS` is set (for profiling;
/// the crash tests aim kills at the commit with them). `sitegen publish` reports its
/// phases the same way.
pub(crate) struct Phases {
    enabled: bool,
    last: Instant,
    times: Vec<(&'static str, Duration, u64)>,
}

/// The process's resident set size in MiB (Linux; 0 elsewhere), for the timings line.
fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096 / (1024 * 1024))
}

impl Phases {
    pub(crate) fn new() -> Self {
        Phases {
            enabled: std::env::var_os("SITEGEN_TIMINGS").is_some(),
            last: Instant::now(),
            times: Vec::new(),
        }
    }

    /// Ends the phase called `label`.
    pub(crate) fn mark(&mut self, label: &'static str) {
        if self.enabled {
            self.times.push((label, self.last.elapsed(), rss_mib()));
            self.last = Instant::now();
        }
    }

    pub(crate) fn report(&self) {
        if self.enabled {
            let parts: Vec<String> = self
                .times
                .iter()
                .map(|(l, d, rss)| format!("{l} {} ms ({rss} MiB)", d.as_millis()))
                .collect();
            eprintln!("sitegen: timings: {}", parts.join(", "));
        }
    }
}

/// Runs `work`, which counts finished jobs in the counter it is given, with a progress line
/// on stderr when asked for, stderr is a terminal, and the work takes more than a second.
pub(super) fn with_progress<T>(
    progress: Progress,
    total: usize,
    work: impl FnOnce(&AtomicUsize) -> T,
) -> T {
    let done = AtomicUsize::new(0);
    if progress == Progress::Off || !std::io::stderr().is_terminal() {
        return work(&done);
    }
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        let done = &done;
        scope.spawn(move || {
            let started = Instant::now();
            let mut shown = false;
            while let Err(mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(Duration::from_millis(200))
            {
                if started.elapsed() > Duration::from_secs(1) {
                    eprint!(
                        "\rsitegen: rendered {}/{total}",
                        done.load(Ordering::Relaxed)
                    );
                    shown = true;
                }
            }
            if shown {
                eprint!("\r\x1b[K");
            }
        });
        let result = work(done);
        drop(stop);
        result
    })
}
