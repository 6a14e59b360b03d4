//! The access matrix of every supervision and rectification mutation and query for every role.

use dutyledger_api::auth::Role;
use dutyledger_tests::{actor, credit_code, error_code, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

use super::{calendar, mutate};
use crate::supervision::{department, ADVANCE, PLAN, PUBLISH};

/// Every supervision and rectification mutation and query, for every role: allowed ones are
/// not `FORBIDDEN`; the others are, and write nothing.
#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn the_access_matrix_of_supervision_and_rectification(pool: PgPool) {
    let app = TestApp::new(pool);
    calendar(&app).await;
    let own = department(&app, "74000011", false).await;
    let other = credit_code("74000012");
    department(&app, "74000012", true).await;
    app.ok(
        PUBLISH,
        json!({"i": {"schemeId": "s1", "definition": crate::supervision::scheme()}}),
    )
    .await;
    app.ok(PLAN, json!({"i": {"roundId": "r1", "name": "监管", "schemeId": "s1", "mode": "KEY",
        "periodFrom": "2025-01-01", "periodTo": "2025-12-31", "scope": [{"departmentId": own}, {"departmentId": other}]}}))
        .await;
    app.ok(
        ADVANCE,
        json!({"i": {"roundId": "r1", "stage": "ONLINE_ANALYSIS"}}),
    )
    .await;
    for (d, f) in [(&own, "fo"), (&other, "fx")] {
        app.ok("mutation($i: RaiseFindingInput!) { raiseFinding(input: $i) { events } }",
            json!({"i": {"findingId": f, "departmentId": d, "kind": "OTHER", "severity": "MINOR", "description": "发现"}}))
            .await;
        app.ok("mutation($i: IssueOrderInput!) { issueRectificationOrder(input: $i) { events } }",
            json!({"i": {"orderId": format!("o{f}"), "departmentId": d, "findingIds": [f], "requirement": "整改", "dueInWorkingDays": 10}}))
            .await;
    }
    // (role, own department or not) -> allowed: [supervisor, clerk own, clerk other, reviewer, integrator]
    type Case = (&'static str, &'static str, Value, [bool; 5]);
    let office_only = [true, false, false, false, false];
    let clerk_own = [true, true, false, false, false];
    let mutations: Vec<Case> = vec![
        (
            "publishScheme",
            "PublishSchemeInput",
            json!({"schemeId": "s2", "definition": crate::supervision::scheme()}),
            office_only,
        ),
        (
            "planRound",
            "PlanRoundInput",
            json!({"roundId": "r2", "name": "x", "schemeId": "s1", "mode": "ROUTINE",
            "periodFrom": "2025-01-01", "periodTo": "2025-12-31", "scope": [{"departmentId": own}]}),
            office_only,
        ),
        (
            "scoreRound",
            "ScoreRoundInput",
            json!({"roundId": "r1"}),
            office_only,
        ),
        (
            "adjustScore",
            "AdjustScoreInput",
            json!({"roundId": "r1", "departmentId": own, "indicatorId": "b.onsite", "points": 1, "basis": "x"}),
            office_only,
        ),
        (
            "advanceRound",
            "AdvanceRoundInput",
            json!({"roundId": "r1", "stage": "ON_SITE_VERIFICATION"}),
            office_only,
        ),
        (
            "requestScoreReview",
            "RequestScoreReviewInput",
            json!({"roundId": "r1", "departmentId": own, "reason": "x"}),
            clerk_own,
        ),
        (
            "decideScoreReview",
            "DecideScoreReviewInput",
            json!({"roundId": "r1", "requestId": "nope", "outcome": "UPHELD", "reason": "x"}),
            office_only,
        ),
        (
            "raiseFinding",
            "RaiseFindingInput",
            json!({"departmentId": own, "kind": "OTHER", "severity": "MINOR", "description": "x"}),
            office_only,
        ),
        (
            "proposeFindings",
            "ProposeFindingsInput",
            json!({"roundId": "r1"}),
            office_only,
        ),
        (
            "confirmFinding",
            "FindingDecisionInput",
            json!({"findingId": "fo"}),
            office_only,
        ),
        (
            "dismissFinding",
            "FindingDecisionInput",
            json!({"findingId": "nope", "reason": "x"}),
            office_only,
        ),
        (
            "requestFindingReview",
            "RequestFindingReviewInput",
            json!({"findingId": "fo", "reason": "x"}),
            clerk_own,
        ),
        (
            "decideFindingReview",
            "DecideFindingReviewInput",
            json!({"findingId": "fo", "requestId": "nope", "outcome": "UPHELD", "reason": "x"}),
            office_only,
        ),
        (
            "issueRectificationOrder",
            "IssueOrderInput",
            json!({"departmentId": own, "findingIds": ["fo"], "requirement": "x", "dueInWorkingDays": 5}),
            office_only,
        ),
        (
            "answerRectificationOrder",
            "AnswerOrderInput",
            json!({"orderId": "ofo", "measures": "x"}),
            clerk_own,
        ),
        (
            "returnRectificationOrder",
            "OrderDecisionInput",
            json!({"orderId": "ofo", "reason": "x"}),
            office_only,
        ),
        (
            "acceptRectificationOrder",
            "OrderDecisionInput",
            json!({"orderId": "ofo"}),
            office_only,
        ),
        (
            "extendRectificationOrder",
            "ExtendOrderInput",
            json!({"orderId": "ofo", "dueAt": "2030-01-01T00:00:00Z", "reason": "x"}),
            office_only,
        ),
    ];
    let roles = [
        ("clerk own", actor(Role::Clerk, &[&own]), 1),
        ("clerk other", actor(Role::Clerk, &[&other]), 2),
        ("reviewer", actor(Role::Reviewer, &[]), 3),
        ("integrator", actor(Role::Integrator, &[]), 4),
        ("supervisor", actor(Role::Supervisor, &[]), 0),
    ];
    for (field, input_type, input, allowed) in &mutations {
        for (name, who, column) in &roles {
            let events = app.event_count().await;
            let r = mutate(&app, who, field, input_type, input.clone()).await;
            if allowed[*column] {
                assert_ne!(
                    error_code(&r),
                    Some("FORBIDDEN"),
                    "{field} as {name}: {r:#}"
                );
            } else {
                assert_eq!(
                    error_code(&r),
                    Some("FORBIDDEN"),
                    "{field} as {name}: {r:#}"
                );
                assert_eq!(app.event_count().await, events, "{field} as {name} wrote");
            }
        }
    }
    // Queries: (query, variables, [supervisor, clerk own, clerk other, reviewer, integrator]).
    let all = [true, true, true, true, false];
    let queries: Vec<(&str, Value, [bool; 5])> = vec![
        ("{ schemes { id } }", Value::Null, all),
        ("{ scheme(id: \"s1\") { id } }", Value::Null, all),
        ("{ rounds { id } }", Value::Null, all),
        ("{ round(id: \"r1\") { id reviews { requestId } } }", Value::Null, all),
        ("query($d: String) { scores(roundId: \"r1\", departmentId: $d) { total } }", json!({"d": own}), [true, false, false, true, false]),
        ("{ ranking(roundId: \"r1\") { total } }", Value::Null, all),
        ("query($d: String!) { scoreExplanation(roundId: \"r1\", departmentId: $d, indicatorId: \"a.posts\") { query } }", json!({"d": own}), [true, false, false, true, false]),
        ("{ findings { id } }", Value::Null, all),
        ("{ finding(id: \"fo\") { id } }", Value::Null, [true, true, false, true, false]),
        ("{ rectificationOrders { id } }", Value::Null, all),
        ("{ rectificationOrder(id: \"ofo\") { id } }", Value::Null, [true, true, false, true, false]),
        ("query($d: String!) { complaints(departmentId: $d, from: \"2025-06-01\", to: \"2025-06-30\") { ticket } }", json!({"d": own}), [true, true, false, true, false]),
        ("{ complaintStats(from: \"2025-06-01\", to: \"2025-06-30\") { complaints } }", Value::Null, all),
        ("{ keySupervisionFlags { departmentId } }", Value::Null, all),
    ];
    // recordComplaints takes a list, not an input object.
    for (name, who, column) in &roles {
        let r = app
            .gql_as(who, "mutation($t: [ComplaintInput!]!) { recordComplaints(tickets: $t) { stored } }",
                json!({"t": [{"ticket": format!("T-{column}"), "receivedAt": "2025-06-02T09:00:00+08:00", "category": "投诉",
                    "text": "x", "region": "371302001000", "departmentId": own}]}))
            .await;
        if *column == 0 {
            assert_ne!(
                error_code(&r),
                Some("FORBIDDEN"),
                "recordComplaints as {name}: {r:#}"
            );
        } else {
            assert_eq!(
                error_code(&r),
                Some("FORBIDDEN"),
                "recordComplaints as {name}: {r:#}"
            );
        }
    }
    for (query, vars, allowed) in &queries {
        for (name, who, column) in &roles {
            let r = app.gql_as(who, query, vars.clone()).await;
            if allowed[*column] {
                assert_ne!(
                    error_code(&r),
                    Some("FORBIDDEN"),
                    "{query} as {name}: {r:#}"
                );
            } else {
                assert_eq!(
                    error_code(&r),
                    Some("FORBIDDEN"),
                    "{query} as {name}: {r:#}"
                );
            }
        }
    }
    // Lists narrow a clerk to its own department.
    let r = app
        .gql_as(
            &actor(Role::Clerk, &[&own]),
            "{ findings { departmentId } rectificationOrders { departmentId } }",
            Value::Null,
        )
        .await;
    for list in ["findings", "rectificationOrders"] {
        let items = r["data"][list].as_array().expect("list");
        assert!(!items.is_empty(), "{r:#}");
        assert!(items.iter().all(|i| i["departmentId"] == own), "{r:#}");
    }
}
