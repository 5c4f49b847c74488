//! Measures the image crates `resize_image` could use, side by side on the same inputs in one
//! run, and prints a table: the numbers behind the choice recorded in the docs of
//! `src/assets/images/encode.rs`.
//!
//! The input is a 3000x2000 photo-like image (`support/photo.rs`, seed 7) stored as a
//! quality-92 JPEG, the kind of file a site keeps in `static/`. Rows:
//!
//! - decode that JPEG: `image` (zune-jpeg) and `jpeg-decoder`;
//! - resize it to 800x533 (`fit_width` 800): `image::imageops::resize` (Lanczos3, Triangle)
//!   and `fast_image_resize` (Lanczos3, which sitegen uses as Zola does, and Bilinear); the
//!   PSNR column compares each result with `image`'s Lanczos3 (same filter, same pixels?);
//! - encode the 800x533 result and the whole 3000x2000 image: JPEG quality 75 (`image`,
//!   `jpeg-encoder` at its default 4:2:0 and at `image`'s 4:2:2), WebP (libwebp lossy 75,
//!   libwebp lossless at sitegen's setting and at two lower `cwebp -z` efforts, `image`'s own
//!   lossless encoder) and PNG; the PSNR column compares the decoded output with what was
//!   encoded; and the lossless encoders again on a screenshot-like graphic, the kind of
//!   image lossless formats are for.
//!
//! Every timing is the median of several runs on one thread (sitegen runs one image per
//! render thread, so per-image single-thread speed is what counts).
//!
//! `cargo run --release --example image_crates [-- REPS]` (REPS: runs per row, default 5)

#[path = "support/photo.rs"]
mod support;

use std::io::Cursor;
use std::time::Instant;

use fast_image_resize as fr;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::{ExtendedColorType, ImageEncoder, RgbImage};

/// Runs `f` `reps` times; the median time in milliseconds and the last result.
fn timed<T>(reps: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::with_capacity(reps);
    let mut last = None;
    for _ in 0..reps.max(1) {
        let start = Instant::now();
        let out = std::hint::black_box(f());
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        last = Some(out);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], last.expect("at least one run"))
}

/// Peak signal-to-noise ratio of `b` against `a` (same size), in dB; infinite when equal.
fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| (i64::from(x) - i64::from(y)).pow(2) as u64)
        .sum();
    if sum == 0 {
        return f64::INFINITY;
    }
    let mse = sum as f64 / a.as_raw().len() as f64;
    10.0 * (255.0 * 255.0 / mse).log10()
}

struct Row {
    step: String,
    what: &'static str,
    ms: f64,
    bytes: Option<usize>,
    psnr: Option<f64>,
}

struct Table {
    reps: usize,
    rows: Vec<Row>,
}

impl Table {
    fn add(&mut self, step: &str, what: &'static str, ms: f64, bytes: Option<usize>, psnr: f64) {
        self.rows.push(Row {
            step: step.to_string(),
            what,
            ms,
            bytes,
            psnr: Some(psnr),
        });
    }

    /// An encoder's row: times `encode`, decodes its output back to measure the loss.
    fn encoded(
        &mut self,
        step: &str,
        what: &'static str,
        img: &RgbImage,
        encode: impl FnMut() -> Vec<u8>,
    ) {
        let (ms, bytes) = timed(self.reps, encode);
        let back = image::load_from_memory(&bytes)
            .unwrap_or_else(|e| panic!("{what}: output does not decode: {e}"))
            .to_rgb8();
        let size = Some(bytes.len());
        self.add(step, what, ms, size, psnr(img, &back));
    }

    fn print(&self) {
        println!(
            "| {:<24} | {:<44} | {:>9} | {:>9} | {:>7} |",
            "step", "crate and setting", "ms", "bytes", "PSNR dB"
        );
        println!(
            "|{:-<26}|{:-<46}|{:->11}|{:->11}|{:->9}|",
            "", "", "", "", ""
        );
        for r in &self.rows {
            let bytes = r.bytes.map_or("".into(), |b| b.to_string());
            let psnr = match r.psnr {
                Some(p) if p.is_infinite() => "exact".into(),
                Some(p) => format!("{p:.2}"),
                None => String::new(),
            };
            println!(
                "| {:<24} | {:<44} | {:>9.1} | {:>9} | {:>7} |",
                r.step, r.what, r.ms, bytes, psnr
            );
        }
    }
}

/// `fast_image_resize` of an RGB image, as `src/assets/images/source.rs` calls it.
fn fir_resize(src: &RgbImage, w: u32, h: u32, filter: fr::FilterType) -> RgbImage {
    let src = fr::images::Image::from_vec_u8(
        src.width(),
        src.height(),
        src.as_raw().clone(),
        fr::PixelType::U8x3,
    )
    .expect("source buffer");
    let mut dst = fr::images::Image::new(w, h, fr::PixelType::U8x3);
    let options = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(filter));
    fr::Resizer::new()
        .resize(&src, &mut dst, &options)
        .expect("resize");
    RgbImage::from_raw(w, h, dst.into_vec()).expect("resized buffer")
}

fn image_jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(img, img.width(), img.height(), ExtendedColorType::Rgb8)
        .expect("jpeg");
    out
}

fn jpeg_encoder(
    img: &RgbImage,
    quality: u8,
    sampling: Option<jpeg_encoder::SamplingFactor>,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    if let Some(sampling) = sampling {
        encoder.set_sampling_factor(sampling);
    }
    encoder
        .encode(
            img,
            img.width() as u16,
            img.height() as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .expect("jpeg-encoder");
    out
}

/// libwebp with the settings of `src/assets/images/encode.rs`.
fn libwebp(img: &RgbImage, quality: Option<u8>) -> Vec<u8> {
    let mut config = webp::WebPConfig::new().expect("libwebp config");
    config.lossless = i32::from(quality.is_none());
    config.alpha_compression = i32::from(quality.is_some());
    config.quality = quality.map_or(75.0, f32::from);
    webp::Encoder::from_rgb(img, img.width(), img.height())
        .encode_advanced(&config)
        .expect("libwebp")
        .to_vec()
}

/// libwebp lossless at one of `cwebp -z`'s effort levels (`WebPConfigLosslessPreset`):
/// level 0 is method 0 and quality 0, level 2 method 2 and quality 25; sitegen's setting
/// above (method 4, quality 75) is level 6, cwebp's default.
fn libwebp_lossless_effort(img: &RgbImage, method: i32, quality: f32) -> Vec<u8> {
    let mut config = webp::WebPConfig::new().expect("libwebp config");
    config.lossless = 1;
    config.method = method;
    config.quality = quality;
    webp::Encoder::from_rgb(img, img.width(), img.height())
        .encode_advanced(&config)
        .expect("libwebp")
        .to_vec()
}

fn image_webp_lossless(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .write_image(img, img.width(), img.height(), ExtendedColorType::Rgb8)
        .expect("image-webp");
    out
}

fn png(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(Cursor::new(&mut out))
        .write_image(img, img.width(), img.height(), ExtendedColorType::Rgb8)
        .expect("png");
    out
}

fn encoders(table: &mut Table, label: &str, img: &RgbImage) {
    let step = |what: &str| format!("{what} {}x{}", img.width(), img.height());
    let jpeg = step("JPEG q75");
    table.encoded(
        &jpeg,
        "image JpegEncoder (4:2:2; Zola, old sitegen)",
        img,
        || image_jpeg(img, 75),
    );
    table.encoded(&jpeg, "jpeg-encoder 0.7 (default 4:2:0)", img, || {
        jpeg_encoder(img, 75, None)
    });
    table.encoded(&jpeg, "jpeg-encoder 0.7 (4:2:2, sitegen)", img, || {
        jpeg_encoder(img, 75, Some(jpeg_encoder::SamplingFactor::F_2_1))
    });
    let webp = step("WebP");
    table.encoded(&webp, "webp 0.3 / libwebp lossy q75 (sitegen)", img, || {
        libwebp(img, Some(75))
    });
    table.encoded(&webp, "webp 0.3 / libwebp lossless (sitegen)", img, || {
        libwebp(img, None)
    });
    table.encoded(&webp, "webp 0.3 / libwebp lossless -z 2", img, || {
        libwebp_lossless_effort(img, 2, 25.0)
    });
    table.encoded(&webp, "webp 0.3 / libwebp lossless -z 0", img, || {
        libwebp_lossless_effort(img, 0, 0.0)
    });
    table.encoded(
        &webp,
        "image WebPEncoder (image-webp, lossless)",
        img,
        || image_webp_lossless(img),
    );
    table.encoded(&step("PNG"), "image PngEncoder (default)", img, || png(img));
    eprintln!("encoded the {label} image");
}

/// A screenshot-like 800x533 graphic (flat panels, a few colours, rows of glyph-like marks,
/// one gradient bar): what lossless formats are for, where a photo is not.
fn graphic() -> RgbImage {
    let (w, h) = (800, 533);
    RgbImage::from_fn(w, h, |x, y| {
        let panel = [[246, 247, 249], [32, 41, 56], [255, 255, 255]];
        if y < 48 {
            return image::Rgb(panel[1]);
        }
        if x < 180 {
            let mark = (y / 14) % 3 != 2 && (x / 6 + y / 14) % 5 != 0 && (20..160).contains(&x);
            return image::Rgb(if mark { [90, 98, 112] } else { panel[0] });
        }
        if (200..780).contains(&x) && (70..96).contains(&y) {
            let t = (x - 200) * 255 / 580;
            return image::Rgb([t as u8, 120, 255 - t as u8]);
        }
        let line = (y - 110) / 18;
        let glyph = (x / 7 * 31 + line * 17) % 11 < 7 && (y - 110) % 18 < 11;
        if y >= 110 && x < 760 && glyph && line % 4 != 3 {
            image::Rgb(if line % 4 == 0 {
                [200, 40, 60]
            } else {
                [30, 30, 30]
            })
        } else {
            image::Rgb(panel[2])
        }
    })
}

fn main() {
    let reps: usize = std::env::args()
        .nth(1)
        .map_or(5, |a| a.parse().expect("REPS must be a number"));
    let mut table = Table {
        reps,
        rows: Vec::new(),
    };

    let photo = support::photo(7, 3000, 2000);
    let source = image_jpeg(&photo, 92);
    eprintln!("source: 3000x2000 JPEG q92, {} bytes", source.len());

    // Decode.
    let (ms, decoded) = timed(reps, || {
        image::load_from_memory_with_format(&source, image::ImageFormat::Jpeg)
            .expect("decode")
            .to_rgb8()
    });
    table.add(
        "decode 3000x2000 JPEG",
        "image 0.25 (zune-jpeg)",
        ms,
        None,
        psnr(&photo, &decoded),
    );
    let (ms, other) = timed(reps, || {
        let mut decoder = jpeg_decoder::Decoder::new(source.as_slice());
        let pixels = decoder.decode().expect("jpeg-decoder");
        RgbImage::from_raw(3000, 2000, pixels).expect("RGB output")
    });
    table.add(
        "decode 3000x2000 JPEG",
        "jpeg-decoder 0.3 (one thread)",
        ms,
        None,
        psnr(&photo, &other),
    );

    // Resize, 3000x2000 to 800x533, each compared with image's Lanczos3.
    let (w, h) = (800, 2000 * 800 / 3000);
    let step = format!("resize to {w}x{h}");
    let (ms, reference) = timed(reps, || {
        image::imageops::resize(&decoded, w, h, FilterType::Lanczos3)
    });
    table.add(
        &step,
        "image imageops::resize Lanczos3",
        ms,
        None,
        f64::INFINITY,
    );
    let (ms, triangle) = timed(reps, || {
        image::imageops::resize(&decoded, w, h, FilterType::Triangle)
    });
    table.add(
        &step,
        "image imageops::resize Triangle",
        ms,
        None,
        psnr(&reference, &triangle),
    );
    let (ms, fir) = timed(reps, || {
        fir_resize(&decoded, w, h, fr::FilterType::Lanczos3)
    });
    table.add(
        &step,
        "fast_image_resize 6 Lanczos3 (sitegen)",
        ms,
        None,
        psnr(&reference, &fir),
    );
    let (ms, bilinear) = timed(reps, || {
        fir_resize(&decoded, w, h, fr::FilterType::Bilinear)
    });
    table.add(
        &step,
        "fast_image_resize 6 Bilinear",
        ms,
        None,
        psnr(&reference, &bilinear),
    );

    encoders(&mut table, "resized", &fir);
    let graphic = graphic();
    let step = "lossless 800x533 graphic";
    table.encoded(
        step,
        "webp 0.3 / libwebp lossless (sitegen)",
        &graphic,
        || libwebp(&graphic, None),
    );
    table.encoded(step, "webp 0.3 / libwebp lossless -z 0", &graphic, || {
        libwebp_lossless_effort(&graphic, 0, 0.0)
    });
    table.encoded(
        step,
        "image WebPEncoder (image-webp, lossless)",
        &graphic,
        || image_webp_lossless(&graphic),
    );
    table.encoded(step, "image PngEncoder (default)", &graphic, || {
        png(&graphic)
    });
    table.reps = reps.div_ceil(2).max(1);
    encoders(&mut table, "whole", &decoded);

    println!(
        "image crates, one thread; median of {reps} runs ({} for the 3000x2000 encodes); \
         fast_image_resize uses {:?}",
        reps.div_ceil(2).max(1),
        fr::Resizer::new().cpu_extensions()
    );
    println!(
        "PSNR: decode vs the pixels encoded; resize vs image's Lanczos3; encode vs its input\n"
    );
    table.print();
}
