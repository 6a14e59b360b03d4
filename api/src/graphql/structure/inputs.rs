//! Input objects of the department mutations, and their parsing into domain commands.

use async_graphql::{InputObject, MaybeUndefined, ID};
use dutyledger_domain::department::{Change, DepartmentCommand, RiskFlags, TaskDetails, TaskPatch};
use dutyledger_domain::values::{
    CreditCode, DivisionCode, EntityId, Headcount, Name, Text, TimeLimit,
};

use super::types::{BodyKind, DayKind, DepartmentLevel};
pub use crate::graphql::kit::CommandOptions;
use crate::service::When;
use crate::service::{parse_field, AppError};

pub(super) fn department_id(id: &ID) -> Result<CreditCode, AppError> {
    parse_field("departmentId", CreditCode::parse(id))
}

pub(crate) fn entity(field: &str, id: &ID) -> Result<EntityId, AppError> {
    parse_field(field, EntityId::parse(id))
}

/// An id supplied by the client, or a fresh one.
pub(crate) fn name(field: &'static str, value: &str) -> Result<Name, AppError> {
    parse_field(field, Name::parse_field(field, value))
}

pub(crate) fn text(field: &'static str, value: &str) -> Result<Text, AppError> {
    parse_field(field, Text::parse_field(field, value))
}

pub(crate) fn opt_text(
    field: &'static str,
    value: &Option<String>,
) -> Result<Option<Text>, AppError> {
    value.as_deref().map(|v| text(field, v)).transpose()
}

/// Establish a department.
#[derive(InputObject, Debug, Clone)]
pub struct EstablishDepartmentInput {
    /// Its unified social credit code (18 characters, GB 32100 check character).
    pub id: ID,
    /// Its official name.
    pub name: String,
    /// The 12-digit code of the division it serves; its level must match `level`.
    pub division_code: String,
    /// City, county or township.
    pub level: DepartmentLevel,
    /// Its sector (e.g. 市场监管).
    pub sector: String,
    /// The kind of body.
    pub kind: BodyKind,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

impl EstablishDepartmentInput {
    pub(super) fn parse(&self) -> Result<(CreditCode, DepartmentCommand), AppError> {
        let id = parse_field("id", CreditCode::parse(&self.id))?;
        Ok((
            id.clone(),
            DepartmentCommand::EstablishDepartment {
                id,
                name: name("name", &self.name)?,
                division: parse_field("divisionCode", DivisionCode::parse(&self.division_code))?,
                level: self.level.into(),
                sector: name("sector", &self.sector)?,
                kind: self.kind.into(),
            },
        ))
    }
}

/// Define a main duty.
#[derive(InputObject, Debug, Clone)]
pub struct DefineMainDutyInput {
    /// The department.
    pub department_id: ID,
    /// The new duty's id; the server assigns one if absent.
    pub duty_id: Option<ID>,
    /// Its wording.
    pub text: String,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Amend a main duty's wording.
#[derive(InputObject, Debug, Clone)]
pub struct AmendMainDutyInput {
    /// The department.
    pub department_id: ID,
    /// The duty.
    pub duty_id: ID,
    /// The new wording.
    pub text: String,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Revoke a main duty.
#[derive(InputObject, Debug, Clone)]
pub struct RevokeMainDutyInput {
    /// The department.
    pub department_id: ID,
    /// The duty.
    pub duty_id: ID,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Establish an internal unit.
#[derive(InputObject, Debug, Clone)]
pub struct EstablishUnitInput {
    /// The department.
    pub department_id: ID,
    /// The new unit's id; the server assigns one if absent.
    pub unit_id: Option<ID>,
    /// Its name, unique among the department's units.
    pub name: String,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Rename a unit.
#[derive(InputObject, Debug, Clone)]
pub struct RenameUnitInput {
    /// The department.
    pub department_id: ID,
    /// The unit.
    pub unit_id: ID,
    /// Its new name.
    pub name: String,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Merge a unit into another.
#[derive(InputObject, Debug, Clone)]
pub struct MergeUnitsInput {
    /// The department.
    pub department_id: ID,
    /// The unit that ceases to exist.
    pub unit_id: ID,
    /// The unit that takes over its duties, tasks, posts and staffing.
    pub into_unit_id: ID,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Abolish a unit that holds no duty and no post.
#[derive(InputObject, Debug, Clone)]
pub struct AbolishUnitInput {
    /// The department.
    pub department_id: ID,
    /// The unit.
    pub unit_id: ID,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Give a unit a duty derived from a main duty.
#[derive(InputObject, Debug, Clone)]
pub struct AssignUnitDutyInput {
    /// The department.
    pub department_id: ID,
    /// The new unit duty's id; the server assigns one if absent.
    pub unit_duty_id: Option<ID>,
    /// The main duty it derives from.
    pub main_duty_id: ID,
    /// The unit that holds it.
    pub unit_id: ID,
    /// Its wording.
    pub text: String,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Transfer a unit duty (with its tasks) to another unit; the tasks' assignments end.
#[derive(InputObject, Debug, Clone)]
pub struct TransferUnitDutyInput {
    /// The department.
    pub department_id: ID,
    /// The unit duty.
    pub unit_duty_id: ID,
    /// The unit that takes it over.
    pub to_unit_id: ID,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Revoke a unit duty that has no task.
#[derive(InputObject, Debug, Clone)]
pub struct RevokeUnitDutyInput {
    /// The department.
    pub department_id: ID,
    /// The unit duty.
    pub unit_duty_id: ID,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// A time limit.
#[derive(InputObject, Debug, Clone)]
pub struct TimeLimitInput {
    /// Days, 1 to 3650.
    pub days: i32,
    /// Working or calendar days.
    pub kind: DayKind,
}

/// A task's risk flags.
#[derive(InputObject, Debug, Clone, Default)]
pub struct RiskFlagsInput {
    /// 政策标准严格: strict policy standards.
    #[graphql(default)]
    pub strict_policy_standard: bool,
    /// 自由裁量空间大: wide discretion.
    #[graphql(default)]
    pub wide_discretion: bool,
    /// 廉政风险: integrity risk.
    #[graphql(default)]
    pub integrity_risk: bool,
}

/// What a task says: a task with any risk flag must state scope, procedure, time limit and
/// standard.
#[derive(InputObject, Debug, Clone)]
pub struct TaskDetailsInput {
    /// Its name.
    pub name: String,
    /// 工作范围.
    pub scope: Option<String>,
    /// 工作程序.
    pub procedure: Option<String>,
    /// 工作时限.
    pub time_limit: Option<TimeLimitInput>,
    /// 工作标准.
    pub standard: Option<String>,
    /// Risk flags (all false if absent).
    #[graphql(default)]
    pub risks: RiskFlagsInput,
}

impl TaskDetailsInput {
    fn parse(&self) -> Result<TaskDetails, AppError> {
        Ok(TaskDetails {
            name: name("name", &self.name)?,
            scope: opt_text("scope", &self.scope)?,
            procedure: opt_text("procedure", &self.procedure)?,
            time_limit: self
                .time_limit
                .as_ref()
                .map(|t| {
                    parse_field(
                        "timeLimit",
                        TimeLimit::new(i64::from(t.days), t.kind.into()),
                    )
                })
                .transpose()?,
            standard: opt_text("standard", &self.standard)?,
            risks: RiskFlags {
                strict_policy_standard: self.risks.strict_policy_standard,
                wide_discretion: self.risks.wide_discretion,
                integrity_risk: self.risks.integrity_risk,
            },
        })
    }
}

/// Define a work task split from a unit duty.
#[derive(InputObject, Debug, Clone)]
pub struct DefineTaskInput {
    /// The department.
    pub department_id: ID,
    /// The new task's id; the server assigns one if absent.
    pub task_id: Option<ID>,
    /// The unit duty it is split from.
    pub unit_duty_id: ID,
    /// What it says.
    #[graphql(flatten)]
    pub details: TaskDetailsInput,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// The risk flags an amendment changes (a flag left out keeps its value).
#[derive(InputObject, Debug, Clone, Default)]
pub struct RiskFlagsPatchInput {
    /// 政策标准严格: strict policy standards.
    pub strict_policy_standard: Option<bool>,
    /// 自由裁量空间大: wide discretion.
    pub wide_discretion: Option<bool>,
    /// 廉政风险: integrity risk.
    pub integrity_risk: Option<bool>,
}

/// Amend a task: change the fields given, and nothing else. A field left out keeps the value
/// in force at the amendment's effective time (so a backdated correction of another field
/// survives it); `null` clears an optional field. The event records the fields that change.
#[derive(InputObject, Debug, Clone)]
pub struct AmendTaskInput {
    /// The department.
    pub department_id: ID,
    /// The task.
    pub task_id: ID,
    /// A new name.
    pub name: Option<String>,
    /// 工作范围 (`null` clears it).
    #[graphql(default)]
    pub scope: MaybeUndefined<String>,
    /// 工作程序 (`null` clears it).
    #[graphql(default)]
    pub procedure: MaybeUndefined<String>,
    /// 工作时限 (`null` clears it).
    #[graphql(default)]
    pub time_limit: MaybeUndefined<TimeLimitInput>,
    /// 工作标准 (`null` clears it).
    #[graphql(default)]
    pub standard: MaybeUndefined<String>,
    /// Risk flags to change.
    pub risks: Option<RiskFlagsPatchInput>,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// A clearable field of an amendment: absent (unchanged), `null` (cleared) or a new value.
fn change<T, U>(
    value: &MaybeUndefined<T>,
    parse: impl FnOnce(&T) -> Result<U, AppError>,
) -> Result<Option<Change<U>>, AppError> {
    match value {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(Change::Clear)),
        MaybeUndefined::Value(v) => parse(v).map(|u| Some(Change::Set(u))),
    }
}

/// Retire a task; its assignments end.
#[derive(InputObject, Debug, Clone)]
pub struct RetireTaskInput {
    /// The department.
    pub department_id: ID,
    /// The task.
    pub task_id: ID,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Create a post in a unit.
#[derive(InputObject, Debug, Clone)]
pub struct CreatePostInput {
    /// The department.
    pub department_id: ID,
    /// The new post's id; the server assigns one if absent.
    pub post_id: Option<ID>,
    /// Its unit.
    pub unit_id: ID,
    /// Its name.
    pub name: String,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Abolish a post that holds no task.
#[derive(InputObject, Debug, Clone)]
pub struct AbolishPostInput {
    /// The department.
    pub department_id: ID,
    /// The post.
    pub post_id: ID,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Let a post hold a task (or end that), both in the same unit.
#[derive(InputObject, Debug, Clone)]
pub struct TaskPostInput {
    /// The department.
    pub department_id: ID,
    /// The task.
    pub task_id: ID,
    /// The post.
    pub post_id: ID,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Set the department's staffing headcount.
#[derive(InputObject, Debug, Clone)]
pub struct SetDepartmentStaffingInput {
    /// The department.
    pub department_id: ID,
    /// Headcount, 0 to 100000; the units' staffing must fit within it.
    pub headcount: i32,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Set a unit's staffing headcount.
#[derive(InputObject, Debug, Clone)]
pub struct SetUnitStaffingInput {
    /// The department.
    pub department_id: ID,
    /// The unit.
    pub unit_id: ID,
    /// Headcount, 0 to 100000.
    pub headcount: i32,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// A parsed mutation: the department, the command, the id of the entity it concerns, and the
/// reason.
pub(crate) struct Parsed {
    pub department: CreditCode,
    pub command: DepartmentCommand,
    pub entity: Option<EntityId>,
    pub when: When,
}

pub(crate) fn parsed(
    department: &ID,
    options: &CommandOptions,
    entity: Option<EntityId>,
    command: DepartmentCommand,
) -> Result<Parsed, AppError> {
    Ok(Parsed {
        department: department_id(department)?,
        command,
        entity,
        when: options.when()?,
    })
}

impl DefineMainDutyInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let duty_id = self.options.entity_or_new("dutyId", &self.duty_id)?;
        let command = DepartmentCommand::DefineMainDuty {
            duty_id: duty_id.clone(),
            text: text("text", &self.text)?,
        };
        parsed(&self.department_id, &self.options, Some(duty_id), command)
    }
}

impl AmendMainDutyInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let duty_id = entity("dutyId", &self.duty_id)?;
        let command = DepartmentCommand::AmendMainDuty {
            duty_id: duty_id.clone(),
            text: text("text", &self.text)?,
        };
        parsed(&self.department_id, &self.options, Some(duty_id), command)
    }
}

impl RevokeMainDutyInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let duty_id = entity("dutyId", &self.duty_id)?;
        let command = DepartmentCommand::RevokeMainDuty {
            duty_id: duty_id.clone(),
        };
        parsed(&self.department_id, &self.options, Some(duty_id), command)
    }
}

impl EstablishUnitInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let unit_id = self.options.entity_or_new("unitId", &self.unit_id)?;
        let command = DepartmentCommand::EstablishUnit {
            unit_id: unit_id.clone(),
            name: name("name", &self.name)?,
        };
        parsed(&self.department_id, &self.options, Some(unit_id), command)
    }
}

impl RenameUnitInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let unit_id = entity("unitId", &self.unit_id)?;
        let command = DepartmentCommand::RenameUnit {
            unit_id: unit_id.clone(),
            name: name("name", &self.name)?,
        };
        parsed(&self.department_id, &self.options, Some(unit_id), command)
    }
}

impl MergeUnitsInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let into = entity("intoUnitId", &self.into_unit_id)?;
        let command = DepartmentCommand::MergeUnits {
            unit_id: entity("unitId", &self.unit_id)?,
            into_unit_id: into.clone(),
        };
        parsed(&self.department_id, &self.options, Some(into), command)
    }
}

impl AbolishUnitInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let unit_id = entity("unitId", &self.unit_id)?;
        let command = DepartmentCommand::AbolishUnit {
            unit_id: unit_id.clone(),
        };
        parsed(&self.department_id, &self.options, Some(unit_id), command)
    }
}

impl AssignUnitDutyInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let id = self
            .options
            .entity_or_new("unitDutyId", &self.unit_duty_id)?;
        let command = DepartmentCommand::AssignUnitDuty {
            unit_duty_id: id.clone(),
            main_duty_id: entity("mainDutyId", &self.main_duty_id)?,
            unit_id: entity("unitId", &self.unit_id)?,
            text: text("text", &self.text)?,
        };
        parsed(&self.department_id, &self.options, Some(id), command)
    }
}

impl TransferUnitDutyInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let id = entity("unitDutyId", &self.unit_duty_id)?;
        let command = DepartmentCommand::TransferUnitDuty {
            unit_duty_id: id.clone(),
            to_unit_id: entity("toUnitId", &self.to_unit_id)?,
        };
        parsed(&self.department_id, &self.options, Some(id), command)
    }
}

impl RevokeUnitDutyInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let id = entity("unitDutyId", &self.unit_duty_id)?;
        let command = DepartmentCommand::RevokeUnitDuty {
            unit_duty_id: id.clone(),
        };
        parsed(&self.department_id, &self.options, Some(id), command)
    }
}

impl DefineTaskInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let id = self.options.entity_or_new("taskId", &self.task_id)?;
        let command = DepartmentCommand::DefineTask {
            task_id: id.clone(),
            unit_duty_id: entity("unitDutyId", &self.unit_duty_id)?,
            details: self.details.parse()?,
        };
        parsed(&self.department_id, &self.options, Some(id), command)
    }
}

impl AmendTaskInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let id = entity("taskId", &self.task_id)?;
        let risks = self.risks.clone().unwrap_or_default();
        let patch = TaskPatch {
            name: self.name.as_deref().map(|n| name("name", n)).transpose()?,
            scope: change(&self.scope, |v| text("scope", v))?,
            procedure: change(&self.procedure, |v| text("procedure", v))?,
            time_limit: change(&self.time_limit, |t| {
                parse_field(
                    "timeLimit",
                    TimeLimit::new(i64::from(t.days), t.kind.into()),
                )
            })?,
            standard: change(&self.standard, |v| text("standard", v))?,
            strict_policy_standard: risks.strict_policy_standard,
            wide_discretion: risks.wide_discretion,
            integrity_risk: risks.integrity_risk,
        };
        if patch.is_empty() {
            return Err(AppError::bad_input(
                "taskId",
                "an amendment names at least one field to change",
            ));
        }
        let command = DepartmentCommand::AmendTask {
            task_id: id.clone(),
            patch,
        };
        parsed(&self.department_id, &self.options, Some(id), command)
    }
}

impl RetireTaskInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let id = entity("taskId", &self.task_id)?;
        let command = DepartmentCommand::RetireTask {
            task_id: id.clone(),
        };
        parsed(&self.department_id, &self.options, Some(id), command)
    }
}

impl CreatePostInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let id = self.options.entity_or_new("postId", &self.post_id)?;
        let command = DepartmentCommand::CreatePost {
            post_id: id.clone(),
            unit_id: entity("unitId", &self.unit_id)?,
            name: name("name", &self.name)?,
        };
        parsed(&self.department_id, &self.options, Some(id), command)
    }
}

impl AbolishPostInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let id = entity("postId", &self.post_id)?;
        let command = DepartmentCommand::AbolishPost {
            post_id: id.clone(),
        };
        parsed(&self.department_id, &self.options, Some(id), command)
    }
}

impl TaskPostInput {
    pub(super) fn parse_assign(&self) -> Result<Parsed, AppError> {
        let task_id = entity("taskId", &self.task_id)?;
        let command = DepartmentCommand::AssignTaskToPost {
            task_id: task_id.clone(),
            post_id: entity("postId", &self.post_id)?,
        };
        parsed(&self.department_id, &self.options, Some(task_id), command)
    }

    pub(super) fn parse_unassign(&self) -> Result<Parsed, AppError> {
        let task_id = entity("taskId", &self.task_id)?;
        let command = DepartmentCommand::UnassignTaskFromPost {
            task_id: task_id.clone(),
            post_id: entity("postId", &self.post_id)?,
        };
        parsed(&self.department_id, &self.options, Some(task_id), command)
    }
}

impl SetDepartmentStaffingInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let command = DepartmentCommand::SetDepartmentStaffing {
            headcount: parse_field("headcount", Headcount::parse(i64::from(self.headcount)))?,
        };
        parsed(&self.department_id, &self.options, None, command)
    }
}

impl SetUnitStaffingInput {
    pub(super) fn parse(&self) -> Result<Parsed, AppError> {
        let unit_id = entity("unitId", &self.unit_id)?;
        let command = DepartmentCommand::SetUnitStaffing {
            unit_id: unit_id.clone(),
            headcount: parse_field("headcount", Headcount::parse(i64::from(self.headcount)))?,
        };
        parsed(&self.department_id, &self.options, Some(unit_id), command)
    }
}
