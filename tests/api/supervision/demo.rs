//! The demo round: published, its figures checked by hand.

use dutyledger_tests::TestApp;
use serde_json::{json, Value};
use sqlx::PgPool;

use super::{points, scores};

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn the_demo_round_is_published_and_checks_by_hand(pool: PgPool) {
    use dutyledger_api::seed;
    let app = TestApp::new(pool);
    seed::seed(&app.state).await.expect("seed");
    let first = seed::seed_supervision(&app.state)
        .await
        .expect("seed round");
    assert!(first.events > 0);
    let again = seed::seed_supervision(&app.state)
        .await
        .expect("seed round again");
    assert_eq!(again.events, 0, "a second run appends nothing");
    let round = app
        .ok(
            "{ rounds { id stage published scheme { id } scope { departmentId } } }",
            Value::Null,
        )
        .await;
    let r = &round["rounds"][0];
    assert_eq!(r["id"], seed::supervision::ROUND_ID);
    assert_eq!(r["published"], true);
    assert_eq!(r["stage"], "RECTIFICATION", "published, then rectification");
    assert_eq!(r["scheme"]["id"], "seed-7-21");
    let s = scores(&app, seed::supervision::ROUND_ID, Value::Null).await;
    assert_eq!(s.as_array().map(Vec::len), Some(4));
    // The demo of issue 16: the agriculture bureau's review changed a score; the approval
    // bureau's order was returned once, then accepted; the market bureau's is overdue; June's
    // 12345 tickets flagged the market bureau.
    let agriculture = seed::AGRICULTURE.credit_code().expect("code").to_string();
    assert_eq!(points(&s, &agriculture, "goals.key_tasks"), json!(10.0));
    let orders = app
        .ok(
            "{ rectificationOrders { id status overdue answers returns } }",
            Value::Null,
        )
        .await;
    assert_eq!(
        orders["rectificationOrders"],
        json!([
            {"id": "demo-order-approval", "status": "ACCEPTED", "overdue": false, "answers": 2, "returns": 1},
            {"id": "demo-order-market", "status": "OPEN", "overdue": true, "answers": 0, "returns": 0}
        ])
    );
    let market = seed::MARKET_SUPERVISION
        .credit_code()
        .expect("code")
        .to_string();
    let flags = app
        .ok(
            "{ keySupervisionFlags { departmentId periodFrom } }",
            Value::Null,
        )
        .await;
    assert!(
        flags["keySupervisionFlags"]
            .as_array()
            .expect("flags")
            .iter()
            .any(|f| f["departmentId"] == market),
        "{flags:#}"
    );
    for d in s.as_array().expect("scores") {
        let dept = d["departmentId"].as_str().expect("id");
        // On-time rate by hand, from the performance figures of 2025.
        let perf = app
            .ok(
                "query($d: String!) { performance(filter: {departmentId: $d, from: \"2025-01-01\", to: \"2025-12-31\"}) { totals { timed onTime } } }",
                json!({"d": dept}),
            )
            .await;
        let t = &perf["performance"]["totals"];
        let (timed, on_time) = (
            t["timed"].as_i64().expect("timed"),
            t["onTime"].as_i64().expect("on time"),
        );
        assert!(timed > 0, "{dept}");
        let pct = on_time * 10_000 / timed;
        let expected = (700 * (pct - 6000).clamp(0, 4000) / 4000) as f64 / 100.0;
        assert_eq!(
            points(&s, dept, "timeliness.on_time"),
            json!(expected),
            "{dept}"
        );
        // Tasks without posts by hand, from the department's coverage.
        let coverage = app
            .ok(
                "query($d: ID!) { department(id: $d, asOf: {validAt: \"2025-12-31T12:00:00+08:00\"}) { coverage { tasksWithoutPosts { id } } } }",
                json!({"d": dept}),
            )
            .await;
        let unheld = coverage["department"]["coverage"]["tasksWithoutPosts"]
            .as_array()
            .map_or(0, Vec::len) as f64;
        assert_eq!(
            points(&s, dept, "internal.posts_gaps"),
            json!((9.0 - unheld * 0.5).max(0.0)),
            "{dept}"
        );
        // The total is the sum of the top level.
        let top: f64 = d["indicators"]
            .as_array()
            .expect("indicators")
            .iter()
            .filter(|i| i["depth"] == 1)
            .filter_map(|i| i["points"].as_f64())
            .sum();
        assert!((d["total"].as_f64().expect("total") - top).abs() < 1e-9);
    }
}
