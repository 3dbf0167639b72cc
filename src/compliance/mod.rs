//! The compliance layer: mappings from zones to a framework's controls,
//! and what a policy's answers mean control by control: who is
//! responsible, what is provided and what is left to the customer, the
//! OSCAL system security plan as a model, and the CAIQ and CRM grids as
//! rows. Writing any of them as JSON, CSV or XLSX is `render`'s.
//!
//! May import: `base`, `diagnostic`, `syntax`, `model`, `engine`.

pub(crate) mod grids;
pub(crate) mod mapping;
pub(crate) mod oscal;
pub(crate) mod published;
pub(crate) mod responsibility;
