//! A round from plan to publication: stages in order, scores computed as of a `knownAt` and
//! checked by hand, manual scores, publication freezing them, time travel and access.

use dutyledger_api::auth::Role;
use dutyledger_tests::{actor, credit_code, error_code, error_rule, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

use super::{
    advance, department, planned, points, records, scheme, scores, total, ADJUST, EXPLAIN, PUBLISH,
    SCORE, SCORES,
};

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_round_from_plan_to_publication_with_scores_checked_by_hand(pool: PgPool) {
    let app = TestApp::new(pool);
    let d1 = department(&app, "72000001", false).await;
    let d2 = department(&app, "72000002", true).await;
    // d1: 3 of 4 records on time (12 days > 10); d2: 2 of 2.
    records(&app, &d1, "a", &[3, 5, 12, 9]).await;
    records(&app, &d2, "b", &[1, 2]).await;
    planned(&app, &d1, &d2).await;

    // Stages are entered in order, and scores are computed in online analysis only.
    let r = advance(&app, "r1", "ON_SITE_VERIFICATION").await;
    assert_eq!(error_rule(&r), Some("STAGE_SKIPPED"), "{r:#}");
    let r = app.gql(SCORE, json!({"i": {"roundId": "r1"}})).await;
    assert_eq!(error_rule(&r), Some("STAGE_DOES_NOT_ALLOW"), "{r:#}");
    let r = advance(&app, "r1", "ONLINE_ANALYSIS").await;
    assert_eq!(
        r["data"]["advanceRound"]["round"]["stage"], "ONLINE_ANALYSIS",
        "{r:#}"
    );
    let r = app
        .gql(
            SCORE,
            json!({"i": {"roundId": "r1", "knownAt": "2999-01-01T00:00:00Z"}}),
        )
        .await;
    assert_eq!(error_rule(&r), Some("KNOWN_AT_IN_FUTURE"), "{r:#}");
    let scored = app.ok(SCORE, json!({"i": {"roundId": "r1"}})).await;
    assert_eq!(
        scored["scoreRound"]["events"], 2,
        "one event per department"
    );
    assert!(!scored["scoreRound"]["measuring"]
        .as_array()
        .expect("timings")
        .is_empty());
    let known_at = scored["scoreRound"]["round"]["knownAt"].clone();
    let after_first = json!({"knownAt": chrono::Utc::now().to_rfc3339()});

    let s = scores(&app, "r1", Value::Null).await;
    // By hand. d1: on time 3/4 = 75% -> 6 * (75 - 50) / 50 = 3; posts 2 of 3 tasks held
    // (66.7%) -> the 50% step, 2; one high-risk task (t3) without a chart -> 5 - 3 = 2; the
    // manual indicator has no points yet; no boundary matter -> 0; complaints: no data.
    assert_eq!(points(&s, &d1, "a.on_time"), json!(3.0));
    assert_eq!(points(&s, &d1, "a.posts"), json!(2.0));
    assert_eq!(points(&s, &d1, "b.charts"), json!(2.0));
    assert_eq!(points(&s, &d1, "b.onsite"), Value::Null);
    assert_eq!(points(&s, &d1, "n.boundaries"), json!(0.0));
    // No 12345 ticket: nothing to deduct.
    assert_eq!(points(&s, &d1, "n.complaints"), json!(0.0));
    assert_eq!(points(&s, &d1, "a"), json!(5.0));
    assert_eq!(total(&s, &d1), json!(7.0));
    // d2: 100% on time -> 6; every task held -> 4; no high-risk task -> 5.
    assert_eq!(total(&s, &d2), json!(15.0));
    assert_eq!(s[0]["departmentId"], d2, "best first");
    assert_eq!(s[0]["rank"], 1);
    assert_eq!(s[1]["rank"], 2);
    assert_eq!(s[1]["complete"], false);

    // The evidence: the task no post holds, with the cursor of the event that defined it.
    let e = app
        .ok(EXPLAIN, json!({"r": "r1", "d": d1, "i": "a.posts"}))
        .await["scoreExplanation"]
        .clone();
    assert_eq!(
        e["figures"],
        json!([{"name": "numerator", "value": 2}, {"name": "denominator", "value": 3}])
    );
    assert_eq!(e["items"][0]["id"], "t2");
    assert!(e["items"][0]["cursor"]
        .as_str()
        .is_some_and(|c| !c.is_empty()));
    assert_eq!(e["knownAt"], known_at);
    let e = app
        .ok(EXPLAIN, json!({"r": "r1", "d": d1, "i": "b.charts"}))
        .await["scoreExplanation"]
        .clone();
    assert_eq!(e["items"][0]["id"], "t3", "{e:#}");
    let r = app
        .gql(EXPLAIN, json!({"r": "r1", "d": d1, "i": "nope"}))
        .await;
    assert_eq!(error_rule(&r), Some("UNKNOWN_INDICATOR"));

    // Data recorded after knownAt: a late record of d2 in 2025, a chart for d1's t3.
    records(&app, &d2, "late", &[20]).await;
    let again = app
        .ok(SCORE, json!({"i": {"roundId": "r1", "knownAt": known_at}}))
        .await;
    assert_eq!(again["scoreRound"]["round"]["knownAt"], known_at);
    assert_eq!(
        scores(&app, "r1", Value::Null).await,
        s,
        "scored again as of the same knownAt: the same scores"
    );
    app.ok(SCORE, json!({"i": {"roundId": "r1"}})).await;
    let now = scores(&app, "r1", Value::Null).await;
    // d2 now 2 of 3 on time: 66.66% -> floor(6 * 1666 / 5000 hundredths) = 1.99.
    assert_eq!(points(&now, &d2, "a.on_time"), json!(1.99));

    // Manual scores and corrections, with a basis; then publication.
    let adjust = |d: &str, i: &str, p: f64| json!({"i": {"roundId": "r1", "departmentId": d, "indicatorId": i, "points": p, "basis": "实地核验座谈记录"}});
    let r = app.gql(ADJUST, adjust(&d1, "b.onsite", 5.5)).await;
    assert_eq!(error_rule(&r), Some("POINTS_OUT_OF_RANGE"), "{r:#}");
    let r = app.gql(ADJUST, adjust(&d1, "b", 1.0)).await;
    assert_eq!(error_rule(&r), Some("NOT_A_LEAF"), "{r:#}");
    let r = app
        .gql(ADJUST, adjust(&credit_code("72000009"), "b.onsite", 1.0))
        .await;
    assert_eq!(error_rule(&r), Some("DEPARTMENT_NOT_IN_ROUND"), "{r:#}");
    let r = app.gql(ADJUST, adjust(&d1, "b.onsite", 1.005)).await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"), "{r:#}");
    assert_eq!(
        advance(&app, "r1", "ON_SITE_VERIFICATION").await["data"]["advanceRound"]["events"],
        1
    );
    app.ok(ADJUST, adjust(&d1, "b.onsite", 4.5)).await;
    app.ok(ADJUST, adjust(&d1, "n.complaints", -0.5)).await;
    let before_publication = app.ok(SCORES, json!({"r": "r1", "d": d1})).await["scores"][0].clone();
    assert_eq!(before_publication["total"], json!(7.0 + 4.5 - 0.5));
    assert_eq!(before_publication["complete"], true);
    let onsite = before_publication["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .find(|i| i["indicatorId"] == "b.onsite")
        .expect("leaf")
        .clone();
    assert_eq!(onsite["adjusted"], true);
    assert_eq!(onsite["basis"], "实地核验座谈记录");
    assert_eq!(onsite["noData"], Value::Null);
    let r = advance(&app, "r1", "OVERALL_EVALUATION").await;
    assert_eq!(
        r["data"]["advanceRound"]["events"], 2,
        "entered and published: {r:#}"
    );
    assert_eq!(r["data"]["advanceRound"]["round"]["published"], true);

    // Nothing changes a published score.
    let r = app.gql(ADJUST, adjust(&d1, "b.onsite", 3.0)).await;
    assert_eq!(error_rule(&r), Some("SCORES_PUBLISHED"), "{r:#}");
    let r = app.gql(SCORE, json!({"i": {"roundId": "r1"}})).await;
    assert_eq!(error_rule(&r), Some("SCORES_PUBLISHED"), "{r:#}");
    records(&app, &d1, "after", &[30, 30]).await;
    let later = app.ok(SCORES, json!({"r": "r1", "d": d1})).await["scores"][0].clone();
    assert_eq!(later["total"], before_publication["total"]);
    assert_eq!(later["published"], true);

    // Time travel: as known before the second scoring, the first scores.
    let then = scores(&app, "r1", after_first.clone()).await;
    assert_eq!(points(&then, &d2, "a.on_time"), json!(6.0));
    assert_eq!(then[0]["published"], false);

    // Access: a clerk reads its own department's scores once published, nobody else's.
    let clerk = actor(Role::Clerk, &[&d1]);
    let r = app.gql_as(&clerk, SCORES, json!({"r": "r1"})).await;
    let own = r["data"]["scores"].as_array().expect("scores");
    assert_eq!(own.len(), 1, "{r:#}");
    assert_eq!(own[0]["departmentId"], d1);
    let r = app
        .gql_as(&clerk, SCORES, json!({"r": "r1", "d": d2}))
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
    let r = app
        .gql_as(
            &clerk,
            SCORES,
            json!({"r": "r1", "d": d1, "asOf": after_first}),
        )
        .await;
    assert_eq!(
        error_code(&r),
        Some("FORBIDDEN"),
        "not yet published then: {r:#}"
    );
    let r = app
        .gql_as(&clerk, ADJUST, adjust(&d1, "b.onsite", 3.0))
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
    let reviewer = actor(Role::Reviewer, &[]);
    let r = app.gql_as(&reviewer, SCORES, json!({"r": "r1"})).await;
    assert_eq!(
        r["data"]["scores"].as_array().map(Vec::len),
        Some(2),
        "{r:#}"
    );
    let r = app
        .gql_as(
            &reviewer,
            PUBLISH,
            json!({"i": {"schemeId": "s2", "definition": scheme()}}),
        )
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
    let integrator = actor(Role::Integrator, &[]);
    let r = app
        .gql_as(&integrator, SCORES, json!({"r": "r1", "d": d1}))
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");

    // Rectification follows; the stage list ends there.
    assert_eq!(
        advance(&app, "r1", "RECTIFICATION").await["data"]["advanceRound"]["round"]["stage"],
        "RECTIFICATION"
    );
    let r = advance(&app, "r1", "RECTIFICATION").await;
    assert_eq!(error_rule(&r), Some("ALREADY_IN_STAGE"), "{r:#}");
}
