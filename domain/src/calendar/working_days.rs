//! Working-day arithmetic on the loaded years, in Beijing dates (UTC+08:00, no daylight
//! saving; see [`crate::performance::local_date`]).
//!
//! Counting follows the rule of Chinese law for periods in days (民法典 第二百零一条, 行政许可法
//! 第八十二条): the day a period starts on does not count; the period runs to the end of its
//! last day. So:
//! - [`Calendar::add_working_days`]`(start, n)` is the **end of the n-th working day after the
//!   Beijing date of `start`**: its [`Deadline::day`], and [`Deadline::ends_at`], the first
//!   instant after that day (00:00 Beijing time of the next day). Something done at `t` is in
//!   time when `t < ends_at`. With `n = 0` the deadline is the end of the start day.
//! - [`Calendar::working_days_between`]`(from, to)` counts the working days after the Beijing
//!   date of `from` up to and including the Beijing date of `to`: for every `n` and `start`,
//!   `working_days_between(start, t) == n` for any `t` on the day `add_working_days(start, n)`
//!   ends on.
//! - [`Calendar::add_calendar_days`] (自然日): the n-th day after the start day; a period whose
//!   last day is off (a weekend day or a holiday) ends on the next working day instead (民法典
//!   第二百零三条).
//!
//! Clock stops (扣除时间: hearings, inspections, testing, expert appraisal...) are half-open
//! intervals `[from, to)` of instants; the days they cover do not count: the Beijing dates from
//! the date of `from` up to, not including, the date of `to` (the clock stops on the day it
//! stops and runs again on the day it resumes; a stop within one day removes no day). Give
//! midnights (00:00+08:00) to stop whole days exactly.
//!
//! Every date counted (a date of the range that no clock stop covers) must lie in a loaded
//! year: otherwise the answer is [`CalendarError::YearMissing`], never a guess.

use std::ops::Range;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc};

use super::aggregate::Calendar;
use super::error::CalendarError;
use crate::performance::{local_date, PERIOD_OFFSET_SECONDS};
use crate::values::{DayKind, TimeLimit};

/// The first instant of a Beijing date, in UTC.
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
        - chrono::Duration::seconds(PERIOD_OFFSET_SECONDS)
}

/// A time limit's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Deadline {
    /// The last day of the period (a Beijing date).
    pub day: NaiveDate,
    /// The first instant after that day (00:00 Beijing time of the next day): in time means
    /// before this instant.
    pub ends_at: DateTime<Utc>,
}

impl Deadline {
    fn on(day: NaiveDate) -> Result<Self, CalendarError> {
        let next = day
            .checked_add_days(Days::new(1))
            .ok_or(CalendarError::YearMissing(day.year().saturating_add(1)))?;
        Ok(Self {
            day,
            ends_at: start_of_day(next),
        })
    }
}

/// A clock stop (扣除时间): the half-open interval `[from, to)` during which the clock does not
/// run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClockStop {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl ClockStop {
    /// A clock stop from `from` until `to` (not before `from`).
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Self, CalendarError> {
        if to < from {
            return Err(CalendarError::ClockStopEndsBeforeStart { from, to });
        }
        Ok(Self { from, to })
    }

    /// When it starts.
    pub fn from(&self) -> DateTime<Utc> {
        self.from
    }

    /// When it ends.
    pub fn to(&self) -> DateTime<Utc> {
        self.to
    }

    /// The Beijing dates it removes: from the date of `from` up to, not including, the date of
    /// `to`.
    pub fn dates(&self) -> Range<NaiveDate> {
        local_date(self.from)..local_date(self.to)
    }
}

/// Clock stops as sorted, merged ranges of dates, walked forward.
struct Stops {
    ranges: Vec<Range<NaiveDate>>,
    next: usize,
}

impl Stops {
    fn new(stops: &[ClockStop]) -> Self {
        let mut all: Vec<Range<NaiveDate>> = stops
            .iter()
            .map(ClockStop::dates)
            .filter(|r| !r.is_empty())
            .collect();
        all.sort_by_key(|r| r.start);
        let mut ranges: Vec<Range<NaiveDate>> = Vec::with_capacity(all.len());
        for r in all {
            match ranges.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => ranges.push(r),
            }
        }
        Self { ranges, next: 0 }
    }

    /// `date` if no stop covers it, else the first date after the stop that covers it. Dates
    /// asked must not decrease.
    fn skip(&mut self, date: NaiveDate) -> NaiveDate {
        while let Some(r) = self.ranges.get(self.next) {
            if r.end <= date {
                self.next += 1;
            } else if r.start <= date {
                self.next += 1;
                return r.end;
            } else {
                break;
            }
        }
        date
    }
}

fn next_day(date: NaiveDate) -> Result<NaiveDate, CalendarError> {
    date.checked_add_days(Days::new(1))
        .ok_or(CalendarError::YearMissing(date.year().saturating_add(1)))
}

impl Calendar {
    /// Whether `date` is a working day: as its year lists it, else Monday to Friday.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.loaded(date.year())?.is_working_day(date))
    }

    /// The end of the `n`-th working day after the Beijing date of `start`, not counting the
    /// days `stops` cover (see the module docs).
    pub fn add_working_days(
        &self,
        start: DateTime<Utc>,
        n: u32,
        stops: &[ClockStop],
    ) -> Result<Deadline, CalendarError> {
        let mut stops = Stops::new(stops);
        let mut day = local_date(start);
        let mut counted = 0;
        while counted < n {
            day = stops.skip(next_day(day)?);
            if self.is_working_day(day)? {
                counted += 1;
            }
        }
        Deadline::on(day)
    }

    /// The working days after the Beijing date of `from` up to and including the Beijing date
    /// of `to`, not counting the days `stops` cover (see the module docs).
    pub fn working_days_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        stops: &[ClockStop],
    ) -> Result<u32, CalendarError> {
        if to < from {
            return Err(CalendarError::FromAfterTo { from, to });
        }
        let mut stops = Stops::new(stops);
        let last = local_date(to);
        let mut day = local_date(from);
        let mut counted = 0;
        loop {
            day = stops.skip(next_day(day)?);
            if day > last {
                return Ok(counted);
            }
            if self.is_working_day(day)? {
                counted += 1;
            }
        }
    }

    /// The end of the `n`-th day after the Beijing date of `start` (自然日), not counting the
    /// days `stops` cover; if that day is off, the next working day (see the module docs).
    pub fn add_calendar_days(
        &self,
        start: DateTime<Utc>,
        n: u32,
        stops: &[ClockStop],
    ) -> Result<Deadline, CalendarError> {
        let mut stops = Stops::new(stops);
        let mut day = local_date(start);
        for _ in 0..n {
            day = stops.skip(next_day(day)?);
        }
        if n > 0 {
            while !self.is_working_day(day)? {
                day = next_day(day)?;
            }
        }
        Deadline::on(day)
    }

    /// The seconds of `[from, to)` that fall on working days (Beijing dates) and outside every
    /// clock stop: the time a piece of work took, "in working time". Divided by 86,400 it is a
    /// duration in working days that counts part days: from Friday 10:00 to Monday 10:00 over
    /// an ordinary weekend is one working day (14 hours of Friday, 10 of Monday).
    pub fn working_seconds_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        stops: &[ClockStop],
    ) -> Result<i64, CalendarError> {
        if to < from {
            return Err(CalendarError::FromAfterTo { from, to });
        }
        let mut stopped: Vec<(DateTime<Utc>, DateTime<Utc>)> =
            stops.iter().map(|s| (s.from, s.to)).collect();
        stopped.sort();
        let mut total = 0;
        let mut day = local_date(from);
        let last = local_date(to);
        while day <= last {
            let next = next_day(day)?;
            if self.is_working_day(day)? {
                let a = from.max(start_of_day(day));
                let b = to.min(start_of_day(next));
                if a < b {
                    // The part of [a, b) no stop covers: walk the sorted stops.
                    let mut at = a;
                    let mut counted = 0;
                    for &(s, e) in &stopped {
                        if e <= at || s >= b {
                            continue;
                        }
                        if s > at {
                            counted += (s - at).num_seconds();
                        }
                        at = at.max(e);
                        if at >= b {
                            break;
                        }
                    }
                    if at < b {
                        counted += (b - at).num_seconds();
                    }
                    total += counted;
                }
            }
            day = next;
        }
        Ok(total)
    }

    /// The end of a time limit (working or calendar days) that starts at `start`.
    pub fn deadline(
        &self,
        start: DateTime<Utc>,
        limit: TimeLimit,
        stops: &[ClockStop],
    ) -> Result<Deadline, CalendarError> {
        let n = u32::from(limit.days());
        match limit.kind() {
            DayKind::Working => self.add_working_days(start, n, stops),
            DayKind::Calendar => self.add_calendar_days(start, n, stops),
        }
    }
}
