//! The working-day calendar (工作日历) aggregate: China's official holidays and make-up working
//! days (调休), loaded a year at a time from the State Council's notices (国务院办公厅关于X年部分节假日
//! 安排的通知), and the working-day arithmetic that every time limit in working days is counted
//! with ([`Calendar::add_working_days`], [`Calendar::working_days_between`],
//! [`Calendar::deadline`]; see [`working_days`] for exactly how days are counted).
//!
//! One stream per calendar, keyed by the area it holds for: [`NATIONAL`] (`CN`) is the national
//! arrangement every department follows. A year lists the days that depart from the normal week
//! (Monday to Friday working, Saturday and Sunday off): days off, and weekend days that are
//! working days; the weekend days inside an official holiday period may be listed too (the
//! notice names them, e.g. 春节 2月15日至23日): they change no count.
//!
//! Invariants, checked before any event is written:
//! - a year lies in [`MIN_YEAR`]`..=`[`MAX_YEAR`], lists at least one day, and names at least one
//!   notice it rests on (`papers`);
//! - every listed date lies in its year and is listed once;
//! - only a Saturday or Sunday can be a working day (a weekday marked as working is refused as
//!   `WORKING_WEEKDAY`: it is redundant, and most likely a wrong date);
//! - loading a year again replaces its list; loading the same content again changes nothing;
//! - an amendment changes only the days it names (a patch, so a backdated amendment survives a
//!   later one of other days) and names the notice it rests on; it needs the year loaded and
//!   removes only listed dates;
//! - a computation that needs a year that is not loaded is refused with `CALENDAR_YEAR_MISSING`,
//!   never guessed.
//!
//! Events ([`CalendarEvent`]): `CalendarYearLoaded {year, papers, days}` (the whole year, any
//! earlier list replaced) and `CalendarYearAmended {year, papers, set, removed}` (a patch).
//! Like every event they carry `effective_at` (when the arrangement holds: by default, the
//! notice's publication for shipped files) and the reason in their metadata.

mod aggregate;
mod command;
mod error;
mod event;
mod file;
#[cfg(test)]
mod tests;
pub mod working_days;

pub use aggregate::{is_weekend, Calendar, CalendarYear};
pub use command::{CalendarCommand, CalendarDay};
pub use error::CalendarError;
pub use event::CalendarEvent;
pub use file::{shipped_files, FileDay, YearFile, SHIPPED};
pub use working_days::{start_of_day, ClockStop, Deadline};

/// The stream of the national calendar (the arrangement every department follows).
pub const NATIONAL: &str = "CN";

/// The earliest year the calendar keeps.
pub const MIN_YEAR: i32 = 1949;
/// The latest year the calendar keeps.
pub const MAX_YEAR: i32 = 2199;
