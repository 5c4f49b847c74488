//! Zola's `backlinks`: for each page and section, the content that links to it with `@/`.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::config::Config;
use crate::content::Library;
use crate::markdown::Rendered;

/// Zola's `backlinks` of every page and section: who links to it with `@/`, as
/// `{permalink, title}` sorted by permalink.
pub(super) fn backlinks(
    config: &Config,
    library: &Library,
    permalinks: &[String],
    rendered: &[Rendered],
    section_rendered: &[Rendered],
) -> (Vec<Value>, Vec<Value>) {
    let mut to: HashMap<&str, Vec<(&str, &Option<String>)>> = HashMap::new();
    let section_links: Vec<String> = library
        .sections
        .iter()
        .map(|s| config.permalink(&s.url_path))
        .collect();
    let sources = library
        .pages
        .iter()
        .zip(rendered)
        .zip(permalinks)
        .map(|((p, r), link)| (&r.links, link.as_str(), &p.front.title))
        .chain(
            library
                .sections
                .iter()
                .zip(section_rendered)
                .zip(&section_links)
                .map(|((s, r), link)| (&r.links, link.as_str(), &s.front.title)),
        );
    for (links, permalink, title) in sources {
        for target in links {
            to.entry(target.as_str())
                .or_default()
                .push((permalink, title));
        }
    }
    let list = |rel: &str| -> Value {
        let mut entries = to.get(rel).cloned().unwrap_or_default();
        entries.sort();
        entries.dedup();
        Value::Array(
            entries
                .into_iter()
                .map(|(permalink, title)| json!({ "permalink": permalink, "title": title }))
                .collect(),
        )
    };
    (
        library.pages.iter().map(|p| list(&p.rel)).collect(),
        library.sections.iter().map(|s| list(&s.rel)).collect(),
    )
}
