//! The supervision area's output types.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, Enum, Json, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use dutyledger_domain::round::IndicatorResult;
use dutyledger_domain::scheme::{Hundredths, Measured, SchemeDefinition, Source};
use dutyledger_projections::duty_list::AsOf;
use dutyledger_projections::supervision::RoundAt;

use crate::graphql::kit::request;
use crate::service::supervision::{self as app, Ranked};

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

/// A weight for a department class.
#[derive(SimpleObject, Clone, Debug)]
pub struct ClassWeight {
    /// The class.
    pub department_class: String,
    /// The weight.
    pub weight: f64,
}

/// An indicator of a scheme.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Indicator")]
pub struct IndicatorView {
    /// Its id.
    pub id: String,
    /// Its parent (null at the top level).
    pub parent_id: Option<String>,
    /// Its depth (top level: 1).
    pub depth: i32,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: IndicatorKind,
    /// Its weight (for departments without a class weight of their own).
    pub weight: f64,
    /// Weights that differ per department class.
    pub class_weights: Vec<ClassWeight>,
    /// A leaf's rule, in words (null for a parent).
    pub rule: Option<String>,
    /// The data source a leaf's rule reads (null for manual and parents).
    pub source: Option<String>,
}

/// A version of an indicator scheme.
#[derive(Clone, Debug)]
pub struct SchemeView {
    /// The scheme's id.
    pub id: String,
    /// This version.
    pub version: u32,
    /// How many versions it has (as of the query).
    pub versions: u32,
    /// The content.
    pub definition: Arc<SchemeDefinition>,
}

/// A version of an indicator scheme (监管指标体系).
#[Object(name = "IndicatorScheme")]
impl SchemeView {
    /// Its id.
    async fn id(&self) -> &str {
        &self.id
    }

    /// This version's number (from 1).
    async fn version(&self) -> i32 {
        self.version as i32
    }

    /// How many versions were published (as of the query).
    async fn versions(&self) -> i32 {
        self.versions as i32
    }

    /// Its name.
    async fn name(&self) -> &str {
        &self.definition.name
    }

    /// What it is for.
    async fn description(&self) -> Option<&str> {
        self.definition.description.as_deref()
    }

    /// The points the core and corroborating top-level indicators sum to.
    async fn total(&self) -> f64 {
        self.definition.total.to_f64()
    }

    /// The department classes with weights of their own.
    async fn classes(&self) -> &[String] {
        &self.definition.classes
    }

    /// Every indicator, depth first.
    async fn indicators(&self) -> Vec<IndicatorView> {
        let mut depth: std::collections::HashMap<&str, i32> = Default::default();
        self.definition
            .walk()
            .into_iter()
            .map(|(parent, i)| {
                let d = parent.map_or(1, |p| depth.get(p.id.as_str()).copied().unwrap_or(0) + 1);
                depth.insert(&i.id, d);
                IndicatorView {
                    id: i.id.clone(),
                    parent_id: parent.map(|p| p.id.clone()),
                    depth: d,
                    name: i.name.clone(),
                    kind: i.kind.into(),
                    weight: i.weight.to_f64(),
                    class_weights: i
                        .class_weights
                        .iter()
                        .map(|(c, w)| ClassWeight {
                            department_class: c.clone(),
                            weight: w.to_f64(),
                        })
                        .collect(),
                    rule: i.rule.as_ref().map(|r| r.describe()),
                    source: i
                        .rule
                        .as_ref()
                        .and_then(|r| r.source_name())
                        .map(str::to_owned),
                }
            })
            .collect()
    }

    /// The content in the scheme file format (what `publishScheme` and `dutyledger scheme
    /// load` take).
    async fn definition(&self) -> Json<SchemeDefinition> {
        Json((*self.definition).clone())
    }
}

/// A department in a round's scope.
#[derive(SimpleObject, Clone, Debug)]
pub struct RoundScopeEntry {
    /// The department.
    pub department_id: String,
    /// Its class in the scheme.
    pub department_class: Option<String>,
}

/// A stage a round entered.
#[derive(SimpleObject, Clone, Debug)]
pub struct RoundStageEntry {
    /// The stage.
    pub stage: RoundStage,
    /// When it was entered (valid time).
    pub entered_at: DateTime<Utc>,
    /// The event's cursor.
    pub cursor: String,
}

/// A supervision round as of a point in both times.
#[derive(Clone, Debug)]
pub struct RoundView(pub Arc<RoundAt>);

/// A supervision round (监管轮次).
#[Object(name = "SupervisionRound")]
impl RoundView {
    /// Its id.
    async fn id(&self) -> &str {
        &self.0.id
    }

    /// Its name.
    async fn name(&self) -> String {
        self.plan().name.to_string()
    }

    /// Its mode.
    async fn mode(&self) -> RoundMode {
        self.plan().mode.into()
    }

    /// The scheme version it scores with (the copy the round keeps).
    async fn scheme(&self) -> SchemeView {
        let p = self.plan();
        SchemeView {
            id: p.scheme_id.to_string(),
            version: p.scheme_version,
            versions: p.scheme_version,
            definition: Arc::new(p.scheme.clone()),
        }
    }

    /// The first day evaluated (Beijing time).
    async fn period_from(&self) -> NaiveDate {
        self.plan().period_from
    }

    /// The last day evaluated.
    async fn period_to(&self) -> NaiveDate {
        self.plan().period_to
    }

    /// The departments in scope.
    async fn scope(&self) -> Vec<RoundScopeEntry> {
        self.plan()
            .scope
            .iter()
            .map(|e| RoundScopeEntry {
                department_id: e.department_id.to_string(),
                department_class: e.class.clone(),
            })
            .collect()
    }

    /// Its stages, in order.
    async fn stages(&self) -> Vec<RoundStage> {
        self.plan().stages.iter().map(|s| (*s).into()).collect()
    }

    /// The current stage.
    async fn stage(&self) -> Option<RoundStage> {
        self.0.round.stage().map(Into::into)
    }

    /// The stages entered so far, with their dates.
    async fn stage_history(&self) -> Vec<RoundStageEntry> {
        self.0
            .stages
            .iter()
            .map(|s| RoundStageEntry {
                stage: s.stage.into(),
                entered_at: s.entered_at,
                cursor: s.cursor.to_string(),
            })
            .collect()
    }

    /// When it was planned (valid time).
    async fn planned_at(&self) -> Option<DateTime<Utc>> {
        self.0.planned_at
    }

    /// The `knownAt` its scores were computed as of (null before scoring).
    async fn known_at(&self) -> Option<DateTime<Utc>> {
        self.0.round.known_at()
    }

    /// Whether its scores are published (frozen).
    async fn published(&self) -> bool {
        self.0.round.published()
    }

    /// When its scores were published (valid time).
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }

    /// The formal reviews (复核) of its scores; `overdue` of an undecided request is judged now.
    async fn reviews(&self) -> Vec<crate::graphql::rectification::types::ReviewView> {
        let now = Utc::now();
        self.0
            .round
            .reviews()
            .into_iter()
            .map(|(r, d, i)| {
                crate::graphql::rectification::types::ReviewView::new(
                    r,
                    Some(d.to_string()),
                    i.map(str::to_owned),
                    now,
                )
            })
            .collect()
    }
}

impl RoundView {
    fn plan(&self) -> &dutyledger_domain::round::RoundPlan {
        // A RoundAt is only built for a planned round.
        self.0
            .round
            .plan()
            .unwrap_or_else(|| unreachable!("a loaded round is planned"))
    }
}

fn points(p: Option<Hundredths>) -> Option<f64> {
    p.map(Hundredths::to_f64)
}

/// One indicator's result for a department.
#[derive(Clone, Debug)]
pub struct IndicatorScoreView(pub IndicatorResult);

/// One indicator's result for a department: its points, the rule and what was measured.
#[Object(name = "IndicatorScore")]
impl IndicatorScoreView {
    /// The indicator.
    async fn indicator_id(&self) -> &str {
        &self.0.indicator_id
    }

    /// Its parent.
    async fn parent_id(&self) -> Option<&str> {
        self.0.parent_id.as_deref()
    }

    /// Its depth (top level: 1).
    async fn depth(&self) -> i32 {
        self.0.depth as i32
    }

    /// Its name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Its kind.
    async fn kind(&self) -> IndicatorKind {
        self.0.kind.into()
    }

    /// Its weight for the department's class.
    async fn weight(&self) -> f64 {
        self.0.weight.to_f64()
    }

    /// Its points (a parent: the sum of its scored children). Null when nothing is scored:
    /// no data, or a manual indicator not yet scored (never shown as zero).
    async fn points(&self) -> Option<f64> {
        points(self.0.points)
    }

    /// A leaf's points as computed from the data, before any adjustment.
    async fn computed(&self) -> Option<f64> {
        points(self.0.computed)
    }

    /// Why a leaf has no points (no data; a manual indicator not yet scored); null when it
    /// has points.
    async fn no_data(&self) -> Option<&str> {
        if self.0.points.is_some() {
            return None;
        }
        self.0.no_score.as_deref()
    }

    /// Whether every leaf under it (or it) has points.
    async fn complete(&self) -> bool {
        self.0.complete
    }

    /// Whether a supervisor set the points (a manual score or a correction).
    async fn adjusted(&self) -> bool {
        self.0.adjustment.is_some()
    }

    /// Whether a review decision changed the published points.
    async fn revised(&self) -> bool {
        self.0.revision.is_some()
    }

    /// The review request that changed them.
    async fn revised_by(&self) -> Option<String> {
        self.0.revision.as_ref().map(|r| r.request_id.to_string())
    }

    /// The written basis of the supervisor's points.
    async fn basis(&self) -> Option<String> {
        self.0.adjustment.as_ref().map(|a| a.basis.to_string())
    }

    /// A leaf's rule, in words.
    async fn rule(&self) -> Option<String> {
        self.0.rule.as_ref().map(|r| r.describe())
    }

    /// The data source a leaf's rule reads.
    async fn source(&self) -> Option<&str> {
        self.0.rule.as_ref().and_then(|r| r.source_name())
    }

    /// What the source measured: a ratio in percent, or a count (null: no data).
    async fn value(&self) -> Option<f64> {
        match self.0.observation.as_ref().map(|o| &o.value) {
            Some(Measured::Ratio {
                numerator,
                denominator,
            }) if *denominator > 0 => Some(*numerator as f64 * 100.0 / *denominator as f64),
            Some(Measured::Count(n)) => Some(*n as f64),
            _ => None,
        }
    }

    /// A ratio's numerator.
    async fn numerator(&self) -> Option<i64> {
        match self.0.observation.as_ref().map(|o| &o.value) {
            Some(Measured::Ratio { numerator, .. }) => Some(*numerator),
            _ => None,
        }
    }

    /// A ratio's denominator.
    async fn denominator(&self) -> Option<i64> {
        match self.0.observation.as_ref().map(|o| &o.value) {
            Some(Measured::Ratio { denominator, .. }) => Some(*denominator),
            _ => None,
        }
    }

    /// A count's occurrences.
    async fn count(&self) -> Option<i64> {
        match self.0.observation.as_ref().map(|o| &o.value) {
            Some(Measured::Count(n)) => Some(*n),
            _ => None,
        }
    }
}

/// A department's result in the round before this one.
#[derive(SimpleObject, Clone, Debug)]
pub struct PreviousScore {
    /// That round.
    pub round_id: String,
    /// The department's total there.
    pub total: f64,
    /// Its rank there.
    pub rank: i32,
    /// Whether every leaf had points there.
    pub complete: bool,
}

/// A department's scores in a round.
#[derive(Clone, Debug)]
pub struct DepartmentScoreView {
    /// The round.
    pub round: Arc<RoundAt>,
    /// The department's scores and place.
    pub ranked: Ranked,
    /// The point the query asked for.
    pub as_of: AsOf,
}

/// A department's scores in a round: the total, every indicator, its place.
#[Object(name = "DepartmentScore")]
impl DepartmentScoreView {
    /// The round.
    async fn round_id(&self) -> &str {
        &self.round.id
    }

    /// The department.
    async fn department_id(&self) -> String {
        self.ranked.report.department_id.to_string()
    }

    /// Its class in the scheme.
    async fn department_class(&self) -> Option<&str> {
        self.ranked.report.class.as_deref()
    }

    /// Whether it has been scored.
    async fn scored(&self) -> bool {
        self.ranked.report.scored
    }

    /// Whether the round's scores are published.
    async fn published(&self) -> bool {
        self.round.round.published()
    }

    /// The total: core and corroborating points plus the negative ones (below zero).
    async fn total(&self) -> f64 {
        self.ranked.report.total.to_f64()
    }

    /// Whether every leaf has points (else the total leaves the unscored ones out).
    async fn complete(&self) -> bool {
        self.ranked.report.complete
    }

    /// Its rank in the round by total (1 best; equal totals share a rank).
    async fn rank(&self) -> i32 {
        self.ranked.rank as i32
    }

    /// How many departments the round ranks.
    async fn ranked_of(&self) -> i32 {
        self.ranked.of.0 as i32
    }

    /// Its rank among the departments of its class.
    async fn class_rank(&self) -> i32 {
        self.ranked.class_rank as i32
    }

    /// How many departments its class has in the round.
    async fn class_ranked_of(&self) -> i32 {
        self.ranked.of.1 as i32
    }

    /// Every indicator's result, depth first.
    async fn indicators(&self) -> Vec<IndicatorScoreView> {
        self.ranked
            .report
            .indicators
            .iter()
            .cloned()
            .map(IndicatorScoreView)
            .collect()
    }

    /// Its result in the round before (the published round whose period ends last before this
    /// one's begins, with the department in scope), if any.
    async fn previous(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<PreviousScore>> {
        let (app, rc) = request(ctx)?;
        let previous = app::previous(
            &app.pool,
            rc,
            &self.round,
            &self.ranked.report.department_id,
            self.as_of,
        )
        .await?;
        Ok(previous.map(|p| PreviousScore {
            round_id: p.round_id,
            total: p.ranked.report.total.to_f64(),
            rank: p.ranked.rank as i32,
            complete: p.ranked.report.complete,
        }))
    }
}

/// A named figure of a measurement.
#[derive(SimpleObject, Clone, Debug)]
pub struct EvidenceFigure {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: i64,
}

/// Something a measurement counted, with the event that shows it.
#[derive(SimpleObject, Clone, Debug)]
pub struct EvidenceItemView {
    /// What kind of thing (`task`, `mainDuty`, `unitDuty`, `powerItem`, `boundaryMatter`,
    /// `workflowChart`).
    pub kind: String,
    /// Its id.
    pub id: String,
    /// Its name or title.
    pub label: String,
    /// The cursor of the event that shows it (its creation, its last change).
    pub cursor: Option<String>,
}

/// Why a department has the points it has for an indicator.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct ScoreExplanation {
    /// The round.
    pub round_id: String,
    /// The department.
    pub department_id: String,
    /// The `knownAt` the data was read as of.
    pub known_at: Option<DateTime<Utc>>,
    /// The query behind the measurement, with its parameters.
    pub query: Option<String>,
    /// The figures it found.
    pub figures: Vec<EvidenceFigure>,
    /// What it counted (at most 200 listed).
    pub items: Vec<EvidenceItemView>,
    /// How many more were counted than listed.
    pub more_items: i64,
    /// What the source measures, in words.
    pub source_description: Option<String>,
    #[graphql(skip)]
    pub result: IndicatorResult,
}

#[ComplexObject]
impl ScoreExplanation {
    /// The indicator's result (points, rule, value, adjustment).
    async fn indicator(&self) -> IndicatorScoreView {
        IndicatorScoreView(self.result.clone())
    }
}

impl ScoreExplanation {
    /// The explanation of an indicator's result.
    pub fn new(round: &RoundAt, department_id: String, result: IndicatorResult) -> Self {
        let evidence = result.observation.as_ref().map(|o| o.evidence.clone());
        Self {
            round_id: round.id.clone(),
            department_id,
            known_at: round.round.known_at(),
            query: evidence.as_ref().map(|e| e.query.clone()),
            figures: evidence
                .as_ref()
                .map(|e| {
                    e.figures
                        .iter()
                        .map(|(name, value)| EvidenceFigure {
                            name: name.clone(),
                            value: *value,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            items: evidence
                .as_ref()
                .map(|e| {
                    e.items
                        .iter()
                        .map(|i| EvidenceItemView {
                            kind: i.kind.clone(),
                            id: i.id.clone(),
                            label: i.label.clone(),
                            cursor: i.cursor.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            more_items: evidence.map_or(0, |e| e.more as i64),
            source_description: result
                .rule
                .as_ref()
                .and_then(|r| r.source())
                .map(|s: Source| s.description().to_owned()),
            result,
        }
    }
}

/// What measuring one read model took while scoring.
#[derive(SimpleObject, Clone, Debug)]
pub struct MeasuringTime {
    /// The read model.
    pub read_model: String,
    /// Milliseconds.
    pub milliseconds: f64,
}
