//! `sitegen serve` end to end, on ephemeral ports: pages, live rebuilds, traversal refusals,
//! the PID file, port fallback, the error overlay, readers during rebuilds, and a real browser.

use crate::common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::browser::Browser;
use crate::common::http::{get, request, Events};
use crate::common::{example_site, sitegen};

struct Server {
    child: Child,
    port: u16,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    fn start(root: &Path, extra: &[&str]) -> Server {
        Self::try_start(root, extra).unwrap_or_else(|e| panic!("serve did not start: {e}"))
    }

    /// Starts `sitegen serve`, waiting for its "serving" line (the readiness signal).
    #[allow(clippy::zombie_processes)] // the child is waited for here on failure, by Drop otherwise
    fn try_start(root: &Path, extra: &[&str]) -> Result<Server, String> {
        let mut args = vec!["serve", "--root", root.to_str().unwrap()];
        if !extra.contains(&"--port") && !extra.contains(&"--default-port") {
            args.extend(["--port", "0"]);
        }
        args.extend(extra.iter().filter(|a| **a != "--default-port"));
        let mut child = sitegen()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let err_pipe = child.stderr.take().unwrap();
        let err_sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(err_pipe).lines().map_while(Result::ok) {
                err_sink.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(50));
                return Err(stderr.lock().unwrap().clone());
            }
            if let Some(rest) = line.split("serving http://127.0.0.1:").nth(1) {
                let port = rest.split('/').next().unwrap().parse().unwrap();
                std::thread::spawn(move || for _ in out.lines() {});
                return Ok(Server {
                    child,
                    port,
                    stderr,
                });
            }
        }
    }

    fn signal(&self, signal: i32) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }

    fn wait(&mut self) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "serve did not exit"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` until it holds (a readiness wait, not a fixed sleep); panics after 20 s.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serves_pages_with_live_reload_and_the_right_headers() {
    let (_tmp, root) = example_site();
    let server = Server::start(&root, &[]);
    let home = get(server.port, "/");
    assert_eq!(home.status, 200);
    assert_eq!(home.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        home.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(
        home.body.contains("/__sitegen/livereload.js"),
        "script injected"
    );
    assert!(
        home.body
            .contains(&format!("http://127.0.0.1:{}/blog/", server.port)),
        "local base_url"
    );
    let redirect = get(server.port, "/blog");
    assert_eq!(
        (redirect.status, redirect.header("location").as_deref()),
        (308, Some("/blog/"))
    );
    assert_eq!(
        get(server.port, "/style.css")
            .header("content-type")
            .as_deref(),
        Some("text/css")
    );
    assert_eq!(
        get(server.port, "/blog/image-bundle/square.png")
            .header("content-type")
            .as_deref(),
        Some("image/png")
    );
    let missing = get(server.port, "/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("Page not found"),
        "the site's 404.html"
    );
    assert!(get(server.port, "/__sitegen/livereload.js")
        .body
        .contains("EventSource"));
    assert!(
        !root.join("public").exists(),
        "serve never touches the deploy output"
    );
}

#[test]
fn edits_deletes_and_new_pages_are_served_after_rebuilds() {
    let (_tmp, root) = example_site();
    let server = Server::start(&root, &[]);
    let about = root.join("content/about.md");
    fs::write(
        &about,
        fs::read_to_string(&about).unwrap() + "\nFreshly edited text.\n",
    )
    .unwrap();
    eventually("the edit", || {
        get(server.port, "/about/")
            .body
            .contains("Freshly edited text.")
    });
    fs::remove_file(root.join("content/blog/2024-04-02-tasks.md")).unwrap();
    eventually("the delete", || {
        get(server.port, "/blog/tasks/").status == 404
    });
    fs::write(
        root.join("content/blog/2024-06-01-new.md"),
        "+++\ntitle = \"Brand new\"\n+++\nNew page.\n",
    )
    .unwrap();
    eventually("the new page", || {
        get(server.port, "/blog/new/").body.contains("Brand new")
    });
    fs::rename(
        root.join("content/docs/faq.md"),
        root.join("content/docs/questions.md"),
    )
    .unwrap();
    eventually("the rename", || {
        get(server.port, "/docs/questions/").status == 200
    });
    // The new file is renamed into place before the old one is pruned (the site does not
    // switch in one step yet), so a reader may see both for a moment.
    eventually("the old path gone", || {
        get(server.port, "/docs/faq/").status == 404
    });
}

#[test]
fn traversal_attempts_never_leave_the_served_directory() {
    let (tmp, root) = example_site();
    let secret = tmp.path().join("secret.txt");
    fs::write(&secret, "TOP SECRET").unwrap();
    let server = Server::start(&root, &[]);
    let out = root.join(".sitegen/serve/public");
    std::os::unix::fs::symlink(tmp.path(), out.join("escape")).unwrap();
    std::os::unix::fs::symlink(&secret, out.join("secret-link.txt")).unwrap();
    for path in [
        "/../secret.txt",
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2f..%2fetc%2fpasswd",
        "/blog/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E%5C%2E%2E%5Csecret.txt",
        "//etc/passwd",
        "/escape/secret.txt",
        "/secret-link.txt",
        "/%00",
    ] {
        let reply = request(server.port, "GET", path, None).unwrap();
        assert!(
            matches!(reply.status, 400 | 404),
            "{path}: {}",
            reply.status
        );
        assert!(
            !reply.body.contains("TOP SECRET") && !reply.body.contains("root:"),
            "{path} leaked"
        );
    }
}

#[test]
fn pid_file_lifecycle() {
    let (_tmp, root) = example_site();
    let pid_file = root.join(".sitegen/serve.pid");
    let mut first = Server::start(&root, &[]);
    assert_eq!(
        fs::read_to_string(&pid_file).unwrap(),
        format!("{}\n", first.child.id())
    );

    let second = Server::try_start(&root, &[])
        .err()
        .expect("a second serve must be refused");
    assert!(
        second.contains(&format!(
            "already running (pid {}, port {})",
            first.child.id(),
            first.port
        )),
        "{second}"
    );
    assert!(second.contains("sitegen stop"), "{second}");

    first.signal(libc::SIGTERM);
    assert_eq!(first.wait().code(), Some(0));
    assert!(!pid_file.exists(), "removed on SIGTERM");

    fs::write(&pid_file, "999999\n").unwrap();
    let mut third = Server::start(&root, &[]);
    assert!(third
        .stderr
        .lock()
        .unwrap()
        .contains("taking over stale PID file"));
    let stop = sitegen()
        .args(["stop", "--root", root.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        stop.status.success(),
        "{}",
        String::from_utf8_lossy(&stop.stderr)
    );
    assert_eq!(third.wait().code(), Some(0));
    assert!(!pid_file.exists(), "removed after `sitegen stop`");
    let again = sitegen()
        .args(["stop", "--root", root.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1), "nothing left to stop");

    let mut fourth = Server::start(&root, &[]);
    fourth.signal(libc::SIGINT);
    assert_eq!(fourth.wait().code(), Some(0));
    assert!(!pid_file.exists(), "removed on Ctrl+C");
    assert!(common::temps(&root.join(".sitegen/serve/public")).is_empty());
}

/// The names directly in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn stop_and_clean_leave_nothing_behind() {
    let (_tmp, root) = example_site();
    let sources = common::tree(&root);
    let run = |args: &[&str]| {
        sitegen()
            .args(args)
            .args(["--root", root.to_str().unwrap()])
            .output()
            .unwrap()
    };
    assert!(common::build(&root, &[]).status.success());
    let built = common::tree(&root);
    let mut server = Server::start(&root, &[]);

    // Not under a running server: refused, nothing removed.
    let refused = run(&["clean"]);
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains(&format!(
            "`sitegen serve` is running for this site (pid {}, port {})",
            server.child.id(),
            server.port
        )) && said.contains("nothing was removed")
            && said.contains("sitegen stop"),
        "{said}"
    );
    // Exactly what was there: the build, plus the server's PID files and preview.
    let serving = common::tree(&root);
    let server_files = [".sitegen/serve.pid", ".sitegen/serve.pid.lock"];
    let mut expected: Vec<String> = serving
        .iter()
        .filter(|p| p.starts_with(".sitegen/serve/") || server_files.contains(&p.as_str()))
        .cloned()
        .chain(built.iter().cloned())
        .collect();
    expected.sort();
    assert_eq!(serving, expected);
    assert!(serving.contains(&".sitegen/serve.pid".to_string()));

    // `stop`: the PID file and its lock go with the server; the site's own build state and
    // the preview (the next serve's starting point) stay.
    let stop = run(&["stop"]);
    assert!(
        stop.status.success(),
        "{}",
        String::from_utf8_lossy(&stop.stderr)
    );
    assert_eq!(server.wait().code(), Some(0));
    let state = [
        "build-cache.json",
        "build-cache.stamp",
        "content-cache",
        "output-manifest.json",
        "output.lock",
        "processed-images",
        "serve",
    ];
    assert_eq!(entries(&root.join(".sitegen")), state);

    // A server killed outright leaves its files; `stop` finds none running and removes them.
    let mut killed = Server::start(&root, &[]);
    killed.signal(libc::SIGKILL);
    killed.wait();
    assert!(entries(&root.join(".sitegen")).contains(&"serve.pid.lock".to_string()));
    assert_eq!(run(&["stop"]).status.code(), Some(1), "nothing running");
    assert_eq!(entries(&root.join(".sitegen")), state);

    // `clean` with no server: sitegen's output and whole state go, the sources stay as
    // they were, and nothing else.
    let mut killed = Server::start(&root, &[]);
    killed.signal(libc::SIGKILL);
    killed.wait();
    let cleaned = run(&["clean"]);
    assert!(
        cleaned.status.success(),
        "{}",
        String::from_utf8_lossy(&cleaned.stderr)
    );
    assert_eq!(common::tree(&root), sources);
}

#[test]
fn port_fallback_and_explicit_port_errors() {
    let (_tmp, root) = example_site();
    // Occupy the default port (if something else already has it, the fallback happens anyway).
    let _holder = std::net::TcpListener::bind(("127.0.0.1", 1111)).ok();
    let server = Server::start(&root, &["--default-port"]);
    assert_ne!(server.port, 1111);
    assert!(
        server
            .stderr
            .lock()
            .unwrap()
            .contains("port 1111 is taken; using port"),
        "{}",
        server.stderr.lock().unwrap()
    );

    let (_tmp2, root2) = example_site();
    let taken = server.port.to_string();
    let err = Server::try_start(&root2, &["--port", &taken])
        .err()
        .expect("an explicit taken port is an error");
    assert!(err.contains(&format!("port {taken}")), "{err}");
}

#[test]
fn build_errors_show_an_overlay_until_fixed() {
    let (_tmp, root) = example_site();
    let server = Server::start(&root, &[]);
    let mut events = Events::connect(server.port);
    events.wait_for("generation");
    let template = root.join("themes/default/templates/page.html");
    let good = fs::read_to_string(&template).unwrap();
    fs::write(
        &template,
        good.replace("{% endblock content %}", "{% if %}{% endblock content %}"),
    )
    .unwrap();
    let error = events.wait_for("build-error");
    assert!(
        error.contains("page.html"),
        "the overlay names the template: {error}"
    );
    assert_eq!(
        get(server.port, "/about/").status,
        200,
        "last good output still served"
    );
    // A page loaded now connects and gets the error at once.
    let mut late = Events::connect(server.port);
    assert!(late.wait_for("build-error").contains("page.html"));
    fs::write(&template, good).unwrap();
    events.wait_for("reload");
}

#[test]
fn serve_prints_the_warnings_build_prints_once_and_refuses_a_folder_that_is_no_site() {
    let (_tmp, root) = example_site();
    let config = root.join("config.toml");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(&config, format!("smart_punctuaton = true\n{text}")).unwrap();
    let server = Server::start(&root, &[]);
    let mut events = Events::connect(server.port);
    events.wait_for("generation");
    eventually("the unknown-key warning", || {
        server
            .stderr
            .lock()
            .unwrap()
            .contains("unknown key `smart_punctuaton`")
    });
    // A rebuild with the same warning does not repeat it.
    fs::write(
        root.join("content/about.md"),
        "+++\ntitle = \"About\"\n+++\nNew.\n",
    )
    .unwrap();
    events.wait_for("reload");
    let stderr = server.stderr.lock().unwrap().clone();
    assert_eq!(stderr.matches("smart_punctuaton").count(), 1, "{stderr}");
    drop(server);

    let empty = tempfile::tempdir().unwrap();
    let out = sitegen()
        .args(["serve", "--port", "0", "--root"])
        .arg(empty.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("not a site") && stderr.contains("sitegen init"),
        "{stderr}"
    );
}

#[test]
fn readers_during_rebuilds_get_whole_pages_and_no_404s() {
    let (_tmp, root) = example_site();
    let server = Server::start(&root, &[]);
    let paths = [
        "/",
        "/blog/",
        "/blog/atomic-writes/",
        "/docs/faq/",
        "/about/",
        "/tags/news/",
        "/atom.xml",
    ];
    let done = Arc::new(AtomicBool::new(false));
    let (fetches, bad) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(Mutex::new(Vec::new())),
    );
    let readers: Vec<_> = (0..4)
        .map(|r| {
            let (done, fetches, bad, port) =
                (done.clone(), fetches.clone(), bad.clone(), server.port);
            std::thread::spawn(move || {
                let mut i = r;
                while !done.load(Ordering::Relaxed) {
                    let path = paths[i % paths.len()];
                    let reply = get(port, path);
                    let whole = reply.body.trim_end().ends_with("</html>")
                        || reply.body.trim_end().ends_with("</feed>");
                    if reply.status != 200 || !whole {
                        bad.lock().unwrap().push(format!(
                            "{path}: {} ({} bytes)",
                            reply.status,
                            reply.body.len()
                        ));
                    }
                    fetches.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            })
        })
        .collect();
    let about = root.join("content/about.md");
    let post = root.join("content/blog/2024-02-01-atomic-writes.md");
    let (about_text, post_text) = (
        fs::read_to_string(&about).unwrap(),
        fs::read_to_string(&post).unwrap(),
    );
    for n in 0..25 {
        fs::write(&about, format!("{about_text}\nRevision {n}.\n")).unwrap();
        fs::write(&post, format!("{post_text}\nRevision {n}.\n")).unwrap();
        eventually("the rebuild", || {
            get(server.port, "/about/")
                .body
                .contains(&format!("Revision {n}."))
        });
    }
    done.store(true, Ordering::Relaxed);
    readers.into_iter().for_each(|r| r.join().unwrap());
    let bad = bad.lock().unwrap();
    println!(
        "readers during 25 rebuilds: {} fetches, {} bad",
        fetches.load(Ordering::Relaxed),
        bad.len()
    );
    assert!(fetches.load(Ordering::Relaxed) > 100);
    assert!(bad.is_empty(), "{bad:?}");
}

/// Headless Chromium, driven over WebDriver (chromedriver): the page shows an edit without a
/// manual reload.
#[test]
#[cfg_attr(
    sitegen_no_browser,
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (not found when the tests were built)"
)]
fn a_real_browser_reloads_after_an_edit() {
    let browser = Browser::start();
    let (_tmp, root) = example_site();
    let server = Server::start(&root, &[]);
    browser.open(&format!("http://127.0.0.1:{}/about/", server.port));
    eventually("the page in the browser", || {
        browser.text().contains("About")
    });
    // The browser must be listening for reloads before the edit.
    browser.eval("window.__sitegenMarker = 1; return 1");
    let about = root.join("content/about.md");
    let edited_at = Instant::now();
    fs::write(
        &about,
        fs::read_to_string(&about).unwrap() + "\nThe browser sees this line.\n",
    )
    .unwrap();
    eventually("the browser to show the edit", || {
        browser.text().contains("The browser sees this line.")
    });
    println!("browser: edit to visible text in {:?}", edited_at.elapsed());
    let reloaded = browser.eval("return window.__sitegenMarker === undefined");
    assert_eq!(
        reloaded,
        serde_json::Value::Bool(true),
        "the page was reloaded by the live-reload script"
    );
}

/// A fresh `sitegen init` site in a real browser: navigation, dated and tagged posts, the
/// theme's stylesheet applied, highlighted code, and no console errors.
#[test]
#[cfg_attr(
    sitegen_no_browser,
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (not found when the tests were built)"
)]
fn a_new_sites_pages_look_finished_in_a_browser() {
    let browser = Browser::start();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("mysite");
    let out = sitegen().arg("init").arg(&root).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let server = Server::start(&root, &[]);
    let base = format!("http://127.0.0.1:{}", server.port);
    browser.open(&format!("{base}/"));
    eventually("the home page", || browser.text().contains("First post"));
    let nav = browser.eval(
        "return Array.from(document.querySelectorAll('nav a')).map(a => a.textContent).join(',')",
    );
    assert_eq!(nav, "Blog,Tags,About");
    // The theme's stylesheet loaded and applies (the browser's default body margin is 8px).
    let sheet = browser
        .eval("return document.styleSheets.length > 0 && document.styleSheets[0].cssRules.length");
    assert!(sheet.as_u64().unwrap_or(0) > 5, "stylesheet rules: {sheet}");
    let margin = browser.eval("return getComputedStyle(document.body).margin");
    assert_ne!(margin, "8px", "the theme styles the page");
    assert_eq!(
        browser.eval("return document.querySelectorAll('time').length"),
        2
    );
    browser.open(&format!("{base}/blog/first-post/"));
    eventually("the post", || browser.text().contains("Hello, world!"));
    let coloured =
        browser.eval("return document.querySelectorAll('pre span[style*=color]').length");
    assert!(
        coloured.as_u64().unwrap_or(0) >= 3,
        "highlighted spans: {coloured}"
    );
    assert!(
        browser.text().contains("hello"),
        "its tags: {}",
        browser.text()
    );
    browser.open(&format!("{base}/tags/hello/"));
    eventually("the tag page", || browser.text().contains("Second post"));
    let errors = browser.console_errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}
