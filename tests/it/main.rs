//! The end-to-end tests, one module per capability, in one test binary: each binary links
//! the whole library, and one of them builds and starts in a fraction of the time 24 took.
//!
//! Run one capability: `cargo test --test it incremental::` (a module name is a filter).
//! The crash and fault tests of the output layer are their own binary
//! (`crates/atomic-output-dir/tests/crash.rs`), because they run themselves as child processes.

mod common;

mod assets;
mod build_crash;
mod build_site;
mod check;
mod deploy;
mod deploy_garage;
mod deploy_s3;
mod file_functions;
mod first_minutes;
mod golden;
mod hangs;
mod i18n;
mod images;
mod incremental;
mod no_crash;
mod outputs;
mod publish;
mod publish_dir;
mod publish_hugo;
mod rollback;
mod safe;
mod serve;
mod shortcodes;
mod template_values;
mod validate;
mod verify;
mod zola_compat;
mod zola_legacy;
mod zola_rules;
