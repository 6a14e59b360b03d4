//! Workflow cases (办件): batch ingest of case events ([`CaseIngestor`], ADR 0016), the cases
//! read model (case versions in transaction time, step runs, returns for correction) and the
//! analytics the API answers from it, as known at any `knownAt`.
//!
//! Tables (see `migrations/0013_workflow_cases.sql`): `case_heads` (write side), and the read
//! model's [`Tables::LIVE`].

mod charts;
mod ingest;
mod project;
pub mod query;
pub mod trail;

pub use charts::{ChartCache, ChartKey, ChartSet};
pub use ingest::{CaseBatchOutcome, CaseIngestor, CaseOutcome, CaseStatus, MAX_BATCH};
pub use project::{Cases, Tables, BATCH_SIZE};

/// The projection's name (its checkpoint).
pub const NAME: &str = "cases";
/// The rebuild's shadow projection's name.
pub const SHADOW_NAME: &str = "cases__rebuild";
