//! Findings, rectification orders and formal reviews (issue 16) end to end through GraphQL: the
//! loop round → finding → order → answer → returned → answered → accepted, and round → score
//! → review → changed score, each step checked with `asOf` before and after it; the reviewer's
//! question "which orders were open and overdue on that day, as known then" checked against a
//! replay of the log; orders feeding the next round's sources; and the access matrix of every
//! supervision and rectification mutation and query for every role.
//!
//! - [`orders`]: the order loop, and open and overdue orders on a day checked against a replay.
//! - [`reviews`]: round → score → review → changed score.
//! - [`access`]: the access matrix.

mod access;
mod orders;
mod reviews;

use chrono::Utc;
use dutyledger_api::auth::Actor;
use dutyledger_api::context::RequestContext;
use dutyledger_tests::TestApp;
use serde_json::{json, Value};

use crate::supervision::{advance, department, planned, SCORE};

const ORDER: &str = r#"query($id: ID!, $asOf: AsOf) { rectificationOrder(id: $id, asOf: $asOf) {
    id departmentId findingIds status dueAt overdue answers returns measures returnedBecause
    attachments { fileName sha256 size } } }"#;
const ORDERS: &str = r#"query($d: String, $s: [OrderStatus!], $o: Boolean, $asOf: AsOf) {
    rectificationOrders(departmentId: $d, status: $s, overdue: $o, asOf: $asOf) { id status dueAt overdue } }"#;
const FINDINGS: &str = r#"query($r: ID, $d: String, $asOf: AsOf) { findings(roundId: $r, departmentId: $d, asOf: $asOf) {
    id departmentId kind severity description taskId proposal dismissed reviews { requestId outcome overdue } } }"#;

async fn calendar(app: &TestApp) {
    let ctx = RequestContext::new(Actor::system("test"));
    dutyledger_api::import::calendar::load_shipped(&app.state, &ctx)
        .await
        .expect("calendar");
}

fn now() -> String {
    Utc::now().to_rfc3339()
}

async fn mutate(app: &TestApp, who: &Actor, field: &str, input_type: &str, input: Value) -> Value {
    let q = format!("mutation($i: {input_type}!) {{ {field}(input: $i) {{ __typename }} }}");
    app.gql_as(who, &q, json!({ "i": input })).await
}

fn ok(r: &Value) {
    assert!(r.get("errors").is_none(), "{r:#}");
}

async fn order_at(app: &TestApp, id: &str, known_at: &str) -> Value {
    app.ok(ORDER, json!({"id": id, "asOf": {"knownAt": known_at}}))
        .await["rectificationOrder"]
        .clone()
}

/// Two departments in a round `r1` (scored, in online analysis); d1 has a task no post holds.
async fn round(app: &TestApp) -> (String, String) {
    let d1 = department(app, "74000001", false).await;
    let d2 = department(app, "74000002", true).await;
    planned(app, &d1, &d2).await;
    ok(&advance(app, "r1", "ONLINE_ANALYSIS").await);
    app.ok(SCORE, json!({"i": {"roundId": "r1"}})).await;
    (d1, d2)
}
