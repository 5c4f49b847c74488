//! The template data of a build: the library and its Markdown renders, from which the values
//! templates see (`page`, `section`, `paginator`, `term`, ...) are built on demand.
//!
//! Why on demand: holding every value a template could see means a copy of each page's list
//! entry in its section, in every term and in its neighbours (~45 KiB per page, 440 MiB at
//! 10,000 pages). Building a value only for an output that renders costs little, and an
//! incremental build decides what to render from hashes alone: each field of each page's
//! list entry is hashed once, and a page's, section's or term's hash combines the hashes of
//! the fields its template can read (see `fields`).

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{json, Value};
use xxhash_rust::xxh3::Xxh3;

use super::fields::{keeps, Fields};
use super::hash::{hash_str, hash_value, value_hash, HashWriter};
pub use super::taxonomies::{TaxonomyData, TermData};
use crate::config::Config;
use crate::content::front_matter::{self, SortBy};
use crate::content::{slugify, Library, Page};
use crate::markdown::Rendered;

/// Whether a section's or term's value lists its pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pages {
    /// With `pages`: the list entries of all its pages.
    Listed,
    /// With `pages` empty (a paginated section: its pages are in the paginator).
    Empty,
}

/// A value of a render context, built only when the output is rendered and hashed without
/// being built.
pub enum Part<'a> {
    /// A value at hand.
    Value(Cow<'a, Value>),
    /// A page, with its content and neighbours (`page`, `get_page`).
    Page(usize),
    /// An object with `pages` set to the list entries of these pages (a section, a paginator,
    /// a term).
    WithPages(Cow<'a, Value>, &'a [usize]),
    /// The terms of a taxonomy, each with its pages (`terms`, `get_taxonomy`'s `items`).
    Terms(usize),
    /// The list entries of these pages (a feed's `pages`).
    List(Cow<'a, [usize]>),
}

/// Everything templates can see, for one build.
pub struct SiteData {
    pub base_url: String,
    /// Where functions that read files (`load_data`, `get_hash`, ...) find them, and the
    /// record of what they read (inputs of the next build).
    pub files: crate::render::FileScope,
    /// `config.default_language`.
    pub lang: String,
    /// The site's languages (the default first).
    pub languages: crate::config::Languages,
    /// Per language, the config as its templates see it (`configs[0]` is `config`).
    pub configs: Vec<Value>,
    /// `[markdown]` and the anchor slug strategy (for the `markdown` filter).
    pub markdown: crate::config::MarkdownConfig,
    pub anchors: crate::content::slug::SlugStrategy,
    pub config: Value,
    pub library: Library,
    /// Per page, its Markdown render.
    rendered: Vec<Rendered>,
    /// Per page, its permalink.
    pub permalinks: Vec<String>,
    /// Per page, the pages and sections that link to it (`backlinks`).
    page_backlinks: Vec<Value>,
    /// Per page, the hash of each of its list entry's fields ([`LIGHT_FIELDS`]): the hash
    /// of an entry with some of the fields combines theirs. Each is computed the first time
    /// a key needs it, so that a field no template reads (a page's `content` in lists, its
    /// `toc`, ...) costs nothing.
    field_hashes: Vec<[std::sync::OnceLock<u128>; LIGHT_FIELDS.len()]>,
    /// Per page, the pages before and after it in its section (`higher`, `lower`).
    neighbours: Vec<(Option<usize>, Option<usize>)>,
    /// Per section, its value without `pages`.
    section_bases: Vec<Value>,
    /// Per section with `paginate_reversed`, its pages in reverse order.
    reversed: HashMap<usize, Vec<usize>>,
    pub page_by_rel: HashMap<String, usize>,
    pub section_by_rel: HashMap<String, usize>,
    pub taxonomies: Vec<TaxonomyData>,
    /// Warnings of the template functions, printed once each by the build.
    pub notes: std::sync::Arc<super::functions::notes::FunctionNotes>,
    /// What a broken `@/` link in the `markdown` filter's text does.
    pub filter_broken_links: crate::markdown::BrokenLinks,
}

/// The fields of a page as lists show it (Zola's page, without `lower`/`higher`).
const LIGHT_FIELDS: [&str; 29] = [
    "relative_path",
    "colocated_path",
    "content",
    "toc",
    "ancestors",
    "year",
    "month",
    "day",
    "authors",
    "components",
    "lang",
    "translations",
    "backlinks",
    "title",
    "description",
    "date",
    "updated",
    "weight",
    "draft",
    "slug",
    "path",
    "permalink",
    "summary",
    "word_count",
    "reading_time",
    "taxonomies",
    "aliases",
    "extra",
    "assets",
];

/// What a page's fields need besides the page: its language, its backlinks and the
/// library (for its translations).
struct Around<'a> {
    lang: &'a str,
    backlinks: &'a Value,
    library: &'a Library,
    permalinks: &'a [String],
}

/// Zola's `translations` of a page: `lang`, `title`, `permalink` and `path` (the content
/// file, relative to `content/`, which `get_page` takes) of each of its translations.
fn page_translations(page: &Page, around: &Around) -> Value {
    let library = around.library;
    Value::Array(
        page.translations
            .iter()
            .map(|&t| {
                let other = &library.pages[t];
                json!({
                    "lang": library.languages[other.lang],
                    "title": other.front.title,
                    "permalink": around.permalinks[t],
                    "path": other.rel,
                })
            })
            .collect(),
    )
}

/// Field `LIGHT_FIELDS[k]` of a page.
fn light_field(
    page: &Page,
    rendered: &Rendered,
    permalink: &str,
    around: &Around,
    k: usize,
) -> Value {
    let lang = around.lang;
    use chrono::Datelike;
    match LIGHT_FIELDS[k] {
        "relative_path" => json!(page.rel),
        "colocated_path" => json!(page.colocated_path),
        "content" => json!(rendered.html),
        "toc" => serde_json::to_value(&rendered.toc).unwrap_or(Value::Null),
        "ancestors" => json!(page.ancestors),
        "year" => json!(page.date.map(|d| d.year())),
        "month" => json!(page.date.map(|d| d.month())),
        "day" => json!(page.date.map(|d| d.day())),
        "authors" => json!(page.front.authors),
        "components" => json!(components(&page.url_path)),
        "lang" => json!(lang),
        // Only on multilingual sites (Zola lists none on others).
        "translations" => page_translations(page, around),
        "backlinks" => around.backlinks.clone(),
        "title" => json!(page.front.title),
        "description" => json!(page.front.description),
        "date" => json!(front_matter::date_text(
            page.front.date.as_deref(),
            page.date
        )),
        "updated" => json!(front_matter::date_text(
            page.front.updated.as_deref(),
            page.updated
        )),
        "weight" => json!(page.front.weight),
        "draft" => json!(page.front.draft),
        "slug" => json!(page.slug),
        "path" => json!(page.url_path),
        "permalink" => json!(permalink),
        "summary" => json!(rendered.summary),
        "word_count" => json!(rendered.word_count),
        "reading_time" => json!(rendered.reading_time),
        "taxonomies" => json!(page.front.taxonomies),
        "aliases" => json!(page.front.aliases),
        "extra" => json!(page.front.extra),
        // Zola: `/` + the asset's path in `content/`.
        _ => json!(page.asset_paths()),
    }
}

/// The bits of [`LIGHT_FIELDS`] that `fields` keeps.
fn field_mask(fields: &Fields) -> u32 {
    (0..LIGHT_FIELDS.len())
        .filter(|&k| keeps(fields, LIGHT_FIELDS[k]))
        .fold(0, |mask, k| mask | 1 << k)
}

/// The hash of field `LIGHT_FIELDS[k]` of a page, computed once per page and field each
/// build. Most fields are hashed from the page directly, without building their value:
/// this runs for every field of every page, whether a template reads it or not.
fn light_field_hash(
    page: &Page,
    rendered: &Rendered,
    permalink: &str,
    around: &Around,
    k: usize,
) -> u128 {
    use chrono::Datelike;
    let mut h = Xxh3::new();
    let strings = |h: &mut Xxh3, items: &[String]| {
        h.update(&(items.len() as u64).to_le_bytes());
        items.iter().for_each(|s| hash_str(h, s));
    };
    let date_part = |h: &mut Xxh3, part: Option<u32>| match part {
        Some(n) => h.update(&u64::from(n).to_le_bytes()),
        None => h.update(b"-"),
    };
    match LIGHT_FIELDS[k] {
        "content" => hash_str(&mut h, &rendered.html),
        "toc" => {
            let _ = serde_json::to_writer(HashWriter(&mut h), &rendered.toc);
        }
        "backlinks" => hash_value(&mut h, around.backlinks),
        "lang" => hash_str(&mut h, around.lang),
        "translations" => {
            for &t in &page.translations {
                let other = &around.library.pages[t];
                hash_str(&mut h, &around.library.languages[other.lang]);
                hash_str(&mut h, other.front.title.as_deref().unwrap_or("\0"));
                hash_str(&mut h, &around.permalinks[t]);
                hash_str(&mut h, &other.rel);
            }
        }
        "ancestors" => strings(&mut h, &page.ancestors),
        "authors" => strings(&mut h, &page.front.authors),
        "components" => components(&page.url_path)
            .iter()
            .for_each(|c| hash_str(&mut h, c)),
        "colocated_path" => hash_str(&mut h, page.colocated_path.as_deref().unwrap_or("\0")),
        "year" => date_part(&mut h, page.date.map(|d| d.year() as u32)),
        "month" => date_part(&mut h, page.date.map(|d| d.month())),
        "day" => date_part(&mut h, page.date.map(|d| d.day())),
        "relative_path" => hash_str(&mut h, &page.rel),
        "slug" => hash_str(&mut h, &page.slug),
        "path" => hash_str(&mut h, &page.url_path),
        "permalink" => hash_str(&mut h, permalink),
        _ => return value_hash(&light_field(page, rendered, permalink, around, k)),
    }
    h.digest128()
}

/// The directory of a section's file with a trailing `/` (`blog/` for `blog/_index.fr.md`,
/// empty for the root).
fn section_dir(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..=i])
}

/// The path split on `/` (Zola's `components`).
fn components(url_path: &str) -> Vec<&str> {
    url_path.split('/').filter(|c| !c.is_empty()).collect()
}

/// A page as lists show it, with the fields in `fields`.
fn light_page(
    page: &Page,
    rendered: &Rendered,
    permalink: &str,
    around: &Around,
    fields: &Fields,
) -> Value {
    let map = (0..LIGHT_FIELDS.len())
        .filter(|&k| keeps(fields, LIGHT_FIELDS[k]))
        .map(|k| {
            let value = light_field(page, rendered, permalink, around, k);
            (LIGHT_FIELDS[k].to_string(), value)
        });
    Value::Object(map.collect())
}

impl SiteData {
    /// Takes the library and its renders (`rendered` per page, `section_rendered` per
    /// section) and computes what every build needs: permalinks, taxonomies, page hashes.
    pub fn build(
        config: &Config,
        library: Library,
        rendered: Vec<Rendered>,
        section_rendered: Vec<Rendered>,
        files: crate::render::FileScope,
    ) -> Self {
        let permalinks: Vec<String> = library
            .pages
            .iter()
            .map(|p| config.permalink(&p.url_path))
            .collect();
        let languages = config.site_languages();
        let (page_backlinks, section_backlinks) = super::backlinks::backlinks(
            config,
            &library,
            &permalinks,
            &rendered,
            &section_rendered,
        );
        let field_hashes = (0..library.pages.len())
            .map(|_| std::array::from_fn(|_| std::sync::OnceLock::new()))
            .collect();
        // Neighbours as Zola sets them: only in sorted, non-transparent sections; `lower` is
        // the page before in the section's order, `higher` the one after.
        let mut neighbours: Vec<(Option<usize>, Option<usize>)> =
            vec![(None, None); library.pages.len()];
        for section in &library.sections {
            if section.front.sort_by == SortBy::None || section.front.transparent {
                continue;
            }
            for (k, &p) in section.pages.iter().enumerate() {
                let lower = k.checked_sub(1).map(|h| section.pages[h]);
                neighbours[p] = (section.pages.get(k + 1).copied(), lower);
            }
        }
        let section_bases: Vec<Value> = library
            .sections
            .iter()
            .zip(&section_rendered)
            .zip(section_backlinks)
            .map(|((s, r), backlinks)| {
                let translations: Vec<Value> = s.translations.iter().map(|&t| {
                    let other = &library.sections[t];
                    json!({
                        "lang": library.languages[other.lang],
                        "title": other.front.title,
                        "permalink": config.permalink(&other.url_path),
                        "path": other.rel,
                    })
                }).collect();
                json!({
                    "relative_path": s.rel,
                    "colocated_path": null,
                    "title": s.front.title,
                    "description": s.front.description,
                    "draft": s.front.draft,
                    "path": s.url_path,
                    "components": components(&s.url_path),
                    "permalink": config.permalink(&s.url_path),
                    "content": r.html,
                    "toc": r.toc,
                    "word_count": r.word_count,
                    "reading_time": r.reading_time,
                    "extra": s.front.extra,
                    "ancestors": s.ancestors,
                    "lang": library.languages[s.lang],
                    "assets": s.assets.iter().filter_map(|a| Some(format!("/{}{}", section_dir(&s.rel), a.file_name()?.to_string_lossy()))).collect::<Vec<_>>(),
                    "translations": translations,
                    "backlinks": backlinks,
                    "generate_feeds": s.front.generate_feeds,
                    "transparent": s.front.transparent,
                    "paginate_by": s.front.paginate_by,
                    "paginate_reversed": s.front.paginate_reversed,
                    "subsections": s.subsections.iter().map(|&c| library.sections[c].rel.clone()).collect::<Vec<_>>(),
                })
            })
            .collect();
        let reversed = library
            .sections
            .iter()
            .enumerate()
            .filter(|(_, s)| s.front.paginate_reversed)
            .map(|(i, s)| (i, s.pages.iter().rev().copied().collect()))
            .collect();
        let taxonomies = languages
            .all()
            .iter()
            .enumerate()
            .flat_map(|(lang, l)| l.taxonomies.iter().map(move |tax| (lang, tax)))
            .map(|(lang, tax)| super::taxonomies::taxonomy(config, &languages, &library, tax, lang))
            .collect();
        let configs = (0..languages.all().len())
            .map(|lang| config.template_value_for(&languages, lang))
            .collect::<Vec<_>>();
        SiteData {
            notes: Default::default(),
            filter_broken_links: crate::markdown::BrokenLinks::for_level(
                config.link_checker.internal_level,
            ),
            files,
            base_url: config.base_url.clone(),
            lang: config.default_language.clone(),
            markdown: config.markdown.clone(),
            anchors: config.slugify.anchors,
            config: configs[0].clone(),
            configs,
            languages,
            page_by_rel: library
                .pages
                .iter()
                .enumerate()
                .map(|(i, p)| (p.rel.clone(), i))
                .collect(),
            section_by_rel: library
                .sections
                .iter()
                .enumerate()
                .map(|(i, s)| (s.rel.clone(), i))
                .collect(),
            library,
            rendered,
            permalinks,
            page_backlinks,
            field_hashes,
            neighbours,
            section_bases,
            reversed,
            taxonomies,
        }
    }

    fn around(&self, i: usize) -> Around<'_> {
        Around {
            lang: &self.library.languages[self.library.pages[i].lang],
            backlinks: &self.page_backlinks[i],
            library: &self.library,
            permalinks: &self.permalinks,
        }
    }

    /// The code of language `lang` (an index).
    pub fn lang_code(&self, lang: usize) -> &str {
        self.library
            .languages
            .get(lang)
            .map_or(self.lang.as_str(), String::as_str)
    }

    /// The config as the templates of language `lang` see it.
    pub fn config_for(&self, lang: usize) -> &Value {
        self.configs.get(lang).unwrap_or(&self.config)
    }

    /// The Markdown render of page `i`.
    pub fn rendered(&self, i: usize) -> &Rendered {
        &self.rendered[i]
    }

    /// Page `i` as lists show it (no `content`, `toc` or neighbours), with `fields`.
    pub fn light_page(&self, i: usize, fields: &Fields) -> Value {
        let page = &self.library.pages[i];
        let around = self.around(i);
        light_page(
            page,
            &self.rendered[i],
            &self.permalinks[i],
            &around,
            fields,
        )
    }

    /// Page `i` as its own template sees it, with `fields`.
    pub fn page_value(&self, i: usize, fields: &Fields) -> Value {
        let mut v = self.light_page(i, fields);
        let (higher, lower) = self.neighbours[i];
        let mut put = |name: &str, value: &dyn Fn() -> Value| {
            if keeps(fields, name) {
                v[name] = value();
            }
        };
        put("higher", &|| {
            higher.map_or(Value::Null, |h| self.light_page(h, fields))
        });
        put("lower", &|| {
            lower.map_or(Value::Null, |l| self.light_page(l, fields))
        });
        v
    }

    /// Feeds the list entry of page `i` with the fields in `mask` into `h`.
    fn hash_light(&self, h: &mut Xxh3, i: usize, mask: u32) {
        for (k, hash) in self.field_hashes[i].iter().enumerate() {
            if mask & (1 << k) != 0 {
                let hash = hash.get_or_init(|| {
                    let around = self.around(i);
                    let (page, r) = (&self.library.pages[i], &self.rendered[i]);
                    light_field_hash(page, r, &self.permalinks[i], &around, k)
                });
                h.update(&hash.to_le_bytes());
            }
        }
    }

    fn hash_page(&self, h: &mut Xxh3, i: usize, fields: &Fields) {
        let mask = field_mask(fields);
        h.update(b"page");
        h.update(&mask.to_le_bytes());
        self.hash_light(h, i, mask);
        let (higher, lower) = self.neighbours[i];
        for (name, n) in [("higher", higher), ("lower", lower)] {
            if keeps(fields, name) {
                hash_str(h, name);
                match n {
                    Some(n) => self.hash_light(h, n, mask),
                    None => h.update(b"-"),
                }
            }
        }
    }

    /// The list entries of `pages`, with `fields`.
    fn list(&self, pages: &[usize], fields: &Fields) -> Value {
        Value::Array(pages.iter().map(|&p| self.light_page(p, fields)).collect())
    }

    fn hash_list(&self, h: &mut Xxh3, pages: &[usize], fields: &Fields) {
        let mask = field_mask(fields);
        h.update(b"list");
        h.update(&mask.to_le_bytes());
        h.update(&(pages.len() as u64).to_le_bytes());
        for &p in pages {
            self.hash_light(h, p, mask);
        }
    }

    /// Section `s` with or without its pages.
    pub fn section_part(&self, s: usize, pages: Pages) -> Part<'_> {
        let listed: &[usize] = match pages {
            Pages::Listed => &self.library.sections[s].pages,
            Pages::Empty => &[],
        };
        Part::WithPages(Cow::Borrowed(&self.section_bases[s]), listed)
    }

    /// The pages of section `s` in the order its pagers show them (`paginate_reversed`).
    pub fn pager_pages(&self, s: usize) -> &[usize] {
        match self.reversed.get(&s) {
            Some(pages) => pages,
            None => &self.library.sections[s].pages,
        }
    }

    /// The permalink of section `s`.
    pub fn section_permalink(&self, s: usize) -> &Value {
        &self.section_bases[s]["permalink"]
    }

    /// The template value of a taxonomy (`taxonomy`).
    pub fn taxonomy_value(&self, t: usize) -> Value {
        let tax = &self.taxonomies[t];
        json!({
            "name": tax.config.name,
            "slug": slugify(&tax.config.name),
            "feed": tax.config.feed,
            "paginate_by": tax.config.paginate_by,
            "paginate_path": tax.config.paginate_path,
            "render": tax.config.render,
            "lang": self.lang_code(tax.lang),
            "path": tax.path,
            "permalink": tax.permalink,
        })
    }

    /// The template value of a term, without its pages.
    pub fn term_value(&self, t: usize, k: usize) -> Value {
        let term = &self.taxonomies[t].terms[k];
        json!({
            "name": term.name,
            "slug": term.slug,
            "path": term.path,
            "permalink": term.permalink,
            "page_count": term.pages.len(),
        })
    }

    /// A term with its pages.
    pub fn term_part(&self, t: usize, k: usize) -> Part<'_> {
        Part::WithPages(
            Cow::Owned(self.term_value(t, k)),
            &self.taxonomies[t].terms[k].pages,
        )
    }
}

impl Part<'_> {
    /// Builds the value for a render; pages carry only `fields` (what its template reads).
    pub fn into_value(self, data: &SiteData, fields: &Fields) -> Value {
        match self {
            Part::Value(v) => v.into_owned(),
            Part::Page(i) => data.page_value(i, fields),
            Part::WithPages(base, pages) => {
                let mut v = base.into_owned();
                v["pages"] = data.list(pages, fields);
                v
            }
            Part::Terms(t) => Value::Array(
                (0..data.taxonomies[t].terms.len())
                    .map(|k| data.term_part(t, k).into_value(data, fields))
                    .collect(),
            ),
            Part::List(pages) => data.list(&pages, fields),
        }
    }

    /// Feeds what the value built with `fields` ([`Part::into_value`]) is made of into `h`:
    /// two parts with the same hash have the same value (up to hash collisions). A page
    /// field the template cannot read is not part of it, so that editing it does not make
    /// the template render again.
    pub fn hash(&self, data: &SiteData, h: &mut Xxh3, fields: &Fields) {
        match self {
            Part::Value(v) => {
                h.update(b"v");
                hash_value(h, v);
            }
            Part::Page(i) => data.hash_page(h, *i, fields),
            Part::WithPages(base, pages) => {
                h.update(b"w");
                hash_value(h, base);
                data.hash_list(h, pages, fields);
            }
            Part::List(pages) => {
                h.update(b"l");
                data.hash_list(h, pages, fields);
            }
            Part::Terms(t) => {
                h.update(b"terms");
                let terms = &data.taxonomies[*t].terms;
                h.update(&(terms.len() as u64).to_le_bytes());
                for k in 0..terms.len() {
                    data.term_part(*t, k).hash(data, h, fields);
                }
            }
        }
    }
}
