//! The plans of the pages that are not pages, sections or taxonomy pages (the 404 page,
//! robots.txt, feeds): Zola renders them with a context of their own, and a theme that
//! branches on `current_path` must see what it sees under Zola.

use std::borrow::Cow;

use serde_json::Value;

use super::jobs::{Build, Plan, Standard};
use crate::render::Part;

impl Build<'_> {
    /// The plan of a page that is not a page, section or taxonomy page (404, robots.txt,
    /// feeds): `config` and the `standard` variables Zola gives it, no `current_path` or
    /// `current_url` (a theme that branches on those must see what it sees under Zola).
    pub(super) fn special_plan<'a>(
        &'a self,
        template: String,
        standard: Standard,
        parts: Vec<(&'static str, Part<'a>)>,
        what: String,
        lang: usize,
    ) -> Plan<'a> {
        let mut all = Vec::new();
        if standard == Standard::Lang {
            let code = self.data.lang_code(lang).to_string();
            all.push(("lang", Part::Value(Cow::Owned(Value::String(code)))));
        }
        all.extend(parts);
        Plan::Template {
            template,
            parts: all,
            what,
            lang,
        }
    }
}
