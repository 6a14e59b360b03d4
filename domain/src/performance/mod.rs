//! Performance records (履职数据): one stream per record of work done, against a post, a task and
//! a region, at city, county or township level.
//!
//! - [`RawRecord`] is a record as it arrives (GraphQL, CSV, NDJSON): text fields, parsed once by
//!   [`RawRecord::parse`] into a [`RecordInput`];
//! - [`validate`] checks a [`RecordInput`] against the structure in force on the day the work
//!   was done ([`StructureAt`], supplied by the read side) and yields the [`WorkRecord`] that is
//!   stored; single and batch writes call the same function;
//! - [`PerformanceRecord`] is the stream's aggregate: a record is recorded once (a resubmitted
//!   record id is a duplicate), then corrected or voided only by new events with a reason.
//!
//! Every event carries the full record it leaves in force and the one it replaces, so a read
//! model can add and subtract figures without looking anything up.

mod aggregate;
mod record;
#[cfg(test)]
mod tests;

pub use aggregate::{
    PerformanceCommand, PerformanceError, PerformanceEvent, PerformanceRecord, Rollup,
};
pub use record::{
    local_date, stream_id, validate, DepartmentFacts, Quantity, RawRecord, RecordInput,
    RecordRejection, Source, StructureAt, TaskFacts, WorkRecord, PERIOD_OFFSET_SECONDS,
};
