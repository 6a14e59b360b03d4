//! The order's state, its rules, and how events change it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::command::{Attachment, OrderCommand, MAX_ATTACHMENTS};
use super::error::OrderError;
use super::event::OrderEvent;
use crate::timeline::{Decide, Timed};
use crate::values::{CreditCode, EntityId, Text};

/// Where an order stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    /// Issued, not answered yet.
    #[default]
    Open,
    /// Answered; the office decides.
    Answered,
    /// Returned to the department: it answers again.
    Returned,
    /// Accepted: closed.
    Accepted,
}

/// The rectification order aggregate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationOrder {
    department_id: Option<CreditCode>,
    findings: Vec<EntityId>,
    round_id: Option<EntityId>,
    issued_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    status: OrderStatus,
    answers: u32,
    returns: u32,
    requirement: Option<Text>,
    last_answer: Option<(Text, Vec<Attachment>)>,
    last_return: Option<Text>,
    #[serde(default)]
    max_effective: Option<DateTime<Utc>>,
}

type Decision = Result<Vec<OrderEvent>, OrderError>;

impl RectificationOrder {
    /// The department, once issued.
    pub fn department(&self) -> Option<&CreditCode> {
        self.department_id.as_ref()
    }

    /// The findings it rectifies.
    pub fn findings(&self) -> &[EntityId] {
        &self.findings
    }

    /// The round, if any.
    pub fn round(&self) -> Option<&EntityId> {
        self.round_id.as_ref()
    }

    /// Where it stands.
    pub fn status(&self) -> OrderStatus {
        self.status
    }

    /// When it was issued.
    pub fn issued_at(&self) -> Option<DateTime<Utc>> {
        self.issued_at
    }

    /// Its due date (after extensions).
    pub fn due_at(&self) -> Option<DateTime<Utc>> {
        self.due_at
    }

    /// What must be done.
    pub fn requirement(&self) -> Option<&Text> {
        self.requirement.as_ref()
    }

    /// The latest answer: measures and attachments.
    pub fn last_answer(&self) -> Option<&(Text, Vec<Attachment>)> {
        self.last_answer.as_ref()
    }

    /// The reasons of the latest return.
    pub fn last_return(&self) -> Option<&Text> {
        self.last_return.as_ref()
    }

    /// How many answers and returns it has had.
    pub fn rounds(&self) -> (u32, u32) {
        (self.answers, self.returns)
    }

    /// Whether it is open at all (not accepted).
    pub fn is_open(&self) -> bool {
        self.department_id.is_some() && self.status != OrderStatus::Accepted
    }

    /// Whether it is overdue at `at`: awaiting the department's answer (open or returned) at or
    /// after its due instant (the first instant after the last day allowed).
    pub fn overdue_at(&self, at: DateTime<Utc>) -> bool {
        matches!(self.status, OrderStatus::Open | OrderStatus::Returned)
            && self.due_at.is_some_and(|due| at >= due)
    }

    fn issued(&self) -> Result<(), OrderError> {
        if self.department_id.is_none() {
            return Err(OrderError::NotFound);
        }
        Ok(())
    }

    /// Decides a command against this state. Pure.
    pub fn decide(&self, command: OrderCommand) -> Decision {
        let event = match command {
            OrderCommand::Issue {
                department_id,
                findings,
                round_id,
                requirement,
                due_working_days,
                facts,
            } => OrderEvent::OrderIssued {
                department_id,
                findings,
                round_id,
                requirement,
                due_working_days,
                issued_at: facts.issued_at,
                due_at: facts.due_at,
            },
            OrderCommand::Answer {
                measures,
                attachments,
            } => OrderEvent::OrderAnswered {
                measures,
                attachments,
            },
            OrderCommand::Return { reasons } => OrderEvent::OrderReturned { reasons },
            OrderCommand::Accept { note } => OrderEvent::OrderAccepted { note },
            OrderCommand::Extend { due_at, reason } => OrderEvent::OrderExtended { due_at, reason },
        };
        self.validate_event(&event)?;
        Ok(vec![event])
    }

    fn validate_event(&self, event: &OrderEvent) -> Result<(), OrderError> {
        match event {
            OrderEvent::OrderIssued {
                findings,
                issued_at,
                due_at,
                ..
            } => {
                if self.department_id.is_some() {
                    return Err(OrderError::Exists);
                }
                if findings.is_empty() {
                    return Err(OrderError::NoFindings);
                }
                if due_at <= issued_at {
                    return Err(OrderError::DueNotAfterIssue);
                }
                Ok(())
            }
            OrderEvent::OrderAnswered { attachments, .. } => {
                self.issued()?;
                if attachments.len() > MAX_ATTACHMENTS {
                    return Err(OrderError::InvalidAttachment(format!(
                        "at most {MAX_ATTACHMENTS}"
                    )));
                }
                if let Some(a) = attachments.iter().find(|a| !a.is_valid()) {
                    return Err(OrderError::InvalidAttachment(format!(
                        "{}: a SHA-256 of 64 lowercase hex digits and a size over 0",
                        a.file_name
                    )));
                }
                match self.status {
                    OrderStatus::Open | OrderStatus::Returned => Ok(()),
                    OrderStatus::Answered => Err(OrderError::NotAwaitingAnswer),
                    OrderStatus::Accepted => Err(OrderError::Closed),
                }
            }
            OrderEvent::OrderReturned { .. } => {
                self.issued()?;
                match self.status {
                    OrderStatus::Answered => Ok(()),
                    OrderStatus::Accepted => Err(OrderError::Closed),
                    _ => Err(OrderError::NotAnswered),
                }
            }
            OrderEvent::OrderAccepted { .. } => {
                self.issued()?;
                match self.status {
                    OrderStatus::Answered => Ok(()),
                    OrderStatus::Accepted => Err(OrderError::AlreadyAccepted),
                    _ => Err(OrderError::NotAnswered),
                }
            }
            OrderEvent::OrderExtended { due_at, .. } => {
                self.issued()?;
                if self.status == OrderStatus::Accepted {
                    return Err(OrderError::Closed);
                }
                match self.due_at {
                    Some(current) if *due_at <= current => {
                        Err(OrderError::ExtensionNotLater(current))
                    }
                    _ => Ok(()),
                }
            }
        }
    }

    fn evolve_event(&mut self, event: OrderEvent) {
        match event {
            OrderEvent::OrderIssued {
                department_id,
                findings,
                round_id,
                requirement,
                issued_at,
                due_at,
                ..
            } => {
                self.requirement = Some(requirement);
                self.department_id = Some(department_id);
                self.findings = findings;
                self.round_id = round_id;
                self.issued_at = Some(issued_at);
                self.due_at = Some(due_at);
                self.status = OrderStatus::Open;
            }
            OrderEvent::OrderAnswered {
                measures,
                attachments,
            } => {
                self.last_answer = Some((measures, attachments));
                self.answers += 1;
                self.status = OrderStatus::Answered;
            }
            OrderEvent::OrderReturned { reasons } => {
                self.last_return = Some(reasons);
                self.returns += 1;
                self.status = OrderStatus::Returned;
            }
            OrderEvent::OrderAccepted { .. } => self.status = OrderStatus::Accepted,
            OrderEvent::OrderExtended { due_at, .. } => self.due_at = Some(due_at),
        }
    }
}

impl Decide for RectificationOrder {
    type Command = OrderCommand;
    type Event = OrderEvent;
    type Error = OrderError;

    fn decide(&self, command: OrderCommand) -> Decision {
        RectificationOrder::decide(self, command)
    }

    fn validate(&self, event: &OrderEvent) -> Result<(), OrderError> {
        self.validate_event(event)
    }

    fn evolve(&mut self, event: OrderEvent) {
        self.evolve_event(event);
    }

    fn breaks_later(later: &Timed<OrderEvent>, cause: OrderError) -> OrderError {
        OrderError::BreaksLaterHistory {
            event_type: later.event.type_name().to_owned(),
            effective_at: later.effective_at,
            cause: Box::new(cause),
        }
    }
}

/// An order concerns its department.
impl crate::concerns::Concerns for RectificationOrder {
    fn departments(&self) -> Vec<CreditCode> {
        self.department_id.iter().cloned().collect()
    }
}

crate::event_sourced!(RectificationOrder, "rectification_order");
