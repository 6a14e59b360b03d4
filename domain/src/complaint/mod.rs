//! The 12345 complaint (12345热线工单) aggregate: one stream per ticket number, so that importing
//! the same tickets again stores nothing twice. A ticket is received (time, category, text,
//! region, the department it was assigned to and the task where the dispatcher named one) and
//! may be resolved later (when, and the citizen's satisfaction, 1 to 5). Per department and
//! period, the count, resolution rate and satisfaction flag departments for key supervision
//! (重点监管) in the application.
//!
//! Events: `ComplaintReceived`, `ComplaintResolved`; and, in the key supervision stream of a
//! department ([`KeySupervision`]), `KeySupervisionFlagged`.

mod aggregate;
mod flag;
#[cfg(test)]
mod tests;

pub use aggregate::{
    Complaint, ComplaintCommand, ComplaintError, ComplaintEvent, Resolution, Ticket,
};
pub use flag::{ComplaintStats, FlagCommand, FlagError, FlagEvent, FlagRule, KeySupervision};
