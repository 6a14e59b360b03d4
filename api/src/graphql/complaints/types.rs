//! The complaints area's output types.

use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use dutyledger_domain::complaint::{Complaint, ComplaintStats};

/// A ticket.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Complaint")]
pub struct ComplaintView {
    /// The ticket number.
    pub ticket: String,
    /// When the hotline received it.
    pub received_at: DateTime<Utc>,
    /// Its category.
    pub category: String,
    /// What the citizen said.
    pub text: String,
    /// Where (division code).
    pub region: String,
    /// The department it was assigned to.
    pub department_id: String,
    /// The task, where the dispatcher named one.
    pub task_id: Option<String>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// The citizen's satisfaction, 1 to 5.
    pub satisfaction: Option<i32>,
    /// The cursor of the event that recorded it.
    pub cursor: String,
}

impl ComplaintView {
    /// The view of a ticket's stream.
    pub fn of(c: &Complaint, cursor: String) -> Option<Self> {
        let t = c.ticket()?;
        Some(Self {
            ticket: t.ticket.to_string(),
            received_at: t.received_at,
            category: t.category.to_string(),
            text: t.text.to_string(),
            region: t.region.to_string(),
            department_id: t.department_id.to_string(),
            task_id: t.task_id.as_ref().map(ToString::to_string),
            resolved_at: c.resolution().map(|r| r.resolved_at),
            satisfaction: c.resolution().and_then(|r| r.satisfaction).map(i32::from),
            cursor,
        })
    }
}

/// A department's complaints of a period.
#[derive(SimpleObject, Clone, Debug)]
pub struct ComplaintFigures {
    /// The department.
    pub department_id: String,
    /// Tickets received.
    pub complaints: i32,
    /// Of those, resolved.
    pub resolved: i32,
    /// Resolved out of received, in percent (null: no ticket).
    pub resolution_rate: Option<f64>,
    /// The mean satisfaction, 1 to 5 (null: nobody rated).
    pub satisfaction: Option<f64>,
}

impl ComplaintFigures {
    /// The figures of a department.
    pub fn new(department_id: String, s: &ComplaintStats) -> Self {
        Self {
            department_id,
            complaints: s.complaints as i32,
            resolved: s.resolved as i32,
            resolution_rate: s.resolution_rate().map(|r| r.to_f64()),
            satisfaction: s.satisfaction().map(|r| r.to_f64()),
        }
    }
}

/// A key supervision flag.
#[derive(SimpleObject, Clone, Debug)]
pub struct KeySupervisionFlag {
    /// The department.
    pub department_id: String,
    /// The first day of the period.
    pub period_from: NaiveDate,
    /// The last day.
    pub period_to: NaiveDate,
    /// The figures that flagged it.
    pub figures: ComplaintFigures,
    /// The tickets counted (at most 200 listed).
    pub tickets: Vec<String>,
    /// When it was flagged (valid time).
    pub flagged_at: DateTime<Utc>,
}

/// What happened to a ticket of a batch.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TicketStatus {
    /// Stored.
    Stored,
    /// Known already with this content.
    Unchanged,
    /// Refused (see `code`, `rule`, `message`).
    Rejected,
}

/// The result of one ticket.
#[derive(SimpleObject, Clone, Debug)]
pub struct TicketResult {
    /// Its place in the batch (from 0).
    pub index: i32,
    /// Its ticket number, if it could be read.
    pub ticket: Option<String>,
    /// What happened.
    pub status: TicketStatus,
    /// The error code of a refusal.
    pub code: Option<String>,
    /// The rule of a refusal.
    pub rule: Option<String>,
    /// Why.
    pub message: Option<String>,
}

/// The result of a batch.
#[derive(SimpleObject, Clone, Debug)]
pub struct ComplaintBatchResult {
    /// Tickets stored.
    pub stored: i32,
    /// Tickets known already.
    pub unchanged: i32,
    /// Tickets refused.
    pub rejected: i32,
    /// One result per ticket, in order.
    pub results: Vec<TicketResult>,
}
