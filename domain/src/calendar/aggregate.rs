//! The calendar's state, its rules (stated per event), and how events change it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::command::{CalendarCommand, CalendarDay};
use super::error::CalendarError;
use super::event::CalendarEvent;
use super::{MAX_YEAR, MIN_YEAR};
use crate::timeline::{Decide, Timed};
use crate::values::{Name, Text};

/// A listed day of a year: the holiday it belongs to and whether it is off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Listed {
    name: Name,
    off_day: bool,
}

/// One loaded year: the notices it rests on and the days that depart from the normal week (or
/// belong to an official holiday period).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CalendarYear {
    papers: Vec<Text>,
    days: BTreeMap<NaiveDate, Listed>,
}

impl CalendarYear {
    /// The notices the year's arrangement rests on, in the order they were given.
    pub fn papers(&self) -> &[Text] {
        &self.papers
    }

    /// The listed days, in date order.
    pub fn days(&self) -> impl Iterator<Item = CalendarDay> + '_ {
        self.days.iter().map(|(date, l)| CalendarDay {
            date: *date,
            name: l.name.clone(),
            off_day: l.off_day,
        })
    }

    /// The listed day of `date`, if listed.
    pub fn day(&self, date: NaiveDate) -> Option<CalendarDay> {
        self.days.get(&date).map(|l| CalendarDay {
            date,
            name: l.name.clone(),
            off_day: l.off_day,
        })
    }

    /// Whether `date` (of this year) is a working day: as listed, else Monday to Friday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.days.get(&date) {
            Some(l) => !l.off_day,
            None => !is_weekend(date),
        }
    }
}

/// Saturday or Sunday.
pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The calendar aggregate: the loaded years.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    years: BTreeMap<i32, CalendarYear>,
    #[serde(default)]
    max_effective: Option<DateTime<Utc>>,
}

type Decision = Result<Vec<CalendarEvent>, CalendarError>;

impl Calendar {
    /// A loaded year.
    pub fn year(&self, year: i32) -> Option<&CalendarYear> {
        self.years.get(&year)
    }

    /// A loaded year, or [`CalendarError::YearMissing`].
    pub fn loaded(&self, year: i32) -> Result<&CalendarYear, CalendarError> {
        self.years
            .get(&year)
            .ok_or(CalendarError::YearMissing(year))
    }

    /// The loaded years, in order.
    pub fn years(&self) -> impl Iterator<Item = (i32, &CalendarYear)> {
        self.years.iter().map(|(y, c)| (*y, c))
    }

    /// Decides a command against this state (the state in force at its time).
    pub fn decide(&self, command: CalendarCommand) -> Decision {
        use CalendarCommand as C;
        use CalendarEvent as E;
        let events = match command {
            C::LoadYear { year, papers, days } => {
                let papers = distinct_papers(papers);
                let mut days = days;
                days.sort_by_key(|d| d.date);
                let event = E::CalendarYearLoaded { year, papers, days };
                self.validate(&event)?;
                let mut scratch = Calendar::default();
                scratch.evolve_event(event.clone());
                if self.years.get(&year) == scratch.years.get(&year) {
                    return Ok(vec![]);
                }
                vec![event]
            }
            C::AmendYear {
                year,
                papers,
                set,
                remove,
            } => {
                if papers.is_empty() {
                    return Err(CalendarError::NoPapers);
                }
                let papers = distinct_papers(papers);
                let mut set = set;
                set.sort_by_key(|d| d.date);
                let mut removed = remove;
                removed.sort();
                self.validate(&E::CalendarYearAmended {
                    year,
                    papers: papers.clone(),
                    set: set.clone(),
                    removed: removed.clone(),
                })?;
                // Only what changes goes into the event (a patch).
                let current = self.loaded(year)?;
                let papers: Vec<Text> = papers
                    .into_iter()
                    .filter(|p| !current.papers.contains(p))
                    .collect();
                set.retain(|d| current.day(d.date).as_ref() != Some(d));
                if papers.is_empty() && set.is_empty() && removed.is_empty() {
                    return Ok(vec![]);
                }
                vec![E::CalendarYearAmended {
                    year,
                    papers,
                    set,
                    removed,
                }]
            }
        };
        Ok(events)
    }

    /// The rules: whether `event` may be applied to this state.
    pub fn validate(&self, event: &CalendarEvent) -> Result<(), CalendarError> {
        match event {
            CalendarEvent::CalendarYearLoaded { year, papers, days } => {
                check_year(*year)?;
                if papers.is_empty() {
                    return Err(CalendarError::NoPapers);
                }
                if days.is_empty() {
                    return Err(CalendarError::NoDays(*year));
                }
                check_days(*year, days, &[])
            }
            CalendarEvent::CalendarYearAmended {
                year, set, removed, ..
            } => {
                check_year(*year)?;
                let current = self.loaded(*year)?;
                check_days(*year, set, removed)?;
                match removed.iter().find(|d| !current.days.contains_key(d)) {
                    Some(d) => Err(CalendarError::DateNotListed(*d)),
                    None => Ok(()),
                }
            }
        }
    }

    fn evolve_event(&mut self, event: CalendarEvent) {
        match event {
            CalendarEvent::CalendarYearLoaded { year, papers, days } => {
                let days = days
                    .into_iter()
                    .map(|d| {
                        (
                            d.date,
                            Listed {
                                name: d.name,
                                off_day: d.off_day,
                            },
                        )
                    })
                    .collect();
                self.years.insert(year, CalendarYear { papers, days });
            }
            CalendarEvent::CalendarYearAmended {
                year,
                papers,
                set,
                removed,
            } => {
                let entry = self.years.entry(year).or_default();
                for p in papers {
                    if !entry.papers.contains(&p) {
                        entry.papers.push(p);
                    }
                }
                for d in removed {
                    entry.days.remove(&d);
                }
                for d in set {
                    entry.days.insert(
                        d.date,
                        Listed {
                            name: d.name,
                            off_day: d.off_day,
                        },
                    );
                }
            }
        }
    }
}

/// The papers, each once, in the order given.
fn distinct_papers(papers: Vec<Text>) -> Vec<Text> {
    let mut seen = BTreeSet::new();
    papers
        .into_iter()
        .filter(|p| seen.insert(p.clone()))
        .collect()
}

fn check_year(year: i32) -> Result<(), CalendarError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(CalendarError::YearOutOfRange(year))
    }
}

/// Days of `year` (plus dates `removed` from it): each in the year, each date once, and no
/// weekday marked as a working day. A weekend day marked off is accepted: it changes no count,
/// but the notice names it as part of a holiday period (e.g. 春节 2月15日至23日).
fn check_days(year: i32, days: &[CalendarDay], removed: &[NaiveDate]) -> Result<(), CalendarError> {
    let mut seen = BTreeSet::new();
    for date in days.iter().map(|d| d.date).chain(removed.iter().copied()) {
        if date.year() != year {
            return Err(CalendarError::DateOutsideYear { date, year });
        }
        if !seen.insert(date) {
            return Err(CalendarError::DuplicateDate(date));
        }
    }
    match days.iter().find(|d| !d.off_day && !is_weekend(d.date)) {
        Some(d) => Err(CalendarError::WorkingWeekday(d.date)),
        None => Ok(()),
    }
}

impl Decide for Calendar {
    type Command = CalendarCommand;
    type Event = CalendarEvent;
    type Error = CalendarError;

    fn decide(&self, command: CalendarCommand) -> Decision {
        Calendar::decide(self, command)
    }

    fn validate(&self, event: &CalendarEvent) -> Result<(), CalendarError> {
        Calendar::validate(self, event)
    }

    fn evolve(&mut self, event: CalendarEvent) {
        self.evolve_event(event);
    }

    fn breaks_later(later: &Timed<CalendarEvent>, cause: CalendarError) -> CalendarError {
        CalendarError::BreaksLaterHistory {
            event_type: later.event.type_name().to_owned(),
            effective_at: later.effective_at,
            cause: Box::new(cause),
        }
    }
}

/// The calendar concerns no department: it is the same for all of them.
impl crate::concerns::Concerns for Calendar {
    fn departments(&self) -> Vec<crate::values::CreditCode> {
        Vec::new()
    }
}

crate::event_sourced!(Calendar, "calendar");
