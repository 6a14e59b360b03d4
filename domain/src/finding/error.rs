//! Why a finding command was refused. Each variant names the rule it breaks.

use chrono::{DateTime, Utc};

use crate::refusal::{ErrorClass, LaterFact, Refusal};
use crate::review::ReviewRule;

/// A refused finding command. No event is written when a command returns one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindingError {
    /// The finding exists already.
    #[error("the finding has been raised already")]
    Exists,
    /// No such finding.
    #[error("the finding has not been raised")]
    NotFound,
    /// Too much evidence.
    #[error("a finding carries at most {0} evidence links")]
    TooMuchEvidence(usize),
    /// Confirming what is not a proposal (or is confirmed).
    #[error("the finding is not a proposal awaiting confirmation")]
    NotAProposal,
    /// The finding was dismissed.
    #[error("the finding was dismissed")]
    Dismissed,
    /// A `Changed` review decision without a change, or a change with another outcome.
    #[error("{0}")]
    InvalidDecision(&'static str),
    /// A review rule.
    #[error(transparent)]
    Review(#[from] ReviewRule),
    /// The change would make a later recorded event invalid.
    #[error("the change would break {event_type} effective {effective_at}: {cause}")]
    BreaksLaterHistory {
        /// The later event's type.
        event_type: String,
        /// When it takes effect.
        effective_at: DateTime<Utc>,
        /// Why it would no longer be valid.
        cause: Box<FindingError>,
    },
}

impl Refusal for FindingError {
    fn class(&self) -> ErrorClass {
        use FindingError::*;
        match self {
            NotFound => ErrorClass::NotFound,
            TooMuchEvidence(_) | InvalidDecision(_) => ErrorClass::Invalid,
            Review(r) => r.class(),
            Exists | NotAProposal | Dismissed | BreaksLaterHistory { .. } => ErrorClass::Conflict,
        }
    }

    fn rule(&self) -> &'static str {
        use FindingError::*;
        match self {
            Exists => "FINDING_EXISTS",
            NotFound => "FINDING_NOT_FOUND",
            TooMuchEvidence(_) => "TOO_MUCH_EVIDENCE",
            NotAProposal => "NOT_A_PROPOSAL",
            Dismissed => "FINDING_DISMISSED",
            InvalidDecision(_) => "INVALID_DECISION",
            Review(r) => r.rule(),
            BreaksLaterHistory { .. } => "BREAKS_LATER_HISTORY",
        }
    }

    fn breaks(&self) -> Option<LaterFact> {
        match self {
            FindingError::BreaksLaterHistory {
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
        match self {
            FindingError::Exists => true,
            FindingError::Review(r) => r.already_done(),
            _ => false,
        }
    }
}
