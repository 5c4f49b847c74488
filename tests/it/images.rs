//! `resize_image` end to end: a site whose templates and shortcodes resize images, built
//! with the binary; what is written, kept, pruned and reported, and what a bad image does.

use crate::common;

use std::fs;
use std::path::Path;

use crate::common::images::{jpeg, png, size, with_exif};
use crate::common::{build, write_under};

fn write_bytes(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// A site: a page template showing a thumbnail of `page.extra.photo`, a `figure` shortcode
/// making two sizes, three pages.
fn site(root: &Path) {
    write_under(
        root,
        "config.toml",
        "base_url = \"https://img.example\"\ntitle = \"Img\"\n",
    );
    write_under(
        root,
        "templates/index.html",
        "<h1>{{ section.title }}</h1>\n",
    );
    write_under(
        root,
        "templates/page.html",
        "<article>{% if page.extra.photo %}{% set t = resize_image(path=page.extra.photo, width=40, height=40) %}<img src=\"{{ t.url | safe }}\" width=\"{{ t.width }}\" height=\"{{ t.height }}\">{% endif %}{{ page.content | safe }}</article>\n",
    );
    write_under(
        root,
        "templates/shortcodes/figure.html",
        "{% set s = resize_image(path=src, width=64, op=\"fit_width\") %}{% set b = resize_image(path=src, width=128, height=128, op=\"fit\", format=\"webp\", quality=70) %}<img src=\"{{ s.url | safe }}\" srcset=\"{{ b.url | safe }} 2x\" data-orig=\"{{ s.orig_width }}x{{ s.orig_height }}\">",
    );
    write_under(root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    write_under(
        root,
        "content/a.md",
        "+++\ntitle = \"A\"\n[extra]\nphoto = \"photos/one.jpg\"\n+++\nA.\n\n{{ figure(src=\"photos/one.jpg\") }}\n",
    );
    write_under(
        root,
        "content/b.md",
        "+++\ntitle = \"B\"\n[extra]\nphoto = \"photos/one.jpg\"\n+++\nB shares A's thumbnail.\n",
    );
    write_under(
        root,
        "content/c.md",
        "+++\ntitle = \"C\"\n+++\n{{ figure(src=\"@/c/logo.png\") }}\n",
    );
    write_bytes(root, "static/photos/one.jpg", &jpeg(300, 200, 10, None));
    write_bytes(
        root,
        "static/photos/turned.jpg",
        &jpeg(300, 200, 20, Some(6)),
    );
    write_bytes(root, "content/c/logo.png", &png(90, 30, 5));
}

fn json_build(root: &Path) -> serde_json::Value {
    let out = build(root, &["--durability", "none", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn processed(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(root.join("public/processed_images"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn html(root: &Path, page: &str) -> String {
    fs::read_to_string(root.join(format!("public/{page}/index.html"))).unwrap()
}

#[test]
fn templates_and_shortcodes_resize_once_and_link_the_results() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    site(root);
    let first = json_build(root);
    // one.jpg: 40x40 fill (pages a and b), 64 fit_width, 128 fit webp; logo: 64, 128 webp.
    assert_eq!(first["images_encoded"], 5, "{first}");
    let names = processed(root);
    assert_eq!(names.len(), 5, "{names:?}");
    let a = html(root, "a");
    let thumb = names
        .iter()
        .find(|n| {
            n.starts_with("one.")
                && a.contains(&format!(
                    "https://img.example/processed_images/{n}\" width=\"40\" height=\"40\""
                ))
        })
        .unwrap_or_else(|| panic!("{a}"));
    assert!(html(root, "b").contains(thumb.as_str()));
    assert!(a.contains("data-orig=\"300x200\""), "{a}");
    let c = html(root, "c");
    assert!(c.contains("data-orig=\"90x30\""), "{c}");
    let logo_png = names
        .iter()
        .find(|n| n.starts_with("logo.") && n.ends_with(".png"))
        .unwrap();
    let logo = fs::read(root.join("public/processed_images").join(logo_png)).unwrap();
    assert_eq!(size(&logo), (64, 21));
    assert!(names
        .iter()
        .any(|n| n.starts_with("logo.") && n.ends_with(".webp")));

    // Nothing changed: nothing rendered, encoded or written.
    let noop = json_build(root);
    assert_eq!(
        (
            noop["rendered"].as_u64(),
            noop["written"].as_u64(),
            noop["images_encoded"].as_u64()
        ),
        (Some(0), Some(0), Some(0)),
        "{noop}"
    );

    // An edit elsewhere re-renders no page showing an image, and every image is kept.
    write_under(
        root,
        "templates/index.html",
        "<h1>{{ section.title }}!</h1>\n",
    );
    let other = json_build(root);
    assert_eq!(other["images_encoded"], 0, "{other}");
    assert_eq!(other["pruned"], 0, "{other}");
    assert_eq!(processed(root), names);

    // Wiping the output does not mean encoding again: the store has every result.
    fs::remove_dir_all(root.join("public")).unwrap();
    let rebuilt = json_build(root);
    assert_eq!(rebuilt["images_encoded"], 0, "{rebuilt}");
    assert_eq!(processed(root), names);
}

#[test]
fn replacing_an_image_reencodes_it_and_renders_only_its_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    site(root);
    json_build(root);
    let before = processed(root);
    let c_before = html(root, "c");
    write_bytes(root, "static/photos/one.jpg", &jpeg(200, 300, 99, None));
    let after = json_build(root);
    // one.jpg's three results; pages a and b (and nothing else) render again.
    assert_eq!(after["images_encoded"], 3, "{after}");
    assert_eq!(after["rendered"], 2, "{after}");
    // Zola's names are of the path argument, not the bytes: the same names, new contents.
    let names = processed(root);
    assert_eq!(names, before);
    let fit = names
        .iter()
        .find(|n| n.starts_with("one.") && n.ends_with(".webp"))
        .unwrap();
    let fit = fs::read(root.join("public/processed_images").join(fit)).unwrap();
    assert_eq!(size(&fit), (85, 128));
    assert!(html(root, "a").contains("data-orig=\"200x300\""));
    assert_eq!(html(root, "c"), c_before);

    // A page stops using an image: its result is pruned from output and store.
    write_under(root, "content/c.md", "+++\ntitle = \"C\"\n+++\nNo logo.\n");
    let dropped = json_build(root);
    assert_eq!(dropped["pruned"], 2, "{dropped}");
    assert!(processed(root).iter().all(|n| !n.starts_with("logo.")));
    let store: Vec<_> = fs::read_dir(root.join(".sitegen/processed-images"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(store.len(), 3, "{store:?}");
}

#[test]
fn exif_orientation_is_respected_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    site(root);
    write_under(
        root,
        "content/d.md",
        "+++\ntitle = \"D\"\n+++\n{{ figure(src=\"photos/turned.jpg\") }}\n",
    );
    json_build(root);
    let d = html(root, "d");
    assert!(d.contains("data-orig=\"200x300\""), "{d}");
    let name = processed(root)
        .into_iter()
        .find(|n| n.starts_with("turned.") && n.ends_with(".jpg"))
        .unwrap();
    let bytes = fs::read(root.join("public/processed_images").join(name)).unwrap();
    assert_eq!(size(&bytes), (64, 96));
}

/// PNG and WebP carry EXIF too (an eXIf chunk, an EXIF chunk): `get_image_metadata` swaps
/// the sides as Zola does, and `resize_image` turns the pixels upright.
#[test]
fn png_and_webp_exif_orientation_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    site(root);
    write_under(
        root,
        "templates/shortcodes/meta.html",
        "{% set m = get_image_metadata(path=src) %}{% set r = resize_image(path=src, width=30, op=\"fit_width\") %}<p data-meta=\"{{ m.width }}x{{ m.height }} {{ m.mime | safe }}\" data-out=\"{{ r.orig_width }}x{{ r.orig_height }} {{ r.width }}x{{ r.height }}\" data-url=\"{{ r.url | safe }}\"></p>",
    );
    write_under(
        root,
        "content/e.md",
        "+++\ntitle = \"E\"\n+++\n{{ meta(src=\"photos/turned.png\") }}\n\n{{ meta(src=\"photos/turned.webp\") }}\n",
    );
    for (file, format) in [
        ("turned.png", image::ImageFormat::Png),
        ("turned.webp", image::ImageFormat::WebP),
    ] {
        let bytes = with_exif(format, 60, 40, 30, 6);
        write_bytes(root, &format!("static/photos/{file}"), &bytes);
    }
    json_build(root);
    let e = html(root, "e");
    for mime in ["image/png", "image/webp"] {
        assert!(e.contains(&format!("data-meta=\"40x60 {mime}\"")), "{e}");
    }
    assert_eq!(e.matches("data-out=\"40x60 30x45\"").count(), 2, "{e}");
    for url in e.split("data-url=\"").skip(1) {
        let name = url.split('"').next().unwrap().rsplit('/').next().unwrap();
        let bytes = fs::read(root.join("public/processed_images").join(name)).unwrap();
        let img = image::load_from_memory(&bytes).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (30, 45), "{name}");
        // Orientation 6 turns the stored picture a quarter clockwise: its red left half
        // is on top.
        let (top, bottom) = (img.get_pixel(15, 4), img.get_pixel(15, 40));
        assert!(top[0] > 150 && top[2] < 100, "{name}: top {top:?}");
        assert!(
            bottom[2] > 120 && bottom[0] < 100,
            "{name}: bottom {bottom:?}"
        );
    }
}

fn failing_build(root: &Path) -> String {
    let out = build(root, &["--durability", "none"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_images_and_arguments_fail_the_build_naming_page_and_image() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    site(root);
    json_build(root);
    let before = common::snapshot(&root.join("public"));

    // A truncated photo, shown by a shortcode: the content file, the shortcode, the image.
    let mut truncated = jpeg(300, 200, 1, None);
    truncated.truncate(truncated.len() / 2);
    write_bytes(root, "content/c/logo.png", &truncated);
    let err = failing_build(root);
    assert!(
        err.contains("c.md") && err.contains("figure") && err.contains("logo.png"),
        "{err}"
    );
    assert!(err.contains("truncated"), "{err}");
    write_bytes(root, "content/c/logo.png", &png(90, 30, 5));

    // A missing image in a page template, then bad arguments.
    write_under(
        root,
        "content/b.md",
        "+++\ntitle = \"B\"\n[extra]\nphoto = \"photos/none.jpg\"\n+++\nB.\n",
    );
    let err = failing_build(root);
    assert!(
        err.contains("b.md") && err.contains("resize_image") && err.contains("photos/none.jpg"),
        "{err}"
    );
    for (args, want) in [
        (
            "width=40, height=40, op=\"stretch\"",
            "unknown op `stretch`",
        ),
        (
            "width=40, height=40, format=\"tiff\"",
            "unknown format `tiff`",
        ),
        ("width=0, height=40", "must not be 0"),
        ("width=900000, height=40", "more than"),
        (
            "width=40, height=40, format=\"avif\", quality=0",
            "AVIF quality must be from 1 to 100, not 0",
        ),
    ] {
        write_under(
            root,
            "templates/page.html",
            &format!(
                "{{% set t = resize_image(path=\"photos/one.jpg\", {args}) %}}{{{{ t.url }}}}"
            ),
        );
        let err = failing_build(root);
        assert!(
            err.contains(want) && err.contains("photos/one.jpg"),
            "{args}: {err}"
        );
    }
    // Every failed build left the previous output as it was.
    assert_eq!(common::snapshot(&root.join("public")), before);
}

/// Zola keeps its processed images in `static/processed_images/` and deletes every file
/// there its build does not make before it copies `static/`: a folder committed from an
/// older build reaches neither its output nor sitegen's (whose sources stay as they are).
#[test]
fn a_committed_static_processed_images_folder_is_not_published_but_this_builds_images_are() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    site(root);
    write_bytes(
        root,
        "static/processed_images/one.0123456789abcdef.jpg",
        b"stale",
    );
    write_bytes(
        root,
        "static/processed_images/old.fedcba9876543210.webp",
        b"stale",
    );
    write_bytes(
        root,
        "static/processed_images/keep/kept.txt",
        b"a subfolder",
    );
    let out = build(root, &["--durability", "none"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("static/processed_images/: 2 files not copied"),
        "{stderr}"
    );
    let names = processed(root);
    assert!(
        !names
            .iter()
            .any(|n| n.contains("0123456789abcdef") || n.starts_with("old.")),
        "{names:?}"
    );
    // The build's own images are there, and the subfolder is copied as Zola copies it.
    assert!(
        names.iter().filter(|n| n.starts_with("one.")).count() >= 2,
        "{names:?}"
    );
    assert!(root.join("public/processed_images/keep/kept.txt").is_file());
    // The sources are as they were.
    assert_eq!(
        fs::read(root.join("static/processed_images/old.fedcba9876543210.webp")).unwrap(),
        b"stale"
    );
}
