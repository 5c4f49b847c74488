//! SIGKILL the example generator (`examples/generate/`) at random moments: after each kill
//! the output directory holds one whole version of the site, the old one or the new one,
//! byte for byte, with nothing added; it verifies clean; and the next open leaves no temp
//! anywhere (output, standby, state).
//!
//! This binary is its own child: with `GENERATE_CHILD=1` it runs the example's generator on
//! its arguments, so the test drives the example's own code (the same `site.rs`) and needs
//! no separately built example binary. Hence its own `main` (`harness = false`).

#[path = "support/length.rs"]
mod length;
#[path = "../examples/generate/site.rs"]
#[allow(dead_code)]
mod site;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use atomic_output_dir::{
    verify, Durability, LockMode, OutputOptions, OutputWriter, Problem, ProblemKind, Publish,
};
use length::{by_length, seed, Rng};

const CHILD: &str = "GENERATE_CHILD";
const PAGES: usize = 1000;
const LARGE: usize = 2 << 20;

fn settings(root: &Path, version: usize) -> site::Settings {
    site::Settings {
        out: root.join("public"),
        state: root.join(".state"),
        version,
        pages: PAGES,
        large_bytes: LARGE,
        durability: Durability::Fsync,
    }
}

fn spawn(root: &Path, version: usize) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .env(CHILD, "1")
        .env("ROOT", root)
        .env("VERSION", version.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Every file under `dir` (relative, `/`-separated) with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, fs::read(e.path()).unwrap())
        })
        .collect()
}

/// The whole tree of `version`, large file included.
fn expected(version: usize) -> BTreeMap<String, Vec<u8>> {
    let mut files: BTreeMap<_, _> = site::expected(PAGES, version).into_iter().collect();
    let mut large = Vec::with_capacity(LARGE);
    site::large(&mut large, LARGE, version).unwrap();
    files.insert(site::LARGE.to_string(), large);
    files
}

fn temps_under(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".sitegen-tmp-"))
        .count()
}

fn kill_generator() {
    let trials = by_length(20, 40);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let started = Instant::now();
    let mut first = spawn(root, 1);
    assert!(first.wait().unwrap().success(), "undisturbed run failed");
    let full_run = started.elapsed();
    let mut live = 1;
    assert_eq!(tree(&root.join("public")), expected(live));

    let mut rng = Rng(seed("kill generator", None));
    let mut outcomes = [0usize; 2]; // old, new
    let mut undescribed_trees = 0;
    for trial in 0..trials {
        let version = trial + 2;
        let mut child = spawn(root, version);
        let span = full_run.as_micros() as u64 * 12 / 10 + 1;
        std::thread::sleep(Duration::from_micros(rng.next() % span));
        let _ = child.kill();
        child.wait().unwrap();
        let mut said = String::new();
        let _ = child.stdout.take().unwrap().read_to_string(&mut said);

        let found = tree(&root.join("public"));
        let (old, new) = (expected(live), expected(version));
        let outcome = if found == old {
            0
        } else if found == new {
            live = version;
            1
        } else {
            let odd: Vec<_> = found
                .iter()
                .filter(|(p, b)| old.get(*p) != Some(b) && new.get(*p) != Some(b))
                .map(|(p, _)| p.as_str())
                .take(5)
                .collect();
            panic!(
                "trial {trial}: the tree is neither version {live} nor {version}: {} files, \
                 e.g. {odd:?}; the generator said: {said}",
                found.len()
            );
        };
        outcomes[outcome] += 1;
        // Clean, or (killed between the swap and the saving of the manifests) the one
        // problem that says no manifest describes the tree yet.
        let check = verify(&root.join("public"), &root.join(".state"), LockMode::Wait).unwrap();
        let undescribed = matches!(check.problems.as_slice(), [Problem {
            kind: ProblemKind::ManifestDamaged { reason }, ..
        }] if reason.contains("stopped between its swap"));
        undescribed_trees += usize::from(undescribed);
        assert!(
            check.is_clean() || undescribed,
            "trial {trial}: {check:?}; the generator said: {said}"
        );
        // The next open sweeps whatever a killed run may leave (named temps, on systems
        // where unnamed ones cannot be linked); nothing may remain after it.
        let options = OutputOptions::new(root.join(".state")).publish(Publish::Swap);
        drop(OutputWriter::open(root.join("public"), options).unwrap());
        assert_eq!(temps_under(root), 0, "trial {trial}: temps after reopen");
    }
    println!(
        "kill generator: {trials} kills, old/new trees found {outcomes:?}, each whole; \
         verify clean after {} of them, and after {undescribed_trees} (killed between swap and \
         manifests) saying no manifest describes the tree yet; no temps; undisturbed run \
         {full_run:?}",
        trials - undescribed_trees
    );
    assert!(outcomes[0] > 0, "no kill landed before the commit");
}

fn main() {
    if std::env::var_os(CHILD).is_some() {
        let root = PathBuf::from(std::env::var_os("ROOT").unwrap());
        let version = std::env::var("VERSION").unwrap().parse().unwrap();
        match site::generate(&settings(&root, version)) {
            Ok(()) => std::process::exit(0),
            Err(e) => {
                eprintln!("generate: {e}");
                std::process::exit(1);
            }
        }
    }
    println!("test kill_generator ...");
    kill_generator();
    println!("test kill_generator ... ok");
}
