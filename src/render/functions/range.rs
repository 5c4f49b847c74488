//! Tera's `range`, with a bound on its length.
//!
//! Why: Tera's own `range(end=N)` allocates all N numbers at once, so a typo such as
//! `range(end=100000000000)` makes the process abort on a failed allocation instead of
//! failing the page. Same arguments and result as Tera's, up to the limit.

use std::collections::HashMap;

use serde_json::Value;
use tera::{Error, Result, Tera};

/// The most numbers one `range` call makes (Tera's has no limit).
pub const MAX_RANGE: i64 = 10_000_000;

/// Registers `range` in place of Tera's.
pub fn register(tera: &mut Tera) {
    tera.register_function("range", range);
}

fn int_arg(args: &HashMap<String, Value>, name: &str, default: Option<i64>) -> Result<i64> {
    match args.get(name) {
        Some(v) => v.as_i64().ok_or_else(|| {
            Error::msg(format!(
                "Function `range` received {name}={v} but `{name}` can only be a number"
            ))
        }),
        None => default.ok_or_else(|| {
            Error::msg(format!(
                "Function `range` was called without a `{name}` argument"
            ))
        }),
    }
}

fn range(args: &HashMap<String, Value>) -> Result<Value> {
    let start = int_arg(args, "start", Some(0))?;
    let end = int_arg(args, "end", None)?;
    let step = int_arg(args, "step_by", Some(1))?;
    if step <= 0 {
        return Err(Error::msg(
            "Function `range` was called with a `step_by` of 0 or less",
        ));
    }
    if start > end {
        return Err(Error::msg(
            "Function `range` was called with a `start` argument greater than the `end` one",
        ));
    }
    let count = (i128::from(end) - i128::from(start) + i128::from(step) - 1) / i128::from(step);
    if count > i128::from(MAX_RANGE) {
        return Err(Error::msg(format!(
            "Function `range` would make {count} numbers, more than the {MAX_RANGE} sitegen allows (a limit that keeps a template from exhausting memory)"
        )));
    }
    Ok(Value::Array(
        (start..end)
            .step_by(step as usize)
            .map(Value::from)
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(start: Option<i64>, end: i64, step: Option<i64>) -> Result<Value> {
        let mut args = HashMap::new();
        args.insert("end".to_string(), Value::from(end));
        if let Some(s) = start {
            args.insert("start".to_string(), Value::from(s));
        }
        if let Some(s) = step {
            args.insert("step_by".to_string(), Value::from(s));
        }
        range(&args)
    }

    #[test]
    fn same_as_teras_and_bounded() {
        assert_eq!(call(None, 3, None).unwrap(), serde_json::json!([0, 1, 2]));
        assert_eq!(
            call(Some(1), 8, Some(3)).unwrap(),
            serde_json::json!([1, 4, 7])
        );
        assert_eq!(call(Some(2), 2, None).unwrap(), serde_json::json!([]));
        assert!(call(Some(3), 2, None).is_err());
        assert!(call(None, 3, Some(0)).is_err());
        let e = call(None, 100_000_000_000, None).unwrap_err().to_string();
        assert!(e.contains("10000000"), "{e}");
        assert!(call(Some(i64::MIN), i64::MAX, None).is_err());
        assert_eq!(
            call(None, MAX_RANGE, None)
                .unwrap()
                .as_array()
                .unwrap()
                .len() as i64,
            MAX_RANGE
        );
    }
}
