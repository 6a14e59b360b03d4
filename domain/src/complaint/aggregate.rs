//! The complaint's commands, events, state and rules (one small file: two events).

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::refusal::{ErrorClass, LaterFact, Refusal};
use crate::timeline::{Decide, Timed};
use crate::values::{CreditCode, DivisionCode, EntityId, Name, Text};

/// A ticket as the hotline dispatched it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// The ticket number (the stream id).
    pub ticket: EntityId,
    /// When the hotline received it.
    pub received_at: DateTime<Utc>,
    /// Its category (投诉, 求助, 咨询, ...).
    pub category: Name,
    /// What the citizen said.
    pub text: Text,
    /// Where (division code).
    pub region: DivisionCode,
    /// The department it was assigned to.
    pub department_id: CreditCode,
    /// The task, where the dispatcher named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<EntityId>,
}

/// How a ticket was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// When.
    pub resolved_at: DateTime<Utc>,
    /// The citizen's satisfaction, 1 (very unsatisfied) to 5 (very satisfied), if asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<u8>,
}

/// A request about a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComplaintCommand {
    /// Record a ticket (and its resolution, if it came with one). The same ticket again changes
    /// nothing; again with a resolution it did not have records the resolution.
    Receive {
        /// The ticket.
        ticket: Box<Ticket>,
        /// Its resolution, if resolved.
        resolution: Option<Resolution>,
    },
}

/// Something that happened to a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComplaintEvent {
    /// Received.
    ComplaintReceived(Box<Ticket>),
    /// Resolved.
    ComplaintResolved(Resolution),
}

impl ComplaintEvent {
    /// Every event type name, as stored.
    pub const TYPES: [&'static str; 2] = ["ComplaintReceived", "ComplaintResolved"];

    /// The stored event type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::ComplaintReceived(_) => "ComplaintReceived",
            Self::ComplaintResolved(_) => "ComplaintResolved",
        }
    }
}

impl DomainEvent for ComplaintEvent {
    fn event_type(&self) -> String {
        self.type_name().to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

/// Why a ticket was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComplaintError {
    /// The ticket number was received with other content.
    #[error("ticket {0} was received with other content")]
    TicketConflict(EntityId),
    /// A satisfaction outside 1 to 5.
    #[error("satisfaction is 1 to 5, got {0}")]
    InvalidSatisfaction(u8),
    /// Resolved before it was received.
    #[error("a ticket is resolved after it is received")]
    ResolvedBeforeReceived,
    /// The change would make a later recorded event invalid.
    #[error("the change would break {event_type} effective {effective_at}: {cause}")]
    BreaksLaterHistory {
        /// The later event's type.
        event_type: String,
        /// When it takes effect.
        effective_at: DateTime<Utc>,
        /// Why it would no longer be valid.
        cause: Box<ComplaintError>,
    },
}

impl Refusal for ComplaintError {
    fn class(&self) -> ErrorClass {
        match self {
            ComplaintError::InvalidSatisfaction(_) | ComplaintError::ResolvedBeforeReceived => {
                ErrorClass::Invalid
            }
            _ => ErrorClass::Conflict,
        }
    }

    fn rule(&self) -> &'static str {
        match self {
            ComplaintError::TicketConflict(_) => "TICKET_CONFLICT",
            ComplaintError::InvalidSatisfaction(_) => "INVALID_SATISFACTION",
            ComplaintError::ResolvedBeforeReceived => "RESOLVED_BEFORE_RECEIVED",
            ComplaintError::BreaksLaterHistory { .. } => "BREAKS_LATER_HISTORY",
        }
    }

    fn breaks(&self) -> Option<LaterFact> {
        match self {
            ComplaintError::BreaksLaterHistory {
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
}

/// The complaint aggregate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    ticket: Option<Ticket>,
    resolution: Option<Resolution>,
    #[serde(default)]
    max_effective: Option<DateTime<Utc>>,
}

impl Complaint {
    /// The ticket, once received.
    pub fn ticket(&self) -> Option<&Ticket> {
        self.ticket.as_ref()
    }

    /// Its resolution, once resolved.
    pub fn resolution(&self) -> Option<&Resolution> {
        self.resolution.as_ref()
    }
}

impl Decide for Complaint {
    type Command = ComplaintCommand;
    type Event = ComplaintEvent;
    type Error = ComplaintError;

    fn decide(&self, command: ComplaintCommand) -> Result<Vec<ComplaintEvent>, ComplaintError> {
        let ComplaintCommand::Receive { ticket, resolution } = command;
        if let Some(r) = &resolution {
            if let Some(s) = r.satisfaction.filter(|s| !(1..=5).contains(s)) {
                return Err(ComplaintError::InvalidSatisfaction(s));
            }
            if r.resolved_at < ticket.received_at {
                return Err(ComplaintError::ResolvedBeforeReceived);
            }
        }
        let mut events = Vec::new();
        match &self.ticket {
            Some(known) if *known != *ticket => {
                return Err(ComplaintError::TicketConflict(ticket.ticket.clone()))
            }
            Some(_) => {}
            None => events.push(ComplaintEvent::ComplaintReceived(ticket)),
        }
        match (self.resolution, resolution) {
            (None, Some(r)) => events.push(ComplaintEvent::ComplaintResolved(r)),
            (Some(known), Some(r)) if known != r => {
                return Err(ComplaintError::TicketConflict(
                    self.ticket
                        .as_ref()
                        .map(|t| t.ticket.clone())
                        .unwrap_or_else(|| EntityId::parse("unknown").expect("valid")),
                ))
            }
            _ => {}
        }
        Ok(events)
    }

    fn validate(&self, _event: &ComplaintEvent) -> Result<(), ComplaintError> {
        Ok(())
    }

    fn evolve(&mut self, event: ComplaintEvent) {
        match event {
            ComplaintEvent::ComplaintReceived(t) => self.ticket = Some(*t),
            ComplaintEvent::ComplaintResolved(r) => self.resolution = Some(r),
        }
    }

    fn breaks_later(later: &Timed<ComplaintEvent>, cause: ComplaintError) -> ComplaintError {
        ComplaintError::BreaksLaterHistory {
            event_type: later.event.type_name().to_owned(),
            effective_at: later.effective_at,
            cause: Box::new(cause),
        }
    }
}

/// A ticket concerns the department it was assigned to.
impl crate::concerns::Concerns for Complaint {
    fn departments(&self) -> Vec<CreditCode> {
        self.ticket
            .iter()
            .map(|t| t.department_id.clone())
            .collect()
    }
}

crate::event_sourced!(Complaint, "complaint");
