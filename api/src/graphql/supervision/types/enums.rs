//! A round's mode and stages, an indicator's kind.

use async_graphql::Enum;

/// How a round supervises.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "dutyledger_domain::round::Mode")]
pub enum RoundMode {
    /// 日常监管.
    Routine,
    /// 专项监管.
    Special,
    /// 大数据监管.
    BigData,
    /// 重点监管 (departments flagged by 12345 complaints or online opinion).
    Key,
}

/// A stage of a round.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "dutyledger_domain::round::Stage")]
pub enum RoundStage {
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

/// The kind of an indicator.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "dutyledger_domain::scheme::IndicatorKind")]
pub enum IndicatorKind {
    /// 核心指标.
    Core,
    /// 印证指标.
    Corroborating,
    /// 负面指标: deductions.
    Negative,
}
