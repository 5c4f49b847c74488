//! The language side of the template functions, shared by page templates and shortcodes:
//! the `lang` argument, content paths in another language (`blog/a.md` in `fr` is
//! `blog/a.fr.md`, as Zola's `get_url`, `get_page` and `get_section` read them), site
//! paths under `/CODE/`, and `trans`.

use std::collections::HashMap;

use serde_json::Value;
use tera::{Error, Result as TeraResult};

use crate::config::Languages;

/// The optional `lang` argument as a language index: the default language when absent, an
/// error naming the site's languages when it is not one of them.
pub fn lang_arg(
    languages: &Languages,
    args: &HashMap<String, Value>,
    fname: &str,
) -> TeraResult<usize> {
    let Some(value) = args.get("lang") else {
        return Ok(0);
    };
    let code = value
        .as_str()
        .ok_or_else(|| Error::msg(format!("{fname}: `lang` must be a string, not {value}")))?;
    languages.index(code).ok_or_else(|| {
        let known: Vec<&str> = languages.all().iter().map(|l| l.code.as_str()).collect();
        Error::msg(format!(
            "{fname}: `{code}` is not a language of this site ({})",
            known.join(", ")
        ))
    })
}

/// The content path of `path` in language `lang`: `blog/a.md` -> `blog/a.fr.md` (Zola's
/// rule: the code goes before the last extension).
/// `path` (of `get_page`, `get_section`) as a content path: without `@/`, and compared as
/// Zola compares it, a path of components (`./a.md` and `a//b.md` are `a.md` and `a/b.md`).
pub fn content_path(path: &str) -> String {
    let parts: Vec<&str> = path
        .trim_start_matches("@/")
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    parts.join("/")
}

/// Whether the content path `given` already names language `lang` (`blog/_index.ru.md` with
/// `lang = "ru"`; never for the default language), which Zola 0.18 and older found as named.
pub fn named_twice(languages: &Languages, given: &str, lang: usize) -> bool {
    let Some(language) = languages.all().get(lang) else {
        return false;
    };
    let stem = given.rsplit_once('.').map_or(given, |(stem, _)| stem);
    lang != 0 && stem.ends_with(&format!(".{}", language.code))
}

/// The warning for a call whose path names its language twice (see [`named_twice`]).
pub fn named_twice_warning(
    caller: &str,
    function: &str,
    path: &str,
    code: &str,
    zola_looks_for: &str,
    given: &str,
) -> String {
    format!(
        "{caller}: `{function}(path=\"{path}\", lang=\"{code}\")` names the language twice: Zola 0.19 and later look for `{zola_looks_for}` and fail; built as Zola 0.18 did, with `{given}`"
    )
}

pub fn path_in_lang(languages: &Languages, path: &str, lang: usize) -> String {
    if lang == 0 {
        return path.to_string();
    }
    let code = &languages.get(lang).code;
    match path.rfind('.') {
        Some(dot) => format!("{}.{code}{}", &path[..dot], &path[dot..]),
        None => format!("{path}.{code}"),
    }
}

/// A site path (not `@/` content) in language `lang`, as Zola 0.22 makes it: `CODE/` and the
/// path as given, unless the path is empty or its text after the first character starts
/// with the code. So `/about/` in `fr` is `fr//about/`, and `/french/` stays as it is: Zola
/// writes those URLs, and a site moving over keeps them.
pub fn site_path_in_lang(languages: &Languages, path: &str, lang: usize) -> String {
    let code = languages.get(lang).code.as_str();
    let has_code = !path.is_empty() && path.get(1..).is_some_and(|rest| rest.starts_with(code));
    if lang == 0 || has_code {
        return path.to_string();
    }
    format!("{code}/{path}")
}

/// Zola's `get_url` (without `cachebust`): `@/` content in language `lang`, found by
/// `permalink_of` (content path -> permalink), with its `#anchor`; else the site URL of the
/// path in that language ([`site_path_in_lang`], then Zola's `make_permalink`), without a
/// trailing slash unless asked for. Page templates and shortcodes both call this: one set of
/// rules.
pub fn url_of(
    languages: &Languages,
    base_url: &str,
    path: &str,
    lang: usize,
    trailing_slash: bool,
    permalink_of: impl Fn(&str) -> Option<String>,
) -> TeraResult<String> {
    if let Some(rel) = path.strip_prefix("@/") {
        let (file, anchor) = match rel.split_once('#') {
            Some((f, a)) => (f, Some(a)),
            None => (rel, None),
        };
        let file = path_in_lang(languages, file, lang);
        let link = permalink_of(&file)
            .ok_or_else(|| Error::msg(format!("get_url: no content at `@/{file}`")))?;
        return Ok(match anchor {
            Some(a) => format!("{link}#{a}"),
            None => link,
        });
    }
    let path = site_path_in_lang(languages, path, lang);
    let feeds = &languages.get(0).feed_filenames;
    let mut url = make_permalink(base_url, &path, feeds);
    if !trailing_slash && url.ends_with('/') {
        url.pop();
    }
    Ok(url)
}

/// Zola's `Config::make_permalink`: the base URL and the path, with a slash added unless the
/// path ends with one, ends with a feed's file name, is empty or has a `#`.
fn make_permalink(base: &str, path: &str, feeds: &[String]) -> String {
    let keeps = path.ends_with('/')
        || feeds.iter().any(|f| path.ends_with(f.as_str()))
        || path.is_empty()
        || path.contains('#');
    let trailing = if keeps { "" } else { "/" };
    match (base.ends_with('/'), path) {
        (true, "/") => base.to_string(),
        (false, "/") => format!("{base}/"),
        (true, _) if path.starts_with('/') => format!("{base}{}{trailing}", &path[1..]),
        (true, _) => format!("{base}{path}{trailing}"),
        (false, _) if path.starts_with('/') => format!("{base}{path}{trailing}"),
        (false, _) => format!("{base}/{path}{trailing}"),
    }
}

/// Zola's `trans(key, lang)`: the `[translations]` entry `key` of a language (the default
/// one when `lang` is absent); a missing key is an error naming the key, the language and
/// the table to add it to.
pub fn trans(languages: &Languages, args: &HashMap<String, Value>) -> TeraResult<Value> {
    let key = args
        .get("key")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::msg("trans: missing string argument `key`"))?;
    let lang = lang_arg(languages, args, "trans")?;
    let language = languages.get(lang);
    match language.translations.get(key) {
        Some(toml::Value::String(text)) => Ok(Value::String(text.clone())),
        Some(other) => Ok(serde_json::to_value(other).unwrap_or(Value::Null)),
        None => Err(Error::msg(format!(
            "trans: no translation `{key}` for language `{}` (add it to {})",
            language.code,
            match lang {
                0 => "[translations]".to_string(),
                _ => format!("[languages.{}.translations]", language.code),
            }
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn languages() -> Languages {
        let (config, _) = Config::parse(
            "base_url = \"x\"\n[translations]\nhi = \"Hello\"\n[languages.fr.translations]\nhi = \"Bonjour\"\n[languages.ar]\n",
            std::path::Path::new("zola.toml"),
        )
        .unwrap();
        config.site_languages()
    }

    fn args(pairs: &[(&str, &str)]) -> HashMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect()
    }

    #[test]
    fn trans_reads_each_languages_table_and_names_what_is_missing() {
        let l = languages();
        assert_eq!(trans(&l, &args(&[("key", "hi")])).unwrap(), "Hello");
        assert_eq!(
            trans(&l, &args(&[("key", "hi"), ("lang", "fr")])).unwrap(),
            "Bonjour"
        );
        let e = trans(&l, &args(&[("key", "hi"), ("lang", "ar")])).unwrap_err();
        assert!(
            e.to_string().contains("`hi`") && e.to_string().contains("[languages.ar.translations]"),
            "{e}"
        );
        let e = trans(&l, &args(&[("key", "hi"), ("lang", "de")])).unwrap_err();
        assert!(e.to_string().contains("`de` is not a language"), "{e}");
    }

    #[test]
    fn paths_in_another_language() {
        let l = languages();
        let fr = l.index("fr").unwrap();
        assert_eq!(path_in_lang(&l, "blog/a.md", fr), "blog/a.fr.md");
        assert_eq!(path_in_lang(&l, "blog/_index.md", 0), "blog/_index.md");
        assert_eq!(site_path_in_lang(&l, "/about/", fr), "fr//about/");
        assert_eq!(site_path_in_lang(&l, "/fr/about/", fr), "/fr/about/");
        assert_eq!(site_path_in_lang(&l, "fr/about/", fr), "fr/fr/about/");
        assert_eq!(site_path_in_lang(&l, "/french/", fr), "/french/");
        assert_eq!(site_path_in_lang(&l, "", fr), "fr/");
        assert_eq!(site_path_in_lang(&l, "/about/", 0), "/about/");
    }

    /// Site URLs as Zola 0.22.1 wrote them for `get_url(path=P, lang=L, trailing_slash=T)`
    /// (base `https://x.example`, languages `en` and `ko` here `fr`): the language prefix
    /// glued to a leading slash, the prefix test on the text after the first character, no
    /// slash after a feed's name or an anchor.
    #[test]
    fn site_urls_as_zola_writes_them() {
        let l = languages();
        let fr = l.index("fr").unwrap();
        let url = |path: &str, lang: usize, ts: bool| {
            url_of(&l, "https://x.example", path, lang, ts, |_| None).unwrap()
        };
        let cases: &[(&str, [&str; 4])] = &[
            ("/", ["fr/", "fr//", "", "/"]),
            ("", ["fr", "fr/", "", "/"]),
            ("/about/", ["fr//about", "fr//about/", "/about", "/about/"]),
            ("about", ["fr/about", "fr/about/", "/about", "/about/"]),
            ("about/", ["fr/about", "fr/about/", "/about", "/about/"]),
            ("/french", ["/french", "/french/", "/french", "/french/"]),
            ("fr/x", ["fr/fr/x", "fr/fr/x/", "/fr/x", "/fr/x/"]),
            ("/fr/x", ["fr/x", "fr/x/", "/fr/x", "/fr/x/"]),
            (
                "atom.xml",
                ["fr/atom.xml", "fr/atom.xml", "/atom.xml", "/atom.xml"],
            ),
            ("a#b", ["fr/a#b", "fr/a#b", "/a#b", "/a#b"]),
            (
                "/a/b.css",
                ["fr//a/b.css", "fr//a/b.css/", "/a/b.css", "/a/b.css/"],
            ),
        ];
        for (path, [fr_plain, fr_slash, en_plain, en_slash]) in cases {
            let want = |tail: &str| {
                let sep = if tail.is_empty() || tail.starts_with('/') {
                    ""
                } else {
                    "/"
                };
                format!("https://x.example{sep}{tail}")
            };
            assert_eq!(url(path, fr, false), want(fr_plain), "{path} fr");
            assert_eq!(url(path, fr, true), want(fr_slash), "{path} fr ts");
            assert_eq!(url(path, 0, false), want(en_plain), "{path}");
            assert_eq!(url(path, 0, true), want(en_slash), "{path} ts");
        }
        assert_eq!(
            url_of(&l, "https://x.example/", "/", 0, true, |_| None).unwrap(),
            "https://x.example/"
        );
    }
}
