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

/// A page of `events` that names each event's stream.
const STREAMS: &str = r#"query($after: String, $first: Int, $filter: EventFilter) {
  events(after: $after, first: $first, filter: $filter) {
    edges { cursor node { eventType eventId stream { aggregateType aggregateId } } }
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

// ---- Every event knows the departments it concerns (issue 12, item 5; ADR 0010) ----

/// Every page of `events` with `variables["filter"]`, as `actor`.
async fn every_page(
    app: &TestApp,
    as_actor: &dutyledger_api::auth::Actor,
    filter: Value,
) -> Vec<Value> {
    let mut after: Option<String> = None;
    let mut all = Vec::new();
    loop {
        let r = app
            .gql_as(
                as_actor,
                STREAMS,
                json!({ "after": after, "first": 1000, "filter": filter }),
            )
            .await;
        assert!(r.get("errors").is_none(), "{r:#}");
        all.extend(edges(&r["data"]));
        if r["data"]["events"]["pageInfo"]["hasNextPage"] != true {
            return all;
        }
        after = r["data"]["events"]["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }
}

/// Waits until no committed event is held back by an older open transaction on the server
/// (any database's), so that a read of the feed sees every event written so far.
async fn wait_for_horizon(pool: &PgPool) {
    let mut conn = pool.acquire().await.expect("conn");
    for _ in 0..3000 {
        let held = dutyledger_projections::event_log::held_back(&mut conn, None)
            .await
            .expect("held back?");
        if !held {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the horizon did not pass the test's events in 30 s");
}

/// The next item of a subscription of `events` (within 10 s), without errors.
async fn next_event<S>(stream: &mut S) -> Value
where
    S: futures::Stream<Item = async_graphql::Response> + Unpin,
{
    let r = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("an event in time")
        .expect("item");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    r.data.into_json().expect("json")["events"].clone()
}

/// Every event `read_feed` returns for `filter`, in pages of `limit`: (stream id, event type,
/// event id).
async fn read_all(
    conn: &mut sqlx::PgConnection,
    filter: &FeedFilter,
    limit: i64,
) -> Vec<(String, String, uuid::Uuid)> {
    let mut cursor = None;
    let mut out = Vec::new();
    loop {
        let batch = read_feed(conn, cursor, limit, filter).await.expect("read");
        let Some(last) = batch.last() else {
            return out;
        };
        cursor = Some(last.cursor);
        out.extend(
            batch
                .into_iter()
                .map(|e| (e.aggregate_id, e.event_type, e.event_id)),
        );
    }
}

const FOOD_MATTER: &str = "food-safety-edible-farm-products";
const SECTIONS_MATTER: &str = "msb-registration-food-licensing";

fn stream_of(e: &Value) -> (String, String) {
    let s = &e["node"]["stream"];
    (
        s["aggregateType"].as_str().unwrap_or_default().to_owned(),
        s["aggregateId"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Whether an edge's event concerns `department`, by what its stream is.
fn concerns(e: &Value, department: &str, matters: &[&str]) -> bool {
    let (kind, id) = stream_of(e);
    match kind.as_str() {
        "department" => id == department,
        "performance_record" => id.starts_with(&format!("{department}/")),
        "boundary_matter" => matters.contains(&id.as_str()),
        _ => false,
    }
}

async fn count_of(pool: &PgPool, sql: &str, department: &str) -> usize {
    let n: i64 = sqlx::query_scalar(sql)
        .bind(department)
        .fetch_one(pool)
        .await
        .expect("count");
    n as usize
}

/// The derivation of migration 0009 (from the stored events) and what the application wrote at
/// append (from the aggregates' states) agree row for row, for the streams the migration knows
/// (those that existed before it).
async fn assert_derivation_agrees(pool: &PgPool) {
    let differ: i64 = sqlx::query_scalar(
        "WITH written AS ( \
           SELECT w.* FROM event_departments w JOIN events e ON e.position = w.position \
           WHERE e.aggregate_type IN ('department', 'performance_record', 'boundary_matter')) \
         SELECT count(*) FROM ( \
           (SELECT * FROM event_departments_derived() EXCEPT ALL SELECT * FROM written) \
           UNION ALL \
           (SELECT * FROM written EXCEPT ALL SELECT * FROM event_departments_derived())) d",
    )
    .fetch_one(pool)
    .await
    .expect("compare");
    let written: i64 = sqlx::query_scalar("SELECT count(*) FROM event_departments")
        .fetch_one(pool)
        .await
        .expect("count");
    assert!(written > 0);
    assert_eq!(
        differ, 0,
        "the migration's derivation and the writers agree"
    );
}

/// A subscription filtered to the market supervision bureau receives its own events, its
/// performance records (recorded by the batch ingest, voided by the command path) and the
/// boundary matters it is a party to (the food-safety ruling included), replayed and live, and
/// nothing else; the `events` query with the same filter returns the same events.
#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_department_filter_follows_its_records_and_boundary_matters(pool: PgPool) {
    use dutyledger_api::seed::{self, AGRICULTURE, MARKET_SUPERVISION};
    let app = TestApp::new(pool.clone());
    seed::seed(&app.state).await.expect("seed");
    wait_for_horizon(&pool).await;
    let msb = MARKET_SUPERVISION.credit_code().expect("code").to_string();
    let nyj = AGRICULTURE.credit_code().expect("code").to_string();
    assert_eq!(msb, "11371300004350120P");
    assert_derivation_agrees(&pool).await;

    let filter = json!({ "departmentId": msb });
    let integrator = actor(Role::Integrator, &[]);
    let page = every_page(&app, &integrator, filter.clone()).await;
    let matters = [FOOD_MATTER, SECTIONS_MATTER];
    assert!(
        page.iter().all(|e| concerns(e, &msb, &matters)),
        "only events that concern the bureau"
    );
    let records = count_of(
        &pool,
        "SELECT count(*) FROM events WHERE aggregate_type = 'performance_record' AND aggregate_id LIKE $1 || '/%'",
        &msb,
    )
    .await;
    let own = count_of(
        &pool,
        "SELECT count(*) FROM events WHERE aggregate_type = 'department' AND aggregate_id = $1",
        &msb,
    )
    .await;
    let boundary: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = 'boundary_matter' AND aggregate_id = ANY($1)",
    )
    .bind(&matters[..])
    .fetch_one(&pool)
    .await
    .expect("count");
    assert!(
        records > 100 && own > 10 && boundary >= 3,
        "{records} {own} {boundary}"
    );
    let of_kind = |kind: &str| page.iter().filter(|e| stream_of(e).0 == kind).count();
    assert_eq!(
        of_kind("performance_record"),
        records,
        "every record of the bureau"
    );
    assert_eq!(of_kind("department"), own, "every event of its own stream");
    assert_eq!(
        of_kind("boundary_matter"),
        boundary as usize,
        "every event of its matters"
    );
    assert_eq!(page.len(), records + own + boundary as usize);
    assert!(
        page.iter()
            .any(|e| stream_of(e).1 == FOOD_MATTER && e["node"]["eventType"] == "MatterRuled"),
        "the food-safety ruling"
    );
    let cursors: Vec<Cursor> = page
        .iter()
        .map(|e| {
            e["cursor"]
                .as_str()
                .unwrap_or_default()
                .parse()
                .expect("cursor")
        })
        .collect();
    assert!(cursors.windows(2).all(|w| w[0] < w[1]), "in global order");

    // The subscription replays exactly the same events, in the same order.
    let request = async_graphql::Request::new(
        "subscription($f: EventFilter) { events(filter: $f) { cursor eventType eventId stream { aggregateType aggregateId } } }",
    )
    .variables(async_graphql::Variables::from_json(json!({ "f": filter })))
    .data(dutyledger_api::context::RequestContext::new(integrator.clone()));
    let mut stream = app.schema.execute_stream(request);
    for expected in &page {
        let got = next_event(&mut stream).await;
        assert_eq!(got["eventId"], expected["node"]["eventId"]);
    }
    // Live: a dispute of the food-safety matter raised by the other party (an event that
    // names no department of its own) and a void of one of the bureau's records (the command
    // path) reach it; an event of another department's own stream does not.
    let r = app
        .gql(
            "mutation($d: ID!) { defineMainDuty(input: {departmentId: $d, text: \"新增职责\"}) { events } }",
            json!({ "d": nyj }),
        )
        .await;
    assert!(r.get("errors").is_none(), "{r:#}");
    let r = app
        .gql(
            "mutation($m: ID!) { raiseBoundaryDispute(input: {matterId: $m, partyId: \"nyj\", grounds: \"产地准出与市场准入衔接不清\"}) { events } }",
            json!({ "m": FOOD_MATTER }),
        )
        .await;
    assert!(r.get("errors").is_none(), "{r:#}");
    let record = page
        .iter()
        .find(|e| stream_of(e).0 == "performance_record")
        .map(|e| stream_of(e).1)
        .expect("a record");
    let record_id = record
        .split_once('/')
        .map(|(_, id)| id.to_owned())
        .unwrap_or_default();
    let r = app
        .gql(
            r#"mutation($input: VoidWorkRecordInput!) { voidWorkRecord(input: $input) { events } }"#,
            json!({ "input": { "departmentId": msb, "recordId": record_id, "reason": "重复录入" } }),
        )
        .await;
    assert!(r.get("errors").is_none(), "{r:#}");
    let dispute = next_event(&mut stream).await;
    assert_eq!(dispute["eventType"], "DisputeRaised");
    assert_eq!(dispute["stream"]["aggregateId"], FOOD_MATTER);
    let void = next_event(&mut stream).await;
    assert_eq!(void["eventType"], "WorkRecordVoided");
    assert_eq!(void["stream"]["aggregateId"], json!(record));

    // The query agrees, and the writers still agree with the migration's derivation.
    wait_for_horizon(&pool).await;
    let after = every_page(&app, &integrator, filter).await;
    assert_eq!(after.len(), page.len() + 2);
    assert_derivation_agrees(&pool).await;
}

/// An integrator whose token is limited to the agriculture bureau receives its events and the
/// food-safety matter it is a party to, and none of the market supervision bureau's records
/// (nor its own stream, nor the matter between its sections), over HTTP with a real token and
/// in a subscription.
#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn an_integrator_limited_to_a_department_gets_only_what_concerns_it(pool: PgPool) {
    use axum::body::Body;
    use axum::http::{header, Request};
    use dutyledger_api::seed::{self, AGRICULTURE, MARKET_SUPERVISION};
    use tower::ServiceExt;
    let app = TestApp::new(pool.clone());
    seed::seed(&app.state).await.expect("seed");
    wait_for_horizon(&pool).await;
    let msb = MARKET_SUPERVISION.credit_code().expect("code").to_string();
    let nyj = AGRICULTURE.credit_code().expect("code").to_string();
    let token = app.token(Role::Integrator, &[&nyj]);

    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let body = json!({ "query": STREAMS, "variables": { "after": after, "first": 1000 } });
        let request = Request::post("/graphql")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        let response = app.router().oneshot(request).await.expect("answer");
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let r: Value = serde_json::from_slice(&bytes).expect("json");
        assert!(r.get("errors").is_none(), "{r:#}");
        seen.extend(edges(&r["data"]));
        if r["data"]["events"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = r["data"]["events"]["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }
    assert!(
        seen.iter().all(|e| concerns(e, &nyj, &[FOOD_MATTER])),
        "only what concerns the agriculture bureau"
    );
    assert!(
        !seen.iter().any(|e| concerns(e, &msb, &[SECTIONS_MATTER])),
        "none of the market supervision bureau's records or streams"
    );
    let records = count_of(
        &pool,
        "SELECT count(*) FROM events WHERE aggregate_type = 'performance_record' AND aggregate_id LIKE $1 || '/%'",
        &nyj,
    )
    .await;
    assert!(records > 0);
    assert_eq!(
        seen.iter()
            .filter(|e| stream_of(e).0 == "performance_record")
            .count(),
        records,
        "its own records, all of them"
    );
    assert!(seen
        .iter()
        .any(|e| stream_of(e).1 == FOOD_MATTER && e["node"]["eventType"] == "MatterRuled"));
    // Asking for the other bureau is refused.
    let r = app
        .gql_as(
            &actor(Role::Integrator, &[&nyj]),
            PAGE,
            json!({ "filter": { "departmentId": msb } }),
        )
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"));

    // The subscription of the same integrator replays the same events.
    let request = async_graphql::Request::new("subscription { events { eventId } }").data(
        dutyledger_api::context::RequestContext::new(actor(Role::Integrator, &[&nyj])),
    );
    let mut stream = app.schema.execute_stream(request);
    for expected in &seen {
        let r = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("an event in time")
            .expect("item");
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let v = r.data.into_json().expect("json");
        assert_eq!(v["events"]["eventId"], expected["node"]["eventId"]);
    }
}

/// Events stored before migration 0009 are found by the department filter after it: a
/// database at 0008 gets events as the previous version wrote them (no departments recorded),
/// then 0009 runs; events appended afterwards (by the event store, on a matter registered
/// before) join them.
#[sqlx::test(migrations = false)]
async fn events_stored_before_the_migration_are_found_by_department(pool: PgPool) {
    use cqrs_es::DomainEvent;
    use dutyledger_domain::boundary::{
        BoundaryCommand, BoundaryMatter, MatterKind, Mechanism, Party, PartyRole, Role as R,
        Ruling, Stage,
    };
    use dutyledger_domain::department::{Department, DepartmentCommand};
    use dutyledger_domain::metadata::CommandMetadata;
    use dutyledger_domain::performance::{PerformanceEvent, Quantity, Source, WorkRecord};
    use dutyledger_domain::timeline::Decide;
    use dutyledger_domain::values::{
        BodyKind, CreditCode, DepartmentLevel, DivisionCode, EntityId, Name, Text,
    };
    use dutyledger_projections::db::MIGRATOR;
    use dutyledger_projections::event_log::EventStore;
    use sqlx::migrate::Migrate;

    // The schema as it was before 0009.
    {
        let mut conn = pool.acquire().await.expect("conn");
        conn.ensure_migrations_table().await.expect("table");
        for m in MIGRATOR.iter().filter(|m| m.version < 9) {
            conn.apply(m).await.expect("apply");
        }
    }
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('event_departments') IS NOT NULL")
        .fetch_one(&pool)
        .await
        .expect("probe");
    assert!(!exists, "before 0009");

    fn decided<A: Decide>(state: &mut A, command: A::Command) -> Vec<A::Event>
    where
        A::Error: std::fmt::Debug,
    {
        let events = state.decide(command).expect("accepted");
        for e in &events {
            state.evolve(e.clone());
        }
        events
    }
    async fn store_old<E: DomainEvent>(pool: &PgPool, kind: &str, id: &str, events: &[E]) {
        for (n, e) in events.iter().enumerate() {
            sqlx::query(
                "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
                 VALUES ($1, $2, $3, $4, $5, $6, '{\"actor\": \"system:old\", \"request_id\": \"r\"}')",
            )
            .bind(kind)
            .bind(id)
            .bind(n as i64 + 1)
            .bind(e.event_type())
            .bind(e.event_version())
            .bind(serde_json::to_value(e).expect("payload"))
            .execute(pool)
            .await
            .expect("insert as before 0009");
        }
    }
    let name = |s: &str| Name::parse(s).expect("name");
    let text = |s: &str| Text::parse(s).expect("text");
    let eid = |s: &str| EntityId::parse(s).expect("id");
    let code = |body: &str| CreditCode::from_parts('1', '1', "371300", body).expect("code");
    let (a, b, c) = (code("80000001"), code("80000002"), code("80000003"));
    for (d, duties) in [(&a, 2), (&b, 1), (&c, 1)] {
        let mut state = Department::default();
        let mut events = decided(
            &mut state,
            DepartmentCommand::EstablishDepartment {
                id: d.clone(),
                name: name("临沂市迁移测试局"),
                division: DivisionCode::parse("371300000000").expect("division"),
                level: DepartmentLevel::City,
                sector: name("测试"),
                kind: BodyKind::GovernmentDepartment,
            },
        );
        for n in 0..duties {
            events.extend(decided(
                &mut state,
                DepartmentCommand::DefineMainDuty {
                    duty_id: eid(&format!("md-{n}")),
                    text: text("负责测试工作"),
                },
            ));
        }
        store_old(&pool, "department", d.as_str(), &events).await;
    }
    // A matter between A and B, registered and ruled.
    let party = |p: &str, d: &CreditCode| Party {
        party_id: eid(p),
        department_id: d.clone(),
        unit_id: None,
    };
    let mut matter = BoundaryMatter::default();
    let mut events = decided(
        &mut matter,
        BoundaryCommand::RegisterMatter {
            kind: MatterKind::BetweenDepartments,
            field: name("食品安全"),
            title: name("迁移前的边界事项"),
            description: None,
            parties: vec![party("a", &a), party("b", &b)],
        },
    );
    events.extend(decided(
        &mut matter,
        BoundaryCommand::RuleMatter {
            ruling: Ruling {
                stages: vec![Stage {
                    name: name("全过程"),
                    roles: vec![
                        PartyRole {
                            party_id: eid("a"),
                            role: R::Lead,
                            duty: text("牵头"),
                        },
                        PartyRole {
                            party_id: eid("b"),
                            role: R::Cooperating,
                            duty: text("配合"),
                        },
                    ],
                }],
                basis: text("依据"),
                mechanisms: vec![Mechanism::JointMeeting],
            },
        },
    ));
    store_old(&pool, "boundary_matter", "old-matter", &events).await;
    // A record of C, recorded then voided.
    let record = WorkRecord {
        record_id: eid("rec-1"),
        department_id: c.clone(),
        unit_id: eid("u1"),
        post_id: eid("p1"),
        task_id: eid("t1"),
        region: DivisionCode::parse("371302001000").expect("region"),
        level: DepartmentLevel::City,
        sector: name("测试"),
        occurred_at: chrono::Utc::now(),
        quantity: Quantity::parse(1).expect("quantity"),
        time_taken_days: None,
        on_time: Some(true),
        source: Source::DailyEntry,
    };
    store_old(
        &pool,
        "performance_record",
        &record.stream_id(),
        &[
            PerformanceEvent::WorkRecorded {
                record: record.clone(),
            },
            PerformanceEvent::WorkRecordVoided {
                previous: record.clone(),
                reason: text("重复"),
            },
        ],
    )
    .await;

    MIGRATOR.run(&pool).await.expect("migrate to the end");

    // After the migration, through the event store: a dispute on the matter registered before
    // it (the event names no department; the state knows the parties).
    let store = EventStore::new(pool.clone());
    let meta = CommandMetadata::new("system:test", "after-0009");
    store
        .execute::<BoundaryMatter>(
            "old-matter",
            BoundaryCommand::RaiseDispute {
                dispute_id: eid("d1"),
                party_id: eid("b"),
                reason: text("异议"),
            },
            &meta,
        )
        .await
        .expect("dispute");
    assert_derivation_agrees(&pool).await;
    wait_for_horizon(&pool).await;

    let mut conn = pool.acquire().await.expect("conn");
    let read = |departments: &[&CreditCode], types: Option<&[&str]>, limit: i64| {
        let filter = FeedFilter {
            aggregate_types: None,
            event_types: types.map(|t| t.iter().map(|s| (*s).to_owned()).collect()),
            departments: Some(departments.iter().map(|d| d.to_string()).collect()),
        };
        (filter, limit)
    };
    let kinds = |v: &[(String, String, uuid::Uuid)]| {
        v.iter()
            .map(|(_, t, _)| t.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };

    let (f, l) = read(&[&a], None, 100);
    let of_a = read_all(&mut conn, &f, l).await;
    assert_eq!(
        kinds(&of_a),
        "DepartmentEstablished,MainDutyDefined,MainDutyDefined,MatterRegistered,MatterRuled,DisputeRaised"
    );
    let (f, l) = read(&[&b], None, 100);
    assert_eq!(
        kinds(&read_all(&mut conn, &f, l).await),
        "DepartmentEstablished,MainDutyDefined,MatterRegistered,MatterRuled,DisputeRaised"
    );
    let (f, l) = read(&[&c], None, 100);
    let of_c = read_all(&mut conn, &f, l).await;
    assert_eq!(
        kinds(&of_c),
        "DepartmentEstablished,MainDutyDefined,WorkRecorded,WorkRecordVoided"
    );
    assert_eq!(of_c[2].0, format!("{c}/rec-1"));
    // Two departments in pages of two: the matter's events once each, none skipped.
    let (f, l) = read(&[&a, &b], None, 2);
    let of_both = read_all(&mut conn, &f, l).await;
    assert_eq!(of_both.len(), 3 + 2 + 3, "{of_both:#?}");
    assert_eq!(
        of_both.iter().map(|e| e.2).collect::<BTreeSet<_>>().len(),
        of_both.len()
    );
    let (f, l) = read(&[&a, &c], Some(&["MatterRuled", "WorkRecordVoided"]), 1);
    assert_eq!(
        kinds(&read_all(&mut conn, &f, l).await),
        "MatterRuled,WorkRecordVoided"
    );
}
