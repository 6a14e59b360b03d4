//! Recording workflow case events, through the application layer.

use async_graphql::{Context, Object};
use dutyledger_domain::values::CreditCode;
use dutyledger_projections::cases::MAX_BATCH;

use super::inputs::CaseEventInput;
use super::types::*;
use crate::graphql::kit::request;
use crate::service::policy::{authorize, Access};
use crate::service::{parse_field, AppError};

/// Case mutations.
#[derive(Default, Debug)]
pub struct CasesMutation;

#[Object]
impl CasesMutation {
    /// Records one event of a workflow case (办件), checked against the case so far, its pinned
    /// chart version, the structure in force at its time and the working-day calendar. A rule
    /// broken is an error (`BAD_USER_INPUT`, `NOT_FOUND` or `CONFLICT`, with
    /// `extensions.rule`); the same event sent again returns `DUPLICATE` with the original's
    /// cursor. Clerks record for their own department only.
    async fn record_case_event(
        &self,
        ctx: &Context<'_>,
        input: CaseEventInput,
    ) -> async_graphql::Result<CaseEventResult> {
        let (app, rc) = request(ctx)?;
        let department = parse_field("departmentId", CreditCode::parse(&input.department_id))?;
        authorize(&rc.actor, Access::WriteCases(&department))?;
        let parsed = input.raw().parse().map_err(AppError::refused)?;
        let (outcome, _) = app.commands.cases(rc, vec![Ok(parsed)]).await?;
        let Some(o) = outcome.outcomes.first() else {
            return Err(AppError::internal(&"empty batch outcome", &rc.request_id).into());
        };
        if let Some(rejection) = &o.rejection {
            return Err(AppError::refused(rejection.clone()).into());
        }
        Ok(result(o))
    }

    /// Records a batch of up to 5,000 case events in one transaction, in the order given
    /// (a case's events in time order), with a result per event: `STORED`, `DUPLICATE` (the same
    /// event was stored before: nothing stored again) or `REJECTED` (with the rule's code and
    /// the reason). Rejected events do not stop the others. An event of a department the
    /// caller may not write is rejected with code `FORBIDDEN`.
    async fn record_case_events_batch(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The events (at most 5,000).")] events: Vec<CaseEventInput>,
    ) -> async_graphql::Result<CaseBatchResult> {
        let (app, rc) = request(ctx)?;
        authorize(&rc.actor, Access::WriteAnyCases)?;
        if events.len() > MAX_BATCH {
            return Err(AppError::bad_input(
                "events",
                format!("at most {MAX_BATCH} events per batch, got {}", events.len()),
            )
            .into());
        }
        let mut forbidden = Vec::new();
        let mut batch = Vec::with_capacity(events.len());
        for (index, input) in events.iter().enumerate() {
            let parsed = input.raw().parse();
            if let Ok(p) = &parsed {
                if let Err(e) = authorize(&rc.actor, Access::WriteCases(&p.department_id)) {
                    forbidden.push((index, p.stream_id(), e.message()));
                    continue;
                }
            }
            batch.push(parsed);
        }
        let (outcome, projected) = app.commands.cases(rc, batch).await?;
        let mut results: Vec<CaseEventResult> = Vec::with_capacity(events.len());
        let mut stored = outcome.outcomes.iter();
        let mut forbidden = forbidden.into_iter().peekable();
        for index in 0..events.len() {
            if forbidden.peek().is_some_and(|(i, _, _)| *i == index) {
                let (_, stream, message) = forbidden.next().unwrap_or_default();
                results.push(CaseEventResult {
                    index: index as i32,
                    case: Some(stream.into()),
                    status: CaseEventStatus::Rejected,
                    code: Some("FORBIDDEN".into()),
                    reason: Some(message),
                    event_type: None,
                    sequence: None,
                    cursor: None,
                    recorded_at: None,
                });
            } else if let Some(o) = stored.next() {
                let mut r = result(o);
                r.index = index as i32;
                results.push(r);
            }
        }
        let rejected = results
            .iter()
            .filter(|r| r.status == CaseEventStatus::Rejected)
            .count();
        Ok(CaseBatchResult {
            stored: outcome.stored as i32,
            duplicates: outcome.duplicates as i32,
            rejected: rejected as i32,
            results,
            cursor: outcome.cursor.map(|c| c.to_string()),
            projected,
        })
    }
}
