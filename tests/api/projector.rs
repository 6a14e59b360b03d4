//! The projector: one active instance with takeover, a projection that fails stops without
//! skipping, and a rebuild equals the live read model.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use dutyledger_api::app::projections;
use dutyledger_projections::duty_list::{self, AsOf};
use dutyledger_projections::projector::{min_checkpoint, Projection, Projector, ProjectorSettings};
use dutyledger_projections::rebuild::rebuild;
use dutyledger_projections::{StoreError, StoredEvent};
use dutyledger_tests::{credit_code, TestApp};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

async fn probe(pool: &PgPool, id: &str, event_type: &str) {
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
         VALUES ('probe', $1, 1, $2, '1', '{}', '{\"actor\": \"t\", \"request_id\": \"r\"}')",
    )
    .bind(id)
    .bind(event_type)
    .execute(pool)
    .await
    .expect("insert");
}

#[derive(Default)]
struct Fussy {
    poisoned: AtomicBool,
    seen: Mutex<Vec<String>>,
}

#[async_trait]
impl Projection for Fussy {
    fn name(&self) -> &'static str {
        "fussy"
    }

    async fn apply(&self, _conn: &mut PgConnection, event: &StoredEvent) -> Result<(), StoreError> {
        if event.event_type == "Poison" && self.poisoned.load(Ordering::SeqCst) {
            return Err(StoreError::UnreadableEvent {
                event_type: event.event_type.clone(),
                event_version: event.event_version.clone(),
                reason: "this projection cannot handle it yet".into(),
            });
        }
        if let Ok(mut s) = self.seen.lock() {
            s.push(event.aggregate_id.clone());
        }
        Ok(())
    }
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_failing_projection_stops_at_the_event_and_skips_nothing(pool: PgPool) {
    probe(&pool, "a", "Fine").await;
    probe(&pool, "b", "Poison").await;
    probe(&pool, "c", "Fine").await;
    let fussy = Arc::new(Fussy::default());
    fussy.poisoned.store(true, Ordering::SeqCst);
    let projector =
        Projector::new(pool.clone(), vec![fussy.clone()]).with_settings(ProjectorSettings {
            batch_size: 1,
            ..ProjectorSettings::default()
        });
    // Other tests' transactions may hold the horizon back for a moment: retry until the
    // projector reaches the poisoned event.
    let mut failed = false;
    for _ in 0..100 {
        if projector.catch_up_once().await.is_err() {
            failed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(failed, "the failure is reported");
    let mut conn = pool.acquire().await.expect("conn");
    let stuck = min_checkpoint(&mut conn, &["fussy"])
        .await
        .expect("checkpoint");
    assert_eq!(
        stuck.position(),
        1,
        "it stays right before the failing event"
    );
    // Retrying while still broken does not move past it.
    assert!(projector.catch_up_once().await.is_err());
    fussy.poisoned.store(false, Ordering::SeqCst);
    let mut done = stuck;
    for _ in 0..100 {
        projector.catch_up_once().await.expect("recovers");
        done = min_checkpoint(&mut conn, &["fussy"])
            .await
            .expect("checkpoint");
        if done.position() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done.position(), 3);
    let seen = fussy.seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(
        seen,
        vec!["a", "b", "c"],
        "each event applied once, in order"
    );
}

async fn active_projector_locks(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = \
         (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .fetch_one(pool)
    .await
    .expect("locks")
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn one_projector_is_active_and_a_standby_takes_over(pool: PgPool) {
    let settings = ProjectorSettings {
        standby_interval: Duration::from_millis(100),
        ..ProjectorSettings::default()
    };
    let a = tokio::spawn(
        Projector::new(pool.clone(), projections())
            .with_settings(settings.clone())
            .run(),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let b = tokio::spawn(
        Projector::new(pool.clone(), projections())
            .with_settings(settings)
            .run(),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        active_projector_locks(&pool).await,
        1,
        "exactly one active instance"
    );

    a.abort();
    let _ = a.await;
    let app_pool = pool.clone();
    // The standby takes over: new events get projected.
    let store = dutyledger_projections::event_log::EventStore::new(app_pool.clone());
    let code = credit_code("70000010");
    let establish = dutyledger_domain::department::DepartmentCommand::EstablishDepartment {
        id: dutyledger_domain::values::CreditCode::parse(&code).expect("code"),
        name: dutyledger_domain::values::Name::parse("临沂市接管测试局").expect("name"),
        division: dutyledger_domain::values::DivisionCode::parse("371300000000").expect("division"),
        level: dutyledger_domain::values::DepartmentLevel::City,
        sector: dutyledger_domain::values::Name::parse("测试").expect("sector"),
        kind: dutyledger_domain::values::BodyKind::Other,
    };
    let meta = dutyledger_domain::metadata::CommandMetadata::new("supervisor:t", "r");
    let executed = store
        .execute::<dutyledger_domain::department::Department>(&code, establish, &meta)
        .await
        .expect("establish");
    let cursor = executed.cursor.expect("a cursor");
    let mut projected = false;
    for _ in 0..50 {
        let mut conn = pool.acquire().await.expect("conn");
        if min_checkpoint(&mut conn, &[duty_list::NAME])
            .await
            .expect("cp")
            >= cursor
        {
            projected = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        projected,
        "the standby took over and projected the new event"
    );
    assert_eq!(active_projector_locks(&pool).await, 1);
    b.abort();
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_rebuild_equals_the_live_read_model(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    dutyledger_api::seed::seed(&app.state).await.expect("seed");
    let id = credit_code("70000020");
    let m = |q: &str, v: serde_json::Value| {
        let app = &app;
        let q = q.to_owned();
        async move {
            let r = app.gql(&q, v).await;
            assert!(r.get("errors").is_none(), "{r:#}");
        }
    };
    m(
        r#"mutation($id: ID!) { establishDepartment(input: {id: $id, name: "临沂市重建测试局", divisionCode: "371300000000",
             level: CITY, sector: "测试", kind: OTHER, effectiveAt: "2020-01-01T00:00:00Z"}) { events } }"#,
        json!({ "id": id }),
    )
    .await;
    for (month, name) in [
        ("2022-01-01", "甲科"),
        ("2021-01-01", "乙科"),
        ("2030-01-01", "丙科"),
    ] {
        m(
            "mutation($d: ID!, $n: String!, $at: DateTime) { establishUnit(input: {departmentId: $d, name: $n, effectiveAt: $at}) { id } }",
            json!({"d": id, "n": name, "at": format!("{month}T00:00:00Z")}),
        )
        .await;
    }
    let point = AsOf::now();
    let before = duty_list::structure(&pool, &id, point).await.expect("q");
    let mut report = |_: u64, _: i64| {};
    let verified = rebuild(&pool, duty_list::NAME, true, &mut report)
        .await
        .expect("verify");
    assert_eq!(verified.differences, Some(0), "{verified:?}");
    let swapped = rebuild(&pool, duty_list::NAME, false, &mut report)
        .await
        .expect("rebuild");
    assert!(swapped.swapped);
    assert!(swapped.events > 100, "replayed the whole log: {swapped:?}");
    let after = duty_list::structure(&pool, &id, point).await.expect("q");
    assert_eq!(before, after);
    // The live projector keeps working on the swapped tables, and they stay equal to a rebuild.
    m(
        "mutation($d: ID!) { establishUnit(input: {departmentId: $d, name: \"丁科\"}) { id } }",
        json!({"d": id}),
    )
    .await;
    let verified = rebuild(&pool, duty_list::NAME, true, &mut report)
        .await
        .expect("verify");
    assert_eq!(verified.differences, Some(0));
    let units = duty_list::structure(&pool, &id, AsOf::now())
        .await
        .expect("q")
        .map(|s| s.units.len());
    assert_eq!(units, Some(3), "甲, 乙 and 丁 now; 丙 only from 2030");
}
