//! One mutation per workflow chart command, each executed through the application layer with
//! the facts of the task's department at the command's effective time.

use async_graphql::{Context, MergedObject, Object, ID};
use chrono::Utc;
use dutyledger_domain::values::{CreditCode, EntityId};
use dutyledger_domain::workflow::{self, WorkflowChart, WorkflowCommand};
use dutyledger_projections::duty_list::AsOf;
use dutyledger_projections::workflow as read;

use super::inputs::*;
use super::types::WorkflowVersion;
use crate::graphql::kit::{allow, execute_when, request, Outcome};
use crate::service::checks::task_facts;
use crate::service::policy::Access;
use crate::service::AppError;

/// The result of a workflow command: what every command returns, and the chart.
#[derive(MergedObject, Debug, Clone)]
pub struct WorkflowResult(Outcome, ChartTarget);

/// The chart a command changed.
#[derive(Debug, Clone)]
pub struct ChartTarget {
    department_id: CreditCode,
    task_id: EntityId,
}

/// The chart a command changed.
#[Object]
impl ChartTarget {
    /// The department.
    async fn department_id(&self) -> ID {
        ID(self.department_id.to_string())
    }

    /// The task.
    async fn task_id(&self) -> ID {
        ID(self.task_id.to_string())
    }

    /// The version in force now, as the read models show it.
    async fn workflow(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<WorkflowVersion>> {
        let (app, rc) = request(ctx)?;
        Ok(read::in_force(
            &app.pool,
            self.department_id.as_str(),
            self.task_id.as_str(),
            AsOf::now(),
        )
        .await
        .map_err(|e| AppError::from_store(e, &rc.request_id))?
        .map(Into::into))
    }
}

enum Kind<'a> {
    Draft(&'a [WorkflowStepInput]),
    Edit(&'a [WorkflowStepInput]),
    Publish,
    Withdraw,
    Supersede(&'a [WorkflowStepInput]),
}

async fn run(
    ctx: &Context<'_>,
    department_id: &ID,
    task_id: &ID,
    options: &crate::graphql::kit::CommandOptions,
    kind: Kind<'_>,
) -> async_graphql::Result<WorkflowResult> {
    let (app, rc) = request(ctx)?;
    // Before the input is parsed: FORBIDDEN whatever a non-writer sends.
    allow(ctx, Access::WriteAnyStructure)?;
    let (department, task) = task(department_id, task_id)?;
    let when = options.when()?;
    let at = when.effective_at.unwrap_or_else(Utc::now);
    let facts = || task_facts(&app.pool, &department, &task, at, &rc.request_id);
    let command = match kind {
        Kind::Draft(steps) => WorkflowCommand::Draft {
            chart: chart(steps)?,
            facts: facts().await?,
        },
        Kind::Edit(steps) => WorkflowCommand::Edit {
            chart: chart(steps)?,
            facts: facts().await?,
        },
        Kind::Publish => WorkflowCommand::Publish {
            facts: facts().await?,
        },
        Kind::Withdraw => WorkflowCommand::Withdraw,
        Kind::Supersede(steps) => WorkflowCommand::Supersede {
            chart: chart(steps)?,
            facts: facts().await?,
        },
    };
    let stream = workflow::stream_id(&department, &task);
    let outcome =
        execute_when::<WorkflowChart>(app, rc, &stream, Some(task.clone()), command, when).await?;
    Ok(WorkflowResult(
        outcome,
        ChartTarget {
            department_id: department,
            task_id: task,
        },
    ))
}

/// Workflow chart mutations (the supervision office's).
#[derive(Default, Debug)]
pub struct WorkflowMutation;

#[Object]
impl WorkflowMutation {
    /// Draft a new version of a task's workflow chart (one draft at a time). Every step's unit
    /// and post must be in force in the department at `effectiveAt`; 1 to 4 sign-off levels.
    async fn draft_workflow(
        &self,
        ctx: &Context<'_>,
        input: WorkflowChartInput,
    ) -> async_graphql::Result<WorkflowResult> {
        run(
            ctx,
            &input.department_id,
            &input.task_id,
            &input.options,
            Kind::Draft(&input.steps),
        )
        .await
    }

    /// Replace the draft's steps.
    async fn edit_workflow_draft(
        &self,
        ctx: &Context<'_>,
        input: WorkflowChartInput,
    ) -> async_graphql::Result<WorkflowResult> {
        run(
            ctx,
            &input.department_id,
            &input.task_id,
            &input.options,
            Kind::Edit(&input.steps),
        )
        .await
    }

    /// Publish the draft: it is in force from `effectiveAt` and supersedes the version before.
    /// A high-risk task's chart needs a time limit on every step; content identical to the
    /// version in force creates no new version (`events: 0`).
    async fn publish_workflow(
        &self,
        ctx: &Context<'_>,
        input: WorkflowDraftInput,
    ) -> async_graphql::Result<WorkflowResult> {
        run(
            ctx,
            &input.department_id,
            &input.task_id,
            &input.options,
            Kind::Publish,
        )
        .await
    }

    /// Withdraw the draft.
    async fn withdraw_workflow_draft(
        &self,
        ctx: &Context<'_>,
        input: WorkflowDraftInput,
    ) -> async_graphql::Result<WorkflowResult> {
        run(
            ctx,
            &input.department_id,
            &input.task_id,
            &input.options,
            Kind::Withdraw,
        )
        .await
    }

    /// Publish new steps at once, superseding the version in force (imports, a re-engineering
    /// round decided elsewhere). Identical content creates no new version.
    async fn supersede_workflow(
        &self,
        ctx: &Context<'_>,
        input: WorkflowChartInput,
    ) -> async_graphql::Result<WorkflowResult> {
        run(
            ctx,
            &input.department_id,
            &input.task_id,
            &input.options,
            Kind::Supersede(&input.steps),
        )
        .await
    }
}
