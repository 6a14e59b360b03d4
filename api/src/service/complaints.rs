//! 12345 complaints in the application layer: tickets recorded one stream each (so a re-import
//! stores nothing twice), the figures per department and period as of a point in both times, and
//! the key supervision flags they raise.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use dutyledger_domain::complaint::{
    Complaint, ComplaintCommand, FlagCommand, FlagRule, KeySupervision, Resolution, Ticket,
};
use dutyledger_domain::performance::local_date;
use dutyledger_domain::values::{CreditCode, DivisionCode, EntityId, Name, Text};
use dutyledger_projections::duty_list::{self, AsOf};
use dutyledger_projections::supervision::{self, StreamAt};
use sqlx::PgPool;

use super::commands::{Commands, When};
use super::error::{parse_field, AppError};
use super::policy::{authorize, narrow_departments, Access};
use crate::context::RequestContext;

/// The most tickets one batch may hold.
pub const MAX_BATCH: usize = 5_000;

/// A ticket's fields as text, as the GraphQL input, a CSV row (its header names the fields) and
/// an NDJSON line (its keys) give them.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketFields {
    /// The ticket number.
    pub ticket: String,
    /// When the hotline received it.
    pub received_at: DateTime<Utc>,
    /// Its category.
    pub category: String,
    /// What the citizen said.
    pub text: String,
    /// Where (12-digit division code).
    pub region: String,
    /// The department it was assigned to.
    pub department_id: String,
    /// The task, where the dispatcher named one.
    #[serde(default)]
    pub task_id: Option<String>,
    /// When it was resolved.
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    /// The citizen's satisfaction, 1 to 5.
    #[serde(default)]
    pub satisfaction: Option<i32>,
}

impl TicketFields {
    /// The ticket and its resolution, parsed.
    pub fn parse(&self) -> Result<(Ticket, Option<Resolution>), AppError> {
        let satisfaction = self
            .satisfaction
            .map(|s| {
                u8::try_from(s)
                    .ok()
                    .filter(|s| (1..=5).contains(s))
                    .ok_or_else(|| AppError::bad_input("satisfaction", "1 to 5"))
            })
            .transpose()?;
        if satisfaction.is_some() && self.resolved_at.is_none() {
            return Err(AppError::bad_input(
                "satisfaction",
                "only a resolved ticket (resolvedAt) has a satisfaction",
            ));
        }
        Ok((
            Ticket {
                ticket: parse_field("ticket", EntityId::parse(&self.ticket))?,
                received_at: self.received_at,
                category: parse_field("category", Name::parse_field("category", &self.category))?,
                text: parse_field("text", Text::parse_field("text", &self.text))?,
                region: parse_field("region", DivisionCode::parse(&self.region))?,
                department_id: parse_field("departmentId", CreditCode::parse(&self.department_id))?,
                task_id: self
                    .task_id
                    .as_deref()
                    .filter(|t| !t.is_empty())
                    .map(|t| parse_field("taskId", EntityId::parse(t)))
                    .transpose()?,
            },
            self.resolved_at.map(|resolved_at| Resolution {
                resolved_at,
                satisfaction,
            }),
        ))
    }
}

/// What happened to one ticket of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum TicketOutcome {
    /// Stored (received, resolved, or both).
    Stored,
    /// Known already with this content: nothing stored.
    Unchanged,
    /// Refused: the error says why.
    Rejected(AppError),
}

impl Commands {
    /// Records a batch of tickets, each in its own stream and transaction: a ticket whose
    /// department is not in force when it was received is refused (`DEPARTMENT_NOT_FOUND`);
    /// the same ticket again changes nothing; a resolution it did not have is recorded.
    pub async fn record_complaints(
        &self,
        ctx: &RequestContext,
        batch: Vec<Result<(Ticket, Option<Resolution>), AppError>>,
    ) -> Result<Vec<TicketOutcome>, AppError> {
        authorize(&ctx.actor, Access::WriteComplaints)?;
        if batch.len() > MAX_BATCH {
            return Err(AppError::bad_input(
                "tickets",
                format!("at most {MAX_BATCH} per batch"),
            ));
        }
        let mut out = Vec::with_capacity(batch.len());
        let mut known: std::collections::HashMap<(String, NaiveDate), bool> = Default::default();
        for item in batch {
            let (ticket, resolution) = match item {
                Ok(t) => t,
                Err(e) => {
                    out.push(TicketOutcome::Rejected(e));
                    continue;
                }
            };
            let key = (
                ticket.department_id.to_string(),
                local_date(ticket.received_at),
            );
            let exists = match known.get(&key) {
                Some(x) => *x,
                None => {
                    let x = duty_list::structure(
                        self.pool(),
                        ticket.department_id.as_str(),
                        AsOf {
                            valid_at: ticket.received_at,
                            known_at: Utc::now(),
                        },
                    )
                    .await
                    .map_err(|e| AppError::from_store(e, &ctx.request_id))?
                    .is_some();
                    known.insert(key, x);
                    x
                }
            };
            if !exists {
                out.push(TicketOutcome::Rejected(AppError::NotFound {
                    message: format!(
                        "ticket {}: department {} not found at {}",
                        ticket.ticket, ticket.department_id, ticket.received_at
                    ),
                    rule: Some("DEPARTMENT_NOT_FOUND"),
                }));
                continue;
            }
            let id = ticket.ticket.to_string();
            let when = When {
                reason: None,
                effective_at: Some(ticket.received_at),
                command_id: None,
            };
            let result = self
                .execute::<Complaint>(
                    ctx,
                    &id,
                    ComplaintCommand::Receive {
                        ticket: Box::new(ticket),
                        resolution,
                    },
                    when,
                )
                .await;
            out.push(match result {
                Ok(o) if o.events > 0 => TicketOutcome::Stored,
                Ok(_) => TicketOutcome::Unchanged,
                Err(e) => TicketOutcome::Rejected(e),
            });
        }
        Ok(out)
    }

    /// Flags for key supervision every department (of `departments`, else every department in
    /// force now) whose complaints received from `from` to `to` pass `rule`, as known now.
    /// Returns the departments flagged now (those flagged for the period before are not
    /// repeated).
    pub async fn flag_key_supervision(
        &self,
        ctx: &RequestContext,
        from: NaiveDate,
        to: NaiveDate,
        rule: FlagRule,
        departments: Option<Vec<CreditCode>>,
        when: When,
    ) -> Result<Vec<CreditCode>, AppError> {
        authorize(&ctx.actor, Access::RunSupervision)?;
        if to < from {
            return Err(AppError::BadInput {
                message: "the period ends before it starts".into(),
                field: Some("periodTo".into()),
                rule: Some("PERIOD_INVERTED"),
            });
        }
        let departments = match departments {
            Some(d) => d,
            None => duty_list::departments(self.pool(), AsOf::now())
                .await
                .map_err(|e| AppError::from_store(e, &ctx.request_id))?
                .into_iter()
                .filter_map(|d| CreditCode::parse(&d.department_id).ok())
                .collect(),
        };
        let mut flagged = Vec::new();
        for d in departments {
            let (stats, tickets) =
                supervision::complaint_stats(self.pool(), &d, from, to, AsOf::now())
                    .await
                    .map_err(|e| AppError::from_store(e, &ctx.request_id))?;
            if !rule.flags(&stats) {
                continue;
            }
            match self
                .execute::<KeySupervision>(
                    ctx,
                    d.as_str(),
                    FlagCommand::Flag {
                        department_id: d.clone(),
                        from,
                        to,
                        stats,
                        rule: rule.clone(),
                        tickets,
                    },
                    when.clone(),
                )
                .await
            {
                Ok(_) => flagged.push(d),
                Err(e) if e.already_done() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(flagged)
    }
}

/// The departments a read of complaints may cover (`department`, narrowed to the actor's).
pub fn readable(
    ctx: &RequestContext,
    department: Option<String>,
) -> Result<Option<Vec<String>>, AppError> {
    authorize(&ctx.actor, Access::ReadRectification)?;
    narrow_departments(&ctx.actor, department.map(|d| vec![d]), "complaints")
}

/// The key supervision flags as of `as_of` the actor may read, with when each was flagged.
pub async fn flags(
    pool: &PgPool,
    ctx: &RequestContext,
    department: Option<String>,
    as_of: AsOf,
) -> Result<Vec<(StreamAt<KeySupervision>, Vec<DateTime<Utc>>)>, AppError> {
    let store = |e| AppError::from_store(e, &ctx.request_id);
    let ty = <KeySupervision as cqrs_es::Aggregate>::TYPE;
    let ids: BTreeSet<String> = match readable(ctx, department)? {
        None => supervision::stream_ids(pool, ty, None, as_of.known_at)
            .await
            .map_err(store)?
            .into_iter()
            .collect(),
        Some(list) => {
            let mut ids = BTreeSet::new();
            for d in list {
                ids.extend(
                    supervision::stream_ids(pool, ty, Some(&d), as_of.known_at)
                        .await
                        .map_err(store)?,
                );
            }
            ids
        }
    };
    let mut out = Vec::new();
    for id in ids {
        if let Some(s) = supervision::load_stream::<KeySupervision>(pool, &id, as_of)
            .await
            .map_err(store)?
        {
            let times = s.times.iter().map(|(t, _)| *t).collect();
            out.push((s, times));
        }
    }
    Ok(out)
}
