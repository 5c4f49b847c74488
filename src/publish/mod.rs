//! `sitegen publish`: puts any generator's finished output (Hugo's, Jekyll's, a hand-made
//! tree) into an output directory through sitegen's writer, with the guarantees a sitegen
//! build has: unchanged files are left alone (mtime too), new and changed ones appear
//! atomically, only files an earlier publish wrote are pruned, one publish at a time,
//! `--publish swap` and `rollback`.
//!
//! This is not [`crate::output`]'s `publish` (how a commit switches the output: file by
//! file or by swapping trees); it is what feeds the writer when sitegen did not render
//! the files. It reads a finished tree (`source`) or first runs the generator into a
//! fresh staging directory (`staging`), and streams every file into one
//! [`OutputWriter`] in parallel.
//!
//! # Where the state lives
//! There is no site root, so the lock and manifests are kept beside the output, as its
//! standby is: `.NAME.sitegen-state` next to the output directory `NAME` (unless
//! `--state` says otherwise). One state directory per output, so two outputs in one
//! parent directory never share a manifest. `sitegen rollback --output DIR` and `sitegen
//! status --output DIR` find it there ([`managed_state_dir`]).
//!
//! # What is refused
//! A source that is the output, is inside it or contains it (or its standby or state
//! directory); a source with no files (publishing it would prune every published file);
//! symlinks leading outside the source, special files, and names the output layer refuses
//! (sitegen's own temp-file naming among them: debris of a killed sitegen run, never
//! published silently). Each error names the file.
//!
//! # Limits
//! Files get the writer's permissions (0644 less the umask, or those of the file they
//! replace) and a fresh mtime when written, not the source's. Empty directories are not
//! published.

mod source;
mod staging;

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::output::{
    standby_path, Durability, LockMode, OutputError, OutputOptions, OutputWriter, ProcessLock,
    Publish, WriteReport,
};
use crate::site::Phases;
pub use staging::CommandOutput;

/// Files larger than this are hashed first and streamed, not read whole.
const STREAM_ABOVE: u64 = 16 << 20;

/// Serialises publishes to one output, including their generator runs (the writer's own
/// lock is taken only once the files are ready).
const PUBLISH_LOCK: &str = "publish.lock";

/// What to publish.
#[derive(Clone, Debug)]
pub enum Source {
    /// A finished tree.
    Dir(PathBuf),
    /// A shell command that writes the tree into `{staging}`.
    Run(String),
}

/// How to publish.
#[derive(Clone, Debug)]
pub struct PublishOptions {
    pub source: Source,
    pub output_dir: PathBuf,
    /// Default: `.NAME.sitegen-state` beside the output (see the module docs).
    pub state_dir: Option<PathBuf>,
    pub durability: Durability,
    pub lock_mode: LockMode,
    pub publish: Publish,
    /// Where a `--run` command's standard output goes.
    pub command_output: CommandOutput,
}

impl PublishOptions {
    /// Defaults for publishing `source` into `output_dir`.
    pub fn new(source: Source, output_dir: impl Into<PathBuf>) -> Self {
        PublishOptions {
            source,
            output_dir: output_dir.into(),
            state_dir: None,
            durability: Durability::default(),
            lock_mode: LockMode::default(),
            publish: Publish::default(),
            command_output: CommandOutput::default(),
        }
    }
}

/// What a publish did.
#[derive(Clone, Debug)]
pub struct PublishSummary {
    /// The output directory (canonical).
    pub output_dir: PathBuf,
    pub state_dir: PathBuf,
    /// Files in the published tree.
    pub files: usize,
    /// Staging directories of killed publishes removed before this one.
    pub staging_swept: usize,
    pub report: WriteReport,
    pub elapsed: Duration,
}

/// Why a publish failed. Unless it is an [`OutputError::PartialCommit`] inside
/// [`PublishError::Output`], the output is as it was.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("{}: cannot read ({source}); the output is unchanged", path.display())]
    Read { path: PathBuf, source: io::Error },

    #[error("{}: not a directory; the output is unchanged", path.display())]
    NotADirectory { path: PathBuf },

    #[error("{}: cannot publish from here: the source {relation} {what} {}", source_dir.display(), other.display())]
    Overlap {
        source_dir: PathBuf,
        relation: crate::output::dirs::Overlap,
        what: &'static str,
        other: PathBuf,
    },

    #[error("{}: refused output directory: {reason}", path.display())]
    BadOutput { path: PathBuf, reason: &'static str },

    #[error("{}: holds no files; refusing to publish an empty tree (it would remove every published file); the output is unchanged", path.display())]
    Empty { path: PathBuf },

    #[error("{}: a symlink leading outside the source (to {}); the output is unchanged", path.display(), target.display())]
    SymlinkOutside { path: PathBuf, target: PathBuf },

    #[error("{}: a symlink loop (back to {}); the output is unchanged", path.display(), ancestor.display())]
    SymlinkLoop { path: PathBuf, ancestor: PathBuf },

    #[error("{}: not a regular file, directory or symlink (a socket, FIFO or device); the output is unchanged", path.display())]
    SpecialFile { path: PathBuf },

    #[error("{}: cannot be published: {source}", path.display())]
    Name { path: PathBuf, source: OutputError },

    #[error("{}: cannot create the staging directory ({source}); the output is unchanged", path.display())]
    Staging { path: PathBuf, source: io::Error },

    #[error("{}: cannot create directory ({source}); the output is unchanged", path.display())]
    CreateDir { path: PathBuf, source: io::Error },

    #[error("{}: cannot take the publish lock ({source}); the output is unchanged", path.display())]
    Lock { path: PathBuf, source: io::Error },

    #[error("`{command}`: cannot run it ({source}); the output is unchanged")]
    Spawn { command: String, source: io::Error },

    #[error("`{command}` {status}; nothing was published, the output is unchanged")]
    Command { command: String, status: String },

    #[error("{}: another sitegen publish to this output is running ({holder}); the output is unchanged", lock.display())]
    Locked { lock: PathBuf, holder: String },

    #[error(transparent)]
    Output(#[from] OutputError),
}

impl PublishError {
    fn read(path: &Path, source: io::Error) -> Self {
        PublishError::Read {
            path: path.to_path_buf(),
            source,
        }
    }

    fn spawn(command: &str, source: io::Error) -> Self {
        PublishError::Spawn {
            command: command.to_string(),
            source,
        }
    }
}

/// The default state directory of the output `live` (canonical): `.NAME.sitegen-state`
/// beside it.
fn state_dir_beside(live: &Path) -> PathBuf {
    let name = live.file_name().unwrap_or_default().to_string_lossy();
    live.with_file_name(format!(".{name}.sitegen-state"))
}

/// The state directory `sitegen publish` keeps for `output`, if there is one: how
/// `rollback`, `status` (and anything else given only `--output`) find it.
pub fn managed_state_dir(output: &Path) -> Option<PathBuf> {
    let live = fs::canonicalize(output).ok()?;
    let state = state_dir_beside(&live);
    state.is_dir().then_some(state)
}

/// Publishes the tree `options.source` names into `options.output_dir`.
pub fn publish(options: &PublishOptions) -> Result<PublishSummary, PublishError> {
    let started = Instant::now();
    let mut phases = Phases::new();
    let out = &options.output_dir;
    let live = crate::output::dirs::real_path(out).map_err(|e| PublishError::read(out, e))?;
    let Some(parent) = live.parent() else {
        return Err(PublishError::BadOutput {
            path: out.clone(),
            reason: "the file system root",
        });
    };
    let state = match &options.state_dir {
        Some(dir) => crate::output::dirs::real_path(dir).map_err(|e| PublishError::read(dir, e))?,
        None => state_dir_beside(&live),
    };
    let checked = match &options.source {
        Source::Dir(dir) => Checked::Dir(checked_source(dir, &live, &state)?),
        Source::Run(command) => Checked::Run(command),
    };
    for dir in [parent, &state] {
        fs::create_dir_all(dir).map_err(|e| PublishError::CreateDir {
            path: dir.to_path_buf(),
            source: e,
        })?;
    }
    let _lock = publish_lock(&state.join(PUBLISH_LOCK), options.lock_mode)?;
    let staging_swept = staging::sweep(&live);

    let mut run = serde_json::json!({
        "run_id": uuid::Uuid::new_v4().to_string(),
        "started": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "sitegen_version": env!("CARGO_PKG_VERSION"),
        "durability": match options.durability {
            Durability::Fsync => "fsync",
            Durability::None => "none",
        },
        "publish": match options.publish {
            Publish::Files => "files",
            Publish::Swap => "swap",
        },
    });
    // Removed (with the generator's files) when this function returns, however it does.
    let mut staging_dir = None;
    let root = match checked {
        Checked::Dir(dir) => {
            run["source"] = dir.to_string_lossy().into_owned().into();
            dir
        }
        Checked::Run(command) => {
            run["command"] = command.into();
            let staging = staging_dir.insert(staging::Staging::create(&live)?);
            staging::run(command, staging.path(), options.command_output)?;
            phases.mark("run");
            staging.path().to_path_buf()
        }
    };
    let files = source::list(&root)?;
    if files.is_empty() {
        return Err(PublishError::Empty { path: root });
    }
    phases.mark("walk");

    let writer = OutputWriter::open(
        &live,
        OutputOptions::new(&state)
            .durability(options.durability)
            .lock_mode(options.lock_mode)
            .publish(options.publish)
            .run(run),
    )?;
    phases.mark("open output");
    files.par_iter().try_for_each(|file| stage(&writer, file))?;
    phases.mark("stage");
    let report = writer.finish()?;
    phases.mark("commit");
    phases.report();
    Ok(PublishSummary {
        output_dir: live,
        state_dir: state,
        files: files.len(),
        staging_swept,
        report,
        elapsed: started.elapsed(),
    })
}

/// A [`Source`] after the checks that come before the lock.
enum Checked<'a> {
    Dir(PathBuf),
    Run(&'a str),
}

/// The source directory (canonical), refused if it overlaps what the publish writes.
fn checked_source(dir: &Path, live: &Path, state: &Path) -> Result<PathBuf, PublishError> {
    let real = fs::canonicalize(dir).map_err(|e| PublishError::read(dir, e))?;
    if !real.is_dir() {
        return Err(PublishError::NotADirectory { path: real });
    }
    let standby = standby_path(live);
    for (what, other) in [
        ("the output directory", live),
        ("the output's standby", standby.as_path()),
        ("the state directory", state),
    ] {
        if let Some(relation) = crate::output::dirs::overlap(&real, other) {
            return Err(PublishError::Overlap {
                source_dir: real,
                relation,
                what,
                other: other.to_path_buf(),
            });
        }
    }
    Ok(real)
}

/// Takes the publish lock at `path`, waiting (polling) or failing per `mode`.
fn publish_lock(path: &Path, mode: LockMode) -> Result<ProcessLock, PublishError> {
    let err = |source| PublishError::Lock {
        path: path.to_path_buf(),
        source,
    };
    let mut announced = false;
    loop {
        if let Some(mut lock) = ProcessLock::try_acquire(path).map_err(err)? {
            lock.set_holder(&format!("pid {}", std::process::id()))
                .map_err(err)?;
            return Ok(lock);
        }
        let holder = match ProcessLock::holder(path).trim() {
            "" => "pid unknown".to_string(),
            text => text.to_string(),
        };
        match mode {
            LockMode::Fail => {
                return Err(PublishError::Locked {
                    lock: path.to_path_buf(),
                    holder,
                })
            }
            LockMode::Wait if !announced => {
                eprintln!(
                    "sitegen: waiting for another publish ({holder}) to release {}",
                    path.display()
                );
                announced = true;
            }
            LockMode::Wait => {}
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stages one source file: read whole (the writer leaves it alone if its bytes are already
/// there), or, when large, hashed first and copied only if the output does not have it.
fn stage(writer: &OutputWriter, file: &source::SourceFile) -> Result<(), PublishError> {
    let rel = file.rel.as_str();
    if file.size <= STREAM_ABOVE {
        let bytes = fs::read(&file.path).map_err(|e| PublishError::read(&file.path, e))?;
        writer.write(rel, &bytes)?;
        return Ok(());
    }
    let hash = hash_file(&file.path)?;
    if !writer.keep(rel, hash)? {
        writer.copy(rel, &file.path)?;
    }
    Ok(())
}

/// xxh3-128 of the file at `path` (the writer's content hash), streamed.
fn hash_file(path: &Path) -> Result<u128, PublishError> {
    let err = |e| PublishError::read(path, e);
    let mut file = fs::File::open(path).map_err(err)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Ok(hasher.digest128()),
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(err(e)),
        }
    }
}
