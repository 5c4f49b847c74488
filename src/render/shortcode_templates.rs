//! The shortcodes of a site: `templates/shortcodes/NAME.html` and `NAME.md`, from the site or
//! its theme (the site's win), rendered while Markdown bodies are expanded.
//!
//! Why a Tera of its own: bodies are rendered before the template data of the build exists,
//! so shortcodes get what exists then (as in Zola, where `page.ancestors` is empty inside a
//! shortcode): Tera's filters and sitegen's, the functions that need no page data
//! (`get_url`, `load_data`, `get_hash`, `get_image_metadata`, `resize_image`), and `get_page`, `get_section`,
//! `get_taxonomy`, `get_taxonomy_term` and `get_taxonomy_url` over a [`ContentView`]: pages
//! and sections with their front matter and place, not their rendered content. Every site
//! and theme template is loaded too, so that a shortcode can include or import them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use tera::{Error, Tera};

use super::functions::filters::{self, FilterSettings};
use super::functions::languages::{
    content_path, lang_arg, named_twice, named_twice_warning, path_in_lang, trans, url_of,
};
use super::functions::notes::FunctionNotes;
use super::functions::{get_hash, get_image_metadata, load_data, resize_image, FileScope};
use super::parse::{parse_templates, tera_of};
use super::safe_fn::SafeFn;
use super::{closures, sources, tera_message, RenderError};
use crate::assets::images;
use crate::config::Languages;

/// Whether a shortcode's output is HTML or goes through Markdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShortcodeKind {
    /// `NAME.html`: inserted into the HTML as it is.
    Html,
    /// `NAME.md`: inserted into the Markdown before it is rendered.
    Markdown,
}

/// Where a shortcode is defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShortcodeOrigin {
    /// `templates/shortcodes/` of the site or its theme.
    Site,
    /// One of the shortcodes Zola had built in up to 0.16 (`youtube`, `vimeo`, `gist`,
    /// `streamable`), used for a site that calls it without defining it. Zola 0.17 removed
    /// them and refuses such a site; sitegen builds it and warns.
    ZolaBuiltin,
}

/// Zola's built-in shortcodes up to 0.16, with the markup they rendered (Zola is MIT
/// licensed), so that a site written for those versions renders as it did.
const ZOLA_BUILTINS: &[(&str, &str)] = &[
    ("youtube", include_str!("builtin/shortcodes/youtube.html")),
    ("vimeo", include_str!("builtin/shortcodes/vimeo.html")),
    ("gist", include_str!("builtin/shortcodes/gist.html")),
    (
        "streamable",
        include_str!("builtin/shortcodes/streamable.html"),
    ),
];

/// One shortcode definition.
#[derive(Clone, Debug)]
pub struct Shortcode {
    pub kind: ShortcodeKind,
    pub origin: ShortcodeOrigin,
    /// Its template's name (`shortcodes/NAME.html`).
    pub template: String,
    /// The file it comes from, for errors.
    pub file: PathBuf,
    /// Hash of its template and what it includes or imports; `None` when its output must be
    /// made anew at every build (it reads files or calls `now`).
    pub hash: Option<u128>,
}

/// The loaded shortcodes.
pub struct ShortcodeTemplates {
    tera: Tera,
    defs: HashMap<String, Shortcode>,
    /// Each shortcode's template text, to point errors at a line.
    texts: HashMap<String, String>,
}

/// Functions whose result depends on more than the shortcode's template: files, or other
/// pages. A shortcode calling them is rendered at every build (the files it reads are
/// recorded as inputs, and its output may change with them or with those pages).
const RENDER_EVERY_BUILD: &[&str] = &[
    "load_data(",
    "get_hash(",
    "get_image_metadata(",
    "resize_image(",
    "get_page(",
    "get_section(",
    "get_taxonomy",
];

/// What shortcodes can look up of the site's content: pages and sections as their front
/// matter and place give them (their content is what is being rendered), and taxonomies.
#[derive(Default)]
pub struct ContentView {
    /// Content path (`blog/a.md`) -> page value.
    pub pages: HashMap<String, Value>,
    /// Content path (`blog/_index.md`) -> section value, with `pages` and `subsections`.
    pub sections: HashMap<String, Value>,
    /// Taxonomy name -> (`get_taxonomy`'s value, term name -> term value with pages).
    pub taxonomies: HashMap<String, (Value, HashMap<String, Value>)>,
}

impl ShortcodeTemplates {
    /// Loads the templates of the site and theme; `filters` are the site's filter settings,
    /// whose `permalinks` (content path to permalink) and `base_url` also serve `get_url`,
    /// `files` the file functions.
    /// `view` is made only if the site has shortcodes and a template looks pages up.
    pub fn load(
        site_templates: &Path,
        theme_templates: Option<&Path>,
        filters: FilterSettings,
        files: Arc<FileScope>,
        languages: Arc<Languages>,
        view: impl FnOnce() -> ContentView,
    ) -> Result<Self, RenderError> {
        let all = sources(site_templates, theme_templates)?;
        let mut defs = HashMap::new();
        let mut texts = HashMap::new();
        let hashes = closures(&all);
        for (name, (text, path)) in &all {
            let Some(rest) = name.strip_prefix("shortcodes/") else {
                continue;
            };
            let (short, kind) = match (rest.strip_suffix(".html"), rest.strip_suffix(".md")) {
                (Some(n), _) => (n, ShortcodeKind::Html),
                (_, Some(n)) => (n, ShortcodeKind::Markdown),
                _ => continue,
            };
            let reads_files = RENDER_EVERY_BUILD.iter().any(|f| text.contains(f));
            let hash = hashes
                .get(name)
                .and_then(|c| c.hash)
                .filter(|_| !reads_files);
            texts.insert(short.to_string(), text.clone());
            defs.insert(
                short.to_string(),
                Shortcode {
                    kind,
                    origin: ShortcodeOrigin::Site,
                    template: name.clone(),
                    file: path.clone().unwrap_or_else(|| PathBuf::from(name)),
                    hash,
                },
            );
        }
        let site_has_shortcodes = !defs.is_empty();
        let mut tera = if site_has_shortcodes {
            tera_of(parse_templates(&all)?)?
        } else {
            let mut tera = Tera::default();
            tera.autoescape_on(vec![".html", ".htm", ".xml"]);
            tera
        };
        if site_has_shortcodes {
            let notes = Arc::clone(&filters.notes);
            register(&mut tera, filters, files, Arc::clone(&languages));
            // The view of every page is made only when a shortcode can look pages up (a
            // shortcode whose include does it and that does not would get "function not
            // found", an error, not a wrong page).
            let looks_up = ["get_page(", "get_section(", "get_taxonomy"];
            if texts
                .values()
                .any(|t| looks_up.iter().any(|f| t.contains(f)))
            {
                register_content(&mut tera, Arc::new(view()), languages, notes);
            }
        }
        add_zola_builtins(&mut tera, &mut defs, &mut texts)?;
        Ok(ShortcodeTemplates { tera, defs, texts })
    }

    /// Whether the site has no shortcodes of its own.
    pub fn is_empty(&self) -> bool {
        self.defs
            .values()
            .all(|d| d.origin != ShortcodeOrigin::Site)
    }

    /// The shortcode called `name`.
    pub fn get(&self, name: &str) -> Option<&Shortcode> {
        self.defs.get(name)
    }

    /// Renders shortcode `name` with `context`; the error is Tera's whole message, after
    /// the template's file and the line that uses the name Tera complains about (Tera gives
    /// no line for render errors), where one does.
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String, String> {
        let def = self
            .defs
            .get(name)
            .ok_or_else(|| format!("no shortcode `{name}`"))?;
        let render = || {
            let who = format!("shortcode `{name}`");
            images::asking(who, || self.tera.render(&def.template, context))
        };
        super::recursion::guarded(&def.template, "a shortcode", render).map_err(|e| {
            let message = tera_message(&e);
            let culprit = message.split('`').nth(1).filter(|n| !n.is_empty());
            let text = self.texts.get(name).map_or("", String::as_str);
            match culprit.and_then(|c| text.lines().position(|l| l.contains(c))) {
                Some(line) => format!("{}:{}: {message}", def.file.display(), line + 1),
                None => format!("{}: {message}", def.file.display()),
            }
        })
    }

    /// A hash of the shortcodes `names` (sorted, each once), or `None` if one of them must
    /// be rendered anew at every build. Unknown names hash as unknown.
    pub fn hash_of(&self, names: &[String]) -> Option<u128> {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for name in names {
            h.update(name.as_bytes());
            h.update(&[0]);
            match self.defs.get(name) {
                Some(def) => h.update(&def.hash?.to_le_bytes()),
                None => h.update(b"?"),
            }
        }
        Some(h.digest128())
    }
}

/// Adds the Zola built-ins the site does not define itself (each is one template with no
/// include, so it needs none of the site's).
fn add_zola_builtins(
    tera: &mut Tera,
    defs: &mut HashMap<String, Shortcode>,
    texts: &mut HashMap<String, String>,
) -> Result<(), RenderError> {
    for &(name, text) in ZOLA_BUILTINS {
        if defs.contains_key(name) {
            continue;
        }
        let template = format!("shortcodes/{name}.html");
        tera.add_raw_template(&template, text)
            .map_err(|e| RenderError::Parse(tera_message(&e)))?;
        let hash = xxhash_rust::xxh3::xxh3_128(text.as_bytes());
        texts.insert(name.to_string(), text.to_string());
        defs.insert(
            name.to_string(),
            Shortcode {
                kind: ShortcodeKind::Html,
                origin: ShortcodeOrigin::ZolaBuiltin,
                template,
                file: PathBuf::from(format!("built-in shortcode `{name}` (Zola up to 0.16)")),
                hash: Some(hash),
            },
        );
    }
    Ok(())
}

fn string_arg<'a>(args: &'a HashMap<String, Value>, f: &str, name: &str) -> tera::Result<&'a str> {
    args.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Error::msg(format!("{f}: missing string argument `{name}`")))
}

/// The functions shortcodes can call, and the filters (with the site's settings, as in its
/// other templates: `markdown` resolves `@/` links as a page body does).
fn register(
    tera: &mut Tera,
    filters: FilterSettings,
    files: Arc<FileScope>,
    languages: Arc<Languages>,
) {
    let base = filters.base_url.clone();
    let permalinks = Arc::clone(&filters.permalinks);
    super::functions::env::register_get_env(tera, files.safety(), Arc::clone(&filters.notes));
    filters::register_with(tera, filters);
    let l = Arc::clone(&languages);
    tera.register_function("trans", move |args: &HashMap<String, Value>| {
        trans(&l, args)
    });
    let get_url = move |args: &HashMap<String, Value>| {
        let path = string_arg(args, "get_url", "path")?;
        let lang = lang_arg(&languages, args, "get_url")?;
        let trailing = matches!(args.get("trailing_slash"), Some(Value::Bool(true)));
        let permalink_of = |file: &str| permalinks.get(file).cloned();
        url_of(&languages, &base, path, lang, trailing, permalink_of).map(Value::String)
    };
    tera.register_function("get_url", SafeFn(get_url));
    for (name, f) in [
        (
            "load_data",
            load_data as fn(&HashMap<String, Value>, &FileScope) -> _,
        ),
        ("get_hash", get_hash),
        ("get_image_metadata", get_image_metadata),
        ("resize_image", resize_image),
    ] {
        let files = Arc::clone(&files);
        tera.register_function(name, move |args: &HashMap<String, Value>| f(args, &files));
    }
}

/// The page or section (`function` says which) that `get_page`/`get_section` in a shortcode
/// finds by `path` and `lang`, as the template functions find it: the content path in that
/// language; a path that names its language twice as given, with a warning (Zola 0.18's
/// reading).
fn find_content(
    languages: &Languages,
    notes: &FunctionNotes,
    args: &HashMap<String, Value>,
    function: &str,
    get: impl Fn(&str) -> Option<Value>,
) -> Result<Value, Error> {
    let path = string_arg(args, function, "path")?;
    let lang = lang_arg(languages, args, function)?;
    let given = content_path(path);
    let rel = path_in_lang(languages, &given, lang);
    if let Some(found) = get(&rel) {
        return Ok(found);
    }
    let what = if function == "get_page" {
        "page"
    } else {
        "section"
    };
    let missing = || Error::msg(format!("{function}: no {what} `{rel}`"));
    if !named_twice(languages, &given, lang) {
        return Err(missing());
    }
    let found = get(&given).ok_or_else(missing)?;
    let code = &languages.get(lang).code;
    notes.note(named_twice_warning(
        "a shortcode",
        function,
        path,
        code,
        &rel,
        &given,
    ));
    Ok(found)
}

/// `get_page`, `get_section`, `get_taxonomy`, `get_taxonomy_term` and `get_taxonomy_url` over
/// `view`, with the arguments and errors of the template functions.
fn register_content(
    tera: &mut Tera,
    view: Arc<ContentView>,
    languages: Arc<Languages>,
    notes: Arc<FunctionNotes>,
) {
    let (v, l, n) = (
        Arc::clone(&view),
        Arc::clone(&languages),
        Arc::clone(&notes),
    );
    tera.register_function("get_page", move |args: &HashMap<String, Value>| {
        find_content(&l, &n, args, "get_page", |rel| v.pages.get(rel).cloned())
    });
    let v = Arc::clone(&view);
    tera.register_function("get_section", move |args: &HashMap<String, Value>| {
        let mut section = find_content(&languages, &notes, args, "get_section", |rel| {
            v.sections.get(rel).cloned()
        })?;
        if matches!(args.get("metadata_only"), Some(Value::Bool(true))) {
            section["pages"] = Value::Array(Vec::new());
        }
        Ok(section)
    });
    let term = |view: &ContentView, kind: &str, name: &str| -> Option<Value> {
        view.taxonomies.get(kind)?.1.get(name).cloned()
    };
    let v = Arc::clone(&view);
    tera.register_function("get_taxonomy", move |args: &HashMap<String, Value>| {
        let kind = string_arg(args, "get_taxonomy", "kind")?;
        match v.taxonomies.get(kind) {
            Some((value, _)) => Ok(value.clone()),
            None if matches!(args.get("required"), Some(Value::Bool(false))) => Ok(Value::Null),
            None => Err(Error::msg(format!("get_taxonomy: no taxonomy `{kind}`"))),
        }
    });
    let v = Arc::clone(&view);
    tera.register_function("get_taxonomy_term", move |args: &HashMap<String, Value>| {
        let kind = string_arg(args, "get_taxonomy_term", "kind")?;
        let name = string_arg(args, "get_taxonomy_term", "term")?;
        match term(&v, kind, name) {
            Some(mut value) => {
                if matches!(args.get("include_pages"), Some(Value::Bool(false))) {
                    if let Some(map) = value.as_object_mut() {
                        map.remove("pages");
                    }
                }
                Ok(value)
            }
            None if matches!(args.get("required"), Some(Value::Bool(false))) => Ok(Value::Null),
            None => Err(Error::msg(format!(
                "get_taxonomy_term: no term `{name}` in `{kind}`"
            ))),
        }
    });
    let v = Arc::clone(&view);
    let get_taxonomy_url = move |args: &HashMap<String, Value>| {
        let kind = string_arg(args, "get_taxonomy_url", "kind")?;
        let name = string_arg(args, "get_taxonomy_url", "name")?;
        term(&v, kind, name)
            .and_then(|t| t.get("permalink").cloned())
            .ok_or_else(|| Error::msg(format!("get_taxonomy_url: no term `{name}` in `{kind}`")))
    };
    tera.register_function("get_taxonomy_url", SafeFn(get_taxonomy_url));
}
