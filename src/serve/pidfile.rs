//! The PID file of `sitegen serve`, and `sitegen stop`.
//!
//! Liveness is decided by an `flock` on a lock file next to the PID file, held for the whole
//! life of the server: the kernel releases it however the process ends, so a PID file left by
//! a SIGKILL (or naming a PID since reused by another program) is recognised as stale without
//! guessing from process tables. The lock file also records "PID PORT" for messages. The PID
//! file itself (PID and a newline) is written with the output layer's atomic write.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::output::atomic_write;

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

fn try_lock(file: &File) -> bool {
    // SAFETY: plain syscall on an fd we own.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

fn open_lock(path: &Path) -> Result<File, PidError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| PidError::Io {
            path: dir.into(),
            source,
        })?;
    }
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|source| PidError::Io {
            path: path.into(),
            source,
        })
}

fn read_holder(file: &mut File) -> (String, String) {
    let mut text = String::new();
    let _ = file.rewind().and_then(|_| file.read_to_string(&mut text));
    let mut parts = text.split_whitespace();
    let pid = parts.next().unwrap_or("unknown").to_string();
    let port = parts.next().unwrap_or("unknown").to_string();
    (pid, port)
}

/// A held PID file: removed (with its lock released) on drop.
#[derive(Debug)]
pub struct PidGuard {
    pid_file: PathBuf,
    lock: File,
}

impl PidGuard {
    /// Takes the serve lock for `pid_file`, or fails naming the live server. A stale PID file
    /// is taken over; the returned notice says so.
    pub fn acquire(pid_file: &Path) -> Result<(Self, Option<String>), PidError> {
        let mut lock = open_lock(&lock_path(pid_file))?;
        if !try_lock(&lock) {
            let (pid, port) = read_holder(&mut lock);
            return Err(PidError::AlreadyRunning { pid, port });
        }
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
                lock,
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
        self.lock.set_len(0).map_err(lock_err)?;
        self.lock.rewind().map_err(lock_err)?;
        write!(self.lock, "{pid} {port}").map_err(lock_err)?;
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
        let _ = std::fs::remove_file(&self.pid_file);
        let _ = self.lock.set_len(0);
    }
}

/// `sitegen stop`: SIGTERM to the server named by `pid_file`, then waits for it to exit.
pub fn stop(pid_file: &Path, wait: Duration) -> Result<i32, PidError> {
    let mut lock = open_lock(&lock_path(pid_file))?;
    if try_lock(&lock) {
        // Nobody holds it: no server. A leftover PID file is stale.
        let _ = std::fs::remove_file(pid_file);
        return Err(PidError::NotRunning {
            path: pid_file.into(),
        });
    }
    let (pid_text, _) = read_holder(&mut lock);
    let pid: i32 = pid_text.parse().map_err(|_| PidError::NotRunning {
        path: pid_file.into(),
    })?;
    // SAFETY: sending a signal; the PID is the lock holder's, which is alive (it holds the lock).
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let started = Instant::now();
    while started.elapsed() < wait {
        if try_lock(&lock) {
            return Ok(pid);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(PidError::StopTimeout {
        pid,
        secs: wait.as_secs(),
    })
}
