//! Writes photo-like JPEGs (a sky gradient over fractal-noise hills, with film grain) for the
//! example site's gallery and the image benchmark: deterministic from the seed, no image
//! files needed in the repository beyond the few small ones the example site shows.
//!
//! `cargo run --release --example photos -- OUT_DIR COUNT WIDTH HEIGHT [QUALITY] [FIRST_SEED]`

#[path = "support/photo.rs"]
mod support;

use std::path::PathBuf;

use support::photo;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        eprintln!("usage: photos OUT_DIR COUNT WIDTH HEIGHT [QUALITY] [FIRST_SEED]");
        std::process::exit(2);
    }
    let out = PathBuf::from(&args[0]);
    let num = |i: usize, default: u64| {
        args.get(i)
            .map_or(default, |a| a.parse().expect("a number"))
    };
    let (count, w, h) = (num(1, 1), num(2, 640) as u32, num(3, 480) as u32);
    let quality = num(4, 85) as u8;
    let first = num(5, 1);
    std::fs::create_dir_all(&out).expect("output directory");
    for seed in first..first + count {
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
            .encode_image(&photo(seed, w, h))
            .expect("encode");
        let path = out.join(format!("photo-{seed:03}.jpg"));
        sitegen::output::atomic_write(&path, &bytes).expect("write");
        println!("{} {} bytes", path.display(), bytes.len());
    }
}
