//! Why a calendar command or a working-day computation was refused. Each variant names the
//! rule it breaks.

use chrono::{DateTime, NaiveDate, Utc};

use crate::refusal::{ErrorClass, LaterFact, Refusal};

/// A refused calendar command (no event is written), or a computation that cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A computation needs a year that is not loaded (or an amendment names one): never
    /// guessed.
    #[error("the working-day calendar of {0} is not loaded")]
    YearMissing(i32),
    /// A year outside the range the calendar keeps.
    #[error("year {0} is outside {min}..={max}", min = super::MIN_YEAR, max = super::MAX_YEAR)]
    YearOutOfRange(i32),
    /// A day dated outside its year.
    #[error("{date} does not lie in {year}")]
    DateOutsideYear {
        /// The date.
        date: NaiveDate,
        /// The year loaded or amended.
        year: i32,
    },
    /// The same date listed twice (or both set and removed).
    #[error("{0} is listed twice")]
    DuplicateDate(NaiveDate),
    /// A Monday to Friday marked as a working day: it is one anyway, so the entry is redundant
    /// and most likely a wrong date for a make-up working day (调休上班 falls on a weekend).
    #[error("{0} is a weekday: only a Saturday or Sunday can be a make-up working day")]
    WorkingWeekday(NaiveDate),
    /// A year loaded without any day.
    #[error("the year {0} lists no day")]
    NoDays(i32),
    /// A load or amendment that names no notice it rests on.
    #[error("name the notice (number and title) the arrangement rests on")]
    NoPapers,
    /// An amendment removes a date the year does not list.
    #[error("{0} is not listed in its year")]
    DateNotListed(NaiveDate),
    /// A clock-stop interval that ends before it starts.
    #[error("a clock stop ends ({to}) before it starts ({from})")]
    ClockStopEndsBeforeStart {
        /// Its start.
        from: DateTime<Utc>,
        /// Its end.
        to: DateTime<Utc>,
    },
    /// A count of working days from an instant to an earlier one.
    #[error("from ({from}) lies after to ({to})")]
    FromAfterTo {
        /// The start.
        from: DateTime<Utc>,
        /// The end.
        to: DateTime<Utc>,
    },
    /// The change would make a later recorded event invalid.
    #[error("the change would break {event_type} effective {effective_at}: {cause}")]
    BreaksLaterHistory {
        /// The later event's type.
        event_type: String,
        /// When it takes effect.
        effective_at: DateTime<Utc>,
        /// Why it would no longer be valid.
        cause: Box<CalendarError>,
    },
}

impl CalendarError {
    /// The broad class of the refusal.
    pub fn class(&self) -> ErrorClass {
        use CalendarError::*;
        match self {
            YearMissing(_) | DateNotListed(_) => ErrorClass::NotFound,
            YearOutOfRange(_)
            | DateOutsideYear { .. }
            | DuplicateDate(_)
            | WorkingWeekday(_)
            | NoDays(_)
            | NoPapers
            | ClockStopEndsBeforeStart { .. }
            | FromAfterTo { .. } => ErrorClass::Invalid,
            BreaksLaterHistory { .. } => ErrorClass::Conflict,
        }
    }

    /// The rule broken, as a stable SCREAMING_SNAKE_CASE name.
    pub fn rule(&self) -> &'static str {
        use CalendarError::*;
        match self {
            YearMissing(_) => "CALENDAR_YEAR_MISSING",
            YearOutOfRange(_) => "YEAR_OUT_OF_RANGE",
            DateOutsideYear { .. } => "DATE_OUTSIDE_YEAR",
            DuplicateDate(_) => "DUPLICATE_DATE",
            WorkingWeekday(_) => "WORKING_WEEKDAY",
            NoDays(_) => "NO_DAYS",
            NoPapers => "NO_PAPERS",
            DateNotListed(_) => "DATE_NOT_LISTED",
            ClockStopEndsBeforeStart { .. } => "CLOCK_STOP_ENDS_BEFORE_START",
            FromAfterTo { .. } => "FROM_AFTER_TO",
            BreaksLaterHistory { .. } => "BREAKS_LATER_HISTORY",
        }
    }
}

impl Refusal for CalendarError {
    fn class(&self) -> ErrorClass {
        CalendarError::class(self)
    }

    fn rule(&self) -> &'static str {
        CalendarError::rule(self)
    }

    fn breaks(&self) -> Option<LaterFact> {
        match self {
            CalendarError::BreaksLaterHistory {
                event_type,
                effective_at,
                cause,
            } => Some(LaterFact {
                event_type: event_type.clone(),
                effective_at: *effective_at,
                rule: cause.rule(),
            }),
            _ => None,
        }
    }
}
