//! Commands of the finding aggregate, and what a finding is about.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::review::ReviewOutcome;
use crate::values::{CreditCode, EntityId, Text};

/// What kind of problem a finding names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingKind {
    /// 越位: doing what is not the department's.
    Overreach,
    /// 缺位: leaving a duty undone.
    Absence,
    /// 错位: doing another department's duty.
    Misplacement,
    /// A duty or task not decomposed (a task without a post, a duty without tasks).
    DecompositionGap,
    /// Workflow cases over their time limit.
    OverdueWorkflow,
    /// A pattern in 12345 complaints.
    ComplaintPattern,
    /// Anything else.
    Other,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    /// 一般.
    Minor,
    /// 较重.
    Major,
    /// 严重.
    Severe,
}

/// What a piece of evidence points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LinkKind {
    /// An event, by its cursor.
    Event,
    /// A performance record, by its id.
    Record,
    /// A workflow case, by its id.
    Case,
    /// A 12345 complaint, by its ticket number.
    Complaint,
    /// A boundary matter, by its id.
    BoundaryMatter,
    /// A document (a file name, a reference number).
    Document,
}

/// A piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EvidenceLink {
    /// What it points at.
    pub kind: LinkKind,
    /// The cursor, id or ticket number.
    pub reference: String,
    /// A note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}

/// The part of a department a finding is about (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Target {
    /// An internal unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<EntityId>,
    /// A task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<EntityId>,
    /// A post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_id: Option<EntityId>,
    /// A power-list item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_item_id: Option<EntityId>,
    /// A boundary matter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matter_id: Option<EntityId>,
}

/// What a finding says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The department.
    pub department_id: CreditCode,
    /// The round it was raised in, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_id: Option<EntityId>,
    /// What part of the department.
    #[serde(default)]
    pub target: Target,
    /// Its kind.
    pub kind: FindingKind,
    /// How serious.
    pub severity: Severity,
    /// What was found.
    pub description: Text,
    /// The evidence.
    #[serde(default)]
    pub evidence: Vec<EvidenceLink>,
}

/// The most evidence links a finding carries.
pub const MAX_EVIDENCE: usize = 200;

/// A request to change a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingCommand {
    /// Raise a finding (confirmed), or propose one generated from the data (`proposal`).
    Raise {
        /// What it says.
        subject: Box<Subject>,
        /// Whether it is a proposal a supervisor confirms.
        proposal: bool,
    },
    /// Confirm a proposal.
    Confirm,
    /// Dismiss a finding (a proposal not confirmed, or one raised in error), with a reason.
    Dismiss {
        /// Why.
        reason: Text,
    },
    /// The department asks for a formal review.
    RequestReview {
        /// The request's id.
        request_id: EntityId,
        /// Why.
        reason: Text,
        /// When it is asked.
        at: DateTime<Utc>,
        /// When the window closes (N working days after the finding was raised or confirmed).
        window_closes_at: DateTime<Utc>,
        /// When the office must decide by (M working days after `at`).
        decide_by: DateTime<Utc>,
    },
    /// The office decides a review request.
    DecideReview {
        /// The request.
        request_id: EntityId,
        /// The outcome.
        outcome: ReviewOutcome,
        /// Why.
        reason: Text,
        /// When it is decided.
        at: DateTime<Utc>,
        /// For `Changed`: the new severity.
        severity: Option<Severity>,
        /// For `Changed`: the new description.
        description: Option<Text>,
    },
}
