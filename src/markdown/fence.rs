//! Fence info strings (`rust,linenos,hl_lines=1 3-4,name=x`) as Zola 0.22 reads them, and
//! code blocks without highlighting as it writes them.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use super::escape_html;

/// The language name giallo gives code that has none (no `data-lang` without highlighting).
pub const PLAIN: &str = "plain";

/// What a fence's info string asks for: `rust,linenos,linenostart=5,hl_lines=1 3-4,name=x`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fence {
    /// The first word without `=` (`plain` for a fence without an info string).
    pub lang: String,
    /// `linenos`.
    pub line_numbers: bool,
    /// `linenostart=N` (1 by default); the number shown next to the first line.
    pub line_number_start: i64,
    /// `hl_lines`: 1-based lines of the block, whatever `linenostart` says.
    pub highlight_lines: Vec<RangeInclusive<usize>>,
    /// `hide_lines`: 1-based lines of the block left out.
    pub hide_lines: Vec<RangeInclusive<usize>>,
    /// Every other `key=value` (`name=mod.rs`), output as `data-key="value"`.
    pub metadata: BTreeMap<String, String>,
}

impl Default for Fence {
    fn default() -> Self {
        Fence {
            lang: PLAIN.into(),
            line_numbers: false,
            line_number_start: 1,
            highlight_lines: Vec::new(),
            hide_lines: Vec::new(),
            metadata: BTreeMap::new(),
        }
    }
}

/// `3` or `1-4` (reversed bounds are swapped); anything else is ignored, as Zola does.
fn parse_range(text: &str) -> Option<RangeInclusive<usize>> {
    match text.split_once('-') {
        Some((a, b)) => {
            let (a, b): (usize, usize) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            Some(a.min(b)..=a.max(b))
        }
        None => {
            let n = text.trim().parse().ok()?;
            Some(n..=n)
        }
    }
}

/// Parses an info string the way Zola 0.22 does: comma-separated, order free, unknown
/// valueless words after the language ignored, malformed numbers ignored.
pub fn parse_fence(info: &str) -> Fence {
    let mut fence = Fence::default();
    if info.trim().is_empty() {
        return fence;
    }
    let mut lang = None;
    for token in info.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let (key, value) = match token.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v)),
            None => (token, None),
        };
        let ranges = |v: Option<&str>| -> Vec<RangeInclusive<usize>> {
            v.map(|v| v.split(' ').filter_map(parse_range).collect())
                .unwrap_or_default()
        };
        match key {
            "linenos" => fence.line_numbers = true,
            "linenostart" => {
                if let Some(n) = value.and_then(|v| v.trim().parse().ok()) {
                    fence.line_number_start = n;
                }
            }
            "hl_lines" => fence.highlight_lines.extend(ranges(value)),
            "hide_lines" => fence.hide_lines.extend(ranges(value)),
            _ => match value {
                Some(v) => {
                    // Later values of a key replace earlier ones, as in a map.
                    fence.metadata.insert(key.to_string(), v.trim().to_string());
                }
                None if lang.is_none() => lang = Some(key.to_string()),
                None => {}
            },
        }
    }
    fence.lang = lang.unwrap_or_default();
    fence
}

/// `data-lang` and the other metadata of a fence, for `<code>`.
pub(super) fn data_attributes(lang: &str, fence: &Fence) -> String {
    let mut out = format!(" data-lang=\"{}\"", escape_html(lang));
    for (key, value) in &fence.metadata {
        // giallo's attribute name: lowercase, anything but letters, digits and `-` as `-`.
        let name: String = key
            .to_lowercase()
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        out.push_str(&format!(" data-{name}=\"{}\"", escape_html(value)));
    }
    out
}

/// A code block without highlighting, as Zola 0.22 writes it: annotations are ignored.
pub fn plain_code_block(code: &str, fence: &Fence) -> String {
    let lang = if fence.lang == PLAIN {
        String::new()
    } else {
        format!(" data-lang=\"{}\"", escape_html(&fence.lang))
    };
    format!("<pre><code{lang}>{}</code></pre>\n", escape_html(code))
}
