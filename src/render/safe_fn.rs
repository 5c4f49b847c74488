//! Template functions whose result Tera writes unescaped. Zola marks `get_url` and
//! `get_taxonomy_url` safe (`is_safe` in its `templates/src/global_fns/files.rs` and
//! `content.rs`): `{{ get_url(path="x") }}` writes the URL as it is, not with `/` escaped as
//! `&#x2F;`, which matters where the text is escaped again (a shortcode's output inside a
//! code block) or read as text.

use std::collections::HashMap;

use serde_json::Value;

/// The functions Zola marks safe.
pub const SAFE_FUNCTIONS: [&str; 2] = ["get_url", "get_taxonomy_url"];

/// A function whose result is not escaped.
pub struct SafeFn<F>(pub F);

impl<F> tera::Function for SafeFn<F>
where
    F: Fn(&HashMap<String, Value>) -> tera::Result<Value> + Sync + Send,
{
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        (self.0)(args)
    }

    fn is_safe(&self) -> bool {
        true
    }
}
