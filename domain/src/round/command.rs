//! Commands of the supervision round aggregate, and the plan they carry.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::review::ReviewOutcome;
use crate::scheme::{Hundredths, Observation, SchemeDefinition};
use crate::values::{CreditCode, EntityId, Name, Text};

/// The stages of a round, in their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Stage {
    /// 安排部署: arrangement.
    Deployment,
    /// 线上分析: online analysis (scores computed).
    OnlineAnalysis,
    /// 实地核验: on-site verification (manual indicators, corrections).
    OnSiteVerification,
    /// 整体评估: overall evaluation (scores published).
    OverallEvaluation,
    /// 整改落实: rectification.
    Rectification,
}

impl Stage {
    /// Every stage, in order: the default list.
    pub const ALL: [Stage; 5] = [
        Stage::Deployment,
        Stage::OnlineAnalysis,
        Stage::OnSiteVerification,
        Stage::OverallEvaluation,
        Stage::Rectification,
    ];

    /// Its name as stored and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Deployment => "DEPLOYMENT",
            Stage::OnlineAnalysis => "ONLINE_ANALYSIS",
            Stage::OnSiteVerification => "ON_SITE_VERIFICATION",
            Stage::OverallEvaluation => "OVERALL_EVALUATION",
            Stage::Rectification => "RECTIFICATION",
        }
    }
}

/// How a round supervises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Mode {
    /// 日常监管.
    Routine,
    /// 专项监管.
    Special,
    /// 大数据监管.
    BigData,
    /// 重点监管 (departments flagged by complaints or online opinion).
    Key,
}

/// A department in a round's scope, with its class (when the scheme has classes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ScopeEntry {
    /// The department.
    pub department_id: CreditCode,
    /// Its class in the scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
}

/// What a round is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundPlan {
    /// Its name.
    pub name: Name,
    /// The scheme.
    pub scheme_id: EntityId,
    /// The scheme's version.
    pub scheme_version: u32,
    /// That version's content (a copy: the round explains its scores by itself).
    pub scheme: SchemeDefinition,
    /// Its mode.
    pub mode: Mode,
    /// The first day evaluated (Beijing time).
    pub period_from: NaiveDate,
    /// The last day evaluated.
    pub period_to: NaiveDate,
    /// The departments in scope.
    pub scope: Vec<ScopeEntry>,
    /// Its stages, in order.
    pub stages: Vec<Stage>,
}

/// A request to change a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoundCommand {
    /// Arrange a round; it starts in its first stage.
    Plan(Box<RoundPlan>),
    /// Enter the next stage.
    Advance {
        /// The stage.
        stage: Stage,
    },
    /// Score every department in scope from measurements of the sources as known at
    /// `known_at`.
    Score {
        /// When the data was read as known.
        known_at: DateTime<Utc>,
        /// Per department, per source name: the measurement.
        observations: BTreeMap<CreditCode, BTreeMap<String, Observation>>,
    },
    /// Score a manual indicator, or correct a computed one, with a written basis.
    Adjust {
        /// The department.
        department_id: CreditCode,
        /// The leaf indicator.
        indicator_id: String,
        /// Its points.
        points: Hundredths,
        /// Why.
        basis: Text,
    },
    /// A department asks for a formal review (复核) of its published scores (one indicator, or
    /// all).
    RequestReview {
        /// The request's id.
        request_id: EntityId,
        /// The department.
        department_id: CreditCode,
        /// The indicator, if one.
        indicator_id: Option<String>,
        /// Why.
        reason: Text,
        /// When it is asked.
        at: DateTime<Utc>,
        /// When the window closes (N working days after publication).
        window_closes_at: DateTime<Utc>,
        /// When the office must decide by (M working days after `at`).
        decide_by: DateTime<Utc>,
    },
    /// The office decides a review request; `Changed` revises leaves' points (new events; the
    /// published ones stay in history).
    DecideReview {
        /// The request.
        request_id: EntityId,
        /// The outcome.
        outcome: ReviewOutcome,
        /// Why.
        reason: Text,
        /// When it is decided.
        at: DateTime<Utc>,
        /// For `Changed`: the leaves' new points.
        revisions: Vec<(String, Hundredths)>,
    },
}
