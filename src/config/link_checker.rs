//! `[link_checker]`: what `sitegen check` (and the build) does about broken links.

use serde::{Deserialize, Serialize};

/// How a broken link is reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkLevel {
    /// The command fails (the default).
    #[default]
    Error,
    /// A warning; the command succeeds.
    Warn,
}

/// The keys of `[link_checker]`, for the unknown-key warning.
pub(super) const LINK_CHECKER_KEYS: &[&str] = &[
    "skip_prefixes",
    "skip_anchor_prefixes",
    "internal_level",
    "external_level",
    "ignored_files",
];

/// `[link_checker]`, with Zola's keys and defaults. Unknown keys are warned about, not
/// refused, as Zola accepts them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkCheckerConfig {
    /// External URLs starting with one of these are not checked.
    pub skip_prefixes: Vec<String>,
    /// External URLs starting with one of these are checked without their `#anchor`.
    pub skip_anchor_prefixes: Vec<String>,
    /// Broken internal links (and anchors): error or warning.
    pub internal_level: LinkLevel,
    /// Broken external links: error or warning.
    pub external_level: LinkLevel,
    /// Globs of content files whose links are not checked.
    pub ignored_files: Vec<String>,
}
