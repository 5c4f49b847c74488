//! HTML minification (`minify_html = true` or `--minify`): every HTML output the build
//! renders is minified with the `minify-html` crate just before it is written, with Zola's
//! settings (CSS in `<style>` minified, scripts left as written, `<html>` and `<head>` kept).
//!
//! The result depends only on the input bytes (no clock, no randomness), so an unchanged
//! page minifies to the same bytes and incremental builds stay equal to clean ones.
//!
//! Not for: static files (copied as they are, as in Zola), feeds, the sitemap.

use std::borrow::Cow;

/// Whether an output is HTML that the minifier takes (by its path, as Zola decides).
pub fn is_html(path: &str) -> bool {
    path.ends_with(".html")
}

/// `html` minified. The live-reload script that `serve` adds is injected into the file as
/// served, after this, so minification cannot drop it.
pub fn html(html: &[u8]) -> Vec<u8> {
    let mut cfg = minify_html::Cfg::new();
    cfg.keep_html_and_head_opening_tags = true;
    cfg.minify_css = true;
    cfg.minify_js = false;
    minify_html::minify(html, &cfg)
}

/// The bytes to write at `path`: minified when `on` and the output is HTML, else as given.
pub fn output<'a>(on: bool, path: &str, bytes: &'a [u8]) -> Cow<'a, [u8]> {
    match on && is_html(path) {
        true => Cow::Owned(html(bytes)),
        false => Cow::Borrowed(bytes),
    }
}
