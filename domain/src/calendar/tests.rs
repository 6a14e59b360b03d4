//! Given / when / then tests of the calendar, hand-checked working-day arithmetic around the
//! 2025 and 2026 holidays, and properties of the arithmetic over the shipped years.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use cqrs_es::test::TestFramework;
use proptest::prelude::*;

use super::*;
use crate::timeline::{self, Decide, Timed};
use crate::values::{DayKind, Name, Text, TimeLimit};

type Fixture = TestFramework<Calendar>;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}
/// An instant given in Beijing time, e.g. `2026-02-13 10:00`.
fn bj(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_str(&format!("{s} +08:00"), "%Y-%m-%d %H:%M %z")
        .expect("instant")
        .with_timezone(&Utc)
}
fn text(s: &str) -> Text {
    Text::parse(s).expect("text")
}
fn day(d: &str, name: &str, off_day: bool) -> CalendarDay {
    CalendarDay {
        date: date(d),
        name: Name::parse(name).expect("name"),
        off_day,
    }
}
fn papers_2020() -> Vec<Text> {
    vec![text(
        "国务院办公厅关于2020年部分节假日安排的通知（国办发明电〔2019〕16号）",
    )]
}
fn extension_papers() -> Vec<Text> {
    vec![text(
        "国务院办公厅关于延长2020年春节假期的通知（国办发明电〔2020〕1号）",
    )]
}
/// The 2020 Spring Festival as first arranged: 1月24日至30日放假，1月19日（周日）、2月1日（周六）上班.
fn spring_2020() -> Vec<CalendarDay> {
    let mut days = vec![day("2020-01-19", "春节", false)];
    for d in 24..=30 {
        days.push(day(&format!("2020-01-{d}"), "春节", true));
    }
    days.push(day("2020-02-01", "春节", false));
    days
}
fn load_2020() -> CalendarCommand {
    CalendarCommand::LoadYear {
        year: 2020,
        papers: papers_2020(),
        days: spring_2020(),
    }
}
fn loaded_2020() -> CalendarEvent {
    CalendarEvent::CalendarYearLoaded {
        year: 2020,
        papers: papers_2020(),
        days: spring_2020(),
    }
}
/// The extension of 2020: the holiday ran to 2 February, so 31 January, 1 and 2 February were
/// off (1 February had been a make-up working day).
fn extend_2020() -> CalendarCommand {
    CalendarCommand::AmendYear {
        year: 2020,
        papers: extension_papers(),
        set: vec![
            day("2020-02-02", "春节", true),
            day("2020-01-31", "春节", true),
            day("2020-02-01", "春节", true),
        ],
        remove: vec![],
    }
}
fn extended_2020() -> CalendarEvent {
    CalendarEvent::CalendarYearAmended {
        year: 2020,
        papers: extension_papers(),
        set: vec![
            day("2020-01-31", "春节", true),
            day("2020-02-01", "春节", true),
            day("2020-02-02", "春节", true),
        ],
        removed: vec![],
    }
}

fn shipped() -> Calendar {
    let calendar = Calendar::shipped();
    assert_eq!(
        calendar.years().map(|(y, _)| y).collect::<Vec<_>>(),
        vec![2024, 2025, 2026],
        "every shipped year loads"
    );
    calendar
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

#[test]
fn every_event_serialises_with_its_type_name_as_tag() {
    use cqrs_es::DomainEvent;
    let mut tags = Vec::new();
    for e in [loaded_2020(), extended_2020()] {
        let json = serde_json::to_value(&e).expect("serialises");
        let tag = json
            .as_object()
            .and_then(|o| o.keys().next().cloned())
            .expect("tagged");
        assert_eq!(tag, e.event_type());
        assert_eq!(
            serde_json::from_value::<CalendarEvent>(json).expect("back"),
            e
        );
        tags.push(tag);
    }
    tags.sort();
    let mut all: Vec<String> = CalendarEvent::TYPES.iter().map(|s| s.to_string()).collect();
    all.sort();
    assert_eq!(tags, all);
}

#[test]
fn a_loaded_event_stores_days_as_date_name_and_off_day() {
    let json = serde_json::to_value(loaded_2020()).expect("serialises");
    assert_eq!(
        json["CalendarYearLoaded"]["days"][0],
        serde_json::json!({"date": "2020-01-19", "name": "春节", "off_day": false})
    );
}

// ---------------------------------------------------------------------------------------------
// LoadYear
// ---------------------------------------------------------------------------------------------

#[test]
fn load_year_new_emits_loaded_with_days_in_date_order() {
    let mut days = spring_2020();
    days.reverse();
    Fixture::with(())
        .given_no_previous_events()
        .when(CalendarCommand::LoadYear {
            year: 2020,
            papers: papers_2020(),
            days,
        })
        .then_expect_events(vec![loaded_2020()]);
}

#[test]
fn load_year_with_the_same_content_emits_nothing() {
    Fixture::with(())
        .given(vec![loaded_2020()])
        .when(load_2020())
        .then_expect_events(vec![]);
}

#[test]
fn load_year_with_other_content_replaces_the_year() {
    let mut days = spring_2020();
    days.pop();
    Fixture::with(())
        .given(vec![loaded_2020()])
        .when(CalendarCommand::LoadYear {
            year: 2020,
            papers: papers_2020(),
            days: days.clone(),
        })
        .then_expect_events(vec![CalendarEvent::CalendarYearLoaded {
            year: 2020,
            papers: papers_2020(),
            days,
        }]);
}

#[test]
fn load_year_with_a_date_of_another_year_is_refused() {
    let mut days = spring_2020();
    days.push(day("2021-01-01", "元旦", true));
    Fixture::with(())
        .given_no_previous_events()
        .when(CalendarCommand::LoadYear {
            year: 2020,
            papers: papers_2020(),
            days,
        })
        .then_expect_error(CalendarError::DateOutsideYear {
            date: date("2021-01-01"),
            year: 2020,
        });
}

#[test]
fn load_year_with_a_date_twice_is_refused() {
    let mut days = spring_2020();
    days.push(day("2020-01-24", "除夕", true));
    Fixture::with(())
        .given_no_previous_events()
        .when(CalendarCommand::LoadYear {
            year: 2020,
            papers: papers_2020(),
            days,
        })
        .then_expect_error(CalendarError::DuplicateDate(date("2020-01-24")));
}

#[test]
fn load_year_with_a_weekday_marked_working_is_refused() {
    let mut days = spring_2020();
    // Monday 20 January 2020.
    days.push(day("2020-01-20", "春节", false));
    Fixture::with(())
        .given_no_previous_events()
        .when(CalendarCommand::LoadYear {
            year: 2020,
            papers: papers_2020(),
            days,
        })
        .then_expect_error(CalendarError::WorkingWeekday(date("2020-01-20")));
}

#[test]
fn load_year_with_weekend_days_of_a_holiday_marked_off_is_accepted() {
    // 25 and 26 January 2020 are a Saturday and a Sunday inside the holiday: listed, harmless.
    let days = spring_2020();
    assert!(days
        .iter()
        .any(|d| d.off_day && is_weekend(d.date) && d.date == date("2020-01-25")));
    Fixture::with(())
        .given_no_previous_events()
        .when(load_2020())
        .then_expect_events(vec![loaded_2020()]);
}

#[test]
fn load_year_without_days_is_refused() {
    Fixture::with(())
        .given_no_previous_events()
        .when(CalendarCommand::LoadYear {
            year: 2020,
            papers: papers_2020(),
            days: vec![],
        })
        .then_expect_error(CalendarError::NoDays(2020));
}

#[test]
fn load_year_without_papers_is_refused() {
    Fixture::with(())
        .given_no_previous_events()
        .when(CalendarCommand::LoadYear {
            year: 2020,
            papers: vec![],
            days: spring_2020(),
        })
        .then_expect_error(CalendarError::NoPapers);
}

#[test]
fn load_year_out_of_range_is_refused() {
    Fixture::with(())
        .given_no_previous_events()
        .when(CalendarCommand::LoadYear {
            year: 1900,
            papers: papers_2020(),
            days: vec![day("1900-01-01", "元旦", true)],
        })
        .then_expect_error(CalendarError::YearOutOfRange(1900));
}

// ---------------------------------------------------------------------------------------------
// AmendYear
// ---------------------------------------------------------------------------------------------

#[test]
fn amend_year_emits_only_what_changes() {
    let mut set = vec![day("2020-01-24", "春节", true)]; // unchanged
    if let CalendarCommand::AmendYear { set: s, .. } = extend_2020() {
        set.extend(s);
    }
    Fixture::with(())
        .given(vec![loaded_2020()])
        .when(CalendarCommand::AmendYear {
            year: 2020,
            papers: [papers_2020(), extension_papers()].concat(),
            set,
            remove: vec![],
        })
        .then_expect_events(vec![extended_2020()]);
}

#[test]
fn amend_year_that_changes_nothing_emits_nothing() {
    Fixture::with(())
        .given(vec![loaded_2020(), extended_2020()])
        .when(extend_2020())
        .then_expect_events(vec![]);
}

#[test]
fn amend_year_removing_a_listed_date_emits_removed() {
    Fixture::with(())
        .given(vec![loaded_2020()])
        .when(CalendarCommand::AmendYear {
            year: 2020,
            papers: papers_2020(),
            set: vec![],
            remove: vec![date("2020-01-19")],
        })
        .then_expect_events(vec![CalendarEvent::CalendarYearAmended {
            year: 2020,
            papers: vec![],
            set: vec![],
            removed: vec![date("2020-01-19")],
        }]);
}

#[test]
fn amend_year_not_loaded_is_refused() {
    Fixture::with(())
        .given_no_previous_events()
        .when(extend_2020())
        .then_expect_error(CalendarError::YearMissing(2020));
}

#[test]
fn amend_year_removing_an_unlisted_date_is_refused() {
    Fixture::with(())
        .given(vec![loaded_2020()])
        .when(CalendarCommand::AmendYear {
            year: 2020,
            papers: extension_papers(),
            set: vec![],
            remove: vec![date("2020-03-02")],
        })
        .then_expect_error(CalendarError::DateNotListed(date("2020-03-02")));
}

#[test]
fn amend_year_setting_and_removing_a_date_is_refused() {
    Fixture::with(())
        .given(vec![loaded_2020()])
        .when(CalendarCommand::AmendYear {
            year: 2020,
            papers: extension_papers(),
            set: vec![day("2020-02-01", "春节", true)],
            remove: vec![date("2020-02-01")],
        })
        .then_expect_error(CalendarError::DuplicateDate(date("2020-02-01")));
}

#[test]
fn amend_year_without_papers_is_refused() {
    Fixture::with(())
        .given(vec![loaded_2020()])
        .when(CalendarCommand::AmendYear {
            year: 2020,
            papers: vec![],
            set: vec![day("2020-01-31", "春节", true)],
            remove: vec![],
        })
        .then_expect_error(CalendarError::NoPapers);
}

#[test]
fn amend_year_with_a_weekday_marked_working_is_refused() {
    Fixture::with(())
        .given(vec![loaded_2020()])
        .when(CalendarCommand::AmendYear {
            year: 2020,
            papers: extension_papers(),
            set: vec![day("2020-01-31", "春节", false)],
            remove: vec![],
        })
        .then_expect_error(CalendarError::WorkingWeekday(date("2020-01-31")));
}

#[test]
fn amend_year_with_a_date_of_another_year_is_refused() {
    Fixture::with(())
        .given(vec![loaded_2020()])
        .when(CalendarCommand::AmendYear {
            year: 2020,
            papers: extension_papers(),
            set: vec![day("2019-12-31", "元旦", true)],
            remove: vec![],
        })
        .then_expect_error(CalendarError::DateOutsideYear {
            date: date("2019-12-31"),
            year: 2020,
        });
}

#[test]
fn the_extension_turns_a_make_up_working_day_into_a_day_off() {
    let mut calendar = Calendar::default();
    for e in [loaded_2020(), extended_2020()] {
        calendar.evolve(e);
    }
    assert_eq!(calendar.is_working_day(date("2020-02-01")), Ok(false));
    assert_eq!(calendar.is_working_day(date("2020-01-31")), Ok(false));
    assert_eq!(calendar.is_working_day(date("2020-02-03")), Ok(true));
    assert_eq!(
        calendar.year(2020).map(|y| y.papers().len()),
        Some(2),
        "the extension's notice is added"
    );
}

// ---------------------------------------------------------------------------------------------
// Valid time
// ---------------------------------------------------------------------------------------------

fn at(s: &str) -> DateTime<Utc> {
    bj(s)
}

#[test]
fn a_backdated_amendment_of_one_day_survives_a_later_amendment_of_another() {
    let later = CalendarEvent::CalendarYearAmended {
        year: 2020,
        papers: extension_papers(),
        set: vec![day("2020-02-02", "春节", true)],
        removed: vec![],
    };
    let history = vec![
        Timed {
            effective_at: at("2019-11-21 00:00"),
            sequence: 1,
            event: loaded_2020(),
        },
        Timed {
            effective_at: at("2020-01-27 00:00"),
            sequence: 2,
            event: later,
        },
    ];
    let backdated = CalendarCommand::AmendYear {
        year: 2020,
        papers: extension_papers(),
        set: vec![day("2020-01-31", "春节", true)],
        remove: vec![],
    };
    let (events, state) =
        timeline::decide_at::<Calendar>(&history, backdated, at("2020-01-20 00:00"))
            .expect("accepted");
    assert_eq!(events.len(), 1);
    assert_eq!(state.is_working_day(date("2020-01-31")), Ok(false));
    assert_eq!(state.is_working_day(date("2020-02-02")), Ok(false));
}

#[test]
fn a_backdated_reload_that_drops_a_date_a_later_amendment_removes_is_refused() {
    let history = vec![
        Timed {
            effective_at: at("2019-11-21 00:00"),
            sequence: 1,
            event: loaded_2020(),
        },
        Timed {
            effective_at: at("2020-01-27 00:00"),
            sequence: 2,
            event: CalendarEvent::CalendarYearAmended {
                year: 2020,
                papers: extension_papers(),
                set: vec![],
                removed: vec![date("2020-01-19")],
            },
        },
    ];
    let mut days = spring_2020();
    days.remove(0); // 2020-01-19
    let reload = CalendarCommand::LoadYear {
        year: 2020,
        papers: papers_2020(),
        days,
    };
    let refused = timeline::decide_at::<Calendar>(&history, reload, at("2019-12-01 00:00"))
        .expect_err("refused");
    assert_eq!(refused.rule(), "BREAKS_LATER_HISTORY");
    assert_eq!(
        crate::refusal::Refusal::breaks(&refused).map(|b| b.rule),
        Some("DATE_NOT_LISTED")
    );
}

#[test]
fn refusals_have_their_rules_and_classes() {
    use crate::refusal::{ErrorClass, Refusal};
    let missing = CalendarError::YearMissing(2027);
    assert_eq!(Refusal::rule(&missing), "CALENDAR_YEAR_MISSING");
    assert_eq!(Refusal::class(&missing), ErrorClass::NotFound);
    assert!(!missing.already_done());
    assert_eq!(
        Refusal::class(&CalendarError::WorkingWeekday(date("2026-02-16"))),
        ErrorClass::Invalid
    );
}

// ---------------------------------------------------------------------------------------------
// The shipped years, and hand-checked arithmetic
// ---------------------------------------------------------------------------------------------

#[test]
fn the_shipped_files_name_their_notices() {
    let files = shipped_files();
    let notices: Vec<(i32, bool)> = files
        .iter()
        .map(|f| {
            let number = match f.year {
                2024 => "国办发明电〔2023〕7号",
                2025 => "国办发明电〔2024〕12号",
                _ => "国办发明电〔2025〕7号",
            };
            (f.year, f.papers.iter().any(|p| p.contains(number)))
        })
        .collect();
    assert_eq!(notices, vec![(2024, true), (2025, true), (2026, true)]);
}

#[test]
fn the_shipped_years_have_their_official_number_of_working_days() {
    let calendar = shipped();
    for (year, expected) in [(2024, 251), (2025, 248), (2026, 248)] {
        let from = start_of_day(date(&format!("{year}-01-01"))) - chrono::Duration::seconds(1);
        let to = start_of_day(date(&format!("{year}-12-31")));
        assert_eq!(
            calendar.working_days_between(from, to, &[]),
            Ok(expected),
            "{year}"
        );
    }
}

#[test]
fn saturday_14_february_2026_is_a_working_day() {
    let calendar = shipped();
    assert_eq!(date("2026-02-14").weekday(), Weekday::Sat);
    assert_eq!(calendar.is_working_day(date("2026-02-14")), Ok(true));
    assert_eq!(calendar.is_working_day(date("2026-02-28")), Ok(true));
}

#[test]
fn the_2026_spring_festival_holiday_is_off() {
    let calendar = shipped();
    for d in 15..=23 {
        let d = date(&format!("2026-02-{d}"));
        assert_eq!(calendar.is_working_day(d), Ok(false), "{d}");
    }
    assert_eq!(calendar.is_working_day(date("2026-02-13")), Ok(true));
    assert_eq!(calendar.is_working_day(date("2026-02-24")), Ok(true));
}

#[test]
fn add_working_days_across_the_2026_spring_festival() {
    let calendar = shipped();
    let friday = bj("2026-02-13 10:00");
    let day_of = |n| calendar.add_working_days(friday, n, &[]).map(|d| d.day);
    assert_eq!(day_of(0), Ok(date("2026-02-13")));
    assert_eq!(day_of(1), Ok(date("2026-02-14")), "the make-up Saturday");
    assert_eq!(day_of(2), Ok(date("2026-02-24")), "after nine days off");
    assert_eq!(day_of(3), Ok(date("2026-02-25")));
    assert_eq!(day_of(5), Ok(date("2026-02-27")));
    assert_eq!(
        day_of(6),
        Ok(date("2026-02-28")),
        "the second make-up Saturday"
    );
    assert_eq!(day_of(7), Ok(date("2026-03-02")));
    assert_eq!(
        calendar.working_days_between(friday, bj("2026-02-24 09:00"), &[]),
        Ok(2)
    );
    assert_eq!(
        calendar.working_days_between(friday, bj("2026-02-23 23:59"), &[]),
        Ok(1)
    );
}

#[test]
fn a_deadline_ends_at_beijing_midnight() {
    let calendar = shipped();
    let deadline = calendar
        .add_working_days(bj("2026-02-13 10:00"), 1, &[])
        .expect("loaded");
    assert_eq!(deadline.day, date("2026-02-14"));
    assert_eq!(deadline.ends_at, bj("2026-02-15 00:00"));
    assert_eq!(deadline.ends_at.to_rfc3339(), "2026-02-14T16:00:00+00:00");
}

#[test]
fn the_start_day_is_the_beijing_date() {
    let calendar = shipped();
    // 16:30 UTC on Friday the 13th is 00:30 on Saturday the 14th in Beijing.
    let start = DateTime::parse_from_rfc3339("2026-02-13T16:30:00Z")
        .expect("instant")
        .with_timezone(&Utc);
    assert_eq!(
        calendar.add_working_days(start, 1, &[]).map(|d| d.day),
        Ok(date("2026-02-24"))
    );
}

#[test]
fn add_working_days_across_the_2025_spring_festival() {
    let calendar = shipped();
    let friday = bj("2025-01-24 15:00");
    let day_of = |n| calendar.add_working_days(friday, n, &[]).map(|d| d.day);
    assert_eq!(day_of(1), Ok(date("2025-01-26")), "the make-up Sunday");
    assert_eq!(day_of(2), Ok(date("2025-01-27")));
    assert_eq!(
        day_of(3),
        Ok(date("2025-02-05")),
        "after 28 January to 4 February"
    );
    assert_eq!(day_of(6), Ok(date("2025-02-08")), "the make-up Saturday");
    assert_eq!(day_of(7), Ok(date("2025-02-10")));
}

#[test]
fn add_working_days_across_the_2025_national_day() {
    let calendar = shipped();
    let friday = bj("2025-09-26 09:00");
    let day_of = |n| calendar.add_working_days(friday, n, &[]).map(|d| d.day);
    assert_eq!(day_of(1), Ok(date("2025-09-28")), "the make-up Sunday");
    assert_eq!(day_of(3), Ok(date("2025-09-30")));
    assert_eq!(day_of(4), Ok(date("2025-10-09")), "after 1 to 8 October");
    assert_eq!(day_of(6), Ok(date("2025-10-11")), "the make-up Saturday");
    assert_eq!(day_of(7), Ok(date("2025-10-13")));
}

#[test]
fn add_working_days_across_the_2026_mid_autumn_and_national_day() {
    let calendar = shipped();
    let wednesday = bj("2026-09-30 17:00");
    let day_of = |n| calendar.add_working_days(wednesday, n, &[]).map(|d| d.day);
    assert_eq!(day_of(1), Ok(date("2026-10-08")), "after 1 to 7 October");
    assert_eq!(day_of(3), Ok(date("2026-10-10")), "the make-up Saturday");
    assert_eq!(day_of(4), Ok(date("2026-10-12")));
    assert_eq!(
        calendar.working_days_between(bj("2026-09-18 10:00"), bj("2026-10-12 10:00"), &[]),
        Ok(12),
        "20 Sep (Sun, worked), 21-24, 28-30 Sep, 8-9 Oct, 10 Oct (Sat, worked), 12 Oct"
    );
}

#[test]
fn clock_stops_remove_the_days_they_cover() {
    let calendar = shipped();
    let monday = bj("2026-03-02 10:00");
    let hearing = ClockStop::new(bj("2026-03-04 00:00"), bj("2026-03-06 00:00")).expect("stop");
    assert_eq!(
        calendar.add_working_days(monday, 5, &[]).map(|d| d.day),
        Ok(date("2026-03-09"))
    );
    assert_eq!(
        calendar
            .add_working_days(monday, 5, &[hearing])
            .map(|d| d.day),
        Ok(date("2026-03-11"))
    );
    assert_eq!(
        calendar.working_days_between(monday, bj("2026-03-11 12:00"), &[hearing]),
        Ok(5)
    );
    // A stop within one day removes no day; one from 10:00 to 15:00 two days later removes the
    // first two.
    let short = ClockStop::new(bj("2026-03-04 09:00"), bj("2026-03-04 17:00")).expect("stop");
    assert_eq!(
        calendar
            .add_working_days(monday, 5, &[short])
            .map(|d| d.day),
        Ok(date("2026-03-09"))
    );
    let spanning = ClockStop::new(bj("2026-03-04 10:00"), bj("2026-03-06 15:00")).expect("stop");
    assert_eq!(spanning.dates(), date("2026-03-04")..date("2026-03-06"));
    // Overlapping stops count once.
    assert_eq!(
        calendar
            .add_working_days(monday, 5, &[hearing, spanning, hearing])
            .map(|d| d.day),
        Ok(date("2026-03-11"))
    );
}

#[test]
fn a_clock_stop_that_ends_before_it_starts_is_refused() {
    assert_eq!(
        ClockStop::new(bj("2026-03-06 00:00"), bj("2026-03-04 00:00")),
        Err(CalendarError::ClockStopEndsBeforeStart {
            from: bj("2026-03-06 00:00"),
            to: bj("2026-03-04 00:00"),
        })
    );
}

#[test]
fn counting_into_a_year_not_loaded_is_refused() {
    let calendar = shipped();
    assert_eq!(
        calendar.add_working_days(bj("2026-12-25 10:00"), 10, &[]),
        Err(CalendarError::YearMissing(2027))
    );
    assert_eq!(
        calendar.working_days_between(bj("2023-12-30 10:00"), bj("2024-01-05 10:00"), &[]),
        Err(CalendarError::YearMissing(2023))
    );
    // The start day itself never counts, so its year is not needed.
    assert_eq!(
        calendar.working_days_between(bj("2023-12-31 20:00"), bj("2024-01-03 10:00"), &[]),
        Ok(2)
    );
    assert_eq!(
        Calendar::default().is_working_day(date("2026-02-14")),
        Err(CalendarError::YearMissing(2026))
    );
    // A clock stop over the missing year does not hide it: counting stops at the first date
    // counted.
    let long = ClockStop::new(bj("2026-12-26 00:00"), bj("2030-01-01 00:00")).expect("stop");
    assert_eq!(
        calendar.add_working_days(bj("2026-12-25 10:00"), 10, &[long]),
        Err(CalendarError::YearMissing(2030))
    );
}

#[test]
fn counting_backwards_is_refused() {
    let calendar = shipped();
    assert_eq!(
        calendar.working_days_between(bj("2026-03-02 10:00"), bj("2026-03-02 09:00"), &[]),
        Err(CalendarError::FromAfterTo {
            from: bj("2026-03-02 10:00"),
            to: bj("2026-03-02 09:00"),
        })
    );
}

#[test]
fn calendar_days_ending_on_a_day_off_end_on_the_next_working_day() {
    let calendar = shipped();
    let thursday = bj("2026-02-05 10:00");
    let limit = |days| TimeLimit::new(days, DayKind::Calendar).expect("limit");
    assert_eq!(
        calendar.deadline(thursday, limit(10), &[]).map(|d| d.day),
        Ok(date("2026-02-24")),
        "15 February is the first day of the Spring Festival"
    );
    assert_eq!(
        calendar.deadline(thursday, limit(9), &[]).map(|d| d.day),
        Ok(date("2026-02-14")),
        "a make-up Saturday is a working day"
    );
    let working = TimeLimit::new(2, DayKind::Working).expect("limit");
    assert_eq!(
        calendar
            .deadline(bj("2026-02-13 10:00"), working, &[])
            .map(|d| d.day),
        Ok(date("2026-02-24"))
    );
}

// ---------------------------------------------------------------------------------------------
// Properties over the shipped years
// ---------------------------------------------------------------------------------------------

/// An instant between 2024-01-01 and 2026-12-31, Beijing time (minutes).
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    let start = bj("2024-01-01 00:00");
    (0i64..(3 * 366 * 24 * 60 - 24 * 60))
        .prop_map(move |m| start + chrono::Duration::minutes(m))
        .prop_filter("in 2024-2026", |t| {
            crate::performance::local_date(*t).year() <= 2026
        })
}

fn stops() -> impl Strategy<Value = Vec<ClockStop>> {
    proptest::collection::vec((instant(), 0i64..(20 * 24 * 60)), 0..4).prop_map(|v| {
        v.into_iter()
            .filter_map(|(from, minutes)| {
                ClockStop::new(from, from + chrono::Duration::minutes(minutes)).ok()
            })
            .collect()
    })
}

/// The reference count: every date after the start date up to the end date, checked one by
/// one against every stop.
fn reference_count(
    calendar: &Calendar,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    stops: &[ClockStop],
) -> Result<u32, CalendarError> {
    let first = crate::performance::local_date(from);
    let last = crate::performance::local_date(to);
    let mut n = 0;
    let mut d = first;
    while d < last {
        d = d.checked_add_days(Days::new(1)).expect("date");
        if stops.iter().any(|s| s.dates().contains(&d)) {
            continue;
        }
        if calendar.is_working_day(d)? {
            n += 1;
        }
    }
    Ok(n)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn adding_then_counting_back_gives_n_and_never_ends_on_a_day_off(
        start in instant(),
        n in 0u32..80,
        stops in stops(),
    ) {
        let calendar = Calendar::shipped();
        match calendar.add_working_days(start, n, &stops) {
            Ok(deadline) => {
                if n > 0 {
                    prop_assert_eq!(calendar.is_working_day(deadline.day), Ok(true));
                    prop_assert!(!stops.iter().any(|s| s.dates().contains(&deadline.day)));
                }
                prop_assert_eq!(deadline.ends_at, start_of_day(deadline.day + Days::new(1)));
                let last_instant = deadline.ends_at - chrono::Duration::microseconds(1);
                prop_assert_eq!(calendar.working_days_between(start, last_instant, &stops), Ok(n));
                prop_assert_eq!(
                    calendar.working_days_between(start, start_of_day(deadline.day).max(start), &stops),
                    Ok(n)
                );
                if n > 0 {
                    let day_before = start_of_day(deadline.day) - chrono::Duration::microseconds(1);
                    prop_assert_eq!(calendar.working_days_between(start, day_before.max(start), &stops), Ok(n - 1));
                }
            }
            Err(e) => prop_assert_eq!(e, CalendarError::YearMissing(2027)),
        }
    }

    #[test]
    fn counting_equals_the_reference_count(
        a in instant(),
        b in instant(),
        stops in stops(),
    ) {
        let calendar = Calendar::shipped();
        let (from, to) = if a <= b { (a, b) } else { (b, a) };
        prop_assert_eq!(
            calendar.working_days_between(from, to, &stops),
            reference_count(&calendar, from, to, &stops)
        );
    }

    #[test]
    fn calendar_day_deadlines_fall_on_working_days(
        start in instant(),
        n in 1i64..60,
    ) {
        let calendar = Calendar::shipped();
        let limit = TimeLimit::new(n, DayKind::Calendar).expect("limit");
        match calendar.deadline(start, limit, &[]) {
            Ok(deadline) => {
                prop_assert_eq!(calendar.is_working_day(deadline.day), Ok(true));
                let plain = crate::performance::local_date(start) + Days::new(n as u64);
                prop_assert!(deadline.day >= plain);
            }
            Err(e) => prop_assert_eq!(e, CalendarError::YearMissing(2027)),
        }
    }
}
