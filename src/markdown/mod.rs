//! Markdown to HTML with pulldown-cmark, in the markup Zola 0.22 writes: heading ids and a
//! table of contents, anchor links, `@/` internal links, the `<!-- more -->` summary, and
//! every `[markdown]` option (external link attributes, emoji, definition lists, GitHub
//! alerts, lazy images, bottom footnotes, syntax highlighting with fence annotations).
//!
//! Submodules by concept: [`anchors`] (heading ids, anchor links, table of contents),
//! [`links`] (destinations and external link markup), [`fence`] (code block annotations),
//! [`highlight`] and [`themes`] (highlighted code), [`footnotes`] (bottom footnotes),
//! [`words`] (word count and reading time).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

use crate::config::{HighlightingConfig, MarkdownConfig};

mod anchors;
pub mod budget;
mod fence;
mod footnotes;
mod grammars;
mod highlight;
#[cfg(test)]
mod highlight_tests;
mod languages;
mod links;
#[cfg(test)]
mod tests;
mod theme_names;
mod themes;
mod vscode_theme;
mod words;

pub use words::reading_analytics;

pub use crate::config::InsertAnchor;
/// Where anchor links go (`insert_anchor_links`).
pub use crate::config::InsertAnchor as InsertAnchorMode;
pub use crate::content::slug::SlugStrategy;
pub use anchors::{default_anchor_link, Heading};
pub use fence::{parse_fence, Fence};
pub use highlight::Highlighter;
pub use links::BrokenLink;
pub use themes::prewarm;

/// What replaces the `<!-- more -->` marker in the body: the target of "continue reading"
/// links (`{{ page.permalink }}#continue-reading`).
pub const CONTINUE_READING: &str = "<span id=\"continue-reading\"></span>";

/// Zola's built-in `summary-cutoff.html` (its file ends with a newline), for callers that
/// give no template.
pub const DEFAULT_SUMMARY_CUTOFF: &str = "&hellip;\n";

/// A rendered Markdown body.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Rendered {
    pub html: String,
    pub summary: Option<String>,
    pub toc: Vec<Heading>,
    pub word_count: usize,
    pub reading_time: usize,
    /// The content files its `@/` links point to (`blog/a.md`), for backlinks.
    pub links: Vec<String>,
    /// Its `@/` links to missing content, as written (only with [`BrokenLinks::Collect`]).
    #[serde(default)]
    pub broken_links: Vec<String>,
    /// The shortcodes its body called (sorted, each once; filled by whoever expanded them).
    #[serde(default)]
    pub shortcodes: Vec<String>,
}

/// Notes the content file an `@/` link points to (once).
fn note_internal(links: &mut Vec<String>, dest: &str) {
    if let Some(target) = dest.strip_prefix("@/") {
        let file = target.split('#').next().unwrap_or(target);
        if !links.iter().any(|l| l == file) {
            links.push(file.to_string());
        }
    }
}

/// Renders the `anchor-link.html` template for a heading: its id and level.
pub type AnchorLinkFn<'a> = dyn Fn(&str, u32) -> Result<String, String> + Sync + 'a;
/// Renders the `summary-cutoff.html` template for a summary (its HTML so far).
pub type SummaryCutoffFn<'a> = dyn Fn(&str) -> Result<String, String> + Sync + 'a;

/// What rendering needs to know besides the text.
pub struct MarkdownContext<'a> {
    pub config: &'a MarkdownConfig,
    pub base_url: &'a str,
    /// Permalink of the page being rendered (heading permalinks, co-located links).
    pub permalink: &'a str,
    /// Content-relative file (`blog/post.md`) to permalink, for `@/` links.
    pub permalinks: &'a HashMap<String, String>,
    /// Anchor links for this body: the section's front matter, else `[markdown]`'s.
    pub insert_anchor_links: InsertAnchor,
    /// The `anchor-link.html` template; Zola's built-in markup when absent.
    pub anchor_link: Option<&'a AnchorLinkFn<'a>>,
    /// The `summary-cutoff.html` template; Zola's built-in `&hellip;` when absent.
    pub summary_cutoff: Option<&'a SummaryCutoffFn<'a>>,
    /// How heading ids are made from their text (`[slugify] anchors`).
    pub anchors: SlugStrategy,
    /// Grammars and themes loaded once for the build; when absent (and `[markdown.
    /// highlighting]` is set) built-in ones are used, without `extra_grammars`/`extra_themes`.
    pub highlighter: Option<&'a Highlighter>,
    /// Anything else the output depends on that the caller knows of (the templates' hashes),
    /// folded into every key.
    pub extra_key: u128,
    /// What an `@/` link to missing content does.
    pub broken_links: BrokenLinks,
    /// The content file and the line its body starts on, to name in warnings.
    pub source: Option<(&'a Path, usize)>,
}

/// What an `@/` link to content that does not exist does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BrokenLinks {
    /// The render fails (a build).
    #[default]
    Fail,
    /// The link is kept as written and listed in [`Rendered::broken_links`] (`sitegen
    /// check`, which reports all of them).
    Collect,
}

impl BrokenLinks {
    /// What `[link_checker] internal_level` asks of a build: an error (`Fail`), or under
    /// `"warn"` the link kept as written and listed for a warning (`Collect`), as in Zola.
    pub fn for_level(level: crate::config::LinkLevel) -> BrokenLinks {
        match level {
            crate::config::LinkLevel::Error => BrokenLinks::Fail,
            crate::config::LinkLevel::Warn => BrokenLinks::Collect,
        }
    }
}

/// Why a body could not be rendered.
#[derive(Debug, PartialEq, Eq)]
pub enum MarkdownError {
    /// An `@/` link to content that does not exist.
    BrokenLink(BrokenLink),
    /// Anything else: a failed template callback, a language without a grammar (with
    /// `error_on_missing_language`), a link without a URL.
    Other(String),
}

impl std::fmt::Display for MarkdownError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MarkdownError::BrokenLink(b) => write!(f, "broken internal link `{}`", b.target),
            MarkdownError::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for MarkdownError {}

/// Rendered bodies kept between builds of one process (`sitegen serve`), keyed by a hash of
/// everything a render reads: the body, the page's permalink, the markdown options, the base
/// URL and every permalink an `@/` link could resolve to.
#[derive(Default)]
pub struct Memo {
    entries: Mutex<HashMap<u128, Rendered>>,
    used: Mutex<HashSet<u128>>,
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("markdown::Memo")
    }
}

/// Everything in `ctx` a render depends on, but the permalink map (hashed once per build).
fn hash_context(h: &mut xxhash_rust::xxh3::Xxh3, ctx: &MarkdownContext) {
    h.update(&(ctx.permalink.len() as u64).to_le_bytes());
    h.update(ctx.permalink.as_bytes());
    h.update(&options_key(ctx).to_le_bytes());
}

/// The part of a render key that every body rendered with `ctx`'s options shares:
/// everything but the text and the page's permalink. Computed once per build (and anchor
/// mode) by callers that key thousands of bodies: serializing `[markdown]` for each one
/// showed in profiles.
pub fn options_key(ctx: &MarkdownContext) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(&(ctx.base_url.len() as u64).to_le_bytes());
    h.update(ctx.base_url.as_bytes());
    // All of `[markdown]`, so that an option added later is part of the key too.
    h.update(&serde_json::to_vec(ctx.config).unwrap_or_default());
    h.update(&serde_json::to_vec(&(ctx.insert_anchor_links, ctx.anchors)).unwrap_or_default());
    h.update(&[
        u8::from(ctx.anchor_link.is_some()),
        u8::from(ctx.summary_cutoff.is_some()),
        u8::from(ctx.broken_links == BrokenLinks::Collect),
    ]);
    h.update(&ctx.extra_key.to_le_bytes());
    h.digest128()
}

/// A key for the render of a source file with content hash `source_hash` in `ctx`:
/// everything the render depends on but the text itself, which the hash stands for.
pub fn render_key(source_hash: u128, ctx: &MarkdownContext, permalinks_hash: u128) -> u128 {
    render_key_with(
        source_hash,
        ctx.permalink,
        options_key(ctx),
        permalinks_hash,
    )
}

/// [`render_key`] from a precomputed [`options_key`].
pub fn render_key_with(
    source_hash: u128,
    permalink: &str,
    options_key: u128,
    permalinks_hash: u128,
) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&source_hash.to_le_bytes());
    h.update(&(permalink.len() as u64).to_le_bytes());
    h.update(permalink.as_bytes());
    h.update(&options_key.to_le_bytes());
    h.update(&permalinks_hash.to_le_bytes());
    h.digest128()
}

impl Memo {
    /// The hash of the permalink map (computed once per build; part of every key).
    pub fn permalinks_hash(permalinks: &HashMap<String, String>) -> u128 {
        let mut sorted: Vec<(&String, &String)> = permalinks.iter().collect();
        sorted.sort();
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for (rel, link) in sorted {
            h.update(rel.as_bytes());
            h.update(&[0]);
            h.update(link.as_bytes());
            h.update(&[0]);
        }
        h.digest128()
    }

    /// Renders `body`, or returns the rendering of an identical input from an earlier build.
    pub fn render(
        &self,
        body: &str,
        ctx: &MarkdownContext,
        permalinks_hash: u128,
    ) -> Result<Rendered, MarkdownError> {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(&(body.len() as u64).to_le_bytes());
        h.update(body.as_bytes());
        hash_context(&mut h, ctx);
        h.update(&permalinks_hash.to_le_bytes());
        let key = h.digest128();
        self.used
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key);
        if let Some(hit) = self
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(hit.clone());
        }
        let rendered = render(body, ctx)?;
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, rendered.clone());
        Ok(rendered)
    }

    /// Forgets renders the last build did not ask for, so memory follows the site's size,
    /// not the number of edits. Call after each build's Markdown phase.
    pub fn prune(&self) {
        let used = std::mem::take(&mut *self.used.lock().unwrap_or_else(|p| p.into_inner()));
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|k, _| used.contains(k));
    }
}

fn options(config: &MarkdownConfig) -> Options {
    let mut o = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    if config.smart_punctuation {
        o |= Options::ENABLE_SMART_PUNCTUATION;
    }
    if config.definition_list {
        o |= Options::ENABLE_DEFINITION_LIST;
    }
    if config.github_alerts {
        // The GFM option is what turns `> [!NOTE]` into `<blockquote class="markdown-alert-note">`.
        o |= Options::ENABLE_GFM;
    }
    o
}

pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let _ = pulldown_cmark_escape::escape_html(&mut out, text);
    out
}

/// Replaces GitHub emoji shortcodes (`:smile:`) with the emoji. A `:word:` that names no
/// emoji stays as written, and so does the text up to its closing colon (as Zola's
/// replacer, which consumes it).
fn replace_emoji(text: &str) -> Option<String> {
    if !text.contains(':') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(open) = rest.find(':') {
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '+' || c == '-'))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with(':') {
            let name = &after[..name_len];
            out.push_str(&rest[..open]);
            match emojis::get_by_shortcode(name) {
                Some(emoji) => {
                    out.push_str(emoji.as_str());
                    changed = true;
                }
                None => out.push_str(&rest[open..open + name_len + 2]),
            }
            rest = &after[name_len + 1..];
        } else {
            out.push_str(&rest[..=open]);
            rest = after;
        }
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// Whether an HTML event holds the summary marker: `<!-- more -->`, any case and spacing.
fn is_more_marker(html: &str) -> bool {
    html.match_indices("<!--").any(|(at, _)| {
        let inner = html[at + 4..].trim_start();
        inner.len() >= 4
            && inner.is_char_boundary(4)
            && inner[..4].eq_ignore_ascii_case("more")
            && inner[4..].trim_start().starts_with("-->")
    })
}

/// A process-wide highlighter for callers that do not load one per build (built-in
/// grammars and themes only), kept for the few configurations last asked for.
fn shared_highlighter(config: &HighlightingConfig) -> Arc<Highlighter> {
    type Cache = Mutex<Vec<(HighlightingConfig, Arc<Highlighter>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, h)) = cache.iter().find(|(c, _)| c == config) {
        return h.clone();
    }
    let (h, _warnings) = Highlighter::new(config, None, std::path::Path::new("config.toml"));
    let h = Arc::new(h);
    if cache.len() >= 4 {
        cache.remove(0);
    }
    cache.push((config.clone(), h.clone()));
    h
}

fn is_footnote_reference(event: &Event) -> bool {
    match event {
        Event::FootnoteReference(_) => true,
        Event::Html(html) => html.starts_with(footnotes::REFERENCE_START),
        _ => false,
    }
}

/// The summary: the body up to the marker without footnote references, then (when the
/// marker cut an element short) the cutoff template, then the closing tags, as Zola does.
fn summary(events: &[Event], ctx: &MarkdownContext) -> Result<Option<String>, MarkdownError> {
    let Some(at) = events
        .iter()
        .position(|e| matches!(e, Event::Html(h) if h.as_ref() == CONTINUE_READING))
    else {
        return Ok(None);
    };
    let mut open: Vec<TagEnd> = Vec::new();
    for event in &events[..at] {
        match event {
            Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => {}
            Event::Start(tag) => open.push(tag.to_end()),
            Event::End(end) => {
                let keep = open.iter().rposition(|t| t == end).unwrap_or(0);
                open.truncate(keep);
            }
            _ => {}
        }
    }
    let mut out = String::new();
    html::push_html(
        &mut out,
        events[..at]
            .iter()
            .filter(|e| !is_footnote_reference(e))
            .cloned(),
    );
    out.truncate(out.trim_end().len());
    if !open.is_empty() {
        let cutoff = match ctx.summary_cutoff {
            Some(render) => render(&out).map_err(|e| {
                MarkdownError::Other(format!("summary cutoff (summary-cutoff.html): {e}"))
            })?,
            None => DEFAULT_SUMMARY_CUTOFF.to_string(),
        };
        out.push_str(&cutoff);
    }
    html::push_html(&mut out, open.into_iter().rev().map(Event::End));
    Ok(Some(out))
}

/// Renders a page or section body.
pub fn render(body: &str, ctx: &MarkdownContext) -> Result<Rendered, MarkdownError> {
    let config = ctx.config;
    let shared;
    let highlighter = match (&config.highlighting, ctx.highlighter) {
        (None, _) => None,
        (Some(_), Some(h)) => Some(h),
        (Some(hl), None) => {
            shared = shared_highlighter(hl);
            Some(&*shared)
        }
    };
    let mut events: Vec<Event> = Vec::new();
    let mut code: Option<(Fence, String)> = None;
    // The page's code blocks: where their HTML goes in `events`, fence and text.
    let mut blocks: Vec<(usize, Fence, String)> = Vec::new();
    // For each open link, whether its start was written as HTML (an external link).
    let mut links_open: Vec<bool> = Vec::new();
    // Inside a lazily loaded image, whose text is its `alt` attribute.
    let mut in_alt = false;
    let mut has_summary = false;
    let mut internal = Vec::new();
    let mut broken = Vec::new();
    // Under `BrokenLinks::Collect`, an unresolvable `@/` destination is kept as written.
    let mut keep_broken = |dest: &str| -> bool {
        let collect = ctx.broken_links == BrokenLinks::Collect
            && dest.starts_with("@/")
            && links::resolve_internal(dest, ctx).is_err();
        if collect {
            broken.push(dest.to_string());
        }
        collect
    };
    for event in Parser::new_ext(body, options(config)) {
        if let Some((fence, text)) = &mut code {
            match event {
                Event::Text(t) => text.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    // Highlighted once the page is read (see `code_blocks`).
                    blocks.push((events.len(), std::mem::take(fence), std::mem::take(text)));
                    events.push(Event::Html("".into()));
                    code = None;
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Text(text) => {
                let text = match config.render_emoji.then(|| replace_emoji(&text)) {
                    Some(Some(replaced)) => replaced.into(),
                    _ => text,
                };
                events.push(if in_alt {
                    Event::Html(escape_html(&text).into())
                } else {
                    Event::Text(text)
                });
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let fence = match kind {
                    pulldown_cmark::CodeBlockKind::Fenced(info) => parse_fence(&info),
                    pulldown_cmark::CodeBlockKind::Indented => Fence::default(),
                };
                code = Some((fence, String::new()));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                note_internal(&mut internal, &dest_url);
                let dest = match keep_broken(&dest_url) {
                    true => dest_url.to_string(),
                    false => links::fix_destination(link_type, &dest_url, ctx)?,
                };
                if config.lazy_async_image {
                    in_alt = true;
                    events.push(Event::Html(links::lazy_image_start(&dest, &title).into()));
                } else {
                    events.push(Event::Start(Tag::Image {
                        link_type,
                        dest_url: dest.into(),
                        title,
                        id,
                    }));
                }
            }
            Event::End(TagEnd::Image) if in_alt => {
                in_alt = false;
                events.push(Event::Html(links::LAZY_IMAGE_END.into()));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                note_internal(&mut internal, &dest_url);
                if keep_broken(&dest_url) {
                    links_open.push(false);
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                    continue;
                }
                let (start, external) = links::link_start(link_type, dest_url, title, id, ctx)?;
                links_open.push(external);
                events.push(start);
            }
            Event::End(TagEnd::Link) => {
                if links_open.pop() == Some(true) {
                    events.push(Event::Html("</a>".into()));
                } else {
                    events.push(Event::End(TagEnd::Link));
                }
            }
            Event::Html(text) | Event::InlineHtml(text)
                if !has_summary && is_more_marker(&text) =>
            {
                has_summary = true;
                events.push(Event::Html(CONTINUE_READING.into()));
            }
            other => events.push(other),
        }
    }
    for (at, html) in code_blocks(&blocks, highlighter, body, ctx)? {
        events[at] = Event::Html(html.into());
    }
    let headings = anchors::process_headings(&mut events, ctx)?;
    if config.bottom_footnotes {
        footnotes::move_to_bottom(&mut events);
    }
    let summary = summary(&events, ctx)?;
    let (word_count, reading_time) = reading_analytics(body);
    let mut out = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    // Kept for the whole build (every page's HTML at once): no spare capacity.
    out.shrink_to_fit();
    Ok(Rendered {
        html: out,
        summary,
        toc: anchors::nest(&headings, ctx.permalink),
        word_count,
        reading_time,
        links: internal,
        broken_links: broken,
        shortcodes: Vec::new(),
    })
}

/// The HTML of a page's code blocks, each with its place in the page's events. Highlighted in
/// parallel: a grammar's first block costs milliseconds (its patterns compile on first use),
/// and a site's code is often on one page, which would otherwise keep one core busy while the
/// other waits. Each block's HTML is the same whichever thread makes it.
fn code_blocks(
    blocks: &[(usize, Fence, String)],
    highlighter: Option<&Highlighter>,
    body: &str,
    ctx: &MarkdownContext,
) -> Result<Vec<(usize, String)>, MarkdownError> {
    use rayon::prelude::*;
    let one = |(at, fence, text): &(usize, Fence, String)| {
        let html = match highlighter {
            Some(h) if h.over_budget(text, fence) => {
                h.note_over_budget(budget::warning(body, text, fence, ctx));
                fence::plain_code_block(text, fence)
            }
            Some(h) => h.code_block(text, fence).map_err(MarkdownError::Other)?,
            None => fence::plain_code_block(text, fence),
        };
        Ok((*at, html))
    };
    let done: Vec<Result<(usize, String), MarkdownError>> = match highlighter {
        Some(_) if blocks.len() > 1 => blocks.par_iter().with_max_len(1).map(one).collect(),
        _ => blocks.iter().map(one).collect(),
    };
    // The first failing block in the page's order, whichever thread failed first.
    done.into_iter().collect()
}
