//! Finding shortcode calls in a Markdown body, the way Zola 0.22 finds them.
//!
//! This module only splits a body into [`Piece`]s: text to keep and [`Call`]s to render. It does
//! not know which shortcodes exist, does not render templates, does not count `nth` and does not
//! touch Markdown. Whoever renders calls [`parse`] and handles the pieces.
//!
//! # The rules (checked against Zola 0.22's grammar, parser and tests)
//!
//! - **Forms.** `{{ name(args) }}` is a call without body; `{% name(args) %}body{% end %}` is a
//!   call with a body. Whitespace (space, tab, `\r`, `\n`, nothing else) may stand between any two
//!   tokens: `{{name()}}`, `{{ name ( a = 1 ) }}` and `{%end%}` are all fine, and a call may run
//!   over several lines. `{{-`/`-}}` are not accepted (such text stays text).
//! - **Names** of shortcodes and arguments are ASCII: a letter or `_`, then letters, digits, `_`.
//!   Parentheses are mandatory: `{{ name }}` is text.
//! - **Arguments** are `name = value`, separated by a comma or only by whitespace (or nothing at
//!   all when the tokens cannot run together); no leading or trailing comma. A repeated name keeps
//!   the last value. Values are:
//!   strings in `"`, `'` or `` ` `` (any character but that quote, newlines included; *no escapes*:
//!   a backslash is kept as it is); `true`/`false`; integers `-?(0|[1-9][0-9]*)` (an `i64`);
//!   floats `-?(0|[1-9][0-9]*)\.[0-9]+` (no exponent, no leading `.`); arrays `[v, v, ...]` of any
//!   values, nested arrays included, commas required, a trailing comma allowed.
//! - **Anything that is not exactly a call is text**, silently (Zola's documented behaviour): a
//!   bad value (`a=01`, `a=1.`), a missing `)` or `}}`, a filter after the call
//!   (`{{ f() | safe }}`) all leave the characters as they are.
//! - **Bodies.** The body is everything between `%}` and the matching `{% end %}`, trimmed of
//!   whitespace at both ends (Zola `str::trim`). Bodies nest: a `{% x() %}...{% end %}` inside a
//!   body is matched first, so the outer call ends at its own `{% end %}`. [`Call::body`] keeps the
//!   calls inside the body as written: parse the body again to get them (Zola expands them before
//!   rendering the outer call). A body must not be empty (`{% x() %}{% end %}` is an error in
//!   Zola), but whitespace counts as content.
//! - **Errors** (where Zola fails the whole page): a `{% x() %}` without its `{% end %}`, a
//!   `{% end %}` without an opening (often the end of a `{% x(...) %}` whose arguments are wrong: the
//!   error then names that call and the argument), an empty body, an escaped opening
//!   `{%/* x() */%}` without `{%/* end */%}`, the wrong kind of end inside a body, and an integer
//!   that does not fit an `i64` (Zola panics there).
//! - **Escapes.** `{{/* name(args) */}}` prints `{{ name(args) }}`: the first `{{/*` becomes `{{` and
//!   the first `*/}}` becomes `}}`, everything else (inner spaces too) is kept. The same for
//!   `{%/* name(args) */%}` ... `{%/* end */%}`, which must be closed and whose content is kept
//!   verbatim (calls in it are not expanded, nested escapes keep their marks). Only what would be a
//!   valid call is unescaped; `{{/* anything */}}` else stays as it is.
//! - **Code and HTML are not special.** Zola finds shortcodes in the raw text before Markdown is
//!   parsed, so calls inside fenced or indented code blocks, inline code, HTML comments and raw HTML
//!   are expanded like any other (Zola's tests render `<!-- {{ image() }} -->` and expand calls in
//!   code blocks). Documentation pages escape them with `{{/* */}}` for that reason.
//! - **`.md` and `.html` shortcodes** are parsed the same; the difference is in rendering (Zola
//!   renders `.md` ones into the Markdown before it is parsed and `.html` ones into the HTML
//!   afterwards), which is not this module's business.
//! - **Positions.** [`Call::line`] is the 1-based line of the call's first `{`, counting `\n` only
//!   (so CRLF counts once); [`Call::span`] is the byte range of the whole call, from `{{`/`{%` to
//!   the closing `}}`/`%}` of the call or of its `{% end %}`.
//!
//! Limits of this port: arrays nested more than 64 deep are not a value (Zola would recurse).

mod parse;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::ops::Range;

pub use parse::parse;

/// One part of a Markdown body, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece<'a> {
    /// Text to keep as it is (escapes already turned into the call text they print).
    Text(Cow<'a, str>),
    /// A shortcode call to render in place.
    Call(Call),
}

/// One shortcode call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The shortcode's name (the template is `shortcodes/<name>.html` or `.md`).
    pub name: String,
    /// The arguments: strings, integers, floats, booleans and arrays of those.
    pub args: serde_json::Map<String, serde_json::Value>,
    /// Some for `{% name(..) %} ... {% end %}`: the text between the two, trimmed at both ends,
    /// with the calls inside it still written out.
    pub body: Option<String>,
    /// 1-based line of the call's start within the body text.
    pub line: usize,
    /// Byte range of the whole call in the input (to the end of `{% end %}` for a body).
    pub span: Range<usize>,
}

/// Why a Markdown body cannot be split into pieces. Every variant names the 1-based line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShortcodeError {
    /// A `{% name(...) %}` that is not a valid call, found because its `{% end %}` has no opening.
    #[error(
        "line {line}: shortcode `{name}`: {what}, so its `{{% end %}}` (line {end_line}) has no opening"
    )]
    BadCall {
        line: usize,
        name: String,
        /// What is wrong, naming the argument when there is one.
        what: String,
        end_line: usize,
    },
    /// An integer argument that does not fit a 64-bit integer.
    #[error("line {line}: shortcode `{name}`: argument `{arg}`: integer {value} is out of range")]
    IntegerOutOfRange {
        line: usize,
        name: String,
        arg: String,
        value: String,
    },
    /// A call with a body, or its escaped form, that is never closed.
    #[error("line {line}: shortcode `{name}` has a body but no `{expected}` closing it")]
    UnclosedBody {
        line: usize,
        name: String,
        /// The closing tag that is missing: `{% end %}` or `{%/* end */%}`.
        expected: &'static str,
    },
    /// `{% name() %}{% end %}` with nothing in between (Zola rejects it).
    #[error("line {line}: shortcode `{name}` has an empty body")]
    EmptyBody { line: usize, name: String },
    /// A closing tag with no opening shortcode.
    #[error("line {line}: `{found}` without an opening shortcode")]
    EndWithoutOpening { line: usize, found: String },
    /// A closing tag of the other kind inside an open body.
    #[error(
        "line {line}: `{found}` inside the body of shortcode `{name}` (line {open_line}), which needs `{expected}` first"
    )]
    WrongEnd {
        line: usize,
        found: String,
        name: String,
        open_line: usize,
        expected: &'static str,
    },
}

impl ShortcodeError {
    /// The 1-based line the error is about.
    pub fn line(&self) -> usize {
        match self {
            ShortcodeError::BadCall { line, .. }
            | ShortcodeError::IntegerOutOfRange { line, .. }
            | ShortcodeError::UnclosedBody { line, .. }
            | ShortcodeError::EmptyBody { line, .. }
            | ShortcodeError::EndWithoutOpening { line, .. }
            | ShortcodeError::WrongEnd { line, .. } => *line,
        }
    }
}
