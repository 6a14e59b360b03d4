//! Events of the boundary matter aggregate: a stored contract (variant name = `event_type`).

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::command::{MatterKind, Party, Ruling};
use crate::values::{EntityId, Name, Text};

/// Something that happened to a boundary matter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BoundaryEvent {
    /// The matter was registered.
    MatterRegistered {
        /// Where duties meet.
        kind: MatterKind,
        /// Its field.
        field: Name,
        /// Its title.
        title: Name,
        /// What it is about.
        description: Option<Text>,
        /// The parties.
        parties: Vec<Party>,
    },
    /// The matter got its first ruling.
    MatterRuled {
        /// The ruling's number (1).
        ruling_no: u32,
        /// The ruling.
        ruling: Ruling,
    },
    /// The ruling was replaced.
    RulingRevised {
        /// The new ruling's number.
        ruling_no: u32,
        /// The ruling.
        ruling: Ruling,
    },
    /// A party disputed the ruling.
    DisputeRaised {
        /// The dispute.
        dispute_id: EntityId,
        /// The party.
        party_id: EntityId,
        /// Why.
        reason: Text,
        /// The ruling disputed.
        ruling_no: u32,
    },
    /// A dispute was decided.
    DisputeDecided {
        /// The dispute.
        dispute_id: EntityId,
        /// The decision.
        decision: Text,
    },
    /// The matter was retired.
    MatterRetired,
}

impl BoundaryEvent {
    /// Every event type name, as stored.
    pub const TYPES: [&'static str; 6] = [
        "MatterRegistered",
        "MatterRuled",
        "RulingRevised",
        "DisputeRaised",
        "DisputeDecided",
        "MatterRetired",
    ];

    /// The stored event type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::MatterRegistered { .. } => "MatterRegistered",
            Self::MatterRuled { .. } => "MatterRuled",
            Self::RulingRevised { .. } => "RulingRevised",
            Self::DisputeRaised { .. } => "DisputeRaised",
            Self::DisputeDecided { .. } => "DisputeDecided",
            Self::MatterRetired => "MatterRetired",
        }
    }
}

impl DomainEvent for BoundaryEvent {
    fn event_type(&self) -> String {
        self.type_name().to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
