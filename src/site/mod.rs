//! The build: config -> content -> markdown -> template data -> render jobs (in parallel,
//! each written through the [`OutputWriter`] as soon as it is rendered) -> commit -> cache.
//!
//! What an earlier build did is reused at three levels: the build cache says whether
//! anything changed at all and which outputs must render again (`jobs`); the content memo
//! (`memo`) spares reading, parsing and rendering pages whose bytes are unchanged; and under
//! `serve`, [`Warm`] keeps the cache in memory between rebuilds.

mod assets_hooks;
mod bodies;
mod check;
mod claims;
mod feed_jobs;
mod files;
pub mod inputs;
mod job_list;
mod job_plan;
mod jobs;
mod memo;
mod noop;
mod options;
mod paths;
mod plan;
mod progress;
mod shortcodes;
mod sitemap_job;
mod special_plans;
mod state;
mod verify;
mod warm;

pub use check::{check, check_dir, SiteCheckError};
pub use options::{BuildOptions, Progress, RenderMode};
pub use state::{clean, rollback, status, CleanSummary, Status};
pub use verify::{verify, verify_published, RepairSummary, Verified, VerifyMode};
pub use warm::Warm;

use bodies::{render_bodies, Bodies};
use claims::Step;
use files::{relative_to_root, StaticCopy};
use jobs::Build;
use memo::{ContentMemo, Saved};
use noop::StoredCache;
use progress::with_progress;
pub(crate) use progress::Phases;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use std::collections::BTreeMap;

use crate::assets::images::Processor;
use crate::cache::{BuildCache, InputRecord, OutputRecord, CACHE_VERSION};
use crate::config::ConfigError;
use crate::content::{self, ContentError};
use crate::output::{Durability, OutputError, OutputOptions, OutputWriter, WriteReport};
use crate::render::hash::value_hash;
use crate::render::{RenderError, SiteData, Templates};

/// The site's state directory (lock, manifest, build cache), next to `config.toml`.
pub const STATE_DIR: &str = ".sitegen";
const CACHE_FILE: &str = "build-cache.json";
/// Where `load_data` keeps what it downloaded, in the state directory.
const DOWNLOADS_DIR: &str = "downloads";
/// Where [`memo::ContentMemo`] keeps parsed and rendered pages, in the state directory.
const CONTENT_CACHE_DIR: &str = "content-cache";
/// Where processed images are kept between builds, in the state directory.
const IMAGES_DIR: &str = "processed-images";

/// Why a build failed. The previous output is intact in every case.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Content(#[from] ContentError),
    #[error("{}: broken internal link `{target}`: no such page or section", file.display())]
    BrokenLink { file: PathBuf, target: String },
    #[error("{}: {message}", file.display())]
    Markdown { file: PathBuf, message: String },
    #[error("{}:{line}: {}{message}", file.display(), shortcode_label(name))]
    Shortcode {
        file: PathBuf,
        line: usize,
        name: String,
        message: String,
    },
    #[error("{}: theme `{name}` not found", path.display())]
    MissingTheme { path: PathBuf, name: String },
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Image(#[from] crate::assets::images::ImageError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Asset(#[from] crate::assets::AssetError),
    #[error(transparent)]
    Overlap(#[from] inputs::OverlapError),
    #[error(transparent)]
    Safety(#[from] crate::safety::SafetyError),
}

/// `shortcode `NAME`: ` before a shortcode error, nothing when the call has no name yet (a
/// syntax error, whose message says what it found).
fn shortcode_label(name: &str) -> String {
    match name {
        "" => String::new(),
        name => format!("shortcode `{name}`: "),
    }
}

/// What a build did.
#[derive(Clone, Debug)]
pub struct BuildSummary {
    /// Pages and sections loaded (0 when nothing changed and nothing was loaded).
    pub pages: usize,
    pub sections: usize,
    /// Outputs rendered anew (the others were kept from the previous build).
    pub rendered: usize,
    /// CSS files compiled from Sass anew (the others were kept).
    pub sass_compiled: usize,
    /// Why every output was rendered, when the cache could not be used.
    pub full_reason: Option<String>,
    pub report: WriteReport,
    pub elapsed: Duration,
    pub warnings: Vec<String>,
    pub output_dir: PathBuf,
    /// `@/` links to missing content (content file, link), under `sitegen check` only (a
    /// build fails at the first).
    pub broken_links: Vec<(PathBuf, String)>,
    /// Processed images encoded by this build (the others were reused).
    pub images_encoded: usize,
    /// Search indexes made anew (the others were kept: their documents were unchanged).
    pub search_indexes_built: usize,
}

/// Decides whether the previous build's cache may be used, and why not if not.
fn usable_cache(
    cache: Option<BuildCache>,
    warning: Option<&String>,
    expect: &BuildCache,
    inputs: &BTreeMap<String, InputRecord>,
    mode: RenderMode,
    config_rel: &str,
) -> (Option<BuildCache>, Option<String>) {
    let reason = |r: &str| (None, Some(r.to_string()));
    let Some(cache) = cache else {
        return reason(if warning.is_some() {
            "the build cache was unusable"
        } else {
            "no build cache (first build)"
        });
    };
    if mode == RenderMode::Full {
        return reason("--full");
    }
    if cache.sitegen_version != expect.sitegen_version {
        return reason("sitegen version changed");
    }
    if (
        &cache.base_url,
        &cache.output_dir,
        cache.drafts,
        cache.minify,
        &cache.safety,
    ) != (
        &expect.base_url,
        &expect.output_dir,
        expect.drafts,
        expect.minify,
        &expect.safety,
    ) {
        return reason(
            "base_url, output dir, --drafts, --minify or --safe differ from the cached build",
        );
    }
    let changed = |k: &str| cache.inputs.get(k).map(|r| &r.hash) != inputs.get(k).map(|r| &r.hash);
    if changed(config_rel) {
        return (None, Some(format!("{config_rel} changed")));
    }
    let theme_files = inputs
        .keys()
        .chain(cache.inputs.keys())
        .filter(|k| k.starts_with("themes/") && !is_theme_sass(k));
    if let Some(file) = theme_files.into_iter().find(|k| changed(k)) {
        return (None, Some(format!("theme file {file} changed")));
    }
    (Some(cache), None)
}

/// Whether `rel` (`themes/NAME/...`) is in the theme's `sass/`: its changes concern the
/// compiled CSS only, never the templates, so they need no full render.
fn is_theme_sass(rel: &str) -> bool {
    rel.split('/').nth(2) == Some("sass")
}

/// Builds the site: incrementally from the build cache unless it cannot be trusted.
pub fn build(options: &BuildOptions) -> Result<BuildSummary, BuildError> {
    build_distrusting(options, Vec::new())
}

/// [`build`], with the output files at `distrust` rendered and written anew whatever their
/// size and mtime say (`verify --repair`; see [`OutputOptions::distrust`]).
fn build_distrusting(
    options: &BuildOptions,
    distrust: Vec<String>,
) -> Result<BuildSummary, BuildError> {
    let started = Instant::now();
    let mut phases = Phases::new();
    let root = &options.root;
    let (mut config, mut warnings) = options.load_config()?;
    if config.markdown.highlighting.is_some() {
        crate::markdown::prewarm();
    }
    let config_path = options.config_path();
    let config_rel = config_path
        .strip_prefix(root)
        .unwrap_or(&config_path)
        .to_string_lossy()
        .replace('\\', "/");
    let (output_dir, state_dir) = options.dirs(&config);
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
    inputs::refuse_overlap(
        root,
        &config_path,
        theme_dir.as_deref(),
        &output_dir,
        &state_dir,
    )?;
    let mut cache = BuildCache {
        version: CACHE_VERSION,
        sitegen_version: env!("CARGO_PKG_VERSION").into(),
        base_url: config.base_url.clone(),
        output_dir: canonical(&output_dir).display().to_string(),
        drafts: options.drafts,
        minify: config.minify_html,
        safety: options.safety.fingerprint(),
        ..BuildCache::default()
    };
    let publish = options.publish.unwrap_or(config.publish);
    let mut writer = OutputWriter::open(
        &output_dir,
        OutputOptions::new(&state_dir)
            .durability(options.durability)
            .lock_mode(options.lock_mode)
            .publish(publish)
            .distrust(distrust),
    )?;
    let cache_path = state_dir.join(CACHE_FILE);
    let kept = options.warm.as_ref().and_then(|w| w.take_cache());
    let stored = match kept {
        Some(_) => None,
        None => Some(StoredCache::read(&cache_path)),
    };
    let sass_dir = config.compile_sass.then(|| root.join("sass"));
    // Symlinks out of the site and special files met while listing (see `crate::safety`).
    let input_notes = std::cell::RefCell::new(std::collections::BTreeSet::new());
    let list = |read_files: &[String]| {
        files::list_inputs(
            root,
            &config_path,
            theme_dir.as_deref(),
            sass_dir.as_deref(),
            read_files,
            &options.safety,
            &input_notes,
        )
    };
    // Nothing changed, as the cache's stamp tells it: the cache is not parsed.
    let stamp = stored
        .as_ref()
        .and_then(|s| s.stamp.as_ref())
        .filter(|s| options.render_mode == RenderMode::Incremental && s.same_settings(&cache));
    let mut listed = None;
    if let Some(stamp) = stamp {
        let found = list(&stamp.read_files)?;
        if noop::unchanged(stamp, &found, &writer) {
            warnings.extend(input_notes.take());
            let report = writer.finish()?;
            phases.mark("no-op check (stamp)");
            phases.report();
            return Ok(noop::nothing_changed(report, started, warnings, output_dir));
        }
        listed = Some((stamp.read_files.clone(), found));
    }
    let (previous, cache_warning) = match (kept, stored) {
        (Some(cache), _) => (Some(cache), None),
        (None, Some(stored)) => stored.parse(&cache_path),
        (None, None) => (None, None),
    };
    phases.mark("config and cache");
    let previous_inputs = previous.as_ref().map(|c| &c.inputs);
    let read_files = previous
        .as_ref()
        .map(|c| c.read_files.clone())
        .unwrap_or_default();
    let found = match listed {
        Some((listed_with, found)) if listed_with == read_files => found,
        _ => list(&read_files)?,
    };
    warnings.extend(input_notes.take());
    cache.inputs = files::hash_inputs(found, previous_inputs);
    // The records of the search indexes, which are kept by their own key (see
    // `assets_hooks::write_search_index`) even when a template or config edit means a
    // full render; not under --full or from another version of sitegen.
    let index_records = previous
        .as_ref()
        .filter(|c| {
            options.render_mode != RenderMode::Full && c.sitegen_version == cache.sitegen_version
        })
        .map(|c| assets_hooks::index_records(&c.outputs))
        .unwrap_or_default();
    let (previous, full_reason) = usable_cache(
        previous,
        cache_warning.as_ref(),
        &cache,
        &cache.inputs,
        options.render_mode,
        &config_rel,
    );
    // A cache made for other settings is a one-line warning too (an unreadable one already
    // has its own); a first build, --full and edits to config or theme are not: the
    // summary line says why the build was full.
    let cache_rejected = full_reason
        .as_deref()
        .is_some_and(|r| r.starts_with("sitegen version") || r.starts_with("base_url"));
    match cache_warning {
        Some(w) => warnings.push(w),
        None if cache_rejected => {
            let reason = full_reason.as_deref().unwrap_or_default();
            warnings.push(format!(
                "{}: {reason}; full build",
                state_dir.join(CACHE_FILE).display()
            ));
        }
        None => {}
    }
    phases.mark("inputs");

    // Kept with the generation this build makes (`sitegen status`); `inputs` is set once
    // they are all known (files the functions read are found while rendering).
    let mut run = serde_json::json!({
        "run_id": uuid::Uuid::new_v4().to_string(),
        "started": chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now() - started.elapsed())
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "sitegen_version": env!("CARGO_PKG_VERSION"),
        "durability": match options.durability {
            Durability::Fsync => "fsync",
            Durability::None => "none",
        },
        "publish": match publish {
            crate::output::Publish::Files => "files",
            crate::output::Publish::Swap => "swap",
        },
    });
    // Nothing changed (same inputs, every output intact): no rendering, no writes.
    let same_inputs = |p: &&BuildCache| {
        p.inputs.len() == cache.inputs.len()
            && p.inputs
                .iter()
                .zip(&cache.inputs)
                .all(|((a, ra), (b, rb))| a == b && ra.hash == rb.hash)
    };
    let recorded_outputs = |p: &BuildCache| -> BTreeMap<String, u128> {
        p.outputs
            .iter()
            .filter_map(|(k, r)| Some((k.clone(), u128::from_str_radix(&r.hash, 16).ok()?)))
            .collect()
    };
    let unchanged = previous.as_ref().filter(same_inputs).map(recorded_outputs);
    if unchanged.is_some_and(|expected| writer.keep_all_if_intact(&expected).unwrap_or(false)) {
        let report = writer.finish()?;
        if let Some(previous) = previous {
            // Same contents, new mtimes (a touch, a checkout): remember the new stamps. Under
            // `serve` the cache is kept for the next build either way.
            if previous.inputs != cache.inputs || options.warm.is_some() {
                cache.outputs = previous.outputs;
                cache.calls = previous.calls;
                cache.read_files = previous.read_files;
                cache.sass_inputs = previous.sass_inputs;
                save_cache(cache, &state_dir, options, &mut warnings);
            }
        }
        phases.mark("no-op check");
        phases.report();
        return Ok(noop::nothing_changed(report, started, warnings, output_dir));
    }
    phases.mark("open output");
    Templates::prewarm(
        &root.join("templates"),
        theme_dir.as_ref().map(|t| t.join("templates")).as_deref(),
    );

    // Pages whose bytes an earlier build saw are not read or parsed again, and their
    // Markdown is not rendered again while nothing it depends on changed (`--full` does
    // everything anew).
    let mut content_memo = match options.render_mode {
        RenderMode::Incremental => ContentMemo::load(&state_dir.join(CONTENT_CACHE_DIR)),
        RenderMode::Full => ContentMemo::empty(&state_dir.join(CONTENT_CACHE_DIR)),
    };
    phases.mark("content memo");
    let source_hash = |rel: &str| -> Option<u128> {
        let record = cache.inputs.get(&format!("content/{rel}"))?;
        u128::from_str_radix(&record.hash, 16).ok()
    };
    let known = |rel: &str| content_memo.front(rel, source_hash(rel)?);
    let load_options = content::LoadOptions {
        drafts: options.drafts,
        ignored: content::glob_set(&config.ignored_content, "ignored_content").map_err(
            |message| ConfigError::Invalid {
                path: config_path.clone(),
                message,
            },
        )?,
        slugify: config.slugify,
        languages: config.site_languages().codes(),
    };
    // One image processor for shortcodes and templates, so a resize both ask for is made
    // once. Sources the input scan hashed are not hashed again.
    let known_hashes = cache
        .inputs
        .iter()
        .filter_map(|(rel, r)| Some((root.join(rel), u128::from_str_radix(&r.hash, 16).ok()?)))
        .collect();
    let images = Arc::new(
        Processor::new(&config.base_url, state_dir.join(IMAGES_DIR))
            .with_known_hashes(known_hashes),
    );
    let mut library = content::load_with(&root.join("content"), &load_options, &known)?;
    content::check_taxonomies(&library, &config.declared_taxonomies())?;
    warnings.append(&mut library.warnings);
    phases.mark("load content");
    let Bodies {
        rendered,
        section_rendered,
        hashes,
        keys,
        broken_links,
        highlighter,
        read_files: body_files,
    } = render_bodies(
        &config,
        options,
        theme_dir.as_deref(),
        &mut library,
        &mut content_memo,
        &source_hash,
        &images,
        &mut warnings,
    )?;
    drop_in_background(content_memo.take_rest());
    phases.mark("markdown");
    let files = crate::render::FileScope::new(
        root.clone(),
        theme_dir.clone(),
        state_dir.join(DOWNLOADS_DIR),
        crate::render::Network::Allowed,
    )
    .with_safety(options.safety.clone())
    .with_images(Arc::clone(&images))
    .with_output_dirs([root.join(&config.output_dir), output_dir.clone()]);
    let data = Arc::new(SiteData::build(
        &config,
        library,
        rendered,
        section_rendered,
        files,
    ));
    // Saved while the jobs render (it is only a memo: no need to wait for the commit).
    let memo_saved = {
        let data = Arc::clone(&data);
        std::thread::spawn(move || {
            let pages = data.library.pages.iter().enumerate();
            let saved = pages.filter_map(|(i, p)| {
                Some(Saved {
                    rel: &p.rel,
                    source_hash: hashes[i]?,
                    front: &p.front,
                    body_line: p.body_line,
                    key: keys[i]?,
                    render: data.rendered(i),
                })
            });
            content_memo.save(saved.collect());
        })
    };
    phases.mark("template data");
    let templates = Templates::load(
        &root.join("templates"),
        theme_dir.as_ref().map(|t| t.join("templates")).as_deref(),
        Arc::clone(&data),
    )?;
    // A feed name other than atom.xml and rss.xml is the name of its template (Zola).
    if let Some(missing) = data
        .languages
        .all()
        .iter()
        .flat_map(|l| &l.feed_filenames)
        .find(|f| crate::feeds::FeedKind::from_filename(f).is_none() && !templates.provided(f))
    {
        return Err(BuildError::Config(ConfigError::Invalid {
            path: config_path,
            message: format!(
                "feed_filenames: `{missing}` is neither atom.xml nor rss.xml, and there is no template of that name"
            ),
        }));
    }
    phases.mark("templates");
    let mut build = Build {
        config: &config,
        config_hashes: data.configs.iter().map(value_hash).collect(),
        data,
        templates,
        writer: &writer,
        previous: previous.as_ref(),
        rendered: AtomicUsize::new(0),
        records: Mutex::new(Vec::new()),
        calls: Mutex::new(jobs::CallTable::from_previous(previous.as_ref())),
        call_hashes: Mutex::new(std::collections::HashMap::new()),
        // `check` reads the links of pages as written, line by line: not minified there.
        minify: config.minify_html && config.mode != crate::config::Mode::Check,
        contested: Default::default(),
    };
    let ignored_static = content::glob_set(&config.ignored_static, "ignored_static")
        .ok()
        .flatten();
    let outputs = plan::plan_outputs(
        &build,
        root,
        theme_dir.as_deref(),
        ignored_static.as_ref(),
        &config_path,
        highlighter.as_ref(),
    )?;
    warnings.extend(outputs.warnings);
    build.contested = outputs.contested;
    let (jobs, copies) = (outputs.jobs, outputs.copies);
    // Before any page: a Sass error fails the build early, the previous output intact.
    let (sass_sheets, sass_written) = assets_hooks::write_sass(
        assets_hooks::sheets(root, theme_dir.as_deref(), &config, &options.safety)?,
        root,
        &writer,
        previous.as_ref(),
        &cache.inputs,
        &build.contested,
    )?;
    phases.mark("sass");
    // Before the pages, as in Zola: templates may read the sheets and the index
    // (`get_url(cachebust=true)`, see `render::functions::generated`).
    let generated = assets_hooks::generated_files(&build, &sass_sheets, &config_path)?;
    build.data.files.set_generated(generated);
    let mut search_indexes_built = 0;
    // Zola's gate: the top-level key; a language's own key only adds that language.
    if config.build_search_index {
        let (w, built) = assets_hooks::write_search_index(&build, &config_path, &index_records)?;
        warnings.extend(w);
        search_indexes_built = built;
    }
    with_progress(options.progress, jobs.len(), |done| {
        jobs.par_iter().try_for_each(|job| {
            let result = build.run(job);
            done.fetch_add(1, Ordering::Relaxed);
            result
        })
    })?;
    phases.mark("render jobs");
    warnings.extend(build.data.files.accepted_warnings());
    warnings.extend(build.data.notes.take());
    if config.generate_sitemap {
        sitemap_job::write_sitemap(&build)?;
    }
    warnings.extend(build.templates.take_unset_extra_warnings());
    warnings.extend(build.templates.take_stand_in_warnings());
    // `style = "class"`: the stylesheets of the highlighting themes, as Zola writes them.
    for (name, css) in highlighter.iter().flat_map(|h| h.theme_css()) {
        build.write(&name, Step::HighlightCss, css.as_bytes())?;
    }
    phases.mark("sitemap");
    // Every image asked for by an output rendered or kept in this build (see
    // `assets::images`); the others are pruned with the outputs no build wrote.
    for (rel, hash) in images.publish(&writer)? {
        build.record(
            rel,
            OutputRecord {
                hash: format!("{hash:032x}"),
                ..OutputRecord::default()
            },
        );
    }
    phases.mark("images");
    let (pages, sections) = (
        build.data.library.pages.len(),
        build.data.library.sections.len(),
    );
    copies
        .par_iter()
        .try_for_each(|c| writer.copy(&c.rel, &c.source))?;
    let Build {
        data,
        templates,
        records,
        rendered,
        calls,
        ..
    } = build;
    let rendered_count = rendered.into_inner();
    cache.outputs = records
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .collect();
    cache.calls = calls.into_inner().unwrap_or_else(|p| p.into_inner()).list;
    cache.compact_calls();
    let mut read = data.files.files_read();
    read.extend(body_files);
    read.extend(assets_hooks::sass_outside_inputs(root, &sass_written));
    cache.read_files = relative_to_root(root, read);
    assets_hooks::record_sass(&mut cache, &sass_written);
    files::add_read_inputs(root, &mut cache.inputs, &cache.read_files);
    run["inputs"] = files::inputs_fingerprint(&cache.inputs).into();
    drop_in_background((data, templates));
    for StaticCopy { rel, source, .. } in &copies {
        let input = source
            .strip_prefix(root)
            .unwrap_or(source)
            .to_string_lossy()
            .replace('\\', "/");
        if let Some(record) = cache.inputs.get(&input) {
            cache.outputs.insert(
                rel.clone(),
                OutputRecord {
                    hash: record.hash.clone(),
                    ..OutputRecord::default()
                },
            );
        }
    }
    phases.mark("static copies");
    writer.set_run(run);
    let report = writer.finish()?;
    warnings.extend(report.manifest_warning.clone());
    warnings.extend(report.publish_notice.clone());
    phases.mark("commit");
    // Only after the commit: an interrupted build leaves the previous cache, which still
    // describes the previous (intact) output.
    save_cache(cache, &state_dir, options, &mut warnings);
    images.prune_store();
    drop_in_background(previous);
    let _ = memo_saved.join();
    phases.mark("cache");
    phases.report();
    Ok(BuildSummary {
        pages,
        sections,
        rendered: rendered_count,
        sass_compiled: sass_written.iter().filter(|w| w.compiled).count(),
        full_reason,
        report,
        elapsed: started.elapsed(),
        warnings,
        output_dir,
        broken_links,
        images_encoded: images.encoded(),
        search_indexes_built,
    })
}

/// `path` made absolute with symlinks and `..` resolved, so that one directory spelled two
/// ways (`site/public` from the parent, then an absolute path) is one directory. The part
/// that does not exist yet (a first build) is appended as written.
fn canonical(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            return rest.iter().rev().fold(real, |p, c| p.join(c));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// Saves the build cache into `state_dir`; under `serve` ([`Warm`]) it is kept in memory for
/// the next build and written in the background.
fn save_cache(
    cache: BuildCache,
    state_dir: &Path,
    options: &BuildOptions,
    warnings: &mut Vec<String>,
) {
    let path = state_dir.join(CACHE_FILE);
    match &options.warm {
        Some(warm) => warm.keep_cache(cache, path),
        None => {
            if let Err(e) = cache.save(&path) {
                warnings.push(format!("build cache not saved: {e}"));
            }
            drop_in_background(cache);
        }
    }
}

/// Frees `value` on another thread. Freeing a large site's data (every page's values) takes
/// a noticeable time and nothing waits for it: a rebuild under `serve` reports sooner.
fn drop_in_background<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("sitegen-free".into())
        .spawn(move || drop(value));
}
