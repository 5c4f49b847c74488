//! `get_env` under `--safe`: only the names the allowlist allows (see [`crate::safety`]).
//!
//! A trusted build keeps Tera's own `get_env`, which is Zola's: any variable. Under `--safe`
//! a template of an untrusted checkout could publish the CI job's secrets with it, so another
//! name is an error naming the variable, or, when the call gives a `default`, that default
//! with a warning.

use std::collections::HashMap;
use std::sync::Arc;

use tera::{Error, Result as TeraResult, Tera, Value};

use super::notes::FunctionNotes;
use crate::safety::Safety;

/// Replaces Tera's `get_env` on `tera` under `--safe`; nothing otherwise.
pub fn register_get_env(tera: &mut Tera, safety: &Safety, notes: Arc<FunctionNotes>) {
    if !safety.is_safe() {
        return;
    }
    let safety = safety.clone();
    tera.register_function("get_env", move |args: &HashMap<String, Value>| {
        get_env(&safety, &notes, args, |name| std::env::var(name).ok())
    });
}

fn get_env(
    safety: &Safety,
    notes: &FunctionNotes,
    args: &HashMap<String, Value>,
    var: impl Fn(&str) -> Option<String>,
) -> TeraResult<Value> {
    let name = match args.get("name") {
        Some(Value::String(name)) => name,
        Some(other) => {
            return Err(Error::msg(format!(
                "`get_env`: `name` must be a string, not {other}"
            )))
        }
        None => return Err(Error::msg("`get_env`: needs a `name`")),
    };
    let default = args.get("default");
    if !safety.env_allowed(name) {
        let refused = format!(
            "`get_env`: the environment variable `{name}` is not allowed under --safe \
             (`--allow-env '^{name}$'` allows it)"
        );
        return match default {
            Some(value) => {
                notes.note(format!("{refused}; its `default` was used"));
                Ok(value.clone())
            }
            None => Err(Error::msg(refused)),
        };
    }
    match (var(name), default) {
        (Some(value), _) => Ok(Value::String(value)),
        (None, Some(value)) => Ok(value.clone()),
        (None, None) => Err(Error::msg(format!(
            "`get_env`: the environment variable `{name}` is not set"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safety::Allowlists;

    #[test]
    fn safe_get_env_answers_allowed_names_and_refuses_the_rest() {
        let safety = Safety::Safe(Allowlists::default());
        let notes = FunctionNotes::default();
        let var = |name: &str| Some(format!("value of {name}"));
        let args = |pairs: &[(&str, &str)]| -> HashMap<String, Value> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect()
        };
        let ci = get_env(&safety, &notes, &args(&[("name", "CI")]), var).unwrap();
        assert_eq!(ci, Value::String("value of CI".into()));
        let secret = get_env(&safety, &notes, &args(&[("name", "AWS_SECRET")]), var);
        assert!(secret
            .unwrap_err()
            .to_string()
            .contains("`AWS_SECRET` is not allowed"));
        let fallback = args(&[("name", "AWS_SECRET"), ("default", "none")]);
        let value = get_env(&safety, &notes, &fallback, var).unwrap();
        assert_eq!(value, Value::String("none".into()));
        assert_eq!(notes.take().len(), 1, "one warning for the default used");
    }
}
