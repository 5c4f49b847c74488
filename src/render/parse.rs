//! The template set parsed: each template once, a syntax error naming its file, and the last
//! set kept for the process (see [`parse_templates`]), then made into a Tera.

use std::collections::HashMap;

use super::{tera_message, RenderError, Sources};

/// Parses every template once, so that a syntax error names its file (Tera's
/// `add_raw_templates` names only the template). A text that several names share (a theme's
/// templates are also `THEME/templates/NAME`) is parsed once and copied.
///
/// The last set parsed is kept for the process: the shortcode templates and the page
/// templates are the same set, loaded in two phases, and `serve` loads it again on every
/// rebuild. A copy of the parsed set costs a fraction of parsing it.
pub(super) fn parse_templates(
    all: &Sources,
) -> Result<HashMap<String, tera::Template>, RenderError> {
    type Parsed = (u128, HashMap<String, tera::Template>);
    static LAST: std::sync::Mutex<Option<Parsed>> = std::sync::Mutex::new(None);
    let mut key = xxhash_rust::xxh3::Xxh3::new();
    for (name, (text, path)) in all {
        for part in [name.as_bytes(), text.as_bytes()] {
            key.update(&(part.len() as u64).to_le_bytes());
            key.update(part);
        }
        key.update(&[u8::from(path.is_some())]);
    }
    let key = key.digest128();
    let mut last = LAST.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, parsed)) = last.as_ref().filter(|(k, _)| *k == key) {
        return Ok(parsed.clone());
    }
    let parsed = parse_each(all)?;
    *last = Some((key, parsed.clone()));
    Ok(parsed)
}

/// Parses the templates of `all`, a text shared by several names once.
fn parse_each(all: &Sources) -> Result<HashMap<String, tera::Template>, RenderError> {
    let mut parsed: HashMap<String, tera::Template> = HashMap::with_capacity(all.len());
    let mut by_text: HashMap<&str, &str> = HashMap::new();
    for (name, (text, path)) in all {
        if let Some(twin) = by_text.get(text.as_str()).and_then(|n| parsed.get(*n)) {
            let mut copy = twin.clone();
            copy.name.clone_from(name);
            parsed.insert(name.clone(), copy);
            continue;
        }
        match tera::Template::new(name, None, text) {
            Ok(t) => {
                parsed.insert(name.clone(), t);
                by_text.insert(text, name);
            }
            Err(e) => {
                let shown = match path {
                    Some(p) => p.display().to_string(),
                    None => format!("built-in {name}"),
                };
                return Err(RenderError::Parse(format!("{shown}: {}", tera_message(&e))));
            }
        }
    }
    Ok(parsed)
}

/// A Tera of the parsed templates, its inheritance built, autoescaping as Zola's.
pub(super) fn tera_of(parsed: HashMap<String, tera::Template>) -> Result<tera::Tera, RenderError> {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html", ".htm", ".xml"]);
    tera.templates.extend(parsed);
    // Adding none builds the inheritance chains and checks the macro imports.
    tera.add_raw_templates(std::iter::empty::<(&str, &str)>())
        .map_err(|e| RenderError::Parse(tera_message(&e)))?;
    Ok(tera)
}
