//! The public file names of processed images, as Zola 0.22 computes them, so the image URLs
//! of a site stay the same when it moves from Zola (links to them, caches, search engines).
//!
//! Zola's rule (`components/imageproc/src/helpers.rs`, `get_processed_filename`):
//! `<stem>.<hash>.<ext>`, where `stem` is the source file's stem, `ext` the output format's
//! extension (`jpg` for JPEG however it was asked for), and `hash` the 16 hex digits of
//! `std`'s `DefaultHasher` (SipHash-1-3, keys 0 and 0) after it was fed, in order:
//!
//! 1. the bytes of the *unified path*: the `path` argument as the template wrote it, with
//!    every `@/` replaced by `content/` when it starts with `@/`, else with its leading `/`s
//!    removed (`search_for_file` in `components/templates/src/global_fns/helpers.rs`); not
//!    the file found, so the name holds on any machine and in any directory;
//! 2. the derived `Hash` of `ResizeOperation`: the variant's index as an `isize` (8 bytes),
//!    then its `u32` fields (4 bytes each);
//! 3. `Format`'s own `Hash` (`components/imageproc/src/format.rs`): the extension's bytes,
//!    then the quality and the speed as `i16`s (2 bytes each; -1 when the format has none).
//!
//! Integers go in little-endian, as on the machines Zola's releases are built for. The
//! hasher is this crate's SipHash-1-3, not `std`'s `DefaultHasher`, whose algorithm `std`
//! may change: a name must not change with the compiler.
//!
//! The name covers neither the source's bytes nor sitegen's encoder settings (nor does
//! Zola's), so the store of results is keyed separately (see the parent module).

use std::hash::Hasher;
use std::path::Path;

use siphasher::sip::SipHasher13;

use super::{Format, ResizeOp};

/// The path Zola hashes for the `path` argument `src`.
pub fn unified_path(src: &str) -> String {
    if src.starts_with("@/") {
        src.replace("@/", "content/")
    } else {
        src.trim_start_matches('/').to_string()
    }
}

/// `<stem>.<hash>.<ext>` for the source `file` asked for as `src`.
pub fn processed_name(file: &Path, src: &str, op: &ResizeOp, format: &Format) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "unknown".into());
    format!(
        "{stem}.{:016x}.{}",
        zola_hash(&unified_path(src), op, format),
        format.extension()
    )
}

/// The hash of Zola's name (see the module doc for the bytes fed).
fn zola_hash(unified: &str, op: &ResizeOp, format: &Format) -> u64 {
    let mut h = SipHasher13::new();
    h.write(unified.as_bytes());
    let (variant, fields): (i64, &[u32]) = match op {
        ResizeOp::Scale(w, h) => (0, &[*w, *h]),
        ResizeOp::FitWidth(w) => (1, &[*w]),
        ResizeOp::FitHeight(h) => (2, &[*h]),
        ResizeOp::Fit(w, h) => (3, &[*w, *h]),
        ResizeOp::Fill(w, h) => (4, &[*w, *h]),
    };
    h.write(&variant.to_le_bytes());
    for field in fields {
        h.write(&field.to_le_bytes());
    }
    let quality: i16 = match *format {
        Format::Png | Format::WebP { quality: None } => -1,
        Format::Jpeg { quality }
        | Format::WebP {
            quality: Some(quality),
        } => quality.into(),
    };
    // Zola's speed is AVIF's alone, which sitegen does not make.
    let speed: i16 = -1;
    h.write(format.extension().as_bytes());
    h.write(&quality.to_le_bytes());
    h.write(&speed.to_le_bytes());
    h.finish()
}

#[cfg(test)]
mod tests {
    //! Checked against a second implementation of the rule: Zola's own types and hashing
    //! code, restated here with `derive(Hash)` and `std`'s `DefaultHasher` as Zola runs them.
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};

    use super::*;

    #[derive(Hash)]
    #[allow(dead_code)]
    enum ZolaOp {
        Scale(u32, u32),
        FitWidth(u32),
        FitHeight(u32),
        Fit(u32, u32),
        Fill(u32, u32),
    }

    /// Zola's `get_processed_filename`, its `Hash for Format` inlined.
    fn zola(src: &str, op: ZolaOp, ext: &str, quality: i16) -> String {
        let actual = if src.starts_with("@/") {
            src.replace("@/", "content/")
        } else {
            src.trim_start_matches('/').to_string()
        };
        let mut hasher = DefaultHasher::new();
        hasher.write(actual.as_ref());
        op.hash(&mut hasher);
        hasher.write(ext.as_bytes());
        hasher.write_i16(quality);
        hasher.write_i16(-1);
        let stem = Path::new(&actual).file_stem().unwrap().to_string_lossy();
        format!("{stem}.{:016x}.{ext}", hasher.finish())
    }

    fn ours(src: &str, op: ResizeOp, format: Format) -> String {
        processed_name(Path::new(&unified_path(src)), src, &op, &format)
    }

    #[test]
    fn names_are_zolas() {
        use Format::*;
        let cases = [
            ("img/a.jpg", ResizeOp::Fill(100, 100), Jpeg { quality: 75 }),
            ("/img/a.jpg", ResizeOp::FitWidth(640), Jpeg { quality: 90 }),
            ("@/blog/x/photo.png", ResizeOp::FitHeight(30), Png),
            ("static/b.webp", ResizeOp::Fit(1, 2), WebP { quality: None }),
            ("c.gif", ResizeOp::Scale(7, 9), WebP { quality: Some(0) }),
        ];
        for (src, op, format) in cases {
            let zola_op = match op {
                ResizeOp::Scale(w, h) => ZolaOp::Scale(w, h),
                ResizeOp::FitWidth(w) => ZolaOp::FitWidth(w),
                ResizeOp::FitHeight(h) => ZolaOp::FitHeight(h),
                ResizeOp::Fit(w, h) => ZolaOp::Fit(w, h),
                ResizeOp::Fill(w, h) => ZolaOp::Fill(w, h),
            };
            let quality = match format {
                Png | WebP { quality: None } => -1,
                Jpeg { quality }
                | WebP {
                    quality: Some(quality),
                } => quality.into(),
            };
            let expected = zola(src, zola_op, format.extension(), quality);
            assert_eq!(ours(src, op, format), expected, "{src}");
        }
    }

    /// The names Zola's own test of `resize_image` asserts
    /// (`components/templates/src/global_fns/images.rs`, `can_resize_image`): a JPEG
    /// resized with the default op (`fill`) to 40x40 and the default format (JPEG, 75).
    #[test]
    fn names_in_zolas_tests() {
        let name = |src: &str| {
            let file = Path::new(src).file_name().unwrap();
            processed_name(
                Path::new("/site/anywhere").join(file).as_path(),
                src,
                &ResizeOp::Fill(40, 40),
                &Format::Jpeg { quality: 75 },
            )
        };
        assert_eq!(
            name("static/gutenberg.jpg"),
            "gutenberg.e99218b5a3185c99.jpg"
        );
        assert_eq!(
            name("content/gutenberg.jpg"),
            "gutenberg.155d032b1aae0133.jpg"
        );
        assert_eq!(
            name("/content/gutenberg.jpg"),
            "gutenberg.155d032b1aae0133.jpg"
        );
        assert_eq!(name("@/gutenberg.jpg"), "gutenberg.155d032b1aae0133.jpg");
        assert_eq!(name("gallery/asset.jpg"), "asset.160461e0d0be19e6.jpg");
        assert_eq!(name("in-theme.jpg"), "in-theme.d8f4f6eef30de1b2.jpg");
    }

    #[test]
    fn the_unified_path_is_the_argument_not_the_file() {
        assert_eq!(unified_path("/img/a.jpg"), "img/a.jpg");
        assert_eq!(unified_path("//img/a.jpg"), "img/a.jpg");
        assert_eq!(unified_path("@/a/@/b.jpg"), "content/a/content/b.jpg");
        assert_eq!(unified_path("x/@/b.jpg"), "x/@/b.jpg");
        // The same argument gives the same name wherever the site is.
        let op = ResizeOp::Fit(10, 10);
        let f = Format::Png;
        assert_eq!(
            processed_name(Path::new("/a/static/img/a.png"), "img/a.png", &op, &f),
            processed_name(Path::new("/b/c/static/img/a.png"), "/img/a.png", &op, &f)
        );
        // Asking for JPEG as `jpeg` gives Zola's `jpg`.
        let jpeg = Format::from_args("jpeg", false, None).unwrap();
        assert!(processed_name(Path::new("a.png"), "a.png", &op, &jpeg).ends_with(".jpg"));
    }
}
