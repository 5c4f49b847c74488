//! `get_image_metadata`: an image's size and format, Zola's shape
//! (`{width, height, format, mime}`), read from the file's header only.
//!
//! Templates use this for `width`/`height` attributes, so the numbers must be the ones Zola
//! gives: a JPEG, PNG or WebP whose EXIF orientation turns it on its side has its width and
//! height swapped (Zola reads the EXIF block of those three formats only, through the
//! `image` crate's decoders; a TIFF's orientation tag is not applied), and an SVG's size
//! comes from its `width`/`height` attributes, else its `viewBox`. `format` is the format's
//! first extension in the `image` crate (`jpg` for JPEG, `pbm` for every PNM) whatever the
//! file is called, and `mime` is that crate's mime type for it, as Zola reports them (the SVG
//! one is Zola's `text/svg+xml`).
//!
//! The orientation is read without decoding pixels: a JPEG's from its APP1 segment in the
//! first bytes, a PNG's and a WebP's with `image`'s decoders over the file (the PNG reader
//! stops at the first image data; the WebP reader seeks to the EXIF chunk, which follows the
//! image data), the same decoders that turn the pixels upright in `resize_image`.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use image::metadata::Orientation;
use image::ImageDecoder;
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
        return Err(scope.missing(NAME, path));
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
    if let Some((width, height)) = pam_size(&header)? {
        let (format, mime) = PNM;
        return Ok(json!({ "width": width, "height": height, "format": format, "mime": mime }));
    }
    let kind = imagesize::image_type(&header).map_err(|e| e.to_string())?;
    let (format, mime) = format_of(&kind).ok_or("unsupported image format")?;
    let size = imagesize::size(file).map_err(|e| e.to_string())?;
    let (mut width, mut height) = (size.width, size.height);
    let orientation = match kind {
        imagesize::ImageType::Jpeg => jpeg_orientation(&header),
        imagesize::ImageType::Png | imagesize::ImageType::Webp => decoder_orientation(file)?,
        _ => None,
    };
    if orientation.is_some_and(turns_sideways) {
        std::mem::swap(&mut width, &mut height);
    }
    Ok(json!({ "width": width, "height": height, "format": format, "mime": mime }))
}

/// Whether an orientation puts the image on its side (EXIF values 5 to 8).
fn turns_sideways(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// The EXIF orientation of a PNG or WebP file as `image`'s decoder reads it (with its
/// default limits, as Zola's), or `None` without an EXIF block.
fn decoder_orientation(file: &Path) -> Result<Option<Orientation>, String> {
    let reader = std::fs::File::open(file).map_err(|e| e.to_string())?;
    let mut decoder = image::ImageReader::new(std::io::BufReader::new(reader))
        .with_guessed_format()
        .map_err(|e| e.to_string())?
        .into_decoder()
        .map_err(|e| e.to_string())?;
    let exif = decoder.exif_metadata().map_err(|e| e.to_string())?;
    Ok(exif.and_then(|exif| Orientation::from_exif_chunk(&exif)))
}

/// Enough of the start of a file for its type and a JPEG's EXIF block (at most 64 KiB).
const HEADER_BYTES: usize = 70 * 1024;

/// What Zola reports for every PNM (PBM, PGM, PPM and PAM): the `image` crate's first
/// extension and its most general mime type for the family.
const PNM: (&str, &str) = ("pbm", "image/x-portable-anymap");

/// The size in a PAM (`P7`) header, which `imagesize` does not read: `WIDTH` and `HEIGHT`
/// lines before `ENDHDR`. `None` for any other file.
fn pam_size(header: &[u8]) -> Result<Option<(u32, u32)>, String> {
    let Some(rest) = header.strip_prefix(b"P7") else {
        return Ok(None);
    };
    if !rest.first().is_some_and(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let (mut width, mut height) = (None, None);
    for line in rest.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(line);
        let mut words = line.split_ascii_whitespace();
        let number = |word: Option<&str>| word.and_then(|w| w.parse::<u32>().ok());
        match words.next() {
            Some("WIDTH") => width = number(words.next()),
            Some("HEIGHT") => height = number(words.next()),
            Some("ENDHDR") => break,
            _ => {}
        }
    }
    match (width, height) {
        (Some(w), Some(h)) => Ok(Some((w, h))),
        _ => Err("PAM header without a WIDTH and HEIGHT".into()),
    }
}

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
        T::Pnm => PNM,
        T::Farbfeld => ("ff", "application/octet-stream"),
        T::Qoi => ("qoi", "image/x-qoi"),
        T::Heif(imagesize::Compression::Av1) => ("avif", "image/avif"),
        _ => return None,
    })
}

/// The EXIF orientation of a JPEG, from its APP1 segment.
fn jpeg_orientation(data: &[u8]) -> Option<Orientation> {
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
                return Orientation::from_exif_chunk(tiff);
            }
        }
        at += 2 + len;
    }
    None
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

    /// A black PNG (a whole file: the EXIF lookup reads the header chunks with `image`'s
    /// decoder, which checks them).
    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(image::RgbImage::new(width, height))
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    /// An EXIF block holding only an orientation: a big-endian TIFF structure whose first
    /// directory (at 8) has one SHORT entry.
    fn exif(orientation: u16) -> Vec<u8> {
        let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
        tiff.extend(orientation.to_be_bytes());
        tiff.extend([0, 0, 0, 0, 0, 0]);
        tiff
    }

    /// Noise: incompressible, so a large lossless WebP of it puts its EXIF chunk (which
    /// follows the image data) beyond the first [`HEADER_BYTES`].
    fn noise(width: u32, height: u32) -> image::RgbImage {
        image::RgbImage::from_fn(width, height, |x, y| {
            let h = (x.wrapping_mul(0x9E37_79B9) ^ y.wrapping_mul(0x85EB_CA6B))
                .wrapping_mul(0xC2B2_AE35);
            image::Rgb([(h >> 24) as u8, (h >> 16) as u8, (h >> 8) as u8])
        })
    }

    /// A PNG or a lossless WebP of `width` x `height` with an EXIF block holding
    /// `orientation` (`image`'s encoders write it: an eXIf chunk before a PNG's image data,
    /// an EXIF chunk after a WebP's, as the formats' specifications place them).
    fn with_exif(format: image::ImageFormat, width: u32, height: u32, orientation: u16) -> Vec<u8> {
        use image::ImageEncoder;
        let img = noise(width, height);
        let mut out = Vec::new();
        let (w, h, color) = (img.width(), img.height(), image::ExtendedColorType::Rgb8);
        let chunk: &[u8] = match format {
            image::ImageFormat::Png => {
                let mut encoder = image::codecs::png::PngEncoder::new(&mut out);
                encoder.set_exif_metadata(exif(orientation)).unwrap();
                encoder.write_image(&img, w, h, color).unwrap();
                b"eXIf"
            }
            image::ImageFormat::WebP => {
                let mut encoder = image::codecs::webp::WebPEncoder::new_lossless(&mut out);
                encoder.set_exif_metadata(exif(orientation)).unwrap();
                encoder.write_image(&img, w, h, color).unwrap();
                b"EXIF"
            }
            other => panic!("no EXIF fixture for {other:?}"),
        };
        assert!(out.windows(4).any(|w| w == chunk), "no {chunk:?} chunk");
        out
    }

    /// A JPEG with an optional EXIF orientation, then a baseline frame header.
    fn jpeg(width: u16, height: u16, orientation: Option<u16>) -> Vec<u8> {
        let mut data = vec![0xFF, 0xD8];
        if let Some(o) = orientation {
            let body = [b"Exif\0\0".as_slice(), &exif(o)].concat();
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
    fn png_and_webp_exif_orientations_swap_the_sides_as_zola_does() {
        let big_webp = with_exif(image::ImageFormat::WebP, 300, 200, 6);
        assert!(big_webp.len() > HEADER_BYTES * 2, "{}", big_webp.len());
        let (_dir, s) = site(&[
            (
                "static/turned.png",
                with_exif(image::ImageFormat::Png, 30, 20, 6),
            ),
            (
                "static/upright.png",
                with_exif(image::ImageFormat::Png, 30, 20, 1),
            ),
            (
                "static/mirrored.png",
                with_exif(image::ImageFormat::Png, 30, 20, 2),
            ),
            (
                "static/turned.webp",
                with_exif(image::ImageFormat::WebP, 30, 20, 8),
            ),
            (
                "static/upright.webp",
                with_exif(image::ImageFormat::WebP, 30, 20, 3),
            ),
            ("static/big.webp", big_webp),
            (
                "static/transposed.webp",
                with_exif(image::ImageFormat::WebP, 30, 20, 5),
            ),
        ]);
        let meta = |path: &str| call(&s, json!({ "path": path })).unwrap();
        assert_eq!(
            meta("turned.png"),
            json!({"width": 20, "height": 30, "format": "png", "mime": "image/png"})
        );
        assert_eq!(
            meta("turned.webp"),
            json!({"width": 20, "height": 30, "format": "webp", "mime": "image/webp"})
        );
        for (file, size) in [
            ("upright.png", (30, 20)),
            ("mirrored.png", (30, 20)),
            ("upright.webp", (30, 20)),
            ("transposed.webp", (20, 30)),
            ("big.webp", (200, 300)),
        ] {
            let m = meta(file);
            assert_eq!(
                (m["width"].clone(), m["height"].clone()),
                (json!(size.0), json!(size.1)),
                "{file}"
            );
        }
    }

    #[test]
    fn every_pnm_is_zolas_pbm_with_the_anymap_mime() {
        let (_dir, s) = site(&[
            (
                "static/a.pbm",
                b"P1\n# a comment\n3 2\n0 1 0\n1 0 1\n".to_vec(),
            ),
            (
                "static/b.pbm",
                [b"P4\n16 4\n".as_slice(), &[0x5A; 8]].concat(),
            ),
            ("static/c.pgm", b"P2\n4 1\n255\n0 1 2 3\n".to_vec()),
            (
                "static/d.pgm",
                [b"P5 2 2 255\n".as_slice(), &[0, 1, 2, 3]].concat(),
            ),
            ("static/e.ppm", b"P3\n1 2\n255\n0 0 0 9 9 9\n".to_vec()),
            (
                "static/f.ppm",
                [b"P6\n2 1\n255\n".as_slice(), &[0; 6]].concat(),
            ),
            (
                "static/g.pam",
                [
                    b"P7\nWIDTH 5\nHEIGHT 4\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRAYSCALE\nENDHDR\n"
                        .as_slice(),
                    &[0; 20],
                ]
                .concat(),
            ),
            ("static/bad.pam", b"P7\nWIDTH 5\nENDHDR\n".to_vec()),
        ]);
        for (file, (width, height)) in [
            ("a.pbm", (3, 2)),
            ("b.pbm", (16, 4)),
            ("c.pgm", (4, 1)),
            ("d.pgm", (2, 2)),
            ("e.ppm", (1, 2)),
            ("f.ppm", (2, 1)),
            ("g.pam", (5, 4)),
        ] {
            assert_eq!(
                call(&s, json!({ "path": file })).unwrap(),
                json!({"width": width, "height": height, "format": "pbm", "mime": "image/x-portable-anymap"}),
                "{file}"
            );
        }
        let err = call(&s, json!({"path": "bad.pam"}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("bad.pam") && err.contains("HEIGHT"), "{err}");
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
        // A path that leaves the site and names no file there is a missing file, as in Zola.
        assert_eq!(
            call(&s, json!({"path": "../x.png", "allow_missing": true})).unwrap(),
            Value::Null
        );
        assert!(err(json!({})).contains("path"));
        assert!(err(json!({"path": "a.png", "allow_missing": 1})).contains("allow_missing"));
    }
}
