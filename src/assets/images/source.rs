//! Reading a source image: its header (size, upright orientation, format) for the template
//! function's answer, and its pixels, upright, for the encoders.
//!
//! Both go through the `image` crate with [`limits`]: a decompression bomb (a small file
//! that declares a huge image) is refused from its header, before anything is allocated.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::ops::{Instructions, MAX_SIDE};

/// The most pixels a source may have (a 100 megapixel photo decodes to 400 MiB of RGBA).
pub const MAX_SOURCE_PIXELS: u64 = 100_000_000;

/// What the header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Size once upright (EXIF orientations 5 to 8 swap the sides), as Zola reports it.
    pub size: (u32, u32),
    pub format: ImageFormat,
}

impl Header {
    /// Whether the format loses detail; Zola's `auto` makes a JPEG of those, a PNG of the
    /// others (an unknown format counts as lossy, as in Zola).
    pub fn lossy(&self) -> bool {
        use ImageFormat as F;
        !matches!(
            self.format,
            F::Png | F::Pnm | F::Tiff | F::Tga | F::Bmp | F::Ico | F::Hdr | F::Farbfeld
        )
    }

    /// Whether the format keeps its EXIF block before the image data, so that a header read
    /// from the start of the file has the orientation: not WebP, whose EXIF chunk comes
    /// last (PNG's decoder reads an eXIf chunk only before the image data, here and when
    /// decoding, so a prefix sees what the decoder will).
    pub fn metadata_first(&self) -> bool {
        self.format != ImageFormat::WebP
    }
}

/// The decoder limits: sides up to 4 x [`MAX_SIDE`], 1 GiB of allocations.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE * 4);
    limits.max_image_height = Some(MAX_SIDE * 4);
    limits.max_alloc = Some(1 << 30);
    limits
}

fn decoder(bytes: &[u8]) -> Result<impl ImageDecoder + '_, String> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    if reader.format().is_none() {
        return Err("not an image sitegen can read (JPEG, PNG, WebP, GIF or BMP)".into());
    }
    reader.limits(limits());
    reader.into_decoder().map_err(|e| e.to_string())
}

fn format_of(bytes: &[u8]) -> Option<ImageFormat> {
    image::guess_format(bytes).ok()
}

/// Reads the header of the image in `bytes`. Errors are messages; the caller adds the path.
pub fn header(bytes: &[u8]) -> Result<Header, String> {
    let format = format_of(bytes).ok_or("not an image sitegen can read")?;
    let mut decoder = decoder(bytes)?;
    let (w, h) = decoder.dimensions();
    check_source_size(w, h)?;
    let orientation = decoder.orientation().map_err(|e| e.to_string())?;
    let size = match orientation {
        image::metadata::Orientation::Rotate90
        | image::metadata::Orientation::Rotate270
        | image::metadata::Orientation::Rotate90FlipH
        | image::metadata::Orientation::Rotate270FlipH => (h, w),
        _ => (w, h),
    };
    Ok(Header { size, format })
}

fn check_source_size(w: u32, h: u32) -> Result<(), String> {
    if w == 0 || h == 0 {
        return Err(format!("the image is {w}x{h} pixels"));
    }
    if u64::from(w) * u64::from(h) > MAX_SOURCE_PIXELS {
        return Err(format!(
            "the image is {w}x{h} pixels, more than the {MAX_SOURCE_PIXELS} sitegen decodes"
        ));
    }
    Ok(())
}

/// Whether a JPEG's scan is complete: an end-of-image marker after its last
/// start-of-scan. The JPEG decoder fills a truncated scan with grey rather than fail, and a
/// half-grey thumbnail published without a word is worse than an error. (In entropy-coded
/// data `FF` is always followed by `00` or a restart marker, so `FF D9` is only ever EOI.)
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last_scan = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    last_scan.is_some_and(|at| bytes[at..].windows(2).any(|w| w == [0xFF, 0xD9]))
}

/// The image in `bytes`, upright, with its colour profile.
pub fn decode(bytes: &[u8]) -> Result<(DynamicImage, Option<Vec<u8>>), String> {
    if format_of(bytes) == Some(ImageFormat::Jpeg) && !jpeg_is_complete(bytes) {
        return Err("the JPEG data is truncated (no end-of-image marker)".into());
    }
    let mut decoder = decoder(bytes)?;
    let (w, h) = decoder.dimensions();
    check_source_size(w, h)?;
    let icc = decoder.icc_profile().ok().flatten();
    let orientation = decoder.orientation().map_err(|e| e.to_string())?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    img.apply_orientation(orientation);
    Ok((img, icc))
}

/// Applies `instructions` to the upright `img`: crop, then a Lanczos3 resize (Zola's filter)
/// with `fast_image_resize`, whose SIMD convolution is several times faster than `image`'s
/// and deterministic (integer arithmetic for 8-bit pixels, one thread).
pub fn transform(img: DynamicImage, instructions: &Instructions) -> Result<DynamicImage, String> {
    use fast_image_resize::images::Image;
    use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

    let img = match instructions.crop {
        Some((x, y, w, h)) if instructions.resize.is_none() => img.crop_imm(x, y, w, h),
        _ => img,
    };
    let Some((w, h)) = instructions.resize else {
        return Ok(img);
    };
    // 8-bit RGB or RGBA: what every encoder here takes.
    let (pixel_type, src_w, src_h, buffer) = if img.color().has_alpha() {
        let rgba = img.to_rgba8();
        (
            PixelType::U8x4,
            rgba.width(),
            rgba.height(),
            rgba.into_raw(),
        )
    } else {
        let rgb = img.to_rgb8();
        (PixelType::U8x3, rgb.width(), rgb.height(), rgb.into_raw())
    };
    let src = Image::from_vec_u8(src_w, src_h, buffer, pixel_type).map_err(|e| e.to_string())?;
    let mut dst = Image::new(w, h, pixel_type);
    let mut options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    if let Some((x, y, cw, ch)) = instructions.crop {
        options = options.crop(f64::from(x), f64::from(y), f64::from(cw), f64::from(ch));
    }
    Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| e.to_string())?;
    let raw = dst.into_vec();
    let out = match pixel_type {
        PixelType::U8x4 => image::RgbaImage::from_raw(w, h, raw).map(DynamicImage::ImageRgba8),
        _ => image::RgbImage::from_raw(w, h, raw).map(DynamicImage::ImageRgb8),
    };
    out.ok_or_else(|| "resized buffer has the wrong size".to_string())
}
