//! The workflow charts read model: every published version of every task's chart, in valid
//! time and transaction time, and the queries the API answers from it: the version in force
//! (as of any point), a version by number, and the re-engineering figures (流程再造) between
//! two valid times.
//!
//! Table (see `migrations/0012_workflow_charts.sql`): [`PUBLICATIONS`].

mod project;
mod query;

pub use project::WorkflowCharts;
pub use query::{
    departments_of_task, figures_in_force, in_force, in_force_all, reengineering, version,
    DepartmentReengineering, Figures, Publication,
};

/// The projection's name (its checkpoint).
pub const NAME: &str = "workflow_charts";
/// Published versions.
pub const PUBLICATIONS: &str = "workflow_publications";
