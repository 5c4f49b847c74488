//! `sitegen init DIR`: a new site that looks finished: the default theme (templates and
//! stylesheet, built into the binary so that no network or checkout is needed), navigation,
//! a blog with dated, tagged posts, a code block that shows highlighting, a 404 page and
//! feeds. `--bare` gives the minimal site (no theme: the built-in templates).

mod ask;

use std::path::{Path, PathBuf};

pub use ask::{ask, check_url, Answered};

use crate::output::{atomic_write, OutputError};

/// Why `init` refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{}: already exists and is not empty; choose a new directory", path.display())]
    NotEmpty { path: PathBuf },
    #[error("{}: cannot create ({source})", path.display())]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] OutputError),
    #[error("{}: {message}", path.display())]
    BadUrl { path: PathBuf, message: String },
}

/// What kind of site `init` makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Starter {
    /// The default theme, a blog and an about page.
    Themed,
    /// Config, a home page and one post; the built-in templates.
    Bare,
}

/// The answers `init` takes: from flags, or asked as `zola init` asks them (see [`ask`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitOptions {
    pub starter: Starter,
    /// The site's URL (`https://example.com` when not given).
    pub base_url: String,
    /// `compile_sass = true` and an empty `sass/` folder.
    pub sass: bool,
    /// Code blocks coloured (`[markdown.highlighting]`).
    pub highlighting: bool,
    /// `build_search_index = true`.
    pub search: bool,
}

impl Default for InitOptions {
    fn default() -> Self {
        InitOptions {
            starter: Starter::Themed,
            base_url: "https://example.com".into(),
            sass: false,
            highlighting: true,
            search: false,
        }
    }
}

/// The default theme, as `themes/default/` holds it.
const THEME: &[(&str, &str)] = &[
    (
        "theme.toml",
        include_str!("../../themes/default/theme.toml"),
    ),
    (
        "static/style.css",
        include_str!("../../themes/default/static/style.css"),
    ),
    (
        "templates/404.html",
        include_str!("../../themes/default/templates/404.html"),
    ),
    (
        "templates/base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "templates/index.html",
        include_str!("../../themes/default/templates/index.html"),
    ),
    (
        "templates/macros.html",
        include_str!("../../themes/default/templates/macros.html"),
    ),
    (
        "templates/page.html",
        include_str!("../../themes/default/templates/page.html"),
    ),
    (
        "templates/section.html",
        include_str!("../../themes/default/templates/section.html"),
    ),
    (
        "templates/taxonomy_list.html",
        include_str!("../../themes/default/templates/taxonomy_list.html"),
    ),
    (
        "templates/taxonomy_single.html",
        include_str!("../../themes/default/templates/taxonomy_single.html"),
    ),
];

const FIRST_POST: &str = "+++\ntitle = \"First post\"\ndate = 2024-01-01\n[taxonomies]\ntags = [\"hello\"]\n+++\nThis is the first post.\n\n<!-- more -->\n\nWrite Markdown here. Code blocks are highlighted:\n\n```rust\nfn main() {\n    println!(\"Hello, world!\");\n}\n```\n";

const SECOND_POST: &str = "+++\ntitle = \"Second post\"\ndate = 2024-02-01\n[taxonomies]\ntags = [\"hello\", \"notes\"]\n+++\nPosts are listed newest first, with their dates and tags.\n";

const ABOUT: &str = "+++\ntitle = \"About\"\n+++\nA page of its own, linked from the navigation. Edit `content/about.md`.\n";

/// A plain mark for the browser tab (any icon will do; replace `static/favicon.svg`).
const FAVICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#2b303b\"/><path d=\"M4 11h8M4 8h8M4 5h5\" stroke=\"#c0c5ce\" stroke-width=\"1.5\"/></svg>\n";

const GITIGNORE: &str = "/public/\n/.sitegen/\n/.public.sitegen-standby/\n";

fn config(options: &InitOptions) -> String {
    let url = &options.base_url;
    let mut common = String::new();
    if options.sass {
        common += "compile_sass = true\n";
    }
    if options.search {
        common += "build_search_index = true\n";
    }
    common += "generate_feeds = true\ntaxonomies = [{ name = \"tags\", feed = true }]\n\n[markdown]\nsmart_punctuation = true\n";
    if options.highlighting {
        common += "\n[markdown.highlighting]\ntheme = \"base16-ocean-dark\"\n";
    }
    match options.starter {
        Starter::Bare => format!("base_url = \"{url}\"\ntitle = \"My site\"\n{common}\n[extra]\n"),
        Starter::Themed => format!(
            "base_url = \"{url}\"\ntitle = \"My site\"\ndescription = \"A new site made with sitegen\"\ntheme = \"default\"\n{common}\n[extra]\nfooter = \"Made with sitegen.\"\nfavicon = \"favicon.svg\"\nmenu = [\n  {{ name = \"Blog\", url = \"@/blog/_index.md\" }},\n  {{ name = \"Tags\", url = \"tags/\" }},\n  {{ name = \"About\", url = \"@/about.md\" }},\n]\n"
        ),
    }
}

/// The files of a new site, relative to its directory.
fn files(options: &InitOptions) -> Vec<(String, String)> {
    let mut files = vec![
        ("config.toml".to_string(), config(options)),
        (
            "content/_index.md".into(),
            "+++\ntitle = \"My site\"\n+++\nWelcome! Edit `content/_index.md` to change this page.\n".into(),
        ),
        (
            "content/blog/_index.md".into(),
            "+++\ntitle = \"Blog\"\nsort_by = \"date\"\npaginate_by = 10\n+++\n".into(),
        ),
        ("content/blog/first-post.md".into(), FIRST_POST.into()),
        ("static/.gitkeep".into(), String::new()),
        ("templates/.gitkeep".into(), String::new()),
        (".gitignore".into(), GITIGNORE.into()),
    ];
    if options.sass {
        files.push(("sass/.gitkeep".into(), String::new()));
    }
    if options.starter == Starter::Themed {
        files.push(("content/blog/second-post.md".into(), SECOND_POST.into()));
        files.push(("content/about.md".into(), ABOUT.into()));
        files.push(("static/favicon.svg".into(), FAVICON.into()));
        for (rel, text) in THEME {
            files.push((format!("themes/default/{rel}"), text.to_string()));
        }
    }
    files
}

/// Creates a new site in `dir` (which must be missing or empty).
pub fn init(dir: &Path, options: &InitOptions) -> Result<Vec<PathBuf>, InitError> {
    if dir
        .read_dir()
        .is_ok_and(|mut entries| entries.next().is_some())
    {
        return Err(InitError::NotEmpty { path: dir.into() });
    }
    check_url(&options.base_url).map_err(|message| InitError::BadUrl {
        path: dir.into(),
        message,
    })?;
    let mut made = Vec::new();
    for (rel, text) in files(options) {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| InitError::Create {
                path: parent.into(),
                source,
            })?;
        }
        atomic_write(&path, text.as_bytes())?;
        made.push(path);
    }
    Ok(made)
}
