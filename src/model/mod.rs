//! The model layer: a policy as the engine reads it. The resolver turns a
//! syntax tree into a [`policy::Policy`] (names to indices); scenarios, and
//! the ids a batch echoes, are read against a policy; the answer types
//! (`Status`, `Decision`, `Holder`) every later layer passes around.
//!
//! May import: `base`, `diagnostic`, `syntax`. Does no I/O: text comes in
//! as a `Source`.

pub(crate) mod answers;
pub(crate) mod policy;
pub(crate) mod resolve;
pub(crate) mod scenario;
