//! `sitegen publish`: another generator's finished tree published through sitegen's writer.
//! Unchanged files keep their inode and mtime, only published files are pruned, `--run`
//! publishes only a generator run that succeeded, and overlapping directories are refused.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{sitegen, snapshot, temps, write_under};

/// Runs `sitegen publish <args>`.
fn publish(args: &[&str]) -> Output {
    sitegen()
        .arg("publish")
        .args(args)
        .output()
        .expect("run sitegen")
}

fn ok(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

fn failed(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// (inode, mtime in ns) of every file below `dir`.
fn stamps(dir: &Path) -> BTreeMap<String, (u64, i128)> {
    snapshot(dir)
        .into_keys()
        .map(|k| {
            let m = fs::metadata(dir.join(&k)).unwrap();
            let ns = m.mtime() as i128 * 1_000_000_000 + m.mtime_nsec() as i128;
            (k, (m.ino(), ns))
        })
        .collect()
}

/// A small finished site, as another generator would leave it.
fn tree(root: &Path, version: &str) {
    write_under(root, "index.html", &format!("<h1>home {version}</h1>"));
    write_under(root, "css/site.css", "body { color: black }");
    write_under(root, "blog/a/index.html", &format!("<p>a {version}</p>"));
    write_under(root, "blog/b/index.html", "<p>b</p>");
    write_under(root, ".well-known/security.txt", "Contact: x");
    fs::write(root.join("blob.bin"), vec![7u8; 100_000]).unwrap();
}

/// Names in `dir`'s parent that are staging directories of `dir`.
fn staging_dirs(out: &Path) -> Vec<String> {
    fs::read_dir(out.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.contains(".sitegen-staging-"))
        .collect()
}

#[test]
fn a_second_publish_changes_exactly_what_changed_and_prunes_only_its_own_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, out) = (tmp.path().join("hugo-public"), tmp.path().join("www"));
    tree(&src, "v1");
    let first = ok(&publish(&[
        s(&src),
        "--output",
        s(&out),
        "--format",
        "json",
    ]));
    assert_eq!(first["written"], 6);
    assert_eq!(snapshot(&out), snapshot(&src));
    assert!(tmp.path().join(".www.sitegen-state").is_dir());

    let before = stamps(&out);
    write_under(&src, "blog/a/index.html", "<p>a v2</p>");
    write_under(&src, "blog/c/index.html", "<p>c</p>");
    fs::remove_dir_all(src.join("blog/b")).unwrap();
    write_under(&out, "by-hand.txt", "placed by a person");
    let changes = tmp.path().join("changes.jsonl");
    let second = ok(&publish(&[
        s(&src),
        "--output",
        s(&out),
        "--format",
        "json",
        "--changed-files",
        s(&changes),
    ]));
    assert_eq!(
        (&second["written"], &second["unchanged"], &second["pruned"]),
        (&2.into(), &4.into(), &1.into())
    );
    let mut expected = snapshot(&src);
    expected.insert("by-hand.txt".into(), b"placed by a person".to_vec());
    assert_eq!(snapshot(&out), expected);
    assert!(
        !out.join("blog/b").exists(),
        "an emptied directory goes too"
    );

    let after = stamps(&out);
    for unchanged in [
        "index.html",
        "css/site.css",
        ".well-known/security.txt",
        "blob.bin",
    ] {
        assert_eq!(
            before[unchanged], after[unchanged],
            "{unchanged} was rewritten"
        );
    }
    assert_ne!(before["blog/a/index.html"].0, after["blog/a/index.html"].0);
    let lines: Vec<serde_json::Value> = fs::read_to_string(&changes)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let listed: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l["path"].as_str().unwrap(), l["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            ("blog/a/index.html", "written"),
            ("blog/b/index.html", "pruned"),
            ("blog/c/index.html", "written"),
        ]
    );
    assert_eq!(lines[0]["size"], 11);

    // Nothing changed: nothing written, every stamp kept.
    let third = ok(&publish(&[
        s(&src),
        "--output",
        s(&out),
        "--format",
        "json",
    ]));
    assert_eq!(
        (&third["written"], &third["pruned"]),
        (&0.into(), &0.into())
    );
    assert_eq!(stamps(&out), after);
}

#[test]
fn a_large_file_is_streamed_and_left_alone_when_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, out) = (tmp.path().join("src"), tmp.path().join("out"));
    let mut big: Vec<u8> = (0..17u32 << 20).map(|i| (i % 251) as u8).collect();
    write_under(&src, "index.html", "i");
    fs::create_dir_all(src.join("media")).unwrap();
    fs::write(src.join("media/video.bin"), &big).unwrap();
    ok(&publish(&[
        s(&src),
        "--output",
        s(&out),
        "--durability",
        "none",
    ]));
    assert_eq!(fs::read(out.join("media/video.bin")).unwrap(), big);
    let before = stamps(&out);
    ok(&publish(&[
        s(&src),
        "--output",
        s(&out),
        "--durability",
        "none",
    ]));
    assert_eq!(stamps(&out), before);
    big[5 << 20] ^= 1;
    fs::write(src.join("media/video.bin"), &big).unwrap();
    ok(&publish(&[
        s(&src),
        "--output",
        s(&out),
        "--durability",
        "none",
    ]));
    assert_eq!(fs::read(out.join("media/video.bin")).unwrap(), big);
}

#[test]
fn swap_publishes_roll_back_and_forth_and_status_finds_the_state() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, out) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("site"),
    );
    tree(&a, "one");
    tree(&b, "two");
    let swap = ["--output", s(&out), "--publish", "swap", "--format", "json"];
    ok(&publish(&[&[s(&a)], &swap[..]].concat()));
    let second = ok(&publish(&[&[s(&b)], &swap[..]].concat()));
    assert_eq!(second["swapped"], true);
    assert_eq!(snapshot(&out), snapshot(&b));
    assert_eq!(
        snapshot(&tmp.path().join(".site.sitegen-standby")),
        snapshot(&a)
    );

    // Run from a directory that is no site: the state is found beside the output.
    let status = sitegen()
        .args(["status", "--format", "json", "--output"])
        .arg(&out)
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let status = ok(&status);
    assert_eq!(status["live"]["run"]["source"], s(&b));
    assert_eq!(status["live"]["run"]["publish"], "swap");
    assert_eq!(status["standby"]["run"]["source"], s(&a));
    let rollback = || {
        let out = sitegen()
            .args(["rollback", "--output"])
            .arg(&out)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        ok(&out);
    };
    rollback();
    assert_eq!(snapshot(&out), snapshot(&a));
    rollback();
    assert_eq!(snapshot(&out), snapshot(&b));

    // An explicit --state is used by publish, status and rollback alike.
    let (out2, state2) = (tmp.path().join("o2"), tmp.path().join("elsewhere"));
    let swap2 = [
        "--output",
        s(&out2),
        "--state",
        s(&state2),
        "--publish",
        "swap",
    ];
    ok(&publish(&[&[s(&a)], &swap2[..]].concat()));
    ok(&publish(&[&[s(&b)], &swap2[..]].concat()));
    assert!(state2.join("output-manifest.json").is_file());
    let rolled = sitegen()
        .args(["rollback", "--output", s(&out2), "--state", s(&state2)])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    ok(&rolled);
    assert_eq!(snapshot(&out2), snapshot(&a));
}

#[test]
fn run_publishes_only_a_generator_run_that_exited_0() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, out) = (tmp.path().join("gen's src"), tmp.path().join("out dir"));
    tree(&src, "v1");
    // `{staging}` is quoted for the shell (the path has a space and a quote in it).
    let copy = format!(
        "test \"$SITEGEN_STAGING\" = {{staging}} && cp -R '{}'/. {{staging}}",
        s(&src).replace('\'', r"'\''")
    );
    ok(&publish(&["--run", &copy, "--output", s(&out)]));
    assert_eq!(snapshot(&out), snapshot(&src));
    assert!(staging_dirs(&out).is_empty());

    let before = (snapshot(&out), stamps(&out));
    let failing = format!("{copy} && echo '<p>new</p>' > {{staging}}/index.html && exit 3");
    let err = failed(&publish(&["--run", &failing, "--output", s(&out)]));
    assert!(err.contains("exited with status 3") && err.contains("nothing was published"));
    assert_eq!((snapshot(&out), stamps(&out)), before);
    assert!(staging_dirs(&out).is_empty(), "{:?}", staging_dirs(&out));

    // A run that writes nothing would prune everything: refused.
    let err = failed(&publish(&["--run", "true", "--output", s(&out)]));
    assert!(err.contains("holds no files"), "{err}");
    assert_eq!((snapshot(&out), stamps(&out)), before);

    // A staging directory that a killed publish left is removed by the next one; a
    // directory merely named alike is not.
    let left = tmp
        .path()
        .join(format!(".out dir.sitegen-staging-{}", "ab".repeat(16)));
    write_under(&left, "index.html", "half a run");
    let alike = tmp.path().join(".out dir.sitegen-staging-notmine");
    fs::create_dir(&alike).unwrap();
    let json = ok(&publish(&[
        "--run",
        &copy,
        "--output",
        s(&out),
        "--format",
        "json",
    ]));
    assert_eq!(json["staging_swept"], 1);
    assert!(!left.exists() && alike.exists());
}

#[test]
fn a_second_publish_waits_for_the_first_or_fails_with_no_wait() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, out) = (tmp.path().join("src"), tmp.path().join("out"));
    tree(&src, "v1");
    let slow = format!("sleep 2; cp -R {}/. {{staging}}", s(&src));
    let mut first = sitegen()
        .args(["publish", "--run", &slow, "--output", s(&out)])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lock = tmp.path().join(".out.sitegen-state/publish.lock");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while fs::read_to_string(&lock).unwrap_or_default().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the first never locked"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let err = failed(&publish(&[s(&src), "--output", s(&out), "--no-wait"]));
    assert!(err.contains("another sitegen publish"), "{err}");
    assert!(!out.join("index.html").exists());
    let waited = publish(&[s(&src), "--output", s(&out)]);
    ok(&waited);
    assert!(String::from_utf8_lossy(&waited.stderr).contains("waiting for another publish"));
    assert!(first.wait().unwrap().success());
    assert_eq!(snapshot(&out), snapshot(&src));
}

#[test]
fn overlapping_or_unsafe_sources_are_refused_and_nothing_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, out) = (tmp.path().join("src"), tmp.path().join("out"));
    tree(&src, "v1");
    ok(&publish(&[s(&src), "--output", s(&out)]));
    write_under(&out, "sub/page.html", "p");
    let before = snapshot(&out);
    let refusals: [(PathBuf, PathBuf, &str); 4] = [
        (out.clone(), out.clone(), "is the same directory as"),
        (
            out.join("sub"),
            out.clone(),
            "is inside the output directory",
        ),
        (
            src.clone(),
            src.join("public"),
            "contains the output directory",
        ),
        (
            tmp.path().join(".out.sitegen-state"),
            out.clone(),
            "the state directory",
        ),
    ];
    for (from, to, says) in refusals {
        let err = failed(&publish(&[s(&from), "--output", s(&to)]));
        assert!(err.contains(says), "{err}");
    }
    assert!(!src.join("public").exists());
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    assert!(failed(&publish(&[s(&empty), "--output", s(&out)])).contains("holds no files"));
    fs::write(tmp.path().join("secret"), "s").unwrap();
    std::os::unix::fs::symlink(tmp.path().join("secret"), src.join("leak")).unwrap();
    let err = failed(&publish(&[s(&src), "--output", s(&out)]));
    assert!(
        err.contains("leak") && err.contains("outside the source"),
        "{err}"
    );
    assert_eq!(snapshot(&out), before);
    assert!(temps(&out).is_empty());
}

#[test]
fn verify_checks_a_published_output_and_repairs_it_from_the_standby() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, out) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("site"),
    );
    tree(&a, "one");
    tree(&b, "two");
    let swap = ["--output", s(&out), "--publish", "swap", "--format", "json"];
    ok(&publish(&[&[s(&a)], &swap[..]].concat()));
    ok(&publish(&[&[s(&b)], &swap[..]].concat()));
    // Run from a directory that is no site: the state is found beside the output.
    let verify = |extra: &[&str]| {
        sitegen()
            .args(["verify", "--format", "json", "--output", s(&out)])
            .args(extra)
            .current_dir(tmp.path())
            .output()
            .unwrap()
    };
    assert_eq!(ok(&verify(&[]))["ok"], true);
    // The same in both generations: the standby has its bytes. Replaced by hand (a new
    // file: an unchanged file is one inode linked into both trees, see below).
    fs::remove_file(out.join("css/site.css")).unwrap();
    fs::write(out.join("css/site.css"), "body { color: white }").unwrap();
    let found = verify(&[]);
    assert_eq!(found.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&found.stdout).unwrap();
    assert_eq!(report["ok"], false, "{report}");
    let text = report.to_string();
    assert!(
        text.contains("css/site.css") && text.contains("modified"),
        "{text}"
    );
    let repaired = ok(&verify(&["--repair"]));
    assert_eq!(repaired["ok"], true, "{repaired}");
    assert_eq!(repaired["repair"]["from_standby"][0], "css/site.css");
    assert_eq!(snapshot(&out), snapshot(&b));
    // Edited in place, a file both generations share is damaged in both: reported, and
    // left for the next publish (nothing holds its bytes), not "repaired" with bad bytes.
    fs::OpenOptions::new()
        .write(true)
        .open(out.join("blob.bin"))
        .unwrap()
        .write_all(b"x")
        .unwrap();
    let left = verify(&["--repair"]);
    assert_eq!(left.status.code(), Some(1));
    let left: serde_json::Value = serde_json::from_slice(&left.stdout).unwrap();
    assert_eq!(
        left["repair"]["after"]["problems"][0]["path"], "blob.bin",
        "{left}"
    );
    ok(&publish(&[&[s(&b)], &swap[..]].concat()));
    assert_eq!(ok(&verify(&[]))["ok"], true);
    assert_eq!(snapshot(&out), snapshot(&b));
}
