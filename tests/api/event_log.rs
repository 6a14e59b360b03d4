//! The event log on a real PostgreSQL: append-only, stamped by the database, global order that
//! never skips a late commit, and commands that read a bounded number of events.

use cqrs_es::Aggregate;
use dutyledger_domain::department::{Department, DepartmentCommand};
use dutyledger_domain::metadata::CommandMetadata;
use dutyledger_domain::values::{
    BodyKind, CreditCode, DepartmentLevel, DivisionCode, EntityId, Name,
};
use dutyledger_projections::event_log::{self, EventStore};
use dutyledger_tests::credit_code;
use sqlx::PgPool;

fn meta() -> CommandMetadata {
    CommandMetadata::new("supervisor:test", "req-1")
}

fn establish(code: &str) -> DepartmentCommand {
    DepartmentCommand::EstablishDepartment {
        id: CreditCode::parse(code).expect("valid"),
        name: Name::parse("临沂市测试局").expect("valid"),
        division: DivisionCode::parse("371300000000").expect("valid"),
        level: DepartmentLevel::City,
        sector: Name::parse("测试").expect("valid"),
        kind: BodyKind::GovernmentDepartment,
    }
}

async fn one_event(pool: &PgPool) -> String {
    let code = credit_code("10000001");
    EventStore::new(pool.clone())
        .execute::<Department>(&code, establish(&code), &meta())
        .await
        .expect("establish");
    code
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn update_on_events_fails(pool: PgPool) {
    one_event(&pool).await;
    let err = sqlx::query("UPDATE events SET event_type = 'Tampered'")
        .execute(&pool)
        .await
        .expect_err("update must fail");
    assert!(err.to_string().contains("append-only"), "{err}");
    let unchanged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE event_type = 'DepartmentEstablished'",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(unchanged, 1);
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn delete_and_truncate_on_events_fail(pool: PgPool) {
    one_event(&pool).await;
    let err = sqlx::query("DELETE FROM events")
        .execute(&pool)
        .await
        .expect_err("delete must fail");
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = sqlx::query("TRUNCATE events")
        .execute(&pool)
        .await
        .expect_err("truncate must fail");
    assert!(err.to_string().contains("append-only"), "{err}");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count, 1);
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn anonymous_events_are_refused(pool: PgPool) {
    let err = sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
         VALUES ('department', 'x', 1, 'X', '1', '{}', '{\"request_id\": \"r\"}')",
    )
    .execute(&pool)
    .await
    .expect_err("an event without an actor must be refused");
    assert!(
        err.to_string().contains("events_metadata_names_actor"),
        "{err}"
    );
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn the_database_stamps_times_and_metadata(pool: PgPool) {
    let code = one_event(&pool).await;
    let mut conn = pool.acquire().await.expect("conn");
    let events = event_log::read_stream(&mut conn, Department::TYPE, &code)
        .await
        .expect("read");
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        e.effective_at, e.recorded_at,
        "no effective time given: effective = recorded"
    );
    assert_eq!(e.meta("actor"), Some("supervisor:test"));
    assert_eq!(e.meta("request_id"), Some("req-1"));
    assert_eq!(e.event_type, "DepartmentEstablished");
    assert!(
        e.payload.get("DepartmentEstablished").is_some(),
        "externally tagged payload"
    );

    // A client cannot forge recorded_at; an explicit effective time is honoured.
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata, recorded_at) \
         VALUES ('probe', 'p', 1, 'Probe', '1', '{}', \
                 '{\"actor\": \"a\", \"request_id\": \"r\", \"effective_at\": \"2021-03-01T00:00:00Z\"}', '2000-01-01')",
    )
    .execute(&pool)
    .await
    .expect("insert");
    let events = event_log::read_stream(&mut conn, "probe", "p")
        .await
        .expect("read");
    assert!(
        events[0].recorded_at.timestamp() > 946_684_800,
        "recorded_at is set by the database"
    );
    assert_eq!(
        events[0].effective_at.to_rfc3339(),
        "2021-03-01T00:00:00+00:00"
    );
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn the_global_order_never_skips_a_late_commit(pool: PgPool) {
    let insert = |id: &'static str| {
        format!(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
             VALUES ('probe', '{id}', 1, 'Probe', '1', '{{}}', '{{\"actor\": \"a\", \"request_id\": \"r\"}}')"
        )
    };
    // A starts first and stays open; B commits after it.
    let mut a = pool.begin().await.expect("begin a");
    sqlx::query(&insert("a"))
        .execute(&mut *a)
        .await
        .expect("insert a");
    let mut b = pool.begin().await.expect("begin b");
    sqlx::query(&insert("b"))
        .execute(&mut *b)
        .await
        .expect("insert b");
    b.commit().await.expect("commit b");

    let mut reader = pool.acquire().await.expect("reader");
    let seen = event_log::read_after(&mut reader, None, 100)
        .await
        .expect("read");
    assert!(
        seen.is_empty(),
        "B committed but A (older) is still open: nothing may be read yet, got {seen:?}"
    );
    assert!(event_log::held_back(&mut reader, None).await.expect("held"));

    a.commit().await.expect("commit a");
    let seen = event_log::read_after(&mut reader, None, 100)
        .await
        .expect("read");
    let ids: Vec<&str> = seen.iter().map(|e| e.aggregate_id.as_str()).collect();
    assert_eq!(ids, ["a", "b"], "both, in transaction order");
    let after = event_log::read_after(&mut reader, Some(seen[0].cursor), 100)
        .await
        .expect("read");
    assert_eq!(
        after.len(),
        1,
        "resuming after the first returns exactly the second"
    );
    assert_eq!(after[0].aggregate_id, "b");
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_command_on_a_long_stream_reads_a_bounded_number_of_events(pool: PgPool) {
    let store = EventStore::new(pool.clone());
    let code = one_event(&pool).await;
    let unit = EntityId::parse("u1").expect("valid");
    store
        .execute::<Department>(
            &code,
            DepartmentCommand::EstablishUnit {
                unit_id: unit.clone(),
                name: Name::parse("办公室").expect("valid"),
            },
            &meta(),
        )
        .await
        .expect("unit");
    let mut most_replayed = 0;
    for i in 0..10_000 {
        let name = Name::parse(&format!("办公室{}", i % 2)).expect("valid");
        let executed = store
            .execute::<Department>(
                &code,
                DepartmentCommand::RenameUnit {
                    unit_id: unit.clone(),
                    name,
                },
                &meta(),
            )
            .await
            .expect("rename");
        assert_eq!(executed.events, 1);
        most_replayed = most_replayed.max(executed.events_replayed);
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count, 10_002);
    assert!(
        most_replayed < EventStore::DEFAULT_SNAPSHOT_EVERY,
        "no command replayed more than a snapshot interval, the worst replayed {most_replayed}"
    );
    let loaded = store.load::<Department>(&code).await.expect("load");
    assert_eq!(loaded.sequence, 10_002);
    assert!(loaded.events_replayed < EventStore::DEFAULT_SNAPSHOT_EVERY);
    assert!(
        loaded.snapshot_sequence > 9_900,
        "snapshot at {}",
        loaded.snapshot_sequence
    );

    // A process that starts cold (no state in memory) loads the snapshot and at most a
    // snapshot interval of events, for a load and for a command.
    let cold = EventStore::new(pool.clone());
    let loaded = cold.load::<Department>(&code).await.expect("load");
    assert!(
        loaded.events_replayed < EventStore::DEFAULT_SNAPSHOT_EVERY,
        "cold load replayed {}",
        loaded.events_replayed
    );
    assert!(
        loaded.snapshot_sequence > 9_900,
        "snapshot at {}",
        loaded.snapshot_sequence
    );
    let cold = EventStore::new(pool.clone());
    let executed = cold
        .execute::<Department>(
            &code,
            DepartmentCommand::RenameUnit {
                unit_id: unit.clone(),
                name: Name::parse("综合办公室").expect("valid"),
            },
            &meta(),
        )
        .await
        .expect("rename");
    assert!(executed.events_replayed < EventStore::DEFAULT_SNAPSHOT_EVERY);

    // The loaded state equals a full replay of the stream.
    let loaded = EventStore::new(pool.clone())
        .load::<Department>(&code)
        .await
        .expect("load");
    let mut conn = pool.acquire().await.expect("conn");
    let mut replayed = Department::default();
    for e in event_log::read_stream(&mut conn, Department::TYPE, &code)
        .await
        .expect("read")
    {
        replayed.note_effective(e.effective_at);
        replayed.apply(serde_json::from_value(e.payload).expect("decode"));
    }
    assert_eq!(replayed, loaded.aggregate);
}
