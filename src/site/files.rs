//! The build's files besides templates: static files to copy and input hashes for the cache.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use super::claims::Step;
use super::BuildError;
use crate::cache::{hash_hex, InputRecord};
use crate::content::{walk_error, Library};
use crate::safety::{OutsideLink, Safety, SafetyError};

/// A file copied into the output: from a `static/` directory or a content asset.
pub(super) struct StaticCopy {
    pub(super) rel: String,
    pub(super) source: PathBuf,
    /// The step of Zola's build that copies it ([`Step::ThemeStatic`], [`Step::SiteStatic`]
    /// or [`Step::Asset`]).
    pub(super) step: Step,
}

/// What [`static_files`] found.
pub(super) struct StaticFiles {
    pub(super) copies: Vec<StaticCopy>,
    /// Files directly in the site's `static/processed_images/`, not copied (see below).
    pub(super) stale_images: Vec<String>,
}

/// Files to copy: the theme's `static/` and the site's (whose file replaces the theme's of
/// the same name, as Zola copies the site's last), sorted by output path, then the assets
/// of sections and pages that are written. Which of these and the generated outputs wins on
/// a shared path is for [`super::claims`].
///
/// The files directly in the site's `static/processed_images/` are not copied: Zola keeps
/// its processed images there, and before it copies `static/` it deletes from that folder
/// every file its build does not make (`Processor::prune`), so none of them reaches its
/// output but this build's images, which sitegen publishes itself. Sites often commit the
/// folder from an older Zola's build. sitegen leaves the folder as it is (it never writes
/// into the sources) and names what it left out.
pub(super) fn static_files(
    root: &Path,
    theme_dir: Option<&Path>,
    library: &Library,
    written: &[bool],
    ignored: Option<&globset::GlobSet>,
) -> StaticFiles {
    let mut files = std::collections::BTreeMap::new();
    let mut stale_images = Vec::new();
    let mut add_dir = |dir: PathBuf, step: Step| {
        if !dir.is_dir() {
            return;
        }
        for entry in walkdir::WalkDir::new(&dir)
            .follow_links(true)
            .into_iter()
            .filter_map(|e| e.ok())
        {
            // `ignored_static` globs match the file's path, as in Zola.
            if entry.file_type().is_file() && !ignored.is_some_and(|g| g.is_match(entry.path())) {
                let rel = entry
                    .path()
                    .strip_prefix(&dir)
                    .unwrap_or(entry.path())
                    .to_string_lossy()
                    .replace('\\', "/");
                let in_images = rel
                    .strip_prefix("processed_images/")
                    .is_some_and(|name| !name.contains('/'));
                if step == Step::SiteStatic && in_images {
                    stale_images.push(rel);
                    continue;
                }
                files.insert(rel, (entry.path().to_path_buf(), step));
            }
        }
    };
    if let Some(theme) = theme_dir {
        add_dir(theme.join("static"), Step::ThemeStatic);
    }
    add_dir(root.join("static"), Step::SiteStatic);
    stale_images.sort();
    let mut copies: Vec<StaticCopy> = files
        .into_iter()
        .map(|(rel, (source, step))| StaticCopy { rel, source, step })
        .collect();
    let asset = |rel: String, source: &PathBuf| StaticCopy {
        rel,
        source: source.clone(),
        step: Step::Asset,
    };
    for section in library.sections.iter().filter(|s| s.source.is_some()) {
        for source in &section.assets {
            if let Some(name) = source.file_name() {
                let dir = section.url_path.trim_start_matches('/');
                copies.push(asset(format!("{dir}{}", name.to_string_lossy()), source));
            }
        }
    }
    for (page, _) in library.pages.iter().zip(written).filter(|(_, w)| **w) {
        let Some(bundle_dir) = page.source.parent() else {
            continue;
        };
        for source in &page.assets {
            if let Ok(rel) = source.strip_prefix(bundle_dir) {
                let dir = page.url_path.trim_start_matches('/');
                let rel = rel.to_string_lossy().replace('\\', "/");
                copies.push(asset(format!("{dir}{rel}"), source));
            }
        }
    }
    StaticFiles {
        copies,
        stale_images,
    }
}

/// One input file as [`list_inputs`] found it, not read yet.
pub(super) struct Listed {
    /// Relative to the site root (absolute for a file outside it).
    pub(super) rel: String,
    /// `None`: a file the previous build's functions looked for that does not exist.
    path: Option<PathBuf>,
    pub(super) size: u64,
    pub(super) mtime_ns: i128,
}

/// Every input file of the build (config, content, templates, static, theme, and `sass/`
/// when it is compiled, and the files the previous build's functions read or looked for)
/// with its size and mtime, in path order.
///
/// On the way it finds what [`crate::safety`] is about: symlinks leading out of the site (an
/// error under `--safe`, before anything is read through them; else a warning each) and
/// special files (FIFOs, sockets, devices: skipped, with a warning each). Warnings go to
/// `notes`, which dedupes them across the calls of one build.
pub(super) fn list_inputs(
    root: &Path,
    config_file: &Path,
    theme_dir: Option<&Path>,
    sass_dir: Option<&Path>,
    read_files: &[String],
    safety: &Safety,
    notes: &RefCell<BTreeSet<String>>,
) -> Result<Vec<Listed>, BuildError> {
    let mut dirs = vec![
        root.join("content"),
        root.join("templates"),
        root.join("static"),
    ];
    dirs.extend(theme_dir.map(Path::to_path_buf));
    dirs.extend(sass_dir.map(Path::to_path_buf));
    let mut files: Vec<PathBuf> = vec![config_file.to_path_buf()];
    // Links: the walks' roots and the config (any may be a link), and every link met.
    let mut links: Vec<PathBuf> = vec![config_file.to_path_buf()];
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        links.push(dir.clone());
        for entry in walkdir::WalkDir::new(dir).follow_links(true) {
            let entry = entry.map_err(|e| walk_error(e, dir))?;
            if entry.path_is_symlink() && entry.depth() > 0 {
                links.push(entry.path().to_path_buf());
            }
            let kind = entry.file_type();
            if kind.is_file() {
                files.push(entry.into_path());
            } else if !kind.is_dir() {
                notes.borrow_mut().insert(format!(
                    "{}: skipped: {}, not a file",
                    entry.path().display(),
                    special_kind(&kind)
                ));
            }
        }
    }
    check_links(root, &links, safety, notes)?;
    // Files the previous build's functions read or looked for; a missing one is recorded as
    // missing, so that creating it is a change.
    let mut missing = Vec::new();
    for rel in read_files {
        let path = root.join(rel);
        if path.is_file() {
            files.push(path);
        } else {
            missing.push(rel.clone());
        }
    }
    let mut listed: Vec<Listed> = files
        .into_par_iter()
        .filter_map(|f| {
            let (size, mtime_ns) = stamp(&std::fs::metadata(&f).ok()?);
            let rel = f
                .strip_prefix(root)
                .unwrap_or(&f)
                .to_string_lossy()
                .replace('\\', "/");
            Some(Listed {
                rel,
                path: Some(f),
                size,
                mtime_ns,
            })
        })
        .collect();
    listed.par_sort_by(|a, b| a.rel.cmp(&b.rel));
    listed.dedup_by(|a, b| a.rel == b.rel);
    let found = listed.len();
    for rel in missing {
        if listed[..found]
            .binary_search_by(|l| l.rel.as_str().cmp(&rel))
            .is_err()
        {
            listed.push(Listed {
                rel,
                path: None,
                size: 0,
                mtime_ns: 0,
            });
        }
    }
    listed.sort_by(|a, b| a.rel.cmp(&b.rel));
    listed.dedup_by(|a, b| a.rel == b.rel);
    Ok(listed)
}

/// Which links of `links` (paths in the site) lead out of it: under `--safe` the first one
/// (in path order) fails the build, else each is a warning.
fn check_links(
    root: &Path,
    links: &[PathBuf],
    safety: &Safety,
    notes: &RefCell<BTreeSet<String>>,
) -> Result<(), BuildError> {
    let Ok(root) = std::fs::canonicalize(root) else {
        return Ok(());
    };
    let mut outside: Vec<OutsideLink> = links
        .par_iter()
        .filter_map(|link| {
            let target = std::fs::canonicalize(link).ok()?;
            safety.leads_outside(&root, &target).then(|| OutsideLink {
                link: link.clone(),
                target,
            })
        })
        .collect();
    outside.sort();
    // A link inside a linked directory is reported through that directory only.
    outside.dedup_by(|inner, outer| inner.link.starts_with(&outer.link));
    if safety.is_safe() {
        if let Some(OutsideLink { link, target }) = outside.into_iter().next() {
            return Err(SafetyError::OutsideLink { link, target }.into());
        }
        return Ok(());
    }
    notes
        .borrow_mut()
        .extend(outside.iter().map(OutsideLink::warning));
    Ok(())
}

/// What a special file is, for its warning.
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

/// Whether every listed file was last changed more than two seconds ago (see
/// [`hash_inputs`]): only then may its size and mtime stand for its content.
pub(super) fn all_settled(listed: &[Listed]) -> bool {
    let now = now_ns();
    listed.iter().all(|l| settled(now, l.mtime_ns))
}

fn now_ns() -> i128 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(_) => 0,
    }
}

/// A file changed within the last seconds may change again within one mtime tick without
/// a size change: such files are always hashed.
fn settled(now_ns: i128, mtime_ns: i128) -> bool {
    now_ns - mtime_ns > 2_000_000_000
}

/// The listed inputs with their hashes. A file whose size and mtime are those in
/// `previous` keeps its recorded hash without being read: the cheap first filter of an
/// incremental build. A file that cannot be read is left out, as one that vanished.
pub(super) fn hash_inputs(
    listed: Vec<Listed>,
    previous: Option<&BTreeMap<String, InputRecord>>,
) -> BTreeMap<String, InputRecord> {
    let now = now_ns();
    let hashed: Vec<Option<(String, InputRecord)>> = listed
        .into_par_iter()
        .map(|l| {
            let Some(path) = l.path else {
                let record = InputRecord {
                    size: 0,
                    mtime_ns: 0,
                    hash: MISSING.into(),
                };
                return Some((l.rel, record));
            };
            let known = previous.and_then(|p| p.get(&l.rel)).filter(|r| {
                settled(now, l.mtime_ns) && r.size == l.size && r.mtime_ns == l.mtime_ns
            });
            let hash = match known {
                Some(record) => record.hash.clone(),
                None => hash_hex(&std::fs::read(&path).ok()?),
            };
            let record = InputRecord {
                size: l.size,
                mtime_ns: l.mtime_ns,
                hash,
            };
            Some((l.rel, record))
        })
        .collect();
    hashed.into_iter().flatten().collect()
}

/// [`hash_inputs`] of [`list_inputs`] (`sitegen status`: reads nothing through the links it
/// lists, so it neither refuses nor warns).
pub(super) fn scan_inputs(
    root: &Path,
    config_file: &Path,
    theme_dir: Option<&Path>,
    sass_dir: Option<&Path>,
    previous: Option<&BTreeMap<String, InputRecord>>,
    read_files: &[String],
) -> Result<BTreeMap<String, InputRecord>, BuildError> {
    let notes = RefCell::default();
    let trusted = &Safety::Trusted;
    let listed = list_inputs(
        root,
        config_file,
        theme_dir,
        sass_dir,
        read_files,
        trusted,
        &notes,
    )?;
    Ok(hash_inputs(listed, previous))
}

/// One hash of every input (path and content hash): what a generation was built from.
pub(super) fn inputs_fingerprint(inputs: &BTreeMap<String, InputRecord>) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for (rel, record) in inputs {
        h.update(rel.as_bytes());
        h.update(&[0]);
        h.update(record.hash.as_bytes());
        h.update(&[0]);
    }
    format!("{:032x}", h.digest128())
}

/// The hash recorded for a file a function looked for and did not find.
const MISSING: &str = "missing";

/// Adds to `inputs` the files this build's functions read or looked for that it did not
/// scan (a file read for the first time): the next build scans them, and must find them
/// recorded to see that nothing changed.
pub(super) fn add_read_inputs(
    root: &Path,
    inputs: &mut BTreeMap<String, InputRecord>,
    read_files: &[String],
) {
    for rel in read_files {
        if inputs.contains_key(rel) {
            continue;
        }
        let path = root.join(rel);
        let record = match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => {
                let Ok(bytes) = std::fs::read(&path) else {
                    continue;
                };
                let (size, mtime_ns) = stamp(&meta);
                InputRecord {
                    size,
                    mtime_ns,
                    hash: hash_hex(&bytes),
                }
            }
            _ => InputRecord {
                size: 0,
                mtime_ns: 0,
                hash: MISSING.into(),
            },
        };
        inputs.insert(rel.clone(), record);
    }
}

/// `files` as the build cache records them: relative to `root` when inside it.
pub(super) fn relative_to_root(root: &Path, files: Vec<PathBuf>) -> Vec<String> {
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let mut rels: Vec<String> = files
        .into_iter()
        .map(|f| {
            let f = std::path::absolute(&f).unwrap_or(f);
            f.strip_prefix(&root)
                .unwrap_or(&f)
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    rels.sort();
    rels.dedup();
    rels
}

fn stamp(meta: &std::fs::Metadata) -> (u64, i128) {
    let mtime_ns = match meta
        .modified()
        .map(|m| m.duration_since(std::time::UNIX_EPOCH))
    {
        Ok(Ok(d)) => d.as_nanos() as i128,
        _ => 0,
    };
    (meta.len(), mtime_ns)
}

/// A hash of the files at `entries` (paths relative to `root`; a directory stands for every
/// file below it) and the files themselves, to be recorded as inputs: the highlighting
/// themes and grammars a site names. A missing entry hashes as missing.
pub(super) fn tree_hash<'a>(
    root: &Path,
    entries: impl IntoIterator<Item = &'a String>,
) -> (u128, Vec<PathBuf>) {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let mut files = Vec::new();
    for entry in entries {
        let path = root.join(entry);
        h.update(entry.as_bytes());
        h.update(&[0]);
        let mut found: Vec<PathBuf> = walkdir::WalkDir::new(&path)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect();
        if found.is_empty() {
            h.update(MISSING.as_bytes());
            found.push(path);
        }
        for file in &found {
            h.update(&std::fs::read(file).unwrap_or_default());
            h.update(&[0]);
        }
        files.extend(found);
    }
    (h.digest128(), files)
}
