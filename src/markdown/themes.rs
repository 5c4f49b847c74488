//! Where highlighting grammars and themes come from: two-face's sets (bat's grammars and
//! themes for syntect; why those, see [`super::theme_names`]), and the site's extra
//! `.sublime-syntax` grammars and VS Code JSON or `.tmTheme` themes.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use syntect::highlighting::{Theme, ThemeSet};
use syntect::parsing::{SyntaxSet, SyntaxSetBuilder};
use two_face::theme::LazyThemeSet;

/// two-face's grammars (a superset of syntect's), loaded once per process; each grammar's
/// patterns compile on first use.
pub(super) fn default_syntaxes() -> &'static Arc<SyntaxSet> {
    static SET: OnceLock<Arc<SyntaxSet>> = OnceLock::new();
    SET.get_or_init(|| Arc::new(two_face::syntax::extra_newlines()))
}

/// Starts decoding the built-in grammars on a thread of its own, so that the build's first
/// code block does not wait for it (a few milliseconds, most of a small site's build besides
/// the code blocks themselves). Called once a build knows it highlights; a build that then
/// finds nothing to do has spent a little time of another core.
pub fn prewarm() {
    static SPAWNED: std::sync::Once = std::sync::Once::new();
    SPAWNED.call_once(|| {
        let _ = std::thread::Builder::new()
            .name("grammars".into())
            .spawn(|| {
                default_syntaxes();
            });
    });
}

/// A two-face theme by its own name; each is decoded on first use.
pub(super) fn builtin_theme(name: &str) -> Option<&'static Theme> {
    static SET: OnceLock<LazyThemeSet> = OnceLock::new();
    SET.get_or_init(|| two_face::theme::extra().into())
        .get(name)
}

/// Finds themes by name: the site's extra themes, then the built-in ones
/// ([`super::theme_names::resolve`]), warning once per name that has no theme of its own.
pub(super) struct ThemeResolver<'a> {
    pub extra: Vec<(String, Theme)>,
    pub legacy: bool,
    pub config_file: &'a Path,
    pub warnings: &'a mut Vec<String>,
    pub warned: BTreeSet<String>,
}

impl ThemeResolver<'_> {
    /// The theme `name`; `key` is the config key that named it (empty: do not warn).
    pub fn get(&mut self, key: &str, name: &str) -> Box<Cow<'static, Theme>> {
        if let Some((_, theme)) = self
            .extra
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            return Box::new(Cow::Owned(theme.clone()));
        }
        let resolved = super::theme_names::resolve(name, self.legacy);
        if let Some(instead) = resolved.instead {
            if !key.is_empty() && self.warned.insert(name.to_lowercase()) {
                self.warnings.push(format!(
                    "{}: `{key}`: {instead}",
                    self.config_file.display()
                ));
            }
        }
        match builtin_theme(resolved.theme) {
            Some(theme) => Box::new(Cow::Borrowed(theme)),
            None => Box::new(Cow::Owned(Theme::default())),
        }
    }
}

/// Loads a theme file (VS Code JSON, known by its `name`; `.tmTheme`, by its file stem), or
/// every `.tmTheme` of a folder, under the file's stem.
pub(super) fn load_themes(
    path: &Path,
    entry: &str,
    into: &mut Vec<(String, Theme)>,
    warnings: &mut Vec<String>,
) {
    let warn = |warnings: &mut Vec<String>, e: &dyn std::fmt::Display| {
        warnings.push(format!(
            "`markdown.highlighting.extra_themes`: `{entry}`: {e}; ignored"
        ))
    };
    if path.is_dir() {
        match ThemeSet::load_from_folder(path) {
            Ok(set) => into.extend(set.themes),
            Err(e) => warn(warnings, &e),
        }
        return;
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("json") => match std::fs::read_to_string(path) {
            Ok(text) => match super::vscode_theme::parse(&text) {
                Ok(named) => into.push(named),
                Err(e) => warn(warnings, &e),
            },
            Err(e) => warn(warnings, &e),
        },
        Some("tmtheme") => match ThemeSet::get_theme(path) {
            Ok(theme) => {
                let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
                into.push((stem.unwrap_or_default(), theme));
            }
            Err(e) => warn(warnings, &e),
        },
        _ => warn(warnings, &"not a VS Code JSON or `.tmTheme` theme"),
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
