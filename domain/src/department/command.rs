//! Commands of the department aggregate: imperative, already parsed into value types.

use serde::{Deserialize, Serialize};

use crate::power::{PowerItemDetails, PowerItemPatch};

use crate::values::{
    BodyKind, CreditCode, DepartmentLevel, DivisionCode, EntityId, Headcount, Name, Text, TimeLimit,
};

/// What a work task says about itself: its name and the "scope, procedure, time limit,
/// standard" that high-risk tasks must state, plus its risk flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskDetails {
    /// The task's name (工作任务名称).
    pub name: Name,
    /// 工作范围: what the task covers.
    pub scope: Option<Text>,
    /// 工作程序: how it is done.
    pub procedure: Option<Text>,
    /// 工作时限: the time limit.
    pub time_limit: Option<TimeLimit>,
    /// 工作标准: the standard it is held to.
    pub standard: Option<Text>,
    /// Risk flags.
    pub risks: RiskFlags,
}

/// A change of one optional field: set it, or clear it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change<T> {
    /// The field takes this value.
    Set(T),
    /// The field is cleared.
    Clear,
}

impl<T: Clone> Change<T> {
    fn value(&self) -> Option<T> {
        match self {
            Change::Set(v) => Some(v.clone()),
            Change::Clear => None,
        }
    }
}

/// An amendment of a task: the fields it names, and nothing else (DESIGN.md rule 9). Applied in
/// valid-time order, a field it leaves out keeps the value in force at its effective time, so
/// a backdated correction of another field survives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPatch {
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// 工作范围, set or cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Change<Text>>,
    /// 工作程序, set or cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<Change<Text>>,
    /// 工作时限, set or cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limit: Option<Change<TimeLimit>>,
    /// 工作标准, set or cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard: Option<Change<Text>>,
    /// 政策标准严格.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict_policy_standard: Option<bool>,
    /// 自由裁量空间大.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wide_discretion: Option<bool>,
    /// 廉政风险.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity_risk: Option<bool>,
}

impl TaskPatch {
    /// A patch that sets every field to `details` (what a full replacement says).
    pub fn replacing(details: &TaskDetails) -> Self {
        let change = |v: &Option<Text>| Some(v.clone().map_or(Change::Clear, Change::Set));
        Self {
            name: Some(details.name.clone()),
            scope: change(&details.scope),
            procedure: change(&details.procedure),
            time_limit: Some(details.time_limit.map_or(Change::Clear, Change::Set)),
            standard: change(&details.standard),
            strict_policy_standard: Some(details.risks.strict_policy_standard),
            wide_discretion: Some(details.risks.wide_discretion),
            integrity_risk: Some(details.risks.integrity_risk),
        }
    }

    /// Whether it names no field.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// `details` with the named fields changed.
    pub fn apply(&self, details: &TaskDetails) -> TaskDetails {
        let mut d = details.clone();
        if let Some(name) = &self.name {
            d.name = name.clone();
        }
        if let Some(c) = &self.scope {
            d.scope = c.value();
        }
        if let Some(c) = &self.procedure {
            d.procedure = c.value();
        }
        if let Some(c) = &self.time_limit {
            d.time_limit = c.value();
        }
        if let Some(c) = &self.standard {
            d.standard = c.value();
        }
        if let Some(v) = self.strict_policy_standard {
            d.risks.strict_policy_standard = v;
        }
        if let Some(v) = self.wide_discretion {
            d.risks.wide_discretion = v;
        }
        if let Some(v) = self.integrity_risk {
            d.risks.integrity_risk = v;
        }
        d
    }

    /// The fields of this patch that would change `details` (what the event records).
    pub fn changes_from(&self, details: &TaskDetails) -> Self {
        let after = self.apply(details);
        fn keep<T: Clone + PartialEq>(field: &Option<T>, before: bool) -> Option<T> {
            field.clone().filter(|_| before)
        }
        Self {
            name: keep(&self.name, after.name != details.name),
            scope: keep(&self.scope, after.scope != details.scope),
            procedure: keep(&self.procedure, after.procedure != details.procedure),
            time_limit: keep(&self.time_limit, after.time_limit != details.time_limit),
            standard: keep(&self.standard, after.standard != details.standard),
            strict_policy_standard: keep(
                &self.strict_policy_standard,
                after.risks.strict_policy_standard != details.risks.strict_policy_standard,
            ),
            wide_discretion: keep(
                &self.wide_discretion,
                after.risks.wide_discretion != details.risks.wide_discretion,
            ),
            integrity_risk: keep(
                &self.integrity_risk,
                after.risks.integrity_risk != details.risks.integrity_risk,
            ),
        }
    }
}

/// The three kinds of risk that make a task "high-risk" (高风险).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RiskFlags {
    /// 政策标准严格: strict policy standards.
    pub strict_policy_standard: bool,
    /// 自由裁量空间大: wide discretion.
    pub wide_discretion: bool,
    /// 廉政风险: integrity risk.
    pub integrity_risk: bool,
}

impl RiskFlags {
    /// Whether any flag is set.
    pub fn any(self) -> bool {
        self.strict_policy_standard || self.wide_discretion || self.integrity_risk
    }
}

/// A request to change a department. The department is the stream the command is sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepartmentCommand {
    /// Establish the department (once).
    EstablishDepartment {
        /// Its credit code: must equal the stream's id.
        id: CreditCode,
        /// Its official name.
        name: Name,
        /// The division it serves.
        division: DivisionCode,
        /// City, county or township.
        level: DepartmentLevel,
        /// The sector it belongs to (e.g. 市场监管).
        sector: Name,
        /// The kind of body.
        kind: BodyKind,
    },
    /// Define a main duty (主要职责).
    DefineMainDuty {
        /// Id of the new duty.
        duty_id: EntityId,
        /// Its wording.
        text: Text,
    },
    /// Change a main duty's wording.
    AmendMainDuty {
        /// Which duty.
        duty_id: EntityId,
        /// The new wording.
        text: Text,
    },
    /// Revoke a main duty that no unit duty derives from any more.
    RevokeMainDuty {
        /// Which duty.
        duty_id: EntityId,
    },
    /// Establish an internal unit (科室).
    EstablishUnit {
        /// Id of the new unit.
        unit_id: EntityId,
        /// Its name, unique among the department's active units.
        name: Name,
    },
    /// Rename a unit.
    RenameUnit {
        /// Which unit.
        unit_id: EntityId,
        /// Its new name.
        name: Name,
    },
    /// Merge one unit into another: duties, tasks, posts and staffing move; the first ends.
    MergeUnits {
        /// The unit that ceases to exist.
        unit_id: EntityId,
        /// The unit that survives.
        into_unit_id: EntityId,
    },
    /// Abolish a unit that holds no duty and no post.
    AbolishUnit {
        /// Which unit.
        unit_id: EntityId,
    },
    /// Give a unit a duty derived from a main duty.
    AssignUnitDuty {
        /// Id of the new unit duty.
        unit_duty_id: EntityId,
        /// The main duty it derives from.
        main_duty_id: EntityId,
        /// The unit that holds it.
        unit_id: EntityId,
        /// Its wording.
        text: Text,
    },
    /// Move a unit duty (and its tasks) to another unit; the tasks' assignments end.
    TransferUnitDuty {
        /// Which unit duty.
        unit_duty_id: EntityId,
        /// The unit that takes it over.
        to_unit_id: EntityId,
    },
    /// Revoke a unit duty that has no task any more.
    RevokeUnitDuty {
        /// Which unit duty.
        unit_duty_id: EntityId,
    },
    /// Define a work task split from a unit duty.
    DefineTask {
        /// Id of the new task.
        task_id: EntityId,
        /// The unit duty it is split from.
        unit_duty_id: EntityId,
        /// What it says.
        details: TaskDetails,
    },
    /// Replace a task's details.
    AmendTask {
        /// Which task.
        task_id: EntityId,
        /// The fields to change (the others keep their values).
        patch: TaskPatch,
    },
    /// Retire a task; its assignments end.
    RetireTask {
        /// Which task.
        task_id: EntityId,
    },
    /// Create a post (岗位) in a unit.
    CreatePost {
        /// Id of the new post.
        post_id: EntityId,
        /// The unit it belongs to.
        unit_id: EntityId,
        /// Its name.
        name: Name,
    },
    /// Abolish a post that holds no task.
    AbolishPost {
        /// Which post.
        post_id: EntityId,
    },
    /// Let a post hold a task; the post must be in the unit that holds the task.
    AssignTaskToPost {
        /// Which task.
        task_id: EntityId,
        /// Which post.
        post_id: EntityId,
    },
    /// End a post's hold on a task.
    UnassignTaskFromPost {
        /// Which task.
        task_id: EntityId,
        /// Which post.
        post_id: EntityId,
    },
    /// Set the department's staffing headcount (编制数).
    SetDepartmentStaffing {
        /// The headcount.
        headcount: Headcount,
    },
    /// Put a power item (权责清单事项) on the department's power list.
    ListPowerItem {
        /// Id of the new item.
        item_id: EntityId,
        /// What it says (empty stages: the kind's standard template).
        details: PowerItemDetails,
    },
    /// Replace a power item's details.
    AmendPowerItem {
        /// Which item.
        item_id: EntityId,
        /// The fields to change (the others keep their values).
        patch: PowerItemPatch,
    },
    /// Take a power item off the list; its links to tasks end.
    DelistPowerItem {
        /// Which item.
        item_id: EntityId,
    },
    /// Link a work task to a power item (the task carries out the power).
    LinkTaskToPowerItem {
        /// Which item.
        item_id: EntityId,
        /// Which task.
        task_id: EntityId,
    },
    /// End a task's link to a power item.
    UnlinkTaskFromPowerItem {
        /// Which item.
        item_id: EntityId,
        /// Which task.
        task_id: EntityId,
    },
    /// Set a unit's staffing headcount.
    SetUnitStaffing {
        /// Which unit.
        unit_id: EntityId,
        /// The headcount.
        headcount: Headcount,
    },
}
