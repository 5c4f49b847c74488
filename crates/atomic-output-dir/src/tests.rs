//! Unit tests of the output layer, against real directories.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::*;

struct Site {
    _tmp: tempfile::TempDir,
    out: PathBuf,
    state: PathBuf,
    temps: TempFiles,
}

fn site() -> Site {
    site_with(TempFiles::Auto)
}

fn site_with(temps: TempFiles) -> Site {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let state = tmp.path().join(".sitegen");
    Site {
        out,
        state,
        _tmp: tmp,
        temps,
    }
}

impl Site {
    fn open(&self) -> OutputWriter {
        let options = OutputOptions::new(&self.state)
            .lock_mode(LockMode::Fail)
            .temp_files(self.temps);
        OutputWriter::open(&self.out, options).unwrap()
    }

    fn build(&self, files: &[(&str, &[u8])]) -> WriteReport {
        let w = self.open();
        for (path, bytes) in files {
            w.write(path, bytes).unwrap();
        }
        w.finish().unwrap()
    }

    fn read(&self, path: &str) -> Vec<u8> {
        fs::read(self.out.join(path)).unwrap()
    }
}

/// Every file below `dir`, relative, sorted.
fn all_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    files
}

fn temps_in(dir: &Path) -> Vec<String> {
    all_files(dir)
        .into_iter()
        .filter(|f| f.contains(".sitegen-tmp-"))
        .collect()
}

#[test]
fn writes_unicode_binary_and_empty_files() {
    let s = site();
    let binary: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let report = s.build(&[
        ("日本語/ページ.html", "héllo wörld ✓".as_bytes()),
        ("bin/data.bin", &binary),
        ("empty.txt", b""),
    ]);
    assert_eq!(report.written, 3);
    assert_eq!(s.read("日本語/ページ.html"), "héllo wörld ✓".as_bytes());
    assert_eq!(s.read("bin/data.bin"), binary);
    assert_eq!(s.read("empty.txt"), b"");
    assert!(temps_in(&s.out).is_empty());
}

#[test]
fn streams_64_mib() {
    let s = site();
    let w = s.open();
    let mut pending = w.create("big.bin").unwrap();
    let chunk: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    for _ in 0..64 {
        pending.write_all(&chunk).unwrap();
    }
    pending.commit().unwrap();
    let report = w.finish().unwrap();
    assert_eq!(report.bytes_written, 64 * 1024 * 1024);
    let data = s.read("big.bin");
    assert_eq!(data.len(), 64 * 1024 * 1024);
    assert!(data.chunks(chunk.len()).all(|c| c == chunk.as_slice()));
}

#[test]
fn overwrites_and_keeps_mode() {
    let s = site();
    s.build(&[("a.html", b"one"), ("b.sh", b"#!/bin/sh\n")]);
    fs::set_permissions(s.out.join("b.sh"), fs::Permissions::from_mode(0o750)).unwrap();
    let report = s.build(&[("a.html", b"two"), ("b.sh", b"#!/bin/sh\necho\n")]);
    assert_eq!(report.written, 2);
    assert_eq!(s.read("a.html"), b"two");
    assert_eq!(
        fs::metadata(s.out.join("b.sh"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o750
    );
    assert_eq!(
        fs::metadata(s.out.join("a.html"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
            & !0o022,
        0o644
    );
}

#[test]
fn replaces_a_symlink_at_the_target_instead_of_writing_through_it() {
    let s = site();
    let victim = s._tmp.path().join("victim.txt");
    fs::write(&victim, b"precious").unwrap();
    fs::create_dir_all(&s.out).unwrap();
    symlink(&victim, s.out.join("index.html")).unwrap();
    s.build(&[("index.html", b"page")]);
    assert_eq!(fs::read(&victim).unwrap(), b"precious");
    assert!(fs::symlink_metadata(s.out.join("index.html"))
        .unwrap()
        .is_file());
    assert_eq!(s.read("index.html"), b"page");
}

#[test]
fn refuses_escaping_paths_and_symlinked_parents() {
    let s = site();
    let outside = s._tmp.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::create_dir_all(&s.out).unwrap();
    symlink(&outside, s.out.join("link")).unwrap();
    fs::create_dir_all(s.out.join("real")).unwrap();
    symlink(s.out.join("real"), s.out.join("inner-link")).unwrap();
    let w = s.open();
    for bad in [
        "../x",
        "/etc/x",
        "a/../../x",
        "a\0b",
        "link/x.html",
        "link/deeper/x.html",
    ] {
        let err = w.write(bad, b"x").unwrap_err();
        assert!(
            matches!(err, OutputError::PathEscape { .. }),
            "{bad:?}: {err}"
        );
        assert!(
            err.to_string().contains("previous output is intact"),
            "{err}"
        );
    }
    w.write("inner-link/ok.html", b"ok").unwrap();
    w.finish().unwrap();
    assert!(all_files(&outside).is_empty(), "nothing written outside");
    assert_eq!(fs::read(s.out.join("real/ok.html")).unwrap(), b"ok");
}

#[test]
fn refuses_a_directory_as_target() {
    let s = site();
    fs::create_dir_all(s.out.join("dir")).unwrap();
    let w = s.open();
    assert!(matches!(
        w.write("dir", b"x"),
        Err(OutputError::TargetIsDirectory { .. })
    ));
}

#[test]
fn temps_are_cleaned_on_success_on_error_and_on_drop() {
    for temps in [TempFiles::Auto, TempFiles::Named] {
        temps_are_cleaned(site_with(temps));
    }
}

fn temps_are_cleaned(s: Site) {
    s.build(&[("keep.html", b"old")]);

    // Error: a conflicting second write of one path fails; then the writer is dropped.
    let w = s.open();
    w.write("keep.html", b"new").unwrap();
    w.write("fresh/new.html", b"new").unwrap();
    let mut streaming = w.create("stream.html").unwrap();
    streaming.write_all(b"half").unwrap();
    assert!(matches!(
        w.write("keep.html", b"other"),
        Err(OutputError::Conflict { .. })
    ));
    if s.temps == TempFiles::Named {
        assert_eq!(
            temps_in(&s.out).len(),
            3,
            "named temps are on disk while staged"
        );
    }
    drop(streaming);
    drop(w);
    assert_eq!(all_files(&s.out), vec!["keep.html"]);
    assert_eq!(s.read("keep.html"), b"old", "old output untouched");
    assert!(
        !s.out.join("fresh").exists(),
        "directories created for the failed build removed"
    );

    // Panic while a file is being streamed.
    let result = std::panic::catch_unwind(|| {
        let w = s.open();
        let mut p = w.create("panic.html").unwrap();
        p.write_all(b"partial").unwrap();
        panic!("render failed");
    });
    assert!(result.is_err());
    assert_eq!(all_files(&s.out), vec!["keep.html"]);
    assert!(temps_in(&s.state).is_empty());
}

#[test]
fn identical_bytes_leave_the_file_and_its_mtime_alone() {
    let s = site();
    s.build(&[("a.html", b"same"), ("b.html", b"old")]);
    let old = mtime(&s.out.join("a.html"));
    std::thread::sleep(Duration::from_millis(20));
    let report = s.build(&[("a.html", b"same"), ("b.html", b"new")]);
    assert_eq!((report.written, report.unchanged), (1, 1));
    assert_eq!(mtime(&s.out.join("a.html")), old);

    // Without a manifest entry (state dir lost), the bytes are compared.
    fs::remove_dir_all(&s.state).unwrap();
    let report = s.build(&[("a.html", b"same"), ("b.html", b"new")]);
    assert_eq!((report.written, report.unchanged), (0, 2));
    assert_eq!(mtime(&s.out.join("a.html")), old);
}

fn mtime(path: &Path) -> std::time::SystemTime {
    fs::metadata(path).unwrap().modified().unwrap()
}

#[test]
fn prune_removes_only_files_the_previous_build_wrote() {
    let s = site();
    s.build(&[
        ("a.html", b"a"),
        ("old/gone.html", b"g"),
        ("old/stays.html", b"s"),
    ]);
    fs::write(s.out.join("user.txt"), b"mine").unwrap();
    fs::write(s.out.join("old/user-note.txt"), b"mine too").unwrap();
    let report = s.build(&[("a.html", b"a"), ("old/stays.html", b"s")]);
    assert_eq!(report.pruned, 1);
    assert_eq!(
        all_files(&s.out),
        vec!["a.html", "old/stays.html", "old/user-note.txt", "user.txt"]
    );

    // Empty directories left by pruning go too.
    let report = s.build(&[("a.html", b"a")]);
    assert_eq!(report.pruned, 1);
    assert!(s.out.join("old/user-note.txt").exists());
    fs::remove_file(s.out.join("old/user-note.txt")).unwrap();
    s.build(&[("x/y/z.html", b"z")]);
    s.build(&[("a.html", b"a")]);
    assert!(!s.out.join("x").exists());
}

#[test]
fn a_manifest_for_another_output_dir_never_prunes() {
    let s = site();
    s.build(&[("a.html", b"a")]);
    let other = s._tmp.path().join("elsewhere");
    fs::create_dir_all(&other).unwrap();
    fs::write(other.join("a.html"), b"user file").unwrap();
    let w = OutputWriter::open(&other, OutputOptions::new(&s.state)).unwrap();
    w.write("b.html", b"b").unwrap();
    let report = w.finish().unwrap();
    assert_eq!(report.pruned, 0);
    assert!(report.manifest_warning.is_some());
    assert_eq!(fs::read(other.join("a.html")).unwrap(), b"user file");
}

#[test]
fn thirty_two_threads_write_distinct_and_identical_paths() {
    for temps in [TempFiles::Auto, TempFiles::Named] {
        thirty_two_threads(site_with(temps));
    }
}

fn thirty_two_threads(s: Site) {
    let w = Arc::new(s.open());
    let threads: Vec<_> = (0..32)
        .map(|t| {
            let w = Arc::clone(&w);
            std::thread::spawn(move || {
                for i in 0..50 {
                    w.write(format!("t{t}/f{i}.html"), format!("{t}-{i}").as_bytes())
                        .unwrap();
                    w.write("shared/index.html", b"same for all").unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let w = Arc::into_inner(w).unwrap();
    let report = w.finish().unwrap();
    assert_eq!(report.written, 32 * 50 + 1);
    assert_eq!(s.read("shared/index.html"), b"same for all");
    assert_eq!(s.read("t31/f49.html"), b"31-49");
    assert_eq!(all_files(&s.out).len(), 32 * 50 + 1);
}

#[test]
fn a_second_writer_on_the_same_state_fails_naming_the_pid() {
    let s = site();
    let _first = s.open();
    let err = OutputWriter::open(
        &s.out,
        OutputOptions::new(&s.state).lock_mode(LockMode::Fail),
    )
    .err()
    .unwrap();
    let msg = err.to_string();
    assert!(matches!(err, OutputError::LockHeld { .. }));
    assert!(msg.contains(&std::process::id().to_string()), "{msg}");
}

#[test]
fn open_sweeps_only_sitegen_temps_left_by_a_killed_run() {
    let s = site();
    s.build(&[("a/index.html", b"a")]);
    let debris = s
        .out
        .join("a/.index.html.sitegen-tmp-0123456789abcdef0123456789abcdef");
    let lookalike = s.out.join("a/.index.html.sitegen-tmp-keep");
    fs::write(&debris, b"half").unwrap();
    fs::write(&lookalike, b"user").unwrap();
    fs::write(s.state.join("output.in-progress"), b"").unwrap();
    let w = s.open();
    assert!(!debris.exists());
    assert!(lookalike.exists());
    let report = w.finish().unwrap();
    assert_eq!(report.temps_swept, 1);
}

#[test]
fn durability_none_writes_the_same_bytes() {
    let s = site();
    let w = OutputWriter::open(
        &s.out,
        OutputOptions::new(&s.state).durability(Durability::None),
    )
    .unwrap();
    w.write("a.html", b"fast").unwrap();
    w.copy("copied.bin", s.state.join("output.lock")).unwrap();
    assert_eq!(w.finish().unwrap().written, 2);
    assert_eq!(s.read("a.html"), b"fast");
}

/// Small files are read whole, large ones streamed: both land byte for byte, and a copy of
/// unchanged bytes over the previous build's file is kept, not written again.
#[test]
fn copies_small_and_large_files_whole_and_keeps_unchanged_ones() {
    let s = site();
    let small = s._tmp.path().join("small.bin");
    let large = s._tmp.path().join("large.bin");
    fs::write(&small, b"icon").unwrap();
    let big: Vec<u8> = (0..(3 << 20) + 17).map(|i: u32| (i % 251) as u8).collect();
    fs::write(&large, &big).unwrap();
    let w = s.open();
    w.copy("a/small.bin", &small).unwrap();
    w.copy("b/large.bin", &large).unwrap();
    assert_eq!(w.finish().unwrap().written, 2);
    assert_eq!(s.read("a/small.bin"), b"icon");
    assert_eq!(s.read("b/large.bin"), big);
    let w = s.open();
    w.copy("a/small.bin", &small).unwrap();
    w.copy("b/large.bin", &large).unwrap();
    let report = w.finish().unwrap();
    assert_eq!((report.written, report.unchanged), (0, 2));
}

#[test]
fn copy_names_the_missing_source() {
    let s = site();
    let w = s.open();
    let err = w.copy("x.png", "/nonexistent/source.png").unwrap_err();
    assert!(err.to_string().contains("/nonexistent/source.png"), "{err}");
}

#[test]
fn remove_all_removes_only_what_sitegen_wrote() {
    let s = site();
    s.build(&[("a.html", b"a"), ("d/b.html", b"b")]);
    fs::write(s.out.join("d/user.txt"), b"mine").unwrap();
    let report = s.open().remove_all().unwrap();
    assert_eq!(report.pruned, 2);
    assert_eq!(all_files(&s.out), vec!["d/user.txt"]);
    fs::remove_file(s.out.join("d/user.txt")).unwrap();
    s.build(&[("a.html", b"a")]);
    s.open().remove_all().unwrap();
    assert!(!s.out.join("a.html").exists());
    assert!(!s.state.join("output-manifest.json").exists());
}

#[test]
fn keep_all_if_listed_answers_as_the_full_list_does() {
    let s = site();
    s.build(&[("a.html", b"a"), ("b/index.html", b"b")]);
    let hash = |b: &[u8]| xxhash_rust::xxh3::xxh3_128(b);
    let listing = |files: &[(&str, &[u8])]| Listing::of(files.iter().map(|(p, b)| (*p, hash(b))));
    let same = listing(&[("a.html", b"a"), ("b/index.html", b"b")]);
    let w = s.open();
    assert!(!w.keep_all_if_listed(listing(&[("a.html", b"a")])).unwrap());
    assert!(!w
        .keep_all_if_listed(listing(&[("a.html", b"a"), ("b/index.html", b"x")]))
        .unwrap());
    assert!(w.keep_all_if_listed(same).unwrap());
    let report = w.finish().unwrap();
    assert_eq!((report.written, report.unchanged, report.pruned), (0, 2, 0));

    fs::write(s.out.join("b/index.html"), b"tampered").unwrap();
    let w = s.open();
    assert!(
        !w.keep_all_if_listed(same).unwrap(),
        "b/index.html changed on disk"
    );
    w.write("b/index.html", b"b").unwrap();
    w.keep("a.html", hash(b"a")).unwrap();
    w.finish().unwrap();
    assert_eq!(fs::read(s.out.join("b/index.html")).unwrap(), b"b");
}

#[test]
fn keep_stages_intact_files_and_refuses_changed_ones() {
    let s = site();
    s.build(&[("a.html", b"a"), ("b.html", b"b")]);
    let hash = |b: &[u8]| xxhash_rust::xxh3::xxh3_128(b);
    let expected: std::collections::BTreeMap<String, u128> = [
        ("a.html".to_string(), hash(b"a")),
        ("b.html".to_string(), hash(b"b")),
    ]
    .into();
    let w = s.open();
    let mut stale = expected.clone();
    stale.insert("b.html".into(), hash(b"what the caller thinks is there"));
    assert!(
        !w.keep_all_if_intact(&stale).unwrap(),
        "hash differs from the manifest"
    );
    assert!(!w.keep("b.html", hash(b"other")).unwrap());
    assert!(w.keep_all_if_intact(&expected).unwrap());
    let report = w.finish().unwrap();
    assert_eq!((report.written, report.unchanged, report.pruned), (0, 2, 0));

    fs::write(s.out.join("b.html"), b"tampered").unwrap();
    let w = s.open();
    assert!(
        !w.keep_all_if_intact(&expected).unwrap(),
        "b.html changed on disk"
    );
    assert!(w.keep("a.html", hash(b"a")).unwrap());
    assert!(!w.keep("b.html", hash(b"b")).unwrap());
    assert!(!w.keep("never-written.html", hash(b"")).unwrap());
    w.write("b.html", b"b").unwrap();
    let report = w.finish().unwrap();
    assert_eq!((report.written, report.unchanged), (1, 1));
    assert_eq!(s.read("b.html"), b"b");
}

#[test]
fn fill_streams_hashes_and_names_the_file_in_errors() {
    let s = site();
    let w = s.open();
    let mut pending = w.create("feed.xml").unwrap();
    pending
        .fill(|out| {
            for _ in 0..10_000 {
                out.write_all(b"<item>x</item>\n")?;
            }
            Ok(())
        })
        .unwrap();
    let hash = pending.content_hash();
    pending.commit().unwrap();
    let mut failing = w.create("broken.xml").unwrap();
    let err = failing
        .fill(|out| {
            out.write_all(b"<rss>")?;
            Err(std::io::Error::from_raw_os_error(libc::ENOSPC))
        })
        .unwrap_err();
    assert!(matches!(err, OutputError::DiskFull { .. }), "{err}");
    assert!(err.to_string().contains("broken.xml"), "{err}");
    drop(failing);
    w.finish().unwrap();
    let bytes = s.read("feed.xml");
    assert_eq!(bytes.len(), 150_000);
    assert_eq!(hash, xxhash_rust::xxh3::xxh3_128(&bytes));
    assert!(!s.out.join("broken.xml").exists());
}
