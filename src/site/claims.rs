//! Two outputs on one path: which one is written. Zola writes its outputs one step after
//! another into the output directory and the last write wins (`components/site/src/lib.rs`,
//! `build`: theme then site Sass, the search index, aliases "first to allow overwriting",
//! sections with their feeds, assets and pages, the sitemap, the site feeds, 404,
//! robots.txt, the taxonomies, then the static directories, theme's then site's, into
//! which the highlighting themes' CSS was put unless the site's `static/` had that file).
//!
//! Here every output is claimed before anything is written, with the step that writes it;
//! on a shared path the claim of the latest step wins (within one step, the latest
//! claimed), and each collision is a warning naming both sources. The decision depends only
//! on the build's inputs, so it is the same at any thread count and for an incremental or a
//! clean build.

use std::collections::{BTreeMap, BTreeSet};

/// A step of Zola's build, in the order it writes (a later one overwrites an earlier one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Step {
    Sass,
    SearchIndex,
    Alias,
    SectionFeed,
    Asset,
    Page,
    Section,
    Sitemap,
    SiteFeed,
    NotFound,
    Robots,
    TaxonomyList,
    Term,
    ThemeStatic,
    HighlightCss,
    SiteStatic,
}

impl Step {
    /// What the step writes, for a warning.
    fn what(self) -> &'static str {
        match self {
            Step::Sass => "Sass output",
            Step::SearchIndex => "search index",
            Step::Alias => "alias redirect",
            Step::SectionFeed => "section feed",
            Step::Asset => "asset",
            Step::Page => "page",
            Step::Section => "section page",
            Step::Sitemap => "sitemap",
            Step::SiteFeed => "site feed",
            Step::NotFound => "404 page",
            Step::Robots => "robots.txt",
            Step::TaxonomyList => "taxonomy list",
            Step::Term => "taxonomy term page",
            Step::ThemeStatic => "theme's static file",
            Step::HighlightCss => "highlighting CSS",
            Step::SiteStatic => "static file",
        }
    }
}

/// One output as some part of the build asks for it.
pub(super) struct Claim {
    pub(super) path: String,
    pub(super) step: Step,
    /// What asks for it (a file, or a config entry), for the warning.
    pub(super) source: String,
}

impl Claim {
    /// Its source and the kind of output, for a warning (`content/a.md (page)`).
    fn named(&self) -> String {
        format!("{} ({})", self.source, self.step.what())
    }
}

/// What the settling of the claims decided.
pub(super) struct Settled {
    /// Per claim, in the order given: whether it is written.
    pub(super) wins: Vec<bool>,
    /// One per path claimed more than once.
    pub(super) warnings: Vec<String>,
}

impl Settled {
    /// Each path claimed more than once, with the step of the claim that won it.
    pub(super) fn contested(&self, claims: &[Claim]) -> BTreeMap<String, Step> {
        let lost: BTreeSet<&str> = (0..claims.len())
            .filter(|&i| !self.wins[i])
            .map(|i| claims[i].path.as_str())
            .collect();
        (0..claims.len())
            .filter(|&i| self.wins[i] && lost.contains(claims[i].path.as_str()))
            .map(|i| (claims[i].path.clone(), claims[i].step))
            .collect()
    }
}

/// Settles `claims`: per path, the claim of the latest step wins, ties going to the latest
/// claimed.
pub(super) fn settle(claims: &[Claim]) -> Settled {
    let mut by_path: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, claim) in claims.iter().enumerate() {
        by_path.entry(claim.path.as_str()).or_default().push(i);
    }
    let mut wins = vec![true; claims.len()];
    let mut warnings = Vec::new();
    for (path, list) in by_path.into_iter().filter(|(_, l)| l.len() > 1) {
        let Some(&winner) = list.iter().max_by_key(|&&i| (claims[i].step, i)) else {
            continue;
        };
        let mut losers = Vec::new();
        for &i in list.iter().filter(|&&i| i != winner) {
            wins[i] = false;
            let named = claims[i].named();
            if !losers.contains(&named) {
                losers.push(named);
            }
        }
        // Zola checks the paths and aliases of content files against each other first.
        let content = |i: usize| matches!(claims[i].step, Step::Alias | Step::Page | Step::Section);
        let refused = content(winner)
            && list
                .iter()
                .any(|&i| content(i) && claims[i].source != claims[winner].source);
        warnings.push(format!(
            "{path}: written by both {} and {}; the {} is kept, as in Zola, which writes it last{}",
            losers.join(", "),
            claims[winner].named(),
            claims[winner].step.what(),
            match refused {
                true => " (Zola stops with \"Found path collisions\" where both files spell the path alike)",
                false => "",
            },
        ));
    }
    Settled { wins, warnings }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(path: &str, step: Step, source: &str) -> Claim {
        Claim {
            path: path.into(),
            step,
            source: source.into(),
        }
    }

    #[test]
    fn the_latest_step_wins_whatever_the_claim_order() {
        let claims = [
            claim("tags/index.html", Step::TaxonomyList, "taxonomy"),
            claim("tags/index.html", Step::Section, "content/tags/_index.md"),
            claim("a/index.html", Step::Page, "content/a.md"),
        ];
        let settled = settle(&claims);
        assert_eq!(settled.wins, [true, false, true]);
        assert_eq!(settled.warnings.len(), 1);
        let w = &settled.warnings[0];
        assert_eq!(
            w,
            "tags/index.html: written by both content/tags/_index.md (section page) and taxonomy (taxonomy list); the taxonomy list is kept, as in Zola, which writes it last"
        );
    }

    #[test]
    fn within_a_step_the_latest_claim_wins() {
        let claims = [
            claim("old/index.html", Step::Alias, "content/a.md"),
            claim("old/index.html", Step::Alias, "content/b/_index.md"),
        ];
        let settled = settle(&claims);
        assert_eq!(settled.wins, [false, true]);
        // Two content files: Zola may refuse the site, and the warning says so.
        assert!(settled.warnings[0].ends_with("where both files spell the path alike)"));
        let own = [
            claim("s/index.html", Step::Alias, "content/s.md"),
            claim("s/index.html", Step::Page, "content/s.md"),
        ];
        assert!(settle(&own).warnings[0].ends_with("which writes it last"));
    }

    #[test]
    fn static_files_beat_generated_ones() {
        let claims = [
            claim("style.css", Step::SiteStatic, "static/style.css"),
            claim("style.css", Step::Sass, "sass/style.scss"),
            claim("robots.txt", Step::Robots, "robots.txt"),
            claim(
                "robots.txt",
                Step::ThemeStatic,
                "themes/t/static/robots.txt",
            ),
        ];
        assert_eq!(settle(&claims).wins, [true, false, false, true]);
    }
}
