//! Code block tests: fence annotations, giallo's markup, themes and languages.

use super::tests::{highlighting, html, render_with, with_highlighting};
use super::*;
use std::path::Path;

use crate::config::{HighlightStyle, HighlightingConfig};

#[test]
fn plain_code_blocks_as_zola_writes_them_without_highlighting() {
    let out = html(
        "```rust,linenos\nlet x = \"<s>\";\n```\n\n```\nplain\n```\n\n    indented\n",
        MarkdownConfig::default(),
    );
    assert!(
        out.contains("<pre><code data-lang=\"rust\">let x = &quot;&lt;s&gt;&quot;;\n</code></pre>"),
        "{out}"
    );
    assert!(out.contains("<pre><code>plain\n</code></pre>"), "{out}");
    assert!(out.contains("<pre><code>indented\n</code></pre>"), "{out}");
}

#[test]
fn fence_annotations_parse_like_zolas() {
    let f = parse_fence(
        "rust, linenos, linenostart=10, hl_lines=1-3 5 9-7, hide_lines=2, name=mod.rs, wrap",
    );
    assert_eq!(f.lang, "rust");
    assert!(f.line_numbers);
    assert_eq!(f.line_number_start, 10);
    assert_eq!(f.highlight_lines, vec![1..=3, 5..=5, 7..=9]);
    assert_eq!(f.hide_lines, vec![2..=2]);
    assert_eq!(f.metadata["name"], "mod.rs");
    // Malformed values are ignored, never a panic.
    let f = parse_fence(
        "py,linenostart=99999999999999999999999,hl_lines=a-b 4- -3 0-99999999999999999999999",
    );
    assert_eq!(f.line_number_start, 1);
    assert!(f.highlight_lines.is_empty(), "{:?}", f.highlight_lines);
    assert_eq!(parse_fence("").lang, "plain");
    assert_eq!(parse_fence("linenos").lang, "");
}

#[test]
fn highlighted_code_in_giallos_markup_with_inline_colours() {
    let body = "```rust,name=main.rs\nfn main() { let x = \"<s>\"; }\n```\n";
    let out = html(body, with_highlighting(highlighting("base16-ocean-dark")));
    assert!(
        out.starts_with("<pre class=\"giallo\" style=\"color: #C0C5CE; background-color: #2B303B;\" ><code data-lang=\"rust\" data-name=\"main.rs\"><span class=\"giallo-l\"><span style=\"color: #B48EAD;\">fn</span>"),
        "{out}"
    );
    assert!(
        out.contains("&quot;</span>") && out.contains("&lt;s&gt;"),
        "escaped: {out}"
    );
    // Whitespace joins the token after it, as giallo merges it.
    assert!(
        out.contains("<span style=\"color: #8FA1B3;\"> main</span>"),
        "{out}"
    );
    assert!(out.ends_with("</span></span></code></pre>"), "{out}");
    assert!(!out.contains("class=\"z-"), "{out}");
}

#[test]
fn class_style_tokens_carry_scope_classes() {
    let hl = HighlightingConfig {
        style: HighlightStyle::Class,
        ..highlighting("one-dark")
    };
    let out = html("```rust\nfn f() {}\n```\n", with_highlighting(hl.clone()));
    assert!(
        out.starts_with(
            "<pre class=\"giallo z-code\" ><code data-lang=\"rust\"><span class=\"giallo-l\">"
        ),
        "{out}"
    );
    assert!(
        out.contains("<span class=\"z-storage z-type z-function z-rust\">fn</span>"),
        "{out}"
    );
    assert!(!out.contains("style="), "{out}");
    let (h, _) = Highlighter::new(&hl, None, Path::new("config.toml"));
    let css = h.theme_css();
    assert_eq!(css.len(), 1);
    assert_eq!(css[0].0, "giallo.css");
    assert!(css[0].1.contains(".z-code {"), "{}", css[0].1);
}

#[test]
fn line_numbers_highlighted_and_hidden_lines() {
    let body = "```rust,linenos,linenostart=9,hl_lines=2,hide_lines=3\na\nb\nc\nd\n```\n";
    let out = html(body, with_highlighting(highlighting("base16-ocean-dark")));
    let lines: Vec<&str> = out.split('\n').collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].starts_with("<pre class=\"giallo\" style=\"color: #C0C5CE; background-color: #2B303B;\" ><code data-lang=\"rust\"><span class=\"giallo-l\"><span aria-hidden=\"true\" class=\"giallo-ln\">"),
        "{out}"
    );
    assert!(lines[0].contains("> 9</span>"), "width 2: {out}");
    assert!(
        lines[1].starts_with("<span class=\"giallo-l\" style=\"background-color: #"),
        "{out}"
    );
    assert!(lines[1].contains(">10</span>"), "{out}");
    assert!(lines[2].contains(">12</span>"), "line 3 hidden: {out}");
    let hl = HighlightingConfig {
        style: HighlightStyle::Class,
        ..highlighting("base16-ocean-dark")
    };
    let out = html(body, with_highlighting(hl));
    assert!(out.contains("<span class=\"giallo-l z-hl\">"), "{out}");
    // Numbers are as wide as the number after the last line (giallo counts the empty line
    // after the final newline).
    let nine = format!("```rust,linenos\n{}```\n", "x\n".repeat(9));
    let out = html(&nine, with_highlighting(highlighting("base16-ocean-dark")));
    assert!(out.contains("class=\"giallo-ln\"> 1</span>"), "{out}");
    // Huge starts do not overflow.
    let body = format!("```rust,linenos,linenostart={}\na\nb\n```\n", i64::MAX);
    let out = html(&body, with_highlighting(highlighting("base16-ocean-dark")));
    assert!(out.contains("9223372036854775808</span>"), "{out}");
}

#[test]
fn dual_themes_use_light_dark() {
    let hl = HighlightingConfig {
        light_theme: Some("inspired-github".into()),
        dark_theme: Some("base16-ocean-dark".into()),
        ..HighlightingConfig::default()
    };
    let out = html("```rust\nfn f() {}\n```\n", with_highlighting(hl));
    assert!(
        out.starts_with(
            "<pre class=\"giallo\" style=\"color-scheme: light dark; color: light-dark(#"
        ),
        "{out}"
    );
    assert!(out.contains("<span style=\"color: light-dark(#"), "{out}");
}

#[test]
fn unknown_themes_and_languages_fall_back() {
    let (_, warnings) = Highlighter::new(
        &highlighting("klingon-dawn"),
        None,
        Path::new("config.toml"),
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("`klingon-dawn`") && warnings[0].contains("InspiredGitHub"));
    let (h, warnings) = Highlighter::new(&highlighting("nord"), None, Path::new("config.toml"));
    assert!(warnings.is_empty(), "{warnings:?}");
    let fence = parse_fence("klingon");
    let out = h.code_block("qapla'\n", &fence).unwrap();
    assert!(out.contains("data-lang=\"plain\""), "{out}");
    assert!(
        out.contains("qapla&#39;") || out.contains("qapla'"),
        "{out}"
    );
    assert_eq!(h.take_missing_languages(), ["klingon"]);
    assert!(h.take_missing_languages().is_empty());
    let strict = HighlightingConfig {
        error_on_missing_language: true,
        ..highlighting("one-dark")
    };
    let e = render_with("```klingon\nx\n```\n", with_highlighting(strict.clone())).unwrap_err();
    assert!(e.to_string().contains("`klingon`"), "{e}");
    // Zola knows Wenyan (no grammar here does): plain text, not an error.
    let wenyan = render_with("```wenyan\na\n```\n", with_highlighting(strict.clone())).unwrap();
    assert!(
        wenyan.html.contains("data-lang=\"plain\""),
        "{}",
        wenyan.html
    );
    // two-face has the grammars syntect's own set lacks (TOML, TypeScript, Dockerfile).
    for lang in ["toml", "typescript", "dockerfile"] {
        let out = render_with(
            &format!("```{lang}\na = 1\n```\n"),
            with_highlighting(strict.clone()),
        );
        assert!(!out.unwrap().html.contains("data-lang=\"plain\""), "{lang}");
    }
    // giallo's names for languages syntect spells otherwise.
    let (h, _) = Highlighter::new(
        &highlighting("base16-ocean-dark"),
        None,
        Path::new("config.toml"),
    );
    for lang in ["shellscript", "csharp", "Rust", "rs", "py"] {
        let out = h.code_block("x\n", &parse_fence(lang)).unwrap();
        assert!(!out.contains("data-lang=\"plain\""), "{lang}: {out}");
    }
    assert!(h.take_missing_languages().is_empty());
}

#[test]
fn extra_themes_and_grammars_never_fail() {
    let dir = tempfile::tempdir().unwrap();
    crate::output::atomic_write(dir.path().join("mine.json"), "{}").unwrap();
    crate::output::atomic_write(dir.path().join("bad.tmTheme"), "not a plist").unwrap();
    let hl = HighlightingConfig {
        extra_themes: vec!["mine.json".into(), "bad.tmTheme".into()],
        extra_grammars: vec!["missing.sublime-syntax".into(), "g.json".into()],
        ..highlighting("mine")
    };
    let (h, warnings) = Highlighter::new(&hl, Some(dir.path()), Path::new("config.toml"));
    assert_eq!(warnings.len(), 5, "{warnings:?}");
    assert!(h.code_block("x\n", &parse_fence("rust")).is_ok());
}

#[test]
fn an_extra_tmtheme_is_used_by_its_file_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("themes")).unwrap();
    crate::output::atomic_write(
        dir.path().join("themes/Mine.tmTheme"),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>\
<key>name</key><string>Mine</string><key>settings</key><array><dict><key>settings</key><dict>\
<key>background</key><string>#101010</string><key>foreground</key><string>#EEEEEE</string>\
</dict></dict></array></dict></plist>\n",
    )
    .unwrap();
    for entry in ["themes/Mine.tmTheme", "themes"] {
        let hl = HighlightingConfig {
            extra_themes: vec![entry.into()],
            ..highlighting("mine")
        };
        let (h, warnings) = Highlighter::new(&hl, Some(dir.path()), Path::new("config.toml"));
        assert!(warnings.is_empty(), "{entry}: {warnings:?}");
        let out = h.code_block("x\n", &parse_fence("")).unwrap();
        assert!(
            out.starts_with("<pre class=\"giallo\" style=\"color: #EEEEEE; background-color: #101010;\" ><code data-lang=\"plain\">"),
            "{out}"
        );
    }
}

/// The background a theme's `<pre>` gets with inline colours, from the theme's definition.
fn inline_background(theme: &syntect::highlighting::Theme) -> String {
    let c = theme.settings.background.unwrap();
    format!("background-color: #{:02X}{:02X}{:02X};", c.r, c.g, c.b)
}

fn two_face_theme(name: two_face::theme::EmbeddedThemeName) -> syntect::highlighting::Theme {
    two_face::theme::extra().get(name).clone()
}

#[test]
fn theme_names_render_with_their_themes_colours() {
    use two_face::theme::EmbeddedThemeName as T;
    // Zola 0.22 (giallo) names, and Zola 0.21 names from a migrated config.
    let migrated = |theme: &str| HighlightingConfig {
        legacy_stylesheets: Some(Vec::new()),
        ..highlighting(theme)
    };
    for (hl, theme) in [
        (highlighting("catppuccin-mocha"), T::CatppuccinMocha),
        (highlighting("Nord"), T::Nord),
        (migrated("OneHalfLight"), T::OneHalfLight),
        (migrated("monokai"), T::MonokaiExtendedOrigin),
        (migrated("base16-ocean-dark"), T::Base16OceanDark),
    ] {
        let (h, warnings) = Highlighter::new(&hl, None, Path::new("config.toml"));
        assert!(warnings.is_empty(), "{theme:?}: {warnings:?}");
        let out = h.code_block("fn f() {}\n", &parse_fence("rust")).unwrap();
        let want = inline_background(&two_face_theme(theme));
        assert!(
            out.starts_with("<pre class=\"giallo\" style=\"color: #") && out.contains(&want),
            "{theme:?}: {out}"
        );
    }
}

#[test]
fn a_name_without_its_theme_warns_once_naming_the_file_and_the_theme_used() {
    let hl = HighlightingConfig {
        light_theme: Some("github-light".into()),
        dark_theme: Some("tokyo-night".into()),
        ..HighlightingConfig::default()
    };
    let (h, warnings) = Highlighter::new(&hl, None, Path::new("site/zola.toml"));
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[1].starts_with("site/zola.toml: `markdown.highlighting.dark_theme`: Zola 0.22's theme `tokyo-night` is not available; using `base16-ocean.dark`"),
        "{warnings:?}"
    );
    assert!(warnings[0].contains("`github-light`") && warnings[0].contains("`InspiredGitHub`"));
    let out = h.code_block("x\n", &parse_fence("")).unwrap();
    let dark = two_face_theme(two_face::theme::EmbeddedThemeName::Base16OceanDark);
    let c = dark.settings.background.unwrap();
    assert!(
        out.contains(&format!(", #{:02X}{:02X}{:02X});\" >", c.r, c.g, c.b)),
        "{out}"
    );
    // A near theme (another port of the same theme) warns too, with what was used.
    let (_, warnings) = Highlighter::new(&highlighting("dracula"), None, Path::new("config.toml"));
    assert!(
        warnings.len() == 1 && warnings[0].contains("using `Dracula`"),
        "{warnings:?}"
    );
}

#[test]
fn an_extra_vscode_json_theme_is_used_by_its_name() {
    let dir = tempfile::tempdir().unwrap();
    crate::output::atomic_write(
        dir.path().join("t.json"),
        r##"{"name": "My Json", "colors": {"editor.background": "#123456", "editor.foreground": "#ABCDEF"},
            "tokenColors": [{"scope": "storage.type", "settings": {"foreground": "#FF0000"}}]}"##,
    )
    .unwrap();
    let hl = HighlightingConfig {
        extra_themes: vec!["t.json".into()],
        ..highlighting("my json")
    };
    let (h, warnings) = Highlighter::new(&hl, Some(dir.path()), Path::new("config.toml"));
    assert!(warnings.is_empty(), "{warnings:?}");
    let out = h.code_block("fn f() {}\n", &parse_fence("rust")).unwrap();
    assert!(
        out.starts_with(
            "<pre class=\"giallo\" style=\"color: #ABCDEF; background-color: #123456;\" >"
        ),
        "{out}"
    );
    assert!(
        out.contains("<span style=\"color: #FF0000;\">fn</span>"),
        "{out}"
    );
}

#[test]
fn stylesheets_only_where_the_config_asks_under_its_names() {
    use crate::config::LegacyStylesheet;
    let class = |hl: HighlightingConfig| HighlightingConfig {
        style: HighlightStyle::Class,
        ..hl
    };
    let names = |hl: &HighlightingConfig, root: Option<&Path>| -> Vec<(String, String)> {
        Highlighter::new(hl, root, Path::new("config.toml"))
            .0
            .theme_css()
    };
    // Inline colours: none.
    assert!(names(&highlighting("nord"), None).is_empty());
    // Zola 0.22: giallo.css, or giallo-light.css and giallo-dark.css.
    let css = names(&class(highlighting("nord")), None);
    assert_eq!(css.len(), 1);
    assert_eq!(css[0].0, "giallo.css");
    let nord = two_face_theme(two_face::theme::EmbeddedThemeName::Nord);
    let bg = nord.settings.background.unwrap();
    assert!(
        css[0].1.contains(".z-code { color: #")
            && css[0].1.contains(&format!(
                "background-color: #{:02X}{:02X}{:02X}; }}",
                bg.r, bg.g, bg.b
            )),
        "{}",
        css[0].1
    );
    let dual = class(HighlightingConfig {
        light_theme: Some("catppuccin-latte".into()),
        dark_theme: Some("catppuccin-mocha".into()),
        ..HighlightingConfig::default()
    });
    let css = names(&dual, None);
    assert_eq!(
        css.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
        ["giallo-light.css", "giallo-dark.css"]
    );
    assert!(css[0].1.contains(".z-l-code {") && css[1].1.contains(".z-d-code {"));
    // Zola 0.21: `highlight_theme = "css"` alone wrote none; `highlight_themes_css` wrote
    // each entry's `filename`.
    let legacy = |sheets: &[(&str, &str)]| {
        class(HighlightingConfig {
            legacy_stylesheets: Some(
                sheets
                    .iter()
                    .map(|(theme, filename)| LegacyStylesheet {
                        theme: theme.to_string(),
                        filename: filename.to_string(),
                    })
                    .collect(),
            ),
            ..highlighting("base16-ocean-dark")
        })
    };
    assert!(names(&legacy(&[]), None).is_empty());
    let css = names(
        &legacy(&[
            ("nord", "syntax-dark.css"),
            ("OneHalfLight", "syntax-light.css"),
        ]),
        None,
    );
    assert_eq!(
        css.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
        ["syntax-dark.css", "syntax-light.css"]
    );
    assert!(css.iter().all(|c| c.1.contains(".z-code {")));
    // A stylesheet the site's `static/` has is the site's own (Zola does not overwrite it).
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("static")).unwrap();
    crate::output::atomic_write(dir.path().join("static/giallo-dark.css"), "/* mine */").unwrap();
    let css = names(&dual, Some(dir.path()));
    assert_eq!(
        css.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
        ["giallo-light.css"]
    );
}

#[test]
fn a_migrated_config_warns_once_per_theme_under_its_old_key() {
    use crate::config::LegacyStylesheet;
    let sheet = |theme: &str, filename: &str| LegacyStylesheet {
        theme: theme.into(),
        filename: filename.into(),
    };
    // As a migrated `highlight_theme = "css"` with two `highlight_themes_css` entries.
    let hl = HighlightingConfig {
        style: HighlightStyle::Class,
        legacy_stylesheets: Some(vec![sheet("axar", "d.css"), sheet("axar", "again.css")]),
        ..highlighting("axar")
    };
    let (h, warnings) = Highlighter::new(&hl, None, Path::new("config.toml"));
    assert_eq!(
        warnings,
        ["config.toml: `markdown.highlight_themes_css`: Zola 0.21's theme `axar` is not available; using `base16-ocean.dark`"]
    );
    assert_eq!(h.theme_css().len(), 2);
    // A file name outside the output directory is not written.
    let hl = HighlightingConfig {
        style: HighlightStyle::Class,
        legacy_stylesheets: Some(vec![
            sheet("nord", "../up.css"),
            sheet("nord", "css/ok.css"),
        ]),
        ..highlighting("nord")
    };
    let (h, warnings) = Highlighter::new(&hl, None, Path::new("config.toml"));
    assert!(
        warnings.len() == 1 && warnings[0].contains("`../up.css`"),
        "{warnings:?}"
    );
    assert_eq!(h.theme_css()[0].0, "css/ok.css");
    let hl = HighlightingConfig {
        legacy_stylesheets: Some(Vec::new()),
        ..highlighting("kronuz")
    };
    let (_, warnings) = Highlighter::new(&hl, None, Path::new("config.toml"));
    assert!(
        warnings.len() == 1
            && warnings[0].contains("`markdown.highlight_theme`: Zola 0.21's theme `kronuz`"),
        "{warnings:?}"
    );
}

/// `javascript`, `js`, `cjs` and `mjs` are one grammar, as in Zola, and that grammar finishes
/// a JScript/batch polyglot's first line (the older grammar `javascript` used to find loops
/// forever on it). Run on a thread, so that a loop fails the test instead of hanging it.
#[test]
fn javascript_is_one_grammar_that_finishes_the_polyglot_line() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (h, _) = Highlighter::new(
            &HighlightingConfig {
                theme: Some("base16-ocean-dark".into()),
                style: HighlightStyle::Class,
                ..HighlightingConfig::default()
            },
            None,
            Path::new("config.toml"),
        );
        let code = "@set @junk=1 /*\n@echo off\n*/\nvar x = 1; x /*\n";
        let outputs: Vec<String> = ["javascript", "js", "cjs", "mjs", "JavaScript"]
            .iter()
            .map(|lang| {
                let out = h.code_block(code, &parse_fence(lang)).unwrap();
                out.replace(&format!("data-lang=\"{}\"", lang.to_lowercase()), "")
            })
            .collect();
        let _ = tx.send(outputs);
    });
    let outputs = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("highlighting the polyglot line did not finish");
    assert!(
        outputs[0].contains("z-comment z-block z-js"),
        "{}",
        outputs[0]
    );
    for other in &outputs[1..] {
        assert_eq!(other, &outputs[0]);
    }
}

/// The code blocks of one page are highlighted in parallel: each comes out as it does alone,
/// in its place, and the error of a page with two bad blocks names the first, every time.
#[test]
fn a_pages_code_blocks_highlight_in_parallel_as_they_do_alone() {
    let blocks = [
        "```rust\nfn main() { let x = 1; }\n```\n",
        "```html\n<div class=\"a\"><script>let y = 2;</script></div>\n```\n",
        "```bash\necho \"$HOME\" | grep -v x\n```\n",
        "```toml\n[a]\nb = 2\n```\n",
        "```\nplain text\n```\n",
        "```js,linenos,hl_lines=2\nconst a = 1;\nconst b = 2;\n```\n",
    ];
    let alone: Vec<String> = blocks
        .iter()
        .map(|b| {
            render_with(b, with_highlighting(highlighting("one-dark")))
                .unwrap()
                .html
        })
        .collect();
    let page: String = blocks
        .iter()
        .map(|b| format!("{b}\nBetween.\n\n"))
        .collect();
    let together = render_with(&page, with_highlighting(highlighting("one-dark")))
        .unwrap()
        .html;
    // A block on its own ends its page; between paragraphs, pulldown-cmark adds a newline.
    let expected: String = alone
        .iter()
        .map(|a| format!("{}\n<p>Between.</p>\n", a.trim_end()))
        .collect();
    assert_eq!(together, expected);
    let strict = HighlightingConfig {
        error_on_missing_language: true,
        ..highlighting("one-dark")
    };
    let bad = "```rust\nfn a() {}\n```\n\n```klingon\nx\n```\n\n```vulcan\ny\n```\n";
    for _ in 0..20 {
        let e = render_with(bad, with_highlighting(strict.clone())).unwrap_err();
        assert!(e.to_string().contains("`klingon`"), "{e}");
    }
}
