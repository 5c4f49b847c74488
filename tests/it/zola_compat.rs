//! Zola sites build unchanged: content, config and template parity with Zola 0.22, each
//! behaviour on a small fixture of its own (no fetched site is used).

use std::fs;
use std::path::Path;

use crate::common::{build, stderr, write_under as write};

/// An output file, with Tera's escaped `/` turned back (the fixtures print URLs without
/// `| safe`).
fn read(root: &Path, rel: &str) -> String {
    fs::read_to_string(root.join("public").join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .replace("&#x2F;", "/")
}

fn ok(root: &Path, extra: &[&str]) -> String {
    let out = build(root, extra);
    assert!(out.status.success(), "{}", stderr(&out));
    stderr(&out)
}

fn site() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    fs::create_dir_all(&root).unwrap();
    (tmp, root)
}

#[test]
fn front_matter_after_bom_blank_lines_and_empty_front_matter() {
    let (_tmp, root) = site();
    write(&root, "config.toml", "base_url = \"https://z.example\"\n");
    write(
        &root,
        "templates/page.html",
        "[{{ page.title }}|{{ page.extra.k | default(value='') }}]{{ page.content | safe }}",
    );
    write(
        &root,
        "content/bom.md",
        "\u{feff}+++\ntitle = \"Bom\"\n+++\nBody one.\n",
    );
    write(
        &root,
        "content/blank.md",
        "\n\n  \n+++\ntitle = \"Blank\"\n[extra]\nk = \"v\"\n+++\nBody two.\n",
    );
    write(
        &root,
        "content/yaml.md",
        "\r\n---\r\ntitle: Yaml\r\n---\r\nBody three.\n",
    );
    write(&root, "content/empty.md", "+++\n+++\nBody four.\n");
    ok(&root, &[]);
    let bom = read(&root, "bom/index.html");
    assert!(bom.starts_with("[Bom|]"), "{bom}");
    let blank = read(&root, "blank/index.html");
    assert!(blank.starts_with("[Blank|v]"), "{blank}");
    assert!(
        !blank.contains("+++"),
        "front matter is not body text: {blank}"
    );
    assert!(read(&root, "yaml/index.html").starts_with("[Yaml|]"));
    let empty = read(&root, "empty/index.html");
    assert!(
        empty.starts_with("[|]") && empty.contains("Body four."),
        "{empty}"
    );
}

#[test]
fn broken_front_matter_is_an_error_with_file_and_line_and_output_is_kept() {
    let (_tmp, root) = site();
    write(&root, "config.toml", "base_url = \"https://z.example\"\n");
    write(&root, "content/a.md", "+++\ntitle = \"A\"\n+++\nA.\n");
    ok(&root, &[]);
    let before = read(&root, "a/index.html");
    write(
        &root,
        "content/a.md",
        "\n\n+++\ntitle = \"A\"\ndate = = 2\n+++\nA.\n",
    );
    let out = build(&root, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("a.md:5"), "file and line: {err}");
    assert_eq!(
        read(&root, "a/index.html"),
        before,
        "previous output intact"
    );
    write(&root, "content/a.md", "\n+++\ntitle = \"A\"\n");
    let err = stderr(&build(&root, &[]));
    assert!(
        err.contains("a.md:2") && err.contains("never closed"),
        "{err}"
    );
}

#[test]
fn unknown_front_matter_keys_warn_naming_file_and_key() {
    let (_tmp, root) = site();
    write(&root, "config.toml", "base_url = \"https://z.example\"\n");
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\ntemplte = \"x\"\n+++\n",
    );
    write(
        &root,
        "content/s/_index.md",
        "+++\nsort_bye = \"date\"\ntransparent = true\n+++\n",
    );
    let err = ok(&root, &[]);
    assert!(
        err.contains("a.md: unknown front matter key `templte` (did you mean `template`?)"),
        "{err}"
    );
    assert!(
        err.contains("_index.md: unknown front matter key `sort_bye`"),
        "{err}"
    );
    assert!(!err.contains("`transparent`"), "{err}");
}

#[test]
fn dot_files_dot_dirs_and_ignored_content_are_not_content() {
    let (_tmp, root) = site();
    write(
        &root,
        "config.toml",
        "base_url = \"https://z.example\"\nignored_content = [\"*/ignored.md\", \"*.tmp\"]\nignored_static = [\"*.psd\"]\n",
    );
    write(&root, "content/.hidden.md", "+++\n+++\n");
    write(&root, "content/.git/x.md", "+++\n+++\n");
    write(&root, "content/blog/ignored.md", "+++\n+++\n");
    write(&root, "content/blog/kept.md", "+++\n+++\n");
    write(&root, "content/blog/post/index.md", "+++\n+++\n");
    write(&root, "content/blog/post/pic.png", "png");
    write(&root, "content/blog/post/notes.tmp", "tmp");
    write(&root, "static/logo.svg", "<svg/>");
    write(&root, "static/src.psd", "psd");
    ok(&root, &[]);
    let public = root.join("public");
    assert!(public.join("blog/kept/index.html").is_file());
    assert!(public.join("blog/post/pic.png").is_file());
    assert!(public.join("logo.svg").is_file());
    for missing in [
        "hidden/index.html",
        ".git",
        "x/index.html",
        "blog/ignored/index.html",
        "blog/post/notes.tmp",
        "src.psd",
    ] {
        assert!(!public.join(missing).exists(), "{missing} should not exist");
    }
}

#[test]
fn section_keys_redirect_transparent_render_and_pagination() {
    let (_tmp, root) = site();
    write(&root, "config.toml", "base_url = \"https://z.example\"\n");
    write(
        &root,
        "templates/section.html",
        "{{ section.title }}:{% for p in section.pages %}{{ p.title }},{% endfor %}{% if paginator %}|{% for p in paginator.pages %}{{ p.title }},{% endfor %}next={{ paginator.next | default(value='-') }}{% endif %}",
    );
    write(&root, "templates/page.html", "{{ page.title }}");
    write(
        &root,
        "content/old/_index.md",
        "+++\nredirect_to = \"@/posts/_index.md\"\n+++\n",
    );
    write(
        &root,
        "content/posts/_index.md",
        "+++\ntitle = \"Posts\"\nsort_by = \"date\"\npaginate_by = 2\npaginate_path = \"p\"\npaginate_reversed = true\n+++\n",
    );
    write(
        &root,
        "content/posts/2023/_index.md",
        "+++\ntitle = \"Y\"\ntransparent = true\nrender = false\n+++\n",
    );
    for (name, date) in [
        ("a", "2023-01-01"),
        ("b", "2023-02-01"),
        ("c", "2023-03-01"),
    ] {
        write(
            &root,
            &format!("content/posts/2023/{name}.md"),
            &format!("+++\ntitle = \"{name}\"\ndate = {date}\n+++\n"),
        );
    }
    write(
        &root,
        "content/posts/hidden.md",
        "+++\ntitle = \"hidden\"\ndate = 2024-01-01\nrender = false\n+++\n",
    );
    write(
        &root,
        "content/posts/undated.md",
        "+++\ntitle = \"undated\"\n+++\n",
    );
    ok(&root, &[]);
    let redirect = read(&root, "old/index.html");
    assert!(
        redirect.contains("url=https://z.example/posts/"),
        "redirect_to: {redirect}"
    );
    // Transparent: the 2023 pages are the parent's too; render = false: no page of its own;
    // reversed pagination; undated pages cannot be sorted by date and are left out.
    assert!(!root.join("public/posts/2023/index.html").exists());
    assert!(root.join("public/posts/2023/a/index.html").is_file());
    assert!(!root.join("public/posts/hidden/index.html").exists());
    let first = read(&root, "posts/index.html");
    assert!(
        first.starts_with("Posts:|a,b,next=https://z.example/posts/p/2/"),
        "{first}"
    );
    assert_eq!(read(&root, "posts/p/2/index.html"), "Posts:|c,next=-");
    assert!(read(&root, "posts/p/1/index.html").contains("url=https://z.example/posts/"));
    assert!(
        !first.contains("undated") && !first.contains("hidden"),
        "{first}"
    );
    // Zola renders a section's listed pages only: the undated page is not written.
    assert!(!root.join("public/posts/undated/index.html").exists());
}

#[test]
fn sort_orders_and_neighbours_follow_zola() {
    let (_tmp, root) = site();
    write(&root, "config.toml", "base_url = \"https://z.example\"\n");
    write(
        &root,
        "templates/section.html",
        "{% for p in section.pages %}{{ p.title }},{% endfor %}",
    );
    write(
        &root,
        "templates/page.html",
        "{{ page.lower.title | default(value='-') }}<{{ page.title }}>{{ page.higher.title | default(value='-') }}",
    );
    write(
        &root,
        "content/t/_index.md",
        "+++\nsort_by = \"title\"\n+++\n",
    );
    for title in ["a10", "a2", "B1"] {
        write(
            &root,
            &format!("content/t/{title}.md"),
            &format!("+++\ntitle = \"{title}\"\n+++\n"),
        );
    }
    write(
        &root,
        "content/s/_index.md",
        "+++\nsort_by = \"slug\"\n+++\n",
    );
    write(&root, "content/s/zz.md", "+++\ntitle = \"Z\"\n+++\n");
    write(&root, "content/s/aa.md", "+++\ntitle = \"A\"\n+++\n");
    ok(&root, &[]);
    // Natural order, case-insensitive, as Zola's `title` sort.
    assert_eq!(read(&root, "t/index.html"), "a2,a10,B1,");
    assert_eq!(read(&root, "t/a10/index.html"), "a2<a10>B1");
    assert_eq!(read(&root, "t/a2/index.html"), "-<a2>a10");
    assert_eq!(read(&root, "s/index.html"), "A,Z,");
}

#[test]
fn config_file_discovery_and_legacy_keys() {
    let (_tmp, root) = site();
    // zola.toml wins over config.toml.
    write(
        &root,
        "config.toml",
        "base_url = \"https://config.example\"\n",
    );
    write(
        &root,
        "zola.toml",
        "base_url = \"https://zola.example/\"\ntitle = \"T\"\ngenerate_feed = true\nfeed_filename = \"rss.xml\"\nrss_limit = 1\nhighlight_code = true\ntaxonomies = [{ name = \"tags\", rss = true }]\n",
    );
    write(
        &root,
        "templates/index.html",
        "{{ config.base_url }}|{{ config.generate_feed }}|{{ config.feed_filename }}|{{ config.feed_filenames[0] }}|{{ config.mode }}|{{ lang }}",
    );
    write(
        &root,
        "content/a.md",
        "+++\ndate = 2024-01-01\n[taxonomies]\ntags = [\"x\"]\n+++\n",
    );
    write(&root, "content/b.md", "+++\ndate = 2024-01-02\n+++\n");
    let err = ok(&root, &[]);
    assert_eq!(
        read(&root, "index.html"),
        "https://zola.example/|true|rss.xml|rss.xml|build|en"
    );
    for (old, new) in [
        ("generate_feed", "generate_feeds"),
        ("feed_filename", "feed_filenames"),
        ("rss_limit", "feed_limit"),
        ("highlight_code", "markdown.highlight_code"),
    ] {
        let line = format!("`{old}` was replaced by `{new}`");
        assert_eq!(err.matches(&line).count(), 1, "{old}: {err}");
    }
    assert!(
        err.contains("taxonomy `tags`: `rss` was renamed `feed` in Zola 0.14 and is ignored"),
        "{err}"
    );
    let feed = read(&root, "rss.xml");
    assert_eq!(feed.matches("<item>").count(), 1, "rss_limit: {feed}");
    assert!(
        !root.join("public/tags/x/rss.xml").exists(),
        "no term feed: Zola 0.22 ignores a taxonomy's `rss`"
    );
    // --config picks another file.
    write(
        &root,
        "other.toml",
        "base_url = \"https://other.example\"\ntaxonomies = [{ name = \"tags\" }]\n",
    );
    ok(
        &root,
        &["--config", root.join("other.toml").to_str().unwrap()],
    );
    assert!(read(&root, "index.html").starts_with("https://other.example|false"));
}

#[test]
fn template_context_has_zola_fields() {
    let (_tmp, root) = site();
    write(
        &root,
        "config.toml",
        "base_url = \"https://z.example\"\ntaxonomies = [{ name = \"tags\" }]\n",
    );
    write(
        &root,
        "templates/page.html",
        "lang={{ lang }} {{ page.lang }} anc={{ page.ancestors | join(sep=',') }} comp={{ page.components | join(sep='/') }} ymd={{ page.year }}-{{ page.month }}-{{ page.day }} col={{ page.colocated_path | default(value='none') }} authors={{ page.authors | join(sep='+') }} back={% for b in page.backlinks %}{{ b.permalink }};{% endfor %} tr={{ page.translations | length }} assets={{ page.assets | join(sep=',') }}",
    );
    write(
        &root,
        "templates/section.html",
        "{% set meta = get_section(path=section.relative_path, metadata_only=true) %}meta={{ meta.pages | length }} full={{ section.pages | length }} anc={{ section.ancestors | join(sep=',') }} {% set t = get_taxonomy_term(kind='tags', term='Rust') %}{{ t.name }}:{{ t.permalink }}:{{ t.pages | length }} {% set tax = get_taxonomy(kind='tags') %}{{ tax.permalink }} {% set n = get_taxonomy_term(kind='tags', term='nope', required=false) %}{% if n %}found{% else %}none{% endif %} {{ get_url(path='@/blog/post/index.md#x') }} {{ get_url(path='x.css') }} {{ get_url(path='dir/', trailing_slash=true) }}",
    );
    write(&root, "content/blog/_index.md", "+++\n+++\n");
    write(
        &root,
        "content/blog/post/index.md",
        "+++\ndate = 2024-03-05\nauthors = [\"Ann\", \"Bo\"]\n[taxonomies]\ntags = [\"Rust\"]\n+++\nHi.\n",
    );
    write(&root, "content/blog/post/pic.png", "png");
    write(&root, "content/blog/post/media/a.mp3", "mp3");
    write(
        &root,
        "content/blog/other.md",
        "+++\n+++\nSee [it](@/blog/post/index.md).\n",
    );
    ok(&root, &[]);
    assert!(
        root.join("public/blog/post/media/a.mp3").is_file(),
        "assets are copied recursively"
    );
    let page = read(&root, "blog/post/index.html");
    for want in [
        "lang=en en",
        "anc=_index.md,blog/_index.md",
        "comp=blog/post",
        "ymd=2024-3-5",
        "col=blog/post/",
        "authors=Ann+Bo",
        "back=https://z.example/blog/other/;",
        "tr=0",
        "assets=/blog/post/media/a.mp3,/blog/post/pic.png",
    ] {
        assert!(page.contains(want), "{want} in {page}");
    }
    let section = read(&root, "blog/index.html");
    for want in [
        "meta=0 full=2",
        "anc=_index.md",
        "Rust:https://z.example/tags/rust/:1",
        "https://z.example/tags/ none",
        "https://z.example/blog/post/#x",
        "https://z.example/x.css ",
        "https://z.example/dir/",
    ] {
        assert!(section.contains(want), "{want} in {section}");
    }
}

#[test]
fn a_site_template_extends_the_theme_one_it_overrides() {
    let (_tmp, root) = site();
    write(
        &root,
        "config.toml",
        "base_url = \"https://z.example\"\ntheme = \"sample\"\n",
    );
    write(
        &root,
        "themes/sample/templates/index.html",
        "<theme>{% block content %}theme{% endblock content %}</theme>",
    );
    write(
        &root,
        "templates/index.html",
        "{% extends \"sample/templates/index.html\" %}{% block content %}site {{ super() }}{% endblock content %}",
    );
    ok(&root, &[]);
    assert_eq!(read(&root, "index.html"), "<theme>site theme</theme>");
}

#[test]
fn feeds_follow_zola_templates_and_section_switches() {
    let (_tmp, root) = site();
    write(
        &root,
        "config.toml",
        "base_url = \"https://z.example\"\ngenerate_feeds = true\nfeed_filenames = [\"feed.xml\", \"atom.xml\"]\ntaxonomies = [{ name = \"tags\", feed = true }]\n",
    );
    write(
        &root,
        "templates/feed.xml",
        "<feed url=\"{{ feed_url }}\" updated=\"{{ last_updated }}\" lang=\"{{ lang }}\">{% if section %}[{{ section.title }}]{% endif %}{% if term %}[{{ taxonomy.name }}:{{ term.name }}]{% endif %}{% for p in pages %}<e>{{ p.title }}</e>{% endfor %}</feed>",
    );
    write(
        &root,
        "content/news/_index.md",
        "+++\ntitle = \"News\"\ngenerate_feeds = true\n+++\n",
    );
    write(
        &root,
        "content/quiet/_index.md",
        "+++\ntitle = \"Quiet\"\n+++\n",
    );
    write(
        &root,
        "content/news/a.md",
        "+++\ntitle = \"A\"\ndate = 2024-01-01\n[taxonomies]\ntags = [\"t\"]\n+++\n",
    );
    write(
        &root,
        "content/news/b.md",
        "+++\ntitle = \"B\"\ndate = 2024-02-01\nupdated = 2024-03-01\n+++\n",
    );
    write(
        &root,
        "content/quiet/c.md",
        "+++\ntitle = \"C\"\ndate = 2023-01-01\n+++\n",
    );
    write(&root, "content/undated.md", "+++\ntitle = \"U\"\n+++\n");
    ok(&root, &[]);
    assert_eq!(
        read(&root, "feed.xml"),
        "<feed url=\"https://z.example/feed.xml\" updated=\"2024-03-01T00:00:00+00:00\" lang=\"en\"><e>B</e><e>A</e><e>C</e></feed>"
    );
    assert!(read(&root, "news/feed.xml").contains("[News]<e>B</e><e>A</e></feed>"));
    assert!(read(&root, "tags/t/feed.xml").contains("[tags:t]<e>A</e>"));
    assert!(read(&root, "atom.xml").contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    assert!(root.join("public/news/atom.xml").is_file());
    assert!(
        !root.join("public/quiet/feed.xml").exists(),
        "no generate_feeds"
    );
    // A feed name that is neither built in nor a template is a clear error.
    write(
        &root,
        "config.toml",
        "base_url = \"https://z.example\"\ngenerate_feeds = true\nfeed_filenames = [\"nope.xml\"]\ntaxonomies = [{ name = \"tags\" }]\n",
    );
    let out = build(&root, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("config.toml") && stderr(&out).contains("`nope.xml`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn built_in_404_and_robots_are_zola_like() {
    let (_tmp, root) = site();
    write(&root, "config.toml", "base_url = \"https://z.example\"\n");
    write(&root, "content/a.md", "+++\n+++\n");
    ok(&root, &[]);
    let not_found = read(&root, "404.html");
    assert!(
        not_found.contains("<title>404 Not Found</title>")
            && not_found.contains("<h1>404 Not Found</h1>"),
        "{not_found}"
    );
    let robots = read(&root, "robots.txt");
    assert!(
        robots.contains("User-agent: *")
            && robots.contains("Sitemap: https://z.example/sitemap.xml"),
        "{robots}"
    );
}

#[test]
fn anchor_links_and_summary_cutoff_use_the_site_templates() {
    let (_tmp, root) = site();
    write(
        &root,
        "config.toml",
        "base_url = \"https://z.example\"\n[markdown]\ninsert_anchor_links = \"right\"\n",
    );
    write(
        &root,
        "templates/page.html",
        "{{ page.content | safe }}|{{ page.summary | safe }}",
    );
    write(
        &root,
        "templates/anchor-link.html",
        "<a class=\"mine\" href=\"#{{ id }}\">{{ level }}{{ lang }}</a>",
    );
    write(&root, "templates/summary-cutoff.html", "[more]");
    write(
        &root,
        "content/left/_index.md",
        "+++\ninsert_anchor_links = \"left\"\n+++\n",
    );
    write(&root, "content/left/a.md", "+++\n+++\n## Hello\n");
    write(
        &root,
        "content/b.md",
        "+++\n+++\n## World\n\nIntro *cut<!-- more -->* rest.\n",
    );
    ok(&root, &[]);
    let left = read(&root, "left/a/index.html");
    assert!(
        left.contains("<h2 id=\"hello\"><a class=\"mine\" href=\"#hello\">2en</a>Hello</h2>"),
        "section's left placement: {left}"
    );
    let right = read(&root, "b/index.html");
    assert!(
        right.contains("<h2 id=\"world\">World<a class=\"mine\" href=\"#world\">2en</a></h2>"),
        "config's right placement: {right}"
    );
    assert!(right.contains("[more]"), "summary cutoff template: {right}");
    // Editing the template renders the Markdown again (it is part of the render key).
    write(
        &root,
        "templates/anchor-link.html",
        "<a href=\"#{{ id }}\">#</a>",
    );
    ok(&root, &[]);
    assert!(read(&root, "b/index.html").contains("World<a href=\"#world\">#</a>"));
}

#[test]
fn a_draft_section_hides_everything_below_it() {
    let (_tmp, root) = site();
    write(&root, "config.toml", "base_url = \"https://z.example\"\n");
    write(
        &root,
        "content/secret/_index.md",
        "+++\ndraft = true\n+++\n",
    );
    write(
        &root,
        "content/secret/page.md",
        "+++\ntitle = \"not a draft\"\n+++\n",
    );
    write(&root, "content/secret/sub/_index.md", "+++\n+++\n");
    write(&root, "content/secret/sub/hello.md", "+++\n+++\n");
    write(&root, "content/open.md", "+++\n+++\n");
    ok(&root, &[]);
    let public = root.join("public");
    assert!(public.join("open/index.html").is_file());
    for hidden in ["secret", "secret/page", "secret/sub", "secret/sub/hello"] {
        assert!(!public.join(hidden).join("index.html").exists(), "{hidden}");
    }
    ok(&root, &["--drafts"]);
    assert!(public.join("secret/sub/hello/index.html").is_file());
}

#[test]
fn data_functions_in_templates_and_their_errors_name_page_and_source() {
    let (_tmp, root) = site();
    write(&root, "config.toml", "base_url = \"https://z.example\"\n");
    write(&root, "data/people.csv", "name,age\nAnn,31\nBo,7\n");
    write(&root, "data/site.json", "{\"tagline\": \"hi\"}");
    write(&root, "static/app.css", "body{}\n");
    write(
        &root,
        "templates/page.html",
        "{% set csv = load_data(path='data/people.csv') %}{{ csv.headers | join(sep=',') }};{% for r in csv.records %}{{ r[0] }}={{ r[1] }};{% endfor %}{% set site = load_data(path='data/site.json') %}{{ site.tagline }} {% set lit = load_data(literal='a = 1', format='toml') %}{{ lit.a }} {{ get_hash(literal='abc', sha_type=256, base64=false) }} {{ get_url(path='app.css', cachebust=true) }} {{ 'aGk=' | base64_decode }} {{ 'x1y22' | regex_replace(pattern='[0-9]+', rep='#') }} {{ 1234567 | num_format }} {{ '*em*' | markdown(inline=true) | safe }}",
    );
    write(&root, "content/a.md", "+++\n+++\n");
    ok(&root, &[]);
    let page = read(&root, "a/index.html");
    for want in [
        "name,age;Ann=31;Bo=7;hi 1",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "https://z.example/app.css?h=",
        " hi x#y# 1,234,567 <em>em</em>",
    ] {
        assert!(page.contains(want), "{want} in {page}");
    }
    // A URL that cannot be fetched: an error naming the URL and the page, or null when
    // not required.
    write(
        &root,
        "templates/page.html",
        "{{ load_data(url='http://127.0.0.1:9/data.json') }}",
    );
    let out = build(&root, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("http://127.0.0.1:9/data.json") && err.contains("a.md"),
        "{err}"
    );
    write(
        &root,
        "templates/page.html",
        "[{% set d = load_data(url='http://127.0.0.1:9/data.json', required=false) %}{% if d %}got{% else %}none{% endif %}]",
    );
    ok(&root, &[]);
    assert_eq!(read(&root, "a/index.html"), "[none]");
    // A path leaving the site is refused, naming it.
    write(
        &root,
        "templates/page.html",
        "{{ load_data(path='../outside.txt') }}",
    );
    let err = stderr(&build(&root, &[]));
    assert!(
        err.contains("../outside.txt") && err.contains("a.md"),
        "{err}"
    );
}

#[test]
fn a_site_sitemap_template_replaces_the_built_in_one() {
    let (_tmp, root) = site();
    write(&root, "config.toml", "base_url = \"https://z.example\"\n");
    write(&root, "content/a.md", "+++\ndate = 2024-02-03\n+++\n");
    ok(&root, &[]);
    let built_in = read(&root, "sitemap.xml");
    assert!(
        built_in.contains("<loc>https://z.example/a/</loc>"),
        "{built_in}"
    );
    write(
        &root,
        "templates/sitemap.xml",
        "{% for e in entries %}[{{ e.permalink }} {{ e.updated | default(value='-') }}]{% endfor %}",
    );
    ok(&root, &[]);
    let own = read(&root, "sitemap.xml");
    assert!(own.contains("[https://z.example/a/ 2024-02-03"), "{own}");
    assert!(own.contains("[https://z.example/ "), "{own}");
}

#[test]
fn slugify_strategies_and_taxonomy_root() {
    let (_tmp, root) = site();
    write(
        &root,
        "config.toml",
        "base_url = \"https://z.example\"\ntaxonomy_root = \"blog\"\ntaxonomies = [{ name = \"Tags\" }]\n[slugify]\npaths = \"safe\"\ntaxonomies = \"off\"\npaths_keep_dates = true\n",
    );
    write(
        &root,
        "content/2024-01-02-Héllo Wörld.md",
        "+++\n[taxonomies]\nTags = [\"Rust Lang\"]\n+++\n",
    );
    write(&root, "content/plain.md", "+++\nslug = \"日本\"\n+++\n");
    ok(&root, &[]);
    let public = root.join("public");
    assert!(
        public.join("2024-01-02-Héllo Wörld/index.html").is_file(),
        "safe keeps the name and the date"
    );
    assert!(public.join("日本/index.html").is_file());
    assert!(
        public.join("blog/Tags/Rust Lang/index.html").is_file(),
        "off, under taxonomy_root"
    );
    // The default strategy makes ASCII slugs without the date.
    write(
        &root,
        "config.toml",
        "base_url = \"https://z.example\"\ntaxonomies = [{ name = \"Tags\" }]\n",
    );
    ok(&root, &[]);
    assert!(
        public.join("hello-world/index.html").is_file(),
        "ASCII, without the date"
    );
    assert!(public.join("ri-ben/index.html").is_file());
    assert!(public.join("tags/rust-lang/index.html").is_file());
}
