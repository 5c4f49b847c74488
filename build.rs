//! Which outside tools the test suite finds, as cfgs: `sitegen_no_browser`,
//! `sitegen_no_vnu`, `sitegen_no_xmllint`, `sitegen_no_node`, `sitegen_no_hugo`,
//! `sitegen_no_moto`, `sitegen_no_garage`.
//!
//! Tests that need a tool carry `#[cfg_attr(sitegen_no_TOOL, ignore = "...")]`, so that a
//! missing tool shows as an *ignored* test in cargo's summary, with its reason; a skip
//! decided while the test runs would show as `ok`. Under CI's `SITEGEN_REQUIRE_*` variables
//! no cfg is set: the test runs, and fails when its tool is missing. Nothing here affects
//! the program itself.
//!
//! The tools are looked for when the package is built: after installing one, `touch
//! build.rs` (or change `PATH`) to look again.
//!
//! On Linux the `sitegen` binary is linked as a fixed-position executable (`-no-pie`; the
//! code is still compiled position-independent). Why: a position-independent executable has
//! its pointers patched by the loader at every start, and the HTML minifier's entity tables
//! alone hold 9.5 MB of them (12 MB with time-zone tables and the rest). Patching touches
//! every page of that: about 3,000 page faults and 8 ms before `main`, on every build, used or
//! not. Linked at a fixed address those pages are mapped from the file and read only when
//! used (`sitegen --version`: 10 ms and 3,119 page faults before, 2.5 ms and 154 after). The
//! cost is address-space randomisation of the binary's own image (libraries, heap and stacks
//! keep theirs).

use std::env;
use std::path::{Path, PathBuf};

fn on_path(name: &str) -> bool {
    env::var_os("PATH")
        .is_some_and(|path| env::split_paths(&path).any(|dir| dir.join(name).is_file()))
}

fn env_path(var: &str) -> Option<PathBuf> {
    env::var_os(var).map(PathBuf::from)
}

fn node_modules_ready(dir: &Path) -> bool {
    dir.join("elasticlunr").is_dir() && dir.join("fuse.js").is_dir()
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
    let tools = [
        (
            "browser",
            "SITEGEN_REQUIRE_BROWSER",
            Path::new("/usr/bin/chromium").is_file()
                && Path::new("/usr/bin/chromedriver").is_file(),
        ),
        (
            "vnu",
            "SITEGEN_REQUIRE_VALIDATORS",
            on_path("java") && env_path("SITEGEN_VNU_JAR").is_some_and(|j| j.is_file()),
        ),
        ("xmllint", "SITEGEN_REQUIRE_VALIDATORS", on_path("xmllint")),
        (
            "node",
            "SITEGEN_REQUIRE_NODE",
            on_path("node")
                && env_path("SITEGEN_NODE_MODULES").is_some_and(|d| node_modules_ready(&d)),
        ),
        ("hugo", "SITEGEN_REQUIRE_HUGO", on_path("hugo")),
        ("moto", "SITEGEN_REQUIRE_S3", on_path("moto_server")),
        ("garage", "SITEGEN_REQUIRE_S3", on_path("garage")),
    ];
    for var in ["PATH", "SITEGEN_VNU_JAR", "SITEGEN_NODE_MODULES"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    for (name, require, found) in tools {
        println!("cargo::rerun-if-env-changed={require}");
        println!("cargo::rustc-check-cfg=cfg(sitegen_no_{name})");
        if !found && env::var_os(require).is_none() {
            println!("cargo::rustc-cfg=sitegen_no_{name}");
        }
    }
}
