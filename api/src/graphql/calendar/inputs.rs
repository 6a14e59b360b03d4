//! The calendar's input objects, and their parsing into domain values.

use async_graphql::InputObject;
use chrono::{DateTime, NaiveDate, Utc};
use dutyledger_domain::calendar::{CalendarCommand, CalendarDay, ClockStop};
use dutyledger_domain::values::Text;

use crate::graphql::kit::CommandOptions;
use crate::graphql::structure::inputs::{name, text};
use crate::service::AppError;

/// The most days a year may list.
const MAX_DAYS: usize = 366;
/// The most notices a year may name.
const MAX_PAPERS: usize = 20;
/// The most clock stops a computation takes.
pub const MAX_CLOCK_STOPS: usize = 100;

/// A day of a year's arrangement.
#[derive(InputObject, Debug, Clone)]
pub struct CalendarDayInput {
    /// The date (Beijing time), `YYYY-MM-DD`.
    pub date: NaiveDate,
    /// The holiday it belongs to, e.g. 春节 (for a make-up working day: the holiday it makes
    /// up for).
    pub name: String,
    /// `true`: a day off (放假); `false`: a weekend working day (调休上班). A weekday can only
    /// be off (`WORKING_WEEKDAY` otherwise).
    pub is_off_day: bool,
}

/// Load a year of official holidays and make-up working days (the common JSON form's `year`,
/// `papers` and `days`); a year loaded already is replaced, and the same content again
/// changes nothing.
#[derive(InputObject, Debug, Clone)]
pub struct LoadCalendarYearInput {
    /// The year.
    pub year: i32,
    /// The notices the arrangement rests on, e.g.
    /// `国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）`; at least one.
    pub papers: Vec<String>,
    /// The days that depart from the normal week (and, if wished, the weekend days of each
    /// holiday period).
    pub days: Vec<CalendarDayInput>,
    /// Reason, effective time (default: now; the notice's publication date is usual) and
    /// command id.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Change some days of a loaded year (e.g. a holiday extended by a later notice); every other
/// day stays as it is.
#[derive(InputObject, Debug, Clone)]
pub struct AmendCalendarYearInput {
    /// The year (it must be loaded: `CALENDAR_YEAR_MISSING` otherwise).
    pub year: i32,
    /// The notices the amendment rests on (added to the year's papers); at least one.
    pub papers: Vec<String>,
    /// Days added or changed.
    #[graphql(default)]
    pub set: Vec<CalendarDayInput>,
    /// Dates no longer listed (they follow the normal week again).
    #[graphql(default)]
    pub remove: Vec<NaiveDate>,
    /// Reason, effective time and command id.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// A clock stop (扣除时间: a hearing, an inspection, testing, expert appraisal...): the
/// half-open interval `[from, to)`. The Beijing dates from the date of `from` up to, not
/// including, the date of `to` do not count; give midnights (`T00:00:00+08:00`) to stop whole
/// days.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct ClockStopInput {
    /// When the clock stops.
    pub from: DateTime<Utc>,
    /// When it runs again (not before `from`).
    pub to: DateTime<Utc>,
}

fn papers(values: &[String]) -> Result<Vec<Text>, AppError> {
    if values.len() > MAX_PAPERS {
        return Err(AppError::bad_input(
            "papers",
            format!("at most {MAX_PAPERS} notices"),
        ));
    }
    values.iter().map(|p| text("papers", p)).collect()
}

fn days(field: &'static str, values: &[CalendarDayInput]) -> Result<Vec<CalendarDay>, AppError> {
    if values.len() > MAX_DAYS {
        return Err(AppError::bad_input(
            field,
            format!("at most {MAX_DAYS} days"),
        ));
    }
    values
        .iter()
        .map(|d| {
            Ok(CalendarDay {
                date: d.date,
                name: name("days.name", &d.name)?,
                off_day: d.is_off_day,
            })
        })
        .collect()
}

impl LoadCalendarYearInput {
    /// The command.
    pub fn command(&self) -> Result<CalendarCommand, AppError> {
        Ok(CalendarCommand::LoadYear {
            year: self.year,
            papers: papers(&self.papers)?,
            days: days("days", &self.days)?,
        })
    }
}

impl AmendCalendarYearInput {
    /// The command.
    pub fn command(&self) -> Result<CalendarCommand, AppError> {
        if self.remove.len() > MAX_DAYS {
            return Err(AppError::bad_input(
                "remove",
                format!("at most {MAX_DAYS} dates"),
            ));
        }
        Ok(CalendarCommand::AmendYear {
            year: self.year,
            papers: papers(&self.papers)?,
            set: days("set", &self.set)?,
            remove: self.remove.clone(),
        })
    }
}

/// Clock stops, checked.
pub fn clock_stops(values: Option<Vec<ClockStopInput>>) -> Result<Vec<ClockStop>, AppError> {
    let values = values.unwrap_or_default();
    if values.len() > MAX_CLOCK_STOPS {
        return Err(AppError::bad_input(
            "clockStops",
            format!("at most {MAX_CLOCK_STOPS} clock stops"),
        ));
    }
    values
        .iter()
        .map(|s| {
            ClockStop::new(s.from, s.to)
                .map_err(|e| AppError::refused(e).with_field("clockStops".into()))
        })
        .collect()
}
