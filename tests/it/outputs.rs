//! Which outputs a build writes, and which one wins when two land on one path: Zola 0.22's
//! rules (`components/site/src/lib.rs`), each on a small fixture of its own.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{build, snapshot, stderr, write_under as write};

fn read(root: &Path, rel: &str) -> String {
    fs::read_to_string(root.join("public").join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .replace("&#x2F;", "/")
}

fn exists(root: &Path, rel: &str) -> bool {
    root.join("public").join(rel).exists()
}

fn ok(root: &Path, extra: &[&str]) -> String {
    let out = build(root, extra);
    assert!(out.status.success(), "{}", stderr(&out));
    stderr(&out)
}

/// A site with minimal templates: each says what it is.
fn site(config: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    write(
        &root,
        "config.toml",
        &format!("base_url = \"https://o.example\"\n{config}"),
    );
    write(&root, "templates/index.html", "home");
    write(
        &root,
        "templates/section.html",
        "section {{ section.title }}{% if paginator %} pager {{ paginator.current_index }} base {{ paginator.base_url }}{% endif %}",
    );
    write(&root, "templates/page.html", "page {{ page.title }}");
    write(
        &root,
        "templates/taxonomy_list.html",
        "list {{ taxonomy.name }}",
    );
    write(
        &root,
        "templates/taxonomy_single.html",
        "term {{ term.name }}{% if paginator %} pager {{ paginator.current_index }} of {{ term.pages | length }}{% endif %}",
    );
    (tmp, root)
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn a_taxonomy_list_wins_over_a_section_at_its_path() {
    let (_tmp, root) = site("taxonomies = [{name = \"tags\"}]\n");
    write(
        &root,
        "content/tags/_index.md",
        "+++\ntitle = \"Tags\"\n+++\n",
    );
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\n[taxonomies]\ntags = [\"x\"]\n+++\n",
    );
    let err = ok(&root, &[]);
    assert_eq!(read(&root, "tags/index.html"), "list tags");
    let warning = "tags/index.html: written by both content/tags/_index.md (section page) and taxonomy `tags` (taxonomy list); the taxonomy list is kept";
    assert_eq!(count(&err, warning), 1, "{err}");
}

#[test]
fn a_taxonomy_term_wins_over_a_page_at_its_path() {
    let (_tmp, root) = site("taxonomies = [{name = \"authors\"}]\n");
    write(&root, "content/authors/_index.md", "+++\n+++\n");
    write(
        &root,
        "content/authors/ann/index.md",
        "+++\ntitle = \"Ann\"\n[taxonomies]\nauthors = [\"ann\"]\n+++\n",
    );
    let err = ok(&root, &[]);
    assert_eq!(read(&root, "authors/ann/index.html"), "term ann");
    assert!(
        err.contains("authors/ann/index.html: written by both content/authors/ann/index.md (page) and term `ann` of taxonomy `authors` (taxonomy term page); the taxonomy term page is kept"),
        "{err}"
    );
}

#[test]
fn a_page_wins_over_an_alias_at_its_path_even_its_own() {
    let (_tmp, root) = site("");
    write(
        &root,
        "content/s.md",
        "+++\ntitle = \"Search\"\npath = \"search\"\naliases = [\"/search\"]\n+++\n",
    );
    write(
        &root,
        "content/b.md",
        "+++\ntitle = \"B\"\naliases = [\"/c/\"]\n+++\n",
    );
    write(&root, "content/c.md", "+++\ntitle = \"C\"\n+++\n");
    let err = ok(&root, &[]);
    assert_eq!(read(&root, "search/index.html"), "page Search");
    assert_eq!(read(&root, "c/index.html"), "page C");
    assert!(err.contains("search/index.html: written by both content/s.md (alias redirect) and content/s.md (page); the page is kept"), "{err}");
    assert!(
        err.contains(
            "c/index.html: written by both content/b.md (alias redirect) and content/c.md (page)"
        ),
        "{err}"
    );
}

#[test]
fn a_static_file_wins_over_generated_outputs_and_sass() {
    let (_tmp, root) = site("compile_sass = true\ngenerate_robots_txt = true\n");
    write(&root, "content/a.md", "+++\ntitle = \"A\"\n+++\n");
    write(&root, "static/a/index.html", "static a");
    write(&root, "static/robots.txt", "static robots");
    write(&root, "static/site.css", "static css");
    write(&root, "sass/site.scss", "a { b { color: red; } }");
    let err = ok(&root, &[]);
    assert_eq!(read(&root, "a/index.html"), "static a");
    assert_eq!(read(&root, "robots.txt"), "static robots");
    assert_eq!(read(&root, "site.css"), "static css");
    for (path, loser) in [
        ("a/index.html", "content/a.md (page)"),
        ("robots.txt", "robots.txt (robots.txt)"),
        ("site.css", "sass/site.scss (Sass output)"),
    ] {
        let warning = format!("{path}: written by both {loser} and static/{path} (static file); the static file is kept");
        assert_eq!(count(&err, &warning), 1, "{warning}\n{err}");
    }
}

#[test]
fn the_same_site_gives_the_same_winners_at_any_thread_count_and_incrementally() {
    let (_tmp, root) = site("taxonomies = [{name = \"tags\"}]\n");
    write(
        &root,
        "content/tags/_index.md",
        "+++\ntitle = \"Tags\"\n+++\n",
    );
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\naliases = [\"/tags/x/\"]\n[taxonomies]\ntags = [\"x\"]\n+++\n",
    );
    write(&root, "static/tags/x/index.html", "static x");
    ok(&root, &["--jobs", "1"]);
    let one = snapshot(&root.join("public"));
    ok(&root, &["--jobs", "4", "--full"]);
    assert_eq!(snapshot(&root.join("public")), one);
    // The static file goes: the term's page takes its path, in an incremental build as in
    // a clean one.
    fs::remove_file(root.join("static/tags/x/index.html")).unwrap();
    ok(&root, &[]);
    assert_eq!(read(&root, "tags/x/index.html"), "term x");
    let incremental = snapshot(&root.join("public"));
    fs::remove_dir_all(root.join("public")).unwrap();
    fs::remove_dir_all(root.join(".sitegen")).ok();
    ok(&root, &[]);
    assert_eq!(snapshot(&root.join("public")), incremental);
}

#[test]
fn paginated_terms_have_a_first_pager_redirect_and_zero_is_no_pagination() {
    let (_tmp, root) = site("taxonomies = [{name = \"tags\", paginate_by = 1}]\n");
    write(
        &root,
        "content/about/_index.md",
        "+++\ntitle = \"About\"\npaginate_by = 0\n+++\n",
    );
    write(
        &root,
        "content/blog/_index.md",
        "+++\ntitle = \"Blog\"\npaginate_by = 1\n+++\n",
    );
    for name in ["a", "b"] {
        write(
            &root,
            &format!("content/blog/{name}.md"),
            &format!("+++\ntitle = \"{name}\"\n[taxonomies]\ntags = [\"t\"]\n+++\n"),
        );
    }
    ok(&root, &[]);
    // A paginated term keeps its pages in `term.pages`, as in Zola.
    assert_eq!(
        read(&root, "tags/t/page/2/index.html"),
        "term t pager 2 of 2"
    );
    assert!(read(&root, "tags/t/page/1/index.html").contains("url=https://o.example/tags/t/"));
    assert!(read(&root, "blog/page/1/index.html").contains("url=https://o.example/blog/"));
    // Zola's paginator `base_url` ends with the paginate path: `base_url ~ 2` is pager 2.
    assert!(
        read(&root, "blog/index.html").ends_with("base https://o.example/blog/page/"),
        "{}",
        read(&root, "blog/index.html")
    );
    assert_eq!(read(&root, "about/index.html"), "section About");
    assert!(!exists(&root, "about/page/1/index.html"));
}

#[test]
fn a_taxonomy_without_terms_writes_nothing() {
    let (_tmp, root) = site(
        "taxonomies = [{name = \"tags\"}, {name = \"categories\"}]\n[languages.fr]\ntaxonomies = [{name = \"tags\"}]\n",
    );
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\n[taxonomies]\ntags = [\"x\"]\n+++\n",
    );
    ok(&root, &[]);
    assert!(exists(&root, "tags/index.html") && exists(&root, "tags/x/index.html"));
    assert!(!exists(&root, "categories/index.html"));
    assert!(!exists(&root, "fr/tags/index.html"));
}

#[test]
fn term_feeds_only_with_feed_true() {
    let (_tmp, root) = site("taxonomies = [{name = \"tags\", feed = true}, {name = \"cats\"}]\n");
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\ndate = 2024-01-01\n[taxonomies]\ntags = [\"x\"]\ncats = [\"y\"]\n+++\n",
    );
    ok(&root, &[]);
    assert!(read(&root, "tags/x/atom.xml").contains("<title>A</title>"));
    assert!(exists(&root, "cats/y/index.html") && !exists(&root, "cats/y/atom.xml"));
}

#[test]
fn the_default_language_feed_needs_the_top_level_generate_feeds() {
    let (_tmp, root) = site(
        "default_language = \"en\"\n[languages.en]\ngenerate_feeds = true\n[languages.fr]\ngenerate_feeds = true\n",
    );
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\ndate = 2024-01-01\n+++\n",
    );
    write(
        &root,
        "content/a.fr.md",
        "+++\ntitle = \"Fa\"\ndate = 2024-01-01\n+++\n",
    );
    let err = ok(&root, &[]);
    assert!(!exists(&root, "atom.xml"));
    assert!(read(&root, "fr/atom.xml").contains("Fa"));
    let warning = "`generate_feeds` in [languages.en] does not make the default language's feed";
    assert_eq!(count(&err, warning), 1, "{err}");
}

#[test]
fn pages_their_section_cannot_sort_are_not_written_unless_orphans() {
    let (_tmp, root) = site("");
    write(&root, "content/_index.md", "+++\nsort_by = \"date\"\n+++\n");
    write(
        &root,
        "content/dated.md",
        "+++\ntitle = \"D\"\ndate = 2024-01-01\n+++\n",
    );
    write(&root, "content/undated.md", "+++\ntitle = \"U\"\n+++\n");
    // No `_index.md` in `loose/`: an orphan page, written whatever the sort above.
    write(
        &root,
        "content/loose/orphan.md",
        "+++\ntitle = \"O\"\n+++\n",
    );
    ok(&root, &[]);
    assert_eq!(read(&root, "dated/index.html"), "page D");
    assert!(!exists(&root, "undated/index.html"));
    assert_eq!(read(&root, "loose/orphan/index.html"), "page O");
}

#[test]
fn search_indexes_need_the_top_level_build_search_index() {
    let (_tmp, root) = site("[languages.fr]\nbuild_search_index = true\n");
    write(&root, "content/a.md", "+++\ntitle = \"A\"\n+++\nWords.\n");
    write(
        &root,
        "content/a.fr.md",
        "+++\ntitle = \"Fa\"\n+++\nMots.\n",
    );
    let err = ok(&root, &[]);
    assert!(!exists(&root, "search_index.fr.js") && !exists(&root, "search_index.en.js"));
    assert!(
        err.contains("`build_search_index` in [languages.fr] makes no index without the top-level"),
        "{err}"
    );
    // With it, the default language's index and each other one that asks.
    let config = fs::read_to_string(root.join("config.toml")).unwrap();
    let config = config.replacen("\n", "\nbuild_search_index = true\n", 1);
    write(&root, "config.toml", &config);
    ok(&root, &[]);
    assert!(exists(&root, "search_index.en.js") && exists(&root, "search_index.fr.js"));
}

#[test]
fn the_sitemap_lists_numbered_pagers_of_sections_and_terms_as_zola() {
    let (_tmp, root) = site("taxonomies = [{name = \"tags\", paginate_by = 1}]\n");
    write(
        &root,
        "content/blog/_index.md",
        "+++\ntitle = \"Blog\"\npaginate_by = 1\n+++\n",
    );
    for name in ["a", "b"] {
        write(
            &root,
            &format!("content/blog/{name}.md"),
            &format!("+++\ntitle = \"{name}\"\n[taxonomies]\ntags = [\"t\"]\n+++\n"),
        );
    }
    ok(&root, &[]);
    let sitemap = read(&root, "sitemap.xml");
    for loc in [
        "https://o.example/blog/",
        "https://o.example/blog/page/1/",
        "https://o.example/blog/page/2/",
        "https://o.example/tags/",
        "https://o.example/tags/t/",
        "https://o.example/tags/t/page/1/",
        "https://o.example/tags/t/page/2/",
    ] {
        assert_eq!(
            count(&sitemap, &format!("<loc>{loc}</loc>")),
            1,
            "{loc}\n{sitemap}"
        );
    }
    // `exclude_paginated_pages_in_sitemap = "all"`: the sections and terms only.
    let config = fs::read_to_string(root.join("config.toml")).unwrap();
    write(
        &root,
        "config.toml",
        &format!("exclude_paginated_pages_in_sitemap = \"all\"\n{config}"),
    );
    ok(&root, &[]);
    let sitemap = read(&root, "sitemap.xml");
    assert!(!sitemap.contains("/page/"), "{sitemap}");
    assert!(
        sitemap.contains("<loc>https://o.example/tags/t/</loc>"),
        "{sitemap}"
    );
}
