//! Content: walks `content/`, parses front matter, and works out every page's and section's
//! URL path. Markdown bodies are kept as text here; [`crate::markdown`] renders them.
//!
//! `_index.md` is a section, any other `.md` a page; `dir/index.md` is a page whose sibling
//! files are its assets. A page belongs to the nearest section above it.

mod declared;
pub mod front_matter;
mod languages;
pub mod slug;
mod sorting;
mod yaml_front;

pub use declared::check_taxonomies;
pub use sorting::sort_pages;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use rayon::prelude::*;

use front_matter::{PageFront, SectionFront};
use languages::{is_section_stem, link_translations, split_language};

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
    #[error("{}: alias {value:?} refused: {reason}", path.display())]
    BadAlias {
        path: PathBuf,
        value: String,
        reason: &'static str,
    },
    #[error("{}: language `{code}` is not one of the site's languages ({known}); add [languages.{code}] to the config or rename the file", path.display())]
    UnknownLanguage {
        path: PathBuf,
        code: String,
        known: String,
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
    /// Index of its section in [`Library::sections`]: the `_index.md` of its own
    /// directory. `None` for an orphan (a directory without one), as in Zola.
    pub section: Option<usize>,
    /// Sibling files of an `index.md` page, copied next to its output.
    pub assets: Vec<PathBuf>,
    /// `blog/post/` for `blog/post/index.md`; `None` for other pages.
    pub colocated_path: Option<String>,
    /// Relative paths of the sections above it, root first (empty if it is in none, or
    /// has `render = false`).
    pub ancestors: Vec<String>,
    /// Its language: an index into [`Library::languages`] (0, the default, for
    /// `post.md`; `post.fr.md` is in `fr`).
    pub lang: usize,
    /// On a multilingual site, the pages that are this one in every language (itself
    /// included), default language first; empty otherwise (Zola lists none then).
    pub translations: Vec<usize>,
}

impl Page {
    /// Its assets as Zola lists them (`page.assets`): `/` + each file's path in `content/`.
    pub fn asset_paths(&self) -> Vec<String> {
        let (Some(dir), Some(colocated)) = (self.source.parent(), &self.colocated_path) else {
            return Vec::new();
        };
        self.assets
            .iter()
            .filter_map(|a| {
                let rel = a
                    .strip_prefix(dir)
                    .ok()?
                    .to_string_lossy()
                    .replace('\\', "/");
                Some(format!("/{colocated}{rel}"))
            })
            .collect()
    }
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
    /// The section of the directory above (`None` for a root, and for a section whose
    /// directory above has no `_index.md`).
    pub parent: Option<usize>,
    /// Pages, in the section's sort order (with those of transparent subsections; without
    /// those the sort cannot place, e.g. undated pages under `sort_by = "date"`).
    pub pages: Vec<usize>,
    pub subsections: Vec<usize>,
    /// Relative paths of the sections above it, root first.
    pub ancestors: Vec<String>,
    /// The other files in its directory, copied next to its output.
    pub assets: Vec<PathBuf>,
    /// Its language (see [`Page::lang`]). Each language has its own root section.
    pub lang: usize,
    /// As [`Page::translations`], of sections.
    pub translations: Vec<usize>,
}

impl Section {
    /// Whether it is a language's root section (its home page).
    pub fn is_root(&self) -> bool {
        !self.rel.contains('/')
    }
}

/// All content of a site.
#[derive(Debug, Default)]
pub struct Library {
    pub pages: Vec<Page>,
    /// `sections[0]` is the root (of the default language; the root of another language
    /// is the section of that language without a parent).
    pub sections: Vec<Section>,
    /// Language codes, the default first: what [`Page::lang`] indexes.
    pub languages: Vec<String>,
    /// Unknown front-matter keys, each naming its file.
    pub warnings: Vec<String>,
}

/// How to load content.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Include drafts.
    pub drafts: bool,
    /// `ignored_content`: files and directories matching these are not content.
    pub ignored: Option<globset::GlobSet>,
    /// How page slugs are made.
    pub slugify: crate::config::SlugifyConfig,
    /// Language codes, the default first (empty means one language, `en`).
    pub languages: Vec<String>,
}

pub use crate::config::glob_set;

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

/// A parsed content file: front matter, body, the body's first line, and warnings.
type Parsed<T> = (T, String, usize, Vec<String>);

fn parse_file<T: serde::de::DeserializeOwned>(
    path: &Path,
    known_keys: &[&str],
) -> Result<Parsed<T>, ContentError> {
    let text = read_text(path)?;
    let err = |line, message| ContentError::FrontMatter {
        path: path.into(),
        line,
        message,
    };
    let (value, body, body_line) =
        front_matter::split(&text).map_err(|e| err(e.line, e.message))?;
    let warnings = front_matter::unknown_keys(&value, known_keys, &path.display().to_string());
    // The line of the offending key where it can be found.
    let front = serde_json::from_value(value).map_err(|e| {
        let message = e.to_string();
        let key = message.split('`').nth(1).unwrap_or("");
        let line = text[..text.len().min(body_line_offset(&text, body_line))]
            .lines()
            .position(|l| !key.is_empty() && l.trim_start().starts_with(key))
            .map_or(1, |i| i + 1);
        err(line, format!("front matter: {message}"))
    })?;
    Ok((front, body.to_string(), body_line, warnings))
}

fn body_line_offset(text: &str, body_line: usize) -> usize {
    text.match_indices('\n')
        .nth(body_line.saturating_sub(2))
        .map_or(text.len(), |(i, _)| i)
}

/// Checks a front-matter `path`: relative, no `..`, nothing odd.
fn checked_url_path(source: &Path, value: &str) -> Result<String, ContentError> {
    let refuse = |reason| ContentError::BadPath {
        path: source.into(),
        value: value.into(),
        reason,
    };
    let trimmed = value.trim_matches('/');
    if let Some(reason) = path_refusal(value) {
        return Err(refuse(reason));
    }
    if trimmed.is_empty() {
        return Ok("/".into());
    }
    Ok(format!("/{trimmed}/"))
}

/// Checks front-matter `aliases`: each is a path in the output directory, so none may
/// climb out of it (`..`) or hold a NUL or a backslash.
fn checked_aliases(source: &Path, aliases: &[String]) -> Result<(), ContentError> {
    for alias in aliases {
        let refuse = |reason| ContentError::BadAlias {
            path: source.into(),
            value: alias.clone(),
            reason,
        };
        if let Some(reason) = path_refusal(alias) {
            return Err(refuse(reason));
        }
    }
    Ok(())
}

/// Why a front-matter path (`path`, an alias) cannot name a place in the output, if it
/// cannot: a NUL or a backslash, or a `..` or `.` component.
fn path_refusal(value: &str) -> Option<&'static str> {
    if value.contains('\0') || value.contains('\\') {
        return Some("contains a NUL or a backslash");
    }
    value
        .split('/')
        .any(|part| part == ".." || part == ".")
        .then_some("contains `..` or `.`")
}

struct Found {
    rel: String,
    path: PathBuf,
    /// The file's stem without its language (`post` for `post.fr.md`).
    name: String,
    /// Index into the language codes.
    lang: usize,
}

/// Front matter an earlier build parsed from a page whose bytes are unchanged: its JSON and
/// the line the body starts on. Given by the caller for a page's `rel` path.
pub type Known<'a> = &'a (dyn Fn(&str) -> Option<(String, usize)> + Sync);

/// Loads `content_dir`. Drafts are left out unless `drafts`.
pub fn load(content_dir: &Path, options: &LoadOptions) -> Result<Library, ContentError> {
    load_with(content_dir, options, &|_| None)
}

/// Re-reads the Markdown body of a content file (for a page loaded from `known` front
/// matter, whose body was not read).
pub fn read_body(path: &Path) -> Result<String, ContentError> {
    let (_, body, _, _): Parsed<serde_json::Value> = parse_file(path, &[])?;
    Ok(body)
}

/// Loads `content_dir`, taking the front matter of pages `known` knows instead of reading
/// them: those pages have an empty `body` ([`read_body`] reads it).
pub fn load_with(
    content_dir: &Path,
    options: &LoadOptions,
    known: Known,
) -> Result<Library, ContentError> {
    let drafts = options.drafts;
    let mut markdown = Vec::new();
    let mut other_files: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    let mut not_sections = Vec::new();
    if content_dir.is_dir() {
        let walk = walkdir::WalkDir::new(content_dir)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            // Dot-files and dot-directories are not content (`.git`, editor files), nor is
            // what `ignored_content` matches (Zola matches the file's path).
            .filter_entry(|e| {
                let hidden = e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
                let ignored = options
                    .ignored
                    .as_ref()
                    .is_some_and(|g| e.depth() > 0 && g.is_match(e.path()));
                !hidden && !ignored
            });
        for entry in walk {
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
            if let Some(stem) = name.strip_suffix(".md") {
                if stem.starts_with("_index.") && !is_section_stem(stem, &options.languages) {
                    not_sections.push(entry.path().display().to_string());
                    continue;
                }
                let (name, lang) = split_language(entry.path(), stem, &options.languages)?;
                markdown.push(Found {
                    rel,
                    path: entry.path().to_path_buf(),
                    name,
                    lang,
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

    let (section_files, page_files): (Vec<&Found>, Vec<&Found>) =
        markdown.iter().partition(|f| f.name == "_index");
    let languages: Vec<String> = match options.languages.is_empty() {
        true => vec!["en".into()],
        false => options.languages.clone(),
    };
    let multilingual = languages.len() > 1;
    let prefix = |lang: usize| match lang {
        0 => String::new(),
        _ => format!("/{}", languages[lang]),
    };
    let mut warnings: Vec<String> = not_sections
        .iter()
        .map(|path| {
            format!(
                "{path}: not read: a section file is `_index.md` or `_index.CODE.md` for one of \
                 the site's other languages ({}), and Zola skips any other `_index.*` file",
                match languages.len() {
                    1 => "it has none".to_string(),
                    _ => languages[1..].join(", "),
                }
            )
        })
        .collect();

    // Sections first (they give pages their paths), parsed in parallel.
    let parsed: Vec<((String, usize), Section, Vec<String>)> = section_files
        .par_iter()
        .map(|f| {
            let (front, body, body_line, warnings): Parsed<SectionFront> =
                parse_file(&f.path, front_matter::SECTION_KEYS)?;
            checked_aliases(&f.path, &front.aliases)?;
            let dir = f
                .rel
                .rsplit_once('/')
                .map(|(d, _)| d.to_string())
                .unwrap_or_default();
            let url_path = if dir.is_empty() {
                format!("{}/", prefix(f.lang))
            } else {
                format!("{}/{dir}/", prefix(f.lang))
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
                ancestors: Vec::new(),
                assets: other_files.get(&dir).cloned().unwrap_or_default(),
                lang: f.lang,
                translations: Vec::new(),
            };
            Ok(((dir, f.lang), section, warnings))
        })
        .collect::<Result<_, ContentError>>()?;
    // As in Zola, a draft section hides everything below it: its pages, subsections and
    // assets (unless drafts are built).
    let draft_dirs: Vec<(String, usize)> = parsed
        .iter()
        .filter(|(_, s, _)| !drafts && s.front.draft)
        .map(|((dir, lang), _, _)| (format!("{dir}/"), *lang))
        .collect();
    // A draft section hides what is below it in its own language.
    let hidden = |rel: &str, lang: usize| {
        draft_dirs
            .iter()
            .any(|(d, l)| *l == lang && rel.starts_with(d.as_str()))
    };
    let mut by_dir: BTreeMap<(String, usize), Section> = BTreeMap::new();
    for (key, section, w) in parsed {
        if !hidden(&section.rel, key.1) {
            warnings.extend(w);
            by_dir.insert(key, section);
        }
    }
    let page_files: Vec<&Found> = page_files
        .into_iter()
        .filter(|f| !hidden(&f.rel, f.lang))
        .collect();
    // Every language has a root section (its home page), written or not.
    for (lang, code) in languages.iter().enumerate() {
        let rel = match lang {
            0 => "_index.md".to_string(),
            _ => format!("_index.{code}.md"),
        };
        by_dir
            .entry((String::new(), lang))
            .or_insert_with(|| Section {
                rel,
                source: None,
                front: SectionFront::default(),
                body: String::new(),
                body_line: 1,
                url_path: format!("{}/", prefix(lang)),
                parent: None,
                pages: Vec::new(),
                subsections: Vec::new(),
                ancestors: Vec::new(),
                assets: other_files.get("").cloned().unwrap_or_default(),
                lang,
                translations: Vec::new(),
            });
    }
    // Sorted by directory, then language: the default root first, a parent before its
    // children.
    let dirs: Vec<(String, usize)> = by_dir.keys().cloned().collect();
    let mut sections: Vec<Section> = by_dir.into_values().collect();
    // Zola's rule: a page's section is the `_index.md` of its own directory, and a
    // section's parent the one of the directory above; with none there, the page is an
    // orphan (rendered, in no section's list) and the section in no subsection list.
    // Each language's root always exists.
    let section_of_dir = |dir: &str, lang: usize| -> Option<usize> {
        dirs.binary_search(&(dir.to_string(), lang)).ok()
    };
    for (i, (dir, lang)) in dirs.iter().enumerate() {
        if dir.is_empty() {
            continue;
        }
        let parent_dir = dir.rsplit_once('/').map(|(up, _)| up).unwrap_or("");
        if let Some(parent) = section_of_dir(parent_dir, *lang) {
            sections[i].parent = Some(parent);
            sections[parent].subsections.push(i);
        }
        // Its ancestors are every section on its path, the root first, whether or not
        // each is the parent of the next (Zola's `ancestors`).
        let mut ancestors = vec![sections[section_of_dir("", *lang).unwrap_or(0)].rel.clone()];
        let mut at = 0;
        while let Some(slash) = dir[at..].find('/') {
            if let Some(s) = section_of_dir(&dir[..at + slash], *lang) {
                ancestors.push(sections[s].rel.clone());
            }
            at += slash + 1;
        }
        sections[i].ancestors = ancestors;
    }

    let slugify_config = options.slugify;
    let mut pages: Vec<(Page, Vec<String>)> = page_files
        .par_iter()
        .map(|f| {
            let cached = known(&f.rel).and_then(|(json, line)| {
                let front = serde_json::from_str::<PageFront>(&json).ok()?;
                Some((front, String::new(), line, Vec::new()))
            });
            let (front, body, body_line, warnings): Parsed<PageFront> = match cached {
                Some(parsed) => parsed,
                None => parse_file(&f.path, front_matter::PAGE_KEYS)?,
            };
            checked_aliases(&f.path, &front.aliases)?;
            let dir = f.rel.rsplit_once('/').map_or("", |(d, _)| d);
            let is_bundle = f.name == "index" && !dir.is_empty();
            let (section_dir, stem) = if is_bundle {
                let (up, name) = dir.rsplit_once('/').unwrap_or(("", dir));
                (up, name)
            } else {
                (dir, f.name.as_str())
            };
            let (name_date, name_slug) = date_from_name(stem);
            let name_slug = if slugify_config.paths_keep_dates {
                stem
            } else {
                name_slug
            };
            let slug = match &front.slug {
                Some(s) => slug::slugify_path(s, slugify_config.paths),
                None => slug::slugify_path(name_slug, slugify_config.paths),
            };
            let section = section_of_dir(section_dir, f.lang);
            let url_path = match &front.path {
                Some(p) => checked_url_path(&f.path, p)?,
                None => {
                    let base = if section_dir.is_empty() {
                        prefix(f.lang)
                    } else {
                        format!("{}/{section_dir}", prefix(f.lang))
                    };
                    if slug.is_empty() {
                        format!("{base}/")
                    } else {
                        format!("{base}/{slug}/")
                    }
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
            // A bundle's assets are every other file below its directory (Zola: recursive).
            let assets = if is_bundle {
                let below = format!("{dir}/");
                other_files
                    .range(dir.to_string()..)
                    .take_while(|(d, _)| *d == dir || d.starts_with(&below))
                    .flat_map(|(_, files)| files.iter().cloned())
                    .collect::<Vec<_>>()
            } else {
                Vec::new()
            };
            let mut assets = assets;
            // Zola's order: by path, ignoring case.
            assets.sort_by_key(|a| a.to_string_lossy().to_lowercase());
            let page = Page {
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
                colocated_path: is_bundle.then(|| format!("{dir}/")),
                ancestors: Vec::new(),
                lang: f.lang,
                translations: Vec::new(),
            };
            Ok((page, warnings))
        })
        .collect::<Result<_, ContentError>>()?;
    pages.retain(|(p, _)| drafts || !p.front.draft);
    let pages: Vec<Page> = pages
        .into_iter()
        .map(|(p, w)| {
            warnings.extend(w);
            p
        })
        .collect();

    // Two files may not claim one URL (a page with `render = false` claims none).
    let mut claimed: BTreeMap<&str, &Path> = BTreeMap::new();
    let section_claims = sections
        .iter()
        .filter(|s| s.front.render)
        .filter_map(|s| s.source.as_deref().map(|src| (s.url_path.as_str(), src)));
    let page_claims = pages
        .iter()
        .filter(|p| p.front.render)
        .map(|p| (p.url_path.as_str(), p.source.as_path()));
    for (url, source) in section_claims.chain(page_claims) {
        if let Some(first) = claimed.insert(url, source) {
            return Err(ContentError::SameOutput {
                first: first.into(),
                second: source.into(),
                url: url.into(),
            });
        }
    }

    let mut pages = pages;
    // A page belongs to its section and, while that section is transparent, to the ones
    // above it too. A page that does not render is in no section's list.
    for (i, page) in pages.iter_mut().enumerate() {
        if !page.front.render {
            continue;
        }
        let Some(mut s) = page.section else {
            continue;
        };
        page.ancestors = sections[s].ancestors.clone();
        page.ancestors.push(sections[s].rel.clone());
        loop {
            sections[s].pages.push(i);
            match sections[s].parent {
                Some(up) if sections[s].front.transparent => s = up,
                _ => break,
            }
        }
    }
    for section in &mut sections {
        sort_pages(&mut section.pages, &pages, section.front.sort_by);
    }
    let weights: Vec<(i64, String)> = sections
        .iter()
        .map(|s| (s.front.weight.unwrap_or(0), s.rel.clone()))
        .collect();
    for section in &mut sections {
        section
            .subsections
            .sort_by(|&a, &b| weights[a].cmp(&weights[b]));
    }
    if multilingual {
        link_translations(&mut pages, &mut sections);
    }
    Ok(Library {
        pages,
        sections,
        languages,
        warnings,
    })
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
