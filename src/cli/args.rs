//! The command line's arguments: every command and its options (clap derives the parser
//! and `--help` from these doc comments).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub(super) use super::values::{DurabilityArg, Format, PublishArg};
use super::{deploy, publish, safe};

/// sitegen: a static-site generator whose output is never half-written.
#[derive(Debug, Parser)]
#[command(name = "sitegen", version, about)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Debug, Subcommand)]
pub(super) enum Command {
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
    /// Upload the site's output (or `--source DIR`) to a `[[deployment.targets]]` of the
    /// config: assets, then pages, then the manifest, then deletes of what an earlier deploy
    /// wrote and this one does not; only changed objects go up.
    Deploy(deploy::DeployArgs),
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
        /// Check this `[[deployment.targets]]` bucket against the output (or --output)
        /// instead: objects missing, changed, or left by an earlier deploy.
        #[arg(long, value_name = "NAME", conflicts_with_all = ["repair", "state"])]
        target: Option<String>,
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
