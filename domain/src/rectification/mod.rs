//! The rectification order (整改通知) aggregate: one stream per order, issued to a department
//! from one or more findings with a due date counted in working days on the calendar (the
//! application counts it and passes the instant). The department's clerk answers (measures
//! taken, attachments by reference: file name, SHA-256, size; the files live in a store the
//! operator configures); the office accepts the answer or returns it with reasons, as many rounds
//! as it takes; it may extend the due date with a reason. An order awaiting the department's
//! answer (open or returned) after its due date is overdue.
//!
//! Events: `OrderIssued`, `OrderAnswered`, `OrderReturned`, `OrderAccepted`, `OrderExtended`.

mod aggregate;
mod command;
mod error;
mod event;
#[cfg(test)]
mod tests;

pub use aggregate::{OrderStatus, RectificationOrder};
pub use command::{Attachment, OrderCommand, OrderFacts, MAX_ATTACHMENTS};
pub use error::OrderError;
pub use event::OrderEvent;
