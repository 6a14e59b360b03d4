//! Commands of the department aggregate: imperative, already parsed into value types.

use serde::{Deserialize, Serialize};

use crate::power::PowerItemDetails;

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
        /// The new details.
        details: TaskDetails,
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
        /// The new details.
        details: PowerItemDetails,
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
