//! `load_data`: a data file, a URL or a literal string, parsed into a template value the way
//! Zola does (its arguments, its format inference, its `required = false` leniency).
//!
//! Downloads are kept on disk in the [`FileScope`]'s cache directory, one file per request
//! (named by a SHA-256 of the method, URL, format, content type, headers and body), written
//! atomically. Once a request is cached it is never fetched again, so a build is reproducible
//! and works offline; deleting the cache directory refreshes every download. Offline, a
//! request not in the cache is an error naming the URL (or `null` with `required = false`).

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tera::{Error, Result as TeraResult};

use super::data_formats;
use super::files::{FileScope, Network};

const NAME: &str = "load_data";
const ONE_SOURCE: &str = "`load_data`: needs exactly one of `path`, `url` or `literal`";
/// The most a download may weigh.
const MAX_BODY: u64 = 64 * 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Toml,
    Json,
    Csv,
    Bibtex,
    Xml,
    Yaml,
    Plain,
}

impl Format {
    fn parse(name: &str) -> Option<Format> {
        Some(match name.to_lowercase().as_str() {
            "toml" => Format::Toml,
            "json" => Format::Json,
            "csv" => Format::Csv,
            "bibtex" => Format::Bibtex,
            "xml" => Format::Xml,
            "yaml" | "yml" => Format::Yaml,
            "plain" => Format::Plain,
            _ => return None,
        })
    }

    /// The `Accept` header Zola sends for the format.
    fn accept(self) -> &'static str {
        match self {
            Format::Toml => "application/toml",
            Format::Json => "application/json",
            Format::Csv => "text/csv",
            Format::Bibtex => "application/x-bibtex",
            Format::Xml => "text/xml",
            Format::Yaml => "application/x-yaml",
            Format::Plain => "text/plain",
        }
    }

    fn load(self, text: &str) -> data_formats::Parsed {
        match self {
            Format::Toml => data_formats::toml(text),
            Format::Json => data_formats::json(text),
            Format::Csv => data_formats::csv(text),
            Format::Bibtex => data_formats::bibtex(text),
            Format::Xml => data_formats::xml(text),
            Format::Yaml => data_formats::yaml(text),
            Format::Plain => Ok(Value::String(text.to_string())),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Format::Toml => "TOML",
            Format::Json => "JSON",
            Format::Csv => "CSV",
            Format::Bibtex => "BibTeX",
            Format::Xml => "XML",
            Format::Yaml => "YAML",
            Format::Plain => "text",
        }
    }
}

/// What a URL request sends besides the URL.
struct Request<'a> {
    post: bool,
    body: Option<&'a str>,
    content_type: Option<&'a str>,
    headers: Vec<(String, String)>,
}

/// `load_data(path=... | url=... | literal=..., format, required, encoding, method, body,
/// content_type, headers)`.
pub fn load_data(args: &HashMap<String, Value>, scope: &FileScope) -> TeraResult<Value> {
    let path = string(args, "path")?;
    let url = string(args, "url")?;
    let literal = string(args, "literal")?;
    let format = match string(args, "format")? {
        Some(name) => Some(Format::parse(name).ok_or_else(|| {
            Error::msg(format!(
                "`{NAME}`: unknown `format` `{name}` (toml, json, csv, bibtex, xml, yaml or plain)"
            ))
        })?),
        None => None,
    };
    let required = match args.get("required") {
        None => true,
        Some(v) => v.as_bool().ok_or_else(|| {
            Error::msg(format!(
                "`{NAME}`: `required` must be true or false, not {v}"
            ))
        })?,
    };
    if let Some(encoding) = string(args, "encoding")? {
        let e = encoding.to_ascii_lowercase().replace('_', "-");
        if e != "utf-8" && e != "utf8" {
            return Err(Error::msg(format!(
                "`{NAME}`: `encoding` `{encoding}` is not supported: data must be UTF-8"
            )));
        }
    }
    let request = Request {
        post: match string(args, "method")? {
            None => false,
            Some(m) if m.eq_ignore_ascii_case("get") => false,
            Some(m) if m.eq_ignore_ascii_case("post") => true,
            Some(m) => {
                return Err(Error::msg(format!(
                    "`{NAME}`: `method` must be GET or POST, not `{m}`"
                )))
            }
        },
        body: string(args, "body")?,
        content_type: string(args, "content_type")?,
        headers: headers(args)?,
    };

    // Zola turns any trouble finding the source (conflicting arguments, a path leaving the
    // site, a malformed URL) into `null` when the data is not required.
    let lenient = |e: Error| if required { Err(e) } else { Ok(Value::Null) };
    let (text, format, source) = match (path, url, literal) {
        (Some(path), None, None) => {
            let found = match scope.find(NAME, path) {
                Ok(Some(found)) => found,
                Ok(None) => return lenient(scope.missing(NAME, path)),
                Err(e) => return lenient(e),
            };
            let format = format.unwrap_or_else(|| {
                found
                    .extension()
                    .as_deref()
                    .and_then(Format::parse)
                    .unwrap_or(Format::Plain)
            });
            let bytes = scope.read(NAME, &found)?;
            let described = found.describe();
            let text = String::from_utf8(bytes.to_vec())
                .map_err(|_| Error::msg(format!("`{NAME}`: {described} is not UTF-8")))?;
            (text, format, described)
        }
        (None, Some(url), None) => {
            let format = format.unwrap_or(Format::Plain);
            match fetch(url, format, &request, scope) {
                Ok(text) => (text, format, format!("`{url}`")),
                Err(e) => return lenient(e),
            }
        }
        (None, None, Some(literal)) => (
            literal.to_string(),
            format.unwrap_or(Format::Plain),
            "the literal".to_string(),
        ),
        _ => return lenient(Error::msg(ONE_SOURCE)),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    format.load(text).map_err(|e| {
        Error::msg(format!(
            "`{NAME}`: cannot parse {source} as {}: {e}",
            format.label()
        ))
    })
}

/// The body of `url`, from the download cache or else (when allowed) the network.
fn fetch(url: &str, format: Format, request: &Request, scope: &FileScope) -> TeraResult<String> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(Error::msg(format!(
            "`{NAME}`: `{url}` is not an http(s) URL"
        )));
    }
    if !scope.safety().url_allowed(url) {
        let host = crate::safety::host_of(url);
        return Err(Error::msg(format!(
            "`{NAME}`: `{url}`: the host `{host}` is not allowed under --safe \
             (`--allow-host {host}` allows it)"
        )));
    }
    let cached = scope.cache_dir().join(cache_key(url, format, request));
    if let Ok(bytes) = std::fs::read(&cached) {
        return Ok(String::from_utf8_lossy(&bytes).into_owned());
    }
    if scope.network() == Network::Offline {
        return Err(Error::msg(format!(
            "`{NAME}`: `{url}` is not in the download cache and the network is off"
        )));
    }
    let bytes = download(url, format, request)?;
    // A cache that cannot be written only costs a download next time.
    if std::fs::create_dir_all(scope.cache_dir()).is_ok() {
        let _ = crate::output::atomic_write(&cached, &bytes);
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn download(url: &str, format: Format, request: &Request) -> TeraResult<Vec<u8>> {
    let failed = |e: ureq::Error| Error::msg(format!("`{NAME}`: failed to request `{url}`: {e}"));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .user_agent(concat!("sitegen/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let response = if request.post {
        let mut builder = agent.post(url).header("accept", format.accept());
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(content_type) = request.content_type {
            builder = builder.header("content-type", content_type);
        }
        match request.body {
            Some(body) => builder.send(body),
            None => builder.send_empty(),
        }
    } else {
        let mut builder = agent.get(url).header("accept", format.accept());
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        builder.call()
    };
    response
        .map_err(failed)?
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()
        .map_err(failed)
}

/// The name of a request's cache file: stable across builds and versions.
fn cache_key(url: &str, format: Format, request: &Request) -> String {
    let mut h = Sha256::new();
    let mut field = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    field(if request.post { "POST" } else { "GET" });
    field(url);
    field(format.accept());
    field(request.content_type.unwrap_or("\0none"));
    for (name, value) in &request.headers {
        field(name);
        field(value);
    }
    field(request.body.unwrap_or("\0none"));
    let digest = h.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("load_data-{hex}")
}

fn string<'a>(args: &'a HashMap<String, Value>, name: &str) -> TeraResult<Option<&'a str>> {
    match args.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(Error::msg(format!(
            "`{NAME}`: `{name}` must be a string, not {other}"
        ))),
    }
}

/// `headers = ["name=value", ...]`.
fn headers(args: &HashMap<String, Value>) -> TeraResult<Vec<(String, String)>> {
    let Some(list) = args.get("headers") else {
        return Ok(Vec::new());
    };
    let bad = || {
        Error::msg(format!(
            "`{NAME}`: `headers` must be a list of \"name=value\" strings, not {list}"
        ))
    };
    let list = list.as_array().ok_or_else(bad)?;
    list.iter()
        .map(|item| {
            let (name, value) = item
                .as_str()
                .and_then(|s| s.split_once('='))
                .ok_or_else(bad)?;
            let name = name.trim();
            let valid_name = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !valid_name || value.bytes().any(|b| b == b'\r' || b == b'\n') {
                return Err(Error::msg(format!(
                    "`{NAME}`: invalid header `{}`",
                    item.as_str().unwrap_or_default()
                )));
            }
            Ok((name.to_string(), value.to_string()))
        })
        .collect()
}

#[cfg(test)]
#[path = "load_data_tests.rs"]
mod tests;
