//! Bad schemes and plans are refused with their rule.

use dutyledger_tests::{credit_code, error_code, error_rule, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

use super::{advance, department, scheme, PLAN, PUBLISH, SCORE};

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn bad_schemes_and_plans_are_refused_with_their_rule(pool: PgPool) {
    let app = TestApp::new(pool);
    let d1 = department(&app, "72000011", true).await;
    let publish = |definition: Value| json!({"i": {"schemeId": "s1", "definition": definition}});
    let mut bad = scheme();
    bad["indicators"][0]["children"][0]["weight"] = json!(7);
    let r = app.gql(PUBLISH, publish(bad)).await;
    assert_eq!(error_rule(&r), Some("WEIGHTS_DO_NOT_SUM"), "{r:#}");
    let mut bad = scheme();
    bad["indicators"][1]["children"][0]["rule"]["source"] = json!("records.made_up");
    let r = app.gql(PUBLISH, publish(bad)).await;
    assert_eq!(error_rule(&r), Some("UNKNOWN_DATA_SOURCE"), "{r:#}");
    let r = app.gql(PUBLISH, publish(json!({"name": "x"}))).await;
    assert_eq!(error_rule(&r), Some("INVALID_SCHEME_FILE"), "{r:#}");
    let events = app.event_count().await;
    let r = app.gql(PUBLISH, publish(scheme())).await;
    assert_eq!(r["data"]["publishScheme"]["scheme"]["version"], 1, "{r:#}");
    let r = app.gql(PUBLISH, publish(scheme())).await;
    assert_eq!(
        r["data"]["publishScheme"]["events"], 0,
        "the same content again: {r:#}"
    );
    assert_eq!(app.event_count().await, events + 1);

    let plan = |scheme_id: &str, version: Option<i32>, scope: Value| {
        json!({"i": {"roundId": "r1", "name": "专项监管", "schemeId": scheme_id,
        "schemeVersion": version, "mode": "SPECIAL", "periodFrom": "2025-01-01", "periodTo": "2025-06-30", "scope": scope}})
    };
    let r = app
        .gql(PLAN, plan("nope", None, json!([{"departmentId": d1}])))
        .await;
    assert_eq!(error_rule(&r), Some("SCHEME_NOT_FOUND"), "{r:#}");
    let r = app
        .gql(PLAN, plan("s1", Some(2), json!([{"departmentId": d1}])))
        .await;
    assert_eq!(error_rule(&r), Some("SCHEME_VERSION_NOT_FOUND"), "{r:#}");
    let r = app
        .gql(
            PLAN,
            plan(
                "s1",
                None,
                json!([{"departmentId": credit_code("72000099")}]),
            ),
        )
        .await;
    assert_eq!(error_rule(&r), Some("DEPARTMENT_NOT_FOUND"), "{r:#}");
    let r = app.gql(PLAN, plan("s1", None, json!([]))).await;
    assert_eq!(error_rule(&r), Some("EMPTY_SCOPE"), "{r:#}");
    let r = app
        .gql(
            PLAN,
            plan(
                "s1",
                None,
                json!([{"departmentId": d1, "departmentClass": "综合管理类"}]),
            ),
        )
        .await;
    assert_eq!(error_rule(&r), Some("UNKNOWN_CLASS"), "{r:#}");
    let r = app
        .gql(
            PLAN,
            plan("s1", None, json!([{"departmentId": "not-a-code"}])),
        )
        .await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"), "{r:#}");
    let mut big_data = plan("s1", Some(1), json!([{"departmentId": d1}]));
    big_data["i"]["stages"] = json!(["OVERALL_EVALUATION", "ONLINE_ANALYSIS"]);
    let r = app.gql(PLAN, big_data.clone()).await;
    assert_eq!(error_rule(&r), Some("INVALID_STAGES"), "{r:#}");
    big_data["i"]["stages"] = json!(["ONLINE_ANALYSIS", "OVERALL_EVALUATION"]);
    let r = app.ok(PLAN, big_data.clone()).await;
    assert_eq!(r["planRound"]["round"]["stage"], "ONLINE_ANALYSIS");
    let r = app.gql(PLAN, big_data).await;
    assert_eq!(error_rule(&r), Some("ROUND_EXISTS"), "{r:#}");
    // Leaving online analysis unscored is refused.
    let r = advance(&app, "r1", "OVERALL_EVALUATION").await;
    assert_eq!(error_rule(&r), Some("NOT_SCORED"), "{r:#}");
    let r = advance(&app, "nope", "ONLINE_ANALYSIS").await;
    assert_eq!(error_rule(&r), Some("ROUND_NOT_FOUND"), "{r:#}");
    let r = app.gql(SCORE, json!({"i": {"roundId": "nope"}})).await;
    assert_eq!(error_rule(&r), Some("ROUND_NOT_FOUND"), "{r:#}");
}
