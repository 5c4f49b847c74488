//! Which page fields a template can read, so that page lists in its context carry only those.
//!
//! Why: a list entry of a page is a map of ~17 fields (~5 KiB as a JSON value). A taxonomy
//! list holds one per page per term, and a section one per page: at 10,000 pages that is
//! 150 MiB built for one render, where a typical list template reads two fields. Tera reads a
//! field only by naming it, so a field whose name appears nowhere in the template (or in what
//! it extends, includes or imports) cannot change the output.
//!
//! The scan is conservative: where a template could reach fields without naming them (a
//! whole object encoded or printed, map iteration, a subscript or a sort key held in a
//! variable, the length of an object) it gives up and every field is kept.

use std::collections::HashSet;
use std::sync::Arc;

/// The names a template can read; `None`: any (keep every field).
pub type Fields = Option<Arc<HashSet<String>>>;

/// Whether `name` is to be kept under `fields`.
pub fn keeps(fields: &Fields, name: &str) -> bool {
    fields.as_ref().is_none_or(|f| f.contains(name))
}

/// Names that are never a page object: `x | length` and `a in x` are safe on these.
const NOT_A_PAGE: &[&str] = &[
    "pages",
    "subsections",
    "terms",
    "items",
    "toc",
    "children",
    "aliases",
    "assets",
    "tags",
    "categories",
    "content",
    "summary",
    "title",
    "description",
    "name",
    "slug",
    "path",
    "permalink",
];

/// The words of the code (inside `{{ }}`, `{% %}`) of `sources`, or `None` when the code
/// may read fields it does not name.
pub fn scan<'a>(sources: impl IntoIterator<Item = &'a str>) -> Fields {
    let mut words = HashSet::new();
    for text in sources {
        for code in code_blocks(text) {
            if !scan_code(code, &mut words) {
                return None;
            }
        }
    }
    Some(Arc::new(words))
}

/// The code parts of a template: the insides of `{{ }}` and `{% %}` (comments are skipped).
fn code_blocks(text: &str) -> Vec<&str> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let close = match after.chars().next() {
            Some('{') => "}}",
            Some('%') => "%}",
            Some('#') => "#}",
            _ => {
                rest = after;
                continue;
            }
        };
        let body = &after[1..];
        let end = body.find(close).unwrap_or(body.len());
        if close != "#}" {
            blocks.push(&body[..end]);
        }
        rest = &body[(end + close.len()).min(body.len())..];
    }
    blocks
}

#[derive(Debug, PartialEq)]
enum Token<'a> {
    Ident(&'a str),
    Str(&'a str),
    Punct(char),
}

fn tokens(code: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        if c.is_ascii_alphanumeric() || c == '_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push(Token::Ident(&code[start..i]));
        } else if matches!(c, '"' | '\'' | '`') {
            let start = i + 1;
            i = start;
            while i < bytes.len() && bytes[i] as char != c {
                i += 1;
            }
            out.push(Token::Str(&code[start..i.min(bytes.len())]));
            i += 1;
        } else {
            if !c.is_whitespace() {
                out.push(Token::Punct(c));
            }
            i += 1;
        }
    }
    out
}

/// Adds the words of one code block; false if it may read fields it does not name.
fn scan_code(code: &str, words: &mut HashSet<String>) -> bool {
    let tokens = tokens(code);
    let ident = |k: usize| match tokens.get(k) {
        Some(Token::Ident(s)) => Some(*s),
        _ => None,
    };
    let is_for = ident(0) == Some("for");
    for (k, token) in tokens.iter().enumerate() {
        match token {
            Token::Ident(name) => {
                if matches!(*name, "json_encode" | "__tera_context" | "as_str") {
                    return false;
                }
                // A field is only ever read as `x.name` (or `x["name"]`, a string below):
                // a bare name is a variable, a filter, a block or a macro (`{% block
                // content %}` in every base template must not make lists carry `content`).
                if k > 0 && tokens[k - 1] == Token::Punct('.') {
                    words.insert(name.to_string());
                }
            }
            Token::Str(s) => {
                for w in s.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                    if !w.is_empty() {
                        words.insert(w.to_string());
                    }
                }
            }
            Token::Punct(_) => {}
        }
        let prev = k.checked_sub(1).and_then(|p| tokens.get(p));
        let next = tokens.get(k + 1);
        match token {
            // `for key, value in map`: iterates over a map's fields.
            Token::Punct(',') if is_for && k == 2 => return false,
            // `x[name]`: a subscript held in a variable.
            Token::Punct('[') => {
                let subscript = matches!(prev, Some(Token::Ident(_) | Token::Punct(']' | ')')));
                let literal = matches!(next, Some(Token::Str(_)))
                    || matches!(next, Some(Token::Ident(s)) if s.chars().all(|c| c.is_ascii_digit()));
                if subscript && !literal {
                    return false;
                }
            }
            // `sort(attribute=name)`, `get(key=name)`: a field named by a variable.
            Token::Punct('=')
                if matches!(prev, Some(Token::Ident("attribute" | "key")))
                    && !matches!(next, Some(Token::Str(_))) =>
            {
                return false
            }
            // `x | length` counts an object's fields; `a in x`, `x is containing(a)` look
            // for a field. Safe when `x` is a known list or string.
            Token::Ident("length" | "containing")
                if matches!(prev, Some(Token::Punct('|')) | Some(Token::Ident("is"))) =>
            {
                let subject = k.checked_sub(2).and_then(ident);
                if !subject.is_some_and(|s| NOT_A_PAGE.contains(&s)) {
                    return false;
                }
            }
            Token::Ident("in") if !is_for => {
                let literal_needle = matches!(prev, Some(Token::Str(_)));
                let mut end = k + 1;
                while matches!(tokens.get(end), Some(Token::Ident(_)))
                    && matches!(tokens.get(end + 1), Some(Token::Punct('.')))
                {
                    end += 2;
                }
                let haystack = ident(end);
                if !literal_needle && !haystack.is_some_and(|s| NOT_A_PAGE.contains(&s)) {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Option<Vec<String>> {
        scan([text]).map(|w| {
            let mut v: Vec<String> = w.iter().cloned().collect();
            v.sort();
            v
        })
    }

    #[test]
    fn names_in_code_and_string_literals_are_read() {
        let w = words(
            "<p>date</p>{# summary #}{% for p in section.pages | sort(attribute=\"weight\") %}\
             {{ p.title }}{% endfor %}{{ section.pages | length }}{% block body %}{% endblock body %}",
        )
        .unwrap();
        for name in ["title", "weight", "pages"] {
            assert!(w.contains(&name.to_string()), "{name} in {w:?}");
        }
        // Variables, filters and block names are not fields.
        for name in ["p", "section", "length", "body"] {
            assert!(!w.contains(&name.to_string()), "{name} not in {w:?}");
        }
        // Text outside code and comments is not code.
        assert!(!w.contains(&"date".to_string()) && !w.contains(&"summary".to_string()));
    }

    #[test]
    fn unnamed_field_access_keeps_every_field() {
        for text in [
            "{{ page | json_encode }}",
            "{{ __tera_context }}",
            "{% for k, v in page %}{{ k }}{% endfor %}",
            "{{ page[name] }}",
            "{{ pages | sort(attribute=key) }}",
            "{{ p | length }}",
            "{% if name in page %}x{% endif %}",
            "{% if page is containing(name) %}x{% endif %}",
        ] {
            assert_eq!(words(text), None, "{text}");
        }
    }

    #[test]
    fn safe_forms_keep_the_scan() {
        for text in [
            "{{ page[\"title\"] }}{{ pages[0].title }}",
            "{{ section.pages | length }}",
            "{% if \"rust\" in page.taxonomies.tags %}x{% endif %}",
            "{% if t in page.taxonomies.tags %}x{% endif %}",
            "{% for p in pages %}{% endfor %}",
        ] {
            assert!(words(text).is_some(), "{text}");
        }
    }
}
