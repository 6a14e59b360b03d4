//! The finding (监管发现) aggregate: one stream per finding, raised in a supervision round (or
//! outside one) against a department: overreach (越位), a duty left undone (缺位), another's duty
//! done (错位), a decomposition gap, an overdue workflow, a complaint pattern, or other; with a
//! severity, a description and evidence (links to events by cursor, to records, cases,
//! complaints). Findings generated from the data are proposals a supervisor confirms or
//! dismisses. A department may ask for a formal review (复核) of a confirmed finding within the
//! window; the office decides once: upheld, changed (a new description or severity: a new event,
//! the old one stays in history) or dismissed.
//!
//! Events: `FindingRaised`, `FindingConfirmed`, `FindingDismissed`, `FindingReviewRequested`,
//! `FindingReviewDecided`.

mod aggregate;
mod command;
mod error;
mod event;
#[cfg(test)]
mod tests;

pub use aggregate::Finding;
pub use command::{
    EvidenceLink, FindingCommand, FindingKind, LinkKind, Severity, Subject, Target, MAX_EVIDENCE,
};
pub use error::FindingError;
pub use event::FindingEvent;
