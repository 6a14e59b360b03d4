//! Events of the finding aggregate: a stored contract (variant name = `event_type`).

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::command::{Severity, Subject};
use crate::review::ReviewRequest;
use crate::values::{EntityId, Text};

/// Something that happened to a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FindingEvent {
    /// Raised (confirmed at once), or proposed from the data.
    FindingRaised {
        /// What it says.
        subject: Box<Subject>,
        /// Whether it is a proposal awaiting confirmation.
        proposal: bool,
    },
    /// A proposal was confirmed.
    FindingConfirmed {},
    /// Dismissed.
    FindingDismissed {
        /// Why.
        reason: Text,
    },
    /// The department asked for a formal review.
    FindingReviewRequested(ReviewRequest),
    /// The office decided a review; `Changed` carries the new severity and description.
    FindingReviewDecided {
        /// The request.
        request_id: EntityId,
        /// The decision.
        decision: crate::review::ReviewDecision,
        /// The severity after a change.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        severity: Option<Severity>,
        /// The description after a change.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<Text>,
    },
}

impl FindingEvent {
    /// Every event type name, as stored.
    pub const TYPES: [&'static str; 5] = [
        "FindingRaised",
        "FindingConfirmed",
        "FindingDismissed",
        "FindingReviewRequested",
        "FindingReviewDecided",
    ];

    /// The stored event type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::FindingRaised { .. } => "FindingRaised",
            Self::FindingConfirmed {} => "FindingConfirmed",
            Self::FindingDismissed { .. } => "FindingDismissed",
            Self::FindingReviewRequested(_) => "FindingReviewRequested",
            Self::FindingReviewDecided { .. } => "FindingReviewDecided",
        }
    }
}

impl DomainEvent for FindingEvent {
    fn event_type(&self) -> String {
        self.type_name().to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
