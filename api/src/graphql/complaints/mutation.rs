//! Complaints mutations, through the application layer (the office, or the system for
//! imports).

use async_graphql::{Context, Object, SimpleObject};

use super::inputs::{ComplaintInput, FlagKeySupervisionInput};
use super::types::{ComplaintBatchResult, TicketResult, TicketStatus};
use crate::graphql::kit::{allow, request};
use crate::service::complaints::{TicketOutcome, MAX_BATCH};
use crate::service::policy::Access;
use crate::service::AppError;

/// What `flagKeySupervision` flagged.
#[derive(SimpleObject, Debug, Clone)]
pub struct FlaggedDepartments {
    /// The departments flagged now (those flagged for the period before are not repeated).
    pub department_ids: Vec<String>,
}

/// Complaints mutations.
#[derive(Default, Debug)]
pub struct ComplaintsMutation;

#[Object]
impl ComplaintsMutation {
    /// Record a batch of 12345 tickets (at most 5,000), each once by its ticket number: the same
    /// ticket again changes nothing, again with a resolution it did not have records it. One
    /// result per ticket: `STORED`, `UNCHANGED`, or `REJECTED` with its code and rule
    /// (`DEPARTMENT_NOT_FOUND`, `TICKET_CONFLICT`, `INVALID_SATISFACTION`, malformed fields).
    async fn record_complaints(
        &self,
        ctx: &Context<'_>,
        tickets: Vec<ComplaintInput>,
    ) -> async_graphql::Result<ComplaintBatchResult> {
        allow(ctx, Access::WriteComplaints)?;
        if tickets.len() > MAX_BATCH {
            return Err(AppError::bad_input("tickets", format!("at most {MAX_BATCH}")).into());
        }
        let (state, rc) = request(ctx)?;
        let numbers: Vec<String> = tickets.iter().map(|t| t.ticket.clone()).collect();
        let batch = tickets.iter().map(|t| t.fields().parse()).collect();
        let outcomes = state.commands.record_complaints(rc, batch).await?;
        Ok(batch_result(&numbers, outcomes))
    }

    /// Flag for key supervision (重点监管) every department (or those named) whose tickets of the
    /// period reach `minComplaints` and, when given, fall below `belowResolutionRate` (percent)
    /// or `belowSatisfaction` (1 to 5); each flag is an event with its figures and tickets.
    async fn flag_key_supervision(
        &self,
        ctx: &Context<'_>,
        input: FlagKeySupervisionInput,
    ) -> async_graphql::Result<FlaggedDepartments> {
        allow(ctx, Access::RunSupervision)?;
        let (state, rc) = request(ctx)?;
        let (rule, departments) = input.parse()?;
        let when = input.options.when()?;
        let flagged = state
            .commands
            .flag_key_supervision(
                rc,
                input.period_from,
                input.period_to,
                rule,
                departments,
                when,
            )
            .await?;
        Ok(FlaggedDepartments {
            department_ids: flagged.iter().map(ToString::to_string).collect(),
        })
    }
}

/// The per-ticket results and totals of a batch.
pub fn batch_result(numbers: &[String], outcomes: Vec<TicketOutcome>) -> ComplaintBatchResult {
    let mut r = ComplaintBatchResult {
        stored: 0,
        unchanged: 0,
        rejected: 0,
        results: Vec::with_capacity(outcomes.len()),
    };
    for (i, o) in outcomes.into_iter().enumerate() {
        let ticket = numbers.get(i).cloned();
        let (status, error) = match o {
            TicketOutcome::Stored => {
                r.stored += 1;
                (TicketStatus::Stored, None)
            }
            TicketOutcome::Unchanged => {
                r.unchanged += 1;
                (TicketStatus::Unchanged, None)
            }
            TicketOutcome::Rejected(e) => {
                r.rejected += 1;
                (TicketStatus::Rejected, Some(e))
            }
        };
        r.results.push(TicketResult {
            index: i as i32,
            ticket,
            status,
            code: error.as_ref().map(|e| e.code().as_str().to_owned()),
            rule: error.as_ref().and_then(|e| e.rule()).map(str::to_owned),
            message: error.as_ref().map(AppError::message),
        });
    }
    r
}
