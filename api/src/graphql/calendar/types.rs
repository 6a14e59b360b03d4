//! The calendar's output types.

use async_graphql::SimpleObject;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use dutyledger_domain::calendar::{CalendarDay, CalendarYear, Deadline};

/// A day of a loaded year that departs from the normal week (Monday to Friday working,
/// Saturday and Sunday off), or a weekend day of an official holiday period.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "CalendarDay")]
pub struct CalendarDayView {
    /// The date (Beijing time).
    pub date: NaiveDate,
    /// The holiday it belongs to (for a make-up working day: the holiday it makes up for).
    pub name: String,
    /// `true`: a day off (放假); `false`: a weekend working day (调休上班).
    pub is_off_day: bool,
    /// ISO weekday: 1 = Monday ... 7 = Sunday.
    pub weekday: i32,
}

impl From<CalendarDay> for CalendarDayView {
    fn from(d: CalendarDay) -> Self {
        Self {
            date: d.date,
            name: d.name.to_string(),
            is_off_day: d.off_day,
            weekday: d.date.weekday().number_from_monday() as i32,
        }
    }
}

/// A loaded year of the working-day calendar (工作日历).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "CalendarYear")]
pub struct CalendarYearView {
    /// The year.
    pub year: i32,
    /// The notices the year's arrangement rests on (number, title, date), in the order given.
    pub papers: Vec<String>,
    /// The listed days, in date order.
    pub days: Vec<CalendarDayView>,
    /// How many working days the year has.
    pub working_days: i32,
    /// How many days of the year are off (weekends and holidays).
    pub off_days: i32,
}

impl CalendarYearView {
    /// The view of a loaded year.
    pub fn new(year: i32, loaded: &CalendarYear) -> Self {
        let mut working = 0;
        let mut all = 0;
        let mut day = NaiveDate::from_ymd_opt(year, 1, 1);
        while let Some(d) = day.filter(|d| d.year() == year) {
            all += 1;
            if loaded.is_working_day(d) {
                working += 1;
            }
            day = d.succ_opt();
        }
        Self {
            year,
            papers: loaded.papers().iter().map(ToString::to_string).collect(),
            days: loaded.days().map(Into::into).collect(),
            working_days: working,
            off_days: all - working,
        }
    }
}

/// The end of a time limit.
#[derive(SimpleObject, Clone, Copy, Debug)]
#[graphql(name = "Deadline")]
pub struct DeadlineView {
    /// The last day of the period (Beijing date).
    pub date: NaiveDate,
    /// The first instant after that day (00:00 Beijing time of the next day): in time means
    /// before this instant.
    pub ends_at: DateTime<Utc>,
}

impl From<Deadline> for DeadlineView {
    fn from(d: Deadline) -> Self {
        Self {
            date: d.day,
            ends_at: d.ends_at,
        }
    }
}
