//! The sitemap output: its entries, and its writing by the site's or theme's
//! `sitemap.xml` template (with Zola's context) or else by sitegen's own writer.

use super::claims::Step;
use super::jobs::Build;
use super::paths::{pager_count, pager_path};
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
        let mut context = tera::Context::new();
        context.insert("entries", &entries);
        context.insert("config", &build.data.config);
        context.insert("lang", &config.default_language);
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
        let first_pager_only = self.config.exclude_paginated_pages_in_sitemap == "all";
        for section in self
            .library()
            .sections
            .iter()
            .filter(|s| s.front.render && s.front.redirect_to.is_none())
        {
            let pagers = pager_count(section.pages.len(), section.front.paginate_by);
            let pagers = if first_pager_only { 1 } else { pagers };
            for n in 1..=pagers {
                entries.push(SitemapEntry {
                    loc: self.config.permalink(&pager_path(
                        &section.url_path,
                        &section.front.paginate_path,
                        n,
                    )),
                    lastmod: None,
                });
            }
        }
        for tax in self.data.taxonomies.iter().filter(|t| t.config.render) {
            entries.push(SitemapEntry {
                loc: tax.permalink.clone(),
                lastmod: None,
            });
            entries.extend(tax.terms.iter().map(|t| SitemapEntry {
                loc: t.permalink.clone(),
                lastmod: None,
            }));
        }
        entries
    }
}
