//! The languages of content files: `post.fr.md` is `post` in `fr`, and the files that are
//! one another's translations are tied together.

use std::collections::BTreeMap;
use std::path::Path;

use super::{ContentError, Page, Section};

/// Whether the stem of a `.md` file starting with `_index.` is a section file: Zola's only
/// section files are `_index.md` and `_index.CODE.md` for a language other than the default
/// (`allowed_index_filenames` in its `Site::load`); it skips every other `_index.*` file,
/// so `_index.fr.md` with `fr` the default language, or on a one-language site, is no
/// section and no page.
pub(super) fn is_section_stem(stem: &str, languages: &[String]) -> bool {
    match stem.strip_prefix("_index") {
        Some("") => true,
        Some(rest) => rest
            .strip_prefix('.')
            .is_some_and(|code| languages.iter().skip(1).any(|l| l == code)),
        None => false,
    }
}

/// The name and language of a content file's stem, as Zola reads them: on a multilingual
/// site, `post.fr.md` is `post` in `fr` (the part after the first dot, which must be a
/// language of the site); `post.en.md`, with `en` the default, keeps its whole stem. A
/// site with one language has no language parts.
pub(super) fn split_language(
    path: &Path,
    stem: &str,
    languages: &[String],
) -> Result<(String, usize), ContentError> {
    let unknown = |code: &str| ContentError::UnknownLanguage {
        path: path.into(),
        code: code.into(),
        known: match languages {
            [] => "en".into(),
            _ => languages.join(", "),
        },
    };
    if languages.len() < 2 {
        return Ok((stem.to_string(), 0));
    }
    let Some((name, code)) = stem.split_once('.') else {
        return Ok((stem.to_string(), 0));
    };
    if code == languages[0] {
        return Ok((stem.to_string(), 0));
    }
    match languages.iter().position(|l| l == code) {
        Some(i) => Ok((name.to_string(), i)),
        None => Err(unknown(code)),
    }
}

/// Ties together the pages (and the sections) that are one another's translations: the
/// same file name, less its language, in the same directory (Zola's canonical path). A page
/// that does not render is nobody's translation.
pub(super) fn link_translations(pages: &mut [Page], sections: &mut [Section]) {
    let page_key = |p: &Page| {
        let stem = p.rel.rsplit_once('/').map_or(p.rel.as_str(), |(_, f)| f);
        let dir = &p.rel[..p.rel.len() - stem.len()];
        let name = stem.split('.').next().unwrap_or(stem);
        format!("{dir}{name}")
    };
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, page) in pages.iter().enumerate().filter(|(_, p)| p.front.render) {
        groups.entry(page_key(page)).or_default().push(i);
    }
    for mut group in groups.into_values() {
        group.sort_by_key(|&i| pages[i].lang);
        for &i in &group {
            pages[i].translations = group.clone();
        }
    }
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, section) in sections.iter().enumerate() {
        let dir = section.rel.rsplit_once('/').map_or("", |(d, _)| d);
        groups.entry(dir.to_string()).or_default().push(i);
    }
    for mut group in groups.into_values() {
        group.sort_by_key(|&i| sections[i].lang);
        for &i in &group {
            sections[i].translations = group.clone();
        }
    }
}
