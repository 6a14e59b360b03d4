//! The working-day calendar area (工作日历): the years of official holidays and make-up working
//! days loaded (with the notices they rest on), and working-day arithmetic in Beijing dates
//! (`workingDays`, `addWorkingDays`, with clock stops). A year not loaded answers
//! `CALENDAR_YEAR_MISSING`, never a guess. All queries take `asOf`.
//!
//! - [`types`]: the output types (years, days, deadlines).
//! - [`query`]: the queries, on the calendar folded from its stream (ADR 0013).
//! - [`inputs`]: the input objects and their parsing into domain values.
//! - [`mutation`]: `loadCalendarYear` and `amendCalendarYear`, through the application layer.

pub mod inputs;
pub mod mutation;
pub mod query;
pub mod types;

pub use mutation::CalendarMutation;
pub use query::CalendarQuery;
