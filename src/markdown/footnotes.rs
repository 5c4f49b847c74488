//! `bottom_footnotes`: footnotes gathered in a `<section class="footnotes">` at the end of
//! the body, numbered by first reference, each with links back to every reference, in the
//! markup Zola 0.22 writes.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

/// Footnote number (by first reference) and how many times it is referenced.
type Numbers<'a> = HashMap<CowStr<'a>, (usize, usize)>;

/// The marker of a footnote reference's HTML (the summary leaves references out).
pub(super) const REFERENCE_START: &str = "<sup class=\"footnote-reference\"";

/// Moves footnote definitions to the end of `events`, drops those never referenced, and
/// writes references and back references as HTML.
pub(super) fn move_to_bottom(events: &mut Vec<Event<'_>>) {
    let all = std::mem::take(events);
    let mut numbers: Numbers = HashMap::new();
    // Definitions can hold definitions: one open body per level.
    let mut open: Vec<Vec<Event>> = Vec::new();
    let mut definitions: Vec<Vec<Event>> = Vec::new();
    for event in all {
        match event {
            Event::Start(Tag::FootnoteDefinition(_)) => open.push(vec![event]),
            Event::End(TagEnd::FootnoteDefinition) => {
                if let Some(mut body) = open.pop() {
                    body.push(event);
                    definitions.push(body);
                }
            }
            Event::FootnoteReference(name) => {
                let next = numbers.len() + 1;
                let (n, uses) = numbers.entry(name.clone()).or_insert((next, 0));
                *uses += 1;
                let html = format!(
                    "{REFERENCE_START} id=\"fr-{name}-{uses}\"><a href=\"#fn-{name}\">{n}</a></sup>"
                );
                match open.last_mut() {
                    Some(body) => body.push(Event::Html(html.into())),
                    None => events.push(Event::Html(html.into())),
                }
            }
            other => match open.last_mut() {
                Some(body) => body.push(other),
                None => events.push(other),
            },
        }
    }
    if definitions.is_empty() {
        return;
    }
    let number_of = |body: &[Event]| match body.first() {
        Some(Event::Start(Tag::FootnoteDefinition(name))) => numbers.get(name).copied(),
        _ => None,
    };
    definitions.retain(|body| number_of(body).is_some_and(|(_, uses)| uses > 0));
    definitions.sort_by_key(|body| number_of(body).map_or(usize::MAX, |(n, _)| n));
    events.push(Event::Html(
        "<section class=\"footnotes\">\n<ol class=\"footnotes-list\">\n".into(),
    ));
    for body in definitions {
        let uses = number_of(&body).map_or(0, |(_, uses)| uses);
        push_definition(events, body, uses);
    }
    events.push(Event::Html("</ol>\n</section>\n".into()));
}

/// One `<li>`: the back references go at the end of the last paragraph when the definition
/// ends with one, otherwise before `</li>`.
fn push_definition<'a>(events: &mut Vec<Event<'a>>, body: Vec<Event<'a>>, uses: usize) {
    let len = body.len();
    let mut name = CowStr::from("");
    let mut written = false;
    for (i, event) in body.into_iter().enumerate() {
        match event {
            Event::Start(Tag::FootnoteDefinition(n)) => {
                events.push(Event::Html(format!("<li id=\"fn-{n}\">").into()));
                name = n;
            }
            Event::End(end @ (TagEnd::Paragraph | TagEnd::FootnoteDefinition))
                if !written && i + 2 >= len =>
            {
                let mut html = String::new();
                for k in 1..=uses {
                    if k == 1 {
                        html.push_str(&format!(" <a href=\"#fr-{name}-{k}\">↩</a>"));
                    } else {
                        html.push_str(&format!(" <a href=\"#fr-{name}-{k}\">↩{k}</a>"));
                    }
                }
                html.push_str(if end == TagEnd::Paragraph {
                    "</p>\n"
                } else {
                    "</li>\n"
                });
                events.push(Event::Html(html.into()));
                written = true;
            }
            Event::End(TagEnd::FootnoteDefinition) => events.push(Event::Html("</li>\n".into())),
            other => events.push(other),
        }
    }
}
