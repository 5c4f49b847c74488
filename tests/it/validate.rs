//! The example site's output through outside validators: the Nu Html Checker (vnu) for every
//! HTML page (as rendered and minified), and xmllint against the sitemaps.org schema for `sitemap.xml`.
//!
//! `.ci/run` installs both and sets `SITEGEN_REQUIRE_VALIDATORS=1`, so in CI a missing
//! validator fails the test. Elsewhere a test whose validator was not found when the tests
//! were built is ignored (see `build.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{build, example_site, repo};

fn html_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| e.into_path())
        .collect()
}

/// Builds the example site with `extra` arguments and runs every HTML page through vnu.
fn nu_checker_accepts_the_example_site(extra: &[&str]) {
    let jar = std::env::var_os("SITEGEN_VNU_JAR")
        .map(PathBuf::from)
        .filter(|j| j.is_file())
        .expect("the Nu Html Checker is required: SITEGEN_VNU_JAR names its vnu.jar");
    let (_tmp, root) = example_site();
    let mut args = vec!["--durability", "none", "--drafts"];
    args.extend_from_slice(extra);
    assert!(build(&root, &args).status.success());
    let pages = html_files(&root.join("public"));
    assert!(pages.len() >= 25, "{} pages", pages.len());
    let out = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--errors-only", "--format", "gnu"])
        .args(&pages)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && report.trim().is_empty(),
        "vnu found errors:\n{report}"
    );
}

#[test]
#[cfg_attr(
    sitegen_no_vnu,
    ignore = "needs java and SITEGEN_VNU_JAR (not found when the tests were built)"
)]
fn theme_html_is_valid_per_the_nu_checker() {
    nu_checker_accepts_the_example_site(&[]);
}

/// Minification drops optional tags and quotes: what it leaves must still be valid HTML.
#[test]
#[cfg_attr(
    sitegen_no_vnu,
    ignore = "needs java and SITEGEN_VNU_JAR (not found when the tests were built)"
)]
fn minified_theme_html_is_valid_per_the_nu_checker() {
    nu_checker_accepts_the_example_site(&["--minify"]);
}

#[test]
#[cfg_attr(
    sitegen_no_xmllint,
    ignore = "needs xmllint (not found when the tests were built)"
)]
fn sitemap_validates_against_the_schema() {
    let (_tmp, root) = example_site();
    assert!(build(&root, &["--durability", "none"]).status.success());
    let out = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(repo().join("tests/schemas/sitemap-0.9.xsd"))
        .arg(root.join("public/sitemap.xml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
