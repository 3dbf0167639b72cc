//! The base layer: what every other layer shares. Byte spans, text made
//! safe for a terminal or for JSON, the closest-name suggestion, and the
//! files embedded in the binary (one table).
//!
//! May import: nothing of the crate.

pub(crate) mod assets;
pub(crate) mod names;
pub(crate) mod span;
pub(crate) mod text;
