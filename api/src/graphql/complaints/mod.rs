//! The 12345 complaints area: tickets recorded in batches (idempotent by ticket number), the
//! figures per department and period (count, resolution rate, satisfaction), and the key
//! supervision (重点监管) flags they raise. Every query takes `asOf`.
//!
//! - [`types`]: the output types.
//! - [`inputs`]: the input objects and their parsing into domain values.
//! - [`query`]: `complaints`, `complaintStats`, `keySupervisionFlags`.
//! - [`mutation`]: `recordComplaints`, `flagKeySupervision`.

pub mod inputs;
pub mod mutation;
pub mod query;
pub mod types;

pub use mutation::ComplaintsMutation;
pub use query::ComplaintsQuery;
