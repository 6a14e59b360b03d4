//! The workflow area (工作流程图 and 流程再造): each task's chart in versions (draft, edit, publish,
//! withdraw, supersede), the version in force as of any point, the comparison of two versions,
//! and the re-engineering figures of a period across departments.
//!
//! - [`types`]: versions, steps, figures, comparisons.
//! - [`inputs`]: the chart input and its parsing into the domain's chart.
//! - [`query`]: `workflowChart`, `workflowComparison`, `reengineering`, `workflowHistory`.
//! - [`mutation`]: one mutation per chart command, through the application layer.

pub mod inputs;
pub mod mutation;
pub mod query;
pub mod types;

pub use mutation::WorkflowMutation;
pub use query::WorkflowQuery;
