//! Unit tests of the asset makers: Sass sheets and errors, the search index's fields and
//! formats, and the minifier.

use std::path::{Path, PathBuf};

use super::minify;
use super::sass::{self, Sheet};
use super::search::{self, Document, IndexFormat, SearchConfig};
use super::AssetError;
use crate::output::atomic_write;

fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    atomic_write(&path, text).unwrap();
    path
}

#[test]
fn sheets_skip_partials_keep_paths_and_let_the_site_win() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let theme = root.join("themes/t");
    write(root, "sass/a/site.scss", "a{b:c}");
    write(root, "sass/_vars.scss", "$x: 1;");
    write(root, "sass/_parts/x.scss", "a{b:c}");
    write(root, "sass/plain.css", "a{b:c}");
    write(&theme, "sass/a/site.scss", "theme{b:c}");
    write(&theme, "sass/theme.sass", "a\n  b: c\n");
    let outputs = |site: bool| -> Vec<(String, PathBuf)> {
        sass::sheets(root, Some(&theme), site)
            .unwrap()
            .into_iter()
            .map(|s| (s.output, s.source))
            .collect()
    };
    assert_eq!(
        outputs(true),
        vec![
            ("a/site.css".to_string(), root.join("sass/a/site.scss")),
            ("theme.css".to_string(), theme.join("sass/theme.sass")),
        ]
    );
    // Without compile_sass, the theme's sheets only (Zola compiles a theme's always).
    assert_eq!(outputs(false)[0].1, theme.join("sass/a/site.scss"));
    assert!(sass::sheets(root, None, false).unwrap().is_empty());
}

#[test]
fn two_sheets_for_one_css_file_are_an_error_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sass/x.scss", "a{b:c}");
    write(dir.path(), "sass/x.sass", "a\n  b: c\n");
    let e = sass::sheets(dir.path(), None, true).unwrap_err();
    assert!(matches!(e, AssetError::SassConflict { .. }), "{e}");
    let message = e.to_string();
    assert!(
        message.contains("x.scss") && message.contains("x.sass") && message.contains("x.css"),
        "{message}"
    );
}

#[test]
fn both_syntaxes_compile_and_the_inputs_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let main = write(
        root,
        "sass/main.scss",
        "@import \"vars\";\na { color: $c; }\n",
    );
    let vars = write(root, "sass/_vars.scss", "$c: #ff0000;\n");
    let indented = write(root, "sass/ind.sass", "$w: 3px\n.x\n  width: $w\n");
    let sheet = |source: PathBuf| Sheet {
        source,
        output: "x.css".into(),
        fence: None,
    };
    let compiled = sass::compile(&sheet(main.clone())).unwrap();
    assert_eq!(compiled.css.trim(), "a{color:red}");
    let rel: Vec<String> = compiled
        .inputs
        .iter()
        .map(|p| sass::relative(root, p))
        .collect();
    assert!(rel.contains(&"sass/main.scss".to_string()), "{rel:?}");
    assert!(rel.contains(&"sass/_vars.scss".to_string()), "{rel:?}");
    // The probes that found nothing are inputs too: creating one changes the import.
    assert!(rel.iter().any(|r| r == "sass/vars.scss"), "{rel:?}");
    assert!(compiled.inputs.contains(&vars));
    let ind = sass::compile(&sheet(indented)).unwrap();
    assert_eq!(ind.css.trim(), ".x{width:3px}");
}

#[test]
fn errors_name_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let main = write(root, "sass/main.scss", "@import \"broken\";\n");
    write(root, "sass/_broken.scss", "a {\n  color: $missing;\n}\n");
    let e = sass::compile(&Sheet {
        source: main,
        output: "main.css".into(),
        fence: None,
    })
    .unwrap_err();
    let AssetError::Sass {
        file, line, column, ..
    } = &e
    else {
        panic!("{e:?}");
    };
    assert!(file.ends_with("sass/_broken.scss"), "{e}");
    assert_eq!((*line, *column), (2, 10), "{e}");
    assert!(
        e.to_string()
            .contains("_broken.scss:2:10: Sass error: Undefined variable"),
        "{e}"
    );
    let missing = sass::compile(&Sheet {
        source: root.join("sass/none.scss"),
        output: "none.css".into(),
        fence: None,
    })
    .unwrap_err();
    assert!(missing.to_string().contains("none.scss"), "{missing}");
}

#[test]
fn a_key_changes_with_any_input_state() {
    let inputs = vec!["sass/a.scss".to_string(), "sass/_b.scss".to_string()];
    let base = sass::key("a.css", &inputs, &|_: &str| "h1".to_string());
    assert_eq!(
        base,
        sass::key("a.css", &inputs, &|_: &str| "h1".to_string())
    );
    let one = |changed: &'static str| {
        move |rel: &str| {
            if rel == changed {
                "h2".to_string()
            } else {
                "h1".to_string()
            }
        }
    };
    assert_ne!(base, sass::key("a.css", &inputs, &one("sass/_b.scss")));
    assert_ne!(
        base,
        sass::key("b.css", &inputs, &|_: &str| "h1".to_string())
    );
}

fn doc<'a>(permalink: &'a str, title: &'a str, html: &'a str) -> Document<'a> {
    Document {
        permalink,
        title: Some(title),
        description: Some("the description"),
        date: Some("2024-01-02T00:00:00Z".into()),
        path: "/blog/first-post/",
        html,
    }
}

fn search(toml: &str) -> SearchConfig {
    let table: toml::Table = toml::from_str(toml).unwrap();
    SearchConfig::from_table(&table, Path::new("config.toml"))
        .unwrap()
        .0
}

#[test]
fn search_config_has_zolas_defaults_and_checks_values() {
    let default = search("");
    assert_eq!(default, SearchConfig::default());
    assert!(default.include_title && default.include_content && !default.include_path);
    assert_eq!(default.index_format, IndexFormat::ElasticlunrJavascript);
    let table: toml::Table = toml::from_str("index_format = \"fuse_json\"\nincluded = 1").unwrap();
    let (config, warnings) = SearchConfig::from_table(&table, Path::new("config.toml")).unwrap();
    assert_eq!(config.index_format, IndexFormat::FuseJson);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("search.included"), "{warnings:?}");
    let table: toml::Table = toml::from_str("index_format = \"lunr\"").unwrap();
    let e = SearchConfig::from_table(&table, Path::new("config.toml")).unwrap_err();
    assert!(e.to_string().starts_with("config.toml: [search]: "), "{e}");
    assert_eq!(
        IndexFormat::FuseJavascript.file_name("fr"),
        "search_index.fr.js"
    );
    assert_eq!(
        IndexFormat::ElasticlunrJson.file_name("en"),
        "search_index.en.json"
    );
}

#[test]
fn fuse_entries_hold_the_fields_asked_for() {
    let docs = [doc("https://x/a/", "Alpha", "<p>Body <b>one</b></p>")];
    let (name, text) = search::index_file(
        &search("index_format = \"fuse_json\""),
        "en",
        &docs,
        Path::new("c"),
    )
    .unwrap();
    assert_eq!(name, "search_index.en.json");
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        value,
        serde_json::json!([{"url": "https://x/a/", "title": "Alpha", "body": "Body one"}])
    );
    let (name, text) = search::index_file(
        &search("index_format = \"fuse_javascript\"\ninclude_title = false\ninclude_content = false\ninclude_description = true\ninclude_path = true"),
        "en",
        &docs,
        Path::new("c"),
    )
    .unwrap();
    assert_eq!(name, "search_index.en.js");
    let json = text.strip_prefix("window.searchIndex = ").unwrap();
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(
        value,
        serde_json::json!([{"url": "https://x/a/", "description": "the description", "path": "/blog/first-post/"}])
    );
    assert!(search::support_files(&search("index_format = \"fuse_json\"")).is_empty());
}

#[test]
fn elasticlunr_index_has_the_fields_asked_for_in_zolas_order() {
    let docs = [doc("https://x/a/", "Alpha", "<p>zebra crossing</p>")];
    let config = search("include_description = true\ninclude_date = true\ninclude_path = true\ntruncate_content_length = 5");
    let (name, text) = search::index_file(&config, "en", &docs, Path::new("c")).unwrap();
    assert_eq!(name, "search_index.en.js");
    let value: serde_json::Value =
        serde_json::from_str(text.strip_prefix("window.searchIndex = ").unwrap()).unwrap();
    assert_eq!(
        value["fields"],
        serde_json::json!(["title", "description", "date", "path", "body"])
    );
    let stored = &value["documentStore"]["docs"]["https://x/a/"];
    assert_eq!(stored["body"], "zebra");
    assert_eq!(stored["path"], "/blog/first-post/");
    assert_eq!(stored["date"], "2024-01-02T00:00:00Z");
    // The path's words are indexed by Zola's tokenizer (split at `/` and `-`).
    assert!(
        value["index"]["path"]["root"]["f"]["i"]["r"]["s"]["t"]["docs"]
            .get("https://x/a/")
            .is_some()
    );
    let support = search::support_files(&config);
    assert_eq!(support[0].0, "elasticlunr.min.js");
    assert!(support[0].1.contains("elasticlunr"));
    let e = search::index_file(&config, "xx", &docs, Path::new("c")).unwrap_err();
    assert!(e.to_string().contains("language `xx`"), "{e}");
}

#[test]
fn plain_text_drops_markup_code_and_blank_lines() {
    let html = "<h1 id=\"a\">Title &amp; more</h1>\n\n<p>Some   <em>text</em>\n<!-- note --></p>\n<pre><code>let x = 1;</code></pre>\n<script>var s = '<p>';</script><p>a &lt; b, &quot;q&quot; 3 < 4</p>";
    assert_eq!(
        search::plain_text(html, None),
        "Title &amp; more\nSome text\na &lt; b, \"q\" 3 < 4"
    );
    assert_eq!(search::plain_text("héllo wörld", Some(4)), "héll");
    assert_eq!(search::plain_text("a <b unclosed", None), "a <b unclosed");
}

#[test]
fn minifying_is_deterministic_and_keeps_links_and_ids() {
    let page = b"<!doctype html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"utf-8\">\n  <title>T</title>\n  <style> body  { color : red ; } </style>\n</head>\n<body>\n  <h1 id=\"top\">  Hello   world </h1>\n  <a href=\"/blog/a/#top\">link</a>\n  <script>var  a = 1;</script>\n</body>\n</html>\n";
    let once = minify::html(page);
    assert_eq!(once, minify::html(page));
    let text = String::from_utf8(once.clone()).unwrap();
    assert!(text.len() < page.len(), "{text}");
    assert!(
        text.contains("id=top") && text.contains("href=/blog/a/#top"),
        "{text}"
    );
    assert!(text.contains("<html lang=en><head>"), "{text}");
    // Scripts are left as written, as Zola leaves them.
    assert!(text.contains("var  a = 1;"), "{text}");
    assert!(text.contains("body{color:red}"), "{text}");
    assert_eq!(&*minify::output(false, "a.html", page), page);
    assert_eq!(&*minify::output(true, "feed.xml", page), page);
    assert_eq!(
        minify::output(true, "a/index.html", page).into_owned(),
        once
    );
}
