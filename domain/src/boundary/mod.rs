//! The boundary matter (职责边界事项) aggregate: one stream per matter where duties of
//! departments, of sections of one department, or of levels meet.
//!
//! Invariants, checked before any event is written:
//! - a matter has at least two distinct parties; the parties of a matter between sections all
//!   belong to one department and each names its section (unit); a matter between departments
//!   or between levels involves at least two departments;
//! - a ruling has at least one stage (a matter not split by stage has one); every stage names
//!   exactly one lead and any cooperating parties, each a party of the matter at most once per
//!   stage, each with its duty; stage names are unique; a ruling states its basis and at least
//!   one coordination mechanism;
//! - a matter is ruled once; later rulings are revisions (all kept in the history);
//! - a dispute is raised by a party about the ruling in force, and decided once, possibly with
//!   a revised ruling; a matter with an open dispute cannot be retired;
//! - nothing happens to a retired matter.

mod aggregate;
mod command;
mod error;
mod event;
#[cfg(test)]
mod tests;

pub use aggregate::{BoundaryMatter, DisputeView, Registration};
pub use command::{BoundaryCommand, MatterKind, Mechanism, Party, PartyRole, Role, Ruling, Stage};
pub use error::BoundaryError;
pub use event::BoundaryEvent;
