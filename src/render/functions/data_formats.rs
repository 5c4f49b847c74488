//! The text formats `load_data` parses, each into the value shape Zola gives templates, so a
//! template written for Zola reads the same fields here.
//!
//! Shapes that are not simply "the document as a map":
//! - CSV: `{headers: [..], records: [[..], ..]}`, every cell a string; rows of uneven length
//!   are an error.
//! - BibTeX: `{preambles, comments, variables, bibliographies: [{entry_type, citation_key,
//!   tags}]}` with tag names lowercased and `@string` variables substituted (the parse is
//!   the `nom-bibtex` crate's, which is what Zola uses, so the shape is the same by
//!   construction).
//! - XML: `{<root name>: <root value>}` where an element with text is that text (a number or a
//!   boolean when it reads as one), or `{"@attr": .., "#text": ..}` when it also has
//!   attributes; an element without text is a map of its attributes (`@name`) and child
//!   elements, a name seen twice becoming a list; an empty element is `{}`. Names lose their
//!   namespace prefix. When an element starts with text its child elements are not read:
//!   that is Zola's (its converter's) behaviour and templates depend on it.
//! - TOML datetimes become strings.

use quick_xml::events::Event;
use serde_json::{Map, Number, Value};

/// A parsed document or the parser's message (the caller adds what was being loaded).
pub type Parsed = Result<Value, String>;

pub fn toml(text: &str) -> Parsed {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(toml_value(toml::Value::Table(table)))
}

fn toml_value(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_value).collect()),
        toml::Value::Table(table) => {
            Value::Object(table.into_iter().map(|(k, v)| (k, toml_value(v))).collect())
        }
    }
}

pub fn json(text: &str) -> Parsed {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

pub fn yaml(text: &str) -> Parsed {
    serde_yaml_ng::from_str(text).map_err(|e| e.to_string())
}

pub fn csv(text: &str) -> Parsed {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let row = |record: &csv::StringRecord| {
        Value::Array(
            record
                .iter()
                .map(|c| Value::String(c.to_string()))
                .collect(),
        )
    };
    let headers = reader
        .headers()
        .map_err(|e| format!("cannot read the header line: {e}"))?;
    let headers = row(headers);
    let records = reader
        .records()
        .map(|r| r.map(|r| row(&r)).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Map::new();
    out.insert("headers".into(), headers);
    out.insert("records".into(), Value::Array(records));
    Ok(Value::Object(out))
}

pub fn bibtex(text: &str) -> Parsed {
    let bib = nom_bibtex::Bibtex::parse(text).map_err(|e| e.to_string())?;
    let strings =
        |items: &[String]| Value::Array(items.iter().map(|s| Value::String(s.clone())).collect());
    let variables: Map<String, Value> = bib
        .variables()
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let entries = bib
        .bibliographies()
        .iter()
        .map(|b| {
            let tags: Map<String, Value> = b
                .tags()
                .iter()
                .map(|(k, v)| (k.to_lowercase(), Value::String(v.clone())))
                .collect();
            let mut entry = Map::new();
            entry.insert("entry_type".into(), Value::String(b.entry_type().into()));
            entry.insert(
                "citation_key".into(),
                Value::String(b.citation_key().into()),
            );
            entry.insert("tags".into(), Value::Object(tags));
            Value::Object(entry)
        })
        .collect();
    let mut out = Map::new();
    out.insert("preambles".into(), strings(bib.preambles()));
    out.insert("comments".into(), strings(bib.comments()));
    out.insert("variables".into(), Value::Object(variables));
    out.insert("bibliographies".into(), Value::Array(entries));
    Ok(Value::Object(out))
}

/// A node of the parsed XML tree: just what the conversion looks at.
enum Node {
    Element(Element),
    Text(String),
    /// A comment or processing instruction: it separates text nodes.
    Other,
}

struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Node>,
}

pub fn xml(text: &str) -> Parsed {
    let root = parse_xml(text)?;
    let mut out = Map::new();
    let value = element_value(&root);
    out.insert(root.name, value);
    Ok(Value::Object(out))
}

fn parse_xml(text: &str) -> Result<Element, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = quick_xml::Reader::from_str(text);
    let mut open: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let at = |reader: &quick_xml::Reader<&[u8]>| reader.buffer_position();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("at byte {}: {e}", at(&reader)))?;
        let closed = match event {
            Event::Start(start) => {
                open.push(element(&start)?);
                None
            }
            Event::Empty(start) => Some(element(&start)?),
            Event::End(_) => open.pop(),
            Event::Text(t) => {
                push_text(&mut open, &t.xml10_content());
                None
            }
            Event::CData(c) => {
                push_text(&mut open, &c.xml10_content());
                None
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = r.xml10_content();
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| format!("unknown entity `&{name};`"))?
                            .to_string()
                    }
                    Err(e) => return Err(e.to_string()),
                };
                push_text(&mut open, &resolved);
                None
            }
            Event::Comment(_) | Event::PI(_) => {
                if let Some(parent) = open.last_mut() {
                    parent.children.push(Node::Other);
                }
                None
            }
            Event::Decl(_) | Event::DocType(_) => None,
            Event::Eof => break,
        };
        if let Some(done) = closed {
            match open.last_mut() {
                Some(parent) => parent.children.push(Node::Element(done)),
                None if root.is_none() => root = Some(done),
                None => return Err("more than one root element".into()),
            }
        }
    }
    if let Some(unclosed) = open.last() {
        return Err(format!("element <{}> is not closed", unclosed.name));
    }
    root.ok_or_else(|| "no root element".into())
}

fn element(start: &quick_xml::events::BytesStart) -> Result<Element, String> {
    let mut attributes = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        let qualified = attr.key.as_ref();
        if qualified == "xmlns" || qualified.starts_with("xmlns:") {
            continue; // namespace declarations are not attributes
        }
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?;
        attributes.push((
            attr.key.local_name().as_ref().to_string(),
            value.into_owned(),
        ));
    }
    Ok(Element {
        name: start.local_name().as_ref().to_string(),
        attributes,
        children: Vec::new(),
    })
}

/// Appends text to the open element, merging with a text node right before it.
fn push_text(open: &mut [Element], text: &str) {
    let Some(parent) = open.last_mut() else {
        return; // whitespace around the root
    };
    match parent.children.last_mut() {
        Some(Node::Text(previous)) => previous.push_str(text),
        _ => parent.children.push(Node::Text(text.to_string())),
    }
}

fn element_value(element: &Element) -> Value {
    let text = match element.children.first() {
        Some(Node::Text(t)) if !t.trim().is_empty() => Some(t.trim()),
        _ => None,
    };
    let attributes = element
        .attributes
        .iter()
        .map(|(name, value)| (format!("@{name}"), scalar(value)));
    if let Some(text) = text {
        if element.attributes.is_empty() {
            return scalar(text);
        }
        let mut map: Map<String, Value> = attributes.collect();
        map.insert("#text".into(), scalar(text));
        return Value::Object(map);
    }
    let mut map: Map<String, Value> = attributes.collect();
    for child in &element.children {
        let Node::Element(child) = child else {
            continue;
        };
        let value = element_value(child);
        match map.get_mut(&child.name) {
            Some(Value::Array(items)) => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            None => {
                map.insert(child.name.clone(), value);
            }
        }
    }
    Value::Object(map)
}

/// Text read as a number or a boolean when it is one: a whole number, then a float (unless
/// it has a leading zero not followed by `.`), then `true`/`false`; otherwise the string.
fn scalar(text: &str) -> Value {
    let text = text.trim();
    if let Ok(n) = text.parse::<u64>() {
        return Value::from(n);
    }
    if let Ok(f) = text.parse::<f64>() {
        if text.starts_with('0') && !text.starts_with("0.") {
            return Value::String(text.into());
        }
        if let Some(n) = Number::from_f64(f) {
            return Value::Number(n);
        }
    }
    match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(text.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn toml_dates_become_strings() {
        let v = toml("title = \"x\"\n[when]\nat = 2024-05-01T10:00:00Z\nday = 2024-05-01\nlist = [1.5, {d = 1979-05-27}]").unwrap();
        assert_eq!(
            v,
            json!({"title": "x", "when": {"at": "2024-05-01T10:00:00Z", "day": "2024-05-01",
                "list": [1.5, {"d": "1979-05-27"}]}})
        );
        assert!(toml("a = ").is_err());
    }

    #[test]
    fn csv_shape_and_uneven_rows() {
        assert_eq!(
            csv("Number,Title\n1,Gutenberg\n2,\"Printing, press\"\n").unwrap(),
            json!({"headers": ["Number", "Title"],
                "records": [["1", "Gutenberg"], ["2", "Printing, press"]]})
        );
        assert_eq!(csv("").unwrap(), json!({"headers": [], "records": []}));
        assert!(csv("a,b\n1,2,3\n").is_err());
    }

    #[test]
    fn bibtex_shape() {
        let text = r#"@preamble{"Preamble " # "text."}
@comment{A comment.}
@string(who = "Ada Lovelace")
@string{where = "London"}
@Book{ada1843,
    Author = who,
    title = {Notes},
    address = "Printed in " # where,
    year = 1843
}"#;
        let v = bibtex(text).unwrap();
        assert_eq!(v["preambles"], json!(["Preamble text."]));
        assert_eq!(v["comments"], json!(["A comment."]));
        assert_eq!(
            v["variables"],
            json!({"who": "Ada Lovelace", "where": "London"})
        );
        assert_eq!(
            v["bibliographies"],
            json!([{"entry_type": "Book", "citation_key": "ada1843", "tags": {
                "author": "Ada Lovelace", "title": "Notes",
                "address": "Printed in London", "year": "1843"}}])
        );
        assert!(bibtex("@book{").is_err());
    }

    #[test]
    fn xml_shape() {
        let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- a feed -->
<catalog xmlns="urn:x" xmlns:dc="urn:dc" version="2">
  <name>Books</name>
  <count>3</count>
  <ratio>0.5</ratio>
  <code>0012</code>
  <zip>0123e4</zip>
  <ok>true</ok>
  <neg>-4</neg>
  <book id="b1" lang="en">Dune &amp; <![CDATA[<more>]]></book>
  <book id="b2"><dc:title>Emma</dc:title><year>1815</year></book>
  <book><title>Only</title></book>
  <empty/>
  <blank>   </blank>
  <mixed>lead<b>ignored</b></mixed>
  <char>&#65;&#x42;</char>
</catalog>"#;
        assert_eq!(
            xml(text).unwrap(),
            json!({"catalog": {
                "@version": 2,
                "name": "Books",
                "count": 3,
                "ratio": 0.5,
                "code": 12,
                "zip": "0123e4",
                "ok": true,
                "neg": -4.0,
                "book": [
                    {"@id": "b1", "@lang": "en", "#text": "Dune & <more>"},
                    {"@id": "b2", "title": "Emma", "year": 1815},
                    {"title": "Only"}
                ],
                "empty": {},
                "blank": {},
                "mixed": "lead",
                "char": "AB"
            }})
        );
        assert_eq!(xml("<a>x</a>").unwrap(), json!({"a": "x"}));
    }

    #[test]
    fn xml_errors() {
        assert!(xml("<a><b></a>").is_err());
        assert!(xml("<a>").is_err());
        assert!(xml("").is_err());
        assert!(xml("<a/><b/>").is_err());
        assert!(xml("<a>&nope;</a>").is_err());
    }

    #[test]
    fn scalars_follow_zolas_inference() {
        assert_eq!(scalar("42"), json!(42));
        assert_eq!(scalar("007"), json!(7));
        assert_eq!(scalar("1e3"), json!(1000.0));
        assert_eq!(scalar("0x10"), json!("0x10"));
        assert_eq!(scalar("inf"), json!("inf"));
        assert_eq!(scalar("false"), json!(false));
        assert_eq!(scalar("True"), json!("True"));
    }

    #[test]
    fn json_and_yaml() {
        assert_eq!(json(r#"{"a": [1, 2]}"#).unwrap(), json!({"a": [1, 2]}));
        assert!(json("{").is_err());
        assert_eq!(
            yaml("a:\n  - 1\n  - two\nb: {c: true}\n").unwrap(),
            json!({"a": [1, "two"], "b": {"c": true}})
        );
        assert!(yaml("a: [").is_err());
    }
}
