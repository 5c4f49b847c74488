//! A photo-like test image (a sky gradient over fractal-noise hills, with film grain),
//! deterministic from its seed: shared by the examples that need photos without image
//! files in the repository (`#[path]`-included, so it is not an example of its own).

/// Smooth value noise in [0, 1) at (x, y), from a hash of the lattice corners.
fn noise(seed: u64, x: f32, y: f32) -> f32 {
    let lattice = |ix: i64, iy: i64| {
        let mut h = seed
            ^ (ix as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (iy as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
        h ^= h >> 29;
        h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h ^= h >> 32;
        (h & 0xFFFF) as f32 / 65536.0
    };
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
    let (ix, iy) = (x0 as i64, y0 as i64);
    let top = lattice(ix, iy) * (1.0 - sx) + lattice(ix + 1, iy) * sx;
    let bottom = lattice(ix, iy + 1) * (1.0 - sx) + lattice(ix + 1, iy + 1) * sx;
    top * (1.0 - sy) + bottom * sy
}

fn fractal(seed: u64, x: f32, y: f32) -> f32 {
    (0..5)
        .map(|o| noise(seed + o, x * (1 << o) as f32, y * (1 << o) as f32) / (1 << o) as f32)
        .sum::<f32>()
        / 1.94
}

pub fn photo(seed: u64, w: u32, h: u32) -> image::RgbImage {
    let hue = (seed % 7) as f32 / 7.0;
    let sky_top = [40.0 + 80.0 * hue, 90.0 + 60.0 * (1.0 - hue), 200.0];
    let sky_low = [250.0, 190.0 + 40.0 * hue, 150.0];
    let land = [60.0 + 60.0 * hue, 110.0, 50.0 + 30.0 * (1.0 - hue)];
    let scale = 4.0 / w as f32;
    image::RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 * scale, y as f32 / h as f32);
        let ridge = 0.45 + 0.3 * fractal(seed, fx, 0.0);
        let grain = (noise(seed ^ 0xABCD, x as f32 * 0.9, y as f32 * 0.9) - 0.5) * 18.0;
        let c = if fy < ridge {
            let t = fy / ridge;
            let cloud = fractal(seed + 100, fx * 2.0, fy * 6.0) * 60.0 * (1.0 - t);
            [0, 1, 2].map(|i| sky_top[i] * (1.0 - t) + sky_low[i] * t + cloud)
        } else {
            let shade = 0.6 + 0.6 * fractal(seed + 200, fx * 3.0, fy * 8.0);
            let depth = 1.0 - (fy - ridge) * 0.8;
            [0, 1, 2].map(|i| land[i] * shade * depth)
        };
        image::Rgb(c.map(|v| (v + grain).clamp(0.0, 255.0) as u8))
    })
}
