//! What the output and the state directory hold, outside a build: `sitegen status`
//! (what is live and what `rollback` would restore), `rollback` and `clean`.

use std::path::PathBuf;

use super::check;
use super::files::{self, scan_inputs};
use super::memo::ContentMemo;
use super::{BuildError, BuildOptions, CACHE_FILE, CONTENT_CACHE_DIR, DOWNLOADS_DIR, IMAGES_DIR};
use crate::cache::BuildCache;
use crate::output::{OlderStandby, OutputOptions, OutputWriter};

/// What `sitegen status` reports.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Status {
    pub output_dir: PathBuf,
    #[serde(flatten)]
    pub generations: crate::output::Generations,
    /// Whether the sources differ from those the live generation was built from (`None`
    /// when that is not recorded).
    pub sources_changed: Option<bool>,
}

/// The live generation, whether the sources changed since it was built, and what
/// `rollback` would restore. Reads only: nothing is built, locked or written.
pub fn status(options: &BuildOptions) -> Result<Status, BuildError> {
    let (config, _) = options.load_config()?;
    let (output_dir, state_dir) = options.dirs(&config);
    let generations = crate::output::generations(&output_dir, &state_dir);
    let recorded = generations
        .live
        .as_ref()
        .and_then(|g| g.run.as_ref())
        .and_then(|r| r["inputs"].as_str().map(str::to_string));
    let sources_changed = match recorded {
        Some(recorded) => {
            let config_path = options.config_path();
            let theme_dir = config
                .theme
                .as_ref()
                .map(|t| options.root.join("themes").join(t));
            let (previous, _) = BuildCache::load_or_empty(&state_dir.join(CACHE_FILE));
            let read_files = previous
                .as_ref()
                .map(|c| c.read_files.clone())
                .unwrap_or_default();
            let sass_dir = config.compile_sass.then(|| options.root.join("sass"));
            let inputs = scan_inputs(
                &options.root,
                &config_path,
                theme_dir.as_deref(),
                sass_dir.as_deref(),
                previous.as_ref().map(|c| &c.inputs),
                &read_files,
            )?;
            Some(files::inputs_fingerprint(&inputs) != recorded)
        }
        None => None,
    };
    Ok(Status {
        output_dir,
        generations,
        sources_changed,
    })
}

/// Swaps the output back to the build before the live one (`sitegen rollback`); `older`
/// says what to do when the standby is older than that.
pub fn rollback(
    options: &BuildOptions,
    older: OlderStandby,
) -> Result<crate::output::RollbackReport, BuildError> {
    let (config, _) = options.load_config()?;
    let (output_dir, state_dir) = options.dirs(&config);
    Ok(crate::output::rollback(
        &output_dir,
        &state_dir,
        options.lock_mode,
        older,
    )?)
}

/// What `clean` removed.
#[derive(Clone, Debug)]
pub struct CleanSummary {
    pub output_dir: PathBuf,
    pub removed: usize,
}

/// Removes the outputs the last build wrote (listed in the manifest; never other files) and
/// sitegen's state for the site (`.sitegen/`).
pub fn clean(options: &BuildOptions) -> Result<CleanSummary, BuildError> {
    let (config, _) = options.load_config()?;
    let (output_dir, state_dir) = options.dirs(&config);
    let writer = OutputWriter::open(
        &output_dir,
        OutputOptions::new(&state_dir).lock_mode(options.lock_mode),
    )?;
    let report = writer.remove_all()?;
    crate::output::remove_standby(&output_dir, &state_dir);
    for file in [CACHE_FILE, "output.lock"] {
        let _ = std::fs::remove_file(state_dir.join(file));
    }
    let _ = std::fs::remove_file(crate::cache::stamp_path(&state_dir.join(CACHE_FILE)));
    ContentMemo::remove(&state_dir.join(CONTENT_CACHE_DIR));
    let _ = std::fs::remove_dir_all(state_dir.join(DOWNLOADS_DIR));
    let _ = std::fs::remove_dir_all(state_dir.join(IMAGES_DIR));
    let _ = std::fs::remove_dir_all(check::check_dir(&state_dir));
    let _ = std::fs::remove_dir(&state_dir);
    Ok(CleanSummary {
        output_dir,
        removed: report.pruned,
    })
}
