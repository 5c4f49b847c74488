//! `sitegen verify [--repair]`: the output layer's check of the live generation
//! ([`crate::output::verify`]), and the repair, which needs the site to render.
//!
//! The repair rewrites exactly the files the check found bad (missing, modified, not a
//! file, unreadable, other permissions), always through the output writer:
//! 1. from the standby generation (`--publish swap`) where its file has exactly the bytes
//!    the live manifest records: copied, no rendering;
//! 2. the rest by a build told not to trust those files: they are rendered and written
//!    whatever their size and mtime say (so a file edited and given back its mtime is
//!    repaired too). This is an ordinary incremental build otherwise: sources changed since
//!    the live build come in as they would with `sitegen build`. Under swap, a build whose
//!    list of files is unchanged does not swap: its fresh files are in the standby, and step
//!    1 copies them into the live tree.
//!
//! Leftover temps are removed. Extra files (not written by sitegen) are only reported:
//! sitegen never touches what it did not write. A damaged manifest says nothing about which
//! files are sound: then a build writes every output whose bytes differ and a new manifest.
//! The check runs again at the end; that is the verdict.

use std::fmt;
use std::path::Path;

use super::{build_distrusting, BuildError, BuildOptions, Progress};
use crate::output::{self, VerifyReport};

/// Whether to repair what the check finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyMode {
    /// Check and report; change nothing.
    Check,
    /// Check, repair, check again.
    Repair,
}

/// What `verify --repair` did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RepairSummary {
    /// Files copied back from the standby generation.
    pub from_standby: Vec<String>,
    /// Files rendered anew by a build.
    pub rendered: Vec<String>,
    /// Files that build wrote (besides those, any whose sources changed since).
    pub build_written: usize,
    /// Leftover temps removed.
    pub temps_removed: Vec<String>,
    /// The check after the repair.
    pub after: VerifyReport,
}

/// What `sitegen verify` found, and did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Verified {
    /// Clean at the end (after the repair, if any).
    pub ok: bool,
    #[serde(flatten)]
    pub report: VerifyReport,
    pub repair: Option<RepairSummary>,
}

impl Verified {
    /// The verdict: the check after the repair, or the only check.
    pub fn is_clean(&self) -> bool {
        self.ok
    }
}

/// Checks the live output of the site against its manifest; with [`VerifyMode::Repair`],
/// repairs what can be repaired and checks again.
pub fn verify(options: &BuildOptions, mode: VerifyMode) -> Result<Verified, BuildError> {
    let (config, _) = options.load_config()?;
    let (output_dir, state_dir) = options.dirs(&config);
    let check = || output::verify(&output_dir, &state_dir, options.lock_mode);
    let report = check()?;
    if mode == VerifyMode::Check || report.is_clean() {
        return Ok(Verified {
            ok: report.is_clean(),
            report,
            repair: None,
        });
    }
    let options = BuildOptions {
        progress: Progress::Off,
        ..options.clone()
    };
    let bad = report.to_rewrite();
    let temps = report.leftover_temps();
    let restore = |paths: &[String], temps: &[String]| -> Result<output::Restored, BuildError> {
        let restored =
            output::restore_from_standby(&output_dir, &state_dir, paths, temps, options.lock_mode)?;
        Ok(restored)
    };
    let mut from_standby = Vec::new();
    let mut rendered = Vec::new();
    let mut build_written = 0;
    let temps_removed = match temps.is_empty() && bad.is_empty() {
        true => Vec::new(),
        false => {
            let restored = restore(&bad, &temps)?;
            from_standby = restored.from_standby;
            rendered = restored.left;
            restored.temps_removed
        }
    };
    if report.manifest_damaged() || !rendered.is_empty() {
        let built = build_distrusting(&options, rendered.clone())?;
        build_written = built.report.written;
        // Under swap the fresh files may be in the standby only (no swap): copy them in.
        let left = check()?.to_rewrite();
        if !left.is_empty() && !report.manifest_damaged() {
            restore(&left, &[])?;
        }
    }
    let after = check()?;
    Ok(Verified {
        ok: after.is_clean(),
        report,
        repair: Some(RepairSummary {
            from_standby,
            rendered,
            build_written,
            temps_removed,
            after,
        }),
    })
}

/// Checks an output that `sitegen publish` manages (no site to render): with
/// [`VerifyMode::Repair`], bad files are copied back from the standby generation where it
/// holds their recorded bytes and leftover temps are removed; the rest is left for the next
/// publish, which rewrites every file whose bytes differ from its source.
pub fn verify_published(
    output_dir: &Path,
    state_dir: &Path,
    mode: VerifyMode,
) -> Result<Verified, BuildError> {
    let lock_mode = crate::output::LockMode::Wait;
    let report = output::verify(output_dir, state_dir, lock_mode)?;
    if mode == VerifyMode::Check || report.is_clean() {
        return Ok(Verified {
            ok: report.is_clean(),
            report,
            repair: None,
        });
    }
    let restored = output::restore_from_standby(
        output_dir,
        state_dir,
        &report.to_rewrite(),
        &report.leftover_temps(),
        lock_mode,
    )?;
    let after = output::verify(output_dir, state_dir, lock_mode)?;
    Ok(Verified {
        ok: after.is_clean(),
        report,
        repair: Some(RepairSummary {
            from_standby: restored.from_standby,
            rendered: Vec::new(),
            build_written: 0,
            temps_removed: restored.temps_removed,
            after,
        }),
    })
}

impl fmt::Display for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sitegen: verify: {}", self.report)?;
        let Some(repair) = &self.repair else {
            return Ok(());
        };
        let list = |paths: &[String]| match paths.len() {
            0 => "none".to_string(),
            n if n <= 5 => paths.join(", "),
            n => format!("{}, ... ({n})", paths[..5].join(", ")),
        };
        write!(
            f,
            "\nsitegen: repair: from the standby: {}; rendered anew: {} (the build wrote {} files); temps removed: {}",
            list(&repair.from_standby),
            list(&repair.rendered),
            repair.build_written,
            repair.temps_removed.len()
        )?;
        write!(f, "\nsitegen: verify after repair: {}", repair.after)?;
        let extra = repair
            .after
            .problems
            .iter()
            .filter(|p| p.kind == output::ProblemKind::Extra)
            .count();
        if extra > 0 {
            write!(
                f,
                "\nsitegen: {extra} extra files left alone (sitegen never removes what it did not write)"
            )?;
        }
        Ok(())
    }
}
