//! Commands of the calendar aggregate, and the values they carry.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::values::{Name, Text};

/// A day that departs from the normal week (Monday to Friday working, Saturday and Sunday off),
/// or a day of an official holiday period as its notice states it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CalendarDay {
    /// The date (a Beijing-time calendar date).
    pub date: NaiveDate,
    /// The holiday it belongs to, e.g. 春节 (for a make-up working day: the holiday it makes
    /// up for).
    pub name: Name,
    /// `true`: a day off (放假); `false`: a working day on a weekend (调休上班).
    pub off_day: bool,
}

/// Something an operator asks of the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarCommand {
    /// Load a year's holidays and make-up working days from the notice(s) that arrange them; a
    /// year loaded already is replaced (a reload of the same content changes nothing).
    LoadYear {
        /// The year.
        year: i32,
        /// The notices the arrangement rests on (number, title, date), at least one.
        papers: Vec<Text>,
        /// Its days (any order).
        days: Vec<CalendarDay>,
    },
    /// Change some days of a loaded year (e.g. a holiday extended by a later notice): a patch
    /// that leaves every other day as it is.
    AmendYear {
        /// The year.
        year: i32,
        /// The notices the amendment rests on, at least one (added to the year's papers).
        papers: Vec<Text>,
        /// Days added, or changed (same date, new name or kind).
        set: Vec<CalendarDay>,
        /// Dates no longer listed (they follow the normal week again).
        remove: Vec<NaiveDate>,
    },
}
