//! Departments' scores in a round: indicator results, the round before, and the explanation
//! of a result with its evidence.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, Object, SimpleObject};
use chrono::{DateTime, Utc};
use dutyledger_domain::round::IndicatorResult;
use dutyledger_domain::scheme::{Hundredths, Measured, Source};
use dutyledger_projections::duty_list::AsOf;
use dutyledger_projections::supervision::RoundAt;

use super::IndicatorKind;
use crate::graphql::kit::request;
use crate::service::supervision::{self as app, Ranked};

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
