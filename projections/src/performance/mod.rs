//! Performance records (履职数据): batch ingest into the event log, the rollups the projector
//! keeps, and the performance views read from them.
//!
//! - [`ingest`]: checks records against the structure in force on their day (the duty list
//!   read model, [`structure`]) with the domain's rules, and appends a whole batch in one
//!   transaction, one stream per record, a resubmitted record id stored once;
//! - [`Rollups`]: the projection that sums records per dimension (department, unit, post, task,
//!   region), per day and month (Beijing time) and per recording day;
//! - [`query`]: `performance` (filter, group by, period, as known at), rankings, time series.
//!
//! Table: [`ROLLUPS`] (see `migrations/0007_performance.sql`).

pub(crate) mod ingest;
pub(crate) mod project;
pub mod query;
mod structure;

pub use ingest::{
    correct, void, AmendError, BatchOutcome, Ingestor, RecordOutcome, RecordStatus, MAX_BATCH,
    ORIGINALS_QUERY,
};
pub use project::{Rollups, RollupsShadow, BATCH_SIZE};
pub use structure::{StructureCache, StructureSnapshot};

/// The projection's name (its checkpoint).
pub const NAME: &str = "performance";
/// The rollup table.
pub const ROLLUPS: &str = "performance_rollups";
/// The checkpoint name of a rebuild into the shadow table.
pub const SHADOW_NAME: &str = "performance__rebuild";
/// The shadow table a rebuild writes.
pub const SHADOW_ROLLUPS: &str = "performance_rollups__rebuild";
