//! Supervision rounds, their scope and the stages they entered.

use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use dutyledger_projections::supervision::RoundAt;

use super::{RoundMode, RoundStage, SchemeView};
use crate::graphql::kit::allow;
use crate::service::policy::Access;

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

    /// The formal reviews (复核) of its scores that the caller may read (a clerk: its own
    /// department's); `overdue` of an undecided request is judged now.
    async fn reviews(
        &self,
        ctx: &Context<'_>,
    ) -> Vec<crate::graphql::rectification::types::ReviewView> {
        let now = Utc::now();
        self.0
            .round
            .reviews()
            .into_iter()
            .filter(|(_, d, _)| {
                allow(
                    ctx,
                    Access::ReadScores {
                        department: d,
                        published: true,
                    },
                )
                .is_ok()
            })
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
