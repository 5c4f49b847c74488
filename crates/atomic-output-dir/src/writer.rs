//! `OutputWriter`: stages every output file as a temp, then commits them all at once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use rayon::prelude::*;

use super::error::{OutputError, Result};
use super::listing::Listing;
use super::lock::StateLock;
use super::manifest::{ContentHash, Entry, Manifest};
use super::marker::InProgress;
use super::options::{CommitScope, Durability, OutputOptions, TempFiles};
use super::path::OutputPath;
use super::pending::PendingFile;
use super::publish::{self, Live, Publish, Trees, STANDBY_MANIFEST_FILE};
use super::report::{changes, WriteReport};
use super::temp::{self, TempFile, TempKind};
use super::{durable, fsops, interrupt, sys};

pub(crate) const LOCK_FILE: &str = "output.lock";
pub(crate) const MANIFEST_FILE: &str = "output-manifest.json";

enum Action {
    Write(TempFile),
    Unchanged(Entry),
}

/// Whether a directory of the output was there before this build or made by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DirState {
    Existing,
    Created,
}

struct Staged {
    hash: ContentHash,
    size: u64,
    action: Action,
}

/// Writes a build's output atomically; see the [module docs](super).
///
/// Every method takes `&self` and may be called from many threads at once.
pub struct OutputWriter {
    root: PathBuf,
    /// The output directory, opened: outputs are looked up relative to it.
    root_dir: Option<File>,
    options: OutputOptions,
    previous: Manifest,
    manifest_warning: Option<String>,
    temps_swept: usize,
    temp_kind: TempKind,
    staged: Mutex<BTreeMap<OutputPath, Staged>>,
    ready_dirs: Mutex<HashMap<PathBuf, DirState>>,
    created_dirs: Mutex<Vec<PathBuf>>,
    /// The output directory and parents that `open` made (never removed on drop: another
    /// process may be waiting for the lock to build into them).
    made_by_open: Vec<PathBuf>,
    open_fds: AtomicUsize,
    fd_budget: usize,
    finished: bool,
    /// Under [`Publish::Swap`]: the live tree (`root` is then the standby, which this
    /// writer brings up to date and swaps in at `finish`).
    live: Option<Live>,
    /// Whether an earlier build was stopped before its commit ended (its debris is swept;
    /// under swap, files of its that no manifest lists are removed from the standby).
    was_dirty: bool,
    /// Under swap, whether the standby may hold files no manifest lists (an earlier build
    /// stopped part-way, or this one's commit began renaming into it): then only a finished
    /// commit, which removes them, may remove the in-progress marker that says so.
    strays_possible: bool,
    in_progress: InProgress,
    /// Under swap, a no-op build: the live tree already is this build's output.
    noop: std::sync::atomic::AtomicBool,
    publish_notice: Option<String>,
    _lock: StateLock,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl OutputWriter {
    /// Opens `out_dir` for a build: creates it if missing, takes the lock (waiting or failing
    /// per the options), and sweeps temps that a killed earlier run left.
    pub fn open(out_dir: impl AsRef<Path>, options: OutputOptions) -> Result<Self> {
        let out_dir = out_dir.as_ref();
        let mkdir = |dir: &Path| {
            fsops::create_dir_all(dir).map_err(|e| OutputError::io("create directory", dir, e))
        };
        let made_by_open = mkdir(out_dir)?;
        let root = fs::canonicalize(out_dir).map_err(|e| OutputError::io("resolve", out_dir, e))?;
        let state = &options.state_dir;
        let state_created = mkdir(state)?;
        if fs::canonicalize(state).is_ok_and(|s| s.starts_with(&root)) {
            return Err(OutputError::PathEscape {
                path: state.display().to_string(),
                reason: "the state directory must not be inside the output directory",
            });
        }
        let lock = StateLock::acquire(&state.join(LOCK_FILE), options.lock_mode)?;

        let (root, trees, publish_notice) = match options.publish {
            Publish::Files => (root, None, None),
            Publish::Swap => match publish::open_trees(&root, state)? {
                Ok(trees) => (trees.standby.clone(), Some(trees), None),
                Err(notice) => (root, None, Some(notice)),
            },
        };
        let mut temps_swept = temp::sweep(state, false);
        let was_dirty = InProgress::was_left(state);
        if was_dirty {
            temps_swept += temp::sweep(&root, true);
        }
        let in_progress = InProgress::begin(state, &state_created, options.durability)?;

        let (previous, manifest_warning, live) = match trees {
            Some(Trees {
                standby_manifest,
                live,
                ..
            }) => (standby_manifest, None, Some(live)),
            None => {
                let (m, w) = Manifest::load(&state.join(MANIFEST_FILE), &root);
                (m, w, None)
            }
        };
        let strays_possible = was_dirty && live.is_some();
        let auto = options.temp_files == TempFiles::Auto;
        let temp_kind = if auto && temp::anonymous_temps_work(&root, &in_progress)? {
            TempKind::PreferAnonymous
        } else {
            TempKind::Named
        };
        let fd_budget = (sys::raise_open_file_limit() / 2).saturating_sub(64) as usize;
        Ok(OutputWriter {
            ready_dirs: Mutex::new(HashMap::from([(root.clone(), DirState::Existing)])),
            root_dir: File::open(&root).ok(),
            root,
            options,
            previous,
            manifest_warning,
            temps_swept,
            temp_kind,
            staged: Mutex::new(BTreeMap::new()),
            created_dirs: Mutex::new(Vec::new()),
            made_by_open,
            open_fds: AtomicUsize::new(0),
            fd_budget,
            finished: false,
            live,
            was_dirty,
            strays_possible,
            in_progress,
            noop: std::sync::atomic::AtomicBool::new(false),
            publish_notice,
            _lock: lock,
        })
    }

    /// Sets the record of the build (a JSON object: run id, start time, inputs, ...) kept
    /// with the manifest of the generation this commit makes, and read back by
    /// [`generations`](crate::generations) (a `status` command). The commit adds `committed`, its time.
    pub fn set_run(&mut self, run: serde_json::Value) {
        self.options.run = Some(run);
    }

    /// The state file of the manifest this writer's tree has: the live one, or under swap
    /// the standby's.
    fn manifest_file(&self) -> PathBuf {
        let name = match self.live {
            Some(_) => STANDBY_MANIFEST_FILE,
            None => MANIFEST_FILE,
        };
        self.options.state_dir.join(name)
    }

    /// Under swap: stages `target` as a hard link to the live tree's file, if that file is
    /// intact and holds exactly these bytes.
    fn stage_linked(&self, target: &Target, hash: ContentHash, size: u64) -> Option<Result<()>> {
        let live = self
            .live
            .as_ref()
            .filter(|_| !self.distrusted(&target.path))?;
        let entry = live
            .intact(target.path.as_str())
            .filter(|e| e.hash == hash && e.size == size)?;
        // The link is a named temp: see `new_temp`.
        if let Err(e) = self.in_progress.make_durable() {
            return Some(Err(e));
        }
        let temp = live.link_temp(target.path.as_str(), &target.full)?;
        Some(self.stage_written(target.clone(), entry.hash, entry.size, temp))
    }

    /// Whether the file at `path` is not to be trusted (see [`OutputOptions::distrust`]).
    fn distrusted(&self, path: &OutputPath) -> bool {
        !self.options.distrust.is_empty() && self.options.distrust.contains(path.as_str())
    }

    /// The output directory (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stages `bytes` as the content of `path` (relative to the output directory); returns
    /// their xxh3-128 hash (what [`OutputWriter::keep`] expects), so callers need not hash
    /// them again.
    pub fn write(&self, path: impl AsRef<Path>, bytes: &[u8]) -> Result<u128> {
        let target = self.prepare(path.as_ref())?;
        let hash = ContentHash::of(bytes);
        let size = bytes.len() as u64;
        if let Some(staged) = self.stage_if_unchanged(&target, hash, size) {
            return staged.map(|()| hash.0);
        }
        let mut temp = self.new_temp(&target)?;
        temp.open_file()
            .and_then(|f| fsops::write_all(f, bytes))
            .map_err(|e| OutputError::io("write", &target.full, e))?;
        self.stage_written(target, hash, size, temp)
            .map(|()| hash.0)
    }

    /// Stages a copy of the file `from` as `path`. A file of up to 1 MiB is read whole (and
    /// hashed first: an unchanged one gets no temp); a larger one is streamed through a
    /// buffer kept per thread. (A fresh zeroed 256 KiB buffer per file cost more than the
    /// copy itself on a site of a thousand small icons.)
    pub fn copy(&self, path: impl AsRef<Path>, from: impl AsRef<Path>) -> Result<()> {
        const WHOLE: u64 = 1 << 20;
        let from = from.as_ref();
        let mut source = File::open(from).map_err(|e| OutputError::io("open", from, e))?;
        let len = source.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
        if len <= WHOLE {
            let mut bytes = Vec::with_capacity(len as usize + 1);
            source
                .read_to_end(&mut bytes)
                .map_err(|e| OutputError::io("read", from, e))?;
            return self.write(path, &bytes).map(drop);
        }
        thread_local! {
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let mut pending = self.create(path)?;
        BUFFER.with_borrow_mut(|buf| {
            buf.resize(256 * 1024, 0);
            loop {
                match source.read(buf) {
                    Ok(0) => return Ok(()),
                    Ok(n) => pending.append(&buf[..n])?,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(OutputError::io("read", from, e)),
                }
            }
        })?;
        pending.commit()
    }

    /// Starts a streamed file at `path`: write to it, then [`PendingFile::commit`]. Dropped
    /// without a commit (or on a panic), it is discarded.
    pub fn create(&self, path: impl AsRef<Path>) -> Result<PendingFile<'_>> {
        let target = self.prepare(path.as_ref())?;
        let temp = self.new_temp(&target)?;
        Ok(PendingFile::new(self, target, temp))
    }

    /// Commits the build: makes staged files durable, renames them into place, prunes what the
    /// previous build wrote and this one did not, saves the manifest, releases the lock.
    pub fn finish(mut self) -> Result<WriteReport> {
        let _gate = interrupt::commit_guard().map_err(|_| OutputError::Interrupted)?;
        let staged = std::mem::take(&mut *lock(&self.staged));
        let durable = self.options.durability == Durability::Fsync;
        let mut report = WriteReport {
            temps_swept: self.temps_swept,
            manifest_warning: self.manifest_warning.take(),
            publish_notice: self.publish_notice.take(),
            ..WriteReport::default()
        };
        if self.noop.load(Ordering::Relaxed) {
            report.unchanged = self.live.as_ref().map_or(0, |l| l.manifest.files.len());
            self.in_progress.end();
            self.finished = true;
            return Ok(report);
        }

        let writes = staged
            .values()
            .any(|s| matches!(s.action, Action::Write(_)));
        if durable && writes {
            let started = Instant::now();
            let temps = staged.iter().filter_map(|(path, s)| match &s.action {
                Action::Write(temp) => Some((path.under(&self.root), temp)),
                Action::Unchanged(_) => None,
            });
            durable::sync_data(&self.root, temps, &self.in_progress)?;
            report.sync_time += started.elapsed();
        }

        // Renames run in parallel: on a slow disk each one waits on the journal.
        self.strays_possible |= self.live.is_some();
        let total = staged
            .values()
            .filter(|s| matches!(s.action, Action::Write(_)))
            .count();
        let renamed: Vec<(OutputPath, Result<Entry>, bool)> = staged
            .into_par_iter()
            .map(|(path, staged)| match staged.action {
                Action::Unchanged(entry) => (path, Ok(entry), false),
                Action::Write(temp) => {
                    let full = path.under(&self.root);
                    let result = temp
                        .persist(&full)
                        .map_err(|e| OutputError::io("rename", &full, e))
                        .map(|((size, mtime_ns), mode)| Entry {
                            size,
                            mtime_ns,
                            hash: staged.hash,
                            mode: Some(mode),
                        });
                    (path, result, true)
                }
            })
            .collect();
        let mut manifest = match self.options.scope {
            CommitScope::Build => Manifest::new(&self.root),
            // What this commit does not write stays as recorded: nothing is pruned.
            CommitScope::Patch => self.previous.clone(),
        };
        let mut touched_dirs = BTreeSet::new();
        let mut failure = None;
        for (path, result, written) in renamed {
            match result {
                Ok(entry) => {
                    if written {
                        report.written += 1;
                        report.bytes_written += entry.size;
                        touched_dirs.insert(parent_of(&path.under(&self.root)));
                    } else {
                        report.unchanged += 1;
                    }
                    manifest.files.insert(path.as_str().to_string(), entry);
                }
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        if let Some(source) = failure {
            // Keep the old entries too, so that the next build can still prune them.
            for (path, entry) in &self.previous.files {
                manifest.files.entry(path.clone()).or_insert(*entry);
            }
            manifest.root_id = self.live.as_ref().and(sys::dir_id(&self.root));
            let _ = super::atomic::write_with(
                &self.manifest_file(),
                &manifest.to_json(),
                Durability::None,
            );
            return Err(OutputError::PartialCommit {
                done: report.written,
                total,
                source: Box::new(source),
            });
        }

        for old in self
            .previous
            .files
            .keys()
            .filter(|p| !manifest.files.contains_key(*p))
        {
            let full = self.root.join(old);
            let is_ours = fs::symlink_metadata(&full).is_ok_and(|m| !m.is_dir());
            if is_ours && fsops::remove_file(&full).is_ok() {
                report.pruned += 1;
                touched_dirs.insert(self.remove_empty_parents(&full));
            }
        }

        // Under swap, after a build stopped part-way: files it renamed into the standby that
        // this build does not write.
        if self.was_dirty && self.live.is_some() {
            let strays = publish::remove_strays(&self.root, &manifest);
            if strays > 0 {
                report.pruned += strays;
                touched_dirs.insert(self.root.clone());
            }
        }
        // A build that changed nothing, over output an earlier durable commit left, has
        // nothing to sync or record (a no-op rebuild stays cheap even while other writes
        // are pending on the file system).
        manifest.durable = durable;
        let unchanged = manifest.files == self.previous.files
            && (self.previous.durable || !durable)
            && report.written == 0
            && report.pruned == 0;
        if durable && !unchanged {
            let started = Instant::now();
            // The new directories' names are entries of their parents.
            let made = lock(&self.created_dirs).clone();
            touched_dirs.extend(made.iter().chain(&self.made_by_open).map(|d| parent_of(d)));
            durable::sync_dirs(&self.root, &touched_dirs)?;
            report.sync_time += started.elapsed();
        }
        let state = self.options.state_dir.clone();
        if let Some(mut run) = self.options.run.clone() {
            if let Some(map) = run.as_object_mut() {
                map.insert(
                    "committed".into(),
                    chrono::Utc::now()
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                        .into(),
                );
            }
            manifest.run = Some(run);
        }
        report.changes = changes(
            self.live.as_ref().map_or(&self.previous, |l| &l.manifest),
            &manifest,
        );
        match self.live.take() {
            // The standby now holds this build: swapped in unless the live tree already is
            // the same site, intact (a live file changed by hand, in place or replaced, is
            // repaired by the swap).
            Some(live) if !manifest.same_files(&live.manifest) || !live.all_intact() => {
                manifest.sequence = Some(live.manifest.next_sequence(&self.previous));
                let trees = Trees {
                    standby: self.root.clone(),
                    standby_manifest: Manifest::new(&self.root),
                    live,
                };
                publish::swap_in(trees, manifest, &state, self.options.durability)?;
                report.swapped = true;
            }
            Some(_) if unchanged => {}
            // Both manifests, not just the standby's: after a crash between an exchange and
            // its manifests, their file names may be crossed.
            Some(live) => {
                // A copy of the live generation, not an older one.
                manifest.sequence = live.manifest.sequence;
                manifest.root_id = sys::dir_id(&self.root);
                publish::record(&state, live.manifest, manifest, self.options.durability)?;
            }
            None if unchanged => {}
            None => {
                manifest.sequence = publish::files_sequence(&state, &self.previous, &manifest);
                super::atomic::write_with(
                    &state.join(MANIFEST_FILE),
                    &manifest.to_json(),
                    self.options.durability,
                )?;
            }
        }
        self.in_progress.end();
        self.finished = true;
        Ok(report)
    }

    /// Keeps `path` as the previous build wrote it, without new bytes: true if the manifest
    /// lists it with content hash `expected` (xxh3-128 of the bytes) and the file on disk
    /// still has the recorded size and mtime (then it counts as unchanged in this build);
    /// false if the caller must produce it again.
    ///
    /// The hash check matters: a caller's own record of what it wrote (a build cache) is a
    /// separate file from this writer's manifest, and a crash between saving the two leaves
    /// them describing different builds.
    pub fn keep(&self, path: impl AsRef<Path>, expected: u128) -> Result<bool> {
        let path = OutputPath::new(path.as_ref())?;
        match self.intact_entry(&path).filter(|e| e.hash.0 == expected) {
            Some(entry) => {
                let staged = Staged {
                    hash: entry.hash,
                    size: entry.size,
                    action: Action::Unchanged(entry),
                };
                self.stage(path, staged).map(|()| true)
            }
            // Under swap, the bytes may be in the live tree: linked from there.
            None => {
                let Some(live) = self.live.as_ref().filter(|_| !self.distrusted(&path)) else {
                    return Ok(false);
                };
                let Some(entry) = live.intact(path.as_str()).filter(|e| e.hash.0 == expected)
                else {
                    return Ok(false);
                };
                let target = self.prepare(Path::new(path.as_str()))?;
                match self.stage_linked(&target, entry.hash, entry.size) {
                    Some(staged) => staged.map(|()| true),
                    None => Ok(false),
                }
            }
        }
    }

    /// Keeps every file of the previous build if exactly the files `expected` names are
    /// listed, with those hashes, and all are intact on disk (see [`OutputWriter::keep`]);
    /// returns false, keeping nothing, otherwise.
    pub fn keep_all_if_intact(&self, expected: &BTreeMap<String, u128>) -> Result<bool> {
        self.keep_all_if(|files| lists_exactly(files, expected))
    }

    /// [`OutputWriter::keep_all_if_intact`] for the files and hashes `listing` is the
    /// digest of: a caller that kept only the digest of the last build's outputs need not
    /// load the whole list to learn that nothing changed.
    pub fn keep_all_if_listed(&self, listing: Listing) -> Result<bool> {
        self.keep_all_if(|files| Listing::of_entries(files) == listing)
    }

    fn keep_all_if(&self, lists: impl Fn(&BTreeMap<String, Entry>) -> bool) -> Result<bool> {
        if let Some(live) = &self.live {
            // Under swap the question is whether the live tree is this build already.
            let files = &live.manifest.files;
            let same_set = lists(files);
            // Not after a build was stopped part-way: its standby must be repaired first.
            let intact = same_set
                && !self.was_dirty
                && self.options.distrust.is_empty()
                && !files.is_empty()
                && lock(&self.staged).is_empty()
                && live.all_intact();
            self.noop.store(intact, Ordering::Relaxed);
            return Ok(intact);
        }
        let files = &self.previous.files;
        let same_set = lists(files);
        if !same_set || files.is_empty() {
            return Ok(false);
        }
        let paths: Vec<OutputPath> = files.keys().map(OutputPath::new).collect::<Result<_>>()?;
        let intact: Option<Vec<(OutputPath, Entry)>> = paths
            .into_par_iter()
            .map(|p| self.intact_entry(&p).map(|entry| (p, entry)))
            .collect();
        let Some(intact) = intact else {
            return Ok(false);
        };
        let mut staged = lock(&self.staged);
        if !staged.is_empty() {
            return Ok(false);
        }
        staged.extend(intact.into_iter().map(|(path, entry)| {
            let keep = Staged {
                hash: entry.hash,
                size: entry.size,
                action: Action::Unchanged(entry),
            };
            (path, keep)
        }));
        Ok(true)
    }

    fn intact_entry(&self, path: &OutputPath) -> Option<Entry> {
        if self.distrusted(path) {
            return None;
        }
        let entry = *self.previous.files.get(path.as_str())?;
        let stamp = sys::file_stamp(&self.root, self.root_dir.as_ref(), path.as_str())?;
        (stamp == (entry.size, entry.mtime_ns)).then_some(entry)
    }

    /// Removes every file the previous build wrote (never any other file), the directories
    /// that leaves empty (the output directory too, if empty) and the manifest. Used by
    /// A `clean` command: a commit of a build that produced nothing.
    pub fn remove_all(self) -> Result<WriteReport> {
        let (root, state) = (self.root.clone(), self.options.state_dir.clone());
        let report = self.finish()?;
        let _ = fsops::remove_file(&state.join(MANIFEST_FILE));
        let _ = fsops::remove_dir(&root);
        Ok(report)
    }

    /// Validates `raw`, makes sure its parent directory exists inside the output directory,
    /// and looks at what is at the target now.
    fn prepare(&self, raw: &Path) -> Result<Target> {
        if interrupt::is_interrupted() {
            return Err(OutputError::Interrupted);
        }
        let path = OutputPath::new(raw)?;
        let full = path.under(&self.root);
        if self.ensure_dir(&parent_of(&full), &path)? == DirState::Created {
            // A directory this build made holds nothing yet: no need to look.
            return Ok(Target {
                path,
                full,
                mode: None,
                stamp: None,
            });
        }
        // A distrusted file gets back the mode the manifest recorded.
        let recorded = || {
            let entry = self.previous.files.get(path.as_str());
            entry
                .and_then(|e| e.mode)
                .filter(|_| self.distrusted(&path))
        };
        let (mode, stamp) = match fs::symlink_metadata(&full) {
            Ok(m) if m.is_dir() => return Err(OutputError::TargetIsDirectory { path: full }),
            Ok(m) if m.is_file() => (
                Some(recorded().unwrap_or(m.permissions().mode() & 0o7777)),
                Some(temp::stamp_of(&m)),
            ),
            Ok(_) => (None, None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => (None, None),
            Err(e) => return Err(OutputError::io("inspect", &full, e)),
        };
        Ok(Target {
            path,
            full,
            mode,
            stamp,
        })
    }

    /// Creates `dir` and its missing parents; refuses a parent that is a symlink leading
    /// outside the output directory. Directories checked once are remembered. Returns
    /// whether this build created `dir` (then nothing is in it but this build's temps).
    fn ensure_dir(&self, dir: &Path, path: &OutputPath) -> Result<DirState> {
        if let Some(&state) = lock(&self.ready_dirs).get(dir) {
            return Ok(state);
        }
        let rel = dir.strip_prefix(&self.root).unwrap_or(Path::new(""));
        let mut current = self.root.clone();
        let mut state = DirState::Existing;
        for part in rel.components() {
            current.push(part);
            if let Some(&known) = lock(&self.ready_dirs).get(&current) {
                state = known;
                continue;
            }
            // mkdir first: in a fresh output most directories are new, and a failed mkdir
            // says what is there as well as a stat would.
            state = match fsops::create_dir(&current) {
                Ok(()) => {
                    lock(&self.created_dirs).push(current.clone());
                    DirState::Created
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    self.check_existing_dir(&current, path)?;
                    DirState::Existing
                }
                Err(e) => return Err(OutputError::io("create directory", &current, e)),
            };
            lock(&self.ready_dirs).insert(current.clone(), state);
        }
        Ok(state)
    }

    /// Accepts an existing `dir` that is a directory, or a symlink to one inside the output.
    fn check_existing_dir(&self, dir: &Path, path: &OutputPath) -> Result<()> {
        match fs::symlink_metadata(dir) {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(m) if m.file_type().is_symlink() => {
                let inside = fs::canonicalize(dir)
                    .is_ok_and(|real| real.starts_with(&self.root) && real.is_dir());
                if inside {
                    Ok(())
                } else {
                    Err(OutputError::PathEscape {
                        path: path.to_string(),
                        reason:
                            "a parent directory is a symlink leading outside the output directory",
                    })
                }
            }
            Ok(_) => {
                let source = io::Error::from_raw_os_error(libc::ENOTDIR);
                Err(OutputError::io("create directory", dir, source))
            }
            Err(e) => Err(OutputError::io("inspect", dir, e)),
        }
    }

    /// A temp for `target`: unnamed if possible; a named one only once the in-progress
    /// marker is durable (then a crash cannot leave it unswept).
    fn new_temp(&self, target: &Target) -> Result<TempFile> {
        let unnamed = match self.temp_kind {
            TempKind::PreferAnonymous => TempFile::create_anonymous(&target.full, target.mode).ok(),
            TempKind::Named => None,
        };
        if unnamed.is_none() {
            self.in_progress.make_durable()?;
        }
        let temp = match unnamed {
            Some(temp) => Ok(temp),
            None => TempFile::create(&target.full, target.mode, TempKind::Named),
        };
        temp.map_err(|e| {
            if interrupt::is_interrupted() {
                OutputError::Interrupted
            } else {
                OutputError::io("create temp file in", &parent_of(&target.full), e)
            }
        })
    }

    /// The manifest entry to keep if `target` already holds exactly these bytes.
    fn unchanged(&self, target: &Target, hash: ContentHash, size: u64) -> Option<Entry> {
        let (disk_size, mtime_ns) = target.stamp?;
        if disk_size != size {
            return None;
        }
        if self.distrusted(&target.path) {
            return None;
        }
        // The mode stays the one recorded when the file was written (`verify` reports a
        // `chmod` since); the disk's only where none was recorded.
        let recorded = self.previous.files.get(target.path.as_str());
        let entry = Entry {
            size,
            mtime_ns,
            hash,
            mode: recorded.and_then(|e| e.mode).or(target.mode),
        };
        if recorded == Some(&entry) {
            return Some(entry);
        }
        // Not (or differently) recorded: compare with what is on disk.
        let mut on_disk = Vec::with_capacity(size as usize);
        File::open(&target.full)
            .ok()?
            .read_to_end(&mut on_disk)
            .ok()?;
        (ContentHash::of(&on_disk) == hash).then_some(entry)
    }

    /// Stages `target` as its bytes already on disk, if they are exactly these.
    fn stage_if_unchanged(
        &self,
        target: &Target,
        hash: ContentHash,
        size: u64,
    ) -> Option<Result<()>> {
        let Some(entry) = self.unchanged(target, hash, size) else {
            return self.stage_linked(target, hash, size);
        };
        Some(self.stage(
            target.path.clone(),
            Staged {
                hash,
                size,
                action: Action::Unchanged(entry),
            },
        ))
    }

    /// Stages a streamed temp: unchanged bytes are dropped, others staged for the commit.
    pub(super) fn stage_streamed(
        &self,
        target: Target,
        hash: ContentHash,
        size: u64,
        temp: TempFile,
    ) -> Result<()> {
        match self.stage_if_unchanged(&target, hash, size) {
            Some(staged) => staged,
            None => self.stage_written(target, hash, size, temp),
        }
    }

    /// Stages a temp already known to differ from what is on disk.
    fn stage_written(
        &self,
        target: Target,
        hash: ContentHash,
        size: u64,
        mut temp: TempFile,
    ) -> Result<()> {
        let path_err = |e| OutputError::io("stage", &target.full, e);
        if self.options.durability == Durability::Fsync {
            temp.kick_writeback();
        }
        if !temp.is_anonymous() || self.open_fds.fetch_add(1, Ordering::Relaxed) >= self.fd_budget {
            // Naming an unnamed temp: see `new_temp`.
            self.in_progress.make_durable()?;
            temp.release_fd().map_err(path_err)?;
        }
        self.stage(
            target.path,
            Staged {
                hash,
                size,
                action: Action::Write(temp),
            },
        )
    }

    fn stage(&self, path: OutputPath, staged: Staged) -> Result<()> {
        let mut map = lock(&self.staged);
        match map.get(&path) {
            Some(earlier) if earlier.hash == staged.hash && earlier.size == staged.size => Ok(()),
            Some(_) => Err(OutputError::Conflict {
                path: path.under(&self.root),
            }),
            None => {
                map.insert(path, staged);
                Ok(())
            }
        }
    }

    /// Removes the now-empty parent directories of a pruned file, up to the output root, and
    /// returns the deepest directory that remains.
    fn remove_empty_parents(&self, pruned: &Path) -> PathBuf {
        let mut dir = parent_of(pruned);
        while dir != self.root && fsops::remove_dir(&dir).is_ok() {
            dir = parent_of(&dir);
        }
        dir
    }
}

impl Drop for OutputWriter {
    /// An unfinished writer discards its temps and the directories it created that are still
    /// empty: the output is left as it was. Under swap, the in-progress marker stays when the
    /// standby may hold stray files, so that the next writer removes them.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        lock(&self.staged).clear();
        for dir in lock(&self.created_dirs).iter().rev() {
            let _ = fsops::remove_dir(dir);
        }
        if !self.strays_possible {
            self.in_progress.end();
        }
    }
}

/// An output path after the checks, with what is there now.
#[derive(Clone)]
pub(super) struct Target {
    pub(super) path: OutputPath,
    pub(super) full: PathBuf,
    pub(super) mode: Option<u32>,
    pub(super) stamp: Option<(u64, i128)>,
}

/// Whether a manifest's `files` are exactly the paths of `expected`, with those hashes.
fn lists_exactly(files: &BTreeMap<String, Entry>, expected: &BTreeMap<String, u128>) -> bool {
    files.len() == expected.len()
        && files
            .iter()
            .zip(expected)
            .all(|((p, e), (q, h))| p == q && e.hash.0 == *h)
}

fn parent_of(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}
