//! How long the long tests run, and the seed of their randomness (and the PRNG it seeds).
//!
//! Why: the incremental==clean property test and the kill torture prove the most when they run
//! long, and `cargo test` is the edit-test loop, run many times a day. So `cargo test` runs a
//! short version with a new seed each run (printed: a failure is replayed with
//! `SITEGEN_TEST_SEED=N`), and `.ci/run` sets `SITEGEN_FULL_TESTS=1` for the full length.
//! Over many short runs the seeds cover what one fixed seed never would.
//!
//! Shared by this crate's `tests/crash.rs` and `tests/kill_generator.rs` and by sitegen's `it`
//! test binary (through `#[path]`).

#![allow(dead_code)] // each test binary uses its own part of this file

use std::hash::{BuildHasher, Hasher};

/// How long a long test runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Length {
    /// `cargo test`: a short run with a fresh seed.
    Short,
    /// `SITEGEN_FULL_TESTS=1` (`.ci/run`): the full length.
    Full,
}

/// The length asked for by the environment.
pub fn length() -> Length {
    match std::env::var("SITEGEN_FULL_TESTS").as_deref() {
        Ok("1") => Length::Full,
        _ => Length::Short,
    }
}

/// `short` or `full`, as the length asks.
pub fn by_length<T>(short: T, full: T) -> T {
    match length() {
        Length::Short => short,
        Length::Full => full,
    }
}

/// The seed named by `SITEGEN_TEST_SEED` (decimal or `0x` hex), if any.
pub fn seed_from_env() -> Option<u64> {
    let text = std::env::var("SITEGEN_TEST_SEED").ok()?;
    let text = text.trim();
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// The seed of `test`'s randomness: `SITEGEN_TEST_SEED` when set, else `fixed` when given,
/// else a fresh random one. Printed, with how to replay it.
pub fn seed(test: &str, fixed: Option<u64>) -> u64 {
    let seed = seed_from_env().or(fixed).unwrap_or_else(|| {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
            | 1
    });
    println!(
        "{test}: seed {seed:#x} ({:?} length; replay with SITEGEN_TEST_SEED={seed:#x})",
        length()
    );
    seed
}

/// A small deterministic PRNG (xorshift64) for the long tests: the same seed gives the same
/// run, so a failure replays.
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// One of `items`, if any.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}
