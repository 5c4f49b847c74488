//! Keys of older Zola versions that Zola 0.22 rejects (`generate_feed`, `feed_filename`,
//! `rss_limit`, the pre-0.15 top-level Markdown keys): mapped onto the
//! current keys before the config is read, with a warning each naming the current key, so
//! that sites written for Zola 0.11-0.21 build as they are. (`[markdown]`'s own old keys are
//! `markdown::migrate_legacy`'s.)

use std::path::Path;

/// Keys of older Zola versions: (old key, what it became, the version that changed it).
/// Mapped by [`migrate_legacy_keys`].
const LEGACY_TOP_KEYS: &[(&str, &str, &str)] = &[
    ("generate_feed", "generate_feeds", "0.19"),
    ("generate_rss", "generate_feeds", "0.14"),
    ("feed_filename", "feed_filenames", "0.19"),
    ("rss_limit", "feed_limit", "0.14"),
    ("highlight_code", "markdown.highlight_code", "0.15"),
    ("highlight_theme", "markdown.highlight_theme", "0.15"),
    (
        "highlight_themes_css",
        "markdown.highlight_themes_css",
        "0.15",
    ),
    ("extra_syntaxes", "markdown.extra_syntaxes", "0.15"),
    ("smart_punctuation", "markdown.smart_punctuation", "0.15"),
    (
        "external_links_target_blank",
        "markdown.external_links_target_blank",
        "0.15",
    ),
    (
        "external_links_no_follow",
        "markdown.external_links_no_follow",
        "0.15",
    ),
    (
        "external_links_no_referrer",
        "markdown.external_links_no_referrer",
        "0.15",
    ),
    ("render_emoji", "markdown.render_emoji", "0.15"),
];

/// Maps the keys of older Zola versions in `table` onto the current ones, with a warning
/// each naming the current key. A current key set next to its old name wins.
pub(super) fn migrate_legacy_keys(table: &mut toml::Table, path: &Path) -> Vec<String> {
    let mut warnings = Vec::new();
    for &(old, new, version) in LEGACY_TOP_KEYS {
        let Some(value) = table.remove(old) else {
            continue;
        };
        warnings.push(format!(
            "{}: `{old}` was replaced by `{new}` in Zola {version}; read as `{new}`",
            path.display()
        ));
        let value = match (old, value) {
            ("feed_filename", toml::Value::String(f)) => {
                toml::Value::Array(vec![toml::Value::String(f)])
            }
            (_, v) => v,
        };
        match new.split_once('.') {
            Some((outer, inner)) => {
                let entry = table
                    .entry(outer.to_string())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                if let toml::Value::Table(t) = entry {
                    t.entry(inner.to_string()).or_insert(value);
                }
            }
            None => {
                table.entry(new.to_string()).or_insert(value);
            }
        }
    }
    // Taxonomies: `rss` became `feed` (0.14), and Zola since reads a taxonomy's `rss` as
    // an unknown key and ignores it: sites that still have it build in Zola 0.22 with no
    // term feeds, so sitegen writes none either (and says so). `lang` moved into
    // `[languages]` (0.16).
    if let Some(toml::Value::Array(taxonomies)) = table.get_mut("taxonomies") {
        for t in taxonomies.iter_mut().filter_map(toml::Value::as_table_mut) {
            if let Some(v) = t.remove("rss") {
                let name = t.get("name").and_then(toml::Value::as_str).unwrap_or("?");
                if v.as_bool() == Some(true) {
                    warnings.push(format!(
                        "{}: taxonomy `{name}`: `rss` was renamed `feed` in Zola 0.14 and is ignored since, as Zola 0.22 ignores it: no term feeds are written (`feed = true` makes them)",
                        path.display()
                    ));
                }
            }
            if t.remove("lang").is_some() {
                warnings.push(format!(
                    "{}: taxonomy `lang` is not a key since Zola 0.16 (taxonomies of other languages go in `[languages.<code>]`); ignored",
                    path.display()
                ));
            }
        }
    }
    warnings.extend(migrate_languages(table, path));
    warnings
}

/// `languages = [{ code = "fr", feed = true, search = true }]` (before Zola 0.15) becomes
/// `[languages.fr]`; in a language's table, `generate_feed` / `feed_filename` (before 0.19)
/// become `generate_feeds` / `feed_filenames`. One warning each.
fn migrate_languages(table: &mut toml::Table, path: &Path) -> Vec<String> {
    let mut warnings = Vec::new();
    if let Some(toml::Value::Array(list)) = table.get("languages") {
        let mut languages = toml::Table::new();
        for entry in list.iter().filter_map(toml::Value::as_table) {
            let Some(code) = entry.get("code").and_then(toml::Value::as_str) else {
                continue;
            };
            let mut options = entry.clone();
            options.remove("code");
            for (old, new) in [("feed", "generate_feeds"), ("search", "build_search_index")] {
                if let Some(v) = options.remove(old) {
                    options.entry(new).or_insert(v);
                }
            }
            languages.insert(code.to_string(), toml::Value::Table(options));
        }
        warnings.push(format!(
            "{}: `languages = [{{ code = ... }}]` was replaced by `[languages.CODE]` tables in Zola 0.15; read as such",
            path.display()
        ));
        table.insert("languages".into(), toml::Value::Table(languages));
    }
    if let Some(toml::Value::Table(languages)) = table.get_mut("languages") {
        for (code, options) in languages.iter_mut() {
            let Some(options) = options.as_table_mut() else {
                continue;
            };
            for (old, new) in [
                ("generate_feed", "generate_feeds"),
                ("feed_filename", "feed_filenames"),
            ] {
                let Some(value) = options.remove(old) else {
                    continue;
                };
                warnings.push(format!(
                    "{}: `languages.{code}.{old}` was replaced by `{new}` in Zola 0.19; read as `{new}`",
                    path.display()
                ));
                let value = match value {
                    toml::Value::String(f) if old == "feed_filename" => {
                        toml::Value::Array(vec![toml::Value::String(f)])
                    }
                    v => v,
                };
                options.entry(new).or_insert(value);
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_old_key_is_mapped_with_one_warning_naming_the_new_one() {
        for &(old, new, version) in LEGACY_TOP_KEYS {
            let value = match old {
                "feed_filename" | "highlight_theme" | "highlight_themes_css" => {
                    toml::Value::String("x.xml".into())
                }
                "rss_limit" => toml::Value::Integer(3),
                "extra_syntaxes" => toml::Value::Array(vec!["syntaxes".into()]),
                _ => toml::Value::Boolean(true),
            };
            let mut table = toml::Table::new();
            table.insert(old.into(), value.clone());
            let warnings = migrate_legacy_keys(&mut table, Path::new("zola.toml"));
            assert_eq!(warnings.len(), 1, "{old}: {warnings:?}");
            assert!(
                warnings[0].contains(&format!("`{new}`")) && warnings[0].contains(version),
                "{old}: {warnings:?}"
            );
            assert!(!table.contains_key(old), "{old} removed");
            let mapped = match new.split_once('.') {
                Some((outer, inner)) => table[outer][inner].clone(),
                None => table[new].clone(),
            };
            let expected = match old {
                "feed_filename" => toml::Value::Array(vec![value]),
                _ => value,
            };
            assert_eq!(mapped, expected, "{old}");
        }
        // The current key wins over its old name.
        let mut table: toml::Table =
            toml::from_str("generate_feed = false\ngenerate_feeds = true").unwrap();
        migrate_legacy_keys(&mut table, Path::new("zola.toml"));
        assert_eq!(table["generate_feeds"], toml::Value::Boolean(true));
    }

    #[test]
    fn old_language_lists_and_keys_become_language_tables() {
        let mut table: toml::Table = toml::from_str(
            "languages = [{ code = \"fr\", feed = true, search = true }, { code = \"it\" }]",
        )
        .unwrap();
        let warnings = migrate_legacy_keys(&mut table, Path::new("zola.toml"));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(
            table["languages"]["fr"]["generate_feeds"].as_bool(),
            Some(true)
        );
        assert_eq!(
            table["languages"]["fr"]["build_search_index"].as_bool(),
            Some(true)
        );
        assert!(table["languages"]["it"].as_table().unwrap().is_empty());
        let mut table: toml::Table =
            toml::from_str("[languages.fr]\ngenerate_feed = true\nfeed_filename = \"rss.xml\"")
                .unwrap();
        let warnings = migrate_legacy_keys(&mut table, Path::new("zola.toml"));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert_eq!(
            table["languages"]["fr"]["generate_feeds"].as_bool(),
            Some(true)
        );
        assert_eq!(
            table["languages"]["fr"]["feed_filenames"],
            toml::Value::Array(vec!["rss.xml".into()])
        );
    }
}
