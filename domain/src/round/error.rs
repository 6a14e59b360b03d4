//! Why a round command was refused. Each variant names the rule it breaks.

use chrono::{DateTime, Utc};

use super::command::Stage;
use crate::refusal::{ErrorClass, LaterFact, Refusal};
use crate::scheme::Hundredths;
use crate::values::{CreditCode, ValueError};

/// A refused round command. No event is written when a command returns one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoundError {
    /// A malformed value.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// The round has not been arranged.
    #[error("the round has not been planned")]
    NotPlanned,
    /// The round exists already.
    #[error("the round has been planned already")]
    AlreadyPlanned,
    /// A round over no department.
    #[error("a round has at least one department in scope")]
    EmptyScope,
    /// A department listed twice.
    #[error("department {0} is in the scope twice")]
    DuplicateDepartment(CreditCode),
    /// The scheme has classes and a department has none.
    #[error("the scheme weighs departments by class: department {0} needs one of its classes")]
    ClassRequired(CreditCode),
    /// A class the scheme does not have (or a class where it has none).
    #[error("department {department}: class {class:?} is not one of the scheme's classes")]
    UnknownClass {
        /// The department.
        department: CreditCode,
        /// The class given.
        class: String,
    },
    /// A period that ends before it starts.
    #[error("the period ends before it starts")]
    PeriodInverted,
    /// A stage list out of order, with a stage twice, or without online analysis or overall
    /// evaluation.
    #[error("invalid stages: {0}")]
    InvalidStages(String),
    /// A stage the round does not have.
    #[error("the round has no stage {}", .0.as_str())]
    StageNotInRound(Stage),
    /// A stage entered before the one that comes first.
    #[error("stage {} comes next, not {}", expected.as_str(), got.as_str())]
    StageSkipped {
        /// The next stage.
        expected: Stage,
        /// The stage asked for.
        got: Stage,
    },
    /// A stage the round has left.
    #[error("the round is in stage {}, past {}", current.as_str(), got.as_str())]
    StagePassed {
        /// The current stage.
        current: Stage,
        /// The stage asked for.
        got: Stage,
    },
    /// The round is in that stage already.
    #[error("the round is in stage {} already", .0.as_str())]
    AlreadyInStage(Stage),
    /// The round is in its last stage.
    #[error("the round is in its last stage")]
    NoNextStage,
    /// Leaving online analysis, or adjusting, before scoring.
    #[error("the round has not been scored")]
    NotScored,
    /// The current stage does not allow this.
    #[error("stage {} does not allow {action}", stage.as_str())]
    StageDoesNotAllow {
        /// The current stage.
        stage: Stage,
        /// What was asked.
        action: &'static str,
    },
    /// The scores are published.
    #[error("the round's scores are published: nothing changes them")]
    ScoresPublished,
    /// A department outside the round.
    #[error("department {0} is not in the round's scope")]
    DepartmentNotInRound(CreditCode),
    /// An indicator the scheme does not have.
    #[error("the scheme has no indicator {0:?}")]
    UnknownIndicator(String),
    /// An indicator with children (points are set on leaves).
    #[error("indicator {0:?} has children: set the points of its leaves")]
    NotALeaf(String),
    /// A measurement of a source the system does not know.
    #[error("unknown data source {0:?}")]
    UnknownDataSource(String),
    /// Points outside the leaf's range.
    #[error("indicator {indicator:?}: {points} is outside {min} to {max}")]
    PointsOutOfRange {
        /// The leaf.
        indicator: String,
        /// The points given.
        points: Hundredths,
        /// The least allowed.
        min: Hundredths,
        /// The most allowed.
        max: Hundredths,
    },
    /// A review rule.
    #[error(transparent)]
    Review(#[from] crate::review::ReviewRule),
    /// A `Changed` decision without revisions, or revisions with another outcome.
    #[error("{0}")]
    InvalidDecision(&'static str),
    /// The change would make a later recorded event invalid.
    #[error("the change would break {event_type} effective {effective_at}: {cause}")]
    BreaksLaterHistory {
        /// The later event's type.
        event_type: String,
        /// When it takes effect.
        effective_at: DateTime<Utc>,
        /// Why it would no longer be valid.
        cause: Box<RoundError>,
    },
}

impl Refusal for RoundError {
    fn class(&self) -> ErrorClass {
        use RoundError::*;
        match self {
            NotPlanned | UnknownIndicator(_) => ErrorClass::NotFound,
            Review(r) => r.class(),
            InvalidDecision(_) => ErrorClass::Invalid,
            Value(_)
            | EmptyScope
            | DuplicateDepartment(_)
            | ClassRequired(_)
            | UnknownClass { .. }
            | PeriodInverted
            | InvalidStages(_)
            | StageNotInRound(_)
            | DepartmentNotInRound(_)
            | NotALeaf(_)
            | UnknownDataSource(_)
            | PointsOutOfRange { .. } => ErrorClass::Invalid,
            AlreadyPlanned
            | StageSkipped { .. }
            | StagePassed { .. }
            | AlreadyInStage(_)
            | NoNextStage
            | NotScored
            | StageDoesNotAllow { .. }
            | ScoresPublished
            | BreaksLaterHistory { .. } => ErrorClass::Conflict,
        }
    }

    fn rule(&self) -> &'static str {
        use RoundError::*;
        match self {
            Value(v) => v.rule(),
            NotPlanned => "ROUND_NOT_FOUND",
            AlreadyPlanned => "ROUND_EXISTS",
            EmptyScope => "EMPTY_SCOPE",
            DuplicateDepartment(_) => "DUPLICATE_DEPARTMENT",
            ClassRequired(_) => "CLASS_REQUIRED",
            UnknownClass { .. } => "UNKNOWN_CLASS",
            PeriodInverted => "PERIOD_INVERTED",
            InvalidStages(_) => "INVALID_STAGES",
            StageNotInRound(_) => "STAGE_NOT_IN_ROUND",
            StageSkipped { .. } => "STAGE_SKIPPED",
            StagePassed { .. } => "STAGE_PASSED",
            AlreadyInStage(_) => "ALREADY_IN_STAGE",
            NoNextStage => "NO_NEXT_STAGE",
            NotScored => "NOT_SCORED",
            StageDoesNotAllow { .. } => "STAGE_DOES_NOT_ALLOW",
            ScoresPublished => "SCORES_PUBLISHED",
            DepartmentNotInRound(_) => "DEPARTMENT_NOT_IN_ROUND",
            UnknownIndicator(_) => "UNKNOWN_INDICATOR",
            NotALeaf(_) => "NOT_A_LEAF",
            UnknownDataSource(_) => "UNKNOWN_DATA_SOURCE",
            PointsOutOfRange { .. } => "POINTS_OUT_OF_RANGE",
            Review(r) => r.rule(),
            InvalidDecision(_) => "INVALID_DECISION",
            BreaksLaterHistory { .. } => "BREAKS_LATER_HISTORY",
        }
    }

    fn breaks(&self) -> Option<LaterFact> {
        match self {
            RoundError::BreaksLaterHistory {
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
            RoundError::AlreadyPlanned | RoundError::AlreadyInStage(_) => true,
            RoundError::Review(r) => r.already_done(),
            _ => false,
        }
    }
}
