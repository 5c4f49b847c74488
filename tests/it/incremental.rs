//! The incremental-build invariant: after any sequence of edits, an incremental build's output
//! is byte for byte that of a clean build of the same input.
//!
//! A seeded generator applies random edits to a small site (pages with tags, dates, weights,
//! summaries and `@/` links; sections with pagination; templates with extends, include,
//! import and data functions, which also read the compiled Sass and the search index; config;
//! static files; Sass sheets and partials). After each edit the site is built
//! incrementally in place and cleanly in a fresh copy, and the outputs are compared. When the
//! clean build fails (an edit broke a link), the incremental one must fail too; the edit is
//! then undone. Seed and step count: `SITEGEN_TEST_SEED`, `SITEGEN_PROPTEST_STEPS`; `cargo test`
//! runs 24 steps per sequence with a fresh seed, `SITEGEN_FULL_TESTS=1` (CI) 125 with fixed seeds.

use crate::common;
use crate::common::length::{by_length, length, seed, Length};

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::length::Rng;
use crate::common::{build, copy_tree, snapshot};

const TAGS: &[&str] = &["rust", "web", "io", "fs", "news"];
/// Images pages show through the `pic` shortcode (and the home page through its template).
const IMAGES: &[&str] = &["img/a.jpg", "img/b.png", "img/c.jpg"];

/// Writes image `rel` (one of [`IMAGES`], under `static/`) with content from `seed`.
fn write_image(root: &Path, rel: &str, seed: u64) {
    let (w, h) = (24 + (seed % 5) as u32 * 8, 16 + (seed % 3) as u32 * 8);
    let bytes = if rel.ends_with(".png") {
        common::images::png(w, h, seed as u8)
    } else {
        common::images::jpeg(w, h, seed as u8, Some(1 + (seed % 8) as u16))
    };
    let path = root.join("static").join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// Every page file (relative to content/), sorted.
fn pages(root: &Path) -> Vec<String> {
    let content = root.join("content");
    let mut v: Vec<String> = walkdir::WalkDir::new(&content)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(&content)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|p| p.ends_with(".md") && !p.ends_with("_index.md"))
        .collect();
    v.sort();
    v
}

fn sections(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(root.join("content"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn page_text(rng: &mut Rng, n: u64, root: &Path) -> String {
    let title = format!("Page {n} {}", ["alpha", "beta", "gamma"][rng.below(3)]);
    let tags: Vec<String> = (0..rng.below(3))
        .map(|_| format!("\"{}\"", rng.pick(TAGS).unwrap()))
        .collect();
    let link = match rng.pick(&pages(root)) {
        Some(target) if rng.below(3) == 0 => format!("\nSee [another](@/{target}).\n"),
        _ => String::new(),
    };
    let summary = if rng.below(2) == 0 {
        "Intro words.\n\n<!-- more -->\n\n"
    } else {
        ""
    };
    let call = match rng.below(5) {
        0 => format!("\n{{{{ sc(v={}) }}}}\n", rng.below(9)),
        1 => "\n{{ md(v=\"x\") }}\n".to_string(),
        2 => format!(
            "\n{{{{ pic(src=\"{}\", w={}) }}}}\n",
            IMAGES[rng.below(IMAGES.len())],
            8 * (1 + rng.below(4))
        ),
        _ => String::new(),
    };
    format!(
        "+++\ntitle = \"{title}\"\ndate = 2024-0{}-1{}\nweight = {}\n[taxonomies]\ntags = [{}]\n+++\n{summary}## Heading {n}\n\nBody {n} text {}.\n{link}{call}",
        1 + rng.below(9),
        rng.below(10),
        rng.below(5),
        tags.join(", "),
        rng.next() % 1000,
    )
}

fn initial_site(root: &Path) {
    write(
        &root.join("config.toml"),
        "base_url = \"https://p.example\"\ntitle = \"Prop\"\ngenerate_feeds = true\nfeed_filenames = [\"atom.xml\", \"rss.xml\"]\ntaxonomies = [{ name = \"tags\", feed = true, paginate_by = 2 }]\ncompile_sass = true\nbuild_search_index = true\n\
         [languages.fr]\ntitle = \"Prop FR\"\ngenerate_feeds = true\nbuild_search_index = true\ntaxonomies = [{ name = \"tags\" }]\n\
         [markdown.highlighting]\ntheme = \"nord\"\nstyle = \"class\"\n",
    );
    write(
        &root.join("content/_index.md"),
        "+++\ntitle = \"Home\"\n+++\nWelcome.\n",
    );
    write(
        &root.join("content/blog/_index.md"),
        "+++\ntitle = \"Blog\"\nsort_by = \"date\"\npaginate_by = 3\ngenerate_feeds = true\n+++\n",
    );
    write(
        &root.join("content/blog/_index.fr.md"),
        "+++\ntitle = \"Blogue\"\nsort_by = \"date\"\n+++\n",
    );
    write(
        &root.join("content/docs/_index.md"),
        "+++\ntitle = \"Docs\"\nsort_by = \"weight\"\ninsert_anchor_links = \"right\"\n+++\nDocs intro.\n",
    );
    write(&root.join("templates/base.html"), "<html><title>{{ config.title }}</title>{% block body %}{% endblock body %}{% include \"partials/nav.html\" %}</html>\n");
    write(&root.join("data/menu.toml"), "items = [\"home\"]\n");
    // Shortcodes: an HTML one and a Markdown one.
    write(
        &root.join("templates/shortcodes/sc.html"),
        "<span>{{ nth }}:{{ v }}</span>",
    );
    write(&root.join("templates/shortcodes/md.md"), "**md {{ v }}**");
    write(
        &root.join("templates/shortcodes/pic.html"),
        "{% set i = resize_image(path=src, width=w, height=w, op=\"fill\") %}<img src=\"{{ i.url | safe }}\" width=\"{{ i.width }}\">",
    );
    for (k, rel) in IMAGES.iter().enumerate() {
        write_image(root, rel, k as u64);
    }
    // Anchor links and summary cutoffs come from templates the Markdown render calls.
    write(
        &root.join("templates/anchor-link.html"),
        "<a href=\"#{{ id }}\">#</a>",
    );
    write(&root.join("templates/summary-cutoff.html"), "<b>more</b>");
    write(
        &root.join("content/_index.md"),
        "+++\ntitle = \"Home\"\ninsert_anchor_links = \"left\"\n+++\nWelcome.\n\n## Start\n",
    );
    write(
        &root.join("static/pic.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"20\"/>",
    );
    write(&root.join("templates/partials/nav.html"), "<nav>{% set menu = load_data(path=\"data/menu.toml\") %}{% for i in menu.items %}{{ i }};{% endfor %}{% set opt = load_data(path=\"data/optional.json\", required=false) %}{% if opt %}{{ opt.note }}{% endif %}{{ get_hash(path=\"static/site.css\", sha_type=256) }}{% set m = get_image_metadata(path=\"pic.svg\") %}{{ m.width }}x{{ m.height }}{{ get_url(path=\"site.css\", cachebust=true) }}{% set b = get_section(path=\"blog/_index.md\") %}{{ b.title }} {{ b.pages | length }} {{ get_url(path=\"x.css\") }}{% set d = get_section(path=\"docs/_index.md\") %}{% for p in d.pages %}{{ p.title }}{% endfor %}{% set logo = resize_image(path=\"img/b.png\", width=12, op=\"fit_width\") %}{{ logo.url }} {{ logo.height }}{{ get_url(path=\"main.css\", cachebust=true) }} {{ get_hash(path=\"/other.css\", sha_type=256, base64=false) }}</nav>\n");
    write(&root.join("templates/macros.html"), "{% macro item(p) %}<li>{{ p.title }} {{ p.date }} {{ p.summary | default(value='') }}</li>{% endmacro item %}\n");
    write(
        &root.join("templates/page.html"),
        "{% extends \"base.html\" %}{% import \"macros.html\" as m %}{% block body %}<h1>{{ page.title }}</h1>{{ page.content | safe }}{% if page.lower %}<a>{{ page.lower.title }}</a>{% endif %}{% if page.higher %}<a>{{ page.higher.title }}</a>{% endif %}{% for t in page.taxonomies.tags | default(value=[]) %}{{ get_taxonomy_url(kind=\"tags\", name=t, lang=lang) }}{% endfor %}{% for t in page.translations %}[{{ t.lang }}:{{ t.title }}:{{ t.permalink }}]{% endfor %}{% endblock body %}\n",
    );
    write(
        &root.join("templates/section.html"),
        "{% extends \"base.html\" %}{% import \"macros.html\" as m %}{% block body %}<h1>{{ section.title }}</h1>{% if paginator %}{% for p in paginator.pages %}{{ m::item(p=p) }}{% endfor %}{{ paginator.current_index }}/{{ paginator.number_pagers }}{% else %}{% for p in section.pages %}{{ m::item(p=p) }}{% endfor %}{% endif %}{{ get_url(path=\"search_index.en.js\", cachebust=true) }} {{ get_url(path=\"elasticlunr.min.js\", cachebust=true) }}<style>{{ load_data(path=\"public/other.css\") | safe }}</style>{% endblock body %}\n",
    );
    write(&root.join("static/site.css"), "body{}\n");
    write(
        &root.join("sass/main.scss"),
        "@import \"p\";\nmain { color: $c; }\n",
    );
    write(&root.join("sass/other.scss"), "other { x: 1; }\n");
    write(&root.join("sass/_p.scss"), "$c: red;\n");
    let mut rng = Rng(7);
    for n in 0..6u64 {
        let section = if n % 2 == 0 { "blog" } else { "docs" };
        let text = page_text(&mut rng, n, root);
        write(&root.join(format!("content/{section}/p{n}.md")), &text);
    }
}

/// Applies one random edit; returns a description and a closure-free undo snapshot (the
/// whole site's inputs before the edit).
fn edit(rng: &mut Rng, root: &Path, step: u64) -> String {
    let all = pages(root);
    let kind = rng.below(18);
    match kind {
        0 | 1 => {
            let section = rng
                .pick(&sections(root))
                .cloned()
                .unwrap_or_else(|| "blog".into());
            let text = page_text(rng, 100 + step, root);
            write(&root.join(format!("content/{section}/n{step}.md")), &text);
            format!("add page {section}/n{step}.md")
        }
        2 | 3 => {
            let Some(p) = rng.pick(&all).cloned() else {
                return "noop".into();
            };
            let path = root.join("content").join(&p);
            let text = fs::read_to_string(&path).unwrap();
            fs::write(&path, format!("{text}\nMore body {}.\n", rng.next() % 100)).unwrap();
            format!("edit body {p}")
        }
        4 | 5 => {
            let Some(p) = rng.pick(&all).cloned() else {
                return "noop".into();
            };
            let path = root.join("content").join(&p);
            let text = fs::read_to_string(&path).unwrap();
            let body = text.split("+++\n").nth(2).unwrap_or("").to_string();
            let fresh = page_text(rng, step, root);
            let front = fresh.split("+++\n").nth(1).unwrap();
            fs::write(&path, format!("+++\n{front}+++\n{body}")).unwrap();
            format!("edit front matter {p}")
        }
        6 => {
            let Some(p) = rng.pick(&all).cloned() else {
                return "noop".into();
            };
            let to = format!(
                "{}/r{step}.md",
                p.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
            );
            fs::rename(
                root.join("content").join(&p),
                root.join("content").join(&to),
            )
            .unwrap();
            format!("rename {p} -> {to}")
        }
        7 => {
            let Some(p) = rng.pick(&all).cloned() else {
                return "noop".into();
            };
            fs::remove_file(root.join("content").join(&p)).unwrap();
            format!("delete {p}")
        }
        8 => {
            let secs = sections(root);
            if secs.len() > 2 && rng.below(2) == 0 {
                let s = rng.pick(&secs[2..]).unwrap().clone();
                fs::remove_dir_all(root.join("content").join(&s)).unwrap();
                format!("delete section {s}")
            } else {
                let s = format!("s{step}");
                write(
                    &root.join(format!("content/{s}/_index.md")),
                    "+++\ntitle = \"New section\"\nsort_by = \"title\"\n+++\n",
                );
                let text = page_text(rng, 200 + step, root);
                write(&root.join(format!("content/{s}/first.md")), &text);
                format!("add section {s}")
            }
        }
        9 => {
            let (file, marker) = match rng.below(5) {
                0 => ("templates/partials/nav.html", "<nav>"),
                1 => ("templates/macros.html", "<li>"),
                2 => ("templates/anchor-link.html", "<a"),
                3 => ("templates/summary-cutoff.html", "<b>"),
                _ => ("templates/page.html", "<h1>"),
            };
            let path = root.join(file);
            let text = fs::read_to_string(&path).unwrap();
            fs::write(
                &path,
                text.replacen(marker, &format!("{marker}<i>{step}</i>"), 1),
            )
            .unwrap();
            format!("edit template {file}")
        }
        10 => {
            let path = root.join("config.toml");
            let text = fs::read_to_string(&path).unwrap();
            let title = text
                .lines()
                .find(|l| l.starts_with("title"))
                .unwrap()
                .to_string();
            fs::write(
                &path,
                text.replace(&title, &format!("title = \"Prop {step}\"")),
            )
            .unwrap();
            "edit config title".into()
        }
        12 => {
            // Shortcodes: change, delete or add a template; add or remove calls in a page.
            match rng.below(4) {
                0 => {
                    write(
                        &root.join("templates/shortcodes/sc.html"),
                        &format!("<span>{{{{ nth }}}}:{{{{ v }}}}/{step}</span>"),
                    );
                    "edit shortcode sc.html".into()
                }
                1 => {
                    let path = root.join("templates/shortcodes/md.md");
                    if path.exists() {
                        fs::remove_file(&path).unwrap();
                        "delete shortcode md.md".into()
                    } else {
                        write(&path, &format!("*md {{{{ v }}}} {step}*"));
                        "add shortcode md.md".into()
                    }
                }
                2 => {
                    let Some(p) = rng.pick(&all).cloned() else {
                        return "noop".into();
                    };
                    let path = root.join("content").join(&p);
                    let text = fs::read_to_string(&path).unwrap();
                    fs::write(&path, format!("{text}\n{{{{ sc(v={step}) }}}}\n")).unwrap();
                    format!("add a call to {p}")
                }
                _ => {
                    let Some(p) = rng.pick(&all).cloned() else {
                        return "noop".into();
                    };
                    let path = root.join("content").join(&p);
                    let text = fs::read_to_string(&path).unwrap();
                    let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with("{{")).collect();
                    fs::write(&path, kept.join("\n") + "\n").unwrap();
                    format!("remove the calls of {p}")
                }
            }
        }
        11 => {
            // Files read by template functions: data, an optional file, hashed and measured
            // static files.
            match rng.below(4) {
                0 => {
                    let items: Vec<String> = (0..1 + rng.below(3))
                        .map(|k| format!("\"i{step}-{k}\""))
                        .collect();
                    write(
                        &root.join("data/menu.toml"),
                        &format!("items = [{}]\n", items.join(", ")),
                    );
                    "edit data/menu.toml".into()
                }
                1 => {
                    let path = root.join("data/optional.json");
                    if path.exists() {
                        fs::remove_file(&path).unwrap();
                        "remove data/optional.json".into()
                    } else {
                        write(&path, &format!("{{\"note\": \"n{step}\"}}"));
                        "add data/optional.json".into()
                    }
                }
                2 => {
                    write(
                        &root.join("static/site.css"),
                        &format!("body{{margin:{step}px}}\n"),
                    );
                    "edit static/site.css".into()
                }
                _ => {
                    write(
                        &root.join("static/pic.svg"),
                        &format!(
                            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"20\"/>",
                            1 + rng.below(50)
                        ),
                    );
                    "edit static/pic.svg".into()
                }
            }
        }
        // Translations: add or rewrite the French version of a page, or rename or delete one.
        14 => {
            let defaults: Vec<&String> = all.iter().filter(|p| !p.ends_with(".fr.md")).collect();
            let Some(p) = rng.pick(&defaults).cloned() else {
                return "noop".into();
            };
            let fr = p.replace(".md", ".fr.md");
            let text = page_text(rng, 200 + step, root).replace("Page ", "Page fr ");
            write(&root.join("content").join(&fr), &text);
            format!("write translation {fr}")
        }
        15 => {
            let translations: Vec<&String> = all.iter().filter(|p| p.ends_with(".fr.md")).collect();
            let Some(p) = rng.pick(&translations).cloned() else {
                return "noop".into();
            };
            let path = root.join("content").join(p);
            if rng.below(2) == 0 {
                fs::remove_file(&path).unwrap();
                format!("delete translation {p}")
            } else {
                let to = format!(
                    "{}/t{step}.fr.md",
                    p.rsplit_once('/').map_or("", |(d, _)| d)
                );
                fs::rename(&path, root.join("content").join(&to)).unwrap();
                format!("rename translation {p} to {to}")
            }
        }
        16 => {
            let rel = IMAGES[rng.below(IMAGES.len())];
            match rng.below(4) {
                // Deleting an image breaks the pages showing it: both builds fail, undone.
                0 => {
                    let _ = fs::remove_file(root.join("static").join(rel));
                    format!("delete image {rel}")
                }
                1 => {
                    let op = ["fill", "fit", "fit_width", "scale"][rng.below(4)];
                    let format = ["auto", "webp", "png", "jpg"][rng.below(4)];
                    write(
                        &root.join("templates/shortcodes/pic.html"),
                        &format!("{{% set i = resize_image(path=src, width=w, height=w, op=\"{op}\", format=\"{format}\") %}}<img src=\"{{{{ i.url | safe }}}}\" width=\"{{{{ i.width }}}}\" height=\"{{{{ i.height }}}}\">"),
                    );
                    format!("pic shortcode: op {op}, format {format}")
                }
                _ => {
                    write_image(root, rel, 10 + rng.next() % 50);
                    format!("replace image {rel}")
                }
            }
        }
        17 => {
            // Sass: edit, add or delete a partial or a sheet (deleting an imported partial
            // breaks the build, in both).
            let n = rng.below(3);
            match rng.below(4) {
                0 => {
                    write(
                        &root.join("sass/_p.scss"),
                        &format!("$c: #{:03x};\n", rng.below(4096)),
                    );
                    "edit partial sass/_p.scss".into()
                }
                1 => {
                    let path = root.join(format!("sass/_q{n}.scss"));
                    if path.exists() {
                        fs::remove_file(&path).unwrap();
                        format!("delete partial sass/_q{n}.scss")
                    } else {
                        write(&path, &format!("q{n} {{ w: {step}px; }}\n"));
                        format!("add partial sass/_q{n}.scss")
                    }
                }
                2 => {
                    let path = root.join(format!("sass/s{n}.scss"));
                    if path.exists() {
                        fs::remove_file(&path).unwrap();
                        format!("delete sheet sass/s{n}.scss")
                    } else {
                        write(
                            &path,
                            &format!("@import \"p\";\n@import \"q{n}\";\ns{n} {{ c: $c; }}\n"),
                        );
                        format!("add sheet sass/s{n}.scss")
                    }
                }
                _ => {
                    write(
                        &root.join("sass/other.scss"),
                        &format!("other {{ x: {step}; }}\n"),
                    );
                    "edit sheet sass/other.scss".into()
                }
            }
        }
        _ => {
            // Some static files take the path of a generated output (a Sass sheet's, the
            // tags list's, a pager redirect's): the static file wins while it is there.
            let names = [
                "f0.txt",
                "f1.txt",
                "f2.txt",
                "s0.css",
                "tags/index.html",
                "blog/page/1/index.html",
                // Replaces the stylesheet `style = "class"` writes.
                "giallo.css",
                // Never published (Zola prunes that folder), next to the build's own images.
                "processed_images/b.0123456789abcdef.png",
            ];
            let name = format!("static/{}", rng.pick(&names).unwrap());
            let path = root.join(&name);
            if path.exists() {
                fs::remove_file(&path).unwrap();
                format!("remove {name}")
            } else {
                write(&path, &format!("static {step}\n"));
                format!("add {name}")
            }
        }
    }
}

fn inputs_copy(from: &Path, to: &Path) {
    let _ = fs::remove_dir_all(to);
    for part in ["content", "templates", "static", "data", "sass"] {
        if from.join(part).exists() {
            copy_tree(&from.join(part), &to.join(part));
        }
    }
    fs::copy(from.join("config.toml"), to.join("config.toml")).unwrap();
}

#[test]
fn incremental_builds_equal_clean_builds_after_random_edits() {
    property_sequence("files", 0x5eed_0001);
}

/// The same with `--publish swap`: the standby tree is one generation behind and catches up
/// with hard links; the live output must still equal a clean build after every step. Both
/// sides build `--safe` (an untrusted checkout's builds are incremental too).
#[test]
fn incremental_swap_builds_equal_clean_builds_after_random_edits() {
    property_sequence("swap", 0x5eed_0002);
}

/// One sequence of random edits, short under `cargo test` (a fresh seed per run), full
/// length in CI with the fixed seed it has always had (see `common::length`).
fn property_sequence(publish: &str, fixed: u64) {
    let steps: u64 = std::env::var("SITEGEN_PROPTEST_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(by_length(24, 125));
    let fixed = (length() == Length::Full).then_some(fixed);
    let seed = seed(&format!("incremental property ({publish})"), fixed);
    run_sequence(seed, steps, publish);
}

fn run_sequence(seed: u64, steps: u64, publish: &str) {
    // The swap sequence builds `--safe`, both sides.
    let safe: &[&str] = if publish == "swap" { &["--safe"] } else { &[] };
    let args = |args: &[&'static str], publish: Option<&str>| -> Vec<String> {
        let publish = publish.into_iter().flat_map(|p| ["--publish", p]);
        args.iter()
            .copied()
            .chain(publish)
            .chain(safe.iter().copied())
            .map(String::from)
            .collect()
    };
    let incremental = args(&["--durability", "none"], Some(publish));
    let incremental: Vec<&str> = incremental.iter().map(String::as_str).collect();
    let clean_args = args(&["--durability", "none"], None);
    let clean_args: Vec<&str> = clean_args.iter().map(String::as_str).collect();
    let json = args(&["--durability", "none", "--format", "json"], Some(publish));
    let json: Vec<&str> = json.iter().map(String::as_str).collect();
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    let clean = tmp.path().join("clean");
    let backup: PathBuf = tmp.path().join("backup");
    initial_site(&work);
    let first = build(&work, &incremental);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let mut rng = Rng(seed);
    let (mut compared, mut failed_both, mut rendered_total, mut outputs_total) = (0, 0, 0u64, 0u64);
    for step in 0..steps {
        inputs_copy(&work, &backup);
        let what = edit(&mut rng, &work, step);
        inputs_copy(&work, &clean);
        let clean_out = build(&clean, &clean_args);
        let inc_out = build(&work, &json);
        match (clean_out.status.success(), inc_out.status.success()) {
            (true, true) => {
                let (a, b) = (snapshot(&work.join("public")), snapshot(&clean.join("public")));
                let differing: Vec<&String> = a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).collect();
                assert!(differing.is_empty(), "seed {seed:#x} step {step} ({what}): incremental differs from clean in {differing:?}");
                let summary: serde_json::Value = serde_json::from_slice(&inc_out.stdout).unwrap();
                rendered_total += summary["rendered"].as_u64().unwrap_or(0);
                outputs_total += summary["written"].as_u64().unwrap_or(0) + summary["unchanged"].as_u64().unwrap_or(0);
                compared += 1;
            }
            (false, false) => {
                failed_both += 1;
                // Undo the breaking edit, and rebuild so that both sides continue from one state.
                let _ = fs::remove_dir_all(work.join("content"));
                let _ = fs::remove_dir_all(work.join("templates"));
                let _ = fs::remove_dir_all(work.join("static"));
                let _ = fs::remove_dir_all(work.join("data"));
                let _ = fs::remove_dir_all(work.join("sass"));
                for part in ["content", "templates", "static", "data", "sass"] {
                    if backup.join(part).exists() {
                        copy_tree(&backup.join(part), &work.join(part));
                    }
                }
                fs::copy(backup.join("config.toml"), work.join("config.toml")).unwrap();
                assert!(build(&work, &incremental).status.success(), "step {step}: undo failed");
            }
            (clean_ok, inc_ok) => panic!(
                "seed {seed:#x} step {step} ({what}): clean build ok={clean_ok} but incremental ok={inc_ok}\n{}\n{}",
                String::from_utf8_lossy(&clean_out.stderr),
                String::from_utf8_lossy(&inc_out.stderr)
            ),
        }
    }
    println!(
        "incremental property ({publish}): seed {seed:#x}, {steps} steps, {compared} compared byte for byte, {failed_both} failed in both (undone); \
         incremental builds rendered {rendered_total} of {outputs_total} outputs"
    );
    assert!(compared as u64 > steps / 2, "most steps must be comparable");
}

fn json_build(root: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--durability", "none", "--format", "json"];
    args.extend_from_slice(extra);
    let out = build(root, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn no_op_renders_nothing_and_one_edit_renders_its_dependents() {
    let (_tmp, root) = common::example_site();
    let first = json_build(&root, &[]);
    assert_eq!(first["full_render_reason"], "no build cache (first build)");
    let total = first["written"].as_u64().unwrap();

    let noop = json_build(&root, &[]);
    assert_eq!(
        (noop["rendered"].as_u64(), noop["written"].as_u64()),
        (Some(0), Some(0)),
        "{noop}"
    );
    assert_eq!(noop["unchanged"].as_u64(), Some(total));

    let about = root.join("content/about.md");
    fs::write(
        &about,
        fs::read_to_string(&about).unwrap() + "\nOne more line.\n",
    )
    .unwrap();
    let edit = json_build(&root, &[]);
    let rendered = edit["rendered"].as_u64().unwrap();
    assert!(
        (1..=3).contains(&rendered),
        "a body edit renders the page and what lists it: {edit}"
    );
    assert_eq!(edit["written"].as_u64(), Some(1), "{edit}");
    assert!(fs::read_to_string(root.join("public/about/index.html"))
        .unwrap()
        .contains("One more line."));

    let full = json_build(&root, &["--full"]);
    assert_eq!(full["full_render_reason"], "--full");
    assert_eq!(
        (full["rendered"].as_u64(), full["written"].as_u64()),
        // Not rendered: 4 static files, the gallery's 4 photos and their 8 resized copies.
        (Some(total - 16), Some(0)),
        "{full}"
    );

    // A deleted output is made again even though nothing else changed.
    fs::remove_file(root.join("public/about/index.html")).unwrap();
    let restored = json_build(&root, &[]);
    assert_eq!(restored["written"].as_u64(), Some(1), "{restored}");
    assert!(root.join("public/about/index.html").is_file());
}

#[test]
fn an_unusable_cache_means_a_full_build_with_a_warning_never_a_crash() {
    let (_tmp, root) = common::example_site();
    json_build(&root, &[]);
    let cache = root.join(".sitegen/build-cache.json");
    let good = fs::read(&cache).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("corrupt", b"{\"version\": 2, \"inputs\": [".to_vec()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("old version", b"{\"version\": 1}".to_vec()),
        ("empty", Vec::new()),
    ];
    for (what, bytes) in cases {
        fs::write(&cache, &bytes).unwrap();
        let out = build(&root, &["--durability", "none", "--format", "json"]);
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            json["full_render_reason"], "the build cache was unusable",
            "{what}: {json}"
        );
        assert_eq!(
            json["warnings"].as_array().unwrap().len(),
            1,
            "{what}: one warning: {json}"
        );
        assert_eq!(
            json["written"].as_u64(),
            Some(0),
            "{what}: same output as before"
        );
    }
    let other_url = json_build(&root, &["--base-url", "https://elsewhere.example"]);
    assert!(
        other_url["full_render_reason"]
            .as_str()
            .unwrap()
            .contains("base_url"),
        "{other_url}"
    );
    let drafts = json_build(&root, &["--drafts"]);
    assert!(
        drafts["full_render_reason"]
            .as_str()
            .unwrap()
            .contains("drafts"),
        "{drafts}"
    );
}

#[test]
fn a_failed_build_keeps_the_previous_cache() {
    let (_tmp, root) = common::example_site();
    json_build(&root, &[]);
    let cache = root.join(".sitegen/build-cache.json");
    let before = fs::read(&cache).unwrap();
    fs::write(
        root.join("content/about.md"),
        "+++\ntitle = \"x\"\n+++\n[broken](@/nowhere.md)\n",
    )
    .unwrap();
    let out = build(&root, &["--durability", "none"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        fs::read(&cache).unwrap(),
        before,
        "cache untouched by the failed build"
    );
}

/// A build killed after its output commit but before it saved the build cache leaves a cache
/// that describes the build before it. The next build must not trust that cache's idea of
/// what is on disk.
#[test]
fn a_cache_older_than_the_output_is_not_trusted() {
    let (_tmp, root) = common::example_site();
    let about = root.join("content/about.md");
    let version_a = fs::read_to_string(&about).unwrap();
    json_build(&root, &[]);
    let cache = root.join(".sitegen/build-cache.json");
    let cache_a = fs::read(&cache).unwrap();
    let page_a = fs::read(root.join("public/about/index.html")).unwrap();
    fs::write(&about, format!("{version_a}\nVersion B.\n")).unwrap();
    json_build(&root, &[]);
    // As if B's build died between its commit and its cache save:
    fs::write(&cache, &cache_a).unwrap();
    fs::write(&about, &version_a).unwrap();
    json_build(&root, &[]);
    assert!(
        fs::read(root.join("public/about/index.html")).unwrap() == page_a,
        "about/ must be back to version A"
    );
}

/// The content memo reuses a page's render only while everything the render depends on is
/// unchanged: base_url, the `[markdown]` options and where linked pages live, not only the
/// page's own bytes.
#[test]
fn the_content_memo_follows_settings_and_linked_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let (work, clean) = (tmp.path().join("work"), tmp.path().join("clean"));
    initial_site(&work);
    write(
        &work.join("content/blog/linking.md"),
        "+++\ntitle = \"Linking\"\ndate = 2024-01-01\n+++\nSee [docs](@/docs/p1.md), \"quoted\" -- and [away](https://other.example/).\n",
    );
    let compare = |what: &str| {
        inputs_copy(&work, &clean);
        assert!(build(&clean, &["--durability", "none"]).status.success());
        let built = build(&work, &["--durability", "none"]);
        assert!(
            built.status.success(),
            "{}",
            String::from_utf8_lossy(&built.stderr)
        );
        let (a, b) = (
            snapshot(&work.join("public")),
            snapshot(&clean.join("public")),
        );
        let differing: Vec<&String> = a
            .keys()
            .chain(b.keys())
            .filter(|k| a.get(*k) != b.get(*k))
            .collect();
        assert!(
            differing.is_empty(),
            "after {what}: incremental differs from clean in {differing:?}"
        );
        String::from_utf8(a["blog/linking/index.html"].clone()).unwrap()
    };
    let first = compare("the first build");
    assert!(first.contains("https://p.example/docs/p1/") && first.contains("\"quoted\""));

    let config = work.join("config.toml");
    let text = fs::read_to_string(&config)
        .unwrap()
        .replace("https://p.example", "https://q.example");
    fs::write(
        &config,
        format!("{text}[markdown]\nsmart_punctuation = true\nexternal_links_target_blank = true\n"),
    )
    .unwrap();
    let changed = compare("changing base_url and [markdown]");
    assert!(changed.contains("https://q.example/docs/p1/"), "{changed}");
    assert!(
        changed.contains('\u{201c}') && changed.contains("target=\"_blank\""),
        "{changed}"
    );

    // The linking page's bytes stay the same; the page it links to moves.
    let doc = fs::read_to_string(work.join("content/docs/p1.md")).unwrap();
    let moved = if doc.contains("+++\n") {
        doc.replacen("+++\n", "+++\npath = \"moved/p1\"\n", 1)
    } else {
        doc
    };
    fs::write(work.join("content/docs/p1.md"), moved).unwrap();
    let relinked = compare("moving the linked page");
    assert!(
        relinked.contains("https://q.example/moved/p1/"),
        "{relinked}"
    );
}
