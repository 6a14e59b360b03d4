//! Why a department command was refused. Each variant names the rule it breaks.

use chrono::{DateTime, Utc};

pub use crate::refusal::ErrorClass;
use crate::refusal::{LaterFact, Refusal};
use crate::values::{DivisionLevel, EntityId};

/// A refused department command. No event is written when a command returns one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DepartmentError {
    /// The department has not been established yet.
    #[error("the department has not been established")]
    DepartmentNotFound,
    /// The department was established already.
    #[error("the department has already been established")]
    DepartmentAlreadyEstablished,
    /// The division code's level does not match the department's level.
    #[error("a department at this level must serve a {expected:?}-level division, the code given is {actual:?}-level")]
    DivisionLevelMismatch {
        /// What the department's level requires.
        expected: DivisionLevel,
        /// What the code is.
        actual: DivisionLevel,
    },
    /// No main duty with this id.
    #[error("main duty {0} not found")]
    MainDutyNotFound(EntityId),
    /// The main duty id is taken (possibly by a revoked duty).
    #[error("main duty id {0} is already used in this department")]
    MainDutyAlreadyExists(EntityId),
    /// Unit duties still derive from the main duty.
    #[error("main duty {0} still has unit duties derived from it")]
    MainDutyHasUnitDuties(EntityId),
    /// No active unit with this id.
    #[error("unit {0} not found")]
    UnitNotFound(EntityId),
    /// The unit id is taken (possibly by an ended unit).
    #[error("unit id {0} is already used in this department")]
    UnitAlreadyExists(EntityId),
    /// Another active unit has this name.
    #[error("another unit of this department is already named {0:?}")]
    UnitNameTaken(String),
    /// The unit still holds unit duties.
    #[error("unit {0} still holds unit duties")]
    UnitHoldsDuties(EntityId),
    /// The unit still has posts.
    #[error("unit {0} still has posts")]
    UnitHoldsPosts(EntityId),
    /// A unit cannot be merged into itself.
    #[error("a unit cannot be merged into itself")]
    MergeIntoSameUnit,
    /// No active unit duty with this id.
    #[error("unit duty {0} not found")]
    UnitDutyNotFound(EntityId),
    /// The unit duty id is taken.
    #[error("unit duty id {0} is already used in this department")]
    UnitDutyAlreadyExists(EntityId),
    /// The unit duty still has tasks.
    #[error("unit duty {0} still has tasks")]
    UnitDutyHasTasks(EntityId),
    /// The unit duty is already held by the target unit.
    #[error("unit duty {0} is already held by unit {1}")]
    UnitDutyAlreadyInUnit(EntityId, EntityId),
    /// No active task with this id.
    #[error("task {0} not found")]
    TaskNotFound(EntityId),
    /// The task id is taken.
    #[error("task id {0} is already used in this department")]
    TaskAlreadyExists(EntityId),
    /// A task with a risk flag lacks scope, procedure, time limit or standard.
    #[error("a task with a risk flag must state its scope, procedure, time limit and standard; missing: {0}")]
    HighRiskTaskIncomplete(String),
    /// No active post with this id.
    #[error("post {0} not found")]
    PostNotFound(EntityId),
    /// The post id is taken.
    #[error("post id {0} is already used in this department")]
    PostAlreadyExists(EntityId),
    /// The post still holds tasks.
    #[error("post {0} still holds tasks")]
    PostHoldsTasks(EntityId),
    /// The post belongs to another unit than the one holding the task.
    #[error("post {post_id} belongs to unit {post_unit}, but task {task_id} is held by unit {task_unit}")]
    PostBelongsToAnotherUnit {
        /// The task.
        task_id: EntityId,
        /// The unit that holds the task.
        task_unit: EntityId,
        /// The post.
        post_id: EntityId,
        /// The post's unit.
        post_unit: EntityId,
    },
    /// The post holds the task already.
    #[error("post {1} already holds task {0}")]
    TaskAlreadyAssigned(EntityId, EntityId),
    /// The post does not hold the task.
    #[error("post {1} does not hold task {0}")]
    TaskNotAssigned(EntityId, EntityId),
    /// The change, at its effective time, would make an event recorded for a later time invalid
    /// (e.g. abolishing a post in March when a task was assigned to it in May).
    #[error("the change would break {event_type} effective {effective_at}: {cause}")]
    BreaksLaterHistory {
        /// The later event's type.
        event_type: String,
        /// When the later event takes effect.
        effective_at: DateTime<Utc>,
        /// Why it would no longer be valid.
        cause: Box<DepartmentError>,
    },
    /// No active power item with this id.
    #[error("power item {0} not found")]
    PowerItemNotFound(EntityId),
    /// The power item id is taken.
    #[error("power item id {0} is already used in this department")]
    PowerItemAlreadyExists(EntityId),
    /// Another active power item of the department has this code.
    #[error("another power item of this department already has the code {0:?}")]
    PowerCodeTaken(String),
    /// The promised time limit exceeds the statutory one.
    #[error("the promised time limit ({promised}) exceeds the statutory one ({statutory})")]
    PromisedLimitExceedsStatutory {
        /// The promised limit, as text.
        promised: String,
        /// The statutory limit, as text.
        statutory: String,
    },
    /// The task is linked to the item already.
    #[error("task {1} is already linked to power item {0}")]
    TaskAlreadyLinked(EntityId, EntityId),
    /// The task is not linked to the item.
    #[error("task {1} is not linked to power item {0}")]
    TaskNotLinked(EntityId, EntityId),
    /// The unit still implements power items.
    #[error("unit {0} still implements power items")]
    UnitImplementsPowerItems(EntityId),
    /// The units' staffing would exceed the department's.
    #[error("the units' staffing would add up to {units}, above the department's {department}")]
    StaffingExceedsDepartment {
        /// The sum over units.
        units: u64,
        /// The department's headcount.
        department: u32,
    },
}

impl DepartmentError {
    /// The broad class of the refusal.
    pub fn class(&self) -> ErrorClass {
        use DepartmentError::*;
        match self {
            DepartmentNotFound | MainDutyNotFound(_) | UnitNotFound(_) | UnitDutyNotFound(_)
            | TaskNotFound(_) | PostNotFound(_) | PowerItemNotFound(_) => ErrorClass::NotFound,
            DivisionLevelMismatch { .. }
            | MergeIntoSameUnit
            | HighRiskTaskIncomplete(_)
            | PostBelongsToAnotherUnit { .. }
            | PromisedLimitExceedsStatutory { .. } => ErrorClass::Invalid,
            DepartmentAlreadyEstablished
            | MainDutyAlreadyExists(_)
            | MainDutyHasUnitDuties(_)
            | UnitAlreadyExists(_)
            | UnitNameTaken(_)
            | UnitHoldsDuties(_)
            | UnitHoldsPosts(_)
            | UnitDutyAlreadyExists(_)
            | UnitDutyHasTasks(_)
            | UnitDutyAlreadyInUnit(..)
            | TaskAlreadyExists(_)
            | PostAlreadyExists(_)
            | PostHoldsTasks(_)
            | TaskAlreadyAssigned(..)
            | TaskNotAssigned(..)
            | BreaksLaterHistory { .. }
            | PowerItemAlreadyExists(_)
            | PowerCodeTaken(_)
            | TaskAlreadyLinked(..)
            | TaskNotLinked(..)
            | UnitImplementsPowerItems(_)
            | StaffingExceedsDepartment { .. } => ErrorClass::Conflict,
        }
    }

    /// The rule broken, as a stable SCREAMING_SNAKE_CASE name for API clients.
    pub fn rule(&self) -> &'static str {
        use DepartmentError::*;
        match self {
            DepartmentNotFound => "DEPARTMENT_NOT_FOUND",
            DepartmentAlreadyEstablished => "DEPARTMENT_ALREADY_ESTABLISHED",
            DivisionLevelMismatch { .. } => "DIVISION_LEVEL_MISMATCH",
            MainDutyNotFound(_) => "MAIN_DUTY_NOT_FOUND",
            MainDutyAlreadyExists(_) => "MAIN_DUTY_ALREADY_EXISTS",
            MainDutyHasUnitDuties(_) => "MAIN_DUTY_HAS_UNIT_DUTIES",
            UnitNotFound(_) => "UNIT_NOT_FOUND",
            UnitAlreadyExists(_) => "UNIT_ALREADY_EXISTS",
            UnitNameTaken(_) => "UNIT_NAME_TAKEN",
            UnitHoldsDuties(_) => "UNIT_HOLDS_DUTIES",
            UnitHoldsPosts(_) => "UNIT_HOLDS_POSTS",
            MergeIntoSameUnit => "MERGE_INTO_SAME_UNIT",
            UnitDutyNotFound(_) => "UNIT_DUTY_NOT_FOUND",
            UnitDutyAlreadyExists(_) => "UNIT_DUTY_ALREADY_EXISTS",
            UnitDutyHasTasks(_) => "UNIT_DUTY_HAS_TASKS",
            UnitDutyAlreadyInUnit(..) => "UNIT_DUTY_ALREADY_IN_UNIT",
            TaskNotFound(_) => "TASK_NOT_FOUND",
            TaskAlreadyExists(_) => "TASK_ALREADY_EXISTS",
            HighRiskTaskIncomplete(_) => "HIGH_RISK_TASK_INCOMPLETE",
            PostNotFound(_) => "POST_NOT_FOUND",
            PostAlreadyExists(_) => "POST_ALREADY_EXISTS",
            PostHoldsTasks(_) => "POST_HOLDS_TASKS",
            PostBelongsToAnotherUnit { .. } => "POST_BELONGS_TO_ANOTHER_UNIT",
            TaskAlreadyAssigned(..) => "TASK_ALREADY_ASSIGNED",
            TaskNotAssigned(..) => "TASK_NOT_ASSIGNED",
            StaffingExceedsDepartment { .. } => "STAFFING_EXCEEDS_DEPARTMENT",
            BreaksLaterHistory { .. } => "BREAKS_LATER_HISTORY",
            PowerItemNotFound(_) => "POWER_ITEM_NOT_FOUND",
            PowerItemAlreadyExists(_) => "POWER_ITEM_ALREADY_EXISTS",
            PowerCodeTaken(_) => "POWER_CODE_TAKEN",
            PromisedLimitExceedsStatutory { .. } => "PROMISED_LIMIT_EXCEEDS_STATUTORY",
            TaskAlreadyLinked(..) => "TASK_ALREADY_LINKED",
            TaskNotLinked(..) => "TASK_NOT_LINKED",
            UnitImplementsPowerItems(_) => "UNIT_IMPLEMENTS_POWER_ITEMS",
        }
    }
}

impl Refusal for DepartmentError {
    fn class(&self) -> ErrorClass {
        DepartmentError::class(self)
    }

    fn rule(&self) -> &'static str {
        DepartmentError::rule(self)
    }

    fn breaks(&self) -> Option<LaterFact> {
        match self {
            DepartmentError::BreaksLaterHistory {
                event_type,
                effective_at,
                cause,
            } => Some(LaterFact {
                event_type: event_type.clone(),
                effective_at: *effective_at,
                rule: cause.rule(),
            }),
            _ => None,
        }
    }

    fn already_done(&self) -> bool {
        use DepartmentError::*;
        matches!(
            self,
            DepartmentAlreadyEstablished
                | MainDutyAlreadyExists(_)
                | UnitAlreadyExists(_)
                | UnitDutyAlreadyExists(_)
                | TaskAlreadyExists(_)
                | PostAlreadyExists(_)
                | TaskAlreadyAssigned(..)
                | PowerItemAlreadyExists(_)
                | TaskAlreadyLinked(..)
        )
    }
}
