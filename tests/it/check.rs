//! `sitegen check` end to end: every broken link and anchor listed with exit 1, warn level,
//! external links against a local server, and the real output never touched.

use crate::common;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Output;

use crate::common::{build, sitegen, snapshot};

fn check(root: &Path, extra: &[&str]) -> Output {
    sitegen()
        .arg("check")
        .arg("--root")
        .arg(root)
        .args(extra)
        .output()
        .expect("run sitegen")
}

fn text(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A site with good links and these broken ones:
/// - `templates/page.html` line 4: `/nowhere.css` (on every page);
/// - `content/blog/first.md`: `/no-such-page/`, `../second/#missing-anchor`, `img/absent.png`;
/// - `templates/index.html` line 3: `/blog/first/#also-missing`.
fn broken_site(root: &Path, link_checker: &str, extra_body: &str) {
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write(
        "config.toml",
        &format!("base_url = \"https://check.example\"\ntitle = \"Check\"\n{link_checker}"),
    );
    write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    write(
        "content/blog/_index.md",
        "+++\ntitle = \"Blog\"\n+++\nThe blog. [Home](/) [second](@/blog/second.md#details)\n",
    );
    write(
        "content/blog/first.md",
        &format!(
            "+++\ntitle = \"First\"\n+++\n## Intro\n\n\
             [good](@/blog/second.md) [good anchor](#intro) [top](#top) [dir](../)\n\n\
             [bad page](/no-such-page/)\n\n\
             [bad anchor](../second/#missing-anchor)\n\n\
             ![bad image](img/absent.png)\n\n\
             [mail](mailto:a@b.example) `<a href=\"/in-code/\">`\n\n{extra_body}\n"
        ),
    );
    write(
        "content/blog/second.md",
        "+++\ntitle = \"Second\"\n+++\n## Details\n\nText.\n",
    );
    write("static/style.css", "body {}\n");
    let page = "<!DOCTYPE html>\n<html><head><link rel=\"stylesheet\" href=\"/style.css\">\n\
        <title>{{ page.title }}</title>\n<link rel=\"stylesheet\" href=\"/nowhere.css\"></head>\n\
        <body><a href=\"{{ config.base_url }}/blog/\">blog</a>\n{{ page.content | safe }}\n\
        <!-- <a href=\"/commented-out/\"> -->\n</body></html>\n";
    write("templates/page.html", page);
    write(
        "templates/section.html",
        "<html><body>\n<a href=\"/\">home</a>\n{{ section.content | safe }}\n</body></html>\n",
    );
    write(
        "templates/index.html",
        "<html><body>\n<a href=\"{{ get_url(path='@/blog/first.md') }}#intro\">first</a>\n\
         <a href=\"/blog/first/#also-missing\">x</a>\n</body></html>\n",
    );
}

#[test]
fn lists_every_broken_link_and_anchor_and_leaves_public_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    broken_site(root, "", "");
    let out = check(root, &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let problems: Vec<&str> = stdout.lines().filter(|l| l.starts_with("error:")).collect();
    let expected = [
        "error: blog/first/index.html:4: broken link `/nowhere.css`: no file `/nowhere.css` in the output",
        "error: blog/first/index.html:8: broken link `/no-such-page/`: no file `/no-such-page/` in the output",
        "error: blog/first/index.html:9: broken link `../second/#missing-anchor`: no anchor `#missing-anchor` in `blog/second/index.html`",
        // Markdown makes a co-located link absolute under the page's permalink (Zola).
        "error: blog/first/index.html:10: broken link `https://check.example/blog/first/img/absent.png`: no file `/blog/first/img/absent.png` in the output",
        "error: blog/second/index.html:4: broken link `/nowhere.css`: no file `/nowhere.css` in the output",
        "error: index.html:3: broken link `/blog/first/#also-missing`: no anchor `#also-missing` in `blog/first/index.html`",
    ];
    assert_eq!(problems, expected, "{all}");
    assert!(
        stdout.lines().last().unwrap().contains("(6 broken)"),
        "{all}"
    );
    assert!(
        !root.join("public").exists(),
        "check must not create public/"
    );
    assert!(root.join(".sitegen/check/output/index.html").exists());
}

#[test]
fn an_existing_output_and_its_cache_stay_as_they_were() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    broken_site(root, "", "");
    let built = build(root, &["--durability", "none"]);
    assert!(built.status.success(), "{}", text(&built));
    let public = snapshot(&root.join("public"));
    let cache = fs::read(root.join(".sitegen/build-cache.json")).unwrap();
    // A change the real output does not have yet: check sees it, public/ does not.
    fs::write(
        root.join("content/blog/second.md"),
        "+++\ntitle = \"Second\"\n+++\n[new](/new-broken/)\n",
    )
    .unwrap();
    let out = check(root, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("`/new-broken/`"), "{}", text(&out));
    assert_eq!(snapshot(&root.join("public")), public);
    assert_eq!(
        fs::read(root.join(".sitegen/build-cache.json")).unwrap(),
        cache
    );
    // And the next real build is incremental: its cache still describes public/.
    let again = build(root, &["--durability", "none"]);
    assert!(again.status.success(), "{}", text(&again));
    let summary = String::from_utf8_lossy(&again.stdout);
    assert!(!summary.contains("full render"), "{summary}");
}

#[test]
fn warn_level_reports_and_succeeds() {
    let tmp = tempfile::tempdir().unwrap();
    broken_site(
        tmp.path(),
        "[link_checker]\ninternal_level = \"warn\"\n",
        "",
    );
    let out = check(tmp.path(), &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("warning:")).count(),
        6,
        "{all}"
    );
    assert!(!stdout.contains("error:"), "{all}");
}

#[test]
fn skip_prefixes_skip_internal_links() {
    let tmp = tempfile::tempdir().unwrap();
    broken_site(
        tmp.path(),
        "[link_checker]\nskip_prefixes = [\"/no-such-page/\", \"/nowhere\"]\n",
        "",
    );
    let out = check(tmp.path(), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("error:")).count(),
        3,
        "{}",
        text(&out)
    );
    assert!(!stdout.contains("/no-such-page/") && !stdout.contains("nowhere.css"));
}

#[test]
fn every_broken_markdown_link_is_listed_with_its_content_file() {
    let tmp = tempfile::tempdir().unwrap();
    broken_site(
        tmp.path(),
        "",
        "[lost](@/blog/lost.md)\n\nand ![gone](@/missing/pic.md) and [also](@/nope.md#x)",
    );
    let out = check(tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for target in ["@/blog/lost.md", "@/missing/pic.md", "@/nope.md#x"] {
        let line = stdout
            .lines()
            .find(|l| l.contains(target))
            .unwrap_or_else(|| panic!("{target} listed: {}", text(&out)));
        assert!(line.starts_with("error: content/blog/first.md:"), "{line}");
    }
    // The build of the same site stops at the first, naming it.
    let built = common::build(tmp.path(), &[]);
    assert_eq!(built.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&built.stderr).contains("@/blog/lost.md"));
}

/// A local server: `/ok` (200 with id `here`), `/head-refused` (405 to HEAD), anything
/// else 404. Serves a bounded number of connections, then stops.
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(50) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let mut words = first.split_whitespace();
            let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            let (status, body) = match (method, path) {
                (_, "/ok") => ("200 OK", "<p id=\"here\">here</p>"),
                ("HEAD", "/head-refused") => ("405 Method Not Allowed", ""),
                (_, "/head-refused") => ("200 OK", "ok"),
                _ => ("404 Not Found", "no"),
            };
            let body = if method == "HEAD" { "" } else { body };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

#[test]
fn external_links_against_a_local_server() {
    let base = serve();
    let tmp = tempfile::tempdir().unwrap();
    let links = format!(
        "[ok]({base}/ok) [anchor]({base}/ok#here) [refused]({base}/head-refused)\n\n\
         [gone]({base}/gone)\n\n[bad anchor]({base}/ok#elsewhere)\n\n[skipped]({base}/skipped)\n"
    );
    broken_site(
        tmp.path(),
        &format!(
            "[link_checker]\ninternal_level = \"warn\"\nskip_prefixes = [\"{base}/skipped\"]\n"
        ),
        &links,
    );
    // Without --external, nothing is fetched and the warnings do not fail.
    let out = check(tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("external links not checked"));

    let out = check(tmp.path(), &["--external"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let external: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("broken external link"))
        .collect();
    assert_eq!(
        external,
        [
            format!("error: blog/first/index.html:13: broken external link `{base}/gone`: HTTP status 404 Not Found"),
            format!("error: blog/first/index.html:14: broken external link `{base}/ok#elsewhere`: no anchor `#elsewhere` in the page"),
        ],
        "{all}"
    );
    assert!(stdout.contains("3 external URLs (2 broken)"), "{all}");

    // `ignored_files` names content files: their pages' external links are not fetched.
    let config = tmp.path().join("config.toml");
    let text_before = fs::read_to_string(&config).unwrap();
    fs::write(
        &config,
        format!("{text_before}ignored_files = [\"content/blog/first.md\"]\n"),
    )
    .unwrap();
    let out = check(tmp.path(), &["--external"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 external URLs (0 broken)"));
}
