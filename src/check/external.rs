//! Fetches the external `http(s)` links of the output, each distinct page once.
//!
//! A site links to the same pages from many places: the links are grouped by URL without
//! its fragment, each page is requested once, and every place linking to a broken page is
//! reported. Requests run on a few worker threads (enough to hide latency, few enough not
//! to hammer one host), each with its own timeout, and the whole check has a time bound:
//! URLs not reached by then are a warning, not a failure. `HEAD` is tried first (no body);
//! a refused `HEAD` (any non-success status: many servers answer 405 or 403 to it) is
//! retried as `GET`. A link with a `#fragment` is fetched with `GET` and the fragment looked
//! up among the page's ids, unless the URL is under `skip_anchor_prefixes` or the fragment is
//! a client-side route (`#/`, `#!`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::html;
use super::internal::{is_special_anchor, ExternalRef};
use super::Problem;
use crate::config::LinkCheckerConfig;

/// Limits of the external check.
#[derive(Clone, Debug)]
pub struct ExternalOptions {
    /// Requests in flight at once.
    pub workers: usize,
    /// Bound of one request (connect, redirects and body included).
    pub timeout: Duration,
    /// Bound of the whole external check.
    pub total: Duration,
}

impl Default for ExternalOptions {
    fn default() -> Self {
        ExternalOptions {
            workers: 8,
            timeout: Duration::from_secs(10),
            total: Duration::from_secs(120),
        }
    }
}

/// The most of a page read to look for an anchor.
const BODY_LIMIT: u64 = 10 * 1024 * 1024;

/// What the external check found.
pub(crate) struct ExternalChecked {
    pub broken: Vec<Problem>,
    pub warnings: Vec<String>,
    /// Distinct pages requested.
    pub urls: usize,
}

/// The places that link to one page, by fragment (`None`: no fragment to look up).
type Uses = BTreeMap<Option<String>, Vec<ExternalRef>>;

/// The result of requesting one page.
enum Outcome {
    /// It answered with success; these fragments are not ids of it.
    Fine {
        missing: Vec<String>,
    },
    Broken(String),
    /// The overall time bound was reached before its turn.
    Unchecked,
}

/// Whether a fragment names an element id worth looking up.
fn is_anchor(fragment: &str) -> bool {
    !is_special_anchor(fragment) && !fragment.starts_with('/') && !fragment.starts_with('!')
}

/// Checks `refs`, which the internal check collected.
pub(crate) fn check(
    refs: Vec<ExternalRef>,
    config: &LinkCheckerConfig,
    options: &ExternalOptions,
) -> ExternalChecked {
    let mut pages: BTreeMap<String, Uses> = BTreeMap::new();
    for r in refs {
        if config
            .skip_prefixes
            .iter()
            .any(|p| r.url.starts_with(p.as_str()))
        {
            continue;
        }
        let (page, fragment) = match r.url.split_once('#') {
            Some((page, fragment)) => (page.to_string(), Some(fragment.to_string())),
            None => (r.url.clone(), None),
        };
        let skip_anchor = config
            .skip_anchor_prefixes
            .iter()
            .any(|p| r.url.starts_with(p.as_str()));
        let fragment = fragment.filter(|f| !skip_anchor && is_anchor(f));
        pages
            .entry(page)
            .or_default()
            .entry(fragment)
            .or_default()
            .push(r);
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(concat!("sitegen-link-checker/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let deadline = Instant::now() + options.total;
    let queue = Mutex::new(pages.iter());
    let outcomes = Mutex::new(Vec::new());
    let workers = options.workers.clamp(1, pages.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
                let Some((page, uses)) = next else { break };
                let fragments: Vec<&str> = uses.keys().flatten().map(String::as_str).collect();
                let outcome = fetch(&agent, page, &fragments, options.timeout, deadline);
                outcomes
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((page, outcome));
            });
        }
    });
    let mut checked = ExternalChecked {
        broken: Vec::new(),
        warnings: Vec::new(),
        urls: 0,
    };
    let mut unchecked = 0;
    for (page, outcome) in outcomes.into_inner().unwrap_or_else(|p| p.into_inner()) {
        let uses = &pages[page];
        let mut report = |refs: &[ExternalRef], reason: &str| {
            checked.broken.extend(refs.iter().map(|r| Problem {
                file: PathBuf::from(&r.file),
                line: r.line,
                target: r.url.clone(),
                reason: reason.to_string(),
            }))
        };
        match outcome {
            Outcome::Unchecked => unchecked += 1,
            Outcome::Broken(reason) => {
                checked.urls += 1;
                for refs in uses.values() {
                    report(refs, &reason);
                }
            }
            Outcome::Fine { missing } => {
                checked.urls += 1;
                for fragment in missing {
                    let refs = &uses[&Some(fragment.clone())];
                    report(refs, &format!("no anchor `#{fragment}` in the page"));
                }
            }
        }
    }
    if unchecked > 0 {
        checked.warnings.push(format!(
            "{unchecked} external URLs not checked: the check's time bound ({:?}) was reached",
            options.total
        ));
    }
    checked
}

/// Requests `page` (HEAD, or GET when `fragments` must be looked up or HEAD is refused).
fn fetch(
    agent: &ureq::Agent,
    page: &str,
    fragments: &[&str],
    timeout: Duration,
    deadline: Instant,
) -> Outcome {
    let Some(left) = deadline.checked_duration_since(Instant::now()) else {
        return Outcome::Unchecked;
    };
    let bound = timeout.min(left);
    if fragments.is_empty() {
        let head = agent
            .head(page)
            .config()
            .timeout_global(Some(bound))
            .build()
            .call();
        match head {
            Ok(response) if success(response.status().as_u16()) => {
                return Outcome::Fine {
                    missing: Vec::new(),
                }
            }
            Ok(_) => {}
            // A timeout or an unreachable host would only happen again.
            Err(e) => return Outcome::Broken(e.to_string()),
        }
    }
    let Some(left) = deadline.checked_duration_since(Instant::now()) else {
        return Outcome::Unchecked;
    };
    let get = agent
        .get(page)
        .header("Accept", "text/html, */*;q=0.8")
        .config()
        .timeout_global(Some(timeout.min(left)))
        .build()
        .call();
    let mut response = match get {
        Ok(response) => response,
        Err(e) => return Outcome::Broken(e.to_string()),
    };
    let status = response.status();
    if !success(status.as_u16()) {
        return Outcome::Broken(format!("HTTP status {status}"));
    }
    if fragments.is_empty() {
        return Outcome::Fine {
            missing: Vec::new(),
        };
    }
    let body = match response
        .body_mut()
        .with_config()
        .limit(BODY_LIMIT)
        .read_to_vec()
    {
        Ok(body) => body,
        Err(e) => return Outcome::Broken(format!("reading the page: {e}")),
    };
    let document = html::scan(&String::from_utf8_lossy(&body));
    Outcome::Fine {
        missing: fragments
            .iter()
            .filter(|f| !document.has_anchor(f))
            .map(|f| f.to_string())
            .collect(),
    }
}

fn success(status: u16) -> bool {
    (200..300).contains(&status) || status == 304
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    /// A local HTTP server with fixed answers: `/ok` (200, ids `a` and `b`), `/gone` (404),
    /// any path with `slow` (answers after 4 s), `/nohead` (405 to HEAD, 200 to GET), anything else 404.
    /// It counts requests by `METHOD path` and stops when the test ends.
    fn server() -> (String, std::sync::Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
        let log = std::sync::Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().take(200) {
                let Ok(mut stream) = stream else { continue };
                let log = std::sync::Arc::clone(&log);
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut first = String::new();
                    let _ = reader.read_line(&mut first);
                    let mut line = String::new();
                    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                        line.clear();
                    }
                    let mut words = first.split_whitespace();
                    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
                    log.lock().unwrap().push(format!("{method} {path}"));
                    let (status, body) = match (method, path) {
                        (_, "/ok") => ("200 OK", "<h1 id=\"a\">A</h1><a name=\"b\"></a>"),
                        ("HEAD", "/nohead") => ("405 Method Not Allowed", ""),
                        (_, "/nohead") => ("200 OK", "fine"),
                        (_, p) if p.contains("slow") => {
                            std::thread::sleep(Duration::from_secs(4));
                            ("200 OK", "late")
                        }
                        _ => ("404 Not Found", "missing"),
                    };
                    let body = if method == "HEAD" { "" } else { body };
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        (base, seen)
    }

    fn uses(base: &str, links: &[&str]) -> Vec<ExternalRef> {
        links
            .iter()
            .enumerate()
            .map(|(i, l)| ExternalRef {
                file: "index.html".into(),
                line: i + 1,
                url: format!("{base}{l}"),
            })
            .collect()
    }

    fn quick() -> ExternalOptions {
        ExternalOptions {
            workers: 4,
            timeout: Duration::from_secs(2),
            total: Duration::from_secs(20),
        }
    }

    #[test]
    fn reports_every_use_of_a_broken_page_and_missing_anchors() {
        let (base, seen) = server();
        let refs = uses(
            &base,
            &[
                "/ok", "/gone", "/ok#a", "/ok#b", "/ok#nope", "/gone", "/nohead", "/slow",
                "/ok#top",
            ],
        );
        let checked = check(refs, &LinkCheckerConfig::default(), &quick());
        let found: Vec<(usize, String)> = {
            let mut b = checked.broken.clone();
            b.sort();
            b.into_iter().map(|p| (p.line, p.reason)).collect()
        };
        assert_eq!(found.len(), 4, "{found:?}");
        assert_eq!(found[0], (2, "HTTP status 404 Not Found".to_string()));
        assert_eq!(found[1], (5, "no anchor `#nope` in the page".to_string()));
        assert_eq!(found[2].0, 6);
        assert_eq!(found[3].0, 8);
        assert!(found[3].1.contains("timeout"), "{}", found[3].1);
        assert_eq!(checked.urls, 4);
        assert!(checked.warnings.is_empty());
        let seen = seen.lock().unwrap().clone();
        // Each page once: /ok with GET (anchors to find), the others HEAD first.
        assert_eq!(
            seen.iter().filter(|r| r.ends_with(" /ok")).count(),
            1,
            "{seen:?}"
        );
        assert!(seen.contains(&"GET /ok".to_string()));
        assert!(seen.contains(&"HEAD /nohead".to_string()));
        assert!(seen.contains(&"GET /nohead".to_string()));
    }

    #[test]
    fn skip_prefixes_and_skip_anchor_prefixes() {
        let (base, seen) = server();
        let config = LinkCheckerConfig {
            skip_prefixes: vec![format!("{base}/gone")],
            skip_anchor_prefixes: vec![format!("{base}/ok")],
            ..LinkCheckerConfig::default()
        };
        let refs = uses(&base, &["/gone", "/ok#nope", "/ok#/route"]);
        let checked = check(refs, &config, &quick());
        assert!(checked.broken.is_empty(), "{:?}", checked.broken);
        assert_eq!(checked.urls, 1);
        assert_eq!(*seen.lock().unwrap(), vec!["HEAD /ok".to_string()]);
    }

    #[test]
    fn the_overall_bound_leaves_urls_unchecked_with_a_warning() {
        let (base, _) = server();
        let options = ExternalOptions {
            workers: 1,
            timeout: Duration::from_secs(5),
            total: Duration::from_millis(300),
        };
        let started = Instant::now();
        let checked = check(
            uses(&base, &["/aslow", "/ok", "/gone"]),
            &LinkCheckerConfig::default(),
            &options,
        );
        assert!(started.elapsed() < Duration::from_secs(3));
        assert_eq!(checked.urls, 1, "only the first was started");
        assert_eq!(checked.broken.len(), 1);
        assert_eq!(
            checked.warnings,
            vec!["2 external URLs not checked: the check's time bound (300ms) was reached"]
        );
    }

    #[test]
    fn client_side_routes_and_special_fragments_are_not_anchors() {
        assert!(is_anchor("intro"));
        for f in ["", "top", "TOP", "/route", "!bang"] {
            assert!(!is_anchor(f), "{f}");
        }
    }
}
