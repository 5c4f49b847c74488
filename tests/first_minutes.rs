//! A newcomer's first commands: a first build that succeeds says so without warnings, and
//! a command run outside a site says what it looked for and how to fix it.

mod common;

use common::sitegen;

#[test]
fn a_fresh_sites_first_build_prints_its_summary_and_no_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("mysite");
    let out = sitegen().arg("init").arg(&site).output().unwrap();
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
