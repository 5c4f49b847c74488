//! Front matter may name only the taxonomies the config declares for the page's language.
//!
//! Why: a page's `[taxonomies] topics = [...]` with no `topics` in the config would
//! otherwise be dropped without a word. Zola refuses such a page; so does sitegen, naming
//! the file, the line and the taxonomies that are declared.

use std::path::Path;

use super::{ContentError, Library};

/// An error for the first page (in content order) that names a taxonomy its language does
/// not declare; `declared[lang]` lists the names declared for each language.
pub fn check_taxonomies(library: &Library, declared: &[Vec<String>]) -> Result<(), ContentError> {
    for page in &library.pages {
        let names = declared
            .get(page.lang)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if let Some(name) = page
            .front
            .taxonomies
            .keys()
            .find(|name| !names.iter().any(|n| n == *name))
        {
            return Err(ContentError::FrontMatter {
                path: page.source.clone(),
                line: line_naming(&page.source, name),
                message: format!(
                    "taxonomy `{name}` is not declared in the config ({}); add `{{ name = \"{name}\" }}` to `taxonomies`",
                    match names {
                        [] => "it declares none for this language".to_string(),
                        _ => format!("it declares {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")),
                    }
                ),
            });
        }
    }
    Ok(())
}

/// The line of `path` that first names `name` as a key (1 if none does).
fn line_naming(path: &Path, name: &str) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .position(|l| {
            let l = l.trim_start().trim_start_matches(['"', '\'']);
            l.starts_with(name)
                && l[name.len()..]
                    .trim_start_matches(['"', '\''])
                    .trim_start()
                    .starts_with(['=', ':'])
        })
        .map_or(1, |i| i + 1)
}
