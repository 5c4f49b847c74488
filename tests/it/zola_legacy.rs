//! Sites written for an older Zola build, with a warning naming the file and what was
//! accepted, where Zola 0.22 refuses them. Each form on a small fixture of its own.

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

fn site() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    write(&root, "config.toml", "base_url = \"https://l.example\"\n");
    write(&root, "templates/index.html", "home");
    write(&root, "templates/page.html", "{{ page.content | safe }}");
    (tmp, root)
}

#[test]
fn the_builtin_shortcodes_of_zola_up_to_0_16_render_with_one_warning_each() {
    let (_tmp, root) = site();
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\n{{ youtube(id=\"abc\", class=\"wide\") }}\n\n{{ vimeo(id=\"42\") }}\n",
    );
    write(
        &root,
        "content/b.md",
        "+++\ntitle = \"B\"\n+++\n{{ youtube(id=\"x&y\", autoplay=true) }}\n\n\
         {{ gist(url=\"https://gist.github.com/u/1\", file=\"f.rs\") }}\n\n{{ streamable(id=\"s1\") }}\n",
    );
    let stderr = ok(&root);
    let a = read(&root, "a/index.html");
    assert!(
        a.contains("<div class=\"wide\">")
            && a.contains("src=\"https://www.youtube-nocookie.com/embed/abc\""),
        "{a}"
    );
    assert!(a.contains("src=\"//player.vimeo.com/video/42\""), "{a}");
    let b = read(&root, "b/index.html");
    // Arguments are escaped as in any `.html` shortcode.
    assert!(b.contains("embed/x&amp;y?autoplay=1\""), "{b}");
    assert!(
        b.contains("<script src=\"https:&#x2F;&#x2F;gist.github.com&#x2F;u&#x2F;1.js?file=f.rs\">"),
        "{b}"
    );
    assert!(b.contains("https://www.streamable.com/e/s1"), "{b}");
    let youtube: Vec<&str> = stderr.lines().filter(|l| l.contains("`youtube`")).collect();
    assert_eq!(youtube.len(), 1, "one warning for two files: {stderr}");
    assert!(
        youtube[0].contains("content/a.md (and 1 more)") && youtube[0].contains("Zola up to 0.16"),
        "{stderr}"
    );
    for name in ["vimeo", "gist", "streamable"] {
        assert_eq!(stderr.matches(&format!("`{name}`")).count(), 2, "{stderr}");
    }

    // The site's own shortcode of that name wins, without a warning.
    write(&root, "templates/shortcodes/youtube.html", "[own {{ id }}]");
    let stderr = ok(&root);
    assert!(read(&root, "a/index.html").contains("[own abc]"));
    assert!(!stderr.contains("`youtube`"), "{stderr}");
}

#[test]
fn a_config_extra_key_the_config_does_not_set_renders_empty_with_one_warning() {
    let (_tmp, root) = site();
    write(
        &root,
        "config.toml",
        "base_url = \"https://l.example\"\n[extra]\nlabel = \"min\"\n",
    );
    write(
        &root,
        "templates/macros.html",
        "{% macro time(p) %}{{ p.reading_time }} {{ config.extra.label }}{{ config.extra.unset_label }}|{{ config.extra.deep.unset }}{% endmacro %}",
    );
    write(
        &root,
        "templates/page.html",
        "{% import \"macros.html\" as m %}[{{ m::time(p=page) }}]",
    );
    for name in ["a", "b"] {
        write(
            &root,
            &format!("content/{name}.md"),
            "+++\ntitle = \"T\"\n+++\nSome words.\n",
        );
    }
    let stderr = ok(&root);
    assert_eq!(read(&root, "a/index.html"), "[1 min|]");
    assert_eq!(read(&root, "b/index.html"), "[1 min|]");
    let warned: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("is not set in the config"))
        .collect();
    assert_eq!(warned.len(), 2, "once per key, not per page: {stderr}");
    assert!(
        warned[0].contains("templates/macros.html: `config.extra.deep.unset`")
            && warned[1].contains("`config.extra.unset_label`"),
        "{stderr}"
    );

    // Other missing variables stay errors, naming the page.
    write(&root, "templates/page.html", "{{ page.no_such_field }}");
    let out = build(&root, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("page.no_such_field") && stderr.contains("content/a.md"),
        "{stderr}"
    );
}
