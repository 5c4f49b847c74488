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

use elasticlunr::{Index, IndexBuilder};
use serde::Deserialize;

use super::AssetError;
use crate::render::{Pages, Part, SiteData};

/// `elasticlunr.min.js` of the npm package `elasticlunr` 0.9.5, unchanged (see
/// `vendor/elasticlunr/README.md` for its checksum and license).
pub const ELASTICLUNR_JS: &str = include_str!("../../vendor/elasticlunr/elasticlunr.min.js");

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

    fn is_elasticlunr(self) -> bool {
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

/// The index of one language, built and ready to be written.
pub struct IndexFile {
    /// Its file name (`search_index.en.js`).
    pub name: String,
    javascript: bool,
    index: Built,
}

enum Built {
    Elasticlunr(Box<Index>),
    Fuse(String),
}

impl IndexFile {
    /// Writes the file's bytes. Streamed: a large site's index is tens of MiB, and holding
    /// its text besides the index itself would double the build's peak memory.
    pub fn write_to(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        if self.javascript {
            // As Zola writes it (no semicolon).
            out.write_all(b"window.searchIndex = ")?;
        }
        match &self.index {
            Built::Elasticlunr(index) => serde_json::to_writer(out, index).map_err(Into::into),
            Built::Fuse(json) => out.write_all(json.as_bytes()),
        }
    }
}

/// Builds the index of language `lang`. An elasticlunr index needs a stemmer for the
/// language: another language is an error naming it (`config` is the config file, for the
/// message).
pub fn build_index(
    search: &SearchConfig,
    lang: &str,
    docs: &[Document],
    config: &Path,
) -> Result<IndexFile, AssetError> {
    let index = if search.index_format.is_elasticlunr() {
        Built::Elasticlunr(Box::new(elasticlunr_index(search, lang, docs, config)?))
    } else {
        Built::Fuse(fuse_index(search, docs))
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

/// Files the format needs besides the index: `elasticlunr.min.js` for elasticlunr's.
pub fn support_files(search: &SearchConfig) -> Vec<(&'static str, &'static str)> {
    match search.index_format.is_elasticlunr() {
        true => vec![("elasticlunr.min.js", ELASTICLUNR_JS)],
        false => Vec::new(),
    }
}

fn elasticlunr_index(
    search: &SearchConfig,
    lang: &str,
    docs: &[Document],
    config: &Path,
) -> Result<Index, AssetError> {
    let language =
        elasticlunr::lang::from_code(lang).ok_or_else(|| AssetError::SearchLanguage {
            config: config.to_path_buf(),
            lang: lang.to_string(),
            message: "elasticlunr has no stemmer for it (use a fuse index format)".into(),
        })?;
    let mut builder = IndexBuilder::with_language(language);
    if search.include_title {
        builder = builder.add_field("title");
    }
    if search.include_description {
        builder = builder.add_field("description");
    }
    if search.include_date {
        builder = builder.add_field("date");
    }
    if search.include_path {
        builder = builder.add_field_with_tokenizer("path", Box::new(path_tokens));
    }
    if search.include_content {
        builder = builder.add_field("body");
    }
    let mut index = builder.build();
    for doc in docs {
        let mut row = Vec::new();
        if search.include_title {
            row.push(doc.title.unwrap_or_default().to_string());
        }
        if search.include_description {
            row.push(doc.description.unwrap_or_default().to_string());
        }
        if search.include_date {
            // An empty date keeps the fields in step (Zola leaves it out, shifting them).
            row.push(doc.date.clone().unwrap_or_default());
        }
        if search.include_path {
            row.push(doc.path.to_string());
        }
        if search.include_content {
            row.push(plain_text(doc.html, search.truncate_content_length));
        }
        index.add_doc(doc.permalink, row);
    }
    Ok(index)
}

/// A path's words: split at whitespace, `-` and `/`, lowercased (Zola's path tokenizer).
fn path_tokens(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == '-' || c == '/')
        .filter(|s| !s.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn fuse_index(search: &SearchConfig, docs: &[Document]) -> String {
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
    let entries: Vec<Entry> = docs
        .iter()
        .map(|doc| Entry {
            url: doc.permalink,
            title: search.include_title.then(|| doc.title.unwrap_or_default()),
            description: search
                .include_description
                .then(|| doc.description.unwrap_or_default()),
            body: search
                .include_content
                .then(|| plain_text(doc.html, search.truncate_content_length)),
            path: search.include_path.then_some(doc.path),
        })
        .collect();
    serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into())
}

/// The text of rendered HTML as the index holds it: tags and comments dropped, the contents
/// of `script`, `style` and `pre` dropped, runs of whitespace made one space, blank lines
/// dropped, and at most `limit` characters. Character references stay as written, but for
/// quotes, which are written as themselves (as Zola's HTML cleaner writes text).
pub fn plain_text(html: &str, limit: Option<usize>) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        text.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        if !rest[1..]
            .starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?')
        {
            // A `<` that opens no tag is text.
            text.push('<');
            rest = &rest[1..];
            continue;
        }
        let name: String = rest[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let Some(end) = rest.find('>') else {
            // An unclosed tag is text.
            text.push_str(rest);
            rest = "";
            break;
        };
        rest = &rest[end + 1..];
        if matches!(name.as_str(), "script" | "style" | "pre") {
            let close = format!("</{name}");
            let lower = rest.to_ascii_lowercase();
            rest = match lower.find(&close) {
                Some(at) => rest[at..].find('>').map_or("", |e| &rest[at + e + 1..]),
                None => "",
            };
        }
    }
    text.push_str(rest);
    let text = text
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'");
    let mut clean = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    if let Some(limit) = limit {
        if let Some((cut, _)) = clean.char_indices().nth(limit) {
            clean.truncate(cut);
        }
    }
    clean
}
