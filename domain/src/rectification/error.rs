//! Why an order command was refused. Each variant names the rule it breaks.

use chrono::{DateTime, Utc};

use crate::refusal::{ErrorClass, LaterFact, Refusal};

/// A refused order command. No event is written when a command returns one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// Issued already.
    #[error("the order has been issued already")]
    Exists,
    /// No such order.
    #[error("the order has not been issued")]
    NotFound,
    /// An order without findings.
    #[error("an order rectifies at least one finding")]
    NoFindings,
    /// A due date not after the issue.
    #[error("the due date must lie after the order is issued")]
    DueNotAfterIssue,
    /// Too many or malformed attachments.
    #[error("attachments: {0}")]
    InvalidAttachment(String),
    /// Answering an order that is not awaiting an answer (answered already, awaiting the office).
    #[error("the order is not awaiting an answer: the office has the last answer")]
    NotAwaitingAnswer,
    /// Returning or accepting an order that has no answer to decide on.
    #[error("the order has no answer to return or accept")]
    NotAnswered,
    /// Accepting an accepted order.
    #[error("the order has been accepted already")]
    AlreadyAccepted,
    /// Changing an accepted order.
    #[error("the order is closed (accepted)")]
    Closed,
    /// An extension not later than the current due date.
    #[error("an extension moves the due date later, past {0}")]
    ExtensionNotLater(DateTime<Utc>),
    /// The change would make a later recorded event invalid.
    #[error("the change would break {event_type} effective {effective_at}: {cause}")]
    BreaksLaterHistory {
        /// The later event's type.
        event_type: String,
        /// When it takes effect.
        effective_at: DateTime<Utc>,
        /// Why it would no longer be valid.
        cause: Box<OrderError>,
    },
}

impl Refusal for OrderError {
    fn class(&self) -> ErrorClass {
        use OrderError::*;
        match self {
            NotFound => ErrorClass::NotFound,
            NoFindings | DueNotAfterIssue | InvalidAttachment(_) | ExtensionNotLater(_) => {
                ErrorClass::Invalid
            }
            Exists
            | NotAwaitingAnswer
            | NotAnswered
            | AlreadyAccepted
            | Closed
            | BreaksLaterHistory { .. } => ErrorClass::Conflict,
        }
    }

    fn rule(&self) -> &'static str {
        use OrderError::*;
        match self {
            Exists => "ORDER_EXISTS",
            NotFound => "ORDER_NOT_FOUND",
            NoFindings => "NO_FINDINGS",
            DueNotAfterIssue => "DUE_NOT_AFTER_ISSUE",
            InvalidAttachment(_) => "INVALID_ATTACHMENT",
            NotAwaitingAnswer => "NOT_AWAITING_ANSWER",
            NotAnswered => "NOT_ANSWERED",
            AlreadyAccepted => "ALREADY_ACCEPTED",
            Closed => "ORDER_CLOSED",
            ExtensionNotLater(_) => "EXTENSION_NOT_LATER",
            BreaksLaterHistory { .. } => "BREAKS_LATER_HISTORY",
        }
    }

    fn breaks(&self) -> Option<LaterFact> {
        match self {
            OrderError::BreaksLaterHistory {
                event_type,
                effective_at,
                cause,
            } => Some(LaterFact {
                event_type: event_type.clone(),
                effective_at: *effective_at,
                rule: cause.rule(),
            }),
            _ => None,
        }
    }

    fn already_done(&self) -> bool {
        matches!(self, OrderError::Exists | OrderError::AlreadyAccepted)
    }
}
