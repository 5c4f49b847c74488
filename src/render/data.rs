//! The template data of a build, serialized once: pages, sections, taxonomies.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde_json::{json, Value};

use crate::config::{Config, TaxonomyConfig};
use crate::content::{slugify, Library, Page};
use crate::markdown::Rendered;

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
    pub path: String,
    pub permalink: String,
    pub terms: Vec<TermData>,
}

/// A page as listed (no content): what section, paginator and term lists hold.
pub type PageRef = Value;

/// Everything templates can see, built once per build.
pub struct SiteData {
    pub base_url: String,
    pub config: Value,
    /// Full page values (`page` in page templates, `get_page`).
    pub pages: Vec<Value>,
    /// Page values without `content`, `toc` and neighbours (lists).
    pub light_pages: Vec<PageRef>,
    /// Section values with their (light) pages.
    pub sections: Vec<Value>,
    pub page_by_rel: HashMap<String, usize>,
    pub section_by_rel: HashMap<String, usize>,
    pub taxonomies: Vec<TaxonomyData>,
    /// Per taxonomy, the array of its term values with their (light) pages: built once,
    /// shared by the taxonomy list, every term page and `get_taxonomy`.
    pub terms_with_pages: Vec<Value>,
}

fn date_string(d: &Option<chrono::DateTime<chrono::FixedOffset>>) -> Value {
    d.map(|d| Value::String(d.to_rfc3339()))
        .unwrap_or(Value::Null)
}

fn light_page(page: &Page, rendered: &Rendered, config: &Config) -> Value {
    json!({
        "relative_path": page.rel,
        "title": page.front.title,
        "description": page.front.description,
        "date": date_string(&page.date),
        "updated": date_string(&page.updated),
        "weight": page.front.weight,
        "draft": page.front.draft,
        "slug": page.slug,
        "path": page.url_path,
        "permalink": config.permalink(&page.url_path),
        "summary": rendered.summary,
        "word_count": rendered.word_count,
        "reading_time": rendered.reading_time,
        "taxonomies": page.front.taxonomies,
        "aliases": page.front.aliases,
        "extra": page.front.extra,
        "assets": page.assets.iter().filter_map(|a| a.file_name()).map(|n| n.to_string_lossy().into_owned()).collect::<Vec<_>>(),
    })
}

impl SiteData {
    /// Serializes the library once. `rendered` is per page, `section_rendered` per section.
    pub fn build(
        config: &Config,
        library: &Library,
        rendered: &[Rendered],
        section_rendered: &[Rendered],
    ) -> Self {
        let config_value = serde_json::to_value(config).unwrap_or(Value::Null);
        let light_pages: Vec<Value> = library
            .pages
            .par_iter()
            .zip(rendered)
            .map(|(p, r)| light_page(p, r, config))
            .collect();

        // Neighbours in the section's order: `higher` comes before, `lower` after.
        let mut neighbours: Vec<(Option<usize>, Option<usize>)> =
            vec![(None, None); library.pages.len()];
        for section in &library.sections {
            for (k, &p) in section.pages.iter().enumerate() {
                let higher = k.checked_sub(1).map(|h| section.pages[h]);
                neighbours[p] = (higher, section.pages.get(k + 1).copied());
            }
        }
        let pages: Vec<Value> = (0..library.pages.len())
            .into_par_iter()
            .map(|i| {
                let mut v = light_pages[i].clone();
                let r = &rendered[i];
                v["content"] = Value::String(r.html.clone());
                v["toc"] = serde_json::to_value(&r.toc).unwrap_or(Value::Null);
                let (higher, lower) = neighbours[i];
                v["higher"] = higher
                    .map(|h| light_pages[h].clone())
                    .unwrap_or(Value::Null);
                v["lower"] = lower.map(|l| light_pages[l].clone()).unwrap_or(Value::Null);
                v
            })
            .collect();

        let sections: Vec<Value> = library
            .sections
            .par_iter()
            .zip(section_rendered)
            .map(|(s, r)| {
                json!({
                    "relative_path": s.rel,
                    "title": s.front.title,
                    "description": s.front.description,
                    "path": s.url_path,
                    "permalink": config.permalink(&s.url_path),
                    "content": r.html,
                    "toc": r.toc,
                    "word_count": r.word_count,
                    "reading_time": r.reading_time,
                    "extra": s.front.extra,
                    "pages": s.pages.iter().map(|&p| light_pages[p].clone()).collect::<Vec<_>>(),
                    "subsections": s.subsections.iter().map(|&c| library.sections[c].rel.clone()).collect::<Vec<_>>(),
                })
            })
            .collect();

        let taxonomies = config
            .taxonomies
            .iter()
            .map(|tax| {
                let mut terms: BTreeMap<String, TermData> = BTreeMap::new();
                for (i, page) in library.pages.iter().enumerate() {
                    for name in page.front.taxonomies.get(&tax.name).into_iter().flatten() {
                        let slug = slugify(name);
                        let path = format!("/{}/{}/", slugify(&tax.name), slug);
                        let term = terms.entry(slug.clone()).or_insert_with(|| TermData {
                            name: name.clone(),
                            permalink: config.permalink(&path),
                            slug,
                            path,
                            pages: Vec::new(),
                        });
                        if !term.pages.contains(&i) {
                            term.pages.push(i);
                        }
                    }
                }
                let mut terms: Vec<TermData> = terms.into_values().collect();
                for term in &mut terms {
                    crate::content::sort_pages(
                        &mut term.pages,
                        &library.pages,
                        crate::content::front_matter::SortBy::Date,
                    );
                }
                let path = format!("/{}/", slugify(&tax.name));
                TaxonomyData {
                    config: tax.clone(),
                    permalink: config.permalink(&path),
                    path,
                    terms,
                }
            })
            .collect();

        let mut data = SiteData {
            base_url: config.base_url.clone(),
            config: config_value,
            page_by_rel: library
                .pages
                .iter()
                .enumerate()
                .map(|(i, p)| (p.rel.clone(), i))
                .collect(),
            section_by_rel: library
                .sections
                .iter()
                .enumerate()
                .map(|(i, s)| (s.rel.clone(), i))
                .collect(),
            pages,
            light_pages,
            sections,
            taxonomies,
            terms_with_pages: Vec::new(),
        };
        data.terms_with_pages = (0..data.taxonomies.len())
            .into_par_iter()
            .map(|t| {
                Value::Array(
                    (0..data.taxonomies[t].terms.len())
                        .map(|k| data.term_value(t, k, true))
                        .collect(),
                )
            })
            .collect();
        data
    }

    /// The template value of a taxonomy (`taxonomy`).
    pub fn taxonomy_value(&self, t: usize) -> Value {
        let tax = &self.taxonomies[t];
        json!({
            "name": tax.config.name,
            "feed": tax.config.feed,
            "paginate_by": tax.config.paginate_by,
            "path": tax.path,
            "permalink": tax.permalink,
        })
    }

    /// The template value of a term, with its (light) pages.
    pub fn term_value(&self, t: usize, k: usize, with_pages: bool) -> Value {
        let term = &self.taxonomies[t].terms[k];
        let mut v = json!({
            "name": term.name,
            "slug": term.slug,
            "path": term.path,
            "permalink": term.permalink,
            "page_count": term.pages.len(),
        });
        if with_pages {
            v["pages"] = Value::Array(
                term.pages
                    .iter()
                    .map(|&p| self.light_pages[p].clone())
                    .collect(),
            );
        }
        v
    }
}
