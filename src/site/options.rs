//! How to build: the options of `sitegen build` (and of `serve` and `check`, which build
//! too), and where they put the output and the state.

use std::path::PathBuf;
use std::sync::Arc;

use super::{Warm, DOWNLOADS_DIR, STATE_DIR};
use crate::config::{Config, ConfigError};
use crate::output::{Durability, LockMode};

/// How to build.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    pub root: PathBuf,
    pub output_dir: Option<PathBuf>,
    pub base_url: Option<String>,
    pub drafts: bool,
    pub durability: Durability,
    pub lock_mode: LockMode,
    pub progress: Progress,
    pub render_mode: RenderMode,
    /// Where the lock, manifest and build cache live (default: `<root>/.sitegen`).
    pub state_dir: Option<PathBuf>,
    /// State kept across the builds of this process (`serve`); none for one-shot builds.
    pub warm: Option<Arc<Warm>>,
    /// The config file (`--config`); default `zola.toml`, else `config.toml`, in `root`.
    pub config_file: Option<PathBuf>,
    /// What templates see as `config.mode`.
    pub mode: crate::config::Mode,
    /// How the output switches to the new build (`None`: the config's `publish`).
    pub publish: Option<crate::output::Publish>,
    /// `--minify`: minify HTML even if the config does not ask for it.
    pub minify: bool,
    /// `--safe` and its allowlists, or the default trust (see [`crate::safety`]).
    pub safety: crate::safety::Safety,
}

/// Whether to reuse the previous build's work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenderMode {
    /// Render only what changed, according to the build cache.
    Incremental,
    /// Render everything (`--full`).
    Full,
}

/// Whether to show a progress line while rendering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// On stderr, when it is a terminal and the build has run for over a second.
    WhenTerminal,
    /// Never.
    Off,
}

impl BuildOptions {
    /// The output directory and the state directory, from the options or else the config.
    pub fn dirs(&self, config: &Config) -> (PathBuf, PathBuf) {
        let output = self
            .output_dir
            .clone()
            .unwrap_or_else(|| self.root.join(&config.output_dir));
        let state = self
            .state_dir
            .clone()
            .unwrap_or_else(|| self.root.join(STATE_DIR));
        (output, state)
    }

    /// Defaults for the site at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BuildOptions {
            root: root.into(),
            output_dir: None,
            base_url: None,
            drafts: false,
            durability: Durability::Fsync,
            lock_mode: LockMode::Wait,
            progress: Progress::WhenTerminal,
            render_mode: RenderMode::Incremental,
            state_dir: None,
            warm: None,
            config_file: None,
            mode: crate::config::Mode::Build,
            publish: None,
            minify: false,
            safety: crate::safety::Safety::Trusted,
        }
    }

    /// Where `load_data` keeps downloads (in the state directory).
    pub(super) fn state_dirs_downloads(&self, config: &Config) -> PathBuf {
        self.dirs(config).1.join(DOWNLOADS_DIR)
    }

    /// The site's config file (see [`crate::config::find_file`]).
    pub fn config_path(&self) -> PathBuf {
        crate::config::find_file(&self.root, self.config_file.as_deref())
    }

    /// Loads the site's config, with `--base-url` and the mode applied.
    pub fn load_config(&self) -> Result<(Config, Vec<String>), ConfigError> {
        let path = self.config_path();
        if self.config_file.is_none() && !path.exists() {
            return Err(ConfigError::NotASite {
                root: self.root.clone(),
            });
        }
        let (mut config, warnings) = Config::load(&path)?;
        if let Some(url) = &self.base_url {
            config.base_url_given = url.clone();
            config.base_url = url.trim_end_matches('/').to_string();
        }
        config.mode = self.mode;
        config.minify_html |= self.minify;
        Ok((config, warnings))
    }
}
