//! Complaints queries, as of a point in both times (each ticket and flag folded from its
//! stream). A clerk reads its own department's; reviewers and the office all.

use async_graphql::{Context, Object};
use chrono::NaiveDate;
use dutyledger_domain::complaint::FlagEvent;
use dutyledger_domain::values::CreditCode;
use dutyledger_projections::duty_list;
use dutyledger_projections::supervision;

use super::types::{ComplaintFigures, ComplaintView, KeySupervisionFlag};
use crate::graphql::kit::request;
use crate::graphql::time::AsOfInput;
use crate::service::complaints as app;
use crate::service::{parse_field, AppError};

/// The most tickets one answer lists.
const MAX_TICKETS: usize = 5_000;

/// The departments to read: the one asked (narrowed to the actor's), else every department the
/// actor may read that is in force at `asOf`.
async fn departments(
    ctx: &Context<'_>,
    department_id: Option<String>,
    as_of: duty_list::AsOf,
) -> async_graphql::Result<Vec<CreditCode>> {
    let (state, rc) = request(ctx)?;
    let list = match app::readable(rc, department_id)? {
        Some(list) => list,
        None => duty_list::departments(&state.pool, as_of)
            .await
            .map_err(|e| AppError::from_store(e, &rc.request_id))?
            .into_iter()
            .map(|d| d.department_id)
            .collect(),
    };
    Ok(list
        .iter()
        .map(|d| parse_field("departmentId", CreditCode::parse(d)))
        .collect::<Result<_, _>>()?)
}

/// Complaints queries.
#[derive(Default, Debug)]
pub struct ComplaintsQuery;

#[Object]
impl ComplaintsQuery {
    /// A department's 12345 tickets received from `from` to `to` (Beijing dates), as of
    /// `asOf` (at most 5,000; `TOO_LARGE` beyond).
    async fn complaints(
        &self,
        ctx: &Context<'_>,
        department_id: String,
        from: NaiveDate,
        to: NaiveDate,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<ComplaintView>> {
        let (state, rc) = request(ctx)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let d = departments(ctx, Some(department_id), as_of).await?;
        let mut out = Vec::new();
        for d in d {
            for c in supervision::complaint_tickets(&state.pool, &d, from, to, as_of)
                .await
                .map_err(|e| AppError::from_store(e, &rc.request_id))?
            {
                out.extend(ComplaintView::of(&c.state, c.first.1.to_string()));
                if out.len() > MAX_TICKETS {
                    return Err(AppError::BadInput {
                        message: format!(
                            "more than {MAX_TICKETS} tickets: ask for a shorter period"
                        ),
                        field: None,
                        rule: Some("TOO_LARGE"),
                    }
                    .into());
                }
            }
        }
        Ok(out)
    }

    /// Per department (one, or every department the caller may read), the 12345 tickets
    /// received from `from` to `to`: count, resolution rate and satisfaction, as of `asOf`.
    async fn complaint_stats(
        &self,
        ctx: &Context<'_>,
        department_id: Option<String>,
        from: NaiveDate,
        to: NaiveDate,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<ComplaintFigures>> {
        let (state, rc) = request(ctx)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let mut out = Vec::new();
        for d in departments(ctx, department_id, as_of).await? {
            let (s, _) = supervision::complaint_stats(&state.pool, &d, from, to, as_of)
                .await
                .map_err(|e| AppError::from_store(e, &rc.request_id))?;
            out.push(ComplaintFigures::new(d.to_string(), &s));
        }
        Ok(out)
    }

    /// The key supervision flags as of `asOf` (of a department), with their evidence.
    async fn key_supervision_flags(
        &self,
        ctx: &Context<'_>,
        department_id: Option<String>,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<KeySupervisionFlag>> {
        let (state, rc) = request(ctx)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let mut out = Vec::new();
        for (s, times) in app::flags(&state.pool, rc, department_id, as_of).await? {
            for (flag, at) in s.state.flags().iter().zip(times) {
                let FlagEvent::KeySupervisionFlagged {
                    department_id,
                    from,
                    to,
                    stats,
                    tickets,
                    ..
                } = flag;
                out.push(KeySupervisionFlag {
                    department_id: department_id.to_string(),
                    period_from: *from,
                    period_to: *to,
                    figures: ComplaintFigures::new(department_id.to_string(), stats),
                    tickets: tickets.iter().map(ToString::to_string).collect(),
                    flagged_at: at,
                });
            }
        }
        Ok(out)
    }
}
