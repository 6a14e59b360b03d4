//! Events of the rectification order aggregate: a stored contract (variant name = `event_type`).

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::command::Attachment;
use crate::values::{CreditCode, EntityId, Text};

/// Something that happened to an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderEvent {
    /// Issued.
    OrderIssued {
        /// The department.
        department_id: CreditCode,
        /// The findings it rectifies.
        findings: Vec<EntityId>,
        /// The round, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        round_id: Option<EntityId>,
        /// What must be done.
        requirement: Text,
        /// Working days to the due date.
        due_working_days: u16,
        /// When it was issued.
        issued_at: DateTime<Utc>,
        /// The due date.
        due_at: DateTime<Utc>,
    },
    /// The department answered.
    OrderAnswered {
        /// Measures taken.
        measures: Text,
        /// Attachments by reference.
        attachments: Vec<Attachment>,
    },
    /// The office returned the answer.
    OrderReturned {
        /// Why.
        reasons: Text,
    },
    /// The office accepted the answer.
    OrderAccepted {
        /// A note.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Text>,
    },
    /// The due date was extended.
    OrderExtended {
        /// The new due date.
        due_at: DateTime<Utc>,
        /// Why.
        reason: Text,
    },
}

impl OrderEvent {
    /// Every event type name, as stored.
    pub const TYPES: [&'static str; 5] = [
        "OrderIssued",
        "OrderAnswered",
        "OrderReturned",
        "OrderAccepted",
        "OrderExtended",
    ];

    /// The stored event type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::OrderIssued { .. } => "OrderIssued",
            Self::OrderAnswered { .. } => "OrderAnswered",
            Self::OrderReturned { .. } => "OrderReturned",
            Self::OrderAccepted { .. } => "OrderAccepted",
            Self::OrderExtended { .. } => "OrderExtended",
        }
    }
}

impl DomainEvent for OrderEvent {
    fn event_type(&self) -> String {
        self.type_name().to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
