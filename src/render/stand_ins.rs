//! Built-in page templates standing in for ones a templated site lacks.
//!
//! A site without any templates builds with sitegen's built-in pages (`index.html`,
//! `section.html`, `page.html`). A site that has templates of its own (or a theme) but not
//! one of those three gets the built-in too, where Zola renders its placeholder page
//! ("Welcome to Zola! You're seeing this page because we couldn't find a template"). That
//! is a difference from Zola the user should know of, so every render through such a
//! stand-in is counted and the build warns once per template, naming the first page.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// The templates for which Zola renders its placeholder page when a site lacks them.
const PLACEHOLDER_NAMES: [&str; 3] = ["index.html", "section.html", "page.html"];

#[derive(Default)]
pub(super) struct StandIns {
    /// The names standing in for a missing template of a templated site.
    names: Vec<&'static str>,
    /// Name -> (first page in sort order, renders).
    uses: Mutex<BTreeMap<&'static str, (String, usize)>>,
}

impl StandIns {
    /// `provided` says whether the site or its theme has a template of a name; `templated`
    /// whether it has any template at all.
    pub(super) fn new(templated: bool, provided: impl Fn(&str) -> bool) -> StandIns {
        let names = match templated {
            true => PLACEHOLDER_NAMES
                .into_iter()
                .filter(|n| !provided(n))
                .collect(),
            false => Vec::new(),
        };
        StandIns {
            names,
            uses: Mutex::new(BTreeMap::new()),
        }
    }

    /// Notes a render of `template` for `page` (a no-op unless it is a stand-in).
    pub(super) fn note(&self, template: &str, page: &str) {
        let Some(name) = self.names.iter().find(|n| **n == template) else {
            return;
        };
        let mut uses = self.uses.lock().unwrap_or_else(|p| p.into_inner());
        let entry = uses.entry(name).or_insert_with(|| (page.to_string(), 0));
        if page < entry.0.as_str() {
            entry.0 = page.to_string();
        }
        entry.1 += 1;
    }

    /// One warning per stand-in used since the last call, sorted by name.
    pub(super) fn take_warnings(&self) -> Vec<String> {
        let uses = std::mem::take(&mut *self.uses.lock().unwrap_or_else(|p| p.into_inner()));
        uses.into_iter()
            .map(|(name, (first, count))| {
                let others = match count {
                    1 => String::new(),
                    n => format!(" and {} more", n - 1),
                };
                format!(
                    "templates/: no `{name}` in the site or its theme: {first}{others} rendered \
                     with sitegen's built-in `{name}`, where Zola renders its placeholder page \
                     (\"Welcome to Zola!\"); add templates/{name}"
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_templated_sites_missing_page_templates_stand_in_and_warn_once() {
        let bare = StandIns::new(false, |_| false);
        bare.note("page.html", "content/a.md");
        assert!(bare.take_warnings().is_empty());

        let themed = StandIns::new(true, |n| n == "index.html");
        for page in ["content/b.md", "content/a.md", "content/c.md"] {
            themed.note("page.html", page);
        }
        themed.note("index.html", "content/_index.md");
        let warnings = themed.take_warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("content/a.md and 2 more"),
            "{warnings:?}"
        );
        assert!(themed.take_warnings().is_empty());
    }
}
