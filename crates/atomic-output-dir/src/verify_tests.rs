//! Tests of `verify`, `restore_from_standby` and the writer's `distrust`, against real
//! directories.

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::writer::MANIFEST_FILE;
use super::*;

struct Out {
    _tmp: tempfile::TempDir,
    out: PathBuf,
    state: PathBuf,
}

fn out() -> Out {
    let tmp = tempfile::tempdir().unwrap();
    Out {
        out: tmp.path().join("public"),
        state: tmp.path().join(".sitegen"),
        _tmp: tmp,
    }
}

/// A 600 KiB file: more than one read chunk.
fn big() -> Vec<u8> {
    (0..600 * 1024).map(|i| (i % 251) as u8).collect()
}

impl Out {
    fn options(&self) -> OutputOptions {
        OutputOptions::new(&self.state)
            .lock_mode(LockMode::Fail)
            .durability(Durability::None)
    }

    fn build_with(&self, options: OutputOptions, files: &[(&str, &[u8])]) -> WriteReport {
        let w = OutputWriter::open(&self.out, options).unwrap();
        for (path, bytes) in files {
            w.write(path, bytes).unwrap();
        }
        w.finish().unwrap()
    }

    fn build(&self, files: &[(&str, &[u8])]) -> WriteReport {
        self.build_with(self.options(), files)
    }

    fn verify(&self) -> VerifyReport {
        verify(&self.out, &self.state, LockMode::Fail).unwrap()
    }

    /// The problems found, as (path, kind name).
    fn found(&self) -> Vec<(String, String)> {
        self.verify()
            .problems
            .into_iter()
            .map(|p| {
                let kind = serde_json::to_value(&p.kind).unwrap()["kind"]
                    .as_str()
                    .unwrap()
                    .to_string();
                (p.path, kind)
            })
            .collect()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.out.join(rel)
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Rewrites `path` with `bytes` and gives it back its size-and-mtime stamp when the sizes
/// match: what no stamp comparison can see.
fn edit_keeping_mtime(path: &Path, bytes: &[u8]) {
    let mtime = fs::metadata(path).unwrap().modified().unwrap();
    fs::write(path, bytes).unwrap();
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
}

#[test]
fn a_fresh_build_verifies_clean_and_counts_every_byte() {
    let o = out();
    let big = big();
    o.build(&[
        ("index.html", b"home"),
        ("a/b/c.html", b"deep"),
        ("big.bin", &big),
    ]);
    let report = o.verify();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.files_checked, 3);
    assert_eq!(report.bytes_hashed, 8 + big.len() as u64);
    assert!(report.to_string().contains("clean"));
}

#[test]
fn each_kind_of_damage_is_found_by_path() {
    let o = out();
    let big = big();
    o.build(&[
        ("index.html", b"home"),
        ("gone.html", b"gone"),
        ("same-stamp.html", b"original"),
        ("big.bin", &big),
        ("mode.css", b"css"),
        ("dir.html", b"dir"),
        ("link.html", b"link"),
        ("sub/page.html", b"page"),
    ]);
    fs::remove_file(o.path("gone.html")).unwrap();
    edit_keeping_mtime(&o.path("same-stamp.html"), b"ORIGINAL");
    let mut last_byte_changed = big.clone();
    *last_byte_changed.last_mut().unwrap() ^= 1;
    edit_keeping_mtime(&o.path("big.bin"), &last_byte_changed);
    fs::set_permissions(o.path("mode.css"), fs::Permissions::from_mode(0o600)).unwrap();
    fs::remove_file(o.path("dir.html")).unwrap();
    fs::create_dir(o.path("dir.html")).unwrap();
    fs::remove_file(o.path("link.html")).unwrap();
    symlink(o.path("index.html"), o.path("link.html")).unwrap();
    fs::write(o.path("sub/notes.txt"), b"mine").unwrap();
    fs::write(
        o.path("sub/.page.html.sitegen-tmp-0123456789abcdef0123456789abcdef"),
        b"half",
    )
    .unwrap();
    assert_eq!(
        o.found(),
        pairs(&[
            ("big.bin", "modified"),
            ("dir.html", "not_a_file"),
            ("gone.html", "missing"),
            ("link.html", "not_a_file"),
            ("mode.css", "permissions"),
            ("same-stamp.html", "modified"),
            (
                "sub/.page.html.sitegen-tmp-0123456789abcdef0123456789abcdef",
                "leftover_temp"
            ),
            ("sub/notes.txt", "extra"),
        ])
    );
    let report = o.verify();
    let modified = report.problems.iter().find(|p| p.path == "same-stamp.html");
    let Some(ProblemKind::Modified { expected, actual }) = modified.map(|p| &p.kind) else {
        panic!("{report}");
    };
    assert_eq!((expected.size, actual.size), (8, 8));
    assert_ne!(expected.hash, actual.hash);
    let mode = report
        .problems
        .iter()
        .find(|p| p.path == "mode.css")
        .unwrap();
    let default = sys::default_file_mode().unwrap_or(0o644);
    assert_eq!(
        mode.kind,
        ProblemKind::Permissions {
            expected: Mode(default),
            actual: Mode(0o600)
        }
    );
    assert_eq!(
        report.to_rewrite(),
        [
            "big.bin",
            "dir.html",
            "gone.html",
            "link.html",
            "mode.css",
            "same-stamp.html"
        ]
    );
    // Nothing was changed by looking.
    assert_eq!(fs::read(o.path("sub/notes.txt")).unwrap(), b"mine");
}

#[test]
fn a_whole_missing_output_directory_is_every_file_missing() {
    let o = out();
    o.build(&[("index.html", b"home"), ("a/b.html", b"b")]);
    fs::remove_dir_all(&o.out).unwrap();
    assert_eq!(
        o.found(),
        pairs(&[("a/b.html", "missing"), ("index.html", "missing")])
    );
}

#[test]
fn a_damaged_manifest_is_a_problem_and_a_build_starts_over_from_it() {
    let o = out();
    o.build(&[("index.html", b"home"), ("a.html", b"a")]);
    let manifest = o.state.join(MANIFEST_FILE);
    let good = fs::read(&manifest).unwrap();
    // A hand edit that keeps valid JSON: another size for a.html.
    let edited = String::from_utf8(good.clone())
        .unwrap()
        .replacen("\"size\":1,", "\"size\":2,", 1);
    assert_ne!(edited.as_bytes(), good);
    fs::write(&manifest, &edited).unwrap();
    fs::write(
        o.path(".x.sitegen-tmp-0123456789abcdef0123456789abcdef"),
        b"",
    )
    .unwrap();
    let report = o.verify();
    assert!(report.manifest_damaged(), "{report}");
    assert_eq!(report.files_checked, 0);
    let kinds: Vec<String> = o.found().into_iter().map(|(_, k)| k).collect();
    assert_eq!(kinds, ["leftover_temp", "manifest_damaged"]);
    assert!(report.to_string().contains("checksum mismatch"), "{report}");
    // The writer treats it as it treats a corrupt one: from nothing, with a warning.
    let built = o.build(&[("index.html", b"home"), ("a.html", b"a")]);
    assert!(built.manifest_warning.unwrap().contains("checksum"));
    assert!(o
        .verify()
        .problems
        .iter()
        .all(|p| p.kind == ProblemKind::LeftoverTemp));
}

#[test]
fn a_manifest_from_before_the_seal_is_verified_without_modes() {
    let o = out();
    o.build(&[("index.html", b"home")]);
    let meta = fs::metadata(o.path("index.html")).unwrap();
    let mtime_ns = meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128;
    let legacy = serde_json::json!({
        "version": 1,
        "output_dir": fs::canonicalize(&o.out).unwrap(),
        "files": { "index.html": {
            "size": 4, "mtime_ns": mtime_ns,
            "hash": format!("{:032x}", xxhash_rust::xxh3::xxh3_128(b"home")),
        }},
        "durable": false,
    });
    fs::write(o.state.join(MANIFEST_FILE), legacy.to_string()).unwrap();
    fs::set_permissions(o.path("index.html"), fs::Permissions::from_mode(0o600)).unwrap();
    assert!(o.verify().is_clean(), "no mode recorded: not checked");
    fs::write(o.path("index.html"), b"HOME").unwrap();
    assert_eq!(o.found(), pairs(&[("index.html", "modified")]));
    // The writer still reads it: a build keeps what it lists.
    assert_eq!(o.build(&[("index.html", b"HOME")]).written, 0);
}

#[test]
fn nothing_to_verify_against_is_an_error_not_a_report() {
    let o = out();
    let err = verify(&o.out, &o.state, LockMode::Fail).unwrap_err();
    assert!(matches!(err, OutputError::NotVerifiable { .. }), "{err}");
    o.build(&[("a.html", b"a")]);
    let elsewhere = o._tmp.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    let err = verify(&elsewhere, &o.state, LockMode::Fail).unwrap_err();
    assert!(
        err.to_string().contains("another output directory"),
        "{err}"
    );
}

#[test]
fn verify_does_not_read_while_a_build_holds_the_lock() {
    let o = out();
    o.build(&[("a.html", b"a")]);
    let w = OutputWriter::open(&o.out, o.options()).unwrap();
    let err = verify(&o.out, &o.state, LockMode::Fail).unwrap_err();
    assert!(matches!(err, OutputError::LockHeld { .. }), "{err}");
    drop(w);
    assert!(o.verify().is_clean());
}

#[test]
fn a_distrusted_file_is_rewritten_with_its_recorded_mode_though_its_stamp_matches() {
    let o = out();
    o.build(&[("a.html", b"original"), ("b.html", b"b")]);
    edit_keeping_mtime(&o.path("a.html"), b"ORIGINAL");
    fs::set_permissions(o.path("b.html"), fs::Permissions::from_mode(0o600)).unwrap();
    let hash = |b: &[u8]| xxhash_rust::xxh3::xxh3_128(b);
    // Trusting stamps, a build keeps the edited file.
    let w = OutputWriter::open(&o.out, o.options()).unwrap();
    assert!(w.keep("a.html", hash(b"original")).unwrap());
    drop(w);
    let bad = o.verify().to_rewrite();
    assert_eq!(bad, ["a.html", "b.html"]);
    let w = OutputWriter::open(&o.out, o.options().distrust(bad)).unwrap();
    assert!(!w.keep("a.html", hash(b"original")).unwrap());
    let expected = [("a.html", hash(b"original")), ("b.html", hash(b"b"))];
    let expected = expected.map(|(p, h)| (p.to_string(), h)).into();
    assert!(!w.keep_all_if_intact(&expected).unwrap());
    w.write("a.html", b"original").unwrap();
    w.write("b.html", b"b").unwrap();
    let report = w.finish().unwrap();
    assert_eq!(report.written, 2, "same bytes, but the mode was wrong");
    assert_eq!(fs::read(o.path("a.html")).unwrap(), b"original");
    let mode = fs::metadata(o.path("b.html")).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, sys::default_file_mode().unwrap_or(0o644));
    assert!(o.verify().is_clean());
}

#[test]
fn a_chmod_the_next_build_rewrites_through_is_recorded_not_reported() {
    let o = out();
    o.build(&[("a.html", b"v1")]);
    fs::set_permissions(o.path("a.html"), fs::Permissions::from_mode(0o640)).unwrap();
    assert_eq!(o.found(), pairs(&[("a.html", "permissions")]));
    // A build that finds the bytes already there keeps the recorded mode: still reported.
    assert_eq!(o.build(&[("a.html", b"v1")]).written, 0);
    assert_eq!(o.found(), pairs(&[("a.html", "permissions")]));
    o.build(&[("a.html", b"v2")]);
    let mode = fs::metadata(o.path("a.html")).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o640, "the writer keeps a replaced file's mode");
    assert!(o.verify().is_clean());
}

fn swap(o: &Out) -> OutputOptions {
    o.options().publish(Publish::Swap)
}

#[test]
fn restore_copies_from_the_standby_only_what_has_the_recorded_bytes() {
    let o = out();
    let files: [(&str, &[u8]); 4] = [
        ("index.html", b"home"),
        ("a.html", b"a"),
        ("b.html", b"b"),
        ("c.html", b"c"),
    ];
    o.build_with(swap(&o), &files);
    o.build_with(
        swap(&o).run(serde_json::json!({"run_id": "r2"})),
        &[
            ("index.html", b"home v2"),
            ("a.html", b"a"),
            ("b.html", b"b"),
            ("c.html", b"c"),
        ],
    );
    let standby = publish::standby_path(&fs::canonicalize(&o.out).unwrap());
    // Replaced (a new inode): the standby still has the bytes. Changed in place: the
    // standby shares the inode, so it is bad there too. index.html differs between the
    // generations. Permissions: the standby's inode is shared, so its mode is wrong too,
    // but its bytes are right.
    fs::remove_file(o.path("a.html")).unwrap();
    fs::write(o.path("a.html"), b"A").unwrap();
    {
        use std::io::Write;
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(o.path("b.html"))
            .unwrap();
        f.write_all(b"!").unwrap();
    }
    assert_eq!(fs::read(standby.join("b.html")).unwrap(), b"b!");
    fs::write(o.path("index.html"), b"HOME").unwrap();
    fs::set_permissions(o.path("c.html"), fs::Permissions::from_mode(0o600)).unwrap();
    let temp = ".x.sitegen-tmp-0123456789abcdef0123456789abcdef";
    fs::write(o.path(temp), b"").unwrap();
    fs::write(o.path("mine.txt"), b"mine").unwrap();
    let report = o.verify();
    let bad = report.to_rewrite();
    assert_eq!(bad, ["a.html", "b.html", "c.html", "index.html"]);
    let restored = restore_from_standby(
        &o.out,
        &o.state,
        &bad,
        &report.leftover_temps(),
        LockMode::Fail,
    )
    .unwrap();
    assert_eq!(restored.from_standby, ["a.html", "c.html"]);
    assert_eq!(restored.left, ["b.html", "index.html"]);
    assert_eq!(restored.temps_removed, [temp]);
    assert_eq!(fs::read(o.path("a.html")).unwrap(), b"a");
    assert_eq!(
        o.found(),
        pairs(&[
            ("b.html", "modified"),
            ("index.html", "modified"),
            ("mine.txt", "extra")
        ])
    );
    // A patch: nothing pruned, the run record kept, the standby untouched.
    assert_eq!(fs::read(o.path("mine.txt")).unwrap(), b"mine");
    let gens = generations(&o.out, &o.state);
    assert_eq!(gens.live.unwrap().run.unwrap()["run_id"], "r2");
    assert!(gens.standby.is_some());
    assert_eq!(fs::read(standby.join("index.html")).unwrap(), b"home");
}

#[test]
fn restore_leaves_everything_when_the_manifest_is_unusable() {
    let o = out();
    o.build(&[("a.html", b"a")]);
    fs::write(o.path("a.html"), b"A").unwrap();
    let manifest = o.state.join(MANIFEST_FILE);
    let mut bytes = fs::read(&manifest).unwrap();
    bytes[10] ^= 1;
    fs::write(&manifest, &bytes).unwrap();
    let paths = vec!["a.html".to_string()];
    let restored = restore_from_standby(&o.out, &o.state, &paths, &[], LockMode::Fail).unwrap();
    assert_eq!(restored.left, paths);
    assert_eq!(
        fs::read(&manifest).unwrap(),
        bytes,
        "the manifest is left as it was"
    );
}

#[test]
fn verify_stamps_do_not_matter_only_bytes_do() {
    let o = out();
    o.build(&[("a.html", b"a")]);
    let later = SystemTime::now() + Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(o.path("a.html"))
        .unwrap()
        .set_modified(later)
        .unwrap();
    assert!(
        o.verify().is_clean(),
        "a touched file with its bytes is sound"
    );
}
