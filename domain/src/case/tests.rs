//! Given / when / then tests of workflow cases: every event kind and every refusal, the
//! figures each event settles, and working-time durations across a holiday checked by hand.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};

use super::*;
use crate::calendar::Calendar;
use crate::performance::{DepartmentFacts, StructureAt, TaskFacts};
use crate::values::{
    CreditCode, DayKind, DepartmentLevel, DivisionCode, EntityId, Name, Text, TimeLimit,
};
use crate::workflow::{Chart, Step};

fn id(s: &str) -> EntityId {
    EntityId::parse(s).expect("id")
}
fn dept() -> CreditCode {
    CreditCode::from_parts('1', '1', "371300", "00435045").expect("code")
}
/// Beijing time.
fn bj(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    FixedOffset::east_opt(8 * 3600)
        .expect("offset")
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("date")
        .with_timezone(&Utc)
}

/// Task t1 (unit u1, 20 working days); task t2 (no limit); posts p1 and p3 (unit u1), p2
/// (unit u2).
struct Fixed;

impl StructureAt for Fixed {
    fn department(&self, d: &CreditCode, _: DateTime<Utc>) -> Option<DepartmentFacts> {
        (*d == dept()).then(|| DepartmentFacts {
            division: DivisionCode::parse("371300000000").expect("division"),
            level: DepartmentLevel::City,
            sector: Name::parse("市场监管").expect("sector"),
        })
    }
    fn task(&self, _: &CreditCode, t: &EntityId, _: DateTime<Utc>) -> Option<TaskFacts> {
        match t.as_str() {
            "t1" => Some(TaskFacts {
                unit_id: id("u1"),
                time_limit: Some(TimeLimit::new(20, DayKind::Working).expect("limit")),
            }),
            "t2" => Some(TaskFacts {
                unit_id: id("u1"),
                time_limit: None,
            }),
            _ => None,
        }
    }
    fn post_unit(&self, _: &CreditCode, p: &EntityId, _: DateTime<Utc>) -> Option<EntityId> {
        match p.as_str() {
            "p1" | "p3" => Some(id("u1")),
            "p2" => Some(id("u2")),
            _ => None,
        }
    }
    fn holds(&self, _: &CreditCode, _: &EntityId, _: &EntityId, _: DateTime<Utc>) -> bool {
        true
    }
}

fn step(name: &str, unit: &str, post: Option<&str>, days: Option<i64>) -> Step {
    Step {
        name: Name::parse(name).expect("name"),
        unit_id: id(unit),
        post_id: post.map(id),
        materials: vec![],
        procedures: vec![],
        time_limit: days.map(|d| TimeLimit::new(d, DayKind::Working).expect("limit")),
        sign_off_levels: 1,
        section_sign_off: true,
        sub_steps: vec![],
    }
}

/// Version 1 of t1 and t2: 受理 (unit u1, 1 working day), 审查 (post p1, 5 working days),
/// 决定 (unit u2, no limit).
struct Charts(Chart);

impl ChartVersions for Charts {
    fn chart(&self, d: &CreditCode, t: &EntityId, v: u32) -> Option<&Chart> {
        (*d == dept() && (t.as_str() == "t1" || t.as_str() == "t2") && v == 1).then_some(&self.0)
    }
}

fn charts() -> Charts {
    Charts(Chart {
        steps: vec![
            step("受理", "u1", None, Some(1)),
            step("审查", "u1", Some("p1"), Some(5)),
            step("决定", "u2", None, None),
        ],
    })
}

struct World {
    calendar: Calendar,
    charts: Charts,
}

fn world() -> World {
    World {
        calendar: Calendar::shipped(),
        charts: charts(),
    }
}

impl World {
    fn ctx(&self) -> CaseContext<'_> {
        CaseContext {
            structure: &Fixed,
            charts: &self.charts,
            calendar: &self.calendar,
            now: bj(2026, 6, 1, 12),
        }
    }
}

fn input(at: DateTime<Utc>, action: CaseAction) -> CaseInput {
    CaseInput {
        department_id: dept(),
        case_id: id("c-1"),
        at,
        action,
    }
}
fn open(at: DateTime<Utc>) -> CaseInput {
    open_task(at, "t1", Some(30))
}
fn open_task(at: DateTime<Utc>, task: &str, statutory: Option<u16>) -> CaseInput {
    input(
        at,
        CaseAction::Open {
            task_id: id(task),
            version: 1,
            region: DivisionCode::parse("371302000000").expect("region"),
            applicant: ApplicantKind::Organization,
            statutory_limit_days: statutory,
        },
    )
}
fn start(at: DateTime<Utc>, s: &str) -> CaseInput {
    input(at, CaseAction::StartStep { step: s.into() })
}
fn complete(at: DateTime<Utc>, s: &str, post: &str) -> CaseInput {
    input(
        at,
        CaseAction::CompleteStep {
            step: s.into(),
            post_id: id(post),
        },
    )
}
fn text(s: &str) -> Text {
    Text::parse(s).expect("text")
}
fn close(at: DateTime<Utc>, outcome: Outcome) -> CaseInput {
    input(at, CaseAction::Close { outcome })
}

/// Given these events were accepted...
fn given(w: &World, inputs: &[CaseInput]) -> CaseState {
    let mut state = CaseState::default();
    for i in inputs {
        match state
            .decide(i, &w.ctx())
            .expect("given events are accepted")
        {
            Decision::Append(e) => {
                let next = state.sequence + 1;
                state.evolve(&e, next);
            }
            Decision::Duplicate(_) => panic!("given events are new"),
        }
    }
    state
}

fn appended(d: Result<Decision, CaseRejection>) -> CaseEvent {
    match d {
        Ok(Decision::Append(e)) => e,
        other => panic!("expected an event, got {other:?}"),
    }
}

fn refused(d: Result<Decision, CaseRejection>) -> &'static str {
    match d {
        Err(r) => r.code(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn opening_pins_the_version_and_settles_the_deadline() {
    let w = world();
    // Received Monday 2025-03-03; 20 working days (no holiday in March 2025) end on Monday
    // 2025-03-31, so the case is in time until 00:00 on 1 April.
    let e = appended(CaseState::default().decide(&open(bj(2025, 3, 3, 9)), &w.ctx()));
    let CaseEvent::CaseOpened {
        version,
        deadline,
        sector,
        level,
        statutory_limit,
        ..
    } = e
    else {
        panic!("opened")
    };
    assert_eq!(version, 1);
    assert_eq!(deadline, Some(bj(2025, 4, 1, 0)));
    assert_eq!(sector.as_str(), "市场监管");
    assert_eq!(level, DepartmentLevel::City);
    assert_eq!(statutory_limit.map(|l| l.days()), Some(30));
}

#[test]
fn opening_refuses_unknown_references() {
    let w = world();
    let s = CaseState::default();
    assert_eq!(
        refused(s.decide(&open_task(bj(2025, 3, 3, 9), "t9", None), &w.ctx())),
        "TASK_NOT_FOUND"
    );
    let mut v2 = open(bj(2025, 3, 3, 9));
    if let CaseAction::Open { version, .. } = &mut v2.action {
        *version = 2;
    }
    assert_eq!(refused(s.decide(&v2, &w.ctx())), "CHART_VERSION_NOT_FOUND");
    let mut far = open(bj(2025, 3, 3, 9));
    if let CaseAction::Open { region, .. } = &mut far.action {
        *region = DivisionCode::parse("110101000000").expect("region");
    }
    assert_eq!(
        refused(s.decide(&far, &w.ctx())),
        "REGION_OUTSIDE_JURISDICTION"
    );
    let mut other = open(bj(2025, 3, 3, 9));
    other.department_id = CreditCode::parse("11511301008778183N").expect("code");
    assert_eq!(refused(s.decide(&other, &w.ctx())), "DEPARTMENT_NOT_FOUND");
    assert_eq!(
        refused(s.decide(&open(bj(2027, 1, 4, 9)), &w.ctx())),
        "OCCURRED_IN_FUTURE"
    );
    assert_eq!(
        refused(s.decide(&open_task(bj(2025, 3, 3, 9), "t1", Some(10)), &w.ctx())),
        "INVALID_DAYS"
    );
}

#[test]
fn a_deadline_in_a_year_not_loaded_is_refused_not_guessed() {
    let w = world();
    // 20 working days from mid-December 2026 run into 2027, which is not shipped.
    let ctx = CaseContext {
        now: bj(2026, 12, 20, 12),
        ..w.ctx()
    };
    assert_eq!(
        refused(CaseState::default().decide(&open(bj(2026, 12, 15, 9)), &ctx)),
        "CALENDAR_YEAR_MISSING"
    );
}

#[test]
fn events_before_opening_are_refused() {
    let w = world();
    assert_eq!(
        refused(CaseState::default().decide(&start(bj(2025, 3, 3, 9), "受理"), &w.ctx())),
        "CASE_NOT_OPENED"
    );
}

#[test]
fn the_same_opening_again_is_a_duplicate_and_another_is_refused() {
    let w = world();
    let s = given(&w, &[open(bj(2025, 3, 3, 9))]);
    assert_eq!(
        s.decide(&open(bj(2025, 3, 3, 9)), &w.ctx()),
        Ok(Decision::Duplicate(1))
    );
    assert_eq!(
        refused(s.decide(&open(bj(2025, 3, 4, 9)), &w.ctx())),
        "CASE_ALREADY_OPENED"
    );
}

#[test]
fn steps_are_named_by_name_or_number_and_must_be_in_the_chart() {
    let w = world();
    let s = given(&w, &[open(bj(2025, 3, 3, 9))]);
    let by_number = appended(s.decide(&start(bj(2025, 3, 3, 10), "2"), &w.ctx()));
    assert!(
        matches!(by_number, CaseEvent::CaseStepStarted { step: 2, ref name, .. } if name.as_str() == "审查")
    );
    assert_eq!(
        refused(s.decide(&start(bj(2025, 3, 3, 10), "勘验"), &w.ctx())),
        "STEP_NOT_IN_CHART"
    );
    assert_eq!(
        refused(s.decide(&start(bj(2025, 3, 3, 10), "4"), &w.ctx())),
        "STEP_NOT_IN_CHART"
    );
}

#[test]
fn completing_before_starting_is_refused_and_starting_twice_too() {
    let w = world();
    let s = given(&w, &[open(bj(2025, 3, 3, 9))]);
    assert_eq!(
        refused(s.decide(&complete(bj(2025, 3, 3, 10), "受理", "p1"), &w.ctx())),
        "STEP_NOT_STARTED"
    );
    let s = given(
        &w,
        &[open(bj(2025, 3, 3, 9)), start(bj(2025, 3, 3, 10), "受理")],
    );
    assert_eq!(
        refused(s.decide(&start(bj(2025, 3, 3, 11), "受理"), &w.ctx())),
        "STEP_ALREADY_STARTED"
    );
}

#[test]
fn only_a_post_that_handles_the_step_completes_it() {
    let w = world();
    let s = given(
        &w,
        &[
            open(bj(2025, 3, 3, 9)),
            start(bj(2025, 3, 3, 10), "受理"),
            start(bj(2025, 3, 3, 10), "审查"),
        ],
    );
    // 受理 is handled by unit u1: p2 sits in u2.
    assert_eq!(
        refused(s.decide(&complete(bj(2025, 3, 3, 11), "受理", "p2"), &w.ctx())),
        "POST_NOT_HANDLING_STEP"
    );
    // 审查 names post p1: p3 of the same unit does not handle it.
    assert_eq!(
        refused(s.decide(&complete(bj(2025, 3, 3, 11), "审查", "p3"), &w.ctx())),
        "POST_NOT_HANDLING_STEP"
    );
    assert_eq!(
        refused(s.decide(&complete(bj(2025, 3, 3, 11), "受理", "p9"), &w.ctx())),
        "POST_NOT_FOUND"
    );
    assert!(matches!(
        appended(s.decide(&complete(bj(2025, 3, 3, 11), "受理", "p3"), &w.ctx())),
        CaseEvent::CaseStepCompleted { ref unit_id, .. } if unit_id.as_str() == "u1"
    ));
}

#[test]
fn a_step_across_national_day_takes_one_working_day() {
    // Hand-checked on the 2025 notice (国办发明电〔2024〕12号): 1-8 October are off, Sunday 28
    // September and Saturday 11 October are working days. Started Tuesday 30 September 10:00,
    // completed Thursday 9 October 10:00: 14 hours of 30 September and 10 hours of 9 October
    // are working time (one working day); nine calendar days passed.
    let w = world();
    let s = given(
        &w,
        &[open(bj(2025, 9, 30, 8)), start(bj(2025, 9, 30, 10), "审查")],
    );
    let e = appended(s.decide(&complete(bj(2025, 10, 9, 10), "审查", "p1"), &w.ctx()));
    let CaseEvent::CaseStepCompleted {
        seconds,
        working_seconds,
        waited_seconds,
        on_time,
        ..
    } = e
    else {
        panic!("completed")
    };
    assert_eq!(seconds, 9 * 86_400);
    assert_eq!(working_seconds, 86_400);
    assert_eq!(waited_seconds, 2 * 3_600);
    // 5 working days from 30 September: 9, 10, 11 (make-up Saturday), 13, 14 October.
    assert_eq!(on_time, Some(true));
}

#[test]
fn a_weekend_is_not_working_time_and_a_make_up_saturday_is() {
    let w = world();
    // Friday 2025-03-07 10:00 to Monday 2025-03-10 10:00: one working day.
    assert_eq!(
        w.calendar
            .working_seconds_between(bj(2025, 3, 7, 10), bj(2025, 3, 10, 10), &[])
            .expect("loaded"),
        86_400
    );
    // Friday 2025-10-10 12:00 to Sunday 2025-10-12 12:00: Saturday 11 October is a make-up
    // working day: 12 + 24 hours.
    assert_eq!(
        w.calendar
            .working_seconds_between(bj(2025, 10, 10, 12), bj(2025, 10, 12, 12), &[])
            .expect("loaded"),
        36 * 3_600
    );
}

#[test]
fn a_late_step_is_not_on_time() {
    let w = world();
    let s = given(
        &w,
        &[open(bj(2025, 3, 3, 9)), start(bj(2025, 3, 3, 10), "受理")],
    );
    // 受理 has one working day: it ends with Tuesday 4 March.
    let e = appended(s.decide(&complete(bj(2025, 3, 5, 9), "受理", "p1"), &w.ctx()));
    assert!(matches!(
        e,
        CaseEvent::CaseStepCompleted {
            on_time: Some(false),
            ..
        }
    ));
}

#[test]
fn the_clock_stops_while_suspended_and_the_deadline_moves() {
    let w = world();
    let s = given(
        &w,
        &[
            open(bj(2025, 3, 3, 9)),
            input(
                bj(2025, 3, 10, 0),
                CaseAction::Suspend {
                    reason: text("现场核查"),
                },
            ),
        ],
    );
    assert_eq!(
        refused(s.decide(&start(bj(2025, 3, 11, 9), "受理"), &w.ctx())),
        "CASE_SUSPENDED"
    );
    assert_eq!(
        refused(s.decide(
            &input(
                bj(2025, 3, 11, 9),
                CaseAction::Suspend {
                    reason: text("again")
                }
            ),
            &w.ctx()
        )),
        "CASE_SUSPENDED"
    );
    // Stopped from Monday 10 March 00:00 to Monday 17 March 00:00: five working days do not
    // count, so the 20 working days end five working days later, on Tuesday 8 April (4 April,
    // 清明, is off): in time until 00:00 on 9 April.
    let e = appended(s.decide(&input(bj(2025, 3, 17, 0), CaseAction::Resume), &w.ctx()));
    assert_eq!(
        e,
        CaseEvent::CaseResumed {
            at: bj(2025, 3, 17, 0),
            deadline: Some(bj(2025, 4, 9, 0)),
        }
    );
    let resumed = given(
        &w,
        &[
            open(bj(2025, 3, 3, 9)),
            input(
                bj(2025, 3, 10, 0),
                CaseAction::Suspend {
                    reason: text("现场核查"),
                },
            ),
            input(bj(2025, 3, 17, 0), CaseAction::Resume),
        ],
    );
    assert_eq!(
        refused(resumed.decide(&input(bj(2025, 3, 18, 0), CaseAction::Resume), &w.ctx())),
        "CASE_NOT_SUSPENDED"
    );
}

#[test]
fn extensions_stay_within_the_statutory_limit() {
    let w = world();
    let s = given(&w, &[open(bj(2025, 3, 3, 9))]);
    let extend = |days| {
        input(
            bj(2025, 3, 20, 9),
            CaseAction::Extend {
                days,
                reason: text("情况复杂，经负责人批准延期"),
            },
        )
    };
    // 20 days, statutory 30: ten more days may be added, not eleven.
    assert_eq!(
        refused(s.decide(&extend(11), &w.ctx())),
        "BEYOND_STATUTORY_LIMIT"
    );
    let e = appended(s.decide(&extend(10), &w.ctx()));
    // 30 working days from Monday 3 March end on Tuesday 15 April (4 April is off).
    assert!(
        matches!(e, CaseEvent::CaseExtended { deadline: Some(d), .. } if d == bj(2025, 4, 16, 0))
    );
    let no_limit = given(&w, &[open_task(bj(2025, 3, 3, 9), "t2", None)]);
    assert_eq!(
        refused(no_limit.decide(&extend(1), &w.ctx())),
        "NO_TIME_LIMIT"
    );
}

#[test]
fn a_return_for_correction_reruns_a_step_that_ran() {
    let w = world();
    let ret = |at, s: &str| {
        input(
            at,
            CaseAction::Return {
                step: s.into(),
                reason: text("材料不齐，需补正"),
            },
        )
    };
    let s = given(
        &w,
        &[
            open(bj(2025, 3, 3, 9)),
            start(bj(2025, 3, 3, 10), "受理"),
            complete(bj(2025, 3, 3, 11), "受理", "p3"),
        ],
    );
    assert_eq!(
        refused(s.decide(&ret(bj(2025, 3, 4, 9), "审查"), &w.ctx())),
        "STEP_NOT_STARTED"
    );
    let again = given(
        &w,
        &[
            open(bj(2025, 3, 3, 9)),
            start(bj(2025, 3, 3, 10), "受理"),
            complete(bj(2025, 3, 3, 11), "受理", "p3"),
            ret(bj(2025, 3, 4, 9), "受理"),
        ],
    );
    // Waiting counts from the return.
    let e = appended(again.decide(&start(bj(2025, 3, 5, 9), "受理"), &w.ctx()));
    assert!(matches!(e, CaseEvent::CaseStepStarted { step: 1, .. }));
    let mut started = again.clone();
    started.evolve(&e, again.sequence + 1);
    let done = appended(started.decide(&complete(bj(2025, 3, 5, 10), "受理", "p1"), &w.ctx()));
    assert!(matches!(
        done,
        CaseEvent::CaseStepCompleted {
            waited_seconds: 86_400,
            ..
        }
    ));
}

#[test]
fn closing_settles_the_figures_and_closing_twice_is_refused() {
    let w = world();
    let s = given(
        &w,
        &[open(bj(2025, 3, 3, 9)), start(bj(2025, 3, 3, 10), "受理")],
    );
    assert_eq!(
        refused(s.decide(&close(bj(2025, 3, 4, 9), Outcome::Approved), &w.ctx())),
        "STEPS_RUNNING"
    );
    // Withdrawn while a step runs is allowed.
    assert!(matches!(
        appended(s.decide(&close(bj(2025, 3, 4, 9), Outcome::Withdrawn), &w.ctx())),
        CaseEvent::CaseClosed {
            outcome: Outcome::Withdrawn,
            on_time: Some(true),
            ..
        }
    ));
    let closed = given(
        &w,
        &[
            open(bj(2025, 3, 3, 9)),
            close(bj(2025, 3, 4, 9), Outcome::Refused),
        ],
    );
    assert_eq!(
        refused(closed.decide(&close(bj(2025, 3, 5, 9), Outcome::Approved), &w.ctx())),
        "CASE_CLOSED"
    );
    assert_eq!(
        refused(closed.decide(&start(bj(2025, 3, 5, 9), "受理"), &w.ctx())),
        "CASE_CLOSED"
    );
    // The same closing again is a duplicate of the stored event; with another outcome it is
    // refused.
    assert_eq!(
        closed.decide(&close(bj(2025, 3, 4, 9), Outcome::Refused), &w.ctx()),
        Ok(Decision::Duplicate(2))
    );
    assert_eq!(
        refused(closed.decide(&close(bj(2025, 3, 4, 9), Outcome::Approved), &w.ctx())),
        "RESENT_DIFFERENTLY"
    );
    // An opening resent with another task likewise.
    assert_eq!(
        refused(closed.decide(&open_task(bj(2025, 3, 3, 9), "t2", None), &w.ctx())),
        "RESENT_DIFFERENTLY"
    );
}

#[test]
fn a_late_closing_counts_the_working_days_over() {
    let w = world();
    let s = given(&w, &[open(bj(2025, 3, 3, 9))]);
    // The deadline's last day is Monday 31 March; closed Thursday 3 April: 3 working days
    // over (1, 2 and 3 April).
    let e = appended(s.decide(&close(bj(2025, 4, 3, 15), Outcome::Approved), &w.ctx()));
    let CaseEvent::CaseClosed {
        on_time,
        days_over,
        deadline,
        ..
    } = e
    else {
        panic!("closed")
    };
    assert_eq!(deadline, Some(bj(2025, 4, 1, 0)));
    assert_eq!(on_time, Some(false));
    assert_eq!(days_over, Some(3));
}

#[test]
fn events_of_a_case_arrive_in_time_order() {
    let w = world();
    let s = given(
        &w,
        &[open(bj(2025, 3, 3, 9)), start(bj(2025, 3, 4, 9), "受理")],
    );
    assert_eq!(
        refused(s.decide(&start(bj(2025, 3, 3, 12), "审查"), &w.ctx())),
        "OUT_OF_ORDER"
    );
}

#[test]
fn a_resubmitted_step_event_is_a_duplicate() {
    let w = world();
    let s = given(
        &w,
        &[open(bj(2025, 3, 3, 9)), start(bj(2025, 3, 3, 10), "受理")],
    );
    // Named by number the second time: the same step.
    assert_eq!(
        s.decide(&start(bj(2025, 3, 3, 10), "1"), &w.ctx()),
        Ok(Decision::Duplicate(2))
    );
    // Completed, then resent by another post at the same time: refused, not a duplicate.
    let done = given(
        &w,
        &[
            open(bj(2025, 3, 3, 9)),
            start(bj(2025, 3, 3, 10), "受理"),
            complete(bj(2025, 3, 3, 11), "受理", "p1"),
        ],
    );
    assert_eq!(
        done.decide(&complete(bj(2025, 3, 3, 11), "受理", "p1"), &w.ctx()),
        Ok(Decision::Duplicate(3))
    );
    assert_eq!(
        refused(done.decide(&complete(bj(2025, 3, 3, 11), "受理", "p3"), &w.ctx())),
        "RESENT_DIFFERENTLY"
    );
}

#[test]
fn raw_events_parse_every_kind_and_name_the_bad_field() {
    let raw = |kind: &str| RawCaseEvent {
        department_id: Some(dept().to_string()),
        case_id: Some("c-1".into()),
        kind: Some(kind.into()),
        at: Some("2025-03-03T09:00:00+08:00".into()),
        task_id: Some("t1".into()),
        version: Some("1".into()),
        region: Some("371302000000".into()),
        applicant: Some("person".into()),
        step: Some("受理".into()),
        post_id: Some("p1".into()),
        days: Some("5".into()),
        reason: Some("补正".into()),
        outcome: Some("approved".into()),
        ..RawCaseEvent::default()
    };
    for kind in [
        "OPENED",
        "STEP_STARTED",
        "step-completed",
        "SUSPENDED",
        "RESUMED",
        "EXTENDED",
        "RETURNED",
        "CLOSED",
    ] {
        let parsed = raw(kind).parse().expect(kind);
        assert_eq!(parsed.at, bj(2025, 3, 3, 9));
    }
    let mut bad = raw("OPENED");
    bad.version = Some("0".into());
    assert_eq!(bad.parse().map_err(|e| e.code()), Err("INVALID_VERSION"));
    let mut bad = raw("OPENED");
    bad.applicant = Some("robot".into());
    assert_eq!(bad.parse().map_err(|e| e.code()), Err("INVALID_APPLICANT"));
    let mut bad = raw("CLOSED");
    bad.outcome = None;
    assert_eq!(bad.parse().map_err(|e| e.code()), Err("MISSING_FIELD"));
    let mut bad = raw("EXTENDED");
    bad.days = Some("-1".into());
    assert_eq!(bad.parse().map_err(|e| e.code()), Err("INVALID_DAYS"));
    let mut bad = raw("OPENED");
    bad.at = Some("2025-03-03 09:00".into());
    assert_eq!(bad.parse().map_err(|e| e.code()), Err("INVALID_TIME"));
    assert_eq!(
        raw("FINISHED").parse().map_err(|e| e.code()),
        Err("INVALID_KIND")
    );
    let mut bad = raw("STEP_STARTED");
    bad.case_id = Some("a/b".into());
    assert_eq!(bad.parse().map_err(|e| e.code()), Err("INVALID_ID"));
}

#[test]
fn without_a_task_limit_the_chart_s_step_limits_make_the_case_s_limit() {
    let w = world();
    // Task t2 has no limit; the chart's 审查 has 5 days, 受理 1 and 决定 none: no limit.
    let e =
        appended(CaseState::default().decide(&open_task(bj(2025, 3, 3, 9), "t2", None), &w.ctx()));
    assert!(matches!(
        e,
        CaseEvent::CaseOpened {
            time_limit: None,
            deadline: None,
            ..
        }
    ));
    let mut chart = charts().0;
    chart.steps[2].time_limit = Some(TimeLimit::new(4, DayKind::Working).expect("limit"));
    assert_eq!(
        chart_limit(&chart),
        Some(TimeLimit::new(10, DayKind::Working).expect("limit"))
    );
    chart.steps[2].time_limit = Some(TimeLimit::new(4, DayKind::Calendar).expect("limit"));
    assert_eq!(chart_limit(&chart), None);
}
