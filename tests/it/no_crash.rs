//! Inputs that used to crash the build or write into the sources: templates that call
//! themselves, an output directory inside the site's inputs, and what a search of the other
//! inputs found (a data file too large to read, an alias out of the output directory, a term
//! whose slug is empty). Each refusal ends with exit code 1, an error naming the culprit, and
//! the previous output and the sources byte-identical.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{build, snapshot, stderr, write_under as write};

fn site() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    write(&root, "config.toml", "base_url = \"https://n.example\"\n");
    write(&root, "templates/index.html", "home");
    write(&root, "templates/page.html", "{{ page.title }}");
    write(&root, "content/a.md", "+++\ntitle = \"A\"\n+++\nBody.\n");
    write(&root, "static/s.txt", "static");
    write(&root, "sass/x.scss", "a { b: c }");
    write(&root, "data/d.toml", "k = 1");
    let out = build(&root, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    (tmp, root)
}

/// Every file of the sources and the output. (Not sitegen's state: a build ended by the
/// stack guard leaves its in-progress marker there, as a killed one does, for the next
/// build to sweep.)
fn everything(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut all = snapshot(root);
    all.retain(|k, _| !k.starts_with(".sitegen/"));
    all
}

/// Builds and expects a refusal: exit code 1, `needles` in the message, nothing changed.
fn refused(root: &Path, extra: &[&str], needles: &[&str]) -> String {
    let before = everything(root);
    let out = build(root, extra);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for needle in needles {
        assert!(text.contains(needle), "`{needle}` not in: {text}");
    }
    let after = everything(root);
    let changed: Vec<&String> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(changed.is_empty(), "changed: {changed:?}\n{text}");
    text
}

#[test]
fn an_include_cycle_of_one_or_three_is_refused_when_templates_load() {
    let (_tmp, root) = site();
    write(&root, "templates/self.html", "{% include \"self.html\" %}");
    refused(
        &root,
        &[],
        &["templates/self.html", "self.html -> self.html"],
    );
    std::fs::remove_file(root.join("templates/self.html")).unwrap();

    write(&root, "templates/page.html", "{% include \"one.html\" %}");
    write(&root, "templates/one.html", "{% include \"two.html\" %}");
    write(&root, "templates/two.html", "{% include \"three.html\" %}");
    write(
        &root,
        "templates/three.html",
        "{%- include \"one.html\" -%}",
    );
    refused(
        &root,
        &[],
        &["cycle", "one.html -> two.html -> three.html -> one.html"],
    );
}

#[test]
fn a_macro_that_recurses_for_ever_ends_with_an_error_naming_page_and_template() {
    let (_tmp, root) = site();
    write(
        &root,
        "templates/macros.html",
        "{% macro down(n) %}{{ self::down(n=n+1) }}{% endmacro %}",
    );
    write(
        &root,
        "templates/page.html",
        "{% import \"macros.html\" as m %}{{ m::down(n=0) }}",
    );
    let text = refused(
        &root,
        &[],
        &["template `page.html`", "content/a.md", "recursion"],
    );
    assert!(!text.contains("overflowed"), "{text}");
    assert!(common::temps(&root.join("public")).is_empty());
    // Fixed, the next build succeeds (and sweeps what the ended one left).
    write(&root, "templates/page.html", "{{ page.title }}!");
    let out = build(&root, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(root.join("public/a/index.html")).unwrap(),
        "A!"
    );

    // A page template that an include leads back to is a cycle too.
    write(
        &root,
        "templates/page.html",
        "{% set t = \"loop.html\" %}{% include \"loop.html\" %}",
    );
    write(&root, "templates/loop.html", "{% include \"page.html\" %}");
    refused(&root, &[], &["cycle"]);
}

#[test]
fn an_output_directory_in_any_input_is_refused_before_anything_is_written() {
    let (tmp, root) = site();
    write(&root, "themes/t/templates/x.html", "x");
    let cases: Vec<(PathBuf, &str)> = vec![
        (root.join("content"), "the content folder"),
        (root.join("content/out"), "the content folder"),
        (root.join("templates"), "the templates folder"),
        (root.join("static/out"), "the static folder"),
        (root.join("sass"), "the sass folder"),
        (root.join("data"), "the data folder"),
        (root.join("themes/t"), "the theme"),
        (root.clone(), "the site's root"),
        (tmp.path().to_path_buf(), "the site's root"),
    ];
    write(
        &root,
        "config.toml",
        "base_url = \"https://n.example\"\ntheme = \"t\"\ncompile_sass = true\n",
    );
    let out = build(&root, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    for (dir, what) in cases {
        let shown = dir.display().to_string();
        refused(&root, &["--output", &shown], &[what, &shown]);
    }
}

#[test]
fn a_data_file_over_a_gibibyte_is_refused_by_name_before_it_is_read() {
    let (_tmp, root) = site();
    let before = snapshot(&root.join("public"));
    // Sparse: the size is declared, no gibibyte is written to the disk.
    let big = root.join("data/big.json");
    std::fs::File::create(&big)
        .unwrap()
        .set_len((1 << 30) + 1)
        .unwrap();
    write(
        &root,
        "templates/page.html",
        "{% set d = load_data(path=\"data/big.json\") %}{{ page.title }}",
    );
    let out = build(&root, &[]);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for needle in ["big.json", "1 GiB", "load_data", "a.md"] {
        assert!(text.contains(needle), "`{needle}` not in: {text}");
    }
    assert_eq!(snapshot(&root.join("public")), before);
}

#[test]
fn an_alias_that_climbs_out_of_the_output_is_refused_naming_the_page() {
    let (_tmp, root) = site();
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\naliases = [\"old/../../../outside.html\"]\n+++\nBody.\n",
    );
    refused(
        &root,
        &[],
        &["content/a.md", "alias", "outside.html", "`..`"],
    );
}

#[test]
fn a_term_whose_slug_is_empty_takes_the_list_page_with_a_warning_as_in_zola() {
    let (_tmp, root) = site();
    write(
        &root,
        "config.toml",
        "base_url = \"https://n.example\"\ntaxonomies = [{ name = \"tags\" }]\n",
    );
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\n[taxonomies]\ntags = [\"..\"]\n+++\nBody.\n",
    );
    write(&root, "templates/taxonomy_list.html", "list");
    write(
        &root,
        "templates/taxonomy_single.html",
        "term {{ term.name }}",
    );
    let out = build(&root, &[]);
    let text = stderr(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("tags/index.html") && text.contains("term `..`"),
        "{text}"
    );
    let list = std::fs::read_to_string(root.join("public/tags/index.html")).unwrap();
    assert_eq!(list, "term ..");
}

#[test]
fn an_outside_symlink_under_safe_is_refused_naming_it_with_everything_intact() {
    let (tmp, root) = site();
    let outside = tmp.path().join("elsewhere.toml");
    std::fs::write(&outside, "k = 2").unwrap();
    std::os::unix::fs::symlink(&outside, root.join("static/d.toml")).unwrap();
    refused(
        &root,
        &["--safe"],
        &["static/d.toml", "elsewhere.toml", "refused under --safe"],
    );
}
