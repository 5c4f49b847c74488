//! Whole-site publish (`--publish swap`) end to end: readers see one build or the next,
//! never a mix; `sitegen rollback` goes back and forth without rebuilding.

use crate::common;

use std::fs;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::common::{build, generated_site, sitegen, snapshot};

/// The version word (`alpha`/`beta`) a generated page was built from.
fn version_of(text: &str) -> Option<&'static str> {
    ["alpha", "beta"].into_iter().find(|v| text.contains(v))
}

/// Reads pairs of pages (the first and the last post) the way a server that opens the
/// site's root once per request does (both looked up from one directory handle), during
/// `rebuilds` rebuilds alternating the two versions. Returns (pairs read, pairs whose
/// two pages came from different builds).
fn readers_during_rebuilds(publish: &str, rebuilds: usize) -> (usize, usize) {
    const PAGES: usize = 300;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    generated_site(&root, PAGES, "alpha");
    let args = ["--publish", publish, "--durability", "none"];
    assert!(build(&root, &args).status.success());
    let out = root.join("public");
    let stop = Arc::new(AtomicBool::new(false));
    let (pairs, mixed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (out, stop) = (out.clone(), Arc::clone(&stop));
            let (pairs, mixed) = (Arc::clone(&pairs), Arc::clone(&mixed));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Ok(dir) = fs::File::open(&out) else {
                        continue;
                    };
                    let base = PathBuf::from(format!("/proc/self/fd/{}", dir.as_raw_fd()));
                    let read = |rel: &str| fs::read_to_string(base.join(rel)).ok();
                    let (Some(a), Some(b)) = (
                        read("blog/post-0/index.html"),
                        read(&format!("blog/post-{}/index.html", PAGES - 1)),
                    ) else {
                        continue;
                    };
                    pairs.fetch_add(1, Ordering::Relaxed);
                    if version_of(&a) != version_of(&b) {
                        mixed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for n in 0..rebuilds {
        let version = ["beta", "alpha"][n % 2];
        generated_site(&root, PAGES, version);
        let out = build(&root, &args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    stop.store(true, Ordering::Relaxed);
    readers.into_iter().for_each(|r| r.join().unwrap());
    (pairs.load(Ordering::Relaxed), mixed.load(Ordering::Relaxed))
}

#[test]
fn readers_never_see_two_builds_at_once_with_swap() {
    let (pairs, mixed) = readers_during_rebuilds("swap", 8);
    let (file_pairs, file_mixed) = readers_during_rebuilds("files", 8);
    println!(
        "publish consistency, 8 rebuilds of 300 pages each: swap {mixed} of {pairs} page pairs from two builds; \
         files {file_mixed} of {file_pairs}"
    );
    assert!(pairs > 100, "the readers must have read ({pairs})");
    assert_eq!(mixed, 0, "swap: {mixed} of {pairs} pairs mixed two builds");
}

fn write_version(root: &Path, v: &str) {
    common::write_under(root, "config.toml", "base_url = \"https://r.example\"\n");
    common::write_under(root, "templates/page.html", "{{ page.content | safe }}");
    common::write_under(root, "templates/index.html", "home");
    common::write_under(root, "content/a.md", &format!("+++\n+++\n{v} a\n"));
    if v == "v1" {
        common::write_under(root, "content/only-v1.md", "+++\n+++\nv1 only\n");
    } else {
        let _ = fs::remove_file(root.join("content/only-v1.md"));
        common::write_under(root, "content/only-v2.md", "+++\n+++\nv2 only\n");
    }
}

#[test]
fn rollback_goes_back_and_forth_and_refuses_an_incomplete_standby() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    let swap = ["--publish", "swap"];
    write_version(&root, "v1");
    assert!(build(&root, &swap).status.success());
    // One generation only: refused, nothing changes.
    let refused = sitegen()
        .args(["rollback", "--root"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no previous generation"));
    let v1 = snapshot(&root.join("public"));
    let mtime = |rel: &str| {
        fs::metadata(root.join("public").join(rel))
            .unwrap()
            .modified()
            .unwrap()
    };
    let v1_mtime = mtime("a/index.html");
    write_version(&root, "v2");
    assert!(build(&root, &swap).status.success());
    let v2 = snapshot(&root.join("public"));
    assert_ne!(v1, v2);
    let rollback = || {
        let out = sitegen()
            .args(["rollback", "--root"])
            .arg(&root)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    rollback();
    assert_eq!(snapshot(&root.join("public")), v1);
    assert_eq!(mtime("a/index.html"), v1_mtime);
    rollback();
    assert_eq!(snapshot(&root.join("public")), v2);
    rollback();
    // A build after a rollback (sources at v2, v1 live) equals a clean build of v2.
    assert!(build(&root, &swap).status.success());
    assert_eq!(snapshot(&root.join("public")), v2);
    let clean = tmp.path().join("clean");
    write_version(&clean, "v1");
    write_version(&clean, "v2");
    assert!(build(&clean, &[]).status.success());
    assert_eq!(snapshot(&clean.join("public")), v2);
    // A build killed while updating the standby marks it: rollback refuses, says why.
    fs::write(root.join(".sitegen/output.in-progress"), "").unwrap();
    let refused = sitegen()
        .args(["rollback", "--root"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("the next build repairs it"));
    assert_eq!(snapshot(&root.join("public")), v2);
    // `clean` removes both trees and the state.
    let cleaned = sitegen()
        .args(["clean", "--root"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(cleaned.status.success());
    assert!(!root.join("public").exists());
    assert!(!root.join(".public.sitegen-standby").exists());
}

#[test]
fn status_and_changed_files_say_what_is_live_and_what_a_deploy_must_do() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    let changed = tmp.path().join("changed.jsonl");
    let status = || {
        let out = sitegen()
            .args(["status", "--format", "json", "--root"])
            .arg(&root)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    write_version(&root, "v1");
    let args = [
        "--publish",
        "swap",
        "--changed-files",
        changed.to_str().unwrap(),
    ];
    assert!(build(&root, &args).status.success());
    let first = status();
    let run1 = first["live"]["run"]["run_id"].as_str().unwrap().to_string();
    assert_eq!(first["sources_changed"], false, "{first}");
    assert!(first["standby"].is_null(), "{first}");
    write_version(&root, "v2");
    assert_eq!(status()["sources_changed"], true);
    assert!(build(&root, &args).status.success());
    let second = status();
    assert_ne!(second["live"]["run"]["run_id"].as_str().unwrap(), run1);
    assert_eq!(
        second["standby"]["run"]["run_id"].as_str().unwrap(),
        run1,
        "{second}"
    );
    assert_eq!(second["sources_changed"], false);
    // What changed from v1 to v2: a's page rewritten, only-v2 added, only-v1 gone; the
    // home page and everything else kept out of the list.
    let lines: Vec<serde_json::Value> = fs::read_to_string(&changed)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(String, String)> = lines
        .iter()
        .map(|l| {
            (
                l["path"].as_str().unwrap().into(),
                l["action"].as_str().unwrap().into(),
            )
        })
        .collect();
    for expected in [
        ("a/index.html", "written"),
        ("only-v1/index.html", "pruned"),
        ("only-v2/index.html", "written"),
    ] {
        assert!(
            summary.contains(&(expected.0.into(), expected.1.into())),
            "{expected:?} in {summary:?}"
        );
    }
    assert!(
        !summary.iter().any(|(p, _)| p == "index.html"),
        "{summary:?}"
    );
    let written = &lines.iter().find(|l| l["path"] == "a/index.html").unwrap();
    assert_eq!(
        written["size"].as_u64().unwrap(),
        fs::metadata(root.join("public/a/index.html"))
            .unwrap()
            .len()
    );
    // A no-op build changes nothing: an empty list.
    assert!(build(&root, &args).status.success());
    assert_eq!(fs::read_to_string(&changed).unwrap(), "");
}
