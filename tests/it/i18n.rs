//! Multilingual sites as Zola 0.22 builds them: `[languages.CODE]`, `NAME.CODE.md` content
//! under `/CODE/`, translations, `trans`, the `lang` argument of the content functions,
//! per-language taxonomies, feeds, pagination and one sitemap; a right-to-left language and
//! a language without content. Each behaviour on a fixture of its own.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{build, stderr, write_under as write};

fn read(root: &Path, rel: &str) -> String {
    fs::read_to_string(root.join("public").join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .replace("&#x2F;", "/")
}

fn ok(root: &Path) -> String {
    let out = build(root, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    stderr(&out)
}

fn site() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    fs::create_dir_all(&root).unwrap();
    (tmp, root)
}

const CONFIG: &str = r#"base_url = "https://i.example"
title = "Site"
default_language = "en"
generate_feeds = true
taxonomies = [{ name = "tags", feed = true }]

[translations]
read_more = "Read more"

[languages.fr]
title = "Le site"
generate_feeds = true
taxonomies = [{ name = "etiquettes", paginate_by = 1 }]
[languages.fr.translations]
read_more = "Lire la suite"

[languages.ar]
title = "الموقع"
[languages.ar.translations]
read_more = "اقرأ المزيد"

[languages.de]
"#;

/// Templates that print what a multilingual theme uses.
fn templates(root: &Path) {
    write(
        root,
        "templates/page.html",
        "<html lang=\"{{ lang }}\" dir=\"{% if lang == 'ar' %}rtl{% else %}ltr{% endif %}\">\
         [{{ page.title }}|{{ page.lang }}|{{ config.title }}|{{ trans(key='read_more', lang=lang) }}]\
         {% for t in page.translations %}<{{ t.lang }}:{{ t.title }}:{{ t.permalink }}:{{ t.path }}>{% endfor %}\
         {{ page.content | safe }}</html>",
    );
    write(
        root,
        "templates/index.html",
        "home {{ lang }} {{ config.title }}: {% for p in section.pages %}({{ p.title }}){% endfor %}\
         {% for t in section.translations %}<{{ t.lang }}:{{ t.permalink }}>{% endfor %}",
    );
    write(
        root,
        "templates/section.html",
        "section {{ lang }} {{ section.title }}: {% for p in section.pages %}({{ p.title }}){% endfor %}",
    );
    write(
        root,
        "templates/taxonomy_list.html",
        "list {{ lang }} {{ taxonomy.name }} {{ taxonomy.lang }}: {% for t in terms %}({{ t.name }} {{ t.permalink }} {{ t.pages | length }}){% endfor %}",
    );
    write(
        root,
        "templates/taxonomy_single.html",
        "term {{ lang }} {{ term.name }}: {% if paginator %}{% for p in paginator.pages %}({{ p.title }}){% endfor %} next={{ paginator.next }}{% else %}{% for p in term.pages %}({{ p.title }}){% endfor %}{% endif %}",
    );
}

fn content(root: &Path) {
    write(root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    write(
        root,
        "content/_index.fr.md",
        "+++\ntitle = \"Accueil\"\n+++\n",
    );
    write(
        root,
        "content/blog/_index.md",
        "+++\ntitle = \"Blog\"\nsort_by = \"date\"\n+++\n",
    );
    write(
        root,
        "content/blog/_index.fr.md",
        "+++\ntitle = \"Blogue\"\nsort_by = \"date\"\n+++\n",
    );
    write(
        root,
        "content/blog/hello.md",
        "+++\ntitle = \"Hello\"\ndate = 2024-01-02\n[taxonomies]\ntags = [\"greeting\"]\n+++\nHello [fr](@/blog/hello.fr.md).\n",
    );
    write(
        root,
        "content/blog/hello.fr.md",
        "+++\ntitle = \"Bonjour\"\ndate = 2024-01-02\n[taxonomies]\netiquettes = [\"salut\", \"accueil\"]\n+++\nBonjour [en](@/blog/hello.md).\n",
    );
    write(
        root,
        "content/blog/hello.ar.md",
        "+++\ntitle = \"مرحبا\"\ndate = 2024-01-02\n+++\nمرحبا بالعالم\n",
    );
    write(
        root,
        "content/blog/later.fr.md",
        "+++\ntitle = \"Plus tard\"\ndate = 2024-03-01\n[taxonomies]\netiquettes = [\"salut\"]\n+++\nSeulement en français.\n",
    );
    write(
        root,
        "content/blog/trip/index.md",
        "+++\ntitle = \"Trip\"\ndate = 2024-02-01\n+++\nWith a photo.\n",
    );
    write(
        root,
        "content/blog/trip/index.fr.md",
        "+++\ntitle = \"Voyage\"\ndate = 2024-02-01\n+++\nAvec une photo.\n",
    );
    write(root, "content/blog/trip/photo.txt", "not really a photo");
}

fn multilingual_site() -> (tempfile::TempDir, PathBuf) {
    let (tmp, root) = site();
    write(&root, "config.toml", CONFIG);
    templates(&root);
    content(&root);
    (tmp, root)
}

#[test]
fn language_files_are_written_under_their_code_with_their_translations() {
    let (_tmp, root) = multilingual_site();
    ok(&root);
    let en = read(&root, "blog/hello/index.html");
    assert!(
        en.starts_with("<html lang=\"en\" dir=\"ltr\">[Hello|en|Site|Read more]"),
        "{en}"
    );
    // Every language of the page, the default first, then by code, itself included;
    // `path` is the content file (what `get_page` takes).
    assert!(
        en.contains(
            "<en:Hello:https://i.example/blog/hello/:blog/hello.md>\
             <ar:مرحبا:https://i.example/ar/blog/hello/:blog/hello.ar.md>\
             <fr:Bonjour:https://i.example/fr/blog/hello/:blog/hello.fr.md>"
        ),
        "{en}"
    );
    // `@/` links reach the language's file.
    assert!(
        en.contains("href=\"https://i.example/fr/blog/hello/\""),
        "{en}"
    );
    let fr = read(&root, "fr/blog/hello/index.html");
    assert!(
        fr.starts_with("<html lang=\"fr\" dir=\"ltr\">[Bonjour|fr|Le site|Lire la suite]"),
        "{fr}"
    );
    assert!(
        fr.contains("href=\"https://i.example/blog/hello/\""),
        "{fr}"
    );
    // Right to left: the template sees `ar` and the Arabic config and translations.
    let ar = read(&root, "ar/blog/hello/index.html");
    assert!(
        ar.starts_with("<html lang=\"ar\" dir=\"rtl\">[مرحبا|ar|الموقع|اقرأ المزيد]"),
        "{ar}"
    );
    assert!(ar.contains("مرحبا بالعالم"), "{ar}");
    // A bundle in two languages: each written under its own path, with the assets.
    assert!(read(&root, "fr/blog/trip/index.html").contains("Avec une photo."));
    assert_eq!(read(&root, "fr/blog/trip/photo.txt"), "not really a photo");
    assert_eq!(read(&root, "blog/trip/photo.txt"), "not really a photo");
    // A page in one language only lists itself.
    let later = read(&root, "fr/blog/later/index.html");
    assert!(
        later.contains("]<fr:Plus tard:https://i.example/fr/blog/later/:blog/later.fr.md><p>"),
        "{later}"
    );
    assert!(!root.join("public/blog/later").exists());
}

#[test]
fn every_language_has_its_home_and_sections_list_their_own_pages() {
    let (_tmp, root) = multilingual_site();
    ok(&root);
    let home = read(&root, "index.html");
    assert!(home.starts_with("home en Site: "), "{home}");
    assert!(
        home.contains("<en:https://i.example/><ar:https://i.example/ar/><de:https://i.example/de/><fr:https://i.example/fr/>"),
        "{home}"
    );
    assert!(read(&root, "fr/index.html").starts_with("home fr Le site: "));
    // `de` has no content at all: its home page is still written, with nothing listed.
    assert_eq!(
        read(&root, "de/index.html"),
        "home de : <en:https://i.example/><ar:https://i.example/ar/><de:https://i.example/de/><fr:https://i.example/fr/>"
    );
    assert_eq!(
        read(&root, "blog/index.html"),
        "section en Blog: (Trip)(Hello)"
    );
    assert_eq!(
        read(&root, "fr/blog/index.html"),
        "section fr Blogue: (Plus tard)(Voyage)(Bonjour)"
    );
    // `ar` has a page in blog/ but no `_index.ar.md` there: no `ar` blog section is made
    // up (Zola has no fallback between languages), the page is still written.
    assert!(!root.join("public/ar/blog/index.html").exists());
    assert!(root.join("public/ar/blog/hello/index.html").is_file());
}

#[test]
fn taxonomies_feeds_and_sitemap_per_language() {
    let (_tmp, root) = multilingual_site();
    ok(&root);
    assert_eq!(
        read(&root, "tags/index.html"),
        "list en tags en: (greeting https://i.example/tags/greeting/ 1)"
    );
    assert_eq!(
        read(&root, "fr/etiquettes/index.html"),
        "list fr etiquettes fr: (accueil https://i.example/fr/etiquettes/accueil/ 1)(salut https://i.example/fr/etiquettes/salut/ 2)"
    );
    // Paginated in French, one page per pager, newest first.
    assert_eq!(
        read(&root, "fr/etiquettes/salut/index.html"),
        "term fr salut: (Plus tard) next=https://i.example/fr/etiquettes/salut/page/2/"
    );
    assert!(read(&root, "fr/etiquettes/salut/page/2/index.html").contains("(Bonjour)"));
    // No French `tags`, no English `etiquettes`.
    assert!(!root.join("public/fr/tags").exists());
    assert!(!root.join("public/etiquettes").exists());
    // Term feeds where asked (English `tags`), language feeds where `generate_feeds`.
    assert!(root.join("public/tags/greeting/atom.xml").is_file());
    let en_feed = read(&root, "atom.xml");
    let fr_feed = read(&root, "fr/atom.xml");
    assert!(
        en_feed.contains("Hello")
            && !en_feed.contains("Bonjour")
            && en_feed.contains("xml:lang=\"en\""),
        "{en_feed}"
    );
    assert!(
        fr_feed.contains("Bonjour")
            && fr_feed.contains("Plus tard")
            && !fr_feed.contains(">Hello<"),
        "{fr_feed}"
    );
    assert!(
        fr_feed.contains("xml:lang=\"fr\"") && fr_feed.contains("Le site"),
        "{fr_feed}"
    );
    assert!(!root.join("public/ar/atom.xml").exists());
    // One sitemap for every language.
    let sitemap = read(&root, "sitemap.xml");
    for loc in [
        "https://i.example/blog/hello/",
        "https://i.example/fr/blog/hello/",
        "https://i.example/ar/blog/hello/",
        "https://i.example/de/",
        "https://i.example/fr/etiquettes/salut/",
    ] {
        assert!(
            sitemap.contains(&format!("<loc>{loc}</loc>")),
            "{loc}: {sitemap}"
        );
    }
}

#[test]
fn content_functions_take_a_language() {
    let (_tmp, root) = multilingual_site();
    write(
        &root,
        "templates/page.html",
        "{% set p = get_page(path='blog/hello.md', lang='fr') %}{% set s = get_section(path='blog/_index.md', lang='fr') %}\
         {% set t = get_taxonomy(kind='etiquettes', lang='fr') %}{% set term = get_taxonomy_term(kind='etiquettes', term='salut', lang='fr') %}\
         {{ get_url(path='@/blog/hello.md', lang='fr') }}|{{ get_url(path='about/', lang='fr', trailing_slash=true) }}|\
         {{ p.title }}|{{ s.title }}|{{ t.items | length }}|{{ get_taxonomy_url(kind='etiquettes', name='salut', lang='fr') }}|\
         {{ term.page_count }}|{{ trans(key='read_more') }}",
    );
    ok(&root);
    assert_eq!(
        read(&root, "blog/hello/index.html"),
        "https://i.example/fr/blog/hello/|https://i.example/fr/about/|Bonjour|Blogue|2|https://i.example/fr/etiquettes/salut/|2|Read more"
    );
}

#[test]
fn bad_languages_are_errors_naming_the_file_and_the_language() {
    // A content file in a language the config does not have.
    let (_tmp, root) = multilingual_site();
    write(
        &root,
        "content/blog/hello.es.md",
        "+++\ntitle = \"Hola\"\n+++\n",
    );
    fs::create_dir_all(root.join("public")).unwrap();
    fs::write(root.join("public/keep.txt"), "previous").unwrap();
    let out = build(&root, &[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("hello.es.md") && err.contains("language `es`"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(root.join("public/keep.txt")).unwrap(),
        "previous"
    );
    fs::remove_file(root.join("content/blog/hello.es.md")).unwrap();

    // `trans` of a key a language lacks: the page, the key and the language.
    write(
        &root,
        "templates/page.html",
        "{{ trans(key='missing', lang=lang) }}",
    );
    let out = build(&root, &[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("`missing`") && err.contains("hello"), "{err}");

    // An unknown `lang` argument names the site's languages.
    write(
        &root,
        "templates/page.html",
        "{{ get_url(path='/', lang='es') }}",
    );
    let err = stderr(&build(&root, &[]));
    assert!(
        err.contains("`es` is not a language of this site (en, ar, de, fr)"),
        "{err}"
    );

    // A one-language site: `_index.fr.md` is no section file, and Zola skips it; here it
    // is skipped too, with a warning that names it.
    let (_tmp2, mono) = site();
    write(&mono, "config.toml", "base_url = \"https://m.example\"\n");
    write(
        &mono,
        "content/_index.fr.md",
        "+++\ntitle = \"Skipped\"\n+++\n",
    );
    write(&mono, "templates/index.html", "{{ section.title }}|");
    let err = ok(&mono);
    assert!(
        err.contains("_index.fr.md") && err.contains("not read") && err.contains("it has none"),
        "{err}"
    );
    assert_eq!(read(&mono, "index.html"), "|");
    // ... while dots in page names mean nothing there.
    fs::remove_file(mono.join("content/_index.fr.md")).unwrap();
    write(&mono, "content/v1.2.md", "+++\ntitle = \"v\"\n+++\n");
    write(
        &mono,
        "templates/page.html",
        "{{ page.title }}{{ page.translations | length }}",
    );
    ok(&mono);
    assert_eq!(read(&mono, "v1-2/index.html"), "v0");
}

#[test]
fn default_language_options_in_its_own_table_and_old_forms() {
    let (_tmp, root) = site();
    write(
        &root,
        "config.toml",
        "base_url = \"https://o.example\"\ndefault_language = \"fr\"\n\
         [languages.fr]\ntitle = \"Français\"\ngenerate_feeds = true\n[languages.fr.translations]\nk = \"v-fr\"\n\
         [languages.en]\ntitle = \"English\"\n",
    );
    write(
        &root,
        "templates/index.html",
        "{{ lang }} {{ config.title }} {{ trans(key='k') }}",
    );
    write(
        &root,
        "content/a.md",
        "+++\ntitle = \"A\"\ndate = 2024-01-01\n+++\n",
    );
    write(
        &root,
        "content/a.en.md",
        "+++\ntitle = \"A en\"\ndate = 2024-01-01\n+++\n",
    );
    let err = ok(&root);
    assert_eq!(read(&root, "index.html"), "fr Français v-fr");
    assert_eq!(read(&root, "en/index.html"), "en English v-fr");
    // Zola makes the default language's feed from the top-level `generate_feeds` only.
    assert!(!root.join("public/atom.xml").exists());
    assert!(
        err.contains(
            "`generate_feeds` in [languages.fr] does not make the default language's feed"
        ),
        "{err}"
    );
    assert!(root.join("public/en/a/index.html").is_file());
    // Both at the top level and in the default's table: Zola's error.
    write(
        &root,
        "config.toml",
        "base_url = \"https://o.example\"\ntitle = \"T\"\n[languages.en]\ntitle = \"U\"\n",
    );
    let err = stderr(&build(&root, &[]));
    assert!(err.contains("`title`") && err.contains("twice"), "{err}");
    // The pre-0.15 list form builds, with a warning.
    write(&root, "templates/index.html", "{{ lang }}");
    write(
        &root,
        "config.toml",
        "base_url = \"https://o.example\"\ndefault_language = \"fr\"\nlanguages = [{ code = \"en\", feed = true }]\n",
    );
    let warnings = ok(&root);
    assert!(warnings.contains("[languages.CODE]"), "{warnings}");
    assert!(root.join("public/en/atom.xml").is_file());
}

#[test]
fn editing_a_translation_re_renders_the_pages_that_show_it_and_nothing_else() {
    use std::os::unix::fs::MetadataExt;
    let (_tmp, root) = multilingual_site();
    ok(&root);
    let inode = |rel: &str| fs::metadata(root.join("public").join(rel)).unwrap().ino();
    let before: Vec<u64> = [
        "blog/hello/index.html",
        "blog/trip/index.html",
        "fr/blog/trip/index.html",
    ]
    .iter()
    .map(|r| inode(r))
    .collect();
    write(
        &root,
        "content/blog/hello.fr.md",
        "+++\ntitle = \"Salut\"\ndate = 2024-01-02\n[taxonomies]\netiquettes = [\"salut\", \"accueil\"]\n+++\nBonjour [en](@/blog/hello.md).\n",
    );
    let out = build(&root, &["--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The English page lists its French title: rendered again, with the new title.
    assert!(read(&root, "blog/hello/index.html").contains("<fr:Salut:"));
    assert_ne!(inode("blog/hello/index.html"), before[0]);
    // Pages that are not its translations are kept as they were.
    assert_eq!(inode("blog/trip/index.html"), before[1]);
    assert_eq!(inode("fr/blog/trip/index.html"), before[2]);
    let rendered = summary["rendered"].as_u64().unwrap();
    assert!(rendered > 0 && rendered < 15, "{summary}");
    // Deleting the translation takes it out of the other languages' lists.
    // (the English page links to it: a broken link would stop the build).
    write(
        &root,
        "content/blog/hello.md",
        "+++\ntitle = \"Hello\"\ndate = 2024-01-02\n+++\nHello.\n",
    );
    fs::remove_file(root.join("content/blog/hello.fr.md")).unwrap();
    ok(&root);
    assert!(!read(&root, "blog/hello/index.html").contains("<fr:"));
    assert!(!root.join("public/fr/blog/hello").exists());
}

#[test]
fn each_language_that_asks_has_its_own_search_index() {
    let (_tmp, root) = multilingual_site();
    let config = CONFIG
        .replace("generate_feeds = true\ntaxonomies = [{ name = \"tags\", feed = true }]", "generate_feeds = true\nbuild_search_index = true\ntaxonomies = [{ name = \"tags\", feed = true }]")
        .replace("[languages.fr]\n", "[languages.fr]\nbuild_search_index = true\n");
    write(&root, "config.toml", &config);
    ok(&root);
    let en = read(&root, "search_index.en.js");
    let fr = read(&root, "search_index.fr.js");
    assert!(en.starts_with("window.searchIndex = "));
    assert!(
        en.contains("https://i.example/blog/hello/") && !en.contains("https://i.example/fr/"),
        "{en}"
    );
    assert!(
        fr.contains("https://i.example/fr/blog/hello/") && fr.contains("Bonjour"),
        "{fr}"
    );
    assert!(!fr.contains("\"https://i.example/blog/hello/\""), "{fr}");
    assert!(root.join("public/elasticlunr.min.js").is_file());
    // `ar` and `de` did not ask for one.
    assert!(!root.join("public/search_index.ar.js").exists());
    assert!(!root.join("public/search_index.de.js").exists());
}

/// Zola's rule for a file named with the default language's code: `_index.fr.md`, with
/// `fr` the default, is no section file (skipped, with a warning here), and `post.fr.md`
/// is a page of the default language whose name keeps its `.fr` (`post-fr/`).
#[test]
fn the_default_languages_code_in_a_file_name_is_part_of_the_name() {
    let (_tmp, root) = site();
    write(
        &root,
        "config.toml",
        "base_url = \"https://d.example\"\ndefault_language = \"fr\"\n[languages.fr]\n[languages.en]\n",
    );
    write(&root, "templates/index.html", "home");
    write(
        &root,
        "templates/section.html",
        "{{ section.title }}:{% for p in section.pages %}{{ p.path }} {% endfor %}",
    );
    write(&root, "templates/page.html", "{{ page.title }}");
    write(
        &root,
        "content/blog/_index.md",
        "+++\ntitle = \"Blog\"\n+++\n",
    );
    write(
        &root,
        "content/blog/_index.fr.md",
        "+++\ntitle = \"Blogue\"\n+++\n",
    );
    write(
        &root,
        "content/blog/_index.en.md",
        "+++\ntitle = \"Blog EN\"\n+++\n",
    );
    write(
        &root,
        "content/blog/post.fr.md",
        "+++\ntitle = \"Billet\"\n+++\n",
    );
    write(
        &root,
        "content/blog/post.en.md",
        "+++\ntitle = \"Post\"\n+++\n",
    );
    let err = ok(&root);
    assert!(
        err.contains("blog/_index.fr.md") && err.contains("not read") && err.contains("(en)"),
        "{err}"
    );
    assert_eq!(read(&root, "blog/index.html"), "Blog:/blog/post-fr/ ");
    assert_eq!(read(&root, "blog/post-fr/index.html"), "Billet");
    assert_eq!(read(&root, "en/blog/index.html"), "Blog EN:/en/blog/post/ ");
}
