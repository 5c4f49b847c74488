//! `sitegen deploy` to a `file://` target: the bucket equals the output byte for byte, a
//! second deploy uploads exactly what changed, only objects an earlier deploy wrote are
//! deleted, the delete cap and bad input leave the bucket unchanged.

use std::fs;
use std::path::Path;

use crate::common::{build, example_site, sitegen, snapshot, stderr, write_under};

const MANIFEST: &str = ".sitegen-deploy.json";

fn add_target(root: &Path, bucket: &Path) {
    let config = root.join("config.toml");
    let mut text = fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[[deployment.targets]]\nname = \"local\"\nURL = \"file://{}\"\n",
        bucket.display()
    ));
    text.push_str(
        "[[deployment.targets]]\nname = \"elsewhere\"\nURL = \"file:///nonexistent-bucket-dir\"\n",
    );
    fs::write(config, text).unwrap();
}

fn deploy(root: &Path, extra: &[&str]) -> (serde_json::Value, std::process::Output) {
    let out = sitegen()
        .args(["deploy", "--format", "json", "--root"])
        .arg(root)
        .args(extra)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (report, out)
}

fn paths(report: &serde_json::Value, key: &str) -> Vec<String> {
    report[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.get("path").unwrap_or(u).as_str().unwrap().to_string())
        .collect()
}

/// The bucket without the deploy's own manifest.
fn objects(bucket: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut all = snapshot(bucket);
    all.remove(MANIFEST);
    all
}

#[test]
fn a_deploy_equals_the_output_and_the_next_uploads_only_what_changed() {
    let (tmp, root) = example_site();
    let bucket = tmp.path().join("bucket");
    fs::create_dir(&bucket).unwrap();
    add_target(&root, &bucket);
    assert!(build(&root, &["--quiet"]).status.success());
    let public = root.join("public");

    // First: everything, assets before pages.
    let (report, out) = deploy(&root, &["--target", "local"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(objects(&bucket), snapshot(&public));
    let stages: Vec<&str> = report["uploads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["stage"].as_str().unwrap())
        .collect();
    let first_page = stages.iter().position(|s| *s == "page").unwrap();
    assert!(
        stages[first_page..].iter().all(|s| *s == "page"),
        "{stages:?}"
    );
    assert!(stages.contains(&"asset"));
    let types: std::collections::BTreeMap<String, String> = report["uploads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["path"].as_str().unwrap().into(),
                u["content_type"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(types["index.html"], "text/html; charset=utf-8");
    assert_eq!(types["sitemap.xml"], "text/xml; charset=utf-8");
    assert!(types
        .iter()
        .filter(|(p, _)| p.ends_with(".css"))
        .all(|(_, t)| t == "text/css; charset=utf-8"));

    // Nothing changed: a listing and the manifest, no upload.
    let (report, out) = deploy(&root, &["--target", "local"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(report["uploads"].as_array().unwrap().len(), 0);
    assert_eq!(report["requests"], 2);

    // One page edited: exactly the outputs the build changed go up.
    let page = fs::read_dir(root.join("content"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("_index.md"))
        .unwrap();
    let mut text = fs::read_to_string(&page).unwrap();
    text.push_str("\nOne more line.\n");
    fs::write(&page, text).unwrap();
    let changes = tmp.path().join("changes.jsonl");
    assert!(build(
        &root,
        &["--quiet", "--changed-files", changes.to_str().unwrap()]
    )
    .status
    .success());
    let mut changed: Vec<String> = fs::read_to_string(&changes)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["path"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    changed.sort();
    let (report, out) = deploy(&root, &["--target", "local"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut uploaded = paths(&report, "uploads");
    uploaded.sort();
    assert!(!uploaded.is_empty());
    assert_eq!(uploaded, changed);
    // list + manifest + the uploads + the new manifest.
    assert_eq!(report["requests"], 3 + uploaded.len());
    assert_eq!(objects(&bucket), snapshot(&public));
}

#[test]
fn deletes_only_what_a_deploy_wrote_within_the_cap_and_bad_input_changes_nothing() {
    let (tmp, root) = example_site();
    let bucket = tmp.path().join("bucket");
    fs::create_dir(&bucket).unwrap();
    add_target(&root, &bucket);
    write_under(&root, "static/extra/one.txt", "one");
    assert!(build(&root, &["--quiet"]).status.success());
    assert!(deploy(&root, &["--target", "local"]).1.status.success());
    write_under(&bucket, "theirs/upload.txt", "not sitegen's");
    fs::remove_file(root.join("static/extra/one.txt")).unwrap();
    assert!(build(&root, &["--quiet"]).status.success());
    let before = snapshot(&bucket);

    // Over the cap: refused before any request changes the bucket.
    let (_, out) = deploy(&root, &["--target", "local", "--max-deletes", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("over the limit of 0"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&bucket), before);

    // A dry run says what it would do and does nothing.
    let (report, out) = deploy(&root, &["--target", "local", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(paths(&report, "deletes"), ["extra/one.txt"]);
    assert_eq!(snapshot(&bucket), before);

    let (_, out) = deploy(&root, &["--target", "local"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = snapshot(&bucket);
    assert!(!after.contains_key("extra/one.txt"));
    assert_eq!(after["theirs/upload.txt"], b"not sitegen's");

    // Bad input: each a clear error, exit 1, the bucket as it was.
    let bad_config = tmp.path().join("bad.toml");
    fs::write(
        &bad_config,
        "base_url = \"https://x\"\n[[deployment.targets]]\nname = \"b\"\nURL = \"not a url\"\n",
    )
    .unwrap();
    let bad = bad_config.to_str().unwrap();
    for (args, says) in [
        (
            vec!["--target", "staging"],
            "no deployment target named `staging`",
        ),
        (vec![], "name one with --target"),
        (vec!["--target", "elsewhere"], "nonexistent-bucket-dir"),
        (vec!["--config", bad], "cannot open `not a url`"),
        (
            vec!["--target", "local", "--source", "/nonexistent-tree"],
            "not a directory",
        ),
    ] {
        let (_, out) = deploy(&root, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert_eq!(snapshot(&bucket), after);
    }
}

#[test]
fn verify_target_finds_missing_changed_and_stale_objects_and_leaves_foreign_ones_alone() {
    let (tmp, root) = example_site();
    let bucket = tmp.path().join("bucket");
    fs::create_dir(&bucket).unwrap();
    add_target(&root, &bucket);
    assert!(build(&root, &["--quiet"]).status.success());
    assert!(deploy(&root, &["--target", "local"]).1.status.success());
    let verify = |root: &Path| {
        let out = sitegen()
            .args(["verify", "--format", "json", "--target", "local", "--root"])
            .arg(root)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        (out.status.code(), report)
    };
    let (code, report) = verify(&root);
    assert_eq!(code, Some(0), "{report}");
    assert!(report["objects"].as_u64().unwrap() > 10);
    write_under(&bucket, "theirs.txt", "not ours");
    assert_eq!(verify(&root).0, Some(0));
    let css = snapshot(&bucket)
        .into_keys()
        .find(|p| p.ends_with(".css"))
        .unwrap();
    write_under(&root, "static/extra/two.txt", "two");
    assert!(build(&root, &["--quiet"]).status.success());
    assert!(deploy(&root, &["--target", "local"]).1.status.success());
    fs::remove_file(root.join("static/extra/two.txt")).unwrap();
    assert!(build(&root, &["--quiet"]).status.success());
    fs::remove_file(bucket.join("index.html")).unwrap();
    let mut bytes = fs::read(bucket.join(&css)).unwrap();
    bytes[0] ^= 1;
    fs::write(bucket.join(&css), bytes).unwrap();
    let (code, report) = verify(&root);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["missing"], serde_json::json!(["index.html"]));
    assert_eq!(report["changed"], serde_json::json!([css]));
    assert_eq!(report["stale"], serde_json::json!(["extra/two.txt"]));
    assert_eq!(report["foreign"], serde_json::json!(["theirs.txt"]));
    // The next deploy restores the missing object and deletes the stale one; the foreign one
    // stays. A file:// store reports no MD5, so the deploy trusts its manifest for an object
    // changed behind its back: verify still names it (an S3 store's ETag gives it away, see
    // deploy_s3.rs).
    assert!(deploy(&root, &["--target", "local"]).1.status.success());
    let (code, report) = verify(&root);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["missing"], serde_json::json!([]));
    assert_eq!(report["stale"], serde_json::json!([]));
    assert_eq!(report["changed"], serde_json::json!([css]));
    assert!(bucket.join("theirs.txt").exists());
}
