//! `sitegen deploy`: its arguments and its summary (the work is `crate::deploy`).

use std::path::PathBuf;

use super::values::Format;
use crate::deploy::{deploy, DeployOptions, DeployReport};
use crate::site::BuildOptions;

/// The arguments of `sitegen deploy`.
#[derive(Debug, clap::Args)]
pub(super) struct DeployArgs {
    /// Site root (holding config.toml and its `[[deployment.targets]]`).
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Config file (default: zola.toml, else config.toml, in the root).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The target to deploy to, by its name in the config (needed when there are several).
    #[arg(long)]
    target: Option<String>,
    /// Deploy this tree instead of the site's output directory.
    #[arg(long, value_name = "DIR")]
    source: Option<PathBuf>,
    /// Print the plan (uploads in their order, deletes) and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Refuse, before any upload, a deploy that would delete more objects than this
    /// (default: the config's `maxDeletes`, else 256).
    #[arg(long, value_name = "N")]
    max_deletes: Option<usize>,
    /// Uploads at once (default: the config's `workers`, else 8).
    #[arg(long)]
    jobs: Option<usize>,
    /// Print nothing but errors.
    #[arg(long)]
    quiet: bool,
    /// Summary format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// The site's config file and the tree to deploy or check: `tree`, else the site's output
/// directory; `None` (the error printed) when the config cannot be read.
fn tree(
    root: &std::path::Path,
    config: Option<PathBuf>,
    tree: Option<PathBuf>,
) -> Option<(PathBuf, PathBuf)> {
    let mut site = BuildOptions::new(root);
    site.config_file = config;
    let source = match tree {
        Some(dir) => dir,
        None => match site.load_config() {
            Ok((config, _)) => site.dirs(&config).0,
            Err(e) => {
                eprintln!("sitegen: error: {e}");
                return None;
            }
        },
    };
    Some((site.config_path(), source))
}

/// Runs `sitegen deploy`; returns the exit code.
pub(super) fn run(args: DeployArgs) -> i32 {
    let Some((config_file, source)) = tree(&args.root, args.config, args.source) else {
        return 1;
    };
    let options = DeployOptions {
        config_file,
        source,
        target: args.target,
        dry_run: args.dry_run,
        max_deletes: args.max_deletes,
        jobs: args.jobs,
    };
    super::exit_code(deploy(&options), |report| match args.format {
        Format::Json => println!("{}", serde_json::to_string(&report).unwrap_or_default()),
        Format::Text if !args.quiet => print(&report),
        Format::Text => {}
    })
}

fn print(report: &DeployReport) {
    let verb = if report.dry_run {
        "would upload"
    } else {
        "uploaded"
    };
    if report.dry_run {
        for u in &report.uploads {
            println!(
                "upload {:5} {} ({} bytes, {})",
                format!("{:?}", u.stage).to_lowercase(),
                u.path,
                u.size,
                u.content_type
            );
        }
        for d in &report.deletes {
            println!("delete {d}");
        }
    }
    println!(
        "sitegen: deploy to `{}` ({}): {verb} {} objects ({} bytes), {} unchanged, {} {}; {} requests",
        report.target,
        report.url,
        report.uploads.len(),
        report.bytes_uploaded,
        report.unchanged,
        report.deletes.len(),
        if report.dry_run { "to delete" } else { "deleted" },
        report.requests,
    );
}

/// `sitegen verify --target NAME`: 0 clean, 1 not, 2 the check could not run.
pub(super) fn verify_target(
    root: &std::path::Path,
    config: Option<PathBuf>,
    output: Option<PathBuf>,
    target: String,
    json: bool,
) -> i32 {
    let Some((config_file, source)) = tree(root, config, output) else {
        return 2;
    };
    let options = DeployOptions {
        config_file,
        source,
        target: Some(target),
        dry_run: true,
        max_deletes: None,
        jobs: None,
    };
    match crate::deploy::verify(&options) {
        Ok(report) => {
            match json {
                true => println!("{}", serde_json::to_string(&report).unwrap_or_default()),
                false => println!("{report}"),
            }
            i32::from(!report.is_clean())
        }
        Err(e) => {
            eprintln!("sitegen: error: {e}");
            2
        }
    }
}
