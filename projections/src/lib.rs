//! dutyledger's storage side: the event log on PostgreSQL, the projector and the read models.
//!
//! - [`db`]: connecting, and the embedded migrations (`migrations/` at the workspace root).
//! - [`event_log`]: appending events (the command executor, with snapshots), the global order
//!   and its opaque [`Cursor`]s.
//! - [`projector`]: the single active projector that applies the global order to the read
//!   models, and [`projector::ProjectionWatch`] for read-your-writes.
//! - [`monitor`]: transactions that hold the global order's horizon back.
//! - [`rebuild`]: rebuilding a read model into shadow tables and swapping it in.
//! - [`boundary_list`]: the boundary list read model (matters, rulings, disputes) and its
//!   queries.
//! - [`cases`]: workflow cases (办件): batch ingest with case heads, the cases read model
//!   (versions in transaction time, step runs, returns) and its analytics.
//! - [`calendar`]: the working-day calendar as of a point in both times, folded from its
//!   stream (no read model of its own: ADR 0013).
//! - [`duty_list`]: the duty-task list read model (departments, units, duties, tasks, posts,
//!   assignments) and its queries, including decomposition coverage.
//! - [`performance`]: performance records: batch ingest, the rollups and the performance views.
//! - [`supervision`]: measuring an indicator scheme's data sources per department as of a point
//!   in both times, and schemes and rounds folded from their streams (no read model: ADR 0014).
//! - [`workflow`]: published workflow chart versions (in valid and transaction time) and their
//!   queries.
//! - [`error`]: this crate's error type.

pub mod boundary_list;
pub mod calendar;
pub mod cases;
pub mod db;
pub mod duty_list;
pub mod error;
pub mod event_log;
pub mod monitor;
pub mod performance;
pub mod projector;
pub mod rebuild;
pub mod supervision;
pub mod workflow;

pub use error::StoreError;
pub use event_log::{Cursor, StoredEvent};
