//! The PID file of `sitegen serve`, and `sitegen stop`.
//!
//! Liveness is decided by an `flock` on a lock file next to the PID file, held for the whole
//! life of the server: the kernel releases it however the process ends, so a PID file left by
//! a SIGKILL (or naming a PID since reused by another program) is recognised as stale without
//! guessing from process tables. The lock file also records "PID PORT" for messages. The PID
//! file itself (PID and a newline) is written with the output layer's atomic write.
//!
//! Neither file outlives the server: a server that exits removes both, and `sitegen stop`
//! removes what a killed one left (the lock file only while holding its lock, so a server
//! starting at that moment is never locked out or doubled).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::output::{atomic_write, Probe, ProcessLock};

/// PID-file problems.
#[derive(Debug, thiserror::Error)]
pub enum PidError {
    #[error("already running (pid {pid}, port {port}); stop it with `sitegen stop`")]
    AlreadyRunning { pid: String, port: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: could not write the PID file ({source})", path.display())]
    Write {
        path: PathBuf,
        source: crate::output::OutputError,
    },
    #[error("no running `sitegen serve` for {}", path.display())]
    NotRunning { path: PathBuf },
    #[error("pid {pid} did not exit within {secs} s of SIGTERM")]
    StopTimeout { pid: i32, secs: u64 },
}

fn lock_path(pid_file: &Path) -> PathBuf {
    let mut name = pid_file.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    pid_file.with_file_name(name)
}

fn holder(lock: &Path) -> (String, String) {
    let text = ProcessLock::holder(lock);
    let mut parts = text.split_whitespace();
    let pid = parts.next().unwrap_or("unknown").to_string();
    let port = parts.next().unwrap_or("unknown").to_string();
    (pid, port)
}

/// A held PID file: removed, with its lock file, on drop.
#[derive(Debug)]
pub struct PidGuard {
    pid_file: PathBuf,
    /// `None` only while dropping.
    lock: Option<ProcessLock>,
}

impl PidGuard {
    /// Takes the serve lock for `pid_file`, or fails naming the live server. A stale PID file
    /// is taken over; the returned notice says so.
    pub fn acquire(pid_file: &Path) -> Result<(Self, Option<String>), PidError> {
        let lock_file = lock_path(pid_file);
        let io_err = |source| PidError::Io {
            path: lock_file.clone(),
            source,
        };
        let Some(lock) = ProcessLock::try_acquire(&lock_file).map_err(io_err)? else {
            let (pid, port) = holder(&lock_file);
            return Err(PidError::AlreadyRunning { pid, port });
        };
        let notice = std::fs::read_to_string(pid_file).ok().map(|old| {
            format!(
                "taking over stale PID file {} (pid {} is not a running sitegen serve)",
                pid_file.display(),
                old.trim()
            )
        });
        Ok((
            PidGuard {
                pid_file: pid_file.into(),
                lock: Some(lock),
            },
            notice,
        ))
    }

    /// Records the port in the lock file and writes the PID file.
    pub fn publish(&mut self, port: u16) -> Result<(), PidError> {
        let pid = std::process::id();
        let lock_err = |source| PidError::Io {
            path: lock_path(&self.pid_file),
            source,
        };
        if let Some(lock) = self.lock.as_mut() {
            lock.set_holder(&format!("{pid} {port}"))
                .map_err(lock_err)?;
        }
        atomic_write(&self.pid_file, format!("{pid}\n").as_bytes()).map_err(|source| {
            PidError::Write {
                path: self.pid_file.clone(),
                source,
            }
        })
    }
}

impl Drop for PidGuard {
    fn drop(&mut self) {
        remove_files(&self.pid_file, self.lock.take());
    }
}

/// Removes the PID file, then the lock file while `lock` holds it: a server starting
/// meanwhile gets the lock only after the unlink, sees its file gone, and makes a new one.
fn remove_files(pid_file: &Path, lock: Option<ProcessLock>) {
    let _ = std::fs::remove_file(pid_file);
    if let Some(lock) = lock {
        let _ = lock.remove();
    }
}

/// `sitegen stop`: SIGTERM to the server named by `pid_file`, then waits for it to exit.
/// Once it has, neither the PID file nor its lock file is left (a server removes them as it
/// exits; those a killed one left are removed here). Still running after `wait`: both stay.
pub fn stop(pid_file: &Path, wait: Duration) -> Result<i32, PidError> {
    let lock_file = lock_path(pid_file);
    let probe = || {
        ProcessLock::probe(&lock_file).map_err(|source| PidError::Io {
            path: lock_file.clone(),
            source,
        })
    };
    let not_running = || PidError::NotRunning {
        path: pid_file.into(),
    };
    match probe()? {
        Probe::Held => {}
        // Nobody holds it: no server. What a killed one left is stale.
        Probe::Missing => {
            remove_files(pid_file, None);
            return Err(not_running());
        }
        Probe::Taken(lock) => {
            remove_files(pid_file, Some(lock));
            return Err(not_running());
        }
    }
    let (pid_text, _) = holder(&lock_file);
    let pid: i32 = pid_text.parse().map_err(|_| not_running())?;
    // SAFETY: sending a signal; the PID is the lock holder's, which is alive (it holds the lock).
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let started = Instant::now();
    while started.elapsed() < wait {
        match probe()? {
            Probe::Held => std::thread::sleep(Duration::from_millis(20)),
            // It removed its files as it exited.
            Probe::Missing => return Ok(pid),
            Probe::Taken(lock) => {
                remove_files(pid_file, Some(lock));
                return Ok(pid);
            }
        }
    }
    Err(PidError::StopTimeout {
        pid,
        secs: wait.as_secs(),
    })
}
