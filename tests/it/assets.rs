//! Sass, the search index and HTML minification, end to end through `sitegen build`.
//!
//! The search-index proof loads the emitted index with the real elasticlunr and Fuse.js in
//! Node. `.ci/run` installs both (npm, pinned, into `.ci/node`), points
//! `SITEGEN_NODE_MODULES` at them and sets `SITEGEN_REQUIRE_NODE=1`, so in CI a missing Node
//! or package fails the test; elsewhere the test is ignored when they were not found as the
//! tests were built (see `build.rs`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{build, copy_tree, snapshot, write_under};

fn ok(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

fn json_build(root: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--durability", "none", "--format", "json"];
    args.extend_from_slice(extra);
    ok(&build(root, &args))
}

/// A small site: a theme with Sass, pages with known words, a section left out of search.
fn site(root: &Path, config_extra: &str) {
    write_under(
        root,
        "config.toml",
        &format!(
            "base_url = \"https://s.example\"\ntitle = \"Assets\"\ntheme = \"t\"\n{config_extra}\n"
        ),
    );
    write_under(
        root,
        "content/_index.md",
        "+++\ntitle = \"Home\"\n+++\nWelcome home.\n",
    );
    write_under(
        root,
        "content/blog/_index.md",
        "+++\ntitle = \"Blog\"\n+++\n",
    );
    write_under(
        root,
        "content/blog/zebra.md",
        "+++\ntitle = \"Zebra notes\"\ndate = 2024-03-04\n+++\nStripes and a quokkaword in the body.\n",
    );
    write_under(
        root,
        "content/blog/draft.md",
        "+++\ntitle = \"Draft\"\ndraft = true\n+++\nSecret draftword.\n",
    );
    write_under(
        root,
        "content/hidden/_index.md",
        "+++\ntitle = \"Hidden\"\nin_search_index = false\n+++\n",
    );
    write_under(
        root,
        "content/hidden/h.md",
        "+++\ntitle = \"H\"\n+++\nHiddenword here.\n",
    );
    let base = "<!doctype html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"utf-8\">\n  <title>{{ config.title }}</title>\n  <link rel=\"stylesheet\" href=\"/site.css\">\n</head>\n<body>\n  <main>\n    {% block body %}{% endblock body %}\n  </main>\n</body>\n</html>\n";
    write_under(root, "themes/t/templates/base.html", base);
    for (name, var) in [
        ("index.html", "section"),
        ("section.html", "section"),
        ("page.html", "page"),
    ] {
        write_under(
            root,
            &format!("themes/t/templates/{name}"),
            &format!("{{% extends \"base.html\" %}}{{% block body %}}<h1>{{{{ {var}.title }}}}</h1>\n  {{{{ {var}.content | safe }}}}{{% endblock body %}}"),
        );
    }
    write_under(root, "themes/t/sass/site.scss", "body { color: theme; }\n");
    write_under(
        root,
        "themes/t/sass/theme-only.scss",
        "@import \"colors\";\nt { color: $c; }\n",
    );
    write_under(root, "themes/t/sass/_colors.scss", "$c: #00f;\n");
}

fn read(root: &Path, rel: &str) -> String {
    fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn sass_sheets_of_site_and_theme_with_partials_nested_paths_and_both_syntaxes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    site(&root, "compile_sass = true");
    write_under(
        &root,
        "sass/site.scss",
        "@use \"parts/vars\";\nbody { color: vars.$main; }\n",
    );
    write_under(&root, "sass/parts/_vars.scss", "$main: #f00;\n");
    write_under(&root, "sass/a/deep/nested.scss", "a { b { c: d; } }\n");
    write_under(&root, "sass/indented.sass", "$w: 2px\n.box\n  width: $w\n");
    write_under(&root, "sass/_only-partial.scss", "x { y: z; }\n");
    write_under(&root, "sass/_dir/inside.scss", "x { y: z; }\n");
    let summary = json_build(&root, &[]);
    assert_eq!(summary["sass_compiled"], 4, "{summary}");
    let public = root.join("public");
    // The site's sheet wins over the theme's of the same path; the theme's others are kept.
    assert_eq!(read(&public, "site.css").trim(), "body{color:red}");
    assert_eq!(read(&public, "theme-only.css").trim(), "t{color:blue}");
    assert_eq!(read(&public, "a/deep/nested.css").trim(), "a b{c:d}");
    assert_eq!(read(&public, "indented.css").trim(), ".box{width:2px}");
    let css: Vec<String> = snapshot(&public)
        .into_keys()
        .filter(|k| k.ends_with(".css"))
        .collect();
    assert_eq!(css.len(), 4, "partials are never written: {css:?}");
    // Without compile_sass only the theme's are compiled (as Zola does).
    let other = tmp.path().join("other");
    site(&other, "");
    json_build(&other, &[]);
    assert_eq!(
        read(&other.join("public"), "site.css").trim(),
        "body{color:theme}"
    );
    assert!(!other.join("public/indented.css").exists());
}

#[test]
fn a_sass_error_names_file_line_and_column_and_keeps_the_previous_output() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    site(&root, "compile_sass = true");
    write_under(
        &root,
        "sass/main.scss",
        "@import \"mixins\";\nmain { x: 1; }\n",
    );
    write_under(&root, "sass/_mixins.scss", "a { b: c; }\n");
    json_build(&root, &[]);
    let before = snapshot(&root.join("public"));
    write_under(
        &root,
        "sass/_mixins.scss",
        "a {\n  b: c;\n  color: $undefined;\n}\n",
    );
    write_under(
        &root,
        "content/blog/zebra.md",
        "+++\ntitle = \"Changed\"\n+++\nNew.\n",
    );
    let out = build(&root, &["--durability", "none"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sass/_mixins.scss:3:10: Sass error: Undefined variable"),
        "{stderr}"
    );
    assert_eq!(
        snapshot(&root.join("public")),
        before,
        "previous output intact"
    );
}

#[test]
fn editing_a_partial_compiles_only_its_importers_and_renders_no_page() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    site(&root, "compile_sass = true");
    write_under(
        &root,
        "sass/uses.scss",
        "@import \"shared\";\nu { c: $c; }\n",
    );
    write_under(
        &root,
        "sass/also.scss",
        "@use \"shared\";\na { c: shared.$c; }\n",
    );
    write_under(&root, "sass/alone.scss", "alone { c: 1; }\n");
    write_under(&root, "sass/_shared.scss", "$c: red;\n");
    let first = json_build(&root, &[]);
    assert_eq!(first["sass_compiled"], 5, "{first}");
    let alone_before = fs::metadata(root.join("public/alone.css"))
        .unwrap()
        .modified()
        .unwrap();
    write_under(&root, "sass/_shared.scss", "$c: green;\n");
    let second = json_build(&root, &[]);
    assert_eq!(second["sass_compiled"], 2, "{second}");
    assert_eq!(second["rendered"], 0, "{second}");
    assert_eq!(second["written"], 2, "{second}");
    assert_eq!(read(&root, "public/uses.css").trim(), "u{c:green}");
    assert_eq!(read(&root, "public/also.css").trim(), "a{c:green}");
    let alone_after = fs::metadata(root.join("public/alone.css"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(alone_before, alone_after, "alone.css was not rewritten");
    // A theme partial: its importer only, and still no page (a theme's Sass is not a
    // template, so its change needs no full render).
    write_under(&root, "themes/t/sass/_colors.scss", "$c: #0f0;\n");
    let third = json_build(&root, &[]);
    assert_eq!(
        (third["sass_compiled"].as_u64(), third["rendered"].as_u64()),
        (Some(1), Some(0)),
        "{third}"
    );
    assert_eq!(read(&root, "public/theme-only.css").trim(), "t{color:lime}");
    // Creating a file that an import probed for (and did not find) changes the import.
    write_under(&root, "sass/shared.scss", "$c: black;\n");
    let fourth = build(&root, &["--durability", "none", "--format", "json"]);
    // Two files for one import: grass refuses it, as dart-sass does; either way the
    // importers were compiled again, not kept.
    let value: serde_json::Value = serde_json::from_slice(&fourth.stdout).unwrap();
    assert!(
        !fourth.status.success() || value["sass_compiled"].as_u64() >= Some(2),
        "{value}"
    );
}

#[test]
fn the_index_is_kept_when_its_documents_are_unchanged_and_made_again_when_one_is() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    site(&root, "build_search_index = true");
    let first = json_build(&root, &[]);
    assert_eq!(first["search_indexes_built"], 1, "{first}");
    let index = root.join("public/search_index.en.js");
    let stamp = || fs::metadata(&index).unwrap().modified().unwrap();
    let before = (stamp(), read(&root, "public/search_index.en.js"));
    // A template edit re-renders every page; their text, and so the index, is the same.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let base = root.join("themes/t/templates/base.html");
    let text = read(&root, "themes/t/templates/base.html");
    write_under(
        &root,
        "themes/t/templates/base.html",
        &text.replace("<main>", "<main class=\"m\">"),
    );
    assert!(fs::metadata(&base).is_ok());
    let second = json_build(&root, &[]);
    assert!(second["rendered"].as_u64() > Some(0), "{second}");
    assert_eq!(second["search_indexes_built"], 0, "{second}");
    assert_eq!((stamp(), read(&root, "public/search_index.en.js")), before);
    // A word of a body changes: the index is made again and has it.
    write_under(
        &root,
        "content/blog/zebra.md",
        "+++\ntitle = \"Zebra notes\"\ndate = 2024-03-04\n+++\nStripes and a wallabyword in the body.\n",
    );
    let third = json_build(&root, &[]);
    assert_eq!(third["search_indexes_built"], 1, "{third}");
    let after = read(&root, "public/search_index.en.js");
    assert!(after.contains("wallabyword") && !after.contains("quokkaword"));
    // The index file damaged by hand is written again even though nothing changed.
    fs::write(&index, "damaged").unwrap();
    let fourth = json_build(&root, &[]);
    assert_eq!(fourth["search_indexes_built"], 1, "{fourth}");
    assert_eq!(read(&root, "public/search_index.en.js"), after);
}

/// The index file of `format`, as JSON (the `window.searchIndex = ` prefix removed).
fn index_json(root: &Path, file: &str) -> serde_json::Value {
    let text = read(&root.join("public"), file);
    let json = text.strip_prefix("window.searchIndex = ").unwrap_or(&text);
    serde_json::from_str(json).unwrap()
}

#[test]
fn search_index_formats_files_and_what_is_left_out() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        ("elasticlunr_javascript", "search_index.en.js", true),
        ("elasticlunr_json", "search_index.en.json", true),
        ("fuse_javascript", "search_index.en.js", false),
        ("fuse_json", "search_index.en.json", false),
    ];
    for (format, file, elasticlunr) in cases {
        let root = tmp.path().join(format);
        site(
            &root,
            &format!("build_search_index = true\n[search]\nindex_format = \"{format}\"\ninclude_path = true"),
        );
        json_build(&root, &["--drafts"]);
        let public = root.join("public");
        let text = read(&public, file);
        assert_eq!(
            text.starts_with("window.searchIndex = "),
            file.ends_with(".js"),
            "{format}"
        );
        assert_eq!(
            public.join("elasticlunr.min.js").exists(),
            elasticlunr,
            "{format}"
        );
        let index = index_json(&root, file);
        let urls: Vec<String> = if elasticlunr {
            let docs = index["documentStore"]["docs"].as_object().unwrap();
            docs.keys().cloned().collect()
        } else {
            let list = index.as_array().unwrap();
            list.iter()
                .map(|e| e["url"].as_str().unwrap().to_string())
                .collect()
        };
        assert!(
            urls.contains(&"https://s.example/blog/zebra/".to_string()),
            "{format}: {urls:?}"
        );
        assert!(
            urls.contains(&"https://s.example/".to_string()),
            "{format}: {urls:?}"
        );
        // A section out of the index takes its pages with it; drafts never go in.
        assert!(
            !urls.iter().any(|u| u.contains("hidden")),
            "{format}: {urls:?}"
        );
        assert!(
            !urls.iter().any(|u| u.contains("draft")),
            "{format}: {urls:?}"
        );
    }
    let off = tmp.path().join("off");
    site(&off, "");
    json_build(&off, &[]);
    let files = snapshot(&off.join("public"));
    assert!(
        !files
            .keys()
            .any(|k| k.starts_with("search_index") || k == "elasticlunr.min.js"),
        "{:?}",
        files.keys()
    );
}

fn node_modules() -> PathBuf {
    let found = std::env::var_os("SITEGEN_NODE_MODULES")
        .map(PathBuf::from)
        .filter(|d| d.join("elasticlunr").is_dir() && d.join("fuse.js").is_dir())
        .filter(|_| Command::new("node").arg("--version").output().is_ok());
    found.expect(
        "Node with elasticlunr and fuse.js is required, in the folder SITEGEN_NODE_MODULES names",
    )
}

/// Runs `script` in Node with `NM` (the node_modules directory) and `INDEX` (the index file)
/// defined; returns its stdout.
fn node(modules: &Path, index: &Path, script: &str) -> String {
    let prelude = format!(
        "const NM = {}; const INDEX = {}; const fs = require('fs'); global.window = {{}};\n\
         const load = () => {{ const t = fs.readFileSync(INDEX, 'utf8'); if (INDEX.endsWith('.js')) {{ eval(t); return window.searchIndex; }} return JSON.parse(t); }};\n",
        serde_json::to_string(&modules.to_string_lossy()).unwrap(),
        serde_json::to_string(&index.to_string_lossy()).unwrap(),
    );
    let out = Command::new("node")
        .arg("-e")
        .arg(format!("{prelude}{script}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
#[cfg_attr(
    sitegen_no_node,
    ignore = "needs node and SITEGEN_NODE_MODULES with elasticlunr and fuse.js (not found when the tests were built)"
)]
fn the_real_elasticlunr_and_fuse_find_a_page_by_a_word_of_its_body() {
    let modules = node_modules();
    let tmp = tempfile::tempdir().unwrap();
    for format in [
        "elasticlunr_javascript",
        "elasticlunr_json",
        "fuse_javascript",
        "fuse_json",
    ] {
        let root = tmp.path().join(format);
        site(
            &root,
            &format!("build_search_index = true\n[search]\nindex_format = \"{format}\""),
        );
        json_build(&root, &[]);
        let ext = if format.ends_with("json") {
            "json"
        } else {
            "js"
        };
        let index = root.join(format!("public/search_index.en.{ext}"));
        let found = if format.starts_with("elasticlunr") {
            // The emitted library is the package's, byte for byte.
            assert_eq!(
                fs::read(root.join("public/elasticlunr.min.js")).unwrap(),
                fs::read(modules.join("elasticlunr/elasticlunr.min.js")).unwrap()
            );
            node(
                &modules,
                &index,
                "const elasticlunr = require(NM + '/elasticlunr');\n\
                 const idx = elasticlunr.Index.load(load());\n\
                 const hits = (q) => idx.search(q, { fields: { title: { boost: 2 }, body: { boost: 1 } } }).map((r) => r.ref);\n\
                 console.log(JSON.stringify([hits('quokkaword'), hits('hiddenword')]));",
            )
        } else {
            node(
                &modules,
                &index,
                "const Fuse = require(NM + '/fuse.js');\n\
                 const fuse = new Fuse(load(), { keys: ['title', 'body'], ignoreLocation: true, threshold: 0.2 });\n\
                 const hits = (q) => fuse.search(q).map((r) => r.item.url);\n\
                 console.log(JSON.stringify([hits('quokkaword'), hits('hiddenword')]));",
            )
        };
        assert_eq!(
            found, "[[\"https://s.example/blog/zebra/\"],[]]",
            "{format}"
        );
    }
}

#[test]
fn minified_output_is_deterministic_and_the_flag_equals_the_config_key() {
    let tmp = tempfile::tempdir().unwrap();
    let by_config = tmp.path().join("config");
    site(&by_config, "minify_html = true\ncompile_sass = true");
    write_under(&by_config, "sass/site.scss", "a { b: c; }\n");
    json_build(&by_config, &[]);
    let by_flag = tmp.path().join("flag");
    copy_tree(&by_config, &by_flag);
    fs::remove_dir_all(by_flag.join("public")).unwrap();
    fs::remove_dir_all(by_flag.join(".sitegen")).unwrap();
    let config = read(&by_flag, "config.toml").replace("minify_html = true\n", "");
    write_under(&by_flag, "config.toml", &config);
    json_build(&by_flag, &["--minify"]);
    let (a, b) = (
        snapshot(&by_config.join("public")),
        snapshot(&by_flag.join("public")),
    );
    assert_eq!(a, b);
    let page = String::from_utf8(a["blog/zebra/index.html"].clone()).unwrap();
    assert!(!page.contains("\n  "), "minified: {page}");
    assert!(
        page.contains("<link href=/site.css rel=stylesheet>") || page.contains("rel=stylesheet"),
        "{page}"
    );
    // Again from scratch: the same bytes.
    json_build(&by_config, &["--full"]);
    assert_eq!(snapshot(&by_config.join("public")), a);
    // Turning it off renders every page anew, unminified (redirects included).
    let plain = json_build(&by_flag, &[]);
    assert!(plain["rendered"].as_u64() > Some(3), "{plain}");
    assert!(read(&by_flag, "public/blog/zebra/index.html").contains("\n  <main>"));
}
