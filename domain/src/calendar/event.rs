//! Events of the calendar aggregate: a stored contract (variant name = `event_type`).

use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::command::CalendarDay;
use crate::values::Text;

/// Something that happened to the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CalendarEvent {
    /// A year was loaded, or reloaded: its days are exactly these (any earlier list of the year
    /// is replaced).
    CalendarYearLoaded {
        /// The year.
        year: i32,
        /// The notices it rests on.
        papers: Vec<Text>,
        /// Its days, in date order.
        days: Vec<CalendarDay>,
    },
    /// Some days of a loaded year changed; every other day stays as it was.
    CalendarYearAmended {
        /// The year.
        year: i32,
        /// Notices added to the year's papers.
        papers: Vec<Text>,
        /// Days added or changed, in date order.
        set: Vec<CalendarDay>,
        /// Dates no longer listed, in order.
        removed: Vec<NaiveDate>,
    },
}

impl CalendarEvent {
    /// Every event type name, as stored.
    pub const TYPES: [&'static str; 2] = ["CalendarYearLoaded", "CalendarYearAmended"];

    /// The stored event type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::CalendarYearLoaded { .. } => "CalendarYearLoaded",
            Self::CalendarYearAmended { .. } => "CalendarYearAmended",
        }
    }

    /// The year the event is about.
    pub fn year(&self) -> i32 {
        match self {
            Self::CalendarYearLoaded { year, .. } | Self::CalendarYearAmended { year, .. } => *year,
        }
    }
}

impl DomainEvent for CalendarEvent {
    fn event_type(&self) -> String {
        self.type_name().to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
