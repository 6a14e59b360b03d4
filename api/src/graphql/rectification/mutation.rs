//! Rectification mutations, each executed through the application layer (which asks the
//! policy: the office raises, issues, returns, accepts and decides; a department's clerk answers
//! its own orders and asks for reviews of its own findings).

use async_graphql::{Context, MergedObject, Object, SimpleObject, ID};
use dutyledger_domain::finding::{Finding, FindingCommand};
use dutyledger_domain::rectification::{OrderCommand, RectificationOrder};
use dutyledger_domain::values::EntityId;
use dutyledger_projections::duty_list::AsOf;

use super::inputs::{
    optional, required, AnswerOrderInput, DecideFindingReviewInput, ExtendOrderInput,
    FindingDecisionInput, IssueOrderInput, OrderDecisionInput, ProposeFindingsInput,
    RaiseFindingInput, RequestFindingReviewInput,
};
use super::types::{FindingView, OrderView};
use crate::graphql::kit::{allow, execute, request, Outcome};
use crate::service::policy::Access;
use crate::service::rectification as app;
use crate::service::{parse_field, AppError};

/// The result of a finding command.
#[derive(MergedObject, Debug, Clone)]
pub struct FindingResult(Outcome, FindingTarget);

/// The finding a command changed.
#[derive(Debug, Clone)]
pub struct FindingTarget {
    id: String,
}

/// The finding a command changed.
#[Object]
impl FindingTarget {
    /// The finding as it is now.
    async fn finding(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<FindingView>> {
        let (state, rc) = request(ctx)?;
        let as_of = AsOf::now();
        match app::one::<Finding>(
            &state.pool,
            rc,
            &self.id,
            as_of,
            |f| f.subject().map(|s| &s.department_id),
            "FINDING_NOT_FOUND",
        )
        .await
        {
            Ok(s) => Ok(Some(FindingView {
                s,
                at: as_of.valid_at,
            })),
            Err(e) if e.rule() == Some("FINDING_NOT_FOUND") => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// The result of an order command.
#[derive(MergedObject, Debug, Clone)]
pub struct OrderResult(Outcome, OrderTarget);

/// The order a command changed.
#[derive(Debug, Clone)]
pub struct OrderTarget {
    id: String,
}

/// The order a command changed.
#[Object]
impl OrderTarget {
    /// The order as it is now.
    async fn order(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrderView>> {
        let (state, rc) = request(ctx)?;
        let as_of = AsOf::now();
        match app::one::<RectificationOrder>(
            &state.pool,
            rc,
            &self.id,
            as_of,
            |o| o.department(),
            "ORDER_NOT_FOUND",
        )
        .await
        {
            Ok(s) => Ok(Some(OrderView {
                s,
                at: as_of.valid_at,
            })),
            Err(e) if e.rule() == Some("ORDER_NOT_FOUND") => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// What `proposeFindings` raised.
#[derive(SimpleObject, Debug, Clone)]
pub struct ProposedFindings {
    /// The proposals raised now (those raised before are not repeated).
    pub finding_ids: Vec<String>,
}

fn entity(field: &str, id: &ID) -> Result<EntityId, AppError> {
    parse_field(field, EntityId::parse(id))
}

async fn finding_command(
    ctx: &Context<'_>,
    id: &EntityId,
    command: FindingCommand,
    options: &crate::graphql::kit::CommandOptions,
) -> async_graphql::Result<FindingResult> {
    let outcome = execute::<Finding>(ctx, id.as_str(), Some(id.clone()), command, options).await?;
    Ok(FindingResult(outcome, FindingTarget { id: id.to_string() }))
}

async fn order_command(
    ctx: &Context<'_>,
    id: &EntityId,
    command: OrderCommand,
    options: &crate::graphql::kit::CommandOptions,
) -> async_graphql::Result<OrderResult> {
    let outcome =
        execute::<RectificationOrder>(ctx, id.as_str(), Some(id.clone()), command, options).await?;
    Ok(OrderResult(outcome, OrderTarget { id: id.to_string() }))
}

/// Rectification mutations.
#[derive(Default, Debug)]
pub struct RectificationMutation;

#[Object]
impl RectificationMutation {
    /// Raise a finding against a department (in a round, or outside one). Refused:
    /// `DEPARTMENT_NOT_FOUND`, `UNIT_NOT_FOUND`, `TASK_NOT_FOUND`, `POST_NOT_FOUND`,
    /// `ROUND_NOT_FOUND`, `DEPARTMENT_NOT_IN_ROUND`, `FINDING_EXISTS`, `TOO_MUCH_EVIDENCE`.
    async fn raise_finding(
        &self,
        ctx: &Context<'_>,
        input: RaiseFindingInput,
    ) -> async_graphql::Result<FindingResult> {
        allow(ctx, Access::RunSupervision)?;
        let (state, rc) = request(ctx)?;
        let (id, subject) = input.parse()?;
        let when = input.options.when()?;
        let outcome = state
            .commands
            .raise_finding(rc, &id, subject, false, when)
            .await?;
        Ok(FindingResult(
            Outcome {
                id: Some(id.clone()),
                outcome,
            },
            FindingTarget { id: id.to_string() },
        ))
    }

    /// Propose findings from the data for a round's departments (tasks no post holds, boundary
    /// matters without a ruling); a supervisor confirms or dismisses each. Proposing again
    /// raises only what is new.
    async fn propose_findings(
        &self,
        ctx: &Context<'_>,
        input: ProposeFindingsInput,
    ) -> async_graphql::Result<ProposedFindings> {
        allow(ctx, Access::RunSupervision)?;
        let (state, rc) = request(ctx)?;
        let when = input.options.when()?;
        let ids = state
            .commands
            .propose_findings(rc, &input.round_id, when)
            .await?;
        Ok(ProposedFindings {
            finding_ids: ids.iter().map(ToString::to_string).collect(),
        })
    }

    /// Confirm a proposal. Refused: `NOT_A_PROPOSAL`, `FINDING_DISMISSED`, `FINDING_NOT_FOUND`.
    async fn confirm_finding(
        &self,
        ctx: &Context<'_>,
        input: FindingDecisionInput,
    ) -> async_graphql::Result<FindingResult> {
        allow(ctx, Access::RunSupervision)?;
        let id = entity("findingId", &input.finding_id)?;
        finding_command(ctx, &id, FindingCommand::Confirm, &input.options).await
    }

    /// Dismiss a finding with a reason. Refused: `FINDING_DISMISSED`, `FINDING_NOT_FOUND`.
    async fn dismiss_finding(
        &self,
        ctx: &Context<'_>,
        input: FindingDecisionInput,
    ) -> async_graphql::Result<FindingResult> {
        allow(ctx, Access::RunSupervision)?;
        let id = entity("findingId", &input.finding_id)?;
        let reason = required("reason", &input.reason)?;
        finding_command(ctx, &id, FindingCommand::Dismiss { reason }, &input.options).await
    }

    /// The department asks for a formal review (复核) of a finding, within 10 working days of
    /// the finding standing. Refused: `REVIEW_WINDOW_CLOSED`, `NOT_REVIEWABLE` (a proposal),
    /// `REVIEW_EXISTS`, `FINDING_DISMISSED`.
    async fn request_finding_review(
        &self,
        ctx: &Context<'_>,
        input: RequestFindingReviewInput,
    ) -> async_graphql::Result<FindingResult> {
        let (state, rc) = request(ctx)?;
        let id = entity("findingId", &input.finding_id)?;
        let request_id = input
            .options
            .entity_or_new("requestId", &input.request_id)?;
        let reason = required("reason", &Some(input.reason.clone()))?;
        let when = input.options.when()?;
        let outcome = state
            .commands
            .request_finding_review(rc, id.as_str(), request_id.clone(), reason, when)
            .await?;
        Ok(FindingResult(
            Outcome {
                id: Some(request_id),
                outcome,
            },
            FindingTarget { id: id.to_string() },
        ))
    }

    /// The office decides a review of a finding, once: `UPHELD`, `CHANGED` (with a new severity
    /// or description), `DISMISSED`. Refused: `REVIEW_DECIDED`, `REVIEW_NOT_FOUND`,
    /// `INVALID_DECISION`.
    async fn decide_finding_review(
        &self,
        ctx: &Context<'_>,
        input: DecideFindingReviewInput,
    ) -> async_graphql::Result<FindingResult> {
        allow(ctx, Access::RunSupervision)?;
        let id = entity("findingId", &input.finding_id)?;
        let when = input.options.when()?;
        let command = FindingCommand::DecideReview {
            request_id: entity("requestId", &input.request_id)?,
            outcome: input.outcome.into(),
            reason: required("reason", &Some(input.reason.clone()))?,
            at: when.effective_at.unwrap_or_else(chrono::Utc::now),
            severity: input.severity.map(Into::into),
            description: optional("description", &input.description)?,
        };
        finding_command(ctx, &id, command, &input.options).await
    }

    /// Issue a rectification order to a department from its findings, due a number of working
    /// days later on the working-day calendar. Refused: `FINDING_NOT_FOUND`,
    /// `FINDING_NOT_CONFIRMED`, `FINDING_OF_ANOTHER_DEPARTMENT`, `CALENDAR_YEAR_MISSING`,
    /// `ORDER_EXISTS`.
    async fn issue_rectification_order(
        &self,
        ctx: &Context<'_>,
        input: IssueOrderInput,
    ) -> async_graphql::Result<OrderResult> {
        allow(ctx, Access::RunSupervision)?;
        let (state, rc) = request(ctx)?;
        let (id, department, findings, round, requirement, days) = input.parse()?;
        let when = input.options.when()?;
        let outcome = state
            .commands
            .issue_order(
                rc,
                &id,
                department,
                findings,
                round,
                requirement,
                days,
                when,
            )
            .await?;
        Ok(OrderResult(
            Outcome {
                id: Some(id.clone()),
                outcome,
            },
            OrderTarget { id: id.to_string() },
        ))
    }

    /// The department's clerk answers an order (measures, attachments by reference). Refused:
    /// `NOT_AWAITING_ANSWER`, `ORDER_CLOSED`, `INVALID_ATTACHMENT`, `ORDER_NOT_FOUND`;
    /// `FORBIDDEN` for another department's order.
    async fn answer_rectification_order(
        &self,
        ctx: &Context<'_>,
        input: AnswerOrderInput,
    ) -> async_graphql::Result<OrderResult> {
        let id = entity("orderId", &input.order_id)?;
        let (measures, attachments) = input.parse()?;
        order_command(
            ctx,
            &id,
            OrderCommand::Answer {
                measures,
                attachments,
            },
            &input.options,
        )
        .await
    }

    /// The office returns an answer with reasons: the department answers again. Refused:
    /// `NOT_ANSWERED`, `ORDER_CLOSED`.
    async fn return_rectification_order(
        &self,
        ctx: &Context<'_>,
        input: OrderDecisionInput,
    ) -> async_graphql::Result<OrderResult> {
        allow(ctx, Access::RunSupervision)?;
        let id = entity("orderId", &input.order_id)?;
        let reasons = required("reason", &input.reason)?;
        order_command(ctx, &id, OrderCommand::Return { reasons }, &input.options).await
    }

    /// The office accepts an answer: the order is closed. Refused: `NOT_ANSWERED`,
    /// `ALREADY_ACCEPTED`.
    async fn accept_rectification_order(
        &self,
        ctx: &Context<'_>,
        input: OrderDecisionInput,
    ) -> async_graphql::Result<OrderResult> {
        allow(ctx, Access::RunSupervision)?;
        let id = entity("orderId", &input.order_id)?;
        let note = optional("reason", &input.reason)?;
        order_command(ctx, &id, OrderCommand::Accept { note }, &input.options).await
    }

    /// The office extends an order's due date, with a reason. Refused: `EXTENSION_NOT_LATER`,
    /// `ORDER_CLOSED`.
    async fn extend_rectification_order(
        &self,
        ctx: &Context<'_>,
        input: ExtendOrderInput,
    ) -> async_graphql::Result<OrderResult> {
        allow(ctx, Access::RunSupervision)?;
        let id = entity("orderId", &input.order_id)?;
        let reason = required("reason", &Some(input.reason.clone()))?;
        order_command(
            ctx,
            &id,
            OrderCommand::Extend {
                due_at: input.due_at,
                reason,
            },
            &input.options,
        )
        .await
    }
}
