//! Headless Chromium driven over WebDriver (chromedriver), for the tests that look at pages
//! in a real browser. Those tests carry `cfg_attr(sitegen_no_browser, ignore)`: without
//! Chromium they show as ignored (see `build.rs`); `.ci/run` installs both and sets
//! `SITEGEN_REQUIRE_BROWSER=1`, so there they always run.

use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::http::request;

/// A browser session; closed (and chromedriver stopped) on drop.
pub struct Browser {
    driver: Child,
    port: u16,
    id: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// A new session. The caller's test is ignored where Chromium was not found when the
    /// tests were built, so a missing browser here is a failure.
    pub fn start() -> Browser {
        let (chromium, driver) = (
            PathBuf::from("/usr/bin/chromium"),
            PathBuf::from("/usr/bin/chromedriver"),
        );
        assert!(
            chromium.is_file() && driver.is_file(),
            "chromium and chromedriver are required (/usr/bin/chromium, /usr/bin/chromedriver); \
             where they were missing when the tests were built, this test is ignored"
        );
        let port = free_port();
        let driver = std::process::Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while !request(port, "GET", "/status", None).is_ok_and(|r| r.body.contains("ready")) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = std::env::temp_dir().join(format!("sitegen-browser-{port}"));
        let capabilities = serde_json::json!({ "capabilities": { "alwaysMatch": {
        "goog:loggingPrefs": { "browser": "ALL" },
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                     "--disable-dev-shm-usage", format!("--user-data-dir={}", profile.display())],
        }}}});
        let session = request(port, "POST", "/session", Some(&capabilities.to_string())).unwrap();
        let session: serde_json::Value = serde_json::from_str(&session.body).unwrap();
        let id = session["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {session}"))
            .to_string();
        Browser { driver, port, id }
    }

    fn call(&self, method: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
        let path = format!("/session/{}{path}", self.id);
        let reply = request(self.port, method, &path, Some(&body.to_string()));
        reply
            .ok()
            .and_then(|r| serde_json::from_str::<serde_json::Value>(&r.body).ok())
            .map(|v| v["value"].clone())
            .unwrap_or_default()
    }

    /// Opens `url`.
    pub fn open(&self, url: &str) {
        self.call("POST", "/url", serde_json::json!({ "url": url }));
    }

    /// The value of `script` (a function body: `return ...`) run in the page.
    pub fn eval(&self, script: &str) -> serde_json::Value {
        self.call(
            "POST",
            "/execute/sync",
            serde_json::json!({ "script": script, "args": [] }),
        )
    }

    /// The page's text.
    pub fn text(&self) -> String {
        self.eval("return document.body.innerText")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The console messages of level SEVERE since the last call.
    pub fn console_errors(&self) -> Vec<String> {
        let log = self.call("POST", "/se/log", serde_json::json!({ "type": "browser" }));
        log.as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = request(self.port, "DELETE", &format!("/session/{}", self.id), None);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
