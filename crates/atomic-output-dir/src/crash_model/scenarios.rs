//! The recorded runs: a fresh build, a rebuild with changes and prunes, a swap build and a
//! rollback, each through the writer's public API with `Durability::Fsync`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::explore::{explore, latest, Report, Spec, Violation};
use super::model::Model;
use super::recovery::{recover, Reopen, Site};
use crate::fsops::recorder::{Pretend, Recording};
use crate::publish::STANDBY_MANIFEST_FILE;
use crate::writer::{LOCK_FILE, MANIFEST_FILE};
use crate::{
    rollback, Durability, LockMode, OlderStandby, OutputOptions, OutputWriter, Publish, TempFiles,
};

/// What the recorded run does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Build the first site into a missing output directory.
    Fresh,
    /// Build the second site over the first: changed, unchanged, new and pruned files.
    Rebuild,
    /// `Publish::Swap`, with two generations already built: build the third.
    Swap,
    /// `Publish::Swap`, two generations built: roll back to the first.
    Rollback,
}

impl Kind {
    pub(crate) const ALL: [Kind; 4] = [Kind::Fresh, Kind::Rebuild, Kind::Swap, Kind::Rollback];

    fn publish(self) -> Publish {
        match self {
            Kind::Fresh | Kind::Rebuild => Publish::Files,
            Kind::Swap | Kind::Rollback => Publish::Swap,
        }
    }
}

/// How the run is made: which temps, and what the recording pretends.
#[derive(Clone, Debug)]
pub(crate) struct Mode {
    pub(crate) temps: TempFiles,
    pub(crate) pretend: Pretend,
}

impl Mode {
    pub(crate) fn new(temps: TempFiles, no_syncfs: bool) -> Mode {
        Mode {
            temps,
            pretend: Pretend {
                no_syncfs,
                ..Pretend::default()
            },
        }
    }
}

fn site(files: &[(&str, &str)]) -> Site {
    files
        .iter()
        .map(|(p, b)| (p.to_string(), b.as_bytes().to_vec()))
        .collect()
}

/// The three generations: each changes, keeps, adds and prunes files (and directories).
pub(crate) fn generation(n: u8) -> Site {
    match n {
        1 => site(&[
            ("index.html", "<h1>one</h1>"),
            ("blog/a/index.html", "<p>a, first and last</p>"),
            ("blog/b/index.html", "<p>b1</p>"),
            ("old/x.html", "x"),
            ("site.css", "body{}"),
        ]),
        2 => site(&[
            ("index.html", "<h1>two, longer</h1>"),
            ("blog/a/index.html", "<p>a, first and last</p>"),
            ("blog/b/index.html", "<p>b, second</p>"),
            ("new/c/index.html", "<p>c</p>"),
            ("site.css", "body{}"),
        ]),
        _ => site(&[
            ("index.html", "<h1>3</h1>"),
            ("blog/a/index.html", "<p>a, first and last</p>"),
            ("new/c/index.html", "<p>c</p>"),
            ("d.html", "<p>d is new</p>"),
            ("site.css", "body{}"),
        ]),
    }
}

/// A directory on a RAM file system where there is one (its `syncfs` costs nothing, and
/// the recovery checks reopen the writer thousands of times), and the durability the
/// recovery checks can afford there.
fn scratch() -> (tempfile::TempDir, Durability) {
    let shm = Path::new("/dev/shm");
    let made = match shm.is_dir() {
        true => tempfile::Builder::new()
            .prefix("sitegen-crash")
            .tempdir_in(shm),
        false => Err(std::io::ErrorKind::NotFound.into()),
    };
    match made {
        Ok(dir) => (dir, Durability::Fsync),
        Err(_) => (
            tempfile::tempdir().expect("scratch directory"),
            Durability::None,
        ),
    }
}

fn options(state: &Path, publish: Publish, temps: TempFiles) -> OutputOptions {
    OutputOptions::new(state)
        .durability(Durability::Fsync)
        .lock_mode(LockMode::Fail)
        .temp_files(temps)
        .publish(publish)
}

fn build(root: &Path, publish: Publish, temps: TempFiles, site: &Site) {
    let writer = OutputWriter::open(
        root.join("public"),
        options(&root.join("state"), publish, temps),
    )
    .expect("open the writer");
    for (path, bytes) in site {
        writer.write(path, bytes).expect("stage a file");
    }
    writer.finish().expect("commit");
}

/// One scenario, recorded and explored.
pub(crate) struct Outcome {
    pub(crate) report: Report,
    pub(crate) took: Duration,
}

/// Records `kind` in `mode`, replays it and explores every crash state (stopping after a
/// violation for which `stop` is true), reopening the writer on each state that passes.
pub(crate) fn run(kind: Kind, mode: &Mode, stop: &dyn Fn(&Violation) -> bool) -> Outcome {
    let started = Instant::now();
    let (tmp, recovery_durability) = scratch();
    let root: PathBuf = tmp.path().canonicalize().expect("canonical scratch");
    let publish = kind.publish();
    let (before, target): (Vec<u8>, u8) = match kind {
        Kind::Fresh => (vec![], 1),
        Kind::Rebuild => (vec![1], 2),
        Kind::Swap => (vec![1, 2], 3),
        Kind::Rollback => (vec![1, 2], 1),
    };
    for n in before {
        build(&root, publish, mode.temps, &generation(n));
    }
    let recording = Recording::start(&root, mode.pretend.clone());
    match kind {
        Kind::Rollback => {
            let state = root.join("state");
            rollback(
                &root.join("public"),
                &state,
                LockMode::Fail,
                OlderStandby::Refuse,
            )
            .expect("rollback");
        }
        _ => build(&root, publish, mode.temps, &generation(target)),
    }
    let log = recording.finish();
    let model = Model::replay(&log);
    let made = latest(&model).tree("public", true);
    let expected: std::collections::BTreeMap<String, u128> = generation(target)
        .iter()
        .map(|(p, b)| (p.clone(), xxhash_rust::xxh3::xxh3_128(b)))
        .collect();
    assert_eq!(
        made, expected,
        "the replayed log must end in the site the run built"
    );

    let spec = Spec {
        live: "public".into(),
        publish,
        state_files: [MANIFEST_FILE, STANDBY_MANIFEST_FILE]
            .iter()
            .map(|f| format!("state/{f}"))
            .collect(),
        bytes_unread: vec![format!("state/{LOCK_FILE}")],
    };
    let reopen = Reopen {
        publish,
        temps: mode.temps,
        target: generation(target),
        durability: recovery_durability,
    };
    let mut recover_one = |state: &_| recover(&root, &model, state, &reopen);
    let report = explore(&model, &spec, &mut recover_one, stop);
    Outcome {
        report,
        took: started.elapsed(),
    }
}
