//! One mutation per department command. Mutations only execute commands; each returns after
//! the read models show its effect (or the bounded wait ran out, see `projected`).

use async_graphql::{Context, MergedObject, Object, ID};
use dutyledger_domain::department::Department as DomainDepartment;
use dutyledger_domain::values::CreditCode;
use dutyledger_projections::duty_list::{self, AsOf};

use super::inputs::*;
use super::types::Department;
use crate::graphql::kit::{execute_when, request, Outcome};
use crate::service::policy::{authorize, Access};
use crate::service::AppError;

/// The result of a department command: what every command returns, and the department.
#[derive(MergedObject, Debug, Clone)]
pub struct CommandResult(Outcome, DepartmentTarget);

/// The department a command changed.
#[derive(Debug, Clone)]
pub struct DepartmentTarget {
    department_id: CreditCode,
}

/// The department a command changed.
#[Object]
impl DepartmentTarget {
    /// The department the command changed.
    async fn department_id(&self) -> ID {
        ID(self.department_id.to_string())
    }

    /// The department as the read models show it now.
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Department>> {
        let (app, rc) = request(ctx)?;
        let s = duty_list::structure(&app.pool, self.department_id.as_str(), AsOf::now())
            .await
            .map_err(|e| AppError::from_store(e, &rc.request_id))?;
        Ok(s.map(Department::from_structure))
    }
}

pub(crate) async fn run(
    ctx: &Context<'_>,
    parsed: Result<Parsed, AppError>,
) -> async_graphql::Result<CommandResult> {
    let (app, rc) = request(ctx)?;
    // Before the input is parsed: a role that may never write gets FORBIDDEN whatever it sends.
    authorize(&rc.actor, Access::WriteAnyStructure)?;
    let Parsed {
        department,
        command,
        entity,
        when,
    } = parsed?;
    let outcome =
        execute_when::<DomainDepartment>(app, rc, department.as_str(), entity, command, when)
            .await?;
    Ok(CommandResult(
        outcome,
        DepartmentTarget {
            department_id: department,
        },
    ))
}

/// Mutations of the duty-task list (三定 structure).
#[derive(Default, Debug)]
pub struct StructureMutation;

#[Object]
impl StructureMutation {
    /// Establish a department (once per credit code).
    async fn establish_department(
        &self,
        ctx: &Context<'_>,
        input: EstablishDepartmentInput,
    ) -> async_graphql::Result<CommandResult> {
        let parsed = input.parse().and_then(|(id, command)| {
            Ok(Parsed {
                department: id,
                command,
                entity: None,
                when: input.options.when()?,
            })
        });
        run(ctx, parsed).await
    }

    /// Define a main duty (主要职责).
    async fn define_main_duty(
        &self,
        ctx: &Context<'_>,
        input: DefineMainDutyInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }

    /// Amend a main duty's wording.
    async fn amend_main_duty(
        &self,
        ctx: &Context<'_>,
        input: AmendMainDutyInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }

    /// Revoke a main duty; refused while unit duties derive from it.
    async fn revoke_main_duty(
        &self,
        ctx: &Context<'_>,
        input: RevokeMainDutyInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }

    /// Establish an internal unit (科室).
    async fn establish_unit(
        &self,
        ctx: &Context<'_>,
        input: EstablishUnitInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }

    /// Rename a unit.
    async fn rename_unit(
        &self,
        ctx: &Context<'_>,
        input: RenameUnitInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }

    /// Merge a unit into another: its duties (with tasks and assignments), posts and staffing
    /// move to the surviving unit, and it ceases to exist.
    async fn merge_units(
        &self,
        ctx: &Context<'_>,
        input: MergeUnitsInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }

    /// Abolish a unit; refused while it holds duties or posts.
    async fn abolish_unit(
        &self,
        ctx: &Context<'_>,
        input: AbolishUnitInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }

    /// Give a unit a duty derived from a main duty.
    async fn assign_unit_duty(
        &self,
        ctx: &Context<'_>,
        input: AssignUnitDutyInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }

    /// Transfer a unit duty to another unit; its tasks move and their assignments end.
    async fn transfer_unit_duty(
        &self,
        ctx: &Context<'_>,
        input: TransferUnitDutyInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }

    /// Revoke a unit duty; refused while it has tasks.
    async fn revoke_unit_duty(
        &self,
        ctx: &Context<'_>,
        input: RevokeUnitDutyInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }

    /// Define a work task split from a unit duty.
    async fn define_task(
        &self,
        ctx: &Context<'_>,
        input: DefineTaskInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }

    /// Replace a task's details.
    async fn amend_task(
        &self,
        ctx: &Context<'_>,
        input: AmendTaskInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }

    /// Retire a task; its assignments end.
    async fn retire_task(
        &self,
        ctx: &Context<'_>,
        input: RetireTaskInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }

    /// Create a post (岗位) in a unit.
    async fn create_post(
        &self,
        ctx: &Context<'_>,
        input: CreatePostInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }

    /// Abolish a post; refused while it holds tasks.
    async fn abolish_post(
        &self,
        ctx: &Context<'_>,
        input: AbolishPostInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }

    /// Let a post hold a task; the post must belong to the unit that holds the task.
    async fn assign_task_to_post(
        &self,
        ctx: &Context<'_>,
        input: TaskPostInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse_assign()).await
    }

    /// End a post's hold on a task.
    async fn unassign_task_from_post(
        &self,
        ctx: &Context<'_>,
        input: TaskPostInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse_unassign()).await
    }

    /// Set the department's staffing headcount (编制数).
    async fn set_department_staffing(
        &self,
        ctx: &Context<'_>,
        input: SetDepartmentStaffingInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }

    /// Set a unit's staffing headcount.
    async fn set_unit_staffing(
        &self,
        ctx: &Context<'_>,
        input: SetUnitStaffingInput,
    ) -> async_graphql::Result<CommandResult> {
        run(ctx, input.parse()).await
    }
}
