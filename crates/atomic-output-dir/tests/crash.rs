//! Crash, fault and reader tests of the output layer, with real child processes.
//!
//! This test binary is its own child: run with `SITEGEN_CHILD=<mode>` it plays a build (or a
//! lock holder, or a build under a file-size limit) instead of running the tests. That is why
//! it has its own `main` (`harness = false`): no test exists only to be a child entry point.
//!
//! Run one test: `cargo test -p atomic-output-dir --test crash -- kill_torture`.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "support/length.rs"]
mod length;

use atomic_output_dir::{
    Durability, LockMode, OutputError, OutputOptions, OutputWriter, TempFiles,
};
use length::{by_length, length, seed, Length, Rng};

const CHILD: &str = "SITEGEN_CHILD";

// ---------------------------------------------------------------- shared helpers

/// The bytes of file `i` at version `v`: sizes differ between versions so a torn or
/// truncated file never passes for a whole one.
fn content(i: usize, v: usize) -> Vec<u8> {
    let header = format!("file {i} version {v}\n");
    let filler = 200 + ((i * 7919 + v * 104_729) % 24_000);
    let mut bytes = header.into_bytes();
    bytes.extend(std::iter::repeat_n(b'a' + (v % 26) as u8, filler));
    bytes.extend_from_slice(format!("\nend {i} {v}\n").as_bytes());
    bytes
}

fn file_name(i: usize) -> String {
    format!("section{}/page{i}/index.html", i % 40)
}

fn temps_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".sitegen-tmp-"))
        .map(|e| e.into_path())
        .collect()
}

fn options(state: &Path) -> OutputOptions {
    OutputOptions::new(state).lock_mode(LockMode::Fail)
}

/// Writes version `v` of files `0..n` in this process.
fn build_version(out: &Path, state: &Path, n: usize, v: usize) {
    let w = OutputWriter::open(out, options(state).durability(Durability::None)).unwrap();
    for i in 0..n {
        w.write(file_name(i), &content(i, v)).unwrap();
    }
    w.finish().unwrap();
}

fn child(mode: &str, out: &Path, state: &Path) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.env(CHILD, mode).env("OUT", out).env("STATE", state);
    cmd
}

/// Reads the child's stdout up to a line containing `want`. Unbuffered, so that no later
/// line is swallowed by a reader that is then dropped.
fn wait_for_line(child: &mut Child, want: &str) -> String {
    let stdout = child.stdout.as_mut().expect("piped stdout");
    let mut line = Vec::new();
    #[allow(clippy::unbuffered_bytes)] // unbuffered on purpose, see above
    for byte in stdout.bytes() {
        match byte.unwrap() {
            b'\n' if String::from_utf8_lossy(&line).contains(want) => {
                return String::from_utf8_lossy(&line).into_owned();
            }
            b'\n' => line.clear(),
            b => line.push(b),
        }
    }
    panic!("child ended before printing {want:?}");
}

/// Waits for the child, failing the test if it takes longer than `limit` (a hang guard).
fn wait_with_limit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("child still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

// ---------------------------------------------------------------- child modes

fn env_path(name: &str) -> PathBuf {
    PathBuf::from(std::env::var_os(name).expect("child env"))
}

fn env_num(name: &str) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn run_child(mode: &str) -> i32 {
    let (out, state) = (env_path("OUT"), env_path("STATE"));
    let temps = if std::env::var("TEMPS").as_deref() == Ok("named") {
        TempFiles::Named
    } else {
        TempFiles::Auto
    };
    let durability = if std::env::var("DURABILITY").as_deref() == Ok("none") {
        Durability::None
    } else {
        Durability::Fsync
    };
    let lock_mode = if std::env::var("LOCK").as_deref() == Ok("wait") {
        LockMode::Wait
    } else {
        LockMode::Fail
    };
    let opts = OutputOptions::new(&state)
        .temp_files(temps)
        .durability(durability)
        .lock_mode(lock_mode);
    let result = match mode {
        // Writes version VERSION of N files, slowly if DELAY_US is set; says "staged K" as it goes.
        "rewrite" => (|| -> Result<(), OutputError> {
            atomic_output_dir::install_interrupt_handler().unwrap();
            let (n, v, delay) = (env_num("N"), env_num("VERSION"), env_num("DELAY_US"));
            let w = OutputWriter::open(&out, opts)?;
            println!("opened");
            for i in 0..n {
                w.write(file_name(i), &content(i, v))?;
                if delay > 0 {
                    std::thread::sleep(Duration::from_micros(delay as u64));
                }
                if i == 20 {
                    println!("staged {i}");
                }
            }
            println!("committing");
            w.finish()?;
            println!("committed");
            Ok(())
        })(),
        // Holds the lock until stdin closes.
        "hold-lock" => (|| -> Result<(), OutputError> {
            let _w = OutputWriter::open(&out, opts)?;
            println!("locked");
            let _ = std::io::stdin().read_line(&mut String::new());
            Ok(())
        })(),
        // Writes one file bigger than the RLIMIT_FSIZE set in pre_exec.
        "big-file" => (|| -> Result<(), OutputError> {
            let w = OutputWriter::open(&out, opts)?;
            w.write("small.html", b"fits")?;
            let mut pending = w.create("huge.bin")?;
            let chunk = vec![7u8; 256 * 1024];
            for _ in 0..16 {
                pending.write_all(&chunk).map_err(|e| {
                    match e.into_inner().map(|b| b.downcast::<OutputError>()) {
                        Some(Ok(inner)) => *inner,
                        _ => OutputError::Interrupted,
                    }
                })?;
            }
            pending.commit()?;
            w.finish().map(|_| ())
        })(),
        other => panic!("unknown child mode {other}"),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("child: {e}");
            1
        }
    }
}

// ---------------------------------------------------------------- tests

/// SIGKILL a child rewriting 2,000 files at random moments; every file must be exactly the
/// old or the new bytes, and the next open must leave zero debris.
///
/// `cargo test` runs 12 trials (each combination of temp kind, durability and kill window
/// once) at a fresh seed; `SITEGEN_FULL_TESTS=1` (CI) runs 50 at the fixed seed.
fn kill_torture() {
    const FILES: usize = 2000;
    let trials: usize = by_length(12, 50);
    let tmp = tempfile::tempdir().unwrap();
    let (out, state) = (tmp.path().join("public"), tmp.path().join(".state"));
    build_version(&out, &state, FILES, 0);
    let mut version_of = vec![0usize; FILES];

    // Time one undisturbed run, and its commit, to aim the kills.
    let started = Instant::now();
    let mut c = child("rewrite", &out, &state)
        .env("N", FILES.to_string())
        .env("VERSION", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_line(&mut c, "committing");
    let commit_started = Instant::now();
    wait_for_line(&mut c, "committed");
    let commit_time = commit_started.elapsed();
    assert!(c.wait().unwrap().success());
    let full_run = started.elapsed();
    version_of.iter_mut().for_each(|v| *v = 1);

    let fixed = (length() == Length::Full).then_some(0x5eed_1234_abcd_9876);
    let mut rng = Rng(seed("kill torture", fixed));
    let (mut checked, mut failures) = (0usize, 0usize);
    let mut debris_before_sweep = [0usize; 2]; // unnamed (O_TMPFILE) trials, named trials
    let mut outcomes = [0usize; 3]; // all old, mixed, all new
    for trial in 0..trials {
        let v = trial + 2;
        let temps = if trial % 4 < 2 { "auto" } else { "named" };
        let durability = if trial % 3 == 0 { "none" } else { "fsync" };
        let mut c = child("rewrite", &out, &state)
            .env("N", FILES.to_string())
            .env("VERSION", v.to_string())
            .env("TEMPS", temps)
            .env("DURABILITY", durability)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        if trial % 2 == 0 {
            // Anywhere in the run.
            let span = full_run.as_micros() as u64 * 12 / 10 + 1;
            std::thread::sleep(Duration::from_micros(rng.next() % span));
        } else {
            // Inside the commit: from its start to a little past its usual end.
            wait_for_line(&mut c, "committing");
            let span = commit_time.as_micros() as u64 * 12 / 10 + 1;
            std::thread::sleep(Duration::from_micros(rng.next() % span));
        }
        let _ = c.kill();
        c.wait().unwrap();

        let mut new_count = 0;
        for (i, version) in version_of.iter_mut().enumerate() {
            checked += 1;
            match fs::read(out.join(file_name(i))) {
                Ok(bytes) if bytes == content(i, *version) => {}
                Ok(bytes) if bytes == content(i, v) => {
                    *version = v;
                    new_count += 1;
                }
                other => {
                    failures += 1;
                    eprintln!(
                        "trial {trial}: {} is neither old nor new: {:?}",
                        file_name(i),
                        other.map(|b| b.len())
                    );
                }
            }
        }
        outcomes[if new_count == 0 {
            0
        } else if new_count == FILES {
            2
        } else {
            1
        }] += 1;
        debris_before_sweep[usize::from(temps == "named")] += temps_under(&out).len();
        let w = OutputWriter::open(&out, options(&state)).unwrap();
        assert!(
            temps_under(&out).is_empty(),
            "trial {trial}: debris after reopen"
        );
        assert!(
            temps_under(&state).is_empty(),
            "trial {trial}: debris in state dir"
        );
        drop(w);
    }
    println!(
        "kill torture: {trials} trials, {checked} files checked, {failures} failures; \
         outcomes old/mixed/new = {outcomes:?}; temps left by SIGKILL before the next open \
         (unnamed-temp trials, named-temp trials): {debris_before_sweep:?}, all swept; undisturbed run {full_run:?}, its commit {commit_time:?}"
    );
    assert_eq!(failures, 0);
}

/// Readers in threads while a writer commits new versions: never missing, never torn.
fn readers_see_old_or_new() {
    const FILES: usize = 300;
    const COMMITS: usize = 30;
    let tmp = tempfile::tempdir().unwrap();
    let (out, state) = (tmp.path().join("public"), tmp.path().join(".state"));
    build_version(&out, &state, FILES, 0);
    let done = Arc::new(AtomicBool::new(false));
    let latest = Arc::new(AtomicUsize::new(0));
    let (reads, bad) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let readers: Vec<_> = (0..4)
        .map(|r| {
            let (out, done, latest, reads, bad) = (
                out.clone(),
                done.clone(),
                latest.clone(),
                reads.clone(),
                bad.clone(),
            );
            std::thread::spawn(move || {
                let mut i = r;
                while !done.load(Ordering::Relaxed) {
                    let newest = latest.load(Ordering::Acquire);
                    let ok = match fs::read(out.join(file_name(i % FILES))) {
                        Ok(bytes) => (0..=newest + 1).any(|v| bytes == content(i % FILES, v)),
                        Err(_) => false,
                    };
                    if !ok {
                        bad.fetch_add(1, Ordering::Relaxed);
                    }
                    reads.fetch_add(1, Ordering::Relaxed);
                    i += 7;
                }
            })
        })
        .collect();
    for v in 1..=COMMITS {
        let w = OutputWriter::open(&out, options(&state)).unwrap();
        for i in 0..FILES {
            w.write(file_name(i), &content(i, v)).unwrap();
        }
        w.finish().unwrap();
        latest.store(v, Ordering::Release);
    }
    done.store(true, Ordering::Relaxed);
    readers.into_iter().for_each(|r| r.join().unwrap());
    let (reads, bad) = (reads.load(Ordering::Relaxed), bad.load(Ordering::Relaxed));
    println!(
        "readers: {reads} reads during {COMMITS} commits of {FILES} files, {bad} missing or torn"
    );
    assert!(reads > 1000, "readers barely ran ({reads})");
    assert_eq!(bad, 0);
}

fn interrupt_exits_cleanly(signal: i32, temps: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let (out, state) = (tmp.path().join("public"), tmp.path().join(".state"));
    build_version(&out, &state, 200, 0);
    let mut c = child("rewrite", &out, &state)
        .env("N", "200")
        .env("VERSION", "1")
        .env("DELAY_US", "20000")
        .env("TEMPS", temps)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_line(&mut c, "staged");
    if temps == "named" {
        assert!(!temps_under(&out).is_empty(), "named temps exist mid-build");
    }
    let sent = Instant::now();
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(c.id() as i32, signal) };
    let status = wait_with_limit(&mut c, Duration::from_secs(10));
    let took = sent.elapsed();
    assert_eq!(status.code(), Some(128 + signal), "{status:?}");
    assert!(
        temps_under(&out).is_empty(),
        "temps left: {:?}",
        temps_under(&out)
    );
    for i in 0..200 {
        assert_eq!(fs::read(out.join(file_name(i))).unwrap(), content(i, 0));
    }
    // The lock is free again.
    drop(OutputWriter::open(&out, options(&state)).unwrap());
    println!(
        "signal {signal} ({temps} temps): exit {:?} after {took:?}, zero temps, old output intact",
        status.code()
    );
}

fn sigint_mid_build() {
    interrupt_exits_cleanly(libc::SIGINT, "named");
    interrupt_exits_cleanly(libc::SIGINT, "auto");
    interrupt_exits_cleanly(libc::SIGTERM, "named");
}

/// RLIMIT_FSIZE makes a write fail with EFBIG (SIGXFSZ ignored): a disk-full error that names
/// the file, exit 1, the previous output intact, no temps.
fn disk_full() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, state) = (tmp.path().join("public"), tmp.path().join(".state"));
    let w = OutputWriter::open(&out, options(&state)).unwrap();
    w.write("small.html", b"old small").unwrap();
    w.finish().unwrap();
    for temps in ["auto", "named"] {
        let mut cmd = child("big-file", &out, &state);
        cmd.env("TEMPS", temps);
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let lim = libc::rlimit {
                    rlim_cur: 1024 * 1024,
                    rlim_max: 1024 * 1024,
                };
                libc::setrlimit(libc::RLIMIT_FSIZE, &lim);
                Ok(())
            });
        }
        let output = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("disk full") && stderr.contains("huge.bin"),
            "{stderr}"
        );
        assert!(stderr.contains("previous output is intact"), "{stderr}");
        assert_eq!(fs::read(out.join("small.html")).unwrap(), b"old small");
        assert!(!out.join("huge.bin").exists());
        assert!(temps_under(&out).is_empty());
        println!("disk full ({temps} temps): {}", stderr.trim());
    }
}

/// A read-only output directory: permission denied naming the path, old output intact. As
/// root, the child drops CAP_DAC_OVERRIDE so permissions apply to it.
fn read_only_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, state) = (tmp.path().join("public"), tmp.path().join(".state"));
    build_version(&out, &state, 3, 0);
    let dirs: Vec<PathBuf> = walkdir::WalkDir::new(&out)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.into_path())
        .collect();
    for dir in &dirs {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).unwrap();
    }
    let mut cmd = child("rewrite", &out, &state);
    cmd.env("N", "3").env("VERSION", "1");
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            for cap in [1, 2] {
                // CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH: dropped from the bounding set, so the
                // exec'd child (even as root) is bound by file permissions.
                libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0);
            }
            Ok(())
        });
    }
    let output = cmd.output().unwrap();
    for dir in &dirs {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("permission denied") && stderr.contains("section0"),
        "{stderr}"
    );
    for i in 0..3 {
        assert_eq!(fs::read(out.join(file_name(i))).unwrap(), content(i, 0));
    }
    assert!(temps_under(&out).is_empty());
    println!("read-only dir: {}", stderr.trim());
}

/// A second process finds the lock held: fails naming the holder's PID, or waits for it.
fn lock_contention() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, state) = (tmp.path().join("public"), tmp.path().join(".state"));
    let mut holder = child("hold-lock", &out, &state)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_line(&mut holder, "locked");

    let err = OutputWriter::open(&out, options(&state))
        .err()
        .expect("lock must be held");
    assert!(matches!(err, OutputError::LockHeld { .. }));
    assert!(
        err.to_string().contains(&format!("pid {}", holder.id())),
        "{err}"
    );

    let waiter = child("rewrite", &out, &state)
        .env("N", "5")
        .env("VERSION", "1")
        .env("LOCK", "wait")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Give the waiter time to block on the lock, then let the holder go.
    let mut waiter = waiter;
    let mut stderr = BufReader::new(waiter.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(
        line.contains(&format!(
            "waiting for another process (pid {})",
            holder.id()
        )),
        "{line}"
    );
    drop(holder.stdin.take());
    assert!(holder.wait().unwrap().success());
    assert!(wait_with_limit(&mut waiter, Duration::from_secs(20)).success());
    assert_eq!(fs::read(out.join(file_name(4))).unwrap(), content(4, 1));
    println!(
        "lock contention: second process failed naming pid {}, a waiting one ran after",
        holder.id()
    );
}

// ---------------------------------------------------------------- harness

fn main() {
    if let Ok(mode) = std::env::var(CHILD) {
        std::process::exit(run_child(&mode));
    }
    let tests: &[(&str, fn())] = &[
        ("kill_torture", kill_torture),
        ("readers_see_old_or_new", readers_see_old_or_new),
        ("sigint_mid_build", sigint_mid_build),
        ("disk_full", disk_full),
        ("read_only_dir", read_only_dir),
        ("lock_contention", lock_contention),
    ];
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let mut failed = Vec::new();
    for (name, test) in tests {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        println!("test {name} ...");
        match std::panic::catch_unwind(test) {
            Ok(()) => println!("test {name} ... ok"),
            Err(_) => {
                println!("test {name} ... FAILED");
                failed.push(*name);
            }
        }
    }
    if !failed.is_empty() {
        println!("failed: {failed:?}");
        std::process::exit(101);
    }
}
