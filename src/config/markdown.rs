//! `[markdown]`: how Markdown bodies are rendered.

use serde::{Deserialize, Serialize};

/// `[markdown]`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MarkdownConfig {
    /// Curly quotes, dashes and ellipses.
    pub smart_punctuation: bool,
    /// Syntax highlighting of fenced code with CSS classes.
    pub highlight_code: bool,
    /// `target="_blank" rel="noopener"` on links to other sites.
    pub external_links_target_blank: bool,
}
