//! Commands of the rectification order aggregate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::values::{CreditCode, EntityId, Name, Text};

/// The most attachments one answer carries.
pub const MAX_ATTACHMENTS: usize = 50;

/// A file attached to an answer, by reference (the file itself is in the operator's store).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attachment {
    /// Its file name.
    pub file_name: Name,
    /// Its SHA-256, 64 lowercase hex digits.
    pub sha256: String,
    /// Its size in bytes (more than 0).
    pub size: u64,
}

impl Attachment {
    /// Whether the hash is 64 lowercase hex digits and the size is more than 0.
    pub fn is_valid(&self) -> bool {
        self.size > 0
            && self.sha256.len() == 64
            && self
                .sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
}

/// What issuing an order needs to know (read by the application: the findings stand and are
/// the department's; the due date counted on the calendar).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    /// When the order is issued.
    pub issued_at: DateTime<Utc>,
    /// The due instant: the first instant after the `due_working_days`-th working day after
    /// `issued_at` (a calendar `Deadline::ends_at`).
    pub due_at: DateTime<Utc>,
}

/// A request to change an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderCommand {
    /// Issue the order.
    Issue {
        /// The department.
        department_id: CreditCode,
        /// The findings it rectifies (at least one).
        findings: Vec<EntityId>,
        /// The round, if any.
        round_id: Option<EntityId>,
        /// What must be done.
        requirement: Text,
        /// Working days to the due date.
        due_working_days: u16,
        /// The issue and due instants.
        facts: OrderFacts,
    },
    /// The department answers.
    Answer {
        /// Measures taken.
        measures: Text,
        /// Attachments by reference.
        attachments: Vec<Attachment>,
    },
    /// The office returns the answer.
    Return {
        /// Why.
        reasons: Text,
    },
    /// The office accepts the answer: the order is closed.
    Accept {
        /// A note.
        note: Option<Text>,
    },
    /// The office extends the due date.
    Extend {
        /// The new due date (later than the current one).
        due_at: DateTime<Utc>,
        /// Why.
        reason: Text,
    },
}
