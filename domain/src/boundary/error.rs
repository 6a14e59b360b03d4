//! Why a boundary command was refused. Each variant names the rule it breaks.

use chrono::{DateTime, Utc};

use crate::refusal::{ErrorClass, LaterFact, Refusal};
use crate::values::EntityId;

/// A refused boundary command. No event is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoundaryError {
    /// The matter has not been registered.
    #[error("the boundary matter has not been registered")]
    MatterNotFound,
    /// The matter was registered already.
    #[error("the boundary matter has already been registered")]
    MatterAlreadyRegistered,
    /// The matter was retired.
    #[error("the boundary matter has been retired")]
    MatterRetired,
    /// Fewer than two parties.
    #[error("a boundary matter needs at least two parties")]
    TooFewParties,
    /// Two parties share an id, or the same department (and section) appears twice.
    #[error("party {0} appears twice")]
    DuplicateParty(String),
    /// A matter between sections whose parties are not all sections of one department.
    #[error(
        "the parties of a matter between sections must all be sections (units) of one department"
    )]
    SectionsOfDifferentDepartments,
    /// A matter between departments or levels that involves only one department.
    #[error("a matter between departments or levels must involve at least two departments")]
    SingleDepartment,
    /// The matter has a ruling already (revise it instead).
    #[error("the matter has been ruled already; revise the ruling instead")]
    MatterAlreadyRuled,
    /// The matter has no ruling yet.
    #[error("the matter has no ruling yet")]
    MatterNotRuled,
    /// A ruling without stages.
    #[error("a ruling needs at least one stage")]
    NoStages,
    /// Two stages share a name.
    #[error("stage {0:?} appears twice")]
    DuplicateStage(String),
    /// A stage without a lead.
    #[error("stage {0:?} names no lead: exactly one party must lead")]
    NoLead(String),
    /// A stage with more than one lead.
    #[error("stage {0:?} names more than one lead: exactly one party must lead")]
    SeveralLeads(String),
    /// A role given to a party that is not a party of the matter.
    #[error("{0} is not a party of this matter")]
    UnknownParty(EntityId),
    /// A party appears twice in one stage.
    #[error("party {1} appears twice in stage {0:?}")]
    PartyTwiceInStage(String, EntityId),
    /// A ruling without a coordination mechanism.
    #[error("a ruling needs at least one coordination mechanism")]
    NoMechanism,
    /// The dispute id is taken.
    #[error("dispute {0} already exists")]
    DisputeAlreadyExists(EntityId),
    /// No such dispute.
    #[error("dispute {0} not found")]
    DisputeNotFound(EntityId),
    /// The dispute has been decided.
    #[error("dispute {0} has been decided already")]
    DisputeAlreadyDecided(EntityId),
    /// The matter still has open disputes.
    #[error("the matter still has open disputes")]
    DisputesOpen,
    /// The change would make a later recorded event invalid.
    #[error("the change would break {event_type} effective {effective_at}: {cause}")]
    BreaksLaterHistory {
        /// The later event's type.
        event_type: String,
        /// When it takes effect.
        effective_at: DateTime<Utc>,
        /// Why it would no longer be valid.
        cause: Box<BoundaryError>,
    },
}

impl BoundaryError {
    /// The broad class of the refusal.
    pub fn class(&self) -> ErrorClass {
        use BoundaryError::*;
        match self {
            MatterNotFound | DisputeNotFound(_) => ErrorClass::NotFound,
            TooFewParties
            | DuplicateParty(_)
            | SectionsOfDifferentDepartments
            | SingleDepartment
            | NoStages
            | DuplicateStage(_)
            | NoLead(_)
            | SeveralLeads(_)
            | UnknownParty(_)
            | PartyTwiceInStage(..)
            | NoMechanism => ErrorClass::Invalid,
            MatterAlreadyRegistered
            | MatterRetired
            | MatterAlreadyRuled
            | MatterNotRuled
            | DisputeAlreadyExists(_)
            | DisputeAlreadyDecided(_)
            | DisputesOpen
            | BreaksLaterHistory { .. } => ErrorClass::Conflict,
        }
    }

    /// The rule broken, as a stable SCREAMING_SNAKE_CASE name.
    pub fn rule(&self) -> &'static str {
        use BoundaryError::*;
        match self {
            MatterNotFound => "MATTER_NOT_FOUND",
            MatterAlreadyRegistered => "MATTER_ALREADY_REGISTERED",
            MatterRetired => "MATTER_RETIRED",
            TooFewParties => "TOO_FEW_PARTIES",
            DuplicateParty(_) => "DUPLICATE_PARTY",
            SectionsOfDifferentDepartments => "SECTIONS_OF_DIFFERENT_DEPARTMENTS",
            SingleDepartment => "SINGLE_DEPARTMENT",
            MatterAlreadyRuled => "MATTER_ALREADY_RULED",
            MatterNotRuled => "MATTER_NOT_RULED",
            NoStages => "NO_STAGES",
            DuplicateStage(_) => "DUPLICATE_STAGE",
            NoLead(_) => "NO_LEAD",
            SeveralLeads(_) => "SEVERAL_LEADS",
            UnknownParty(_) => "UNKNOWN_PARTY",
            PartyTwiceInStage(..) => "PARTY_TWICE_IN_STAGE",
            NoMechanism => "NO_MECHANISM",
            DisputeAlreadyExists(_) => "DISPUTE_ALREADY_EXISTS",
            DisputeNotFound(_) => "DISPUTE_NOT_FOUND",
            DisputeAlreadyDecided(_) => "DISPUTE_ALREADY_DECIDED",
            DisputesOpen => "DISPUTES_OPEN",
            BreaksLaterHistory { .. } => "BREAKS_LATER_HISTORY",
        }
    }
}

impl Refusal for BoundaryError {
    fn class(&self) -> ErrorClass {
        BoundaryError::class(self)
    }

    fn rule(&self) -> &'static str {
        BoundaryError::rule(self)
    }

    fn breaks(&self) -> Option<LaterFact> {
        match self {
            BoundaryError::BreaksLaterHistory {
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
        use BoundaryError::*;
        matches!(
            self,
            MatterAlreadyRegistered | MatterAlreadyRuled | DisputeAlreadyExists(_)
        )
    }
}
