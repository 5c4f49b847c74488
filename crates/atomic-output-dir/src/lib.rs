//! The output layer: the one door through which sitegen writes files.
//!
//! It knows nothing of pages or templates: it takes relative paths and bytes. Everything a
//! build produces is staged by an [`OutputWriter`] and appears at [`OutputWriter::finish`].
//!
//! # Guarantees
//! - **No torn files.** Each file is written to a temp in its target's own directory and
//!   renamed over the target. A reader (web server, rsync) sees the old bytes or the new bytes.
//! - **No half-built site on failure.** Nothing is renamed until `finish`. A build that errors,
//!   panics, is interrupted by SIGINT/SIGTERM (with [`install_interrupt_handler`]) or is killed
//!   before `finish` leaves the previous output exactly as it was.
//! - **No debris.** On Linux, temps are unnamed (`O_TMPFILE`) until `finish` links them in, so
//!   a killed process leaves nothing. Where that is not possible (the link needs privileges some
//!   processes lack; other platforms), temps are named `.<name>.sitegen-tmp-<uuid>` and the next
//!   [`OutputWriter::open`] removes them (and only names of that exact pattern). It looks for
//!   them when a marker in the state directory says a build did not end; under
//!   [`Durability::Fsync`] that marker is on disk before the first named temp is made, so this
//!   holds after a power loss too.
//! - **Unchanged files are not rewritten.** Same bytes as on disk: the file and its mtime stay.
//! - **One build at a time** per output directory, via an `flock` in the state directory.
//! - **Pruning** removes only files that the previous build's manifest lists.
//! - **Checkable.** [`verify`] hashes the live output against its (self-checksummed)
//!   manifest; [`restore_from_standby`] and [`OutputOptions::distrust`] are how
//!   `verify --repair` rewrites exactly the files it found bad.
//!
//! # Durability and what it costs
//! [`Durability::Fsync`] (the default): each finished temp gets its writeback started at once
//! (`sync_file_range`), so the disk works while the build renders; `finish` then waits with one
//! `syncfs` before the first rename and one after the last (covering every new directory entry
//! and every touched directory). Measured on the development machine (10,000 files of 20 KiB,
//! `cargo bench -p atomic-output-dir --bench output`), this costs far less than one `fsync` per file and directory.
//! The limit of this choice: `syncfs` flushes the whole file system, so a build sharing a disk
//! with another heavy writer also waits for that writer's data. Where `syncfs` is missing, the
//! fallback is one `fsync` per file and per touched directory (and the parent of each
//! directory the build made).
//!
//! Every call that changes the disk goes through one internal module (`fsops`). In tests it
//! is recorded, and a crash-state explorer (`crash_model`) rebuilds from the record every
//! state a power loss could leave, checks each (old or new bytes at every path, one whole
//! generation under swap, a reopened writer recovers), and checks that each sync is needed.
//!
//! [`Durability::None`] skips all of that: still atomic against a crash of the process, but
//! after a power loss or kernel crash a file may be empty or old.
//!
//! # Limits
//! - A commit is a sequence of renames, one per file: each file is atomic, the site as a whole
//!   is not. A SIGKILL or power loss *during* `finish` leaves some files new and some old (each
//!   complete); SIGINT/SIGTERM wait for the renames to end. In that window one named temp per
//!   file being renamed can remain until the next `open` sweeps it.
//! - The output directory must be on one local file system; rename atomicity and `syncfs` mean
//!   little on NFS and other network file systems, where neither is guaranteed.
//! - Parent symlinks are checked when a directory is first used; a symlink swapped in by another
//!   process during the build is not detected.
//!
//! # Example
//! ```
//! use atomic_output_dir::{Durability, OutputOptions, OutputWriter};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let tmp = tempfile::tempdir()?;
//! # let (out_dir, state_dir) = (tmp.path().join("public"), tmp.path().join(".sitegen"));
//! let writer = OutputWriter::open(&out_dir, OutputOptions::new(&state_dir).durability(Durability::Fsync))?;
//! writer.write("index.html", b"<!doctype html><title>hi</title>")?;
//! writer.write("blog/first/index.html", b"<p>first</p>")?;
//! let report = writer.finish()?;
//! assert_eq!(report.written, 2);
//! # Ok(()) }
//! ```

mod atomic;
pub mod dirs;
mod durable;
mod error;
mod fsops;
mod interrupt;
mod listing;
mod lock;
mod manifest;
mod marker;
mod options;
mod path;
mod pending;
mod publish;
mod repair;
mod report;
mod sys;
mod temp;
mod verify;
mod writer;

#[cfg(all(test, target_os = "linux"))]
mod crash_model;
#[cfg(test)]
mod publish_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod verify_tests;

pub use atomic::{atomic_write, write_with as atomic_write_with};
pub use error::OutputError;
pub use interrupt::install_handler as install_interrupt_handler;
pub use listing::Listing;
pub use lock::{LockMode, Probe, ProcessLock};
pub use options::{Durability, OutputOptions, TempFiles};
pub use path::OutputPath;
pub use pending::PendingFile;
pub use publish::{
    generations, remove_standby, rollback, standby_path, Generation, Generations, OlderStandby,
    Publish, RollbackReport,
};
pub use repair::{restore_from_standby, Restored};
pub use report::{Change, ChangeAction, WriteReport};
pub use verify::{verify, FileFacts, Mode, Problem, ProblemKind, VerifyReport};
pub use writer::OutputWriter;
