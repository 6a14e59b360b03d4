//! The cases area (办件): recording workflow case events (one or a batch of thousands), and the
//! case analytics (opened, closed, 办结率, on-time and overdue figures per group and period;
//! step timing per chart version; the overdue cases), as known at `asOf.knownAt`.
//!
//! - [`inputs`]: the case event input, the filter, and their parsing into domain values.
//! - [`types`]: the output types.
//! - [`mutation`]: recording case events, through the application layer.
//! - [`query`]: the analytics, read from the cases read model.
//! - [`variants`]: the case variants (sequences of step runs), read from the log.

pub mod inputs;
pub mod mutation;
pub mod query;
pub mod types;
pub mod variants;

pub use mutation::CasesMutation;
pub use query::CasesQuery;
