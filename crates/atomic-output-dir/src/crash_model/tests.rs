//! The explorer run on each scenario, and the mutation check: every sync of the writer is
//! needed, and the explorer shows a state that needs it.

use std::collections::BTreeSet;

use super::explore::{Broken, Violation};
use super::scenarios::{run, Kind, Mode};
use crate::fsops::SyncSite;
use crate::TempFiles;

/// Explores `kind` in the usual modes (anonymous temps with `syncfs`, anonymous temps with
/// the fsync fallback, named temps with `syncfs`) and fails on any violation.
fn explore_all_modes(kind: Kind) {
    let modes = [
        ("syncfs, unnamed temps", Mode::new(TempFiles::Auto, false)),
        (
            "fsync fallback, unnamed temps",
            Mode::new(TempFiles::Auto, true),
        ),
        ("syncfs, named temps", Mode::new(TempFiles::Named, false)),
    ];
    let mut failures = Vec::new();
    for (name, mode) in modes {
        let outcome = run(kind, &mode, &|_| false);
        let r = &outcome.report;
        println!(
            "crash states: {kind:?} ({name}): {} steps, {} combinations, {} distinct states checked, \
             {} reopened, {} prefixes reduced, {} violations, {:.2?} ({:.2?} reopening)",
            r.steps,
            r.combinations,
            r.states,
            r.recovered,
            r.reduced_prefixes,
            r.violations.len(),
            outcome.took,
            r.recovery_time,
        );
        let mut kinds = BTreeSet::new();
        for v in &r.violations {
            let text = v.to_string();
            let key = normalize(&format!("{} | {}", v.problem, v.lost.join("; ")));
            if kinds.insert(key) && kinds.len() <= 12 {
                println!("  {text}");
            }
        }
        if let Some(v) = r.violations.first() {
            failures.push(format!(
                "{kind:?} ({name}): {} violations; first: {v}",
                r.violations.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn crash_states_of_a_fresh_build() {
    explore_all_modes(Kind::Fresh);
}

#[test]
fn crash_states_of_a_rebuild_with_changes_and_prunes() {
    explore_all_modes(Kind::Rebuild);
}

#[test]
fn crash_states_of_a_swap_build() {
    explore_all_modes(Kind::Swap);
}

#[test]
fn crash_states_of_a_rollback() {
    explore_all_modes(Kind::Rollback);
}

/// Each sync site, with the modes that make it: the fallback sites need `syncfs` missing;
/// the marker is synced before the first named temp.
fn sites() -> Vec<(SyncSite, Vec<Mode>)> {
    let syncfs = || vec![Mode::new(TempFiles::Auto, false)];
    let fallback = || vec![Mode::new(TempFiles::Auto, true)];
    vec![
        (SyncSite::CommitDataSyncfs, syncfs()),
        (SyncSite::CommitDirsSyncfs, syncfs()),
        (SyncSite::CommitDataFsync, fallback()),
        (SyncSite::CommitDirsFsync, fallback()),
        (
            SyncSite::Marker,
            vec![
                Mode::new(TempFiles::Named, false),
                Mode::new(TempFiles::Named, true),
            ],
        ),
        (SyncSite::AtomicFile, syncfs()),
        (SyncSite::AtomicDir, syncfs()),
        (SyncSite::SwapParent, syncfs()),
    ]
}

/// The mutation check: with any one sync site's syncs left out of the log (as if the code
/// did not make them), the explorer must find a state that breaks the invariant or from
/// which the writer does not recover. Prints, per site, the first such state.
#[test]
fn removing_any_single_sync_is_caught() {
    let mut table = Vec::new();
    let mut missed = Vec::new();
    for (site, modes) in sites() {
        // The first state found, and the first that breaks more than the promise that a
        // returned commit is on disk (searched for until found or all runs are explored).
        let (mut first, mut harmful) = (None, None);
        'runs: for mut mode in modes {
            mode.pretend.omit = BTreeSet::from([site]);
            let syncfs = if mode.pretend.no_syncfs {
                "fsync fallback"
            } else {
                "syncfs"
            };
            for kind in Kind::ALL {
                let outcome = run(kind, &mode, &|v| v.kind != Broken::Returned);
                let at =
                    |v: &Violation| format!("{kind:?} ({syncfs}, {:?} temps): {v}", mode.temps);
                let violations = outcome.report.violations;
                first = first.or_else(|| violations.first().map(at));
                if let Some(v) = violations.iter().find(|v| v.kind != Broken::Returned) {
                    harmful = Some(at(v));
                    break 'runs;
                }
            }
        }
        match first {
            Some(state) => table.push(format!(
                "{site:?} -> {state}\n    beyond the returned-commit promise: {}",
                harmful.as_deref().unwrap_or("none found")
            )),
            None => missed.push(format!("{site:?}")),
        }
    }
    println!("sync site -> first violating state:\n{}", table.join("\n"));
    assert!(
        missed.is_empty(),
        "syncs no state needs: {}",
        missed.join(", ")
    );
}

/// `text` with temp and probe names' random parts cut, to group violations.
fn normalize(text: &str) -> String {
    let re = regex::Regex::new(r"[0-9a-f]{32}").unwrap();
    let re2 = regex::Regex::new(r"^\d+ |; \d+ ").unwrap();
    re2.replace_all(&re.replace_all(text, "*"), "; ")
        .into_owned()
}
