//! Build benchmark: a 10,000-page site from `../shared/bench/gen_site.py`, built through the
//! library with `Durability::Fsync`: full build into a fresh output dir, no-op rebuild, and a
//! one-page body edit, alternating over repetitions; prints medians and ratios to the full build.
//!
//! `cargo bench --bench build [-- --pages N --reps R --gen PATH]`

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sitegen::site::{build, BuildOptions, Progress};

fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn timed(root: &Path) -> (Duration, usize, usize) {
    let mut options = BuildOptions::new(root);
    options.progress = Progress::Off;
    let start = Instant::now();
    let summary = build(&options).unwrap_or_else(|e| panic!("build failed: {e}"));
    (start.elapsed(), summary.rendered, summary.report.written)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let pages: usize = arg("--pages", 10_000);
    let reps: usize = arg("--reps", 3);
    let generator: PathBuf = arg("--gen", PathBuf::from("../shared/bench/gen_site.py"));
    if !generator.is_file() {
        eprintln!("bench: {} not found (pass --gen PATH)", generator.display());
        std::process::exit(2);
    }
    let base = tempfile::Builder::new()
        .prefix("sitegen-build-bench")
        .tempdir_in(".")
        .unwrap();
    let root = base.path().join("site");
    let status = Command::new("python3")
        .arg(&generator)
        .arg(&root)
        .args(["--pages", &pages.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "gen_site.py failed");
    let page = walkdir::WalkDir::new(root.join("content"))
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .find(|e| e.file_type().is_file() && e.file_name() != "_index.md")
        .expect("a page")
        .into_path();
    let (mut full, mut noop, mut edit) = (Vec::new(), Vec::new(), Vec::new());
    let mut counts = (0, 0, 0, 0);
    for rep in 0..reps {
        let _ = std::fs::remove_dir_all(root.join("public"));
        let _ = std::fs::remove_dir_all(root.join(".sitegen"));
        Command::new("sync").status().ok();
        full.push(timed(&root).0);
        let (t, rendered, written) = timed(&root);
        noop.push(t);
        counts.0 = rendered;
        counts.1 = written;
        let text = std::fs::read_to_string(&page).unwrap();
        std::fs::write(&page, format!("{text}\nEdited in repetition {rep}.\n")).unwrap();
        let (t, rendered, written) = timed(&root);
        edit.push(t);
        counts.2 = rendered;
        counts.3 = written;
    }
    let (f, n, e) = (median(full), median(noop), median(edit));
    println!("{pages} pages, {reps} repetitions, medians, Durability::Fsync");
    println!("{:<28} {:>9} {:>8}", "build", "time", "ratio");
    println!(
        "{:<28} {:>7.0}ms {:>7.3}x",
        "full (fresh output dir)",
        f.as_secs_f64() * 1e3,
        1.0
    );
    println!(
        "{:<28} {:>7.0}ms {:>7.3}x  ({} rendered, {} written)",
        "no-op rebuild",
        n.as_secs_f64() * 1e3,
        n.as_secs_f64() / f.as_secs_f64(),
        counts.0,
        counts.1
    );
    println!(
        "{:<28} {:>7.0}ms {:>7.3}x  ({} rendered, {} written)",
        "one-page body edit",
        e.as_secs_f64() * 1e3,
        e.as_secs_f64() / f.as_secs_f64(),
        counts.2,
        counts.3
    );
}
