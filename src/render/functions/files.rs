//! Where the template functions that read files (`load_data`, `get_hash`,
//! `get_image_metadata`, `resize_image`, `get_url(cachebust=true)`) look for them, and which
//! files they read.
//!
//! Zola resolves such a path against a fixed list of places (`search_for_file` in its
//! `components/templates/src/global_fns/helpers.rs`); a site built here must find the same
//! file, so [`FileScope::find`] follows Zola 0.22's order:
//!
//! 1. `@/x` means `content/x`; any other leading `/` is dropped;
//! 2. the first of these that is a file wins: `<root>/<path>`, `<root>/static/<path>`,
//!    `<root>/content/<path>`, `<output>/<path>`, `<theme>/static/<path>` (only with a theme),
//!    each resolved by its text (`static/../theme.toml` is `<root>/theme.toml`), so that a
//!    `../theme.toml` asked from a template finds what Zola finds.
//!
//! The output directory holds, while Zola renders templates, what it wrote before them:
//! compiled Sass and the search index. Here those are the build's [`Generated`] files, their
//! bytes as this build makes them (the output is committed only at the end).
//!
//! Two deliberate differences:
//! - a candidate that climbs out of the site is refused with an error when it is a file there,
//!   and passed over when it is not (Zola checks only the first candidate, after following
//!   symlinks, and reads a later one wherever it is);
//! - a path into the output directory through the site (`public/style.css`, the first place
//!   when the site builds into `public`) never reads the disk, where a previous build's
//!   output would be: it names the generated file at the rest of the path (`style.css`), or
//!   nothing. Zola reads whatever its output directory holds, so this works there only when
//!   it builds into `public`: it is accepted with one warning per path naming the templates.
//!
//! Every file resolved is recorded: what a template read through these functions is an input
//! of its output, and the build needs the list to know when to render it again. Generated
//! files are not inputs (theirs are). Renders run in parallel, so the records sit behind
//! mutexes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use tera::{Error, Result as TeraResult};

use super::generated::{Generated, GeneratedFile};
use crate::assets::images::Processor;
use crate::safety::Safety;

/// The largest file a template function reads (1 GiB).
pub const MAX_READ_BYTES: u64 = 1 << 30;

/// Whether `load_data(url=...)` may go to the network when the answer is not cached yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network {
    Allowed,
    Offline,
}

/// The places file-reading functions search, the download cache, and the record of files read.
#[derive(Debug)]
pub struct FileScope {
    root: PathBuf,
    theme: Option<PathBuf>,
    /// The output directories inside the site, relative to `root` (`public`).
    output_dirs: Vec<PathBuf>,
    /// What the build wrote before templates render; set once, before they do.
    generated: OnceLock<Generated>,
    cache_dir: PathBuf,
    network: Network,
    read: Mutex<BTreeSet<PathBuf>>,
    /// Paths into the output directory that were accepted: by (function, path), the
    /// generated file's output path and what made it, and the templates that asked.
    accepted: Mutex<BTreeMap<(String, String), Accepted>>,
    /// The build's image processor (`resize_image`), shared with the other scope.
    images: Option<Arc<Processor>>,
    /// `--safe`: no file outside the site read through a symlink, only allowed URLs.
    safety: Safety,
}

impl FileScope {
    /// `root` is the site directory (where the config file is); `theme` the theme's directory
    /// (`themes/<name>`, relative to `root` or absolute); `cache_dir` where downloaded URLs are
    /// kept between builds (inside the site's state directory).
    pub fn new(
        root: PathBuf,
        theme: Option<PathBuf>,
        cache_dir: PathBuf,
        network: Network,
    ) -> Self {
        let theme = theme.map(|t| if t.is_absolute() { t } else { root.join(t) });
        FileScope {
            root,
            theme,
            output_dirs: Vec::new(),
            generated: OnceLock::new(),
            cache_dir,
            network,
            read: Mutex::new(BTreeSet::new()),
            accepted: Mutex::new(BTreeMap::new()),
            images: None,
            safety: Safety::Trusted,
        }
    }

    /// Reads under `safety` (see [`crate::safety`]).
    pub fn with_safety(mut self, safety: Safety) -> Self {
        self.safety = safety;
        self
    }

    /// How much the build trusts the site.
    pub fn safety(&self) -> &Safety {
        &self.safety
    }

    /// Under `--safe`, the error for a `candidate` file that a symlink leads out of the site
    /// (and out of the allowed directories).
    fn refuse_outside(&self, function: &str, path: &str, candidate: &Path) -> TeraResult<()> {
        if !self.safety.is_safe() {
            return Ok(());
        }
        let (Ok(root), Ok(target)) = (
            std::fs::canonicalize(&self.root),
            std::fs::canonicalize(candidate),
        ) else {
            return Ok(());
        };
        match self.safety.leads_outside(&root, &target) {
            false => Ok(()),
            true => Err(Error::msg(format!(
                "`{function}`: `{path}` leads outside the site through a symlink (to `{}`): \
                 refused under --safe (`--allow-dir DIR` allows a directory)",
                target.display()
            ))),
        }
    }

    /// Lets `resize_image` use `images`.
    pub fn with_images(mut self, images: Arc<Processor>) -> Self {
        self.images = Some(images);
        self
    }

    /// The image processor, when this build has one.
    pub fn images(&self) -> Option<&Processor> {
        self.images.as_deref()
    }

    /// Names the directories this build's output goes to (the configured `output_dir` and
    /// the one given on the command line): a path into one of them that lies inside the site
    /// is a path into the output (see the module doc). Directories outside the site are
    /// never reached by a path here, and are dropped.
    pub fn with_output_dirs(mut self, dirs: impl IntoIterator<Item = PathBuf>) -> Self {
        let root = lexical(&std::path::absolute(&self.root).unwrap_or(self.root.clone()));
        for dir in dirs {
            let dir = if dir.is_absolute() {
                dir
            } else {
                self.root.join(dir)
            };
            let dir = lexical(&std::path::absolute(&dir).unwrap_or(dir));
            if let Ok(rel) = dir.strip_prefix(&root) {
                if rel.components().next().is_some() && !self.output_dirs.iter().any(|d| d == rel) {
                    self.output_dirs.push(rel.to_path_buf());
                }
            }
        }
        self
    }

    /// Sets the files this build wrote before templates render. Only the first call counts.
    pub fn set_generated(&self, generated: Generated) {
        let _ = self.generated.set(generated);
    }

    fn generated(&self, output: &Path) -> Option<&Arc<GeneratedFile>> {
        let output = output.to_str()?.replace('\\', "/");
        self.generated.get()?.get(&output)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn content_dir(&self) -> PathBuf {
        self.root.join("content")
    }

    /// The site's `static/` and, with a theme, the theme's `static/`.
    pub fn static_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.root.join("static")];
        dirs.extend(self.theme.as_ref().map(|t| t.join("static")));
        dirs
    }

    pub fn cache_dir(&self) -> &Path {
        &self.cache_dir
    }

    pub fn network(&self) -> Network {
        self.network
    }

    /// The places a relative path is looked up in, in Zola's order; `None` is the output
    /// directory (the generated files).
    fn search_dirs(&self) -> Vec<Option<PathBuf>> {
        let mut dirs = vec![
            Some(self.root.clone()),
            Some(self.root.join("static")),
            Some(self.content_dir()),
            None,
        ];
        dirs.extend(self.theme.as_ref().map(|t| Some(t.join("static"))));
        dirs
    }

    /// Finds the file `path` names, as Zola does (see the module doc), and records it.
    /// `Ok(None)`: no such file. `function` names the caller in errors.
    pub fn find(&self, function: &str, path: &str) -> TeraResult<Option<Found>> {
        let written = written_path(function, path)?;
        let at_root = within(Path::new(""), &written);
        if at_root.as_ref().is_some_and(|r| r.as_os_str().is_empty()) {
            return Err(Error::msg(format!("`{function}`: `{path}` names no file")));
        }
        if let Some(output) = at_root.as_deref().and_then(|r| self.in_output_dir(r)) {
            let found = self.generated(output).cloned();
            if let Some(file) = &found {
                self.accept(function, path, file);
            }
            return Ok(found.map(Found::Generated));
        }
        // Every place looked at is recorded, found or not: creating a file at an earlier
        // place (or at all, for a missing one) changes what this call returns.
        for dir in self.search_dirs() {
            let Some(dir) = dir else {
                // The output directory: a path that stays inside it names a generated file.
                match at_root.as_deref().and_then(|r| self.generated(r).cloned()) {
                    Some(file) => return Ok(Some(Found::Generated(file))),
                    None => continue,
                }
            };
            // Each candidate resolved by its text (`static/../x` is `x`); one that leaves
            // the site is refused if it is a file, else passed over, as Zola passes over a
            // candidate that does not exist.
            // A theme outside the site: its `static/` is the ground its paths stand on.
            let (base, anchor) = match dir.strip_prefix(&self.root) {
                Ok(base) => (base.to_path_buf(), self.root.as_path()),
                Err(_) => (PathBuf::new(), dir.as_path()),
            };
            let Some(rel) = within(&base, &written) else {
                let outside = dir.join(&written);
                let outside = lexical(&std::path::absolute(&outside).unwrap_or(outside));
                if outside.is_file() {
                    return Err(Error::msg(format!(
                        "`{function}`: `{path}` is outside the site directory (`{}`)",
                        outside.display()
                    )));
                }
                continue;
            };
            let candidate = anchor.join(rel);
            self.record(&candidate);
            if candidate.is_file() {
                self.refuse_outside(function, path, &candidate)?;
                return Ok(Some(Found::File(candidate)));
            }
        }
        Ok(None)
    }

    /// Like [`FileScope::find`], but a missing file is an error naming `path` and where
    /// it was looked for.
    pub fn find_existing(&self, function: &str, path: &str) -> TeraResult<Found> {
        self.find(function, path)?
            .ok_or_else(|| self.missing(function, path))
    }

    /// Like [`FileScope::find`], for functions that read a source file on disk (images): a
    /// generated file is an error.
    pub fn resolve(&self, function: &str, path: &str) -> TeraResult<Option<PathBuf>> {
        match self.find(function, path)? {
            None => Ok(None),
            Some(Found::File(file)) => Ok(Some(file)),
            Some(Found::Generated(file)) => Err(Error::msg(format!(
                "`{function}`: `{path}` is `{}` of this build's output ({}), not a source file",
                file.output(),
                file.what()
            ))),
        }
    }

    /// Like [`FileScope::resolve`], but a missing file is an error naming `path`.
    pub fn resolve_existing(&self, function: &str, path: &str) -> TeraResult<PathBuf> {
        self.resolve(function, path)?
            .ok_or_else(|| self.missing(function, path))
    }

    /// The error for a `path` found nowhere: it says where it was looked for.
    pub fn missing(&self, function: &str, path: &str) -> Error {
        let Some(rel) = written_path(function, path)
            .ok()
            .map(|w| within(Path::new(""), &w).unwrap_or(w))
        else {
            return Error::msg(format!("`{function}`: cannot find file `{path}`"));
        };
        let rel_s = rel.display();
        let generated = self.generated.get().is_some();
        if let Some(dir) = self.output_dirs.iter().find(|d| rel.starts_with(d)) {
            let readable = match generated {
                true => {
                    "where templates can read only what the build writes before they \
                         render (compiled Sass, search indexes)"
                }
                false => {
                    "which shortcodes cannot read (they render before the build writes \
                          anything)"
                }
            };
            return Error::msg(format!(
                "`{function}`: cannot find file `{path}`: `{}` is the output directory, \
                 {readable}",
                dir.display()
            ));
        }
        let mut places = vec![
            format!("the site directory `{}`", self.root.display()),
            "static/".into(),
        ];
        places.push("content/".into());
        if generated {
            places.push("the build's compiled Sass and search indexes".into());
        }
        if let Some(theme) = &self.theme {
            let theme = theme.strip_prefix(&self.root).unwrap_or(theme);
            places.push(format!("{}/", theme.join("static").display()));
        }
        Error::msg(format!(
            "`{function}`: cannot find file `{path}` (looked for `{rel_s}` in {})",
            places.join(", ")
        ))
    }

    /// The bytes of a found file; the error names the function and the file.
    pub fn read(&self, function: &str, found: &Found) -> TeraResult<Arc<[u8]>> {
        match found {
            Found::File(file) => self.read_bytes(function, file).map(Arc::from),
            Found::Generated(file) => file.bytes().map_err(|e| {
                Error::msg(format!(
                    "`{function}`: cannot make `{}` ({}): {e}",
                    file.output(),
                    file.what()
                ))
            }),
        }
    }

    /// The output path in `rel` when it goes into an output directory through the site.
    fn in_output_dir<'a>(&self, rel: &'a Path) -> Option<&'a Path> {
        self.output_dirs
            .iter()
            .find_map(|dir| rel.strip_prefix(dir).ok())
    }

    /// Notes that `function(path=...)` was taken to mean the generated `file`, naming the
    /// template being rendered (a call made outside a render, to see whether a kept output
    /// is still current, is not noted: the render that made the output was).
    fn accept(&self, function: &str, path: &str, file: &GeneratedFile) {
        let Some(template) = super::current_template() else {
            return;
        };
        let mut accepted = self.accepted.lock().unwrap_or_else(|p| p.into_inner());
        accepted
            .entry((function.to_string(), path.to_string()))
            .or_insert_with(|| Accepted {
                output: file.output().to_string(),
                what: file.what(),
                templates: BTreeSet::new(),
            })
            .templates
            .insert(template);
    }

    /// One warning per path into the output directory that was accepted, sorted.
    pub fn accepted_warnings(&self) -> Vec<String> {
        let accepted = self.accepted.lock().unwrap_or_else(|p| p.into_inner());
        accepted
            .iter()
            .map(|((function, path), a)| {
                let templates: Vec<String> = a.templates.iter().map(|t| format!("`{t}`")).collect();
                format!(
                    "templates {}: `{function}(path=\"{path}\")` reads the output directory; \
                     accepted as `{}` as this build generates it ({}). Zola reads whatever its \
                     output directory holds there, which is that file only when it builds \
                     into that directory",
                    templates.join(", "),
                    a.output,
                    a.what
                )
            })
            .collect()
    }

    /// Reads a resolved file; the error names the function and the file. A file over
    /// [`MAX_READ_BYTES`] is refused before it is read: a site's data file of that size is
    /// almost surely a mistake, and reading it would take the machine's memory.
    pub fn read_bytes(&self, function: &str, file: &Path) -> TeraResult<Vec<u8>> {
        if let Ok(meta) = std::fs::metadata(file) {
            if meta.len() > MAX_READ_BYTES {
                return Err(Error::msg(format!(
                    "`{function}`: `{}` is {} bytes, more than the 1 GiB a template function reads",
                    file.display(),
                    meta.len()
                )));
            }
        }
        std::fs::read(file).map_err(|e| {
            Error::msg(format!(
                "`{function}`: cannot read `{}`: {e}",
                file.display()
            ))
        })
    }

    /// Notes that a render read `file`.
    pub fn record(&self, file: &Path) {
        let mut read = self.read.lock().unwrap_or_else(|p| p.into_inner());
        read.insert(file.to_path_buf());
    }

    /// Every local file resolved so far, sorted.
    pub fn files_read(&self) -> Vec<PathBuf> {
        let read = self.read.lock().unwrap_or_else(|p| p.into_inner());
        read.iter().cloned().collect()
    }
}

/// What a path into the output directory was taken to mean (see [`FileScope::accept`]).
#[derive(Debug)]
struct Accepted {
    output: String,
    what: &'static str,
    templates: BTreeSet<String>,
}

/// What [`FileScope::find`] found: a file on disk, or one this build generates.
#[derive(Clone, Debug)]
pub enum Found {
    File(PathBuf),
    Generated(Arc<GeneratedFile>),
}

impl Found {
    /// For messages: the file's path, or the generated file's output path and maker.
    pub fn describe(&self) -> String {
        match self {
            Found::File(file) => format!("`{}`", file.display()),
            Found::Generated(file) => format!("`{}` ({})", file.output(), file.what()),
        }
    }

    /// The extension of its name.
    pub fn extension(&self) -> Option<String> {
        let name = match self {
            Found::File(file) => file.clone(),
            Found::Generated(file) => PathBuf::from(file.output()),
        };
        Some(name.extension()?.to_str()?.to_string())
    }
}

use crate::lexical::lexical;

/// `path` as written, relative to a search directory: `@/` becomes `content/`, leading `/`s
/// go (as in Zola). Empty is an error; `..` is resolved per candidate (see [`within`]).
fn written_path(function: &str, path: &str) -> TeraResult<PathBuf> {
    let trimmed = match path.strip_prefix("@/") {
        Some(rest) => format!("content/{}", rest.trim_start_matches('/')),
        None => path.trim_start_matches(['/', '\\']).to_string(),
    };
    if trimmed.is_empty() {
        return Err(Error::msg(format!("`{function}`: empty path")));
    }
    Ok(PathBuf::from(trimmed))
}

/// `written` looked up under `base` (a directory relative to the site root), resolved by its
/// text: the path relative to the root, or `None` when it climbs out of the root.
fn within(base: &Path, written: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in base.components().chain(written.components()) {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
#[path = "files_tests.rs"]
mod tests;
