//! The performance area (履职数据): recording work done (one record or a batch of thousands),
//! correcting and voiding records, and the performance views (figures by department, unit,
//! post, task, region, level and sector, per day, month, quarter or year; rankings; time
//! series), as a report made at `asOf.knownAt` saw them.
//!
//! - [`inputs`]: the record inputs and their parsing into domain values.
//! - [`types`]: the output types, and the enums and filter of the views.
//! - [`mutation`]: recording, correcting and voiding, through the application layer.
//! - [`query`]: the performance views, read from the rollups.

pub mod inputs;
pub mod mutation;
pub mod query;
pub mod types;

pub use mutation::PerformanceMutation;
pub use query::PerformanceQuery;
