//! The Markdown phase of a build: every page's and section's body rendered (or taken from
//! the content memo when nothing it depends on changed), with the hooks Markdown calls (the
//! anchor-link and summary-cutoff templates, the highlighter), whose inputs are part of
//! every render key.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use std::sync::Arc;

use super::memo::ContentMemo;
use super::shortcodes::{self as shortcode, Origin};
use super::{files, BuildError, BuildOptions};
use crate::assets::images;
use crate::config::Config;
use crate::content::{self, Library, Page, Section};
use crate::markdown::{self, MarkdownContext, Rendered};
use crate::render::{
    ContentView, FileScope, FilterSettings, FunctionNotes, MarkdownTemplates, Network,
    ShortcodeOrigin, ShortcodeTemplates,
};

/// What the Markdown phase made.
pub(super) struct Bodies {
    /// Per page and per section, its render.
    pub(super) rendered: Vec<Rendered>,
    pub(super) section_rendered: Vec<Rendered>,
    /// Per page, its source hash and render key (for the memo), when known.
    pub(super) hashes: Vec<Option<u128>>,
    pub(super) keys: Vec<Option<u128>>,
    /// `@/` links to missing content (under `check`).
    pub(super) broken_links: Vec<(PathBuf, String)>,
    /// The build's highlighter (its class-style stylesheets are outputs).
    pub(super) highlighter: Option<markdown::Highlighter>,
    /// The highlighting themes and grammars read, and the files shortcodes read: inputs of
    /// the next build.
    pub(super) read_files: Vec<PathBuf>,
}

/// Renders the bodies of `library` (freeing each page's body as it goes).
// Each argument is a piece of the build's state that this phase reads or fills; a struct
// bundling them would only move the list.
#[allow(clippy::too_many_arguments)]
pub(super) fn render_bodies(
    config: &Config,
    options: &BuildOptions,
    theme_dir: Option<&Path>,
    library: &mut Library,
    memo: &mut ContentMemo,
    source_hash: &dyn Fn(&str) -> Option<u128>,
    images: &Arc<crate::assets::images::Processor>,
    warnings: &mut Vec<String>,
) -> Result<Bodies, BuildError> {
    let root = &options.root;
    let permalinks: HashMap<String, String> = library
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
    let permalinks_hash = markdown::Memo::permalinks_hash(&permalinks);
    // What Markdown rendering calls out to: the anchor-link and summary-cutoff templates
    // and the highlighter; their inputs are part of every render key.
    let theme_templates = theme_dir.map(|t| t.join("templates"));
    // Warnings of the functions Markdown's templates and shortcodes call, printed once.
    let notes = Arc::new(FunctionNotes::default());
    let md_templates = MarkdownTemplates::load(
        &root.join("templates"),
        theme_templates.as_deref(),
        &config.default_language,
        &options.safety,
        &notes,
    )?;
    let highlighter = config.markdown.highlighting.as_ref().map(|hl| {
        let config_path = options.config_path();
        let config_file = config_path.strip_prefix(root).unwrap_or(&config_path);
        let (h, w) = markdown::Highlighter::new(hl, Some(root), config_file);
        warnings.extend(w);
        h
    });
    let (highlight_files_hash, highlight_files) = match &config.markdown.highlighting {
        Some(hl) => files::tree_hash(root, hl.extra_themes.iter().chain(&hl.extra_grammars)),
        None => (0, Vec::new()),
    };
    // Per language: the templates see the page's `lang`. (A page's language follows from
    // its path, which its render key has.)
    let md_templates = &md_templates;
    let anchor_fns: Vec<_> = library
        .languages
        .iter()
        .map(|code| {
            move |id: &str, level: u32| md_templates.anchor_link(Some(code.as_str()), id, level)
        })
        .collect();
    let cutoff_fns: Vec<_> = library
        .languages
        .iter()
        .map(|code| move |summary: &str| md_templates.summary_cutoff(Some(code.as_str()), summary))
        .collect();
    let safety_key = match options.safety.fingerprint() {
        trusted if trusted.is_empty() => 0,
        safe => xxhash_rust::xxh3::xxh3_128(safe.as_bytes()),
    };
    let hooks: Vec<MarkdownHooks> = anchor_fns
        .iter()
        .zip(&cutoff_fns)
        .map(|(anchor_fn, cutoff_fn)| MarkdownHooks {
            anchor_link: anchor_fn,
            summary_cutoff: cutoff_fn,
            highlighter: highlighter.as_ref(),
            // A `--safe` render is not a trusted one's: the anchor-link and summary-cutoff
            // templates may call `get_env`, and their renders are memoized. (A shortcode
            // that calls it is never memoized: `ShortcodeTemplates::hash_of`.)
            extra_key: md_templates.hash ^ highlight_files_hash.rotate_left(1) ^ safety_key,
        })
        .collect();
    // Zola: a page's anchor links follow its section's `insert_anchor_links`, a section's
    // its own; else the config's.
    let section_anchors: Vec<markdown::InsertAnchorMode> = library
        .sections
        .iter()
        .map(|s| {
            s.front
                .insert_anchor_links
                .unwrap_or(config.markdown.insert_anchor_links)
        })
        .collect();
    let md_ctx = |rel: &str, anchors: markdown::InsertAnchorMode, lang: usize| {
        let permalink = permalinks.get(rel).map_or("", String::as_str);
        md_context(config, &permalinks, permalink, anchors, &hooks[lang])
    };
    // Shortcodes, with the functions that need no page data.
    let shortcode_files = Arc::new(
        FileScope::new(
            root.clone(),
            theme_dir.map(Path::to_path_buf),
            options.state_dirs_downloads(config),
            Network::Allowed,
        )
        .with_safety(options.safety.clone())
        .with_images(Arc::clone(images))
        // Never the previous build's output (see `render::functions::files`).
        .with_output_dirs([root.join(&config.output_dir), options.dirs(config).0]),
    );
    let view_of = &*library;
    let languages = Arc::new(config.site_languages());
    // The filters as the site's other templates have them; their warnings land in `notes`.
    let filters = FilterSettings {
        default_language: config.default_language.clone(),
        markdown: config.markdown.clone(),
        base_url: config.base_url.clone(),
        permalinks: Arc::new(permalinks.clone()),
        anchors: config.slugify.anchors,
        broken_links: markdown::BrokenLinks::for_level(config.link_checker.internal_level),
        notes: Arc::clone(&notes),
    };
    let shortcodes = ShortcodeTemplates::load(
        &root.join("templates"),
        theme_templates.as_deref(),
        filters,
        Arc::clone(&shortcode_files),
        Arc::clone(&languages),
        || content_view(config, &languages, view_of, &permalinks),
    )?;
    // Per language, the config its shortcodes see (as its templates).
    let config_values: Vec<serde_json::Value> = (0..languages.all().len())
        .map(|lang| config.template_value_for(&languages, lang))
        .collect();
    let render_md = |body: &str,
                     what: Described,
                     anchors: markdown::InsertAnchorMode|
     -> Result<Rendered, BuildError> {
        let mut ctx = md_ctx(what.rel, anchors, what.lang());
        ctx.source = Some((what.source, what.body_line));
        let origin = Origin {
            file: what.source,
            body_line: what.body_line,
        };
        let context = || {
            let mut context = tera::Context::new();
            let lang = what.lang();
            context.insert(what.kind, &what.value(&library.languages, &permalinks));
            context.insert("config", &config_values[lang]);
            context.insert("lang", &library.languages[lang]);
            context
        };
        let expanded = images::asking(what.source.display().to_string(), || {
            shortcode::expand(body, &origin, &shortcodes, &context)
        })?;
        let text = expanded.as_ref().map_or(body, |e| e.text.as_str());
        let result = match &options.warm {
            Some(warm) => warm.markdown.render(text, &ctx, permalinks_hash),
            None => markdown::render(text, &ctx),
        };
        let source = what.source;
        let mut rendered = result.map_err(|e| match e {
            markdown::MarkdownError::BrokenLink(b) => BuildError::BrokenLink {
                file: source.into(),
                target: b.target,
            },
            markdown::MarkdownError::Other(message) => BuildError::Markdown {
                file: source.into(),
                message,
            },
        })?;
        if let Some(expanded) = &expanded {
            expanded.finish(&mut rendered);
            // Zola counts the body as written, shortcode calls included.
            (rendered.word_count, rendered.reading_time) = markdown::reading_analytics(body);
        }
        Ok(rendered)
    };
    // The options part of the render key, once per section (its anchor mode).
    let section_keys: Vec<u128> = section_anchors
        .iter()
        .zip(&library.sections)
        .map(|(&anchors, s)| markdown::options_key(&md_ctx("", anchors, s.lang)))
        .collect();
    // An orphan page (no section) takes the config's anchor mode, as in Zola.
    let orphan_anchors = config.markdown.insert_anchor_links;
    let anchors_of = |p: &content::Page| p.section.map_or(orphan_anchors, |s| section_anchors[s]);
    let hashes: Vec<Option<u128>> = library.pages.iter().map(|p| source_hash(&p.rel)).collect();
    // Without the shortcodes: those a body calls are known once it is rendered (or from
    // the memo for a remembered render).
    let base_keys: Vec<Option<u128>> = library
        .pages
        .iter()
        .zip(&hashes)
        .map(|(p, hash)| {
            let permalink = permalinks.get(&p.rel).map_or("", String::as_str);
            let options = p.section.map_or_else(
                || markdown::options_key(&md_ctx("", orphan_anchors, p.lang)),
                |s| section_keys[s],
            );
            Some(markdown::render_key_with(
                (*hash)?,
                permalink,
                options,
                permalinks_hash,
            ))
        })
        .collect();
    let remembered: Vec<Option<Rendered>> = library
        .pages
        .iter()
        .zip(&base_keys)
        .map(|(p, key)| {
            let called = memo.shortcodes(&p.rel).unwrap_or_default();
            let key = shortcode::key_with((*key)?, called, &shortcodes)?;
            memo.take_render(&p.rel, key)
        })
        .collect();
    // Each body is freed as soon as it is rendered: on a large site the bodies are a
    // quarter of the memory, and holding all of them next to all renders sets the peak.
    let rendered: Vec<Rendered> = library
        .pages
        .par_iter_mut()
        .zip(remembered)
        .map(|(p, remembered)| {
            let body = std::mem::take(&mut p.body);
            let what = Described::page(p);
            match remembered {
                Some(r) => Ok(r),
                None if body.is_empty() => {
                    let body = content::read_body(&p.source)?;
                    render_md(&body, what, anchors_of(p))
                }
                None => render_md(&body, what, anchors_of(p)),
            }
        })
        .collect::<Result<_, _>>()?;
    let section_rendered: Vec<Rendered> = library
        .sections
        .par_iter()
        .enumerate()
        .map(|(i, s)| render_md(&s.body, Described::section(s), section_anchors[i]))
        .collect::<Result<_, _>>()?;
    let keys: Vec<Option<u128>> = base_keys
        .iter()
        .zip(&rendered)
        .map(|(key, r)| shortcode::key_with((*key)?, &r.shortcodes, &shortcodes))
        .collect();
    let mut read_files = shortcode_files.files_read();
    let broken_links: Vec<(PathBuf, String)> = library
        .pages
        .iter()
        .map(|p| &p.source)
        .zip(&rendered)
        .chain(
            library
                .sections
                .iter()
                .filter_map(|s| s.source.as_ref())
                .zip(&section_rendered),
        )
        .flat_map(|(source, r)| r.broken_links.iter().map(|l| (source.clone(), l.clone())))
        .collect();
    warnings.extend(notes.take());
    if config.mode != crate::config::Mode::Check {
        // Only collected under `internal_level = "warn"`: Zola's warning, link kept as written.
        warnings.extend(broken_links.iter().map(|(source, target)| {
            format!(
                "{}: broken internal link `{target}` kept as written ([link_checker] internal_level = \"warn\")",
                source.display()
            )
        }));
    }
    warnings.extend(zola_builtin_warnings(
        library,
        &rendered,
        &section_rendered,
        &shortcodes,
    ));
    if let Some(h) = &highlighter {
        warnings.extend(h.take_over_budget());
        for language in h.take_missing_languages() {
            warnings.push(format!(
                "code blocks in `{language}` are not highlighted: no grammar for it"
            ));
        }
    }
    if let Some(warm) = &options.warm {
        warm.markdown.prune();
    }
    Ok(Bodies {
        rendered,
        section_rendered,
        hashes,
        keys,
        broken_links,
        highlighter,
        read_files: {
            read_files.extend(highlight_files);
            read_files
        },
    })
}

/// One warning per Zola built-in shortcode the site calls without defining it, naming the
/// files that call it (sorted: the same at any thread count, and for remembered renders).
fn zola_builtin_warnings(
    library: &Library,
    rendered: &[Rendered],
    section_rendered: &[Rendered],
    shortcodes: &ShortcodeTemplates,
) -> Vec<String> {
    let mut callers: BTreeMap<&str, BTreeSet<&Path>> = BTreeMap::new();
    let pages = library.pages.iter().map(|p| Some(p.source.as_path()));
    let sections = library.sections.iter().map(|s| s.source.as_deref());
    for (source, r) in pages
        .chain(sections)
        .zip(rendered.iter().chain(section_rendered))
    {
        for name in &r.shortcodes {
            let builtin = shortcodes
                .get(name)
                .is_some_and(|d| d.origin == ShortcodeOrigin::ZolaBuiltin);
            if let (true, Some(source)) = (builtin, source) {
                callers.entry(name).or_default().insert(source);
            }
        }
    }
    callers
        .into_iter()
        .map(|(name, files)| {
            let first = files.iter().next().map_or(String::new(), |f| f.display().to_string());
            let more = match files.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            format!(
                "{first}{more}: shortcode `{name}` is not in templates/shortcodes/; used the built-in `{name}` of Zola up to 0.16 (Zola 0.17 and later refuse the site)"
            )
        })
        .collect()
}

/// What shortcodes can look up (`get_page`, `get_section`, `get_taxonomy*`): every page and
/// section as [`Described::value`] gives it, sections with their pages, and the terms.
fn content_view(
    config: &Config,
    languages: &crate::config::Languages,
    library: &Library,
    permalinks: &HashMap<String, String>,
) -> ContentView {
    use serde_json::{json, Value};
    let pages: Vec<Value> = library
        .pages
        .iter()
        .map(|p| Described::page(p).value(&library.languages, permalinks))
        .collect();
    let sections = library
        .sections
        .iter()
        .map(|s| {
            let mut value = Described::section(s).value(&library.languages, permalinks);
            value["pages"] = s.pages.iter().map(|&i| pages[i].clone()).collect();
            value["subsections"] = s
                .subsections
                .iter()
                .map(|&c| Value::String(library.sections[c].rel.clone()))
                .collect();
            (s.rel.clone(), value)
        })
        .collect();
    let taxonomies = languages
        .get(0)
        .taxonomies
        .iter()
        .map(|tax| {
            let data = crate::render::taxonomy_data(config, languages, library, tax, 0);
            let terms: HashMap<String, Value> = data
                .terms
                .iter()
                .map(|t| {
                    let value = json!({
                        "name": t.name,
                        "slug": t.slug,
                        "path": t.path,
                        "permalink": t.permalink,
                        "page_count": t.pages.len(),
                        "pages": t.pages.iter().map(|&i| pages[i].clone()).collect::<Vec<_>>(),
                    });
                    (t.name.clone(), value)
                })
                .collect();
            let mut items: Vec<&Value> = terms.values().collect();
            items.sort_by(|a, b| a["slug"].as_str().cmp(&b["slug"].as_str()));
            let value = json!({
                "kind": { "name": tax.name, "feed": tax.feed, "paginate_by": tax.paginate_by },
                "lang": library.languages[0],
                "permalink": data.permalink,
                "items": items,
            });
            (tax.name.clone(), (value, terms))
        })
        .collect();
    ContentView {
        pages: library
            .pages
            .iter()
            .zip(pages.iter())
            .map(|(p, v)| (p.rel.clone(), v.clone()))
            .collect(),
        sections,
        taxonomies,
    }
}

/// A body's page or section, as errors name it and as shortcodes see it.
#[derive(Clone, Copy)]
struct Described<'a> {
    rel: &'a str,
    source: &'a Path,
    body_line: usize,
    /// `page` or `section`: the name shortcodes see it under.
    kind: &'static str,
    page: Option<&'a Page>,
    section: Option<&'a Section>,
}

impl<'a> Described<'a> {
    fn page(p: &'a Page) -> Self {
        Described {
            rel: &p.rel,
            source: &p.source,
            body_line: p.body_line,
            kind: "page",
            page: Some(p),
            section: None,
        }
    }

    fn section(s: &'a Section) -> Self {
        Described {
            rel: &s.rel,
            source: s
                .source
                .as_deref()
                .unwrap_or(Path::new("content/_index.md")),
            body_line: s.body_line,
            kind: "section",
            page: None,
            section: Some(s),
        }
    }

    /// Its language (an index into the library's languages).
    fn lang(&self) -> usize {
        match (self.page, self.section) {
            (Some(p), _) => p.lang,
            (_, Some(s)) => s.lang,
            _ => 0,
        }
    }

    /// What shortcodes see of the page or section: its front matter and place (its content
    /// is what is being rendered).
    fn value(
        &self,
        languages: &[String],
        permalinks: &HashMap<String, String>,
    ) -> serde_json::Value {
        let lang = &languages[self.lang()];
        let permalink = permalinks.get(self.rel).cloned().unwrap_or_default();
        match (self.page, self.section) {
            (Some(p), _) => serde_json::json!({
                "relative_path": p.rel,
                "colocated_path": p.colocated_path,
                "title": p.front.title,
                "description": p.front.description,
                "date": crate::content::front_matter::date_text(p.front.date.as_deref(), p.date),
                "updated": crate::content::front_matter::date_text(
                    p.front.updated.as_deref(),
                    p.updated
                ),
                "slug": p.slug,
                "path": p.url_path,
                "permalink": permalink,
                "draft": p.front.draft,
                "authors": p.front.authors,
                "taxonomies": p.front.taxonomies,
                "extra": p.front.extra,
                "lang": lang,
                "ancestors": p.ancestors,
                // As Zola: a gallery shortcode lists the page's files (`/` + the path in
                // `content/`).
                "assets": p.asset_paths(),
            }),
            (_, Some(s)) => serde_json::json!({
                "relative_path": s.rel,
                "title": s.front.title,
                "description": s.front.description,
                "path": s.url_path,
                "permalink": permalink,
                "draft": s.front.draft,
                "extra": s.front.extra,
                "lang": lang,
                "ancestors": s.ancestors,
            }),
            _ => serde_json::Value::Null,
        }
    }
}

/// What Markdown rendering calls out to, the same for every body of a build.
struct MarkdownHooks<'a> {
    anchor_link: &'a markdown::AnchorLinkFn<'a>,
    summary_cutoff: &'a markdown::SummaryCutoffFn<'a>,
    highlighter: Option<&'a markdown::Highlighter>,
    /// Hash of the templates and highlighting files the hooks use.
    extra_key: u128,
}

/// What a broken `@/` link does in a body: listed by `check`, a warning under
/// `internal_level = "warn"`, else an error.
fn broken_links_mode(config: &Config) -> markdown::BrokenLinks {
    match config.mode {
        crate::config::Mode::Check => markdown::BrokenLinks::Collect,
        _ => markdown::BrokenLinks::for_level(config.link_checker.internal_level),
    }
}

fn md_context<'a>(
    config: &'a Config,
    permalinks: &'a HashMap<String, String>,
    permalink: &'a str,
    insert_anchor_links: markdown::InsertAnchorMode,
    hooks: &MarkdownHooks<'a>,
) -> MarkdownContext<'a> {
    MarkdownContext {
        config: &config.markdown,
        base_url: &config.base_url,
        permalink,
        permalinks,
        insert_anchor_links,
        anchor_link: Some(hooks.anchor_link),
        summary_cutoff: Some(hooks.summary_cutoff),
        anchors: config.slugify.anchors,
        highlighter: hooks.highlighter,
        extra_key: hooks.extra_key,
        // `sitegen check` lists every broken link; a build stops at the first, unless
        // `[link_checker] internal_level = "warn"` (then each is a warning, as in Zola).
        broken_links: broken_links_mode(config),
        source: None,
    }
}
