//! Events of the workflow chart aggregate. The type names are a stored contract.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::command::Chart;
use crate::values::{CreditCode, EntityId};

/// Something that happened to a task's workflow chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkflowEvent {
    /// A new version was drafted.
    WorkflowDrafted {
        /// The department.
        department_id: CreditCode,
        /// The task.
        task_id: EntityId,
        /// The draft's content.
        chart: Chart,
    },
    /// The draft's content was replaced.
    WorkflowDraftEdited {
        /// The new content.
        chart: Chart,
    },
    /// The draft was withdrawn.
    WorkflowDraftWithdrawn {},
    /// A version was published and is in force from the event's effective time.
    WorkflowPublished {
        /// The department.
        department_id: CreditCode,
        /// The task.
        task_id: EntityId,
        /// Its number: 1 for the first version, then each new one.
        version: u32,
        /// Its content.
        chart: Chart,
        /// The version it supersedes, if one was in force.
        supersedes: Option<u32>,
    },
}

impl WorkflowEvent {
    /// Every event type name, as stored.
    pub const TYPES: [&'static str; 4] = [
        "WorkflowDrafted",
        "WorkflowDraftEdited",
        "WorkflowDraftWithdrawn",
        "WorkflowPublished",
    ];

    /// The stored event type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::WorkflowDrafted { .. } => "WorkflowDrafted",
            Self::WorkflowDraftEdited { .. } => "WorkflowDraftEdited",
            Self::WorkflowDraftWithdrawn {} => "WorkflowDraftWithdrawn",
            Self::WorkflowPublished { .. } => "WorkflowPublished",
        }
    }
}

impl DomainEvent for WorkflowEvent {
    fn event_type(&self) -> String {
        self.type_name().to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
