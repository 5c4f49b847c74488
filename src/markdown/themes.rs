//! Where highlighting grammars and themes come from: syntect's built-in sets, Zola theme
//! names mapped onto them, and the site's extra `.sublime-syntax` and `.tmTheme` files.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use syntect::highlighting::{Theme, ThemeSet};
use syntect::parsing::{SyntaxSet, SyntaxSetBuilder};

/// syntect's built-in grammars, loaded once per process (they take a while to load).
pub(super) fn default_syntaxes() -> &'static Arc<SyntaxSet> {
    static SET: OnceLock<Arc<SyntaxSet>> = OnceLock::new();
    SET.get_or_init(|| Arc::new(SyntaxSet::load_defaults_newlines()))
}

/// syntect's built-in themes, loaded once per process.
pub(super) fn default_themes() -> &'static ThemeSet {
    static SET: OnceLock<ThemeSet> = OnceLock::new();
    SET.get_or_init(ThemeSet::load_defaults)
}

/// The syntect theme a Zola theme name stands for, when syntect ships it (Zola 0.11-0.21
/// names and giallo's names of the same themes).
pub(super) fn builtin_theme_name(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "base16-ocean-dark" | "base16-ocean.dark" => "base16-ocean.dark",
        "base16-ocean-light" | "base16-ocean.light" => "base16-ocean.light",
        "base16-eighties-dark" | "base16-eighties.dark" => "base16-eighties.dark",
        "base16-mocha-dark" | "base16-mocha.dark" => "base16-mocha.dark",
        "inspired-github" | "inspiredgithub" => "InspiredGitHub",
        "solarized-dark" | "solarized (dark)" => "Solarized (dark)",
        "solarized-light" | "solarized (light)" => "Solarized (light)",
        _ => return None,
    })
}

/// The built-in theme used instead of a theme syntect does not have: a light one for names
/// that say light, a dark one otherwise.
pub(super) fn fallback_theme_name(name: &str) -> &'static str {
    let name = name.to_ascii_lowercase();
    let light = [
        "light", "latte", "day", "dawn", "lotus", "ochin", "bright", "inspired",
    ]
    .iter()
    .any(|w| name.contains(w));
    if light {
        "InspiredGitHub"
    } else {
        "base16-ocean.dark"
    }
}

/// Loads a `.tmTheme` file, or every `.tmTheme` of a folder, under the file's stem.
pub(super) fn load_themes(
    path: &Path,
    entry: &str,
    into: &mut Vec<(String, Theme)>,
    warnings: &mut Vec<String>,
) {
    if path.is_dir() {
        match ThemeSet::load_from_folder(path) {
            Ok(set) => into.extend(set.themes),
            Err(e) => warnings.push(format!(
                "`markdown.highlighting.extra_themes`: `{entry}`: {e}"
            )),
        }
        return;
    }
    let is_tm = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tmtheme"));
    if !is_tm {
        warnings.push(format!(
            "`markdown.highlighting.extra_themes`: `{entry}` is not a `.tmTheme` file (VS Code JSON themes are not supported); ignored"
        ));
        return;
    }
    match ThemeSet::get_theme(path) {
        Ok(theme) => {
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
            into.push((stem.unwrap_or_default(), theme));
        }
        Err(e) => warnings.push(format!(
            "`markdown.highlighting.extra_themes`: `{entry}`: {e}"
        )),
    }
}

/// Adds a `.sublime-syntax` file, or every one of a folder.
pub(super) fn load_grammars(
    path: &Path,
    entry: &str,
    into: &mut SyntaxSetBuilder,
    warnings: &mut Vec<String>,
) {
    let result = if path.is_dir() {
        into.add_from_folder(path, true).map_err(|e| e.to_string())
    } else if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("sublime-syntax"))
    {
        std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                syntect::parsing::SyntaxDefinition::load_from_str(&text, true, None)
                    .map_err(|e| e.to_string())
            })
            .map(|def| into.add(def))
    } else {
        Err(
            "not a `.sublime-syntax` file (JSON TextMate grammars are not supported); ignored"
                .into(),
        )
    };
    if let Err(e) = result {
        warnings.push(format!(
            "`markdown.highlighting.extra_grammars`: `{entry}`: {e}"
        ));
    }
}
