//! `sitegen rollback` after builds of both kinds: it restores the build just before the live
//! one and names it, and it refuses (exit 1, nothing changed) a standby that builds
//! published file by file have left behind, unless `--force`.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::common::{build, sitegen, snapshot};

fn write_version(root: &Path, v: &str) {
    common::write_under(root, "config.toml", "base_url = \"https://r.example\"\n");
    common::write_under(root, "templates/page.html", "{{ page.content | safe }}");
    common::write_under(root, "templates/index.html", "home");
    common::write_under(root, "content/a.md", &format!("+++\n+++\n{v} a\n"));
}

fn built(root: &Path, v: &str, publish: &str) {
    write_version(root, v);
    let out = build(root, &["--publish", publish]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn rollback(root: &Path, extra: &[&str]) -> Output {
    sitegen()
        .args(["rollback", "--root"])
        .arg(root)
        .args(extra)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `sitegen status --format json`.
fn status(root: &Path) -> serde_json::Value {
    let out = sitegen()
        .args(["status", "--format", "json", "--root"])
        .arg(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn run_id(generation: &serde_json::Value) -> String {
    generation["run"]["run_id"].as_str().unwrap().to_string()
}

/// The version word the page `a` of the live output was built from.
fn live_version(root: &Path) -> String {
    let page = fs::read_to_string(root.join("public/a/index.html")).unwrap();
    let at = page.find(" a").unwrap();
    page[..at].rsplit('>').next().unwrap().to_string()
}

#[test]
fn rollback_after_swap_builds_names_the_build_it_restores() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    built(&root, "v1", "swap");
    built(&root, "v2", "swap");
    let before = status(&root);
    assert_eq!(before["standby_behind"], 1, "{before}");
    let (v1, v2) = (run_id(&before["standby"]), run_id(&before["live"]));
    let out = rollback(&root, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains(&format!("now holds build {v1} (committed "))
            && said.contains(&format!("the one live before build {v2} (committed ")),
        "{said}"
    );
    assert_eq!(live_version(&root), "v1");
    // And back: the same rule, the other way.
    let out = rollback(&root, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains(&format!("now holds build {v2} ")), "{said}");
    assert!(said.contains(&format!("live before build {v1} ")), "{said}");
    assert_eq!(live_version(&root), "v2");
}

#[test]
fn rollback_refuses_a_standby_older_than_the_build_before_the_live_one() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    built(&root, "v1", "swap");
    let v1 = run_id(&status(&root)["live"]);
    built(&root, "v2", "swap");
    built(&root, "v3", "files");
    built(&root, "v4", "files");
    let before = status(&root);
    assert_eq!(before["standby_behind"], 3, "{before}");
    // The standby is v1: v2, the build before v3, was replaced file by file.
    assert_eq!(run_id(&before["standby"]), v1);
    let v4 = run_id(&before["live"]);
    let public = root.join("public");
    let standby = root.join(".public.sitegen-standby");
    let (live_files, standby_files) = (snapshot(&public), snapshot(&standby));
    let mtime = || {
        fs::metadata(public.join("a/index.html"))
            .unwrap()
            .modified()
            .unwrap()
    };
    let live_mtime = mtime();

    let refused = rollback(&root, &[]);
    assert_eq!(refused.status.code(), Some(1));
    let said = text(&refused.stderr);
    for part in [
        format!("the standby is build {v1} (committed "),
        format!("3 builds behind the live build {v4} (committed "),
        "the 2 builds in between".to_string(),
        "`sitegen rollback --force`".to_string(),
        "nothing was changed".to_string(),
    ] {
        assert!(said.contains(&part), "missing {part:?} in {said}");
    }
    assert_eq!(
        snapshot(&public),
        live_files,
        "the live output is untouched"
    );
    assert_eq!(mtime(), live_mtime);
    assert_eq!(snapshot(&standby), standby_files, "so is the standby");
    let shown = sitegen()
        .args(["status", "--root"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(
        text(&shown.stdout)
            .contains("rollback: refused without --force (the standby is 3 builds older"),
        "{}",
        text(&shown.stdout)
    );

    // Forced, it restores v1 and says how old it is; run again, v4 is back.
    let forced = rollback(&root, &["--force"]);
    assert!(forced.status.success(), "{}", text(&forced.stderr));
    let said = text(&forced.stdout);
    assert!(
        said.contains(&format!("now holds build {v1} "))
            && said.contains(&format!("3 builds older than build {v4} ")),
        "{said}"
    );
    assert_eq!(live_version(&root), "v1");
    let back = rollback(&root, &[]);
    assert!(back.status.success(), "{}", text(&back.stderr));
    assert_eq!(snapshot(&public), live_files);

    // A swap build keeps the live build as the standby again: one behind, allowed.
    built(&root, "v5", "swap");
    let out = rollback(&root, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("now holds build {v4} ")));
    assert_eq!(live_version(&root), "v4");
}

#[test]
fn a_files_build_after_a_rollback_leaves_the_rolled_back_build_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    built(&root, "v1", "swap");
    built(&root, "v2", "swap");
    assert!(rollback(&root, &[]).status.success());
    // v1 is live, v2 the standby; a fix published file by file replaces v1.
    built(&root, "v3", "files");
    let refused = rollback(&root, &[]);
    assert_eq!(refused.status.code(), Some(1));
    let said = text(&refused.stderr);
    assert!(said.contains("2 builds behind the live build"), "{said}");
    assert!(said.contains("the build in between"), "{said}");
    assert_eq!(live_version(&root), "v3");
}
