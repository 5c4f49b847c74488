//! A newcomer's first commands: `init` (its questions, at a terminal or by flags), a first
//! build that succeeds says so without warnings, and a command run outside a site says what
//! it looked for and how to fix it.

use crate::common::sitegen;

#[test]
fn a_fresh_sites_first_build_prints_its_summary_and_no_warning() {
    for starter in [None, Some("--bare")] {
        first_build_is_quiet(starter);
    }
}

fn first_build_is_quiet(starter: Option<&str>) {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("mysite");
    let out = sitegen()
        .arg("init")
        .arg(&site)
        .args(starter)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = sitegen()
        .args(["build", "--root"])
        .arg(&site)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("warning"),
        "a first build is not a warning: {stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("built "),
        "the summary is printed: {stdout}"
    );
}

#[test]
fn build_and_check_outside_a_site_say_what_was_looked_for_and_what_to_run() {
    let empty = tempfile::tempdir().unwrap();
    for command in ["build", "check"] {
        let out = sitegen()
            .args([command, "--root"])
            .arg(empty.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{command}: {stderr}");
        for needle in [
            "not a site",
            "zola.toml or config.toml",
            "--root DIR",
            "sitegen init DIR",
        ] {
            assert!(
                stderr.contains(needle),
                "{command}: `{needle}` not in {stderr}"
            );
        }
        assert!(
            stderr.contains(&empty.path().display().to_string()),
            "{command}: names the folder: {stderr}"
        );
    }
}

fn config_of(site: &std::path::Path) -> String {
    std::fs::read_to_string(site.join("config.toml")).unwrap()
}

#[test]
fn init_takes_its_answers_from_flags_without_a_terminal_and_the_site_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("flags");
    let out = sitegen()
        .arg("init")
        .arg(&site)
        .args(["--base-url", "https://flags.example", "--sass", "--search"])
        .arg("--highlighting=false")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(!stdout.contains("> "), "nothing is asked: {stdout}");
    let config = config_of(&site);
    for line in [
        "base_url = \"https://flags.example\"",
        "compile_sass = true",
        "build_search_index = true",
    ] {
        assert!(config.contains(line), "{line}: {config}");
    }
    assert!(!config.contains("[markdown.highlighting]"), "{config}");
    assert!(site.join("sass").is_dir());
    let out = sitegen()
        .args(["build", "--root"])
        .arg(&site)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(site.join("public/search_index.en.js").is_file());

    // A URL that is none is refused before anything is made.
    let bad = tmp.path().join("bad");
    let out = sitegen()
        .arg("init")
        .arg(&bad)
        .args(["--base-url", "example.org"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`example.org` is not a site URL"),
        "{stderr}"
    );
    assert!(!bad.exists());
}

/// At a terminal (a pseudo-terminal made by util-linux's `script`) `init` asks, as `zola
/// init` does, what no flag answered.
#[test]
fn init_asks_at_a_terminal_what_no_flag_answered() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("asked");
    let command = format!(
        "{} init {} --search=false",
        env!("CARGO_BIN_EXE_sitegen"),
        site.display()
    );
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("util-linux's `script` runs");
    use std::io::Write;
    // The URL, then Sass yes, then highlighting no.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"https://asked.example\ny\nn\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("> What is the URL of your site?"), "{shown}");
    assert!(
        !shown.contains("search index"),
        "answered by a flag: {shown}"
    );
    let config = config_of(&site);
    assert!(
        config.contains("base_url = \"https://asked.example\""),
        "{config}"
    );
    assert!(config.contains("compile_sass = true"), "{config}");
    assert!(!config.contains("[markdown.highlighting]"), "{config}");
    assert!(!config.contains("build_search_index"), "{config}");
}
