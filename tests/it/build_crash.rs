//! Site-level crash safety: `sitegen build` SIGKILLed at random moments over an existing
//! build of a changed site. Every output file must be the old or the new version (none
//! missing, none torn), and a completed run afterwards leaves zero debris.

use std::time::{Duration, Instant};

use crate::common::{build, commit_window, generated_site, sitegen, snapshot, temps};

/// Clean builds of the generated site in each version: what every output must equal.
fn clean_builds(
    dir: &std::path::Path,
    pages: usize,
    versions: [&str; 2],
) -> Vec<std::collections::BTreeMap<String, Vec<u8>>> {
    versions
        .iter()
        .map(|v| {
            let root = dir.join(v);
            generated_site(&root, pages, v);
            let out = build(&root, &["--durability", "none"]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            snapshot(&root.join("public"))
        })
        .collect()
}

#[test]
fn sigkill_during_site_builds_leaves_old_or_new_files() {
    const PAGES: usize = 400;
    const TRIALS: usize = 24;
    let tmp = tempfile::tempdir().unwrap();
    let versions = ["alpha", "beta"];
    let snaps = clean_builds(tmp.path(), PAGES, versions);
    assert_eq!(
        snaps[0].keys().collect::<Vec<_>>(),
        snaps[1].keys().collect::<Vec<_>>()
    );
    let changed = snaps[0].iter().filter(|(k, v)| snaps[1][*k] != **v).count();
    assert!(
        changed > PAGES,
        "most outputs differ between versions ({changed})"
    );

    let work = tmp.path().join("work");
    generated_site(&work, PAGES, versions[0]);
    assert!(build(&work, &[]).status.success());
    // Time one full rebuild of the changed site, to spread kills over a whole run.
    generated_site(&work, PAGES, versions[1]);
    let started = Instant::now();
    assert!(build(&work, &[]).status.success());
    let full = started.elapsed();

    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let (mut checked, mut failures, mut mixed) = (0, 0, 0);
    for trial in 0..TRIALS {
        generated_site(&work, PAGES, versions[trial % 2]);
        let mut child = sitegen()
            .arg("build")
            .arg("--root")
            .arg(&work)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_micros(seed % (full.as_micros() as u64 + 1)));
        let _ = child.kill();
        child.wait().unwrap();
        let now = snapshot(&work.join("public"));
        let (mut old, mut new) = (0, 0);
        for (path, a) in &snaps[0] {
            checked += 1;
            match now.get(path) {
                Some(bytes) if bytes == a && bytes == &snaps[1][path] => {}
                Some(bytes) if bytes == a => old += 1,
                Some(bytes) if bytes == &snaps[1][path] => new += 1,
                other => {
                    failures += 1;
                    eprintln!(
                        "trial {trial}: {path} is {}",
                        if other.is_some() {
                            "neither version"
                        } else {
                            "missing"
                        }
                    );
                }
            }
        }
        if old > 0 && new > 0 {
            mixed += 1;
        }
        let extra: Vec<_> = now
            .keys()
            .filter(|k| !snaps[0].contains_key(*k) && !k.contains(".sitegen-tmp-"))
            .collect();
        assert!(extra.is_empty(), "unexpected files: {extra:?}");
    }
    println!("site kill test: {TRIALS} trials, {checked} files checked, {failures} failures, {mixed} trials killed mid-commit");
    assert_eq!(failures, 0);

    // A completed run afterwards: exactly the new version, zero debris.
    generated_site(&work, PAGES, versions[1]);
    assert!(build(&work, &[]).status.success());
    assert!(temps(&work.join("public")).is_empty());
    let last = snapshot(&work.join("public"));
    let differing: Vec<&String> = last
        .keys()
        .chain(snaps[1].keys())
        .filter(|k| last.get(*k) != snaps[1].get(*k))
        .collect();
    assert!(
        differing.is_empty(),
        "after the kills, a full run must equal a clean build: {differing:?}"
    );
}

/// `--publish swap`: the live output is one whole generation after every kill (never a mix
/// of two builds), and the next build repairs whatever the kill left in the standby.
#[test]
fn sigkill_during_swap_builds_leaves_the_whole_old_or_new_site() {
    const PAGES: usize = 300;
    const TRIALS: usize = 24;
    let tmp = tempfile::tempdir().unwrap();
    let versions = ["alpha", "beta"];
    let swap = ["--publish", "swap", "--durability", "none"];
    let snaps = clean_builds(tmp.path(), PAGES, versions);
    let work = tmp.path().join("work");
    generated_site(&work, PAGES, versions[0]);
    assert!(build(&work, &swap).status.success());
    // One undisturbed build of the changed site, with its phase timings: where its commit
    // (renames into the standby, the exchange) starts and how long it takes, so that half
    // of the kills can aim inside it.
    generated_site(&work, PAGES, versions[1]);
    let started = Instant::now();
    let timed = sitegen()
        .args(["build", "--publish", "swap", "--root"])
        .arg(&work)
        .env("SITEGEN_TIMINGS", "1")
        .output()
        .unwrap();
    let full = started.elapsed();
    assert!(timed.status.success());
    let (commit_start, commit_len) = commit_window(&String::from_utf8_lossy(&timed.stderr));

    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let (mut old, mut new, mut failures) = (0, 0, 0);
    for trial in 0..TRIALS {
        generated_site(&work, PAGES, versions[trial % 2]);
        let mut child = sitegen()
            .args(["build", "--publish", "swap", "--root"])
            .arg(&work)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Even trials: anywhere in the build (and after it); odd trials: inside the commit.
        let delay = match trial % 2 {
            0 => seed % (full.as_micros() as u64 * 3 / 2 + 1),
            _ => commit_start + seed % (commit_len + 1),
        };
        std::thread::sleep(Duration::from_micros(delay));
        let _ = child.kill();
        child.wait().unwrap();
        let now = snapshot(&work.join("public"));
        if now == snaps[0] {
            old += 1;
        } else if now == snaps[1] {
            new += 1;
        } else {
            failures += 1;
            let differing = now
                .keys()
                .chain(snaps[0].keys())
                .filter(|k| now.get(*k) != snaps[0].get(*k) && now.get(*k) != snaps[1].get(*k))
                .count();
            eprintln!("trial {trial}: the live output is neither whole generation ({differing} files neither)");
        }
    }
    println!("swap kill test: {TRIALS} trials (half aimed inside the commit, {commit_len} us from {commit_start} us): live was the whole old site {old} times, the whole new site {new} times, a mix {failures} times");
    assert_eq!(failures, 0);

    // The next builds repair the standby: a build, then rollback, gives the other version
    // whole; and no temps are left in either tree.
    generated_site(&work, PAGES, versions[0]);
    assert!(build(&work, &swap).status.success());
    generated_site(&work, PAGES, versions[1]);
    assert!(build(&work, &swap).status.success());
    assert_eq!(snapshot(&work.join("public")), snaps[1]);
    let standby = work.join(".public.sitegen-standby");
    assert_eq!(snapshot(&standby), snaps[0]);
    assert!(temps(&work.join("public")).is_empty() && temps(&standby).is_empty());
    let rollback = sitegen()
        .args(["rollback", "--root"])
        .arg(&work)
        .output()
        .unwrap();
    assert!(
        rollback.status.success(),
        "{}",
        String::from_utf8_lossy(&rollback.stderr)
    );
    assert_eq!(snapshot(&work.join("public")), snaps[0]);
}
