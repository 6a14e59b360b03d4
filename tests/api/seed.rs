//! The Linyi demo data: loads through the real command path, reads back through GraphQL, and a
//! second run changes nothing.

use dutyledger_api::seed::{self, MARKET_SUPERVISION};
use dutyledger_domain::values::CreditCode;
use dutyledger_tests::TestApp;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn seed_builds_the_party_building_section_and_is_idempotent(pool: PgPool) {
    let app = TestApp::new(pool);
    let first = seed::seed(&app.state).await.expect("seed");
    assert!(first.events > 50, "{first:?}");
    assert!(first.records > 500, "{first:?}");
    let events = app.event_count().await;
    assert_eq!(events as usize, first.events + first.records);

    let second = seed::seed(&app.state).await.expect("seed again");
    assert_eq!(second.events, 0, "a second run appends nothing");
    assert_eq!(second.records, 0, "the records are all stored already");
    assert_eq!(app.event_count().await, events);

    // The demo records show in the performance views.
    let ranking = app
        .ok(
            r#"{ performanceRanking(filter: {from: "2025-01-01", to: "2025-12-31"}) {
                   rank departmentId figures { records onTimeRate } } }"#,
            json!({}),
        )
        .await;
    let ranked = ranking["performanceRanking"].as_array().expect("ranking");
    assert_eq!(ranked.len(), 4, "{ranking:#}");
    assert!(ranked
        .iter()
        .all(|r| r["figures"]["records"].as_i64() > Some(0)));

    let code = MARKET_SUPERVISION.credit_code().expect("valid");
    assert!(CreditCode::parse(code.as_str()).is_ok());
    let data = app
        .ok(
            r#"query($id: ID!) { department(id: $id) {
                 name
                 units { name duties { text tasks { id name posts { id name } } } posts { id } }
               } }"#,
            json!({ "id": code.to_string() }),
        )
        .await;
    let d = &data["department"];
    assert_eq!(d["name"], "临沂市市场监督管理局");
    let units = d["units"].as_array().expect("units");
    let party = units
        .iter()
        .find(|u| {
            u["duties"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|duty| duty["text"] == "负责局机关和直属单位党的建设和群团工作")
        })
        .expect("the party-building section");
    let tasks = party["duties"][0]["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), 7, "7 tasks");
    let mut holders: Vec<&str> = tasks
        .iter()
        .flat_map(|t| t["posts"].as_array().into_iter().flatten())
        .filter_map(|p| p["id"].as_str())
        .collect();
    holders.sort_unstable();
    holders.dedup();
    assert_eq!(holders.len(), 5, "held by 5 posts");
    assert_eq!(party["posts"].as_array().map(Vec::len), Some(5));
    assert!(tasks
        .iter()
        .all(|t| !t["posts"].as_array().is_some_and(Vec::is_empty)));

    let all = app.ok("{ departments { id name } }", json!({})).await;
    assert_eq!(all["departments"].as_array().map(Vec::len), Some(4));

    let powers = app
        .ok(
            r#"query($id: ID!) { powerList(departmentId: $id) { code kind tasks { id } } }"#,
            json!({ "id": code.to_string() }),
        )
        .await;
    let items = powers["powerList"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["kind"], "LICENSING");
    assert_eq!(items[0]["tasks"][0]["id"], "msb-food-t1");

    let boundary = app
        .ok(r#"query($id: ID!) { boundaryList(departmentId: $id) { matter { title ruling { stages { name lead { party { id } } } } } roles { stage role } } }"#,
            json!({ "id": code.to_string() }))
        .await;
    let matters = boundary["boundaryList"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let food = matters
        .iter()
        .find(|m| m["matter"]["title"] == "食用农产品质量安全监管职责边界")
        .expect("the food-safety matter");
    assert_eq!(
        food["matter"]["ruling"]["stages"][0]["lead"]["party"]["id"],
        "nyj"
    );
    assert_eq!(
        food["matter"]["ruling"]["stages"][1]["lead"]["party"]["id"],
        "scj"
    );
    assert_eq!(food["roles"][0]["role"], "COOPERATING");
    assert_eq!(food["roles"][1]["role"], "LEAD");
    let unruled = app
        .ok("{ unruledBoundaryMatters { title kind } }", json!({}))
        .await;
    assert_eq!(
        unruled["unruledBoundaryMatters"][0]["kind"],
        "BETWEEN_SECTIONS"
    );
}
