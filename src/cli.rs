//! Command-line interface: parses arguments and hands off to the library.
//!
//! Exit codes: 0 success, 1 a build error (previous output intact), 2 a usage error.

use clap::{Parser, Subcommand};

/// sitegen: a static-site generator whose output is never half-written.
#[derive(Debug, Parser)]
#[command(name = "sitegen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the site (not yet implemented: the site builder has not landed).
    Build,
    /// Serve the site with live reload (not yet implemented).
    Serve,
}

/// Runs the CLI and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::Build | Command::Serve => {
            eprintln!("sitegen: not yet implemented in this version");
            2
        }
    }
}
