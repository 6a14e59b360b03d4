//! Round → score → review → changed score, checked with `asOf` before and after each step.

use chrono::Utc;
use dutyledger_api::auth::Role;
use dutyledger_tests::{actor, error_code, error_rule, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

use super::{calendar, mutate, now, ok, round};
use crate::supervision::{advance, SCORES};

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn round_score_review_changed_score(pool: PgPool) {
    let app = TestApp::new(pool);
    calendar(&app).await;
    let (d1, d2) = round(&app).await;
    let clerk1 = actor(Role::Clerk, &[&d1]);
    let request = json!({"roundId": "r1", "requestId": "rq1", "departmentId": d1, "indicatorId": "b.onsite",
        "reason": "实地核验分数偏低，补充材料"});
    let r = mutate(
        &app,
        &clerk1,
        "requestScoreReview",
        "RequestScoreReviewInput",
        request.clone(),
    )
    .await;
    assert_eq!(
        error_rule(&r),
        Some("NOT_REVIEWABLE"),
        "not published yet: {r:#}"
    );
    ok(&advance(&app, "r1", "ON_SITE_VERIFICATION").await);
    app.ok(crate::supervision::ADJUST, json!({"i": {"roundId": "r1", "departmentId": d1, "indicatorId": "b.onsite", "points": 2, "basis": "座谈"}}))
        .await;
    ok(&advance(&app, "r1", "OVERALL_EVALUATION").await);
    let published = now();

    let mut other = request.clone();
    other["departmentId"] = json!(d2);
    other["requestId"] = json!("rq2");
    let r = mutate(
        &app,
        &clerk1,
        "requestScoreReview",
        "RequestScoreReviewInput",
        other,
    )
    .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
    let mut late = request.clone();
    late["requestId"] = json!("late");
    late["effectiveAt"] = json!((Utc::now() + chrono::Duration::days(40)).to_rfc3339());
    let r = mutate(
        &app,
        &clerk1,
        "requestScoreReview",
        "RequestScoreReviewInput",
        late,
    )
    .await;
    assert_eq!(error_rule(&r), Some("REVIEW_WINDOW_CLOSED"), "{r:#}");
    ok(&mutate(
        &app,
        &clerk1,
        "requestScoreReview",
        "RequestScoreReviewInput",
        request,
    )
    .await);
    let requested = now();

    let decide = json!({"roundId": "r1", "requestId": "rq1", "outcome": "CHANGED", "reason": "补充材料属实",
        "revisions": [{"indicatorId": "b.onsite", "points": 4}]});
    let r = mutate(
        &app,
        &clerk1,
        "decideScoreReview",
        "DecideScoreReviewInput",
        decide.clone(),
    )
    .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
    ok(&mutate(
        &app,
        &actor(Role::Supervisor, &[]),
        "decideScoreReview",
        "DecideScoreReviewInput",
        decide.clone(),
    )
    .await);
    let r = mutate(
        &app,
        &actor(Role::Supervisor, &[]),
        "decideScoreReview",
        "DecideScoreReviewInput",
        decide,
    )
    .await;
    assert_eq!(error_rule(&r), Some("REVIEW_DECIDED"), "final: {r:#}");

    let leaf = |s: &Value| -> Value {
        s["scores"][0]["indicators"]
            .as_array()
            .expect("indicators")
            .iter()
            .find(|i| i["indicatorId"] == "b.onsite")
            .expect("leaf")
            .clone()
    };
    let before = app
        .ok(
            SCORES,
            json!({"r": "r1", "d": d1, "asOf": {"knownAt": published}}),
        )
        .await;
    assert_eq!(leaf(&before)["points"], json!(2.0));
    let between = app
        .ok(
            SCORES,
            json!({"r": "r1", "d": d1, "asOf": {"knownAt": requested}}),
        )
        .await;
    assert_eq!(leaf(&between)["points"], json!(2.0));
    let after = app.ok(SCORES, json!({"r": "r1", "d": d1})).await;
    assert_eq!(leaf(&after)["points"], json!(4.0));
    assert_eq!(leaf(&after)["revised"], true);
    assert_eq!(leaf(&after)["revisedBy"], "rq1");
    let reviews = app
        .ok("{ round(id: \"r1\") { reviews { requestId departmentId indicatorId outcome overdue } } }", Value::Null)
        .await;
    assert_eq!(
        reviews["round"]["reviews"],
        json!([{"requestId": "rq1", "departmentId": d1, "indicatorId": "b.onsite", "outcome": "CHANGED", "overdue": false}])
    );
    // A clerk reads its own department's review requests only.
    let q = "{ round(id: \"r1\") { reviews { requestId } } }";
    let own = app.gql_as(&clerk1, q, Value::Null).await;
    assert_eq!(
        own["data"]["round"]["reviews"],
        json!([{"requestId": "rq1"}]),
        "{own:#}"
    );
    let other = app
        .gql_as(&actor(Role::Clerk, &[&d2]), q, Value::Null)
        .await;
    assert_eq!(other["data"]["round"]["reviews"], json!([]), "{other:#}");
}
