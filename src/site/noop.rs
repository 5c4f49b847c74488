//! Nothing changed: the check that comes before the build cache is parsed.
//!
//! Why: a build after no edit (a CI job with a warm state directory, a `make` that always
//! builds, a `serve` start) should cost what it takes to see that nothing changed: a stat
//! of every input and every output. Parsing the JSON build cache into maps of strings cost
//! as much as that. The cache's [`Stamp`] holds its settings and digests of its inputs'
//! stamps and of its outputs: when they match what is on disk now, and every output is
//! intact, the answer is the one the cache would have given, and the cache is not read.
//! Anything else (no stamp, a stamp for another cache, a file changed within the last two
//! seconds, one output touched) falls back to the full check, with nothing lost but the
//! time of the stat.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::files::{all_settled, Listed};
use super::BuildSummary;
use crate::cache::{inputs_digest, BuildCache, Stamp};
use crate::output::{Listing, OutputWriter, WriteReport};

/// The cache file as read, with its stamp when that was written for these bytes.
pub(super) struct StoredCache {
    bytes: Result<Option<Vec<u8>>, String>,
    pub(super) stamp: Option<Stamp>,
}

impl StoredCache {
    pub(super) fn read(path: &Path) -> StoredCache {
        let bytes = BuildCache::read(path);
        let stamp = match &bytes {
            Ok(Some(b)) => Stamp::load_for(path, b),
            _ => None,
        };
        StoredCache { bytes, stamp }
    }

    /// The cache, or why it cannot be used ([`BuildCache::load_or_empty`]).
    pub(super) fn parse(self, path: &Path) -> (Option<BuildCache>, Option<String>) {
        match self.bytes {
            Ok(Some(bytes)) => BuildCache::parse(path, &bytes),
            Ok(None) => (None, None),
            Err(warning) => (None, Some(warning)),
        }
    }
}

/// Whether `listed` (the inputs now, listed with the stamp's `read_files`) are the inputs
/// the stamp's cache recorded, every one settled, and the output is exactly and intactly
/// the stamp's outputs; if so, `writer` keeps them all.
pub(super) fn unchanged(stamp: &Stamp, listed: &[Listed], writer: &OutputWriter) -> bool {
    let now = inputs_digest(listed.iter().map(|l| (l.rel.as_str(), l.size, l.mtime_ns)));
    now == stamp.inputs
        && all_settled(listed)
        && writer
            .keep_all_if_listed(Listing(stamp.outputs))
            .unwrap_or(false)
}

/// The summary of a build that found nothing to do.
pub(super) fn nothing_changed(
    report: WriteReport,
    started: Instant,
    warnings: Vec<String>,
    output_dir: PathBuf,
) -> BuildSummary {
    BuildSummary {
        pages: 0,
        sections: 0,
        rendered: 0,
        sass_compiled: 0,
        full_reason: None,
        report,
        elapsed: started.elapsed(),
        warnings,
        output_dir,
        broken_links: Vec::new(),
        images_encoded: 0,
        search_indexes_built: 0,
    }
}
