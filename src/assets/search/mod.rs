//! The search index (`build_search_index = true`), in the four formats of Zola 0.22's
//! `[search] index_format`: an elasticlunr index (`search_index.LANG.js`, which sets
//! `window.searchIndex`, or `.json`) with `elasticlunr.min.js` beside it, or a Fuse.js list
//! (`.js` or `.json`). `include_*` and `truncate_content_length` choose the fields, as in Zola.
//!
//! The index is made from a list of [`Document`]s of one language, so that each language
//! can have its own; which pages and sections are documents is [`documents`]'s choice
//! (Zola's: those of sections with `in_search_index`, never drafts).
//!
//! Not for: deciding when to write it (the build), or searching (the site's scripts).

use std::path::Path;

use serde::Deserialize;

use super::AssetError;
use crate::render::{Pages, Part, SiteData};

mod elasticlunr;
#[cfg(test)]
mod tests;
mod text;

pub use text::plain_text;

/// `elasticlunr.min.js` of the npm package `elasticlunr` 0.9.5, unchanged (see
/// `vendor/elasticlunr/README.md` for its checksum and license).
pub const ELASTICLUNR_JS: &str = include_str!("../../../vendor/elasticlunr/elasticlunr.min.js");

/// Which index to write (`[search] index_format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexFormat {
    #[default]
    ElasticlunrJavascript,
    ElasticlunrJson,
    FuseJavascript,
    FuseJson,
}

impl IndexFormat {
    /// The index file of language `lang` (`search_index.en.js`), as Zola names it.
    pub fn file_name(self, lang: &str) -> String {
        let extension = match self {
            IndexFormat::ElasticlunrJavascript | IndexFormat::FuseJavascript => "js",
            IndexFormat::ElasticlunrJson | IndexFormat::FuseJson => "json",
        };
        format!("search_index.{lang}.{extension}")
    }

    /// Whether this is one of the elasticlunr formats.
    pub fn is_elasticlunr(self) -> bool {
        matches!(
            self,
            IndexFormat::ElasticlunrJavascript | IndexFormat::ElasticlunrJson
        )
    }
}

/// `[search]`, with Zola's defaults.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SearchConfig {
    pub include_title: bool,
    pub include_content: bool,
    pub include_description: bool,
    pub include_date: bool,
    pub include_path: bool,
    /// At most this many characters (Unicode scalar values) of each body.
    pub truncate_content_length: Option<usize>,
    pub index_format: IndexFormat,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            include_title: true,
            include_content: true,
            include_description: false,
            include_date: false,
            include_path: false,
            truncate_content_length: None,
            index_format: IndexFormat::default(),
        }
    }
}

const SEARCH_KEYS: &[&str] = &[
    "include_title",
    "include_content",
    "include_description",
    "include_date",
    "include_path",
    "truncate_content_length",
    "index_format",
];

impl SearchConfig {
    /// Reads `[search]` (`config` is the config file, for messages). Unknown keys are
    /// warnings (Zola ignores them); a wrong value is an error.
    pub fn from_table(
        table: &toml::Table,
        config: &Path,
    ) -> Result<(SearchConfig, Vec<String>), AssetError> {
        let warnings = table
            .keys()
            .filter(|k| !SEARCH_KEYS.contains(&k.as_str()))
            .map(|k| format!("{}: unknown key `search.{k}`", config.display()))
            .collect();
        let search = SearchConfig::deserialize(toml::Value::Table(table.clone())).map_err(|e| {
            AssetError::SearchConfig {
                config: config.to_path_buf(),
                message: e.message().to_string(),
            }
        })?;
        Ok((search, warnings))
    }
}

/// One page or section in the index.
#[derive(Clone, Debug)]
pub struct Document<'a> {
    /// Its permalink: the document's id (elasticlunr's `ref`, Fuse's `url`).
    pub permalink: &'a str,
    pub title: Option<&'a str>,
    pub description: Option<&'a str>,
    /// RFC 3339, pages with a date only.
    pub date: Option<String>,
    /// Its URL path (`/blog/a/`).
    pub path: &'a str,
    /// Its rendered content (HTML); the index holds its text.
    pub html: &'a str,
}

/// The documents of language `lang` (an index into the site's languages) as Zola chooses
/// them: each section of that language with `in_search_index` (unless it is a redirect),
/// then its pages with `in_search_index`; the pages of a section left out are left out
/// too. Drafts never are documents.
pub fn documents(data: &SiteData, lang: usize) -> Vec<Document<'_>> {
    let library = &data.library;
    let mut docs = Vec::new();
    for (s, section) in library.sections.iter().enumerate() {
        if section.lang != lang || !section.front.in_search_index || section.front.draft {
            continue;
        }
        if section.front.redirect_to.is_none() {
            let value = match data.section_part(s, Pages::Empty) {
                Part::WithPages(value, _) | Part::Value(value) => value,
                _ => continue,
            };
            let value: &serde_json::Value = match value {
                std::borrow::Cow::Borrowed(v) => v,
                std::borrow::Cow::Owned(_) => continue,
            };
            docs.push(Document {
                permalink: value["permalink"].as_str().unwrap_or_default(),
                title: section.front.title.as_deref(),
                description: section.front.description.as_deref(),
                date: None,
                path: &section.url_path,
                html: value["content"].as_str().unwrap_or_default(),
            });
        }
        for &p in &section.pages {
            let page = &library.pages[p];
            if !page.front.in_search_index || page.front.draft {
                continue;
            }
            docs.push(Document {
                permalink: &data.permalinks[p],
                title: page.front.title.as_deref(),
                description: page.front.description.as_deref(),
                date: page
                    .date
                    .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
                path: &page.url_path,
                html: &data.rendered(p).html,
            });
        }
    }
    docs
}

/// The index of one language, built and ready to be written. It borrows its documents:
/// their texts are made again while it is written rather than held (see [`elasticlunr`]).
pub struct IndexFile<'d, 'a> {
    /// Its file name (`search_index.en.js`).
    pub name: String,
    javascript: bool,
    index: Built<'d, 'a>,
}

enum Built<'d, 'a> {
    Elasticlunr(elasticlunr::CompactIndex<'d, 'a>),
    Fuse(SearchConfig, &'d [Document<'a>]),
}

impl IndexFile<'_, '_> {
    /// Writes the file's bytes. Streamed: a large site's index is tens of MiB, and holding
    /// its text besides the index itself would double the build's peak memory.
    pub fn write_to(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        if self.javascript {
            // As Zola writes it (no semicolon).
            out.write_all(b"window.searchIndex = ")?;
        }
        match &self.index {
            Built::Elasticlunr(index) => index.write_to(out),
            Built::Fuse(search, docs) => write_fuse(out, search, docs),
        }
    }
}

/// Builds the index of language `lang`. An elasticlunr index needs a stemmer for the
/// language: another language is an error naming it (`config` is the config file, for the
/// message).
pub fn build_index<'d, 'a>(
    search: &SearchConfig,
    lang: &str,
    docs: &'d [Document<'a>],
    config: &Path,
) -> Result<IndexFile<'d, 'a>, AssetError> {
    let index = if search.index_format.is_elasticlunr() {
        let index = elasticlunr::CompactIndex::build(search, lang, docs).ok_or_else(|| {
            AssetError::SearchLanguage {
                config: config.to_path_buf(),
                lang: lang.to_string(),
                message: "elasticlunr has no stemmer for it (use a fuse index format)".into(),
            }
        })?;
        Built::Elasticlunr(index)
    } else {
        Built::Fuse(search.clone(), docs)
    };
    Ok(IndexFile {
        name: search.index_format.file_name(lang),
        javascript: matches!(
            search.index_format,
            IndexFormat::ElasticlunrJavascript | IndexFormat::FuseJavascript
        ),
        index,
    })
}

/// The index file of language `lang`: its name and text (see [`build_index`]).
pub fn index_file(
    search: &SearchConfig,
    lang: &str,
    docs: &[Document],
    config: &Path,
) -> Result<(String, String), AssetError> {
    let file = build_index(search, lang, docs, config)?;
    let mut bytes = Vec::new();
    file.write_to(&mut bytes)
        .map_err(|e| AssetError::SearchLanguage {
            config: config.to_path_buf(),
            lang: lang.to_string(),
            message: e.to_string(),
        })?;
    Ok((file.name, String::from_utf8_lossy(&bytes).into_owned()))
}

/// What an index of `docs` is made from, hashed: two equal keys, two equal indexes.
pub fn index_key(search: &SearchConfig, lang: &str, docs: &[Document]) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    // `Debug` names every field of the config: a new one changes the key.
    h.update(format!("{search:?}\0{lang}\0{}\0", docs.len()).as_bytes());
    for doc in docs {
        for part in [
            doc.permalink,
            doc.title.unwrap_or("\u{1}"),
            doc.description.unwrap_or("\u{1}"),
            doc.date.as_deref().unwrap_or("\u{1}"),
            doc.path,
        ] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.update(&(doc.html.len() as u64).to_le_bytes());
        h.update(doc.html.as_bytes());
    }
    h.digest128()
}

/// Files the format needs besides the index: `elasticlunr.min.js` for elasticlunr's.
pub fn support_files(search: &SearchConfig) -> Vec<(&'static str, &'static str)> {
    match search.index_format.is_elasticlunr() {
        true => vec![("elasticlunr.min.js", ELASTICLUNR_JS)],
        false => Vec::new(),
    }
}

/// Writes a Fuse.js list of `docs`, one entry at a time: no body text is held beyond its
/// entry.
fn write_fuse(
    out: &mut dyn std::io::Write,
    search: &SearchConfig,
    docs: &[Document],
) -> std::io::Result<()> {
    #[derive(serde::Serialize)]
    struct Entry<'a> {
        url: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        title: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        body: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        path: Option<&'a str>,
    }
    struct Entries<'s, 'd, 'a>(&'s SearchConfig, &'d [Document<'a>]);
    impl serde::Serialize for Entries<'_, '_, '_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let search = self.0;
            s.collect_seq(self.1.iter().map(|doc| {
                Entry {
                    url: doc.permalink,
                    title: search.include_title.then(|| doc.title.unwrap_or_default()),
                    description: search
                        .include_description
                        .then(|| doc.description.unwrap_or_default()),
                    body: search
                        .include_content
                        .then(|| plain_text(doc.html, search.truncate_content_length)),
                    path: search.include_path.then_some(doc.path),
                }
            }))
        }
    }
    serde_json::to_writer(out, &Entries(search, docs)).map_err(Into::into)
}
