//! Rendering tests: small inputs, asserting the markup Zola 0.22 writes.

use super::*;
use crate::config::HighlightingConfig;

pub(super) fn permalinks() -> HashMap<String, String> {
    let mut permalinks = HashMap::new();
    permalinks.insert(
        "blog/a.md".to_string(),
        "https://ex.com/blog/a/".to_string(),
    );
    permalinks
}

pub(super) fn context<'a>(
    config: &'a MarkdownConfig,
    permalinks: &'a HashMap<String, String>,
) -> MarkdownContext<'a> {
    MarkdownContext {
        config,
        base_url: "https://ex.com",
        permalink: "https://ex.com/p/",
        permalinks,
        insert_anchor_links: InsertAnchor::None,
        anchor_link: None,
        summary_cutoff: None,
        anchors: SlugStrategy::On,
        highlighter: None,
        extra_key: 0,
        broken_links: Default::default(),
        source: None,
    }
}

pub(super) fn render_with(body: &str, config: MarkdownConfig) -> Result<Rendered, MarkdownError> {
    let permalinks = permalinks();
    render(body, &context(&config, &permalinks))
}

pub(super) fn html(body: &str, config: MarkdownConfig) -> String {
    render_with(body, config).unwrap().html
}

pub(super) fn highlighting(theme: &str) -> HighlightingConfig {
    HighlightingConfig {
        theme: Some(theme.into()),
        ..HighlightingConfig::default()
    }
}

pub(super) fn with_highlighting(hl: HighlightingConfig) -> MarkdownConfig {
    MarkdownConfig {
        highlighting: Some(hl),
        ..MarkdownConfig::default()
    }
}

#[test]
fn headings_get_unique_ids_and_a_toc() {
    let r = render_with(
        "# Intro\n## Part\n## Part\n# Custom {#mine .big}\n## Mine\n",
        MarkdownConfig::default(),
    )
    .unwrap();
    assert!(r.html.contains("<h1 id=\"intro\">Intro</h1>"), "{}", r.html);
    assert!(r.html.contains("<h2 id=\"part-1\">Part</h2>"), "{}", r.html);
    assert!(
        r.html.contains("<h1 id=\"mine\" class=\"big\">Custom</h1>"),
        "{}",
        r.html
    );
    // An id written in the text is reserved before generated ones.
    assert!(r.html.contains("<h2 id=\"mine-1\">Mine</h2>"), "{}", r.html);
    assert_eq!(r.toc.len(), 2);
    assert_eq!(r.toc[0].children.len(), 2);
    assert_eq!(r.toc[0].children[1].permalink, "https://ex.com/p/#part-1");
}

#[test]
fn heading_ids_follow_the_anchor_slug_strategy() {
    let config = MarkdownConfig::default();
    let permalinks = permalinks();
    let mut ctx = context(&config, &permalinks);
    ctx.anchors = SlugStrategy::Safe;
    let r = render("# Größe und Maß\n", &ctx).unwrap();
    assert!(r.html.contains("id=\"Größe_und_Maß\""), "{}", r.html);
    ctx.anchors = SlugStrategy::On;
    let r = render("# Größe und Maß\n", &ctx).unwrap();
    assert!(r.html.contains("id=\"grosse-und-mass\""), "{}", r.html);
}

#[test]
fn anchor_links_left_right_and_heading() {
    let config = MarkdownConfig::default();
    let permalinks = permalinks();
    let mut ctx = context(&config, &permalinks);
    let body = "# Hello\n## [Rust](https://rust-lang.org)\n";
    ctx.insert_anchor_links = InsertAnchor::Left;
    let left = render(body, &ctx).unwrap().html;
    assert!(
        left.contains("<h1 id=\"hello\"><a class=\"zola-anchor\" href=\"#hello\" aria-label=\"Anchor link for: hello\">🔗</a>Hello</h1>"),
        "{left}"
    );
    ctx.insert_anchor_links = InsertAnchor::Right;
    let right = render(body, &ctx).unwrap().html;
    assert!(
        right.contains("<h2 id=\"rust\"><a rel=\"external\" href=\"https://rust-lang.org\">Rust</a><a class=\"zola-anchor\" href=\"#rust\" aria-label=\"Anchor link for: rust\">🔗</a></h2>"),
        "{right}"
    );
    ctx.insert_anchor_links = InsertAnchor::Heading;
    let whole = render(body, &ctx).unwrap().html;
    assert!(
        whole.contains("<h1 id=\"hello\"><a class=\"zola-anchor\" href=\"#hello\" aria-label=\"Anchor link for: hello\">Hello</a></h1>"),
        "{whole}"
    );
}

#[test]
fn anchor_link_template_callback_and_its_errors() {
    let config = MarkdownConfig::default();
    let permalinks = permalinks();
    let template = |id: &str, level: u32| Ok(format!("<a href=\"#{id}\">h{level}</a>"));
    let mut ctx = context(&config, &permalinks);
    ctx.insert_anchor_links = InsertAnchor::Right;
    ctx.anchor_link = Some(&template);
    let r = render("### Deep\n", &ctx).unwrap();
    assert_eq!(
        r.html,
        "<h3 id=\"deep\">Deep<a href=\"#deep\">h3</a></h3>\n"
    );
    let failing = |_: &str, _: u32| Err("no such variable `x`".to_string());
    ctx.anchor_link = Some(&failing);
    let e = render("## Broken one\n", &ctx).unwrap_err();
    let MarkdownError::Other(message) = e else {
        panic!("{e:?}")
    };
    assert!(
        message.contains("`Broken one`") && message.contains("no such variable"),
        "{message}"
    );
    // No anchors asked for: the template is not rendered at all.
    ctx.insert_anchor_links = InsertAnchor::None;
    assert!(render("## Broken one\n", &ctx).is_ok());
}

#[test]
fn memo_returns_the_same_rendering_and_forgets_unused_ones() {
    let mut permalinks = HashMap::new();
    permalinks.insert("a.md".to_string(), "https://ex.com/a/".to_string());
    let config = MarkdownConfig::default();
    let ctx = context(&config, &permalinks);
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
fn keys_change_with_every_option_and_the_extra_key() {
    let permalinks = permalinks();
    let base = MarkdownConfig::default();
    let key = |ctx: &MarkdownContext| render_key(1, ctx, 2);
    let k0 = key(&context(&base, &permalinks));
    let variants = [
        MarkdownConfig {
            render_emoji: true,
            ..base.clone()
        },
        MarkdownConfig {
            external_links_no_follow: true,
            ..base.clone()
        },
        MarkdownConfig {
            lazy_async_image: true,
            ..base.clone()
        },
        with_highlighting(highlighting("x")),
    ];
    for config in &variants {
        assert_ne!(key(&context(config, &permalinks)), k0);
    }
    let mut ctx = context(&base, &permalinks);
    ctx.extra_key = 7;
    assert_ne!(key(&ctx), k0);
    let mut ctx = context(&base, &permalinks);
    ctx.insert_anchor_links = InsertAnchor::Left;
    assert_ne!(key(&ctx), k0);
    let mut ctx = context(&base, &permalinks);
    ctx.anchors = SlugStrategy::Off;
    assert_ne!(key(&ctx), k0);
    // The memo keys on the same things.
    let memo = Memo::default();
    let mut ctx = context(&base, &permalinks);
    let plain = memo.render("# A\n", &ctx, 0).unwrap();
    ctx.insert_anchor_links = InsertAnchor::Left;
    let anchored = memo.render("# A\n", &ctx, 0).unwrap();
    assert_ne!(plain.html, anchored.html);
}

#[test]
fn internal_links_resolve_or_fail() {
    let out = html("[a](@/blog/a.md#x)", MarkdownConfig::default());
    assert!(out.contains("href=\"https://ex.com/blog/a/#x\""), "{out}");
    let e = render_with("[b](@/blog/missing.md)", MarkdownConfig::default()).unwrap_err();
    assert_eq!(
        e,
        MarkdownError::BrokenLink(BrokenLink {
            target: "@/blog/missing.md".into()
        })
    );
    assert!(render_with("[empty]()", MarkdownConfig::default()).is_err());
}

#[test]
fn colocated_and_anchor_links_become_absolute() {
    let out = html(
        "[f](data.csv) [s](#part) [r](/root) [m](mailto:a@b.c) ![i](pic.png)",
        MarkdownConfig::default(),
    );
    assert!(out.contains("href=\"https://ex.com/p/data.csv\""), "{out}");
    assert!(out.contains("href=\"https://ex.com/p/#part\""), "{out}");
    assert!(out.contains("href=\"/root\""), "{out}");
    assert!(out.contains("href=\"mailto:a@b.c\""), "{out}");
    assert!(out.contains("src=\"https://ex.com/p/pic.png\""), "{out}");
}

#[test]
fn external_links_get_zolas_attributes() {
    let out = html("[g](https://google.com)", MarkdownConfig::default());
    assert_eq!(
        out,
        "<p><a rel=\"external\" href=\"https://google.com\">g</a></p>\n"
    );
    let config = MarkdownConfig {
        external_links_class: Some("ext".into()),
        external_links_target_blank: true,
        external_links_no_follow: true,
        external_links_no_referrer: true,
        ..MarkdownConfig::default()
    };
    let out = html("[g](https://google.com \"T\") [h](/here)", config);
    assert!(
        out.contains("<a class=\"ext\" rel=\"noopener nofollow noreferrer external\" target=\"_blank\" title=\"T\" href=\"https://google.com\">g</a>"),
        "{out}"
    );
    assert!(out.contains("<a href=\"/here\">h</a>"), "{out}");
    let config = MarkdownConfig {
        external_links_external: false,
        ..MarkdownConfig::default()
    };
    let out = html("[g](https://google.com)", config);
    assert!(
        out.contains("<a href=\"https://google.com\">g</a>"),
        "{out}"
    );
}

#[test]
fn emoji_shortcodes() {
    let config = MarkdownConfig {
        render_emoji: true,
        ..MarkdownConfig::default()
    };
    let out = html("Hi :smile: :not_an_emoji: 10:30 `:smile:` :+1:", config);
    assert_eq!(
        out,
        "<p>Hi 😄 :not_an_emoji: 10:30 <code>:smile:</code> 👍</p>\n"
    );
    let out = html("Hi :smile:", MarkdownConfig::default());
    assert!(out.contains(":smile:"), "{out}");
}

#[test]
fn definition_lists_and_alerts_only_when_asked() {
    let body = "term\n: definition\n";
    let config = MarkdownConfig {
        definition_list: true,
        ..MarkdownConfig::default()
    };
    assert_eq!(
        html(body, config),
        "<dl>\n<dt>term</dt>\n<dd>definition</dd>\n</dl>\n"
    );
    assert!(!html(body, MarkdownConfig::default()).contains("<dl>"));
    let body = "> [!WARNING]\n> careful\n";
    let config = MarkdownConfig {
        github_alerts: true,
        ..MarkdownConfig::default()
    };
    assert_eq!(
        html(body, config),
        "<blockquote class=\"markdown-alert-warning\">\n<p>careful</p>\n</blockquote>\n"
    );
    assert!(html(body, MarkdownConfig::default()).contains("[!WARNING]"));
}

#[test]
fn lazy_async_images() {
    let config = MarkdownConfig {
        lazy_async_image: true,
        ..MarkdownConfig::default()
    };
    let out = html(
        "![ha\"h>a](https://example.com/abc.jpg) ![](https://example.com/abc.jpg \"T\")",
        config,
    );
    assert_eq!(
        out,
        "<p><img src=\"https://example.com/abc.jpg\" alt=\"ha&quot;h&gt;a\" loading=\"lazy\" decoding=\"async\" /> <img src=\"https://example.com/abc.jpg\" title=\"T\" alt=\"\" loading=\"lazy\" decoding=\"async\" /></p>\n"
    );
}

#[test]
fn bottom_footnotes_with_back_references() {
    let config = MarkdownConfig {
        bottom_footnotes: true,
        ..MarkdownConfig::default()
    };
    let body = "One[^b] two[^a] again[^b].\n\n[^a]: Alpha.\n\n[^b]: Beta.\n\n[^unused]: Never.\n";
    assert_eq!(
        html(body, config),
        "<p>One<sup class=\"footnote-reference\" id=\"fr-b-1\"><a href=\"#fn-b\">1</a></sup> two<sup class=\"footnote-reference\" id=\"fr-a-1\"><a href=\"#fn-a\">2</a></sup> again<sup class=\"footnote-reference\" id=\"fr-b-2\"><a href=\"#fn-b\">1</a></sup>.</p>\n\
<section class=\"footnotes\">\n<ol class=\"footnotes-list\">\n\
<li id=\"fn-b\">\n<p>Beta. <a href=\"#fr-b-1\">↩</a> <a href=\"#fr-b-2\">↩2</a></p>\n</li>\n\
<li id=\"fn-a\">\n<p>Alpha. <a href=\"#fr-a-1\">↩</a></p>\n</li>\n\
</ol>\n</section>\n"
    );
}

#[test]
fn summary_is_cut_at_the_marker_as_zola_does() {
    let body = "Intro \"quoted\"[^1] text.\n\n<!-- more -->\n\nRest.\n\n[^1]: foot\n";
    let config = MarkdownConfig {
        smart_punctuation: true,
        ..MarkdownConfig::default()
    };
    let r = render_with(body, config).unwrap();
    assert_eq!(r.summary.as_deref(), Some("<p>Intro “quoted” text.</p>"));
    assert!(r.html.contains(CONTINUE_READING), "{}", r.html);
    // A marker inside a list cuts it short: the cutoff template, then closing tags.
    let config = MarkdownConfig::default();
    let permalinks = permalinks();
    let mut ctx = context(&config, &permalinks);
    let r = render("- one <!--MORE--> two\n- three\n", &ctx).unwrap();
    assert_eq!(
        r.summary.as_deref(),
        Some("<ul>\n<li>one&hellip;\n</li>\n</ul>\n")
    );
    let cutoff = |summary: &str| Ok(format!(" [{} chars]", summary.len()));
    ctx.summary_cutoff = Some(&cutoff);
    let r = render("- one <!--MORE--> two\n", &ctx).unwrap();
    assert_eq!(
        r.summary.as_deref(),
        Some("<ul>\n<li>one [12 chars]</li>\n</ul>\n")
    );
    let failing = |_: &str| Err("boom".to_string());
    ctx.summary_cutoff = Some(&failing);
    assert!(render("- one <!--MORE--> two\n", &ctx).is_err());
    assert!(render("No marker.\n", &ctx).unwrap().summary.is_none());
}

#[test]
fn words_tables_tasks_and_strikethrough() {
    let body = "|a|b|\n|-|-|\n|1|2|\n\n~~gone~~\n\n- [x] done\n\nNote[^1]\n\n[^1]: foot\n";
    let r = render_with(body, MarkdownConfig::default()).unwrap();
    assert!(
        r.html.contains("<table>") && r.html.contains("<del>gone</del>"),
        "{}",
        r.html
    );
    assert!(
        r.html.contains("checkbox") && r.html.contains("footnote-definition"),
        "{}",
        r.html
    );
    assert!(r.word_count >= 6);
    assert_eq!(r.reading_time, 1);
}

#[test]
fn odd_inputs_never_panic_with_every_option_on() {
    let config = MarkdownConfig {
        highlighting: Some(HighlightingConfig {
            error_on_missing_language: false,
            ..highlighting("no-such-theme")
        }),
        smart_punctuation: true,
        render_emoji: true,
        external_links_class: Some("x".into()),
        external_links_target_blank: true,
        definition_list: true,
        lazy_async_image: true,
        bottom_footnotes: true,
        github_alerts: true,
        ..MarkdownConfig::default()
    };
    let permalinks = permalinks();
    let mut ctx = context(&config, &permalinks);
    ctx.insert_anchor_links = InsertAnchor::Heading;
    let inputs = [
        "",
        "#\n",
        "# \n## :\n",
        "```\n",
        "```rust,hl_lines=0-0 18446744073709551615,hide_lines=1-1,linenostart=-5,linenos\n\n```\n",
        "[^a]\n\n[^a]: x[^b]\n\n[^b]: y[^a]\n",
        "![alt *x* `c`](a.png \"t\") ![",
        "<!-- more\n",
        "> [!NOTE]\n",
        ": lone\n",
        ":::smile:::: :😄: :a\n",
        "- a <!-- more --> b\n  - c\n\n[x](#)",
        "# é {#é}\n# é\n",
    ];
    for input in inputs {
        let r = render(input, &ctx);
        assert!(r.is_ok(), "{input:?}: {r:?}");
    }
}

#[test]
fn explicit_ids_are_reserved_and_empty_headings_follow_zola() {
    let out = html(
        "# Intro\n# Intro {#intro}\n# \n# \n# `code` *em*\n",
        MarkdownConfig::default(),
    );
    assert_eq!(
        out,
        "<h1 id=\"intro-1\">Intro</h1>\n<h1 id=\"intro\">Intro</h1>\n<h1 id=\"\"></h1>\n<h1 id=\"-1\"></h1>\n<h1 id=\"code-em\"><code>code</code> <em>em</em></h1>\n"
    );
}

#[test]
fn summary_after_a_heading_and_a_list() {
    let r = render_with(
        "Hi there!\n# Start\n- one\n- two\n<!-- more -->\nAfter.\n",
        MarkdownConfig::default(),
    )
    .unwrap();
    assert_eq!(
        r.summary.as_deref(),
        Some("<p>Hi there!</p>\n<h1 id=\"start\">Start</h1>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>")
    );
}
