//! Supervision mutations, each executed through the application layer (which asks the policy:
//! the supervision office and the system only).

use std::sync::Arc;

use async_graphql::{Context, MergedObject, Object};
use dutyledger_domain::round::{RoundCommand, SupervisionRound};
use dutyledger_domain::values::EntityId;
use dutyledger_projections::duty_list::AsOf;

use super::inputs::{
    AdjustScoreInput, AdvanceRoundInput, DecideScoreReviewInput, PlanRoundInput,
    PublishSchemeInput, RequestScoreReviewInput, ScoreRoundInput,
};
use super::types::{MeasuringTime, RoundView, SchemeView};
use crate::graphql::kit::{allow, execute, request, Outcome};
use crate::service::parse_field;
use crate::service::policy::Access;
use crate::service::supervision as app;

/// The result of a scheme command: what every command returns, and the scheme.
#[derive(MergedObject, Debug, Clone)]
pub struct SchemeResult(Outcome, SchemeTarget);

/// The scheme a command changed.
#[derive(Debug, Clone)]
pub struct SchemeTarget {
    scheme_id: String,
}

/// The scheme a command changed.
#[Object]
impl SchemeTarget {
    /// Its latest version, now.
    async fn scheme(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<SchemeView>> {
        let (state, rc) = request(ctx)?;
        let s = app::scheme(&state.pool, rc, &self.scheme_id, AsOf::now()).await?;
        Ok(s.latest().map(|(version, d)| SchemeView {
            id: self.scheme_id.clone(),
            version,
            versions: s.versions(),
            definition: Arc::new(d.clone()),
        }))
    }
}

/// The result of a round command: what every command returns, and the round.
#[derive(MergedObject, Debug, Clone)]
pub struct RoundResult(Outcome, RoundTarget);

/// The round a command changed.
#[derive(Debug, Clone)]
pub struct RoundTarget {
    round_id: String,
    measuring: Vec<MeasuringTime>,
}

/// The round a command changed.
#[Object]
impl RoundTarget {
    /// The round as it is now (null if it is not in force yet, e.g. planned with a future
    /// `effectiveAt`).
    async fn round(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<RoundView>> {
        let (state, rc) = request(ctx)?;
        match app::round(&state.pool, rc, &self.round_id, AsOf::now()).await {
            Ok(r) => Ok(Some(RoundView(Arc::new(r)))),
            Err(e) if e.rule() == Some("ROUND_NOT_FOUND") => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// For `scoreRound`: what measuring the sources took, per read model.
    async fn measuring(&self) -> &[MeasuringTime] {
        &self.measuring
    }
}

fn target(round_id: &str) -> RoundTarget {
    RoundTarget {
        round_id: round_id.to_owned(),
        measuring: Vec::new(),
    }
}

/// Supervision mutations (the supervision office's).
#[derive(Default, Debug)]
pub struct SupervisionMutation;

#[Object]
impl SupervisionMutation {
    /// Publish a version of an indicator scheme (a new id starts a scheme); content identical
    /// to the latest version publishes nothing (`events: 0`). Refused: `WEIGHTS_DO_NOT_SUM`,
    /// `UNKNOWN_DATA_SOURCE`, `SOURCE_KIND_MISMATCH`, `LEAF_WITHOUT_RULE`, `PARENT_WITH_RULE`,
    /// `POINTS_EXCEED_WEIGHT`, `INVALID_RULE`, `UNKNOWN_CLASS`, `NEGATIVE_SUBTREE`,
    /// `RULE_NOT_FOR_KIND`, `DUPLICATE_INDICATOR`, `INVALID_WEIGHT`, `SCHEME_TOO_LARGE`;
    /// `INVALID_SCHEME_FILE` when the definition is not in the file format.
    async fn publish_scheme(
        &self,
        ctx: &Context<'_>,
        input: PublishSchemeInput,
    ) -> async_graphql::Result<SchemeResult> {
        allow(ctx, Access::RunSupervision)?;
        let (state, rc) = request(ctx)?;
        let (id, definition) = input.parse()?;
        let when = input.options.when()?;
        let outcome = state
            .commands
            .publish_scheme(rc, &id, definition, when)
            .await?;
        Ok(SchemeResult(
            Outcome {
                id: Some(id.clone()),
                outcome,
            },
            SchemeTarget {
                scheme_id: id.to_string(),
            },
        ))
    }

    /// Plan a supervision round over departments with a scheme version; it starts in its
    /// first stage. Refused: `SCHEME_NOT_FOUND`, `SCHEME_VERSION_NOT_FOUND`,
    /// `DEPARTMENT_NOT_FOUND`, `EMPTY_SCOPE`, `DUPLICATE_DEPARTMENT`, `CLASS_REQUIRED`,
    /// `UNKNOWN_CLASS`, `PERIOD_INVERTED`, `INVALID_STAGES`, `ROUND_EXISTS`.
    async fn plan_round(
        &self,
        ctx: &Context<'_>,
        input: PlanRoundInput,
    ) -> async_graphql::Result<RoundResult> {
        allow(ctx, Access::RunSupervision)?;
        let (state, rc) = request(ctx)?;
        let (id, round) = input.parse()?;
        let when = input.options.when()?;
        let outcome = state.commands.plan_round(rc, &id, round, when).await?;
        Ok(RoundResult(
            Outcome {
                id: Some(id.clone()),
                outcome,
            },
            target(id.as_str()),
        ))
    }

    /// Enter the round's next stage; entering overall evaluation (整体评估) publishes the
    /// scores, which nothing changes afterwards. Refused: `STAGE_SKIPPED`, `STAGE_PASSED`,
    /// `ALREADY_IN_STAGE`, `STAGE_NOT_IN_ROUND`, `NO_NEXT_STAGE`, `NOT_SCORED` (leaving online
    /// analysis unscored), `ROUND_NOT_FOUND`.
    async fn advance_round(
        &self,
        ctx: &Context<'_>,
        input: AdvanceRoundInput,
    ) -> async_graphql::Result<RoundResult> {
        allow(ctx, Access::RunSupervision)?;
        let id = parse_field("roundId", EntityId::parse(&input.round_id))?;
        let outcome = execute::<SupervisionRound>(
            ctx,
            id.as_str(),
            Some(id.clone()),
            RoundCommand::Advance {
                stage: input.stage.into(),
            },
            &input.options,
        )
        .await?;
        Ok(RoundResult(outcome, target(id.as_str())))
    }

    /// Compute every department's scores in online analysis (线上分析) from the data as known
    /// at `knownAt` (default now): each source the scheme names is measured as in force at the
    /// end of the period; sources without data score as no data, never zero. Scoring again
    /// replaces the computed points (adjustments stay). Refused: `STAGE_DOES_NOT_ALLOW`,
    /// `SCORES_PUBLISHED`, `KNOWN_AT_IN_FUTURE`, `ROUND_NOT_FOUND`, `PROJECTION_BEHIND`
    /// (retry).
    async fn score_round(
        &self,
        ctx: &Context<'_>,
        input: ScoreRoundInput,
    ) -> async_graphql::Result<RoundResult> {
        allow(ctx, Access::RunSupervision)?;
        let (state, rc) = request(ctx)?;
        let id = parse_field("roundId", EntityId::parse(&input.round_id))?;
        let when = input.options.when()?;
        let (outcome, measurement) = state
            .commands
            .score_round(rc, id.as_str(), input.known_at, when)
            .await?;
        Ok(RoundResult(
            Outcome {
                id: Some(id.clone()),
                outcome,
            },
            RoundTarget {
                round_id: id.to_string(),
                measuring: measurement
                    .timings
                    .iter()
                    .map(|(name, d)| MeasuringTime {
                        read_model: (*name).to_owned(),
                        milliseconds: d.as_secs_f64() * 1000.0,
                    })
                    .collect(),
            },
        ))
    }

    /// A department asks for a formal review (复核) of its published scores (one indicator, or
    /// all), within the scheme's window of working days after publication (default 10).
    /// Refused: `REVIEW_WINDOW_CLOSED`, `NOT_REVIEWABLE` (not published), `REVIEW_EXISTS`,
    /// `DEPARTMENT_NOT_IN_ROUND`, `UNKNOWN_INDICATOR`; `FORBIDDEN` for another department.
    async fn request_score_review(
        &self,
        ctx: &Context<'_>,
        input: RequestScoreReviewInput,
    ) -> async_graphql::Result<RoundResult> {
        let (state, rc) = request(ctx)?;
        let id = parse_field("roundId", EntityId::parse(&input.round_id))?;
        let (request_id, department, reason) = input.parse()?;
        let when = input.options.when()?;
        let outcome = state
            .commands
            .request_score_review(
                rc,
                id.as_str(),
                request_id.clone(),
                department,
                input.indicator_id.clone(),
                reason,
                when,
            )
            .await?;
        Ok(RoundResult(
            Outcome {
                id: Some(request_id),
                outcome,
            },
            target(id.as_str()),
        ))
    }

    /// The office decides a review of scores, once: `UPHELD`, `DISMISSED`, or `CHANGED` with the
    /// revised points of leaves (new events; the published points stay in history). A decision
    /// after the time limit is flagged overdue. Refused: `REVIEW_DECIDED`, `REVIEW_NOT_FOUND`,
    /// `INVALID_DECISION`, `POINTS_OUT_OF_RANGE`, `NOT_A_LEAF`.
    async fn decide_score_review(
        &self,
        ctx: &Context<'_>,
        input: DecideScoreReviewInput,
    ) -> async_graphql::Result<RoundResult> {
        allow(ctx, Access::RunSupervision)?;
        let (state, rc) = request(ctx)?;
        let id = parse_field("roundId", EntityId::parse(&input.round_id))?;
        let (request_id, reason, revisions) = input.parse()?;
        let when = input.options.when()?;
        let outcome = state
            .commands
            .decide_score_review(
                rc,
                id.as_str(),
                request_id,
                input.outcome.into(),
                reason,
                revisions,
                when,
            )
            .await?;
        Ok(RoundResult(
            Outcome {
                id: Some(id.clone()),
                outcome,
            },
            target(id.as_str()),
        ))
    }

    /// Score a manual indicator, or correct a computed one, with a written basis (online
    /// analysis or on-site verification). Refused: `POINTS_OUT_OF_RANGE`,
    /// `DEPARTMENT_NOT_IN_ROUND`, `UNKNOWN_INDICATOR`, `NOT_A_LEAF`, `NOT_SCORED`,
    /// `STAGE_DOES_NOT_ALLOW`, `SCORES_PUBLISHED`.
    async fn adjust_score(
        &self,
        ctx: &Context<'_>,
        input: AdjustScoreInput,
    ) -> async_graphql::Result<RoundResult> {
        allow(ctx, Access::RunSupervision)?;
        let id = parse_field("roundId", EntityId::parse(&input.round_id))?;
        let (department_id, points, basis) = input.parse()?;
        let outcome = execute::<SupervisionRound>(
            ctx,
            id.as_str(),
            Some(id.clone()),
            RoundCommand::Adjust {
                department_id,
                indicator_id: input.indicator_id.clone(),
                points,
                basis,
            },
            &input.options,
        )
        .await?;
        Ok(RoundResult(outcome, target(id.as_str())))
    }
}
