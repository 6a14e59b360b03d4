//! The supervision round (监管轮次) aggregate: one stream per round, from its arrangement to its
//! published scores.
//!
//! A round names its scheme version (and keeps a copy of it, so that its scores are explained by
//! its own events), its mode (routine 日常, special 专项, big-data 大数据, key 重点), the
//! departments in scope (each with its class when the scheme has classes), the period
//! evaluated, and its stages: by default 安排部署 → 线上分析 → 实地核验 → 整体评估 → 整改落实
//! ([`Stage`]); a round may leave stages out (a big-data round without on-site verification),
//! but keeps online analysis and overall evaluation, in that order. Invariants, checked before any
//! event is written:
//! - stages are entered one after the other, none skipped; the round starts in its first stage;
//! - scores are computed in online analysis, from data as known at a stated `knownAt` (the
//!   application measures the sources; the rules turn measurements into points here); scoring
//!   again replaces the computed points (adjustments stay);
//! - adjustments (manual indicators, corrections) need a written basis, name a leaf of the scheme
//!   and a department in scope, stay within the leaf's range, and are made in online analysis or
//!   on-site verification after scoring;
//! - a round leaves online analysis only once scored; entering overall evaluation publishes the
//!   scores: nothing changes a published score but the decision on a formal review (复核): a
//!   department asks within the window (N working days after publication, per scheme), the
//!   office decides once (upheld, changed: `ScoreRevised` events, the published points stay in
//!   history; dismissed), late decisions flagged overdue.
//!
//! Events: `RoundPlanned`, `RoundStageEntered`, `DepartmentScored` (one per department: the
//! observations with their evidence and the points of every leaf), `ScoreAdjusted`,
//! `ScoresPublished`, `ScoreReviewRequested`, `ScoreReviewDecided`, `ScoreRevised`. The date
//! of each stage is its event's effective time.

mod aggregate;
mod command;
mod error;
mod event;
mod report;
#[cfg(test)]
mod tests;

pub use aggregate::SupervisionRound;
pub use command::{Mode, RoundCommand, RoundPlan, ScopeEntry, Stage};
pub use error::RoundError;
pub use event::{Adjustment, LeafScore, Revision, RoundEvent, Scored};
pub use report::{DepartmentReport, IndicatorResult};
