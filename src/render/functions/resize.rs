//! `resize_image(path, width, height, op="fill", format="auto", quality)`: Zola's function,
//! over the build's [`Processor`](crate::assets::images::Processor) (which the
//! [`FileScope`] carries, so page templates and shortcodes share one).
//!
//! Every error names the function and the image's path; the render layer adds the template
//! or the page and shortcode.

use std::collections::HashMap;

use serde_json::Value;
use tera::{Error, Result as TeraResult};

use super::files::FileScope;
use crate::assets::images::ResizeOp;

const NAME: &str = "resize_image";

/// An optional non-negative integer argument that must fit `T`.
fn number<T: TryFrom<u64>>(args: &HashMap<String, Value>, name: &str) -> TeraResult<Option<T>> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| T::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                Error::msg(format!(
                    "`{NAME}`: `{name}` must be a non-negative integer in range, not {v}"
                ))
            }),
    }
}

fn text<'a>(args: &'a HashMap<String, Value>, name: &str, default: &'a str) -> TeraResult<&'a str> {
    match args.get(name) {
        None => Ok(default),
        Some(Value::String(s)) => Ok(s),
        Some(v) => Err(Error::msg(format!(
            "`{NAME}`: `{name}` must be a string, not {v}"
        ))),
    }
}

/// `resize_image(...)`: the processed image's `{url, static_path, width, height,
/// orig_width, orig_height}`.
pub fn resize_image(args: &HashMap<String, Value>, scope: &FileScope) -> TeraResult<Value> {
    let path = match args.get("path") {
        Some(Value::String(p)) => p,
        Some(v) => {
            return Err(Error::msg(format!(
                "`{NAME}`: `path` must be a string, not {v}"
            )))
        }
        None => return Err(Error::msg(format!("`{NAME}`: needs a `path` argument"))),
    };
    let width = number::<u32>(args, "width")?;
    let height = number::<u32>(args, "height")?;
    let quality = number::<u8>(args, "quality")?;
    let op = text(args, "op", "fill")?;
    let format = text(args, "format", "auto")?;
    let in_image = |e: &dyn std::fmt::Display| Error::msg(format!("`{NAME}` of `{path}`: {e}"));
    let op = ResizeOp::from_args(op, width, height).map_err(|e| in_image(&e))?;
    let Some(processor) = scope.images() else {
        return Err(in_image(&"image processing is not available here"));
    };
    let file = scope.resolve_existing(NAME, path)?;
    processor
        .resize(&file, path, op, format, quality)
        .map(|r| r.to_value())
        .map_err(|e| in_image(&e))
}
