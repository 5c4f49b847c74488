//! Slugs as Zola makes them: `[slugify]` picks a strategy per kind (paths, taxonomies,
//! anchors). `on` turns text into lowercase ASCII words joined by `-` (`日本` -> `ri-ben`);
//! `safe` only removes what file systems forbid; `off` changes nothing.

use serde::{Deserialize, Serialize};

/// A `[slugify]` strategy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlugStrategy {
    /// ASCII slug (the default).
    #[default]
    On,
    /// Keep the text, remove characters no file system accepts.
    Safe,
    /// Keep the text as it is.
    Off,
}

/// A path or taxonomy slug under `strategy`.
pub fn slugify_path(text: &str, strategy: SlugStrategy) -> String {
    match strategy {
        SlugStrategy::On => slug::slugify(text),
        SlugStrategy::Safe => {
            let mut s = text.trim_end_matches([' ', '.']).to_string();
            s.retain(|c| !r#"<>:"/\|?*"#.contains(c));
            s
        }
        SlugStrategy::Off => text.to_string(),
    }
}

/// A heading anchor under `strategy` (`safe` and `off` only replace whitespace: a space
/// cannot be in an anchor).
pub fn slugify_anchor(text: &str, strategy: SlugStrategy) -> String {
    match strategy {
        SlugStrategy::On => slug::slugify(text),
        SlugStrategy::Safe | SlugStrategy::Off => {
            text.replace(|c: char| c.is_ascii_whitespace(), "_")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_follow_zola() {
        use SlugStrategy::*;
        for (input, on, safe, off) in [
            ("input", "input", "input", "input"),
            ("test ", "test", "test", "test "),
            ("tes t", "tes-t", "tes t", "tes t"),
            ("dot. ", "dot", "dot", "dot. "),
            ("日本", "ri-ben", "日本", "日本"),
            ("héhé", "hehe", "héhé", "héhé"),
            ("a<b>:c?", "a-b-c", "abc", "a<b>:c?"),
        ] {
            assert_eq!(slugify_path(input, On), on, "{input}");
            assert_eq!(slugify_path(input, Safe), safe, "{input}");
            assert_eq!(slugify_path(input, Off), off, "{input}");
        }
        assert_eq!(slugify_anchor("tes t", Safe), "tes_t");
        assert_eq!(slugify_anchor("Hello World", On), "hello-world");
    }
}
