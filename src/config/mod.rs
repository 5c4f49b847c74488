//! `zola.toml` (or `config.toml`): the site's settings, with Zola's names and defaults.
//!
//! Unknown keys are not errors (a Zola config carries keys sitegen does not use) but each one
//! is a warning that names it and suggests the nearest known key. Keys of older Zola versions
//! that Zola 0.22 rejects (`generate_feed`, `feed_filename`, `highlight_code`, ...) are
//! mapped onto the current ones with a warning each, and stay readable by templates under
//! their old names, so that sites written for Zola 0.11-0.21 build as they are.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

mod globs;
pub use globs::glob_set;
mod languages;
mod legacy;
mod link_checker;
pub use languages::{Language, LanguageOptions, Languages};
mod markdown;
pub use link_checker::{LinkCheckerConfig, LinkLevel};
pub use markdown::{
    migrate_legacy, HighlightStyle, HighlightingConfig, InsertAnchor, LegacyStylesheet,
    MarkdownConfig, LEGACY_DEFAULT_THEME,
};
use markdown::{HIGHLIGHTING_KEYS, MARKDOWN_KEYS};

use crate::content::slug::SlugStrategy;

/// The keys of `[slugify]`, for the unknown-key warning.
const SLUGIFY_KEYS: &[&str] = &["paths", "paths_keep_dates", "taxonomies", "anchors"];

/// The keys of a taxonomy table (after the old `rss` and `lang` are migrated).
const TAXONOMY_KEYS: &[&str] = &["name", "feed", "paginate_by", "paginate_path", "render"];

/// `[slugify]`: the slug strategy for each kind of name.
///
/// Unknown keys are warned about, not refused: Zola reads this table without
/// `deny_unknown_fields`, and sites carry misplaced keys in it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SlugifyConfig {
    /// Page and section paths.
    pub paths: SlugStrategy,
    /// Whether `2024-05-01-name.md` keeps its date in the slug.
    pub paths_keep_dates: bool,
    /// Taxonomy and term names.
    pub taxonomies: SlugStrategy,
    /// Heading anchors.
    pub anchors: SlugStrategy,
}

/// What can go wrong reading `config.toml`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: cannot read ({source})", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not valid TOML or a value has the wrong type.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// Neither `zola.toml` nor `config.toml` is in the site's root.
    #[error("{}: not a site: there is no zola.toml or config.toml here; run sitegen in a site's folder, point at one with `--root DIR`, or start one with `sitegen init DIR`", root.display())]
    NotASite { root: PathBuf },
    /// A required key is missing or a value is out of range.
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

/// One taxonomy (`[[taxonomies]]` or `taxonomies = [{ name = "tags" }]`). Unknown keys are
/// warned about, not refused, as Zola accepts them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxonomyConfig {
    /// Its name, as used in front matter (`tags`).
    pub name: String,
    /// Whether each term gets a feed.
    #[serde(default)]
    pub feed: bool,
    /// Terms per page on a term page; no pagination when absent.
    #[serde(default)]
    pub paginate_by: Option<usize>,
    /// Where term pagers live: `<term>/<paginate_path>/<n>/`.
    #[serde(default = "default_paginate_path")]
    pub paginate_path: String,
    /// Whether the taxonomy's pages are written at all.
    #[serde(default = "yes")]
    pub render: bool,
}

fn default_paginate_path() -> String {
    "page".into()
}

fn yes() -> bool {
    true
}

/// Whether a build is a plain build, under `serve`, or under `check` (`config.mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Build,
    Serve,
    Check,
}

/// The site configuration; field names and defaults follow Zola.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// The site's absolute URL (required), without a trailing slash once loaded.
    pub base_url: String,
    /// `base_url` as written (templates see it so, as in Zola).
    #[serde(skip)]
    pub base_url_given: String,
    /// Site title.
    pub title: Option<String>,
    /// Site description.
    pub description: Option<String>,
    /// Language code (`en`).
    pub default_language: String,
    /// Theme directory name under `themes/`.
    pub theme: Option<String>,
    /// Output directory, relative to the site root.
    pub output_dir: PathBuf,
    /// Whether to write feeds.
    pub generate_feeds: bool,
    /// Which feeds: `atom.xml`, `rss.xml`.
    pub feed_filenames: Vec<String>,
    /// At most this many entries per feed.
    pub feed_limit: Option<usize>,
    /// Taxonomies.
    pub taxonomies: Vec<TaxonomyConfig>,
    /// Whether to write `sitemap.xml`.
    pub generate_sitemap: bool,
    /// Whether to write `robots.txt`.
    pub generate_robots_txt: bool,
    /// Markdown options.
    pub markdown: MarkdownConfig,
    /// Slug strategies.
    pub slugify: SlugifyConfig,
    /// Link checking.
    pub link_checker: LinkCheckerConfig,
    /// Default author of pages (feeds).
    pub author: Option<String>,
    /// `ignored_content` and `ignored_static`: globs of files that are not input.
    pub ignored_content: Vec<String>,
    pub ignored_static: Vec<String>,
    /// Optional path prefix of every taxonomy (`blog` -> `/blog/tags/`).
    pub taxonomy_root: Option<String>,
    /// Compile the site's `sass/` (see [`crate::assets::sass`]).
    pub compile_sass: bool,
    /// Minify rendered HTML (see [`crate::assets::minify`]); `--minify` sets it too.
    pub minify_html: bool,
    /// Write a search index (see [`crate::assets::search`]), configured by `[search]`.
    pub build_search_index: bool,
    /// Read but not acted on yet.
    pub hard_link_static: bool,
    pub preserve_dotfiles_in_output: bool,
    /// `"all"`: pagers after the first are left out of the sitemap.
    pub exclude_paginated_pages_in_sitemap: String,
    /// `[search]` and `[translations]` (the default language's): kept for templates as
    /// they are.
    pub search: toml::Table,
    pub translations: toml::Table,
    /// `[languages.CODE]`, as written ([`Config::site_languages`] resolves them).
    pub languages: std::collections::BTreeMap<String, LanguageOptions>,
    /// How a build's output is published: `"files"` (the default) or `"swap"` (the whole
    /// site at once; see `output::Publish`). A sitegen key.
    #[serde(with = "publish_key")]
    pub publish: crate::output::Publish,
    /// Whether this is a build, `serve` or `check` (set by the command, not the file).
    #[serde(skip_deserializing)]
    pub mode: Mode,
    /// Free-form values for templates.
    pub extra: toml::Table,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            base_url: String::new(),
            base_url_given: String::new(),
            title: None,
            description: None,
            default_language: "en".into(),
            theme: None,
            output_dir: PathBuf::from("public"),
            generate_feeds: false,
            feed_filenames: vec!["atom.xml".into()],
            feed_limit: None,
            taxonomies: Vec::new(),
            generate_sitemap: true,
            generate_robots_txt: true,
            markdown: MarkdownConfig::default(),
            slugify: SlugifyConfig::default(),
            link_checker: LinkCheckerConfig::default(),
            author: None,
            ignored_content: Vec::new(),
            ignored_static: Vec::new(),
            taxonomy_root: None,
            compile_sass: false,
            minify_html: false,
            build_search_index: false,
            hard_link_static: false,
            preserve_dotfiles_in_output: false,
            exclude_paginated_pages_in_sitemap: "none".into(),
            search: toml::Table::new(),
            translations: toml::Table::new(),
            languages: Default::default(),
            publish: crate::output::Publish::Files,
            mode: Mode::Build,
            extra: toml::Table::new(),
        }
    }
}

const TOP_KEYS: &[&str] = &[
    "base_url",
    "title",
    "description",
    "default_language",
    "theme",
    "output_dir",
    "generate_feeds",
    "feed_filenames",
    "feed_limit",
    "taxonomies",
    "generate_sitemap",
    "generate_robots_txt",
    "markdown",
    "slugify",
    "link_checker",
    "author",
    "ignored_content",
    "ignored_static",
    "taxonomy_root",
    "compile_sass",
    "minify_html",
    "build_search_index",
    "hard_link_static",
    "preserve_dotfiles_in_output",
    "exclude_paginated_pages_in_sitemap",
    "search",
    "translations",
    "languages",
    "publish",
    "deployment",
    "extra",
];

/// `publish = "files" | "swap"` in the config file.
mod publish_key {
    use crate::output::Publish;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(p: &Publish, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match p {
            Publish::Files => "files",
            Publish::Swap => "swap",
        })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Publish, D::Error> {
        let text = String::deserialize(d)?;
        Publish::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("publish: `{text}` is not `files` or `swap`"))
        })
    }
}

/// The known key nearest to `key`, if any is close enough to be a likely typo.
pub fn nearest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(key, k), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

fn unknown_key_warnings(table: &toml::Table, path: &Path) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut check = |prefix: &str, table: &toml::Table, known: &[&str]| {
        for key in table.keys().filter(|k| !known.contains(&k.as_str())) {
            let hint = nearest(key, known)
                .map(|k| format!(" (did you mean `{prefix}{k}`?)"))
                .unwrap_or_default();
            warnings.push(format!(
                "{}: unknown key `{prefix}{key}`{hint}",
                path.display()
            ));
        }
    };
    check("", table, TOP_KEYS);
    if let Some(toml::Value::Table(languages)) = table.get("languages") {
        for (code, options) in languages {
            if let toml::Value::Table(options) = options {
                check(
                    &format!("languages.{code}."),
                    options,
                    languages::LANGUAGE_KEYS,
                );
            }
        }
    }
    if let Some(toml::Value::Table(slugify)) = table.get("slugify") {
        check("slugify.", slugify, SLUGIFY_KEYS);
    }
    if let Some(toml::Value::Table(links)) = table.get("link_checker") {
        check("link_checker.", links, link_checker::LINK_CHECKER_KEYS);
    }
    if let Some(toml::Value::Array(taxonomies)) = table.get("taxonomies") {
        for (i, t) in taxonomies.iter().enumerate() {
            if let toml::Value::Table(t) = t {
                check(&format!("taxonomies[{i}]."), t, TAXONOMY_KEYS);
            }
        }
    }
    if let Some(toml::Value::Table(md)) = table.get("markdown") {
        check("markdown.", md, MARKDOWN_KEYS);
        if let Some(toml::Value::Table(hl)) = md.get("highlighting") {
            check("markdown.highlighting.", hl, HIGHLIGHTING_KEYS);
        }
    }
    warnings
}

/// 1-based line of byte offset `at` in `text`.
pub fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// The config file of the site at `root`: `explicit` if given (relative to the current
/// directory), else `zola.toml`, else `config.toml` (Zola's order). When neither exists,
/// `config.toml`, so that the error names the file Zola users know.
pub fn find_file(root: &Path, explicit: Option<&Path>) -> PathBuf {
    if let Some(path) = explicit {
        return path.to_path_buf();
    }
    let zola = root.join("zola.toml");
    if zola.is_file() {
        zola
    } else {
        root.join("config.toml")
    }
}

impl Config {
    /// Reads and checks a config file; returns it with its warnings (unknown keys).
    pub fn load(path: &Path) -> Result<(Config, Vec<String>), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// The taxonomy names each language declares, the default language first.
    pub fn declared_taxonomies(&self) -> Vec<Vec<String>> {
        let languages = self.site_languages();
        let names = |l: &Language| l.taxonomies.iter().map(|t| t.name.clone()).collect();
        languages.all().iter().map(names).collect()
    }

    /// Parses config text (`path` is for messages).
    pub fn parse(text: &str, path: &Path) -> Result<(Config, Vec<String>), ConfigError> {
        let parse_err = |e: toml::de::Error| ConfigError::Parse {
            path: path.into(),
            line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
            message: e.message().to_string(),
        };
        let mut table: toml::Table = toml::from_str(text).map_err(parse_err)?;
        let mut warnings = legacy::migrate_legacy_keys(&mut table, path);
        warnings.extend(unknown_key_warnings(&table, path));
        if let Some(toml::Value::Table(md)) = table.get_mut("markdown") {
            warnings.extend(migrate_legacy(md, path));
        }
        let mut config: Config = Config::deserialize(toml::Value::Table(table)).map_err(|e| {
            // The table was rebuilt and has no spans: the same mistake in the text, when it
            // is one there, has its line; else the line of the key the message names.
            if let Err(with_line) = toml::from_str::<Config>(text) {
                if with_line.message() == e.message() {
                    return parse_err(with_line);
                }
            }
            let message = e.message().to_string();
            let line = message
                .split('`')
                .nth(1)
                .and_then(|key| text.lines().position(|l| l.trim_start().starts_with(key)))
                .map_or(1, |i| i + 1);
            ConfigError::Parse {
                path: path.into(),
                line,
                message,
            }
        })?;
        let invalid = |message: String| ConfigError::Invalid {
            path: path.into(),
            message,
        };
        if config.base_url.trim().is_empty() {
            return Err(invalid(
                "`base_url` is required (e.g. base_url = \"https://example.com\")".into(),
            ));
        }
        config.base_url_given = config.base_url.clone();
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        if let Some(bad) = config
            .feed_filenames
            .iter()
            .find(|f| f.is_empty() || f.contains(['/', '\\']))
        {
            return Err(invalid(format!(
                "feed_filenames: `{bad}` is not a file name"
            )));
        }
        if config.taxonomies.iter().any(|t| t.paginate_by == Some(0)) {
            return Err(invalid("taxonomies: paginate_by must be at least 1".into()));
        }
        for (key, globs) in [
            ("ignored_content", &config.ignored_content),
            ("ignored_static", &config.ignored_static),
        ] {
            glob_set(globs, key).map_err(invalid)?;
        }
        Languages::resolve(&config).map_err(invalid)?;
        Ok((config, warnings))
    }

    /// Adds the `[extra]` defaults of a theme's `theme.toml` (the site's own values win), as
    /// Zola does. A missing file is fine; a malformed one is an error naming it.
    pub fn merge_theme_extra(&mut self, theme_toml: &Path) -> Result<(), ConfigError> {
        let text = match std::fs::read_to_string(theme_toml) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: theme_toml.into(),
                    source,
                })
            }
        };
        let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: theme_toml.into(),
            line: e.span().map(|s| line_of(&text, s.start)).unwrap_or(1),
            message: e.message().to_string(),
        })?;
        if let Some(toml::Value::Table(extra)) = table.get("extra") {
            for (key, value) in extra {
                self.extra
                    .entry(key.clone())
                    .or_insert_with(|| value.clone());
            }
        }
        Ok(())
    }

    /// The config as templates see it (`config`): every key, `base_url` as written, and the
    /// names older Zola versions gave some keys (`generate_feed`, `feed_filename`), so that
    /// themes written for them read what they expect.
    pub fn template_value(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(map) = value.as_object_mut() {
            map.insert("base_url".into(), self.base_url_given.clone().into());
            map.insert("generate_feed".into(), self.generate_feeds.into());
            if let Some(first) = self.feed_filenames.first() {
                map.insert("feed_filename".into(), first.clone().into());
            }
        }
        value
    }

    /// The site's languages, resolved (the default first). A config that [`Config::parse`]
    /// accepted always resolves; one built otherwise (tests) falls back to its default
    /// language alone.
    pub fn site_languages(&self) -> Languages {
        Languages::resolve(self).unwrap_or_else(|_| {
            let mut alone = self.clone();
            alone.languages.clear();
            Languages::resolve(&alone).unwrap_or_default()
        })
    }

    /// [`Config::template_value`] as the pages of language `lang` (an index into
    /// [`Config::site_languages`]) see it: that language's title, description, feeds,
    /// taxonomies, search and translations, and the other languages under `languages`
    /// (Zola's `config.serialize(lang)`).
    pub fn template_value_for(&self, languages: &Languages, lang: usize) -> serde_json::Value {
        let mut value = self.template_value();
        let language = languages.get(lang);
        if let Some(map) = value.as_object_mut() {
            let mut put = |key: &str, v: serde_json::Value| {
                map.insert(key.into(), v);
            };
            put("title", serde_json::json!(language.title));
            put("description", serde_json::json!(language.description));
            put("generate_feeds", language.generate_feeds.into());
            put("generate_feed", language.generate_feeds.into());
            put("feed_filenames", serde_json::json!(language.feed_filenames));
            if let Some(first) = language.feed_filenames.first() {
                put("feed_filename", first.clone().into());
            }
            put("taxonomies", serde_json::json!(language.taxonomies));
            put("build_search_index", language.build_search_index.into());
            put("translations", serde_json::json!(language.translations));
            put("languages", languages::others_value(languages, lang));
        }
        value
    }

    /// The absolute URL of a site path (`/blog/` -> `https://example.com/blog/`).
    pub fn permalink(&self, path: &str) -> String {
        format!("{}/{}", self.base_url, path.trim_start_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<(Config, Vec<String>), ConfigError> {
        Config::parse(text, Path::new("config.toml"))
    }

    #[test]
    fn defaults_follow_zola() {
        let (c, w) = parse("base_url = \"https://example.com/\"").unwrap();
        assert!(w.is_empty());
        assert_eq!(c.base_url, "https://example.com");
        assert_eq!(c.output_dir, PathBuf::from("public"));
        assert!(c.generate_sitemap && c.generate_robots_txt && !c.generate_feeds);
        assert_eq!(c.permalink("/blog/"), "https://example.com/blog/");
    }

    #[test]
    fn unknown_keys_warn_with_a_suggestion() {
        let (_, w) =
            parse("base_url = \"x\"\ngenerate_feed = true\n[markdown]\nsmart_punctuaton = true")
                .unwrap();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].contains("`generate_feed`") && w[0].contains("generate_feeds"),
            "{w:?}"
        );
        assert!(w[1].contains("markdown.smart_punctuation"), "{w:?}");
    }

    #[test]
    fn unknown_keys_in_tables_zola_reads_loosely_warn_and_do_not_fail() {
        // Zola refuses unknown keys only at the top level, in `[markdown]` and in languages;
        // `[slugify]`, `[link_checker]` and taxonomy tables take any key.
        let (c, w) = parse(
            "base_url = \"x\"\ntaxonomies = [{ name = \"tags\", feed = true, sort_by = \"date\" }]\n\
             [slugify]\npaths = \"safe\"\nbuild_search_index = false\n\
             [link_checker]\nskip_prefix = []\n",
        )
        .unwrap();
        assert!(c.taxonomies[0].feed);
        assert_eq!(c.slugify.paths, SlugStrategy::Safe);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].contains("`slugify.build_search_index`"), "{w:?}");
        assert!(
            w[1].contains("`link_checker.skip_prefix`") && w[1].contains("skip_prefixes"),
            "{w:?}"
        );
        assert!(w[2].contains("`taxonomies[0].sort_by`"), "{w:?}");
    }

    #[test]
    fn legacy_markdown_keys_migrate_with_one_warning_each() {
        let (c, w) = parse(
            "base_url = \"x\"\n[markdown]\nhighlight_code = true\nhighlight_theme = \"css\"\nsmart_punctuation = true\n[markdown.highlighting]\nstyle = \"inline\"\nthem = 1",
        )
        .unwrap();
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].contains("`markdown.highlighting.them`"), "{w:?}");
        assert!(
            w[1].contains("`markdown.highlight_code` is deprecated"),
            "{w:?}"
        );
        assert!(
            w[2].contains("`markdown.highlight_theme` is deprecated"),
            "{w:?}"
        );
        let hl = c.markdown.highlighting.expect("highlighting on");
        // The explicit new key wins over the migrated `css`.
        assert_eq!(hl.style, HighlightStyle::Inline);
        assert_eq!(hl.theme.as_deref(), Some(LEGACY_DEFAULT_THEME));
        assert!(c.markdown.smart_punctuation);
        let e = parse("base_url = \"x\"\n[markdown]\nhighlight_code = true\n\nrender_emoji = 3")
            .unwrap_err();
        assert!(e.to_string().starts_with("config.toml:5:"), "{e}");
        let (c, w) = parse("base_url = \"x\"\n[markdown]\ninsert_anchor_links = \"left\"").unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.markdown.insert_anchor_links, InsertAnchor::Left);
        assert!(c.markdown.highlighting.is_none());
    }

    #[test]
    fn theme_extra_fills_in_what_the_site_does_not_set() {
        let dir = tempfile::tempdir().unwrap();
        let theme = dir.path().join("theme.toml");
        crate::output::atomic_write(
            &theme,
            b"name = \"t\"\n[extra]\ncolor = \"blue\"\nfooter = \"theme\"\n",
        )
        .unwrap();
        let (mut c, _) = parse("base_url = \"x\"\n[extra]\nfooter = \"site\"").unwrap();
        c.merge_theme_extra(&theme).unwrap();
        assert_eq!(c.extra["footer"].as_str(), Some("site"));
        assert_eq!(c.extra["color"].as_str(), Some("blue"));
        c.merge_theme_extra(&dir.path().join("missing.toml"))
            .unwrap();
        crate::output::atomic_write(&theme, b"[extra\n").unwrap();
        assert!(c
            .merge_theme_extra(&theme)
            .unwrap_err()
            .to_string()
            .contains("theme.toml:1"));
    }

    #[test]
    fn missing_base_url_and_bad_toml_are_errors_with_lines() {
        let e = parse("title = \"x\"").unwrap_err();
        assert!(e.to_string().contains("base_url"), "{e}");
        let e = parse("base_url = \"x\"\n\ntitle = = 3").unwrap_err();
        assert!(e.to_string().starts_with("config.toml:3:"), "{e}");
    }
}
