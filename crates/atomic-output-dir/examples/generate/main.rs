//! A small static-site generator built on `atomic-output-dir` alone: a few thousand pages, a
//! home page listing them and one large streamed file, committed as one generation by a swap
//! and then verified. Run it twice with other versions and the tree switches whole from one
//! to the next; kill it at any moment and the previous tree is still there, complete.
//!
//! ```sh
//! cargo run -p atomic-output-dir --example generate -- /tmp/site --version 2
//! ```
//!
//! Options: `--version N` (default 1), `--pages N` (3000), `--large-mib N` (16),
//! `--durability fsync|none` (fsync), `--state DIR` (`.NAME-state` beside the output).

mod site;

use std::path::PathBuf;
use std::process::ExitCode;

use atomic_output_dir::Durability;

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)) {
        Ok(settings) => match site::generate(&settings) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("generate: {e}");
                ExitCode::FAILURE
            }
        },
        Err(usage) => {
            eprintln!("generate: {usage}\nusage: generate OUT [--version N] [--pages N] [--large-mib N] [--durability fsync|none] [--state DIR]");
            ExitCode::from(2)
        }
    }
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<site::Settings, String> {
    let mut out = None;
    let mut state = None;
    let mut settings = site::Settings {
        out: PathBuf::new(),
        state: PathBuf::new(),
        version: 1,
        pages: 3000,
        large_bytes: 16 << 20,
        durability: Durability::Fsync,
    };
    let number = |v: Option<String>, name: &str| {
        v.and_then(|v| v.parse::<usize>().ok())
            .ok_or(format!("{name} takes a number"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--version" => settings.version = number(args.next(), "--version")?,
            "--pages" => settings.pages = number(args.next(), "--pages")?,
            "--large-mib" => settings.large_bytes = number(args.next(), "--large-mib")? << 20,
            "--state" => state = args.next().map(PathBuf::from),
            "--durability" => {
                settings.durability = match args.next().as_deref() {
                    Some("fsync") => Durability::Fsync,
                    Some("none") => Durability::None,
                    _ => return Err("--durability takes fsync or none".into()),
                }
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            path if out.is_none() => out = Some(PathBuf::from(path)),
            extra => return Err(format!("unexpected argument {extra}")),
        }
    }
    settings.out = out.ok_or("no output directory given")?;
    settings.state = state.unwrap_or_else(|| site::Settings::state_beside(&settings.out));
    Ok(settings)
}
