//! Fenced code blocks: Zola 0.22's fence annotations and its highlighted markup, produced
//! with syntect.
//!
//! Zola 0.22 highlights with giallo (VS Code grammars and themes); sitegen has syntect with
//! two-face's (bat's) Sublime grammars and themes, and reads VS Code JSON themes from
//! `extra_themes` (see [`super::theme_names`] for why and how close that comes). The
//! markup is giallo's shape (`<pre class="giallo">`, one `<span class="giallo-l">` per
//! line, `giallo-ln` line numbers, the theme's line-highlight colour on `hl_lines`), so a
//! site's CSS for Zola applies. A theme name with no theme of its own never fails a build:
//! it is a warning naming the config file, the theme and the theme used instead.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;

use syntect::highlighting::{Color, FontStyle, Style, Theme};
use syntect::parsing::{ParseState, ScopeStack, SyntaxReference, SyntaxSet, SyntaxSetBuilder};

use crate::config::{HighlightStyle, HighlightingConfig, LEGACY_DEFAULT_THEME};

use super::budget;
use super::escape_html;
use super::fence::{data_attributes, Fence, PLAIN};
use super::grammars::Grammars;
use super::languages::{syntect_token, zola_knows};
use super::themes::{load_grammars, load_themes, ThemeResolver};

/// Class prefix of highlighted markup, as Zola's.
const PREFIX: &str = "z-";

/// One theme or a light and a dark one.
#[derive(Debug)]
enum Themes {
    Single(Box<Cow<'static, Theme>>),
    Dual {
        light: Box<Cow<'static, Theme>>,
        dark: Box<Cow<'static, Theme>>,
    },
}

/// The grammars, themes and options of `[markdown.highlighting]`, loaded once per build.
#[derive(Debug)]
pub struct Highlighter {
    grammars: Grammars,
    themes: Themes,
    style: HighlightStyle,
    error_on_missing_language: bool,
    /// Languages asked for that no grammar knows, for the caller to warn about.
    missing: Mutex<BTreeSet<String>>,
    /// Blocks rendered plain for going over the highlighting budget, as warnings.
    over_budget: Mutex<BTreeSet<String>>,
    /// The stylesheets to write: file name, theme, class prefix of the `<pre>` colours.
    stylesheets: Vec<(String, Box<Cow<'static, Theme>>, &'static str)>,
}

impl Highlighter {
    /// Loads `config`'s themes and extra grammars and themes (paths relative to `site_root`;
    /// none are loaded without one). Never fails: what cannot be used is a warning, naming
    /// `config_file`, and a documented fallback (a built-in theme, the built-in grammars).
    pub fn new(
        config: &HighlightingConfig,
        site_root: Option<&Path>,
        config_file: &Path,
    ) -> (Highlighter, Vec<String>) {
        let mut warnings = Vec::new();
        let mut extra_themes: Vec<(String, Theme)> = Vec::new();
        let mut grammars: Option<SyntaxSetBuilder> = None;
        if let Some(root) = site_root {
            for entry in &config.extra_themes {
                load_themes(&root.join(entry), entry, &mut extra_themes, &mut warnings);
            }
            for entry in &config.extra_grammars {
                let builder = grammars.get_or_insert_with(SyntaxSetBuilder::new);
                load_grammars(&root.join(entry), entry, builder, &mut warnings);
            }
        }
        let grammars = match grammars {
            Some(builder) => Grammars::with_site(builder),
            None => Grammars::builtin(),
        };
        for w in &mut warnings {
            *w = format!("{}: {w}", config_file.display());
        }
        let mut resolver = ThemeResolver {
            extra: extra_themes,
            legacy: config.legacy_stylesheets.is_some(),
            config_file,
            warnings: &mut warnings,
            warned: BTreeSet::new(),
        };
        let themes = themes(config, &mut resolver);
        let mut stylesheets = Vec::new();
        if config.style == HighlightStyle::Class {
            match &config.legacy_stylesheets {
                Some(list) => {
                    for sheet in list {
                        let theme = resolver.get("markdown.highlight_themes_css", &sheet.theme);
                        let plain = Path::new(&sheet.filename)
                            .components()
                            .all(|c| matches!(c, std::path::Component::Normal(_)));
                        if plain && !sheet.filename.is_empty() {
                            stylesheets.push((sheet.filename.clone(), theme, ""));
                        } else {
                            resolver.warnings.push(format!(
                                "{}: `markdown.highlight_themes_css`: `{}` is not a path inside the output directory; not written",
                                config_file.display(),
                                sheet.filename
                            ));
                        }
                    }
                }
                None => match &themes {
                    Themes::Single(t) => stylesheets.push(("giallo.css".into(), t.clone(), "")),
                    Themes::Dual { light, dark } => {
                        stylesheets.push(("giallo-light.css".into(), light.clone(), "l-"));
                        stylesheets.push(("giallo-dark.css".into(), dark.clone(), "d-"));
                    }
                },
            }
        }
        // As Zola: a stylesheet the site's `static/` already has is the site's own.
        if let Some(root) = site_root {
            stylesheets.retain(|(name, _, _)| !root.join("static").join(name).exists());
        }
        if config.theme.is_none() && (config.light_theme.is_none() || config.dark_theme.is_none()) {
            warnings.push(format!(
                "{}: `[markdown.highlighting]` needs `theme`, or `light_theme` and `dark_theme`; using one theme",
                config_file.display()
            ));
        }
        let highlighter = Highlighter {
            grammars,
            themes,
            style: config.style,
            error_on_missing_language: config.error_on_missing_language,
            missing: Mutex::new(BTreeSet::new()),
            over_budget: Mutex::new(BTreeSet::new()),
            stylesheets,
        };
        (highlighter, warnings)
    }

    /// Whether this block went over the highlighting budget in an earlier run of this command:
    /// it is rendered plain (see [`super::budget`]).
    pub fn over_budget(&self, code: &str, fence: &Fence) -> bool {
        budget::over_budget(&fence.lang, code)
    }

    /// Notes a block rendered plain for [`Highlighter::over_budget`], for the caller to warn.
    pub fn note_over_budget(&self, warning: String) {
        let mut over = self.over_budget.lock().unwrap_or_else(|p| p.into_inner());
        over.insert(warning);
    }

    /// The warnings of [`Highlighter::note_over_budget`] since the last call.
    pub fn take_over_budget(&self) -> Vec<String> {
        let mut over = self.over_budget.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *over).into_iter().collect()
    }

    /// The languages code blocks asked for that no grammar knows, since the last call.
    pub fn take_missing_languages(&self) -> Vec<String> {
        let mut missing = self.missing.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *missing).into_iter().collect()
    }

    /// The stylesheets `style = "class"` asks for, as Zola names them: `giallo.css`, or
    /// `giallo-light.css` and `giallo-dark.css` (Zola 0.22); the `filename`s of a migrated
    /// `highlight_themes_css`, and none without one (Zola 0.21); never one the site's
    /// `static/` has. None for inline colours.
    pub fn theme_css(&self) -> Vec<(String, String)> {
        self.stylesheets
            .iter()
            .map(|(name, theme, structural)| (name.clone(), stylesheet(theme, structural)))
            .collect()
    }

    fn find_syntax(&self, lang: &str) -> Option<(&SyntaxReference, &SyntaxSet)> {
        match lang.to_ascii_lowercase().as_str() {
            "" | PLAIN | "text" | "txt" => Some(self.grammars.plain_text()),
            lower => {
                let token = syntect_token(lang);
                self.grammars
                    .by_token(token)
                    .or_else(|| self.grammars.by_token(&token.to_lowercase()))
                    .or_else(|| self.grammars.by_token(lower))
            }
        }
    }

    /// A highlighted code block; an error only for a language neither syntect nor Zola
    /// knows, when `error_on_missing_language` is set.
    pub fn code_block(&self, code: &str, fence: &Fence) -> Result<String, String> {
        let ((syntax, set), lang) = match self.find_syntax(&fence.lang) {
            Some(s) if s.0.name == "Plain Text" => (s, PLAIN.to_string()),
            Some(s) => (s, fence.lang.to_ascii_lowercase()),
            None => {
                // Only a language Zola would reject too is an error: one that giallo
                // knows and syntect does not is plain text, reported as missing.
                if self.error_on_missing_language && !zola_knows(&fence.lang) {
                    return Err(format!(
                        "language `{}` not found for syntax highlighting",
                        fence.lang
                    ));
                }
                self.missing
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(fence.lang.clone());
                (self.grammars.plain_text(), PLAIN.to_string())
            }
        };
        let lines = budget::watched(&fence.lang, code, || self.tokens(code, syntax, set));
        Ok(self.render(&lines, &lang, fence))
    }

    /// Each line's tokens: text (without its line ending) and its innermost scope stack.
    fn tokens(
        &self,
        code: &str,
        syntax: &SyntaxReference,
        set: &SyntaxSet,
    ) -> Vec<Vec<(String, ScopeStack)>> {
        let mut state = ParseState::new(syntax);
        let mut stack = ScopeStack::new();
        let mut lines = Vec::new();
        for line in code.split_inclusive('\n') {
            let ops = state.parse_line(line, set).unwrap_or_default();
            let mut tokens: Vec<(String, ScopeStack)> = Vec::new();
            for (range, op) in syntect::easy::ScopeRangeIterator::new(&ops, line) {
                // An operation the stack rejects leaves it as it was: the text stays plain
                // rather than failing the build.
                let _ = stack.apply(op);
                let text = line[range].trim_end_matches(['\n', '\r']);
                if !text.is_empty() {
                    tokens.push((text.to_string(), stack.clone()));
                }
            }
            lines.push(merge_whitespace(tokens));
        }
        lines
    }

    fn render(&self, lines: &[Vec<(String, ScopeStack)>], lang: &str, fence: &Fence) -> String {
        let class = self.style == HighlightStyle::Class;
        let (pre, hl_attr, ln_attr) = self.structure(fence);
        // giallo counts the empty line after the final newline when sizing the numbers.
        let count = lines.len() as i128 + 1;
        let start = fence.line_number_start as i128;
        let width = digits(start).max(digits(start + count));
        let mut out = String::with_capacity(64 * lines.len() + 128);
        out.push_str(&pre);
        out.push_str(&format!("<code{}>", data_attributes(lang, fence)));
        let mut first = true;
        for (idx, tokens) in lines.iter().enumerate() {
            let number = idx + 1;
            if fence.hide_lines.iter().any(|r| r.contains(&number)) {
                continue;
            }
            if !first {
                out.push('\n');
            }
            first = false;
            let highlighted = fence.highlight_lines.iter().any(|r| r.contains(&number));
            match (highlighted, &hl_attr) {
                (true, Some(attr)) => out.push_str(&format!("<span class=\"giallo-l{attr}>")),
                _ => out.push_str("<span class=\"giallo-l\">"),
            }
            if fence.line_numbers {
                let shown = (start + idx as i128).to_string();
                out.push_str(&format!(
                    "<span aria-hidden=\"true\" class=\"giallo-ln\"{}>{shown:>width$}</span>",
                    ln_attr.as_deref().unwrap_or("")
                ));
            }
            if class {
                self.push_class_tokens(&mut out, tokens);
            } else {
                self.push_inline_tokens(&mut out, tokens);
            }
            out.push_str("</span>");
        }
        out.push_str("</code></pre>");
        out
    }

    /// The `<pre>` tag, the highlighted-line attributes (after `class="giallo-l`) and the
    /// line-number attribute, for the configured themes and style.
    fn structure(&self, fence: &Fence) -> (String, Option<String>, Option<String>) {
        let class = self.style == HighlightStyle::Class;
        let wants_hl = !fence.highlight_lines.is_empty();
        match (&self.themes, class) {
            (Themes::Single(_), true) => (
                format!("<pre class=\"giallo {PREFIX}code\" >"),
                wants_hl.then(|| format!(" {PREFIX}hl\"")),
                None,
            ),
            (Themes::Dual { .. }, true) => (
                format!("<pre class=\"giallo {PREFIX}l-code {PREFIX}d-code\" >"),
                wants_hl.then(|| format!(" {PREFIX}l-hl {PREFIX}d-hl\"")),
                None,
            ),
            (Themes::Single(theme), false) => {
                let (fg, bg) = default_colors(theme);
                let hl = theme
                    .settings
                    .line_highlight
                    .filter(|_| wants_hl)
                    .map(|c| format!("\" style=\"background-color: {};\"", hex(c)));
                let ln = theme
                    .settings
                    .gutter_foreground
                    .map(|c| format!(" style=\"color: {};\"", hex(c)));
                (
                    format!(
                        "<pre class=\"giallo\" style=\"color: {}; background-color: {};\" >",
                        hex(fg),
                        hex(bg)
                    ),
                    hl,
                    ln,
                )
            }
            (Themes::Dual { light, dark }, false) => {
                let (lfg, lbg) = default_colors(light);
                let (dfg, dbg) = default_colors(dark);
                let hl = match (light.settings.line_highlight, dark.settings.line_highlight) {
                    (Some(l), Some(d)) if wants_hl => Some(format!(
                        "\" style=\"background-color: light-dark({}, {});\"",
                        hex(l),
                        hex(d)
                    )),
                    _ => None,
                };
                let ln = match (
                    light.settings.gutter_foreground,
                    dark.settings.gutter_foreground,
                ) {
                    (Some(l), Some(d)) => Some(format!(
                        " style=\"color: light-dark({}, {});\"",
                        hex(l),
                        hex(d)
                    )),
                    _ => None,
                };
                (
                    format!(
                        "<pre class=\"giallo\" style=\"color-scheme: light dark; color: light-dark({}, {}); background-color: light-dark({}, {});\" >",
                        hex(lfg), hex(dfg), hex(lbg), hex(dbg)
                    ),
                    hl,
                    ln,
                )
            }
        }
    }

    /// Tokens as `<span class="z-…">`: the innermost scope's parts, which the stylesheets of
    /// [`Highlighter::theme_css`] select. Neighbours with the same scope are one span.
    fn push_class_tokens(&self, out: &mut String, tokens: &[(String, ScopeStack)]) {
        let mut merged: Vec<(String, String)> = Vec::new();
        for (text, stack) in tokens {
            let classes = stack
                .as_slice()
                .last()
                .map(|scope| {
                    scope
                        .build_string()
                        .split('.')
                        .map(|part| format!("{PREFIX}{part}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            match merged.last_mut() {
                Some((c, t)) if *c == classes => t.push_str(text),
                _ => merged.push((classes, text.clone())),
            }
        }
        for (classes, text) in merged {
            if classes.is_empty() {
                out.push_str(&format!("<span>{}</span>", escape_html(&text)));
            } else {
                out.push_str(&format!(
                    "<span class=\"{classes}\">{}</span>",
                    escape_html(&text)
                ));
            }
        }
    }

    /// Tokens as `<span style="…">` with what differs from the theme's default colours
    /// (`light-dark()` pairs for two themes). Neighbours with the same style are one span.
    fn push_inline_tokens(&self, out: &mut String, tokens: &[(String, ScopeStack)]) {
        let styled: Vec<(String, &str)> = match &self.themes {
            Themes::Single(theme) => {
                let h = syntect::highlighting::Highlighter::new(theme);
                let default = h.get_default();
                tokens
                    .iter()
                    .map(|(text, stack)| {
                        let s = h.style_for_stack(stack.as_slice());
                        let mut css = String::new();
                        if s.foreground != default.foreground {
                            css.push_str(&format!("color: {};", hex(s.foreground)));
                        }
                        if s.background != default.background {
                            css.push_str(&format!("background-color: {};", hex(s.background)));
                        }
                        css.push_str(&font_css(s, default));
                        (css, text.as_str())
                    })
                    .collect()
            }
            Themes::Dual { light, dark } => {
                let (hl, hd) = (
                    syntect::highlighting::Highlighter::new(light),
                    syntect::highlighting::Highlighter::new(dark),
                );
                let (dl, dd) = (hl.get_default(), hd.get_default());
                tokens
                    .iter()
                    .map(|(text, stack)| {
                        let (l, d) = (
                            hl.style_for_stack(stack.as_slice()),
                            hd.style_for_stack(stack.as_slice()),
                        );
                        let mut css = String::new();
                        if l.foreground != dl.foreground || d.foreground != dd.foreground {
                            css.push_str(&format!(
                                "color: light-dark({}, {});",
                                hex(l.foreground),
                                hex(d.foreground)
                            ));
                        }
                        if l.background != dl.background || d.background != dd.background {
                            css.push_str(&format!(
                                "background-color: light-dark({}, {});",
                                hex(l.background),
                                hex(d.background)
                            ));
                        }
                        css.push_str(&font_css(l, dl));
                        (css, text.as_str())
                    })
                    .collect()
            }
        };
        // As giallo: two themes may split a line differently, so only one theme merges.
        let merge = matches!(self.themes, Themes::Single(_));
        let mut merged: Vec<(String, String)> = Vec::new();
        for (css, text) in styled {
            match merged.last_mut() {
                Some((c, t)) if merge && *c == css => t.push_str(text),
                _ => merged.push((css, text.to_string())),
            }
        }
        for (css, text) in merged {
            if css.is_empty() {
                out.push_str(&format!("<span>{}</span>", escape_html(&text)));
            } else {
                out.push_str(&format!(
                    "<span style=\"{css}\">{}</span>",
                    escape_html(&text)
                ));
            }
        }
    }
}

/// The config's one theme, or its light and dark ones.
fn themes(config: &HighlightingConfig, resolver: &mut ThemeResolver) -> Themes {
    let theme_key = if resolver.legacy {
        "markdown.highlight_theme"
    } else {
        "markdown.highlighting.theme"
    };
    let (light_key, dark_key) = (
        "markdown.highlighting.light_theme",
        "markdown.highlighting.dark_theme",
    );
    match (&config.theme, &config.light_theme, &config.dark_theme) {
        (_, Some(light), Some(dark)) => Themes::Dual {
            light: resolver.get(light_key, light),
            dark: resolver.get(dark_key, dark),
        },
        // A migrated `highlight_themes_css`: the stylesheets name the colours (and warn).
        (Some(theme), _, _)
            if config.style == HighlightStyle::Class
                && config
                    .legacy_stylesheets
                    .as_ref()
                    .is_some_and(|l| !l.is_empty()) =>
        {
            Themes::Single(resolver.get("", theme))
        }
        (Some(theme), _, _) => Themes::Single(resolver.get(theme_key, theme)),
        (None, one, other) => {
            let name = one
                .as_deref()
                .or(other.as_deref())
                .unwrap_or(LEGACY_DEFAULT_THEME);
            Themes::Single(resolver.get(theme_key, name))
        }
    }
}

/// A theme's token classes, and its colours on `.z-{structural}code` (and `hl`).
fn stylesheet(theme: &Theme, structural: &str) -> String {
    let mut out = syntect::html::css_for_theme_with_class_style(
        theme,
        syntect::html::ClassStyle::SpacedPrefixed { prefix: PREFIX },
    )
    .unwrap_or_default();
    let (fg, bg) = default_colors(theme);
    out.push_str(&format!(
        ".{PREFIX}{structural}code {{ color: {}; background-color: {}; }}\n",
        hex(fg),
        hex(bg)
    ));
    if let Some(hl) = theme.settings.line_highlight {
        out.push_str(&format!(
            ".{PREFIX}{structural}hl {{ background-color: {}; }}\n",
            hex(hl)
        ));
    }
    out
}

fn default_colors(theme: &Theme) -> (Color, Color) {
    (
        theme.settings.foreground.unwrap_or(Color::BLACK),
        theme.settings.background.unwrap_or(Color::WHITE),
    )
}

/// giallo's colour notation: `#RRGGBB`, or `#RRGGBBAA` when not opaque.
fn hex(c: Color) -> String {
    if c.a < 255 {
        format!("#{:02X}{:02X}{:02X}{:02X}", c.r, c.g, c.b, c.a)
    } else {
        format!("#{:02X}{:02X}{:02X}", c.r, c.g, c.b)
    }
}

fn font_css(style: Style, default: Style) -> String {
    let f = style.font_style;
    if f == default.font_style {
        return String::new();
    }
    let mut css = String::new();
    if f.contains(FontStyle::BOLD) {
        css.push_str("font-weight: bold;");
    }
    if f.contains(FontStyle::ITALIC) {
        css.push_str("font-style: italic;");
    }
    if f.contains(FontStyle::UNDERLINE) {
        css.push_str("text-decoration: underline;");
    }
    css
}

/// giallo's whitespace merge: a token of only whitespace becomes part of the next token (and
/// takes its colour); whitespace at the end of a line stays its own token.
fn merge_whitespace(tokens: Vec<(String, ScopeStack)>) -> Vec<(String, ScopeStack)> {
    let mut out: Vec<(String, ScopeStack)> = Vec::with_capacity(tokens.len());
    let mut pending: Option<(String, ScopeStack)> = None;
    for (text, stack) in tokens {
        if text.trim().is_empty() {
            match &mut pending {
                Some((ws, _)) => ws.push_str(&text),
                None => pending = Some((text, stack)),
            }
        } else {
            match pending.take() {
                Some((ws, _)) => out.push((ws + &text, stack)),
                None => out.push((text, stack)),
            }
        }
    }
    out.extend(pending);
    out
}

/// Characters of `n` written in decimal.
fn digits(n: i128) -> usize {
    n.to_string().len()
}
