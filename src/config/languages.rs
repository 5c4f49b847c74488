//! `[languages.CODE]`: the languages of a multilingual site, as Zola 0.22 reads them.
//!
//! The default language's options are the top-level keys (`title`, `generate_feeds`,
//! `taxonomies`, `[translations]`, ...); a `[languages.DEFAULT]` table may give them instead
//! (setting one in both places is an error, as in Zola). Every other language has its own
//! table; what it leaves out takes Zola's defaults (no feeds, no search index, no
//! taxonomies), not the default language's values.
//!
//! Older Zola versions wrote `languages = [{ code = "fr", feed = true, search = true }]`
//! (before 0.15) and `generate_feed` / `feed_filename` in a language's table (before 0.19):
//! both are read, with a warning each (see `legacy`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Config, TaxonomyConfig};

/// The keys of a `[languages.CODE]` table.
pub(super) const LANGUAGE_KEYS: &[&str] = &[
    "title",
    "description",
    "generate_feeds",
    "feed_filenames",
    "taxonomies",
    "build_search_index",
    "search",
    "translations",
];

/// One `[languages.CODE]` table, as written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LanguageOptions {
    pub title: Option<String>,
    pub description: Option<String>,
    pub generate_feeds: bool,
    /// `None` when not written (Zola's default, `["atom.xml"]`).
    pub feed_filenames: Option<Vec<String>>,
    pub taxonomies: Vec<TaxonomyConfig>,
    pub build_search_index: bool,
    pub search: toml::Table,
    pub translations: toml::Table,
}

/// A language of the site with its options resolved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Language {
    pub code: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub generate_feeds: bool,
    pub feed_filenames: Vec<String>,
    pub taxonomies: Vec<TaxonomyConfig>,
    pub build_search_index: bool,
    pub search: toml::Table,
    pub translations: toml::Table,
}

/// The site's languages: the default first, then the others by code. Index 0 is always
/// the default language, so a language index of 0 means "no `/CODE/` prefix".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Languages {
    list: Vec<Language>,
}

impl Languages {
    /// Resolves `config`'s languages. Errors name the key set twice.
    pub(super) fn resolve(config: &Config) -> Result<Languages, String> {
        let default = &config.default_language;
        let mut first = Language {
            code: default.clone(),
            title: config.title.clone(),
            description: config.description.clone(),
            generate_feeds: config.generate_feeds,
            feed_filenames: config.feed_filenames.clone(),
            taxonomies: config.taxonomies.clone(),
            build_search_index: config.build_search_index,
            search: config.search.clone(),
            translations: config.translations.clone(),
        };
        if let Some(own) = config.languages.get(default) {
            merge_default(&mut first, own)?;
        }
        let mut list = vec![first];
        for (code, options) in config.languages.iter().filter(|(c, _)| *c != default) {
            check_code(code)?;
            list.push(Language {
                code: code.clone(),
                title: options.title.clone(),
                description: options.description.clone(),
                generate_feeds: options.generate_feeds,
                feed_filenames: options
                    .feed_filenames
                    .clone()
                    .unwrap_or_else(|| vec!["atom.xml".into()]),
                taxonomies: options.taxonomies.clone(),
                build_search_index: options.build_search_index,
                search: options.search.clone(),
                translations: options.translations.clone(),
            });
        }
        for language in &list {
            if language.taxonomies.iter().any(|t| t.paginate_by == Some(0)) {
                return Err(format!(
                    "languages.{}.taxonomies: paginate_by must be at least 1",
                    language.code
                ));
            }
            if let Some(bad) = language
                .feed_filenames
                .iter()
                .find(|f| f.is_empty() || f.contains(['/', '\\']))
            {
                return Err(format!(
                    "languages.{}.feed_filenames: `{bad}` is not a file name",
                    language.code
                ));
            }
        }
        Ok(Languages { list })
    }

    /// All languages, the default first.
    pub fn all(&self) -> &[Language] {
        &self.list
    }

    /// The index of language `code`, if the site has it.
    pub fn index(&self, code: &str) -> Option<usize> {
        self.list.iter().position(|l| l.code == code)
    }

    /// Every language code, the default first.
    pub fn codes(&self) -> Vec<String> {
        self.list.iter().map(|l| l.code.clone()).collect()
    }

    /// The codes of the languages other than the default.
    pub fn others(&self) -> Vec<String> {
        self.list.iter().skip(1).map(|l| l.code.clone()).collect()
    }

    /// Whether the site has more than one language (Zola lists translations only then).
    pub fn is_multilingual(&self) -> bool {
        self.list.len() > 1
    }

    /// Language `i` (`0` when out of range: the default).
    pub fn get(&self, i: usize) -> &Language {
        &self.list[if i < self.list.len() { i } else { 0 }]
    }

    /// The URL path prefix of language `i`: empty for the default, `/CODE` for the others.
    pub fn prefix(&self, i: usize) -> String {
        match i {
            0 => String::new(),
            _ => format!("/{}", self.get(i).code),
        }
    }
}

/// A language code becomes a URL path segment and a file-name part: no separators, no dots.
fn check_code(code: &str) -> Result<(), String> {
    let bad = code.is_empty()
        || code.contains(['/', '\\', '.', ' '])
        || code.chars().any(char::is_control);
    if bad {
        return Err(format!(
            "languages: `{code}` is not a language code (e.g. `fr`, `pt-BR`)"
        ));
    }
    Ok(())
}

/// Takes the options of `[languages.DEFAULT]` into the default language, refusing a key set
/// both there and at the top level (Zola's rule).
fn merge_default(first: &mut Language, own: &LanguageOptions) -> Result<(), String> {
    let twice = |key: &str| {
        Err(format!(
            "`{key}` of the default language `{}` is set twice: at the top level and in [languages.{}]",
            first.code, first.code
        ))
    };
    match (&first.title, &own.title) {
        (Some(_), Some(_)) => return twice("title"),
        (None, Some(t)) => first.title = Some(t.clone()),
        _ => {}
    }
    match (&first.description, &own.description) {
        (Some(_), Some(_)) => return twice("description"),
        (None, Some(d)) => first.description = Some(d.clone()),
        _ => {}
    }
    if let Some(names) = &own.feed_filenames {
        if first.feed_filenames != ["atom.xml"] && &first.feed_filenames != names {
            return twice("feed_filenames");
        }
        first.feed_filenames = names.clone();
    }
    if !own.taxonomies.is_empty() {
        if !first.taxonomies.is_empty() {
            return twice("taxonomies");
        }
        first.taxonomies = own.taxonomies.clone();
    }
    if !own.translations.is_empty() {
        if !first.translations.is_empty() {
            return twice("translations");
        }
        first.translations = own.translations.clone();
    }
    if !own.search.is_empty() {
        if !first.search.is_empty() {
            return twice("search");
        }
        first.search = own.search.clone();
    }
    first.generate_feeds |= own.generate_feeds;
    first.build_search_index |= own.build_search_index;
    Ok(())
}

/// The `languages` value of language `lang`'s template config: every other language's
/// resolved options by code (Zola leaves the current language out).
pub(super) fn others_value(languages: &Languages, lang: usize) -> serde_json::Value {
    let map: BTreeMap<&str, &Language> = languages
        .all()
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != lang)
        .map(|(_, l)| (l.code.as_str(), l))
        .collect();
    serde_json::to_value(map).unwrap_or_default()
}
