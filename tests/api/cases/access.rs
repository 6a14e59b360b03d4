//! Who may record and read workflow cases, as a matrix: every role, on the actor's own
//! department and on another one. Refused writes store nothing; reads outside a clerk's
//! department are `FORBIDDEN` when named and absent when not.

use dutyledger_api::auth::Role;
use dutyledger_api::seed;
use serde_json::{json, Value};
use sqlx::PgPool;

use dutyledger_tests::{actor, error_code, TestApp};

fn emergency() -> String {
    seed::EMERGENCY_MANAGEMENT
        .credit_code()
        .expect("code")
        .to_string()
}

fn open(case: &str) -> Value {
    json!({"departmentId": emergency(), "caseId": case, "kind": "OPENED",
           "at": "2025-09-29T09:00:00+08:00", "taskId": "emb-relief-t1", "version": 1,
           "region": "371302000000", "applicant": "PERSON"})
}

const ONE: &str = r#"mutation($e: CaseEventInput!) { recordCaseEvent(input: $e) { status } }"#;
const BATCH: &str = r#"mutation($e: [CaseEventInput!]!) { recordCaseEventsBatch(events: $e) {
    stored results { code } } }"#;
const FIGURES: &str = r#"query($f: CaseFilter) { caseAnalytics(filter: $f) { opened } }"#;
const STEPS: &str = r#"query { stepAnalytics(taskId: "emb-relief-t1", version: 1) { step runs } }"#;
const OVERDUE: &str = r#"query { overdueCases { edges { node { caseId } } } }"#;

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn the_case_access_matrix(pool: PgPool) {
    let app = TestApp::new(pool);
    seed::seed(&app.state).await.expect("seed");
    let own = emergency();
    let other = seed::ADMINISTRATIVE_APPROVAL
        .credit_code()
        .expect("code")
        .to_string();
    // One case of the emergency bureau, recorded by the office.
    app.ok(ONE, json!({"e": open("c-0")})).await;
    // (actor, may record, may read the bureau's figures)
    let actors = [
        ("supervisor", actor(Role::Supervisor, &[]), true, true),
        ("reviewer", actor(Role::Reviewer, &[]), false, true),
        (
            "clerk of the bureau",
            actor(Role::Clerk, &[own.as_str()]),
            true,
            true,
        ),
        (
            "clerk of another",
            actor(Role::Clerk, &[other.as_str()]),
            false,
            false,
        ),
        ("integrator", actor(Role::Integrator, &[]), false, false),
    ];
    for (i, (who, a, write, read)) in actors.iter().enumerate() {
        let before = app.event_count().await;
        let one = app
            .gql_as(a, ONE, json!({"e": open(&format!("c-{}", i + 1))}))
            .await;
        let batch = app
            .gql_as(a, BATCH, json!({"e": [open(&format!("c-b{}", i + 1))]}))
            .await;
        if *write {
            assert!(one.get("errors").is_none(), "{who}: {one:#}");
            assert_eq!(batch["data"]["recordCaseEventsBatch"]["stored"], 1, "{who}");
            assert_eq!(app.event_count().await, before + 2, "{who}");
        } else {
            assert_eq!(error_code(&one), Some("FORBIDDEN"), "{who}: {one:#}");
            // A batch: refused whole for roles that write no cases, per event for a clerk of
            // another department.
            let per_event =
                batch["data"]["recordCaseEventsBatch"]["results"][0]["code"] == "FORBIDDEN";
            assert!(
                error_code(&batch) == Some("FORBIDDEN") || per_event,
                "{who}: {batch:#}"
            );
            assert_eq!(app.event_count().await, before, "{who} wrote nothing");
        }
        let named = app
            .gql_as(a, FIGURES, json!({"f": {"departmentId": own}}))
            .await;
        let steps = app.gql_as(a, STEPS, json!({})).await;
        if *read {
            assert!(named.get("errors").is_none(), "{who}: {named:#}");
            assert!(
                named["data"]["caseAnalytics"][0]["opened"].as_i64() >= Some(1),
                "{who}"
            );
            assert!(steps.get("errors").is_none(), "{who}: {steps:#}");
        } else {
            assert_eq!(error_code(&named), Some("FORBIDDEN"), "{who}: {named:#}");
            assert_eq!(error_code(&steps), Some("FORBIDDEN"), "{who}: {steps:#}");
        }
        // Unnamed: a clerk sees its own department only; roles that read no cases are refused.
        let all = app.gql_as(a, FIGURES, json!({})).await;
        let overdue = app.gql_as(a, OVERDUE, json!({})).await;
        match (*who, read) {
            ("clerk of another", _) => {
                assert_eq!(all["data"]["caseAnalytics"], json!([]), "{who}: {all:#}");
                assert_eq!(overdue["data"]["overdueCases"]["edges"], json!([]), "{who}");
            }
            (_, true) => {
                assert!(all.get("errors").is_none(), "{who}: {all:#}");
                assert!(overdue.get("errors").is_none(), "{who}: {overdue:#}");
            }
            (_, false) => {
                assert_eq!(error_code(&all), Some("FORBIDDEN"), "{who}: {all:#}");
                assert_eq!(error_code(&overdue), Some("FORBIDDEN"), "{who}");
            }
        }
    }
}
