//! The workflow chart (工作流程图) aggregate: one stream per work task (`department/task`), holding
//! every version of the task's standard workflow.
//!
//! A version is drafted, edited, then published; publishing supersedes the version in force, and
//! every case pins the version it ran through. Invariants, checked before any event is written:
//! - a chart has at least one step (at most 100), a step at most 50 sub-steps; every step and
//!   sub-step is handled by a unit of the department in force at the command's time, and its post
//!   (if named) is a post of that unit;
//! - a step needs 1 to 4 sign-off levels (签批层级; more is refused);
//! - a chart of a high-risk task (any risk flag) has a time limit on every step and sub-step;
//! - one draft at a time; editing, publishing or withdrawing needs a draft;
//! - publishing content identical to the version in force creates no new version.
//!
//! Events: `WorkflowDrafted`, `WorkflowDraftEdited`, `WorkflowDraftWithdrawn`,
//! `WorkflowPublished` (version number, the chart, the version it supersedes). The facts about
//! the task's department that the rules need ([`TaskFacts`]) come with each command, read by the
//! application layer from the structure in force at the command's time.

mod aggregate;
mod command;
mod error;
mod event;
#[cfg(test)]
mod tests;

pub use aggregate::{ChartStats, PublishedVersion, WorkflowChart};
pub use command::{Chart, Material, Step, TaskFacts, WorkflowCommand, MAX_SIGN_OFF_LEVELS};
pub use error::WorkflowError;
pub use event::WorkflowEvent;

use crate::values::{CreditCode, EntityId};

/// The stream of a task's chart: `department/task`.
pub fn stream_id(department: &CreditCode, task: &EntityId) -> String {
    format!("{department}/{task}")
}
