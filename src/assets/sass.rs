//! Sass: every sheet of `sass/` (the site's with `compile_sass = true`; the theme's whenever
//! it has one, as in Zola) compiled with grass into a CSS file at the same relative path
//! (`sass/a/site.scss` -> `a/site.css`), compressed as Zola writes it. Files and directories
//! whose names start with `_` are partials: imported, never written. Both syntaxes are
//! compiled: `.scss`, and `.sass` (grass reads the indented syntax; it chooses by extension).
//!
//! Incremental builds: while compiling, every file the compiler read or looked for is
//! recorded (through a [`grass::Fs`] that records), and the sheet's key is a hash of those
//! files' current states. A later build whose recomputed key is the same keeps the CSS file
//! without compiling, so editing a partial compiles again exactly the sheets that import it.
//!
//! Not for: writing files (the caller's [`OutputWriter`] does), or watching them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use super::AssetError;
use crate::output::OutputWriter;

/// One sheet to compile: a `.scss` or `.sass` file that is not a partial.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sheet {
    /// The file (under the site's or the theme's `sass/`).
    pub source: PathBuf,
    /// Where its CSS goes, relative to the output directory (`a/site.css`).
    pub output: String,
    /// Under `--safe`, the directories its imports may be read from (see
    /// [`crate::safety::Safety::read_fence`]); `None`: anywhere, as in Zola.
    pub fence: Option<Vec<PathBuf>>,
}

/// The sheets of the theme's `sass/` (when there is a theme) and, when `site` is true, of the
/// site's; a site sheet replaces the theme's that writes the same CSS file. Sorted by output.
/// A directory that does not exist costs one `stat`.
pub fn sheets(root: &Path, theme_dir: Option<&Path>, site: bool) -> Result<Vec<Sheet>, AssetError> {
    let mut by_output = BTreeMap::new();
    if let Some(theme) = theme_dir {
        by_output.extend(sheets_in(&theme.join("sass"))?);
    }
    if site {
        by_output.extend(sheets_in(&root.join("sass"))?);
    }
    Ok(by_output
        .into_iter()
        .map(|(output, source)| Sheet {
            source,
            output,
            fence: None,
        })
        .collect())
}

/// The sheets of one `sass/` directory by output path; two sheets with one output (`a.scss`
/// and `a.sass`) are an error naming both, as in Zola.
fn sheets_in(dir: &Path) -> Result<BTreeMap<String, PathBuf>, AssetError> {
    let mut found = BTreeMap::new();
    if !dir.is_dir() {
        return Ok(found);
    }
    let partial =
        |e: &walkdir::DirEntry| e.depth() > 0 && e.file_name().to_string_lossy().starts_with('_');
    let walk = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !partial(e));
    for entry in walk {
        let entry = entry.map_err(|e| AssetError::SassWalk {
            dir: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        let is_sheet = entry
            .path()
            .extension()
            .is_some_and(|x| x == "scss" || x == "sass");
        if !entry.file_type().is_file() || !is_sheet {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let output = rel
            .with_extension("css")
            .to_string_lossy()
            .replace('\\', "/");
        if let Some(first) = found.insert(output.clone(), entry.path().to_path_buf()) {
            return Err(AssetError::SassConflict {
                first,
                second: entry.into_path(),
                output,
            });
        }
    }
    Ok(found)
}

/// A compiled sheet and what the compiler read or looked for to make it.
#[derive(Debug)]
pub struct Compiled {
    pub css: String,
    /// Every file read, and every path probed for an import (found or not), as given to the
    /// compiler's file system, made absolute and without `.`/`..`. Sorted.
    pub inputs: Vec<PathBuf>,
}

/// grass's file system, recording what it is asked about.
#[derive(Debug, Default)]
struct RecordingFs {
    seen: Mutex<BTreeSet<PathBuf>>,
    /// See [`Sheet::fence`].
    fence: Option<Vec<PathBuf>>,
    /// The first file refused by the fence: as written, and where it is.
    refused: Mutex<Option<(PathBuf, PathBuf)>>,
}

impl RecordingFs {
    fn note(&self, path: &Path) {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(normalized(path));
    }
}

impl grass::Fs for RecordingFs {
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn is_file(&self, path: &Path) -> bool {
        // A probe that finds nothing matters too: creating that file changes the import.
        self.note(path);
        // Under the fence, a file outside it is not there for the compiler (an error from
        // `read` would make grass panic), and the build says why the import failed.
        if let (Some(fence), Ok(target)) = (&self.fence, std::fs::canonicalize(path)) {
            if !fence.iter().any(|dir| target.starts_with(dir)) {
                let mut refused = self.refused.lock().unwrap_or_else(|p| p.into_inner());
                refused.get_or_insert((path.to_path_buf(), target));
                return false;
            }
        }
        path.is_file()
    }

    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.note(path);
        std::fs::read(path)
    }
}

/// `path` absolute, with `.` and `..` resolved lexically (grass asks for `a/../_b.scss`).
fn normalized(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    crate::lexical::lexical(&absolute)
}

/// Compiles one sheet. An error names the file it is in (the sheet or a partial), with
/// 1-based line and column.
pub fn compile(sheet: &Sheet) -> Result<Compiled, AssetError> {
    let fs = RecordingFs {
        fence: sheet.fence.clone(),
        ..RecordingFs::default()
    };
    let options = grass::Options::default()
        .style(grass::OutputStyle::Compressed)
        .fs(&fs);
    let css = grass::from_path(&sheet.source, &options).map_err(|e| {
        match fs.refused.lock().unwrap_or_else(|p| p.into_inner()).take() {
            Some((path, target)) => AssetError::SassRead {
                file: sheet.source.clone(),
                message: format!(
                    "imports {} (at {}), outside the site: refused under --safe",
                    path.display(),
                    target.display()
                ),
            },
            None => sass_error(&sheet.source, *e),
        }
    })?;
    let inputs = fs
        .seen
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .collect();
    Ok(Compiled { css, inputs })
}

fn sass_error(sheet: &Path, error: grass::Error) -> AssetError {
    let fallback = error.to_string();
    match error.kind() {
        grass::ErrorKind::ParseError { message, loc, .. } => AssetError::Sass {
            file: PathBuf::from(loc.file.name()),
            line: loc.begin.line + 1,
            column: loc.begin.column + 1,
            message,
        },
        grass::ErrorKind::IoError(e) => AssetError::SassRead {
            file: sheet.to_path_buf(),
            message: e.to_string(),
        },
        grass::ErrorKind::FromUtf8Error(message) => AssetError::SassRead {
            file: sheet.to_path_buf(),
            message,
        },
        _ => AssetError::SassRead {
            file: sheet.to_path_buf(),
            message: fallback,
        },
    }
}

/// What the previous build recorded of a sheet's CSS file.
#[derive(Clone, Debug)]
pub struct Previous {
    /// The files its compile read or looked for (see [`relative`]).
    pub inputs: Vec<String>,
    /// Its key then (see [`key`]).
    pub key: u128,
    /// The hash of the CSS bytes (the output writer's).
    pub hash: u128,
}

/// A sheet's CSS file in this build.
#[derive(Clone, Debug)]
pub struct Written {
    pub output: String,
    pub hash: u128,
    pub key: u128,
    pub inputs: Vec<String>,
    /// False when the previous file was kept without compiling.
    pub compiled: bool,
}

/// The key of a sheet: a hash of its output path and of the current state of each of the
/// files its compile read or looked for (`state` of a path: a content hash, or anything
/// that says it is missing).
pub fn key(output: &str, inputs: &[String], state: &(dyn Fn(&str) -> String + Sync)) -> u128 {
    let mut h = Xxh3::new();
    for part in [env!("CARGO_PKG_VERSION"), "sass", output] {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    for input in inputs {
        h.update(input.as_bytes());
        h.update(&[0]);
        h.update(state(input).as_bytes());
        h.update(&[0]);
    }
    h.digest128()
}

/// `path` relative to `root` when inside it (as the build cache records files), else
/// absolute; `/`-separated.
pub fn relative(root: &Path, path: &Path) -> String {
    let root = normalized(root);
    let path = normalized(path);
    path.strip_prefix(&root)
        .unwrap_or(&path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Compiles the sheets (in parallel) and writes their CSS through `writer`, except those
/// whose recorded inputs are unchanged and whose file is intact: those are kept. The first
/// error (in sheet order) is returned and nothing of this build is committed by the caller.
pub fn write_sheets(
    sheets: &[Sheet],
    root: &Path,
    writer: &OutputWriter,
    previous: &(dyn Fn(&str) -> Option<Previous> + Sync),
    state: &(dyn Fn(&str) -> String + Sync),
) -> Result<Vec<Written>, AssetError> {
    let results: Vec<Result<Written, AssetError>> = sheets
        .par_iter()
        .map(|sheet| {
            if let Some(before) = previous(&sheet.output) {
                let same = key(&sheet.output, &before.inputs, state) == before.key;
                if same && writer.keep(&sheet.output, before.hash)? {
                    return Ok(Written {
                        output: sheet.output.clone(),
                        hash: before.hash,
                        key: before.key,
                        inputs: before.inputs,
                        compiled: false,
                    });
                }
            }
            let compiled = compile(sheet)?;
            let inputs: Vec<String> = compiled.inputs.iter().map(|p| relative(root, p)).collect();
            let hash = writer.write(&sheet.output, compiled.css.as_bytes())?;
            Ok(Written {
                output: sheet.output.clone(),
                hash,
                key: key(&sheet.output, &inputs, state),
                inputs,
                compiled: true,
            })
        })
        .collect();
    results.into_iter().collect()
}
