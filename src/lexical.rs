//! Paths resolved by their text alone: `.` dropped, `..` taking off the component before it,
//! without asking the file system (the path need not exist, and symlinks are not followed).
//! Used where a name must be compared as written (grass's `a/../_b.scss`, a template
//! function's path argument).

use std::path::{Component, Path, PathBuf};

/// `path` without `.` and `..` components.
pub fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_resolve_by_text() {
        assert_eq!(lexical(Path::new("/a/./b/../c")), Path::new("/a/c"));
        assert_eq!(lexical(Path::new("a/../../b")), Path::new("b"));
    }
}
