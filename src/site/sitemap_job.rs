//! The sitemap output: its entries, and its writing by the site's or theme's
//! `sitemap.xml` template (with Zola's context) or else by sitegen's own writer.

use super::claims::Step;
use super::jobs::Build;
use super::paths::numbered_pager_path;
use super::BuildError;
use crate::sitemap::{self, SitemapEntry};

/// Writes `sitemap.xml` (and its parts, for a large site).
pub(super) fn write_sitemap(build: &Build) -> Result<(), BuildError> {
    let config = build.config;
    let mut entries = build.sitemap_entries();
    if build.templates.provided("sitemap.xml") {
        entries.sort();
        entries.dedup_by(|a, b| a.loc == b.loc);
        let entries: Vec<serde_json::Value> = entries
            .into_iter()
            .map(|e| serde_json::json!({ "permalink": e.loc, "updated": e.lastmod }))
            .collect();
        // Zola's context for it: `entries`, nothing else.
        let mut context = tera::Context::new();
        context.insert("entries", &entries);
        let xml = build
            .templates
            .render("sitemap.xml", &context, "the sitemap")?;
        build.write("sitemap.xml", Step::Sitemap, xml.as_bytes())?;
    } else {
        for (path, bytes) in sitemap::render(&config.base_url, entries) {
            build.write(&path, Step::Sitemap, &bytes)?;
        }
    }
    Ok(())
}

impl Build<'_> {
    /// The sitemap's entries (duplicates and order are the writer's concern).
    pub(super) fn sitemap_entries(&self) -> Vec<SitemapEntry> {
        let mut entries: Vec<SitemapEntry> = self
            .library()
            .pages
            .iter()
            .filter(|p| p.front.render)
            .map(|p| SitemapEntry {
                loc: self.config.permalink(&p.url_path),
                lastmod: p.updated.or(p.date).map(|d| d.to_rfc3339()),
            })
            .collect();
        // As Zola's sitemap: each rendered section, every numbered pager of a paginated
        // section or term (`page/1/` too) unless `exclude_paginated_pages_in_sitemap =
        // "all"`, and each taxonomy that renders with its terms.
        let pagers = self.config.exclude_paginated_pages_in_sitemap != "all";
        let entry = |loc: String| SitemapEntry { loc, lastmod: None };
        let numbered = |base: &str, segment: &str, items: usize, per: Option<usize>| {
            let count = match per.filter(|&p| p > 0 && pagers) {
                Some(per) => items.div_ceil(per),
                None => 0,
            };
            (1..=count)
                .map(|n| {
                    entry(
                        self.config
                            .permalink(&numbered_pager_path(base, segment, n)),
                    )
                })
                .collect::<Vec<_>>()
        };
        for section in &self.library().sections {
            if section.front.render {
                entries.push(entry(self.config.permalink(&section.url_path)));
            }
            let front = &section.front;
            let (base, per) = (&section.url_path, front.paginate_by);
            entries.extend(numbered(
                base,
                &front.paginate_path,
                section.pages.len(),
                per,
            ));
        }
        for tax in self.data.taxonomies.iter().filter(|t| t.config.render) {
            entries.push(entry(tax.permalink.clone()));
            let (segment, per) = (&tax.config.paginate_path, tax.config.paginate_by);
            for term in &tax.terms {
                entries.push(entry(term.permalink.clone()));
                entries.extend(numbered(&term.path, segment, term.pages.len(), per));
            }
        }
        entries
    }
}
