//! `--safe` and its allowlists on the command line (`build`, `serve`, `check`), and the
//! same from the environment for CI configs that cannot change the command. Never from the
//! site's config: under `--safe` that is part of the untrusted checkout.

use std::path::PathBuf;

use clap::Args;

use crate::safety::{Allowlists, Safety, SafetyError};

/// The flags.
#[derive(Clone, Debug, Default, Args)]
pub struct SafeArgs {
    /// Build an untrusted checkout (a pull request's preview): no file outside the site is
    /// read through a symlink, `get_env` answers only allowed names, `load_data` reaches only
    /// allowed hosts. Also SITEGEN_SAFE=1.
    #[arg(long)]
    safe: bool,
    /// Under --safe, a directory outside the site that symlinks may lead into (a shared
    /// themes folder); repeatable. Also SITEGEN_SAFE_DIRS (separated by `:`).
    #[arg(long, value_name = "DIR")]
    allow_dir: Vec<PathBuf>,
    /// Under --safe, a pattern (regular expression) of environment variable names `get_env`
    /// may read, besides CI, SITEGEN_* and the CI's commit facts; repeatable. Also
    /// SITEGEN_SAFE_ENV (separated by `,`).
    #[arg(long, value_name = "REGEX")]
    allow_env: Vec<String>,
    /// Under --safe, a host `load_data(url=...)` may reach; repeatable. Also
    /// SITEGEN_SAFE_HOSTS (separated by `,`).
    #[arg(long, value_name = "HOST")]
    allow_host: Vec<String>,
}

impl SafeArgs {
    /// The build's [`Safety`]: the flags, with the environment's lists added.
    pub fn safety(&self) -> Result<Safety, SafetyError> {
        self.safety_with(|name| std::env::var(name).ok())
    }

    /// [`SafeArgs::safety`], or the exit code of a usage error (printed).
    pub fn resolve(&self) -> Result<Safety, i32> {
        self.safety().map_err(|e| {
            eprintln!("sitegen: error: {e}");
            2
        })
    }

    fn safety_with(&self, env: impl Fn(&str) -> Option<String>) -> Result<Safety, SafetyError> {
        let on = self.safe || env("SITEGEN_SAFE").is_some_and(|v| !matches!(v.trim(), "" | "0"));
        if !on {
            return Ok(Safety::Trusted);
        }
        let list = |name: &str, sep: char| -> Vec<String> {
            env(name)
                .map(|v| {
                    v.split(sep)
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut dirs = self.allow_dir.clone();
        dirs.extend(
            list("SITEGEN_SAFE_DIRS", ':')
                .into_iter()
                .map(PathBuf::from),
        );
        let mut env_names = self.allow_env.clone();
        env_names.extend(list("SITEGEN_SAFE_ENV", ','));
        let mut hosts = self.allow_host.clone();
        hosts.extend(list("SITEGEN_SAFE_HOSTS", ','));
        Ok(Safety::Safe(Allowlists::parse(&dirs, &env_names, &hosts)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_turns_safe_on_and_adds_to_the_lists() {
        let env = |name: &str| match name {
            "SITEGEN_SAFE" => Some("1".to_string()),
            "SITEGEN_SAFE_HOSTS" => Some("api.example.com, cdn.example.com".to_string()),
            "SITEGEN_SAFE_ENV" => Some("^DEPLOY_URL$".to_string()),
            _ => None,
        };
        let args = SafeArgs {
            allow_host: vec!["data.example.org".into()],
            ..SafeArgs::default()
        };
        let safety = args.safety_with(env).unwrap();
        assert!(safety.is_safe());
        assert!(safety.url_allowed("https://cdn.example.com/x"));
        assert!(safety.url_allowed("https://data.example.org/x"));
        assert!(!safety.url_allowed("https://example.net/x"));
        assert!(safety.env_allowed("DEPLOY_URL") && !safety.env_allowed("DEPLOY_KEY"));
        let off = SafeArgs::default().safety_with(|n| (n == "SITEGEN_SAFE").then(|| "0".into()));
        assert!(!off.unwrap().is_safe());
        let bad = SafeArgs {
            safe: true,
            allow_env: vec!["(".into()],
            ..SafeArgs::default()
        };
        assert!(bad
            .safety_with(|_| None)
            .unwrap_err()
            .to_string()
            .contains("--allow-env `(`"));
    }
}
