//! How to open an [`OutputWriter`](super::OutputWriter): durability, temps, lock, publish
//! mode, and the record of the build kept with its manifest.

use std::path::PathBuf;

use super::lock::LockMode;
use super::publish::Publish;

/// How hard a commit works to survive power loss.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// File data is on disk before any rename; renames and directories are on disk before
    /// `finish` returns.
    #[default]
    Fsync,
    /// Atomic against process crashes only: after a power loss a file may be empty or old.
    None,
}

/// Which kind of temp files to stage output in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TempFiles {
    /// Unnamed (`O_TMPFILE`) where this process can link them into place, named otherwise.
    #[default]
    Auto,
    /// Always named `.<name>.sitegen-tmp-<uuid>` (portable; also how the fallback is tested).
    Named,
}

/// How to open an [`OutputWriter`].
#[derive(Clone, Debug)]
pub struct OutputOptions {
    pub(super) state_dir: PathBuf,
    pub(super) durability: Durability,
    pub(super) lock_mode: LockMode,
    pub(super) temp_files: TempFiles,
    pub(super) publish: Publish,
    pub(super) run: Option<serde_json::Value>,
}

impl OutputOptions {
    /// Options with sitegen's state (lock, manifest) kept in `state_dir`, which must not be
    /// inside the output directory.
    pub fn new(state_dir: impl Into<PathBuf>) -> Self {
        OutputOptions {
            state_dir: state_dir.into(),
            durability: Durability::default(),
            lock_mode: LockMode::default(),
            temp_files: TempFiles::default(),
            publish: Publish::default(),
            run: None,
        }
    }

    /// A record of the build (see [`OutputWriter::set_run`]).
    pub fn run(mut self, run: serde_json::Value) -> Self {
        self.run = Some(run);
        self
    }

    /// Sets how the build is published (default [`Publish::Files`]).
    pub fn publish(mut self, publish: Publish) -> Self {
        self.publish = publish;
        self
    }

    /// Sets which temp files to use (default [`TempFiles::Auto`]).
    pub fn temp_files(mut self, temp_files: TempFiles) -> Self {
        self.temp_files = temp_files;
        self
    }

    /// Sets the durability (default [`Durability::Fsync`]).
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// Sets what happens when another build holds the lock (default [`LockMode::Wait`]).
    pub fn lock_mode(mut self, lock_mode: LockMode) -> Self {
        self.lock_mode = lock_mode;
        self
    }
}
