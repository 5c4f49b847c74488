//! Which theme a theme name in a site's config stands for, and where its colours come from.
//!
//! Zola 0.22 highlights with giallo, whose ~60 built-in themes are VS Code JSON themes;
//! Zola 0.11-0.21 had its own set of ~40 `.tmTheme` files. sitegen takes its themes (and
//! grammars) from the `two-face` crate, bat's curated syntect themes, and reads VS Code
//! JSON themes a site names in `extra_themes` itself ([`super::vscode_theme`]).
//!
//! Why not giallo itself: giallo is EUPL-1.2. Its copyleft clause (article 5) has copies
//! and derivative works distributed under the EUPL or a licence of its appendix (GPL,
//! LGPL, MPL-2.0, EPL, OSL, CeCILL, …); MIT and Apache-2.0 are not on that list. sitegen
//! ships as one statically linked binary under MIT OR Apache-2.0, and whether linking
//! makes that binary a derivative work is a reading the licence text leaves open, so the
//! conservative answer is no. `two-face` is MIT OR Apache-2.0 (its themes keep their
//! authors' permissive licences), and it loads lazily: its grammar dump takes about 2 ms
//! to open (syntect's own set: under 1 ms), a theme is decoded on first use (~0.3 ms), a
//! grammar's patterns compile when a code block first needs them. Those compile with
//! Oniguruma (syntect's `regex-onig`, the regex dialect the grammars are written in, and
//! giallo's engine too): a Rust, Python, Bash, HTML, YAML and JavaScript block each, first
//! use, took ~14 ms here against ~185 ms (syntect's grammars) and ~265 ms (two-face's)
//! with fancy-regex.
//!
//! Measured (two-face 0.5.2 against giallo 0.2.2's theme files, the one Zola 0.22.1 uses,
//! and Zola 0.21's `.tmTheme` files): each theme's background, foreground and the colours
//! of five token kinds (comment, string, keyword, number, function name) in Rust code. The
//! tables below hold, per name, the two-face theme with the most of those seven colours
//! equal (`equal`, of 7) and whether the theme is dark. Only a name with all seven equal
//! renders without a warning: 5 of giallo's 60 names (the four Catppuccins and Nord) and
//! 12 of Zola 0.21's 43; syntect's built-in set alone matched none of giallo's. A name
//! with 4-6 equal renders with that near theme (another port of the same theme), anything
//! less with a plain default of the same darkness; both warn, naming the theme used.

/// giallo 0.2.2's built-in themes (Zola 0.22): (name, nearest two-face theme or "", equal
/// colours of 7, dark).
const GIALLO: &[(&str, &str, u8, bool)] = &[
    ("andromeeda", "", 0, true),
    ("aurora-x", "", 0, true),
    ("ayu-dark", "", 0, true),
    ("catppuccin-frappe", "Catppuccin Frappe", 7, true),
    ("catppuccin-latte", "Catppuccin Latte", 7, false),
    ("catppuccin-macchiato", "Catppuccin Macchiato", 7, true),
    ("catppuccin-mocha", "Catppuccin Mocha", 7, true),
    ("dark-plus", "", 0, true),
    ("dracula", "Dracula", 6, true),
    ("dracula-soft", "", 0, true),
    ("everforest-dark", "", 0, true),
    ("everforest-light", "", 0, false),
    ("github-dark", "", 0, true),
    ("github-dark-default", "", 0, true),
    ("github-dark-dimmed", "", 0, true),
    ("github-dark-high-contrast", "", 0, true),
    ("github-light", "", 0, false),
    ("github-light-default", "", 0, false),
    ("github-light-high-contrast", "", 0, false),
    ("gruvbox-dark-hard", "gruvbox-dark", 5, true),
    ("gruvbox-dark-medium", "gruvbox-dark", 6, true),
    ("gruvbox-dark-soft", "gruvbox-dark", 5, true),
    ("gruvbox-light-hard", "gruvbox-light", 5, false),
    ("gruvbox-light-medium", "gruvbox-light", 6, false),
    ("gruvbox-light-soft", "gruvbox-light", 5, false),
    ("houston", "", 0, true),
    ("kanagawa-dragon", "", 0, true),
    ("kanagawa-lotus", "", 0, false),
    ("kanagawa-wave", "", 0, true),
    ("laserwave", "", 0, true),
    ("light-plus", "", 0, false),
    ("material-theme", "", 0, true),
    ("material-theme-darker", "", 0, true),
    ("material-theme-lighter", "", 0, false),
    ("material-theme-ocean", "", 0, true),
    ("material-theme-palenight", "", 0, true),
    ("min-dark", "", 0, true),
    ("min-light", "", 0, false),
    ("monokai", "Monokai Extended Origin", 6, true),
    ("night-owl", "", 0, true),
    ("nord", "Nord", 7, true),
    ("one-dark-pro", "TwoDark", 6, true),
    ("one-light", "", 0, false),
    ("plastic", "", 0, true),
    ("poimandres", "", 0, true),
    ("red", "", 0, true),
    ("rose-pine", "", 0, true),
    ("rose-pine-dawn", "", 0, false),
    ("rose-pine-moon", "", 0, true),
    ("slack-dark", "", 0, true),
    ("slack-ochin", "", 0, false),
    ("snazzy-light", "", 0, false),
    ("solarized-dark", "Solarized (dark)", 5, true),
    ("solarized-light", "Solarized (light)", 5, false),
    ("synthwave-84", "", 0, true),
    ("tokyo-night", "", 0, true),
    ("vesper", "", 0, true),
    ("vitesse-black", "", 0, true),
    ("vitesse-dark", "", 0, true),
    ("vitesse-light", "", 0, false),
];

/// Zola 0.11-0.21's built-in themes, as the old `highlight_theme` named them.
const ZOLA_0_21: &[(&str, &str, u8, bool)] = &[
    ("1337", "1337", 7, true),
    ("agola-dark", "", 0, true),
    ("ascetic-white", "", 0, false),
    ("axar", "", 0, true),
    ("ayu-dark", "", 0, true),
    ("ayu-light", "", 0, false),
    ("ayu-mirage", "", 0, true),
    ("base16-atelierdune-light", "", 0, false),
    ("base16-ocean-dark", "base16-ocean.dark", 7, true),
    ("base16-ocean-light", "base16-ocean.light", 7, false),
    ("bbedit", "", 0, false),
    ("boron", "", 0, true),
    ("charcoal", "", 0, true),
    ("cheerfully-light", "", 0, false),
    ("classic-modified", "", 0, false),
    ("demain", "", 0, false),
    ("dimmed-fluid", "", 0, false),
    ("dracula", "Dracula", 7, true),
    ("gray-matter-dark", "", 0, true),
    ("green", "", 0, true),
    ("gruvbox-dark", "gruvbox-dark", 4, true),
    ("gruvbox-light", "gruvbox-light", 4, false),
    ("idle", "", 0, false),
    ("inspired-github", "InspiredGitHub", 7, false),
    ("ir-white", "", 0, false),
    ("kronuz", "", 0, true),
    ("material-dark", "", 0, true),
    ("material-light", "", 0, false),
    ("monokai", "Monokai Extended Origin", 7, true),
    ("nord", "Nord", 7, true),
    ("nyx-bold", "TwoDark", 6, true),
    ("one-dark", "", 0, true),
    ("OneHalfDark", "OneHalfDark", 7, true),
    ("OneHalfLight", "OneHalfLight", 7, false),
    ("railsbase16-green-screen-dark", "", 0, true),
    ("solarized-dark", "Solarized (dark)", 7, true),
    ("solarized-light", "Solarized (light)", 7, false),
    ("subway-madrid", "", 0, false),
    ("subway-moscow", "", 0, false),
    ("Tomorrow", "", 0, false),
    ("two-dark", "TwoDark", 7, true),
    ("visual-studio-dark", "", 0, true),
    ("zenburn", "zenburn", 6, true),
];

/// The plain defaults for a theme no source has: Zola 0.21's default theme, and the light
/// theme syntect ships.
const DARK_DEFAULT: &str = "base16-ocean.dark";
const LIGHT_DEFAULT: &str = "InspiredGitHub";

/// The built-in theme a config's theme name resolves to.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Resolved {
    /// two-face's name of the theme to use.
    pub theme: &'static str,
    /// Why this is not the named theme's own colours, for the warning; `None` when it is.
    pub instead: Option<String>,
}

/// Resolves `name` (case-insensitive). `legacy`: the name came from Zola 0.11-0.21's
/// `highlight_theme` / `highlight_themes_css`, whose names meant that version's themes
/// (`ayu-dark`, `dracula`, `monokai`, `nord` and the solarized pair are in both sets).
pub(super) fn resolve(name: &str, legacy: bool) -> Resolved {
    let lower = name.to_lowercase();
    let (giallo, zola_0_21) = ((GIALLO, "Zola 0.22"), (ZOLA_0_21, "Zola 0.21"));
    let order = if legacy {
        [zola_0_21, giallo]
    } else {
        [giallo, zola_0_21]
    };
    for (table, era) in order {
        let Some(&(_, theme, equal, dark)) = table.iter().find(|e| e.0.to_lowercase() == lower)
        else {
            continue;
        };
        return match (theme, equal) {
            (theme, 7) => Resolved {
                theme,
                instead: None,
            },
            ("", _) => Resolved {
                theme: default_for(dark),
                instead: Some(format!(
                    "{era}'s theme `{name}` is not available; using `{}`",
                    default_for(dark)
                )),
            },
            (theme, equal) => Resolved {
                theme,
                instead: Some(format!(
                    "{era}'s theme `{name}` is not available; using `{theme}`, whose colours are closest ({equal} of 7 sampled colours equal)"
                )),
            },
        };
    }
    if let Some(theme) = two_face_name(&lower) {
        return Resolved {
            theme,
            instead: Some(format!(
                "theme `{name}` is not one of Zola 0.22's themes; using bat's `{theme}`"
            )),
        };
    }
    let dark = ![
        "light", "latte", "day", "dawn", "lotus", "ochin", "bright", "white",
    ]
    .iter()
    .any(|w| lower.contains(w));
    Resolved {
        theme: default_for(dark),
        instead: Some(format!(
            "theme `{name}` is not available; using `{}`",
            default_for(dark)
        )),
    }
}

fn default_for(dark: bool) -> &'static str {
    if dark {
        DARK_DEFAULT
    } else {
        LIGHT_DEFAULT
    }
}

/// two-face's own name for a theme, matched ignoring case and punctuation.
fn two_face_name(lower: &str) -> Option<&'static str> {
    let key = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = key(lower);
    two_face::theme::EmbeddedLazyThemeSet::theme_names()
        .iter()
        .map(|n| n.as_name())
        .find(|n| key(n) == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_entry_names_a_two_face_theme() {
        let names: Vec<&str> = two_face::theme::EmbeddedLazyThemeSet::theme_names()
            .iter()
            .map(|n| n.as_name())
            .collect();
        for (name, theme, equal, _) in GIALLO.iter().chain(ZOLA_0_21) {
            assert!(theme.is_empty() || names.contains(theme), "{name}: {theme}");
            assert_eq!(theme.is_empty(), *equal == 0, "{name}");
        }
        assert!(names.contains(&DARK_DEFAULT) && names.contains(&LIGHT_DEFAULT));
        assert_eq!(GIALLO.len(), 60);
    }

    #[test]
    fn the_era_decides_a_name_both_sets_have() {
        // Zola 0.21's monokai is two-face's Monokai Extended Origin; giallo's is near it.
        assert_eq!(resolve("monokai", true).instead, None);
        assert!(resolve("monokai", false).instead.is_some());
        assert_eq!(resolve("Catppuccin-Mocha", false).theme, "Catppuccin Mocha");
        assert_eq!(resolve("OneHalfLight", true).theme, "OneHalfLight");
        assert_eq!(resolve("kronuz", true).theme, DARK_DEFAULT);
        assert_eq!(resolve("github-light", false).theme, LIGHT_DEFAULT);
        assert_eq!(resolve("Coldark-Cold", false).theme, "Coldark-Cold");
    }
}
