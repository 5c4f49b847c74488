//! How directories lie relative to each other, for the rule that what a command writes may
//! not overlap what it reads (an output inside `content/` would be read back as sources by
//! the next build; a source inside the output would be pruned by it).
//!
//! Paths are compared as [`real_path`] gives them: absolute, symlinks resolved as far as
//! they exist, so that a directory not made yet is placed where it will be.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

/// How one directory relates to another when they overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlap {
    /// They are one directory.
    Same,
    /// The first is inside the second.
    Inside,
    /// The first contains the second.
    Contains,
}

impl fmt::Display for Overlap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Overlap::Same => "is the same directory as",
            Overlap::Inside => "is inside",
            Overlap::Contains => "contains",
        })
    }
}

/// How `a` relates to `b` (both real paths), if they overlap: one is the other, or inside it.
pub fn overlap(a: &Path, b: &Path) -> Option<Overlap> {
    if a == b {
        Some(Overlap::Same)
    } else if a.starts_with(b) {
        Some(Overlap::Inside)
    } else if b.starts_with(a) {
        Some(Overlap::Contains)
    } else {
        None
    }
}

/// `path` made absolute, with symlinks resolved as far as it exists and `.`/`..` applied
/// to the rest: the directory it names or will name once created.
pub fn real_path(path: &Path) -> io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut real = PathBuf::from("/");
    let mut exists = true;
    for part in absolute.components() {
        match part {
            Component::RootDir | Component::Prefix(_) | Component::CurDir => {}
            Component::ParentDir => {
                real.pop();
            }
            Component::Normal(name) => {
                real.push(name);
                if exists {
                    match fs::canonicalize(&real) {
                        Ok(resolved) => real = resolved,
                        Err(e) if e.kind() == io::ErrorKind::NotFound => exists = false,
                        Err(e) => return Err(e),
                    }
                }
            }
        }
    }
    Ok(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_path_resolves_what_exists_and_normalises_the_rest() {
        let tmp = tempfile::tempdir().unwrap();
        let base = fs::canonicalize(tmp.path()).unwrap();
        fs::create_dir(base.join("a")).unwrap();
        std::os::unix::fs::symlink(base.join("a"), base.join("link")).unwrap();
        assert_eq!(
            real_path(&base.join("link/new/../x")).unwrap(),
            base.join("a/x")
        );
        assert_eq!(real_path(&base.join("a/./b")).unwrap(), base.join("a/b"));
    }

    #[test]
    fn overlap_names_how_two_directories_relate() {
        let (a, b) = (Path::new("/s/a"), Path::new("/s/a/b"));
        assert_eq!(overlap(a, a), Some(Overlap::Same));
        assert_eq!(overlap(b, a), Some(Overlap::Inside));
        assert_eq!(overlap(a, b), Some(Overlap::Contains));
        assert_eq!(overlap(a, Path::new("/s/ab")), None);
        assert_eq!(Overlap::Inside.to_string(), "is inside");
    }
}
