//! `sitegen init DIR`: a minimal working site (config, a home page, a blog section with one
//! post). It builds with the built-in templates; add `templates/` or a theme to style it.

use std::path::{Path, PathBuf};

use crate::output::{atomic_write, OutputError};

/// Why `init` refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{}: already exists and is not empty; choose a new directory", path.display())]
    NotEmpty { path: PathBuf },
    #[error("{}: cannot create ({source})", path.display())]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] OutputError),
}

const FILES: &[(&str, &str)] = &[
    (
        "config.toml",
        "base_url = \"https://example.com\"\ntitle = \"My site\"\ngenerate_feeds = true\ntaxonomies = [{ name = \"tags\" }]\n\n[markdown]\nsmart_punctuation = true\n\n[markdown.highlighting]\ntheme = \"base16-ocean-dark\"\n\n[extra]\n",
    ),
    ("content/_index.md", "+++\ntitle = \"My site\"\n+++\nWelcome! Edit `content/_index.md` to change this page.\n"),
    ("content/blog/_index.md", "+++\ntitle = \"Blog\"\nsort_by = \"date\"\npaginate_by = 10\n+++\n"),
    (
        "content/blog/first-post.md",
        "+++\ntitle = \"First post\"\ndate = 2024-01-01\n[taxonomies]\ntags = [\"hello\"]\n+++\nThis is the first post.\n\n<!-- more -->\n\nWrite Markdown here.\n",
    ),
    ("static/.gitkeep", ""),
    ("templates/.gitkeep", ""),
    (".gitignore", "/public/\n/.sitegen/\n"),
];

/// Creates a new site in `dir` (which must be missing or empty).
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, InitError> {
    if dir
        .read_dir()
        .is_ok_and(|mut entries| entries.next().is_some())
    {
        return Err(InitError::NotEmpty { path: dir.into() });
    }
    let mut made = Vec::new();
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| InitError::Create {
                path: parent.into(),
                source,
            })?;
        }
        atomic_write(&path, text.as_bytes())?;
        made.push(path);
    }
    Ok(made)
}
