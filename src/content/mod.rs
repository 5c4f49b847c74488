//! Content: walks `content/`, parses front matter, and works out every page's and section's
//! URL path. Markdown bodies are kept as text here; [`crate::markdown`] renders them.
//!
//! `_index.md` is a section, any other `.md` a page; `dir/index.md` is a page whose sibling
//! files are its assets. A page belongs to the nearest section above it.

pub mod front_matter;
pub mod slug;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use rayon::prelude::*;

use front_matter::{PageFront, SectionFront, SortBy};

/// What can go wrong loading content. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    #[error("{}: cannot read ({source})", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: not valid UTF-8", path.display())]
    NotUtf8 { path: PathBuf, line: usize },
    #[error("{}:{line}: {message}", path.display())]
    FrontMatter {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}: symlink loop (it leads back to {})", path.display(), ancestor.display())]
    SymlinkLoop { path: PathBuf, ancestor: PathBuf },
    #[error("{}: path {value:?} refused: {reason}", path.display())]
    BadPath {
        path: PathBuf,
        value: String,
        reason: &'static str,
    },
    #[error("{} and {} both produce {url}", first.display(), second.display())]
    SameOutput {
        first: PathBuf,
        second: PathBuf,
        url: String,
    },
}

/// A page.
#[derive(Clone, Debug)]
pub struct Page {
    /// Path relative to `content/`, `/`-separated (`blog/post.md`): what `@/` links name.
    pub rel: String,
    /// The file on disk.
    pub source: PathBuf,
    pub front: PageFront,
    /// Markdown body (empty once a build has rendered it) and the line it starts on.
    pub body: String,
    pub body_line: usize,
    pub slug: String,
    /// URL path, `/blog/post/`.
    pub url_path: String,
    pub date: Option<DateTime<FixedOffset>>,
    pub updated: Option<DateTime<FixedOffset>>,
    /// Index of its section in [`Library::sections`].
    pub section: usize,
    /// Sibling files of an `index.md` page, copied next to its output.
    pub assets: Vec<PathBuf>,
}

/// A section (`_index.md`, or the implicit root).
#[derive(Clone, Debug)]
pub struct Section {
    /// `blog/_index.md`; the root is `_index.md`.
    pub rel: String,
    pub source: Option<PathBuf>,
    pub front: SectionFront,
    pub body: String,
    pub body_line: usize,
    /// `/blog/`; the root is `/`.
    pub url_path: String,
    pub parent: Option<usize>,
    /// Pages, in the section's sort order.
    pub pages: Vec<usize>,
    pub subsections: Vec<usize>,
}

/// All content of a site.
#[derive(Debug, Default)]
pub struct Library {
    pub pages: Vec<Page>,
    /// `sections[0]` is the root.
    pub sections: Vec<Section>,
}

/// A directory-walk error as a content error naming the path (a symlink loop, a read error).
pub fn walk_error(e: walkdir::Error, dir: &Path) -> ContentError {
    match (e.loop_ancestor(), e.path()) {
        (Some(ancestor), Some(path)) => ContentError::SymlinkLoop {
            path: path.into(),
            ancestor: ancestor.into(),
        },
        _ => ContentError::Read {
            path: e.path().unwrap_or(dir).into(),
            source: e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("walk failed")),
        },
    }
}

/// A slug with the default strategy (`[slugify]` `on`): lowercase ASCII words joined by `-`.
pub fn slugify(text: &str) -> String {
    slug::slugify_path(text, slug::SlugStrategy::On)
}

/// `2024-05-01-hello` -> (date, `hello`).
fn date_from_name(stem: &str) -> (Option<DateTime<FixedOffset>>, &str) {
    if stem.len() > 11 && stem.is_char_boundary(10) {
        let (date, rest) = stem.split_at(10);
        if let (Some(d), Some(rest)) = (
            front_matter::parse_date(date),
            rest.strip_prefix(['-', '_']),
        ) {
            return (Some(d), rest);
        }
    }
    (None, stem)
}

fn read_text(path: &Path) -> Result<String, ContentError> {
    let bytes = std::fs::read(path).map_err(|source| ContentError::Read {
        path: path.into(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        ContentError::NotUtf8 {
            path: path.into(),
            line,
        }
    })
}

fn parse_file<T: serde::de::DeserializeOwned>(
    path: &Path,
) -> Result<(T, String, usize), ContentError> {
    let text = read_text(path)?;
    let err = |line, message| ContentError::FrontMatter {
        path: path.into(),
        line,
        message,
    };
    let (value, body, body_line) =
        front_matter::split(&text).map_err(|e| err(e.line, e.message))?;
    let front = serde_json::from_value(value).map_err(|e| err(2, format!("front matter: {e}")))?;
    Ok((front, body.to_string(), body_line))
}

/// Checks a front-matter `path`: relative, no `..`, nothing odd.
fn checked_url_path(source: &Path, value: &str) -> Result<String, ContentError> {
    let refuse = |reason| ContentError::BadPath {
        path: source.into(),
        value: value.into(),
        reason,
    };
    let trimmed = value.trim_matches('/');
    if value.contains('\0') || value.contains('\\') {
        return Err(refuse("contains a NUL or a backslash"));
    }
    if trimmed.split('/').any(|part| part == ".." || part == ".") {
        return Err(refuse("contains `..` or `.`"));
    }
    if trimmed.is_empty() {
        return Ok("/".into());
    }
    Ok(format!("/{trimmed}/"))
}

struct Found {
    rel: String,
    path: PathBuf,
}

/// Front matter an earlier build parsed from a page whose bytes are unchanged: its JSON and
/// the line the body starts on. Given by the caller for a page's `rel` path.
pub type Known<'a> = &'a (dyn Fn(&str) -> Option<(String, usize)> + Sync);

/// Loads `content_dir`. Drafts are left out unless `drafts`.
pub fn load(content_dir: &Path, drafts: bool) -> Result<Library, ContentError> {
    load_with(content_dir, drafts, &|_| None)
}

/// Re-reads the Markdown body of a content file (for a page loaded from `known` front
/// matter, whose body was not read).
pub fn read_body(path: &Path) -> Result<String, ContentError> {
    let (_, body, _): (serde_json::Value, _, _) = parse_file(path)?;
    Ok(body)
}

/// Loads `content_dir`, taking the front matter of pages `known` knows instead of reading
/// them: those pages have an empty `body` ([`read_body`] reads it).
pub fn load_with(content_dir: &Path, drafts: bool, known: Known) -> Result<Library, ContentError> {
    let mut markdown = Vec::new();
    let mut other_files: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    if content_dir.is_dir() {
        for entry in walkdir::WalkDir::new(content_dir)
            .follow_links(true)
            .sort_by_file_name()
        {
            let entry = entry.map_err(|e| walk_error(e, content_dir))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let rel_path = entry
                .path()
                .strip_prefix(content_dir)
                .unwrap_or(entry.path());
            let rel = rel_path.to_string_lossy().replace('\\', "/");
            let name = entry.file_name().to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            if name.ends_with(".md") {
                markdown.push(Found {
                    rel,
                    path: entry.path().to_path_buf(),
                });
            } else {
                let dir = rel
                    .rsplit_once('/')
                    .map(|(d, _)| d.to_string())
                    .unwrap_or_default();
                other_files
                    .entry(dir)
                    .or_default()
                    .push(entry.path().to_path_buf());
            }
        }
    }

    let (section_files, page_files): (Vec<&Found>, Vec<&Found>) = markdown
        .iter()
        .partition(|f| f.rel == "_index.md" || f.rel.ends_with("/_index.md"));

    // Sections first (they give pages their paths), parsed in parallel.
    let parsed: Vec<(String, Section)> = section_files
        .par_iter()
        .map(|f| {
            let (front, body, body_line): (SectionFront, _, _) = parse_file(&f.path)?;
            let dir = f
                .rel
                .strip_suffix("_index.md")
                .unwrap_or("")
                .trim_end_matches('/')
                .to_string();
            let url_path = if dir.is_empty() {
                "/".to_string()
            } else {
                format!("/{dir}/")
            };
            let section = Section {
                rel: f.rel.clone(),
                source: Some(f.path.clone()),
                front,
                body,
                body_line,
                url_path,
                parent: None,
                pages: Vec::new(),
                subsections: Vec::new(),
            };
            Ok((dir, section))
        })
        .collect::<Result<_, ContentError>>()?;
    let mut by_dir: BTreeMap<String, Section> = parsed
        .into_iter()
        .filter(|(_, s)| drafts || !s.front.draft)
        .collect();
    by_dir.entry(String::new()).or_insert_with(|| Section {
        rel: "_index.md".into(),
        source: None,
        front: SectionFront::default(),
        body: String::new(),
        body_line: 1,
        url_path: "/".into(),
        parent: None,
        pages: Vec::new(),
        subsections: Vec::new(),
    });
    let dirs: Vec<String> = by_dir.keys().cloned().collect();
    let mut sections: Vec<Section> = by_dir.into_values().collect();
    let index_of_dir = |dir: &str| -> usize {
        let mut dir = dir.to_string();
        loop {
            if let Ok(i) = dirs.binary_search(&dir) {
                return i;
            }
            match dir.rsplit_once('/') {
                Some((up, _)) => dir = up.to_string(),
                None if !dir.is_empty() => dir.clear(),
                None => return 0,
            }
        }
    };
    for (i, dir) in dirs.iter().enumerate().skip(1) {
        let parent_dir = dir.rsplit_once('/').map(|(up, _)| up).unwrap_or("");
        let parent = index_of_dir(parent_dir);
        sections[i].parent = Some(parent);
        sections[parent].subsections.push(i);
    }

    let mut pages: Vec<Page> = page_files
        .par_iter()
        .map(|f| {
            let cached = known(&f.rel).and_then(|(json, line)| {
                let front = serde_json::from_str::<PageFront>(&json).ok()?;
                Some((front, String::new(), line))
            });
            let (front, body, body_line): (PageFront, _, _) = match cached {
                Some(parsed) => parsed,
                None => parse_file(&f.path)?,
            };
            let (dir, file) = f.rel.rsplit_once('/').unwrap_or(("", &f.rel));
            let is_bundle = file == "index.md";
            let (section_dir, stem) = if is_bundle {
                let (up, name) = dir.rsplit_once('/').unwrap_or(("", dir));
                (up, name)
            } else {
                (dir, file.trim_end_matches(".md"))
            };
            let (name_date, name_slug) = date_from_name(stem);
            let slug = front
                .slug
                .clone()
                .map(|s| slugify(&s))
                .unwrap_or_else(|| slugify(name_slug));
            let section = index_of_dir(section_dir);
            let url_path = match &front.path {
                Some(p) => checked_url_path(&f.path, p)?,
                None => {
                    let base = if section_dir.is_empty() {
                        String::new()
                    } else {
                        format!("/{section_dir}")
                    };
                    format!("{base}/{slug}/")
                }
            };
            let date =
                match &front.date {
                    Some(d) => Some(front_matter::parse_date(d).ok_or_else(|| {
                        ContentError::FrontMatter {
                            path: f.path.clone(),
                            line: 2,
                            message: format!(
                                "date {d:?} is not a date (use YYYY-MM-DD or RFC 3339)"
                            ),
                        }
                    })?),
                    None => name_date,
                };
            let updated = front.updated.as_deref().and_then(front_matter::parse_date);
            let assets = if is_bundle {
                other_files.get(dir).cloned().unwrap_or_default()
            } else {
                Vec::new()
            };
            Ok(Page {
                rel: f.rel.clone(),
                source: f.path.clone(),
                front,
                body,
                body_line,
                slug,
                url_path,
                date,
                updated,
                section,
                assets,
            })
        })
        .collect::<Result<_, ContentError>>()?;
    pages.retain(|p| drafts || !p.front.draft);

    // Two files may not claim one URL.
    let mut claimed: BTreeMap<&str, &Path> = BTreeMap::new();
    let section_claims = sections
        .iter()
        .filter_map(|s| s.source.as_deref().map(|src| (s.url_path.as_str(), src)));
    for (url, source) in section_claims.chain(
        pages
            .iter()
            .map(|p| (p.url_path.as_str(), p.source.as_path())),
    ) {
        if let Some(first) = claimed.insert(url, source) {
            return Err(ContentError::SameOutput {
                first: first.into(),
                second: source.into(),
                url: url.into(),
            });
        }
    }

    for (i, page) in pages.iter().enumerate() {
        sections[page.section].pages.push(i);
    }
    for section in &mut sections {
        sort_pages(&mut section.pages, &pages, section.front.sort_by);
        section.subsections.sort_by_key(|&i| i);
    }
    let weights: Vec<(Option<i64>, String)> = sections
        .iter()
        .map(|s| (s.front.weight, s.rel.clone()))
        .collect();
    for section in &mut sections {
        section
            .subsections
            .sort_by(|&a, &b| weights[a].cmp(&weights[b]));
    }
    Ok(Library { pages, sections })
}

/// Orders a section's pages. Ties (and pages without the key) fall back to the file path,
/// so the order never depends on the walk or the thread count.
pub fn sort_pages(list: &mut [usize], pages: &[Page], by: SortBy) {
    match by {
        SortBy::Date => list.sort_by(|&a, &b| {
            pages[b]
                .date
                .cmp(&pages[a].date)
                .then(pages[a].rel.cmp(&pages[b].rel))
        }),
        SortBy::Title => list.sort_by(|&a, &b| {
            pages[a]
                .front
                .title
                .cmp(&pages[b].front.title)
                .then(pages[a].rel.cmp(&pages[b].rel))
        }),
        SortBy::Weight => list.sort_by(|&a, &b| {
            let key = |p: &Page| (p.front.weight.is_none(), p.front.weight);
            key(&pages[a])
                .cmp(&key(&pages[b]))
                .then(pages[a].rel.cmp(&pages[b].rel))
        }),
        SortBy::None => list.sort_by(|&a, &b| pages[a].rel.cmp(&pages[b].rel)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_file_dates() {
        assert_eq!(slugify("Hello, World!  Ünïcode"), "hello-world-unicode");
        let (date, slug) = date_from_name("2024-05-01-first-post");
        assert!(date.is_some());
        assert_eq!(slug, "first-post");
        assert_eq!(date_from_name("plain").1, "plain");
    }

    #[test]
    fn path_checks() {
        let src = Path::new("content/a.md");
        assert_eq!(checked_url_path(src, "x/y").unwrap(), "/x/y/");
        assert!(checked_url_path(src, "../../x").is_err());
        assert!(checked_url_path(src, "a/./b").is_err());
    }
}
