//! Which outputs a build writes: one render job per output, by Zola 0.22's rules
//! (`components/site/src/lib.rs`: `build`, `render_section`, `render_taxonomy`,
//! `render_paginated`), each with the step of Zola's build that writes it and the file it
//! comes from, so that two outputs on one path can be settled ([`super::claims`]).
//!
//! Rules kept here, each as Zola has them:
//! - a page is written when it renders and is in its section's sorted list (a page the
//!   section's `sort_by` cannot place, e.g. undated under `sort_by = "date"`, is left out of
//!   the list and so never written), or when no section is in its own directory (an orphan);
//! - aliases are written for every page and section, before anything else;
//! - a paginated section or term (`paginate_by` above 0) has its pagers and a redirect at
//!   `<paginate_path>/1/`; `paginate_by = 0` is no pagination;
//! - a taxonomy with no terms writes nothing, not even its list;
//! - the default language's feed is made by the top-level `generate_feeds` only (a
//!   `generate_feeds` in `[languages.<default>]` reaches `config` in templates, not the
//!   build), another language's by its own;
//! - a term's feed is made by the taxonomy's `feed = true`.

use super::claims::Step;
use super::jobs::{Build, FeedScope, Job};
use super::paths::{numbered_pager_path, output_file, pager_count, pager_path};
use crate::content::{Library, Page};

/// A job with the Zola build step that writes its output and what it comes from.
pub(super) struct PlannedJob {
    pub(super) job: Job,
    pub(super) step: Step,
    /// The file (or config entry) that asks for the output, for warnings.
    pub(super) source: String,
}

/// Whether each page is written: it renders, and is listed by some section (see the module
/// doc) or has no section in its own directory.
pub(super) fn written_pages(library: &Library) -> Vec<bool> {
    let mut listed = vec![false; library.pages.len()];
    for section in &library.sections {
        for &p in &section.pages {
            listed[p] = true;
        }
    }
    // An orphan (no `_index.md` in its own directory) is in no list and still written.
    let orphan = |page: &Page| page.section.is_none();
    library
        .pages
        .iter()
        .zip(listed)
        .map(|(page, listed)| page.front.render && (listed || orphan(page)))
        .collect()
}

impl Build<'_> {
    /// Every render job of the build, in Zola's write order.
    pub(super) fn jobs(&self) -> Vec<PlannedJob> {
        let library = self.library();
        let mut jobs = Vec::new();
        let mut push = |job, step, source: &str| {
            jobs.push(PlannedJob {
                job,
                step,
                source: source.to_string(),
            })
        };
        let page_source = |p: &Page| format!("content/{}", p.rel);
        let section_source = |s: usize| {
            let section = &library.sections[s];
            match section.source {
                Some(_) => format!("content/{}", section.rel),
                None => "the implicit root section".to_string(),
            }
        };
        // Aliases first, pages' then sections', "to allow overwriting" (Zola).
        for page in &library.pages {
            for alias in &page.front.aliases {
                let to = self.config.permalink(&page.url_path);
                push(
                    Job::Redirect(alias.clone(), to),
                    Step::Alias,
                    &page_source(page),
                );
            }
        }
        for (s, section) in library.sections.iter().enumerate() {
            for alias in &section.front.aliases {
                let to = self.config.permalink(&section.url_path);
                push(
                    Job::Redirect(alias.clone(), to),
                    Step::Alias,
                    &section_source(s),
                );
            }
        }
        let written = written_pages(library);
        for (i, page) in library
            .pages
            .iter()
            .enumerate()
            .filter(|(i, _)| written[*i])
        {
            push(Job::Page(i), Step::Page, &page_source(page));
        }
        for (s, section) in library.sections.iter().enumerate() {
            let source = section_source(s);
            if section.front.render && section.front.generate_feeds {
                for f in self.feed_indices(section.lang) {
                    push(
                        Job::Feed(f, FeedScope::Section(s)),
                        Step::SectionFeed,
                        &source,
                    );
                }
            }
            if !section.front.render {
                continue;
            }
            // `redirect_to`: the section's page is a redirect (to a URL, a site path or
            // `@/` content), as in Zola.
            if let Some(to) = &section.front.redirect_to {
                let job = Job::Redirect(section.url_path.clone(), self.redirect_target(to));
                push(job, Step::Section, &source);
                continue;
            }
            let paginate_by = section.front.paginate_by.filter(|&p| p > 0);
            for n in 1..=pager_count(section.pages.len(), paginate_by) {
                push(Job::Section(s, n), Step::Section, &source);
            }
            if paginate_by.is_some() {
                let first = numbered_pager_path(&section.url_path, &section.front.paginate_path, 1);
                let to = self.config.permalink(&section.url_path);
                push(Job::Redirect(first, to), Step::Section, &source);
            }
        }
        // As in Zola: the default language's feed with the top-level `generate_feeds`,
        // another language's with its own.
        for (lang, language) in self.data.languages.all().iter().enumerate() {
            let wanted = match lang {
                0 => self.config.generate_feeds,
                _ => language.generate_feeds,
            };
            if wanted {
                for f in self.feed_indices(lang) {
                    push(
                        Job::Feed(f, FeedScope::Site(lang)),
                        Step::SiteFeed,
                        "the site feed",
                    );
                }
            }
        }
        push(Job::NotFound, Step::NotFound, "the 404 page");
        if self.config.generate_robots_txt {
            push(Job::Robots, Step::Robots, "robots.txt");
        }
        self.taxonomy_jobs(&mut push);
        jobs
    }

    /// The jobs of the taxonomies that render and have terms: the list, each term's pagers
    /// (and `page/1/` redirect) and, with `feed = true`, its feeds.
    fn taxonomy_jobs(&self, push: &mut impl FnMut(Job, Step, &str)) {
        for (t, tax) in self.data.taxonomies.iter().enumerate() {
            if !tax.config.render || tax.terms.is_empty() {
                continue;
            }
            let name = &tax.config.name;
            let name = match tax.lang {
                0 => format!("`{name}`"),
                lang => format!("`{name}` of language `{}`", self.data.lang_code(lang)),
            };
            push(
                Job::TaxonomyList(t),
                Step::TaxonomyList,
                &format!("taxonomy {name}"),
            );
            let paginate_by = tax.config.paginate_by.filter(|&p| p > 0);
            for (k, term) in tax.terms.iter().enumerate() {
                let source = format!("term `{}` of taxonomy {name}", term.name);
                for n in 1..=pager_count(term.pages.len(), paginate_by) {
                    push(Job::Term(t, k, n), Step::Term, &source);
                }
                if paginate_by.is_some() {
                    let first = numbered_pager_path(&term.path, &tax.config.paginate_path, 1);
                    let to = term.permalink.clone();
                    push(Job::Redirect(first, to), Step::Term, &source);
                }
                if tax.config.feed {
                    for f in self.feed_indices(tax.lang) {
                        push(Job::Feed(f, FeedScope::Term(t, k)), Step::Term, &source);
                    }
                }
            }
        }
    }

    fn feed_indices(&self, lang: usize) -> std::ops::Range<usize> {
        0..self.data.languages.get(lang).feed_filenames.len()
    }

    /// The output file of a planned job (what [`Build::run`] writes).
    /// Made without planning the job (which for a feed lists its pages); [`Build::run`]
    /// checks in debug builds that it is the path the plan writes.
    pub(super) fn job_output(&self, job: &Job) -> String {
        let library = self.library();
        let taxonomies = &self.data.taxonomies;
        match *job {
            Job::Page(i) => output_file(&library.pages[i].url_path),
            Job::Section(s, n) => {
                let section = &library.sections[s];
                output_file(&pager_path(
                    &section.url_path,
                    &section.front.paginate_path,
                    n,
                ))
            }
            Job::TaxonomyList(t) => output_file(&taxonomies[t].path),
            Job::Term(t, k, n) => {
                let tax = &taxonomies[t];
                output_file(&pager_path(
                    &tax.terms[k].path,
                    &tax.config.paginate_path,
                    n,
                ))
            }
            Job::Redirect(ref from, _) => output_file(from),
            Job::NotFound => "404.html".into(),
            Job::Robots => "robots.txt".into(),
            Job::Feed(f, scope) => {
                let base = match scope {
                    FeedScope::Site(lang) => format!("{}/", self.data.languages.prefix(lang)),
                    FeedScope::Section(s) => library.sections[s].url_path.clone(),
                    FeedScope::Term(t, k) => taxonomies[t].terms[k].path.clone(),
                };
                let lang = match scope {
                    FeedScope::Site(lang) => lang,
                    FeedScope::Section(s) => library.sections[s].lang,
                    FeedScope::Term(t, _) => taxonomies[t].lang,
                };
                let filename = &self.data.languages.get(lang).feed_filenames[f];
                format!("{base}{filename}")
                    .trim_start_matches('/')
                    .to_string()
            }
        }
    }

    /// Where a section's `redirect_to` leads: `@/` content resolves to its permalink, a
    /// full URL stays, a site path is made absolute.
    fn redirect_target(&self, to: &str) -> String {
        if let Some(rel) = to.strip_prefix("@/") {
            let d = &self.data;
            if let Some(&i) = d.page_by_rel.get(rel) {
                return d.permalinks[i].clone();
            }
            if let Some(&s) = d.section_by_rel.get(rel) {
                return self.config.permalink(&self.library().sections[s].url_path);
            }
        }
        if to.contains("://") || to.starts_with("//") {
            to.to_string()
        } else {
            self.config.permalink(to)
        }
    }
}
