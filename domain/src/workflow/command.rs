//! Commands of the workflow chart aggregate, and the chart they carry.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::values::{CreditCode, EntityId, Name, Text, TimeLimit};

/// The most sign-off levels (签批层级) a step may need.
pub const MAX_SIGN_OFF_LEVELS: u8 = 4;

/// A material a step requires or accepts (申请材料).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Material {
    /// Its name.
    pub name: Name,
    /// Whether it is required.
    pub required: bool,
    /// Where it comes from (the applicant, another department, ...).
    pub source: Option<Text>,
}

/// A step (环节) of a workflow, or a sub-step of one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Step {
    /// Its name.
    pub name: Name,
    /// The unit that handles it.
    pub unit_id: EntityId,
    /// The post that handles it, if one is named.
    pub post_id: Option<EntityId>,
    /// The materials.
    pub materials: Vec<Material>,
    /// The formal acts inside the step (程序).
    pub procedures: Vec<Name>,
    /// Its time limit, if any.
    pub time_limit: Option<TimeLimit>,
    /// How many levels must sign (签批层级, 1 to 4).
    pub sign_off_levels: u8,
    /// Whether the section can sign it off without a bureau leader (科室可签批).
    pub section_sign_off: bool,
    /// Its sub-steps (a sub-step has none of its own).
    pub sub_steps: Vec<Step>,
}

/// The content of a workflow chart version: its ordered steps.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Chart {
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// What the rules need to know about the task and its department at the command's time (read
/// by the application layer from the structure in force then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFacts {
    /// The department.
    pub department_id: CreditCode,
    /// The task.
    pub task_id: EntityId,
    /// Whether the task is high-risk (any risk flag).
    pub high_risk: bool,
    /// The department's units in force.
    pub units: BTreeSet<EntityId>,
    /// Its posts in force, with their units.
    pub posts: BTreeMap<EntityId, EntityId>,
}

/// A request to change a task's workflow chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkflowCommand {
    /// Draft a new version (one draft at a time).
    Draft {
        /// The task and its department.
        facts: TaskFacts,
        /// The content.
        chart: Chart,
    },
    /// Replace the draft's content.
    Edit {
        /// The task and its department.
        facts: TaskFacts,
        /// The content.
        chart: Chart,
    },
    /// Publish the draft as the version in force (the one before is superseded). Content
    /// identical to the version in force creates no new version.
    Publish {
        /// The task and its department.
        facts: TaskFacts,
    },
    /// Withdraw the draft.
    Withdraw,
    /// Publish new content at once, superseding the version in force (an import, a
    /// re-engineering round decided elsewhere).
    Supersede {
        /// The task and its department.
        facts: TaskFacts,
        /// The content.
        chart: Chart,
    },
}
