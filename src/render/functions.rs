//! Zola's template functions (`get_url`, `get_page`, `get_section`, `get_taxonomy_url`,
//! `get_taxonomy`, `now`) and the `markdown` filter, over the build's [`SiteData`].

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use tera::{Error, Result as TeraResult, Tera};

use super::SiteData;
use crate::content::slugify;

fn arg<'a>(args: &'a HashMap<String, Value>, fname: &str, name: &str) -> TeraResult<&'a str> {
    args.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Error::msg(format!("{fname}: missing string argument `{name}`")))
}

/// Registers the functions and filters on `tera`.
pub fn register(tera: &mut Tera, data: Arc<SiteData>) {
    let d = Arc::clone(&data);
    tera.register_function("get_url", move |args: &HashMap<String, Value>| {
        let path = arg(args, "get_url", "path")?;
        if let Some(rel) = path.strip_prefix("@/") {
            let rel = rel.split('#').next().unwrap_or(rel);
            let page = d.page_by_rel.get(rel).map(|&i| &d.pages[i]);
            let section = d.section_by_rel.get(rel).map(|&i| &d.sections[i]);
            return page
                .or(section)
                .map(|v| v["permalink"].clone())
                .ok_or_else(|| Error::msg(format!("get_url: no content at `{path}`")));
        }
        Ok(Value::String(format!(
            "{}/{}",
            d.base_url,
            path.trim_start_matches('/')
        )))
    });
    let d = Arc::clone(&data);
    tera.register_function("get_page", move |args: &HashMap<String, Value>| {
        let path = arg(args, "get_page", "path")?;
        d.page_by_rel
            .get(path.trim_start_matches("@/"))
            .map(|&i| d.pages[i].clone())
            .ok_or_else(|| Error::msg(format!("get_page: no page `{path}`")))
    });
    let d = Arc::clone(&data);
    tera.register_function("get_section", move |args: &HashMap<String, Value>| {
        let path = arg(args, "get_section", "path")?;
        d.section_by_rel
            .get(path.trim_start_matches("@/"))
            .map(|&i| d.sections[i].clone())
            .ok_or_else(|| Error::msg(format!("get_section: no section `{path}`")))
    });
    let d = Arc::clone(&data);
    tera.register_function("get_taxonomy_url", move |args: &HashMap<String, Value>| {
        let kind = arg(args, "get_taxonomy_url", "kind")?;
        let name = arg(args, "get_taxonomy_url", "name")?;
        let tax = d.taxonomies.iter().find(|t| t.config.name == kind);
        tax.and_then(|t| {
            t.terms
                .iter()
                .find(|term| term.name == name || term.slug == slugify(name))
        })
        .map(|term| Value::String(term.permalink.clone()))
        .ok_or_else(|| Error::msg(format!("get_taxonomy_url: no term `{name}` in `{kind}`")))
    });
    let d = Arc::clone(&data);
    tera.register_function("get_taxonomy", move |args: &HashMap<String, Value>| {
        let kind = arg(args, "get_taxonomy", "kind")?;
        let t = d
            .taxonomies
            .iter()
            .position(|t| t.config.name == kind)
            .ok_or_else(|| Error::msg(format!("get_taxonomy: no taxonomy `{kind}`")))?;
        let items: Vec<Value> = (0..d.taxonomies[t].terms.len())
            .map(|k| d.term_value(t, k, true))
            .collect();
        Ok(serde_json::json!({ "kind": d.taxonomy_value(t), "items": items }))
    });
    tera.register_function("now", |_: &HashMap<String, Value>| {
        Ok(Value::String(chrono::Utc::now().to_rfc3339()))
    });
    tera.register_filter("markdown", |value: &Value, _: &HashMap<String, Value>| {
        let text = value
            .as_str()
            .ok_or_else(|| Error::msg("markdown: expects a string"))?;
        let mut out = String::new();
        let options =
            pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_STRIKETHROUGH;
        pulldown_cmark::html::push_html(&mut out, pulldown_cmark::Parser::new_ext(text, options));
        Ok(Value::String(out))
    });
}
