//! Heading ids, anchor links next to headings and the table of contents, as Zola 0.22 makes
//! them.
//!
//! Ids written in the text (`# Title {#id}`) are reserved first, whatever their place; the
//! others are the heading text slugified by `[slugify] anchors`, with `-1`, `-2`, … added
//! to repeats.

use std::collections::HashSet;

use pulldown_cmark::{Event, Tag, TagEnd};
use serde::{Deserialize, Serialize};

use crate::config::InsertAnchor;
use crate::content::slug::slugify_anchor;

use super::{escape_html, MarkdownContext, MarkdownError};

/// Zola's built-in `anchor-link.html`, for callers that give no template.
pub fn default_anchor_link(id: &str) -> String {
    let id = escape_html(id);
    format!("<a class=\"zola-anchor\" href=\"#{id}\" aria-label=\"Anchor link for: {id}\">🔗</a>")
}

/// A heading in the table of contents (`page.toc`), Zola's shape.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Heading {
    pub level: u32,
    pub id: String,
    pub title: String,
    pub permalink: String,
    pub children: Vec<Heading>,
}

/// The first id not yet taken among `wanted`, `wanted-1`, `wanted-2`, …
fn unique_id(taken: &HashSet<String>, wanted: String) -> String {
    if !taken.contains(&wanted) {
        return wanted;
    }
    (1..)
        .map(|n| format!("{wanted}-{n}"))
        .find(|id| !taken.contains(id))
        .unwrap_or(wanted)
}

/// The opening `<a …>` of a rendered anchor-link template, for `insert_anchor_links =
/// "heading"` (which wraps the heading text in it). None when the template has no link.
fn opening_a_tag(html: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(at) = html[from..].find('<').map(|i| i + from) {
        let rest = html[at + 1..].trim_start();
        let is_a =
            rest.starts_with('a') && rest[1..].starts_with(|c: char| c.is_whitespace() || c == '>');
        if is_a {
            let end = at + html[at..].find('>')?;
            return html[end..].contains("</a").then(|| &html[at..=end]);
        }
        from = at + 1;
    }
    None
}

/// Gives every heading in `events` its id (replacing its start with HTML), inserts anchor
/// links as `ctx.insert_anchor_links` says, and returns the headings in order.
pub(super) fn process_headings(
    events: &mut Vec<Event<'_>>,
    ctx: &MarkdownContext,
) -> Result<Vec<(u32, String, String)>, MarkdownError> {
    // (start, end) of each heading.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut taken: HashSet<String> = HashSet::new();
    for (i, event) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::Heading { id, .. }) => {
                if let Some(id) = id {
                    taken.insert(id.to_string());
                }
                spans.push((i, i));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(last) = spans.last_mut() {
                    last.1 = i;
                }
            }
            _ => {}
        }
    }
    let mut headings = Vec::with_capacity(spans.len());
    let mut inserts: Vec<(usize, Event<'static>)> = Vec::new();
    for (start, end) in spans {
        let title: String = events
            .get(start + 1..end)
            .unwrap_or_default()
            .iter()
            .filter_map(|e| match e {
                Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        let Event::Start(Tag::Heading {
            level, id, classes, ..
        }) = &events[start]
        else {
            continue;
        };
        let level = *level as u32;
        let id = match id {
            Some(id) => id.to_string(),
            None => unique_id(&taken, slugify_anchor(&title, ctx.anchors)),
        };
        taken.insert(id.clone());
        let mut tag = format!("<h{level} id=\"{}\"", escape_html(&id));
        if !classes.is_empty() {
            let classes: Vec<String> = classes.iter().map(|c| escape_html(c)).collect();
            tag.push_str(&format!(" class=\"{}\"", classes.join(" ")));
        }
        tag.push('>');
        events[start] = Event::Html(tag.into());

        if ctx.insert_anchor_links != InsertAnchor::None {
            let link = match ctx.anchor_link {
                Some(render) => render(&id, level).map_err(|e| {
                    MarkdownError::Other(format!(
                        "anchor link of heading `{title}` (anchor-link.html): {e}"
                    ))
                })?,
                None => default_anchor_link(&id),
            };
            match ctx.insert_anchor_links {
                InsertAnchor::Left => inserts.push((start + 1, Event::Html(link.into()))),
                InsertAnchor::Right => inserts.push((end, Event::Html(link.into()))),
                InsertAnchor::Heading => {
                    if let Some(open) = opening_a_tag(&link) {
                        inserts.push((start + 1, Event::Html(open.to_string().into())));
                        inserts.push((end, Event::Html("</a>".into())));
                    }
                }
                InsertAnchor::None => {}
            }
        }
        headings.push((level, id, title));
    }
    if !inserts.is_empty() {
        let old = std::mem::take(events);
        let mut inserts = inserts.into_iter().peekable();
        for (i, event) in old.into_iter().enumerate() {
            while let Some((_, e)) = inserts.next_if(|(at, _)| *at == i) {
                events.push(e);
            }
            events.push(event);
        }
        events.extend(inserts.map(|(_, e)| e));
    }
    Ok(headings)
}

/// The table of contents: each heading under the last shallower one before it.
pub(super) fn nest(flat: &[(u32, String, String)], permalink: &str) -> Vec<Heading> {
    let mut roots: Vec<Heading> = Vec::new();
    for (level, id, title) in flat {
        let heading = Heading {
            level: *level,
            id: id.clone(),
            title: title.clone(),
            permalink: format!("{permalink}#{id}"),
            children: Vec::new(),
        };
        let mut list = &mut roots;
        while list.last().is_some_and(|h| h.level < *level) {
            let last = list.len() - 1;
            list = &mut list[last].children;
        }
        list.push(heading);
    }
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_tag_of_a_template() {
        assert_eq!(
            opening_a_tag("<a class=\"x\" href=\"#a\">🔗</a>"),
            Some("<a class=\"x\" href=\"#a\">")
        );
        assert_eq!(
            opening_a_tag("<span>#</span><a href=\"#b\">x</a>"),
            Some("<a href=\"#b\">")
        );
        assert_eq!(opening_a_tag("<abbr>x</abbr>"), None);
        assert_eq!(opening_a_tag("<a href=\"#c\">never closed"), None);
    }

    #[test]
    fn repeats_get_numbers() {
        let mut taken = HashSet::new();
        for want in ["a", "a", "a-1", "a"] {
            let id = unique_id(&taken, want.to_string());
            taken.insert(id);
        }
        let mut all: Vec<_> = taken.into_iter().collect();
        all.sort();
        assert_eq!(all, ["a", "a-1", "a-1-1", "a-2"]);
    }
}
