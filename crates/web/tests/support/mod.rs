//! What several test files of the web crate share.

/// Percent-encodes a form value or a path segment, as the site does.
pub use midad_core::percent::encode;
