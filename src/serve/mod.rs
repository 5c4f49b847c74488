//! `sitegen serve`: builds into its own directory (`.sitegen/serve/public`, never the deploy
//! output), serves it on localhost, rebuilds incrementally when sources change, and tells
//! browsers to reload over server-sent events.
//!
//! Because every build goes through the output layer's staged commit, a request during a
//! rebuild gets the complete old file or the complete new one, never a partial or missing
//! file. On a build error the last good output stays served and browsers show an overlay.

mod clean;
mod http;
pub mod pidfile;

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::response::sse::Event;
use axum::routing::get;
use notify::{RecursiveMode, Watcher};
use tokio::sync::broadcast;

use crate::output::{Durability, LockMode};
use crate::site::{self, BuildOptions, Progress, RenderMode};
pub use clean::{clean, CleanError};
use pidfile::{PidError, PidGuard};

/// The default port, as in Zola.
pub const DEFAULT_PORT: u16 = 1111;

/// Why serve could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Pid(#[from] PidError),
    #[error("port {port} on {interface} is not available ({source})")]
    PortTaken {
        interface: IpAddr,
        port: u16,
        source: std::io::Error,
    },
    #[error("no free port on {interface} from {from} to {to}")]
    NoFreePort {
        interface: IpAddr,
        from: u16,
        to: u16,
    },
    #[error("cannot watch {}: {message}", path.display())]
    Watch { path: PathBuf, message: String },
    #[error("server: {0}")]
    Runtime(std::io::Error),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// How to serve.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub interface: IpAddr,
    /// `None`: the default port, or the next free one. `Some(0)`: any free port.
    pub port: Option<u16>,
    pub drafts: bool,
    pub pid_file: Option<PathBuf>,
    pub open: bool,
    /// The config file (`--config`); default `zola.toml`, else `config.toml`, in `root`.
    pub config_file: Option<PathBuf>,
    /// `--minify`: minify HTML outputs.
    pub minify: bool,
    /// `--safe` and its allowlists.
    pub safety: crate::safety::Safety,
}

/// A message to connected browsers.
#[derive(Clone, Debug)]
enum Notice {
    Reload,
    Css,
    Error(String),
}

impl Notice {
    fn into_event(self) -> Event {
        match self {
            Notice::Reload => Event::default().event("reload").data("1"),
            Notice::Css => Event::default().event("css").data("1"),
            Notice::Error(message) => Event::default()
                .event("build-error")
                .data(http::error_json(&message)),
        }
    }
}

/// State shared by the HTTP handlers and the rebuild loop.
struct Shared {
    out_dir: PathBuf,
    generation: AtomicU64,
    error: RwLock<Option<String>>,
    /// The warnings of the last successful build: a rebuild prints only new ones.
    warned: RwLock<Vec<String>>,
    events: broadcast::Sender<Notice>,
}

impl Shared {
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn last_error(&self) -> Option<String> {
        self.error.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The default PID file of a site.
pub fn default_pid_file(root: &Path) -> PathBuf {
    root.join(site::STATE_DIR).join("serve.pid")
}

fn bind(interface: IpAddr, port: Option<u16>) -> Result<(TcpListener, Option<String>), ServeError> {
    match port {
        Some(port) => TcpListener::bind((interface, port))
            .map(|l| (l, None))
            .map_err(|source| ServeError::PortTaken {
                interface,
                port,
                source,
            }),
        None => {
            let last = DEFAULT_PORT + 50;
            for port in DEFAULT_PORT..=last {
                if let Ok(listener) = TcpListener::bind((interface, port)) {
                    let notice = (port != DEFAULT_PORT).then(|| {
                        format!("port {DEFAULT_PORT} is taken; using port {port} instead")
                    });
                    return Ok((listener, notice));
                }
            }
            Err(ServeError::NoFreePort {
                interface,
                from: DEFAULT_PORT,
                to: last,
            })
        }
    }
}

/// Editor droppings and other files whose changes never need a rebuild.
fn ignored(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with('~')
        || name.starts_with(".#")
        || name == "4913"
        || name.ends_with(".tmp")
        || name.contains(".sitegen-tmp-")
        || path
            .components()
            .any(|c| c.as_os_str() == site::STATE_DIR || c.as_os_str() == ".git")
}

/// Whether a changed file only changes stylesheets: CSS, or Sass (compiled to CSS, and
/// read by nothing else). Browsers then swap their stylesheets instead of reloading.
fn is_stylesheet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "css" || e == "scss" || e == "sass")
}

/// Where `serve` builds the site at `root` (output, state): inside the site's state
/// directory, never the deploy output.
fn serve_dirs(root: &Path) -> (PathBuf, PathBuf) {
    let dir = root.join(site::STATE_DIR).join("serve");
    (dir.join("public"), dir.join("state"))
}

fn build_options(options: &ServeOptions, base_url: &str) -> BuildOptions {
    let (output, state) = serve_dirs(&options.root);
    let mut build = BuildOptions::new(&options.root);
    build.output_dir = Some(output);
    build.state_dir = Some(state);
    build.base_url = Some(base_url.to_string());
    build.mode = crate::config::Mode::Serve;
    build.config_file = options.config_file.clone();
    build.drafts = options.drafts;
    build.minify = options.minify;
    build.safety = options.safety.clone();
    build.durability = Durability::None;
    // The browser sees one whole build or the next, never a page of one with a stylesheet
    // of the other.
    build.publish = Some(crate::output::Publish::Swap);
    build.lock_mode = LockMode::Wait;
    build.progress = Progress::Off;
    build.render_mode = RenderMode::Incremental;
    build.warm = Some(Arc::new(site::Warm::default()));
    build
}

/// Builds once; on success bumps the generation and tells browsers what to do.
fn rebuild(shared: &Shared, options: &BuildOptions, css_only: bool) {
    let started = Instant::now();
    match site::build(options) {
        Ok(summary) => {
            let was_error = shared
                .error
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .take()
                .is_some();
            shared.generation.fetch_add(1, Ordering::AcqRel);
            let notice = if css_only && !was_error {
                Notice::Css
            } else {
                Notice::Reload
            };
            let _ = shared.events.send(notice);
            // The warnings `build` prints (unknown keys, accepted old forms); a rebuild
            // repeats none the previous one printed.
            let mut warned = shared.warned.write().unwrap_or_else(|p| p.into_inner());
            for w in summary.warnings.iter().filter(|w| !warned.contains(w)) {
                eprintln!("sitegen: warning: {w}");
            }
            *warned = summary.warnings.clone();
            drop(warned);
            println!(
                "sitegen: rebuilt in {} ms ({} rendered, {} written)",
                started.elapsed().as_millis(),
                summary.rendered,
                summary.report.written
            );
        }
        Err(e) => {
            let message = e.to_string();
            eprintln!("sitegen: build failed (still serving the last good output): {message}");
            *shared.error.write().unwrap_or_else(|p| p.into_inner()) = Some(message.clone());
            let _ = shared.events.send(Notice::Error(message));
        }
    }
}

/// Runs the server until SIGINT/SIGTERM. Blocks.
pub fn run(options: ServeOptions) -> Result<(), ServeError> {
    // Not a site, or a config that does not load: say so before taking a port.
    let mut probe = BuildOptions::new(&options.root);
    probe.config_file = options.config_file.clone();
    probe.load_config()?;
    let pid_file = options
        .pid_file
        .clone()
        .unwrap_or_else(|| default_pid_file(&options.root));
    let (mut guard, notice) = PidGuard::acquire(&pid_file)?;
    if let Some(notice) = notice {
        eprintln!("sitegen: {notice}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    // Signal handlers go in first: a signal during the first build (or right after the
    // "serving" line) is then a clean shutdown, never a default death leaving the PID file.
    let (mut interrupt, mut terminate) = {
        let _context = runtime.enter();
        let listen = |kind| tokio::signal::unix::signal(kind).map_err(ServeError::Runtime);
        (
            listen(tokio::signal::unix::SignalKind::interrupt())?,
            listen(tokio::signal::unix::SignalKind::terminate())?,
        )
    };
    let (listener, port_notice) = bind(options.interface, options.port)?;
    if let Some(notice) = port_notice {
        eprintln!("sitegen: {notice}");
    }
    let address: SocketAddr = listener.local_addr().map_err(ServeError::Runtime)?;
    guard.publish(address.port())?;
    let base_url = format!("http://{address}");
    let build = build_options(&options, &base_url);
    let (events, _) = broadcast::channel(64);
    let shared = Arc::new(Shared {
        out_dir: build.output_dir.clone().unwrap_or_default(),
        generation: AtomicU64::new(0),
        error: RwLock::new(None),
        warned: RwLock::new(Vec::new()),
        events,
    });
    rebuild(&shared, &build, false);

    // Watch sources; one thread rebuilds, so rebuilds never overlap. `building` is held for
    // the length of a rebuild so that shutdown can wait for one in flight.
    let building = Arc::new(Mutex::new(()));
    let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(tx).map_err(|e| ServeError::Watch {
        path: options.root.clone(),
        message: e.to_string(),
    })?;
    // `data/`: where sites usually keep what `load_data` reads (files it reads inside
    // `content/` and `static/` are watched with them).
    let mut watched = vec![
        options.root.join("content"),
        options.root.join("templates"),
        options.root.join("static"),
        options.root.join("data"),
        options.root.join("sass"),
    ];
    let config_file = crate::config::find_file(&options.root, options.config_file.as_deref());
    if let Ok((config, _)) = crate::config::Config::load(&config_file) {
        watched.extend(config.theme.map(|t| options.root.join("themes").join(t)));
    }
    watched.retain(|p| p.exists());
    for path in &watched {
        watcher
            .watch(path, RecursiveMode::Recursive)
            .map_err(|e| ServeError::Watch {
                path: path.clone(),
                message: e.to_string(),
            })?;
    }
    let config = config_file;
    watcher
        .watch(&config, RecursiveMode::NonRecursive)
        .map_err(|e| ServeError::Watch {
            path: config.clone(),
            message: e.to_string(),
        })?;
    let watcher_shared = Arc::clone(&shared);
    let watcher_building = Arc::clone(&building);
    let watcher_build = build.clone();
    std::thread::Builder::new()
        .name("sitegen-watch".into())
        .spawn(move || {
            // Debounce: after a relevant event, gather more until the file system is quiet
            // for a moment (editors save in several steps), then rebuild once.
            let relevant = |event: notify::Result<notify::Event>| -> Vec<PathBuf> {
                match event {
                    Ok(e) if !matches!(e.kind, notify::EventKind::Access(_)) => {
                        e.paths.into_iter().filter(|p| !ignored(p)).collect()
                    }
                    _ => Vec::new(),
                }
            };
            while let Ok(first) = rx.recv() {
                let mut paths = relevant(first);
                if paths.is_empty() {
                    continue;
                }
                while let Ok(more) = rx.recv_timeout(Duration::from_millis(25)) {
                    paths.extend(relevant(more));
                }
                let css_only = paths.iter().all(|p| is_stylesheet(p));
                let _busy = watcher_building.lock().unwrap_or_else(|p| p.into_inner());
                rebuild(&watcher_shared, &watcher_build, css_only);
            }
        })
        .map_err(ServeError::Runtime)?;

    println!(
        "sitegen: serving {base_url}/ (pid {}, PID file {})",
        std::process::id(),
        pid_file.display()
    );
    if options.open {
        let _ = std::process::Command::new("xdg-open")
            .arg(format!("{base_url}/"))
            .spawn();
    }
    runtime.block_on(async {
        listener
            .set_nonblocking(true)
            .map_err(ServeError::Runtime)?;
        let listener = tokio::net::TcpListener::from_std(listener).map_err(ServeError::Runtime)?;
        let app = axum::Router::new()
            .route("/__sitegen/livereload.js", get(http::reload_script))
            .route("/__sitegen/events", get(http::events))
            .fallback(http::serve_file)
            .with_state(Arc::clone(&shared));
        tokio::select! {
            result = axum::serve(listener, app) => result.map_err(ServeError::Runtime)?,
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        Ok::<(), ServeError>(())
    })?;

    // Stop watching, let a rebuild in flight finish (its commit leaves no temps), then the
    // PID file goes with the guard.
    drop(watcher);
    let _finished = building.lock().unwrap_or_else(|p| p.into_inner());
    drop(guard);
    runtime.shutdown_timeout(Duration::from_millis(100));
    println!("sitegen: stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_files_and_state_are_ignored() {
        for path in [
            "content/a.md.swp",
            "content/a.md~",
            "content/.#a.md",
            "content/4913",
            "x/.sitegen/serve/public/a.html",
            "content/.a.sitegen-tmp-0",
        ] {
            assert!(ignored(Path::new(path)), "{path}");
        }
        assert!(!ignored(Path::new("content/blog/a.md")));
    }

    #[test]
    fn css_and_sass_changes_only_swap_stylesheets() {
        for path in ["static/a.css", "sass/_vars.scss", "themes/t/sass/x.sass"] {
            assert!(is_stylesheet(Path::new(path)), "{path}");
        }
        assert!(!is_stylesheet(Path::new("templates/base.html")));
        assert!(!is_stylesheet(Path::new("sass")));
    }
}
