//! `get_image_metadata`: an image's size and format, Zola's shape
//! (`{width, height, format, mime}`), read from the file's header only.
//!
//! Templates use this for `width`/`height` attributes, so the numbers must be the ones Zola
//! gives: a JPEG whose EXIF orientation turns it on its side has its width and height
//! swapped, and an SVG's size comes from its `width`/`height` attributes, else its `viewBox`.
//! `format` is the format's usual extension (`jpg` for JPEG) whatever the file is called, and
//! the SVG mime type is Zola's `text/svg+xml`.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use quick_xml::events::Event;
use serde_json::{json, Value};
use tera::{Error, Result as TeraResult};

use super::files::FileScope;

const NAME: &str = "get_image_metadata";

/// `get_image_metadata(path=..., allow_missing=false)`.
pub fn get_image_metadata(args: &HashMap<String, Value>, scope: &FileScope) -> TeraResult<Value> {
    let path = match args.get("path") {
        Some(Value::String(p)) => p,
        Some(other) => {
            return Err(Error::msg(format!(
                "`{NAME}`: `path` must be a string, not {other}"
            )))
        }
        None => return Err(Error::msg(format!("`{NAME}`: needs a `path` argument"))),
    };
    let allow_missing = match args.get("allow_missing") {
        None => false,
        Some(v) => v.as_bool().ok_or_else(|| {
            Error::msg(format!(
                "`{NAME}`: `allow_missing` must be true or false, not {v}"
            ))
        })?,
    };
    let Some(file) = scope.resolve(NAME, path)? else {
        if allow_missing {
            return Ok(Value::Null);
        }
        return Err(Error::msg(format!("`{NAME}`: cannot find file `{path}`")));
    };
    image_metadata(&file)
        .map_err(|e| Error::msg(format!("`{NAME}`: cannot read `{}`: {e}", file.display())))
}

/// The metadata of the image at `file` (found by extension for SVG, by content otherwise).
pub fn image_metadata(file: &Path) -> Result<Value, String> {
    let is_svg = file
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if is_svg {
        let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
        let (width, height) = svg_size(&text)?;
        return Ok(json!({
            "width": width, "height": height, "format": "svg", "mime": "text/svg+xml",
        }));
    }
    let mut header = Vec::with_capacity(HEADER_BYTES);
    std::fs::File::open(file)
        .and_then(|f| f.take(HEADER_BYTES as u64).read_to_end(&mut header))
        .map_err(|e| e.to_string())?;
    let kind = imagesize::image_type(&header).map_err(|e| e.to_string())?;
    let (format, mime) = format_of(&kind).ok_or("unsupported image format")?;
    let size = imagesize::size(file).map_err(|e| e.to_string())?;
    let (mut width, mut height) = (size.width, size.height);
    if format == "jpg" && matches!(jpeg_orientation(&header), Some(5..=8)) {
        std::mem::swap(&mut width, &mut height);
    }
    Ok(json!({ "width": width, "height": height, "format": format, "mime": mime }))
}

/// Enough of the start of a file for its type and a JPEG's EXIF block (at most 64 KiB).
const HEADER_BYTES: usize = 70 * 1024;

/// The extension and mime type Zola reports for each format it can read.
fn format_of(kind: &imagesize::ImageType) -> Option<(&'static str, &'static str)> {
    use imagesize::ImageType as T;
    Some(match kind {
        T::Png => ("png", "image/png"),
        T::Jpeg => ("jpg", "image/jpeg"),
        T::Gif => ("gif", "image/gif"),
        T::Webp => ("webp", "image/webp"),
        T::Bmp => ("bmp", "image/bmp"),
        T::Ico => ("ico", "image/x-icon"),
        T::Tiff => ("tiff", "image/tiff"),
        T::Tga => ("tga", "image/x-targa"),
        T::Hdr => ("hdr", "image/vnd.radiance"),
        T::Exr => ("exr", "image/x-exr"),
        T::Pnm => ("pbm", "image/x-portable-bitmap"),
        T::Farbfeld => ("ff", "application/octet-stream"),
        T::Qoi => ("qoi", "image/x-qoi"),
        T::Heif(imagesize::Compression::Av1) => ("avif", "image/avif"),
        _ => return None,
    })
}

/// The EXIF orientation (1 to 8) of a JPEG, from its APP1 segment.
fn jpeg_orientation(data: &[u8]) -> Option<u16> {
    if data.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut at = 2;
    while at + 4 <= data.len() {
        if data[at] != 0xFF {
            return None;
        }
        let marker = data[at + 1];
        if marker == 0xDA || marker == 0xD9 {
            return None; // image data starts: no EXIF before it
        }
        let len = u16::from_be_bytes([data[at + 2], data[at + 3]]) as usize;
        let body = data.get(at + 4..at + 2 + len)?;
        if marker == 0xE1 {
            if let Some(tiff) = body.strip_prefix(b"Exif\0\0") {
                return tiff_orientation(tiff);
            }
        }
        at += 2 + len;
    }
    None
}

/// Tag 0x0112 of a TIFF structure's first directory.
fn tiff_orientation(tiff: &[u8]) -> Option<u16> {
    let big = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| {
        let b = tiff.get(at..at + 2)?;
        Some(if big {
            u16::from_be_bytes([b[0], b[1]])
        } else {
            u16::from_le_bytes([b[0], b[1]])
        })
    };
    let u32_at = |at: usize| {
        let b: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ifd = u32_at(4)? as usize;
    let count = u16_at(ifd)? as usize;
    (0..count)
        .map(|i| ifd + 2 + i * 12)
        .find(|&entry| u16_at(entry) == Some(0x0112))
        .and_then(|entry| u16_at(entry + 8))
}

/// The size of an SVG: its root's `width` and `height` when both are set (a percentage is of
/// the `viewBox`), else the `viewBox`'s, truncated to whole pixels.
fn svg_size(text: &str) -> Result<(u32, u32), String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let root = loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => break e,
            Ok(Event::Eof) => return Err("no root element".into()),
            Ok(_) => {}
            Err(e) => return Err(format!("invalid SVG: {e}")),
        }
    };
    if root.local_name().as_ref() != "svg" {
        return Err("the root element is not <svg>".into());
    }
    let (mut width, mut height, mut view_box) = (None, None, None);
    for attr in root.attributes().flatten() {
        let value = attr.value.to_string();
        match attr.key.local_name().as_ref() {
            "width" => width = length(&value),
            "height" => height = length(&value),
            "viewBox" => view_box = parse_view_box(&value),
            _ => {}
        }
    }
    let scaled = |length: Option<(f64, bool)>, of: Option<f64>| match (length, of) {
        (Some((n, true)), Some(whole)) => Some(n / 100.0 * whole),
        (Some((n, _)), _) => Some(n),
        (None, _) => None,
    };
    let w = scaled(width, view_box.map(|v| v.0));
    let h = scaled(height, view_box.map(|v| v.1));
    match (w, h, view_box) {
        (Some(w), Some(h), _) => Ok((w as u32, h as u32)),
        (_, _, Some((w, h))) => Ok((w as u32, h as u32)),
        _ => Err("SVG width/height and viewBox not set".into()),
    }
}

/// A length attribute: its number (units other than `%` are ignored, as Zola does) and
/// whether it is a percentage.
fn length(value: &str) -> Option<(f64, bool)> {
    let value = value.trim();
    let end = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(value.len());
    let n: f64 = value[..end].parse().ok()?;
    let unit = value[end..].trim();
    let known = ["", "px", "em", "ex", "pt", "pc", "cm", "mm", "in", "%"];
    known
        .contains(&unit.to_ascii_lowercase().as_str())
        .then_some((n, unit == "%"))
}

/// A `viewBox`'s width and height.
fn parse_view_box(value: &str) -> Option<(f64, f64)> {
    let parts: Vec<f64> = value
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|p| !p.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    match parts[..] {
        [_, _, w, h] => Some((w, h)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::functions::files::Network;

    /// A PNG header: signature and IHDR (the size check reads nothing else).
    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut data = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        data.extend(width.to_be_bytes());
        data.extend(height.to_be_bytes());
        data.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        data
    }

    /// A JPEG with an optional EXIF orientation, then a baseline frame header.
    fn jpeg(width: u16, height: u16, orientation: Option<u16>) -> Vec<u8> {
        let mut data = vec![0xFF, 0xD8];
        if let Some(o) = orientation {
            // Big-endian TIFF, IFD at 8 with one SHORT entry.
            let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
            tiff.extend(o.to_be_bytes());
            tiff.extend([0, 0, 0, 0, 0, 0]);
            let body = [b"Exif\0\0".as_slice(), &tiff].concat();
            data.extend([0xFF, 0xE1]);
            data.extend(((body.len() + 2) as u16).to_be_bytes());
            data.extend(body);
        }
        data.extend([0xFF, 0xC0, 0x00, 0x11, 0x08]);
        data.extend(height.to_be_bytes());
        data.extend(width.to_be_bytes());
        data.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        data.extend([0xFF, 0xD9]);
        data
    }

    fn site(files: &[(&str, Vec<u8>)]) -> (tempfile::TempDir, FileScope) {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            crate::output::atomic_write(path, bytes).unwrap();
        }
        let scope = FileScope::new(
            dir.path().to_path_buf(),
            None,
            dir.path().join(".sitegen"),
            Network::Offline,
        );
        (dir, scope)
    }

    fn call(scope: &FileScope, args: Value) -> TeraResult<Value> {
        let args: HashMap<String, Value> = serde_json::from_value(args).unwrap();
        get_image_metadata(&args, scope)
    }

    #[test]
    fn png_jpeg_and_svg() {
        let (_dir, s) = site(&[
            ("static/logo.png", png(640, 480)),
            ("content/blog/photo.jpeg", jpeg(300, 200, None)),
            ("static/turned.jpg", jpeg(300, 200, Some(6))),
            ("static/upright.jpg", jpeg(300, 200, Some(1))),
            (
                "static/icon.svg",
                br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="32px" height="24" viewBox="0 0 64 48"/>"#.to_vec(),
            ),
            (
                "static/box.svg",
                br#"<svg viewBox="0, 0, 100.5 50"><rect/></svg>"#.to_vec(),
            ),
            (
                "static/half.svg",
                br#"<svg width="50%" height="100%" viewBox="0 0 200 80"></svg>"#.to_vec(),
            ),
        ]);
        let meta = |path: &str| call(&s, serde_json::json!({ "path": path })).unwrap();
        assert_eq!(
            meta("logo.png"),
            json!({"width": 640, "height": 480, "format": "png", "mime": "image/png"})
        );
        assert_eq!(
            meta("@/blog/photo.jpeg"),
            json!({"width": 300, "height": 200, "format": "jpg", "mime": "image/jpeg"})
        );
        assert_eq!(meta("turned.jpg")["width"], 200);
        assert_eq!(meta("turned.jpg")["height"], 300);
        assert_eq!(meta("upright.jpg")["width"], 300);
        assert_eq!(
            meta("icon.svg"),
            json!({"width": 32, "height": 24, "format": "svg", "mime": "text/svg+xml"})
        );
        assert_eq!(meta("box.svg")["width"], 100);
        assert_eq!(meta("box.svg")["height"], 50);
        assert_eq!(meta("half.svg")["width"], 100);
        assert_eq!(meta("half.svg")["height"], 80);
    }

    #[test]
    fn missing_and_broken_files() {
        let (_dir, s) = site(&[
            ("static/notes.png", b"not an image".to_vec()),
            ("static/nosize.svg", b"<svg></svg>".to_vec()),
        ]);
        assert_eq!(
            call(&s, json!({"path": "gone.png", "allow_missing": true})).unwrap(),
            Value::Null
        );
        let err = |args| call(&s, args).unwrap_err().to_string();
        let missing = err(json!({"path": "gone.png"}));
        assert!(
            missing.contains(NAME) && missing.contains("gone.png"),
            "{missing}"
        );
        let broken = err(json!({"path": "notes.png"}));
        assert!(broken.contains("notes.png"), "{broken}");
        assert!(err(json!({"path": "nosize.svg"})).contains("viewBox"));
        assert!(err(json!({"path": "../x.png", "allow_missing": true})).contains("outside"));
        assert!(err(json!({})).contains("path"));
        assert!(err(json!({"path": "a.png", "allow_missing": 1})).contains("allow_missing"));
    }
}
