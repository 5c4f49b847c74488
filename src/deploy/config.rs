//! The `[deployment]` table of the site's config, as Hugo writes it: targets by name and URL,
//! and matchers that set an object's headers by path.
//!
//! Read here, from the config file, rather than by `crate::config`: nothing but `deploy`
//! looks at it, and a build must not fail over a deploy setting. Credentials never come from
//! here (see [`super::store`]).

use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

use super::DeployError;

/// `[deployment]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentConfig {
    /// `[[deployment.targets]]`.
    #[serde(default)]
    pub targets: Vec<Target>,
    /// `[[deployment.matchers]]`, the first matching one applies.
    #[serde(default)]
    pub matchers: Vec<MatcherConfig>,
    /// Hugo's `maxDeletes`: the default of `--max-deletes`.
    #[serde(default, rename = "maxDeletes")]
    pub max_deletes: Option<usize>,
    /// Hugo's `workers`: the default of `--jobs`.
    #[serde(default)]
    pub workers: Option<usize>,
}

/// One `[[deployment.targets]]`: where a site goes.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The name `--target` picks it by.
    pub name: String,
    /// `s3://bucket/prefix?region=...&endpoint=...`, `gs://`, `azblob://`, or `file:///dir`.
    #[serde(rename = "URL", alias = "url")]
    pub url: String,
}

/// One `[[deployment.matchers]]` as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatcherConfig {
    /// A regular expression matched against the object's path (`^.+\.(js|css)$`).
    pub pattern: String,
    #[serde(default, rename = "cacheControl")]
    pub cache_control: Option<String>,
    /// Only `gzip`: the object is stored compressed, with `Content-Encoding: gzip`.
    #[serde(default, rename = "contentEncoding")]
    pub content_encoding: Option<String>,
    #[serde(default, rename = "contentType")]
    pub content_type: Option<String>,
    /// Hugo's `gzip = true`, the same as `contentEncoding = "gzip"`.
    #[serde(default)]
    pub gzip: bool,
    /// Upload even when unchanged.
    #[serde(default)]
    pub force: bool,
}

/// A matcher ready to apply.
#[derive(Clone, Debug)]
pub struct Matcher {
    pattern: Regex,
    pub cache_control: Option<String>,
    pub gzip: bool,
    pub content_type: Option<String>,
    pub force: bool,
}

impl Matcher {
    /// Whether the object at `path` (relative, `/`-separated) is this matcher's.
    pub fn matches(&self, path: &str) -> bool {
        self.pattern.is_match(path)
    }
}

/// The deployment settings of the config at `path`, checked: targets named once each,
/// matchers' patterns compiled, `contentEncoding` known.
pub fn load(path: &Path) -> Result<(DeploymentConfig, Vec<Matcher>), DeployError> {
    let text = std::fs::read_to_string(path).map_err(|source| DeployError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

/// [`load`] of the config text `text`.
pub fn parse(text: &str, path: &Path) -> Result<(DeploymentConfig, Vec<Matcher>), DeployError> {
    let invalid = |message: String| DeployError::Config {
        path: path.to_path_buf(),
        message,
    };
    let table: toml::Table = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
    let deployment: DeploymentConfig = match table.get("deployment") {
        Some(value) => value
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| invalid(format!("[deployment]: {}", e.message())))?,
        None => DeploymentConfig::default(),
    };
    let mut seen = std::collections::BTreeSet::new();
    for target in &deployment.targets {
        if !seen.insert(target.name.as_str()) {
            return Err(invalid(format!(
                "[[deployment.targets]]: the name `{}` is given twice",
                target.name
            )));
        }
    }
    let matchers = deployment
        .matchers
        .iter()
        .map(|m| compile(m).map_err(&invalid))
        .collect::<Result<_, _>>()?;
    Ok((deployment, matchers))
}

fn compile(m: &MatcherConfig) -> Result<Matcher, String> {
    let pattern = Regex::new(&m.pattern).map_err(|e| {
        format!(
            "[[deployment.matchers]]: pattern `{}` is not a regular expression: {e}",
            m.pattern
        )
    })?;
    let gzip = match m.content_encoding.as_deref() {
        None => m.gzip,
        Some("gzip") => true,
        Some(other) => {
            return Err(format!(
                "[[deployment.matchers]]: contentEncoding `{other}` is not supported (only `gzip`)"
            ))
        }
    };
    Ok(Matcher {
        pattern,
        cache_control: m.cache_control.clone(),
        gzip,
        content_type: m.content_type.clone(),
        force: m.force,
    })
}

impl DeploymentConfig {
    /// The target `name`, or the only one when no name is given.
    pub fn target(&self, name: Option<&str>, config: &Path) -> Result<&Target, DeployError> {
        let known = || {
            self.targets
                .iter()
                .map(|t| format!("`{}`", t.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match name {
            Some(name) => self.targets.iter().find(|t| t.name == name).ok_or_else(|| {
                DeployError::UnknownTarget {
                    path: config.to_path_buf(),
                    name: name.to_string(),
                    known: known(),
                }
            }),
            None => match self.targets.as_slice() {
                [only] => Ok(only),
                [] => Err(DeployError::NoTargets {
                    path: config.to_path_buf(),
                }),
                _ => Err(DeployError::WhichTarget {
                    path: PathBuf::from(config),
                    known: known(),
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
base_url = "https://example.com"
[[deployment.targets]]
name = "prod"
URL = "s3://bucket/site?region=eu-west-1"
[[deployment.targets]]
name = "local"
url = "file:///tmp/x"
[[deployment.matchers]]
pattern = "^.+\\.(js|css)$"
cacheControl = "max-age=31536000"
gzip = true
[[deployment.matchers]]
pattern = "^.+\\.html$"
contentEncoding = "gzip"
contentType = "text/html; charset=utf-8"
force = true
"#;

    #[test]
    fn targets_and_matchers_read_as_hugo_writes_them() {
        let (d, m) = parse(CONFIG, Path::new("config.toml")).unwrap();
        assert_eq!(d.targets.len(), 2);
        let p = Path::new("config.toml");
        assert_eq!(d.target(Some("local"), p).unwrap().url, "file:///tmp/x");
        assert!(m[0].matches("a/b.css") && !m[0].matches("a/b.html") && m[0].gzip);
        assert!(m[1].matches("index.html") && m[1].gzip && m[1].force);
        let e = d.target(Some("staging"), p).unwrap_err().to_string();
        assert!(
            e.contains("`staging`") && e.contains("`prod`, `local`"),
            "{e}"
        );
        let e = d.target(None, p).unwrap_err().to_string();
        assert!(e.contains("--target"), "{e}");
    }

    #[test]
    fn bad_settings_are_errors_naming_the_file_and_key() {
        for (text, says) in [
            ("[[deployment.matchers]]\npattern = \"(\"\n", "not a regular expression"),
            (
                "[[deployment.matchers]]\npattern = \"x\"\ncontentEncoding = \"br\"\n",
                "only `gzip`",
            ),
            ("[[deployment.targets]]\nname = \"a\"\n", "URL"),
            (
                "[[deployment.targets]]\nname = \"a\"\nurl = \"s3://b\"\n[[deployment.targets]]\nname = \"a\"\nurl = \"s3://c\"\n",
                "given twice",
            ),
            ("[deployment]\nbogus = 1\n", "bogus"),
        ] {
            let e = parse(text, Path::new("site/config.toml")).unwrap_err().to_string();
            assert!(e.contains("site/config.toml") && e.contains(says), "{e}");
        }
        let (d, _) = parse("base_url = \"x\"\n", Path::new("config.toml")).unwrap();
        let e = d
            .target(None, Path::new("config.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("[[deployment.targets]]"), "{e}");
    }
}
