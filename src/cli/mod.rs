//! Command-line interface: parses arguments and hands off to the library.
//!
//! Exit codes: 0 success, 1 a build error (previous output intact) or, for `check`, a broken
//! link at the error level, 2 a usage error. `verify`: 0 clean, 1 problems found (still there
//! after `--repair`), 2 an error (nothing to verify, a failed repair build, ...).

mod args;
mod deploy;
mod generations;
mod publish;
mod safe;
mod summary;
mod values;

use args::{Cli, Command, Format};

use std::path::PathBuf;

use clap::Parser;

use crate::check::{External, ExternalOptions};
use crate::output::{install_interrupt_handler, LockMode, OlderStandby, Publish};
use crate::site::{build, BuildError, BuildOptions, Progress, RenderMode};

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
                        if let Err(code) = summary::write_changes(path, &summary.report.changes) {
                            return code;
                        }
                    }
                    if !quiet || format == Format::Json {
                        for w in &summary.warnings {
                            eprintln!("sitegen: warning: {w}");
                        }
                        summary::print(&summary, format);
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
        Command::Deploy(args) => deploy::run(args),
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
                        .map_err(|e| generations::rollback_error(&e))
                }
                None => {
                    let mut options = BuildOptions::new(root);
                    options.output_dir = output;
                    options.config_file = config;
                    crate::site::rollback(&options, older).map_err(|e| match e {
                        BuildError::Output(e) => generations::rollback_error(&e),
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
            target,
        } => {
            if let Some(target) = target {
                return deploy::verify_target(
                    &root,
                    config,
                    output,
                    target,
                    format == Format::Json,
                );
            }
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
