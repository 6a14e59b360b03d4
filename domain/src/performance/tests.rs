//! Given / when / then tests of performance records: parsing, the rules against the structure
//! in force on the day, and the record's stream.

use chrono::{DateTime, TimeZone, Utc};
use cqrs_es::test::TestFramework;

use super::*;
use crate::values::{
    CreditCode, DayKind, DepartmentLevel, DivisionCode, EntityId, Name, Text, TimeLimit,
};

fn id(s: &str) -> EntityId {
    EntityId::parse(s).expect("id")
}
fn dept() -> CreditCode {
    CreditCode::from_parts('1', '1', "371300", "00435045").expect("code")
}
fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 2, 0, 0)
        .single()
        .expect("date")
}

/// A department of Linyi (city level) whose task t1 sits in unit u1 with a 10-working-day
/// limit; post p1 (unit u1) holds t1 from 2024-01-01 to 2025-01-01; post p2 (unit u2) exists.
struct Fixed;

impl StructureAt for Fixed {
    fn department(&self, d: &CreditCode, at: DateTime<Utc>) -> Option<DepartmentFacts> {
        (*d == dept() && at >= self::at(2020, 1, 1)).then(|| DepartmentFacts {
            division: DivisionCode::parse("371300000000").expect("division"),
            level: DepartmentLevel::City,
            sector: Name::parse("农业农村").expect("sector"),
        })
    }
    fn task(&self, _: &CreditCode, t: &EntityId, _: DateTime<Utc>) -> Option<TaskFacts> {
        (t.as_str() == "t1").then(|| TaskFacts {
            unit_id: id("u1"),
            time_limit: Some(TimeLimit::new(10, DayKind::Working).expect("limit")),
        })
    }
    fn post_unit(&self, _: &CreditCode, p: &EntityId, _: DateTime<Utc>) -> Option<EntityId> {
        match p.as_str() {
            "p1" => Some(id("u1")),
            "p2" => Some(id("u2")),
            _ => None,
        }
    }
    fn holds(&self, _: &CreditCode, p: &EntityId, t: &EntityId, at: DateTime<Utc>) -> bool {
        p.as_str() == "p1"
            && t.as_str() == "t1"
            && at >= self::at(2024, 1, 1)
            && at < self::at(2025, 1, 1)
    }
}

fn raw() -> RawRecord {
    RawRecord {
        record_id: Some("r-1".into()),
        department_id: Some(dept().to_string()),
        unit_id: Some("u1".into()),
        post_id: Some("p1".into()),
        task_id: Some("t1".into()),
        region: Some("371302001000".into()),
        level: None,
        occurred_at: Some("2024-06-01T09:30:00+08:00".into()),
        quantity: Some("3".into()),
        time_taken_days: Some("4".into()),
        on_time: None,
        source: Some("daily_entry".into()),
    }
}

fn check(raw: RawRecord) -> Result<WorkRecord, RecordRejection> {
    validate(raw.parse()?, &Fixed, at(2026, 1, 1))
}

fn code_of(raw: RawRecord) -> &'static str {
    check(raw).expect_err("rejected").code()
}

#[test]
fn a_record_within_the_rules_is_accepted_with_level_sector_and_verdict() {
    let r = check(raw()).expect("accepted");
    assert_eq!(r.level, DepartmentLevel::City);
    assert_eq!(r.sector.as_str(), "农业农村");
    assert_eq!(r.on_time, Some(true));
    assert_eq!(r.quantity.get(), 3);
    assert_eq!(r.source, Source::DailyEntry);
    assert_eq!(r.stream_id(), format!("{}/r-1", dept()));
}

#[test]
fn days_taken_beyond_the_limit_are_late() {
    let r = check(RawRecord {
        time_taken_days: Some("11".into()),
        ..raw()
    })
    .expect("accepted");
    assert_eq!(r.on_time, Some(false));
}

#[test]
fn a_flag_that_contradicts_the_days_taken_is_rejected() {
    let code = code_of(RawRecord {
        time_taken_days: Some("11".into()),
        on_time: Some("true".into()),
        ..raw()
    });
    assert_eq!(code, "ON_TIME_CONTRADICTED");
}

#[test]
fn a_flag_alone_decides() {
    let r = check(RawRecord {
        time_taken_days: None,
        on_time: Some("否".into()),
        ..raw()
    })
    .expect("accepted");
    assert_eq!(r.on_time, Some(false));
}

#[test]
fn a_post_that_did_not_hold_the_task_that_day_is_rejected() {
    // p1 held t1 during 2024 only.
    let code = code_of(RawRecord {
        occurred_at: Some("2025-03-01T10:00:00+08:00".into()),
        ..raw()
    });
    assert_eq!(code, "POST_NOT_HOLDING_TASK");
}

#[test]
fn the_structure_rules_each_have_their_code() {
    let cases = [
        (
            RawRecord {
                occurred_at: Some("2027-01-01T00:00:00Z".into()),
                ..raw()
            },
            "OCCURRED_IN_FUTURE",
        ),
        (
            RawRecord {
                occurred_at: Some("2019-01-01T00:00:00Z".into()),
                ..raw()
            },
            "DEPARTMENT_NOT_FOUND",
        ),
        (
            RawRecord {
                department_id: Some(
                    CreditCode::from_parts('1', '1', "371300", "00435012")
                        .expect("code")
                        .to_string(),
                ),
                ..raw()
            },
            "DEPARTMENT_NOT_FOUND",
        ),
        (
            RawRecord {
                level: Some("COUNTY".into()),
                ..raw()
            },
            "LEVEL_MISMATCH",
        ),
        (
            RawRecord {
                region: Some("370102000000".into()),
                ..raw()
            },
            "REGION_OUTSIDE_JURISDICTION",
        ),
        (
            RawRecord {
                task_id: Some("t9".into()),
                ..raw()
            },
            "TASK_NOT_FOUND",
        ),
        (
            RawRecord {
                unit_id: Some("u2".into()),
                ..raw()
            },
            "TASK_IN_ANOTHER_UNIT",
        ),
        (
            RawRecord {
                post_id: Some("p9".into()),
                ..raw()
            },
            "POST_NOT_FOUND",
        ),
        (
            RawRecord {
                post_id: Some("p2".into()),
                ..raw()
            },
            "POST_IN_ANOTHER_UNIT",
        ),
    ];
    for (input, code) in cases {
        assert_eq!(code_of(input.clone()), code, "{input:?}");
    }
}

#[test]
fn malformed_fields_each_have_their_code() {
    let cases = [
        (
            RawRecord {
                record_id: None,
                ..raw()
            },
            "MISSING_FIELD",
        ),
        (
            RawRecord {
                record_id: Some("a/b".into()),
                ..raw()
            },
            "INVALID_ID",
        ),
        (
            RawRecord {
                department_id: Some("11371300004350450X".into()),
                ..raw()
            },
            "INVALID_ID",
        ),
        (
            RawRecord {
                region: Some("3713".into()),
                ..raw()
            },
            "INVALID_DIVISION_CODE",
        ),
        (
            RawRecord {
                occurred_at: Some("2024-06-01".into()),
                ..raw()
            },
            "INVALID_TIME",
        ),
        (
            RawRecord {
                quantity: Some("0".into()),
                ..raw()
            },
            "INVALID_QUANTITY",
        ),
        (
            RawRecord {
                quantity: Some("-2".into()),
                ..raw()
            },
            "INVALID_QUANTITY",
        ),
        (
            RawRecord {
                quantity: Some("1.5".into()),
                ..raw()
            },
            "INVALID_QUANTITY",
        ),
        (
            RawRecord {
                time_taken_days: Some("-1".into()),
                ..raw()
            },
            "INVALID_TIME_TAKEN",
        ),
        (
            RawRecord {
                source: Some("fax".into()),
                ..raw()
            },
            "INVALID_SOURCE",
        ),
        (
            RawRecord {
                level: Some("province".into()),
                ..raw()
            },
            "INVALID_LEVEL",
        ),
        (
            RawRecord {
                on_time: Some("maybe".into()),
                ..raw()
            },
            "INVALID_INPUT",
        ),
    ];
    for (input, code) in cases {
        assert_eq!(
            input.parse().expect_err("rejected").code(),
            code,
            "{input:?}"
        );
    }
}

#[test]
fn periods_are_counted_in_beijing_time() {
    let late_evening = DateTime::parse_from_rfc3339("2024-03-31T23:30:00+08:00")
        .expect("time")
        .with_timezone(&Utc);
    assert_eq!(local_date(late_evening).to_string(), "2024-03-31");
    let just_after_midnight = DateTime::parse_from_rfc3339("2024-03-31T16:30:00Z")
        .expect("time")
        .with_timezone(&Utc);
    assert_eq!(local_date(just_after_midnight).to_string(), "2024-04-01");
}

// The record's stream.

type Fixture = TestFramework<PerformanceRecord>;

fn record() -> WorkRecord {
    check(raw()).expect("accepted")
}

fn reason(s: &str) -> Text {
    Text::parse(s).expect("reason")
}

#[test]
fn given_nothing_when_recorded_then_work_recorded() {
    Fixture::with(())
        .given_no_previous_events()
        .when(PerformanceCommand::Record(record()))
        .then_expect_events(vec![PerformanceEvent::WorkRecorded { record: record() }]);
}

#[test]
fn given_a_record_when_recorded_again_then_refused_as_duplicate() {
    Fixture::with(())
        .given(vec![PerformanceEvent::WorkRecorded { record: record() }])
        .when(PerformanceCommand::Record(record()))
        .then_expect_error(PerformanceError::AlreadyRecorded("r-1".into()));
}

#[test]
fn given_a_record_when_corrected_then_the_event_carries_both_versions() {
    let mut fixed = record();
    fixed.quantity = Quantity::parse(5).expect("quantity");
    Fixture::with(())
        .given(vec![PerformanceEvent::WorkRecorded { record: record() }])
        .when(PerformanceCommand::Correct {
            record: fixed.clone(),
            reason: reason("录入错误"),
        })
        .then_expect_events(vec![PerformanceEvent::WorkRecordCorrected {
            record: fixed,
            previous: record(),
            reason: reason("录入错误"),
        }]);
}

#[test]
fn given_a_record_when_corrected_to_the_same_then_nothing_happens() {
    Fixture::with(())
        .given(vec![PerformanceEvent::WorkRecorded { record: record() }])
        .when(PerformanceCommand::Correct {
            record: record(),
            reason: reason("复核"),
        })
        .then_expect_events(vec![]);
}

#[test]
fn a_correction_keeps_the_record_id() {
    let mut other = record();
    other.record_id = id("r-2");
    Fixture::with(())
        .given(vec![PerformanceEvent::WorkRecorded { record: record() }])
        .when(PerformanceCommand::Correct {
            record: other,
            reason: reason("x"),
        })
        .then_expect_error(PerformanceError::IdentityChanged);
}

#[test]
fn nothing_to_correct_or_void_before_it_is_recorded() {
    Fixture::with(())
        .given_no_previous_events()
        .when(PerformanceCommand::Void {
            reason: reason("重复"),
        })
        .then_expect_error(PerformanceError::RecordNotFound);
}

#[test]
fn given_a_voided_record_then_it_can_be_neither_corrected_nor_voided_again() {
    let history = vec![
        PerformanceEvent::WorkRecorded { record: record() },
        PerformanceEvent::WorkRecordVoided {
            previous: record(),
            reason: reason("重复录入"),
        },
    ];
    Fixture::with(())
        .given(history.clone())
        .when(PerformanceCommand::Void {
            reason: reason("again"),
        })
        .then_expect_error(PerformanceError::RecordVoided);
    Fixture::with(())
        .given(history)
        .when(PerformanceCommand::Correct {
            record: record(),
            reason: reason("again"),
        })
        .then_expect_error(PerformanceError::RecordVoided);
}

#[test]
fn events_move_the_figures_by_what_they_add_and_remove() {
    let mut fixed = record();
    fixed.quantity = Quantity::parse(5).expect("quantity");
    let corrected = PerformanceEvent::WorkRecordCorrected {
        record: fixed.clone(),
        previous: record(),
        reason: reason("x"),
    };
    let signs: Vec<(u32, i64)> = corrected
        .rollups()
        .iter()
        .map(|r| (r.record.quantity.get(), r.sign))
        .collect();
    assert_eq!(signs, vec![(3, -1), (5, 1)]);
    let voided = PerformanceEvent::WorkRecordVoided {
        previous: fixed,
        reason: reason("x"),
    };
    assert_eq!(voided.rollups()[0].sign, -1);
}

#[test]
fn the_stored_payload_shape_is_a_contract() {
    let event = PerformanceEvent::WorkRecorded { record: record() };
    let json = serde_json::to_value(&event).expect("json");
    let r = &json["WorkRecorded"]["record"];
    assert_eq!(r["record_id"], "r-1");
    assert_eq!(r["level"], "City");
    assert_eq!(r["quantity"], 3);
    assert_eq!(r["on_time"], true);
    assert_eq!(r["source"], "DailyEntry");
    let back: PerformanceEvent = serde_json::from_value(json).expect("reads back");
    assert_eq!(back, event);
}
