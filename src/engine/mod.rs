//! The engine layer: evaluation (one scenario, a matrix, a compiled batch
//! form), the exact analysis over every scenario (decision diagrams),
//! partial answers, the checker, diffs and test runs.
//!
//! May import: `base`, `diagnostic`, `syntax`, `model`. No file system and
//! no rendering: it returns data, and streams nothing itself.

pub(crate) mod analysis;
pub(crate) mod check;
pub(crate) mod compile;
pub(crate) mod diff;
pub(crate) mod eval;
pub(crate) mod partial;
pub(crate) mod testing;
