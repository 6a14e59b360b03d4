//! Why a workflow command was refused. Each variant names the rule it breaks.

use chrono::{DateTime, Utc};

use crate::refusal::{ErrorClass, LaterFact, Refusal};
use crate::values::EntityId;

/// A refused workflow command. No event is written when a command returns one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// A chart without steps.
    #[error("a workflow chart has at least one step")]
    NoSteps,
    /// Too many steps or sub-steps.
    #[error("a chart has at most 100 steps, a step at most 50 sub-steps")]
    TooManySteps,
    /// A step needs more sign-off levels than allowed.
    #[error("step {step:?} needs {levels} sign-off levels: 1 to 4 are allowed")]
    SignOffLevels {
        /// The step.
        step: String,
        /// The levels asked for.
        levels: u8,
    },
    /// A step handled by a unit that is not in force in the department.
    #[error("step {step:?}: unit {unit} not found in the department")]
    UnitNotFound {
        /// The step.
        step: String,
        /// The unit.
        unit: EntityId,
    },
    /// A step handled by a post that is not in force.
    #[error("step {step:?}: post {post} not found in the department")]
    PostNotFound {
        /// The step.
        step: String,
        /// The post.
        post: EntityId,
    },
    /// A step handled by a post of another unit than the step's.
    #[error("step {step:?}: post {post} belongs to unit {post_unit}, not to {unit}")]
    PostInAnotherUnit {
        /// The step.
        step: String,
        /// The post.
        post: EntityId,
        /// The post's unit.
        post_unit: EntityId,
        /// The step's unit.
        unit: EntityId,
    },
    /// A high-risk task's chart with a step without a time limit.
    #[error("the task is high-risk: step {0:?} needs a time limit")]
    HighRiskStepWithoutTimeLimit(String),
    /// A draft exists already.
    #[error("a draft exists already: edit, publish or withdraw it")]
    DraftExists,
    /// No draft to edit, publish or withdraw.
    #[error("there is no draft")]
    NoDraft,
    /// The change would make a later recorded event invalid.
    #[error("the change would break {event_type} effective {effective_at}: {cause}")]
    BreaksLaterHistory {
        /// The later event's type.
        event_type: String,
        /// When it takes effect.
        effective_at: DateTime<Utc>,
        /// Why it would no longer be valid.
        cause: Box<WorkflowError>,
    },
}

impl Refusal for WorkflowError {
    fn class(&self) -> ErrorClass {
        use WorkflowError::*;
        match self {
            NoSteps | TooManySteps | SignOffLevels { .. } | HighRiskStepWithoutTimeLimit(_) => {
                ErrorClass::Invalid
            }
            UnitNotFound { .. } | PostNotFound { .. } => ErrorClass::NotFound,
            PostInAnotherUnit { .. } => ErrorClass::Invalid,
            DraftExists | NoDraft | BreaksLaterHistory { .. } => ErrorClass::Conflict,
        }
    }

    fn rule(&self) -> &'static str {
        use WorkflowError::*;
        match self {
            NoSteps => "NO_STEPS",
            TooManySteps => "TOO_MANY_STEPS",
            SignOffLevels { .. } => "SIGN_OFF_LEVELS",
            UnitNotFound { .. } => "UNIT_NOT_FOUND",
            PostNotFound { .. } => "POST_NOT_FOUND",
            PostInAnotherUnit { .. } => "POST_IN_ANOTHER_UNIT",
            HighRiskStepWithoutTimeLimit(_) => "HIGH_RISK_STEP_WITHOUT_TIME_LIMIT",
            DraftExists => "DRAFT_EXISTS",
            NoDraft => "NO_DRAFT",
            BreaksLaterHistory { .. } => "BREAKS_LATER_HISTORY",
        }
    }

    fn breaks(&self) -> Option<LaterFact> {
        match self {
            WorkflowError::BreaksLaterHistory {
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
}
