//! The supervision area's output types.
//!
//! - [`enums`]: a round's mode and stages, an indicator's kind.
//! - [`scheme`]: indicator schemes and their indicators.
//! - [`round`]: supervision rounds, their scope and stages.
//! - [`score`]: departments' scores, indicator results and their explanations.

mod enums;
mod round;
mod scheme;
mod score;

pub use enums::{IndicatorKind, RoundMode, RoundStage};
pub use round::{RoundScopeEntry, RoundStageEntry, RoundView};
pub use scheme::{ClassWeight, IndicatorView, SchemeView};
pub use score::{
    DepartmentScoreView, EvidenceFigure, EvidenceItemView, IndicatorScoreView, MeasuringTime,
    PreviousScore, ScoreExplanation,
};
