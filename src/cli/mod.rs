//! Command-line interface: parses arguments and hands off to the library.
//!
//! Exit codes: 0 success, 1 a build error (previous output intact) or, for `check`, a broken
//! link at the error level, 2 a usage error. `verify`: 0 clean, 1 problems found (still there
//! after `--repair`), 2 an error (nothing to verify, a failed repair build, ...).

mod generations;
mod publish;
mod safe;

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::check::{External, ExternalOptions};
use crate::output::{
    install_interrupt_handler, Change, Durability, LockMode, OlderStandby, Publish,
};
use crate::site::{build, BuildError, BuildOptions, BuildSummary, Progress, RenderMode};

/// sitegen: a static-site generator whose output is never half-written.
#[derive(Debug, Parser)]
#[command(name = "sitegen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DurabilityArg {
    /// Data and renames synced to disk before the build reports success.
    Fsync,
    /// Atomic against crashes of sitegen, not against power loss.
    None,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PublishArg {
    /// Each file replaced atomically, one after another.
    Files,
    /// The whole site switched at once, with the previous build kept for `rollback`.
    Swap,
}

impl From<DurabilityArg> for Durability {
    fn from(arg: DurabilityArg) -> Self {
        match arg {
            DurabilityArg::Fsync => Durability::Fsync,
            DurabilityArg::None => Durability::None,
        }
    }
}

impl From<PublishArg> for Publish {
    fn from(arg: PublishArg) -> Self {
        match arg {
            PublishArg::Files => Publish::Files,
            PublishArg::Swap => Publish::Swap,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the site into its output directory (atomically: old output stays until commit).
    Build {
        /// Site root (holding config.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output directory (default: config's output_dir under the root).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Override config's base_url.
        #[arg(long)]
        base_url: Option<String>,
        /// Include drafts.
        #[arg(long)]
        drafts: bool,
        /// Worker threads (default: one per core).
        #[arg(long)]
        jobs: Option<usize>,
        /// How hard to make the output survive power loss.
        #[arg(long, value_enum, default_value = "fsync")]
        durability: DurabilityArg,
        /// Print nothing but errors.
        #[arg(long)]
        quiet: bool,
        /// Summary format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Fail at once if another build holds the output lock, instead of waiting.
        #[arg(long)]
        no_wait: bool,
        /// Render every output, ignoring the build cache.
        #[arg(long)]
        full: bool,
        /// Config file (default: zola.toml, else config.toml, in the root).
        #[arg(long)]
        config: Option<PathBuf>,
        /// How the output switches to the new build (default: config's `publish`, else
        /// files).
        #[arg(long, value_enum)]
        publish: Option<PublishArg>,
        /// After the commit, write the paths this build changed in the output to PATH as
        /// JSON lines (`path`, `action` written/pruned, `size`, `hash`): what a deploy
        /// uploads and deletes. Written atomically.
        #[arg(long, value_name = "PATH")]
        changed_files: Option<PathBuf>,
        /// Minify the HTML outputs (as `minify_html = true` in the config).
        #[arg(long)]
        minify: bool,
        #[command(flatten)]
        safe: safe::SafeArgs,
    },
    /// Publish another generator's finished output into DIR through sitegen's writer:
    /// unchanged files kept, the rest atomic, only files an earlier publish wrote pruned.
    Publish(publish::PublishArgs),
    /// Swap the output back to the previous build (after `build --publish swap` or
    /// `publish --publish swap`); run again to roll forward. Nothing is rebuilt.
    ///
    /// Refused when builds were published file by file since the standby was made (it is
    /// then older than the build before the live one); `--force` restores it anyway.
    Rollback {
        /// Site root (holding config.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output directory (default: config's output_dir under the root). An output that
        /// `sitegen publish` manages is found by its state beside it; no site needed.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Config file (default: zola.toml, else config.toml, in the root).
        #[arg(long)]
        config: Option<PathBuf>,
        /// The output's state directory, when it is not the site's nor beside the output.
        #[arg(long, value_name = "DIR", requires = "output")]
        state: Option<PathBuf>,
        /// Restore the standby even when it is older than the build before the live one.
        #[arg(long)]
        force: bool,
    },
    /// Show the live build (run id, when, from which inputs), whether the sources changed
    /// since, and what `rollback` would restore. Changes nothing.
    Status {
        /// Site root (holding config.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output directory (default: config's output_dir under the root). An output that
        /// `sitegen publish` manages is found by its state beside it; no site needed.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Config file (default: zola.toml, else config.toml, in the root).
        #[arg(long)]
        config: Option<PathBuf>,
        /// The output's state directory, when it is not the site's nor beside the output.
        #[arg(long, value_name = "DIR", requires = "output")]
        state: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Re-hash every file of the live output against the manifest of the build that wrote
    /// it; report missing, modified, extra files, leftover temps, wrong permissions, a
    /// damaged manifest. Exits 0 when clean, 1 with problems, 2 on an error.
    Verify {
        /// Site root (holding config.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output directory (default: config's output_dir under the root). An output that
        /// `sitegen publish` manages is found by its state beside it; no site needed.
        #[arg(long)]
        output: Option<PathBuf>,
        /// The output's state directory, when it is not the site's nor beside the output.
        #[arg(long, requires = "output")]
        state: Option<PathBuf>,
        /// Config file (default: zola.toml, else config.toml, in the root).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Rewrite exactly the bad files (from the standby build when it has the same
        /// bytes, else by rendering them), remove leftover temps, then verify again.
        /// Files sitegen did not write are never touched.
        #[arg(long)]
        repair: bool,
    },
    /// Build the site into .sitegen/check/ (never the output) and report every broken link.
    ///
    /// Internal links and anchors are always checked; external links with --external.
    /// Exits 1 when a problem whose [link_checker] level is "error" was found.
    Check {
        /// Site root (holding config.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Include drafts.
        #[arg(long)]
        drafts: bool,
        /// Also fetch external http(s) links (each distinct URL once).
        #[arg(long)]
        external: bool,
        /// Override config's base_url.
        #[arg(long)]
        base_url: Option<String>,
        /// Config file (default: zola.toml, else config.toml, in the root).
        #[arg(long)]
        config: Option<PathBuf>,
        #[command(flatten)]
        safe: safe::SafeArgs,
    },
    /// Create a new site in DIR (missing or empty): the default theme, two posts, an about page; `--bare` for the minimal one. Asks, at a terminal, what no flag answers
    Init {
        /// Where to create the site.
        dir: PathBuf,
        /// The minimal site: no theme, the built-in templates.
        #[arg(long)]
        bare: bool,
        /// The site's URL (default https://example.com).
        #[arg(long)]
        base_url: Option<String>,
        /// Compile Sass (`compile_sass = true`, an empty `sass/`); `--sass=false` to answer no.
        #[arg(long, num_args = 0..=1, default_missing_value = "true")]
        sass: Option<bool>,
        /// Colour code blocks (the default); `--highlighting=false` to answer no.
        #[arg(long, num_args = 0..=1, default_missing_value = "true")]
        highlighting: Option<bool>,
        /// Build a search index; `--search=false` to answer no.
        #[arg(long, num_args = 0..=1, default_missing_value = "true")]
        search: Option<bool>,
    },
    /// Remove what the last build wrote (only files listed in its manifest) and sitegen's
    /// whole state, the `serve` preview included; refused while `sitegen serve` runs.
    Clean {
        /// Site root (holding config.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output directory (default: config's output_dir under the root).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Build into .sitegen/serve/ and serve it on localhost with live reload.
    Serve {
        /// Site root (holding config.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        interface: std::net::IpAddr,
        /// Port (default 1111, or the next free one; 0 picks any free port).
        #[arg(long)]
        port: Option<u16>,
        /// Include drafts.
        #[arg(long)]
        drafts: bool,
        /// PID file (default .sitegen/serve.pid under the root).
        #[arg(long)]
        pid_file: Option<PathBuf>,
        /// Open the site in a browser.
        #[arg(long)]
        open: bool,
        /// Config file (default: zola.toml, else config.toml, in the root).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Minify the HTML outputs (as `minify_html = true` in the config).
        #[arg(long)]
        minify: bool,
        #[command(flatten)]
        safe: safe::SafeArgs,
    },
    /// Stop a running `sitegen serve` (SIGTERM, then wait for it to exit).
    Stop {
        /// Site root (holding config.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// PID file (default .sitegen/serve.pid under the root).
        #[arg(long)]
        pid_file: Option<PathBuf>,
    },
}

fn print_summary(summary: &BuildSummary, format: Format) {
    let r = &summary.report;
    let ms = summary.elapsed.as_millis();
    match format {
        Format::Text
            if summary.pages == 0 && summary.rendered == 0 && r.written == 0 && r.pruned == 0 =>
        {
            println!(
                "sitegen: nothing changed; {} outputs unchanged in {ms} ms",
                r.unchanged
            )
        }
        Format::Text => {
            let why = summary
                .full_reason
                .as_ref()
                .map(|w| format!(" (full render: {w})"))
                .unwrap_or_default();
            let images = match summary.images_encoded {
                0 => String::new(),
                n => format!(", {n} images encoded"),
            };
            println!(
                "sitegen: built {} pages, {} sections into {}: {} rendered, {} written, {} unchanged, {} pruned{images} in {ms} ms{why}",
                summary.pages,
                summary.sections,
                summary.output_dir.display(),
                summary.rendered,
                r.written,
                r.unchanged,
                r.pruned,
            )
        }
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "ok": true,
                "pages": summary.pages,
                "sections": summary.sections,
                "output_dir": summary.output_dir,
                "rendered": summary.rendered,
                "sass_compiled": summary.sass_compiled,
                "written": r.written,
                "unchanged": r.unchanged,
                "pruned": r.pruned,
                "images_encoded": summary.images_encoded,
                "search_indexes_built": summary.search_indexes_built,
                "swapped": r.swapped,
                "changes": r.changes,
                "full_render_reason": summary.full_reason,
                "bytes_written": r.bytes_written,
                "temps_swept": r.temps_swept,
                "sync_ms": r.sync_time.as_millis() as u64,
                "elapsed_ms": ms as u64,
                "warnings": summary.warnings,
            })
        ),
    }
}

/// Writes a commit's changes to `path` as JSON lines (`--changed-files`), atomically; the
/// exit code on failure.
fn write_changes(path: &Path, changes: &[Change]) -> Result<(), i32> {
    let lines: String = changes
        .iter()
        .map(|c| serde_json::to_string(c).unwrap_or_default() + "\n")
        .collect();
    crate::output::atomic_write(path, lines.as_bytes()).map_err(|e| {
        eprintln!(
            "sitegen: error: {}: cannot write the changed files ({e})",
            path.display()
        );
        1
    })
}

/// The output and state directories that `rollback` and `status` act on when they are not
/// a site's: `--output` with `--state`, or an `--output` that `sitegen publish` manages.
fn published_output(
    output: Option<&PathBuf>,
    state: Option<PathBuf>,
) -> Option<(PathBuf, PathBuf)> {
    let output = output?;
    let state = state.or_else(|| crate::publish::managed_state_dir(output))?;
    Some((output.clone(), state))
}

/// 0 after running `on_ok`, or 1 after printing the error.
fn exit_code<T, E: std::fmt::Display>(result: Result<T, E>, on_ok: impl FnOnce(T)) -> i32 {
    match result {
        Ok(value) => {
            on_ok(value);
            0
        }
        Err(e) => {
            eprintln!("sitegen: error: {e}");
            1
        }
    }
}

/// Runs the CLI and returns the process exit code.
pub fn run() -> i32 {
    crate::render::recursion::install_overflow_handler();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::Build {
            root,
            output,
            base_url,
            drafts,
            jobs,
            durability,
            quiet,
            format,
            no_wait,
            full,
            config,
            publish,
            changed_files,
            minify,
            safe,
        } => {
            let safety = match safe.resolve() {
                Ok(safety) => safety,
                Err(code) => return code,
            };
            if let Some(jobs) = jobs.filter(|&j| j > 0) {
                let _ = rayon::ThreadPoolBuilder::new()
                    .num_threads(jobs)
                    .build_global();
            }
            if let Err(e) = install_interrupt_handler() {
                eprintln!("sitegen: warning: cannot handle Ctrl+C cleanly ({e})");
            }
            let options = BuildOptions {
                root,
                output_dir: output,
                base_url,
                drafts,
                durability: durability.into(),
                lock_mode: if no_wait {
                    LockMode::Fail
                } else {
                    LockMode::Wait
                },
                state_dir: None,
                warm: None,
                config_file: config,
                publish: publish.map(Publish::from),
                mode: crate::config::Mode::Build,
                minify,
                safety,
                render_mode: if full {
                    RenderMode::Full
                } else {
                    RenderMode::Incremental
                },
                progress: if quiet || format == Format::Json {
                    Progress::Off
                } else {
                    Progress::WhenTerminal
                },
            };
            match build(&options) {
                Ok(summary) => {
                    if let Some(path) = &changed_files {
                        if let Err(code) = write_changes(path, &summary.report.changes) {
                            return code;
                        }
                    }
                    if !quiet || format == Format::Json {
                        for w in &summary.warnings {
                            eprintln!("sitegen: warning: {w}");
                        }
                        print_summary(&summary, format);
                    }
                    0
                }
                Err(e) => {
                    eprintln!("sitegen: error: {e}");
                    if format == Format::Json {
                        println!(
                            "{}",
                            serde_json::json!({ "ok": false, "error": e.to_string() })
                        );
                    }
                    1
                }
            }
        }
        Command::Check {
            root,
            drafts,
            external,
            base_url,
            config,
            safe,
        } => {
            let mut options = BuildOptions::new(root);
            options.safety = match safe.resolve() {
                Ok(safety) => safety,
                Err(code) => return code,
            };
            options.drafts = drafts;
            options.base_url = base_url;
            options.config_file = config;
            options.progress = Progress::Off;
            let external = if external {
                External::Check(ExternalOptions::default())
            } else {
                External::Skip
            };
            match crate::site::check(&options, external) {
                Ok(report) => {
                    println!("{report}");
                    i32::from(report.failed())
                }
                Err(e) => {
                    eprintln!("sitegen: error: {e}");
                    1
                }
            }
        }
        Command::Init {
            dir,
            bare,
            base_url,
            sass,
            highlighting,
            search,
        } => {
            let mut options = crate::init::InitOptions::default();
            if bare {
                options.starter = crate::init::Starter::Bare;
            }
            let answered = crate::init::Answered {
                base_url: base_url.is_some(),
                sass: sass.is_some(),
                highlighting: highlighting.is_some(),
                search: search.is_some(),
            };
            if let Some(url) = base_url {
                options.base_url = url;
            }
            options.sass = sass.unwrap_or(options.sass);
            options.highlighting = highlighting.unwrap_or(options.highlighting);
            options.search = search.unwrap_or(options.search);
            // Asked only at a terminal: scripts and CI answer with flags or take the defaults.
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                let stdin = std::io::stdin();
                let _ = crate::init::ask(
                    &mut stdin.lock(),
                    &mut std::io::stdout(),
                    &mut options,
                    answered,
                );
            }
            exit_code(crate::init::init(&dir, &options), |files| {
                let shown = dir.display();
                println!("sitegen: created a site in {shown} ({} files); build it with `sitegen build --root {shown}`, or preview it with `sitegen serve --root {shown}`", files.len());
            })
        }
        Command::Clean { root, output } => {
            let mut options = BuildOptions::new(root);
            options.output_dir = output;
            exit_code(crate::serve::clean(&options), |summary| {
                let dir = summary.output_dir.display();
                println!(
                    "sitegen: removed {} files from {dir} and the build state",
                    summary.removed
                );
            })
        }
        Command::Publish(args) => publish::run(args),
        Command::Rollback {
            root,
            output,
            config,
            state,
            force,
        } => {
            let older = match force {
                true => OlderStandby::Restore,
                false => OlderStandby::Refuse,
            };
            let rolled = match published_output(output.as_ref(), state) {
                Some((output, state)) => {
                    crate::output::rollback(&output, &state, LockMode::Wait, older)
                        .map_err(|e| rollback_error(&e))
                }
                None => {
                    let mut options = BuildOptions::new(root);
                    options.output_dir = output;
                    options.config_file = config;
                    crate::site::rollback(&options, older).map_err(|e| match e {
                        BuildError::Output(e) => rollback_error(&e),
                        e => e.to_string(),
                    })
                }
            };
            exit_code(rolled, |report| {
                println!("{}", generations::rollback_line(&report))
            })
        }
        Command::Status {
            root,
            output,
            config,
            state,
            format,
        } => {
            let status = match published_output(output.as_ref(), state) {
                Some((output, state)) => Ok(crate::site::Status {
                    generations: crate::output::generations(&output, &state),
                    output_dir: output,
                    sources_changed: None,
                }),
                None => {
                    let mut options = BuildOptions::new(root);
                    options.output_dir = output;
                    options.config_file = config;
                    crate::site::status(&options).map_err(|e| e.to_string())
                }
            };
            exit_code(status, |status| match format {
                Format::Json => println!("{}", serde_json::to_string(&status).unwrap_or_default()),
                Format::Text => generations::print_status(&status),
            })
        }
        Command::Verify {
            root,
            output,
            state,
            config,
            format,
            repair,
        } => {
            let mode = match repair {
                true => crate::site::VerifyMode::Repair,
                false => crate::site::VerifyMode::Check,
            };
            let verified = match published_output(output.as_ref(), state) {
                Some((output, state)) => crate::site::verify_published(&output, &state, mode),
                None => {
                    let mut options = BuildOptions::new(root);
                    options.output_dir = output;
                    options.config_file = config;
                    crate::site::verify(&options, mode)
                }
            };
            match verified {
                Ok(verified) => {
                    match format {
                        Format::Json => println!("{}", serde_json::json!(verified)),
                        Format::Text => println!("{verified}"),
                    }
                    i32::from(!verified.is_clean())
                }
                Err(e) => {
                    eprintln!("sitegen: error: {e}");
                    if format == Format::Json {
                        println!(
                            "{}",
                            serde_json::json!({ "ok": false, "error": e.to_string() })
                        );
                    }
                    2
                }
            }
        }
        Command::Serve {
            root,
            interface,
            port,
            drafts,
            pid_file,
            open,
            config,
            minify,
            safe,
        } => {
            let safety = match safe.resolve() {
                Ok(safety) => safety,
                Err(code) => return code,
            };
            let options = crate::serve::ServeOptions {
                root,
                interface,
                port,
                drafts,
                pid_file,
                open,
                config_file: config,
                minify,
                safety,
            };
            exit_code(crate::serve::run(options), |()| {})
        }
        Command::Stop { root, pid_file } => {
            let pid_file = pid_file.unwrap_or_else(|| crate::serve::default_pid_file(&root));
            let stopped =
                crate::serve::pidfile::stop(&pid_file, std::time::Duration::from_secs(10));
            exit_code(stopped, |pid| {
                println!("sitegen: stopped sitegen serve (pid {pid})")
            })
        }
    }
}

/// A refused rollback's error, with what a user types to restore the standby anyway (the
/// output layer's `OlderStandby::Restore`).
fn rollback_error(e: &crate::output::OutputError) -> String {
    match e {
        crate::output::OutputError::StandbyOutdated { .. } => {
            format!("{e} (`sitegen rollback --force` restores it anyway)")
        }
        _ => e.to_string(),
    }
}
