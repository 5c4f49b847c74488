//! Where the template functions that read files (`load_data`, `get_hash`,
//! `get_image_metadata`, `get_url(cachebust=true)`) look for them, and which files they read.
//!
//! Zola resolves such a path against a fixed list of places; a site built here must find the
//! same file, so [`FileScope::resolve`] follows Zola 0.22's order (its "file searching logic"):
//!
//! 1. `@/x` means `content/x`; any other leading `/` is dropped;
//! 2. the first of these that is a file wins: `<root>/<path>`, `<root>/static/<path>`,
//!    `<root>/content/<path>`, `<output>/<path>` (only when an output directory was given),
//!    `<theme>/static/<path>` (only with a theme).
//!
//! One deliberate difference: a path whose `..` components climb above where it starts is
//! refused with an error before anything is looked up (Zola checks only the first candidate,
//! and only after following symlinks), so no candidate can leave the site.
//!
//! Every file resolved is recorded: what a template read through these functions is an input
//! of its output, and the build needs the list to know when to render it again. Renders run
//! in parallel, so the record sits behind a mutex.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use std::sync::Arc;

use tera::{Error, Result as TeraResult};

use crate::assets::images::Processor;

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
    output: Option<PathBuf>,
    cache_dir: PathBuf,
    network: Network,
    read: Mutex<BTreeSet<PathBuf>>,
    /// The build's image processor (`resize_image`), shared with the other scope.
    images: Option<Arc<Processor>>,
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
            output: None,
            cache_dir,
            network,
            read: Mutex::new(BTreeSet::new()),
            images: None,
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

    /// Also searches the output directory (Zola's fourth place, where it finds compiled Sass).
    pub fn with_output_dir(mut self, output: PathBuf) -> Self {
        self.output = Some(if output.is_absolute() {
            output
        } else {
            self.root.join(output)
        });
        self
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

    /// The places a relative path is looked up in, in Zola's order.
    fn search_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![
            self.root.clone(),
            self.root.join("static"),
            self.content_dir(),
        ];
        dirs.extend(self.output.clone());
        dirs.extend(self.theme.as_ref().map(|t| t.join("static")));
        dirs
    }

    /// Finds the file `path` names, as Zola does (see the module doc), and records it.
    /// `Ok(None)`: no such file. `function` names the caller in errors.
    pub fn resolve(&self, function: &str, path: &str) -> TeraResult<Option<PathBuf>> {
        let rel = relative_path(function, path)?;
        // Every place looked at is recorded, found or not: creating a file at an earlier
        // place (or at all, for a missing one) changes what this call returns.
        for dir in self.search_dirs() {
            let candidate = dir.join(&rel);
            self.record(&candidate);
            if candidate.is_file() {
                return Ok(Some(candidate));
            }
        }
        Ok(None)
    }

    /// Like [`FileScope::resolve`], but a missing file is an error naming `path`.
    pub fn resolve_existing(&self, function: &str, path: &str) -> TeraResult<PathBuf> {
        self.resolve(function, path)?
            .ok_or_else(|| Error::msg(format!("`{function}`: cannot find file `{path}`")))
    }

    /// Reads a resolved file; the error names the function and the file.
    pub fn read_bytes(&self, function: &str, file: &Path) -> TeraResult<Vec<u8>> {
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

/// `path` as a path relative to a search directory: `@/` becomes `content/`, leading `/`s go,
/// and `..` may not climb above the start.
fn relative_path(function: &str, path: &str) -> TeraResult<PathBuf> {
    let trimmed = match path.strip_prefix("@/") {
        Some(rest) => format!("content/{}", rest.trim_start_matches('/')),
        None => path.trim_start_matches(['/', '\\']).to_string(),
    };
    if trimmed.is_empty() {
        return Err(Error::msg(format!("`{function}`: empty path")));
    }
    let mut out = PathBuf::new();
    let mut depth = 0usize;
    for component in Path::new(&trimmed).components() {
        match component {
            Component::Normal(part) => {
                out.push(part);
                depth += 1;
            }
            Component::CurDir => {}
            Component::ParentDir if depth > 0 => {
                out.pop();
                depth -= 1;
            }
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(Error::msg(format!(
                    "`{function}`: `{path}` is outside the site directory"
                )));
            }
        }
    }
    if depth == 0 {
        return Err(Error::msg(format!("`{function}`: `{path}` names no file")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn site() -> (tempfile::TempDir, FileScope) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (file, text) in [
            ("data.toml", "root"),
            ("static/data.toml", "static"),
            ("static/only-static.txt", "static"),
            ("content/blog/post.txt", "content"),
            ("content/only-content.txt", "content"),
            ("themes/t/static/only-theme.txt", "theme"),
            ("themes/t/static/only-static.txt", "theme"),
            ("public/style.css", "output"),
        ] {
            let path = root.join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            crate::output::atomic_write(path, text).unwrap();
        }
        let scope = FileScope::new(
            root.to_path_buf(),
            Some(PathBuf::from("themes/t")),
            root.join(".sitegen/cache"),
            Network::Offline,
        );
        (dir, scope)
    }

    fn found(scope: &FileScope, path: &str) -> String {
        let file = scope.resolve("f", path).unwrap().unwrap();
        fs::read_to_string(file).unwrap()
    }

    #[test]
    fn searches_in_zolas_order() {
        let (_dir, scope) = site();
        assert_eq!(found(&scope, "data.toml"), "root");
        assert_eq!(found(&scope, "/data.toml"), "root");
        assert_eq!(found(&scope, "only-static.txt"), "static");
        assert_eq!(found(&scope, "only-content.txt"), "content");
        assert_eq!(found(&scope, "only-theme.txt"), "theme");
        assert_eq!(found(&scope, "@/blog/post.txt"), "content");
        assert_eq!(found(&scope, "content/blog/post.txt"), "content");
        assert_eq!(found(&scope, "/content/blog/post.txt"), "content");
        assert_eq!(found(&scope, "static/../data.toml"), "root");
        assert!(scope.resolve("f", "nothing.txt").unwrap().is_none());
        // The output directory is searched only when given.
        assert!(scope.resolve("f", "style.css").unwrap().is_none());
    }

    #[test]
    fn output_dir_is_searched_after_content() {
        let (dir, scope) = site();
        let scope = scope.with_output_dir(PathBuf::from("public"));
        assert_eq!(found(&scope, "style.css"), "output");
        assert_eq!(
            scope.static_dirs(),
            vec![
                dir.path().join("static"),
                dir.path().join("themes/t/static")
            ]
        );
    }

    #[test]
    fn refuses_paths_leaving_the_site() {
        let (_dir, scope) = site();
        for path in ["../secret", "static/../../x", "@/../../x", "a/../../b"] {
            let err = scope.resolve("get_hash", path).unwrap_err().to_string();
            assert!(err.contains("get_hash") && err.contains(path), "{err}");
            assert!(err.contains("outside the site"), "{err}");
        }
        assert!(scope.resolve("f", "").is_err());
        assert!(scope.resolve("f", "static/..").is_err());
    }

    #[test]
    fn records_what_it_resolves_and_where_it_looked() {
        let (dir, scope) = site();
        found(&scope, "only-theme.txt");
        found(&scope, "@/blog/post.txt");
        let _ = scope.resolve("f", "missing.txt");
        let read = scope.files_read();
        for want in [
            "content/blog/post.txt",
            "themes/t/static/only-theme.txt",
            // Looked at before the theme's copy was found: creating it changes the result.
            "static/only-theme.txt",
            // Missing everywhere: creating it changes the result too.
            "missing.txt",
            "static/missing.txt",
        ] {
            assert!(read.contains(&dir.path().join(want)), "{want} in {read:?}");
        }
    }

    #[test]
    fn missing_file_error_names_function_and_path() {
        let (_dir, scope) = site();
        let err = scope
            .resolve_existing("get_hash", "nope.js")
            .unwrap_err()
            .to_string();
        assert!(err.contains("get_hash") && err.contains("nope.js"), "{err}");
    }
}
