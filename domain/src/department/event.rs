//! Events of the department aggregate: past tense, a stored contract. The variant name is the
//! stored `event_type` and is never renamed; a payload change gets a new `event_version` and an
//! upcaster.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::command::{TaskDetails, TaskPatch};
use crate::power::{PowerItemDetails, PowerItemPatch};
use crate::values::{
    BodyKind, CreditCode, DepartmentLevel, DivisionCode, EntityId, Headcount, Name, Text,
};

/// A task held by a post.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Assignment {
    /// The task.
    pub task_id: EntityId,
    /// The post that holds it.
    pub post_id: EntityId,
}

/// Something that happened to a department's 三定 structure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DepartmentEvent {
    /// The department was established.
    DepartmentEstablished {
        /// Its credit code (the stream id).
        id: CreditCode,
        /// Its official name.
        name: Name,
        /// The division it serves.
        division: DivisionCode,
        /// City, county or township.
        level: DepartmentLevel,
        /// Its sector.
        sector: Name,
        /// The kind of body.
        kind: BodyKind,
    },
    /// A main duty was defined.
    MainDutyDefined {
        /// Its id.
        duty_id: EntityId,
        /// Its wording.
        text: Text,
    },
    /// A main duty's wording changed.
    MainDutyAmended {
        /// Its id.
        duty_id: EntityId,
        /// The new wording.
        text: Text,
    },
    /// A main duty was revoked.
    MainDutyRevoked {
        /// Its id.
        duty_id: EntityId,
    },
    /// An internal unit was established.
    UnitEstablished {
        /// Its id.
        unit_id: EntityId,
        /// Its name.
        name: Name,
    },
    /// A unit was renamed.
    UnitRenamed {
        /// Its id.
        unit_id: EntityId,
        /// The new name.
        name: Name,
    },
    /// A unit was merged into another: everything it held moved there, and it ended.
    UnitMerged {
        /// The unit that ended.
        unit_id: EntityId,
        /// The unit that took over.
        into_unit_id: EntityId,
        /// Unit duties that moved (with their tasks and assignments).
        moved_unit_duties: Vec<EntityId>,
        /// Tasks that moved with those unit duties.
        moved_tasks: Vec<EntityId>,
        /// Posts that moved.
        moved_posts: Vec<EntityId>,
        /// The surviving unit's staffing afterwards (the two added), if either had one.
        into_staffing: Option<Headcount>,
    },
    /// A unit was abolished.
    UnitAbolished {
        /// Its id.
        unit_id: EntityId,
    },
    /// A unit was given a duty derived from a main duty.
    UnitDutyAssigned {
        /// Its id.
        unit_duty_id: EntityId,
        /// The main duty it derives from.
        main_duty_id: EntityId,
        /// The unit that holds it.
        unit_id: EntityId,
        /// Its wording.
        text: Text,
    },
    /// A unit duty moved to another unit with its tasks; the tasks' assignments ended.
    UnitDutyTransferred {
        /// Its id.
        unit_duty_id: EntityId,
        /// The unit that held it.
        from_unit_id: EntityId,
        /// The unit that holds it now.
        to_unit_id: EntityId,
        /// Tasks that moved with it.
        moved_tasks: Vec<EntityId>,
        /// Assignments that ended because the tasks left their posts' unit.
        ended_assignments: Vec<Assignment>,
    },
    /// A unit duty was revoked.
    UnitDutyRevoked {
        /// Its id.
        unit_duty_id: EntityId,
    },
    /// A work task was split from a unit duty.
    TaskDefined {
        /// Its id.
        task_id: EntityId,
        /// The unit duty it was split from.
        unit_duty_id: EntityId,
        /// The unit that holds that unit duty.
        unit_id: EntityId,
        /// What it says.
        details: TaskDetails,
    },
    /// A task's named fields were changed, and only those (version 2). Version 1 events
    /// (`{task_id, details}`: every field replaced) are read as the patch that sets every field
    /// to its details, which is what they did.
    #[serde(deserialize_with = "task_amended_v1_or_v2")]
    TaskAmended {
        /// Its id.
        task_id: EntityId,
        /// The fields changed, with their new values.
        changes: TaskPatch,
    },
    /// A task was retired; its assignments ended.
    TaskRetired {
        /// Its id.
        task_id: EntityId,
        /// Posts that held it until now.
        ended_assignments: Vec<EntityId>,
    },
    /// A post was created in a unit.
    PostCreated {
        /// Its id.
        post_id: EntityId,
        /// Its unit.
        unit_id: EntityId,
        /// Its name.
        name: Name,
    },
    /// A post was abolished.
    PostAbolished {
        /// Its id.
        post_id: EntityId,
    },
    /// A post took on a task.
    TaskAssignedToPost {
        /// The task.
        task_id: EntityId,
        /// The post.
        post_id: EntityId,
    },
    /// A post no longer holds a task.
    TaskUnassignedFromPost {
        /// The task.
        task_id: EntityId,
        /// The post.
        post_id: EntityId,
    },
    /// A power item was put on the department's power list.
    PowerItemListed {
        /// Its id.
        item_id: EntityId,
        /// What it says.
        details: PowerItemDetails,
    },
    /// A power item's named fields were changed, and only those (version 2). Version 1 events
    /// (`{item_id, details}`: every field replaced) are read as the patch that sets every field.
    #[serde(deserialize_with = "power_item_amended_v1_or_v2")]
    PowerItemAmended {
        /// Its id.
        item_id: EntityId,
        /// The fields changed, with their new values.
        changes: PowerItemPatch,
    },
    /// A power item was taken off the list; its links to tasks ended.
    PowerItemDelisted {
        /// Its id.
        item_id: EntityId,
        /// Tasks linked to it until now.
        ended_links: Vec<EntityId>,
    },
    /// A task was linked to a power item.
    TaskLinkedToPowerItem {
        /// The item.
        item_id: EntityId,
        /// The task.
        task_id: EntityId,
    },
    /// A task's link to a power item ended.
    TaskUnlinkedFromPowerItem {
        /// The item.
        item_id: EntityId,
        /// The task.
        task_id: EntityId,
    },
    /// The department's staffing was set.
    DepartmentStaffingSet {
        /// The headcount.
        headcount: Headcount,
    },
    /// A unit's staffing was set.
    UnitStaffingSet {
        /// The unit.
        unit_id: EntityId,
        /// The headcount.
        headcount: Headcount,
    },
}

impl DepartmentEvent {
    /// Every event type name, as stored. A test checks this list against the serde tags.
    pub const TYPES: [&'static str; 25] = [
        "DepartmentEstablished",
        "MainDutyDefined",
        "MainDutyAmended",
        "MainDutyRevoked",
        "UnitEstablished",
        "UnitRenamed",
        "UnitMerged",
        "UnitAbolished",
        "UnitDutyAssigned",
        "UnitDutyTransferred",
        "UnitDutyRevoked",
        "TaskDefined",
        "TaskAmended",
        "TaskRetired",
        "PostCreated",
        "PostAbolished",
        "TaskAssignedToPost",
        "TaskUnassignedFromPost",
        "DepartmentStaffingSet",
        "UnitStaffingSet",
        "PowerItemListed",
        "PowerItemAmended",
        "PowerItemDelisted",
        "TaskLinkedToPowerItem",
        "TaskUnlinkedFromPowerItem",
    ];

    /// The stored event type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::DepartmentEstablished { .. } => "DepartmentEstablished",
            Self::MainDutyDefined { .. } => "MainDutyDefined",
            Self::MainDutyAmended { .. } => "MainDutyAmended",
            Self::MainDutyRevoked { .. } => "MainDutyRevoked",
            Self::UnitEstablished { .. } => "UnitEstablished",
            Self::UnitRenamed { .. } => "UnitRenamed",
            Self::UnitMerged { .. } => "UnitMerged",
            Self::UnitAbolished { .. } => "UnitAbolished",
            Self::UnitDutyAssigned { .. } => "UnitDutyAssigned",
            Self::UnitDutyTransferred { .. } => "UnitDutyTransferred",
            Self::UnitDutyRevoked { .. } => "UnitDutyRevoked",
            Self::TaskDefined { .. } => "TaskDefined",
            Self::TaskAmended { .. } => "TaskAmended",
            Self::TaskRetired { .. } => "TaskRetired",
            Self::PostCreated { .. } => "PostCreated",
            Self::PostAbolished { .. } => "PostAbolished",
            Self::TaskAssignedToPost { .. } => "TaskAssignedToPost",
            Self::TaskUnassignedFromPost { .. } => "TaskUnassignedFromPost",
            Self::DepartmentStaffingSet { .. } => "DepartmentStaffingSet",
            Self::UnitStaffingSet { .. } => "UnitStaffingSet",
            Self::PowerItemListed { .. } => "PowerItemListed",
            Self::PowerItemAmended { .. } => "PowerItemAmended",
            Self::PowerItemDelisted { .. } => "PowerItemDelisted",
            Self::TaskLinkedToPowerItem { .. } => "TaskLinkedToPowerItem",
            Self::TaskUnlinkedFromPowerItem { .. } => "TaskUnlinkedFromPowerItem",
        }
    }
}

impl DomainEvent for DepartmentEvent {
    fn event_type(&self) -> String {
        self.type_name().to_owned()
    }

    fn event_version(&self) -> String {
        match self {
            // Version 2: the fields changed (a patch) instead of every field.
            Self::TaskAmended { .. } | Self::PowerItemAmended { .. } => "2".to_owned(),
            _ => "1".to_owned(),
        }
    }
}

/// The upcaster of `TaskAmended`: version 2 carries the fields changed, version 1 every field.
fn task_amended_v1_or_v2<'de, D>(deserializer: D) -> Result<(EntityId, TaskPatch), D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        V2 {
            task_id: EntityId,
            changes: TaskPatch,
        },
        V1 {
            task_id: EntityId,
            details: TaskDetails,
        },
    }
    Ok(match Stored::deserialize(deserializer)? {
        Stored::V2 { task_id, changes } => (task_id, changes),
        Stored::V1 { task_id, details } => (task_id, TaskPatch::replacing(&details)),
    })
}

/// The upcaster of `PowerItemAmended`: version 2 carries the fields changed, version 1 every
/// field.
fn power_item_amended_v1_or_v2<'de, D>(
    deserializer: D,
) -> Result<(EntityId, PowerItemPatch), D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        V2 {
            item_id: EntityId,
            changes: PowerItemPatch,
        },
        V1 {
            item_id: EntityId,
            details: PowerItemDetails,
        },
    }
    Ok(match Stored::deserialize(deserializer)? {
        Stored::V2 { item_id, changes } => (item_id, changes),
        Stored::V1 { item_id, details } => (item_id, PowerItemPatch::replacing(&details)),
    })
}
