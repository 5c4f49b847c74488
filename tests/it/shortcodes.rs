//! Shortcodes as Zola writes them: `.html` and `.md` templates from the site or its theme,
//! inline and body calls, escapes, errors naming the content file and line, and rebuilds
//! that follow the shortcode templates a page calls.

use std::fs;
use std::path::Path;

use crate::common::{build, write_under as write};

fn read(root: &Path, rel: &str) -> String {
    fs::read_to_string(root.join("public").join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn ok(root: &Path) -> serde_json::Value {
    let out = build(root, &["--format", "json", "--durability", "none"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn site() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    write(
        &root,
        "config.toml",
        "base_url = \"https://s.example\"\ntheme = \"t\"\n",
    );
    write(&root, "templates/page.html", "{{ page.content | safe }}");
    write(
        &root,
        "templates/shortcodes/figure.html",
        "<figure data-n=\"{{ nth }}\" data-w=\"{{ width }}\" data-big=\"{{ big }}\">{{ src }} {{ tags | join(sep='+') }} on {{ page.title }}</figure>",
    );
    write(
        &root,
        "templates/shortcodes/note.html",
        "<aside>{{ body | markdown | safe }}</aside>",
    );
    write(
        &root,
        "templates/shortcodes/list.md",
        "- one {{ what }}\n- two",
    );
    write(
        &root,
        "themes/t/templates/shortcodes/figure.html",
        "theme figure",
    );
    write(
        &root,
        "themes/t/templates/shortcodes/themed.html",
        "<b>from the theme</b>",
    );
    // A site template extending the theme's one it replaces loads with the shortcodes too.
    write(
        &root,
        "themes/t/templates/index.html",
        "{% block main %}{% endblock main %}",
    );
    write(
        &root,
        "templates/index.html",
        "{% extends \"t/templates/index.html\" %}{% block main %}home{% endblock main %}",
    );
    (tmp, root)
}

#[test]
fn calls_expand_as_zola_expands_them() {
    let (_tmp, root) = site();
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\nText before.\n\n{{ figure(src=\"x.png\", width=300 big=true, tags=['a', \"b\"]) }}\n\nInline {{ figure(src='y', width=1, big=false, tags=[]) }} here.\n\n{% note() %}\nSome *emphasis* inside.\n{% end %}\n\n{{ list(what=\"thing\") }}\n\n{{ themed() }}\n\nEscaped: {{/* figure(src=\"z\") */}} and `{{ variable }}`.\n\n```\n{{ themed() }}\n```\n\nInline `{{ themed() }}` code.\n\n<div class=\"raw\">{{ themed() }}</div>\n",
    );
    write(
        &root,
        "content/b.md",
        "+++\ntitle = \"B\"\n+++\nNo calls.\n",
    );
    ok(&root);
    let a = read(&root, "a/index.html");
    for want in [
        "<p>Text before.</p>\n<figure data-n=\"1\" data-w=\"300\" data-big=\"true\">x.png a+b on A</figure>",
        "<p>Inline <figure data-n=\"2\" data-w=\"1\" data-big=\"false\">y  on A</figure> here.</p>",
        "<aside><p>Some <em>emphasis</em> inside.</p>\n</aside>",
        "<li>one thing</li>\n<li>two</li>",
        "<b>from the theme</b>",
        "Escaped: {{ figure(src=\"z\") }} and <code>{{ variable }}</code>.",
        // As in Zola, calls inside code are expanded too (examples escape them).
        "<code>&lt;b&gt;from the theme&lt;/b&gt;",
        "<p>Inline <code>&lt;b&gt;from the theme&lt;/b&gt;</code> code.</p>",
        "<div class=\"raw\"><b>from the theme</b></div>",
    ] {
        assert!(a.contains(want), "{want}\nin\n{a}");
    }
    assert!(
        !a.contains("theme figure"),
        "the site's shortcode wins: {a}"
    );
    assert_eq!(read(&root, "b/index.html"), "<p>No calls.</p>\n");
}

#[test]
fn errors_name_the_file_the_line_and_the_shortcode_and_keep_the_output() {
    let (_tmp, root) = site();
    write(&root, "content/a.md", "+++\ntitle = \"A\"\n+++\nFine.\n");
    ok(&root);
    let before = read(&root, "a/index.html");
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\nFine.\n\n{{ nope(x=1) }}\n",
    );
    let out = build(&root, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("a.md:6: shortcode `nope`: no such shortcode"),
        "{err}"
    );
    assert_eq!(
        read(&root, "a/index.html"),
        before,
        "previous output intact"
    );
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\n\n{% note() %}\nnever closed\n",
    );
    let err = String::from_utf8_lossy(&build(&root, &[]).stderr).into_owned();
    assert!(err.contains("a.md:5:") && err.contains("note"), "{err}");
    // A failing template: the variable it misses.
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\n{{ figure(src=\"x\") }}\n",
    );
    let err = String::from_utf8_lossy(&build(&root, &[]).stderr).into_owned();
    assert!(
        err.contains("a.md:4: shortcode `figure`") && err.contains("width"),
        "{err}"
    );
}

#[test]
fn editing_a_shortcode_renders_again_the_pages_that_call_it() {
    let (_tmp, root) = site();
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\n{{ themed() }}\n",
    );
    write(&root, "content/b.md", "+++\ntitle = \"B\"\n+++\nPlain.\n");
    write(
        &root,
        "content/c.md",
        "+++\ntitle = \"C\"\n+++\n{{ list(what=1) }}\n",
    );
    ok(&root);
    write(
        &root,
        "themes/t/templates/shortcodes/themed.html",
        "<b>changed</b>",
    );
    let summary = ok(&root);
    assert!(read(&root, "a/index.html").contains("<b>changed</b>"));
    assert_eq!(
        summary["written"], 1,
        "only the page calling the shortcode changes: {summary}"
    );
    // A page calling a shortcode that did not exist builds once it is added.
    write(
        &root,
        "content/b.md",
        "+++\ntitle = \"B\"\n+++\n{{ late() }}\n",
    );
    assert!(!build(&root, &[]).status.success());
    write(&root, "templates/shortcodes/late.html", "<i>late</i>");
    ok(&root);
    assert!(read(&root, "b/index.html").contains("<i>late</i>"));
}

#[test]
fn shortcodes_look_up_pages_sections_and_terms_and_follow_their_edits() {
    let (_tmp, root) = site();
    write(
        &root,
        "config.toml",
        "base_url = \"https://s.example\"\ntheme = \"t\"\ntaxonomies = [{ name = \"tags\" }]\n",
    );
    write(
        &root,
        "templates/shortcodes/ref.html",
        "{% set p = get_page(path=path) %}{% set s = get_section(path='blog/_index.md') %}[{{ p.title }}|{{ s.pages | length }}|{{ get_taxonomy_url(kind='tags', name='rust') | safe }}|{% set t = get_taxonomy_term(kind='tags', term='rust') %}{{ t.page_count }}]",
    );
    write(&root, "content/blog/_index.md", "+++\n+++\n");
    write(
        &root,
        "content/blog/b.md",
        "+++\ntitle = \"Bee\"\n[taxonomies]\ntags = [\"rust\"]\n+++\n",
    );
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\n{{ ref(path=\"blog/b.md\") }}\n",
    );
    ok(&root);
    let a = read(&root, "a/index.html");
    assert!(a.contains("[Bee|1|https://s.example/tags/rust/|1]"), "{a}");
    // The page it looks up changes: the caller follows.
    write(
        &root,
        "content/blog/b.md",
        "+++\ntitle = \"Wasp\"\n[taxonomies]\ntags = [\"rust\"]\n+++\n",
    );
    ok(&root);
    assert!(read(&root, "a/index.html").contains("[Wasp|1|"));
}
