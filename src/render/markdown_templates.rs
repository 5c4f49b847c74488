//! The two templates Markdown rendering calls: `anchor-link.html` (next to each heading when
//! `insert_anchor_links` asks for it) and `summary-cutoff.html` (after a cut summary).
//!
//! Why a Tera of their own: Markdown is rendered before the site's template data exists
//! (the templates' data is made from the renders), so these two are loaded first, from the
//! site, then the theme, then the built-ins, with Zola's context (`id`, `level`, `lang`;
//! `summary`, `lang`) and Tera's built-in filters only.

use std::path::Path;

use super::{tera_message, RenderError};

const ANCHOR_LINK: &str = "anchor-link.html";
const SUMMARY_CUTOFF: &str = "summary-cutoff.html";

/// The loaded templates; `Sync`, so renders on every thread call them.
pub struct MarkdownTemplates {
    tera: tera::Tera,
    lang: String,
    /// Hash of both templates' text: part of every Markdown render key.
    pub hash: u128,
}

impl MarkdownTemplates {
    /// Loads both templates: the site's, else the theme's, else the built-in one.
    /// Under `--safe`, `get_env` answers as [`crate::safety`] allows (warnings to `notes`).
    pub fn load(
        site_templates: &Path,
        theme_templates: Option<&Path>,
        lang: &str,
        safety: &crate::safety::Safety,
        notes: &std::sync::Arc<super::FunctionNotes>,
    ) -> Result<Self, RenderError> {
        let mut tera = tera::Tera::default();
        super::functions::env::register_get_env(&mut tera, safety, std::sync::Arc::clone(notes));
        tera.autoescape_on(vec![".html"]);
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for (name, builtin) in [
            (ANCHOR_LINK, include_str!("builtin/anchor-link.html")),
            (SUMMARY_CUTOFF, include_str!("builtin/summary-cutoff.html")),
        ] {
            let dirs = std::iter::once(site_templates).chain(theme_templates);
            let found = dirs.map(|d| d.join(name)).find(|p| p.is_file());
            let (text, shown) = match found {
                Some(path) => {
                    let text =
                        std::fs::read_to_string(&path).map_err(|source| RenderError::Read {
                            path: path.clone(),
                            source,
                        })?;
                    (text, path.display().to_string())
                }
                None => (builtin.to_string(), format!("built-in {name}")),
            };
            tera.add_raw_template(name, &text)
                .map_err(|e| RenderError::Parse(format!("{shown}: {}", tera_message(&e))))?;
            h.update(name.as_bytes());
            h.update(&(text.len() as u64).to_le_bytes());
            h.update(text.as_bytes());
        }
        Ok(MarkdownTemplates {
            tera,
            lang: lang.to_string(),
            hash: h.digest128(),
        })
    }

    /// `anchor-link.html` for the heading `id` of `level`, in a page of language `lang`
    /// (`None`: the site's default language).
    pub fn anchor_link(&self, lang: Option<&str>, id: &str, level: u32) -> Result<String, String> {
        let mut ctx = tera::Context::new();
        ctx.insert("id", id);
        ctx.insert("level", &level);
        ctx.insert("lang", lang.unwrap_or(&self.lang));
        self.render(ANCHOR_LINK, &ctx)
    }

    /// `summary-cutoff.html` after `summary` (its HTML so far), in a page of language
    /// `lang` (`None`: the site's default language).
    pub fn summary_cutoff(&self, lang: Option<&str>, summary: &str) -> Result<String, String> {
        let mut ctx = tera::Context::new();
        ctx.insert("summary", summary);
        ctx.insert("lang", lang.unwrap_or(&self.lang));
        self.render(SUMMARY_CUTOFF, &ctx)
    }

    fn render(&self, name: &str, ctx: &tera::Context) -> Result<String, String> {
        self.tera
            .render(name, ctx)
            .map_err(|e| format!("{name}: {}", tera_message(&e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safety::Safety;

    #[test]
    fn site_then_theme_then_built_in() {
        let notes = std::sync::Arc::default();
        let dir = tempfile::tempdir().unwrap();
        let (site, theme) = (dir.path().join("templates"), dir.path().join("theme"));
        std::fs::create_dir_all(&site).unwrap();
        std::fs::create_dir_all(&theme).unwrap();
        let built_in =
            MarkdownTemplates::load(&site, Some(&theme), "en", &Safety::Trusted, &notes).unwrap();
        assert!(built_in
            .anchor_link(None, "intro", 2)
            .unwrap()
            .contains("href=\"#intro\""));
        crate::output::atomic_write(theme.join(ANCHOR_LINK), "[theme {{ id }}]").unwrap();
        crate::output::atomic_write(
            theme.join(SUMMARY_CUTOFF),
            "({{ lang }} {{ summary | length }})",
        )
        .unwrap();
        let themed =
            MarkdownTemplates::load(&site, Some(&theme), "fr", &Safety::Trusted, &notes).unwrap();
        assert_eq!(themed.anchor_link(None, "a", 1).unwrap(), "[theme a]");
        assert_eq!(themed.summary_cutoff(None, "abc").unwrap(), "(fr 3)");
        assert_eq!(themed.summary_cutoff(Some("ar"), "abc").unwrap(), "(ar 3)");
        assert_ne!(themed.hash, built_in.hash);
        crate::output::atomic_write(site.join(ANCHOR_LINK), "[site {{ level }}]").unwrap();
        let own =
            MarkdownTemplates::load(&site, Some(&theme), "en", &Safety::Trusted, &notes).unwrap();
        assert_eq!(own.anchor_link(None, "a", 3).unwrap(), "[site 3]");
        crate::output::atomic_write(site.join(ANCHOR_LINK), "{{ oops(").unwrap();
        let err = MarkdownTemplates::load(&site, None, "en", &Safety::Trusted, &notes)
            .err()
            .unwrap();
        assert!(err.to_string().contains("anchor-link.html"), "{err}");
        crate::output::atomic_write(site.join(ANCHOR_LINK), "{{ missing }}").unwrap();
        let broken = MarkdownTemplates::load(&site, None, "en", &Safety::Trusted, &notes).unwrap();
        assert!(broken.anchor_link(None, "a", 1).is_err());
    }
}
