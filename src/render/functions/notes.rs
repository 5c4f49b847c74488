//! Warnings the template functions leave for the build to print, each once.
//!
//! Why a collector: a function runs once per output that calls it, on many threads; a site
//! that relies on an older Zola's reading of a call should learn it once, naming the template.

use std::collections::BTreeSet;
use std::sync::Mutex;

/// The warnings noted while rendering, deduplicated.
#[derive(Debug, Default)]
pub struct FunctionNotes(Mutex<BTreeSet<String>>);

impl FunctionNotes {
    /// Notes `warning` (once, however often it is noted).
    pub fn note(&self, warning: String) {
        let mut notes = self.0.lock().unwrap_or_else(|p| p.into_inner());
        notes.insert(warning);
    }

    /// The warnings noted since the last call, sorted.
    pub fn take(&self) -> Vec<String> {
        let mut notes = self.0.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *notes).into_iter().collect()
    }
}
