//! No code block can hang a build: one whose highlighting runs over the budget is rendered
//! plain, with a warning naming the file, the line and the language (`src/markdown/budget.rs`).

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{sitegen, stderr, write_under as write};

/// A grammar that loops on purpose: at an `x`, two contexts `set` each other without
/// consuming it, which syntect's loop guard (a push, then a pop) does not catch.
const LOOPING_GRAMMAR: &str = "%YAML 1.2\n---\nname: Loop\nfile_extensions: [loop]\nscope: source.loop\ncontexts:\n  main:\n    - match: '(?=x)'\n      set: other\n    - match: '\\bword\\b'\n      scope: keyword.other.loop\n  other:\n    - match: '(?=x)'\n      set: main\n";

fn site(root: &Path, body: &str) {
    write(
        root,
        "config.toml",
        "base_url = \"https://h.example\"\n\n[markdown.highlighting]\ntheme = \"base16-ocean-dark\"\nstyle = \"class\"\nextra_grammars = [\"loop.sublime-syntax\"]\n",
    );
    write(root, "loop.sublime-syntax", LOOPING_GRAMMAR);
    write(root, "templates/page.html", "{{ page.content | safe }}");
    write(root, "templates/index.html", "home");
    write(
        root,
        "content/p.md",
        &format!("+++\ntitle = \"P\"\n+++\n{body}"),
    );
}

/// Builds with a short budget, failing the test (not hanging it) if the build does not end.
fn build_within(root: &Path, budget_ms: u64, limit: Duration) -> std::process::Output {
    let child = sitegen()
        .args(["build", "--durability", "none", "--root"])
        .arg(root)
        .env("SITEGEN_HIGHLIGHT_BUDGET_MS", budget_ms.to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            // SAFETY: a plain kill of the child this test started.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            panic!("the build still ran after {:?}", started.elapsed());
        }
    }
}

#[test]
fn a_looping_grammar_is_rendered_plain_with_a_warning_naming_file_line_and_language() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    site(
        root,
        "Before.\n\n```loop\nword x word\n```\n\n```loop\nword only\n```\n\n```rust\nfn main() {}\n```\n",
    );
    // 2 s: well over what the other blocks take on a loaded machine (their grammars'
    // patterns compile on first use), so only the looping block goes over.
    let out = build_within(root, 2000, Duration::from_secs(90));
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("content/p.md:6: this `loop` code block's highlighting ran over its budget; it is rendered plain"),
        "{err}"
    );
    assert_eq!(err.matches("ran over its budget;").count(), 1, "{err}");
    let html = fs::read_to_string(root.join("public/p/index.html")).unwrap();
    // The looping block is plain text; the others are highlighted as ever.
    assert!(html.contains("word x word"), "{html}");
    assert!(
        html.contains("<span class=\"z-keyword z-other z-loop\">word</span><span class=\"z-source z-loop\"> only</span>"),
        "{html}"
    );
    assert!(html.contains("z-storage"), "{html}");
}

/// The block that hung real sites: a JScript/batch polyglot's first line, in bat's
/// JavaScript grammar (syntect loops on `x /*` there). It builds, whatever the cause.
#[test]
fn the_jscript_polyglot_line_never_hangs_the_build() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    site(
        root,
        "```javascript\n@set @junk=1 /*\n@echo off\ncscript //nologo //E:jscript \"%~f0\" %*\ngoto :eof\n*/\nWScript.Echo('hi');\n```\n",
    );
    let out = build_within(root, 2000, Duration::from_secs(90));
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let html = fs::read_to_string(root.join("public/p/index.html")).unwrap();
    assert!(html.contains("WScript"), "{html}");
}
