//! Outputs made from something other than templates: stylesheets compiled from `sass/`
//! ([`sass`]), the search index ([`search`]), the HTML minifier every rendered page
//! passes through when `minify_html` is on ([`minify`]), and processed images
//! ([`images`], asked for by template functions).
//!
//! Each part only turns inputs into bytes; writing them is the site build's business (through
//! the output writer, like every other output), so that a failure here leaves the previous
//! output intact. None of them costs anything when its config key is off: the build does not
//! call them.

pub mod images;
pub mod minify;
pub mod sass;
pub mod search;

use std::path::PathBuf;

/// Why an asset could not be made. Each variant names the file it is about.
#[derive(Debug, thiserror::Error)]
pub enum AssetError {
    /// A Sass file failed to compile: where (the file the error is in, which may be a
    /// partial the sheet imports) and grass's message.
    #[error("{}:{line}:{column}: Sass error: {message}", file.display())]
    Sass {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A Sass sheet could not be read (not found, not UTF-8, ...).
    #[error("{}: cannot compile Sass: {message}", file.display())]
    SassRead { file: PathBuf, message: String },
    /// Two sheets would write the same CSS file (`a.scss` and `a.sass`).
    #[error("{} and {} both compile to {output}", first.display(), second.display())]
    SassConflict {
        first: PathBuf,
        second: PathBuf,
        output: String,
    },
    /// The `sass/` directory could not be listed.
    #[error("{}: cannot list Sass files ({message})", dir.display())]
    SassWalk { dir: PathBuf, message: String },
    /// `[search]` in the config has a wrong key or value.
    #[error("{}: [search]: {message}", config.display())]
    SearchConfig { config: PathBuf, message: String },
    /// Writing a CSS or index file failed.
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    /// The index cannot be made for this language (no elasticlunr stemmer for it).
    #[error("{}: cannot build a search index for language `{lang}`: {message}", config.display())]
    SearchLanguage {
        config: PathBuf,
        lang: String,
        message: String,
    },
}

#[cfg(test)]
mod tests;
