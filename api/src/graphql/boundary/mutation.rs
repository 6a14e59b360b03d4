//! One mutation per boundary command, each executed through the application layer (which asks
//! the policy and checks that the parties exist).

use async_graphql::{Context, MergedObject, Object, ID};
use dutyledger_domain::boundary::{BoundaryCommand, BoundaryMatter as Matter, Party};
use dutyledger_domain::values::{CreditCode, EntityId};
use dutyledger_projections::boundary_list;
use dutyledger_projections::duty_list::AsOf;

use super::inputs::*;
use super::types::BoundaryMatter;
use crate::graphql::kit::{allow, execute, request, CommandOptions, Outcome};
use crate::graphql::structure::inputs::{entity, name, text};
use crate::service::policy::Access;
use crate::service::{parse_field, AppError};

/// The result of a boundary command: what every command returns, and the matter.
#[derive(MergedObject, Debug, Clone)]
pub struct BoundaryResult(Outcome, MatterTarget);

/// The matter a boundary command changed.
#[derive(Debug, Clone)]
pub struct MatterTarget {
    matter_id: EntityId,
}

/// The matter a boundary command changed.
#[Object]
impl MatterTarget {
    /// The matter.
    async fn matter_id(&self) -> ID {
        ID(self.matter_id.to_string())
    }

    /// The matter as the read models show it now.
    async fn matter(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<BoundaryMatter>> {
        let (app, rc) = request(ctx)?;
        Ok(
            boundary_list::matter(&app.pool, self.matter_id.as_str(), AsOf::now())
                .await
                .map_err(|e| AppError::from_store(e, &rc.request_id))?
                .map(Into::into),
        )
    }
}

async fn run(
    ctx: &Context<'_>,
    matter_id: EntityId,
    id: Option<EntityId>,
    command: BoundaryCommand,
    options: &CommandOptions,
) -> async_graphql::Result<BoundaryResult> {
    let outcome = execute::<Matter>(ctx, matter_id.as_str(), id, command, options).await?;
    Ok(BoundaryResult(outcome, MatterTarget { matter_id }))
}

/// Boundary list mutations (the supervision office's; a clerk may raise a dispute for its own
/// department).
#[derive(Default, Debug)]
pub struct BoundaryMutation;

#[Object]
impl BoundaryMutation {
    /// Register a boundary matter with its parties (departments must exist; named sections must
    /// be units of their departments).
    async fn register_boundary_matter(
        &self,
        ctx: &Context<'_>,
        input: RegisterBoundaryMatterInput,
    ) -> async_graphql::Result<BoundaryResult> {
        // Before the input is parsed: FORBIDDEN whatever a non-writer sends.
        allow(ctx, Access::WriteBoundary)?;
        let matter_id = input.options.entity_or_new("matterId", &input.matter_id)?;
        if input.parties.len() > 50 {
            return Err(AppError::bad_input("parties", "at most 50 parties").into());
        }
        let parties = input
            .parties
            .iter()
            .map(|p| {
                Ok(Party {
                    party_id: entity("parties.partyId", &p.party_id)?,
                    department_id: parse_field(
                        "parties.departmentId",
                        CreditCode::parse(&p.department_id),
                    )?,
                    unit_id: p
                        .unit_id
                        .as_ref()
                        .map(|u| entity("parties.unitId", u))
                        .transpose()?,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let command = BoundaryCommand::RegisterMatter {
            kind: input.kind.into(),
            field: name("field", &input.field)?,
            title: name("title", &input.title)?,
            description: input
                .description
                .as_deref()
                .map(|d| text("description", d))
                .transpose()?,
            parties,
        };
        run(
            ctx,
            matter_id.clone(),
            Some(matter_id),
            command,
            &input.options,
        )
        .await
    }

    /// Give a matter its first ruling: per stage exactly one lead and any cooperating parties,
    /// each with its duty; the basis; the coordination mechanisms.
    async fn rule_boundary_matter(
        &self,
        ctx: &Context<'_>,
        input: BoundaryRulingInput,
    ) -> async_graphql::Result<BoundaryResult> {
        // Before the input is parsed: FORBIDDEN whatever a non-writer sends.
        allow(ctx, Access::WriteBoundary)?;
        let matter_id = entity("matterId", &input.matter_id)?;
        let command = BoundaryCommand::RuleMatter {
            ruling: input.ruling.parse()?,
        };
        run(ctx, matter_id, None, command, &input.options).await
    }

    /// Replace the ruling in force (the earlier one stays in the history).
    async fn revise_boundary_ruling(
        &self,
        ctx: &Context<'_>,
        input: BoundaryRulingInput,
    ) -> async_graphql::Result<BoundaryResult> {
        // Before the input is parsed: FORBIDDEN whatever a non-writer sends.
        allow(ctx, Access::WriteBoundary)?;
        let matter_id = entity("matterId", &input.matter_id)?;
        let command = BoundaryCommand::ReviseRuling {
            ruling: input.ruling.parse()?,
        };
        run(ctx, matter_id, None, command, &input.options).await
    }

    /// Raise a dispute about the ruling in force (a supervisor, or a clerk of the disputing
    /// party's department).
    async fn raise_boundary_dispute(
        &self,
        ctx: &Context<'_>,
        input: RaiseBoundaryDisputeInput,
    ) -> async_graphql::Result<BoundaryResult> {
        let matter_id = entity("matterId", &input.matter_id)?;
        let party_id = entity("partyId", &input.party_id)?;
        let dispute_id = input
            .options
            .entity_or_new("disputeId", &input.dispute_id)?;
        let command = BoundaryCommand::RaiseDispute {
            dispute_id: dispute_id.clone(),
            party_id,
            reason: text("grounds", &input.grounds)?,
        };
        run(ctx, matter_id, Some(dispute_id), command, &input.options).await
    }

    /// Decide an open dispute, possibly with a revised ruling.
    async fn decide_boundary_dispute(
        &self,
        ctx: &Context<'_>,
        input: DecideBoundaryDisputeInput,
    ) -> async_graphql::Result<BoundaryResult> {
        // Before the input is parsed: FORBIDDEN whatever a non-writer sends.
        allow(ctx, Access::WriteBoundary)?;
        let matter_id = entity("matterId", &input.matter_id)?;
        let dispute_id = entity("disputeId", &input.dispute_id)?;
        let command = BoundaryCommand::DecideDispute {
            dispute_id: dispute_id.clone(),
            decision: text("decision", &input.decision)?,
            revised_ruling: input
                .revised_ruling
                .as_ref()
                .map(RulingInput::parse)
                .transpose()?,
        };
        run(ctx, matter_id, Some(dispute_id), command, &input.options).await
    }

    /// Retire a matter (refused while a dispute is open).
    async fn retire_boundary_matter(
        &self,
        ctx: &Context<'_>,
        input: RetireBoundaryMatterInput,
    ) -> async_graphql::Result<BoundaryResult> {
        // Before the input is parsed: FORBIDDEN whatever a non-writer sends.
        allow(ctx, Access::WriteBoundary)?;
        let matter_id = entity("matterId", &input.matter_id)?;
        run(
            ctx,
            matter_id,
            None,
            BoundaryCommand::RetireMatter,
            &input.options,
        )
        .await
    }
}
