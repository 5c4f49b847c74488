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
    /// Alphabetical.
    Title,
    /// Lightest first.
    Weight,
    /// File order.
    #[default]
    None,
}

/// A page's front matter.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
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
    pub extra: serde_json::Map<String, serde_json::Value>,
}

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

/// Splits a file into (front matter as JSON, body, line where the body starts).
pub fn split(text: &str) -> Result<(serde_json::Value, &str, usize), FrontMatterError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (fence, is_toml) = if text.starts_with("+++") {
        ("+++", true)
    } else if text.starts_with("---") {
        ("---", false)
    } else {
        return Ok((serde_json::Value::Object(Default::default()), text, 1));
    };
    let after_open = text[3..].find('\n').map(|i| i + 4).unwrap_or(text.len());
    let mut offset = after_open;
    let close = loop {
        if offset >= text.len() {
            return Err(FrontMatterError {
                line: 1,
                message: format!("front matter opened with `{fence}` is never closed"),
            });
        }
        let line_end = text[offset..]
            .find('\n')
            .map(|i| offset + i + 1)
            .unwrap_or(text.len());
        if text[offset..line_end].trim_end() == fence {
            break (offset, line_end);
        }
        offset = line_end;
    };
    let raw = &text[after_open..close.0];
    let body = &text[close.1..];
    let body_line = crate::config::line_of(text, close.1);
    let value = if is_toml {
        parse_toml(raw)?
    } else {
        parse_yaml(raw)?
    };
    if !value.is_object() {
        return Err(FrontMatterError {
            line: 2,
            message: "front matter must be a table of keys".into(),
        });
    }
    Ok((value, body, body_line))
}

fn parse_toml(raw: &str) -> Result<serde_json::Value, FrontMatterError> {
    let table: toml::Table = toml::from_str(raw).map_err(|e| FrontMatterError {
        line: 1 + e
            .span()
            .map(|s| crate::config::line_of(raw, s.start))
            .unwrap_or(1),
        message: format!("invalid TOML front matter: {}", e.message()),
    })?;
    Ok(toml_to_json(toml::Value::Table(table)))
}

fn parse_yaml(raw: &str) -> Result<serde_json::Value, FrontMatterError> {
    if raw.trim().is_empty() {
        return Ok(serde_json::Value::Object(Default::default()));
    }
    serde_yaml_ng::from_str::<serde_json::Value>(raw).map_err(|e| FrontMatterError {
        line: 1 + e.location().map(|l| l.line()).unwrap_or(1),
        message: format!("invalid YAML front matter: {e}"),
    })
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
    fn dates() {
        assert!(parse_date("2024-05-01").is_some());
        assert!(parse_date("2024-05-01T10:00:00+02:00").is_some());
        assert!(parse_date("2024-05-01 10:00:00").is_some());
        assert!(parse_date("May 1st").is_none());
    }
}
