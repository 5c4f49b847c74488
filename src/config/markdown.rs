//! `[markdown]`: how Markdown bodies are rendered, with Zola 0.22's keys and defaults.
//!
//! Zola 0.22 moved every highlighting option into `[markdown.highlighting]` (highlighting is
//! on exactly when that table is present) and rejects the old keys. Sites written for Zola
//! 0.11-0.21 still carry them, so [`migrate_legacy`] rewrites them into the new shape before
//! deserializing, with one warning per key. Themes written for those versions read the old
//! names in templates (`config.markdown.highlight_code`): serialization adds them back,
//! computed from the new shape.

use std::path::Path;

use serde::{Deserialize, Serialize, Serializer};

/// Known `[markdown]` keys: the current ones and the legacy ones [`migrate_legacy`] accepts
/// (so that those are warned about once, as deprecated, not a second time as unknown).
pub(crate) const MARKDOWN_KEYS: &[&str] = &[
    "highlighting",
    "smart_punctuation",
    "render_emoji",
    "external_links_class",
    "external_links_target_blank",
    "external_links_no_follow",
    "external_links_no_referrer",
    "external_links_external",
    "definition_list",
    "lazy_async_image",
    "bottom_footnotes",
    "github_alerts",
    "insert_anchor_links",
    // Legacy (Zola 0.11-0.21), migrated by `migrate_legacy`.
    "highlight_code",
    "highlight_theme",
    "highlight_themes_css",
    "error_on_missing_highlight",
    "extra_syntaxes",
    "extra_syntaxes_and_themes",
];

/// Known `[markdown.highlighting]` keys.
pub(crate) const HIGHLIGHTING_KEYS: &[&str] = &[
    "theme",
    "light_theme",
    "dark_theme",
    "style",
    "error_on_missing_language",
    "extra_grammars",
    "extra_themes",
];

/// The theme Zola 0.11-0.21 used when `highlight_code` was on and no theme was named.
pub const LEGACY_DEFAULT_THEME: &str = "base16-ocean-dark";

/// Where to put a link to each heading (`insert_anchor_links`, site-wide in `[markdown]` and
/// per section in front matter).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InsertAnchor {
    /// Before the heading's text.
    Left,
    /// After the heading's text.
    Right,
    /// The whole heading text becomes the link.
    Heading,
    /// No link.
    #[default]
    None,
}

/// How highlighted code is coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HighlightStyle {
    /// `style="color: #…"` on each token (Zola's default).
    #[default]
    Inline,
    /// `class="z-…"` on each token; colours come from a stylesheet.
    Class,
}

/// `[markdown.highlighting]`. Either `theme`, or `light_theme` and `dark_theme`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HighlightingConfig {
    /// The single theme.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    /// The theme for a light colour scheme (with `dark_theme`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub light_theme: Option<String>,
    /// The theme for a dark colour scheme (with `light_theme`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dark_theme: Option<String>,
    /// Inline colours or CSS classes.
    pub style: HighlightStyle,
    /// Whether a code block in a language without a grammar fails the build (otherwise it is
    /// plain text).
    pub error_on_missing_language: bool,
    /// Extra grammar files (or, from a migrated config, folders), relative to the site root.
    pub extra_grammars: Vec<String>,
    /// Extra theme files (or, from a migrated config, folders), relative to the site root.
    pub extra_themes: Vec<String>,
    /// Set by [`migrate_legacy`] for a Zola 0.11-0.21 config: its theme names mean that
    /// version's themes, and `style = "class"` writes the stylesheets its
    /// `highlight_themes_css` listed, under their file names (none without that key), as
    /// Zola 0.21 did. Not a key of Zola's.
    #[serde(rename = "zola_0_21_themes_css", skip_serializing)]
    pub legacy_stylesheets: Option<Vec<LegacyStylesheet>>,
}

/// One entry of Zola 0.21's `highlight_themes_css`: a theme and the file its stylesheet
/// is written to (relative to the output root).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyStylesheet {
    /// The theme's name.
    pub theme: String,
    /// The stylesheet's file name.
    pub filename: String,
}

/// `[markdown]`. Defaults are Zola 0.22's.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct MarkdownConfig {
    /// Syntax highlighting; off when absent.
    pub highlighting: Option<HighlightingConfig>,
    /// Curly quotes, dashes and ellipses.
    pub smart_punctuation: bool,
    /// `:smile:` becomes 😄.
    pub render_emoji: bool,
    /// A class on links to other sites.
    pub external_links_class: Option<String>,
    /// `target="_blank"` (and `rel="noopener"`) on links to other sites.
    pub external_links_target_blank: bool,
    /// `rel="nofollow"` on links to other sites.
    pub external_links_no_follow: bool,
    /// `rel="noreferrer"` on links to other sites.
    pub external_links_no_referrer: bool,
    /// `rel="external"` on links to other sites (on by default since Zola 0.20).
    pub external_links_external: bool,
    /// Definition lists (`term` / `: definition`).
    pub definition_list: bool,
    /// `loading="lazy" decoding="async"` on images.
    pub lazy_async_image: bool,
    /// Footnotes gathered at the end with back references, as GitHub shows them.
    pub bottom_footnotes: bool,
    /// `> [!NOTE]` blockquotes become alerts.
    pub github_alerts: bool,
    /// The site-wide default for anchor links next to headings.
    pub insert_anchor_links: InsertAnchor,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            highlighting: None,
            smart_punctuation: false,
            render_emoji: false,
            external_links_class: None,
            external_links_target_blank: false,
            external_links_no_follow: false,
            external_links_no_referrer: false,
            external_links_external: true,
            definition_list: false,
            lazy_async_image: false,
            bottom_footnotes: false,
            github_alerts: false,
            insert_anchor_links: InsertAnchor::None,
        }
    }
}

impl MarkdownConfig {
    /// Whether links to other sites get other markup than a plain `<a href>`.
    pub fn has_external_link_tweaks(&self) -> bool {
        self.external_links_target_blank
            || self.external_links_no_follow
            || self.external_links_no_referrer
            || self.external_links_external
            || self.external_links_class.is_some()
    }
}

/// One entry of the legacy `highlight_themes_css`, as templates of old themes read it.
#[derive(Serialize)]
struct LegacyThemeCss<'a> {
    theme: &'a str,
    filename: &'a str,
}

/// What templates see as `config.markdown`: every current key, plus the legacy names
/// computed from them.
#[derive(Serialize)]
struct TemplateView<'a> {
    highlighting: &'a Option<HighlightingConfig>,
    smart_punctuation: bool,
    render_emoji: bool,
    external_links_class: &'a Option<String>,
    external_links_target_blank: bool,
    external_links_no_follow: bool,
    external_links_no_referrer: bool,
    external_links_external: bool,
    definition_list: bool,
    lazy_async_image: bool,
    bottom_footnotes: bool,
    github_alerts: bool,
    insert_anchor_links: InsertAnchor,
    highlight_code: bool,
    highlight_theme: &'a str,
    highlight_themes_css: Vec<LegacyThemeCss<'a>>,
    error_on_missing_highlight: bool,
    extra_syntaxes_and_themes: Vec<&'a str>,
}

impl Serialize for MarkdownConfig {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let hl = self.highlighting.as_ref();
        let class = hl.is_some_and(|h| h.style == HighlightStyle::Class);
        let first_theme = hl
            .and_then(|h| h.theme.as_deref().or(h.light_theme.as_deref()))
            .unwrap_or(LEGACY_DEFAULT_THEME);
        let highlight_themes_css = match hl {
            Some(h) if class && h.legacy_stylesheets.is_some() => h
                .legacy_stylesheets
                .iter()
                .flatten()
                .map(|s| LegacyThemeCss {
                    theme: &s.theme,
                    filename: &s.filename,
                })
                .collect(),
            Some(h) if class => match (&h.light_theme, &h.dark_theme, &h.theme) {
                (Some(light), Some(dark), _) => vec![
                    LegacyThemeCss {
                        theme: light,
                        filename: "giallo-light.css",
                    },
                    LegacyThemeCss {
                        theme: dark,
                        filename: "giallo-dark.css",
                    },
                ],
                _ => vec![LegacyThemeCss {
                    theme: first_theme,
                    filename: "giallo.css",
                }],
            },
            _ => Vec::new(),
        };
        let mut extra: Vec<&str> = Vec::new();
        for path in hl
            .iter()
            .flat_map(|h| h.extra_grammars.iter().chain(&h.extra_themes))
        {
            if !extra.contains(&path.as_str()) {
                extra.push(path);
            }
        }
        TemplateView {
            highlighting: &self.highlighting,
            smart_punctuation: self.smart_punctuation,
            render_emoji: self.render_emoji,
            external_links_class: &self.external_links_class,
            external_links_target_blank: self.external_links_target_blank,
            external_links_no_follow: self.external_links_no_follow,
            external_links_no_referrer: self.external_links_no_referrer,
            external_links_external: self.external_links_external,
            definition_list: self.definition_list,
            lazy_async_image: self.lazy_async_image,
            bottom_footnotes: self.bottom_footnotes,
            github_alerts: self.github_alerts,
            insert_anchor_links: self.insert_anchor_links,
            highlight_code: hl.is_some(),
            highlight_theme: if class { "css" } else { first_theme },
            highlight_themes_css,
            error_on_missing_highlight: hl.is_some_and(|h| h.error_on_missing_language),
            extra_syntaxes_and_themes: extra,
        }
        .serialize(serializer)
    }
}

/// Rewrites the Zola 0.11-0.21 highlighting keys of a raw `[markdown]` table into
/// `[markdown.highlighting]`, and returns one warning per legacy key found, naming the key
/// that replaces it. Keys already in the new shape win over migrated values. Values of the
/// wrong type are left out of the migration (and warned about like the others).
pub fn migrate_legacy(markdown: &mut toml::Table, path: &Path) -> Vec<String> {
    use toml::Value;
    let mut warnings = Vec::new();
    let mut warn = |key: &str, instead: &str| {
        warnings.push(format!(
            "{}: `markdown.{key}` is deprecated; use {instead}",
            path.display()
        ));
    };
    let highlight_code = markdown.remove("highlight_code");
    let highlight_theme = markdown.remove("highlight_theme");
    let themes_css = markdown.remove("highlight_themes_css");
    let error_on_missing = markdown.remove("error_on_missing_highlight");
    let extra_syntaxes = markdown.remove("extra_syntaxes");
    let extra_both = markdown.remove("extra_syntaxes_and_themes");

    let on = highlight_code.as_ref().and_then(Value::as_bool) == Some(true);
    if highlight_code.is_some() {
        warn(
            "highlight_code",
            "`[markdown.highlighting]` (highlighting is on when that table is present)",
        );
    }
    if highlight_theme.is_some() {
        warn(
            "highlight_theme",
            "`markdown.highlighting.theme` (or `style = \"class\"` instead of \"css\")",
        );
    }
    if themes_css.is_some() {
        warn(
            "highlight_themes_css",
            "`markdown.highlighting.style = \"class\"` with `theme`, or `light_theme` and `dark_theme`",
        );
    }
    if error_on_missing.is_some() {
        warn(
            "error_on_missing_highlight",
            "`markdown.highlighting.error_on_missing_language`",
        );
    }
    if extra_syntaxes.is_some() {
        warn("extra_syntaxes", "`markdown.highlighting.extra_grammars`");
    }
    if extra_both.is_some() {
        warn(
            "extra_syntaxes_and_themes",
            "`markdown.highlighting.extra_grammars` and `markdown.highlighting.extra_themes`",
        );
    }
    if !on {
        // Highlighting was off: the other legacy keys had no effect either.
        return warnings;
    }

    let mut new = toml::Table::new();
    let theme = highlight_theme
        .as_ref()
        .and_then(Value::as_str)
        .unwrap_or(LEGACY_DEFAULT_THEME);
    // `highlight_theme = "css"` meant classes, with one stylesheet per entry of
    // `highlight_themes_css` (none without it), written to its `filename`.
    let mut sheets = Vec::new();
    for entry in themes_css
        .as_ref()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let field = |k: &str| entry.get(k).and_then(Value::as_str);
        if let (Some(theme), Some(filename)) = (field("theme"), field("filename")) {
            let mut sheet = toml::Table::new();
            sheet.insert("theme".into(), Value::String(theme.into()));
            sheet.insert("filename".into(), Value::String(filename.into()));
            sheets.push(Value::Table(sheet));
        }
    }
    if theme == "css" {
        new.insert("style".into(), Value::String("class".into()));
        // One markup for every stylesheet: classes, with the first stylesheet's theme
        // standing for the colours where one is needed.
        let first = sheets
            .first()
            .and_then(|s| s.get("theme"))
            .and_then(Value::as_str)
            .unwrap_or(LEGACY_DEFAULT_THEME);
        new.insert("theme".into(), Value::String(first.into()));
        new.insert("zola_0_21_themes_css".into(), Value::Array(sheets));
    } else {
        new.insert("theme".into(), Value::String(theme.into()));
        new.insert("zola_0_21_themes_css".into(), Value::Array(Vec::new()));
    }
    if let Some(Value::Boolean(b)) = error_on_missing {
        new.insert("error_on_missing_language".into(), Value::Boolean(b));
    }
    let strings = |v: &Option<Value>| -> Vec<Value> {
        v.as_ref()
            .and_then(Value::as_array)
            .map(|a| a.iter().filter(|s| s.is_str()).cloned().collect())
            .unwrap_or_default()
    };
    let mut grammars = strings(&extra_syntaxes);
    grammars.extend(strings(&extra_both));
    let themes = strings(&extra_both);
    if !grammars.is_empty() {
        new.insert("extra_grammars".into(), Value::Array(grammars));
    }
    if !themes.is_empty() {
        new.insert("extra_themes".into(), Value::Array(themes));
    }

    match markdown.get_mut("highlighting") {
        Some(Value::Table(existing)) => {
            let has_theme = ["theme", "light_theme", "dark_theme"]
                .iter()
                .any(|k| existing.contains_key(*k));
            for (key, value) in new {
                // Names and stylesheets of the new table's own themes are Zola 0.22's.
                let is_theme = matches!(
                    key.as_str(),
                    "theme" | "light_theme" | "dark_theme" | "zola_0_21_themes_css"
                );
                if !(is_theme && has_theme) {
                    existing.entry(key).or_insert(value);
                }
            }
        }
        Some(_) => {}
        None => {
            markdown.insert("highlighting".into(), Value::Table(new));
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migrate(text: &str) -> (toml::Table, Vec<String>) {
        let mut table: toml::Table = toml::from_str(text).unwrap();
        let warnings = migrate_legacy(&mut table, Path::new("config.toml"));
        (table, warnings)
    }

    fn highlighting(table: &toml::Table) -> HighlightingConfig {
        table["highlighting"].clone().try_into().unwrap()
    }

    #[test]
    fn defaults_are_zola_0_22s() {
        let c: MarkdownConfig = toml::from_str("").unwrap();
        assert_eq!(c, MarkdownConfig::default());
        assert!(c.external_links_external && c.has_external_link_tweaks());
        assert!(c.highlighting.is_none());
        assert_eq!(c.insert_anchor_links, InsertAnchor::None);
        let c: MarkdownConfig = toml::from_str(
            "insert_anchor_links = \"heading\"\n[highlighting]\nlight_theme = \"a\"\ndark_theme = \"b\"\nstyle = \"class\"",
        )
        .unwrap();
        assert_eq!(c.insert_anchor_links, InsertAnchor::Heading);
        let h = c.highlighting.unwrap();
        assert_eq!(h.style, HighlightStyle::Class);
        assert_eq!((h.light_theme.as_deref(), h.theme), (Some("a"), None));
    }

    #[test]
    fn highlight_code_alone_means_the_old_default_theme() {
        let (t, w) = migrate("highlight_code = true");
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("config.toml: `markdown.highlight_code` is deprecated; use `[markdown.highlighting]`"),
            "{w:?}"
        );
        let h = highlighting(&t);
        assert_eq!(h.theme.as_deref(), Some(LEGACY_DEFAULT_THEME));
        assert_eq!(h.style, HighlightStyle::Inline);
        assert!(!t.contains_key("highlight_code"));
    }

    #[test]
    fn highlight_code_false_drops_the_other_keys() {
        let (t, w) = migrate("highlight_code = false\nhighlight_theme = \"x\"");
        assert_eq!(w.len(), 2);
        assert!(t.is_empty(), "{t:?}");
    }

    #[test]
    fn highlight_theme_becomes_theme() {
        let (t, w) = migrate("highlight_code = true\nhighlight_theme = \"one-dark\"");
        assert_eq!(w.len(), 2);
        assert!(
            w[1].contains("`markdown.highlight_theme`")
                && w[1].contains("`markdown.highlighting.theme`")
        );
        assert_eq!(highlighting(&t).theme.as_deref(), Some("one-dark"));
    }

    #[test]
    fn css_theme_keeps_the_stylesheets_zola_0_21_wrote() {
        // Zola 0.21 wrote one stylesheet per `highlight_themes_css` entry, under its
        // `filename`, for one class markup; without the key it wrote none.
        let (t, w) = migrate(
            "highlight_code = true\nhighlight_theme = \"css\"\nhighlight_themes_css = [\n { theme = \"base16-ocean-dark\", filename = \"d.css\" },\n { theme = \"base16-ocean-light\", filename = \"l.css\" },\n]",
        );
        assert_eq!(w.len(), 3);
        assert!(
            w[2].contains("`markdown.highlight_themes_css`") && w[2].contains("style = \"class\"")
        );
        let h = highlighting(&t);
        assert_eq!(h.style, HighlightStyle::Class);
        assert_eq!(h.theme.as_deref(), Some("base16-ocean-dark"));
        assert_eq!((h.light_theme, h.dark_theme), (None, None));
        let sheets = h.legacy_stylesheets.unwrap();
        assert_eq!(
            sheets
                .iter()
                .map(|s| (s.theme.as_str(), s.filename.as_str()))
                .collect::<Vec<_>>(),
            [
                ("base16-ocean-dark", "d.css"),
                ("base16-ocean-light", "l.css")
            ]
        );
        let (t, _) = migrate("highlight_code = true\nhighlight_theme = \"css\"");
        let h = highlighting(&t);
        assert_eq!(h.theme.as_deref(), Some(LEGACY_DEFAULT_THEME));
        assert_eq!(h.legacy_stylesheets, Some(Vec::new()));
        // A theme named the old way means Zola 0.21's theme of that name.
        let (t, _) = migrate("highlight_code = true\nhighlight_theme = \"monokai\"");
        assert_eq!(highlighting(&t).legacy_stylesheets, Some(Vec::new()));
        // `[markdown.highlighting]`'s own theme keeps Zola 0.22's meaning.
        let (t, _) = migrate("highlight_code = true\n[highlighting]\ntheme = \"nord\"");
        assert_eq!(highlighting(&t).legacy_stylesheets, None);
    }

    #[test]
    fn error_and_extra_keys_move_into_highlighting() {
        let (t, w) = migrate(
            "highlight_code = true\nerror_on_missing_highlight = true\nextra_syntaxes = [\"syn\"]\nextra_syntaxes_and_themes = [\"both\"]",
        );
        assert_eq!(w.len(), 4, "{w:?}");
        assert!(
            w[1].contains("`markdown.error_on_missing_highlight`")
                && w[1].contains("`markdown.highlighting.error_on_missing_language`")
        );
        assert!(
            w[2].contains("`markdown.extra_syntaxes`")
                && w[2].contains("`markdown.highlighting.extra_grammars`")
        );
        assert!(
            w[3].contains("`markdown.extra_syntaxes_and_themes`") && w[3].contains("extra_themes")
        );
        let h = highlighting(&t);
        assert!(h.error_on_missing_language);
        assert_eq!(h.extra_grammars, ["syn", "both"]);
        assert_eq!(h.extra_themes, ["both"]);
    }

    #[test]
    fn new_keys_win_over_migrated_ones() {
        let (t, w) = migrate(
            "highlight_code = true\nhighlight_theme = \"old\"\n[highlighting]\ntheme = \"new\"",
        );
        assert_eq!(w.len(), 2);
        assert_eq!(highlighting(&t).theme.as_deref(), Some("new"));
        let (t, w) = migrate("smart_punctuation = true");
        assert!(w.is_empty() && t.len() == 1);
    }

    #[test]
    fn templates_still_read_the_legacy_names() {
        let (t, _) = migrate("highlight_code = true\nhighlight_theme = \"css\"");
        let c: MarkdownConfig = toml::Value::Table(t).try_into().unwrap();
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["highlight_code"], true);
        assert_eq!(v["highlight_theme"], "css");
        // Zola 0.21 wrote no stylesheet without `highlight_themes_css`.
        assert_eq!(v["highlight_themes_css"], serde_json::json!([]));
        assert_eq!(v["highlighting"]["style"], "class");
        assert!(v["highlighting"].get("zola_0_21_themes_css").is_none());
        let c: MarkdownConfig =
            toml::from_str("[highlighting]\ntheme = \"nord\"\nstyle = \"class\"").unwrap();
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["highlight_themes_css"][0]["filename"], "giallo.css");
        assert_eq!(v["external_links_external"], true);
        let v = serde_json::to_value(MarkdownConfig::default()).unwrap();
        assert_eq!(v["highlight_code"], false);
        assert_eq!(v["highlight_theme"], LEGACY_DEFAULT_THEME);
        // What templates see deserializes back to the same config.
        let back: MarkdownConfig =
            serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }
}
