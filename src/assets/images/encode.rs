//! Output formats and their encoders. Every encoder here is deterministic (same pixels and
//! settings, same bytes, on any thread count): processed images are build outputs, and a
//! rebuild must not rewrite them. (The SIMD code of `jpeg-encoder` and `fast_image_resize`
//! is picked at run time, so another CPU may make other bytes; the output names do not
//! depend on them.)
//!
//! JPEG comes from `jpeg-encoder`, PNG from the `image` crate (both pure Rust), WebP from
//! libwebp (the `webp` crate, built from vendored C sources). AVIF is refused: its encoder
//! (rav1e) would double the build time of the crate for a format few sites ask for.
//!
//! # Why these crates: measured
//!
//! `cargo run --release --example image_crates` times the candidates side by side on one
//! thread, on a 3000x2000 photo-like JPEG (quality 92) and an 800x533 screenshot-like
//! graphic. The table is its quietest run (machine load about 2; 2 cores shared with other
//! builds): medians of 5 runs, 3 for the 3000x2000 encodes. In five runs at loads 2 to 9 the
//! milliseconds moved by up to 2x but the ratios below held (bytes and PSNR do not move).
//! PSNR is of the decoded output against the encoder's input (for the resizes: against
//! `image`'s Lanczos3).
//!
//! | step | crate and setting | ms | bytes | PSNR dB |
//! |---|---|---:|---:|---:|
//! | decode 3000x2000 JPEG | `image` 0.25 (zune-jpeg) (used) | 58.3 | | |
//! | decode 3000x2000 JPEG | `jpeg-decoder` 0.3, one thread | 61.7 | | |
//! | resize to 800x533 | `image::imageops::resize` Lanczos3 | 135.9 | | exact |
//! | resize to 800x533 | `image::imageops::resize` Triangle | 57.4 | | 49.61 |
//! | resize to 800x533 | `fast_image_resize` 6 Lanczos3 (used) | 10.5 | | 57.52 |
//! | resize to 800x533 | `fast_image_resize` 6 Bilinear | 7.2 | | 49.51 |
//! | JPEG q75 800x533 | `image` JpegEncoder, 4:2:2 (Zola's) | 12.4 | 24,460 | 41.91 |
//! | JPEG q75 800x533 | `jpeg-encoder` 0.7, 4:2:2 (used) | 5.9 | 20,869 | 41.64 |
//! | JPEG q75 800x533 | `jpeg-encoder` 0.7, its default 4:2:0 | 3.6 | 19,043 | 40.78 |
//! | JPEG q75 3000x2000 | `image` JpegEncoder, 4:2:2 (Zola's) | 234.8 | 597,882 | 38.31 |
//! | JPEG q75 3000x2000 | `jpeg-encoder` 0.7, 4:2:2 (used) | 98.3 | 561,510 | 38.24 |
//! | JPEG q75 3000x2000 | `jpeg-encoder` 0.7, its default 4:2:0 | 79.5 | 537,371 | 38.02 |
//! | WebP 800x533 | libwebp lossy q75 (used) | 31.0 | 5,906 | 41.20 |
//! | WebP 800x533 | libwebp lossless, cwebp's default effort (used) | 403.5 | 283,898 | exact |
//! | WebP 800x533 | libwebp lossless, effort 2 (`-z 2`) | 121.0 | 309,446 | exact |
//! | WebP 800x533 | libwebp lossless, effort 0 (`-z 0`) | 31.4 | 332,788 | exact |
//! | WebP 800x533 | `image`'s encoder (image-webp, lossless only) | 4.1 | 352,914 | exact |
//! | PNG 800x533 | `image` PngEncoder (used) | 4.1 | 524,732 | exact |
//! | WebP 3000x2000 | libwebp lossy q75 (used) | 710.6 | 170,262 | 36.93 |
//! | WebP 3000x2000 | libwebp lossless, default effort (used) | 4,834.8 | 3,365,548 | exact |
//! | WebP 3000x2000 | libwebp lossless, effort 0 | 546.4 | 4,609,046 | exact |
//! | WebP 3000x2000 | `image`'s encoder, lossless | 83.5 | 4,853,586 | exact |
//! | lossless graphic 800x533 | libwebp lossless, default effort (used) | 19.4 | 1,368 | exact |
//! | lossless graphic 800x533 | libwebp lossless, effort 0 | 7.3 | 24,120 | exact |
//! | lossless graphic 800x533 | `image`'s WebP encoder, lossless | 2.3 | 4,854 | exact |
//! | lossless graphic 800x533 | `image` PngEncoder (used) | 0.4 | 14,762 | exact |
//!
//! - Resize: `fast_image_resize`'s Lanczos3 (Zola's filter) is 7 to 13 times faster than
//!   `image`'s over the runs and gives the same picture (57.5 dB apart: rounding); it is
//!   faster than `image`'s Triangle too.
//! - JPEG: `jpeg-encoder` (AVX2 when the CPU has it) is 2 to 5 times faster than `image`'s
//!   encoder over the runs (about 3 typically), and at the same 4:2:2 its files are 6 to 15%
//!   smaller for 0.07 to 0.27 dB less; it keeps the ICC profile too. It replaced `image`'s
//!   encoder. `mozjpeg` was not measured: as a dev-dependency its C build (libjpeg-turbo,
//!   nasm for SIMD) would be in every test build.
//! - JPEG decode stays with `image` (zune-jpeg): `jpeg-decoder` is no faster.
//! - WebP lossy: `image`'s own encoder is lossless only, so Zola's `quality` needs libwebp.
//! - WebP lossless (Zola's default when `quality` is not given) stays with libwebp at its
//!   default effort: on a graphic, what lossless is for, its file is 3.5 times smaller than
//!   `image`'s encoder's (and 17 times smaller than at effort 0) for 20 ms. On a photo it is
//!   slow (about 5 s for 6 megapixels, 50 to 80 times `image`'s encoder, for a file 30%
//!   smaller): a photo wants `quality`, whose file is 20 times smaller, made in a seventh of
//!   the time.

use std::io::Cursor;

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

    /// A stable encoding for the store key.
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
            let side =
                |n: u32| u16::try_from(n).map_err(|_| format!("{n} pixels is too large for JPEG"));
            let (width, height) = (side(rgb.width())?, side(rgb.height())?);
            let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
            // 4:2:2, as `image`'s encoder (and so Zola) makes them; jpeg-encoder's own
            // default would be 4:2:0 below quality 90.
            encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_1);
            if let Some(icc) = icc {
                // Refused profiles (too large for the segments) are dropped, not fatal.
                let _ = encoder.add_icc_profile(&icc);
            }
            encoder
                .encode(&rgb, width, height, jpeg_encoder::ColorType::Rgb)
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
    fn jpeg_keeps_the_colour_profile_and_samples_chroma_4_2_2() {
        use image::ImageDecoder;
        // A profile longer than one APP2 segment holds (the encoder splits it).
        let icc: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let bytes = encode(
            &gradient(false),
            Format::Jpeg { quality: 80 },
            Some(icc.clone()),
        )
        .unwrap();
        let mut decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(&bytes)).unwrap();
        assert_eq!(decoder.icc_profile().unwrap(), Some(icc));
        // Baseline frame header: marker, length, precision, height, width, 3 components
        // of (id, sampling factors, table): luma 2x1, chroma 1x1.
        let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        let frame = &bytes[sof + 2..sof + 19];
        assert_eq!(&frame[3..8], &[0, 48, 0, 64, 3]);
        assert_eq!([frame[9], frame[12], frame[15]], [0x21, 0x11, 0x11]);
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
