//! `resize_image`'s operations and the crop and resize each one makes of a given source
//! size, as Zola 0.22 computes them (its returned `width`/`height` are these numbers, and
//! templates put them in `<img>` attributes, so they must match Zola's to the pixel).

use super::ImageError;

/// The largest side an output may have: beyond it the request is a mistake (or an attack),
/// not a thumbnail.
pub const MAX_SIDE: u32 = 16_384;
/// The most pixels an output may have (256 MiB of RGBA).
pub const MAX_PIXELS: u64 = 64 * 1024 * 1024;

/// One of Zola's resize operations, with its arguments checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResizeOp {
    /// Exactly `width` x `height`, aspect ratio ignored.
    Scale(u32, u32),
    /// `width` wide, height keeping the aspect ratio.
    FitWidth(u32),
    /// `height` high, width keeping the aspect ratio.
    FitHeight(u32),
    /// Within `width` x `height`, aspect ratio kept; never enlarged.
    Fit(u32, u32),
    /// Exactly `width` x `height`: the centre part of that aspect ratio, scaled.
    Fill(u32, u32),
}

impl ResizeOp {
    /// The operation `op` with the given sizes: the sizes it needs must be present, not
    /// zero and not above [`MAX_SIDE`].
    pub fn from_args(
        op: &str,
        width: Option<u32>,
        height: Option<u32>,
    ) -> Result<Self, ImageError> {
        let need = |v: Option<u32>, name: &'static str| -> Result<u32, ImageError> {
            match v {
                None => Err(ImageError::Argument(format!(
                    "op=\"{op}\" needs a `{name}` argument"
                ))),
                Some(0) => Err(ImageError::Argument(format!("`{name}` must not be 0"))),
                Some(n) if n > MAX_SIDE => Err(ImageError::Argument(format!(
                    "`{name}` = {n} is more than {MAX_SIDE} pixels"
                ))),
                Some(n) => Ok(n),
            }
        };
        Ok(match op {
            "scale" => ResizeOp::Scale(need(width, "width")?, need(height, "height")?),
            "fit_width" => ResizeOp::FitWidth(need(width, "width")?),
            "fit_height" => ResizeOp::FitHeight(need(height, "height")?),
            "fit" => ResizeOp::Fit(need(width, "width")?, need(height, "height")?),
            "fill" => ResizeOp::Fill(need(width, "width")?, need(height, "height")?),
            other => {
                return Err(ImageError::Argument(format!(
                    "unknown op `{other}` (expected scale, fit_width, fit_height, fit or fill)"
                )))
            }
        })
    }

    /// A stable encoding for the store key (the derived `Hash` is not stable across
    /// Rust versions, and the key must be).
    pub fn key(&self) -> String {
        match *self {
            ResizeOp::Scale(w, h) => format!("scale:{w}x{h}"),
            ResizeOp::FitWidth(w) => format!("fit_width:{w}"),
            ResizeOp::FitHeight(h) => format!("fit_height:{h}"),
            ResizeOp::Fit(w, h) => format!("fit:{w}x{h}"),
            ResizeOp::Fill(w, h) => format!("fill:{w}x{h}"),
        }
    }
}

/// A rectangle of the source: x, y, width, height.
pub type Crop = (u32, u32, u32, u32);

/// What to do to the (upright) source: crop first, then resize; either may be absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Instructions {
    pub crop: Option<Crop>,
    pub resize: Option<(u32, u32)>,
}

impl Instructions {
    /// The crop and resize `op` makes of a `(width, height)` source, as Zola computes them:
    /// integer division for the fitted side (clamped to 1 pixel, where Zola would fail),
    /// and for `fill` no crop when the aspect ratios are within 0.1 of each other.
    pub fn new(op: ResizeOp, (orig_w, orig_h): (u32, u32)) -> Self {
        let resize = |w: u64, h: u64| Instructions {
            crop: None,
            resize: Some((w.max(1) as u32, h.max(1) as u32)),
        };
        let (ow, oh) = (u64::from(orig_w.max(1)), u64::from(orig_h.max(1)));
        match op {
            ResizeOp::Scale(w, h) => resize(w.into(), h.into()),
            ResizeOp::FitWidth(w) => resize(w.into(), oh * u64::from(w) / ow),
            ResizeOp::FitHeight(h) => resize(ow * u64::from(h) / oh, h.into()),
            ResizeOp::Fit(w, h) => {
                if orig_w <= w && orig_h <= h {
                    Instructions::default()
                } else if ow * u64::from(h) > oh * u64::from(w) {
                    Instructions::new(ResizeOp::FitWidth(w), (orig_w, orig_h))
                } else {
                    Instructions::new(ResizeOp::FitHeight(h), (orig_w, orig_h))
                }
            }
            ResizeOp::Fill(w, h) => {
                // f32, as Zola: the crop must be the same pixels.
                let factor_w = orig_w as f32 / w as f32;
                let factor_h = orig_h as f32 / h as f32;
                if (factor_w - factor_h).abs() <= 0.1 {
                    return resize(w.into(), h.into());
                }
                let (crop_w, crop_h) = if factor_w < factor_h {
                    (
                        orig_w,
                        ((factor_w * h as f32).round() as u32).clamp(1, orig_h),
                    )
                } else {
                    (
                        ((factor_h * w as f32).round() as u32).clamp(1, orig_w),
                        orig_h,
                    )
                };
                let (x, y) = if factor_w < factor_h {
                    (0, (orig_h - crop_h) / 2)
                } else {
                    ((orig_w - crop_w) / 2, 0)
                };
                Instructions {
                    crop: Some((x, y, crop_w, crop_h)),
                    resize: Some((w, h)),
                }
            }
        }
    }

    /// The size of the result for a `(width, height)` source, or an error when it is over
    /// [`MAX_SIDE`] or [`MAX_PIXELS`] (a fitted side can be, for a very thin source).
    pub fn checked_output_size(&self, source: (u32, u32)) -> Result<(u32, u32), ImageError> {
        let (w, h) = self.output_size(source);
        if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
            return Err(ImageError::Argument(format!(
                "the result would be {w}x{h} pixels, more than sitegen makes ({MAX_SIDE} a side, {MAX_PIXELS} in all)"
            )));
        }
        Ok((w, h))
    }

    /// The size of the result for a `(width, height)` source.
    pub fn output_size(&self, source: (u32, u32)) -> (u32, u32) {
        self.resize
            .or(self.crop.map(|(_, _, w, h)| (w, h)))
            .unwrap_or(source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(op: &str, w: Option<u32>, h: Option<u32>, orig: (u32, u32)) -> (u32, u32) {
        let op = ResizeOp::from_args(op, w, h).unwrap();
        Instructions::new(op, orig).output_size(orig)
    }

    /// The cases of Zola's own tests (a 300x380 source).
    #[test]
    fn sizes_match_zolas_tests() {
        let orig = (300, 380);
        assert_eq!(size("scale", Some(150), Some(150), orig), (150, 150));
        assert_eq!(size("fit_width", Some(150), None, orig), (150, 190));
        assert_eq!(size("fit_height", None, Some(190), orig), (150, 190));
        assert_eq!(size("fit", Some(150), Some(200), orig), (150, 190));
        assert_eq!(size("fit", Some(160), Some(180), orig), (142, 180));
        assert_eq!(size("fit", Some(5000), Some(5000), orig), orig);
        assert_eq!(size("fill", Some(100), Some(200), orig), (100, 200));
    }

    #[test]
    fn fill_crops_the_centre_unless_the_ratio_is_close() {
        let crop = |w, h, orig| Instructions::new(ResizeOp::Fill(w, h), orig).crop;
        // 300x380 to a square: the centre 300x300.
        assert_eq!(crop(150, 150, (300, 380)), Some((0, 40, 300, 300)));
        // Wide source to a tall box: the centre columns.
        assert_eq!(crop(100, 200, (400, 200)), Some((150, 0, 100, 200)));
        // Close ratios: scaled, not cropped.
        assert_eq!(crop(100, 100, (300, 310)), None);
    }

    #[test]
    fn results_too_large_are_refused() {
        let too_big = Instructions::new(ResizeOp::FitWidth(10_000), (10, 100_000));
        let err = too_big
            .checked_output_size((10, 100_000))
            .unwrap_err()
            .to_string();
        assert!(err.contains("10000x100000000"), "{err}");
        let huge = Instructions::new(ResizeOp::Scale(16_000, 16_000), (10, 10));
        assert!(huge.checked_output_size((10, 10)).is_err());
        let fine = Instructions::new(ResizeOp::Fit(100, 100), (10, 10));
        assert_eq!(fine.checked_output_size((10, 10)).unwrap(), (10, 10));
    }

    #[test]
    fn degenerate_sources_never_give_zero_sizes() {
        assert_eq!(size("fit_width", Some(10), None, (1000, 1)), (10, 1));
        assert_eq!(size("fit_height", None, Some(10), (1, 1000)), (1, 10));
        assert_eq!(size("fill", Some(10), Some(1000), (1000, 1)), (10, 1000));
    }

    #[test]
    fn bad_arguments_are_errors_that_say_why() {
        let err = |op, w, h| ResizeOp::from_args(op, w, h).unwrap_err().to_string();
        assert!(err("fill", Some(10), None).contains("`height`"));
        assert!(err("fit_width", None, Some(10)).contains("`width`"));
        assert!(err("scale", Some(0), Some(10)).contains("must not be 0"));
        assert!(err("fit", Some(100_000), Some(10)).contains("more than"));
        assert!(err("crop", Some(10), Some(10)).contains("unknown op `crop`"));
        assert_eq!(
            ResizeOp::from_args("fit_width", Some(5), Some(0)).unwrap(),
            ResizeOp::FitWidth(5)
        );
    }
}
