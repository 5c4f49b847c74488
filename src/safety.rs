//! `--safe`: building a checkout nobody vouches for (a pull request from a fork, built for a
//! preview) without leaking the machine it builds on.
//!
//! Whoever wrote the pull request controls the site's files, templates and config, and the
//! build runs with the CI job's environment and file system. So under `--safe`:
//! - no file outside the site root is read through a symlink (content, static, sass,
//!   templates, themes, the config, files that templates read): the build fails naming the
//!   link and where it leads;
//! - `get_env` answers only names on an allowlist (the CI's own facts, never its secrets);
//! - `load_data(url=...)` reaches only allowed hosts.
//!
//! The allowlists come from the command line and the environment only: the site's config is
//! part of the untrusted checkout, so nothing in it can widen them. A trusted build (the
//! default) reads as Zola does and warns once for each symlink leading out of the site, so
//! that a user learns what `--safe` would refuse.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

/// Environment variables `get_env` may read under `--safe` without being allowed by name:
/// whether this is CI, and the CI's facts about the commit and the run (GitHub, GitLab,
/// Netlify, Cloudflare Pages), as Hugo's `security.funcs.getenv` allows `^HUGO_` and `^CI$`.
pub const DEFAULT_ENV: &[&str] = &[
    "^CI$",
    "^SITEGEN_",
    "^GITHUB_(SHA|REF|REF_NAME|REF_TYPE|HEAD_REF|BASE_REF|RUN_ID|RUN_NUMBER|RUN_ATTEMPT|REPOSITORY|SERVER_URL|EVENT_NAME|WORKFLOW)$",
    "^CI_(COMMIT_SHA|COMMIT_SHORT_SHA|COMMIT_REF_NAME|COMMIT_BRANCH|PIPELINE_ID|PROJECT_PATH|MERGE_REQUEST_IID)$",
    "^(COMMIT_REF|BRANCH|HEAD|DEPLOY_ID|CONTEXT)$",
    "^CF_PAGES(_COMMIT_SHA|_BRANCH|_URL)?$",
];

/// How much the build trusts the site it builds.
#[derive(Clone, Debug, Default)]
pub enum Safety {
    /// The default: the site is the user's own; it reads what Zola reads.
    #[default]
    Trusted,
    /// `--safe`: the site may be anyone's.
    Safe(Allowlists),
}

/// What `--safe` allows besides the site itself: from the command line and the environment.
#[derive(Clone, Debug, Default)]
pub struct Allowlists {
    /// Directories outside the site that symlinks may lead into (a shared themes folder),
    /// canonical.
    pub dirs: Vec<PathBuf>,
    /// Patterns of environment variable names `get_env` may read, besides [`DEFAULT_ENV`].
    pub env: Vec<Regex>,
    /// Hosts `load_data(url=...)` may reach (exact names, any letter case).
    pub hosts: Vec<String>,
}

/// A bad allowlist entry, named.
#[derive(Debug, thiserror::Error)]
pub enum SafetyError {
    #[error("{}: a symlink leading outside the site (to {}): refused under --safe (`--allow-dir DIR` allows a directory)", link.display(), target.display())]
    OutsideLink { link: PathBuf, target: PathBuf },
    #[error("--allow-env `{pattern}`: not a regular expression ({reason})")]
    Pattern { pattern: String, reason: String },
    #[error("--allow-dir `{}`: {source}", path.display())]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Allowlists {
    /// The lists from their written forms: directories (made canonical; each must exist),
    /// name patterns (regular expressions) and host names.
    pub fn parse(dirs: &[PathBuf], env: &[String], hosts: &[String]) -> Result<Self, SafetyError> {
        let dirs = dirs
            .iter()
            .map(|d| {
                std::fs::canonicalize(d).map_err(|source| SafetyError::Dir {
                    path: d.clone(),
                    source,
                })
            })
            .collect::<Result<_, _>>()?;
        let env = env
            .iter()
            .map(|p| {
                Regex::new(p).map_err(|e| SafetyError::Pattern {
                    pattern: p.clone(),
                    reason: e.to_string(),
                })
            })
            .collect::<Result<_, _>>()?;
        let hosts = hosts
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        Ok(Allowlists { dirs, env, hosts })
    }
}

impl Safety {
    /// Whether this is a `--safe` build.
    pub fn is_safe(&self) -> bool {
        matches!(self, Safety::Safe(_))
    }

    /// What outputs rendered under this safety depend on: empty when trusted, else `safe`
    /// and a digest of the allowlists. Part of the build cache's settings, so that renders
    /// are never reused across a change of it (a page that called `get_env` under one
    /// allowlist is rendered anew under another).
    pub fn fingerprint(&self) -> String {
        let Safety::Safe(allow) = self else {
            return String::new();
        };
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for dir in &allow.dirs {
            h.update(dir.as_os_str().as_encoded_bytes());
            h.update(b"\0");
        }
        h.update(b"\x01");
        for pattern in &allow.env {
            h.update(pattern.as_str().as_bytes());
            h.update(b"\0");
        }
        h.update(b"\x01");
        for host in &allow.hosts {
            h.update(host.as_bytes());
            h.update(b"\0");
        }
        format!("safe {:032x}", h.digest128())
    }

    /// Under `--safe`, the directories (canonical) a compiler of the site's files may read
    /// in: the site `root` and the allowed ones. `None` when trusted: anywhere.
    pub fn read_fence(&self, root: &Path) -> Option<Vec<PathBuf>> {
        let Safety::Safe(allow) = self else {
            return None;
        };
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        Some(
            std::iter::once(root)
                .chain(allow.dirs.iter().cloned())
                .collect(),
        )
    }

    /// Whether `target` (canonical), where a link inside the site `root` (canonical) leads,
    /// is outside both the site and the allowed directories.
    pub fn leads_outside(&self, root: &Path, target: &Path) -> bool {
        if target.starts_with(root) {
            return false;
        }
        match self {
            Safety::Trusted => true,
            Safety::Safe(allow) => !allow.dirs.iter().any(|d| target.starts_with(d)),
        }
    }

    /// Whether `get_env` may read the variable `name`.
    pub fn env_allowed(&self, name: &str) -> bool {
        match self {
            Safety::Trusted => true,
            Safety::Safe(allow) => {
                static DEFAULTS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
                    DEFAULT_ENV
                        .iter()
                        .filter_map(|p| Regex::new(p).ok())
                        .collect()
                });
                DEFAULTS.iter().chain(&allow.env).any(|r| r.is_match(name))
            }
        }
    }

    /// Whether `load_data` may request `url` (an http(s) URL): its host is allowed.
    pub fn url_allowed(&self, url: &str) -> bool {
        match self {
            Safety::Trusted => true,
            Safety::Safe(allow) => {
                let host = host_of(url);
                allow.hosts.contains(&host)
            }
        }
    }
}

/// The host `load_data` would connect to for `url`, lowercase, without user info or port
/// (as the HTTP client parses it: its own `Uri`, so that what is checked is what is reached);
/// empty when the client cannot parse the URL either.
pub fn host_of(url: &str) -> String {
    url.parse::<ureq::http::Uri>()
        .ok()
        .and_then(|uri| uri.host().map(str::to_ascii_lowercase))
        .unwrap_or_default()
}

/// A symlink in the site leading out of it, as a finding: `link` (as the site names it) and
/// the canonical `target`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OutsideLink {
    pub link: PathBuf,
    pub target: PathBuf,
}

impl OutsideLink {
    /// The warning a trusted build gives for it.
    pub fn warning(&self) -> String {
        format!(
            "{}: a symlink leading outside the site (to {}); `--safe` would refuse it",
            self.link.display(),
            self.target.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_read_from_urls_as_the_http_client_reads_them() {
        for (url, host) in [
            ("https://api.example.com/x?y", "api.example.com"),
            ("http://user:pw@Example.COM:8080/", "example.com"),
            ("https://[::1]:8443/a", "[::1]"),
            ("https://example.com#frag", "example.com"),
            ("https://evil.com@good.com/", "good.com"),
        ] {
            assert_eq!(host_of(url), host, "{url}");
        }
    }

    #[test]
    fn safe_allows_only_listed_hosts_env_names_and_dirs() {
        let allow = Allowlists {
            dirs: vec![PathBuf::from("/shared/themes")],
            env: vec![Regex::new("^MY_PUBLIC_").unwrap()],
            hosts: vec!["api.example.com".into()],
        };
        let safe = Safety::Safe(allow);
        assert!(safe.url_allowed("https://API.example.com/data.json"));
        assert!(!safe.url_allowed("https://api.example.com.evil.net/"));
        assert!(!safe.url_allowed("http://169.254.169.254/latest/meta-data"));
        assert!(safe.env_allowed("CI") && safe.env_allowed("GITHUB_SHA"));
        assert!(safe.env_allowed("MY_PUBLIC_NAME") && safe.env_allowed("SITEGEN_X"));
        assert!(!safe.env_allowed("AWS_SECRET_ACCESS_KEY") && !safe.env_allowed("GITHUB_TOKEN"));
        let root = Path::new("/site");
        assert!(!safe.leads_outside(root, Path::new("/site/static/a")));
        assert!(!safe.leads_outside(root, Path::new("/shared/themes/t/a")));
        assert!(safe.leads_outside(root, Path::new("/etc/passwd")));
        assert!(Safety::Trusted.leads_outside(root, Path::new("/shared/themes/t")));
        assert!(Safety::Trusted.env_allowed("AWS_SECRET_ACCESS_KEY"));
    }
}
