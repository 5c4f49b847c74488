//! Files a build derives from the site's own files, beyond pages: processed images.
//!
//! Data flows in from `render` (template functions ask for an asset) and out through
//! [`crate::output`]: nothing here writes into the output directory itself.

pub mod images;
