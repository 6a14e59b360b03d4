//! The calendar's mutations, each executed through the application layer (which asks the
//! policy: the supervision office and the system only).

use async_graphql::{Context, MergedObject, Object};
use dutyledger_domain::calendar::{Calendar, CalendarCommand, NATIONAL};
use dutyledger_projections::calendar;
use dutyledger_projections::duty_list::AsOf;

use super::inputs::{AmendCalendarYearInput, LoadCalendarYearInput};
use super::types::CalendarYearView;
use crate::graphql::kit::Outcome;
use crate::graphql::kit::{allow, execute, request, CommandOptions};
use crate::service::policy::Access;
use crate::service::AppError;

/// The result of a calendar command: what every command returns, and the year.
#[derive(MergedObject, Debug, Clone)]
pub struct CalendarResult(Outcome, CalendarTarget);

/// The year a calendar command changed.
#[derive(Debug, Clone)]
pub struct CalendarTarget {
    year: i32,
}

/// The year a calendar command changed.
#[Object]
impl CalendarTarget {
    /// The year.
    async fn year(&self) -> i32 {
        self.year
    }

    /// The year as in force now (null if it is not in force yet, e.g. loaded with a future
    /// `effectiveAt`).
    async fn calendar(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CalendarYearView>> {
        let (app, rc) = request(ctx)?;
        let calendar = calendar::load(&app.pool, AsOf::now())
            .await
            .map_err(|e| AppError::from_store(e, &rc.request_id))?;
        Ok(calendar
            .year(self.year)
            .map(|loaded| CalendarYearView::new(self.year, loaded)))
    }
}

async fn run(
    ctx: &Context<'_>,
    year: i32,
    command: CalendarCommand,
    options: &CommandOptions,
) -> async_graphql::Result<CalendarResult> {
    let outcome = execute::<Calendar>(ctx, NATIONAL, None, command, options).await?;
    Ok(CalendarResult(outcome, CalendarTarget { year }))
}

/// Working-day calendar mutations (the supervision office's).
#[derive(Default, Debug)]
pub struct CalendarMutation;

#[Object]
impl CalendarMutation {
    /// Load a year of official holidays and make-up working days from the State Council's
    /// notice; a year loaded already is replaced (`events: 0` if the content is the same).
    /// Refused: `WORKING_WEEKDAY` (a weekday marked as working), `DATE_OUTSIDE_YEAR`,
    /// `DUPLICATE_DATE`, `NO_DAYS`, `NO_PAPERS`, `YEAR_OUT_OF_RANGE`.
    async fn load_calendar_year(
        &self,
        ctx: &Context<'_>,
        input: LoadCalendarYearInput,
    ) -> async_graphql::Result<CalendarResult> {
        // Before the input is parsed: FORBIDDEN whatever a non-writer sends.
        allow(ctx, Access::WriteCalendar)?;
        let command = input.command()?;
        run(ctx, input.year, command, &input.options).await
    }

    /// Change some days of a loaded year (a patch, e.g. a holiday extended by a later notice).
    /// Refused: `CALENDAR_YEAR_MISSING`, `DATE_NOT_LISTED` (removing a date not listed), and the
    /// rules of `loadCalendarYear`.
    async fn amend_calendar_year(
        &self,
        ctx: &Context<'_>,
        input: AmendCalendarYearInput,
    ) -> async_graphql::Result<CalendarResult> {
        allow(ctx, Access::WriteCalendar)?;
        let command = input.command()?;
        run(ctx, input.year, command, &input.options).await
    }
}
