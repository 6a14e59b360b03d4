//! Recording, correcting and voiding work records, through the application layer.

use async_graphql::{Context, Object};
use dutyledger_domain::values::{CreditCode, EntityId};
use dutyledger_projections::performance::MAX_BATCH;

use super::inputs::*;
use super::types::*;
use crate::graphql::kit::request;
use crate::graphql::kit::CommandOptions;
use crate::service::policy::{authorize, Access};
use crate::service::{parse_field, AppError};

/// Performance mutations.
#[derive(Default, Debug)]
pub struct PerformanceMutation;

#[Object]
impl PerformanceMutation {
    /// Records one piece of work done. A rule broken is an error (`BAD_USER_INPUT` or
    /// `NOT_FOUND`, with `extensions.rule`); a record id stored before returns `DUPLICATE`
    /// with the original's cursor. Clerks record for their own department only.
    async fn record_work(
        &self,
        ctx: &Context<'_>,
        input: WorkRecordInput,
    ) -> async_graphql::Result<RecordResult> {
        let (app, rc) = request(ctx)?;
        let department = parse_field("departmentId", CreditCode::parse(&input.department_id))?;
        authorize(&rc.actor, Access::WriteRecords(&department))?;
        let parsed = parse_one(&input)?;
        let (outcome, _) = app
            .commands
            .records(rc, vec![(Some(input.record_id.to_string()), Ok(parsed))])
            .await?;
        let Some(o) = outcome.outcomes.first() else {
            return Err(AppError::internal(&"empty batch outcome", &rc.request_id).into());
        };
        if let Some(rejection) = &o.rejection {
            return Err(AppError::refused(rejection.clone()).into());
        }
        Ok(result(o))
    }

    /// Records a batch of up to 5,000 records in one transaction, with a result per record:
    /// `STORED`, `DUPLICATE` (stored before: nothing stored again) or `REJECTED` (with the
    /// rule's code and the reason). Rejected records do not stop the others. A record of a
    /// department the caller may not write is rejected with code `FORBIDDEN`.
    async fn record_work_batch(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The records (at most 5,000).")] records: Vec<WorkRecordInput>,
    ) -> async_graphql::Result<RecordBatchResult> {
        let (app, rc) = request(ctx)?;
        // Before the batch is parsed: FORBIDDEN whatever a non-writer sends.
        authorize(&rc.actor, Access::WriteAnyRecords)?;
        if records.len() > MAX_BATCH {
            return Err(AppError::bad_input(
                "records",
                format!(
                    "at most {MAX_BATCH} records per batch, got {}",
                    records.len()
                ),
            )
            .into());
        }
        let mut forbidden = Vec::new();
        let mut batch = Vec::with_capacity(records.len());
        for (index, input) in records.iter().enumerate() {
            let parsed = input.raw().parse();
            if let Ok(p) = &parsed {
                if let Err(e) = authorize(&rc.actor, Access::WriteRecords(&p.department_id)) {
                    forbidden.push((index, e.message()));
                    continue;
                }
            }
            batch.push((Some(input.record_id.to_string()), parsed));
        }
        let (outcome, projected) = app.commands.records(rc, batch).await?;
        // Put the forbidden records back in their places.
        let mut results: Vec<RecordResult> = Vec::with_capacity(records.len());
        let mut stored = outcome.outcomes.iter();
        let mut forbidden = forbidden.into_iter().peekable();
        for (index, input) in records.iter().enumerate() {
            if forbidden.peek().is_some_and(|(i, _)| *i == index) {
                let (_, message) = forbidden.next().unwrap_or_default();
                results.push(RecordResult {
                    index: index as i32,
                    record_id: Some(input.record_id.clone()),
                    status: RecordStatus::Rejected,
                    code: Some("FORBIDDEN".into()),
                    reason: Some(message),
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
            .filter(|r| r.status == RecordStatus::Rejected)
            .count();
        Ok(RecordBatchResult {
            stored: outcome.stored as i32,
            duplicates: outcome.duplicates as i32,
            rejected: rejected as i32,
            results,
            cursor: outcome.cursor.map(|c| c.to_string()),
            projected,
        })
    }

    /// Corrects a stored record: the new version is checked like a new record and replaces the
    /// one in force; the figures move, while a query with an earlier `knownAt` still shows the
    /// old ones. A reason is required.
    async fn correct_work_record(
        &self,
        ctx: &Context<'_>,
        input: CorrectWorkRecordInput,
    ) -> async_graphql::Result<RecordChangeResult> {
        let (app, rc) = request(ctx)?;
        let department = parse_field(
            "departmentId",
            CreditCode::parse(&input.record.department_id),
        )?;
        authorize(&rc.actor, Access::WriteRecords(&department))?;
        let reason = reason(&input.reason)?;
        let parsed = parse_one(&input.record)?;
        Ok(app
            .commands
            .correct_record(rc, parsed, reason, command_id(&input.command_id)?)
            .await?
            .into())
    }

    /// Voids a stored record: it no longer counts. A reason is required.
    async fn void_work_record(
        &self,
        ctx: &Context<'_>,
        input: VoidWorkRecordInput,
    ) -> async_graphql::Result<RecordChangeResult> {
        let (app, rc) = request(ctx)?;
        let department = parse_field("departmentId", CreditCode::parse(&input.department_id))?;
        authorize(&rc.actor, Access::WriteRecords(&department))?;
        let record_id = parse_field("recordId", EntityId::parse(&input.record_id))?;
        let reason = reason(&input.reason)?;
        Ok(app
            .commands
            .void_record(
                rc,
                &department,
                &record_id,
                reason,
                command_id(&input.command_id)?,
            )
            .await?
            .into())
    }
}

/// A command id, checked like `CommandOptions.commandId`.
fn command_id(id: &Option<String>) -> Result<Option<String>, AppError> {
    CommandOptions {
        command_id: id.clone(),
        ..CommandOptions::default()
    }
    .command_id()
}
