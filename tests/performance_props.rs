//! Properties of the performance rollups, for random histories of records, corrections and
//! voids recorded over several days (crossing Beijing midnight):
//! - every answer of `performance` at any `knownAt` (and now) equals a straight replay of the
//!   log: per record stream, the last version recorded at or before `knownAt`, summed per group
//!   and period;
//! - a rebuild of the rollups from the start of the log equals the rollups the projector built
//!   live, batch by batch.
//!
//! The events are inserted with explicit recording times (the stamping trigger is disabled in
//! this test's own database) so that the recording-day buckets are exercised, not only the
//! read of the current day from the log.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use cqrs_es::Aggregate;
use dutyledger_domain::performance::{
    local_date, PerformanceCommand, PerformanceEvent, PerformanceRecord, Quantity, Source,
    WorkRecord,
};
use dutyledger_domain::timeline::Decide;
use dutyledger_domain::values::{CreditCode, DepartmentLevel, DivisionCode, EntityId, Name, Text};
use dutyledger_projections::performance::query::{self, Dimension, Filter, Grain, Query};
use dutyledger_projections::performance::Rollups;
use dutyledger_projections::projector::Projector;
use dutyledger_tests::{drop_database, fresh_database, property_config};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use sqlx::PgPool;

#[derive(Debug, Clone)]
enum Op {
    Record {
        id: u8,
        post: u8,
        region: u8,
        day: u16,
        quantity: u32,
        on_time: Option<bool>,
    },
    Correct {
        id: u8,
        day: u16,
        quantity: u32,
        region: u8,
    },
    Void {
        id: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0u8..8, 0u8..3, 0u8..3, 0u16..400, 1u32..5, proptest::option::of(any::<bool>()))
            .prop_map(|(id, post, region, day, quantity, on_time)| Op::Record { id, post, region, day, quantity, on_time }),
        2 => (0u8..8, 0u16..400, 1u32..5, 0u8..3)
            .prop_map(|(id, day, quantity, region)| Op::Correct { id, day, quantity, region }),
        1 => (0u8..8).prop_map(|id| Op::Void { id }),
    ]
}

const REGIONS: [&str; 3] = ["371302001000", "371302002000", "371311001000"];

fn work(
    dept: &CreditCode,
    id: u8,
    post: u8,
    region: u8,
    day: u16,
    quantity: u32,
    on_time: Option<bool>,
) -> WorkRecord {
    let e = |s: String| EntityId::parse(&s).expect("id");
    WorkRecord {
        record_id: e(format!("r{id}")),
        department_id: dept.clone(),
        unit_id: e("u1".into()),
        post_id: e(format!("p{post}")),
        task_id: e(format!("t{post}")),
        region: DivisionCode::parse(REGIONS[region as usize]).expect("region"),
        level: DepartmentLevel::City,
        sector: Name::parse("市场监管").expect("sector"),
        // Days from late 2023 over a year and more, at the edges of the Beijing day: its first
        // instant (16:00 UTC, the UTC day before), its last microsecond, or 19:00.
        occurred_at: Utc
            .with_ymd_and_hms(2023, 11, 1, 16, 0, 0)
            .single()
            .expect("time")
            + Duration::days(i64::from(day))
            - match day % 3 {
                0 => Duration::zero(),
                1 => Duration::microseconds(1),
                _ => Duration::hours(5),
            },
        quantity: Quantity::parse(i64::from(quantity)).expect("quantity"),
        time_taken_days: None,
        on_time,
        source: Source::DailyEntry,
    }
}

struct Stored {
    stream: String,
    sequence: i64,
    recorded_at: DateTime<Utc>,
    event: PerformanceEvent,
}

static CASE: AtomicU32 = AtomicU32::new(0);

async fn insert(pool: &PgPool, e: &Stored) {
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, \
                             payload, metadata, recorded_at, effective_at) \
         VALUES ($1, $2, $3, $4, '1', $5, $6, $7, $7)",
    )
    .bind(PerformanceRecord::TYPE)
    .bind(&e.stream)
    .bind(e.sequence)
    .bind(e.event.type_name())
    .bind(serde_json::to_value(&e.event).expect("json"))
    .bind(serde_json::json!({"actor": "system:test", "request_id": "prop"}))
    .bind(e.recorded_at)
    .execute(pool)
    .await
    .expect("insert");
}

/// The replay: each stream's last version recorded at or before `known`, summed per group.
fn replay(
    events: &[Stored],
    known: DateTime<Utc>,
    q: &Query,
) -> BTreeMap<(query::GroupKey, Option<NaiveDate>), query::Figures> {
    let mut current: BTreeMap<&str, Option<&WorkRecord>> = BTreeMap::new();
    for e in events.iter().filter(|e| e.recorded_at <= known) {
        let now = match &e.event {
            PerformanceEvent::WorkRecorded { record } => Some(record),
            PerformanceEvent::WorkRecordCorrected { record, .. } => Some(record),
            PerformanceEvent::WorkRecordVoided { .. } => None,
        };
        current.insert(e.stream.as_str(), now);
    }
    let mut out: BTreeMap<(query::GroupKey, Option<NaiveDate>), query::Figures> = BTreeMap::new();
    for r in current.values().flatten() {
        let day = local_date(r.occurred_at);
        let f = &q.filter;
        if f.from.is_some_and(|d| day < d) || f.to.is_some_and(|d| day > d) {
            continue;
        }
        let mut key = query::GroupKey::default();
        for d in &q.group_by {
            match d {
                Dimension::Department => key.department_id = Some(r.department_id.to_string()),
                Dimension::Post => {
                    key.department_id = Some(r.department_id.to_string());
                    key.unit_id = Some(r.unit_id.to_string());
                    key.post_id = Some(r.post_id.to_string());
                }
                Dimension::Task => {
                    key.department_id = Some(r.department_id.to_string());
                    key.unit_id = Some(r.unit_id.to_string());
                    key.task_id = Some(r.task_id.to_string());
                }
                Dimension::Region => key.region = Some(r.region.to_string()),
                Dimension::Level => key.level = Some("City".into()),
                _ => unreachable!("not used here"),
            }
        }
        let fig = out.entry((key, q.grain.map(|g| g.start(day)))).or_default();
        fig.records += 1;
        fig.quantity += i64::from(r.quantity.get());
        fig.timed += i64::from(r.on_time.is_some());
        fig.on_time += i64::from(r.on_time == Some(true));
    }
    out
}

async fn rollup_rows(
    pool: &PgPool,
    dept: &str,
) -> Vec<(
    String,
    String,
    String,
    String,
    NaiveDate,
    NaiveDate,
    i64,
    i64,
    i64,
    i64,
)> {
    sqlx::query_as(
        "SELECT dimension, grain::text, unit_id, key, period, known, records, quantity, timed, on_time \
         FROM performance_rollups WHERE department_id = $1 \
           AND (records, quantity, timed, on_time) <> (0, 0, 0, 0) \
         ORDER BY 1, 2, 3, 4, 5, 6",
    )
    .bind(dept)
    .fetch_all(pool)
    .await
    .expect("rollups")
}

async fn run_case(pool: &PgPool, ops: Vec<(Op, u32)>) -> Result<(), TestCaseError> {
    let n = CASE.fetch_add(1, Ordering::SeqCst);
    let dept = CreditCode::from_parts('1', '1', "371300", &format!("{:08}", 80_000_000 + n))
        .expect("code");
    let projector = Projector::new(pool.clone(), vec![Arc::new(Rollups)]);
    let mut states: BTreeMap<u8, (PerformanceRecord, i64)> = BTreeMap::new();
    let mut events: Vec<Stored> = Vec::new();
    // Recording times: from 2025-03-01 20:00 Beijing time, minutes to hours apart (so several
    // recording days, some changes on the same day).
    let mut at = Utc
        .with_ymd_and_hms(2025, 3, 1, 12, 0, 0)
        .single()
        .expect("start");
    for (op, gap) in ops {
        at += Duration::minutes(i64::from(gap));
        let (id, command) = match op {
            Op::Record {
                id,
                post,
                region,
                day,
                quantity,
                on_time,
            } => (
                id,
                PerformanceCommand::Record(work(&dept, id, post, region, day, quantity, on_time)),
            ),
            Op::Correct {
                id,
                day,
                quantity,
                region,
            } => {
                let Some(current) = states.get(&id).and_then(|(s, _)| s.record().cloned()) else {
                    continue;
                };
                (
                    id,
                    PerformanceCommand::Correct {
                        record: work(
                            &dept,
                            id,
                            current.post_id.as_str()[1..].parse().unwrap_or(0),
                            region,
                            day,
                            quantity,
                            current.on_time,
                        ),
                        reason: Text::parse("更正").expect("reason"),
                    },
                )
            }
            Op::Void { id } => (
                id,
                PerformanceCommand::Void {
                    reason: Text::parse("作废").expect("reason"),
                },
            ),
        };
        let (state, sequence) = states.entry(id).or_default();
        let Ok(new) = state.decide(command) else {
            continue;
        };
        for event in new {
            *sequence += 1;
            state.apply(event.clone());
            let stored = Stored {
                stream: format!("{}/r{id}", dept.as_str()),
                sequence: *sequence,
                recorded_at: at,
                event,
            };
            insert(pool, &stored).await;
            events.push(stored);
        }
        // Live: the projector follows along.
        let through = projector
            .catch_up_through_head(std::time::Duration::from_secs(60))
            .await
            .expect("project");
        prop_assert!(
            through,
            "the projector did not reach the last event within a minute"
        );
    }
    let live = rollup_rows(pool, dept.as_str()).await;

    let mut instants: Vec<DateTime<Utc>> = events
        .iter()
        .flat_map(|e| [e.recorded_at - Duration::microseconds(1), e.recorded_at])
        .collect();
    if let Some(last) = events.last() {
        // Midnight (Beijing) after the last change, and the day after.
        let day = local_date(last.recorded_at).succ_opt().expect("day");
        instants.push(day.and_hms_opt(0, 0, 0).expect("midnight").and_utc() - Duration::hours(8));
        instants.push(last.recorded_at + Duration::days(1));
    }
    let queries = [
        (vec![Dimension::Department], Some(Grain::Month), None, None),
        (
            vec![Dimension::Department],
            Some(Grain::Day),
            Some("2024-01-15"),
            Some("2024-08-20"),
        ),
        (vec![Dimension::Region], Some(Grain::Month), None, None),
        // Days of posts and regions: summed from the log, not the rollups.
        (
            vec![Dimension::Post],
            Some(Grain::Day),
            Some("2024-01-15"),
            Some("2024-08-20"),
        ),
        (
            vec![Dimension::Region],
            Some(Grain::Day),
            Some("2024-02-01"),
            Some("2024-07-31"),
        ),
        (
            vec![Dimension::Task],
            None,
            Some("2024-02-05"),
            Some("2024-07-20"),
        ),
        (
            vec![Dimension::Post],
            Some(Grain::Quarter),
            Some("2024-01-01"),
            Some("2024-08-31"),
        ),
        (
            vec![Dimension::Level],
            Some(Grain::Year),
            Some("2024-01-01"),
            Some("2024-12-31"),
        ),
        (vec![], None, None, None),
    ];
    let mut conn = pool.acquire().await.expect("conn");
    for (group_by, grain, from, to) in queries {
        let date = |s: Option<&str>| s.map(|s| s.parse::<NaiveDate>().expect("date"));
        for known in instants.iter().map(|k| Some(*k)).chain([None]) {
            let q = Query {
                filter: Filter {
                    departments: Some(vec![dept.to_string()]),
                    from: date(from),
                    to: date(to),
                    ..Filter::default()
                },
                group_by: group_by.clone(),
                grain,
                known_at: known,
            };
            let got: BTreeMap<_, _> = query::performance(&mut conn, &q)
                .await
                .expect("query")
                .rows
                .into_iter()
                .map(|r| ((r.key, r.period), r.figures))
                .collect();
            let expected: BTreeMap<_, _> = replay(&events, known.unwrap_or_else(Utc::now), &q)
                .into_iter()
                .filter(|(_, f)| *f != query::Figures::default())
                .collect();
            prop_assert_eq!(
                got,
                expected,
                "group {:?} grain {:?} knownAt {:?}",
                group_by,
                grain,
                known
            );
        }
    }
    drop(conn);

    // Rebuild from the start of the log: the same rows as built live.
    sqlx::query("DELETE FROM performance_rollups")
        .execute(pool)
        .await
        .expect("clear");
    sqlx::query("DELETE FROM projector_checkpoints WHERE projection = 'performance'")
        .execute(pool)
        .await
        .expect("reset");
    let through = projector
        .catch_up_through_head(std::time::Duration::from_secs(60))
        .await
        .expect("rebuild");
    prop_assert!(
        through,
        "the rebuild did not reach the last event within a minute"
    );
    let rebuilt = rollup_rows(pool, dept.as_str()).await;
    prop_assert_eq!(live, rebuilt);
    Ok(())
}

#[test]
fn rollups_at_every_known_at_equal_a_replay_and_a_rebuild_equals_the_live_projection() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (pool, url) = runtime.block_on(fresh_database("dutyledger_prop_perf"));
    runtime
        .block_on(sqlx::query("ALTER TABLE events DISABLE TRIGGER events_stamp").execute(&pool))
        .expect("disable stamping");
    let mut runner = TestRunner::new(property_config(16));
    // Gaps between changes: minutes to most of a day.
    let strategy =
        proptest::collection::vec((op(), prop_oneof![3 => 1u32..90, 1 => 300u32..1200]), 1..30);
    let result = runner.run(&strategy, |ops| runtime.block_on(run_case(&pool, ops)));
    runtime.block_on(drop_database(pool, &url));
    if let Err(e) = result {
        panic!("{e}");
    }
}
