//! The scanner behind [`parse`]: finds the tags (`{{ x() }}`, `{% x() %}`, `{% end %}` and their
//! escaped forms) and matches bodies with a stack, so no input can make it recurse deeply.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{Call, Piece, ShortcodeError};

/// Deeper arrays are not values (keeps the recursion of [`literal`] bounded).
const MAX_ARRAY_DEPTH: usize = 64;

const END: &str = "{% end %}";
const ESCAPED_END: &str = "{%/* end */%}";

/// Splits a Markdown body into text and shortcode calls, following Zola 0.22 (see the module
/// documentation for the rules).
pub fn parse(text: &str) -> Result<Vec<Piece<'_>>, ShortcodeError> {
    Scanner::new(text).run()
}

/// A parsed `name(args)`.
struct Def {
    name: String,
    args: Map<String, Value>,
    /// `(argument, digits)` of the first integer that does not fit an `i64`.
    overflow: Option<(String, String)>,
}

/// Why something starting like a call is not one. `name` is set once `name(` was read.
struct Fail {
    name: Option<String>,
    what: String,
}

/// What starts at a `{`.
enum Tag {
    Inline(Def, usize),
    EscapedInline(usize),
    Open(Def, usize),
    EscapedOpen(Def, usize),
    End(usize),
    EscapedEnd(usize),
    Nothing,
}

#[derive(Clone, Copy, PartialEq)]
enum BodyKind {
    Plain,
    Escaped,
}

impl BodyKind {
    fn end(self) -> &'static str {
        match self {
            BodyKind::Plain => END,
            BodyKind::Escaped => ESCAPED_END,
        }
    }
}

/// An open body while looking for its end.
struct Frame {
    kind: BodyKind,
    name: String,
    start: usize,
    content_from: usize,
}

struct Scanner<'a> {
    src: &'a str,
    /// Byte offsets of every `\n`, for line numbers.
    newlines: Vec<usize>,
    /// The last `{% x(...` that failed to be an opening, for a better error on a lone end.
    bad_open: Option<(usize, String, String)>,
}

impl<'a> Scanner<'a> {
    fn new(src: &'a str) -> Self {
        let newlines = src.match_indices('\n').map(|(i, _)| i).collect();
        Scanner {
            src,
            newlines,
            bad_open: None,
        }
    }

    fn line(&self, pos: usize) -> usize {
        self.newlines.partition_point(|&n| n < pos) + 1
    }

    fn run(mut self) -> Result<Vec<Piece<'a>>, ShortcodeError> {
        let src = self.src;
        let mut pieces = Vec::new();
        let mut text_from = 0;
        let mut p = 0;
        while let Some(off) = src[p..].find('{') {
            let q = p + off;
            let (piece, end) = match self.tag_at(q) {
                Tag::Nothing => {
                    p = q + 1;
                    continue;
                }
                Tag::Inline(def, e) => {
                    self.check_overflow(&def, q)?;
                    (Piece::Call(self.call(def, None, q..e)), e)
                }
                Tag::EscapedInline(e) => {
                    let shown = unescape(&src[q..e], "{{/*", "{{", "*/}}", "}}");
                    (Piece::Text(Cow::Owned(shown)), e)
                }
                Tag::Open(def, e) => {
                    self.check_overflow(&def, q)?;
                    let (inner_end, end) = self.match_body(BodyKind::Plain, &def.name, q, e)?;
                    let body = src[e..inner_end].trim().to_string();
                    (Piece::Call(self.call(def, Some(body), q..end)), end)
                }
                Tag::EscapedOpen(def, e) => {
                    let (inner_end, end) = self.match_body(BodyKind::Escaped, &def.name, q, e)?;
                    let mut shown = unescape(&src[q..e], "{%/*", "{%", "*/%}", "%}");
                    shown.push_str(&src[e..inner_end]);
                    shown.push_str(&unescape(&src[inner_end..end], "{%/*", "{%", "*/%}", "%}"));
                    (Piece::Text(Cow::Owned(shown)), end)
                }
                Tag::End(e) | Tag::EscapedEnd(e) => return Err(self.lone_end(q, e)),
            };
            push_text(&mut pieces, Cow::Borrowed(&src[text_from..q]));
            match piece {
                Piece::Text(t) => push_text(&mut pieces, t),
                call => pieces.push(call),
            }
            p = end;
            text_from = end;
        }
        push_text(&mut pieces, Cow::Borrowed(&src[text_from..]));
        Ok(pieces)
    }

    fn call(&self, def: Def, body: Option<String>, span: std::ops::Range<usize>) -> Call {
        Call {
            name: def.name,
            args: def.args,
            body,
            line: self.line(span.start),
            span,
        }
    }

    fn check_overflow(&self, def: &Def, at: usize) -> Result<(), ShortcodeError> {
        match &def.overflow {
            Some((arg, value)) => Err(ShortcodeError::IntegerOutOfRange {
                line: self.line(at),
                name: def.name.clone(),
                arg: arg.clone(),
                value: value.clone(),
            }),
            None => Ok(()),
        }
    }

    fn lone_end(&self, at: usize, end: usize) -> ShortcodeError {
        match &self.bad_open {
            Some((pos, name, what)) => ShortcodeError::BadCall {
                line: self.line(*pos),
                name: name.clone(),
                what: what.clone(),
                end_line: self.line(at),
            },
            None => ShortcodeError::EndWithoutOpening {
                line: self.line(at),
                found: self.src[at..end].to_string(),
            },
        }
    }

    /// Finds the end of the body opened at `start` (its content starting at `from`): returns where
    /// the content stops and where the closing tag ends. Calls inside are matched on the way, as
    /// Zola's grammar does, so a nested body takes the first `{% end %}` it meets.
    fn match_body(
        &mut self,
        kind: BodyKind,
        name: &str,
        start: usize,
        from: usize,
    ) -> Result<(usize, usize), ShortcodeError> {
        let src = self.src;
        let mut stack = vec![Frame {
            kind,
            name: name.to_string(),
            start,
            content_from: from,
        }];
        // Calls inside an escaped body are only text: Zola never converts their arguments.
        let mut escaped = usize::from(kind == BodyKind::Escaped);
        let mut p = from;
        loop {
            let Some(off) = src[p..].find('{') else {
                let top = stack.last().expect("the stack is never empty here");
                return Err(ShortcodeError::UnclosedBody {
                    line: self.line(top.start),
                    name: top.name.clone(),
                    expected: top.kind.end(),
                });
            };
            let q = p + off;
            let (closing, e) = match self.tag_at(q) {
                Tag::Nothing => {
                    p = q + 1;
                    continue;
                }
                Tag::Inline(def, e) => {
                    if escaped == 0 {
                        self.check_overflow(&def, q)?;
                    }
                    p = e;
                    continue;
                }
                Tag::EscapedInline(e) => {
                    p = e;
                    continue;
                }
                Tag::Open(def, e) | Tag::EscapedOpen(def, e) => {
                    let kind = if src[q..].starts_with("{%/*") {
                        escaped += 1;
                        BodyKind::Escaped
                    } else {
                        if escaped == 0 {
                            self.check_overflow(&def, q)?;
                        }
                        BodyKind::Plain
                    };
                    stack.push(Frame {
                        kind,
                        name: def.name,
                        start: q,
                        content_from: e,
                    });
                    p = e;
                    continue;
                }
                Tag::End(e) => (BodyKind::Plain, e),
                Tag::EscapedEnd(e) => (BodyKind::Escaped, e),
            };
            let top = stack.pop().expect("the stack is never empty here");
            if top.kind != closing {
                return Err(ShortcodeError::WrongEnd {
                    line: self.line(q),
                    found: src[q..e].to_string(),
                    name: top.name,
                    open_line: self.line(top.start),
                    expected: top.kind.end(),
                });
            }
            if top.content_from == q {
                return Err(ShortcodeError::EmptyBody {
                    line: self.line(top.start),
                    name: top.name,
                });
            }
            if closing == BodyKind::Escaped {
                escaped -= 1;
            }
            self.bad_open = None;
            if stack.is_empty() {
                return Ok((q, e));
            }
            p = e;
        }
    }

    /// What starts at `q`, which holds a `{`.
    fn tag_at(&mut self, q: usize) -> Tag {
        let src = self.src;
        let rest = &src[q..];
        if rest.starts_with("{{/*") {
            match call_at(src, q + 4, "*/}}") {
                Ok((_, e)) => Tag::EscapedInline(e),
                Err(_) => Tag::Nothing,
            }
        } else if rest.starts_with("{{") {
            match call_at(src, q + 2, "}}") {
                Ok((def, e)) => Tag::Inline(def, e),
                Err(_) => Tag::Nothing,
            }
        } else if rest.starts_with("{%/*") {
            if let Some(e) = end_tag(src, q + 4, "*/%}") {
                return Tag::EscapedEnd(e);
            }
            match call_at(src, q + 4, "*/%}") {
                Ok((def, e)) => Tag::EscapedOpen(def, e),
                Err(fail) => self.note_bad_open(q, fail),
            }
        } else if rest.starts_with("{%") {
            if let Some(e) = end_tag(src, q + 2, "%}") {
                return Tag::End(e);
            }
            match call_at(src, q + 2, "%}") {
                Ok((def, e)) => Tag::Open(def, e),
                Err(fail) => self.note_bad_open(q, fail),
            }
        } else {
            Tag::Nothing
        }
    }

    fn note_bad_open(&mut self, q: usize, fail: Fail) -> Tag {
        if let Some(name) = fail.name {
            self.bad_open = Some((q, name, fail.what));
        }
        Tag::Nothing
    }
}

/// Zola prints an escaped tag by replacing the first opening and the first closing mark.
fn unescape(tag: &str, open_mark: &str, open: &str, close_mark: &str, close: &str) -> String {
    tag.replacen(open_mark, open, 1)
        .replacen(close_mark, close, 1)
}

/// Appends text, joining it to the text before; empty text is dropped.
fn push_text<'a>(pieces: &mut Vec<Piece<'a>>, text: Cow<'a, str>) {
    if text.is_empty() {
        return;
    }
    if let Some(Piece::Text(last)) = pieces.last_mut() {
        last.to_mut().push_str(&text);
    } else {
        pieces.push(Piece::Text(text));
    }
}

/// Zola's whitespace between tokens: space, tab, CR, LF.
fn skip_ws(b: &[u8], mut p: usize) -> usize {
    while matches!(b.get(p), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        p += 1;
    }
    p
}

/// End of an identifier `[A-Za-z_][A-Za-z0-9_]*` starting at `p`.
fn ident(b: &[u8], p: usize) -> Option<usize> {
    match b.get(p) {
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {}
        _ => return None,
    }
    let mut e = p + 1;
    while matches!(b.get(e), Some(c) if c.is_ascii_alphanumeric() || *c == b'_') {
        e += 1;
    }
    Some(e)
}

/// `end` then `close` (whitespace allowed before each), from `p`: where the tag ends.
fn end_tag(src: &str, p: usize, close: &str) -> Option<usize> {
    let b = src.as_bytes();
    let p = skip_ws(b, p);
    if !src[p..].starts_with("end") {
        return None;
    }
    let p = skip_ws(b, p + 3);
    src[p..].starts_with(close).then(|| p + close.len())
}

/// `name(args)` then `close`, from `p`: the call and where the tag ends.
fn call_at(src: &str, p: usize, close: &str) -> Result<(Def, usize), Fail> {
    let (def, def_end) = def_at(src, p)?;
    let e = skip_ws(src.as_bytes(), def_end);
    if src[e..].starts_with(close) {
        Ok((def, e + close.len()))
    } else {
        Err(Fail {
            name: Some(def.name),
            what: format!("expected `{close}` right after `)`"),
        })
    }
}

/// `name ( arg = value, ... )` from `p`: the call and the position after `)`.
fn def_at(src: &str, p: usize) -> Result<(Def, usize), Fail> {
    let b = src.as_bytes();
    let not_a_call = || Fail {
        name: None,
        what: "not a call".to_string(),
    };
    let p = skip_ws(b, p);
    let name_end = ident(b, p).ok_or_else(not_a_call)?;
    let name = src[p..name_end].to_string();
    let mut p = skip_ws(b, name_end);
    if b.get(p) != Some(&b'(') {
        return Err(not_a_call());
    }
    p = skip_ws(b, p + 1);
    let fail = |what: String| Fail {
        name: Some(name.clone()),
        what,
    };
    let mut args = Map::new();
    let mut overflow = None;
    let mut after_arg = false;
    loop {
        if b.get(p) == Some(&b')') {
            return Ok((
                Def {
                    name,
                    args,
                    overflow,
                },
                p + 1,
            ));
        }
        let mut after_comma = false;
        if after_arg && b.get(p) == Some(&b',') {
            p = skip_ws(b, p + 1);
            after_comma = true;
        }
        let Some(arg_end) = ident(b, p) else {
            let what = if p >= b.len() {
                "`(` is never closed".to_string()
            } else if after_comma {
                "a `,` must be followed by another argument (no trailing comma)".to_string()
            } else {
                format!("expected `name=value` or `)`, found `{}`", snippet(src, p))
            };
            return Err(fail(what));
        };
        let arg = &src[p..arg_end];
        p = skip_ws(b, arg_end);
        if b.get(p) != Some(&b'=') {
            return Err(fail(format!("argument `{arg}` needs `=` and a value")));
        }
        p = skip_ws(b, p + 1);
        let Some(lit) = literal(src, p, 0) else {
            return Err(fail(format!(
                "argument `{arg}`: `{}` is not a string, integer, float, boolean or array",
                snippet(src, p)
            )));
        };
        if overflow.is_none() {
            overflow = lit.overflow.map(|digits| (arg.to_string(), digits));
        }
        args.insert(arg.to_string(), lit.value);
        p = skip_ws(b, lit.end);
        after_arg = true;
    }
}

/// A few characters from `p`, for error messages.
fn snippet(src: &str, p: usize) -> String {
    src[p..]
        .chars()
        .take(12)
        .take_while(|c| *c != '\n')
        .collect()
}

struct Literal {
    value: Value,
    end: usize,
    /// The digits of an integer too large for an `i64` (its value is then null).
    overflow: Option<String>,
}

/// A value from `p`, tried in Zola's order: boolean, string, float, integer, array.
fn literal(src: &str, p: usize, depth: usize) -> Option<Literal> {
    let b = src.as_bytes();
    let rest = &src[p..];
    let done = |value, end| {
        Some(Literal {
            value,
            end,
            overflow: None,
        })
    };
    if rest.starts_with("true") {
        return done(Value::Bool(true), p + 4);
    }
    if rest.starts_with("false") {
        return done(Value::Bool(false), p + 5);
    }
    match *b.get(p)? {
        q @ (b'"' | b'\'' | b'`') => {
            let close = p + 1 + rest[1..].find(q as char)?;
            done(Value::String(src[p + 1..close].to_string()), close + 1)
        }
        b'[' => {
            if depth >= MAX_ARRAY_DEPTH {
                return None;
            }
            let mut items = Vec::new();
            let mut overflow = None;
            let mut p = skip_ws(b, p + 1);
            loop {
                if b.get(p) == Some(&b']') {
                    return Some(Literal {
                        value: Value::Array(items),
                        end: p + 1,
                        overflow,
                    });
                }
                let item = literal(src, p, depth + 1)?;
                if overflow.is_none() {
                    overflow = item.overflow;
                }
                items.push(item.value);
                p = skip_ws(b, item.end);
                match b.get(p) {
                    Some(b',') => p = skip_ws(b, p + 1),
                    Some(b']') => {}
                    _ => return None,
                }
            }
        }
        _ => number(src, p),
    }
}

/// `-?(0|[1-9][0-9]*)`, then `.[0-9]+` for a float.
fn number(src: &str, p: usize) -> Option<Literal> {
    let b = src.as_bytes();
    let digits_end = |mut e: usize| {
        while b.get(e).is_some_and(u8::is_ascii_digit) {
            e += 1;
        }
        e
    };
    let mut e = p;
    if b.get(e) == Some(&b'-') {
        e += 1;
    }
    match b.get(e)? {
        b'0' => e += 1,
        b'1'..=b'9' => e = digits_end(e + 1),
        _ => return None,
    }
    if b.get(e) == Some(&b'.') && b.get(e + 1).is_some_and(u8::is_ascii_digit) {
        let end = digits_end(e + 1);
        let value: f64 = src[p..end].parse().ok()?;
        return Some(Literal {
            value: Value::from(value),
            end,
            overflow: None,
        });
    }
    let text = &src[p..e];
    Some(match text.parse::<i64>() {
        Ok(n) => Literal {
            value: Value::from(n),
            end: e,
            overflow: None,
        },
        Err(_) => Literal {
            value: Value::Null,
            end: e,
            overflow: Some(text.to_string()),
        },
    })
}
