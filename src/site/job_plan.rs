//! What a render job is and what it produces, before anything renders: the types the job
//! runner (`jobs`), the feeds (`feed_jobs`) and the special pages (`special_plans`) share,
//! kept on a floor below all three.

use crate::feeds::{FeedEntry, FeedInfo, FeedKind};
use crate::render::Part;

/// One unit of render work.
pub(super) enum Job {
    Page(usize),
    Section(usize, usize),
    TaxonomyList(usize),
    Term(usize, usize, usize),
    Redirect(String, String),
    NotFound,
    Robots,
    /// A feed: which of its language's `feed_filenames`, of what.
    Feed(usize, FeedScope),
}

#[derive(Clone, Copy)]
pub(super) enum FeedScope {
    /// The feed of every page of a language.
    Site(usize),
    Section(usize),
    Term(usize, usize),
}

/// What a job produces, decided before any rendering (so its render key can be computed).
pub(super) enum Plan<'a> {
    /// A template rendered with `config` and these context values (borrowed from the
    /// template data where they can be: most jobs are only hashed, not rendered).
    Template {
        template: String,
        parts: Vec<(&'static str, Part<'a>)>,
        what: String,
        /// The language of the output (its `lang` and `config`).
        lang: usize,
    },
    /// Bytes made directly (redirect pages).
    Bytes(Vec<u8>),
    Feed(FeedKind, OwnedFeedInfo, Vec<FeedEntry<'a>>),
}

/// Which standard variables a special page gets besides `config`, as Zola gives them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Standard {
    /// `lang` (the 404 page, feeds).
    Lang,
    /// Nothing more (robots.txt).
    ConfigOnly,
}

/// What a written feed says of itself.
#[derive(serde::Serialize)]
pub(super) struct OwnedFeedInfo {
    pub(super) title: String,
    pub(super) description: String,
    pub(super) site_link: String,
    pub(super) feed_url: String,
    pub(super) language: String,
}

impl OwnedFeedInfo {
    pub(super) fn borrowed(&self) -> FeedInfo<'_> {
        FeedInfo {
            title: &self.title,
            description: &self.description,
            site_link: &self.site_link,
            feed_url: &self.feed_url,
            language: &self.language,
        }
    }
}
