//! A digest of a set of output files and their content hashes.
//!
//! Why: deciding that a build changes nothing means checking that the previous build's
//! manifest lists exactly the files the new build would write, with the same bytes. A
//! generator that keeps only this digest of its last outputs (rather than the whole list,
//! which at 10,000 pages is megabytes to parse) can still ask the question
//! ([`crate::OutputWriter::keep_all_if_listed`]).

use std::collections::BTreeMap;

use super::manifest::Entry;

/// The xxh3-128 digest of `(path, hash)` pairs taken in path order (byte order of the
/// paths, as a `BTreeMap<String, _>` holds them). Two listings are equal exactly when they
/// name the same paths with the same hashes (up to a 128-bit collision).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Listing(pub u128);

impl Listing {
    /// The listing of `files`, which must come in path order without repeats (as a
    /// `BTreeMap` iterates). Its hashes are the xxh3-128 of each file's bytes, as the
    /// manifest records them.
    pub fn of<'a>(files: impl IntoIterator<Item = (&'a str, u128)>) -> Listing {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        let mut count = 0u64;
        for (path, hash) in files {
            h.update(&(path.len() as u64).to_le_bytes());
            h.update(path.as_bytes());
            h.update(&hash.to_le_bytes());
            count += 1;
        }
        h.update(&count.to_le_bytes());
        Listing(h.digest128())
    }

    pub(super) fn of_entries(files: &BTreeMap<String, Entry>) -> Listing {
        Listing::of(files.iter().map(|(p, e)| (p.as_str(), e.hash.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_only_for_the_same_paths_and_hashes() {
        let base = Listing::of([("a.html", 1), ("b/index.html", 2)]);
        assert_eq!(base, Listing::of([("a.html", 1), ("b/index.html", 2)]));
        assert_ne!(base, Listing::of([("a.html", 1), ("b/index.html", 3)]));
        assert_ne!(base, Listing::of([("a.html", 1)]));
        assert_ne!(base, Listing::of([("a.htmlb/index.html", 1), ("", 2)]));
        assert_ne!(Listing::of([]), Listing::of([("", 0)]));
    }
}
