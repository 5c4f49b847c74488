//! Values templates see, written as Zola 0.22 writes them: `page.date` as the front matter
//! gave it, and tables and objects in the order their file gives (Zola builds Tera with
//! `preserve_order`), so `group_by` and `for key, value in ...` list what Zola lists.

use std::fs;
use std::path::Path;

use crate::common::{build, write_under as write};

fn read(root: &Path, rel: &str) -> String {
    fs::read_to_string(root.join("public").join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn built_site() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        "config.toml",
        "base_url = \"https://v.example\"\n[extra.links]\nzulu = \"1\"\nalpha = \"2\"\nmike = \"3\"\n",
    );
    write(
        root,
        "content/blog/_index.md",
        "+++\ntitle = \"Blog\"\nsort_by = \"date\"\n+++\n",
    );
    write(
        root,
        "content/blog/new.md",
        "+++\ntitle = \"New\"\ndate = 2021-03-01\n[extra]\nzeta = 1\nalpha = 2\n+++\n",
    );
    write(
        root,
        "content/blog/mid.md",
        "+++\ntitle = \"Mid\"\ndate = 2020-12-31T10:00:00Z\n+++\n",
    );
    write(
        root,
        "content/blog/2019-05-04-old.md",
        "+++\ntitle = \"Old\"\n+++\n",
    );
    write(
        root,
        "content/blog/yaml.md",
        "---\ntitle: Yaml\ndate: 2018-01-02 03:04:05\n---\n",
    );
    write(root, "data/d.json", "{\"zz\": 1, \"aa\": 2, \"mm\": 3}");
    write(
        root,
        "templates/section.html",
        "{% for year, ps in section.pages | group_by(attribute=\"year\") %}[{{ year }}:{% for p in ps %}{{ p.date }};{% endfor %}]{% endfor %}\
         |{% for k, v in config.extra.links %}{{ k }}={{ v }},{% endfor %}\
         |{% set d = load_data(path=\"data/d.json\") %}{% for k, v in d %}{{ k }},{% endfor %}",
    );
    write(
        root,
        "templates/page.html",
        "{% for k, v in page.extra %}{{ k }},{% endfor %}|{{ page.date }}",
    );
    write(root, "templates/index.html", "home");
    let out = build(root, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tmp
}

#[test]
fn dates_are_the_front_matters_text_and_groups_keep_the_page_order() {
    let tmp = built_site();
    let section = read(tmp.path(), "blog/index.html");
    let groups = section.split('|').next().unwrap();
    // Newest first, and `group_by` keeps the order it meets the years in. The dates: a
    // TOML date and datetime as TOML writes them, a file name's as written, a YAML text
    // that TOML reads as a datetime written as TOML writes it.
    assert_eq!(
        groups,
        "[2021:2021-03-01;][2020:2020-12-31T10:00:00Z;][2019:2019-05-04;][2018:2018-01-02T03:04:05;]"
    );
    assert_eq!(
        read(tmp.path(), "blog/mid/index.html"),
        "|2020-12-31T10:00:00Z"
    );
}

#[test]
fn tables_and_objects_keep_their_files_order() {
    let tmp = built_site();
    let section = read(tmp.path(), "blog/index.html");
    let parts: Vec<&str> = section.split('|').collect();
    assert_eq!(parts[1], "zulu=1,alpha=2,mike=3,");
    assert_eq!(parts[2], "zz,aa,mm,");
    assert_eq!(
        read(tmp.path(), "blog/new/index.html"),
        "zeta,alpha,|2021-03-01"
    );
}

/// `get_url` and `get_taxonomy_url` are safe functions in Zola: their URLs are written
/// unescaped, in templates and in shortcodes (also inside a code block, where the shortcode's
/// output is escaped once, as code).
#[test]
fn url_functions_are_not_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        "config.toml",
        "base_url = \"https://u.example/sub\"\ntaxonomies = [{ name = \"tags\" }]\n",
    );
    write(
        root,
        "templates/shortcodes/link.html",
        "{{ get_url(path=p) }}",
    );
    write(
        root,
        "content/a.md",
        "+++\ntitle = \"A\"\n[taxonomies]\ntags = [\"x y\"]\n+++\n```text\nsee {{ link(p=\"about\") }}\n```\n",
    );
    write(
        root,
        "templates/page.html",
        "[{{ get_url(path=\"css/site.css\") }}][{{ get_taxonomy_url(kind=\"tags\", name=\"x y\") }}]{{ page.content | safe }}",
    );
    write(root, "templates/index.html", "home");
    let out = build(root, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a = read(root, "a/index.html");
    assert!(
        a.starts_with("[https://u.example/sub/css/site.css][https://u.example/sub/tags/x-y/]"),
        "{a}"
    );
    assert!(a.contains("see https://u.example/sub/about"), "{a}");
}

/// `word_count` and `reading_time` count the body as written (Zola's rule: Unicode words
/// outside ``` fences, shortcode calls and link destinations included), not the rendered text.
#[test]
fn word_counts_are_of_the_written_body() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "config.toml", "base_url = \"https://w.example\"\n");
    write(
        root,
        "templates/shortcodes/sc.html",
        "<b>shortcode output</b>",
    );
    write(
        root,
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\nOne [two](https://x.example/three) {{ sc(n=4) }}\n\n```rust\nlet hidden = 1;\n```\n",
    );
    write(
        root,
        "templates/page.html",
        "{{ page.word_count }}/{{ page.reading_time }}",
    );
    write(root, "templates/index.html", "home");
    let out = build(root, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // One, two, https, x.example, three, sc, n, 4.
    assert_eq!(read(root, "a/index.html"), "8/1");
}
