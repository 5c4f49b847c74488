//! sitegen: a static-site generator whose output is never half-written.
//!
//! Data flows one way: [`config`] -> [`content`] -> [`markdown`] and [`render`] (with
//! [`feeds`] and [`sitemap`], and [`assets`]: Sass, search index, minified HTML) -> [`output`] -> [`cache`]; [`site`] runs that flow. Only
//! [`output`] writes into the output directory. [`check`] reads a built output back and
//! reports its broken links. [`publish`] feeds another generator's finished output through
//! the same writer.

pub mod assets;
pub mod cache;
pub mod check;
pub mod cli;
pub mod config;
pub mod content;
pub mod deploy;
pub mod feeds;
pub mod init;
mod lexical;
pub mod markdown;
pub use atomic_output_dir as output;
pub mod publish;
pub mod render;
pub mod safety;
pub mod serve;
pub mod shortcodes;
pub mod site;
pub mod sitemap;
mod xml;
