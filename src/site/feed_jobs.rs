//! Feed jobs: what a feed lists and how it is made (the site's or theme's template of the
//! feed's name with Zola's context, else sitegen's own Atom or RSS writer).

use std::borrow::Cow;

use serde_json::Value;

use super::jobs::{Build, FeedScope, OwnedFeedInfo, Plan, Standard};
use crate::content;
use crate::feeds::{FeedEntry, FeedKind};
use crate::render::{Pages, Part};

impl Build<'_> {
    /// A feed of `feed_filenames[f]`: rendered by the template of that name when the site or
    /// its theme has one (with Zola's feed context: `pages`, `feed_url`, `last_updated`,
    /// `section` or `taxonomy` and `term`), else written by sitegen (Atom or RSS).
    pub(super) fn feed_plan(&self, f: usize, scope: FeedScope) -> (String, Plan<'_>) {
        let lang = match scope {
            FeedScope::Site(lang) => lang,
            FeedScope::Section(s) => self.library().sections[s].lang,
            FeedScope::Term(t, _) => self.data.taxonomies[t].lang,
        };
        let language = self.data.languages.get(lang);
        let filename = language.feed_filenames[f].as_str();
        let site_title = language.title.clone().unwrap_or_default();
        let (title, base, mut pages): (String, String, Vec<usize>) = match scope {
            FeedScope::Site(lang) => (
                site_title.clone(),
                format!("{}/", self.data.languages.prefix(lang)),
                (0..self.library().pages.len())
                    .filter(|&p| self.library().pages[p].lang == lang)
                    .collect(),
            ),
            FeedScope::Section(s) => {
                let section = &self.library().sections[s];
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
        pages.retain(|&p| self.library().pages[p].date.is_some());
        content::sort_pages(
            &mut pages,
            &self.library().pages,
            content::front_matter::SortBy::Date,
        );
        pages.truncate(self.config.feed_limit.unwrap_or(usize::MAX));
        let feed_path = format!("{base}{filename}");
        let output = feed_path.trim_start_matches('/').to_string();
        let kind = match FeedKind::from_filename(filename) {
            Some(kind) if !self.templates.provided(filename) => kind,
            _ => {
                return (
                    output,
                    self.feed_template_plan(filename, &feed_path, scope, pages, lang),
                )
            }
        };
        let entries: Vec<FeedEntry> = pages
            .iter()
            .filter_map(|&p| {
                let page = &self.library().pages[p];
                let rendered = self.data.rendered(p);
                let html = rendered.summary.as_deref().unwrap_or(&rendered.html);
                Some(FeedEntry {
                    title: page.front.title.as_deref().unwrap_or(&page.slug),
                    permalink: &self.data.permalinks[p],
                    date: page.date?,
                    updated: page.updated,
                    html,
                })
            })
            .collect();
        let info = OwnedFeedInfo {
            title,
            description: language.description.clone().unwrap_or_default(),
            site_link: self.config.permalink(&base),
            feed_url: self.config.permalink(&feed_path),
            language: language.code.clone(),
        };
        (output, Plan::Feed(kind, info, entries))
    }

    fn feed_template_plan(
        &self,
        template: &str,
        feed_path: &str,
        scope: FeedScope,
        pages: Vec<usize>,
        lang: usize,
    ) -> Plan<'_> {
        let value = |v: Value| Part::Value(Cow::Owned(v));
        let library = &self.library().pages;
        let last_updated = pages
            .iter()
            .filter_map(|&p| library[p].updated)
            .chain(pages.first().and_then(|&p| library[p].date))
            .max()
            .map(|d| Value::String(d.to_rfc3339()));
        let mut parts = vec![
            (
                "feed_url",
                value(Value::String(self.config.permalink(feed_path))),
            ),
            ("pages", Part::List(Cow::Owned(pages))),
        ];
        // As Zola: set only when some page has a date.
        if let Some(last_updated) = last_updated {
            parts.push(("last_updated", value(last_updated)));
        }
        let what = match scope {
            FeedScope::Site(_) => "the site feed".to_string(),
            FeedScope::Section(s) => {
                parts.push(("section", self.data.section_part(s, Pages::Empty)));
                format!("the feed of {}", self.library().sections[s].rel)
            }
            FeedScope::Term(t, k) => {
                parts.push(("taxonomy", value(self.data.taxonomy_value(t))));
                parts.push(("term", value(self.data.term_value(t, k))));
                format!(
                    "the feed of term `{}`",
                    self.data.taxonomies[t].terms[k].name
                )
            }
        };
        self.special_plan(template.to_string(), Standard::Lang, parts, what, lang)
    }
}
