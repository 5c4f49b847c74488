//! Render jobs: one per output (page, pager, taxonomy page, feed, redirect, ...), run in
//! parallel, each written through the output writer as soon as it is rendered.

use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::BuildError;
use crate::cache::hash_hex;
use crate::config::Config;
use crate::content::{self, Library};
use crate::feeds::{self, FeedEntry, FeedInfo, FeedKind};
use crate::output::OutputWriter;
use crate::render::{SiteData, Templates};
use crate::sitemap::SitemapEntry;

/// The output file of a URL path: `/blog/a/` -> `blog/a/index.html`, `/x.html` -> `x.html`.
fn output_file(url_path: &str) -> String {
    let trimmed = url_path.trim_start_matches('/');
    if trimmed.ends_with(".html") || trimmed.ends_with(".xml") {
        trimmed.to_string()
    } else {
        format!(
            "{}index.html",
            if trimmed.is_empty() || trimmed.ends_with('/') {
                trimmed.to_string()
            } else {
                format!("{trimmed}/")
            }
        )
    }
}

/// A section value with an empty `pages` list (the other fields as they are).
fn without_pages(section: &Value) -> Value {
    match section {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        if k == "pages" {
                            Value::Array(Vec::new())
                        } else {
                            v.clone()
                        },
                    )
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn redirect_page(to: &str) -> Vec<u8> {
    let to = to
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Redirect</title>\n\
         <link rel=\"canonical\" href=\"{to}\">\n<meta http-equiv=\"refresh\" content=\"0; url={to}\">\n</head>\n\
         <body><p><a href=\"{to}\">Click here</a> to be redirected.</p></body>\n</html>\n"
    )
    .into_bytes()
}

/// One unit of render work.
pub(super) enum Job {
    Page(usize),
    Section(usize, usize),
    TaxonomyList(usize),
    Term(usize, usize, usize),
    Redirect(String, String),
    NotFound,
    Robots,
    Feed(FeedKind, FeedScope),
}

#[derive(Clone, Copy)]
pub(super) enum FeedScope {
    Site,
    Section(usize),
    Term(usize, usize),
}

/// A build's render state, shared by its jobs.
pub(super) struct Build<'a> {
    pub(super) config: &'a Config,
    pub(super) library: &'a Library,
    pub(super) data: Arc<SiteData>,
    pub(super) templates: Templates,
    pub(super) writer: &'a OutputWriter,
    /// (output path, hash) of everything written, for the build cache.
    pub(super) outputs: Mutex<Vec<(String, String)>>,
}

fn pager_count(items: usize, per: Option<usize>) -> usize {
    match per {
        Some(per) if per > 0 => items.div_ceil(per).max(1),
        _ => 1,
    }
}

fn pager_path(base: &str, n: usize) -> String {
    if n == 1 {
        base.to_string()
    } else {
        format!("{base}page/{n}/")
    }
}

impl Build<'_> {
    pub(super) fn write(&self, path: &str, bytes: &[u8]) -> Result<(), BuildError> {
        self.writer.write(path, bytes)?;
        self.outputs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((path.to_string(), hash_hex(bytes)));
        Ok(())
    }

    fn base_context(&self, url_path: &str) -> tera::Context {
        let mut ctx = tera::Context::new();
        ctx.insert("config", &self.data.config);
        ctx.insert("current_path", url_path);
        ctx.insert("current_url", &self.config.permalink(url_path));
        ctx
    }

    fn paginator(&self, base: &str, items: &[usize], per: usize, n: usize) -> Value {
        let total = pager_count(items.len(), Some(per));
        let link = |k: usize| Value::String(self.config.permalink(&pager_path(base, k)));
        let pages: Vec<Value> = items
            .iter()
            .skip((n - 1) * per)
            .take(per)
            .map(|&p| self.data.light_pages[p].clone())
            .collect();
        serde_json::json!({
            "pages": pages,
            "current_index": n,
            "number_pagers": total,
            "paginate_by": per,
            "total_pages": items.len(),
            "first": link(1),
            "last": link(total),
            "previous": if n > 1 { link(n - 1) } else { Value::Null },
            "next": if n < total { link(n + 1) } else { Value::Null },
            "base_url": self.config.permalink(base),
        })
    }

    fn page_template(&self, page: usize) -> String {
        let p = &self.library.pages[page];
        if let Some(t) = &p.front.template {
            return t.clone();
        }
        let mut section = Some(p.section);
        while let Some(s) = section {
            if let Some(t) = &self.library.sections[s].front.page_template {
                return t.clone();
            }
            section = self.library.sections[s].parent;
        }
        "page.html".into()
    }

    pub(super) fn run(&self, job: &Job) -> Result<(), BuildError> {
        match *job {
            Job::Page(i) => {
                let page = &self.library.pages[i];
                let mut ctx = self.base_context(&page.url_path);
                ctx.insert("page", &self.data.pages[i]);
                let html = self.templates.render(
                    &self.page_template(i),
                    &ctx,
                    &page.source.display().to_string(),
                )?;
                self.write(&output_file(&page.url_path), html.as_bytes())
            }
            Job::Section(s, n) => {
                let section = &self.library.sections[s];
                let default = if s == 0 { "index.html" } else { "section.html" };
                let template = section
                    .front
                    .template
                    .clone()
                    .unwrap_or_else(|| default.into());
                let path = pager_path(&section.url_path, n);
                let mut ctx = self.base_context(&path);
                if let Some(per) = section.front.paginate_by.filter(|&p| p > 0) {
                    // As in Zola, a paginated section's pages are in the paginator only:
                    // copying all of them into every pager's context would be quadratic.
                    ctx.insert("section", &without_pages(&self.data.sections[s]));
                    ctx.insert(
                        "paginator",
                        &self.paginator(&section.url_path, &section.pages, per, n),
                    );
                } else {
                    ctx.insert("section", &self.data.sections[s]);
                }
                let what = section
                    .source
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "the home page".into());
                let html = self.templates.render(&template, &ctx, &what)?;
                self.write(&output_file(&path), html.as_bytes())
            }
            Job::TaxonomyList(t) => {
                let tax = &self.data.taxonomies[t];
                let mut ctx = self.base_context(&tax.path);
                ctx.insert("taxonomy", &self.data.taxonomy_value(t));
                let terms: Vec<Value> = (0..tax.terms.len())
                    .map(|k| self.data.term_value(t, k, true))
                    .collect();
                ctx.insert("terms", &terms);
                let specific = format!("{}/list.html", tax.config.name);
                let template = if self.templates.has(&specific) {
                    specific
                } else {
                    "taxonomy_list.html".into()
                };
                let html = self.templates.render(
                    &template,
                    &ctx,
                    &format!("taxonomy `{}`", tax.config.name),
                )?;
                self.write(&output_file(&tax.path), html.as_bytes())
            }
            Job::Term(t, k, n) => {
                let tax = &self.data.taxonomies[t];
                let term = &tax.terms[k];
                let path = pager_path(&term.path, n);
                let mut ctx = self.base_context(&path);
                ctx.insert("taxonomy", &self.data.taxonomy_value(t));
                let paginate = tax.config.paginate_by;
                ctx.insert("term", &self.data.term_value(t, k, paginate.is_none()));
                if let Some(per) = paginate {
                    ctx.insert(
                        "paginator",
                        &self.paginator(&term.path, &term.pages, per, n),
                    );
                }
                let specific = format!("{}/single.html", tax.config.name);
                let template = if self.templates.has(&specific) {
                    specific
                } else {
                    "taxonomy_single.html".into()
                };
                let html = self.templates.render(
                    &template,
                    &ctx,
                    &format!("term `{}` of `{}`", term.name, tax.config.name),
                )?;
                self.write(&output_file(&path), html.as_bytes())
            }
            Job::Redirect(ref from, ref to) => self.write(&output_file(from), &redirect_page(to)),
            Job::NotFound => {
                let html = self.templates.render(
                    "404.html",
                    &self.base_context("/404.html"),
                    "the 404 page",
                )?;
                self.write("404.html", html.as_bytes())
            }
            Job::Robots => {
                let text = self.templates.render(
                    "robots.txt",
                    &self.base_context("/robots.txt"),
                    "robots.txt",
                )?;
                self.write("robots.txt", text.as_bytes())
            }
            Job::Feed(kind, scope) => self.feed(kind, scope),
        }
    }

    fn feed(&self, kind: FeedKind, scope: FeedScope) -> Result<(), BuildError> {
        let filename = if kind == FeedKind::Atom {
            "atom.xml"
        } else {
            "rss.xml"
        };
        let site_title = self.config.title.clone().unwrap_or_default();
        let (title, base, mut pages): (String, String, Vec<usize>) = match scope {
            FeedScope::Site => (
                site_title.clone(),
                "/".into(),
                (0..self.library.pages.len()).collect(),
            ),
            FeedScope::Section(s) => {
                let section = &self.library.sections[s];
                let title = section
                    .front
                    .title
                    .clone()
                    .unwrap_or_else(|| site_title.clone());
                (title, section.url_path.clone(), section.pages.clone())
            }
            FeedScope::Term(t, k) => {
                let term = &self.data.taxonomies[t].terms[k];
                (
                    format!("{site_title} - {}", term.name),
                    term.path.clone(),
                    term.pages.clone(),
                )
            }
        };
        pages.retain(|&p| self.library.pages[p].date.is_some());
        content::sort_pages(
            &mut pages,
            &self.library.pages,
            content::front_matter::SortBy::Date,
        );
        pages.truncate(self.config.feed_limit.unwrap_or(usize::MAX));
        let entries: Vec<FeedEntry> = pages
            .iter()
            .filter_map(|&p| {
                let page = &self.library.pages[p];
                let value = &self.data.pages[p];
                let html = value["summary"]
                    .as_str()
                    .or(value["content"].as_str())
                    .unwrap_or_default();
                Some(FeedEntry {
                    title: page
                        .front
                        .title
                        .clone()
                        .unwrap_or_else(|| page.slug.clone()),
                    permalink: self.config.permalink(&page.url_path),
                    date: page.date?,
                    updated: page.updated,
                    html: html.to_string(),
                })
            })
            .collect();
        let feed_path = format!("{base}{filename}");
        let info = FeedInfo {
            title: &title,
            description: self.config.description.as_deref().unwrap_or(""),
            site_link: &self.config.permalink(&base),
            feed_url: &self.config.permalink(&feed_path),
            language: &self.config.default_language,
        };
        self.write(
            feed_path.trim_start_matches('/'),
            &feeds::render(kind, &info, &entries),
        )
    }

    pub(super) fn jobs(&self) -> Vec<Job> {
        let mut jobs: Vec<Job> = (0..self.library.pages.len()).map(Job::Page).collect();
        for (s, section) in self.library.sections.iter().enumerate() {
            for alias in &section.front.aliases {
                jobs.push(Job::Redirect(
                    alias.clone(),
                    self.config.permalink(&section.url_path),
                ));
            }
            if !section.front.render {
                continue;
            }
            let pagers = pager_count(section.pages.len(), section.front.paginate_by);
            jobs.extend((1..=pagers).map(|n| Job::Section(s, n)));
            if section.front.paginate_by.is_some() {
                let first = format!("{}page/1/", section.url_path);
                jobs.push(Job::Redirect(
                    first,
                    self.config.permalink(&section.url_path),
                ));
            }
        }
        for page in &self.library.pages {
            for alias in &page.front.aliases {
                jobs.push(Job::Redirect(
                    alias.clone(),
                    self.config.permalink(&page.url_path),
                ));
            }
        }
        let kinds: Vec<FeedKind> = self
            .config
            .feed_filenames
            .iter()
            .filter_map(|f| FeedKind::from_filename(f))
            .collect();
        for (t, tax) in self.data.taxonomies.iter().enumerate() {
            jobs.push(Job::TaxonomyList(t));
            for (k, term) in tax.terms.iter().enumerate() {
                let pagers = pager_count(term.pages.len(), tax.config.paginate_by);
                jobs.extend((1..=pagers).map(|n| Job::Term(t, k, n)));
                if tax.config.feed {
                    jobs.extend(
                        kinds
                            .iter()
                            .map(|&kind| Job::Feed(kind, FeedScope::Term(t, k))),
                    );
                }
            }
        }
        if self.config.generate_feeds {
            for &kind in &kinds {
                jobs.push(Job::Feed(kind, FeedScope::Site));
                for (s, section) in self.library.sections.iter().enumerate().skip(1) {
                    if section.front.render && !section.pages.is_empty() {
                        jobs.push(Job::Feed(kind, FeedScope::Section(s)));
                    }
                }
            }
        }
        jobs.push(Job::NotFound);
        if self.config.generate_robots_txt {
            jobs.push(Job::Robots);
        }
        jobs
    }

    pub(super) fn sitemap_entries(&self) -> Vec<SitemapEntry> {
        let mut entries: Vec<SitemapEntry> = self
            .library
            .pages
            .iter()
            .map(|p| SitemapEntry {
                loc: self.config.permalink(&p.url_path),
                lastmod: p.updated.or(p.date).map(|d| d.to_rfc3339()),
            })
            .collect();
        for section in self.library.sections.iter().filter(|s| s.front.render) {
            let pagers = pager_count(section.pages.len(), section.front.paginate_by);
            for n in 1..=pagers {
                entries.push(SitemapEntry {
                    loc: self.config.permalink(&pager_path(&section.url_path, n)),
                    lastmod: None,
                });
            }
        }
        for tax in &self.data.taxonomies {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_files_for_url_paths() {
        assert_eq!(output_file("/"), "index.html");
        assert_eq!(output_file("/blog/a/"), "blog/a/index.html");
        assert_eq!(output_file("/old/path"), "old/path/index.html");
        assert_eq!(output_file("/x.html"), "x.html");
    }
}
