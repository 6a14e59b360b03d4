//! The event feed: paging, filters, access, a subscription that replays then streams live, and
//! the global order under concurrent writers that hold transactions open and roll back.

use std::collections::BTreeSet;
use std::time::Duration;

use dutyledger_api::auth::Role;
use dutyledger_projections::event_log::{read_feed, FeedFilter};
use dutyledger_projections::Cursor;
use dutyledger_tests::{actor, credit_code, error_code, establish_vars, TestApp, ESTABLISH};
use futures::StreamExt;
use serde_json::{json, Value};
use sqlx::PgPool;

const PAGE: &str = r#"query($after: String, $first: Int, $filter: EventFilter) {
  events(after: $after, first: $first, filter: $filter) {
    edges { cursor node { eventType eventId stream { aggregateId sequence } recordedAt effectiveAt actor payload metadata } }
    pageInfo { hasNextPage endCursor } } }"#;

async fn two_departments(app: &TestApp) -> (String, String) {
    let a = credit_code("70000001");
    let b = credit_code("70000002");
    for id in [&a, &b] {
        let r = app.gql(ESTABLISH, establish_vars(id)).await;
        assert!(r.get("errors").is_none(), "{r:#}");
        for n in 0..3 {
            let r = app
                .gql(
                    "mutation($d: ID!, $t: String!) { defineMainDuty(input: {departmentId: $d, text: $t}) { events } }",
                    json!({ "d": id, "t": format!("职责{n}") }),
                )
                .await;
            assert!(r.get("errors").is_none(), "{r:#}");
        }
    }
    (a, b)
}

fn edges(r: &Value) -> Vec<Value> {
    r["events"]["edges"].as_array().cloned().unwrap_or_default()
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn pages_resume_exactly_after_their_cursor(pool: PgPool) {
    let app = TestApp::new(pool);
    let (a, _) = two_departments(&app).await;
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let r = app.ok(PAGE, json!({ "after": after, "first": 3 })).await;
        for e in edges(&r) {
            seen.push(e["node"]["eventId"].as_str().unwrap_or_default().to_owned());
        }
        if r["events"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = r["events"]["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }
    assert_eq!(seen.len(), 8, "every event once");
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 8);

    let all = app.ok(PAGE, json!({})).await;
    let first = &edges(&all)[0];
    assert_eq!(first["node"]["eventType"], "DepartmentEstablished");
    assert_eq!(first["node"]["stream"]["aggregateId"], a);
    assert_eq!(first["node"]["actor"], "supervisor:test");
    assert!(first["node"]["payload"]["DepartmentEstablished"].is_object());
    let cursors: Vec<String> = edges(&all)
        .iter()
        .map(|e| e["cursor"].as_str().unwrap_or_default().to_owned())
        .collect();
    let parsed: Vec<Cursor> = cursors
        .iter()
        .map(|c| c.parse().expect("a cursor"))
        .collect();
    assert!(
        parsed.windows(2).all(|w| w[0] < w[1]),
        "cursors increase in the global order"
    );
    let rest = app.ok(PAGE, json!({ "after": cursors[4] })).await;
    assert_eq!(
        edges(&rest).len(),
        3,
        "resuming after the fifth returns the last three"
    );
    let empty = app.ok(PAGE, json!({ "after": cursors[7] })).await;
    assert_eq!(edges(&empty).len(), 0);
    assert_eq!(
        empty["events"]["pageInfo"]["endCursor"],
        json!(cursors[7]),
        "an empty page keeps the cursor"
    );
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn filters_select_by_type_and_department(pool: PgPool) {
    let app = TestApp::new(pool);
    let (a, b) = two_departments(&app).await;
    let r = app
        .ok(
            PAGE,
            json!({ "filter": { "eventType": "DepartmentEstablished" } }),
        )
        .await;
    assert_eq!(edges(&r).len(), 2);
    let r = app
        .ok(PAGE, json!({ "filter": { "departmentId": b } }))
        .await;
    assert_eq!(edges(&r).len(), 4);
    assert!(edges(&r)
        .iter()
        .all(|e| e["node"]["stream"]["aggregateId"] == json!(b)));
    let r = app.ok(PAGE, json!({ "filter": { "departmentIds": [a, b], "eventTypes": ["MainDutyDefined"], "aggregateType": "department" } })).await;
    assert_eq!(edges(&r).len(), 6);
    let r = app
        .ok(PAGE, json!({ "filter": { "aggregateType": "power_item" } }))
        .await;
    assert_eq!(edges(&r).len(), 0);
    for bad in [
        json!({ "departmentId": "nope" }),
        json!({ "eventType": "Drop Table" }),
    ] {
        let r = app.gql(PAGE, json!({ "filter": bad })).await;
        assert_eq!(error_code(&r), Some("BAD_USER_INPUT"), "{bad}: {r:#}");
    }
    for (first, after) in [
        (json!(0), json!(null)),
        (json!(1001), json!(null)),
        (json!(10), json!("c1zz")),
    ] {
        let r = app
            .gql(PAGE, json!({ "first": first, "after": after }))
            .await;
        assert_eq!(error_code(&r), Some("BAD_USER_INPUT"), "{r:#}");
    }
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn who_may_read_the_feed(pool: PgPool) {
    let app = TestApp::new(pool);
    let (a, b) = two_departments(&app).await;
    let count = |r: &Value| edges(&r["data"]).len();
    let r = app
        .gql_as(&actor(Role::Reviewer, &[]), PAGE, json!({}))
        .await;
    assert_eq!(count(&r), 8, "{r:#}");
    let r = app
        .gql_as(&actor(Role::Integrator, &[]), PAGE, json!({}))
        .await;
    assert_eq!(count(&r), 8);
    let limited = actor(Role::Integrator, &[&a]);
    let r = app.gql_as(&limited, PAGE, json!({})).await;
    assert_eq!(
        count(&r),
        4,
        "an integrator limited to a department sees only it"
    );
    let r = app
        .gql_as(&limited, PAGE, json!({ "filter": { "departmentId": b } }))
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"));
    let r = app
        .gql_as(&actor(Role::Clerk, &[&a]), PAGE, json!({}))
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"));
    let sub = async_graphql::Request::new("subscription { events { cursor } }").data(
        dutyledger_api::context::RequestContext::new(actor(Role::Clerk, &[&a])),
    );
    let first = app
        .schema
        .execute_stream(sub)
        .next()
        .await
        .expect("a response");
    assert_eq!(
        first.errors[0]
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .map(ToString::to_string)
            .as_deref(),
        Some("\"FORBIDDEN\"")
    );
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_subscription_replays_then_streams_live(pool: PgPool) {
    let app = TestApp::new(pool);
    let (a, _) = two_departments(&app).await;
    let request = async_graphql::Request::new(
        "subscription($f: EventFilter) { events(filter: $f) { cursor eventType stream { sequence } } }",
    )
    .variables(async_graphql::Variables::from_json(json!({ "f": { "departmentId": a } })))
    .data(dutyledger_api::context::RequestContext::new(actor(Role::Integrator, &[])));
    let mut stream = app.schema.execute_stream(request);
    let mut sequences = Vec::new();
    for _ in 0..4 {
        let r = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("replayed")
            .expect("item");
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let v = r.data.into_json().expect("json");
        sequences.push(v["events"]["stream"]["sequence"].as_i64().unwrap_or(0));
    }
    // Live: two more commits reach the subscriber.
    for n in 3..5 {
        app.gql(
            "mutation($d: ID!, $t: String!) { defineMainDuty(input: {departmentId: $d, text: $t}) { events } }",
            json!({ "d": a, "t": format!("职责{n}") }),
        )
        .await;
    }
    for _ in 0..2 {
        let r = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("live")
            .expect("item");
        let v = r.data.into_json().expect("json");
        sequences.push(v["events"]["stream"]["sequence"].as_i64().unwrap_or(0));
    }
    assert_eq!(sequences, vec![1, 2, 3, 4, 5, 6]);
}

/// Many writers commit out of order (transactions held open for random times) and some roll
/// back, while a reader follows the feed: it sees every committed event exactly once, none
/// of the rolled-back ones, in the order of their cursors.
#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn no_event_is_skipped_or_repeated_under_concurrent_writers(pool: PgPool) {
    const WRITERS: usize = 12;
    const TRANSACTIONS: usize = 15;
    let writers: Vec<_> = (0..WRITERS as u64)
        .map(|w| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let mut committed = Vec::new();
                let mut seed = (w + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                let mut next = move || {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed
                };
                for t in 0..TRANSACTIONS {
                    let mut tx = pool.begin().await.expect("begin");
                    let n = 1 + next() % 3;
                    let mut ids = Vec::new();
                    for i in 0..n {
                        let id = uuid::Uuid::new_v4();
                        sqlx::query(
                            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata, event_id) \
                             VALUES ('probe', $1, $2, 'Probe', '1', '{}', '{\"actor\": \"t\", \"request_id\": \"r\"}', $3)",
                        )
                        .bind(format!("w{w}"))
                        .bind((t * 10 + i as usize) as i64)
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .expect("insert");
                        ids.push(id);
                        tokio::time::sleep(Duration::from_millis(next() % 15)).await;
                    }
                    tokio::time::sleep(Duration::from_millis(next() % 25)).await;
                    if next() % 4 == 0 {
                        tx.rollback().await.expect("rollback");
                    } else {
                        tx.commit().await.expect("commit");
                        committed.extend(ids);
                    }
                }
                committed
            })
        })
        .collect();

    let reader = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut conn = pool.acquire().await.expect("conn");
            let mut cursor: Option<Cursor> = None;
            let mut seen = Vec::new();
            let mut quiet = 0;
            let filter = FeedFilter::default();
            loop {
                let batch = read_feed(&mut conn, cursor, 7, &filter)
                    .await
                    .expect("read");
                if batch.is_empty() {
                    quiet += 1;
                    if quiet > 100 {
                        return seen;
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
                quiet = 0;
                for e in batch {
                    if let Some(c) = cursor {
                        assert!(e.cursor > c, "cursors strictly increase");
                    }
                    cursor = Some(e.cursor);
                    seen.push(e.event_id);
                }
            }
        })
    };
    let mut committed = Vec::new();
    for w in writers {
        committed.extend(w.await.expect("writer"));
    }
    let seen = reader.await.expect("reader");
    let seen_set: BTreeSet<_> = seen.iter().copied().collect();
    assert_eq!(seen.len(), seen_set.len(), "no event delivered twice");
    let committed_set: BTreeSet<_> = committed.iter().copied().collect();
    let missing = committed_set.difference(&seen_set).count();
    let extra = seen_set.difference(&committed_set).count();
    assert_eq!(
        (missing, extra),
        (0, 0),
        "exactly the committed events: {missing} skipped, {extra} not committed"
    );
    assert!(
        committed.len() > 50,
        "the test did write: {}",
        committed.len()
    );
}
