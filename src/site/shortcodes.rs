//! Expanding the shortcode calls of a body before its Markdown is rendered, as Zola does:
//! a `NAME.md` shortcode's output goes into the Markdown, a `NAME.html` one's into the HTML
//! afterwards (through a placeholder that Markdown leaves alone), calls inside a body are
//! expanded before the call around them, and escapes print the call itself.
//!
//! A body without `{{` or `{%` is not looked at: pages without shortcodes pay nothing.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use super::BuildError;
use crate::markdown::Rendered;
use crate::render::{ShortcodeKind, ShortcodeTemplates};
use crate::shortcodes::{parse, Piece};

/// A body with its calls expanded.
pub(super) struct Expanded {
    /// The Markdown to render: `.md` outputs in place, `.html` calls as placeholders.
    pub(super) text: String,
    /// Placeholder -> HTML, to put back after rendering.
    html: Vec<(String, String)>,
    /// The shortcodes called (sorted, each once): part of the body's render key.
    pub(super) names: Vec<String>,
}

/// Where a body comes from, for errors: its file and the line it starts on.
pub(super) struct Origin<'a> {
    pub(super) file: &'a Path,
    pub(super) body_line: usize,
}

/// Expands the calls of `body`; `None` when it has none (nothing to do). `context` makes
/// what the shortcodes see besides their arguments (`page` or `section`, `config`, `lang`),
/// only when there is a call.
pub(super) fn expand(
    body: &str,
    origin: &Origin,
    templates: &ShortcodeTemplates,
    context: &dyn Fn() -> tera::Context,
) -> Result<Option<Expanded>, BuildError> {
    if !body.contains("{{") && !body.contains("{%") {
        return Ok(None);
    }
    let pieces = parse(body).map_err(|e| error(origin, e.line(), "", e.to_string()))?;
    // Nothing but the text as it was: no call, no escape.
    if let [Piece::Text(t)] = pieces.as_slice() {
        if t.as_ref() == body {
            return Ok(None);
        }
    }
    let context = context();
    let mut expander = Expander {
        origin,
        templates,
        context: &context,
        nth: HashMap::new(),
        names: BTreeSet::new(),
    };
    let mut text = String::with_capacity(body.len());
    let mut html = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Text(t) => text.push_str(&t),
            Piece::Call(call) => {
                let (line, name) = (call.line, call.name.clone());
                let output = expander.render(call, line, 0)?;
                match templates.get(&name).map(|d| d.kind) {
                    Some(ShortcodeKind::Markdown) => text.push_str(&output),
                    _ => {
                        let token = placeholder(html.len());
                        text.push_str(&token);
                        html.push((token, output));
                    }
                }
            }
        }
    }
    Ok(Some(Expanded {
        text,
        html,
        names: expander.names.into_iter().collect(),
    }))
}

/// A render key `key` extended with the shortcodes a body calls: unchanged for a body that
/// calls none, `None` (render anew) when one of them must always be rendered anew.
pub(super) fn key_with(
    key: u128,
    names: &[String],
    templates: &ShortcodeTemplates,
) -> Option<u128> {
    if names.is_empty() {
        return Some(key);
    }
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&key.to_le_bytes());
    h.update(&templates.hash_of(names)?.to_le_bytes());
    Some(h.digest128())
}

/// A placeholder Markdown keeps as it is (letters and digits only) and text will not hold.
fn placeholder(n: usize) -> String {
    format!("sitegenshortcode{n}x7q9placeholder")
}

impl Expanded {
    /// Puts the HTML outputs into `rendered` where their placeholders are. A placeholder
    /// that is a paragraph of its own loses the paragraph (the output is a block).
    pub(super) fn finish(&self, rendered: &mut Rendered) {
        put_outputs(&mut rendered.html, &self.html);
        if let Some(summary) = rendered.summary.as_mut() {
            put_outputs(summary, &self.html);
        }
        rendered.shortcodes = self.names.clone();
    }
}

/// Replaces each placeholder in `html` by its output: escaped inside `<code>` (as Zola, a
/// call in a code block shows its output as code), as a block where the placeholder is a
/// paragraph of its own, as it is elsewhere.
fn put_outputs(html: &mut String, outputs: &[(String, String)]) {
    for (token, output) in outputs {
        let mut from = 0;
        while let Some(found) = html[from..].find(token.as_str()) {
            let at = from + found;
            let before = &html[..at];
            let in_code = before
                .rfind("<code")
                .is_some_and(|open| before.rfind("</code>").is_none_or(|close| close < open));
            let (start, end, text) = if in_code {
                let mut escaped = String::new();
                let _ = pulldown_cmark_escape::escape_html(&mut escaped, output);
                (at, at + token.len(), escaped)
            } else if before.ends_with("<p>") && html[at + token.len()..].starts_with("</p>") {
                (at - 3, at + token.len() + 4, output.clone())
            } else {
                (at, at + token.len(), output.clone())
            };
            html.replace_range(start..end, &text);
            // Past what was put in (an output could hold the placeholder's text itself).
            from = start + text.len();
        }
    }
}

struct Expander<'a> {
    origin: &'a Origin<'a>,
    templates: &'a ShortcodeTemplates,
    context: &'a tera::Context,
    /// Per name, how many calls so far (`nth`, from 1).
    nth: HashMap<String, usize>,
    names: BTreeSet<String>,
}

/// How deep shortcodes may nest in bodies before it is an error (a runaway recursion).
const MAX_DEPTH: usize = 32;

impl Expander<'_> {
    /// Renders one call, the calls in its body first. `line` is the line (within the body
    /// of the page) errors name: the call's own, or for calls inside a body the line of the
    /// outermost call.
    fn render(
        &mut self,
        call: crate::shortcodes::Call,
        line: usize,
        depth: usize,
    ) -> Result<String, BuildError> {
        let name = call.name.clone();
        if self.templates.get(&name).is_none() {
            return Err(error(
                self.origin,
                line,
                &name,
                "no such shortcode (looked for templates/shortcodes/NAME.html and NAME.md in the site and its theme)".into(),
            ));
        }
        self.names.insert(name.clone());
        let nth = {
            let n = self.nth.entry(name.clone()).or_insert(0);
            *n += 1;
            *n
        };
        let mut context = self.context.clone();
        for (key, value) in &call.args {
            context.insert(key.as_str(), value);
        }
        context.insert("nth", &nth);
        if let Some(body) = &call.body {
            if depth >= MAX_DEPTH {
                return Err(error(
                    self.origin,
                    line,
                    &name,
                    "shortcodes nest too deep".into(),
                ));
            }
            let inner = parse(body).map_err(|e| error(self.origin, line, &name, e.to_string()))?;
            let mut expanded = String::with_capacity(body.len());
            for piece in inner {
                match piece {
                    Piece::Text(t) => expanded.push_str(&t),
                    Piece::Call(inner_call) => {
                        expanded.push_str(&self.render(inner_call, line, depth + 1)?)
                    }
                }
            }
            context.insert("body", expanded.trim_end());
        }
        self.templates
            .render(&name, &context)
            .map_err(|message| error(self.origin, line, &name, message))
    }
}

fn error(origin: &Origin, line: usize, name: &str, message: String) -> BuildError {
    BuildError::Shortcode {
        file: origin.file.to_path_buf(),
        line: origin.body_line + line.saturating_sub(1),
        name: name.to_string(),
        message,
    }
}
