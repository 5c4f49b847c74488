//! The build's files besides templates: static files to copy and input hashes for the cache.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::cache::hash_hex;
use crate::content::Library;

/// Static files to copy: the theme's `static/`, then the site's (which wins), then page
/// assets. Sorted by output path.
pub(super) fn static_files(
    root: &Path,
    theme_dir: Option<&Path>,
    library: &Library,
) -> Vec<(String, PathBuf)> {
    let mut files = std::collections::BTreeMap::new();
    let mut add_dir = |dir: PathBuf| {
        if !dir.is_dir() {
            return;
        }
        for entry in walkdir::WalkDir::new(&dir)
            .follow_links(true)
            .into_iter()
            .filter_map(|e| e.ok())
        {
            if entry.file_type().is_file() {
                let rel = entry
                    .path()
                    .strip_prefix(&dir)
                    .unwrap_or(entry.path())
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(rel, entry.path().to_path_buf());
            }
        }
    };
    if let Some(theme) = theme_dir {
        add_dir(theme.join("static"));
    }
    add_dir(root.join("static"));
    for page in &library.pages {
        for asset in &page.assets {
            if let Some(name) = asset.file_name() {
                let dir = page.url_path.trim_start_matches('/');
                files.insert(format!("{dir}{}", name.to_string_lossy()), asset.clone());
            }
        }
    }
    files.into_iter().collect()
}

/// Every input file of the build with its hash, for the cache.
pub(super) fn input_hashes(
    root: &Path,
    theme_dir: Option<&Path>,
) -> std::collections::BTreeMap<String, String> {
    let mut dirs = vec![
        root.join("content"),
        root.join("templates"),
        root.join("static"),
    ];
    dirs.extend(theme_dir.map(Path::to_path_buf));
    let mut files: Vec<PathBuf> = vec![root.join("config.toml")];
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        files.extend(
            walkdir::WalkDir::new(dir)
                .follow_links(true)
                .into_iter()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_file())
                .map(|e| e.into_path()),
        );
    }
    files
        .par_iter()
        .filter_map(|f| {
            let bytes = std::fs::read(f).ok()?;
            let rel = f
                .strip_prefix(root)
                .unwrap_or(f)
                .to_string_lossy()
                .replace('\\', "/");
            Some((rel, hash_hex(&bytes)))
        })
        .collect()
}
