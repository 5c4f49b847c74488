//! `sitegen build` end to end: the example site, determinism, feeds and sitemap read back,
//! and one test per kind of bad input (clear error naming the file, exit 1, output intact).

use crate::common;

use std::fs;
use std::path::Path;

use crate::common::{build, example_site, snapshot, temps};
use quick_xml::events::Event;
use quick_xml::Reader;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn read(root: &Path, rel: &str) -> String {
    fs::read_to_string(root.join("public").join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn example_site_builds_with_every_feature() {
    let (_tmp, root) = example_site();
    let out = build(&root, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("built 13 pages, 3 sections"), "{summary}");

    let page = read(&root, "blog/atomic-writes/index.html");
    assert!(page.contains("<h1>Atomic writes, explained</h1>"));
    // Inline colours of base16-ocean-dark, in Zola 0.22's markup.
    assert!(
        page.contains("<pre class=\"giallo\" style=\"color: #C0C5CE; background-color: #2B303B;\" ><code data-lang=\"rust\">"),
        "highlighted code"
    );
    assert!(
        page.contains("<span style=\"color: #B48EAD;\">fn</span>"),
        "inline token colours"
    );
    assert!(page.contains(
        "<a rel=\"noopener external\" target=\"_blank\" href=\"https://www.getzola.org\">Zola</a>"
    ));
    assert!(
        page.contains("href=\"https://example.org/tags/durability/\""),
        "tags link"
    );
    assert!(
        page.contains("rel=\"alternate\" type=\"application/atom+xml\""),
        "feed link in head"
    );
    let hello = read(&root, "blog/hello-world/index.html");
    assert!(
        hello.contains("href=\"https://example.org/docs/output/#guarantees\""),
        "@/ link resolved"
    );
    assert!(
        read(&root, "docs/getting-started/index.html").contains("class=\"toc\""),
        "toc"
    );
    assert!(read(&root, "blog/tasks/index.html").contains("type=\"checkbox\""));
    assert!(
        read(&root, "blog/fsync/index.html").contains("<table>"),
        "YAML page with a table"
    );
    // Pagination: 6 posts, 3 per page.
    assert!(read(&root, "blog/page/2/index.html").contains("Page 2 of 2"));
    assert!(read(&root, "blog/page/1/index.html").contains("url=https://example.org/blog/"));
    // Alias, asset, static, 404, robots, taxonomies.
    assert!(
        read(&root, "2024/atomic/index.html").contains("https://example.org/blog/atomic-writes/")
    );
    assert!(root.join("public/blog/image-bundle/square.png").is_file());
    assert!(root.join("public/humans.txt").is_file() && root.join("public/style.css").is_file());
    assert!(read(&root, "404.html").contains("Page not found"));
    assert!(read(&root, "robots.txt").contains("Sitemap: https://example.org/sitemap.xml"));
    assert!(read(&root, "tags/index.html").contains("durability"));
    assert!(read(&root, "tags/news/atom.xml").contains("A post with an image"));
    // The draft only with --drafts; nothing of sitegen's inside public/.
    assert!(!root.join("public/blog/draft").exists());
    assert!(temps(&root.join("public")).is_empty());
    assert!(root.join(".sitegen/build-cache.json").is_file());
    assert!(!root.join("public/.sitegen").exists());

    // A second build rewrites nothing.
    let again = build(&root, &["--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        (json["written"].as_u64(), json["pruned"].as_u64()),
        (Some(0), Some(0)),
        "{json}"
    );

    let drafts = build(&root, &["--drafts"]);
    assert!(drafts.status.success());
    assert!(read(&root, "blog/draft/index.html").contains("Unfinished thoughts"));
    let without = build(&root, &["--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&without.stdout).unwrap();
    assert!(json["pruned"].as_u64() >= Some(1), "draft pruned: {json}");
    assert!(!root.join("public/blog/draft").exists());
}

#[test]
fn same_output_at_any_thread_count() {
    let (_tmp, root) = example_site();
    let one = root.parent().unwrap().join("one");
    let four = root.parent().unwrap().join("four");
    for (dir, jobs) in [(&one, "1"), (&four, "4")] {
        let out = build(
            &root,
            &[
                "--jobs",
                jobs,
                "--output",
                dir.to_str().unwrap(),
                "--durability",
                "none",
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let (a, b) = (snapshot(&one), snapshot(&four));
    assert!(a.len() > 40);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(
            bytes == &b[path],
            "{path} differs between --jobs 1 and --jobs 4"
        );
    }
}

/// One element read back: its path from the root, its text, its attributes.
type Element = (String, String, Vec<(String, String)>);

/// Parses an XML file into its elements, in document order.
fn xml_elements(text: &str) -> Vec<Element> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut out = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                stack.push(e.name().as_ref().to_string());
                let attrs = e
                    .attributes()
                    .filter_map(|a| a.ok())
                    .map(|a| (a.key.as_ref().to_string(), a.value.to_string()));
                out.push((stack.join("/"), String::new(), attrs.collect()));
            }
            Event::Empty(e) => {
                let name = format!("{}/{}", stack.join("/"), e.name().as_ref());
                let attrs = e
                    .attributes()
                    .filter_map(|a| a.ok())
                    .map(|a| (a.key.as_ref().to_string(), a.value.to_string()));
                out.push((name, String::new(), attrs.collect()));
            }
            Event::Text(t) if t.trim().is_empty() => {}
            Event::Text(t) => {
                if let Some(last) = out.last_mut() {
                    last.1.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(last) = out.last_mut() {
                    let name = r.as_ref().to_string();
                    last.1.push_str(match name.as_str() {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "?",
                    });
                }
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn texts<'a>(els: &'a [Element], path: &str) -> Vec<&'a str> {
    els.iter()
        .filter(|e| e.0 == path)
        .map(|e| e.1.as_str())
        .collect()
}

#[test]
fn feeds_and_sitemap_read_back_per_their_specs() {
    let (_tmp, root) = example_site();
    assert!(build(&root, &["--durability", "none"]).status.success());

    let rss = xml_elements(&read(&root, "rss.xml"));
    for required in [
        "rss/channel/title",
        "rss/channel/link",
        "rss/channel/description",
    ] {
        assert_eq!(texts(&rss, required).len(), 1, "{required}");
    }
    let dates: Vec<_> = texts(&rss, "rss/channel/item/pubDate")
        .iter()
        .map(|d| chrono::DateTime::parse_from_rfc2822(d).unwrap_or_else(|e| panic!("{d}: {e}")))
        .collect();
    assert_eq!(
        dates.len(),
        7,
        "7 dated, non-draft pages (6 posts and the gallery)"
    );
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert!(texts(&rss, "rss/channel/item/link")
        .iter()
        .all(|l| l.starts_with("https://example.org/")));
    let html = texts(&rss, "rss/channel/item/description").join("");
    assert!(
        html.contains("<p>"),
        "HTML content escaped in the XML and decoded back"
    );

    let atom = xml_elements(&read(&root, "atom.xml"));
    for required in ["feed/id", "feed/title", "feed/updated"] {
        assert_eq!(texts(&atom, required).len(), 1, "{required}");
    }
    assert_eq!(texts(&atom, "feed/entry/id").len(), 7);
    for d in texts(&atom, "feed/entry/updated") {
        chrono::DateTime::parse_from_rfc3339(d).unwrap_or_else(|e| panic!("{d}: {e}"));
    }
    let self_link = atom
        .iter()
        .find(|e| e.0 == "feed/link" && e.2.contains(&("rel".into(), "self".into())));
    assert!(self_link.is_some(), "atom self link");

    let sitemap = xml_elements(&read(&root, "sitemap.xml"));
    let urlset = sitemap.iter().find(|e| e.0 == "urlset").unwrap();
    assert!(urlset.2.contains(&(
        "xmlns".into(),
        "http://www.sitemaps.org/schemas/sitemap/0.9".into()
    )));
    let locs = texts(&sitemap, "urlset/url/loc");
    assert!(locs.len() >= 12 + 3);
    assert!(locs.iter().all(|l| l.starts_with("https://example.org/")));
    assert!(locs.contains(&"https://example.org/blog/atomic-writes/"));
    for lastmod in texts(&sitemap, "urlset/url/lastmod") {
        chrono::DateTime::parse_from_rfc3339(lastmod).unwrap();
    }
}

/// Builds the example site, applies `break_it`, rebuilds: the error must name `names` (all
/// of them), exit 1, and leave the previous output byte for byte.
fn bad_input(break_it: impl FnOnce(&Path), names: &[&str]) {
    let (_tmp, root) = example_site();
    assert!(build(&root, &["--durability", "none"]).status.success());
    let before = snapshot(&root.join("public"));
    break_it(&root);
    let out = build(&root, &["--durability", "none"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for name in names {
        assert!(err.contains(name), "error should name {name:?}: {err}");
    }
    assert_eq!(
        snapshot(&root.join("public")),
        before,
        "previous output intact"
    );
    assert!(temps(&root.join("public")).is_empty());
}

#[test]
fn bad_toml_front_matter_names_file_and_line() {
    bad_input(
        |r| {
            fs::write(
                r.join("content/about.md"),
                "+++\ntitle = \"x\"\ndate = = 1\n+++\n",
            )
            .unwrap()
        },
        &["about.md:3:", "TOML"],
    );
}

#[test]
fn bad_yaml_front_matter_names_file_and_line() {
    bad_input(
        |r| {
            fs::write(
                r.join("content/docs/faq.md"),
                "---\ntitle: x\ntags: [a\nmore: 1\n---\nbody\n",
            )
            .unwrap()
        },
        &["faq.md:", "YAML"],
    );
}

#[test]
fn unknown_template_is_named() {
    bad_input(
        |r| {
            fs::write(
                r.join("content/about.md"),
                "+++\ntitle = \"x\"\ntemplate = \"nope.html\"\n+++\n",
            )
            .unwrap()
        },
        &["nope.html", "about.md"],
    );
}

#[test]
fn template_syntax_error_names_template_and_line() {
    bad_input(
        |r| {
            fs::create_dir_all(r.join("templates")).unwrap();
            fs::write(
                r.join("templates/page.html"),
                "<p>\n{{ page.title \n{% if %}</p>",
            )
            .unwrap();
        },
        &["templates/page.html", "3:1"],
    );
}

#[test]
fn missing_base_url() {
    bad_input(
        |r| {
            let config = fs::read_to_string(r.join("config.toml")).unwrap();
            fs::write(
                r.join("config.toml"),
                config.replace("base_url = \"https://example.org\"", ""),
            )
            .unwrap();
        },
        &["config.toml", "base_url"],
    );
}

#[test]
fn invalid_utf8_content() {
    bad_input(
        |r| {
            fs::write(
                r.join("content/docs/faq.md"),
                b"+++\ntitle = \"x\"\n+++\nok\n\xff\xfe bad\n",
            )
            .unwrap()
        },
        &["faq.md:5", "UTF-8"],
    );
}

#[test]
fn escaping_front_matter_path_is_refused() {
    bad_input(
        |r| fs::write(r.join("content/about.md"), "+++\npath = \"../../x\"\n+++\n").unwrap(),
        &["about.md", "../../x"],
    );
}

#[test]
fn two_pages_claiming_one_output_are_both_named() {
    bad_input(
        |r| {
            fs::write(
                r.join("content/docs/other.md"),
                "+++\npath = \"docs/faq\"\n+++\n",
            )
            .unwrap()
        },
        &["docs/faq.md", "docs/other.md"],
    );
}

#[test]
fn symlink_loop_under_content_is_an_error_not_a_hang() {
    bad_input(
        |r| std::os::unix::fs::symlink("..", r.join("content/docs/loop")).unwrap(),
        &["loop", "symlink loop"],
    );
}

#[test]
fn broken_internal_link_names_the_source() {
    bad_input(
        |r| {
            fs::write(
                r.join("content/about.md"),
                "+++\ntitle = \"x\"\n+++\nSee [gone](@/blog/gone.md).\n",
            )
            .unwrap()
        },
        &["about.md", "@/blog/gone.md"],
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = common::sitegen()
        .args(["build", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = common::sitegen()
        .args(["build", "--durability", "maybe"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn init_makes_a_site_that_builds_and_clean_removes_only_sitegen_files() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("new-site");
    let out = common::sitegen().arg("init").arg(&root).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let again = common::sitegen().arg("init").arg(&root).output().unwrap();
    assert_eq!(again.status.code(), Some(1), "init refuses a non-empty dir");
    assert!(stderr(&again).contains("not empty"));

    let built = build(&root, &["--durability", "none"]);
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(read(&root, "blog/first-post/index.html").contains("First post"));
    assert!(root.join("public/atom.xml").is_file());
    fs::write(root.join("public/keep-me.txt"), b"user file").unwrap();

    let cleaned = common::sitegen()
        .arg("clean")
        .arg("--root")
        .arg(&root)
        .output()
        .unwrap();
    assert!(cleaned.status.success(), "{}", stderr(&cleaned));
    assert_eq!(
        snapshot(&root.join("public"))
            .into_keys()
            .collect::<Vec<_>>(),
        vec!["keep-me.txt"]
    );
    assert!(!root.join(".sitegen").exists(), "state removed");
    assert!(
        root.join("content/blog/first-post.md").is_file(),
        "sources untouched"
    );
}

#[test]
fn template_render_error_names_template_line_and_page() {
    bad_input(
        |r| {
            fs::create_dir_all(r.join("templates")).unwrap();
            fs::write(
                r.join("templates/page.html"),
                "<p>\n{{ page.title }}\n{{ page.no_such_field.x }}</p>\n",
            )
            .unwrap();
        },
        &["templates/page.html:3", "no_such_field", "content/"],
    );
}

#[test]
fn one_output_dir_spelled_two_ways_is_one_cache() {
    let (tmp, root) = example_site();
    let parent = tmp.path();
    let relative = common::sitegen()
        .current_dir(parent)
        .args(["build", "--root", "site", "--output", "site/public"])
        .output()
        .unwrap();
    assert!(relative.status.success(), "{}", stderr(&relative));
    let absolute = build(
        &root,
        &["--output", root.join("./public").to_str().unwrap()],
    );
    assert!(absolute.status.success(), "{}", stderr(&absolute));
    let summary = String::from_utf8_lossy(&absolute.stdout);
    assert!(
        summary.contains("nothing changed"),
        "the same directory must not force a full render: {summary}{}",
        stderr(&absolute)
    );
}
