//! SIGINT/SIGTERM: stop, remove every named temp, leave the previous output, exit 130/143.
//!
//! Why a signal thread that exits the process, rather than an error that unwinds the build: the
//! build may be deep in rendering or blocked in I/O, and the promise is an exit within a second.
//! The thread
//! 1. waits for any commit in progress to finish (commits are short, and a commit cut in half
//!    would leave a mix of old and new files) and blocks new ones from starting;
//! 2. marks the process interrupted, so no new named temp can be created;
//! 3. removes every named temp still registered (unnamed `O_TMPFILE` temps vanish with the
//!    process on their own);
//! 4. exits with 128 + the signal number. The output lock is an `flock`, released by the kernel.
//!
//! Nothing is installed unless [`install_handler`] is called (the CLI does; a library user may
//! prefer its own handling).

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock, RwLock, RwLockReadGuard};

#[derive(Default)]
struct Registry {
    interrupted: bool,
    named: HashSet<PathBuf>,
}

fn registry() -> MutexGuard<'static, Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    let lock = REGISTRY.get_or_init(Default::default).lock();
    lock.unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn commit_gate() -> &'static RwLock<()> {
    static GATE: RwLock<()> = RwLock::new(());
    &GATE
}

fn interrupted_error() -> io::Error {
    io::Error::new(io::ErrorKind::Interrupted, "interrupted by a signal")
}

/// Runs `create` (which makes a file at `path`) unless the process is being interrupted, and
/// registers `path` for removal on interrupt. Both happen under one lock, so the signal thread
/// sees every named temp that exists.
pub(crate) fn register_named_temp<T>(
    path: &Path,
    create: impl FnOnce() -> io::Result<T>,
) -> io::Result<T> {
    let mut reg = registry();
    if reg.interrupted {
        return Err(interrupted_error());
    }
    let made = create()?;
    reg.named.insert(path.to_path_buf());
    Ok(made)
}

/// Drops `path` from the registry (it was renamed into place or removed).
pub(crate) fn forget_named_temp(path: &Path) {
    registry().named.remove(path);
}

/// Whether a signal has started the shutdown.
pub(crate) fn is_interrupted() -> bool {
    registry().interrupted
}

/// Held for the length of a commit: the signal thread waits for it before it cleans up.
pub(crate) fn commit_guard() -> io::Result<RwLockReadGuard<'static, ()>> {
    let guard = commit_gate()
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if is_interrupted() {
        return Err(interrupted_error());
    }
    Ok(guard)
}

/// Installs the SIGINT/SIGTERM handler thread (once per process; later calls do nothing).
pub fn install_handler() -> io::Result<()> {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    if INSTALLED.get().is_some() {
        return Ok(());
    }
    let mut signals = signal_hook::iterator::Signals::new([libc::SIGINT, libc::SIGTERM])?;
    std::thread::Builder::new()
        .name("output-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                shut_down(signal);
            }
        })?;
    let _ = INSTALLED.set(());
    Ok(())
}

fn shut_down(signal: i32) -> ! {
    let _no_more_commits = commit_gate().write().unwrap_or_else(|p| p.into_inner());
    let mut reg = registry();
    reg.interrupted = true;
    let removed = reg.named.len();
    for path in reg.named.drain() {
        let _ = super::fsops::remove_file(&path);
    }
    let name = if signal == libc::SIGINT {
        "SIGINT"
    } else {
        "SIGTERM"
    };
    eprintln!(
        "{}: {name} received; stopped, removed {removed} temp file(s); the previous output is intact",
        program_name()
    );
    std::process::exit(128 + signal);
}

/// The running program's file name, for the line printed on a signal ("sitegen: SIGINT
/// received"), as a command-line tool names itself.
fn program_name() -> String {
    std::env::args_os()
        .next()
        .and_then(|arg0| {
            std::path::Path::new(&arg0)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "output".to_string())
}
