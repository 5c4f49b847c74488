//! `config.extra` keys a template reads that the config does not set.
//!
//! Why: themes read their settings from `config.extra`, and a site (often the theme's own
//! demo config) that leaves one out makes Zola stop with "Variable `config.extra.x` not
//! found in context". Hugo renders a missing parameter as empty. sitegen renders it as an
//! empty string and warns once per key, naming the template: the page is built as the theme
//! would show it with the setting blank, and the user learns which setting to add.
//!
//! Only `config.extra` is treated so: a missing `page.x` or `config.x` is still an error
//! (those are typos or removed variables, where an empty string would hide a mistake).

use serde_json::Value;

/// The path under `config.extra` of the variable a Tera error reports missing
/// (`` Variable `config.extra.a.b` not found in context while rendering 'x.html' ``), with
/// the template named in the message.
pub(super) fn missing_key(message: &str) -> Option<(Vec<String>, String)> {
    let start = message.find("Variable `config.extra.")? + "Variable `config.extra.".len();
    let rest = &message[start..];
    let end = rest.find('`')?;
    let after = &rest[end..];
    if !after.starts_with("` not found in context") {
        return None;
    }
    let path: Vec<String> = rest[..end].split('.').map(str::to_string).collect();
    if path
        .iter()
        .any(|p| p.is_empty() || p.contains(['[', ']', ' ']))
    {
        return None;
    }
    let template = after
        .split("while rendering '")
        .nth(1)
        .and_then(|t| t.split('\'').next())
        .unwrap_or_default()
        .to_string();
    Some((path, template))
}

/// Sets `config.extra.<path>` to `""` in `config`, making the maps on the way. `false` when
/// something on the way is set but is not a map (then the error stands).
pub(super) fn fill(config: &mut Value, path: &[String]) -> bool {
    let Some(mut at) = config.get_mut("extra") else {
        return false;
    };
    for (i, key) in path.iter().enumerate() {
        let Some(map) = at.as_object_mut() else {
            return false;
        };
        if i + 1 == path.len() {
            if map.contains_key(key) {
                return false;
            }
            map.insert(key.clone(), Value::String(String::new()));
            return true;
        }
        at = map
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_key_and_template_and_fills_nested_maps() {
        let m = "Failed to render 'index.html': error while rendering macro `m::post`: \
                 Variable `config.extra.labels.minutes` not found in context while rendering 'macros.html'";
        let (path, template) = missing_key(m).unwrap();
        assert_eq!(path, ["labels", "minutes"]);
        assert_eq!(template, "macros.html");
        let mut config = serde_json::json!({ "extra": { "other": 1 } });
        assert!(fill(&mut config, &path));
        assert_eq!(config["extra"]["labels"]["minutes"], "");
        assert!(!fill(&mut config, &path), "set already: nothing to fill");
        let mut config = serde_json::json!({ "extra": { "labels": "text" } });
        assert!(
            !fill(&mut config, &path),
            "a string on the way is not a map"
        );
        assert!(missing_key("Variable `page.extra.x` not found in context").is_none());
        assert!(missing_key("Variable `config.extra.a[0]` not found in context").is_none());
    }
}
