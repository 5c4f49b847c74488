//! Resolves every link of the output to a file of the output, and every `#anchor` to an
//! id in its target document, the way a static file server and a browser would.
//!
//! Internal means relative (`../x/`), root-relative (`/x/`) or absolute under the site's
//! `base_url` (what `get_url` and `@/` links produce). A link to a directory lands on its
//! `index.html`; the query string is ignored (a static server ignores it too); the path and
//! the fragment are percent-decoded. `#` alone and `#top` always land (browsers scroll to
//! the top). Every broken link is reported, not the first.

use std::path::PathBuf;

use percent_encoding::percent_decode_str;

use super::{Output, Problem};

/// What a link points at.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A path in the output (relative to its top, `/`-separated, a trailing `/` for a
    /// directory), with the fragment if any.
    Internal {
        path: String,
        fragment: Option<String>,
    },
    /// An `http(s)` URL outside the site.
    External(String),
    /// Not checkable (`mailto:`, `data:`, `javascript:`, ...) or under a skip prefix.
    Skipped,
    /// Broken without looking at the output (it climbs above the site's top).
    Invalid(&'static str),
}

/// Turns links into [`Target`]s for one site.
pub(crate) struct Resolver {
    /// `base_url` without its trailing `/`.
    base_url: String,
    /// The path part of `base_url` (`/docs` for `https://x.org/docs`; empty at the root).
    base_path: String,
    skip_prefixes: Vec<String>,
}

impl Resolver {
    pub fn new(base_url: &str, skip_prefixes: &[String]) -> Self {
        let base_url = base_url.trim_end_matches('/').to_string();
        let base_path = base_url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            .unwrap_or_default();
        Resolver {
            base_url,
            base_path,
            skip_prefixes: skip_prefixes.to_vec(),
        }
    }

    fn skipped(&self, link: &str) -> bool {
        self.skip_prefixes
            .iter()
            .any(|p| link.starts_with(p.as_str()))
    }

    /// Classifies `link`, written in the output file `doc` (relative path).
    pub fn resolve(&self, doc: &str, link: &str) -> Target {
        // `@/` links left in the output are broken content links, reported with their
        // content file by the build (`sitegen check` collects them).
        if self.skipped(link) || link.starts_with("@/") {
            return Target::Skipped;
        }
        if let Some(rest) = link.strip_prefix("//") {
            let scheme = self.base_url.split("://").next().unwrap_or("https");
            return self.absolute(&format!("{scheme}://{rest}"));
        }
        if has_scheme(link) {
            return self.absolute(link);
        }
        let (path, fragment) = split_reference(link);
        let joined = if path.is_empty() {
            // `#x` or `?q`: this very document.
            doc.to_string()
        } else if let Some(root_relative) = path.strip_prefix('/') {
            let full = format!("/{root_relative}");
            match strip_dir_prefix(&full, &self.base_path) {
                Some(inside) => inside.trim_start_matches('/').to_string(),
                None => root_relative.to_string(),
            }
        } else {
            let dir = doc.rfind('/').map_or("", |i| &doc[..=i]);
            format!("{dir}{path}")
        };
        self.internal(&joined, fragment)
    }

    /// An absolute URL: internal when under `base_url`.
    fn absolute(&self, url: &str) -> Target {
        let scheme = url
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Target::Skipped;
        }
        if self.skipped(url) {
            return Target::Skipped;
        }
        match url.strip_prefix(self.base_url.as_str()) {
            Some(rest) if rest.is_empty() || rest.starts_with(['/', '?', '#']) => {
                let (path, fragment) = split_reference(rest);
                self.internal(path.trim_start_matches('/'), fragment)
            }
            _ => Target::External(url.to_string()),
        }
    }

    /// Decodes and normalises `path` (relative to the output's top).
    fn internal(&self, path: &str, fragment: Option<&str>) -> Target {
        let decoded = percent_decode_str(path).decode_utf8_lossy();
        let mut parts: Vec<&str> = Vec::new();
        for segment in decoded.split('/') {
            match segment {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        return Target::Invalid("it climbs above the top of the site");
                    }
                }
                s => parts.push(s),
            }
        }
        let mut path = parts.join("/");
        let last = decoded.rsplit('/').next().unwrap_or_default();
        if !path.is_empty() && (decoded.ends_with('/') || last == "." || last == "..") {
            path.push('/');
        }
        if self.skipped(&format!("/{path}")) || self.skipped(&format!("{}/{path}", self.base_url)) {
            return Target::Skipped;
        }
        Target::Internal {
            path,
            fragment: fragment.map(|f| percent_decode_str(f).decode_utf8_lossy().into_owned()),
        }
    }
}

/// `path` inside the directory `dir` (`/docs/x` in `/docs` is `/x`), or `None`.
fn strip_dir_prefix<'a>(path: &'a str, dir: &str) -> Option<&'a str> {
    if dir.is_empty() {
        return None;
    }
    let rest = path.strip_prefix(dir)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// Whether `link` starts with a URL scheme (`mailto:`, `https:`, ...).
fn has_scheme(link: &str) -> bool {
    let Some(colon) = link.find(':') else {
        return false;
    };
    let scheme = &link[..colon];
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Splits `path?query#fragment` into the path and the fragment (the query is dropped).
fn split_reference(link: &str) -> (&str, Option<&str>) {
    let (before, fragment) = match link.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (link, None),
    };
    let path = before.split_once('?').map_or(before, |(p, _)| p);
    (path, fragment)
}

/// A fragment every document has: `#` alone and `#top` scroll to the top.
pub(crate) fn is_special_anchor(fragment: &str) -> bool {
    fragment.is_empty() || fragment.eq_ignore_ascii_case("top")
}

/// The file a path lands on: itself, or a directory's `index.html`.
fn landing_file(output: &Output, path: &str) -> Option<String> {
    if path.is_empty() || path.ends_with('/') {
        let index = format!("{path}index.html");
        return output.files.contains(&index).then_some(index);
    }
    if output.files.contains(path) {
        return Some(path.to_string());
    }
    // `/dir` without its slash: servers redirect to `/dir/`.
    let index = format!("{path}/index.html");
    output.files.contains(&index).then_some(index)
}

/// An external link and where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExternalRef {
    pub file: String,
    pub line: usize,
    pub url: String,
}

/// What the internal check found.
pub(crate) struct Checked {
    pub broken: Vec<Problem>,
    /// Internal links resolved.
    pub checked: usize,
    /// The external links met on the way, for the external check.
    pub external: Vec<ExternalRef>,
}

/// Resolves every link of every document of `output`.
pub(crate) fn check(output: &Output, resolver: &Resolver) -> Checked {
    let mut checked = Checked {
        broken: Vec::new(),
        checked: 0,
        external: Vec::new(),
    };
    for (file, document) in &output.documents {
        for link in &document.links {
            let mut broken = |reason: String| {
                checked.broken.push(Problem {
                    file: PathBuf::from(file),
                    line: link.line,
                    target: link.target.clone(),
                    reason,
                })
            };
            let (path, fragment) = match resolver.resolve(file, &link.target) {
                Target::Skipped => continue,
                Target::External(url) => {
                    checked.external.push(ExternalRef {
                        file: file.clone(),
                        line: link.line,
                        url,
                    });
                    continue;
                }
                Target::Invalid(reason) => {
                    broken(reason.to_string());
                    checked.checked += 1;
                    continue;
                }
                Target::Internal { path, fragment } => (path, fragment),
            };
            checked.checked += 1;
            let Some(landing) = landing_file(output, &path) else {
                broken(format!("no file `/{path}` in the output"));
                continue;
            };
            let Some(fragment) = fragment.filter(|f| !is_special_anchor(f)) else {
                continue;
            };
            // Fragments of non-HTML files (`#page=2` of a PDF) are not ids.
            if let Some(target_doc) = output.documents.get(&landing) {
                if !target_doc.has_anchor(&fragment) {
                    broken(format!("no anchor `#{fragment}` in `{landing}`"));
                }
            }
        }
    }
    checked
}

#[cfg(test)]
mod tests {
    use super::super::read_output;
    use super::*;
    use std::fs;

    fn internal(path: &str, fragment: Option<&str>) -> Target {
        Target::Internal {
            path: path.into(),
            fragment: fragment.map(String::from),
        }
    }

    #[test]
    fn resolves_relative_root_relative_and_absolute_links() {
        let r = Resolver::new("https://site.example/", &[]);
        let doc = "blog/post/index.html";
        assert_eq!(r.resolve(doc, "../other/"), internal("blog/other/", None));
        assert_eq!(
            r.resolve(doc, "img.png"),
            internal("blog/post/img.png", None)
        );
        assert_eq!(r.resolve(doc, "./"), internal("blog/post/", None));
        assert_eq!(r.resolve(doc, ".."), internal("blog/", None));
        assert_eq!(
            r.resolve(doc, "/about/#team"),
            internal("about/", Some("team"))
        );
        assert_eq!(r.resolve(doc, "/"), internal("", None));
        assert_eq!(
            r.resolve(doc, "https://site.example/a%20b/?x=1#s%C3%A9"),
            internal("a b/", Some("sé"))
        );
        assert_eq!(r.resolve(doc, "https://site.example"), internal("", None));
        assert_eq!(r.resolve(doc, "#x"), internal(doc, Some("x")));
        assert_eq!(r.resolve(doc, "?page=2"), internal(doc, None));
        assert_eq!(
            r.resolve(doc, "https://site.example.org/"),
            Target::External("https://site.example.org/".into())
        );
        assert_eq!(
            r.resolve(doc, "//cdn.example/x.js"),
            Target::External("https://cdn.example/x.js".into())
        );
        assert_eq!(
            r.resolve(doc, "HTTP://other.example/"),
            Target::External("HTTP://other.example/".into())
        );
        for skipped in [
            "mailto:a@b.c",
            "tel:123",
            "data:image/png;base64,xx",
            "javascript:void(0)",
        ] {
            assert_eq!(r.resolve(doc, skipped), Target::Skipped, "{skipped}");
        }
        assert!(matches!(r.resolve(doc, "../../../x"), Target::Invalid(_)));
    }

    #[test]
    fn base_url_with_a_path() {
        let r = Resolver::new("https://x.example/docs", &[]);
        assert_eq!(r.resolve("index.html", "/docs/a/"), internal("a/", None));
        assert_eq!(r.resolve("index.html", "/docs"), internal("", None));
        assert_eq!(r.resolve("index.html", "/docsx/"), internal("docsx/", None));
        assert_eq!(
            r.resolve("index.html", "https://x.example/docs/b"),
            internal("b", None)
        );
    }

    #[test]
    fn skip_prefixes_apply_to_the_link_and_its_site_path() {
        let skip = vec!["/api/".to_string(), "https://site.example/gen/".into()];
        let r = Resolver::new("https://site.example", &skip);
        assert_eq!(r.resolve("a/index.html", "/api/x.html"), Target::Skipped);
        assert_eq!(r.resolve("a/index.html", "../api/x.html"), Target::Skipped);
        assert_eq!(r.resolve("index.html", "gen/x"), Target::Skipped);
        assert_eq!(r.resolve("index.html", "/apix"), internal("apix", None));
    }

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let path = dir.path().join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            crate::output::atomic_write(path, text).unwrap();
        }
        dir
    }

    fn broken(files: &[(&str, &str)]) -> Vec<(String, usize, String, String)> {
        let dir = tree(files);
        let output = read_output(dir.path()).unwrap();
        let mut found = check(&output, &Resolver::new("https://s.example", &[])).broken;
        found.sort();
        found
            .into_iter()
            .map(|p| (p.file.display().to_string(), p.line, p.target, p.reason))
            .collect()
    }

    #[test]
    fn good_links_pass() {
        let found = broken(&[
            (
                "index.html",
                "<a href=\"/blog/\">b</a>\n<a href=\"blog\">b</a>\n<a href=\"/blog/post/#intro\">\n\
                 <a href=\"https://s.example/style.css?v=3\"><a href=\"#\"><a href=\"#top\">\n\
                 <a href=\"/doc.pdf#page=2\"><a href=\"#here\"><p id=\"here\">\n\
                 <a href=\"/caf%C3%A9/\"><a href=\"https://elsewhere.example/missing\">\n\
                 <img srcset=\"/style.css 1x, blog/post/index.html 2x\">",
            ),
            ("blog/index.html", "<a href=\"post/\">p</a><a href=\"../\">up</a>"),
            ("blog/post/index.html", "<h2 id=\"intro\">"),
            ("style.css", "a{}"),
            ("doc.pdf", "%PDF"),
            ("café/index.html", ""),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn every_broken_link_and_anchor_is_reported() {
        let found = broken(&[
            (
                "index.html",
                "<a href=\"/missing/\">\n<a href=\"/blog/#nope\">\n<img src=\"logo.png\">\n\
                 <a href=\"#gone\"><a href=\"https://s.example/also-missing.html\">",
            ),
            (
                "blog/index.html",
                "<h1 id=\"yes\"><a href=\"../../x\"><a href=\"#yes\">",
            ),
        ]);
        let reasons: Vec<(String, usize, String)> = found
            .iter()
            .map(|(f, l, t, _)| (f.clone(), *l, t.clone()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                ("blog/index.html".into(), 1, "../../x".into()),
                ("index.html".into(), 1, "/missing/".into()),
                ("index.html".into(), 2, "/blog/#nope".into()),
                ("index.html".into(), 3, "logo.png".into()),
                ("index.html".into(), 4, "#gone".into()),
                (
                    "index.html".into(),
                    4,
                    "https://s.example/also-missing.html".into()
                ),
            ]
        );
        assert_eq!(found[1].3, "no file `/missing/` in the output");
        assert_eq!(found[2].3, "no anchor `#nope` in `blog/index.html`");
        assert_eq!(found[4].3, "no anchor `#gone` in `index.html`");
    }

    #[test]
    fn external_links_are_collected_for_the_external_check() {
        let dir = tree(&[(
            "a/index.html",
            "<a href=\"https://e.example/x#y\">\n<a href=\"/a/\">",
        )]);
        let output = read_output(dir.path()).unwrap();
        let checked = check(&output, &Resolver::new("https://s.example", &[]));
        assert_eq!(checked.checked, 1);
        assert_eq!(
            checked.external,
            vec![ExternalRef {
                file: "a/index.html".into(),
                line: 1,
                url: "https://e.example/x#y".into()
            }]
        );
    }
}
