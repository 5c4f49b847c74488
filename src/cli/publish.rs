//! `sitegen publish`: its arguments and its summary.

use std::path::PathBuf;

use super::summary::write_changes;
use super::values::{DurabilityArg, Format, PublishArg};
use crate::output::{install_interrupt_handler, LockMode};
use crate::publish::{publish, CommandOutput, PublishOptions, PublishSummary, Source};

/// The arguments of `sitegen publish`.
#[derive(Debug, clap::Args)]
pub(super) struct PublishArgs {
    /// The finished tree to publish (another generator's output). Symlinks inside it are
    /// published as the files they point to; one leading outside it is an error.
    #[arg(required_unless_present = "run", conflicts_with = "run")]
    source: Option<PathBuf>,
    /// The output directory.
    #[arg(long)]
    output: PathBuf,
    /// Run this shell command first (`sh -c`); it must write the tree into `{staging}`
    /// (replaced by a fresh directory beside the output, shell-quoted; also in
    /// $SITEGEN_STAGING). Published only if it exits 0; the directory is removed after.
    #[arg(long, value_name = "CMD")]
    run: Option<String>,
    /// How the output switches to the new tree.
    #[arg(long, value_enum, default_value = "files")]
    publish: PublishArg,
    /// How hard to make the output survive power loss.
    #[arg(long, value_enum, default_value = "fsync")]
    durability: DurabilityArg,
    /// After the commit, write the paths this publish changed to PATH as JSON lines
    /// (`path`, `action` written/pruned, `size`, `hash`). Written atomically.
    #[arg(long, value_name = "PATH")]
    changed_files: Option<PathBuf>,
    /// Where the lock and manifests live (default: `.NAME.sitegen-state` beside the output
    /// directory NAME, where `rollback --output` and `status --output` look).
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
    /// Fail at once if another publish holds the output's lock, instead of waiting.
    #[arg(long)]
    no_wait: bool,
    /// Print nothing but errors.
    #[arg(long)]
    quiet: bool,
    /// Summary format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// Runs `sitegen publish`; returns the exit code.
pub(super) fn run(args: PublishArgs) -> i32 {
    if let Err(e) = install_interrupt_handler() {
        eprintln!("sitegen: warning: cannot handle Ctrl+C cleanly ({e})");
    }
    let source = match (args.source, args.run) {
        (_, Some(command)) => Source::Run(command),
        (Some(dir), None) => Source::Dir(dir),
        // clap requires one of the two.
        (None, None) => return 2,
    };
    let shown_source = match &source {
        Source::Dir(dir) => dir.display().to_string(),
        Source::Run(command) => format!("`{command}`"),
    };
    let mut options = PublishOptions::new(source, args.output);
    options.state_dir = args.state;
    options.durability = args.durability.into();
    options.publish = args.publish.into();
    options.lock_mode = if args.no_wait {
        LockMode::Fail
    } else {
        LockMode::Wait
    };
    if args.format == Format::Json {
        options.command_output = CommandOutput::Stderr;
    }
    let summary = match publish(&options) {
        Ok(summary) => summary,
        Err(e) => {
            eprintln!("sitegen: error: {e}");
            if args.format == Format::Json {
                println!(
                    "{}",
                    serde_json::json!({ "ok": false, "error": e.to_string() })
                );
            }
            return 1;
        }
    };
    if let Some(path) = &args.changed_files {
        if let Err(code) = write_changes(path, &summary.report.changes) {
            return code;
        }
    }
    let r = &summary.report;
    if !args.quiet || args.format == Format::Json {
        for w in r.manifest_warning.iter().chain(&r.publish_notice) {
            eprintln!("sitegen: warning: {w}");
        }
        print_summary(&summary, &shown_source, args.format);
    }
    0
}

fn print_summary(summary: &PublishSummary, source: &str, format: Format) {
    let r = &summary.report;
    let ms = summary.elapsed.as_millis();
    match format {
        Format::Text => {
            let swapped = if r.swapped { " (swapped in whole)" } else { "" };
            println!(
                "sitegen: published {} files from {source} into {}: {} written, {} unchanged, {} pruned in {ms} ms{swapped}",
                summary.files,
                summary.output_dir.display(),
                r.written,
                r.unchanged,
                r.pruned,
            )
        }
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "ok": true,
                "source": source,
                "output_dir": summary.output_dir,
                "state_dir": summary.state_dir,
                "files": summary.files,
                "written": r.written,
                "unchanged": r.unchanged,
                "pruned": r.pruned,
                "swapped": r.swapped,
                "changes": r.changes,
                "bytes_written": r.bytes_written,
                "temps_swept": r.temps_swept,
                "staging_swept": summary.staging_swept,
                "sync_ms": r.sync_time.as_millis() as u64,
                "elapsed_ms": ms as u64,
                "warnings": r.manifest_warning.iter().chain(&r.publish_notice).collect::<Vec<_>>(),
            })
        ),
    }
}
