//! Why a scheme was refused. Each variant names the rule it breaks.

use chrono::{DateTime, Utc};

use super::rule::Hundredths;
use crate::refusal::{ErrorClass, LaterFact, Refusal};
use crate::values::ValueError;

/// A refused scheme command. No event is written when a command returns one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemeError {
    /// A malformed id, name or text.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// A scheme without indicators.
    #[error("a scheme has at least one indicator")]
    NoIndicators,
    /// Too many indicators, classes or levels.
    #[error("the scheme is too large: {0}")]
    TooLarge(String),
    /// Two indicators with one id.
    #[error("indicator id {0:?} is used twice")]
    DuplicateIndicator(String),
    /// A class listed twice.
    #[error("department class {0:?} is listed twice")]
    DuplicateClass(String),
    /// A class weight for a class the scheme does not list.
    #[error(
        "indicator {indicator:?} has a weight for class {class:?}, which the scheme does not list"
    )]
    UnknownClass {
        /// The indicator.
        indicator: String,
        /// The class.
        class: String,
    },
    /// A weight (or the total) that is not more than zero.
    #[error("weight {weight} of {} is not more than 0", indicator.as_deref().unwrap_or("the scheme's total"))]
    InvalidWeight {
        /// The indicator (`None`: the total).
        indicator: Option<String>,
        /// The weight.
        weight: Hundredths,
    },
    /// Children's weights that do not sum to their parent's.
    #[error("the weights under {} sum to {got}, not {expected}{}", parent.as_deref().unwrap_or("the scheme (core and corroborating top-level indicators)"), class.as_deref().map(|c| format!(" (class {c})")).unwrap_or_default())]
    WeightsDoNotSum {
        /// The parent (`None`: the top level against the total).
        parent: Option<String>,
        /// The class whose weights do not sum (`None`: the scheme has no classes).
        class: Option<String>,
        /// The parent's weight.
        expected: Hundredths,
        /// The children's sum.
        got: Hundredths,
    },
    /// A core or corroborating indicator under a negative one.
    #[error("indicator {0:?}: the indicators under a negative indicator are negative")]
    NegativeSubtree(String),
    /// A leaf without a rule.
    #[error("leaf indicator {0:?} needs a rule")]
    LeafWithoutRule(String),
    /// A parent with a rule.
    #[error("indicator {0:?} has children: its points are theirs, it takes no rule")]
    ParentWithRule(String),
    /// A rule naming a data source that does not exist.
    #[error("indicator {indicator:?} names data source {data_source:?}, which does not exist")]
    UnknownDataSource {
        /// The indicator.
        indicator: String,
        /// The name given.
        data_source: String,
    },
    /// A ratio rule over a count source, or a deduction or bonus over a ratio.
    #[error("indicator {indicator:?}: source {data_source:?} does not measure what its rule needs (ratio rules read ratios; deductions and bonuses read counts)")]
    SourceKindMismatch {
        /// The indicator.
        indicator: String,
        /// The source.
        data_source: String,
    },
    /// A negative indicator with a rule other than a deduction or manual scoring.
    #[error("negative indicator {0:?} is scored by a deduction or manually")]
    RuleNotForKind(String),
    /// A malformed mapping, step or per-occurrence figure.
    #[error("indicator {indicator:?}: {reason}")]
    InvalidRule {
        /// The indicator.
        indicator: String,
        /// What is wrong.
        reason: String,
    },
    /// Points (a threshold's, a cap) above the indicator's weight.
    #[error("indicator {indicator:?}: {points} points is more than its weight {weight}")]
    PointsExceedWeight {
        /// The indicator.
        indicator: String,
        /// The points.
        points: Hundredths,
        /// Its (smallest) weight.
        weight: Hundredths,
    },
    /// A version out of order (a publication back in time before a later version).
    #[error("version {version} would be version {expected}: versions are published in order")]
    VersionOrder {
        /// The version recorded.
        version: u32,
        /// The number it would have.
        expected: u32,
    },
    /// The change would make a later recorded event invalid.
    #[error("the change would break {event_type} effective {effective_at}: {cause}")]
    BreaksLaterHistory {
        /// The later event's type.
        event_type: String,
        /// When it takes effect.
        effective_at: DateTime<Utc>,
        /// Why it would no longer be valid.
        cause: Box<SchemeError>,
    },
}

impl Refusal for SchemeError {
    fn class(&self) -> ErrorClass {
        match self {
            SchemeError::BreaksLaterHistory { .. } | SchemeError::VersionOrder { .. } => {
                ErrorClass::Conflict
            }
            _ => ErrorClass::Invalid,
        }
    }

    fn rule(&self) -> &'static str {
        use SchemeError::*;
        match self {
            Value(v) => v.rule(),
            NoIndicators => "NO_INDICATORS",
            TooLarge(_) => "SCHEME_TOO_LARGE",
            DuplicateIndicator(_) => "DUPLICATE_INDICATOR",
            DuplicateClass(_) => "DUPLICATE_CLASS",
            UnknownClass { .. } => "UNKNOWN_CLASS",
            InvalidWeight { .. } => "INVALID_WEIGHT",
            WeightsDoNotSum { .. } => "WEIGHTS_DO_NOT_SUM",
            NegativeSubtree(_) => "NEGATIVE_SUBTREE",
            LeafWithoutRule(_) => "LEAF_WITHOUT_RULE",
            ParentWithRule(_) => "PARENT_WITH_RULE",
            UnknownDataSource { .. } => "UNKNOWN_DATA_SOURCE",
            SourceKindMismatch { .. } => "SOURCE_KIND_MISMATCH",
            RuleNotForKind(_) => "RULE_NOT_FOR_KIND",
            InvalidRule { .. } => "INVALID_RULE",
            PointsExceedWeight { .. } => "POINTS_EXCEED_WEIGHT",
            VersionOrder { .. } => "VERSION_ORDER",
            BreaksLaterHistory { .. } => "BREAKS_LATER_HISTORY",
        }
    }

    fn breaks(&self) -> Option<LaterFact> {
        match self {
            SchemeError::BreaksLaterHistory {
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
