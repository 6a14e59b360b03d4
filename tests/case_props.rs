//! Properties of the cases read model, for random histories of case events (valid and
//! refused, decided by the domain) recorded over several days:
//! - every answer of `case_analytics` and `step_analytics` at any `knownAt` (and now) equals a
//!   straight replay of the log: the case events recorded at or before `knownAt`, folded per
//!   case and counted by the definitions of ADR 0016;
//! - a rebuild of the read model from the start of the log equals the one the projector built
//!   live, batch by batch.
//!
//! The events are inserted with explicit recording times (the stamping trigger is disabled in
//! this test's own database).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use dutyledger_domain::calendar::{start_of_day, Calendar};
use dutyledger_domain::case::{
    self as domain, ApplicantKind, CaseAction, CaseContext, CaseEvent, CaseInput, CaseState,
    ChartVersions, Decision, Outcome,
};
use dutyledger_domain::performance::{local_date, DepartmentFacts, StructureAt, TaskFacts};
use dutyledger_domain::values::{
    CreditCode, DayKind, DepartmentLevel, DivisionCode, EntityId, Name, Text, TimeLimit,
};
use dutyledger_domain::workflow::{Chart, Step};
use dutyledger_projections::cases::query::{self, CaseFigures, CaseFilter, CaseGroup};
use dutyledger_projections::cases::Cases;
use dutyledger_projections::performance::query::Grain;
use dutyledger_projections::projector::Projector;
use dutyledger_tests::{drop_database, fresh_database, property_config};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use sqlx::PgPool;

fn id(s: &str) -> EntityId {
    EntityId::parse(s).expect("id")
}

/// Task t1: 10 working days; t2: 15 calendar days; t3: no limit of its own (the chart's steps
/// make 2 + 3 working days... but step C has none, so none). Posts p1, p3 in u1; p2 in u2.
struct Fixed(CreditCode);

impl StructureAt for Fixed {
    fn department(&self, d: &CreditCode, _: DateTime<Utc>) -> Option<DepartmentFacts> {
        (*d == self.0).then(|| DepartmentFacts {
            division: DivisionCode::parse("371300000000").expect("division"),
            level: DepartmentLevel::City,
            sector: Name::parse("政务服务").expect("sector"),
        })
    }
    fn task(&self, _: &CreditCode, t: &EntityId, _: DateTime<Utc>) -> Option<TaskFacts> {
        let limit = |d, k| Some(TimeLimit::new(d, k).expect("limit"));
        let time_limit = match t.as_str() {
            "t1" => limit(10, DayKind::Working),
            "t2" => limit(15, DayKind::Calendar),
            "t3" => None,
            _ => return None,
        };
        Some(TaskFacts {
            unit_id: id("u1"),
            time_limit,
        })
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

struct Charts(Chart);

impl ChartVersions for Charts {
    fn chart(&self, _: &CreditCode, t: &EntityId, v: u32) -> Option<&Chart> {
        (v == 1 && ["t1", "t2", "t3"].contains(&t.as_str())).then_some(&self.0)
    }
}

const REGIONS: [&str; 3] = ["371302001000", "371302002000", "371311001000"];
const POSTS: [&str; 3] = ["p1", "p2", "p3"];

#[derive(Debug, Clone)]
enum Op {
    Open { task: u8, region: u8, day: u16 },
    Start { step: u8 },
    Complete { step: u8, post: u8 },
    Suspend,
    Resume,
    Extend { days: u8 },
    Return { step: u8 },
    Close { outcome: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (0u8..3, 0u8..3, 0u16..330).prop_map(|(task, region, day)| Op::Open { task, region, day }),
        6 => (1u8..4).prop_map(|step| Op::Start { step }),
        8 => (1u8..4, 0u8..3).prop_map(|(step, post)| Op::Complete { step, post }),
        1 => Just(Op::Suspend),
        1 => Just(Op::Resume),
        1 => (1u8..8).prop_map(|days| Op::Extend { days }),
        1 => (1u8..4).prop_map(|step| Op::Return { step }),
        2 => (0u8..3).prop_map(|outcome| Op::Close { outcome }),
    ]
}

struct Stored {
    stream: String,
    sequence: i64,
    recorded_at: DateTime<Utc>,
    event: CaseEvent,
}

static CASE: AtomicU32 = AtomicU32::new(0);

async fn insert(pool: &PgPool, e: &Stored) {
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, \
                             payload, metadata, recorded_at, effective_at) \
         VALUES ($1, $2, $3, $4, '1', $5, $6, $7, $8)",
    )
    .bind(domain::TYPE)
    .bind(&e.stream)
    .bind(e.sequence)
    .bind(e.event.type_name())
    .bind(serde_json::to_value(&e.event).expect("json"))
    .bind(serde_json::json!({"actor": "system:test", "request_id": "prop"}))
    .bind(e.recorded_at)
    .bind(e.event.at())
    .execute(pool)
    .await
    .expect("insert");
}

/// A case as the replay folds it.
#[derive(Debug, Clone, Default)]
struct Folded {
    task: String,
    region: String,
    received_at: Option<DateTime<Utc>>,
    kind: Option<DayKind>,
    deadline: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    on_time: Option<bool>,
    days_over: Option<u32>,
}

fn fold(events: &[Stored], known: DateTime<Utc>) -> BTreeMap<String, Folded> {
    let mut cases: BTreeMap<String, Folded> = BTreeMap::new();
    for e in events.iter().filter(|e| e.recorded_at <= known) {
        let c = cases.entry(e.stream.clone()).or_default();
        match &e.event {
            CaseEvent::CaseOpened {
                task_id,
                region,
                received_at,
                time_limit,
                deadline,
                ..
            } => {
                c.task = task_id.to_string();
                c.region = region.to_string();
                c.received_at = Some(*received_at);
                c.kind = time_limit.map(|l| l.kind());
                c.deadline = *deadline;
            }
            CaseEvent::CaseStepCompleted { .. }
            | CaseEvent::CaseReturned { .. }
            | CaseEvent::CaseStepStarted { .. } => {}
            CaseEvent::CaseSuspended { .. } => c.deadline = None,
            CaseEvent::CaseResumed { deadline, .. } | CaseEvent::CaseExtended { deadline, .. } => {
                c.deadline = *deadline
            }
            CaseEvent::CaseClosed {
                at,
                deadline,
                on_time,
                days_over,
                ..
            } => {
                c.closed_at = Some(*at);
                c.deadline = *deadline;
                c.on_time = *on_time;
                c.days_over = *days_over;
            }
        }
    }
    cases
}

fn period_start(at: DateTime<Utc>, grain: Option<Grain>) -> Option<NaiveDate> {
    grain.map(|g| g.start(local_date(at)))
}

fn period_end(
    at: DateTime<Utc>,
    grain: Option<Grain>,
    range_end: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    match grain {
        None => range_end,
        Some(g) => Some(start_of_day(g.next(g.start(local_date(at))))),
    }
}

/// The replay of `case_analytics`: every definition from ADR 0016, over the folded cases.
/// A question to `case_analytics`.
#[derive(Debug, Clone, Copy)]
struct Ask {
    group: CaseGroup,
    grain: Option<Grain>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

/// Step figures as the replay adds them up.
#[derive(Debug, Default)]
struct StepSums {
    seconds: Vec<f64>,
    working: Vec<f64>,
    runs: i64,
    timed: i64,
    on_time: i64,
    returns: i64,
}

fn replay(
    events: &[Stored],
    known: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    ask: Ask,
    calendar: &Calendar,
    dept: &str,
) -> Vec<CaseFigures> {
    let Ask {
        group,
        grain,
        from,
        to,
    } = ask;
    let cases = fold(events, known.unwrap_or(DateTime::<Utc>::MAX_UTC));
    let lo = from.map(start_of_day);
    let hi = to.and_then(|d| d.succ_opt()).map(start_of_day);
    let in_range = |t: DateTime<Utc>| lo.is_none_or(|l| t >= l) && hi.is_none_or(|h| t < h);
    let key = |c: &Folded| match group {
        CaseGroup::All => String::new(),
        CaseGroup::Department => dept.to_owned(),
        CaseGroup::Task => format!("{dept}/{}", c.task),
        CaseGroup::Region => c.region.clone(),
        CaseGroup::Sector => "政务服务".to_owned(),
        CaseGroup::Level => "City".to_owned(),
    };
    let mut out: BTreeMap<(String, Option<NaiveDate>), CaseFigures> = BTreeMap::new();
    for c in cases.values() {
        let Some(received) = c.received_at else {
            continue;
        };
        if in_range(received) {
            let f = out
                .entry((key(c), period_start(received, grain)))
                .or_default();
            f.opened += 1;
            let end = period_end(received, grain, hi);
            if c.closed_at.is_some_and(|t| end.is_none_or(|e| t < e)) {
                f.opened_closed += 1;
            }
        }
        if let Some(closed) = c.closed_at.filter(|t| in_range(*t)) {
            let f = out
                .entry((key(c), period_start(closed, grain)))
                .or_default();
            f.closed += 1;
            f.timed += i64::from(c.on_time.is_some());
            f.on_time += i64::from(c.on_time == Some(true));
            if c.on_time == Some(false) {
                f.overdue_closed += 1;
                f.overdue_closed_days += i64::from(c.days_over.unwrap_or(0));
            }
        }
    }
    // Open and overdue at each period's end.
    let horizon = known.map_or(now, |k| k.min(now));
    let mut cutoffs: Vec<(Option<NaiveDate>, DateTime<Utc>)> = Vec::new();
    match (grain, from, to) {
        (Some(g), Some(f), Some(t)) => {
            let mut start = g.start(f);
            while start <= t {
                let next = g.next(start);
                if start_of_day(start) < horizon {
                    cutoffs.push((Some(start), start_of_day(next).min(horizon)));
                }
                start = next;
            }
        }
        (Some(g), _, _) => cutoffs.push((Some(g.start(local_date(horizon))), horizon)),
        (None, _, _) => cutoffs.push((None, hi.map_or(horizon, |h| h.min(horizon)))),
    }
    for (period, at) in cutoffs {
        for c in cases.values() {
            let (Some(received), Some(deadline)) = (c.received_at, c.deadline) else {
                continue;
            };
            let open = received < at && c.closed_at.is_none_or(|t| t >= at);
            if open && deadline < at {
                let f = out.entry((key(c), period)).or_default();
                f.overdue_open += 1;
                let last = at - Duration::microseconds(1);
                let days =
                    domain::days_over(calendar, deadline, last, c.kind.unwrap_or(DayKind::Working))
                        .expect("loaded");
                f.overdue_open_days += i64::from(days);
            }
        }
    }
    out.into_iter()
        .map(|((g, p), mut f)| {
            f.group = g;
            f.period = p;
            f
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let pos = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

async fn run_case(
    pool: &PgPool,
    opens: Vec<(u8, u8, u16)>,
    more: Vec<(u8, Op, u16)>,
) -> Result<(), TestCaseError> {
    // Every case is opened first (most other events need an open case), then the rest.
    let ops: Vec<(u8, Op, u16)> = opens
        .into_iter()
        .enumerate()
        .map(|(i, (task, region, day))| (i as u8, Op::Open { task, region, day }, 30))
        .chain(more)
        .collect();
    let n = CASE.fetch_add(1, Ordering::SeqCst);
    let dept = CreditCode::from_parts('1', '1', "371300", &format!("{:08}", 70_000_000 + n))
        .expect("code");
    let structure = Fixed(dept.clone());
    let charts = Charts(Chart {
        steps: vec![
            step("受理", "u1", Some("p1"), Some(2)),
            step("审查", "u2", None, Some(3)),
            step("决定", "u1", None, None),
        ],
    });
    let calendar = Calendar::shipped();
    let now = Utc
        .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("now");
    let ctx = CaseContext {
        structure: &structure,
        charts: &charts,
        calendar: &calendar,
        now,
    };
    let projector = Projector::new(pool.clone(), vec![Arc::new(Cases::live())]);
    let mut states: BTreeMap<u8, (CaseState, DateTime<Utc>)> = BTreeMap::new();
    let mut events: Vec<Stored> = Vec::new();
    let mut recorded = Utc
        .with_ymd_and_hms(2026, 1, 10, 1, 0, 0)
        .single()
        .expect("start");
    for (case, op, gap) in ops {
        recorded += Duration::minutes(i64::from(gap % 600) + 1);
        let (state, last) = states.entry(case).or_insert_with(|| {
            (
                CaseState::default(),
                Utc.with_ymd_and_hms(2025, 1, 2, 1, 0, 0)
                    .single()
                    .expect("start"),
            )
        });
        // Valid time moves on by hours to days per event of a case.
        let at = *last + Duration::minutes(i64::from(gap) * 7);
        let action = match op {
            Op::Open { task, region, day } => {
                let received = Utc
                    .with_ymd_and_hms(2025, 1, 2, 1, 0, 0)
                    .single()
                    .expect("t")
                    + Duration::days(i64::from(day))
                    + Duration::minutes(i64::from(gap));
                let input = CaseInput {
                    department_id: dept.clone(),
                    case_id: id(&format!("c{case}")),
                    at: received,
                    action: CaseAction::Open {
                        task_id: id(&format!("t{}", task + 1)),
                        version: 1,
                        region: DivisionCode::parse(REGIONS[region as usize]).expect("region"),
                        applicant: ApplicantKind::Person,
                        statutory_limit_days: Some(20),
                    },
                };
                if let Ok(Decision::Append(e)) = state.decide(&input, &ctx) {
                    *last = received;
                    let seq = state.sequence + 1;
                    state.evolve(&e, seq);
                    let stored = Stored {
                        stream: input.stream_id(),
                        sequence: seq,
                        recorded_at: recorded,
                        event: e,
                    };
                    insert(pool, &stored).await;
                    events.push(stored);
                }
                continue;
            }
            Op::Start { step } => CaseAction::StartStep {
                step: step.to_string(),
            },
            Op::Complete { step, post } => CaseAction::CompleteStep {
                step: step.to_string(),
                // Mostly a post that handles the step; now and then one that does not.
                post_id: id(match (step, post) {
                    (_, 2) => POSTS[usize::from(step) % 3],
                    (1, _) => "p1",
                    (2, _) => "p2",
                    _ => "p3",
                }),
            },
            Op::Suspend => CaseAction::Suspend {
                reason: Text::parse("现场核查").expect("text"),
            },
            Op::Resume => CaseAction::Resume,
            Op::Extend { days } => CaseAction::Extend {
                days: u16::from(days),
                reason: Text::parse("延期").expect("text"),
            },
            Op::Return { step } => CaseAction::Return {
                step: step.to_string(),
                reason: Text::parse("补正").expect("text"),
            },
            Op::Close { outcome } => CaseAction::Close {
                outcome: Outcome::ALL[outcome as usize],
            },
        };
        let input = CaseInput {
            department_id: dept.clone(),
            case_id: id(&format!("c{case}")),
            at,
            action,
        };
        let Ok(Decision::Append(e)) = state.decide(&input, &ctx) else {
            continue;
        };
        *last = at;
        let seq = state.sequence + 1;
        state.evolve(&e, seq);
        let stored = Stored {
            stream: input.stream_id(),
            sequence: seq,
            recorded_at: recorded,
            event: e,
        };
        insert(pool, &stored).await;
        events.push(stored);
        if events.len().is_multiple_of(3) {
            let through = projector
                .catch_up_through_head(std::time::Duration::from_secs(60))
                .await
                .expect("project");
            prop_assert!(through, "the projector did not catch up within a minute");
        }
    }
    let through = projector
        .catch_up_through_head(std::time::Duration::from_secs(60))
        .await
        .expect("project");
    prop_assert!(through, "the projector did not catch up within a minute");

    if std::env::var("CASE_PROPS_STATS").is_ok() {
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &events {
            *kinds.entry(e.event.type_name()).or_default() += 1;
        }
        eprintln!("{kinds:?}");
    }
    let mut instants: Vec<Option<DateTime<Utc>>> = events
        .iter()
        .flat_map(|e| {
            [
                Some(e.recorded_at - Duration::microseconds(1)),
                Some(e.recorded_at),
            ]
        })
        .collect();
    instants.push(None);
    let d = |s: &str| Some(s.parse::<NaiveDate>().expect("date"));
    let queries = [
        (CaseGroup::All, None, None, None),
        (
            CaseGroup::Task,
            Some(Grain::Month),
            d("2025-01-01"),
            d("2025-12-31"),
        ),
        (
            CaseGroup::Region,
            Some(Grain::Quarter),
            d("2025-01-01"),
            d("2026-03-31"),
        ),
        (
            CaseGroup::Department,
            None,
            d("2025-02-01"),
            d("2025-08-31"),
        ),
        (CaseGroup::All, Some(Grain::Year), None, None),
    ];
    let mut conn = pool.acquire().await.expect("conn");
    let filter = |from, to| CaseFilter {
        departments: Some(vec![dept.to_string()]),
        from,
        to,
        ..CaseFilter::default()
    };
    for known in &instants {
        for (group, grain, from, to) in &queries {
            let got = query::case_analytics(
                &mut conn,
                &filter(*from, *to),
                *group,
                *grain,
                *known,
                now,
                &calendar,
            )
            .await
            .expect("analytics");
            let ask = Ask {
                group: *group,
                grain: *grain,
                from: *from,
                to: *to,
            };
            let expected = replay(&events, *known, now, ask, &calendar, dept.as_str());
            prop_assert_eq!(
                got,
                expected,
                "{:?} {:?} {:?}..{:?} knownAt {:?}",
                group,
                grain,
                from,
                to,
                known
            );
        }
        for task in ["t1", "t2", "t3"] {
            let got = query::step_analytics(&mut conn, dept.as_str(), task, 1, None, None, *known)
                .await
                .expect("steps");
            let cases = fold(&events, known.unwrap_or(DateTime::<Utc>::MAX_UTC));
            let of_task = |stream: &str| cases.get(stream).is_some_and(|c| c.task == task);
            // Runs and returns of this task's cases, per step.
            let mut per_step: BTreeMap<u32, StepSums> = BTreeMap::new();
            let visible: Vec<&Stored> = events
                .iter()
                .filter(|e| known.is_none_or(|k| e.recorded_at <= k))
                .collect();
            for e in &visible {
                if !of_task(&e.stream) {
                    continue;
                }
                match &e.event {
                    CaseEvent::CaseStepCompleted {
                        step,
                        seconds,
                        working_seconds,
                        on_time,
                        ..
                    } => {
                        let s = per_step.entry(*step).or_default();
                        s.seconds.push(*seconds as f64);
                        s.working.push(*working_seconds as f64);
                        s.runs += 1;
                        s.timed += i64::from(on_time.is_some());
                        s.on_time += i64::from(*on_time == Some(true));
                    }
                    CaseEvent::CaseReturned { step, .. } => {
                        per_step.entry(*step).or_default().returns += 1
                    }
                    _ => {}
                }
            }
            prop_assert_eq!(
                got.len(),
                per_step.len(),
                "steps of {} at {:?}",
                task,
                known
            );
            for (g, (step, sums)) in got.iter().zip(per_step) {
                let StepSums {
                    seconds: mut secs,
                    working: mut works,
                    runs: runs_n,
                    ..
                } = sums;
                prop_assert_eq!(g.step as u32, step);
                prop_assert_eq!(g.runs, runs_n);
                prop_assert_eq!(g.timed, sums.timed);
                prop_assert_eq!(g.on_time, sums.on_time);
                prop_assert_eq!(g.returns, sums.returns);
                if runs_n > 0 {
                    secs.sort_by(f64::total_cmp);
                    works.sort_by(f64::total_cmp);
                    let mean = secs.iter().sum::<f64>() / secs.len() as f64;
                    prop_assert!((g.seconds[0] - mean).abs() < 1e-6 * mean.max(1.0));
                    prop_assert!(
                        (g.seconds[1] - percentile(&secs, 0.5)).abs() < 1e-6 * mean.max(1.0)
                    );
                    prop_assert!(
                        (g.seconds[2] - percentile(&secs, 0.9)).abs() < 1e-6 * mean.max(1.0)
                    );
                    prop_assert!((g.working_seconds[1] - percentile(&works, 0.5)).abs() < 1e-3);
                }
            }
        }
    }
    drop(conn);

    // Rebuild from the start of the log: the same rows as built live.
    let tables = ["case_versions", "case_step_runs", "case_returns"];
    let mut live = Vec::new();
    for t in tables {
        live.push(dump(pool, t, dept.as_str()).await);
    }
    for t in tables {
        sqlx::query(&format!("DELETE FROM {t}"))
            .execute(pool)
            .await
            .expect("clear");
    }
    sqlx::query("DELETE FROM projector_checkpoints WHERE projection = 'cases'")
        .execute(pool)
        .await
        .expect("reset");
    let through = projector
        .catch_up_through_head(std::time::Duration::from_secs(60))
        .await
        .expect("rebuild");
    prop_assert!(through, "the rebuild did not catch up within a minute");
    for (t, before) in tables.iter().zip(live) {
        prop_assert_eq!(before, dump(pool, t, dept.as_str()).await, "{}", t);
    }
    Ok(())
}

async fn dump(pool: &PgPool, table: &str, dept: &str) -> Vec<String> {
    sqlx::query_scalar(&format!(
        "SELECT row_to_json(t)::text FROM {table} t WHERE department_id = $1 ORDER BY stream, sequence"
    ))
    .bind(dept)
    .fetch_all(pool)
    .await
    .expect("dump")
}

#[test]
fn case_analytics_at_every_known_at_equal_a_replay_and_a_rebuild_equals_the_live_projection() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (pool, url) = runtime.block_on(fresh_database("dutyledger_prop_cases"));
    runtime
        .block_on(sqlx::query("ALTER TABLE events DISABLE TRIGGER events_stamp").execute(&pool))
        .expect("disable stamping");
    let mut runner = TestRunner::new(property_config(12));
    let strategy = (
        proptest::collection::vec((0u8..3, 0u8..3, 0u16..330), 1..6),
        proptest::collection::vec((0u8..5, op(), 1u16..2000), 1..80),
    );
    let result = runner.run(&strategy, |(opens, more)| {
        runtime.block_on(run_case(&pool, opens, more))
    });
    runtime.block_on(drop_database(pool, &url));
    if let Err(e) = result {
        panic!("{e}");
    }
}
