//! VS Code JSON themes (the format of Zola 0.22's `extra_themes`) as syntect themes.
//!
//! A theme is known by its `name` field (case-insensitive), as giallo registers it. Its
//! colours are `colors."editor.foreground"` / `"editor.background"` (or the unprefixed
//! keys), the line highlight `editor.lineHighlightBackground`, the line-number colour
//! `editorLineNumber.foreground`; `tokenColors` rules become scope selectors. A rule with
//! no scope supplies default colours the `colors` table lacks.

use std::str::FromStr;

use serde::Deserialize;
use syntect::highlighting::{
    Color, FontStyle, ScopeSelectors, StyleModifier, Theme, ThemeItem, ThemeSettings,
};

#[derive(Deserialize)]
struct Raw {
    name: Option<String>,
    #[serde(default)]
    colors: serde_json::Map<String, serde_json::Value>,
    #[serde(rename = "tokenColors", default)]
    token_colors: Vec<Rule>,
}

#[derive(Deserialize)]
struct Rule {
    #[serde(default)]
    scope: Option<Scopes>,
    #[serde(default)]
    settings: RuleSettings,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Scopes {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize, Default)]
struct RuleSettings {
    foreground: Option<String>,
    background: Option<String>,
    #[serde(rename = "fontStyle")]
    font_style: Option<String>,
}

/// Parses a VS Code JSON theme; returns its name and the theme, or why it cannot be used.
pub(super) fn parse(text: &str) -> Result<(String, Theme), String> {
    let raw: Raw = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let name = raw.name.ok_or("the theme has no `name`")?;
    let colour = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| raw.colors.get(*k).and_then(|v| v.as_str()).and_then(color))
    };
    let mut settings = ThemeSettings {
        foreground: colour(&["editor.foreground", "foreground"]),
        background: colour(&["editor.background", "background"]),
        line_highlight: colour(&["editor.lineHighlightBackground"]),
        gutter_foreground: colour(&["editorLineNumber.foreground"]),
        ..ThemeSettings::default()
    };
    let mut scopes = Vec::new();
    for rule in raw.token_colors {
        let selectors: Vec<String> = match rule.scope {
            None => Vec::new(),
            Some(Scopes::One(s)) => s.split(',').map(|p| p.trim().to_string()).collect(),
            Some(Scopes::Many(v)) => v,
        };
        let selectors: Vec<String> = selectors
            .iter()
            .map(|s| selector(s))
            .filter(|s| !s.is_empty())
            .collect();
        let style = StyleModifier {
            foreground: rule.settings.foreground.as_deref().and_then(color),
            background: rule.settings.background.as_deref().and_then(color),
            font_style: rule.settings.font_style.as_deref().map(font_style),
        };
        if selectors.is_empty() {
            settings.foreground = settings.foreground.or(style.foreground);
            settings.background = settings.background.or(style.background);
            continue;
        }
        // One selector at a time: a selector syntect cannot parse drops only itself.
        for s in selectors {
            if let Ok(scope) = ScopeSelectors::from_str(&s) {
                scopes.push(ThemeItem { scope, style });
            }
        }
    }
    if settings.foreground.is_none() || settings.background.is_none() {
        return Err("the theme has no editor foreground or background colour".into());
    }
    let theme = Theme {
        name: Some(name.clone()),
        author: None,
        settings,
        scopes,
    };
    Ok((name, theme))
}

/// A TextMate selector as syntect reads it: `a > b` (child) is read as `a b` (descendant).
fn selector(s: &str) -> String {
    s.split_whitespace()
        .filter(|part| *part != ">")
        .collect::<Vec<_>>()
        .join(" ")
}

/// `#RGB`, `#RGBA`, `#RRGGBB` or `#RRGGBBAA`; anything else (`inherit`, names) is no colour.
fn color(s: &str) -> Option<Color> {
    let hex = s.trim().strip_prefix('#')?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let digits: Vec<u8> = match hex.len() {
        3 | 4 => hex.bytes().flat_map(|b| [b, b]).collect(),
        6 | 8 => hex.bytes().collect(),
        _ => return None,
    };
    let byte = |i: usize| u8::from_str_radix(std::str::from_utf8(&digits[i..i + 2]).ok()?, 16).ok();
    Some(Color {
        r: byte(0)?,
        g: byte(2)?,
        b: byte(4)?,
        a: if digits.len() == 8 { byte(6)? } else { 255 },
    })
}

/// `fontStyle`: space-separated `bold`, `italic`, `underline`; empty means none.
fn font_style(s: &str) -> FontStyle {
    let mut style = FontStyle::empty();
    for word in s.split_whitespace() {
        match word {
            "bold" => style |= FontStyle::BOLD,
            "italic" => style |= FontStyle::ITALIC,
            "underline" => style |= FontStyle::UNDERLINE,
            _ => {}
        }
    }
    style
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_scopes_and_styles() {
        let (name, theme) = parse(
            r##"{"name": "Mine", "colors": {"editor.background": "#102030", "foreground": "#abc",
                "editor.lineHighlightBackground": "#ffffff10"},
               "tokenColors": [
                 {"settings": {"foreground": "#000000"}},
                 {"scope": "comment, string > source", "settings": {"foreground": "#11223344", "fontStyle": "italic bold"}},
                 {"scope": ["keyword", "bad..selector"], "settings": {"foreground": "inherit", "fontStyle": ""}}
               ]}"##,
        )
        .unwrap();
        assert_eq!(name, "Mine");
        let c = |r, g, b, a| Some(Color { r, g, b, a });
        assert_eq!(theme.settings.background, c(0x10, 0x20, 0x30, 255));
        assert_eq!(theme.settings.foreground, c(0xaa, 0xbb, 0xcc, 255));
        assert_eq!(theme.settings.line_highlight, c(0xff, 0xff, 0xff, 0x10));
        assert!(theme.scopes.len() >= 3, "{:?}", theme.scopes);
        assert_eq!(theme.scopes[0].style.foreground, c(0x11, 0x22, 0x33, 0x44));
        assert_eq!(
            theme.scopes[0].style.font_style,
            Some(FontStyle::ITALIC | FontStyle::BOLD)
        );
        let keyword = theme.scopes.iter().find(|i| i.style.foreground.is_none());
        assert_eq!(keyword.unwrap().style.font_style, Some(FontStyle::empty()));
    }

    #[test]
    fn unusable_themes_say_why() {
        assert!(parse("{}").unwrap_err().contains("name"));
        assert!(parse(r#"{"name": "x"}"#)
            .unwrap_err()
            .contains("background"));
        assert!(parse("not json").is_err());
    }
}
