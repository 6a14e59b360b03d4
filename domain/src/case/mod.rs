//! Workflow cases (办件): one stream per case (`workflow_case`, id `department/case id`, the
//! client's case id), running through a pinned version of its task's workflow chart.
//!
//! - [`RawCaseEvent`] is a case event as it arrives (GraphQL, CSV, NDJSON), parsed by
//!   [`RawCaseEvent::parse`] into a [`CaseInput`];
//! - [`CaseState::decide`] checks it against the case so far, the pinned chart version, the
//!   structure in force at its time and the working-day calendar, and yields the [`CaseEvent`]
//!   to store (with its figures settled: durations, deadlines, on-time verdicts) or says that
//!   the same event is stored already ([`Decision::Duplicate`]): single and batch writes call
//!   the same function;
//! - [`CaseState::evolve`] folds a stored event.
//!
//! A case's events arrive in time order (an event dated before the case's last one is refused):
//! approval systems report a case's steps as they happen. The same event resubmitted (same
//! kind, step and time, saying the same) is a duplicate, so a file can be imported again
//! safely; a resend that says something else (another post, another outcome) is refused
//! (`RESENT_DIFFERENTLY`).

mod event;
mod input;
mod state;
#[cfg(test)]
mod tests;

pub use event::{ApplicantKind, CaseEvent, Outcome};
pub use input::{CaseAction, CaseInput, CaseRejection, RawCaseEvent};
pub use state::{
    chart_limit, content_of_input, days_over, find_step, CaseContext, CaseState, ChartVersions,
    Decision, Opened, Running, Seen,
};

use crate::values::{CreditCode, EntityId};

/// The aggregate type of case streams (a stored contract).
pub const TYPE: &str = "workflow_case";

/// The stream id of a case: the department's credit code and the client's case id (case ids
/// are unique within a department; ids never contain `/`).
pub fn stream_id(department: &CreditCode, case_id: &EntityId) -> String {
    format!("{}/{}", department.as_str(), case_id.as_str())
}
