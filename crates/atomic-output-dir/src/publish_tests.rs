//! Tests of `Publish::Swap` and `rollback`, against real directories.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::marker::DIRTY_MARKER;
use super::writer::MANIFEST_FILE;
use super::*;
use publish::STANDBY_MANIFEST_FILE;

struct Trees {
    _tmp: tempfile::TempDir,
    out: PathBuf,
    state: PathBuf,
}

fn trees() -> Trees {
    let tmp = tempfile::tempdir().unwrap();
    Trees {
        out: tmp.path().join("public"),
        state: tmp.path().join(".sitegen"),
        _tmp: tmp,
    }
}

/// Every file of `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy();
            (rel.into_owned(), fs::read_to_string(e.path()).unwrap())
        })
        .collect()
}

fn site(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Trees {
    fn writer(&self) -> OutputWriter {
        let options = OutputOptions::new(&self.state)
            .lock_mode(LockMode::Fail)
            .durability(Durability::None)
            .publish(Publish::Swap);
        OutputWriter::open(&self.out, options).unwrap()
    }

    /// A build that writes exactly `files`.
    fn build(&self, files: &BTreeMap<String, String>) -> WriteReport {
        let w = self.writer();
        for (path, text) in files {
            w.write(path, text.as_bytes()).unwrap();
        }
        w.finish().unwrap()
    }

    fn standby(&self) -> PathBuf {
        standby_path(&fs::canonicalize(&self.out).unwrap())
    }
}

#[test]
fn a_swap_build_switches_the_whole_tree_and_keeps_the_previous_one_beside_it() {
    let t = trees();
    let v1 = site(&[
        ("index.html", "v1"),
        ("style.css", "same"),
        ("old/a.html", "gone"),
    ]);
    let v2 = site(&[
        ("index.html", "v2"),
        ("style.css", "same"),
        ("new/b.html", "new"),
    ]);
    let first = t.build(&v1);
    assert!(first.swapped);
    assert_eq!(files(&t.out), v1);
    let second = t.build(&v2);
    assert!(second.swapped, "{second:?}");
    assert_eq!(files(&t.out), v2);
    // The standby is exactly the previous generation, outside the output directory.
    assert_eq!(files(&t.standby()), v1);
    assert!(!t.standby().starts_with(fs::canonicalize(&t.out).unwrap()));
    // Bytes both generations have are one inode (linked, never copied or rewritten).
    let ino = |dir: &Path| fs::metadata(dir.join("style.css")).unwrap().ino();
    assert_eq!(ino(&t.out), ino(&t.standby()));
    // No temps anywhere.
    for dir in [t.out.clone(), t.standby()] {
        let temps = walkdir::WalkDir::new(&dir)
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".sitegen-tmp-"))
            .count();
        assert_eq!(temps, 0, "{}", dir.display());
    }
}

#[test]
fn a_build_that_changes_nothing_does_not_swap_and_keeps_the_standby() {
    let t = trees();
    let v1 = site(&[("index.html", "v1")]);
    let v2 = site(&[("index.html", "v2")]);
    t.build(&v1);
    t.build(&v2);
    let w = t.writer();
    let expected: BTreeMap<String, u128> = v2
        .iter()
        .map(|(p, text)| (p.clone(), xxhash_rust::xxh3::xxh3_128(text.as_bytes())))
        .collect();
    assert!(w.keep_all_if_intact(&expected).unwrap());
    let report = w.finish().unwrap();
    assert!(!report.swapped);
    assert_eq!(report.unchanged, 1);
    assert_eq!(files(&t.out), v2);
    assert_eq!(files(&t.standby()), v1);
    // Writing the same bytes again does not swap either.
    assert!(!t.build(&v2).swapped);
    assert_eq!(
        files(&t.standby()),
        v2,
        "the standby caught up, the live tree is as it was"
    );
}

#[test]
fn rollback_swaps_back_byte_for_byte_and_rolls_forward() {
    let t = trees();
    let v1 = site(&[("index.html", "v1"), ("a/x.html", "x1")]);
    let v2 = site(&[("index.html", "v2"), ("b/y.html", "y2")]);
    t.build(&v1);
    let mtime = |p: &Path| fs::metadata(p).unwrap().mtime_nsec();
    let v1_mtime = mtime(&t.out.join("index.html"));
    t.build(&v2);
    let report = rollback(&t.out, &t.state, LockMode::Fail, OlderStandby::Refuse).unwrap();
    assert_eq!(report.files, 2);
    assert_eq!(files(&t.out), v1);
    assert_eq!(mtime(&t.out.join("index.html")), v1_mtime);
    rollback(&t.out, &t.state, LockMode::Fail, OlderStandby::Refuse).unwrap();
    assert_eq!(files(&t.out), v2);
    rollback(&t.out, &t.state, LockMode::Fail, OlderStandby::Refuse).unwrap();
    // A build after a rollback starts from what is live (v1) and is correct.
    let v3 = site(&[("index.html", "v3"), ("a/x.html", "x1")]);
    assert!(t.build(&v3).swapped);
    assert_eq!(files(&t.out), v3);
    assert_eq!(files(&t.standby()), v1);
}

#[test]
fn rollback_is_refused_without_a_complete_standby() {
    let t = trees();
    let v1 = site(&[("index.html", "v1")]);
    t.build(&v1);
    // Only one generation: nothing to go back to.
    let e = rollback(&t.out, &t.state, LockMode::Fail, OlderStandby::Refuse).unwrap_err();
    assert!(e.to_string().contains("no previous generation"), "{e}");
    t.build(&site(&[("index.html", "v2")]));
    // A build stopped while updating the standby leaves its marker: refused, unchanged.
    fs::write(t.state.join(DIRTY_MARKER), "").unwrap();
    let e = rollback(&t.out, &t.state, LockMode::Fail, OlderStandby::Refuse).unwrap_err();
    assert!(e.to_string().contains("next build repairs it"), "{e}");
    assert_eq!(fs::read_to_string(t.out.join("index.html")).unwrap(), "v2");
}

impl Trees {
    /// A `Publish::Files` build that writes exactly `files` into the live tree.
    fn build_files(&self, files: &BTreeMap<String, String>) {
        let options = OutputOptions::new(&self.state).durability(Durability::None);
        let w = OutputWriter::open(&self.out, options).unwrap();
        for (path, text) in files {
            w.write(path, text.as_bytes()).unwrap();
        }
        w.finish().unwrap();
    }
}

#[test]
fn rollback_refuses_a_standby_that_builds_published_file_by_file_have_left_behind() {
    let t = trees();
    let v = |n: &str| site(&[("index.html", n)]);
    t.build(&v("v1"));
    t.build(&v("v2"));
    t.build_files(&v("v3"));
    // Same files again: no new generation, the standby stays 2 behind, not 3.
    t.build_files(&v("v3"));
    let gens = generations(&t.out, &t.state);
    assert_eq!(gens.standby_behind, Some(2));
    let e = rollback(&t.out, &t.state, LockMode::Fail, OlderStandby::Refuse).unwrap_err();
    assert!(
        matches!(e, OutputError::StandbyOutdated { behind: 2, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("the build in between"), "{e}");
    assert_eq!(files(&t.out), v("v3"), "the live tree is untouched");
    assert_eq!(files(&t.standby()), v("v1"), "and so is the standby");
    // Forced, it restores the old standby, and rolls forward as usual.
    let report = rollback(&t.out, &t.state, LockMode::Fail, OlderStandby::Restore).unwrap();
    assert_eq!((report.behind, files(&t.out)), (Some(2), v("v1")));
    let report = rollback(&t.out, &t.state, LockMode::Fail, OlderStandby::Refuse).unwrap();
    assert_eq!((report.behind, files(&t.out)), (Some(1), v("v3")));
    // A swap build makes the live build the standby again: one behind.
    t.build(&v("v4"));
    let report = rollback(&t.out, &t.state, LockMode::Fail, OlderStandby::Refuse).unwrap();
    assert_eq!((report.behind, files(&t.out)), (Some(1), v("v3")));
}

#[test]
fn the_next_build_repairs_a_standby_a_stopped_build_left_half_updated() {
    let t = trees();
    t.build(&site(&[("index.html", "v1"), ("keep.html", "k")]));
    t.build(&site(&[("index.html", "v2"), ("keep.html", "k")]));
    // As a build killed during its commit leaves it: the marker, a file renamed in that no
    // manifest lists, a listed file replaced by other bytes.
    let standby = t.standby();
    fs::write(t.state.join(DIRTY_MARKER), "").unwrap();
    fs::create_dir_all(standby.join("half")).unwrap();
    fs::write(standby.join("half/new.html"), "stray").unwrap();
    fs::remove_file(standby.join("keep.html")).unwrap();
    fs::write(standby.join("keep.html"), "torn?").unwrap();
    let v3 = site(&[("index.html", "v3"), ("keep.html", "k")]);
    t.build(&v3);
    assert_eq!(files(&t.out), v3);
    assert!(!t.state.join(DIRTY_MARKER).exists());
    // And the standby is whole again: rollback gives v2 exactly.
    rollback(&t.out, &t.state, LockMode::Fail, OlderStandby::Refuse).unwrap();
    assert_eq!(
        files(&t.out),
        site(&[("index.html", "v2"), ("keep.html", "k")])
    );
}

#[test]
fn a_build_that_ends_without_committing_keeps_the_note_that_the_standby_needs_repair() {
    // Found by killing the example generator: a build killed while it updated the standby,
    // then a build that stopped before its commit (an error, a dropped writer), then one
    // that committed, published the killed build's stray files.
    let t = trees();
    t.build(&site(&[("index.html", "v1")]));
    t.build(&site(&[("index.html", "v2")]));
    fs::write(t.state.join(DIRTY_MARKER), "").unwrap();
    fs::write(t.standby().join("stray.html"), "of the killed build").unwrap();
    let dropped = t.writer();
    dropped.write("index.html", b"never committed").unwrap();
    drop(dropped);
    assert!(t.state.join(DIRTY_MARKER).exists(), "the note is kept");
    let v3 = site(&[("index.html", "v3")]);
    t.build(&v3);
    assert_eq!(files(&t.out), v3, "no stray published");
    assert!(!t.state.join(DIRTY_MARKER).exists());
}

#[test]
fn a_crash_between_the_swap_and_the_manifests_is_told_apart_by_inode() {
    let t = trees();
    let v1 = site(&[("index.html", "v1")]);
    let v2 = site(&[("index.html", "v2")]);
    t.build(&v1);
    t.build(&v2);
    // As if the manifests were saved before the exchange and the exchange then undone:
    // the two manifest files hold each other's content.
    let (live, standby) = (
        t.state.join(MANIFEST_FILE),
        t.state.join(STANDBY_MANIFEST_FILE),
    );
    let (a, b) = (fs::read(&live).unwrap(), fs::read(&standby).unwrap());
    fs::write(&live, b).unwrap();
    fs::write(&standby, a).unwrap();
    let v3 = site(&[("index.html", "v3")]);
    t.build(&v3);
    assert_eq!(files(&t.out), v3);
    rollback(&t.out, &t.state, LockMode::Fail, OlderStandby::Refuse).unwrap();
    assert_eq!(files(&t.out), v2);
}

#[test]
fn verify_says_no_manifest_describes_a_tree_a_stopped_commit_swapped_in() {
    let t = trees();
    t.build(&site(&[("index.html", "v1")]));
    t.build(&site(&[("index.html", "v2")]));
    // As a commit of v3 killed after its exchange and before it saved the manifests leaves
    // it: the standby brought to v3 and swapped in, the marker, the manifest files as they
    // were (the standby's names the live tree by inode but describes v1).
    let (live, standby) = (fs::canonicalize(&t.out).unwrap(), t.standby());
    fs::write(standby.join("index.html"), "v3").unwrap();
    fsops::exchange(&standby, &live).unwrap();
    fs::write(t.state.join(DIRTY_MARKER), "").unwrap();
    let report = verify(&t.out, &t.state, LockMode::Fail).unwrap();
    assert!(
        matches!(report.problems.as_slice(), [Problem {
            kind: ProblemKind::ManifestDamaged { reason }, ..
        }] if reason.contains("stopped between its swap")),
        "{report:?}"
    );
    // Without the marker (no commit was stopped) the standby's file is the live tree's.
    t.build(&site(&[("index.html", "v4")]));
    assert!(verify(&t.out, &t.state, LockMode::Fail).unwrap().is_clean());
}

#[test]
fn switching_from_files_to_swap_links_what_the_files_build_wrote() {
    let t = trees();
    let options = OutputOptions::new(&t.state)
        .lock_mode(LockMode::Fail)
        .durability(Durability::None);
    let w = OutputWriter::open(&t.out, options).unwrap();
    w.write("index.html", b"v1").unwrap();
    w.write("big.css", b"shared").unwrap();
    w.finish().unwrap();
    let ino = fs::metadata(t.out.join("big.css")).unwrap().ino();
    let v2 = site(&[("index.html", "v2"), ("big.css", "shared")]);
    assert!(t.build(&v2).swapped);
    assert_eq!(files(&t.out), v2);
    assert_eq!(fs::metadata(t.out.join("big.css")).unwrap().ino(), ino);
    rollback(&t.out, &t.state, LockMode::Fail, OlderStandby::Refuse).unwrap();
    assert_eq!(
        files(&t.out),
        site(&[("index.html", "v1"), ("big.css", "shared")])
    );
}

#[test]
fn without_the_exchange_a_swap_build_publishes_file_by_file_and_says_so() {
    let t = trees();
    publish::NO_EXCHANGE.with(|n| n.set(true));
    let report = t.build(&site(&[("index.html", "v1")]));
    let second = t.build(&site(&[("index.html", "v2")]));
    publish::NO_EXCHANGE.with(|n| n.set(false));
    let notice = report.publish_notice.expect("a notice");
    assert!(notice.contains("publishing file by file"), "{notice}");
    assert!(!report.swapped && !second.swapped);
    assert_eq!(files(&t.out), site(&[("index.html", "v2")]));
    assert!(!t.standby().exists());
    let e = rollback(&t.out, &t.state, LockMode::Fail, OlderStandby::Refuse).unwrap_err();
    assert!(e.to_string().contains("no previous generation"), "{e}");
}

#[test]
fn a_no_op_build_after_a_stopped_one_still_repairs_the_standby() {
    let t = trees();
    let v2 = site(&[("index.html", "v2")]);
    t.build(&site(&[("index.html", "v1")]));
    t.build(&v2);
    fs::write(t.state.join(DIRTY_MARKER), "").unwrap();
    fs::write(t.standby().join("stray.html"), "half a build").unwrap();
    let w = t.writer();
    let expected: BTreeMap<String, u128> = v2
        .iter()
        .map(|(p, text)| (p.clone(), xxhash_rust::xxh3::xxh3_128(text.as_bytes())))
        .collect();
    assert!(
        !w.keep_all_if_intact(&expected).unwrap(),
        "not a no-op: the standby needs repair"
    );
    for (path, text) in &v2 {
        w.write(path, text.as_bytes()).unwrap();
    }
    w.finish().unwrap();
    assert!(!t.state.join(DIRTY_MARKER).exists());
    assert_eq!(
        files(&t.standby()),
        v2,
        "repaired (the stopped build had overwritten v1)"
    );
    rollback(&t.out, &t.state, LockMode::Fail, OlderStandby::Refuse).unwrap();
    assert_eq!(files(&t.out), v2);
}
