//! Formal review (复核): what a review request of a finding or of a published score has in
//! common, whatever it is about. A department asks within a window (N working days after the
//! finding was raised or the scores published); the office decides once, and a decision after
//! its time limit (M working days after the request) is flagged overdue. The windows are
//! counted on the working-day calendar by the application, which passes the instants here; every
//! such instant is exclusive (the first instant after the last day: `Deadline::ends_at`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::values::{EntityId, Text};

/// How a review was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewOutcome {
    /// The finding or score stands.
    Upheld,
    /// It changes (a new event; the old one stays in history).
    Changed,
    /// The request is dismissed (out of scope, unfounded).
    Dismissed,
}

/// A review request and its decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRequest {
    /// Its id.
    pub request_id: EntityId,
    /// Why the department asks.
    pub reason: Text,
    /// When it was asked.
    pub requested_at: DateTime<Utc>,
    /// When the office must decide by (exclusive: the first instant after the last day).
    pub decide_by: DateTime<Utc>,
    /// The decision, once made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<ReviewDecision>,
}

/// A review decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDecision {
    /// The outcome.
    pub outcome: ReviewOutcome,
    /// Why.
    pub reason: Text,
    /// When it was decided.
    pub decided_at: DateTime<Utc>,
    /// Whether it was decided after `decide_by`.
    pub overdue: bool,
}

/// Why a review step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewRule {
    /// Asked after the window closed.
    #[error("the review window closed at {closes_at}; asked at {asked_at}")]
    WindowClosed {
        /// When it closed.
        closes_at: DateTime<Utc>,
        /// When it was asked.
        asked_at: DateTime<Utc>,
    },
    /// Nothing to review yet (a score not published, a finding not confirmed).
    #[error("there is nothing to review yet: {0}")]
    NotReviewable(&'static str),
    /// A request id used already.
    #[error("review request {0} exists already")]
    Exists(EntityId),
    /// No such request.
    #[error("there is no review request {0}")]
    Unknown(EntityId),
    /// Decided already: the decision is final.
    #[error("review request {0} is decided already: the decision is final")]
    Decided(EntityId),
}

impl ReviewRule {
    /// The rule's code.
    pub fn rule(&self) -> &'static str {
        match self {
            ReviewRule::WindowClosed { .. } => "REVIEW_WINDOW_CLOSED",
            ReviewRule::NotReviewable(_) => "NOT_REVIEWABLE",
            ReviewRule::Exists(_) => "REVIEW_EXISTS",
            ReviewRule::Unknown(_) => "REVIEW_NOT_FOUND",
            ReviewRule::Decided(_) => "REVIEW_DECIDED",
        }
    }

    /// Its broad class.
    pub fn class(&self) -> crate::refusal::ErrorClass {
        use crate::refusal::ErrorClass;
        match self {
            ReviewRule::Unknown(_) => ErrorClass::NotFound,
            _ => ErrorClass::Conflict,
        }
    }

    /// Whether it only says the request exists already.
    pub fn already_done(&self) -> bool {
        matches!(self, ReviewRule::Exists(_))
    }
}

/// The review requests of one finding or round.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviews {
    requests: BTreeMap<EntityId, ReviewRequest>,
}

impl Reviews {
    /// Every request, by id.
    pub fn all(&self) -> impl Iterator<Item = &ReviewRequest> {
        self.requests.values()
    }

    /// One request.
    pub fn get(&self, id: &EntityId) -> Option<&ReviewRequest> {
        self.requests.get(id)
    }

    /// Whether a request may be made: a new id, asked before the window's close (exclusive: the
    /// first instant after the window's last day, a calendar `Deadline::ends_at`).
    pub fn check_request(
        &self,
        id: &EntityId,
        asked_at: DateTime<Utc>,
        closes_at: DateTime<Utc>,
    ) -> Result<(), ReviewRule> {
        if self.requests.contains_key(id) {
            return Err(ReviewRule::Exists(id.clone()));
        }
        if asked_at >= closes_at {
            return Err(ReviewRule::WindowClosed {
                closes_at,
                asked_at,
            });
        }
        Ok(())
    }

    /// The request a decision is about, if it may be decided.
    pub fn check_decision(&self, id: &EntityId) -> Result<&ReviewRequest, ReviewRule> {
        let r = self
            .requests
            .get(id)
            .ok_or_else(|| ReviewRule::Unknown(id.clone()))?;
        if r.decision.is_some() {
            return Err(ReviewRule::Decided(id.clone()));
        }
        Ok(r)
    }

    /// Records a request.
    pub fn requested(&mut self, request: ReviewRequest) {
        self.requests.insert(request.request_id.clone(), request);
    }

    /// Records a decision.
    pub fn decided(&mut self, id: &EntityId, decision: ReviewDecision) {
        if let Some(r) = self.requests.get_mut(id) {
            r.decision = Some(decision);
        }
    }
}
