//! Render jobs: one per output (page, pager, taxonomy page, feed, redirect, ...), run in
//! parallel, each written through the output writer as soon as it is rendered.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use xxhash_rust::xxh3::Xxh3;

use super::claims::Step;
pub(super) use super::job_plan::{FeedScope, Job, OwnedFeedInfo, Plan, Standard};
use super::paths::output_file;
use super::paths::{pager_count, pager_path};
use super::BuildError;
use crate::assets::minify;
use crate::cache::{BuildCache, Call, OutputRecord};
use crate::config::Config;
use crate::content::Library;
use crate::feeds;
use crate::output::OutputWriter;
use crate::render::hash::{hash_str, HashWriter};
use crate::render::{
    hash_call, recording_calls, Fields, Pages, Part, SiteData, Templates, UNCACHEABLE,
};

/// A redirect page (aliases, `redirect_to`, `page/1/`). As Zola's, it carries the
/// `#fragment` of the address it was reached by over to the target (a script; the meta
/// refresh and the link are for readers without one).
fn redirect_page(to: &str) -> Vec<u8> {
    // In a JS string inside <script>: JSON escaping, and no `</script>` possible.
    let js = serde_json::to_string(to)
        .unwrap_or_default()
        .replace('<', "\\u003c");
    let to = to
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Redirect</title>\n\
         <link rel=\"canonical\" href=\"{to}\">\n<script>location.replace({js} + location.hash);</script>\n\
         <meta http-equiv=\"refresh\" content=\"0; url={to}\">\n</head>\n\
         <body><p><a href=\"{to}\">Click here</a> to be redirected.</p></body>\n</html>\n"
    )
    .into_bytes()
}

/// A build's render state, shared by its jobs.
pub(super) struct Build<'a> {
    pub(super) config: &'a Config,
    pub(super) data: Arc<SiteData>,
    pub(super) templates: Templates,
    pub(super) writer: &'a OutputWriter,
    /// The previous build's cache, when it may be used to skip renders.
    pub(super) previous: Option<&'a BuildCache>,
    /// Per language, the hash of the serialized `config` its templates see.
    pub(super) config_hashes: Vec<u128>,
    /// Outputs rendered (not kept) in this build.
    pub(super) rendered: AtomicUsize,
    /// What the cache will record of each output.
    pub(super) records: Mutex<Vec<(String, OutputRecord)>>,
    /// The calls outputs made ([`BuildCache::calls`]): the previous build's, then new ones.
    pub(super) calls: Mutex<CallTable>,
    /// Hash of each call's current result, per call and field set (see [`Fields`]).
    pub(super) call_hashes: Mutex<HashMap<(u32, usize), u128>>,
    /// Whether HTML outputs are minified before they are written.
    pub(super) minify: bool,
    /// Paths claimed twice, with the step that won each ([`super::claims`]).
    pub(super) contested: std::collections::BTreeMap<String, Step>,
}

/// Calls, each once, with their indices.
#[derive(Default)]
pub(super) struct CallTable {
    pub(super) list: Vec<Call>,
    index: HashMap<String, u32>,
}

impl CallTable {
    /// Starts from the previous build's calls, so that its records' indices stay valid.
    pub(super) fn from_previous(previous: Option<&BuildCache>) -> Self {
        let mut table = CallTable::default();
        for call in previous.map(|p| p.calls.as_slice()).unwrap_or_default() {
            table.intern(call.clone());
        }
        table
    }

    fn intern(&mut self, call: Call) -> u32 {
        let key = serde_json::to_string(&call).unwrap_or_default();
        if let Some(&id) = self.index.get(&key) {
            return id;
        }
        let id = self.list.len() as u32;
        self.list.push(call);
        self.index.insert(key, id);
        id
    }
}

impl Build<'_> {
    /// Whether the writer of `step` may write `path`: it is not contested, or `step` won it
    /// (see [`super::claims`]).
    pub(super) fn may_write(&self, path: &str, step: Step) -> bool {
        self.contested.get(path).is_none_or(|w| *w == step)
    }

    /// Writes an output that has no render key (the sitemap: cheap, always made), made by
    /// `step`; nothing when another output took its path.
    pub(super) fn write(&self, path: &str, step: Step, bytes: &[u8]) -> Result<(), BuildError> {
        if !self.may_write(path, step) {
            return Ok(());
        }
        let hash = self
            .writer
            .write(path, &minify::output(self.minify, path, bytes))?;
        self.record(
            path.to_string(),
            OutputRecord {
                hash: format!("{hash:032x}"),
                ..OutputRecord::default()
            },
        );
        Ok(())
    }

    /// Writes an output without a render key whose bytes are streamed (the search index).
    pub(super) fn write_with(
        &self,
        path: &str,
        step: Step,
        produce: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<(), BuildError> {
        if !self.may_write(path, step) {
            return Ok(());
        }
        let mut file = self.writer.create(path)?;
        file.fill(produce)?;
        let hash = file.content_hash();
        file.commit()?;
        self.record(
            path.to_string(),
            OutputRecord {
                hash: format!("{hash:032x}"),
                ..OutputRecord::default()
            },
        );
        Ok(())
    }

    pub(super) fn library(&self) -> &Library {
        &self.data.library
    }

    /// Pager `n` of `items`, `per` a page.
    fn paginator<'a>(
        &self,
        base: &str,
        segment: &str,
        items: &'a [usize],
        per: usize,
        n: usize,
    ) -> Part<'a> {
        let total = pager_count(items.len(), Some(per));
        let link = |k: usize| Value::String(self.config.permalink(&pager_path(base, segment, k)));
        let start = ((n - 1) * per).min(items.len());
        let pages = &items[start..(start + per).min(items.len())];
        let value = serde_json::json!({
            "current_index": n,
            "number_pagers": total,
            "paginate_by": per,
            "total_pages": items.len(),
            "first": link(1),
            "last": link(total),
            "previous": if n > 1 { link(n - 1) } else { Value::Null },
            "next": if n < total { link(n + 1) } else { Value::Null },
            // Zola's: where `base_url` + a number is that pager (`/blog/page/`).
            "base_url": match segment.trim_matches('/') {
                "" => self.config.permalink(base),
                segment => self.config.permalink(&format!("{base}{segment}/")),
            },
        });
        Part::WithPages(Cow::Owned(value), pages)
    }

    fn page_template(&self, page: usize) -> String {
        let p = &self.library().pages[page];
        if let Some(t) = &p.front.template {
            return t.clone();
        }
        // As in Zola: the nearest of its ancestors (its section first) that sets one.
        let sections = &self.library().sections;
        let ancestors = p.ancestors.iter().rev();
        let template = ancestors
            .filter_map(|rel| sections.iter().find(|s| &s.rel == rel))
            .find_map(|s| s.front.page_template.clone());
        template.unwrap_or_else(|| "page.html".into())
    }

    /// What `job` will produce and where, without rendering anything yet.
    fn plan(&self, job: &Job) -> (String, Plan<'_>) {
        match *job {
            Job::Page(i) => {
                let page = &self.library().pages[i];
                let plan = self.template_plan(
                    self.page_template(i),
                    &page.url_path,
                    vec![("page", Part::Page(i))],
                    page.source.display().to_string(),
                    page.lang,
                );
                (output_file(&page.url_path), plan)
            }
            Job::Section(s, n) => {
                let section = &self.library().sections[s];
                // Each language's root section is its home page.
                let default = match section.is_root() {
                    true => "index.html",
                    false => "section.html",
                };
                let template = section
                    .front
                    .template
                    .clone()
                    .unwrap_or_else(|| default.into());
                let path = pager_path(&section.url_path, &section.front.paginate_path, n);
                let parts = match section.front.paginate_by.filter(|&p| p > 0) {
                    // As in Zola, a paginated section's pages are in the paginator only:
                    // copying all of them into every pager's context would be quadratic.
                    Some(per) => vec![
                        ("section", self.data.section_part(s, Pages::Empty)),
                        (
                            "paginator",
                            self.paginator(
                                &section.url_path,
                                &section.front.paginate_path,
                                self.data.pager_pages(s),
                                per,
                                n,
                            ),
                        ),
                    ],
                    None => vec![("section", self.data.section_part(s, Pages::Listed))],
                };
                let what = section.source.as_ref().map(|p| p.display().to_string());
                let plan = self.template_plan(
                    template,
                    &path,
                    parts,
                    what.unwrap_or_else(|| "the home page".into()),
                    section.lang,
                );
                (output_file(&path), plan)
            }
            Job::TaxonomyList(t) => {
                let tax = &self.data.taxonomies[t];
                let parts = vec![
                    (
                        "taxonomy",
                        Part::Value(Cow::Owned(self.data.taxonomy_value(t))),
                    ),
                    ("terms", Part::Terms(t)),
                ];
                let template = self.specific_template(
                    &format!("{}/list.html", tax.config.name),
                    "taxonomy_list.html",
                );
                let plan = self.template_plan(
                    template,
                    &tax.path,
                    parts,
                    format!("taxonomy `{}`", tax.config.name),
                    tax.lang,
                );
                (output_file(&tax.path), plan)
            }
            Job::Term(t, k, n) => {
                let tax = &self.data.taxonomies[t];
                let term = &tax.terms[k];
                let path = pager_path(&term.path, &tax.config.paginate_path, n);
                let paginate = tax.config.paginate_by;
                // Unlike a paginated section's, a paginated term's value keeps its pages
                // in Zola (`term.pages` beside `paginator.pages`).
                let term_value = self.data.term_part(t, k);
                let mut parts = vec![
                    (
                        "taxonomy",
                        Part::Value(Cow::Owned(self.data.taxonomy_value(t))),
                    ),
                    ("term", term_value),
                ];
                if let Some(per) = paginate {
                    parts.push((
                        "paginator",
                        self.paginator(&term.path, &tax.config.paginate_path, &term.pages, per, n),
                    ));
                }
                let template = self.specific_template(
                    &format!("{}/single.html", tax.config.name),
                    "taxonomy_single.html",
                );
                let what = format!("term `{}` of `{}`", term.name, tax.config.name);
                (
                    output_file(&path),
                    self.template_plan(template, &path, parts, what, tax.lang),
                )
            }
            Job::Redirect(ref from, ref to) => (output_file(from), Plan::Bytes(redirect_page(to))),
            // Zola's context for these: `config` and `lang` (404), `config` alone (robots).
            Job::NotFound => (
                "404.html".into(),
                self.special_plan(
                    "404.html".into(),
                    Standard::Lang,
                    vec![],
                    "the 404 page".into(),
                    0,
                ),
            ),
            Job::Robots => (
                "robots.txt".into(),
                self.special_plan(
                    "robots.txt".into(),
                    Standard::ConfigOnly,
                    vec![],
                    "robots.txt".into(),
                    0,
                ),
            ),
            Job::Feed(f, scope) => self.feed_plan(f, scope),
        }
    }

    pub(super) fn template_plan<'a>(
        &'a self,
        template: String,
        url_path: &str,
        parts: Vec<(&'static str, Part<'a>)>,
        what: String,
        lang: usize,
    ) -> Plan<'a> {
        let value = |s: String| Part::Value(Cow::Owned(Value::String(s)));
        let mut all = vec![
            ("current_path", value(url_path.to_string())),
            ("current_url", value(self.config.permalink(url_path))),
            ("lang", value(self.data.lang_code(lang).to_string())),
        ];
        all.extend(parts);
        Plan::Template {
            template,
            parts: all,
            what,
            lang,
        }
    }

    fn specific_template(&self, specific: &str, fallback: &str) -> String {
        if self.templates.has(specific) {
            specific.to_string()
        } else {
            fallback.to_string()
        }
    }

    /// The render key of a plan: a hash of everything its output is made from, or `None`
    /// when the output must always be made anew.
    fn key(&self, plan: &Plan) -> Option<u128> {
        let mut h = Xxh3::new();
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.update(&[u8::from(self.minify)]);
        match plan {
            Plan::Template {
                template,
                parts,
                lang,
                ..
            } => {
                h.update(&self.templates.closure_hash(template)?.to_le_bytes());
                h.update(&self.config_hashes.get(*lang)?.to_le_bytes());
                let fields = self.templates.fields(template);
                for (name, part) in parts {
                    hash_str(&mut h, name);
                    part.hash(&self.data, &mut h, &fields);
                }
            }
            Plan::Bytes(bytes) => h.update(bytes),
            Plan::Feed(kind, info, entries) => {
                h.update(format!("{kind:?}").as_bytes());
                serde_json::to_writer(HashWriter(&mut h), info).ok()?;
                h.update(&(entries.len() as u64).to_le_bytes());
                for e in entries {
                    for field in [e.title, e.permalink, e.html] {
                        hash_str(&mut h, field);
                    }
                    for date in [Some(e.date), e.updated] {
                        hash_str(&mut h, &date.map(|d| d.to_rfc3339()).unwrap_or_default());
                    }
                }
            }
        }
        Some(h.digest128())
    }

    /// Renders one job and writes it, unless its render key and the data its template
    /// functions read are those of the previous build and the file on disk is intact.
    pub(super) fn run(&self, job: &Job) -> Result<(), BuildError> {
        let (path, plan) = self.plan(job);
        debug_assert_eq!(
            path,
            self.job_output(job),
            "planned and claimed paths differ"
        );
        let key = self.key(&plan);
        let fields = match &plan {
            Plan::Template { template, .. } => self.templates.fields(template),
            _ => None,
        };
        if let (Some(key), Some(previous)) = (key, self.previous.and_then(|c| c.outputs.get(&path)))
        {
            let same_key = previous.key.as_deref() == Some(format!("{key:032x}").as_str());
            let recorded = u128::from_str_radix(&previous.hash, 16).ok();
            let kept = match recorded {
                Some(hash) if same_key && self.calls_unchanged(previous, &fields) => {
                    self.writer.keep(&path, hash)?
                }
                _ => false,
            };
            if kept {
                self.record(path, previous.clone());
                return Ok(());
            }
        }
        let (hash, calls) = match plan {
            Plan::Template {
                template,
                parts,
                what,
                lang,
            } => {
                let mut map = serde_json::Map::new();
                map.insert("config".into(), self.data.config_for(lang).clone());
                map.extend(
                    parts
                        .into_iter()
                        .map(|(k, part)| (k.to_string(), part.into_value(&self.data, &fields))),
                );
                let context = tera::Context::from_value(Value::Object(map)).unwrap_or_default();
                let (html, calls) = recording_calls(&fields, || {
                    self.templates.render(&template, &context, &what)
                });
                let html = html?;
                let bytes = minify::output(self.minify, &path, html.as_bytes());
                (self.writer.write(&path, &bytes)?, calls)
            }
            Plan::Bytes(bytes) => {
                let out = minify::output(self.minify, &path, &bytes);
                (self.writer.write(&path, &out)?, Vec::new())
            }
            Plan::Feed(kind, info, entries) => {
                // Streamed: a site feed lists every page (tens of MiB on a large site).
                let mut file = self.writer.create(&path)?;
                file.fill(|out| feeds::write(kind, &info.borrowed(), &entries, out).map(drop))?;
                let hash = file.content_hash();
                file.commit()?;
                (hash, Vec::new())
            }
        };
        self.rendered.fetch_add(1, Ordering::Relaxed);
        let uncacheable = calls
            .iter()
            .any(|(name, _)| UNCACHEABLE.contains(&name.as_str()));
        let ids: Vec<u32> = {
            let mut table = self.calls.lock().unwrap_or_else(|p| p.into_inner());
            calls.into_iter().map(|c| table.intern(c)).collect()
        };
        let record = OutputRecord {
            hash: format!("{hash:032x}"),
            key: key.filter(|_| !uncacheable).map(|k| format!("{k:032x}")),
            calls_hash: (!ids.is_empty())
                .then(|| self.calls_hash(&ids, &fields))
                .flatten(),
            calls: ids,
        };
        self.record(path, record);
        Ok(())
    }

    /// Notes what the cache will record of `path`.
    pub(super) fn record(&self, path: String, record: OutputRecord) {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((path, record));
    }

    /// Hash of the current results of the calls `ids` (errors included, as their messages),
    /// made by a template that reads `fields`; `None` if an index is unknown. Each distinct
    /// call is evaluated once per build and field set.
    fn calls_hash(&self, ids: &[u32], fields: &Fields) -> Option<String> {
        let fields_id = fields.as_ref().map_or(0, |f| Arc::as_ptr(f) as usize);
        let mut h = Xxh3::new();
        for &id in ids {
            let known = self
                .call_hashes
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&(id, fields_id))
                .copied();
            let hash = match known {
                Some(hash) => hash,
                None => {
                    let (name, args) = self
                        .calls
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .list
                        .get(id as usize)?
                        .clone();
                    let args: HashMap<String, Value> = args.into_iter().collect();
                    let mut one = Xxh3::new();
                    hash_call(&self.data, &name, &args, &mut one, fields);
                    let hash = one.digest128();
                    self.call_hashes
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert((id, fields_id), hash);
                    hash
                }
            };
            h.update(&hash.to_le_bytes());
        }
        Some(format!("{:032x}", h.digest128()))
    }

    fn calls_unchanged(&self, previous: &OutputRecord, fields: &Fields) -> bool {
        match &previous.calls_hash {
            None => previous.calls.is_empty(),
            Some(hash) => {
                !previous.calls.is_empty()
                    && Some(hash) == self.calls_hash(&previous.calls, fields).as_ref()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_pages_keep_the_fragment_and_cannot_break_out() {
        let page = String::from_utf8(redirect_page("https://x.example/a\"</script>/")).unwrap();
        assert!(
            page.contains(
                "location.replace(\"https://x.example/a\\\"\\u003c/script>/\" + location.hash)"
            ),
            "{page}"
        );
        assert_eq!(page.matches("</script>").count(), 1, "{page}");
        assert!(
            page.contains("url=https://x.example/a&quot;&lt;/script>/"),
            "{page}"
        );
    }
}
