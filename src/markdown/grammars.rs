//! The grammars code blocks are highlighted with: the built-in set (two-face's, decoded once
//! per process) and a site's `extra_grammars`, kept in a second, small set.
//!
//! Why two sets: building a `SyntaxSet` serializes and compresses every grammar in it again.
//! Merging a site's one extra grammar into the 200 built-in ones cost 450 ms on every build (a
//! ten-page site took 0.55 s). So the site's grammars get a set of their own, unless one of
//! them includes or embeds a grammar outside them: syntect links references only inside one
//! set, and a linked grammar cannot be copied into another (its references are indices into
//! its own set), so such a site pays for the merged set as before.
//!
//! Lookups go as syntect's `find_syntax_by_token` goes in a merged set, where the site's
//! grammars come last and so are tried first: by file extension (the site's, then the built-in
//! ones), then by name. One thing a merged set did that the small one does not: a built-in
//! grammar that embeds a scope a site grammar redefines keeps embedding the built-in one.

use std::collections::HashSet;
use std::sync::Arc;

use syntect::parsing::syntax_definition::{ContextReference, MatchOperation, Pattern};
use syntect::parsing::{Scope, SyntaxDefinition, SyntaxReference, SyntaxSet, SyntaxSetBuilder};

use super::themes::default_syntaxes;

/// The built-in grammars, and a site's own in a set of their own.
#[derive(Debug)]
pub(super) struct Grammars {
    builtin: Arc<SyntaxSet>,
    /// The site's own set: its grammars (the first `usize` of the set), then Plain Text.
    site: Option<(SyntaxSet, usize)>,
}

/// What a grammar refers to outside itself.
#[derive(PartialEq, Eq, Hash, Clone)]
enum Target {
    Scope(Scope),
    Name(String),
}

impl Grammars {
    /// Only the built-in grammars.
    pub fn builtin() -> Grammars {
        Grammars {
            builtin: default_syntaxes().clone(),
            site: None,
        }
    }

    /// The built-in grammars and the site's, as loaded into `site`.
    pub fn with_site(mut site: SyntaxSetBuilder) -> Grammars {
        let own = site.syntaxes().len();
        if own == 0 {
            return Grammars::builtin();
        }
        let builtin = default_syntaxes().clone();
        let have: HashSet<Target> = site.syntaxes().iter().flat_map(provides).collect();
        let outside = site
            .syntaxes()
            .iter()
            .flat_map(refers_to)
            .any(|t| !have.contains(&t));
        if outside {
            // Linked grammars cannot be copied into another set (their references are indices
            // into their own), so a site grammar that embeds others joins the built-in set.
            let mut merged = builtin.as_ref().clone().into_builder();
            for def in site.syntaxes() {
                merged.add(def.clone());
            }
            return Grammars {
                builtin: Arc::new(merged.build()),
                site: None,
            };
        }
        // An `embed` with an `escape` whose scope is missing falls back to Plain Text.
        site.add_plain_text_syntax();
        Grammars {
            builtin,
            site: Some((site.build(), own)),
        }
    }

    /// The Plain Text grammar.
    pub fn plain_text(&self) -> (&SyntaxReference, &SyntaxSet) {
        (self.builtin.find_syntax_plain_text(), &self.builtin)
    }

    /// The grammar a fence's token names: by extension, then by case-insensitive name.
    pub fn by_token(&self, token: &str) -> Option<(&SyntaxReference, &SyntaxSet)> {
        self.find(|s| {
            s.file_extensions
                .iter()
                .any(|e| e.eq_ignore_ascii_case(token))
        })
        .or_else(|| self.find(|s| s.name.eq_ignore_ascii_case(token)))
    }

    /// The last of the site's grammars that `matches`, else the last built-in one.
    fn find(
        &self,
        matches: impl Fn(&SyntaxReference) -> bool,
    ) -> Option<(&SyntaxReference, &SyntaxSet)> {
        let site = self.site.as_ref().and_then(|(set, own)| {
            let found = set.syntaxes()[..*own].iter().rev().find(|s| matches(s));
            found.map(|s| (s, set))
        });
        site.or_else(|| {
            let found = self.builtin.syntaxes().iter().rev().find(|s| matches(s));
            found.map(|s| (s, self.builtin.as_ref()))
        })
    }
}

/// The targets a grammar answers to: its scope and its name.
fn provides(def: &SyntaxDefinition) -> Vec<Target> {
    vec![Target::Scope(def.scope), Target::Name(def.name.clone())]
}

/// The other grammars a grammar's contexts include, push, set or embed.
fn refers_to(def: &SyntaxDefinition) -> Vec<Target> {
    let mut out = Vec::new();
    let mut add = |r: &ContextReference| match r {
        ContextReference::ByScope { scope, .. } => out.push(Target::Scope(*scope)),
        ContextReference::File { name, .. } => out.push(Target::Name(name.clone())),
        _ => {}
    };
    for context in def.contexts.values() {
        for pattern in &context.patterns {
            match pattern {
                Pattern::Include(r) => add(r),
                Pattern::Match(m) => {
                    if let MatchOperation::Push(refs) | MatchOperation::Set(refs) = &m.operation {
                        refs.iter().for_each(&mut add);
                    }
                    if let Some(r) = &m.with_prototype {
                        add(r);
                    }
                }
            }
        }
    }
    out.retain(|t| !provides(def).contains(t));
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{HighlightStyle, HighlightingConfig};
    use crate::markdown::fence::parse_fence;
    use crate::markdown::highlight::Highlighter;
    use syntect::parsing::{SyntaxDefinition, SyntaxSetBuilder};

    use super::Grammars;

    /// A highlighter with the grammar files `files` (name, text) as `extra_grammars`, classes
    /// for colours so that the output names the scopes.
    fn with_grammars(files: &[(&str, &str)]) -> (Highlighter, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            crate::output::atomic_write(dir.path().join(name), text).unwrap();
        }
        let hl = HighlightingConfig {
            theme: Some("base16-ocean-dark".into()),
            style: HighlightStyle::Class,
            extra_grammars: files.iter().map(|(n, _)| n.to_string()).collect(),
            ..HighlightingConfig::default()
        };
        Highlighter::new(&hl, Some(dir.path()), Path::new("config.toml"))
    }

    fn grammar(name: &str, extensions: &str, rules: &str) -> String {
        format!(
            "%YAML 1.2\n---\nname: {name}\nfile_extensions: [{extensions}]\nscope: source.{}\ncontexts:\n  main:\n{rules}",
            name.to_lowercase()
        )
    }

    const HELLO: &str = "    - match: '\\bhello\\b'\n      scope: keyword.other.hello\n";

    #[test]
    fn a_site_grammar_highlights_its_language() {
        let (h, warnings) =
            with_grammars(&[("mini.sublime-syntax", &grammar("Mini", "mini", HELLO))]);
        assert!(warnings.is_empty(), "{warnings:?}");
        let out = h.code_block("hello world\n", &parse_fence("mini")).unwrap();
        assert!(
            out.contains("<span class=\"z-keyword z-other z-hello\">hello</span>"),
            "{out}"
        );
        // The built-in grammars are all still there.
        let rust = h
            .code_block("fn main() {}\n", &parse_fence("rust"))
            .unwrap();
        assert!(rust.contains("z-storage"), "{rust}");
    }

    /// Its embeds of built-in grammars link as in one merged set, and an embed of a scope no
    /// grammar has falls back to plain text (with its escape) rather than failing.
    #[test]
    fn a_site_grammar_embeds_built_in_ones() {
        let embeds = format!(
            "{HELLO}    - match: '<<'\n      embed: scope:source.rust\n      escape: '>>'\n    - match: '\\[\\['\n      embed: scope:source.nothing\n      escape: '\\]\\]'\n"
        );
        let (h, warnings) =
            with_grammars(&[("mini.sublime-syntax", &grammar("Mini", "mini", &embeds))]);
        assert!(warnings.is_empty(), "{warnings:?}");
        let out = h
            .code_block("hello << fn main() {} >> [[ fn ]]\n", &parse_fence("mini"))
            .unwrap();
        assert!(
            out.contains("<span class=\"z-storage z-type z-function z-rust\"> fn</span>"),
            "the built-in Rust inside: {out}"
        );
        assert!(
            out.contains("<span class=\"z-text z-plain\"> fn </span>"),
            "{out}"
        );
    }

    /// Which set the site's grammars land in: their own unless they refer outside it.
    #[test]
    fn only_grammars_that_embed_others_join_the_built_in_set() {
        let embeds = format!("{HELLO}    - include: scope:source.rust\n");
        for (rules, own_set) in [(HELLO.to_string(), true), (embeds, false)] {
            let mut builder = SyntaxSetBuilder::new();
            let text = grammar("Mini", "mini", &rules);
            builder.add(SyntaxDefinition::load_from_str(&text, true, None).unwrap());
            let g = Grammars::with_site(builder);
            assert_eq!(g.site.is_some(), own_set, "{rules}");
            let (found, _) = g.by_token("mini").unwrap();
            assert_eq!(found.name, "Mini");
            assert!(g.by_token("rust").is_some());
        }
    }

    /// Lookups as in a merged set where the site's grammars come last: a site grammar's
    /// extension wins over a built-in one, and any extension over a name.
    #[test]
    fn site_grammars_are_found_as_syntect_finds_them() {
        let (h, _) = with_grammars(&[
            ("a.sublime-syntax", &grammar("Mine", "rs", HELLO)),
            ("b.sublime-syntax", &grammar("toml", "", HELLO)),
        ]);
        let rs = h.code_block("hello\n", &parse_fence("rs")).unwrap();
        assert!(rs.contains("z-hello"), "the site's .rs grammar: {rs}");
        // Built-in TOML has the extension `toml`: it wins over a site grammar named toml.
        let toml = h.code_block("hello = 1\n", &parse_fence("toml")).unwrap();
        assert!(!toml.contains("z-hello"), "{toml}");
    }
}
