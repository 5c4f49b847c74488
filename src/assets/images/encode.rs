//! Output formats and their encoders. Every encoder here is deterministic (same pixels and
//! settings, same bytes, on any thread count): processed images are build outputs, and a
//! rebuild must not rewrite them.
//!
//! JPEG and PNG come from the `image` crate (pure Rust). WebP comes from libwebp (the `webp`
//! crate, built from vendored C sources): `image`'s own WebP encoder is lossless only, and
//! Zola's `quality` makes a lossy WebP. AVIF is refused: its encoder (rav1e) would double
//! the build time of the crate for a format few sites ask for.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageEncoder};

use super::ImageError;

const DEFAULT_JPEG_QUALITY: u8 = 75;

/// What to encode the result as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jpeg {
        quality: u8,
    },
    Png,
    /// `None`: lossless (Zola's default for WebP).
    WebP {
        quality: Option<u8>,
    },
}

impl Format {
    /// Zola's rules: `auto` is JPEG for a lossy source and PNG for a lossless one; `quality`
    /// is 1-100 for JPEG (default 75), 0-100 for WebP (default lossless), ignored for PNG.
    pub fn from_args(
        format: &str,
        lossy_source: bool,
        quality: Option<u8>,
    ) -> Result<Self, ImageError> {
        let format = match (format, lossy_source) {
            ("auto", true) => "jpg",
            ("auto", false) => "png",
            (other, _) => other,
        };
        match format {
            "jpg" | "jpeg" => match quality.unwrap_or(DEFAULT_JPEG_QUALITY) {
                q @ 1..=100 => Ok(Format::Jpeg { quality: q }),
                q => Err(ImageError::Argument(format!(
                    "JPEG quality must be from 1 to 100, not {q}"
                ))),
            },
            "png" => Ok(Format::Png),
            "webp" => match quality {
                Some(q) if q > 100 => Err(ImageError::Argument(format!(
                    "WebP quality must be from 0 to 100, not {q}"
                ))),
                quality => Ok(Format::WebP { quality }),
            },
            "avif" => Err(ImageError::Argument(
                "format `avif` is not supported by sitegen (use webp, jpg or png)".into(),
            )),
            other => Err(ImageError::Argument(format!(
                "unknown format `{other}` (expected auto, jpg, png or webp)"
            ))),
        }
    }

    /// The output file's extension.
    pub fn extension(&self) -> &'static str {
        match self {
            Format::Jpeg { .. } => "jpg",
            Format::Png => "png",
            Format::WebP { .. } => "webp",
        }
    }

    /// A stable encoding for the output's name.
    pub fn key(&self) -> String {
        match self {
            Format::Jpeg { quality } => format!("jpg:{quality}"),
            Format::Png => "png".into(),
            Format::WebP { quality: None } => "webp:lossless".into(),
            Format::WebP { quality: Some(q) } => format!("webp:{q}"),
        }
    }
}

/// Encodes `img` as `format`. `icc` (the source's colour profile) is kept where the format
/// can carry it. Errors are messages; the caller adds the path.
pub fn encode(img: &DynamicImage, format: Format, icc: Option<Vec<u8>>) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let alpha = img.color().has_alpha();
    match format {
        Format::Jpeg { quality } => {
            let rgb = img.to_rgb8();
            let mut encoder = JpegEncoder::new_with_quality(&mut out, quality);
            if let Some(icc) = icc {
                // Refused profiles (too large for the segments) are dropped, not fatal.
                let _ = encoder.set_icc_profile(icc);
            }
            encoder
                .write_image(
                    &rgb,
                    rgb.width(),
                    rgb.height(),
                    image::ExtendedColorType::Rgb8,
                )
                .map_err(|e| e.to_string())?;
        }
        Format::Png => {
            let mut encoder = PngEncoder::new(Cursor::new(&mut out));
            if let Some(icc) = icc {
                let _ = encoder.set_icc_profile(icc);
            }
            if alpha {
                let rgba = img.to_rgba8();
                encoder.write_image(
                    &rgba,
                    rgba.width(),
                    rgba.height(),
                    image::ExtendedColorType::Rgba8,
                )
            } else {
                let rgb = img.to_rgb8();
                encoder.write_image(
                    &rgb,
                    rgb.width(),
                    rgb.height(),
                    image::ExtendedColorType::Rgb8,
                )
            }
            .map_err(|e| e.to_string())?;
        }
        Format::WebP { quality } => {
            let mut config =
                webp::WebPConfig::new().map_err(|()| "libwebp: bad version".to_string())?;
            config.lossless = i32::from(quality.is_none());
            config.alpha_compression = i32::from(quality.is_some());
            config.quality = quality.map_or(75.0, f32::from);
            let memory = if alpha {
                let rgba = img.to_rgba8();
                webp::Encoder::from_rgba(&rgba, rgba.width(), rgba.height())
                    .encode_advanced(&config)
            } else {
                let rgb = img.to_rgb8();
                webp::Encoder::from_rgb(&rgb, rgb.width(), rgb.height()).encode_advanced(&config)
            }
            .map_err(|e| format!("libwebp: {e:?}"))?;
            out.extend_from_slice(&memory);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_follows_the_source_and_qualities_are_checked() {
        assert_eq!(
            Format::from_args("auto", true, None).unwrap(),
            Format::Jpeg { quality: 75 }
        );
        assert_eq!(
            Format::from_args("auto", false, Some(10)).unwrap(),
            Format::Png
        );
        assert_eq!(
            Format::from_args("webp", false, None).unwrap(),
            Format::WebP { quality: None }
        );
        assert_eq!(
            Format::from_args("jpeg", false, Some(90))
                .unwrap()
                .extension(),
            "jpg"
        );
        let err = |f, q| Format::from_args(f, true, q).unwrap_err().to_string();
        assert!(err("jpg", Some(0)).contains("from 1 to 100"));
        assert!(err("webp", Some(101)).contains("from 0 to 100"));
        assert!(err("gif", None).contains("unknown format `gif`"));
        assert!(err("avif", None).contains("not supported"));
    }

    fn gradient(alpha: bool) -> DynamicImage {
        let img = image::RgbaImage::from_fn(64, 48, |x, y| {
            image::Rgba([
                (x * 4) as u8,
                (y * 5) as u8,
                ((x + y) * 2) as u8,
                if alpha { (x * 3) as u8 } else { 255 },
            ])
        });
        let img = DynamicImage::ImageRgba8(img);
        if alpha {
            img
        } else {
            DynamicImage::ImageRgb8(img.to_rgb8())
        }
    }

    #[test]
    fn every_format_decodes_back_to_the_same_size_and_is_deterministic() {
        for format in [
            Format::Jpeg { quality: 80 },
            Format::Png,
            Format::WebP { quality: None },
            Format::WebP { quality: Some(60) },
        ] {
            for alpha in [false, true] {
                let img = gradient(alpha);
                let bytes = encode(&img, format, None).unwrap();
                assert_eq!(bytes, encode(&img, format, None).unwrap(), "{format:?}");
                let back = image::load_from_memory(&bytes).unwrap();
                assert_eq!((back.width(), back.height()), (64, 48), "{format:?}");
                let keeps_alpha = alpha && !matches!(format, Format::Jpeg { .. });
                assert_eq!(
                    back.color().has_alpha(),
                    keeps_alpha,
                    "{format:?} alpha={alpha}"
                );
            }
        }
    }
}
