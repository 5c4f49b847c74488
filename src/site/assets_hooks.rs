//! Where the build meets [`crate::assets`]: which sheets to compile and what the build cache
//! knows of them, and the search index from the site's data. Each is called only when its
//! config key is on (the theme's `sass/` excepted, which Zola always compiles: one `stat`).
//! Both are written before any template renders, as Zola writes them, and templates can read
//! them ([`generated_files`]).

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::claims::Step;
use super::jobs::Build;
use super::BuildError;
use crate::assets::sass::{self, Previous, Sheet, Written};
use crate::assets::search::{self, SearchConfig};
use crate::cache::{hash_hex, BuildCache, InputRecord, OutputRecord};
use crate::config::Config;
use crate::output::OutputWriter;
use crate::render::Generated;

/// The theme's sheets and, with `compile_sass`, the site's; under `--safe` each fenced in
/// the site and the allowed directories (see [`crate::safety::Safety::read_fence`]).
pub(super) fn sheets(
    root: &Path,
    theme_dir: Option<&Path>,
    config: &Config,
    safety: &crate::safety::Safety,
) -> Result<Vec<Sheet>, BuildError> {
    let mut sheets = sass::sheets(root, theme_dir, config.compile_sass)?;
    let fence = safety.read_fence(root);
    sheets.iter_mut().for_each(|s| s.fence.clone_from(&fence));
    Ok(sheets)
}

/// Compiles `sheets` (see [`sheets`]), keeping those whose recorded inputs are unchanged
/// (see [`sass::write_sheets`]); those whose output another output takes (`contested`, see
/// [`super::claims`]) are not compiled. Returns the sheets compiled or kept and what was
/// written of each.
pub(super) fn write_sass(
    mut sheets: Vec<Sheet>,
    root: &Path,
    writer: &OutputWriter,
    previous: Option<&BuildCache>,
    inputs: &BTreeMap<String, InputRecord>,
    contested: &BTreeMap<String, Step>,
) -> Result<(Vec<Sheet>, Vec<Written>), BuildError> {
    sheets.retain(|s| contested.get(&s.output).is_none_or(|w| *w == Step::Sass));
    if sheets.is_empty() {
        return Ok((sheets, Vec::new()));
    }
    let previous = |output: &str| -> Option<Previous> {
        let cache = previous?;
        let record = cache.outputs.get(output)?;
        Some(Previous {
            inputs: cache.sass_inputs.get(output)?.clone(),
            key: u128::from_str_radix(record.key.as_deref()?, 16).ok()?,
            hash: u128::from_str_radix(&record.hash, 16).ok()?,
        })
    };
    // A file the build scanned has its hash at hand; another (outside the scanned
    // directories) is read.
    let state = |rel: &str| -> String {
        match inputs.get(rel) {
            Some(record) => record.hash.clone(),
            None => match std::fs::read(root.join(rel)) {
                Ok(bytes) => hash_hex(&bytes),
                Err(_) => "missing".into(),
            },
        }
    };
    let written = sass::write_sheets(&sheets, root, writer, &previous, &state)?;
    Ok((sheets, written))
}

/// The files written before templates render, which the file functions find in Zola's
/// output directory (see `render::functions::generated`): the compiled `sheets` and, for
/// each language [`write_search_index`] writes, its index and the format's support files
/// (none whose path another output takes). Their
/// bytes are made again only when a template asks (a sheet compiled anew, an index built
/// anew from `data`: the same bytes as written, whether this build wrote or kept them).
pub(super) fn generated_files(
    build: &Build,
    sheets: &[Sheet],
    config_path: &Path,
) -> Result<Generated, BuildError> {
    let mut generated = Generated::default();
    for sheet in sheets {
        let output = sheet.output.clone();
        let sheet = sheet.clone();
        let make = move || {
            sass::compile(&sheet)
                .map(|c| c.css.into_bytes())
                .map_err(|e| e.to_string())
        };
        generated.add(&output, "compiled Sass", Box::new(make));
    }
    for lang in search_languages(build) {
        let language = build.data.languages.get(lang);
        let (search, _) = language_search(build, lang, config_path)?;
        for (name, text) in search::support_files(&search) {
            if build.may_write(name, Step::SearchIndex) {
                generated.add_bytes(name, "search support file", text.as_bytes().to_vec());
            }
        }
        let name = search.index_format.file_name(&language.code);
        if !build.may_write(&name, Step::SearchIndex) {
            continue;
        }
        let (weak, code, config_path) = (
            Arc::downgrade(&build.data),
            language.code.clone(),
            config_path.to_path_buf(),
        );
        let make = move || {
            let data = weak.upgrade().ok_or("the build is over")?;
            let docs = search::documents(&data, lang);
            let (_, text) = search::index_file(&search, &code, &docs, &config_path)
                .map_err(|e| e.to_string())?;
            Ok(text.into_bytes())
        };
        generated.add(&name, "search index", Box::new(make));
    }
    Ok(generated)
}

/// Records the compiled sheets in the cache: their outputs with keys, and their inputs.
pub(super) fn record_sass(cache: &mut BuildCache, written: &[Written]) {
    for sheet in written {
        let record = OutputRecord {
            hash: format!("{:032x}", sheet.hash),
            key: Some(format!("{:032x}", sheet.key)),
            ..OutputRecord::default()
        };
        cache.outputs.insert(sheet.output.clone(), record);
        cache
            .sass_inputs
            .insert(sheet.output.clone(), sheet.inputs.clone());
    }
}

/// The inputs of the sheets that lie outside the directories every build scans (`sass/`
/// and the theme): they become inputs of the next build like the files functions read, so
/// that a change to one is never taken for "nothing changed".
pub(super) fn sass_outside_inputs(root: &Path, written: &[Written]) -> Vec<PathBuf> {
    let scanned = |rel: &str| rel.starts_with("sass/") || rel.starts_with("themes/");
    written
        .iter()
        .flat_map(|w| &w.inputs)
        .filter(|rel| !scanned(rel))
        .map(|rel| root.join(rel))
        .collect()
}

/// Writes the search index of each language that asks for one (`build_search_index` at
/// the top level for the default language, in `[languages.CODE]` for the others; each
/// with its own `[search]`), and `elasticlunr.min.js` once when an index is elasticlunr's.
/// Made from the site's data as this build has it; an index whose documents are those of
/// the previous build is kept. Returns the warnings of `[search]` (unknown keys) and how
/// many indexes were made anew.
pub(super) fn write_search_index(
    build: &Build,
    config_path: &Path,
    previous: &BTreeMap<String, OutputRecord>,
) -> Result<(Vec<String>, usize), BuildError> {
    let mut warnings = Vec::new();
    let mut built = 0;
    let mut support = std::collections::BTreeMap::new();
    for lang in search_languages(build) {
        let language = build.data.languages.get(lang);
        let (search, w) = language_search(build, lang, config_path)?;
        warnings.extend(w);
        let name = search.index_format.file_name(&language.code);
        support.extend(search::support_files(&search));
        if !build.may_write(&name, Step::SearchIndex) {
            continue;
        }
        let docs = search::documents(&build.data, lang);
        let key = search::index_key(&search, &language.code, &docs);
        if !keep_keyed(build, previous.get(&name), &name, key)? {
            let index = search::build_index(&search, &language.code, &docs, config_path)?;
            build.write_with(&index.name, Step::SearchIndex, |out| index.write_to(out))?;
            set_key(build, &name, key);
            built += 1;
        }
    }
    for (name, text) in support {
        build.write(name, Step::SearchIndex, text.as_bytes())?;
    }
    Ok((warnings, built))
}

/// The languages that get a search index, as in Zola: none without the top-level
/// `build_search_index`, else the default language and each other one that asks.
fn search_languages(build: &Build) -> Vec<usize> {
    if !build.config.build_search_index {
        return Vec::new();
    }
    let languages = build.data.languages.all().iter().enumerate();
    languages
        .filter(|(lang, l)| *lang == 0 || l.build_search_index)
        .map(|(lang, _)| lang)
        .collect()
}

/// The search settings language `lang`'s index is built with, as Zola 0.22 builds it: every
/// language's index has the top-level `index_format` (Zola reads no other); a Fuse index
/// takes the top-level settings whole (Zola's reads only those), and an elasticlunr one the
/// language's own fields. A language's `[search]` that sets what Zola ignores gets a warning.
fn language_search(
    build: &Build,
    lang: usize,
    config_path: &Path,
) -> Result<(SearchConfig, Vec<String>), crate::assets::AssetError> {
    let language = build.data.languages.get(lang);
    let (own, mut warnings) = SearchConfig::from_table(&language.search, config_path)?;
    if lang == 0 {
        // The default language's settings are the top-level ones.
        return Ok((own, warnings));
    }
    // Unknown top-level keys are reported with the default language.
    let (top, _) = SearchConfig::from_table(&build.config.search, config_path)?;
    let ignored = |what: &str| {
        format!(
            "{}: `[languages.{}.search]` {what}: Zola 0.22 builds every index in the top-level `index_format`{}",
            config_path.display(),
            language.code,
            if top.index_format.is_elasticlunr() { "" } else { ", a Fuse index with the top-level `[search]` settings" }
        )
    };
    if !top.index_format.is_elasticlunr() {
        if !language.search.is_empty() && own != top {
            warnings.push(ignored("is ignored"));
        }
        return Ok((top, warnings));
    }
    if language.search.contains_key("index_format") && own.index_format != top.index_format {
        warnings.push(ignored("`index_format` is ignored"));
    }
    Ok((
        SearchConfig {
            index_format: top.index_format,
            ..own
        },
        warnings,
    ))
}

/// The files [`write_search_index`] writes (an unreadable `[search]` names none: the
/// write reports it).
pub(super) fn search_outputs(build: &Build, config_path: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for lang in search_languages(build) {
        let language = build.data.languages.get(lang);
        if let Ok((search, _)) = language_search(build, lang, config_path) {
            names.push(search.index_format.file_name(&language.code));
            names.extend(
                search::support_files(&search)
                    .iter()
                    .map(|(n, _)| n.to_string()),
            );
        }
    }
    names.sort();
    names.dedup();
    names
}

/// The previous build's records of its search indexes (`search_index.*`), which
/// [`write_search_index`] may keep.
pub(super) fn index_records(
    outputs: &BTreeMap<String, OutputRecord>,
) -> BTreeMap<String, OutputRecord> {
    outputs
        .range::<str, _>((Bound::Included("search_index."), Bound::Unbounded))
        .take_while(|(k, _)| k.starts_with("search_index."))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Keeps the output `path` of the previous build if it was made from the same inputs
/// (its recorded `key`) and is intact; records it as kept. An index of a large site takes
/// seconds to make, and a template edit re-renders every page without changing one word
/// of their text.
fn keep_keyed(
    build: &Build,
    previous: Option<&OutputRecord>,
    path: &str,
    key: u128,
) -> Result<bool, BuildError> {
    let Some(previous) = previous else {
        return Ok(false);
    };
    let same_key = previous.key.as_deref() == Some(format!("{key:032x}").as_str());
    let Some(hash) = u128::from_str_radix(&previous.hash, 16)
        .ok()
        .filter(|_| same_key)
    else {
        return Ok(false);
    };
    if !build.writer.keep(path, hash)? {
        return Ok(false);
    }
    build.record(path.to_string(), previous.clone());
    Ok(true)
}

/// Adds `key` to the record of the output `path` just written.
fn set_key(build: &Build, path: &str, key: u128) {
    let mut records = build.records.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, record)) = records.iter_mut().rev().find(|(p, _)| p == path) {
        record.key = Some(format!("{key:032x}"));
    }
}
