//! Zola's template functions (`get_url`, `get_page`, `get_section`, `get_taxonomy_url`,
//! `get_taxonomy`, `now`) and the `markdown` filter, over the build's [`SiteData`].
//!
//! Each call made while rendering is recorded (per thread, so per render) with its
//! arguments: data read through a function is a dependency of the output, and an incremental
//! build re-evaluates the recorded calls to see whether that data changed.

// The file-reading functions take a `FileScope` the build does not pass yet.
mod data_formats;
pub mod env;
pub mod files;
pub mod filters;
pub mod generated;
pub mod hashing;
pub mod images;
pub mod languages;
pub mod load_data;
pub mod notes;
pub mod range;
pub mod resize;

pub use files::{FileScope, Found, Network};
pub use generated::Generated;
pub use hashing::{file_sha256_hex, get_hash};
pub use images::get_image_metadata;
pub use load_data::load_data;
pub use resize::resize_image;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use tera::{Error, Result as TeraResult, Tera};
use xxhash_rust::xxh3::Xxh3;

use super::hash::hash_value;
use super::{Fields, Pages, Part, SiteData};
use crate::cache::Call;
use crate::content::slugify;

/// Functions whose result is not a function of the site data: outputs using them are always
/// rendered anew.
pub const UNCACHEABLE: &[&str] = &["now", "get_random", "get_env"];

thread_local! {
    static RECORDER: RefCell<Option<Vec<Call>>> = const { RefCell::new(None) };
    /// The page fields the template being rendered on this thread can read: pages the
    /// functions return carry only those.
    static FIELDS: RefCell<Fields> = const { RefCell::new(None) };
    /// The template being rendered on this thread, for the warnings of the functions.
    static TEMPLATE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `render` of `template`: the functions it calls can name the template in warnings.
pub fn rendering_template<T>(template: &str, render: impl FnOnce() -> T) -> T {
    let outer = TEMPLATE.with(|t| t.borrow_mut().replace(template.to_string()));
    let result = render();
    TEMPLATE.with(|t| *t.borrow_mut() = outer);
    result
}

/// The template being rendered on this thread, if any.
pub fn current_template() -> Option<String> {
    TEMPLATE.with(|t| t.borrow().clone())
}

/// Runs `render` (of a template that reads `fields`) and returns what it returned with the
/// template-function calls it made.
pub fn recording_calls<T>(fields: &Fields, render: impl FnOnce() -> T) -> (T, Vec<Call>) {
    RECORDER.with(|r| *r.borrow_mut() = Some(Vec::new()));
    FIELDS.with(|f| *f.borrow_mut() = fields.clone());
    let result = render();
    FIELDS.with(|f| *f.borrow_mut() = None);
    let calls = RECORDER.with(|r| r.borrow_mut().take()).unwrap_or_default();
    (result, calls)
}

fn note(name: &str, args: &HashMap<String, Value>) {
    RECORDER.with(|r| {
        if let Some(calls) = r.borrow_mut().as_mut() {
            let mut sorted: Vec<(String, Value)> =
                args.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            calls.push((name.to_string(), sorted));
        }
    });
}

fn arg<'a>(args: &'a HashMap<String, Value>, fname: &str, name: &str) -> TeraResult<&'a str> {
    args.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Error::msg(format!("{fname}: missing string argument `{name}`")))
}

/// An optional boolean argument: its value, `default` when absent, an error when not a
/// boolean.
fn flag(args: &HashMap<String, Value>, fname: &str, name: &str, default: bool) -> TeraResult<bool> {
    match args.get(name) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(Error::msg(format!(
            "{fname}: `{name}` must be true or false, not {other}"
        ))),
    }
}

fn lang_arg(d: &SiteData, args: &HashMap<String, Value>, fname: &str) -> TeraResult<usize> {
    languages::lang_arg(&d.languages, args, fname)
}

fn path_in_lang(d: &SiteData, path: &str, lang: usize) -> String {
    languages::path_in_lang(&d.languages, path, lang)
}

use languages::content_path;

/// The page at content path `path` (with an optional `@/`) in the `lang` of `args`.
fn page_arg(d: &SiteData, args: &HashMap<String, Value>, path: &str) -> Option<usize> {
    let lang = lang_arg(d, args, "").ok()?;
    let rel = path_in_lang(d, &content_path(path), lang);
    (d.page_by_rel.get(&rel).copied())
        .or_else(|| named_language(d, "get_page", path, lang, &d.page_by_rel))
}

/// As [`page_arg`], of a section.
fn section_arg(d: &SiteData, args: &HashMap<String, Value>, path: &str) -> Option<usize> {
    let lang = lang_arg(d, args, "").ok()?;
    let rel = path_in_lang(d, &content_path(path), lang);
    (d.section_by_rel.get(&rel).copied())
        .or_else(|| named_language(d, "get_section", path, lang, &d.section_by_rel))
}

/// A `path` that already names language `lang` (`blog/_index.ru.md` with `lang = "ru"`):
/// Zola 0.19 and later look for `blog/_index.ru.ru.md` and fail; Zola 0.18 and older ignored
/// `lang` and found the file as named. sitegen builds it the older way, with a warning
/// naming the template.
fn named_language(
    d: &SiteData,
    function: &str,
    path: &str,
    lang: usize,
    by_rel: &HashMap<String, usize>,
) -> Option<usize> {
    let code = &d.languages.all().get(lang)?.code;
    let given = content_path(path);
    if !languages::named_twice(&d.languages, &given, lang) {
        return None;
    }
    let found = by_rel.get(&given).copied()?;
    // Noted while a template renders (not when a cache key is worked out).
    let Some(template) = current_template() else {
        return Some(found);
    };
    d.notes.note(languages::named_twice_warning(
        &template,
        function,
        path,
        code,
        &path_in_lang(d, &given, lang),
        &given,
    ));
    Some(found)
}

/// The taxonomy `kind` of language `lang`.
fn taxonomy_of(d: &SiteData, kind: &str, lang: usize) -> Option<usize> {
    d.taxonomies
        .iter()
        .position(|t| t.config.name == kind && t.lang == lang)
}

/// Evaluates one data function against `d`; pages in the result carry `fields`. `now` is
/// not among them (never cached).
pub fn evaluate(
    d: &SiteData,
    name: &str,
    args: &HashMap<String, Value>,
    fields: &Fields,
) -> TeraResult<Value> {
    match name {
        "get_url" => {
            let path = arg(args, name, "path")?;
            let lang = lang_arg(d, args, name)?;
            let trailing_slash = flag(args, name, "trailing_slash", false)?;
            let cachebust = flag(args, name, "cachebust", false)?;
            let permalink_of = |file: &str| {
                let page = d.page_by_rel.get(file).map(|&i| d.permalinks[i].clone());
                page.or_else(|| {
                    let s = *d.section_by_rel.get(file)?;
                    d.section_permalink(s).as_str().map(String::from)
                })
            };
            let mut url = languages::url_of(
                &d.languages,
                &d.base_url,
                path,
                lang,
                trailing_slash,
                permalink_of,
            )?;
            if path.starts_with("@/") {
                return Ok(Value::String(url));
            }
            if cachebust {
                // Zola: the first 20 hex digits of the file's SHA-256.
                let path = languages::site_path_in_lang(&d.languages, path, lang);
                let hash = match d.files.find_existing(name, &path)? {
                    Found::File(file) => file_sha256_hex(&file).map_err(|e| {
                        Error::msg(format!("get_url: cannot read {}: {e}", file.display()))
                    })?,
                    generated => hashing::sha256_hex(&d.files.read(name, &generated)?),
                };
                url.push_str(&format!("?h={}", &hash[..20]));
            }
            Ok(Value::String(url))
        }
        "get_page" => {
            let path = arg(args, name, "path")?;
            let lang = lang_arg(d, args, name)?;
            page_arg(d, args, path)
                .map(|i| d.page_value(i, fields))
                .ok_or_else(|| {
                    let rel = path_in_lang(d, &content_path(path), lang);
                    Error::msg(format!("get_page: no page `{rel}`"))
                })
        }
        "get_section" => {
            let path = arg(args, name, "path")?;
            let lang = lang_arg(d, args, name)?;
            let pages = match flag(args, name, "metadata_only", false)? {
                true => Pages::Empty,
                false => Pages::Listed,
            };
            section_arg(d, args, path)
                .map(|s| d.section_part(s, pages).into_value(d, fields))
                .ok_or_else(|| {
                    let rel = path_in_lang(d, &content_path(path), lang);
                    Error::msg(format!("get_section: no section `{rel}`"))
                })
        }
        "get_taxonomy_term" => {
            let kind = arg(args, name, "kind")?;
            let term_name = arg(args, name, "term")?;
            let lang = lang_arg(d, args, name)?;
            let include_pages = flag(args, name, "include_pages", true)?;
            let required = flag(args, name, "required", true)?;
            let t = taxonomy_of(d, kind, lang);
            let found = t.and_then(|t| {
                let k = d.taxonomies[t]
                    .terms
                    .iter()
                    .position(|term| term.name == term_name)?;
                Some((t, k))
            });
            match found {
                Some((t, k)) if include_pages => Ok(d.term_part(t, k).into_value(d, fields)),
                Some((t, k)) => Ok(d.term_value(t, k)),
                None if !required => Ok(Value::Null),
                None if t.is_none() => Err(Error::msg(format!(
                    "get_taxonomy_term: no taxonomy `{kind}`"
                ))),
                None => Err(Error::msg(format!(
                    "get_taxonomy_term: no term `{term_name}` in `{kind}`"
                ))),
            }
        }
        "get_taxonomy_url" => {
            let kind = arg(args, name, "kind")?;
            let term_name = arg(args, name, "name")?;
            let lang = lang_arg(d, args, name)?;
            let slug = slugify(term_name);
            let tax = taxonomy_of(d, kind, lang).map(|t| &d.taxonomies[t]);
            tax.and_then(|t| {
                t.terms
                    .iter()
                    .find(|term| term.name == term_name || term.slug == slug)
            })
            .map(|term| Value::String(term.permalink.clone()))
            .ok_or_else(|| {
                Error::msg(format!(
                    "get_taxonomy_url: no term `{term_name}` in `{kind}`"
                ))
            })
        }
        "get_taxonomy" => {
            let kind = arg(args, name, "kind")?;
            let lang = lang_arg(d, args, name)?;
            let Some(t) = taxonomy_of(d, kind, lang) else {
                return match flag(args, name, "required", true)? {
                    true => Err(Error::msg(format!("get_taxonomy: no taxonomy `{kind}`"))),
                    false => Ok(Value::Null),
                };
            };
            Ok(serde_json::json!({
                "kind": d.taxonomy_value(t),
                "lang": d.lang_code(lang),
                "permalink": d.taxonomies[t].permalink,
                "items": Part::Terms(t).into_value(d, fields),
            }))
        }
        "trans" => languages::trans(&d.languages, args),
        "load_data" => load_data(args, &d.files),
        "get_hash" => get_hash(args, &d.files),
        "get_image_metadata" => get_image_metadata(args, &d.files),
        "resize_image" => resize_image(args, &d.files),
        other => Err(Error::msg(format!("unknown function `{other}`"))),
    }
}

/// Feeds the result of a call (or its error) into `h`, like hashing what `evaluate`
/// returns, but without building pages, sections or term lists: their hashes come from the
/// per-page hashes of the build's data.
/// `fields` are those the calling template reads (see [`Part::hash`]).
pub fn hash_call(
    d: &SiteData,
    name: &str,
    args: &HashMap<String, Value>,
    h: &mut Xxh3,
    fields: &Fields,
) {
    let path = || args.get("path").and_then(Value::as_str);
    let part = match name {
        "get_page" => path().and_then(|p| page_arg(d, args, p)).map(Part::Page),
        "get_section" => {
            let pages = match args.get("metadata_only") {
                Some(Value::Bool(true)) => Pages::Empty,
                _ => Pages::Listed,
            };
            path()
                .and_then(|p| section_arg(d, args, p))
                .map(|s| d.section_part(s, pages))
        }
        _ => None,
    };
    if let Some(part) = part {
        return part.hash(d, h, fields);
    }
    if name == "get_taxonomy" {
        let kind = args.get("kind").and_then(Value::as_str).unwrap_or_default();
        let lang = lang_arg(d, args, name).unwrap_or(usize::MAX);
        if let Some(t) = taxonomy_of(d, kind, lang) {
            hash_value(h, &d.taxonomy_value(t));
            return Part::Terms(t).hash(d, h, fields);
        }
    }
    match evaluate(d, name, args, fields) {
        Ok(value) => hash_value(h, &value),
        Err(e) => h.update(e.to_string().as_bytes()),
    }
}

/// Registers the functions and filters on `tera`.
pub fn register(tera: &mut Tera, data: Arc<SiteData>) {
    for name in [
        "get_url",
        "get_page",
        "get_section",
        "get_taxonomy_url",
        "get_taxonomy",
        "get_taxonomy_term",
        "trans",
        "load_data",
        "get_hash",
        "get_image_metadata",
        "resize_image",
    ] {
        let d = Arc::clone(&data);
        let f = move |args: &HashMap<String, Value>| {
            note(name, args);
            FIELDS.with(|f| evaluate(&d, name, args, &f.borrow()))
        };
        if super::safe_fn::SAFE_FUNCTIONS.contains(&name) {
            tera.register_function(name, super::safe_fn::SafeFn(f));
        } else {
            tera.register_function(name, f);
        }
    }
    tera.register_function("now", |args: &HashMap<String, Value>| {
        note("now", args);
        Ok(Value::String(chrono::Utc::now().to_rfc3339()))
    });
    env::register_get_env(tera, data.files.safety(), Arc::clone(&data.notes));
    filters::register_with(tera, filter_settings(&data));
}

/// The site's language, `[markdown]` options and content permalinks, for the filters.
fn filter_settings(d: &SiteData) -> filters::FilterSettings {
    let mut permalinks: HashMap<String, String> = d
        .page_by_rel
        .iter()
        .map(|(rel, &i)| (rel.clone(), d.permalinks[i].clone()))
        .collect();
    for (rel, &s) in &d.section_by_rel {
        if let Some(link) = d.section_permalink(s).as_str() {
            permalinks.insert(rel.clone(), link.to_string());
        }
    }
    let defaults = filters::FilterSettings::default();
    filters::FilterSettings {
        default_language: d.config["default_language"]
            .as_str()
            .map_or(defaults.default_language, str::to_string),
        markdown: d.markdown.clone(),
        base_url: d.base_url.clone(),
        permalinks: Arc::new(permalinks),
        anchors: d.anchors,
        broken_links: d.filter_broken_links,
        notes: Arc::clone(&d.notes),
    }
}
