//! The finished tree to publish: every regular file under the source directory, with its
//! path relative to it, checked before anything is staged.
//!
//! Symlinks are followed when they lead to something inside the source directory (a
//! generator's output is published as the bytes a web server serving it would send); one
//! that leads outside, or a loop, is an error naming it, so that publishing cannot copy a
//! file from elsewhere on the machine by accident. Sockets, FIFOs and devices are errors.
//! Empty directories are not published: the output layer writes files.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::PublishError;
use crate::output::OutputPath;

/// One file of the source tree.
#[derive(Clone, Debug)]
pub(super) struct SourceFile {
    /// Where it is published, relative to the output directory.
    pub(super) rel: OutputPath,
    /// Where its bytes are read from.
    pub(super) path: PathBuf,
    pub(super) size: u64,
}

/// Lists every file under `root` (canonical). Paths the output layer would refuse (not
/// UTF-8, a backslash, sitegen's own temp-file naming) are errors naming the file.
pub(super) fn list(root: &Path) -> Result<Vec<SourceFile>, PublishError> {
    let mut files = Vec::new();
    let walk = walkdir::WalkDir::new(root)
        .follow_links(true)
        .min_depth(1)
        .sort_by_file_name();
    for entry in walk {
        let entry = entry.map_err(|e| walk_error(root, e))?;
        let path = entry.path();
        if entry.path_is_symlink() {
            let target = fs::canonicalize(path).map_err(|e| PublishError::read(path, e))?;
            if !target.starts_with(root) {
                return Err(PublishError::SymlinkOutside {
                    path: path.to_path_buf(),
                    target,
                });
            }
        }
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(PublishError::SpecialFile {
                path: path.to_path_buf(),
            });
        }
        let rel = path.strip_prefix(root).unwrap_or(path);
        let rel = OutputPath::new(rel).map_err(|e| PublishError::Name {
            path: path.to_path_buf(),
            source: e,
        })?;
        let size = entry.metadata().map_err(|e| walk_error(root, e))?.len();
        files.push(SourceFile {
            rel,
            path: path.to_path_buf(),
            size,
        });
    }
    Ok(files)
}

fn walk_error(root: &Path, e: walkdir::Error) -> PublishError {
    let path = e.path().unwrap_or(root).to_path_buf();
    if let Some(ancestor) = e.loop_ancestor() {
        return PublishError::SymlinkLoop {
            ancestor: ancestor.to_path_buf(),
            path,
        };
    }
    let source = e
        .into_io_error()
        .unwrap_or_else(|| io::Error::other("cannot walk"));
    PublishError::read(&path, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_files_follows_inner_symlinks_refuses_outer_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap().join("src");
        fs::create_dir_all(root.join("d/e")).unwrap();
        fs::create_dir_all(root.join("empty")).unwrap();
        fs::write(root.join("d/e/f.html"), "f").unwrap();
        fs::write(root.join("index.html"), "i").unwrap();
        std::os::unix::fs::symlink(root.join("index.html"), root.join("alias.html")).unwrap();
        let listed: Vec<String> = list(&root)
            .unwrap()
            .into_iter()
            .map(|f| f.rel.as_str().to_string())
            .collect();
        assert_eq!(listed, ["alias.html", "d/e/f.html", "index.html"]);

        std::os::unix::fs::symlink(&root, root.join("d/back")).unwrap();
        let err = list(&root).unwrap_err().to_string();
        assert!(err.contains("d/back") && err.contains("loop"), "{err}");
        fs::remove_file(root.join("d/back")).unwrap();

        fs::write(tmp.path().join("secret"), "s").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("secret"), root.join("leak")).unwrap();
        let err = list(&root).unwrap_err().to_string();
        assert!(err.contains("leak") && err.contains("outside"), "{err}");
    }

    #[test]
    fn a_temp_named_file_is_refused_by_name() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        let name = format!(".a.html.sitegen-tmp-{}", "0".repeat(32));
        fs::write(root.join(&name), "x").unwrap();
        let err = list(&root).unwrap_err().to_string();
        assert!(err.contains(&name) && err.contains("temp"), "{err}");
    }
}
