//! Events of the supervision round aggregate: a stored contract (variant name = `event_type`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::command::{RoundPlan, Stage};
use crate::review::{ReviewDecision, ReviewRequest};
use crate::scheme::{Hundredths, Observation};
use crate::values::{CreditCode, EntityId, Text};

/// A leaf's computed points, or why there are none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeafScore {
    /// The leaf indicator.
    pub indicator_id: String,
    /// Its points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<Hundredths>,
    /// Why there are none (no data; a manual indicator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_score: Option<String>,
}

/// A department's computed score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scored {
    /// The department.
    pub department_id: CreditCode,
    /// When the data was read as known.
    pub known_at: DateTime<Utc>,
    /// Per source name, what was measured, with the evidence.
    pub observations: BTreeMap<String, Observation>,
    /// Every leaf's points.
    pub leaves: Vec<LeafScore>,
}

/// A supervisor's score of a leaf (a manual indicator, or a correction), with its basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    /// The department.
    pub department_id: CreditCode,
    /// The leaf.
    pub indicator_id: String,
    /// The points.
    pub points: Hundredths,
    /// Why.
    pub basis: Text,
}

/// Something that happened to a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoundEvent {
    /// The round was arranged; it is in its first stage.
    RoundPlanned(Box<RoundPlan>),
    /// The round entered a stage.
    RoundStageEntered {
        /// The stage.
        stage: Stage,
    },
    /// A department's points were computed.
    DepartmentScored(Box<Scored>),
    /// A leaf's points were set by a supervisor.
    ScoreAdjusted(Adjustment),
    /// The scores were published: nothing changes them any more but a review decision.
    ScoresPublished {
        /// When the data they were computed from was read as known.
        known_at: DateTime<Utc>,
    },
    /// A department asked for a formal review of its scores.
    ScoreReviewRequested {
        /// The department.
        department_id: CreditCode,
        /// The indicator, if one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        indicator_id: Option<String>,
        /// The request.
        request: ReviewRequest,
    },
    /// The office decided a review request.
    ScoreReviewDecided {
        /// The request.
        request_id: EntityId,
        /// The decision.
        decision: ReviewDecision,
    },
    /// A leaf's published points were changed by a review decision.
    ScoreRevised(Revision),
}

/// A leaf's points changed by a review decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// The department.
    pub department_id: CreditCode,
    /// The leaf.
    pub indicator_id: String,
    /// The new points.
    pub points: Hundredths,
    /// The review request that changed them.
    pub request_id: EntityId,
}

impl RoundEvent {
    /// Every event type name, as stored.
    pub const TYPES: [&'static str; 8] = [
        "RoundPlanned",
        "RoundStageEntered",
        "DepartmentScored",
        "ScoreAdjusted",
        "ScoresPublished",
        "ScoreReviewRequested",
        "ScoreReviewDecided",
        "ScoreRevised",
    ];

    /// The stored event type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::RoundPlanned(_) => "RoundPlanned",
            Self::RoundStageEntered { .. } => "RoundStageEntered",
            Self::DepartmentScored(_) => "DepartmentScored",
            Self::ScoreAdjusted(_) => "ScoreAdjusted",
            Self::ScoresPublished { .. } => "ScoresPublished",
            Self::ScoreReviewRequested { .. } => "ScoreReviewRequested",
            Self::ScoreReviewDecided { .. } => "ScoreReviewDecided",
            Self::ScoreRevised(_) => "ScoreRevised",
        }
    }
}

impl DomainEvent for RoundEvent {
    fn event_type(&self) -> String {
        self.type_name().to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
