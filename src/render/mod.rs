//! Templates: Tera with Zola's lookup order and context names.
//!
//! Lookup: the site's `templates/` first, then the theme's, then the built-in defaults, so a
//! site with no templates still builds. Template values are built from the build's data
//! ([`SiteData`]) only for what a render's own context shows.

mod backlinks;
mod data;
mod fields;
mod functions;
pub mod hash;
mod markdown_templates;
mod parse;
pub mod recursion;
mod safe_fn;
mod shortcode_templates;
mod stand_ins;
mod taxonomies;
mod unset_extra;

use crate::assets::images;
use parse::{parse_templates, tera_of};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use data::{Pages, Part, SiteData, TaxonomyData, TermData};
pub use fields::Fields;
pub use functions::filters::FilterSettings;
pub use functions::notes::FunctionNotes;
pub use functions::{hash_call, recording_calls, FileScope, Generated, Network, UNCACHEABLE};
pub use markdown_templates::MarkdownTemplates;
pub use shortcode_templates::{
    ContentView, Shortcode, ShortcodeKind, ShortcodeOrigin, ShortcodeTemplates,
};

/// The terms of taxonomy `tax` of language `lang` in `library`, with their paths and pages
/// (Zola's order).
pub fn taxonomy_data(
    config: &crate::config::Config,
    languages: &crate::config::Languages,
    library: &crate::content::Library,
    tax: &crate::config::TaxonomyConfig,
    lang: usize,
) -> TaxonomyData {
    taxonomies::taxonomy(config, languages, library, tax, lang)
}

/// What can go wrong with templates.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{}: cannot read template ({source})", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("template error: {0}")]
    Parse(String),
    #[error("template `{template}`{location} rendering {page}: {message}")]
    Render {
        template: String,
        /// ` (file:line)` where the failing name first appears, or empty.
        location: String,
        page: String,
        message: String,
    },
    #[error("template `{template}` needed by {page} does not exist (looked in templates/, the theme, and the built-ins)")]
    Missing { template: String, page: String },
    #[error("{file}: templates include each other in a cycle, which would never end: {}", cycle.join(" -> "))]
    IncludeCycle { file: String, cycle: Vec<String> },
}

const BUILTIN: &[(&str, &str)] = &[
    ("index.html", include_str!("builtin/index.html")),
    ("section.html", include_str!("builtin/section.html")),
    ("page.html", include_str!("builtin/page.html")),
    (
        "taxonomy_list.html",
        include_str!("builtin/taxonomy_list.html"),
    ),
    (
        "taxonomy_single.html",
        include_str!("builtin/taxonomy_single.html"),
    ),
    ("404.html", include_str!("builtin/404.html")),
    ("robots.txt", include_str!("builtin/robots.txt")),
    ("anchor-link.html", include_str!("builtin/anchor-link.html")),
    (
        "summary-cutoff.html",
        include_str!("builtin/summary-cutoff.html"),
    ),
    ("__sitegen_base.html", include_str!("builtin/base.html")),
];

/// Every chain message of a Tera error, joined: Tera puts the useful part (the line of a
/// parse error, the missing variable) in its sources.
pub fn tera_message(error: &tera::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        parts.push(e.to_string());
        source = e.source();
    }
    parts.join(": ")
}

fn collect_dir(
    dir: &Path,
    into: &mut BTreeMap<String, (String, Option<PathBuf>)>,
) -> Result<(), RenderError> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(entry.path()).map_err(|source| RenderError::Read {
            path: entry.path().into(),
            source,
        })?;
        into.insert(name, (text, Some(entry.path().to_path_buf())));
    }
    Ok(())
}

/// Every template of a site by name, with its text and file: the built-ins, then the
/// theme's, then the site's (later wins). As in Zola, a theme's templates are also named
/// `NAME/templates/x.html`, so that a site template can extend the one it replaces.
type Sources = BTreeMap<String, (String, Option<PathBuf>)>;

fn sources(site_templates: &Path, theme_templates: Option<&Path>) -> Result<Sources, RenderError> {
    let mut all: Sources = BUILTIN
        .iter()
        .map(|(n, t)| (n.to_string(), (t.to_string(), None)))
        .collect();
    if let Some(theme) = theme_templates {
        let mut from_theme = BTreeMap::new();
        collect_dir(theme, &mut from_theme)?;
        if let Some(name) = theme.parent().and_then(Path::file_name) {
            let name = name.to_string_lossy();
            for (rel, entry) in &from_theme {
                all.insert(format!("{name}/templates/{rel}"), entry.clone());
            }
        }
        all.extend(from_theme);
    }
    collect_dir(site_templates, &mut all)?;
    Ok(all)
}

/// The compiled templates of a site, with sitegen's functions and filters.
pub struct Templates {
    tera: tera::Tera,
    /// (template file, `config.extra` key) pairs rendered as empty because the config does
    /// not set them (see [`unset_extra`]).
    unset_extra: std::sync::Mutex<std::collections::BTreeSet<(String, String)>>,
    /// Built-in page templates standing in for ones the site lacks.
    stand_ins: stand_ins::StandIns,
    /// Name -> (text, file): to point render errors at a line.
    sources: BTreeMap<String, (String, Option<PathBuf>)>,
    /// Name -> what the template and everything it extends, includes or imports depend on.
    closures: HashMap<String, Closure>,
}

/// Template names a template refers to in `extends`, `include` and `import` tags; `None`
/// when a reference is not a string literal (then every template may be used).
fn references(text: &str) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for tag in text.split("{%").skip(1) {
        let tag = tag
            .split("%}")
            .next()
            .unwrap_or("")
            .trim()
            .trim_start_matches('-')
            .trim();
        let keyword = tag.split_whitespace().next().unwrap_or("");
        if !matches!(keyword, "extends" | "include" | "import") {
            continue;
        }
        let rest = &tag[keyword.len()..];
        let quoted: Vec<&str> = rest.split(['"', '\'']).skip(1).step_by(2).collect();
        if quoted.is_empty() {
            return None;
        }
        // `import "x" as m` names one template; `include ["a", "b"]` may name several.
        let take = if keyword == "import" { 1 } else { quoted.len() };
        names.extend(quoted.into_iter().take(take).map(String::from));
    }
    Some(names)
}

/// What a template's output depends on: the template and everything it uses.
struct Closure {
    /// Hash of those templates; `None` if the output must always be made anew.
    hash: Option<u128>,
    /// The page fields they can read.
    fields: Fields,
}

fn closures(sources: &BTreeMap<String, (String, Option<PathBuf>)>) -> HashMap<String, Closure> {
    let uncacheable = |text: &str| {
        functions::UNCACHEABLE
            .iter()
            .any(|f| text.contains(&format!("{f}(")))
    };
    let all_hash = {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for (name, (text, _)) in sources {
            h.update(name.as_bytes());
            h.update(&[0]);
            h.update(text.as_bytes());
            h.update(&[0]);
        }
        h.digest128()
    };
    sources
        .keys()
        .map(|start| {
            let mut seen = std::collections::BTreeSet::new();
            let mut todo = vec![start.clone()];
            let mut dynamic = false;
            while let Some(name) = todo.pop() {
                let Some((text, _)) = sources.get(&name) else {
                    continue;
                };
                if !seen.insert(name) {
                    continue;
                }
                match references(text) {
                    Some(refs) => todo.extend(refs),
                    None => dynamic = true,
                }
            }
            if dynamic {
                seen = sources.keys().cloned().collect();
            }
            let fields = fields::scan(seen.iter().map(|n| sources[n].0.as_str()));
            let hash = if seen.iter().any(|n| uncacheable(&sources[n].0)) {
                None
            } else if dynamic {
                Some(all_hash)
            } else {
                let mut h = xxhash_rust::xxh3::Xxh3::new();
                for name in &seen {
                    h.update(name.as_bytes());
                    h.update(&[0]);
                    h.update(sources[name].0.as_bytes());
                    h.update(&[0]);
                }
                Some(h.digest128())
            };
            (start.clone(), Closure { hash, fields })
        })
        .collect()
}

/// An error for the first cycle of includes (and extends) among the templates.
fn refuse_include_cycles(all: &Sources) -> Result<(), RenderError> {
    let edges = all
        .iter()
        .map(|(name, (text, _))| (name.clone(), recursion::include_targets(text)))
        .collect();
    match recursion::include_cycle(&edges) {
        Some(cycle) => Err(RenderError::IncludeCycle {
            file: recursion::cycle_file(&cycle, all),
            cycle,
        }),
        None => Ok(()),
    }
}

impl Templates {
    /// Loads built-ins, then `theme_dir/templates`, then `site_dir/templates` (later wins).
    pub fn load(
        site_templates: &Path,
        theme_templates: Option<&Path>,
        data: Arc<SiteData>,
    ) -> Result<Self, RenderError> {
        let all = sources(site_templates, theme_templates)?;
        let parsed = parse_templates(&all)?;
        refuse_include_cycles(&all)?;
        let mut tera = tera_of(parsed)?;
        functions::register(&mut tera, data);
        let closures = closures(&all);
        let templated = all
            .iter()
            .any(|(name, (_, path))| path.is_some() && name.ends_with(".html"));
        let stand_ins = stand_ins::StandIns::new(templated, |name| {
            all.get(name).is_some_and(|(_, path)| path.is_some())
        });
        Ok(Templates {
            tera,
            unset_extra: Default::default(),
            stand_ins,
            sources: all,
            closures,
        })
    }

    /// Parses the templates on a thread of their own while the build does other work (they
    /// do not depend on the content): [`Templates::load`] then finds them parsed, or waits
    /// for the parse under way. A template that does not parse is left for `load` to report.
    pub fn prewarm(site_templates: &Path, theme_templates: Option<&Path>) {
        let (site, theme) = (
            site_templates.to_path_buf(),
            theme_templates.map(Path::to_path_buf),
        );
        let _ = std::thread::Builder::new()
            .name("templates".into())
            .spawn(move || {
                if let Ok(all) = sources(&site, theme.as_deref()) {
                    let _ = parse_templates(&all);
                }
            });
    }

    /// The hash of `name` and every template it uses, or `None` if its output must always be
    /// made anew (it calls `now`, `get_random` or `get_env`, or does not exist).
    pub fn closure_hash(&self, name: &str) -> Option<u128> {
        self.closures.get(name).and_then(|c| c.hash)
    }

    /// The page fields `name` (with everything it uses) can read.
    pub fn fields(&self, name: &str) -> Fields {
        self.closures.get(name).and_then(|c| c.fields.clone())
    }

    /// Whether the site or its theme has a template of that name (not only a built-in).
    pub fn provided(&self, name: &str) -> bool {
        self.sources
            .get(name)
            .is_some_and(|(_, path)| path.is_some())
    }

    /// Whether a template of that name exists.
    pub fn has(&self, name: &str) -> bool {
        self.tera.get_template_names().any(|n| n == name)
    }

    /// Renders `template` for `page` (a description used in errors: the source file).
    pub fn render(
        &self,
        template: &str,
        context: &tera::Context,
        page: &str,
    ) -> Result<String, RenderError> {
        if !self.has(template) {
            return Err(RenderError::Missing {
                template: template.into(),
                page: page.into(),
            });
        }
        self.stand_ins.note(template, page);
        let mut patched: Option<tera::Context> = None;
        // Each round fills one missing `config.extra` key; a template reads few.
        for _ in 0..64 {
            let ctx = patched.as_ref().unwrap_or(context);
            let result = recursion::guarded(template, page, || {
                functions::rendering_template(template, || {
                    images::asking(page, || self.tera.render(template, ctx))
                })
            });
            let error = match result {
                Ok(html) => return Ok(html),
                Err(e) => e,
            };
            let message = tera_message(&error);
            let filled = unset_extra::missing_key(&message).and_then(|(key, from)| {
                let ctx = patched.get_or_insert_with(|| context.clone());
                let mut config = ctx.get("config")?.clone();
                unset_extra::fill(&mut config, &key).then(|| {
                    ctx.insert("config", &config);
                    (key.join("."), from)
                })
            });
            match filled {
                Some((key, from)) => {
                    let file = self.file_of(&from);
                    let mut unset = self.unset_extra.lock().unwrap_or_else(|p| p.into_inner());
                    unset.insert((file, key));
                }
                None => {
                    return Err(RenderError::Render {
                        location: self.locate(template, &message),
                        template: template.into(),
                        page: page.into(),
                        message,
                    })
                }
            }
        }
        Err(RenderError::Render {
            location: String::new(),
            template: template.into(),
            page: page.into(),
            message: "more than 64 `config.extra` keys are not set".into(),
        })
    }

    /// The file of template `name` as a user knows it (its path, or the name of a built-in).
    fn file_of(&self, name: &str) -> String {
        match self.sources.get(name) {
            Some((_, Some(path))) => path.display().to_string(),
            _ => name.to_string(),
        }
    }

    /// One warning per built-in page template that stood in for one the site lacks (see
    /// [`stand_ins`]), each once per build.
    pub fn take_stand_in_warnings(&self) -> Vec<String> {
        self.stand_ins.take_warnings()
    }

    /// One warning per `config.extra` key that templates read and the config does not set
    /// (rendered as empty), sorted; each is reported once per build.
    pub fn take_unset_extra_warnings(&self) -> Vec<String> {
        let unset =
            std::mem::take(&mut *self.unset_extra.lock().unwrap_or_else(|p| p.into_inner()));
        unset
            .into_iter()
            .map(|(file, key)| {
                format!(
                    "{file}: `config.extra.{key}` is not set in the config; rendered as empty (Zola stops here with an error)"
                )
            })
            .collect()
    }

    /// Tera does not report lines for render errors; its messages do quote the failing name
    /// (`` Variable `page.x` not found ``). This finds the first line of the template (or,
    /// failing that, of any template: a parent or an include) that uses that name.
    fn locate(&self, template: &str, message: &str) -> String {
        let Some(name) = message.split('`').nth(1).filter(|n| !n.is_empty()) else {
            return String::new();
        };
        let first = self.sources.get_key_value(template).into_iter();
        for (tname, (text, path)) in first.chain(self.sources.iter()) {
            if let Some(line) = text.lines().position(|l| l.contains(name)) {
                let file = path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| tname.clone());
                return format!(" ({file}:{})", line + 1);
            }
        }
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::content::Library;

    fn data() -> Arc<SiteData> {
        let (config, _) =
            Config::parse("base_url = \"https://ex.com\"", Path::new("config.toml")).unwrap();
        Arc::new(SiteData::build(
            &config,
            Library::default(),
            Vec::new(),
            Vec::new(),
            FileScope::new(
                PathBuf::from("."),
                None,
                PathBuf::from(".sitegen/downloads"),
                Network::Offline,
            ),
        ))
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        crate::output::atomic_write(path, text.as_bytes()).unwrap();
    }

    /// The kept parse answers only for the same set: an edit is parsed again, a syntax
    /// error still names its file, and the theme's twin names render alike.
    #[test]
    fn a_parse_is_reused_only_for_the_same_templates() {
        let dir = tempfile::tempdir().unwrap();
        let (site, theme) = (
            dir.path().join("templates"),
            dir.path().join("themes/t/templates"),
        );
        write(&theme.join("page.html"), "theme {{ 1 + 1 }}");
        write(&site.join("a.html"), "one");
        let ctx = tera::Context::new();
        for _ in 0..2 {
            let t = Templates::load(&site, Some(&theme), data()).unwrap();
            assert_eq!(t.render("a.html", &ctx, "p").unwrap(), "one");
            assert_eq!(
                t.render("t/templates/page.html", &ctx, "p").unwrap(),
                "theme 2"
            );
        }
        write(&site.join("a.html"), "two");
        let t = Templates::load(&site, Some(&theme), data()).unwrap();
        assert_eq!(t.render("a.html", &ctx, "p").unwrap(), "two");
        write(&site.join("a.html"), "{{ broken");
        let err = Templates::load(&site, Some(&theme), data()).err().unwrap();
        assert!(err.to_string().contains("a.html"), "{err}");
    }

    #[test]
    fn site_templates_override_theme_which_overrides_built_ins() {
        let dir = tempfile::tempdir().unwrap();
        let (site, theme) = (dir.path().join("templates"), dir.path().join("theme"));
        write(&theme.join("page.html"), "theme page");
        write(&theme.join("404.html"), "theme 404");
        write(
            &site.join("404.html"),
            "site 404 {{ get_url(path='x') | safe }}",
        );
        let t = Templates::load(&site, Some(&theme), data()).unwrap();
        let ctx = tera::Context::new();
        assert_eq!(t.render("page.html", &ctx, "p").unwrap(), "theme page");
        assert_eq!(
            t.render("404.html", &ctx, "p").unwrap(),
            "site 404 https://ex.com/x"
        );
        assert!(
            t.has("robots.txt") && t.has("taxonomy_single.html"),
            "built-ins present"
        );
        assert!(matches!(
            t.render("nope.html", &ctx, "p"),
            Err(RenderError::Missing { .. })
        ));
    }

    #[test]
    fn a_site_template_extends_the_theme_template_it_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("templates");
        let theme = dir.path().join("themes/sample/templates");
        write(
            &theme.join("index.html"),
            "theme [{% block main %}theme main{% endblock main %}]",
        );
        write(
            &site.join("index.html"),
            "{% extends \"sample/templates/index.html\" %}{% block main %}site{% endblock main %}",
        );
        let t = Templates::load(&site, Some(&theme), data()).unwrap();
        let ctx = tera::Context::new();
        assert_eq!(t.render("index.html", &ctx, "p").unwrap(), "theme [site]");
        assert_eq!(
            t.render("sample/templates/index.html", &ctx, "p").unwrap(),
            "theme [theme main]"
        );
    }

    #[test]
    fn fields_cover_the_closure_and_the_shipped_theme_is_scanned() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("templates");
        write(
            &site.join("m.html"),
            "{% macro l(ps) %}{{ ps[0].word_count }}{% endmacro l %}",
        );
        write(
            &site.join("list.html"),
            "{% import \"m.html\" as m %}{% for p in pages %}{{ p.title }}{% endfor %}",
        );
        write(&site.join("dump.html"), "{{ page | json_encode }}");
        let t = Templates::load(&site, None, data()).unwrap();
        let fields = t.fields("list.html").unwrap();
        assert!(fields.contains("title") && fields.contains("word_count"));
        assert!(!fields.contains("summary"));
        assert!(t.fields("dump.html").is_none());
        // The example site's theme (what the golden test checks byte for byte) is pruned:
        // that test covers the pruning, not only the keep-everything path.
        let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates");
        assert!(theme.join("page.html").is_file());
        let t = Templates::load(&site, Some(&theme), data()).unwrap();
        for name in [
            "index.html",
            "section.html",
            "page.html",
            "taxonomy_single.html",
        ] {
            assert!(t.fields(name).is_some(), "{name} is scanned");
        }
    }

    #[test]
    fn closure_hashes_follow_extends_include_and_import() {
        assert_eq!(
            references("{% extends \"base.html\" %}{% include \"a.html\" %}").unwrap(),
            ["base.html", "a.html"]
        );
        assert_eq!(
            references("{% import 'm.html' as m %}{%- include [\"x\", \"y\"] -%}").unwrap(),
            ["m.html", "x", "y"]
        );
        assert!(references("{% include some_var %}").is_none());
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("templates");
        write(&site.join("base.html"), "{% block b %}{% endblock b %}");
        write(&site.join("page.html"), "{% extends \"base.html\" %}");
        write(&site.join("other.html"), "plain");
        write(&site.join("clock.html"), "{{ now() }}");
        let before = Templates::load(&site, None, data()).unwrap();
        write(
            &site.join("base.html"),
            "{% block b %}changed{% endblock b %}",
        );
        let after = Templates::load(&site, None, data()).unwrap();
        assert_ne!(
            before.closure_hash("page.html"),
            after.closure_hash("page.html"),
            "parent change"
        );
        assert_eq!(
            before.closure_hash("other.html"),
            after.closure_hash("other.html")
        );
        assert_eq!(after.closure_hash("clock.html"), None);
    }

    #[test]
    fn render_errors_point_at_the_line_using_the_missing_name() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("templates");
        write(&site.join("page.html"), "a\nb\n{{ missing_thing }}\n");
        let t = Templates::load(&site, None, data()).unwrap();
        let err = t
            .render("page.html", &tera::Context::new(), "content/x.md")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("page.html:3") && err.contains("content/x.md"),
            "{err}"
        );
    }
}
