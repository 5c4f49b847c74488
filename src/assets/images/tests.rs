//! The processor end to end on real files: fixtures are made here (no binary test data).

use super::*;
use crate::output::OutputOptions;

/// An EXIF block holding only an orientation: a big-endian TIFF structure whose first
/// directory (at 8) has one SHORT entry.
fn exif(orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    tiff.extend(orientation.to_be_bytes());
    tiff.extend([0, 0, 0, 0, 0, 0]);
    tiff
}

/// `w` x `h`, left half red and right half blue.
fn halves(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, _| {
        if x < w / 2 {
            image::Rgb([230, 20, 20])
        } else {
            image::Rgb([20, 20, 230])
        }
    })
}

/// A `w` x `h` JPEG, left half red and right half blue, with an EXIF orientation tag when
/// given (an APP1 segment written by hand right after the SOI marker).
pub(crate) fn jpeg(w: u32, h: u32, orientation: Option<u16>) -> Vec<u8> {
    let img = halves(w, h);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
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

/// A `w` x `h` PNG with a horizontal alpha gradient.
pub(crate) fn png_with_alpha(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        image::Rgba([
            (x * 7) as u8,
            (y * 3) as u8,
            128,
            (x * 255 / w.max(1)) as u8,
        ])
    });
    let mut out = Vec::new();
    DynamicImage::ImageRgba8(img)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// `img` as a PNG (EXIF in an eXIf chunk before the image data) or a lossless WebP (EXIF in
/// an EXIF chunk after it, flagged in VP8X) carrying `orientation`; `image`'s encoders write
/// the chunks, and the fixture checks they are there.
fn with_exif(img: &image::RgbImage, format: image::ImageFormat, orientation: u16) -> Vec<u8> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    let (w, h, color) = (img.width(), img.height(), image::ExtendedColorType::Rgb8);
    let chunk: &[u8] = match format {
        image::ImageFormat::Png => {
            let mut encoder = image::codecs::png::PngEncoder::new(&mut out);
            encoder.set_exif_metadata(exif(orientation)).unwrap();
            encoder.write_image(img, w, h, color).unwrap();
            b"eXIf"
        }
        image::ImageFormat::WebP => {
            let mut encoder = image::codecs::webp::WebPEncoder::new_lossless(&mut out);
            encoder.set_exif_metadata(exif(orientation)).unwrap();
            encoder.write_image(img, w, h, color).unwrap();
            b"EXIF"
        }
        other => panic!("no EXIF fixture for {other:?}"),
    };
    assert!(out.windows(4).any(|w| w == chunk), "no {chunk:?} chunk");
    out
}

use image::DynamicImage;
use std::io::Cursor;

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A small PNG whose header declares `w` x `h` (a decompression bomb's shape).
fn png_declaring(w: u32, h: u32) -> Vec<u8> {
    let mut png = png_with_alpha(2, 2);
    // IHDR data starts at 16 (after signature, length, type); its CRC at 29.
    png[16..20].copy_from_slice(&w.to_be_bytes());
    png[20..24].copy_from_slice(&h.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(files: &[(&str, Vec<u8>)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            crate::output::atomic_write(dir.path().join(name), bytes).unwrap();
        }
        Fixture { dir }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn processor(&self) -> Processor {
        Processor::new("https://x.example/", self.path("store"))
    }
}

fn stored(p: &Processor, r: &Resized) -> DynamicImage {
    let name = r.url.rsplit('/').next().unwrap();
    image::load_from_memory(&p.stored_result(name).unwrap()).unwrap()
}

#[test]
fn answers_zolas_fields_and_stores_the_result() {
    let f = Fixture::new(&[("photo.jpg", jpeg(300, 380, None))]);
    let p = f.processor();
    let r = p
        .resize(
            &f.path("photo.jpg"),
            "photo.jpg",
            ResizeOp::Fill(150, 150),
            "auto",
            None,
            None,
        )
        .unwrap();
    let name = r
        .url
        .strip_prefix("https://x.example/processed_images/")
        .unwrap();
    assert!(
        name.starts_with("photo.") && name.ends_with(".jpg"),
        "{name}"
    );
    assert_eq!(r.static_path, format!("static/processed_images/{name}"));
    assert_eq!(
        (r.width, r.height, r.orig_width, r.orig_height),
        (150, 150, 300, 380)
    );
    let img = stored(&p, &r);
    assert_eq!((img.width(), img.height()), (150, 150));
    // Another op, another name; same op again, same answer.
    let other = p
        .resize(
            &f.path("photo.jpg"),
            "photo.jpg",
            ResizeOp::FitWidth(100),
            "png",
            None,
            None,
        )
        .unwrap();
    assert!(other.url.ends_with(".png") && other.url != r.url);
    assert_eq!((other.width, other.height), (100, 126));
    let again = p
        .resize(
            &f.path("photo.jpg"),
            "photo.jpg",
            ResizeOp::Fill(150, 150),
            "auto",
            None,
            None,
        )
        .unwrap();
    assert_eq!(again, r);
    p.make_pending().unwrap();
    assert_eq!((p.requested(), p.encoded()), (2, 2));
}

#[test]
fn exif_orientation_turns_jpeg_png_and_webp_upright() {
    // Stored 40x20, left red and right blue. Orientation 6 shows it turned a quarter
    // clockwise (20x40, red on top), 8 a quarter counter-clockwise (red at the bottom).
    use image::ImageFormat::{Png, WebP};
    let cases = [
        ("turned.jpg", jpeg(40, 20, Some(6)), true),
        ("turned.png", with_exif(&halves(40, 20), Png, 6), true),
        ("turned.webp", with_exif(&halves(40, 20), WebP, 6), true),
        ("other-way.png", with_exif(&halves(40, 20), Png, 8), false),
        ("other-way.webp", with_exif(&halves(40, 20), WebP, 8), false),
    ];
    let f = Fixture::new(&cases.clone().map(|(name, bytes, _)| (name, bytes)));
    let p = f.processor();
    for (name, _, red_on_top) in cases {
        let r = p
            .resize(
                &f.path(name),
                name,
                ResizeOp::FitWidth(10),
                "png",
                None,
                None,
            )
            .unwrap();
        assert_eq!((r.orig_width, r.orig_height), (20, 40), "{name}");
        assert_eq!((r.width, r.height), (10, 20), "{name}");
        let img = stored(&p, &r).to_rgb8();
        assert_eq!(img.dimensions(), (10, 20), "{name}");
        let (red, blue) = if red_on_top {
            ((5, 2), (5, 17))
        } else {
            ((5, 17), (5, 2))
        };
        let red = img.get_pixel(red.0, red.1);
        let blue = img.get_pixel(blue.0, blue.1);
        assert!(red[0] > 150 && red[2] < 100, "{name}: red {red:?}");
        assert!(blue[2] > 150 && blue[0] < 100, "{name}: blue {blue:?}");
    }
}

/// A WebP's EXIF chunk follows its image data: when the build knows the file's hash and
/// reads only the start of it, the orientation must still be found, also in a file whose
/// VP8X header does not announce the chunk (the decoder reads it all the same).
#[test]
fn a_large_webps_orientation_is_found_past_the_header() {
    let noise = image::RgbImage::from_fn(400, 300, |x, y| {
        let h =
            (x.wrapping_mul(0x9E37_79B9) ^ y.wrapping_mul(0x85EB_CA6B)).wrapping_mul(0xC2B2_AE35);
        image::Rgb([(h >> 24) as u8, (h >> 16) as u8, (h >> 8) as u8])
    });
    let flagged = with_exif(&noise, image::ImageFormat::WebP, 6);
    assert!(flagged.len() > 300 * 1024, "{}", flagged.len());
    // RIFF, size, WEBP, VP8X, size: the VP8X flags are at 20, EXIF is bit 3.
    assert_eq!(&flagged[12..16], b"VP8X");
    let mut unflagged = flagged.clone();
    unflagged[20] &= !0x08;
    let f = Fixture::new(&[("flagged.webp", flagged), ("unflagged.webp", unflagged)]);
    let known = ["flagged.webp", "unflagged.webp"]
        .map(|name| {
            let path = f.path(name);
            let hash = xxhash_rust::xxh3::xxh3_128(&std::fs::read(&path).unwrap());
            (path, hash)
        })
        .into_iter()
        .collect();
    let p = f.processor().with_known_hashes(known);
    for name in ["flagged.webp", "unflagged.webp"] {
        let r = p
            .resize(
                &f.path(name),
                name,
                ResizeOp::FitWidth(30),
                "auto",
                None,
                None,
            )
            .unwrap();
        assert_eq!((r.orig_width, r.orig_height), (300, 400), "{name}");
        assert_eq!((r.width, r.height), (30, 40), "{name}");
        assert_eq!(stored(&p, &r).to_rgb8().dimensions(), (30, 40), "{name}");
    }
}

#[test]
fn png_sources_stay_png_with_their_alpha() {
    let f = Fixture::new(&[("logo.png", png_with_alpha(64, 32))]);
    let p = f.processor();
    let r = p
        .resize(
            &f.path("logo.png"),
            "logo.png",
            ResizeOp::Scale(16, 8),
            "auto",
            None,
            None,
        )
        .unwrap();
    assert!(r.url.ends_with(".png"));
    let img = stored(&p, &r);
    assert!(img.color().has_alpha());
    let webp = p
        .resize(
            &f.path("logo.png"),
            "logo.png",
            ResizeOp::Fit(32, 32),
            "webp",
            Some(80),
            None,
        )
        .unwrap();
    assert!(webp.url.ends_with(".webp"));
    assert_eq!((webp.width, webp.height), (32, 16));
    assert_eq!(stored(&p, &webp).width(), 32);
}

#[test]
fn many_threads_asking_for_one_resize_encode_it_once() {
    let f = Fixture::new(&[("photo.jpg", jpeg(400, 300, None))]);
    let p = f.processor();
    let path = f.path("photo.jpg");
    let answers: Vec<Resized> = (0..32)
        .into_par_iter()
        .map(|_| {
            p.resize(
                &path,
                "photo.jpg",
                ResizeOp::Fill(64, 64),
                "auto",
                None,
                None,
            )
            .unwrap()
        })
        .collect();
    assert!(answers.iter().all(|a| a == &answers[0]));
    assert_eq!(
        p.encoded(),
        0,
        "made after the renders, not during the calls"
    );
    p.make_pending().unwrap();
    assert_eq!(p.encoded(), 1);
    // The next build finds it in the store.
    let next = f.processor();
    assert_eq!(
        next.resize(
            &path,
            "photo.jpg",
            ResizeOp::Fill(64, 64),
            "auto",
            None,
            None
        )
        .unwrap(),
        answers[0]
    );
    next.make_pending().unwrap();
    assert_eq!(next.encoded(), 0);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let f = Fixture::new(&[
        ("a.jpg", jpeg(320, 200, Some(3))),
        ("b.png", png_with_alpha(90, 70)),
    ]);
    let requests = [
        ("a.jpg", ResizeOp::Fill(50, 50), "auto"),
        ("a.jpg", ResizeOp::FitHeight(33), "webp"),
        ("b.png", ResizeOp::Fit(40, 40), "auto"),
        ("b.png", ResizeOp::Scale(31, 17), "jpg"),
    ];
    let run = |threads: usize, store: &str| {
        let p = Processor::new("https://x.example", f.path(store));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            requests
                .par_iter()
                .map(|(file, op, format)| {
                    let r = p
                        .resize(&f.path(file), file, *op, format, None, None)
                        .unwrap();
                    let name = r.url.rsplit('/').next().unwrap().to_string();
                    (name.clone(), p.stored_result(&name).unwrap())
                })
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(run(1, "one"), run(4, "four"));
}

#[test]
fn bad_images_are_errors_naming_the_file() {
    let mut truncated = jpeg(200, 200, None);
    truncated.truncate(truncated.len() / 2);
    let mut truncated_png = png_with_alpha(200, 200);
    truncated_png.truncate(truncated_png.len() * 2 / 3);
    let f = Fixture::new(&[
        ("truncated.jpg", truncated),
        ("truncated.png", truncated_png),
        ("notes.png", b"not an image at all".to_vec()),
        ("bomb.png", png_declaring(50_000, 50_000)),
        ("wider.png", png_declaring(100_000, 10)),
        ("empty.png", Vec::new()),
    ]);
    let p = f.processor();
    let mut deferred = Vec::new();
    for file in [
        "truncated.jpg",
        "truncated.png",
        "notes.png",
        "bomb.png",
        "wider.png",
        "empty.png",
        "missing.jpg",
    ] {
        // A header that does not read fails the call; an image that does not decode fails when
        // the results are made, after the renders.
        let p = f.processor();
        let asked = images_asking(&p, &f, file);
        let err = match asked {
            Err(e) => e.to_string(),
            Ok(_) => {
                let err = p.make_pending().unwrap_err().to_string();
                assert!(err.starts_with("content/x.md: "), "what asked: {err}");
                deferred.push(file);
                err
            }
        };
        assert!(err.contains(file), "{file}: {err}");
        assert_eq!(p.encoded(), 0);
    }
    assert_eq!(deferred, ["truncated.jpg", "truncated.png"]);
    let bomb = p
        .resize(
            &f.path("bomb.png"),
            "bomb.png",
            ResizeOp::Fill(10, 10),
            "auto",
            None,
            None,
        )
        .unwrap_err()
        .to_string();
    assert!(bomb.contains("50000x50000"), "{bomb}");
}

/// `file` resized as a render of `content/x.md` asks for it.
fn images_asking(
    p: &Processor,
    f: &Fixture,
    file: &str,
) -> Result<Resized, std::sync::Arc<super::ImageError>> {
    super::asking("content/x.md", || {
        p.resize(
            &f.path(file),
            file,
            ResizeOp::Fill(10, 10),
            "auto",
            None,
            None,
        )
    })
}

#[test]
fn publishing_writes_keeps_and_prunes_through_the_writer() {
    let f = Fixture::new(&[("photo.jpg", jpeg(120, 80, None))]);
    let out = f.path("public");
    let state = f.path("state");
    let open = || OutputWriter::open(&out, OutputOptions::new(&state)).unwrap();

    let p = f.processor();
    let r = p
        .resize(
            &f.path("photo.jpg"),
            "photo.jpg",
            ResizeOp::Fit(60, 60),
            "auto",
            None,
            None,
        )
        .unwrap();
    let writer = open();
    let published = p.publish(&writer).unwrap();
    writer.finish().unwrap();
    let rel = r.static_path.strip_prefix("static/").unwrap();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].0, rel);
    let on_disk = std::fs::read(out.join(rel)).unwrap();
    assert_eq!(published[0].1, xxhash_rust::xxh3::xxh3_128(&on_disk));

    // A store entry torn by a crash is made again, never published as it is.
    let stored: Vec<_> = std::fs::read_dir(f.path("store")).unwrap().collect();
    assert_eq!(stored.len(), 1);
    let stored_file = stored[0].as_ref().unwrap().path();
    let torn = std::fs::read(&stored_file).unwrap();
    crate::output::atomic_write(&stored_file, &torn[..torn.len() / 2]).unwrap();
    let next = f.processor();
    next.resize(
        &f.path("photo.jpg"),
        "photo.jpg",
        ResizeOp::Fit(60, 60),
        "auto",
        None,
        None,
    )
    .unwrap();
    let writer = open();
    // The torn file's recorded hash is not the output's: not kept, written from a fresh
    // encode (which gives the same bytes).
    next.publish(&writer).unwrap();
    let report = writer.finish().unwrap();
    assert_eq!(report.unchanged, 1, "{report:?}");
    assert_eq!(std::fs::read(out.join(rel)).unwrap(), on_disk);

    // A build that asks for nothing: the writer prunes the image, the store drops it.
    let none = f.processor();
    let writer = open();
    assert!(none.publish(&writer).unwrap().is_empty());
    writer.finish().unwrap();
    none.prune_store();
    assert!(!out.join(rel).exists());
    assert!(!stored_file.exists());
}

/// The public name is Zola's, of the path argument and the operation only: an edited source
/// keeps its name, so what is published must follow the bytes, not the name.
#[test]
fn an_edited_source_keeps_its_name_and_gets_new_bytes() {
    let f = Fixture::new(&[("photo.jpg", jpeg(120, 80, None))]);
    let out = f.path("public");
    let state = f.path("state");
    let open = || OutputWriter::open(&out, OutputOptions::new(&state)).unwrap();
    let build = || {
        let p = f.processor();
        let r = p
            .resize(
                &f.path("photo.jpg"),
                "/photo.jpg",
                ResizeOp::Fit(60, 60),
                "auto",
                None,
                None,
            )
            .unwrap();
        let writer = open();
        p.publish(&writer).unwrap();
        writer.finish().unwrap();
        p.prune_store();
        let rel = r.static_path.strip_prefix("static/").unwrap().to_string();
        let bytes = std::fs::read(out.join(&rel)).unwrap();
        (r, rel, bytes)
    };
    let (first, rel, before) = build();
    crate::output::atomic_write(f.path("photo.jpg"), jpeg(90, 120, None)).unwrap();
    let (second, rel_after, after) = build();
    assert_eq!(rel, rel_after);
    assert_eq!(first.url, second.url);
    assert_eq!((second.width, second.height), (45, 60));
    assert_ne!(before, after);
    let img = image::load_from_memory(&after).unwrap();
    assert_eq!((img.width(), img.height()), (45, 60));
    // The store keeps the current result only.
    assert_eq!(std::fs::read_dir(f.path("store")).unwrap().count(), 1);
}

/// The URL `resize_image` answers carries Zola's name (the value Zola's own test asserts for
/// this argument, operation and format; see `name`).
#[test]
fn the_url_has_zolas_name() {
    let f = Fixture::new(&[("gutenberg.jpg", jpeg(300, 380, None))]);
    let p = f.processor();
    let r = p
        .resize(
            &f.path("gutenberg.jpg"),
            "static/gutenberg.jpg",
            ResizeOp::Fill(40, 40),
            "auto",
            None,
            None,
        )
        .unwrap();
    assert_eq!(
        r.url,
        "https://x.example/processed_images/gutenberg.e99218b5a3185c99.jpg"
    );
    assert_eq!(
        r.static_path,
        "static/processed_images/gutenberg.e99218b5a3185c99.jpg"
    );
}
