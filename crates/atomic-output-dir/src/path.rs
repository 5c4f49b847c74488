//! `OutputPath`: a path known to be relative and to stay inside the output directory.
//!
//! Checking happens once, here, so the rest of the output layer cannot be handed an escaping
//! path. What a string alone cannot tell (a parent directory that is a symlink leading outside)
//! is checked against the file system by the writer when it prepares the parent directory.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use super::error::{OutputError, Result};

/// A validated, normalised relative output path (`/`-separated, no `.`/`..`, no empty parts).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OutputPath(String);

impl OutputPath {
    /// Validates `raw` as a path relative to the output directory.
    ///
    /// Refused: empty paths, absolute paths, `..` components, NUL bytes, backslashes (which
    /// would mean different things on different platforms), names that are this crate's own temp
    /// files, and paths ending in `/`.
    pub fn new(raw: impl AsRef<Path>) -> Result<Self> {
        let raw = raw.as_ref();
        let shown = raw.to_string_lossy().into_owned();
        let refuse = |reason| {
            Err(OutputError::PathEscape {
                path: shown.clone(),
                reason,
            })
        };
        let Some(text) = raw.to_str() else {
            return refuse("not valid UTF-8");
        };
        if text.is_empty() {
            return refuse("empty path");
        }
        if text.contains('\0') {
            return refuse("contains a NUL byte");
        }
        if text.contains('\\') {
            return refuse("contains a backslash");
        }
        if text.ends_with('/') {
            return refuse("names a directory, not a file");
        }
        let mut parts: Vec<&str> = Vec::new();
        for component in raw.components() {
            match component {
                Component::Normal(part) => match part.to_str() {
                    Some(p) if super::temp::is_temp_name(p) => {
                        return refuse("uses the output layer's temp-file naming")
                    }
                    Some(p) => parts.push(p),
                    None => return refuse("not valid UTF-8"),
                },
                Component::CurDir => {}
                Component::ParentDir => return refuse("contains `..`"),
                Component::RootDir | Component::Prefix(_) => return refuse("is absolute"),
            }
        }
        if parts.is_empty() {
            return refuse("empty path");
        }
        Ok(OutputPath(parts.join("/")))
    }

    /// The path as a `/`-separated string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path joined onto `root`.
    pub fn under(&self, root: &Path) -> PathBuf {
        root.join(&self.0)
    }
}

impl fmt::Display for OutputPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises_relative_paths() {
        assert_eq!(OutputPath::new("a/b.html").unwrap().as_str(), "a/b.html");
        assert_eq!(OutputPath::new("./a//b.html").unwrap().as_str(), "a/b.html");
        assert_eq!(
            OutputPath::new("日本/ü.html").unwrap().as_str(),
            "日本/ü.html"
        );
    }

    #[test]
    fn refuses_escapes() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a/..",
            "a\0b",
            "a\\b",
            "dir/",
            ".",
        ] {
            let err = OutputPath::new(bad).unwrap_err();
            assert!(
                matches!(err, OutputError::PathEscape { .. }),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn refuses_temp_names() {
        let name = format!("a/.x.sitegen-tmp-{}", "0".repeat(32));
        assert!(OutputPath::new(name).is_err());
    }
}
