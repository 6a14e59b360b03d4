//! The finding's state, its rules, and how events change it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::command::{FindingCommand, Subject, MAX_EVIDENCE};
use super::error::FindingError;
use super::event::FindingEvent;
use crate::review::{ReviewDecision, ReviewOutcome, ReviewRequest, ReviewRule, Reviews};
use crate::timeline::{Decide, Timed};
use crate::values::CreditCode;

/// The finding aggregate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    subject: Option<Subject>,
    proposal: bool,
    dismissed: bool,
    reviews: Reviews,
    #[serde(default)]
    max_effective: Option<DateTime<Utc>>,
}

type Decision = Result<Vec<FindingEvent>, FindingError>;

impl Finding {
    /// What it says (after any review change).
    pub fn subject(&self) -> Option<&Subject> {
        self.subject.as_ref()
    }

    /// Whether it is a proposal awaiting confirmation.
    pub fn is_proposal(&self) -> bool {
        self.proposal
    }

    /// Whether it was dismissed.
    pub fn is_dismissed(&self) -> bool {
        self.dismissed
    }

    /// Whether it stands: raised, confirmed, not dismissed.
    pub fn stands(&self) -> bool {
        self.subject.is_some() && !self.proposal && !self.dismissed
    }

    /// Its review requests.
    pub fn reviews(&self) -> &Reviews {
        &self.reviews
    }

    fn raised(&self) -> Result<&Subject, FindingError> {
        self.subject.as_ref().ok_or(FindingError::NotFound)
    }

    /// Decides a command against this state. Pure.
    pub fn decide(&self, command: FindingCommand) -> Decision {
        let event = match command {
            FindingCommand::Raise { subject, proposal } => {
                FindingEvent::FindingRaised { subject, proposal }
            }
            FindingCommand::Confirm => FindingEvent::FindingConfirmed {},
            FindingCommand::Dismiss { reason } => FindingEvent::FindingDismissed { reason },
            FindingCommand::RequestReview {
                request_id,
                reason,
                at,
                window_closes_at,
                decide_by,
            } => {
                self.reviews
                    .check_request(&request_id, at, window_closes_at)?;
                FindingEvent::FindingReviewRequested(ReviewRequest {
                    request_id,
                    reason,
                    requested_at: at,
                    decide_by,
                    decision: None,
                })
            }
            FindingCommand::DecideReview {
                request_id,
                outcome,
                reason,
                at,
                severity,
                description,
            } => {
                let changes = severity.is_some() || description.is_some();
                match (outcome, changes) {
                    (ReviewOutcome::Changed, false) => {
                        return Err(FindingError::InvalidDecision(
                            "a changed finding needs a new severity or description",
                        ))
                    }
                    (ReviewOutcome::Upheld | ReviewOutcome::Dismissed, true) => {
                        return Err(FindingError::InvalidDecision(
                            "only a changed finding takes a new severity or description",
                        ))
                    }
                    _ => {}
                }
                let request = self.reviews.check_decision(&request_id)?;
                FindingEvent::FindingReviewDecided {
                    decision: ReviewDecision {
                        outcome,
                        reason,
                        decided_at: at,
                        overdue: at >= request.decide_by,
                    },
                    request_id,
                    severity,
                    description,
                }
            }
        };
        self.validate_event(&event)?;
        Ok(vec![event])
    }

    fn validate_event(&self, event: &FindingEvent) -> Result<(), FindingError> {
        match event {
            FindingEvent::FindingRaised { subject, .. } => {
                if self.subject.is_some() {
                    return Err(FindingError::Exists);
                }
                if subject.evidence.len() > MAX_EVIDENCE {
                    return Err(FindingError::TooMuchEvidence(MAX_EVIDENCE));
                }
                Ok(())
            }
            FindingEvent::FindingConfirmed {} => {
                self.raised()?;
                if self.dismissed {
                    return Err(FindingError::Dismissed);
                }
                if !self.proposal {
                    return Err(FindingError::NotAProposal);
                }
                Ok(())
            }
            FindingEvent::FindingDismissed { .. } => {
                self.raised()?;
                if self.dismissed {
                    return Err(FindingError::Dismissed);
                }
                Ok(())
            }
            FindingEvent::FindingReviewRequested(r) => {
                self.raised()?;
                if self.dismissed {
                    return Err(FindingError::Dismissed);
                }
                if self.proposal {
                    return Err(ReviewRule::NotReviewable("the finding is a proposal").into());
                }
                if self.reviews.get(&r.request_id).is_some() {
                    return Err(ReviewRule::Exists(r.request_id.clone()).into());
                }
                Ok(())
            }
            FindingEvent::FindingReviewDecided { request_id, .. } => {
                self.raised()?;
                self.reviews.check_decision(request_id)?;
                Ok(())
            }
        }
    }

    fn evolve_event(&mut self, event: FindingEvent) {
        match event {
            FindingEvent::FindingRaised { subject, proposal } => {
                self.subject = Some(*subject);
                self.proposal = proposal;
            }
            FindingEvent::FindingConfirmed {} => self.proposal = false,
            FindingEvent::FindingDismissed { .. } => self.dismissed = true,
            FindingEvent::FindingReviewRequested(r) => self.reviews.requested(r),
            FindingEvent::FindingReviewDecided {
                request_id,
                decision,
                severity,
                description,
            } => {
                if let Some(s) = self.subject.as_mut() {
                    if let Some(x) = severity {
                        s.severity = x;
                    }
                    if let Some(x) = description {
                        s.description = x;
                    }
                }
                self.reviews.decided(&request_id, decision);
            }
        }
    }
}

impl Decide for Finding {
    type Command = FindingCommand;
    type Event = FindingEvent;
    type Error = FindingError;

    fn decide(&self, command: FindingCommand) -> Decision {
        Finding::decide(self, command)
    }

    fn validate(&self, event: &FindingEvent) -> Result<(), FindingError> {
        self.validate_event(event)
    }

    fn evolve(&mut self, event: FindingEvent) {
        self.evolve_event(event);
    }

    fn breaks_later(later: &Timed<FindingEvent>, cause: FindingError) -> FindingError {
        FindingError::BreaksLaterHistory {
            event_type: later.event.type_name().to_owned(),
            effective_at: later.effective_at,
            cause: Box::new(cause),
        }
    }
}

/// A finding concerns its department.
impl crate::concerns::Concerns for Finding {
    fn departments(&self) -> Vec<CreditCode> {
        self.subject
            .iter()
            .map(|s| s.department_id.clone())
            .collect()
    }
}

crate::event_sourced!(Finding, "finding");
