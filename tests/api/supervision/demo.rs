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

/// A whole round through GraphQL on the demo data (the demo structure, records, boundary
/// matters and charts; not the demo round): the Linyi-shaped scheme published, a round planned
/// with the departments' classes, scored, a manual indicator scored on site, published; several
/// scores checked by hand from the underlying records and structure.
#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_whole_round_through_graphql_on_the_demo_data(pool: PgPool) {
    use dutyledger_api::seed;
    let app = TestApp::new(pool);
    seed::seed(&app.state).await.expect("seed");
    let (_, text) = dutyledger_domain::scheme::SHIPPED[1];
    let definition: Value = serde_json::from_str(text).expect("json");
    app.ok(
        super::PUBLISH,
        json!({"i": {"schemeId": "linyi", "definition": definition}}),
    )
    .await;
    let classes = ["综合管理类", "经济调节类", "社会管理类", "综合管理类"];
    let codes: Vec<String> = seed::DEPARTMENTS
        .iter()
        .map(|d| d.credit_code().expect("code").to_string())
        .collect();
    let scope: Vec<Value> = codes
        .iter()
        .zip(classes)
        .map(|(d, c)| json!({"departmentId": d, "departmentClass": c}))
        .collect();
    app.ok(
        super::PLAN,
        json!({"i": {"roundId": "demo-2025", "name": "2025年度专项监管", "schemeId": "linyi",
        "mode": "SPECIAL", "periodFrom": "2025-01-01", "periodTo": "2025-12-31", "scope": scope}}),
    )
    .await;
    app.ok(
        super::ADVANCE,
        json!({"i": {"roundId": "demo-2025", "stage": "ONLINE_ANALYSIS"}}),
    )
    .await;
    app.ok(super::SCORE, json!({"i": {"roundId": "demo-2025"}}))
        .await;
    app.ok(
        super::ADVANCE,
        json!({"i": {"roundId": "demo-2025", "stage": "ON_SITE_VERIFICATION"}}),
    )
    .await;
    app.ok(super::ADJUST, json!({"i": {"roundId": "demo-2025", "departmentId": codes[0], "indicatorId": "effect.onsite",
        "points": 8.5, "basis": "实地核验：查阅档案、座谈5人"}}))
        .await;
    app.ok(
        super::ADVANCE,
        json!({"i": {"roundId": "demo-2025", "stage": "OVERALL_EVALUATION"}}),
    )
    .await;
    let s = scores(&app, "demo-2025", Value::Null).await;
    assert_eq!(s.as_array().map(Vec::len), Some(4));
    for (d, class) in codes.iter().zip(classes) {
        // On-time rate by hand from the 2025 performance figures: linear 60..100 on the class's
        // weight (综合管理类 10, else 15).
        let perf = app
            .ok(
                "query($d: String!) { performance(filter: {departmentId: $d, from: \"2025-01-01\", to: \"2025-12-31\"}) { totals { timed onTime } } }",
                json!({"d": d}),
            )
            .await;
        let t = &perf["performance"]["totals"];
        let (timed, on_time) = (
            t["timed"].as_i64().expect("timed"),
            t["onTime"].as_i64().expect("on time"),
        );
        let weight = if class == "综合管理类" {
            1000
        } else {
            1500
        };
        let pct = on_time * 10_000 / timed;
        let expected = (weight * (pct - 6000).clamp(0, 4000) / 4000) as f64 / 100.0;
        assert_eq!(points(&s, d, "process.on_time"), json!(expected), "{d}");
        // Post coverage by hand from the structure at the period's end: linear 60..100 on 10.
        let coverage = app
            .ok(
                "query($d: ID!) { department(id: $d, asOf: {validAt: \"2025-12-31T12:00:00+08:00\"}) { tasks { id } coverage { tasksWithoutPosts { id } } } }",
                json!({"d": d}),
            )
            .await;
        let tasks = coverage["department"]["tasks"]
            .as_array()
            .map_or(0, Vec::len) as i64;
        let unheld = coverage["department"]["coverage"]["tasksWithoutPosts"]
            .as_array()
            .map_or(0, Vec::len) as i64;
        let pct = (tasks - unheld) * 10_000 / tasks;
        let expected = (1000 * (pct - 6000).clamp(0, 4000) / 4000) as f64 / 100.0;
        assert_eq!(points(&s, d, "foundation.posts"), json!(expected), "{d}");
    }
    assert_eq!(points(&s, &codes[0], "effect.onsite"), json!(8.5));
    // Ranks follow the totals.
    let totals: Vec<f64> = s
        .as_array()
        .expect("scores")
        .iter()
        .map(|x| x["total"].as_f64().expect("total"))
        .collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
    assert_eq!(s[0]["rank"], 1);
}
