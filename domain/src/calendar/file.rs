//! The common JSON form of a year's arrangement, as projects such as `holiday-cn` publish it:
//! `{year, papers: [...], days: [{name, date, isOffDay}]}` (other keys ignored; `published`,
//! the notice's date, is ours and optional), and the years shipped with dutyledger
//! (`data/calendar/`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::aggregate::Calendar;
use super::command::{CalendarCommand, CalendarDay};
use crate::timeline::Decide;
use crate::values::{Name, Text, ValueError};

/// One day of a year file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileDay {
    /// The holiday it belongs to.
    pub name: String,
    /// The date, `YYYY-MM-DD`.
    pub date: NaiveDate,
    /// `true`: a day off; `false`: a weekend working day.
    pub is_off_day: bool,
}

/// A year file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearFile {
    /// The year.
    pub year: i32,
    /// The notices the arrangement rests on.
    #[serde(default)]
    pub papers: Vec<String>,
    /// When the (first) notice was published: the default effective time of a load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<NaiveDate>,
    /// The days.
    pub days: Vec<FileDay>,
}

impl YearFile {
    /// Reads a file's text.
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The command that loads the year (its names and papers parsed).
    pub fn command(&self) -> Result<CalendarCommand, ValueError> {
        Ok(CalendarCommand::LoadYear {
            year: self.year,
            papers: self
                .papers
                .iter()
                .map(|p| Text::parse_field("papers", p))
                .collect::<Result<_, _>>()?,
            days: self
                .days
                .iter()
                .map(|d| {
                    Ok(CalendarDay {
                        date: d.date,
                        name: Name::parse_field("days.name", &d.name)?,
                        off_day: d.is_off_day,
                    })
                })
                .collect::<Result<_, ValueError>>()?,
        })
    }
}

/// The years shipped in `data/calendar/`: (file name, contents).
pub const SHIPPED: [(&str, &str); 3] = [
    (
        "2024.json",
        include_str!("../../../data/calendar/2024.json"),
    ),
    (
        "2025.json",
        include_str!("../../../data/calendar/2025.json"),
    ),
    (
        "2026.json",
        include_str!("../../../data/calendar/2026.json"),
    ),
];

/// The shipped year files, parsed.
pub fn shipped_files() -> Vec<YearFile> {
    SHIPPED
        .iter()
        .filter_map(|(_, json)| YearFile::parse(json).ok())
        .collect()
}

impl Calendar {
    /// A calendar with the shipped years loaded (for tests and examples; the service reads the
    /// calendar from its event log).
    pub fn shipped() -> Calendar {
        let mut calendar = Calendar::default();
        for file in shipped_files() {
            let Ok(command) = file.command() else {
                continue;
            };
            if let Ok(events) = calendar.decide(command) {
                for e in events {
                    calendar.evolve(e);
                }
            }
        }
        calendar
    }
}
