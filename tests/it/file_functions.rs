//! Where the file-reading template functions (`get_url(cachebust=true)`, `get_hash`,
//! `load_data`, `get_image_metadata`, `resize_image`) find files, as Zola 0.22 does: the site,
//! `static/`, `content/`, what the build wrote before templates render (compiled Sass, search
//! indexes), the theme's `static/`; and how `get_page` and `get_section` read a content path.
//! Each rule on a small fixture of its own.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{build, stderr, write_under as write};
use sha2::{Digest, Sha256};

fn ok(root: &Path, extra: &[&str]) -> String {
    let out = build(root, extra);
    assert!(out.status.success(), "{}", stderr(&out));
    stderr(&out)
}

fn read(root: &Path, rel: &str) -> String {
    fs::read_to_string(root.join("public").join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .replace("&#x2F;", "/")
}

/// The first 20 hex digits of the SHA-256 of output file `rel`, as `get_url` appends them.
fn short_hash(root: &Path, rel: &str) -> String {
    let bytes = fs::read(root.join("public").join(rel)).unwrap();
    let hex: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    hex[..20].to_string()
}

fn site(config: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    write(
        &root,
        "config.toml",
        &format!("base_url = \"https://f.example\"\n{config}"),
    );
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\nSome words.\n",
    );
    (tmp, root)
}

#[test]
fn cachebust_and_get_hash_read_the_compiled_sass_and_the_search_index() {
    let (_tmp, root) = site("compile_sass = true\nbuild_search_index = true\n");
    write(&root, "sass/main.scss", "$c: red;\nmain { color: $c; }\n");
    write(&root, "sass/_part.scss", "x { y: 1; }\n");
    write(&root, "static/search.js", "// search\n");
    write(
        &root,
        "templates/page.html",
        "[{{ get_url(path='main.css', cachebust=true) }}][{{ get_url(path='/elasticlunr.min.js', cachebust=true) }}][{{ get_url(path='search_index.en.js', cachebust=true) }}][{{ get_url(path='/search.js', cachebust=true) }}][{{ get_hash(path='main.css', sha_type=256, base64=false) }}]",
    );
    ok(&root, &[]);
    let page = read(&root, "a/index.html");
    for (rel, url) in [
        ("main.css", "main.css"),
        ("elasticlunr.min.js", "elasticlunr.min.js"),
        ("search_index.en.js", "search_index.en.js"),
        ("search.js", "search.js"),
    ] {
        let want = format!("[https://f.example/{url}?h={}]", short_hash(&root, rel));
        assert!(page.contains(&want), "{want} in {page}");
    }
    assert!(page.contains(&short_hash(&root, "main.css")), "{page}");

    // The page follows the sheet's bytes, incrementally as in a clean build.
    write(&root, "sass/main.scss", "main { color: blue; }\n");
    ok(&root, &[]);
    let page = read(&root, "a/index.html");
    let want = format!("main.css?h={}", short_hash(&root, "main.css"));
    assert!(page.contains(&want), "{want} in {page}");

    // A file at an earlier place (here the site directory) comes first, as in Zola.
    write(&root, "main.css", "root{}\n");
    ok(&root, &[]);
    let page = read(&root, "a/index.html");
    let hex: String = Sha256::digest(b"root{}\n")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        page.contains(&format!("main.css?h={}", &hex[..20])),
        "{page}"
    );
}

#[test]
fn a_theme_sheet_is_generated_too_and_the_theme_static_comes_last() {
    let (_tmp, root) = site("theme = \"t\"\n");
    write(&root, "themes/t/theme.toml", "name = \"t\"\n");
    write(&root, "themes/t/sass/theme.scss", "t { u: 1; }\n");
    write(&root, "themes/t/static/theme.js", "// theme\n");
    write(
        &root,
        "themes/t/templates/page.html",
        "[{{ get_url(path='theme.css', cachebust=true) }}][{{ get_url(path='theme.js', cachebust=true) }}]",
    );
    ok(&root, &[]);
    let page = read(&root, "a/index.html");
    for rel in ["theme.css", "theme.js"] {
        let want = format!("{rel}?h={}", short_hash(&root, rel));
        assert!(page.contains(&want), "{want} in {page}");
    }
}

#[test]
fn a_path_into_the_output_directory_reads_what_this_build_generates_with_a_warning() {
    let (_tmp, root) = site("compile_sass = true\n");
    write(&root, "sass/style.scss", "a { b: 1; }\n");
    write(
        &root,
        "templates/page.html",
        "<style>{{ load_data(path='public/style.css', format='plain') | safe }}</style>",
    );
    let err = ok(&root, &[]);
    assert_eq!(read(&root, "a/index.html"), "<style>a{b:1}</style>");
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("public/style.css"))
        .collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(
        warnings[0].contains("`page.html`")
            && warnings[0].contains("accepted as `style.css`")
            && warnings[0].contains("compiled Sass"),
        "{err}"
    );
    // The previous build's file is in `public/` now: an edit is read, not that file.
    write(&root, "sass/style.scss", "a { b: 2; }\n");
    ok(&root, &[]);
    assert_eq!(read(&root, "a/index.html"), "<style>a{b:2}</style>");

    // Built elsewhere, a stale `public/style.css` in the site is not read either.
    let elsewhere = root.parent().unwrap().join("out");
    write(&root, "public/style.css", "stale{}");
    let out_arg = elsewhere.display().to_string();
    ok(&root, &["--output", &out_arg]);
    let page = fs::read_to_string(elsewhere.join("a/index.html")).unwrap();
    assert_eq!(page, "<style>a{b:2}</style>");

    // A file no step generates there is an error naming the output directory.
    write(
        &root,
        "templates/page.html",
        "{{ load_data(path='public/other.css') }}",
    );
    let out = build(&root, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("public/other.css") && err.contains("`public` is the output directory"),
        "{err}"
    );
    assert!(err.contains("a.md"), "{err}");
}

#[test]
fn image_functions_search_the_same_places_and_a_missing_image_says_where() {
    let (_tmp, root) = site("compile_sass = true\n");
    write(&root, "sass/s.scss", "a { b: 1; }\n");
    write(
        &root,
        "static/img/s.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"3\" height=\"4\"/>",
    );
    write(
        &root,
        "content/blog/c.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"5\" height=\"6\"/>",
    );
    write(
        &root,
        "templates/page.html",
        "{% set s = get_image_metadata(path='/img/s.svg') %}{% set c = get_image_metadata(path='@/blog/c.svg') %}{% set d = get_image_metadata(path='blog/c.svg') %}{{ s.width }}x{{ s.height }} {{ c.width }}x{{ c.height }} {{ d.width }}",
    );
    ok(&root, &[]);
    assert_eq!(read(&root, "a/index.html"), "3x4 5x6 5");

    // Missing everywhere: the error names the path, the places and the page.
    write(
        &root,
        "templates/page.html",
        "{{ resize_image(path='/content/a/missing.jpg', width=10, op='fit_width') }}",
    );
    let err = stderr(&build(&root, &[]));
    assert!(
        err.contains("cannot find file `/content/a/missing.jpg`")
            && err.contains("looked for `content/a/missing.jpg` in the site directory `")
            && err.contains("`, static/, content/, the build's compiled Sass and search indexes")
            && err.contains("a.md"),
        "{err}"
    );
    // A generated file is not an image source.
    write(
        &root,
        "templates/page.html",
        "{{ get_image_metadata(path='s.css') }}",
    );
    let err = stderr(&build(&root, &[]));
    assert!(
        err.contains("`s.css`") && err.contains("not a source file"),
        "{err}"
    );
}

#[test]
fn content_paths_of_get_page_and_get_section_compare_as_components() {
    let (_tmp, root) = site("");
    write(
        &root,
        "content/blog/_index.md",
        "+++\ntitle = \"Blog\"\n+++\n",
    );
    write(&root, "content/blog/b.md", "+++\ntitle = \"B\"\n+++\n");
    write(
        &root,
        "templates/page.html",
        "{% set a = get_page(path='./a.md') %}{% set b = get_page(path='blog//b.md') %}{% set c = get_page(path='@/./blog/b.md') %}{% set s = get_section(path='./blog/_index.md') %}{{ a.title }} {{ b.title }} {{ c.title }} {{ s.title }}",
    );
    write(&root, "templates/section.html", "s");
    ok(&root, &[]);
    assert_eq!(read(&root, "a/index.html"), "A B B Blog");
}
