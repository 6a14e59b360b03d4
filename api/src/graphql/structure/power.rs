//! The power list area (权责清单): power items of a department, their links to work tasks, and
//! the mutations that change them. Power items live in their department's stream, so they
//! share its history and its `asOf`.

use std::sync::Arc;

use async_graphql::{Context, Enum, InputObject, MaybeUndefined, Object, ID};
use dutyledger_domain::department::DepartmentCommand;
use dutyledger_domain::power::{PowerCode, PowerItemDetails, PowerItemPatch};
use dutyledger_domain::values::{self, TimeLimit};
use dutyledger_projections::duty_list::{self, DepartmentStructure, Kind, LimitRow};

use crate::app::AppState;
use crate::graphql::kit::request;
use crate::graphql::structure::inputs::{
    entity, name, parsed, text, CommandOptions, Parsed, TimeLimitInput,
};
use crate::graphql::structure::mutation::{run, CommandResult};
use crate::graphql::structure::types::{
    nodes, DayKind, DepartmentLevel, Task, TimeLimit as TimeLimitOut, Unit,
};
use crate::graphql::time::AsOfInput;
use crate::service::policy::{authorize, Access};
use crate::service::{parse_field, AppError};

/// The kind of a power (权力类型).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "dutyledger_domain::power::PowerKind")]
pub enum PowerKind {
    /// 01 行政许可: licensing.
    Licensing,
    /// 02 行政处罚: penalty.
    Penalty,
    /// 03 行政强制: enforcement.
    Enforcement,
    /// 04 行政征收: levy.
    Levy,
    /// 05 行政给付: payment.
    Payment,
    /// 06 行政检查: inspection.
    Inspection,
    /// 07 行政确认: confirmation.
    Confirmation,
    /// 08 行政奖励: reward.
    Reward,
    /// 09 行政裁决: adjudication.
    Adjudication,
    /// 10 其他行政权力: other powers.
    Other,
    /// 20 公共服务: public service.
    PublicService,
}

fn limit_out(l: Option<LimitRow>) -> Option<TimeLimitOut> {
    l.map(|l| TimeLimitOut {
        days: l.days,
        kind: if l.working {
            DayKind::Working
        } else {
            DayKind::Calendar
        },
    })
}

/// A power item (权责清单事项) on a department's power list.
#[derive(Clone, Debug)]
pub struct PowerItem {
    s: Arc<DepartmentStructure>,
    i: usize,
}

impl PowerItem {
    /// The item at position `i` of the structure's power list.
    pub fn new(s: &Arc<DepartmentStructure>, i: usize) -> Self {
        Self { s: s.clone(), i }
    }
}

/// A power item (权责清单事项): a legal power of the department and what it must do with it.
#[Object]
impl PowerItem {
    /// Its id inside the department.
    async fn id(&self) -> ID {
        ID(self.s.power_items[self.i].item_id.clone())
    }

    /// 事项编码.
    async fn code(&self) -> &str {
        &self.s.power_items[self.i].code
    }

    /// 事项名称.
    async fn name(&self) -> &str {
        &self.s.power_items[self.i].name
    }

    /// 子项名称, if any.
    async fn sub_item(&self) -> Option<&str> {
        self.s.power_items[self.i].sub_item.as_deref()
    }

    /// 权力类型.
    async fn kind(&self) -> Option<PowerKind> {
        serde_json::from_value::<dutyledger_domain::power::PowerKind>(serde_json::Value::String(
            self.s.power_items[self.i].kind.clone(),
        ))
        .ok()
        .map(Into::into)
    }

    /// The kind's numeric code (`01`..`10`, `20`).
    async fn kind_code(&self) -> &str {
        &self.s.power_items[self.i].kind_code
    }

    /// 设定依据 / 实施依据.
    async fn legal_basis(&self) -> &str {
        &self.s.power_items[self.i].legal_basis
    }

    /// 承办科室: the unit that implements it.
    async fn unit(&self) -> Option<Unit> {
        self.s
            .position(Kind::Unit, &self.s.power_items[self.i].unit_id)
            .map(|i| Unit::new(&self.s, i))
    }

    /// 行使层级.
    async fn level(&self) -> Option<DepartmentLevel> {
        serde_json::from_value::<values::DepartmentLevel>(serde_json::Value::String(
            self.s.power_items[self.i].level.clone(),
        ))
        .ok()
        .map(Into::into)
    }

    /// 责任事项: the responsibility stages, in order.
    async fn stages(&self) -> &[String] {
        &self.s.power_items[self.i].stages
    }

    /// 追责情形: the cases in which someone is held accountable.
    async fn accountability(&self) -> &[String] {
        &self.s.power_items[self.i].accountability
    }

    /// 法定时限.
    async fn statutory_limit(&self) -> Option<TimeLimitOut> {
        limit_out(self.s.power_items[self.i].statutory_limit)
    }

    /// 承诺时限 (never above the statutory limit).
    async fn promised_limit(&self) -> Option<TimeLimitOut> {
        limit_out(self.s.power_items[self.i].promised_limit)
    }

    /// The work tasks that carry it out.
    async fn tasks(&self) -> Vec<Task> {
        let id = &self.s.power_items[self.i].item_id;
        nodes(&self.s, &self.s.tasks_of_power_item(id), Task::new)
    }
}

/// The power items of a structure.
pub fn items(s: &Arc<DepartmentStructure>) -> Vec<PowerItem> {
    (0..s.power_items.len())
        .map(|i| PowerItem::new(s, i))
        .collect()
}

/// What a power item says.
#[derive(InputObject, Debug, Clone)]
pub struct PowerItemDetailsInput {
    /// 事项编码 (1-64 letters, digits, `-`, `_`, `.`), unique among the department's items.
    pub code: String,
    /// 事项名称.
    pub name: String,
    /// 子项名称.
    pub sub_item: Option<String>,
    /// 权力类型.
    pub kind: PowerKind,
    /// 设定依据 / 实施依据.
    pub legal_basis: String,
    /// 承办科室: a unit of the department.
    pub unit_id: ID,
    /// 行使层级 (default: the department's level).
    pub level: Option<DepartmentLevel>,
    /// 责任事项, in order (default: the kind's standard template where there is one).
    pub stages: Option<Vec<String>>,
    /// 追责情形.
    pub accountability: Option<Vec<String>>,
    /// 法定时限.
    pub statutory_limit: Option<TimeLimitInput>,
    /// 承诺时限 (must not exceed the statutory limit).
    pub promised_limit: Option<TimeLimitInput>,
}

impl PowerItemDetailsInput {
    async fn parse(&self, app: &AppState, department: &str) -> Result<PowerItemDetails, AppError> {
        let level = match self.level {
            Some(l) => l.into(),
            None => duty_list::department_level(&app.pool, department)
                .await
                .ok()
                .flatten()
                .and_then(|l| serde_json::from_value(serde_json::Value::String(l)).ok())
                .unwrap_or(values::DepartmentLevel::City),
        };
        let limit = |field: &str, l: &Option<TimeLimitInput>| {
            l.as_ref()
                .map(|t| parse_field(field, TimeLimit::new(i64::from(t.days), t.kind.into())))
                .transpose()
        };
        if self.stages.as_ref().is_some_and(|s| s.len() > 50) {
            return Err(AppError::bad_input("stages", "at most 50 stages"));
        }
        if self.accountability.as_ref().is_some_and(|s| s.len() > 100) {
            return Err(AppError::bad_input("accountability", "at most 100 cases"));
        }
        Ok(PowerItemDetails {
            code: parse_field("code", PowerCode::parse(&self.code))?,
            name: name("name", &self.name)?,
            sub_item: self
                .sub_item
                .as_deref()
                .map(|s| name("subItem", s))
                .transpose()?,
            kind: self.kind.into(),
            legal_basis: text("legalBasis", &self.legal_basis)?,
            unit_id: entity("unitId", &self.unit_id)?,
            level,
            stages: self
                .stages
                .iter()
                .flatten()
                .map(|s| name("stages", s))
                .collect::<Result<_, _>>()?,
            accountability: self
                .accountability
                .iter()
                .flatten()
                .map(|s| text("accountability", s))
                .collect::<Result<_, _>>()?,
            statutory_limit: limit("statutoryLimit", &self.statutory_limit)?,
            promised_limit: limit("promisedLimit", &self.promised_limit)?,
        })
    }
}

/// Put a power item on a department's power list.
#[derive(InputObject, Debug, Clone)]
pub struct ListPowerItemInput {
    /// The department.
    pub department_id: ID,
    /// The new item's id; the server assigns one if absent.
    pub item_id: Option<ID>,
    /// What it says.
    #[graphql(flatten)]
    pub details: PowerItemDetailsInput,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Amend a power item: change the fields given, and nothing else. A field left out keeps the
/// value in force at the amendment's effective time; `null` clears an optional field (sub-item,
/// time limits). The event records the fields that change.
#[derive(InputObject, Debug, Clone)]
pub struct AmendPowerItemInput {
    /// The department.
    pub department_id: ID,
    /// The item.
    pub item_id: ID,
    /// 事项编码.
    pub code: Option<String>,
    /// 事项名称.
    pub name: Option<String>,
    /// 子项名称 (`null` clears it).
    #[graphql(default)]
    pub sub_item: MaybeUndefined<String>,
    /// 权力类型.
    pub kind: Option<PowerKind>,
    /// 设定依据 / 实施依据.
    pub legal_basis: Option<String>,
    /// 承办科室.
    pub unit_id: Option<ID>,
    /// 行使层级.
    pub level: Option<DepartmentLevel>,
    /// 责任事项 (the whole list).
    pub stages: Option<Vec<String>>,
    /// 追责情形 (the whole list).
    pub accountability: Option<Vec<String>>,
    /// 法定时限 (`null` clears it).
    #[graphql(default)]
    pub statutory_limit: MaybeUndefined<TimeLimitInput>,
    /// 承诺时限 (`null` clears it; must not exceed the statutory limit).
    #[graphql(default)]
    pub promised_limit: MaybeUndefined<TimeLimitInput>,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

impl AmendPowerItemInput {
    fn patch(&self) -> Result<PowerItemPatch, AppError> {
        fn maybe<T, U>(
            v: &MaybeUndefined<T>,
            parse: impl FnOnce(&T) -> Result<U, AppError>,
        ) -> Result<Option<Option<U>>, AppError> {
            match v {
                MaybeUndefined::Undefined => Ok(None),
                MaybeUndefined::Null => Ok(Some(None)),
                MaybeUndefined::Value(x) => parse(x).map(|u| Some(Some(u))),
            }
        }
        let limit = |field: &'static str| {
            move |t: &TimeLimitInput| {
                parse_field(field, TimeLimit::new(i64::from(t.days), t.kind.into()))
            }
        };
        if self.stages.as_ref().is_some_and(|s| s.len() > 50) {
            return Err(AppError::bad_input("stages", "at most 50 stages"));
        }
        if self.accountability.as_ref().is_some_and(|s| s.len() > 100) {
            return Err(AppError::bad_input("accountability", "at most 100 cases"));
        }
        let patch = PowerItemPatch {
            code: self
                .code
                .as_deref()
                .map(|c| parse_field("code", PowerCode::parse(c)))
                .transpose()?,
            name: self.name.as_deref().map(|n| name("name", n)).transpose()?,
            sub_item: maybe(&self.sub_item, |s| name("subItem", s))?,
            kind: self.kind.map(Into::into),
            legal_basis: self
                .legal_basis
                .as_deref()
                .map(|t| text("legalBasis", t))
                .transpose()?,
            unit_id: self
                .unit_id
                .as_ref()
                .map(|u| entity("unitId", u))
                .transpose()?,
            level: self.level.map(Into::into),
            stages: self
                .stages
                .as_ref()
                .map(|v| v.iter().map(|s| name("stages", s)).collect())
                .transpose()?,
            accountability: self
                .accountability
                .as_ref()
                .map(|v| v.iter().map(|s| text("accountability", s)).collect())
                .transpose()?,
            statutory_limit: maybe(&self.statutory_limit, limit("statutoryLimit"))?,
            promised_limit: maybe(&self.promised_limit, limit("promisedLimit"))?,
        };
        if patch.is_empty() {
            return Err(AppError::bad_input(
                "itemId",
                "an amendment names at least one field to change",
            ));
        }
        Ok(patch)
    }
}

/// Take a power item off the list.
#[derive(InputObject, Debug, Clone)]
pub struct DelistPowerItemInput {
    /// The department.
    pub department_id: ID,
    /// The item.
    pub item_id: ID,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Link (or unlink) a work task and a power item of the same department.
#[derive(InputObject, Debug, Clone)]
pub struct PowerLinkInput {
    /// The department.
    pub department_id: ID,
    /// The power item.
    pub item_id: ID,
    /// The task.
    pub task_id: ID,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Power list queries.
#[derive(Default, Debug)]
pub struct PowerQuery;

#[Object]
impl PowerQuery {
    /// A department's power list (权责清单) as in force at `asOf` (default: now).
    async fn power_list(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department.")] department_id: ID,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<PowerItem>> {
        let (app, rc) = request(ctx)?;
        let code = parse_field("departmentId", values::CreditCode::parse(&department_id))?;
        authorize(&rc.actor, Access::ReadDepartment(&code))?;
        let as_of = AsOfInput::resolve(as_of)?;
        let s = duty_list::structure(&app.pool, code.as_str(), as_of)
            .await
            .map_err(|e| AppError::from_store(e, &rc.request_id))?
            .ok_or_else(|| AppError::NotFound {
                message: format!("department {code} not found"),
                rule: Some("DEPARTMENT_NOT_FOUND"),
            })?;
        Ok(items(&Arc::new(s)))
    }
}

/// Power list mutations.
#[derive(Default, Debug)]
pub struct PowerMutation;

#[Object]
impl PowerMutation {
    /// Put a power item on a department's power list. Refused if the implementing unit is
    /// unknown, the code is taken, or the promised time limit exceeds the statutory one.
    async fn list_power_item(
        &self,
        ctx: &Context<'_>,
        input: ListPowerItemInput,
    ) -> async_graphql::Result<CommandResult> {
        let app = ctx.data::<AppState>()?;
        let parsed = async {
            let item_id = input.options.entity_or_new("itemId", &input.item_id)?;
            let details = input.details.parse(app, &input.department_id).await?;
            parsed(
                &input.department_id,
                &input.options,
                Some(item_id.clone()),
                DepartmentCommand::ListPowerItem { item_id, details },
            )
        }
        .await;
        run(ctx, parsed).await
    }

    /// Amend a power item: the fields given change, the others keep their values.
    async fn amend_power_item(
        &self,
        ctx: &Context<'_>,
        input: AmendPowerItemInput,
    ) -> async_graphql::Result<CommandResult> {
        let parsed: Result<Parsed, AppError> = (|| {
            let item_id = entity("itemId", &input.item_id)?;
            let patch = input.patch()?;
            parsed(
                &input.department_id,
                &input.options,
                Some(item_id.clone()),
                DepartmentCommand::AmendPowerItem { item_id, patch },
            )
        })();
        run(ctx, parsed).await
    }

    /// Take a power item off the list; its links to tasks end.
    async fn delist_power_item(
        &self,
        ctx: &Context<'_>,
        input: DelistPowerItemInput,
    ) -> async_graphql::Result<CommandResult> {
        let parsed = entity("itemId", &input.item_id).and_then(|item_id| {
            parsed(
                &input.department_id,
                &input.options,
                Some(item_id.clone()),
                DepartmentCommand::DelistPowerItem { item_id },
            )
        });
        run(ctx, parsed).await
    }

    /// Link a work task to a power item it carries out.
    async fn link_task_to_power_item(
        &self,
        ctx: &Context<'_>,
        input: PowerLinkInput,
    ) -> async_graphql::Result<CommandResult> {
        let parsed = (|| {
            let item_id = entity("itemId", &input.item_id)?;
            let task_id = entity("taskId", &input.task_id)?;
            parsed(
                &input.department_id,
                &input.options,
                Some(item_id.clone()),
                DepartmentCommand::LinkTaskToPowerItem { item_id, task_id },
            )
        })();
        run(ctx, parsed).await
    }

    /// End a task's link to a power item.
    async fn unlink_task_from_power_item(
        &self,
        ctx: &Context<'_>,
        input: PowerLinkInput,
    ) -> async_graphql::Result<CommandResult> {
        let parsed = (|| {
            let item_id = entity("itemId", &input.item_id)?;
            let task_id = entity("taskId", &input.task_id)?;
            parsed(
                &input.department_id,
                &input.options,
                Some(item_id.clone()),
                DepartmentCommand::UnlinkTaskFromPowerItem { item_id, task_id },
            )
        })();
        run(ctx, parsed).await
    }
}
