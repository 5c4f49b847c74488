//! Tests of [`super`]: the places, their order, output-directory paths, records, errors.

use super::*;
use std::fs;

fn site() -> (tempfile::TempDir, FileScope) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (file, text) in [
        ("data.toml", "root"),
        ("static/data.toml", "static"),
        ("static/only-static.txt", "static"),
        ("content/blog/post.txt", "content"),
        ("content/only-content.txt", "content"),
        ("themes/t/static/only-theme.txt", "theme"),
        ("themes/t/static/only-static.txt", "theme"),
        ("public/style.css", "output"),
    ] {
        let path = root.join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        crate::output::atomic_write(path, text).unwrap();
    }
    let scope = FileScope::new(
        root.to_path_buf(),
        Some(PathBuf::from("themes/t")),
        root.join(".sitegen/cache"),
        Network::Offline,
    );
    (dir, scope)
}

fn found(scope: &FileScope, path: &str) -> String {
    let file = scope.resolve("f", path).unwrap().unwrap();
    fs::read_to_string(file).unwrap()
}

#[test]
fn searches_in_zolas_order() {
    let (_dir, scope) = site();
    assert_eq!(found(&scope, "data.toml"), "root");
    assert_eq!(found(&scope, "/data.toml"), "root");
    assert_eq!(found(&scope, "only-static.txt"), "static");
    assert_eq!(found(&scope, "only-content.txt"), "content");
    assert_eq!(found(&scope, "only-theme.txt"), "theme");
    assert_eq!(found(&scope, "@/blog/post.txt"), "content");
    assert_eq!(found(&scope, "content/blog/post.txt"), "content");
    assert_eq!(found(&scope, "/content/blog/post.txt"), "content");
    assert_eq!(found(&scope, "static/../data.toml"), "root");
    assert!(scope.resolve("f", "nothing.txt").unwrap().is_none());
    // A previous build's output on disk is not what this build generates.
    assert!(scope.resolve("f", "style.css").unwrap().is_none());
}

fn generated(scope: &FileScope) {
    let mut files = Generated::default();
    files.add_bytes("style.css", "compiled Sass", b"generated".to_vec());
    files.add_bytes("only-static.txt", "compiled Sass", b"generated".to_vec());
    files.add_bytes("only-theme.txt", "compiled Sass", b"generated".to_vec());
    scope.set_generated(files);
}

fn read(scope: &FileScope, path: &str) -> String {
    let found = scope.find_existing("f", path).unwrap();
    String::from_utf8(scope.read("f", &found).unwrap().to_vec()).unwrap()
}

#[test]
fn generated_files_come_after_content_and_before_the_theme() {
    let (dir, scope) = site();
    generated(&scope);
    assert_eq!(read(&scope, "style.css"), "generated");
    assert_eq!(read(&scope, "/style.css"), "generated");
    assert_eq!(read(&scope, "only-static.txt"), "static");
    assert_eq!(read(&scope, "only-theme.txt"), "generated");
    let err = scope.resolve("resize_image", "style.css").unwrap_err();
    assert!(err.to_string().contains("not a source file"), "{err}");
    // Generated files are not inputs.
    assert!(!scope
        .files_read()
        .contains(&dir.path().join("public/style.css")));
    assert_eq!(
        scope.static_dirs(),
        vec![
            dir.path().join("static"),
            dir.path().join("themes/t/static")
        ]
    );
}

#[test]
fn a_path_into_the_output_dir_is_the_generated_file_never_the_disk() {
    let (dir, scope) = site();
    let scope = scope.with_output_dirs([
        PathBuf::from("public"),
        dir.path().join("./public"),
        PathBuf::from("/elsewhere/out"),
    ]);
    // Before the generated files are known, nothing is there (not the stale file).
    assert!(scope
        .find("load_data", "public/style.css")
        .unwrap()
        .is_none());
    let err = scope.missing("load_data", "public/style.css").to_string();
    assert!(err.contains("`public` is the output directory"), "{err}");
    generated(&scope);
    let found = |path: &str| {
        let found = scope.find_existing("load_data", path).unwrap();
        String::from_utf8(scope.read("f", &found).unwrap().to_vec()).unwrap()
    };
    // Rendering two templates, outside a render (re-checking a kept output), twice.
    super::super::rendering_template("page.html", || found("public/style.css"));
    super::super::rendering_template("index.html", || found("/public/style.css"));
    found("public/style.css");
    assert_eq!(found("public/style.css"), "generated");
    assert!(scope
        .find("load_data", "public/data.toml")
        .unwrap()
        .is_none());
    assert!(!scope
        .files_read()
        .iter()
        .any(|f| f.starts_with(dir.path().join("public"))));
    let warnings = scope.accepted_warnings();
    // Sorted by function and path: one for each spelling.
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[1].contains("templates `page.html`:")
            && warnings[1].contains("`load_data(path=\"public/style.css\")`")
            && warnings[1].contains("accepted as `style.css`")
            && warnings[1].contains("compiled Sass"),
        "{warnings:?}"
    );
    assert!(
        warnings[0].contains("templates `index.html`:"),
        "{warnings:?}"
    );
}

/// Each candidate is resolved by its text, in Zola's order: `../theme.toml` asked from a
/// page is not a file at `<root>/../theme.toml`, and is `<root>/static/../theme.toml`. Only a
/// candidate that is a file outside the site is refused.
#[test]
fn candidates_resolve_by_text_and_a_file_outside_the_site_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    for (file, text) in [
        ("site/theme.toml", "theme config"),
        ("site/static/2020/img.txt", "img"),
        ("secret", "outside"),
    ] {
        let path = dir.path().join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        crate::output::atomic_write(path, text).unwrap();
    }
    let scope = FileScope::new(
        root.clone(),
        None,
        root.join(".sitegen/cache"),
        Network::Offline,
    );
    assert_eq!(found(&scope, "../theme.toml"), "theme config");
    assert_eq!(found(&scope, "../static//2020/img.txt"), "img");
    assert_eq!(found(&scope, "@/../static/2020/img.txt"), "img");
    for path in [
        "../secret",
        "static/../../secret",
        "@/../../secret",
        "a/../../secret",
    ] {
        let err = scope.resolve("get_hash", path).unwrap_err().to_string();
        assert!(err.contains("get_hash") && err.contains(path), "{err}");
        assert!(err.contains("outside the site"), "{err}");
    }
    assert!(scope.resolve("f", "../../nowhere").unwrap().is_none());
    assert!(scope.resolve("f", "").is_err());
    assert!(scope.resolve("f", "static/..").is_err());
}

#[test]
fn records_what_it_resolves_and_where_it_looked() {
    let (dir, scope) = site();
    found(&scope, "only-theme.txt");
    found(&scope, "@/blog/post.txt");
    let _ = scope.resolve("f", "missing.txt");
    let read = scope.files_read();
    for want in [
        "content/blog/post.txt",
        "themes/t/static/only-theme.txt",
        // Looked at before the theme's copy was found: creating it changes the result.
        "static/only-theme.txt",
        // Missing everywhere: creating it changes the result too.
        "missing.txt",
        "static/missing.txt",
    ] {
        assert!(read.contains(&dir.path().join(want)), "{want} in {read:?}");
    }
}

#[test]
fn missing_file_error_names_function_and_path() {
    let (_dir, scope) = site();
    let err = scope
        .resolve_existing("get_hash", "/nope.js")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("get_hash") && err.contains("/nope.js"),
        "{err}"
    );
    assert!(
        err.contains("looked for `nope.js` in the site directory `")
            && err.contains("`, static/, content/")
            && err.contains("themes/t/static/"),
        "{err}"
    );
}
