//! Events of the indicator scheme aggregate: a stored contract (variant name = `event_type`).

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::definition::SchemeDefinition;

/// Something that happened to a scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SchemeEvent {
    /// A version was published (versions count from 1; rounds pin one).
    SchemeVersionPublished {
        /// Its number.
        version: u32,
        /// Its content.
        definition: SchemeDefinition,
    },
}

impl SchemeEvent {
    /// Every event type name, as stored.
    pub const TYPES: [&'static str; 1] = ["SchemeVersionPublished"];

    /// The stored event type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::SchemeVersionPublished { .. } => "SchemeVersionPublished",
        }
    }
}

impl DomainEvent for SchemeEvent {
    fn event_type(&self) -> String {
        self.type_name().to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
