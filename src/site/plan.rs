//! The build's outputs, planned before any is written: the render jobs ([`super::job_list`]),
//! the static copies, the Sass sheets, the search index, the sitemap and the highlighting
//! CSS, each claimed with its step of Zola's build and settled by [`super::claims`]. What
//! loses is not made at all, so the output layer never sees two writers of one path.

use std::collections::BTreeMap;
use std::path::Path;

use super::claims::{self, Claim, Step};
use super::files::{static_files, StaticCopy};
use super::job_list::written_pages;
use super::jobs::{Build, Job};
use super::{assets_hooks, BuildError};
use crate::assets::sass;
use crate::markdown::Highlighter;

/// What the build writes, once the claims are settled.
pub(super) struct Outputs {
    pub(super) jobs: Vec<Job>,
    pub(super) copies: Vec<StaticCopy>,
    /// The paths claimed more than once, each with the step whose claim won: the writers
    /// outside the jobs and copies (Sass, search index, sitemap, highlighting CSS) write
    /// such a path only when it is theirs.
    pub(super) contested: BTreeMap<String, Step>,
    pub(super) warnings: Vec<String>,
}

/// A path made relative to the site's root for a warning (`static/x.css`).
fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Plans every output of the build and settles the paths claimed twice.
pub(super) fn plan_outputs(
    build: &Build,
    root: &Path,
    theme_dir: Option<&Path>,
    ignored_static: Option<&globset::GlobSet>,
    config_path: &Path,
    highlighter: Option<&Highlighter>,
) -> Result<Outputs, BuildError> {
    let config = build.config;
    let mut claims = Vec::new();
    let claim = |path: String, step: Step, source: String| Claim { path, step, source };
    for sheet in sass::sheets(root, theme_dir, config.compile_sass)? {
        claims.push(claim(sheet.output, Step::Sass, shown(root, &sheet.source)));
    }
    for name in assets_hooks::search_outputs(build, config_path) {
        claims.push(claim(name, Step::SearchIndex, "the search index".into()));
    }
    let planned = build.jobs();
    let jobs_at = claims.len()..claims.len() + planned.len();
    for job in &planned {
        let path = build.job_output(&job.job);
        claims.push(claim(path, job.step, job.source.clone()));
    }
    if config.generate_sitemap {
        claims.push(claim(
            "sitemap.xml".into(),
            Step::Sitemap,
            "the sitemap".into(),
        ));
    }
    for (name, _) in highlighter.iter().flat_map(|h| h.theme_css()) {
        let source = "the highlighting theme's CSS".to_string();
        claims.push(claim(name.to_string(), Step::HighlightCss, source));
    }
    let written = written_pages(build.library());
    let found = static_files(root, theme_dir, build.library(), &written, ignored_static);
    let copies = found.copies;
    let copies_at = claims.len();
    for copy in &copies {
        claims.push(claim(
            copy.rel.clone(),
            copy.step,
            shown(root, &copy.source),
        ));
    }
    let settled = claims::settle(&claims);
    let contested = settled.contested(&claims);
    let jobs = planned
        .into_iter()
        .zip(&settled.wins[jobs_at])
        .filter(|(_, wins)| **wins)
        .map(|(planned, _)| planned.job)
        .collect();
    let copies = copies
        .into_iter()
        .zip(&settled.wins[copies_at..])
        .filter(|(_, wins)| **wins)
        .map(|(copy, _)| copy)
        .collect();
    let mut warnings = settled.warnings;
    warnings.extend(default_language_warnings(build, config_path));
    if let Some(first) = found.stale_images.first() {
        warnings.push(format!(
            "static/processed_images/: {} files not copied ({first}{}): Zola keeps its \
             processed images in that folder and deletes every file there its build does not \
             make, so none reaches its output; the build's own images are published as Zola's",
            found.stale_images.len(),
            if found.stale_images.len() > 1 {
                ", ..."
            } else {
                ""
            },
        ));
    }
    Ok(Outputs {
        jobs,
        copies,
        contested,
        warnings,
    })
}

/// `generate_feeds` or `build_search_index` set in `[languages.<default>]` only: Zola's
/// build reads the top-level keys for the default language, so it makes no feed (or no
/// index) then, and neither does sitegen; nor any language's index without the top-level
/// `build_search_index`. Said once per build so the site's author knows.
fn default_language_warnings(build: &Build, config_path: &Path) -> Vec<String> {
    let config = build.config;
    let default = build.data.languages.get(0);
    let mut warnings = Vec::new();
    let mut check = |merged: bool, top: bool, key: &str, what: &str| {
        if merged && !top {
            warnings.push(format!(
                "{}: `{key}` in [languages.{}] does not make the default language's {what} (Zola reads the top-level `{key}` for it); none is written",
                config_path.display(),
                default.code
            ));
        }
    };
    check(
        default.generate_feeds,
        config.generate_feeds,
        "generate_feeds",
        "feed",
    );
    check(
        default.build_search_index,
        config.build_search_index,
        "build_search_index",
        "search index",
    );
    let others = build.data.languages.all().iter().skip(1);
    let asking: Vec<&str> = others
        .filter(|l| l.build_search_index)
        .map(|l| l.code.as_str())
        .collect();
    if !asking.is_empty() && !config.build_search_index {
        warnings.push(format!(
            "{}: `build_search_index` in [languages.{}] makes no index without the top-level `build_search_index` (as in Zola); none is written",
            config_path.display(),
            asking.join("], [languages.")
        ));
    }
    warnings
}
