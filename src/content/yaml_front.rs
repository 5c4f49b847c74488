//! YAML front matter as Zola reads it.
//!
//! Zola deserializes front matter straight into typed structs with serde_yaml, which hands a
//! plain scalar to a `String` field as it is written: in `taxonomies: {tags: [4, true]}` the
//! terms are "4" and "true", and `title: 2024` is the title "2024". sitegen reads front matter
//! into JSON values first, where those scalars become numbers and booleans and then fail as
//! the wrong type. So the fields Zola types as strings (or lists and maps of strings) are read
//! a second time the way Zola reads them, and their written text replaces the typed values.
//! `extra` is left alone: Zola keeps it as values, so `count: 4` stays a number there.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The string-typed fields of Zola's page and section front matter, as serde_yaml gives
/// them to a `String`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Written {
    title: Option<String>,
    description: Option<String>,
    slug: Option<String>,
    path: Option<String>,
    template: Option<String>,
    page_template: Option<String>,
    redirect_to: Option<String>,
    paginate_path: Option<String>,
    authors: Option<Vec<String>>,
    aliases: Option<Vec<String>>,
    taxonomies: Option<BTreeMap<String, Vec<String>>>,
}

/// Puts the written text of `raw`'s string-typed fields into `value` (its parse as JSON). A
/// field of another shape (a list where Zola wants a string) is left for the caller's error.
pub(super) fn restore_written_scalars(raw: &str, value: &mut serde_json::Value) {
    let Some(map) = value.as_object_mut() else {
        return;
    };
    // Only when some field holds a non-string scalar: the common case parses once.
    let typed = |v: &serde_json::Value| v.is_number() || v.is_boolean();
    let needs = map.iter().any(|(k, v)| match v {
        serde_json::Value::Array(items) => items.iter().any(typed),
        serde_json::Value::Object(terms) if k == "taxonomies" => terms
            .values()
            .any(|t| t.as_array().is_some_and(|items| items.iter().any(typed))),
        v => typed(v),
    });
    if !needs {
        return;
    }
    let Ok(written) = serde_yaml_ng::from_str::<Written>(raw) else {
        return;
    };
    let strings = |items: Vec<String>| serde_json::Value::from(items);
    let mut put = |key: &str, v: Option<serde_json::Value>| {
        if let Some(v) = v {
            if map.contains_key(key) {
                map.insert(key.to_string(), v);
            }
        }
    };
    put("title", written.title.map(Into::into));
    put("description", written.description.map(Into::into));
    put("slug", written.slug.map(Into::into));
    put("path", written.path.map(Into::into));
    put("template", written.template.map(Into::into));
    put("page_template", written.page_template.map(Into::into));
    put("redirect_to", written.redirect_to.map(Into::into));
    put("paginate_path", written.paginate_path.map(Into::into));
    put("authors", written.authors.map(strings));
    put("aliases", written.aliases.map(strings));
    put(
        "taxonomies",
        written.taxonomies.map(|t| {
            serde_json::Value::Object(t.into_iter().map(|(k, v)| (k, strings(v))).collect())
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::super::front_matter::{split, PageFront, SectionFront};

    #[test]
    fn scalars_in_string_fields_are_taken_as_written() {
        let (v, _, _) = split(
            "---\ntitle: 2024\ndescription: true\ntaxonomies:\n  tags:\n    - 4\n    - 1.50\n    - yes\n    - rust\n  years: [2023]\nauthors: [7]\nextra:\n  count: 4\n  on: true\n---\nbody\n",
        )
        .unwrap();
        assert_eq!(v["title"], "2024");
        assert_eq!(v["description"], "true");
        assert_eq!(
            v["taxonomies"]["tags"],
            serde_json::json!(["4", "1.50", "yes", "rust"])
        );
        assert_eq!(v["taxonomies"]["years"], serde_json::json!(["2023"]));
        assert_eq!(v["authors"], serde_json::json!(["7"]));
        // `extra` keeps its values typed, as Zola's does.
        assert_eq!(v["extra"]["count"], 4);
        assert_eq!(v["extra"]["on"], true);
        let front: PageFront = serde_json::from_value(v).unwrap();
        assert_eq!(front.taxonomies["tags"][0], "4");
        let (v, _, _) = split("---\ntitle: 3.0\npaginate_by: 5\n---\n").unwrap();
        assert_eq!(v["title"], "3.0");
        assert_eq!(v["paginate_by"], 5);
        let front: SectionFront = serde_json::from_value(v).unwrap();
        assert_eq!(front.paginate_by, Some(5));
    }

    #[test]
    fn a_field_of_the_wrong_shape_is_still_an_error() {
        let (v, _, _) = split("---\ntitle: [a, b]\ntaxonomies:\n  tags: [4]\n---\n").unwrap();
        assert!(v["title"].is_array());
        assert!(serde_json::from_value::<PageFront>(v).is_err());
    }
}
