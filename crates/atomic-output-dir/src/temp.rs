//! Temp files: where every byte of output lands before it is renamed into place.
//!
//! A temp lives in its target's own directory (so the final rename never crosses a file
//! system). It is unnamed where the platform allows (`O_TMPFILE`: nothing to clean up if the
//! process dies) and otherwise named `.<name>.sitegen-tmp-<uuid>`: a pattern that nothing else
//! uses, so a sweep after a crash removes only what this crate itself left. Named temps are
//! registered with [`super::interrupt`] so a SIGINT/SIGTERM can remove them before exiting.

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::error::OutputError;
use super::fsops::{self, SyncSite};
use super::marker::InProgress;
use super::{interrupt, sys};

const TEMP_MARK: &str = ".sitegen-tmp-";
const UUID_HEX_LEN: usize = 32;
const STEM_MAX: usize = 64;

/// Whether `name` (a single file name) is one of this crate's temp names.
pub(crate) fn is_temp_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.') else {
        return false;
    };
    if rest.len() < TEMP_MARK.len() + UUID_HEX_LEN {
        return false;
    }
    let (head, hex) = rest.split_at(rest.len() - UUID_HEX_LEN);
    head.ends_with(TEMP_MARK)
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn temp_name(stem: &str) -> String {
    let mut end = stem.len().min(STEM_MAX);
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        ".{}{}{}",
        &stem[..end],
        TEMP_MARK,
        uuid::Uuid::new_v4().simple()
    )
}

/// Whether to try an unnamed (`O_TMPFILE`) temp first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TempKind {
    /// Unnamed where the platform supports it, named otherwise.
    PreferAnonymous,
    /// Always named.
    Named,
}

/// An open temp file that is either persisted onto its target or removed when dropped.
#[derive(Debug)]
pub(crate) struct TempFile {
    /// `None` once the descriptor was released (only ever for a named temp).
    file: Option<File>,
    dir: PathBuf,
    stem: String,
    /// `None` while the temp is unnamed.
    name: Option<PathBuf>,
    /// Whether a file was at the target when the temp was made (then `persist` needs a rename).
    replaces: bool,
}

impl TempFile {
    /// Creates a temp for `target` in its directory. `mode` (that of the file now at the
    /// target, if any) is applied exactly; without one the file gets 0644 under the umask.
    pub(crate) fn create(target: &Path, mode: Option<u32>, kind: TempKind) -> io::Result<Self> {
        if kind == TempKind::PreferAnonymous {
            if let Ok(temp) = TempFile::create_anonymous(target, mode) {
                return Ok(temp);
            }
        }
        let (dir, stem) = place(target);
        let path = dir.join(temp_name(&stem));
        let file = interrupt::register_named_temp(&path, || fsops::create_new(&path, 0o644))?;
        TempFile {
            file: Some(file),
            dir,
            stem,
            name: Some(path),
            replaces: mode.is_some(),
        }
        .with_mode(mode)
    }

    /// An unnamed temp for `target`, as [`TempFile::create`]; an error where the platform or
    /// file system has none.
    pub(crate) fn create_anonymous(target: &Path, mode: Option<u32>) -> io::Result<Self> {
        let (dir, stem) = place(target);
        let file = fsops::open_anonymous(&dir, 0o644)?;
        TempFile {
            file: Some(file),
            dir,
            stem,
            name: None,
            replaces: mode.is_some(),
        }
        .with_mode(mode)
    }

    fn with_mode(mut self, mode: Option<u32>) -> io::Result<Self> {
        if let Some(mode) = mode.filter(|&m| Some(m) != sys::default_file_mode()) {
            fsops::set_mode(self.open_file()?, mode)?;
        }
        Ok(self)
    }

    /// A named temp beside `target` that is a hard link to `source` (the same inode: for
    /// bytes another tree already has). Renamed over `target` like any temp.
    pub(crate) fn hard_link(source: &Path, target: &Path) -> io::Result<Self> {
        let (dir, stem) = place(target);
        let path = dir.join(temp_name(&stem));
        interrupt::register_named_temp(&path, || fsops::hard_link(source, &path))?;
        Ok(TempFile {
            file: None,
            dir,
            stem,
            name: Some(path),
            replaces: true,
        })
    }

    /// The open file, for writing; an error once the descriptor was released.
    pub(crate) fn open_file(&mut self) -> io::Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("temp file descriptor already released"))
    }

    /// Names the temp (if unnamed) and closes its descriptor, to stay under the open-file limit
    /// while many files are staged.
    pub(crate) fn release_fd(&mut self) -> io::Result<()> {
        self.name_it()?;
        self.file = None;
        Ok(())
    }

    /// Whether the temp has no name (and so needs no cleanup if the process dies).
    pub(crate) fn is_anonymous(&self) -> bool {
        self.name.is_none()
    }

    /// Gives an unnamed temp a temp name, so its file descriptor can be closed.
    pub(crate) fn name_it(&mut self) -> io::Result<()> {
        if self.name.is_some() {
            return Ok(());
        }
        let Some(file) = &self.file else {
            return Err(io::Error::other("unnamed temp without a descriptor"));
        };
        let path = self.dir.join(temp_name(&self.stem));
        interrupt::register_named_temp(&path, || fsops::link_anonymous(file, &path))?;
        self.name = Some(path);
        Ok(())
    }

    /// Makes the temp's bytes durable now (`fsync`); `site` says which sync this is.
    pub(crate) fn sync(&self, site: SyncSite) -> io::Result<()> {
        match (&self.file, &self.name) {
            (Some(file), _) => fsops::sync_file(file, site),
            (None, Some(name)) => fsops::sync_file(&File::open(name)?, site),
            (None, None) => Err(io::Error::other("unnamed temp without a descriptor")),
        }
    }

    /// Starts writeback of the temp's data without waiting for it.
    pub(crate) fn kick_writeback(&self) {
        if let Some(file) = &self.file {
            fsops::kick_writeback(file)
        }
    }

    /// Atomically replaces `target` (a file or a symlink, never written through) with the temp.
    /// Returns the size and mtime of the file now at `target`, and its permission bits.
    pub(crate) fn persist(mut self, target: &Path) -> io::Result<((u64, i128), u32)> {
        let meta = match (&self.file, &self.name) {
            (Some(file), _) => file.metadata()?,
            (None, Some(name)) => fs::symlink_metadata(name)?,
            (None, None) => return Err(io::Error::other("unnamed temp without a descriptor")),
        };
        let stamp = (stamp_of(&meta), meta.permissions().mode() & 0o7777);
        if let (None, Some(file)) = (&self.name, &self.file) {
            // Fresh targets get their name in one step; existing ones need link + rename.
            if self.replaces {
                self.name_it()?;
            } else {
                match fsops::link_anonymous(file, target) {
                    Ok(()) => return Ok(stamp),
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => self.name_it()?,
                    Err(e) => return Err(e),
                }
            }
        }
        let Some(name) = self.name.take() else {
            return Err(io::Error::other("unnamed temp without a descriptor"));
        };
        match fsops::rename(&name, target) {
            Ok(()) => {
                interrupt::forget_named_temp(&name);
                Ok(stamp)
            }
            Err(e) => {
                self.name = Some(name);
                Err(e)
            }
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(name) = self.name.take() {
            let _ = fsops::remove_file(&name);
            interrupt::forget_named_temp(&name);
        }
    }
}

/// The directory of `target` and its file name (the stem of its temps' names).
fn place(target: &Path) -> (PathBuf, String) {
    let dir = target.parent().unwrap_or(Path::new(".")).to_path_buf();
    let stem = target
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    (dir, stem)
}

/// Size and mtime (ns since the epoch) from metadata.
pub(crate) fn stamp_of(meta: &fs::Metadata) -> (u64, i128) {
    let ns = match meta
        .modified()
        .map(|m| m.duration_since(std::time::UNIX_EPOCH))
    {
        Ok(Ok(d)) => d.as_nanos() as i128,
        Ok(Err(e)) => -(e.duration().as_nanos() as i128),
        Err(_) => 0,
    };
    (meta.len(), ns)
}

/// Whether unnamed temps can be linked into `dir` by this process: creates one and links it
/// under a temp name, then removes it. That name is made where a crash cannot leave it for
/// good: in the state directory (which every `open` sweeps) when it is on the same file
/// system, else in `dir` once the in-progress `marker` is durable.
pub(crate) fn anonymous_temps_work(dir: &Path, marker: &InProgress) -> Result<bool, OutputError> {
    let Ok(file) = fsops::open_anonymous(dir, 0o644) else {
        return Ok(false);
    };
    let device = |d: &Path| sys::dir_id(d).map(|(dev, _)| dev);
    let probe_dir = match device(dir).is_some() && device(dir) == device(marker.dir()) {
        true => marker.dir(),
        false => {
            marker.make_durable()?;
            dir
        }
    };
    let probe = probe_dir.join(temp_name("probe"));
    match fsops::link_anonymous(&file, &probe) {
        Ok(()) => {
            let _ = fsops::remove_file(&probe);
            Ok(true)
        }
        Err(_) => Ok(false),
    }
}

/// Removes this crate's temp files in `dir` (and below, if `recursive`); returns how many.
pub(crate) fn sweep(dir: &Path, recursive: bool) -> usize {
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .max_depth(if recursive { usize::MAX } else { 1 });
    walker
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && e.file_name().to_str().is_some_and(is_temp_name))
        .filter(|e| fsops::remove_file(e.path()).is_ok())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_match_only_their_pattern() {
        let name = temp_name("index.html");
        assert!(is_temp_name(&name), "{name}");
        assert!(is_temp_name(&temp_name("")));
        assert!(is_temp_name(&temp_name(&"é".repeat(100))));
        for other in [
            "index.html",
            ".index.html.sitegen-tmp-",
            ".index.html.sitegen-tmp-XYZ",
            ".x.sitegen-tmp-0123456789ABCDEF0123456789abcdef",
            "x.sitegen-tmp-0123456789abcdef0123456789abcdef",
            ".x.sitegen-tmp-0123456789abcdef0123456789abcde",
        ] {
            assert!(!is_temp_name(other), "{other}");
        }
    }
}
