//! What each aggregate's commands need from the policy and from other aggregates: one
//! [`Executable`] impl per aggregate. A new aggregate adds its impl here.

use chrono::{DateTime, Utc};
use dutyledger_domain::boundary::{BoundaryCommand, BoundaryMatter};
use dutyledger_domain::calendar::{Calendar, CalendarCommand};
use dutyledger_domain::complaint::{Complaint, ComplaintCommand, FlagCommand, KeySupervision};
use dutyledger_domain::department::{Department, DepartmentCommand};
use dutyledger_domain::finding::{Finding, FindingCommand};
use dutyledger_domain::rectification::{OrderCommand, RectificationOrder};
use dutyledger_domain::round::{RoundCommand, SupervisionRound};
use dutyledger_domain::scheme::{IndicatorScheme, SchemeCommand};
use dutyledger_domain::values::CreditCode;
use dutyledger_domain::workflow::{WorkflowChart, WorkflowCommand};
use dutyledger_projections::boundary_list;
use dutyledger_projections::duty_list::AsOf;

use super::checks;
use super::commands::{Commands, Executable, ReadModels};
use super::error::{parse_field, AppError};
use super::policy::{authorize, authorize_dispute, Access};
use crate::context::RequestContext;

#[async_trait::async_trait]
impl Executable for Department {
    const READ_MODELS: ReadModels = ReadModels::Lists;

    async fn authorize(
        _commands: &Commands,
        ctx: &RequestContext,
        id: &str,
        _command: &DepartmentCommand,
    ) -> Result<(), AppError> {
        let department = parse_field("departmentId", CreditCode::parse(id))?;
        authorize(&ctx.actor, Access::WriteStructure(&department))
    }
}

#[async_trait::async_trait]
impl Executable for BoundaryMatter {
    const READ_MODELS: ReadModels = ReadModels::Lists;

    async fn authorize(
        commands: &Commands,
        ctx: &RequestContext,
        id: &str,
        command: &BoundaryCommand,
    ) -> Result<(), AppError> {
        let BoundaryCommand::RaiseDispute { party_id, .. } = command else {
            return authorize(&ctx.actor, Access::WriteBoundary);
        };
        if authorize(&ctx.actor, Access::WriteBoundary).is_ok() {
            return Ok(());
        }
        // Anyone else raises a dispute only for a party of their own department.
        let view = boundary_list::matter(commands.pool(), id, AsOf::now())
            .await
            .map_err(|e| AppError::from_store(e, &ctx.request_id))?;
        let department = view
            .as_ref()
            .and_then(|v| v.parties.iter().find(|p| p.party_id == party_id.as_str()))
            .and_then(|p| CreditCode::parse(&p.department_id).ok());
        authorize_dispute(&ctx.actor, department.as_ref())
    }

    async fn check(
        commands: &Commands,
        ctx: &RequestContext,
        command: &BoundaryCommand,
        at: DateTime<Utc>,
    ) -> Result<(), AppError> {
        match command {
            BoundaryCommand::RegisterMatter { parties, .. } => {
                checks::parties_exist(commands.pool(), parties, at, &ctx.request_id).await
            }
            _ => Ok(()),
        }
    }
}

/// A task's workflow chart is part of its department's structure (“one table, one chart”):
/// written by whoever may change that department's structure. The stream is `department/task`.
#[async_trait::async_trait]
impl Executable for WorkflowChart {
    const READ_MODELS: ReadModels = ReadModels::Lists;

    async fn authorize(
        _commands: &Commands,
        ctx: &RequestContext,
        id: &str,
        _command: &WorkflowCommand,
    ) -> Result<(), AppError> {
        let department = id.split_once('/').map_or(id, |(d, _)| d);
        let department = parse_field("departmentId", CreditCode::parse(department))?;
        authorize(&ctx.actor, Access::WriteStructure(&department))
    }
}

/// The working-day calendar is everyone's: only the supervision office (and the system, for the
/// CLI and the seed) loads or amends it. It has no read model (ADR 0013): nothing to wait for
/// but the projector passing its events.
#[async_trait::async_trait]
impl Executable for Calendar {
    const READ_MODELS: ReadModels = ReadModels::Lists;

    async fn authorize(
        _commands: &Commands,
        ctx: &RequestContext,
        _id: &str,
        _command: &CalendarCommand,
    ) -> Result<(), AppError> {
        authorize(&ctx.actor, Access::WriteCalendar)
    }
}

/// Indicator schemes are the supervision office's.
#[async_trait::async_trait]
impl Executable for IndicatorScheme {
    const READ_MODELS: ReadModels = ReadModels::Lists;

    async fn authorize(
        _commands: &Commands,
        ctx: &RequestContext,
        _id: &str,
        _command: &SchemeCommand,
    ) -> Result<(), AppError> {
        authorize(&ctx.actor, Access::RunSupervision)
    }
}

/// Supervision rounds are the supervision office's, but a department asks for the review of
/// its own scores. Like the calendar and schemes, a round has no read model (ADR 0014): it is
/// folded from its stream on read.
#[async_trait::async_trait]
impl Executable for SupervisionRound {
    const READ_MODELS: ReadModels = ReadModels::Lists;

    async fn authorize(
        _commands: &Commands,
        ctx: &RequestContext,
        _id: &str,
        command: &RoundCommand,
    ) -> Result<(), AppError> {
        match command {
            RoundCommand::RequestReview { department_id, .. } => {
                authorize(&ctx.actor, Access::RequestReview(department_id))
            }
            _ => authorize(&ctx.actor, Access::RunSupervision),
        }
    }
}

/// The department of a finding or order as it stands now (`None`: it does not exist).
async fn department_of<A>(
    commands: &Commands,
    id: &str,
    of: impl Fn(&A) -> Option<CreditCode>,
) -> Option<CreditCode>
where
    A: dutyledger_domain::timeline::Decide + cqrs_es::Aggregate,
    <A as dutyledger_domain::timeline::Decide>::Event: serde::de::DeserializeOwned,
{
    dutyledger_projections::supervision::load_stream::<A>(commands.pool(), id, AsOf::now())
        .await
        .ok()
        .flatten()
        .and_then(|s| of(&s.state))
}

/// Findings are the office's; a department asks for the review of its own.
#[async_trait::async_trait]
impl Executable for Finding {
    const READ_MODELS: ReadModels = ReadModels::Lists;

    async fn authorize(
        commands: &Commands,
        ctx: &RequestContext,
        id: &str,
        command: &FindingCommand,
    ) -> Result<(), AppError> {
        if authorize(&ctx.actor, Access::RunSupervision).is_ok() {
            return Ok(());
        }
        let FindingCommand::RequestReview { .. } = command else {
            return authorize(&ctx.actor, Access::RunSupervision);
        };
        match department_of::<Finding>(commands, id, |f| {
            f.subject().map(|s| s.department_id.clone())
        })
        .await
        {
            Some(d) => authorize(&ctx.actor, Access::RequestReview(&d)),
            None => authorize(&ctx.actor, Access::RunSupervision),
        }
    }
}

/// Orders are the office's; the department's clerk answers its own.
#[async_trait::async_trait]
impl Executable for RectificationOrder {
    const READ_MODELS: ReadModels = ReadModels::Lists;

    async fn authorize(
        commands: &Commands,
        ctx: &RequestContext,
        id: &str,
        command: &OrderCommand,
    ) -> Result<(), AppError> {
        if authorize(&ctx.actor, Access::RunSupervision).is_ok() {
            return Ok(());
        }
        let OrderCommand::Answer { .. } = command else {
            return authorize(&ctx.actor, Access::RunSupervision);
        };
        match department_of::<RectificationOrder>(commands, id, |o| o.department().cloned()).await {
            Some(d) => authorize(&ctx.actor, Access::AnswerOrder(&d)),
            None => authorize(&ctx.actor, Access::RunSupervision),
        }
    }
}

/// 12345 tickets are recorded by the office (or the system, for imports).
#[async_trait::async_trait]
impl Executable for Complaint {
    const READ_MODELS: ReadModels = ReadModels::Lists;

    async fn authorize(
        _commands: &Commands,
        ctx: &RequestContext,
        _id: &str,
        _command: &ComplaintCommand,
    ) -> Result<(), AppError> {
        authorize(&ctx.actor, Access::WriteComplaints)
    }
}

/// Key supervision flags are the office's.
#[async_trait::async_trait]
impl Executable for KeySupervision {
    const READ_MODELS: ReadModels = ReadModels::Lists;

    async fn authorize(
        _commands: &Commands,
        ctx: &RequestContext,
        _id: &str,
        _command: &FlagCommand,
    ) -> Result<(), AppError> {
        authorize(&ctx.actor, Access::RunSupervision)
    }
}

impl Commands {
    /// Publishes `chart` at once as the version of a task's workflow chart in force from
    /// `when.effective_at` (now if absent), superseding the version before, with the task's
    /// facts at that time: what loaders (the demo data, the spreadsheet import) do. Identical
    /// content publishes nothing (`events: 0`).
    pub async fn publish_chart(
        &self,
        ctx: &RequestContext,
        department: &CreditCode,
        task: &dutyledger_domain::values::EntityId,
        chart: dutyledger_domain::workflow::Chart,
        when: super::commands::When,
    ) -> Result<super::commands::CommandOutcome, AppError> {
        let at = when.effective_at.unwrap_or_else(chrono::Utc::now);
        let facts = checks::task_facts(self.pool(), department, task, at, &ctx.request_id).await?;
        self.execute::<WorkflowChart>(
            ctx,
            &dutyledger_domain::workflow::stream_id(department, task),
            WorkflowCommand::Supersede { facts, chart },
            when,
        )
        .await
    }
}
