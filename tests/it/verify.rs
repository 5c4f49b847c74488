//! `sitegen verify` end to end: each kind of damage found (text and JSON), exit codes, and
//! `--repair` restoring exactly the bad files, from the standby generation or by rendering.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use crate::common::{build, generated_site, sitegen, snapshot, write_under};

const PAGES: usize = 6;

/// A small generated site with a static file, built once.
fn built_site(extra: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    generated_site(&root, PAGES, "alpha");
    write_under(&root, "static/style.css", "body { color: black }\n");
    let out = build(&root, &[&["--durability", "none"], extra].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (tmp, root)
}

fn verify(root: &Path, extra: &[&str]) -> Output {
    sitegen()
        .arg("verify")
        .arg("--root")
        .arg(root)
        .args(extra)
        .output()
        .expect("run sitegen")
}

/// `sitegen verify --format json <extra>`: exit code and the parsed report.
fn verify_json(root: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = verify(root, &[&["--format", "json"], extra].concat());
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), json)
}

/// (path, kind) of every problem in a report.
fn problems(report: &serde_json::Value) -> Vec<(String, String)> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_string(),
                p["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    let list = value.as_array().unwrap();
    list.iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Rewrites `path` with other bytes of the same length and gives it back its mtime.
fn edit_keeping_stamp(path: &Path) {
    let before = fs::read(path).unwrap();
    let mtime = fs::metadata(path).unwrap().modified().unwrap();
    let edited: Vec<u8> = before
        .iter()
        .map(|&b| if b == b'e' { b'E' } else { b })
        .collect();
    assert_ne!(edited, before);
    fs::write(path, edited).unwrap();
    let file = fs::File::options().write(true).open(path).unwrap();
    file.set_modified(mtime).unwrap();
}

const TEMP: &str = "blog/.index.html.sitegen-tmp-0123456789abcdef0123456789abcdef";

#[test]
fn a_fresh_build_is_clean_and_each_kind_of_damage_is_reported() {
    let (_tmp, root) = built_site(&[]);
    let public = root.join("public");
    let out = verify(&root, &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("clean"), "{text}");
    let (code, clean) = verify_json(&root, &[]);
    assert_eq!((code, clean["ok"].as_bool()), (0, Some(true)), "{clean}");
    let files = clean["files_checked"].as_u64().unwrap();
    assert_eq!(files as usize, snapshot(&public).len());

    fs::remove_file(public.join("sitemap.xml")).unwrap();
    edit_keeping_stamp(&public.join("blog/post-1/index.html"));
    fs::set_permissions(public.join("style.css"), fs::Permissions::from_mode(0o600)).unwrap();
    fs::write(public.join("notes.txt"), "mine").unwrap();
    fs::write(public.join(TEMP), "half").unwrap();

    let (code, report) = verify_json(&root, &[]);
    assert_eq!((code, report["ok"].as_bool()), (1, Some(false)));
    let expected: Vec<(String, String)> = [
        (TEMP, "leftover_temp"),
        ("blog/post-1/index.html", "modified"),
        ("notes.txt", "extra"),
        ("sitemap.xml", "missing"),
        ("style.css", "permissions"),
    ]
    .iter()
    .map(|(p, k)| (p.to_string(), k.to_string()))
    .collect();
    assert_eq!(problems(&report), expected);
    let modified = &report["problems"][1];
    assert_eq!(modified["expected"]["size"], modified["actual"]["size"]);
    assert_ne!(modified["expected"]["hash"], modified["actual"]["hash"]);
    assert_eq!(report["problems"][4]["actual"], "0600");

    let out = verify(&root, &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    for word in [
        "5 problems",
        "missing",
        "modified",
        "extra",
        "temp",
        "permissions",
    ] {
        assert!(text.contains(word), "{word}: {text}");
    }
}

#[test]
fn repair_renders_exactly_the_bad_files_and_leaves_extra_files_alone() {
    let (_tmp, root) = built_site(&[]);
    let public = root.join("public");
    let good = snapshot(&public);
    let untouched = public.join("blog/post-2/index.html");
    let untouched_mtime = fs::metadata(&untouched).unwrap().modified().unwrap();

    edit_keeping_stamp(&public.join("blog/post-1/index.html"));
    fs::set_permissions(public.join("style.css"), fs::Permissions::from_mode(0o600)).unwrap();
    // A plain build trusts stamps: it does not see the edited page, and it keeps the mode
    // of the file it replaces.
    let plain = build(&root, &["--durability", "none"]);
    assert!(plain.status.success());
    assert_ne!(
        snapshot(&public)["blog/post-1/index.html"],
        good["blog/post-1/index.html"]
    );

    fs::remove_file(public.join("sitemap.xml")).unwrap();
    fs::write(public.join(TEMP), "half").unwrap();
    fs::write(public.join("notes.txt"), "mine").unwrap();
    let (code, report) = verify_json(&root, &["--repair"]);
    let repair = &report["repair"];
    assert_eq!(
        strings(&repair["rendered"]),
        ["blog/post-1/index.html", "sitemap.xml", "style.css"],
        "{report}"
    );
    assert_eq!(strings(&repair["temps_removed"]), [TEMP]);
    assert_eq!(
        problems(&repair["after"]),
        [("notes.txt".to_string(), "extra".to_string())]
    );
    assert_eq!(code, 1, "an extra file is still a problem: {report}");
    let mut now = snapshot(&public);
    assert_eq!(now.remove("notes.txt").unwrap(), b"mine", "never touched");
    assert_eq!(now, good, "byte for byte the build as it was");
    let mode = fs::metadata(public.join("style.css"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
    assert_eq!(
        fs::metadata(&untouched).unwrap().modified().unwrap(),
        untouched_mtime,
        "files that were sound are not rewritten"
    );

    fs::remove_file(public.join("notes.txt")).unwrap();
    fs::remove_file(public.join("blog/post-3/index.html")).unwrap();
    let out = verify(&root, &["--repair"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(snapshot(&public), good);
}

#[test]
fn under_swap_repair_copies_from_the_standby_what_it_has_and_renders_the_rest() {
    let (_tmp, root) = built_site(&["--publish", "swap"]);
    // A second generation: post-0 changes, everything else is the same in both trees.
    let post0 = root.join("content/blog/post-0.md");
    let text = fs::read_to_string(&post0).unwrap().replace("alpha", "beta");
    fs::write(&post0, text).unwrap();
    let second = build(&root, &["--durability", "none", "--publish", "swap"]);
    assert!(second.status.success());
    let public = root.join("public");
    let good = snapshot(&public);

    // Replaced (a new inode; the standby keeps its own): restorable from the standby.
    let about = public.join("blog/post-4/index.html");
    fs::remove_file(&about).unwrap();
    fs::write(&about, "defaced").unwrap();
    fs::remove_file(public.join("style.css")).unwrap();
    // post-0 differs between the generations: only a render has its bytes.
    edit_keeping_stamp(&public.join("blog/post-0/index.html"));

    let (code, report) = verify_json(&root, &["--repair"]);
    assert_eq!(code, 0, "{report}");
    let repair = &report["repair"];
    assert_eq!(
        strings(&repair["from_standby"]),
        ["blog/post-4/index.html", "style.css"],
        "{report}"
    );
    assert_eq!(strings(&repair["rendered"]), ["blog/post-0/index.html"]);
    assert_eq!(repair["after"]["problems"].as_array().unwrap().len(), 0);
    assert_eq!(snapshot(&public), good);
    // The previous generation is still there to roll back to.
    let status = sitegen()
        .args(["status", "--format", "json", "--root"])
        .arg(&root)
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(status["standby"].is_object(), "{status}");
}

#[test]
fn a_damaged_manifest_is_reported_and_repair_writes_a_sound_one() {
    let (_tmp, root) = built_site(&[]);
    let public = root.join("public");
    let good = snapshot(&public);
    let manifest = root.join(".sitegen/output-manifest.json");
    let mut bytes = fs::read(&manifest).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x04;
    fs::write(&manifest, &bytes).unwrap();
    fs::write(public.join("index.html"), "defaced").unwrap();

    let (code, report) = verify_json(&root, &[]);
    assert_eq!(code, 1);
    assert_eq!(problems(&report).len(), 1, "{report}");
    assert_eq!(report["problems"][0]["kind"], "manifest_damaged");

    let (code, report) = verify_json(&root, &["--repair"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(snapshot(&public), good);
    let (code, _) = verify_json(&root, &[]);
    assert_eq!(code, 0);
}

#[test]
fn errors_exit_2_and_say_why() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    generated_site(&root, 1, "alpha");
    let out = verify(&root, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nothing was built"), "{stderr}");
    let (code, json) = verify_json(&root, &[]);
    assert_eq!((code, json["ok"].as_bool()), (2, Some(false)));
    assert!(json["error"]
        .as_str()
        .unwrap()
        .contains("output-manifest.json"));
    let missing_root = verify(&tmp.path().join("nowhere"), &[]);
    assert_eq!(missing_root.status.code(), Some(2));
}
