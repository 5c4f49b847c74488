//! Front matter: TOML between `+++` lines or YAML between `---` lines, into one shape.
//!
//! Both formats are first turned into a `serde_json::Value` (TOML datetimes become RFC 3339
//! strings), so pages and sections deserialize the same way whatever the format, and `extra`
//! is ready for templates as is.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// How a section orders its pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    /// Newest first.
    Date,
    /// Newest first by the later of `updated` and `date`.
    #[serde(rename = "update_date")]
    UpdateDate,
    /// Alphabetical, natural order (`a2` before `a10`), ignoring case.
    Title,
    /// Alphabetical by bytes.
    #[serde(rename = "title_bytes")]
    TitleBytes,
    /// Lightest first.
    Weight,
    /// By slug, natural order.
    Slug,
    /// By permalink.
    Permalink,
    /// Unsorted (sitegen: by file path, so that the order never varies).
    #[default]
    None,
}

/// A page's front matter.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct PageFront {
    pub title: Option<String>,
    pub description: Option<String>,
    pub date: Option<String>,
    pub updated: Option<String>,
    pub weight: Option<i64>,
    pub draft: bool,
    pub slug: Option<String>,
    pub path: Option<String>,
    pub aliases: Vec<String>,
    pub template: Option<String>,
    pub taxonomies: BTreeMap<String, Vec<String>>,
    pub authors: Vec<String>,
    /// `render = false`: no output of its own, and not in its section's pages.
    #[serde(default = "yes")]
    pub render: bool,
    #[serde(default = "yes")]
    pub in_search_index: bool,
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn yes() -> bool {
    true
}

impl Default for PageFront {
    fn default() -> Self {
        PageFront {
            title: None,
            description: None,
            date: None,
            updated: None,
            weight: None,
            draft: false,
            slug: None,
            path: None,
            aliases: Vec::new(),
            template: None,
            taxonomies: BTreeMap::new(),
            authors: Vec::new(),
            render: true,
            in_search_index: true,
            extra: Default::default(),
        }
    }
}

/// Every key a page's front matter may have (Zola 0.22); others are warned about.
pub const PAGE_KEYS: &[&str] = &[
    "title",
    "description",
    "date",
    "updated",
    "weight",
    "draft",
    "slug",
    "path",
    "aliases",
    "template",
    "taxonomies",
    "authors",
    "render",
    "in_search_index",
    "extra",
];

/// Every key a section's front matter may have (Zola 0.22); others are warned about.
pub const SECTION_KEYS: &[&str] = &[
    "title",
    "description",
    "weight",
    "draft",
    "sort_by",
    "paginate_by",
    "paginate_path",
    "paginate_reversed",
    "template",
    "page_template",
    "render",
    "redirect_to",
    "insert_anchor_links",
    "in_search_index",
    "transparent",
    "aliases",
    "generate_feeds",
    "extra",
];

/// A section's front matter (`_index.md`).
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct SectionFront {
    pub title: Option<String>,
    pub description: Option<String>,
    pub weight: Option<i64>,
    pub draft: bool,
    pub sort_by: SortBy,
    pub paginate_by: Option<usize>,
    pub template: Option<String>,
    pub page_template: Option<String>,
    pub render: bool,
    pub aliases: Vec<String>,
    /// Where pagers live under the section: `<section>/<paginate_path>/<n>/`.
    pub paginate_path: String,
    /// Paginate the pages in reverse order.
    pub paginate_reversed: bool,
    /// Anchor links on headings; `None` here: the config's default.
    pub insert_anchor_links: Option<crate::config::InsertAnchor>,
    /// The section's page is a redirect to this URL (or `@/` path).
    pub redirect_to: Option<String>,
    pub in_search_index: bool,
    /// The section's pages also belong to its parent section.
    pub transparent: bool,
    /// A feed for this section.
    pub generate_feeds: bool,
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Default for SectionFront {
    fn default() -> Self {
        SectionFront {
            title: None,
            description: None,
            weight: None,
            draft: false,
            sort_by: SortBy::None,
            paginate_by: None,
            template: None,
            page_template: None,
            render: true,
            aliases: Vec::new(),
            paginate_path: "page".into(),
            paginate_reversed: false,
            insert_anchor_links: None,
            redirect_to: None,
            in_search_index: true,
            transparent: false,
            generate_feeds: false,
            extra: Default::default(),
        }
    }
}

/// A front-matter problem, with the 1-based line in the file where known.
#[derive(Debug)]
pub struct FrontMatterError {
    pub line: usize,
    pub message: String,
}

fn no_front_matter(line: usize) -> FrontMatterError {
    FrontMatterError {
        line,
        message: "no front matter: a content file starts with `+++` (TOML) or `---` (YAML) front matter, if only an empty one (`+++` then `+++`); Zola refuses it too".into(),
    }
}

/// Splits a file into (front matter as JSON, body, line where the body starts).
///
/// As Zola: the front matter may follow a UTF-8 BOM, blank lines and whitespace, and may be
/// empty (`+++` then `+++`). A file that starts with neither fence is an error, as in Zola
/// (its front matter would otherwise become body text and the page lose its title). A
/// fence that is opened and never closed, or whose contents do not parse, is an error with
/// the line: never body text.
pub fn split(text: &str) -> Result<(serde_json::Value, &str, usize), FrontMatterError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let start = text.len() - text.trim_start().len();
    let lead = &text[start..];
    let (fence, is_toml) = if lead.starts_with("+++") {
        ("+++", true)
    } else if lead.starts_with("---") {
        ("---", false)
    } else {
        return Err(no_front_matter(crate::config::line_of(text, start)));
    };
    let open_line = crate::config::line_of(text, start);
    // The opening fence is alone on its line (`---` followed by text is a thematic break or
    // a table, not front matter).
    let open_end = lead.find('\n').map_or(lead.len(), |i| i + 1);
    if lead[..open_end].trim_end() != fence {
        return Err(no_front_matter(open_line));
    }
    let after_open = start + open_end;
    let Some(close) = closing_fence(text, after_open, fence) else {
        return Err(FrontMatterError {
            line: open_line,
            message: format!("front matter opened with `{fence}` is never closed"),
        });
    };
    let raw = &text[after_open..close.0];
    let body = &text[close.1..];
    let body_line = crate::config::line_of(text, close.1);
    let value = if is_toml {
        parse_toml(raw, open_line)?
    } else {
        parse_yaml(raw, open_line)?
    };
    if !value.is_object() {
        return Err(FrontMatterError {
            line: open_line + 1,
            message: "front matter must be a table of keys".into(),
        });
    }
    Ok((value, body, body_line))
}

/// Where the front matter that starts at `from` ends: the start of its closing fence and the
/// end of the fence's line. As Zola's pattern finds it: the first `fence` after the opening
/// line with nothing but whitespace after it on its line, whatever comes before it (an
/// indented `  +++` closes, as in Zola).
fn closing_fence(text: &str, from: usize, fence: &str) -> Option<(usize, usize)> {
    let mut search = from;
    while let Some(i) = text[search..].find(fence) {
        let at = search + i;
        let after = at + fence.len();
        let line_end = text[after..]
            .find('\n')
            .map_or(text.len(), |j| after + j + 1);
        if text[after..line_end].trim().is_empty() {
            // The front matter ends where its last line ends: the fence's own line is the
            // fence and the whitespace before it.
            let line_start = text[..at].rfind('\n').map_or(0, |j| j + 1).max(from);
            let close_at = if text[line_start..at].trim().is_empty() {
                line_start
            } else {
                at
            };
            return Some((close_at, line_end));
        }
        search = after;
    }
    None
}

/// Warnings for the keys of `front` that are not in `known`, naming the file and the key.
pub fn unknown_keys(front: &serde_json::Value, known: &[&str], file: &str) -> Vec<String> {
    let Some(map) = front.as_object() else {
        return Vec::new();
    };
    map.keys()
        .filter(|k| !known.contains(&k.as_str()))
        .map(|k| {
            let hint = crate::config::nearest(k, known)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            format!("{file}: unknown front matter key `{k}`{hint}")
        })
        .collect()
}

fn parse_toml(raw: &str, open_line: usize) -> Result<serde_json::Value, FrontMatterError> {
    let table: toml::Table = toml::from_str(raw).map_err(|e| FrontMatterError {
        line: open_line
            + e.span()
                .map(|s| crate::config::line_of(raw, s.start))
                .unwrap_or(1),
        message: format!("invalid TOML front matter: {}", e.message()),
    })?;
    Ok(toml_to_json(toml::Value::Table(table)))
}

fn parse_yaml(raw: &str, open_line: usize) -> Result<serde_json::Value, FrontMatterError> {
    if raw.trim().is_empty() {
        return Ok(serde_json::Value::Object(Default::default()));
    }
    let mut value =
        serde_yaml_ng::from_str::<serde_json::Value>(raw).map_err(|e| FrontMatterError {
            line: open_line + e.location().map(|l| l.line()).unwrap_or(1),
            message: format!("invalid YAML front matter: {e}"),
        })?;
    super::yaml_front::restore_written_scalars(raw, &mut value);
    Ok(value)
}

fn toml_to_json(value: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f)
            .map(J::Number)
            .unwrap_or(J::Null),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            J::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

/// Parses a front-matter date: RFC 3339, `YYYY-MM-DDTHH:MM:SS` or `YYYY-MM-DD HH:MM:SS`
/// (taken as UTC), or `YYYY-MM-DD` (midnight UTC).
pub fn parse_date(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return Some(d);
    }
    let utc = FixedOffset::east_opt(0)?;
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(text, format) {
            return n.and_local_timezone(utc).single();
        }
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    date.and_hms_opt(0, 0, 0)?.and_local_timezone(utc).single()
}

/// What templates see as `page.date` / `page.updated`, as Zola 0.22 makes it
/// (`from_unknown_datetime` in its `utils/src/de.rs`): the front matter's text when it is a
/// TOML datetime (a YAML or quoted string too, if it reads as one), written back as TOML
/// writes it (`2024-05-01`, `2024-05-01T10:00:00`, `2024-05-01T10:00:00Z`); another
/// accepted text as RFC 3339 (`Z` for UTC, the fraction without trailing zeros); the date
/// taken from a file name as it was written there (`YYYY-MM-DD`). `None` when there is no
/// date (or, for `updated`, none that parses).
pub fn date_text(raw: Option<&str>, parsed: Option<DateTime<FixedOffset>>) -> Option<String> {
    use std::str::FromStr;
    let parsed = parsed?;
    let Some(raw) = raw else {
        return Some(parsed.format("%Y-%m-%d").to_string());
    };
    if let Ok(d) = toml::value::Datetime::from_str(raw.trim()) {
        return Some(d.to_string());
    }
    let mut text = parsed.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = parsed.timestamp_subsec_nanos();
    if nanos != 0 {
        text.push('.');
        text.push_str(format!("{nanos:09}").trim_end_matches('0'));
    }
    match parsed.offset().local_minus_utc() {
        0 => text.push('Z'),
        secs => {
            let sign = if secs < 0 { '-' } else { '+' };
            let secs = secs.abs();
            text.push_str(&format!("{sign}{:02}:{:02}", secs / 3600, secs / 60 % 60));
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_and_yaml_give_the_same_shape() {
        let (t, body, line) = split(
            "+++\ntitle = \"A\"\ndate = 2024-05-01\n[taxonomies]\ntags = [\"x\"]\n+++\nbody\n",
        )
        .unwrap();
        let (y, _, _) =
            split("---\ntitle: A\ndate: 2024-05-01\ntaxonomies:\n  tags: [x]\n---\nbody\n")
                .unwrap();
        assert_eq!(t, y);
        assert_eq!((body, line), ("body\n", 7));
        let front: PageFront = serde_json::from_value(t).unwrap();
        assert_eq!(front.taxonomies["tags"], vec!["x"]);
    }

    #[test]
    fn errors_carry_the_line() {
        let e = split("+++\ntitle = \"A\"\ndate = = 2\n+++\n").unwrap_err();
        assert_eq!(e.line, 3, "{}", e.message);
        let e = split("---\ntitle: A\n  bad: [\n---\n").unwrap_err();
        assert!(e.line >= 2, "{}", e.message);
        assert!(split("+++\ntitle = 1\n").is_err());
    }

    #[test]
    fn front_matter_after_bom_blank_lines_and_whitespace() {
        for text in [
            "\u{feff}+++\ntitle = \"A\"\n+++\nbody\n",
            "\n\n+++\ntitle = \"A\"\n+++\nbody\n",
            "  \n\t\n+++\ntitle = \"A\"\n+++\nbody\n",
            "\u{feff}\n---\ntitle: A\n---\nbody\n",
            "\r\n+++\r\ntitle = \"A\"\r\n+++\r\nbody\n",
        ] {
            let (v, body, _) = split(text).unwrap();
            assert_eq!(v["title"], "A", "{text:?}");
            assert_eq!(body, "body\n", "{text:?}");
        }
        let (v, body, line) = split("\n\n+++\n+++\nbody").unwrap();
        assert_eq!(v, serde_json::json!({}));
        assert_eq!((body, line), ("body", 5));
        let (v, body, _) = split("---\n---\n").unwrap();
        assert_eq!((v, body), (serde_json::json!({}), ""));
        // A broken block after blank lines is an error at its own line, not body text.
        let e = split("\n\n+++\ntitle = \"A\"\ndate = = 1\n+++\n").unwrap_err();
        assert_eq!(e.line, 5, "{}", e.message);
        let e = split("\n+++\ntitle = \"A\"\n").unwrap_err();
        assert_eq!(e.line, 2, "{}", e.message);
        assert!(e.message.contains("never closed"), "{}", e.message);
        // No fence (or `---` with text after it) is no front matter: an error, as in Zola.
        for text in [
            "Just text\n+++\n",
            "\n--- not a fence\n",
            "title = \"A\"\n+++\n",
            "",
        ] {
            let e = split(text).unwrap_err();
            assert!(
                e.message.contains("no front matter"),
                "{text:?}: {}",
                e.message
            );
        }
        assert_eq!(split("\n\n--- x\n").unwrap_err().line, 3);
    }

    /// Zola closes front matter at the first fence with only whitespace after it on its line,
    /// indented or not; a fence inside a value does not close it.
    #[test]
    fn indented_fences_close_as_in_zola() {
        for text in [
            "+++\ntitle = \"A+++\"\n  +++\nbody\n",
            "  +++\ntitle = \"A+++\"\n\t+++  \nbody\n",
            "---\ntitle: A+++\n    ---\nbody\n",
        ] {
            let (v, body, line) = split(text).unwrap();
            assert_eq!(v["title"], "A+++", "{text:?}");
            assert_eq!((body, line), ("body\n", 4), "{text:?}");
        }
        let (v, body, _) = split("+++\ntitle = \"A\"\nweight = 1 +++\nbody\n").unwrap();
        assert_eq!((v["weight"].as_i64(), body), (Some(1), "body\n"));
        assert!(split("+++\ntitle = \"A\"\n+++ text\n").is_err());
    }

    #[test]
    fn unknown_keys_are_named_with_a_hint() {
        let (v, _, _) = split("+++\ntitle = \"A\"\ntemplte = \"x.html\"\n+++\n").unwrap();
        let w = unknown_keys(&v, PAGE_KEYS, "content/a.md");
        assert_eq!(w.len(), 1);
        assert!(
            w[0].contains("content/a.md")
                && w[0].contains("`templte`")
                && w[0].contains("template"),
            "{w:?}"
        );
        let (v, _, _) = split("+++\nredirect_to = \"x\"\ntransparent = true\n+++\n").unwrap();
        assert!(unknown_keys(&v, SECTION_KEYS, "s").is_empty());
        let front: SectionFront = serde_json::from_value(v).unwrap();
        assert!(front.transparent && front.redirect_to.as_deref() == Some("x"));
        assert_eq!(front.paginate_path, "page");
    }

    #[test]
    fn dates() {
        assert!(parse_date("2024-05-01").is_some());
        assert!(parse_date("2024-05-01T10:00:00+02:00").is_some());
        assert!(parse_date("2024-05-01 10:00:00").is_some());
        assert!(parse_date("May 1st").is_none());
    }

    /// Zola's `page.date` strings (its `page.rs` tests and TOML's own writing).
    #[test]
    fn date_texts_are_zolas() {
        let text = |raw: &str| date_text(Some(raw), parse_date(raw));
        assert_eq!(text("2020-12-31").as_deref(), Some("2020-12-31"));
        assert_eq!(
            text("2018-10-02T15:00:00Z").as_deref(),
            Some("2018-10-02T15:00:00Z")
        );
        assert_eq!(
            text("2024-05-01 10:00:00").as_deref(),
            Some("2024-05-01T10:00:00")
        );
        assert_eq!(
            text("2024-05-01T10:00:00+02:00").as_deref(),
            Some("2024-05-01T10:00:00+02:00")
        );
        // From a file name: the date as written there.
        assert_eq!(
            date_text(None, parse_date("2013-06-02")).as_deref(),
            Some("2013-06-02")
        );
        assert_eq!(date_text(None, None), None);
        assert_eq!(date_text(Some("May 1st"), None), None);
    }
}
