//! Markdown to HTML with pulldown-cmark: heading ids and a table of contents, `@/` internal
//! links, the `<!-- more -->` summary, smart punctuation, external links in new tabs, word
//! count and reading time.

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{
    html, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};
use serde::{Deserialize, Serialize};

use crate::config::MarkdownConfig;
use crate::content::slugify;

const MORE_MARKER: &str = "<!-- more -->";

/// A heading in the table of contents (`page.toc`), Zola's shape.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Heading {
    pub level: u32,
    pub id: String,
    pub title: String,
    pub permalink: String,
    pub children: Vec<Heading>,
}

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
}

/// What rendering needs to know besides the text.
pub struct MarkdownContext<'a> {
    pub config: &'a MarkdownConfig,
    pub base_url: &'a str,
    /// Permalink of the page being rendered (for heading permalinks).
    pub permalink: &'a str,
    /// Content-relative file (`blog/post.md`) to permalink, for `@/` links.
    pub permalinks: &'a HashMap<String, String>,
}

/// Rendered bodies kept between builds of one process (`sitegen serve`), keyed by a hash of
/// everything a render reads: the body, the page's permalink, the markdown options, the base
/// URL and every permalink an `@/` link could resolve to.
#[derive(Default)]
pub struct Memo {
    entries: std::sync::Mutex<HashMap<u128, Rendered>>,
    used: std::sync::Mutex<HashSet<u128>>,
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("markdown::Memo")
    }
}

/// A key for the render of a source file with content hash `source_hash` in `ctx`:
/// everything the render depends on but the text itself, which the hash stands for.
pub fn render_key(source_hash: u128, ctx: &MarkdownContext, permalinks_hash: u128) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(&source_hash.to_le_bytes());
    for part in [ctx.permalink, ctx.base_url] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    // All of `[markdown]`, so that an option added later is part of the key too.
    h.update(&serde_json::to_vec(ctx.config).unwrap_or_default());
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
    ) -> Result<Rendered, BrokenLink> {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for part in [body, ctx.permalink, ctx.base_url] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        let c = ctx.config;
        h.update(&[
            u8::from(c.smart_punctuation),
            u8::from(c.highlight_code),
            u8::from(c.external_links_target_blank),
        ]);
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

/// An `@/` link to content that does not exist.
#[derive(Debug, PartialEq, Eq)]
pub struct BrokenLink {
    pub target: String,
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
    o
}

/// Highlights `code` as `lang` with CSS classes (`z-` prefixed scope names, so themes style it
/// with a stylesheet, not inline colours). Unknown languages are escaped as plain text.
fn highlight(code: &str, lang: &str) -> String {
    use syntect::html::{ClassStyle, ClassedHTMLGenerator};
    use syntect::parsing::SyntaxSet;
    static SYNTAXES: std::sync::OnceLock<SyntaxSet> = std::sync::OnceLock::new();
    let set = SYNTAXES.get_or_init(SyntaxSet::load_defaults_newlines);
    let syntax = set
        .find_syntax_by_token(lang)
        .unwrap_or_else(|| set.find_syntax_plain_text());
    let mut generator = ClassedHTMLGenerator::new_with_class_style(
        syntax,
        set,
        ClassStyle::SpacedPrefixed { prefix: "z-" },
    );
    for line in syntect::util::LinesWithEndings::from(code) {
        if generator
            .parse_html_for_line_which_includes_newline(line)
            .is_err()
        {
            return escape_attr(code);
        }
    }
    generator.finalize()
}

fn code_block_html(code: &str, lang: &str) -> String {
    let lang_attr = escape_attr(lang);
    let body = highlight(code, lang);
    if lang.is_empty() {
        format!("<pre class=\"highlight\"><code>{body}</code></pre>\n")
    } else {
        format!("<pre class=\"highlight\" data-lang=\"{lang_attr}\"><code class=\"language-{lang_attr}\">{body}</code></pre>\n")
    }
}

fn level_number(level: HeadingLevel) -> u32 {
    level as u32
}

fn resolve_link(
    dest: &str,
    ctx: &MarkdownContext,
    links: &mut Vec<String>,
) -> Result<String, BrokenLink> {
    let target = dest.trim_start_matches("@/");
    let (file, anchor) = target
        .split_once('#')
        .map(|(f, a)| (f, Some(a)))
        .unwrap_or((target, None));
    if !links.iter().any(|l| l == file) {
        links.push(file.to_string());
    }
    let permalink = ctx.permalinks.get(file).ok_or_else(|| BrokenLink {
        target: dest.to_string(),
    })?;
    Ok(match anchor {
        Some(a) => format!("{permalink}#{a}"),
        None => permalink.clone(),
    })
}

fn is_external(dest: &str, base_url: &str) -> bool {
    (dest.starts_with("http://") || dest.starts_with("https://")) && !dest.starts_with(base_url)
}

fn escape_attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    pulldown_cmark_escape::escape_html(&mut out, text).ok();
    out
}

/// Renders one Markdown fragment to HTML, collecting headings and words.
fn render_fragment(
    text: &str,
    ctx: &MarkdownContext,
    headings: &mut Vec<(u32, String, String)>,
    words: &mut usize,
    links: &mut Vec<String>,
) -> Result<String, BrokenLink> {
    let mut events: Vec<Event> = Vec::new();
    let mut used_ids: HashSet<String> = HashSet::new();
    let mut heading_start: Option<usize> = None;
    let mut external_link_depth: Vec<bool> = Vec::new();
    let mut code_block: Option<(String, String)> = None;
    for event in Parser::new_ext(text, options(ctx.config)) {
        if let Some((lang, code)) = &mut code_block {
            match event {
                Event::Text(t) => code.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    events.push(Event::Html(CowStr::from(code_block_html(code, lang))));
                    code_block = None;
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::CodeBlock(ref kind)) if ctx.config.highlight_code => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split([' ', ',', '{']).next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                code_block = Some((lang, String::new()));
            }
            Event::Start(Tag::Heading { .. }) => {
                heading_start = Some(events.len());
                events.push(event);
            }
            Event::End(TagEnd::Heading(level)) => {
                let start = heading_start.take().unwrap_or(events.len());
                let title: String = events[start..]
                    .iter()
                    .filter_map(|e| match e {
                        Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                if let Some(Event::Start(Tag::Heading { id, .. })) = events.get_mut(start) {
                    let wanted = id
                        .as_ref()
                        .map(|i| i.to_string())
                        .unwrap_or_else(|| slugify(&title));
                    let wanted = if wanted.is_empty() {
                        "section".to_string()
                    } else {
                        wanted
                    };
                    let mut unique = wanted.clone();
                    let mut n = 1;
                    while !used_ids.insert(unique.clone()) {
                        unique = format!("{wanted}-{n}");
                        n += 1;
                    }
                    *id = Some(CowStr::from(unique.clone()));
                    headings.push((level_number(level), unique, title));
                }
                events.push(Event::End(TagEnd::Heading(level)));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = if dest_url.starts_with("@/") {
                    CowStr::from(resolve_link(&dest_url, ctx, links)?)
                } else {
                    dest_url
                };
                if ctx.config.external_links_target_blank && is_external(&dest, ctx.base_url) {
                    let title_attr = if title.is_empty() {
                        String::new()
                    } else {
                        format!(" title=\"{}\"", escape_attr(&title))
                    };
                    let mut href = String::new();
                    pulldown_cmark_escape::escape_href(&mut href, &dest).ok();
                    events.push(Event::Html(CowStr::from(format!(
                        "<a href=\"{href}\"{title_attr} target=\"_blank\" rel=\"noopener\">"
                    ))));
                    external_link_depth.push(true);
                } else {
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url: dest,
                        title,
                        id,
                    }));
                    external_link_depth.push(false);
                }
            }
            Event::End(TagEnd::Link) => {
                if external_link_depth.pop() == Some(true) {
                    events.push(Event::Html(CowStr::from("</a>")));
                } else {
                    events.push(Event::End(TagEnd::Link));
                }
            }
            Event::Text(ref t) => {
                *words += t.split_whitespace().count();
                events.push(event);
            }
            other => events.push(other),
        }
    }
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    // Kept for the whole build (every page's HTML at once): no spare capacity.
    out.shrink_to_fit();
    Ok(out)
}

fn nest(flat: &[(u32, String, String)], permalink: &str) -> Vec<Heading> {
    let mut roots: Vec<Heading> = Vec::new();
    for (level, id, title) in flat {
        let heading = Heading {
            level: *level,
            id: id.clone(),
            title: title.clone(),
            permalink: format!("{permalink}#{id}"),
            children: Vec::new(),
        };
        // Descend while the last heading at this depth is shallower than the new one.
        let mut list = &mut roots;
        while list.last().is_some_and(|h| h.level < *level) {
            let last = list.len() - 1;
            list = &mut list[last].children;
        }
        list.push(heading);
    }
    roots
}

/// Renders a page or section body.
pub fn render(body: &str, ctx: &MarkdownContext) -> Result<Rendered, BrokenLink> {
    let mut headings = Vec::new();
    let mut words = 0;
    let mut links = Vec::new();
    let html = render_fragment(body, ctx, &mut headings, &mut words, &mut links)?;
    let summary = match body.find(MORE_MARKER) {
        Some(at) => Some(render_fragment(
            &body[..at],
            ctx,
            &mut Vec::new(),
            &mut 0,
            &mut Vec::new(),
        )?),
        None => None,
    };
    Ok(Rendered {
        html,
        summary,
        toc: nest(&headings, ctx.permalink),
        word_count: words,
        reading_time: words.div_ceil(200),
        links,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_with(body: &str, config: MarkdownConfig) -> Result<Rendered, BrokenLink> {
        let mut permalinks = HashMap::new();
        permalinks.insert(
            "blog/a.md".to_string(),
            "https://ex.com/blog/a/".to_string(),
        );
        let ctx = MarkdownContext {
            config: &config,
            base_url: "https://ex.com",
            permalink: "https://ex.com/p/",
            permalinks: &permalinks,
        };
        render(body, &ctx)
    }

    #[test]
    fn headings_get_unique_ids_and_a_toc() {
        let r = render_with(
            "# Intro\n## Part\n## Part\n# Custom {#mine}\n",
            MarkdownConfig::default(),
        )
        .unwrap();
        assert!(r.html.contains("<h1 id=\"intro\">Intro</h1>"), "{}", r.html);
        assert!(r.html.contains("id=\"part-1\""), "{}", r.html);
        assert!(r.html.contains("<h1 id=\"mine\">Custom</h1>"), "{}", r.html);
        assert_eq!(r.toc.len(), 2);
        assert_eq!(r.toc[0].children.len(), 2);
        assert_eq!(r.toc[0].children[1].permalink, "https://ex.com/p/#part-1");
    }

    #[test]
    fn code_is_highlighted_with_classes_only_when_asked() {
        let body = "```rust\nfn main() { let x = \"<s>\"; }\n```\n";
        let plain = render_with(body, MarkdownConfig::default()).unwrap();
        assert!(
            plain
                .html
                .contains("<code class=\"language-rust\">fn main()"),
            "{}",
            plain.html
        );
        let config = MarkdownConfig {
            highlight_code: true,
            ..MarkdownConfig::default()
        };
        let lit = render_with(body, config).unwrap();
        assert!(lit.html.contains("data-lang=\"rust\""), "{}", lit.html);
        assert!(
            lit.html
                .contains("class=\"z-storage z-type z-function z-rust\""),
            "{}",
            lit.html
        );
        assert!(!lit.html.contains("style="), "classes, not inline styles");
        assert!(lit.html.contains("&lt;s&gt;"), "code escaped: {}", lit.html);
    }

    #[test]
    fn memo_returns_the_same_rendering_and_forgets_unused_ones() {
        let mut permalinks = HashMap::new();
        permalinks.insert("a.md".to_string(), "https://ex.com/a/".to_string());
        let config = MarkdownConfig::default();
        let ctx = MarkdownContext {
            config: &config,
            base_url: "https://ex.com",
            permalink: "https://ex.com/p/",
            permalinks: &permalinks,
        };
        let memo = Memo::default();
        let hash = Memo::permalinks_hash(&permalinks);
        let first = memo.render("# T\n[a](@/a.md)", &ctx, hash).unwrap();
        assert_eq!(
            memo.render("# T\n[a](@/a.md)", &ctx, hash).unwrap().html,
            first.html
        );
        assert_eq!(render("# T\n[a](@/a.md)", &ctx).unwrap().html, first.html);
        // Another permalink map is another key: the link must not come from the memo.
        let mut moved_links = permalinks.clone();
        moved_links.insert("a.md".to_string(), "https://ex.com/moved/".to_string());
        let ctx = MarkdownContext {
            permalinks: &moved_links,
            ..ctx
        };
        let moved = memo
            .render(
                "# T\n[a](@/a.md)",
                &ctx,
                Memo::permalinks_hash(&moved_links),
            )
            .unwrap();
        assert!(moved.html.contains("/moved/"), "{}", moved.html);
        memo.prune();
        assert_eq!(memo.entries.lock().unwrap().len(), 2);
        memo.prune();
        assert_eq!(
            memo.entries.lock().unwrap().len(),
            0,
            "nothing used since the last prune"
        );
    }

    #[test]
    fn internal_links_resolve_or_fail() {
        let r = render_with("[a](@/blog/a.md#x)", MarkdownConfig::default()).unwrap();
        assert!(
            r.html.contains("href=\"https://ex.com/blog/a/#x\""),
            "{}",
            r.html
        );
        let e = render_with("[b](@/blog/missing.md)", MarkdownConfig::default()).unwrap_err();
        assert_eq!(e.target, "@/blog/missing.md");
    }

    #[test]
    fn summary_words_extensions_and_external_links() {
        let config = MarkdownConfig {
            smart_punctuation: true,
            highlight_code: false,
            external_links_target_blank: true,
        };
        let body = "Intro \"quoted\" text.\n\n<!-- more -->\n\n|a|b|\n|-|-|\n|1|2|\n\n~~gone~~ [x](https://other.org) [y](https://ex.com/z)\n\n- [x] done\n\nNote[^1]\n\n[^1]: foot\n";
        let r = render_with(body, config).unwrap();
        assert_eq!(
            r.summary.as_deref().map(str::trim),
            Some("<p>Intro “quoted” text.</p>")
        );
        assert!(
            r.html.contains("<table>") && r.html.contains("<del>gone</del>"),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<a href=\"https://other.org\" target=\"_blank\" rel=\"noopener\">x</a>"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("<a href=\"https://ex.com/z\">y</a>"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("checkbox") && r.html.contains("footnote"),
            "{}",
            r.html
        );
        assert!(r.word_count >= 10);
        assert_eq!(r.reading_time, 1);
    }
}
