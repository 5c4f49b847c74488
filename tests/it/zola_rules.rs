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

/// Every language's index is in the top-level `index_format`, and a Fuse index takes the
/// top-level `[search]` settings: a Chinese language under `fuse_json` builds (elasticlunr
/// has no stemmer for it, and Zola does not ask for one).
#[test]
fn every_language_takes_the_top_level_index_format_and_fuse_settings() {
    let (_tmp, root) = site(
        "base_url = \"https://s.example\"\ndefault_language = \"en\"\nbuild_search_index = true\n\n[search]\nindex_format = \"fuse_json\"\ninclude_description = true\n\n[languages.zh]\nbuild_search_index = true\n\n[languages.ja]\nbuild_search_index = true\n[languages.ja.search]\ninclude_path = true\n",
    );
    write(&root, "templates/index.html", "home");
    write(&root, "templates/page.html", "{{ page.title }}");
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\ndescription = \"en d\"\n+++\nhello\n",
    );
    write(
        &root,
        "content/a.zh.md",
        "+++\ntitle = \"甲\"\ndescription = \"zh d\"\n+++\n你好\n",
    );
    write(
        &root,
        "content/a.ja.md",
        "+++\ntitle = \"あ\"\n+++\nこんにちは\n",
    );
    let stderr = ok(&root);
    let zh = read(&root, "search_index.zh.json");
    assert!(zh.contains("\"description\":\"zh d\""), "{zh}");
    assert!(!root.join("public/search_index.zh.js").exists());
    // Zola's Fuse index reads only the top-level settings: the language's own is ignored,
    // with a warning naming it.
    let ja = read(&root, "search_index.ja.json");
    assert!(!ja.contains("\"path\""), "{ja}");
    assert!(
        stderr.contains("`[languages.ja.search]` is ignored"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("[languages.ja.search]").count(),
        1,
        "{stderr}"
    );
    assert!(!stderr.contains("languages.zh"), "{stderr}");
}

/// `get_section`/`get_page` with `lang` on a path that already names that language: built
/// as Zola 0.18 did (the path as named), with one warning naming the template; Zola 0.19+
/// looks for `_index.ru.ru.md`. Any other missing path stays an error.
#[test]
fn a_path_that_already_names_the_language_is_found_the_older_way_with_a_warning() {
    let (_tmp, root) = site(
        "base_url = \"https://l.example\"\ndefault_language = \"en\"\n\n[languages.ru]\n[languages.fr]\n",
    );
    write(
        &root,
        "templates/index.html",
        "{% set s = get_section(path=\"reference/_index.ru.md\", lang=\"ru\") %}[{{ s.title }}]\
         {% set p = get_page(path=\"reference/a.ru.md\", lang=\"ru\") %}[{{ p.title }}]\
         {% set q = get_page(path=\"reference/a.md\", lang=\"ru\") %}[{{ q.title }}]",
    );
    write(&root, "templates/section.html", "s");
    write(&root, "templates/page.html", "p");
    write(
        &root,
        "content/reference/_index.md",
        "+++\ntitle = \"Reference\"\n+++\n",
    );
    write(
        &root,
        "content/reference/_index.ru.md",
        "+++\ntitle = \"Справка\"\n+++\n",
    );
    write(&root, "content/reference/a.md", "+++\ntitle = \"A\"\n+++\n");
    write(
        &root,
        "content/reference/a.ru.md",
        "+++\ntitle = \"А\"\n+++\n",
    );
    let stderr = ok(&root);
    assert_eq!(read(&root, "index.html"), "[Справка][А][А]");
    assert!(
        stderr.contains("index.html: `get_section(path=\"reference/_index.ru.md\", lang=\"ru\")` names the language twice: Zola 0.19 and later look for `reference/_index.ru.ru.md`"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("names the language twice").count(),
        2,
        "{stderr}"
    );
    // Another language than the one named, or a file that is not there: still errors.
    for call in [
        "get_section(path=\"reference/_index.ru.md\", lang=\"fr\")",
        "get_section(path=\"reference/_index.de.md\", lang=\"ru\")",
    ] {
        write(
            &root,
            "templates/index.html",
            &format!("{{% set s = {call} %}}"),
        );
        let out = build(&root, &[]);
        assert!(!out.status.success(), "{call}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("no section"),
            "{call}"
        );
    }
}

/// The same rule in a shortcode's `get_page`/`get_section`: found as named, with a warning;
/// `./` and `//` in the path read as in the templates' functions.
#[test]
fn a_shortcode_finds_a_path_that_names_its_language_as_templates_do() {
    let (_tmp, root) =
        site("base_url = \"https://l.example\"\ndefault_language = \"en\"\n\n[languages.ru]\n");
    write(&root, "templates/index.html", "i");
    write(&root, "templates/section.html", "s");
    write(&root, "templates/page.html", "{{ page.content | safe }}");
    write(
        &root,
        "templates/shortcodes/ref.html",
        "{% set s = get_section(path=\"reference/_index.ru.md\", lang=\"ru\") %}[{{ s.title }}]\
         {% set p = get_page(path=\"./reference//a.md\", lang=\"ru\") %}[{{ p.title }}]",
    );
    write(
        &root,
        "content/reference/_index.md",
        "+++\ntitle = \"R\"\n+++\n",
    );
    write(
        &root,
        "content/reference/_index.ru.md",
        "+++\ntitle = \"Справка\"\n+++\n",
    );
    write(&root, "content/reference/a.md", "+++\ntitle = \"A\"\n+++\n");
    write(
        &root,
        "content/reference/a.ru.md",
        "+++\ntitle = \"А\"\n+++\n",
    );
    write(
        &root,
        "content/b.md",
        "+++\ntitle = \"B\"\n+++\n{{ ref() }}\n",
    );
    let stderr = ok(&root);
    assert!(
        read(&root, "b/index.html").contains("[Справка][А]"),
        "{}",
        read(&root, "b/index.html")
    );
    assert!(
        stderr.contains("a shortcode: `get_section(path=\"reference/_index.ru.md\", lang=\"ru\")` names the language twice"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("names the language twice").count(),
        1,
        "{stderr}"
    );
}

/// `[link_checker] internal_level = "warn"`: a broken `@/` link is a warning and kept as
/// written wherever it is resolved (a body, a Markdown shortcode, the `markdown` filter);
/// under the default level each one is still an error.
#[test]
fn internal_level_warn_makes_broken_internal_links_warnings_everywhere() {
    let (_tmp, root) = site(
        "base_url = \"https://w.example\"\n\n[link_checker]\ninternal_level = \"warn\"\n\n[extra]\nnote = \"see [x](@/missing.md)\"\n",
    );
    write(
        &root,
        "templates/page.html",
        "{{ page.content | safe }}|{{ config.extra.note | markdown(inline=true) | safe }}",
    );
    write(&root, "templates/index.html", "home");
    write(&root, "templates/shortcodes/see.md", "[also](@/gone.md)");
    write(
        &root,
        "content/p.md",
        "+++\ntitle = \"P\"\n+++\nA [broken](@/nope.md#a) link. {{ see() }}\n",
    );
    let stderr = ok(&root);
    let html = read(&root, "p/index.html");
    for kept in [
        "href=\"@/nope.md#a\"",
        "href=\"@/gone.md\"",
        "href=\"@/missing.md\"",
    ] {
        assert!(html.contains(kept), "{kept}: {html}");
    }
    for warned in [
        "p.md: broken internal link `@/nope.md#a` kept as written",
        "p.md: broken internal link `@/gone.md` kept as written",
        "page.html: broken internal link `@/missing.md` in the text of filter `markdown` kept as written",
    ] {
        assert_eq!(stderr.matches(warned).count(), 1, "{warned}: {stderr}");
    }
    // The default level: each is an error again.
    for (config, file) in [
        ("[extra]\nnote = \"fine\"\n", "content/p.md"),
        ("[extra]\nnote = \"see [x](@/missing.md)\"\n", "page.html"),
    ] {
        write(
            &root,
            "config.toml",
            &format!("base_url = \"https://w.example\"\n{config}"),
        );
        if file == "page.html" {
            write(&root, "content/p.md", "+++\ntitle = \"P\"\n+++\nfine\n");
        }
        let out = build(&root, &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains("@/"), "{file}: {err}");
    }
}

/// `@/` links in text passed to the `markdown` filter resolve as in a page body, in any
/// template: a shortcode's too (whose filters used to have no content to resolve against),
/// for a dated file name, a bundle's `index.md` and a section.
#[test]
fn links_through_the_markdown_filter_resolve_as_in_a_body_in_shortcodes_too() {
    let (_tmp, root) = site("base_url = \"https://m.example\"\n");
    write(&root, "templates/index.html", "home");
    write(&root, "templates/section.html", "s");
    write(&root, "templates/page.html", "{{ page.content | safe }}");
    write(
        &root,
        "templates/shortcodes/md.html",
        "{{ body | markdown(inline=true) | safe }}",
    );
    write(&root, "content/blog/_index.md", "+++\ntitle = \"B\"\n+++\n");
    write(
        &root,
        "content/blog/2022-12-08-some-post.md",
        "+++\ntitle = \"S\"\n+++\nx\n",
    );
    write(
        &root,
        "content/blog/bundle/index.md",
        "+++\ntitle = \"Bu\"\n+++\nx\n",
    );
    write(
        &root,
        "content/other.md",
        "+++\ntitle = \"O\"\n+++\n{% md() %}[s](@/blog/2022-12-08-some-post.md) [t](@/blog/bundle/index.md#top) [u](@/blog/_index.md){% end %}\n",
    );
    ok(&root);
    let html = read(&root, "other/index.html");
    assert!(
        html.contains("<a href=\"https://m.example/blog/some-post/\">s</a> <a href=\"https://m.example/blog/bundle/#top\">t</a> <a href=\"https://m.example/blog/\">u</a>"),
        "{html}"
    );
    // A link to nothing stays an error there, naming it.
    write(
        &root,
        "content/other.md",
        "+++\ntitle = \"O\"\n+++\n{% md() %}[x](@/blog/nope.md){% end %}\n",
    );
    let out = build(&root, &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("@/blog/nope.md"));
}

/// The pages that are not pages, sections or taxonomy pages get exactly Zola's context: a
/// base template that reads `page` when `current_path` is set renders Zola's 404 (which has
/// no `current_path`), and so do feeds; robots.txt has `config` alone, the sitemap `entries`.
#[test]
fn special_pages_get_zolas_context_and_no_more() {
    let (_tmp, root) = site("base_url = \"https://c.example\"\ngenerate_feeds = true\n");
    let probe = "{% if current_path is defined %}path {{ current_path | safe }} {{ page.title }}{% else %}no path{% endif %}|\
                 {% if current_url is defined %}url{% endif %}|{% if lang is defined %}lang {{ lang }}{% endif %}|\
                 {% if config is defined %}config{% endif %}|{% if page is defined or section is defined %}content{% endif %}";
    write(&root, "templates/base.html", probe);
    write(&root, "templates/404.html", "{% extends \"base.html\" %}");
    write(&root, "templates/page.html", "{% extends \"base.html\" %}");
    write(&root, "templates/index.html", "home");
    write(&root, "templates/robots.txt", probe);
    write(
        &root,
        "templates/atom.xml",
        &format!("{probe}|{{% if last_updated is defined %}}updated{{% endif %}}|{{{{ feed_url | safe }}}}|{{{{ pages | length }}}}"),
    );
    write(
        &root,
        "templates/sitemap.xml",
        "{% if config is defined %}config{% endif %}|{% if lang is defined %}lang{% endif %}|{{ entries | length }}",
    );
    write(
        &root,
        "content/p.md",
        "+++\ntitle = \"P\"\ndate = 2024-01-02\n+++\nx\n",
    );
    ok(&root);
    assert_eq!(read(&root, "404.html"), "no path||lang en|config|");
    assert_eq!(read(&root, "robots.txt"), "no path|||config|");
    assert_eq!(
        read(&root, "atom.xml"),
        "no path||lang en|config||updated|https://c.example/atom.xml|1"
    );
    assert_eq!(read(&root, "sitemap.xml"), "||2");
    assert_eq!(
        read(&root, "p/index.html"),
        "path /p/ P|url|lang en|config|content"
    );
}

/// The file functions look through Zola's candidates in Zola's order, each resolved by its
/// text: `../theme.toml` asked from a template is `static/../theme.toml`, the site's own
/// `theme.toml`, as in Zola. A candidate that is a file outside the site is refused.
#[test]
fn file_functions_resolve_each_candidate_and_refuse_only_a_file_outside_the_site() {
    let (tmp, root) = site("base_url = \"https://f.example\"\n");
    write(&root, "theme.toml", "name = \"mine\"\n");
    write(
        &root,
        "static/2020/img.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"30\" height=\"20\"></svg>",
    );
    write(
        &root,
        "templates/index.html",
        "{% set t = load_data(path=\"../theme.toml\") %}{{ t.name }} \
         {% set m = get_image_metadata(path=\"../static//2020/img.svg\") %}{{ m.width }}x{{ m.height }}",
    );
    ok(&root);
    assert_eq!(read(&root, "index.html"), "mine 30x20");
    write(tmp.path(), "secret.toml", "key = \"outside\"\n");
    write(
        &root,
        "templates/index.html",
        "{% set t = load_data(path=\"../secret.toml\") %}{{ t.key }}",
    );
    let out = build(&root, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("`../secret.toml` is outside the site directory"),
        "{err}"
    );
}
