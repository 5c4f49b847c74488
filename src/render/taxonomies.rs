//! Taxonomies: the terms of each, their paths (`taxonomy_root`, the `[slugify]` strategy)
//! and their pages in Zola's order.

use std::collections::{BTreeMap, HashMap};

use crate::config::{Config, Languages, TaxonomyConfig};
use crate::content::slug::slugify_path;
use crate::content::Library;

/// A term of a taxonomy, with its pages (newest first).
#[derive(Clone, Debug)]
pub struct TermData {
    pub name: String,
    pub slug: String,
    pub path: String,
    pub permalink: String,
    pub pages: Vec<usize>,
}

/// A taxonomy with its terms (sorted by slug).
#[derive(Clone, Debug)]
pub struct TaxonomyData {
    pub config: TaxonomyConfig,
    /// Its language (an index into the site's languages): its terms list only pages of
    /// that language, and its paths are under `/CODE/`.
    pub lang: usize,
    pub path: String,
    pub permalink: String,
    pub terms: Vec<TermData>,
}

/// The terms of taxonomy `tax` of language `lang`, sorted by slug, each with its pages of
/// that language, newest first.
pub(super) fn taxonomy(
    config: &Config,
    languages: &Languages,
    library: &Library,
    tax: &TaxonomyConfig,
    lang: usize,
) -> TaxonomyData {
    let mut terms: BTreeMap<String, TermData> = BTreeMap::new();
    let strategy = config.slugify.taxonomies;
    let tax_slug = slugify_path(&tax.name, strategy);
    let root = match config.taxonomy_root.as_deref().map(|r| r.trim_matches('/')) {
        Some(r) if !r.is_empty() => format!("{}/{r}", languages.prefix(lang)),
        _ => languages.prefix(lang),
    };
    // Few distinct names, each on many pages: slugify each once.
    let mut slugs: HashMap<&str, String> = HashMap::new();
    for (i, page) in library
        .pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.lang == lang)
    {
        for name in page.front.taxonomies.get(&tax.name).into_iter().flatten() {
            let slug = slugs
                .entry(name)
                .or_insert_with(|| slugify_path(name, strategy));
            if !terms.contains_key(slug.as_str()) {
                let path = format!("{root}/{tax_slug}/{slug}/");
                let term = TermData {
                    name: name.clone(),
                    permalink: config.permalink(&path),
                    slug: slug.clone(),
                    path,
                    pages: Vec::new(),
                };
                terms.insert(slug.clone(), term);
            }
            let Some(term) = terms.get_mut(slug.as_str()) else {
                continue;
            };
            // Pages come in order, so a page listing a term twice is the last one added.
            if term.pages.last() != Some(&i) {
                term.pages.push(i);
            }
        }
    }
    let mut terms: Vec<TermData> = terms.into_values().collect();
    for term in &mut terms {
        // As Zola: newest first, then the undated pages.
        let undated = crate::content::sort_pages(
            &mut term.pages,
            &library.pages,
            crate::content::front_matter::SortBy::Date,
        );
        term.pages.extend(undated);
    }
    let path = format!("{root}/{tax_slug}/");
    TaxonomyData {
        config: tax.clone(),
        lang,
        permalink: config.permalink(&path),
        path,
        terms,
    }
}
