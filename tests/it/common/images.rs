//! Small real images made by the tests (no binary fixtures in the repository).

use std::io::Cursor;

/// A `w` x `h` JPEG: a gradient tinted by `seed`, left and right halves of different hues
/// (so orientation shows), with an EXIF orientation tag (an APP1 segment written by hand)
/// when given.
pub fn jpeg(w: u32, h: u32, seed: u8, orientation: Option<u16>) -> Vec<u8> {
    let img = halves(w, h, seed);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .unwrap();
    if let Some(o) = orientation {
        let body = [b"Exif\0\0".as_slice(), &exif(o)].concat();
        let mut app1 = vec![0xFF, 0xE1];
        app1.extend(((body.len() + 2) as u16).to_be_bytes());
        app1.extend(body);
        out.splice(2..2, app1);
    }
    out
}

/// A gradient tinted by `seed`: a red left half, a blue right half.
fn halves(w: u32, h: u32, seed: u8) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        let t = (x * 255 / w.max(1)) as u8;
        let v = (y * 255 / h.max(1)) as u8;
        if x < w / 2 {
            image::Rgb([200, v / 2, seed])
        } else {
            image::Rgb([t / 3, seed, 200 - v / 4])
        }
    })
}

/// An EXIF block holding only an orientation (a big-endian TIFF structure, one entry).
fn exif(orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    tiff.extend(orientation.to_be_bytes());
    tiff.extend([0, 0, 0, 0, 0, 0]);
    tiff
}

/// [`jpeg`]'s picture as a PNG (eXIf chunk) or lossless WebP (EXIF chunk) carrying an EXIF
/// `orientation`, written by `image`'s encoders.
pub fn with_exif(
    format: image::ImageFormat,
    w: u32,
    h: u32,
    seed: u8,
    orientation: u16,
) -> Vec<u8> {
    use image::ImageEncoder;
    let img = halves(w, h, seed);
    let mut out = Vec::new();
    let color = image::ExtendedColorType::Rgb8;
    match format {
        image::ImageFormat::Png => {
            let mut encoder = image::codecs::png::PngEncoder::new(&mut out);
            encoder.set_exif_metadata(exif(orientation)).unwrap();
            encoder.write_image(&img, w, h, color).unwrap();
        }
        image::ImageFormat::WebP => {
            let mut encoder = image::codecs::webp::WebPEncoder::new_lossless(&mut out);
            encoder.set_exif_metadata(exif(orientation)).unwrap();
            encoder.write_image(&img, w, h, color).unwrap();
        }
        other => panic!("no EXIF fixture for {other:?}"),
    }
    out
}

/// A `w` x `h` PNG with alpha.
pub fn png(w: u32, h: u32, seed: u8) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        image::Rgba([
            seed,
            (x * 5) as u8,
            (y * 5) as u8,
            (x * 255 / w.max(1)) as u8,
        ])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// The size of the image in `bytes`.
pub fn size(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(bytes).unwrap();
    (img.width(), img.height())
}
