//! `sitegen check`: every broken link and anchor in a built site, not just the first.
//!
//! It reads the *output* (every HTML file a build wrote), not the Markdown: links written
//! in templates, shortcodes and raw HTML break as easily as Markdown ones, and the output
//! is what a visitor follows. [`html`] reads each document's links and ids once, the
//! internal checker resolves every link against the output tree, and with
//! [`External::Check`] each distinct `http(s)` URL is fetched once. `[link_checker]`
//! decides what is skipped and whether a problem fails the command or only warns.

pub mod html;

mod external;
mod internal;

pub use external::ExternalOptions;

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::{LinkCheckerConfig, LinkLevel};
use html::Document;
use internal::Resolver;

/// Whether external links are fetched.
#[derive(Clone, Debug, Default)]
pub enum External {
    /// Only internal links and anchors are checked (the default: no network).
    #[default]
    Skip,
    /// External `http(s)` links are fetched too.
    Check(ExternalOptions),
}

/// One broken link: where it is written and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The HTML file holding the link, relative to the output directory.
    pub file: PathBuf,
    /// 1-based line of the link's attribute.
    pub line: usize,
    /// The link as written (entities decoded).
    pub target: String,
    /// Why it is broken.
    pub reason: String,
}

/// Everything `check` found, sorted by file, line and target.
#[derive(Clone, Debug, Default)]
pub struct CheckReport {
    /// Internal links to missing files, or to missing `#anchors`.
    pub broken_internal: Vec<Problem>,
    /// External links that did not answer with success (or lack their `#anchor`).
    pub broken_external: Vec<Problem>,
    /// Things the check could not do (URLs left unchecked at the time limit, ...).
    pub warnings: Vec<String>,
    pub internal_level: LinkLevel,
    pub external_level: LinkLevel,
    /// HTML files read.
    pub files: usize,
    /// Internal links resolved (skipped ones not counted).
    pub internal_links: usize,
    /// Distinct external URLs fetched; `None` when external links were not checked.
    pub external_urls: Option<usize>,
}

impl CheckReport {
    /// Whether an error-level problem was found (the command then exits 1).
    pub fn failed(&self) -> bool {
        (!self.broken_internal.is_empty() && self.internal_level == LinkLevel::Error)
            || (!self.broken_external.is_empty() && self.external_level == LinkLevel::Error)
    }
}

fn level_word(level: LinkLevel) -> &'static str {
    match level {
        LinkLevel::Error => "error",
        LinkLevel::Warn => "warning",
    }
}

impl fmt::Display for CheckReport {
    /// One line per problem (`error: FILE:LINE: broken link `TARGET`: REASON`), the
    /// warnings, then a summary line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let groups = [
            (&self.broken_internal, self.internal_level, "link"),
            (&self.broken_external, self.external_level, "external link"),
        ];
        for (problems, level, what) in groups {
            for p in problems {
                writeln!(
                    f,
                    "{}: {}:{}: broken {what} `{}`: {}",
                    level_word(level),
                    p.file.display(),
                    p.line,
                    p.target,
                    p.reason
                )?;
            }
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        let external = match self.external_urls {
            Some(n) => format!("{n} external URLs ({} broken)", self.broken_external.len()),
            None => "external links not checked".to_string(),
        };
        write!(
            f,
            "checked {} internal links in {} HTML files ({} broken), {external}",
            self.internal_links,
            self.files,
            self.broken_internal.len(),
        )
    }
}

/// Why the check could not run (broken links are not errors: they are in the report).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{}: cannot read the built output: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The output tree: every file, and the documents of the HTML ones.
pub(crate) struct Output {
    /// Every file, relative to the output directory, `/`-separated.
    pub files: HashSet<String>,
    /// Every HTML file's links and anchors, by relative path (sorted: reports are stable).
    pub documents: BTreeMap<String, Document>,
}

fn is_html(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    lower.ends_with(".html") || lower.ends_with(".htm")
}

fn read_output(out_dir: &Path) -> Result<Output, CheckError> {
    let mut output = Output {
        files: HashSet::new(),
        documents: BTreeMap::new(),
    };
    for entry in walkdir::WalkDir::new(out_dir).sort_by_file_name() {
        let entry = entry.map_err(|e| CheckError::Read {
            path: e.path().unwrap_or(out_dir).to_path_buf(),
            source: e.into(),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(out_dir)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        if is_html(&rel) {
            let bytes = std::fs::read(entry.path()).map_err(|source| CheckError::Read {
                path: entry.path().to_path_buf(),
                source,
            })?;
            output
                .documents
                .insert(rel.clone(), html::scan(&String::from_utf8_lossy(&bytes)));
        }
        output.files.insert(rel);
    }
    Ok(output)
}

/// Checks the links of the site built into `out_dir`, whose pages link to themselves
/// absolutely under `base_url`.
pub fn check_output(
    out_dir: &Path,
    base_url: &str,
    config: &LinkCheckerConfig,
    external: External,
) -> Result<CheckReport, CheckError> {
    check_output_with(out_dir, base_url, config, external, &|_| false)
}

/// [`check_output`], where the external links of the HTML files for which `ignored` (given
/// their path relative to `out_dir`) is true are not fetched: `[link_checker]
/// ignored_files`, which names content files, mapped to their outputs by the caller.
pub fn check_output_with(
    out_dir: &Path,
    base_url: &str,
    config: &LinkCheckerConfig,
    external: External,
    ignored: &dyn Fn(&str) -> bool,
) -> Result<CheckReport, CheckError> {
    let output = read_output(out_dir)?;
    let resolver = Resolver::new(base_url, &config.skip_prefixes);
    let mut internal = internal::check(&output, &resolver);
    internal.external.retain(|r| !ignored(&r.file));
    let mut report = CheckReport {
        broken_internal: internal.broken,
        internal_level: config.internal_level,
        external_level: config.external_level,
        files: output.documents.len(),
        internal_links: internal.checked,
        ..CheckReport::default()
    };
    if let External::Check(options) = external {
        let checked = external::check(internal.external, config, &options);
        report.broken_external = checked.broken;
        report.warnings.extend(checked.warnings);
        report.external_urls = Some(checked.urls);
    }
    report.broken_internal.sort();
    report.broken_external.sort();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(file: &str, line: usize, target: &str) -> Problem {
        Problem {
            file: file.into(),
            line,
            target: target.into(),
            reason: "no such file".into(),
        }
    }

    #[test]
    fn levels_decide_failure() {
        let mut report = CheckReport::default();
        assert!(!report.failed());
        report.broken_internal.push(problem("a.html", 1, "/x"));
        assert!(report.failed());
        report.internal_level = LinkLevel::Warn;
        assert!(!report.failed());
        report
            .broken_external
            .push(problem("a.html", 2, "https://x.example/"));
        assert!(report.failed());
        report.external_level = LinkLevel::Warn;
        assert!(!report.failed());
    }

    #[test]
    fn display_lists_every_problem_then_a_summary() {
        let report = CheckReport {
            broken_internal: vec![problem("a.html", 1, "/x"), problem("b/index.html", 7, "y")],
            broken_external: vec![problem("a.html", 3, "https://x.example/")],
            external_level: LinkLevel::Warn,
            warnings: vec!["1 URL not checked".into()],
            files: 2,
            internal_links: 10,
            external_urls: Some(4),
            ..CheckReport::default()
        };
        assert_eq!(
            report.to_string(),
            "error: a.html:1: broken link `/x`: no such file\n\
             error: b/index.html:7: broken link `y`: no such file\n\
             warning: a.html:3: broken external link `https://x.example/`: no such file\n\
             warning: 1 URL not checked\n\
             checked 10 internal links in 2 HTML files (2 broken), 4 external URLs (1 broken)"
        );
    }
}
