//! Golden test: the example site's whole output, byte for byte, against `tests/golden/`.
//!
//! After an intended change of output, regenerate with
//! `SITEGEN_UPDATE_GOLDEN=1 cargo test --test it golden::` and review the diff in git.

use std::fs;

use crate::common::{build, example_site, repo, snapshot};

#[test]
fn example_site_output_matches_golden_files() {
    let (_tmp, root) = example_site();
    let out = build(&root, &["--durability", "none"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = snapshot(&root.join("public"));
    let golden_dir = repo().join("tests/golden/example-site");
    if std::env::var_os("SITEGEN_UPDATE_GOLDEN").is_some() {
        let _ = fs::remove_dir_all(&golden_dir);
        for (path, bytes) in &got {
            let dest = golden_dir.join(path);
            fs::create_dir_all(dest.parent().unwrap()).unwrap();
            fs::write(dest, bytes).unwrap();
        }
    }
    let want = snapshot(&golden_dir);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "the set of output files"
    );
    let differing: Vec<&String> = got
        .iter()
        .filter(|(p, b)| want[*p] != **b)
        .map(|(p, _)| p)
        .collect();
    assert!(
        differing.is_empty(),
        "differ from tests/golden/example-site: {differing:?}"
    );
}
