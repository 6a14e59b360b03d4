//! Calendar queries: the years loaded, and working-day arithmetic, on the calendar as in force
//! at `asOf.validAt` and known at `asOf.knownAt` (folded from its stream: ADR 0013). The
//! calendar is public: anyone with a token reads it.

use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use dutyledger_domain::calendar::Calendar;
use dutyledger_domain::values::TimeLimit;
use dutyledger_projections::calendar;

use super::inputs::{clock_stops as parse_stops, ClockStopInput};
use super::types::{CalendarYearView, DeadlineView};
use crate::graphql::kit::request;
use crate::graphql::time::AsOfInput;
use crate::service::AppError;

async fn load(ctx: &Context<'_>, as_of: Option<AsOfInput>) -> async_graphql::Result<Calendar> {
    let (app, rc) = request(ctx)?;
    let as_of = AsOfInput::resolve(as_of)?;
    Ok(calendar::load(&app.pool, as_of)
        .await
        .map_err(|e| AppError::from_store(e, &rc.request_id))?)
}

/// Working-day calendar queries.
#[derive(Default, Debug)]
pub struct CalendarQuery;

#[Object]
impl CalendarQuery {
    /// One year of the working-day calendar (工作日历) as in force at `asOf`: its holidays and
    /// make-up working days and the notices they rest on (`NOT_FOUND` / `CALENDAR_YEAR_MISSING`
    /// if the year is not loaded).
    async fn calendar(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The year.")] year: i32,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<CalendarYearView> {
        let calendar = load(ctx, as_of).await?;
        let loaded = calendar.loaded(year).map_err(AppError::refused)?;
        Ok(CalendarYearView::new(year, loaded))
    }

    /// Every year of the working-day calendar loaded as of `asOf`, in order.
    async fn calendar_years(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<CalendarYearView>> {
        let calendar = load(ctx, as_of).await?;
        Ok(calendar
            .years()
            .map(|(year, loaded)| CalendarYearView::new(year, loaded))
            .collect())
    }

    /// How many working days lie after the Beijing date of `from` up to and including the
    /// Beijing date of `to` (the start day never counts, as the law counts periods), not
    /// counting the days clock stops cover. `CALENDAR_YEAR_MISSING` if a date counted lies in
    /// a year not loaded; `FROM_AFTER_TO` if `to` is before `from`.
    async fn working_days(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The start (its day does not count).")] from: DateTime<Utc>,
        #[graphql(desc = "The end (its day counts).")] to: DateTime<Utc>,
        #[graphql(desc = "Clock stops (扣除时间), at most 100.")] clock_stops: Option<
            Vec<ClockStopInput>,
        >,
        #[graphql(desc = "The calendar as in force and known at this point (default now).")]
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<i32> {
        let stops = parse_stops(clock_stops)?;
        let calendar = load(ctx, as_of).await?;
        let n = calendar
            .working_days_between(from, to, &stops)
            .map_err(AppError::refused)?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }

    /// The deadline `days` working days after `from`: the end of the `days`-th working day
    /// after the Beijing date of `from` (0: the end of that date), not counting the days clock
    /// stops cover. `CALENDAR_YEAR_MISSING` if a date counted lies in a year not loaded.
    async fn add_working_days(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The start (its day does not count).")] from: DateTime<Utc>,
        #[graphql(desc = "Working days, 0 to 3650.")] days: i32,
        #[graphql(desc = "Clock stops (扣除时间), at most 100.")] clock_stops: Option<
            Vec<ClockStopInput>,
        >,
        #[graphql(desc = "The calendar as in force and known at this point (default now).")]
        as_of: Option<AsOfInput>,
    ) -> async_graphql::Result<DeadlineView> {
        let days = u32::try_from(days)
            .ok()
            .filter(|d| *d <= u32::from(TimeLimit::MAX_DAYS))
            .ok_or_else(|| AppError::bad_input("days", "must lie between 0 and 3650"))?;
        let stops = parse_stops(clock_stops)?;
        let calendar = load(ctx, as_of).await?;
        let deadline = calendar
            .add_working_days(from, days, &stops)
            .map_err(AppError::refused)?;
        Ok(deadline.into())
    }
}
