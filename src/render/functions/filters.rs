//! Zola's template filters that Tera does not have: `markdown`, `base64_encode`,
//! `base64_decode`, `regex_replace` and `num_format`.
//!
//! They follow Zola's semantics so a theme's templates print the same text: `markdown`
//! renders as page bodies are rendered (heading ids, `@/` links, the site's `[markdown]`
//! options), and with `inline=true` drops the paragraph wrapping a one-paragraph text;
//! `num_format` formats integers for a locale, by default the site's `default_language`.
//! Regular expressions are compiled once per pattern, not once per call: a filter in a page
//! template runs for every page.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use num_format::{Locale, ToFormattedString};
use regex::Regex;
use serde_json::Value;
use tera::{Error, Result as TeraResult, Tera};

use super::notes::FunctionNotes;
use crate::config::MarkdownConfig;
use crate::markdown::{render, BrokenLinks, MarkdownContext};

/// What the filters need from the site.
#[derive(Clone, Debug)]
pub struct FilterSettings {
    /// `num_format`'s locale when none is given.
    pub default_language: String,
    pub markdown: MarkdownConfig,
    pub base_url: String,
    /// Content-relative file (`blog/post.md`) to permalink, for `@/` links in `markdown`.
    pub permalinks: Arc<HashMap<String, String>>,
    /// How `markdown` makes heading ids (`[slugify] anchors`).
    pub anchors: crate::content::slug::SlugStrategy,
    /// What a broken `@/` link in `markdown`'s text does: an error, or (under
    /// `[link_checker] internal_level = "warn"`) kept as written with a warning in `notes`.
    pub broken_links: BrokenLinks,
    /// Where the filters' warnings go.
    pub notes: Arc<FunctionNotes>,
}

impl Default for FilterSettings {
    fn default() -> Self {
        FilterSettings {
            default_language: "en".into(),
            markdown: MarkdownConfig::default(),
            base_url: String::new(),
            anchors: Default::default(),
            permalinks: Arc::default(),
            broken_links: BrokenLinks::Fail,
            notes: Arc::default(),
        }
    }
}

/// Registers the filters with default settings (English, default Markdown options), for a
/// `Tera` that renders outside a site build.
#[allow(dead_code)]
pub fn register(tera: &mut Tera) {
    register_with(tera, FilterSettings::default());
}

/// Registers the filters for a site.
pub fn register_with(tera: &mut Tera, settings: FilterSettings) {
    // Not a filter, but wherever the filters go: Tera's `range` unbounded can abort.
    super::range::register(tera);
    let settings = Arc::new(settings);
    let md = Arc::clone(&settings);
    tera.register_filter("markdown", move |value: &Value, args: &HashMap<_, _>| {
        markdown(value, args, &md)
    });
    tera.register_filter("base64_encode", base64_encode);
    tera.register_filter("base64_decode", base64_decode);
    let cache = RegexCache::default();
    tera.register_filter(
        "regex_replace",
        move |value: &Value, args: &HashMap<_, _>| regex_replace(value, args, &cache),
    );
    tera.register_filter("num_format", move |value: &Value, args: &HashMap<_, _>| {
        num_format(value, args, &settings.default_language)
    });
}

fn text<'a>(filter: &str, value: &'a Value) -> TeraResult<&'a str> {
    value
        .as_str()
        .ok_or_else(|| Error::msg(format!("filter `{filter}`: expects a string, got {value}")))
}

fn string_arg<'a>(
    filter: &str,
    args: &'a HashMap<String, Value>,
    name: &str,
) -> TeraResult<&'a str> {
    match args.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(Error::msg(format!(
            "filter `{filter}`: `{name}` must be a string, not {other}"
        ))),
        None => Err(Error::msg(format!(
            "filter `{filter}`: expects an argument `{name}`"
        ))),
    }
}

fn markdown(
    value: &Value,
    args: &HashMap<String, Value>,
    settings: &FilterSettings,
) -> TeraResult<Value> {
    let source = text("markdown", value)?;
    let inline = match args.get("inline") {
        None => false,
        Some(v) => v.as_bool().ok_or_else(|| {
            Error::msg(format!(
                "filter `markdown`: `inline` must be true or false, not {v}"
            ))
        })?,
    };
    let ctx = MarkdownContext {
        config: &settings.markdown,
        base_url: &settings.base_url,
        permalink: "",
        permalinks: &settings.permalinks,
        insert_anchor_links: Default::default(),
        anchor_link: None,
        summary_cutoff: None,
        anchors: settings.anchors,
        highlighter: None,
        extra_key: 0,
        broken_links: settings.broken_links,
        source: None,
    };
    let rendered =
        render(source, &ctx).map_err(|e| Error::msg(format!("filter `markdown`: {e}")))?;
    for target in &rendered.broken_links {
        let template = super::current_template().unwrap_or_else(|| "a template".into());
        settings.notes.note(format!(
            "{template}: broken internal link `{target}` in the text of filter `markdown` kept as written ([link_checker] internal_level = \"warn\")"
        ));
    }
    let mut html = rendered.html;
    if inline {
        // The renderer ends a paragraph with `</p>\n`.
        html = html
            .trim_start_matches("<p>")
            .trim_end_matches("</p>\n")
            .to_string();
    }
    Ok(Value::String(html))
}

fn base64_encode(value: &Value, _: &HashMap<String, Value>) -> TeraResult<Value> {
    let s = text("base64_encode", value)?;
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
    ))
}

fn base64_decode(value: &Value, _: &HashMap<String, Value>) -> TeraResult<Value> {
    let s = text("base64_decode", value)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.as_bytes())
        .map_err(|e| Error::msg(format!("filter `base64_decode`: cannot decode: {e}")))?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|e| Error::msg(format!("filter `base64_decode`: not UTF-8 text: {e}")))
}

/// Compiled patterns, shared by the renders running in parallel.
#[derive(Default)]
struct RegexCache(Mutex<HashMap<String, Regex>>);

/// Patterns kept at most; templates use a handful, so reaching this means patterns built
/// from data, and the cache starts over rather than grow without bound.
const MAX_PATTERNS: usize = 512;

impl RegexCache {
    fn get(&self, pattern: &str) -> TeraResult<Regex> {
        let mut cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(re) = cache.get(pattern) {
            return Ok(re.clone());
        }
        let re = Regex::new(pattern).map_err(|e| {
            Error::msg(format!(
                "filter `regex_replace`: invalid `pattern` `{pattern}`: {e}"
            ))
        })?;
        if cache.len() >= MAX_PATTERNS {
            cache.clear();
        }
        cache.insert(pattern.to_string(), re.clone());
        Ok(re)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().map(|c| c.len()).unwrap_or(0)
    }
}

fn regex_replace(
    value: &Value,
    args: &HashMap<String, Value>,
    cache: &RegexCache,
) -> TeraResult<Value> {
    let s = text("regex_replace", value)?;
    let pattern = string_arg("regex_replace", args, "pattern")?;
    let rep = string_arg("regex_replace", args, "rep")?;
    let re = cache.get(pattern)?;
    Ok(Value::String(re.replace_all(s, rep).into_owned()))
}

fn num_format(
    value: &Value,
    args: &HashMap<String, Value>,
    default_language: &str,
) -> TeraResult<Value> {
    let n = value.as_i64().ok_or_else(|| {
        Error::msg(format!(
            "filter `num_format`: expects an integer, got {value}"
        ))
    })?;
    let name = match args.get("locale") {
        None => default_language,
        Some(_) => string_arg("num_format", args, "locale")?,
    };
    let locale = Locale::from_name(name)
        .map_err(|_| Error::msg(format!("filter `num_format`: unknown `locale` `{name}`")))?;
    Ok(Value::String(n.to_formatted_string(&locale)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render_with(settings: FilterSettings, template: &str, ctx: Value) -> TeraResult<String> {
        let mut tera = Tera::default();
        register_with(&mut tera, settings);
        tera.add_raw_template("t", template)?;
        tera.render("t", &tera::Context::from_value(ctx)?)
    }

    fn render_one(template: &str, ctx: Value) -> TeraResult<String> {
        let mut tera = Tera::default();
        register(&mut tera);
        tera.add_raw_template("t", template)?;
        tera.render("t", &tera::Context::from_value(ctx)?)
    }

    #[test]
    fn markdown_block_and_inline() {
        let out = render_one("{{ s | markdown | safe }}", json!({"s": "# Hey"})).unwrap();
        assert_eq!(out, "<h1 id=\"hey\">Hey</h1>\n");
        let out = render_one(
            "{{ s | markdown(inline=true) | safe }}",
            json!({"s": "Using `map` and *fold*"}),
        )
        .unwrap();
        assert_eq!(out, "Using <code>map</code> and <em>fold</em>");
        let out = render_one("{{ s | markdown | safe }}", json!({"s": "a"})).unwrap();
        assert_eq!(out, "<p>a</p>\n");
        let table = "|a|b|\n|-|-|\n|1|2|\n";
        let out = render_one(
            "{{ s | markdown(inline=true) | safe }}",
            json!({"s": table}),
        );
        assert!(out.unwrap().contains("<table>"));
    }

    #[test]
    fn markdown_uses_site_settings() {
        let mut permalinks = HashMap::new();
        permalinks.insert(
            "blog/a.md".to_string(),
            "https://ex.com/blog/a/".to_string(),
        );
        let settings = FilterSettings {
            markdown: MarkdownConfig {
                smart_punctuation: true,
                ..MarkdownConfig::default()
            },
            base_url: "https://ex.com".into(),
            permalinks: Arc::new(permalinks),
            ..FilterSettings::default()
        };
        let out = render_with(
            settings.clone(),
            "{{ s | markdown(inline=true) | safe }}",
            json!({"s": "\"[A](@/blog/a.md)\""}),
        )
        .unwrap();
        assert_eq!(out, "“<a href=\"https://ex.com/blog/a/\">A</a>”");
        let err = render_with(
            settings,
            "{{ s | markdown }}",
            json!({"s": "[B](@/blog/missing.md)"}),
        )
        .unwrap_err();
        assert!(format!("{err:?}").contains("blog/missing.md"), "{err:?}");
    }

    #[test]
    fn base64_round_trip() {
        let out = render_one("{{ s | base64_encode }}", json!({"s": "Hello, wörld"})).unwrap();
        assert_eq!(out, "SGVsbG8sIHfDtnJsZA==");
        let out = render_one(
            "{{ s | base64_decode }}",
            json!({"s": "SGVsbG8sIHfDtnJsZA=="}),
        );
        assert_eq!(out.unwrap(), "Hello, wörld");
        assert!(render_one("{{ s | base64_decode }}", json!({"s": "%%%"})).is_err());
        assert!(render_one("{{ s | base64_decode }}", json!({"s": "/w=="})).is_err());
        assert!(render_one("{{ s | base64_encode }}", json!({"s": 1})).is_err());
    }

    #[test]
    fn regex_replace_with_named_groups_and_a_cache() {
        let out = render_one(
            "{{ s | regex_replace(pattern=`(?P<subject>\\w+), (?P<greeting>\\w+)`, rep=`$greeting $subject`) }}",
            json!({"s": "World, Hello"}),
        )
        .unwrap();
        assert_eq!(out, "Hello World");
        let out = render_one(
            "{{ s | regex_replace(pattern=`\\d`, rep=`#`) }}",
            json!({"s": "a1b22"}),
        );
        assert_eq!(out.unwrap(), "a#b##");
        let err = render_one(
            "{{ s | regex_replace(pattern=`(`, rep=``) }}",
            json!({"s": "x"}),
        );
        assert!(format!("{:?}", err.unwrap_err()).contains("invalid `pattern`"));
        assert!(render_one("{{ s | regex_replace(pattern=`a`) }}", json!({"s": "a"})).is_err());

        let cache = RegexCache::default();
        let args: HashMap<String, Value> =
            serde_json::from_value(json!({"pattern": "o", "rep": "0"})).unwrap();
        for _ in 0..3 {
            assert_eq!(regex_replace(&json!("foo"), &args, &cache).unwrap(), "f00");
        }
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn num_format_locales() {
        let out = render_one("{{ n | num_format }}", json!({"n": 1000000})).unwrap();
        assert_eq!(out, "1,000,000");
        let out = render_one(
            "{{ n | num_format(locale=\"en-IN\") }}",
            json!({"n": 1000000}),
        );
        assert_eq!(out.unwrap(), "10,00,000");
        let out = render_one(
            "{{ n | num_format(locale=\"de\") }}",
            json!({"n": -1234567}),
        );
        assert_eq!(out.unwrap(), "-1.234.567");
        let french = FilterSettings {
            default_language: "fr".into(),
            ..FilterSettings::default()
        };
        let out = render_with(french, "{{ n | num_format }}", json!({"n": 1234})).unwrap();
        assert_eq!(out, "1\u{202f}234");
        let err = render_one("{{ n | num_format(locale=\"xx-nope\") }}", json!({"n": 1}));
        assert!(format!("{:?}", err.unwrap_err()).contains("xx-nope"));
        assert!(render_one("{{ n | num_format }}", json!({"n": 1.5})).is_err());
    }
}
