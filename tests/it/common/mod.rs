//! Helpers shared by the end-to-end tests: site fixtures, running `sitegen`, snapshots.

#![allow(dead_code)]

pub mod browser;
pub mod http;
pub mod images;
#[path = "../../../crates/atomic-output-dir/tests/support/length.rs"]
pub mod length;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Writes `text` to `root/rel`, creating its directories.
pub fn write_under(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// The `sitegen` binary under test.
pub fn sitegen() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sitegen"))
}

/// What a run printed on stderr, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `sitegen build --root root <extra>` and returns its output.
pub fn build(root: &Path, extra: &[&str]) -> Output {
    sitegen()
        .arg("build")
        .arg("--root")
        .arg(root)
        .args(extra)
        .output()
        .expect("run sitegen")
}

/// The repository's top directory.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies `from` into `to` recursively, following symlinks (so a theme link becomes files).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).follow_links(true) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// A copy of `example-site/` (without any built output) in a temp dir.
pub fn example_site() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    copy_tree(&repo().join("example-site/content"), &root.join("content"));
    copy_tree(&repo().join("example-site/static"), &root.join("static"));
    copy_tree(
        &repo().join("example-site/templates"),
        &root.join("templates"),
    );
    copy_tree(&repo().join("themes/default"), &root.join("themes/default"));
    fs::copy(
        repo().join("example-site/config.toml"),
        root.join("config.toml"),
    )
    .unwrap();
    (tmp, root)
}

/// Every file below `dir` with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Every path below `dir` (directories too, as `NAME/`), sorted: what a test asserts is
/// exactly what remains.
pub fn tree(dir: &Path) -> Vec<String> {
    let mut paths: Vec<String> = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .filter_map(|e| e.ok())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy();
            match e.file_type().is_dir() {
                true => format!("{rel}/"),
                false => rel.into_owned(),
            }
        })
        .collect();
    paths.sort();
    paths
}

/// sitegen temp files below `dir`.
pub fn temps(dir: &Path) -> Vec<String> {
    snapshot(dir)
        .into_keys()
        .filter(|k| k.contains(".sitegen-tmp-"))
        .collect()
}

/// Writes a minimal site with `pages` blog pages whose bodies carry `version`.
pub fn generated_site(root: &Path, pages: usize, version: &str) {
    fs::create_dir_all(root.join("content/blog")).unwrap();
    fs::write(
        root.join("config.toml"),
        "base_url = \"https://gen.example\"\ntitle = \"gen\"\ngenerate_feeds = true\ntaxonomies = [{ name = \"tags\" }]\n",
    )
    .unwrap();
    fs::write(
        root.join("content/blog/_index.md"),
        "+++\ntitle = \"Blog\"\nsort_by = \"date\"\npaginate_by = 10\n+++\n",
    )
    .unwrap();
    for i in 0..pages {
        let body = format!(
            "+++\ntitle = \"Post {i}\"\ndate = 2024-01-{:02}\n[taxonomies]\ntags = [\"t{}\"]\n+++\n{version} body of post {i}.\n\n## Section\n\n{}\n",
            1 + i % 28,
            i % 7,
            format!("Words for {version} in post {i}. ").repeat(20 + i % 13)
        );
        fs::write(root.join(format!("content/blog/post-{i}.md")), body).unwrap();
    }
}

/// Where the commit of a build (or publish) starts and how long it lasts (µs), from its
/// `SITEGEN_TIMINGS` line: `sitegen: timings: PHASE N ms (M MiB), ..., commit N ms ...`.
pub fn commit_window(stderr: &str) -> (u64, u64) {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("sitegen: timings: "))
        .unwrap_or_else(|| panic!("no timings in {stderr}"));
    let mut before = 0u64;
    for part in line.trim_start_matches("sitegen: timings: ").split(", ") {
        // `LABEL WORDS N ms (M MiB)`: the label may have spaces.
        let words: Vec<&str> = part.split(' ').collect();
        let n = words.len().saturating_sub(4);
        let (label, ms) = (words[..n].join(" "), words.get(n).copied().unwrap_or("0"));
        let ms: u64 = ms.parse().unwrap_or(0);
        if label == "commit" {
            return (before * 1000, ms.max(1) * 1000);
        }
        before += ms;
    }
    panic!("no commit phase in {line}")
}
