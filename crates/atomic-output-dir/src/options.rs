//! How to open an [`OutputWriter`](super::OutputWriter): durability, temps, lock, publish
//! mode, and the record of the build kept with its manifest.

use std::collections::BTreeSet;
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

/// What a commit stands for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum CommitScope {
    /// A whole build: what the previous build wrote and this one did not is pruned.
    #[default]
    Build,
    /// A few files replaced (`verify --repair`): every other file stays as recorded.
    Patch,
}

/// How to open an [`OutputWriter`](crate::OutputWriter).
#[derive(Clone, Debug)]
pub struct OutputOptions {
    pub(super) state_dir: PathBuf,
    pub(super) durability: Durability,
    pub(super) lock_mode: LockMode,
    pub(super) temp_files: TempFiles,
    pub(super) publish: Publish,
    pub(super) run: Option<serde_json::Value>,
    pub(super) distrust: BTreeSet<String>,
    pub(super) scope: CommitScope,
}

impl OutputOptions {
    /// Options with the writer's state (lock, manifest) kept in `state_dir`, which must not be
    /// inside the output directory.
    pub fn new(state_dir: impl Into<PathBuf>) -> Self {
        OutputOptions {
            state_dir: state_dir.into(),
            durability: Durability::default(),
            lock_mode: LockMode::default(),
            temp_files: TempFiles::default(),
            publish: Publish::default(),
            run: None,
            distrust: BTreeSet::new(),
            scope: CommitScope::Build,
        }
    }

    /// Output paths whose files on disk are not to be trusted (a verify found them
    /// missing, modified or with other permissions than recorded): whatever their size and
    /// mtime say, they are never kept or linked, and a write replaces them, with the mode the
    /// manifest recorded.
    pub fn distrust(mut self, paths: impl IntoIterator<Item = String>) -> Self {
        self.distrust.extend(paths);
        self
    }

    /// A record of the build (see [`OutputWriter::set_run`](crate::OutputWriter::set_run)).
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
