//! Output-layer benchmark: 10,000 files of ~20 KiB, written from rayon workers, into a fresh
//! directory and over an existing tree (every file changed), for plain `fs::write`, a naive
//! write + fsync + rename per file, and the `OutputWriter` with `Durability::None` and
//! `Durability::Fsync` (unnamed and named temps). Variants alternate within each repetition;
//! the table shows medians and ratios to plain `fs::write`.
//!
//! `cargo bench -p atomic-output-dir --bench output [-- --files N --reps R]`

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use atomic_output_dir::{Durability, OutputOptions, OutputWriter, TempFiles};
use rayon::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Variant {
    PlainWrite,
    NaiveFsync,
    Writer(Durability, TempFiles),
}

impl Variant {
    fn label(self) -> String {
        match self {
            Variant::PlainWrite => "fs::write (no atomicity, no sync)".into(),
            Variant::NaiveFsync => "naive temp+fsync+rename per file".into(),
            Variant::Writer(d, t) => format!("OutputWriter {d:?}, {t:?} temps"),
        }
    }
}

fn rel(i: usize) -> String {
    format!("s{}/p{i}/index.html", i % 50)
}

fn page(i: usize, rep: usize) -> Vec<u8> {
    let mut v = format!("<!doctype html><title>{i} {rep}</title>").into_bytes();
    v.resize(20 * 1024 + (i % 512), b'a' + (rep % 26) as u8);
    v
}

fn run(variant: Variant, out: &Path, state: &Path, files: usize, rep: usize) -> Duration {
    let start = Instant::now();
    match variant {
        Variant::PlainWrite => (0..files).into_par_iter().for_each(|i| {
            let path = out.join(rel(i));
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, page(i, rep)).unwrap();
        }),
        Variant::NaiveFsync => (0..files).into_par_iter().for_each(|i| {
            let path = out.join(rel(i));
            let dir = path.parent().unwrap();
            fs::create_dir_all(dir).unwrap();
            let tmp = dir.join(".tmp-naive");
            let mut f = fs::File::create(&tmp).unwrap();
            f.write_all(&page(i, rep)).unwrap();
            f.sync_all().unwrap();
            fs::rename(&tmp, &path).unwrap();
            fs::File::open(dir).unwrap().sync_all().unwrap();
        }),
        Variant::Writer(durability, temps) => {
            let opts = OutputOptions::new(state)
                .durability(durability)
                .temp_files(temps);
            let w = OutputWriter::open(out, opts).unwrap();
            (0..files).into_par_iter().for_each(|i| {
                w.write(rel(i), &page(i, rep)).unwrap();
            });
            let staged = start.elapsed();
            let report = w.finish().unwrap();
            if std::env::var_os("BENCH_PHASES").is_some() {
                eprintln!(
                    "{variant:?} rep {rep}: staging {staged:?}, finish {:?} (sync {:?})",
                    start.elapsed() - staged,
                    report.sync_time
                );
            }
            assert_eq!(report.written, files);
        }
    }
    start.elapsed()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let files = arg("--files", 10_000);
    let reps = arg("--reps", 3);
    let variants = [
        Variant::PlainWrite,
        Variant::Writer(Durability::None, TempFiles::Auto),
        Variant::Writer(Durability::None, TempFiles::Named),
        Variant::Writer(Durability::Fsync, TempFiles::Auto),
        Variant::Writer(Durability::Fsync, TempFiles::Named),
        Variant::NaiveFsync,
    ];
    let base = tempfile::Builder::new()
        .prefix("sitegen-bench")
        .tempdir_in(".")
        .unwrap();
    let dirs: Vec<(PathBuf, PathBuf)> = (0..variants.len())
        .map(|k| {
            (
                base.path().join(format!("out{k}")),
                base.path().join(format!("state{k}")),
            )
        })
        .collect();
    let mut fresh = vec![Vec::new(); variants.len()];
    let mut over = vec![Vec::new(); variants.len()];
    for rep in 0..reps {
        for (k, &variant) in variants.iter().enumerate() {
            let (out, state) = &dirs[k];
            let _ = fs::remove_dir_all(out);
            let _ = fs::remove_dir_all(state);
            // Settle the previous variant's writeback so it is not billed to this one.
            std::process::Command::new("sync").status().ok();
            fresh[k].push(run(variant, out, state, files, 2 * rep));
            std::process::Command::new("sync").status().ok();
            over[k].push(run(variant, out, state, files, 2 * rep + 1));
        }
    }
    println!("{files} files of ~20 KiB, {reps} repetitions, medians (2 rayon threads = cores)");
    println!(
        "{:<42} {:>10} {:>7} {:>12} {:>7}",
        "variant", "fresh", "ratio", "over exist.", "ratio"
    );
    let (f0, o0) = (median(fresh[0].clone()), median(over[0].clone()));
    for (k, variant) in variants.iter().enumerate() {
        let (f, o) = (median(fresh[k].clone()), median(over[k].clone()));
        println!(
            "{:<42} {:>8.0}ms {:>6.2}x {:>10.0}ms {:>6.2}x",
            variant.label(),
            f.as_secs_f64() * 1e3,
            f.as_secs_f64() / f0.as_secs_f64(),
            o.as_secs_f64() * 1e3,
            o.as_secs_f64() / o0.as_secs_f64()
        );
    }
}
