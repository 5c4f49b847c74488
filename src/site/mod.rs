//! The build: config -> content -> markdown -> template data -> render jobs (in parallel,
//! each written through the [`OutputWriter`] as soon as it is rendered) -> commit -> cache.

mod files;
mod jobs;

use files::{input_hashes, static_files};
use jobs::Build;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::cache::{BuildCache, CACHE_VERSION};
use crate::config::{Config, ConfigError};
use crate::content::{self, ContentError};
use crate::markdown::{self, MarkdownContext, Rendered};
use crate::output::{Durability, LockMode, OutputError, OutputOptions, OutputWriter, WriteReport};
use crate::render::{RenderError, SiteData, Templates};
use crate::sitemap;

/// The site's state directory (lock, manifest, build cache), next to `config.toml`.
pub const STATE_DIR: &str = ".sitegen";
const CACHE_FILE: &str = "build-cache.json";

/// Why a build failed. The previous output is intact in every case.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Content(#[from] ContentError),
    #[error("{}: broken internal link `{target}`: no such page or section", file.display())]
    BrokenLink { file: PathBuf, target: String },
    #[error("{}: theme `{name}` not found", path.display())]
    MissingTheme { path: PathBuf, name: String },
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Output(#[from] OutputError),
}

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
        }
    }
}

/// What a build did.
#[derive(Clone, Debug)]
pub struct BuildSummary {
    pub pages: usize,
    pub sections: usize,
    pub report: WriteReport,
    pub elapsed: Duration,
    pub warnings: Vec<String>,
    pub output_dir: PathBuf,
}

/// Builds the site.
pub fn build(options: &BuildOptions) -> Result<BuildSummary, BuildError> {
    let started = Instant::now();
    let mut phases = Phases::new();
    let root = &options.root;
    let (mut config, mut warnings) = Config::load(&root.join("config.toml"))?;
    if let Some(url) = &options.base_url {
        config.base_url = url.trim_end_matches('/').to_string();
    }
    let output_dir = options
        .output_dir
        .clone()
        .unwrap_or_else(|| root.join(&config.output_dir));
    let state_dir = root.join(STATE_DIR);
    let (_, cache_warning) = BuildCache::load_or_empty(&state_dir.join(CACHE_FILE));
    warnings.extend(cache_warning);

    let theme_dir = match &config.theme {
        Some(name) => {
            let dir = root.join("themes").join(name);
            if !dir.is_dir() {
                return Err(BuildError::MissingTheme {
                    path: dir,
                    name: name.clone(),
                });
            }
            config.merge_theme_extra(&dir.join("theme.toml"))?;
            Some(dir)
        }
        None => None,
    };

    phases.mark("load config");
    let library = content::load(&root.join("content"), options.drafts)?;
    let permalinks: std::collections::HashMap<String, String> = library
        .pages
        .iter()
        .map(|p| (p.rel.clone(), config.permalink(&p.url_path)))
        .chain(
            library
                .sections
                .iter()
                .map(|s| (s.rel.clone(), config.permalink(&s.url_path))),
        )
        .collect();
    let render_md = |body: &str, url_path: &str, source: &Path| -> Result<Rendered, BuildError> {
        let permalink = config.permalink(url_path);
        let ctx = MarkdownContext {
            config: &config.markdown,
            base_url: &config.base_url,
            permalink: &permalink,
            permalinks: &permalinks,
        };
        markdown::render(body, &ctx).map_err(|e| BuildError::BrokenLink {
            file: source.into(),
            target: e.target,
        })
    };
    phases.mark("load content");
    let rendered: Vec<Rendered> = library
        .pages
        .par_iter()
        .map(|p| render_md(&p.body, &p.url_path, &p.source))
        .collect::<Result<_, _>>()?;
    let section_rendered: Vec<Rendered> = library
        .sections
        .par_iter()
        .map(|s| {
            render_md(
                &s.body,
                &s.url_path,
                s.source
                    .as_deref()
                    .unwrap_or(Path::new("content/_index.md")),
            )
        })
        .collect::<Result<_, _>>()?;
    phases.mark("markdown");
    let data = Arc::new(SiteData::build(
        &config,
        &library,
        &rendered,
        &section_rendered,
    ));
    drop(rendered);
    phases.mark("template data");
    let templates = Templates::load(
        &root.join("templates"),
        theme_dir.as_ref().map(|t| t.join("templates")).as_deref(),
        Arc::clone(&data),
    )?;

    phases.mark("templates");
    let writer = OutputWriter::open(
        &output_dir,
        OutputOptions::new(&state_dir)
            .durability(options.durability)
            .lock_mode(options.lock_mode),
    )?;
    let build = Build {
        config: &config,
        library: &library,
        data,
        templates,
        writer: &writer,
        outputs: Mutex::new(Vec::new()),
    };
    phases.mark("open output");
    let jobs = build.jobs();
    with_progress(options.progress, jobs.len(), |done| {
        jobs.par_iter().try_for_each(|job| {
            let result = build.run(job);
            done.fetch_add(1, Ordering::Relaxed);
            result
        })
    })?;
    phases.mark("render jobs");
    if config.generate_sitemap {
        for (path, bytes) in sitemap::render(&config.base_url, build.sitemap_entries()) {
            build.write(&path, &bytes)?;
        }
    }
    phases.mark("sitemap");
    let copies = static_files(root, theme_dir.as_deref(), &library);
    copies
        .par_iter()
        .try_for_each(|(rel, source)| writer.copy(rel, source))?;
    let mut outputs: std::collections::BTreeMap<String, String> = build
        .outputs
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .collect();
    phases.mark("static copies");
    let report = writer.finish()?;
    warnings.extend(report.manifest_warning.clone());

    phases.mark("commit");
    let inputs = input_hashes(root, theme_dir.as_deref());
    for (rel, source) in &copies {
        let key = source
            .strip_prefix(root)
            .unwrap_or(source)
            .to_string_lossy()
            .replace('\\', "/");
        if let Some(hash) = inputs.get(&key) {
            outputs.insert(rel.clone(), hash.clone());
        }
    }
    let cache = BuildCache {
        version: CACHE_VERSION,
        sitegen_version: env!("CARGO_PKG_VERSION").into(),
        base_url: config.base_url.clone(),
        output_dir: output_dir.display().to_string(),
        drafts: options.drafts,
        inputs,
        outputs,
    };
    phases.mark("input hashes");
    if let Err(e) = cache.save(&state_dir.join(CACHE_FILE)) {
        warnings.push(format!("build cache not saved: {e}"));
    }
    phases.mark("cache");
    phases.report();
    Ok(BuildSummary {
        pages: library.pages.len(),
        sections: library.sections.len(),
        report,
        elapsed: started.elapsed(),
        warnings,
        output_dir,
    })
}

/// Per-phase wall times, printed to stderr when `SITEGEN_TIMINGS` is set (for profiling).
struct Phases {
    enabled: bool,
    last: Instant,
    times: Vec<(&'static str, Duration)>,
}

impl Phases {
    fn new() -> Self {
        Phases {
            enabled: std::env::var_os("SITEGEN_TIMINGS").is_some(),
            last: Instant::now(),
            times: Vec::new(),
        }
    }

    /// Ends the phase called `label`.
    fn mark(&mut self, label: &'static str) {
        if self.enabled {
            self.times.push((label, self.last.elapsed()));
            self.last = Instant::now();
        }
    }

    fn report(&self) {
        if self.enabled {
            let parts: Vec<String> = self
                .times
                .iter()
                .map(|(l, d)| format!("{l} {} ms", d.as_millis()))
                .collect();
            eprintln!("sitegen: timings: {}", parts.join(", "));
        }
    }
}

/// Runs `work`, which counts finished jobs in the counter it is given, with a progress line
/// on stderr when asked for, stderr is a terminal, and the work takes more than a second.
fn with_progress<T>(progress: Progress, total: usize, work: impl FnOnce(&AtomicUsize) -> T) -> T {
    let done = AtomicUsize::new(0);
    if progress == Progress::Off || !std::io::stderr().is_terminal() {
        return work(&done);
    }
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        let done = &done;
        scope.spawn(move || {
            let started = Instant::now();
            let mut shown = false;
            while let Err(mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(Duration::from_millis(200))
            {
                if started.elapsed() > Duration::from_secs(1) {
                    eprint!(
                        "\rsitegen: rendered {}/{total}",
                        done.load(Ordering::Relaxed)
                    );
                    shown = true;
                }
            }
            if shown {
                eprint!("\r\x1b[K");
            }
        });
        let result = work(done);
        drop(stop);
        result
    })
}

/// What `clean` removed.
#[derive(Clone, Debug)]
pub struct CleanSummary {
    pub output_dir: PathBuf,
    pub removed: usize,
}

/// Removes the outputs the last build wrote (listed in the manifest; never other files) and
/// sitegen's state for the site (`.sitegen/`).
pub fn clean(options: &BuildOptions) -> Result<CleanSummary, BuildError> {
    let root = &options.root;
    let (config, _) = Config::load(&root.join("config.toml"))?;
    let output_dir = options
        .output_dir
        .clone()
        .unwrap_or_else(|| root.join(&config.output_dir));
    let state_dir = root.join(STATE_DIR);
    let writer = OutputWriter::open(
        &output_dir,
        OutputOptions::new(&state_dir).lock_mode(options.lock_mode),
    )?;
    let report = writer.remove_all()?;
    for file in [CACHE_FILE, "output.lock"] {
        let _ = std::fs::remove_file(state_dir.join(file));
    }
    let _ = std::fs::remove_dir(&state_dir);
    Ok(CleanSummary {
        output_dir,
        removed: report.pruned,
    })
}
