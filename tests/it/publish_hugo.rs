//! `sitegen publish` of Hugo's output, SIGKILLed at random points while readers read.
//!
//! A small Hugo site is built in two versions (A and B). `sitegen publish` of one, then the
//! other, is killed again and again (seeded; half of the kills aimed inside the commit,
//! found from an undisturbed publish's `SITEGEN_TIMINGS`), while a reader thread reads the
//! output: every file it reads must be wholly A's or B's. Under `--publish swap` each
//! sample the reader takes through one directory handle must also be wholly A or wholly
//! B; under `--publish files` a sample taken during a commit may mix the two (each file
//! whole), which is what that mode promises and is only counted. After every kill the
//! whole tree is checked the same way, and a final uninterrupted publish must equal the
//! source tree byte for byte, with no temps or staging directories left.
//!
//! Needs `hugo` on PATH: ignored where it was not found when the tests were built (see
//! `build.rs`), unless `SITEGEN_REQUIRE_HUGO` is set (as `.ci/run` does, after installing
//! Debian's hugo); then it runs, and fails without it.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{commit_window, sitegen, snapshot, temps, write_under};

type Tree = BTreeMap<String, Vec<u8>>;

const PAGES: usize = 150;

fn assert_hugo_runs() {
    let found = Command::new("hugo")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(found, "hugo is required but does not run (`hugo version`)");
}

/// A Hugo site of `PAGES` posts; `version` changes a third of the bodies and a fifth of
/// the titles (so the list pages and feeds change too) and leaves the rest alone.
fn hugo_site(root: &Path, version: &str) {
    write_under(
        root,
        "config.toml",
        "baseURL = \"https://hugo.example/\"\ntitle = \"Torture\"\npaginate = 10\n\
         disableKinds = [\"taxonomy\", \"term\"]\n",
    );
    write_under(
        root,
        "layouts/_default/baseof.html",
        "<!DOCTYPE html><html><head><title>{{ .Title }}</title>\
         <link rel=\"stylesheet\" href=\"{{ \"css/site.css\" | absURL }}\"></head>\
         <body><main>{{ block \"main\" . }}{{ end }}</main></body></html>\n",
    );
    write_under(
        root,
        "layouts/_default/single.html",
        "{{ define \"main\" }}<article><h1>{{ .Title }}</h1><time>{{ .Date }}</time>\n\
         {{ .Content }}</article>{{ end }}\n",
    );
    write_under(
        root,
        "layouts/_default/list.html",
        "{{ define \"main\" }}<h1>{{ .Title }}</h1>{{ $p := .Paginate .Pages }}<ul>\
         {{ range $p.Pages }}<li><a href=\"{{ .Permalink }}\">{{ .Title }}</a>\
         <div>{{ .Summary }}</div></li>{{ end }}</ul>\
         {{ with $p.Next }}<a href=\"{{ .URL }}\">next</a>{{ end }}{{ end }}\n",
    );
    write_under(
        root,
        "layouts/index.html",
        "{{ define \"main\" }}<h1>{{ .Site.Title }}</h1><ul>\
         {{ range first 20 .Site.RegularPages }}<li>{{ .Title }}</li>{{ end }}</ul>{{ end }}\n",
    );
    write_under(root, "static/css/site.css", "body { max-width: 40rem }\n");
    write_under(root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    write_under(
        root,
        "content/posts/_index.md",
        "+++\ntitle = \"Posts\"\n+++\n",
    );
    for i in 0..PAGES {
        let title = match i % 5 {
            0 => format!("Post {i} ({version})"),
            _ => format!("Post {i}"),
        };
        let word = if i % 3 == 0 { version } else { "steady" };
        let body = format!("Paragraph of {word} words for post {i}. ").repeat(30 + i % 40);
        write_under(
            root,
            &format!("content/posts/post-{i}.md"),
            &format!(
                "+++\ntitle = \"{title}\"\ndate = 2024-{:02}-{:02}\n+++\n\n{body}\n\n## More\n\n{body}\n",
                1 + i % 12,
                1 + i % 28
            ),
        );
    }
}

/// Builds the Hugo site at `site` into `dest`.
fn hugo_build(site: &Path, dest: &Path) -> Tree {
    let out = Command::new("hugo")
        .args(["--quiet", "--source"])
        .arg(site)
        .arg("--destination")
        .arg(dest)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "hugo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    snapshot(dest)
}

/// `text` as one word for `sh`.
fn quoted(path: &Path) -> String {
    format!("'{}'", path.to_str().unwrap().replace('\'', r"'\''"))
}

/// Runs `sitegen ARGS`, which must succeed.
fn run_ok(args: &[String]) {
    let out = sitegen().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What the reader thread saw.
#[derive(Default)]
struct Seen {
    reads: AtomicUsize,
    /// Files that were neither A's nor B's bytes, or missing.
    bad_files: AtomicUsize,
    samples: AtomicUsize,
    samples_a: AtomicUsize,
    samples_b: AtomicUsize,
    samples_mixed: AtomicUsize,
    /// Samples whose generation was swapped out before they ended (not judged for mixing:
    /// a reader that outlives its generation is a limit of swap mode, not a torn publish).
    samples_outlived: AtomicUsize,
}

/// Reads `out` until `stop`: per round, `sample` through one directory handle, plus a
/// few other files in turn. Every file must be A's or B's; mixing is recorded.
fn reader(
    out: PathBuf,
    a: Arc<Tree>,
    b: Arc<Tree>,
    sample: Vec<String>,
    stop: Arc<AtomicBool>,
    seen: Arc<Seen>,
) {
    let all: Vec<&String> = a.keys().collect();
    let mut turn = 0;
    while !stop.load(Ordering::Relaxed) {
        let Ok(dir) = fs::File::open(&out) else {
            continue;
        };
        let dir_ino = dir.metadata().unwrap().ino();
        let base = PathBuf::from(format!("/proc/self/fd/{}", dir.as_raw_fd()));
        let (mut from_a, mut from_b) = (false, false);
        let others: Vec<&String> = (0..4).map(|k| all[(turn + k * 37) % all.len()]).collect();
        turn += 1;
        for (n, rel) in sample.iter().chain(others).enumerate() {
            seen.reads.fetch_add(1, Ordering::Relaxed);
            let bytes = fs::read(base.join(rel)).ok();
            let (is_a, is_b) = match &bytes {
                Some(bytes) => (bytes == &a[rel], bytes == &b[rel]),
                None => (false, false),
            };
            if !is_a && !is_b {
                seen.bad_files.fetch_add(1, Ordering::Relaxed);
                eprintln!(
                    "reader: {rel} is {}",
                    if bytes.is_some() {
                        "neither A nor B"
                    } else {
                        "missing"
                    }
                );
            }
            if n < sample.len() && is_a != is_b {
                from_a |= is_a;
                from_b |= is_b;
            }
        }
        let still_live = fs::metadata(&out).is_ok_and(|m| m.ino() == dir_ino);
        let counter = match (from_a, from_b) {
            (true, true) if !still_live => &seen.samples_outlived,
            (true, true) => &seen.samples_mixed,
            (true, false) => &seen.samples_a,
            (false, true) => &seen.samples_b,
            // Nothing readable (counted as bad files above).
            (false, false) => continue,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        seen.samples.fetch_add(1, Ordering::Relaxed);
        // A busy server, not a spinning one: leave the publisher its share of the CPU.
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// The next number of a xorshift sequence.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// How the tree at `out` compares with A and B: all A, all B, or a mix of whole files
/// (panics on a file that is neither, a missing file, or an extra one).
fn whole_tree_state(out: &Path, a: &Tree, b: &Tree) -> &'static str {
    let now = snapshot(out);
    if &now == a {
        return "A";
    }
    if &now == b {
        return "B";
    }
    for (path, bytes) in &now {
        assert!(
            path.contains(".sitegen-tmp-")
                || a.get(path) == Some(bytes)
                || b.get(path) == Some(bytes),
            "{path}: neither A's nor B's"
        );
    }
    let missing: Vec<&String> = a.keys().filter(|k| !now.contains_key(*k)).collect();
    assert!(missing.is_empty(), "missing after a kill: {missing:?}");
    "mix"
}

#[test]
#[cfg_attr(
    sitegen_no_hugo,
    ignore = "needs hugo on PATH (not found when the tests were built)"
)]
fn publishing_hugo_output_survives_sigkill_and_readers_never_see_a_torn_file() {
    assert_hugo_runs();
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (site_a, site_b) = (t.join("site-a"), t.join("site-b"));
    hugo_site(&site_a, "alpha");
    hugo_site(&site_b, "beta");
    let (src_a, src_b) = (t.join("built-a"), t.join("built-b"));
    let a = Arc::new(hugo_build(&site_a, &src_a));
    let b = Arc::new(hugo_build(&site_b, &src_b));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    let differ: Vec<String> = a.keys().filter(|k| a[*k] != b[*k]).cloned().collect();
    assert!(
        differ.len() > PAGES / 3 && differ.len() < a.len(),
        "{} of {} differ",
        differ.len(),
        a.len()
    );
    let pick = |n: usize| differ[n * (differ.len() - 1) / 7].clone();
    let sample: Vec<String> = (0..8).map(pick).collect();

    let mut seed = 0x5eed_0f4b_1dc0_de01_u64;
    let mut figures = Vec::new();
    for mode in ["files", "swap"] {
        let out = t.join(format!("www-{mode}"));
        let args = |src: &Path| -> Vec<String> {
            [
                "publish",
                src.to_str().unwrap(),
                "--output",
                out.to_str().unwrap(),
                "--publish",
                mode,
                "--durability",
                "none",
            ]
            .map(String::from)
            .to_vec()
        };
        run_ok(&args(&src_a));
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Seen::default());
        let reading = {
            let (out, a, b, sample) = (out.clone(), Arc::clone(&a), Arc::clone(&b), sample.clone());
            let (stop, seen) = (Arc::clone(&stop), Arc::clone(&seen));
            std::thread::spawn(move || reader(out, a, b, sample, stop, seen))
        };
        // One undisturbed publish of B with its phase timings (with the reader running, as
        // in the trials): where the commit starts and how long it lasts, so that half of
        // the kills aim inside it.
        let begun = Instant::now();
        let timed = sitegen()
            .args(args(&src_b))
            .env("SITEGEN_TIMINGS", "1")
            .output()
            .unwrap();
        let whole = begun.elapsed();
        assert!(
            timed.status.success(),
            "{}",
            String::from_utf8_lossy(&timed.stderr)
        );
        let (commit_start, commit_len) = commit_window(&String::from_utf8_lossy(&timed.stderr));

        const TRIALS: usize = 28;
        let mut states: BTreeMap<&str, usize> = BTreeMap::new();
        let mut completed = 0;
        for trial in 0..TRIALS {
            let src = if trial % 2 == 0 { &src_a } else { &src_b };
            let mut child = sitegen()
                .args(args(src))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let r = next(&mut seed);
            // Trials 0, 1 of every four: anywhere in the run (and a little after it);
            // trials 2, 3: inside the commit.
            let delay = match trial % 4 {
                0 | 1 => r % (whole.as_micros() as u64 * 3 / 2 + 1),
                _ => commit_start + r % (commit_len + 1),
            };
            std::thread::sleep(Duration::from_micros(delay));
            completed += usize::from(child.try_wait().unwrap().is_some());
            let _ = child.kill();
            child.wait().unwrap();
            let state = whole_tree_state(&out, &a, &b);
            assert!(
                mode == "files" || state != "mix",
                "swap: trial {trial} left a mix of A and B"
            );
            *states.entry(state).or_default() += 1;
        }
        let mut run_states: BTreeMap<&str, usize> = BTreeMap::new();
        if mode == "swap" {
            // `--run`: Hugo builds into a staging directory; kills anywhere in the run,
            // Hugo's part included (Hugo dies with sitegen).
            let run_args = |site: &Path| -> Vec<String> {
                let command = format!(
                    "exec hugo --quiet --source {} --destination {{staging}}",
                    quoted(site)
                );
                [
                    "publish",
                    "--run",
                    &command,
                    "--output",
                    out.to_str().unwrap(),
                    "--publish",
                    "swap",
                    "--durability",
                    "none",
                ]
                .map(String::from)
                .to_vec()
            };
            let begun = Instant::now();
            run_ok(&run_args(&site_a));
            let run_whole = begun.elapsed();
            for trial in 0..8 {
                let site = if trial % 2 == 0 { &site_b } else { &site_a };
                let mut child = sitegen()
                    .args(run_args(site))
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                std::thread::sleep(Duration::from_micros(
                    next(&mut seed) % (run_whole.as_micros() as u64 * 5 / 4 + 1),
                ));
                completed += usize::from(child.try_wait().unwrap().is_some());
                let _ = child.kill();
                child.wait().unwrap();
                let state = whole_tree_state(&out, &a, &b);
                assert_ne!(
                    state, "mix",
                    "swap --run: trial {trial} left a mix of A and B"
                );
                *run_states.entry(state).or_default() += 1;
            }
            // A final uninterrupted `--run`: Hugo's fresh build of B, exactly; the staging
            // directories the kills left are gone.
            run_ok(&run_args(&site_b));
            assert_eq!(&snapshot(&out), &*b);
            let staging: Vec<_> = fs::read_dir(t)
                .unwrap()
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.contains(".sitegen-staging-"))
                .collect();
            assert!(staging.is_empty(), "staging directories left: {staging:?}");
        }
        stop.store(true, Ordering::Relaxed);
        reading.join().unwrap();

        // The final uninterrupted publish: the output equals the source tree.
        run_ok(&args(&src_a));
        assert_eq!(&snapshot(&out), &*a);
        assert!(temps(&out).is_empty());
        let standby = t.join(format!(".www-{mode}.sitegen-standby"));
        assert!(temps(&standby).is_empty());

        let get = |c: &AtomicUsize| c.load(Ordering::Relaxed);
        figures.push(format!(
            "{mode}: {TRIALS} kills (half aimed inside the commit, {commit_len} us from {commit_start} us of a {} ms publish) left the tree {states:?}{}, {completed} runs ended before their kill; \
             reader: {} reads, {} torn or missing; {} samples of {} files: {} all A, {} all B, {} mixed{}, {} outlived their generation",
            whole.as_millis(),
            if run_states.is_empty() { String::new() } else { format!("; 8 kills of --run hugo left it {run_states:?}") },
            get(&seen.reads),
            get(&seen.bad_files),
            get(&seen.samples),
            sample.len(),
            get(&seen.samples_a),
            get(&seen.samples_b),
            get(&seen.samples_mixed),
            if mode == "files" { " (allowed in files mode)" } else { "" },
            get(&seen.samples_outlived),
        ));
        assert_eq!(
            get(&seen.bad_files),
            0,
            "{mode}: the reader saw torn or missing files"
        );
        if mode == "swap" {
            assert_eq!(
                get(&seen.samples_mixed),
                0,
                "swap: a reader saw A and B at once"
            );
        }
        assert!(get(&seen.samples) > 0);
    }
    println!(
        "hugo publish torture ({} files per version, {} differ), {} s:\n  {}",
        a.len(),
        differ.len(),
        started.elapsed().as_secs(),
        figures.join("\n  ")
    );
}
