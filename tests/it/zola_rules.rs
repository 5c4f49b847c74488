//! Zola 0.22's rules where sitegen used to differ, each on a small fixture of its own: which
//! section a page belongs to, what a paginated term's context holds, when a search index is
//! written. (No fetched site is used.)

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{build, write_under as write};

fn read(root: &Path, rel: &str) -> String {
    fs::read_to_string(root.join("public").join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn ok(root: &Path) -> String {
    let out = build(root, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

fn site(config: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    write(&root, "config.toml", config);
    (tmp, root)
}

#[test]
fn a_page_in_a_folder_without_index_md_is_an_orphan_and_a_section_there_has_no_parent() {
    let (_tmp, root) = site("base_url = \"https://o.example\"\n");
    write(
        &root,
        "templates/index.html",
        "pages:{% for p in section.pages %}[{{ p.title }}]{% endfor %} \
         subs:{% for s in section.subsections %}[{{ s }}]{% endfor %}",
    );
    write(
        &root,
        "templates/section.html",
        "section {{ section.title }}",
    );
    write(
        &root,
        "templates/page.html",
        "page {{ page.title }} ancestors:{{ page.ancestors | join(sep=',') }}",
    );
    write(&root, "templates/deep.html", "deep {{ page.title }}");
    write(&root, "content/top.md", "+++\ntitle = \"Top\"\n+++\n");
    // No `pages/_index.md`: an orphan, as in Zola (with no date, so a date filter on the
    // home page's list would fail if it were listed).
    write(
        &root,
        "content/pages/about.md",
        "+++\ntitle = \"About\"\n+++\n",
    );
    // `a/b/_index.md` without `a/_index.md`: in nobody's subsections; its ancestors are the
    // sections on its path that exist (the root), and their `page_template` applies.
    write(
        &root,
        "content/_index.md",
        "+++\npage_template = \"deep.html\"\n+++\n",
    );
    write(&root, "content/a/b/_index.md", "+++\ntitle = \"B\"\n+++\n");
    write(
        &root,
        "content/a/b/inner.md",
        "+++\ntitle = \"Inner\"\n+++\n",
    );
    ok(&root);
    assert_eq!(
        read(&root, "index.html"),
        "pages:[Top] subs:",
        "the orphan and the parentless section are not listed"
    );
    // The orphan is rendered with `page.html` (no ancestors: no inherited template).
    assert_eq!(
        read(&root, "pages/about/index.html"),
        "page About ancestors:"
    );
    assert_eq!(read(&root, "a/b/index.html"), "section B");
    assert_eq!(read(&root, "a/b/inner/index.html"), "deep Inner");
    assert_eq!(read(&root, "top/index.html"), "deep Top");
}

#[test]
fn a_paginated_terms_context_keeps_its_pages() {
    let (_tmp, root) = site(
        "base_url = \"https://t.example\"\ntaxonomies = [{ name = \"tags\", paginate_by = 1 }]\n",
    );
    write(&root, "templates/index.html", "home");
    write(&root, "templates/page.html", "{{ page.title }}");
    write(
        &root,
        "templates/tags/single.html",
        "{{ term.name }}:{% for p in term.pages %}[{{ p.title }}]{% endfor %} \
         pager:{% for p in paginator.pages %}[{{ p.title }}]{% endfor %}",
    );
    write(&root, "templates/tags/list.html", "tags");
    for (name, weight) in [("one", 1), ("two", 2)] {
        write(
            &root,
            &format!("content/{name}.md"),
            &format!(
                "+++\ntitle = \"{name}\"\nweight = {weight}\n[taxonomies]\ntags = [\"t\"]\n+++\n"
            ),
        );
    }
    ok(&root);
    let first = read(&root, "tags/t/index.html");
    let second = read(&root, "tags/t/page/2/index.html");
    for pager in [&first, &second] {
        assert!(pager.starts_with("t:["), "{pager}");
        assert_eq!(
            pager.matches('[').count(),
            3,
            "both pages, one pager: {pager}"
        );
    }
}

#[test]
fn a_languages_search_key_alone_builds_no_index_and_says_so() {
    let (_tmp, root) =
        site("base_url = \"https://s.example\"\n[languages.en]\nbuild_search_index = true\n");
    write(&root, "templates/index.html", "home");
    write(&root, "content/a.md", "+++\ntitle = \"A\"\n+++\nWords.\n");
    write(&root, "templates/page.html", "{{ page.content | safe }}");
    let stderr = ok(&root);
    assert!(
        stderr.contains("`build_search_index` in [languages.en]")
            && stderr.contains("top-level `build_search_index`")
            && stderr.contains("config.toml"),
        "{stderr}"
    );
    assert!(!root.join("public/search_index.en.js").exists());
    assert!(!root.join("public/elasticlunr.min.js").exists());

    // With the top-level key the default language's index is written.
    write(
        &root,
        "config.toml",
        "base_url = \"https://s.example\"\nbuild_search_index = true\n",
    );
    ok(&root);
    assert!(root.join("public/search_index.en.js").exists());
}

#[test]
fn a_page_without_front_matter_or_with_an_undeclared_taxonomy_is_an_error_as_in_zola() {
    let (_tmp, root) =
        site("base_url = \"https://e.example\"\ntaxonomies = [{ name = \"tags\" }]\n");
    write(&root, "templates/index.html", "home");
    write(&root, "templates/page.html", "{{ page.title }}");
    write(&root, "content/good.md", "+++\ntitle = \"Good\"\n+++\n");
    ok(&root);
    let before = read(&root, "good/index.html");
    let refused = |rel: &str, text: &str, needles: &[&str]| {
        write(&root, rel, text);
        let out = build(&root, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        for needle in needles {
            assert!(stderr.contains(needle), "`{needle}` not in {stderr}");
        }
        assert_eq!(read(&root, "good/index.html"), before);
        fs::remove_file(root.join(rel)).unwrap();
    };
    // The opening `+++` forgotten: not a page whose front matter is body text.
    refused(
        "content/bare.md",
        "title = \"Bare\"\n+++\nBody.\n",
        &["content/bare.md:1:", "no front matter"],
    );
    refused(
        "content/topics.md",
        "+++\ntitle = \"T\"\n[taxonomies]\ntags = [\"a\"]\ntopics = [\"b\"]\n+++\n",
        &[
            "content/topics.md:5:",
            "taxonomy `topics` is not declared",
            "`tags`",
        ],
    );
}

/// A site with templates of its own but no `page.html`: Zola renders its placeholder page
/// there; sitegen renders its built-in page and says so, once, naming the first page.
#[test]
fn a_missing_page_template_of_a_templated_site_is_a_warning_naming_the_pages() {
    let (_tmp, root) = site("base_url = \"https://p.example\"\n");
    write(&root, "templates/index.html", "home");
    write(&root, "content/b.md", "+++\ntitle = \"B\"\n+++\nB.\n");
    write(&root, "content/a.md", "+++\ntitle = \"A\"\n+++\nA.\n");
    let stderr = ok(&root);
    assert_eq!(stderr.matches("no `page.html`").count(), 1, "{stderr}");
    assert!(
        stderr.contains("content/a.md and 1 more") && stderr.contains("placeholder"),
        "{stderr}"
    );
    assert!(!stderr.contains("`index.html`"), "{stderr}");
    assert!(read(&root, "a/index.html").contains("A."));

    // A site with no templates at all builds with the built-ins, quietly.
    fs::remove_dir_all(root.join("templates")).unwrap();
    let stderr = ok(&root);
    assert!(!stderr.contains("placeholder"), "{stderr}");
}
