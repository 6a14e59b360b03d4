//! Recording the demo relief chart's cases and reading them back.

use dutyledger_api::auth::Role;
use dutyledger_api::seed;
use serde_json::{json, Value};
use sqlx::PgPool;

use dutyledger_tests::{actor, error_code, error_rule, TestApp};

const BATCH: &str = r#"mutation($e: [CaseEventInput!]!) { recordCaseEventsBatch(events: $e) {
    stored duplicates rejected cursor projected
    results { index case status code reason eventType sequence cursor } } }"#;

const ANALYTICS: &str = r#"query($f: CaseFilter, $g: CaseGroupBy, $p: PeriodGrain, $asOf: AsOf) {
    caseAnalytics(filter: $f, groupBy: $g, period: $p, asOf: $asOf) {
      group period { start end } opened openedClosed completionRate closed timed onTime onTimeRate
      overdueClosed overdueClosedDays overdueOpen overdueOpenDays } }"#;

const STEPS: &str = r#"query($t: ID!, $v: Int!, $asOf: AsOf) {
    stepAnalytics(taskId: $t, version: $v, asOf: $asOf) {
      step name runs meanSeconds medianSeconds p90Seconds meanWorkingDays meanDays meanWaitSeconds
      timed onTime returns } }"#;

fn emergency() -> String {
    seed::EMERGENCY_MANAGEMENT
        .credit_code()
        .expect("code")
        .to_string()
}

fn ev(case: &str, kind: &str, at: &str, extra: Value) -> Value {
    let mut e = json!({"departmentId": emergency(), "caseId": case, "kind": kind, "at": at});
    if let (Some(e), Some(x)) = (e.as_object_mut(), extra.as_object()) {
        for (k, v) in x {
            e.insert(k.clone(), v.clone());
        }
    }
    e
}

fn open(case: &str, at: &str) -> Value {
    ev(
        case,
        "OPENED",
        at,
        json!({"taskId": "emb-relief-t1", "version": 1, "region": "371302000000", "applicant": "PERSON"}),
    )
}

async fn step_names(app: &TestApp) -> Vec<String> {
    let data = app
        .ok(
            r#"query($d: ID!) { workflowChart(departmentId: $d, taskId: "emb-relief-t1") { steps { name } } }"#,
            json!({"d": emergency()}),
        )
        .await;
    data["workflowChart"]["steps"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|x| x["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_case_runs_through_the_relief_chart_and_a_resend_stores_nothing(pool: PgPool) {
    let app = TestApp::new(pool);
    seed::seed(&app.state).await.expect("seed");
    let steps = step_names(&app).await;
    assert_eq!(steps.len(), 10);
    let before = chrono::Utc::now();
    let p = json!({"postId": "emb-relief-p1"});
    let s = |i: usize| json!({"step": steps[i]});
    let sp = |i: usize| json!({"step": steps[i], "postId": "emb-relief-p1"});
    let events = json!([
        open("c-1", "2025-09-29T09:00:00+08:00"),
        ev("c-1", "STEP_STARTED", "2025-09-29T09:30:00+08:00", s(0)),
        ev("c-1", "STEP_COMPLETED", "2025-09-30T10:00:00+08:00", sp(0)),
        // Completing a step that never started: refused, the others go on.
        ev("c-1", "STEP_COMPLETED", "2025-09-30T10:30:00+08:00", sp(2)),
        ev("c-1", "STEP_STARTED", "2025-09-30T11:00:00+08:00", s(1)),
        ev(
            "c-1",
            "RETURNED",
            "2025-10-09T09:00:00+08:00",
            json!({"step": "2", "reason": "材料不全，需补正"})
        ),
        ev("c-1", "STEP_STARTED", "2025-10-09T10:00:00+08:00", s(1)),
        ev("c-1", "STEP_COMPLETED", "2025-10-10T10:00:00+08:00", sp(1)),
        ev(
            "c-1",
            "CLOSED",
            "2025-10-10T11:00:00+08:00",
            json!({"outcome": "APPROVED"})
        ),
        // A second case, received on National Day and never closed: 30 calendar days.
        open("c-2", "2025-10-01T09:00:00+08:00"),
        ev("c-2", "STEP_STARTED", "2025-10-01T09:30:00+08:00", s(0)),
        // A post of another unit does not handle the step.
        ev(
            "c-2",
            "STEP_COMPLETED",
            "2025-10-02T09:30:00+08:00",
            json!({"step": steps[0], "postId": "emb-relief-p2"})
        ),
        // Unknown case.
        ev("c-9", "STEP_STARTED", "2025-10-02T09:30:00+08:00", s(0)),
    ]);
    let _ = p;
    let data = app.ok(BATCH, json!({"e": events})).await;
    let r = &data["recordCaseEventsBatch"];
    assert_eq!(r["stored"], 10, "{r:#}");
    assert_eq!(r["rejected"], 3);
    assert_eq!(r["projected"], true);
    let codes: Vec<&str> = r["results"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["code"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        codes,
        [
            "STEP_NOT_STARTED",
            "POST_NOT_HANDLING_STEP",
            "CASE_NOT_OPENED"
        ]
    );
    assert_eq!(r["results"][8]["eventType"], "CaseClosed");
    assert_eq!(r["results"][8]["sequence"], 8);

    // The same batch again: every stored event is a duplicate with the original's cursor.
    let again = app.ok(BATCH, json!({"e": events})).await;
    let a = &again["recordCaseEventsBatch"];
    assert_eq!(a["stored"], 0, "{a:#}");
    assert_eq!(a["duplicates"], 10);
    assert_eq!(a["results"][8]["cursor"], r["results"][8]["cursor"]);
    assert_eq!(a["results"][8]["status"], "DUPLICATE");

    let figures = app
        .ok(
            ANALYTICS,
            json!({"f": {"departmentId": emergency(), "from": "2025-09-01", "to": "2025-12-31"}, "p": "MONTH"}),
        )
        .await;
    let rows = figures["caseAnalytics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let month = |m: &str| {
        rows.iter()
            .find(|r| r["period"]["start"] == m)
            .cloned()
            .unwrap_or(Value::Null)
    };
    // September: c-1 received, not closed by the end of September.
    assert_eq!(month("2025-09-01")["opened"], 1, "{rows:#?}");
    assert_eq!(month("2025-09-01")["openedClosed"], 0);
    // October: c-2 received; c-1 closed in time (30 calendar days).
    let oct = month("2025-10-01");
    assert_eq!(oct["opened"], 1);
    assert_eq!(oct["closed"], 1);
    assert_eq!(oct["onTime"], 1);
    assert_eq!(oct["onTimeRate"], 1.0);
    // c-2's 30 calendar days end on 31 October: overdue at the end of November.
    assert_eq!(oct["overdueOpen"], 0);
    let nov = month("2025-11-01");
    assert_eq!(nov["overdueOpen"], 1, "{rows:#?}");
    assert_eq!(nov["overdueOpenDays"], 30);

    let step_rows = app.ok(STEPS, json!({"t": "emb-relief-t1", "v": 1})).await;
    let st = step_rows["stepAnalytics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(st[0]["runs"], 1, "{st:#?}");
    // 09:30 on 29 September to 10:00 on 30 September.
    assert_eq!(st[0]["meanSeconds"], 24.5 * 3600.0);
    assert_eq!(st[0]["meanWaitSeconds"], 1800.0);
    assert_eq!(st[1]["runs"], 1);
    assert_eq!(st[1]["returns"], 1);
    // The rerun: 10:00 on 9 October to 10:00 on 10 October, one working day.
    assert_eq!(st[1]["meanWorkingDays"], 1.0);

    // As known before the batch: nothing.
    let old = app
        .ok(
            ANALYTICS,
            json!({"f": {"departmentId": emergency()}, "asOf": {"knownAt": before.to_rfc3339()}}),
        )
        .await;
    assert_eq!(old["caseAnalytics"], json!([]));
    let old_steps = app
        .ok(
            STEPS,
            json!({"t": "emb-relief-t1", "v": 1, "asOf": {"knownAt": before.to_rfc3339()}}),
        )
        .await;
    assert_eq!(old_steps["stepAnalytics"], json!([]));

    let overdue = app
        .ok(
            r#"query { overdueCases(first: 10) { edges { cursor node { caseId deadline closedAt daysOver } } pageInfo { hasNextPage } } }"#,
            json!({}),
        )
        .await;
    let edges = overdue["overdueCases"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edges.len(), 1, "{overdue:#}");
    assert_eq!(edges[0]["node"]["caseId"], "c-2");
    assert_eq!(edges[0]["node"]["deadline"], "2025-10-31T16:00:00+00:00");
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn single_events_refuse_with_codes_and_clerks_write_only_their_department(pool: PgPool) {
    let app = TestApp::new(pool);
    seed::seed(&app.state).await.expect("seed");
    const ONE: &str = r#"mutation($e: CaseEventInput!) { recordCaseEvent(input: $e) { status sequence eventType } }"#;
    let ok = app
        .ok(ONE, json!({"e": open("c-1", "2025-09-29T09:00:00+08:00")}))
        .await;
    assert_eq!(ok["recordCaseEvent"]["status"], "STORED");
    let closed = app
        .ok(ONE, json!({"e": ev("c-1", "CLOSED", "2025-09-29T10:00:00+08:00", json!({"outcome": "WITHDRAWN"}))}))
        .await;
    assert_eq!(closed["recordCaseEvent"]["sequence"], 2);
    let twice = app
        .gql(ONE, json!({"e": ev("c-1", "CLOSED", "2025-09-29T11:00:00+08:00", json!({"outcome": "APPROVED"}))}))
        .await;
    assert_eq!(error_rule(&twice), Some("CASE_CLOSED"), "{twice:#}");
    assert_eq!(error_code(&twice), Some("CONFLICT"));
    let mut wrong = open("c-3", "2025-09-29T09:00:00+08:00");
    wrong["version"] = json!(7);
    let wrong = app.gql(ONE, json!({"e": wrong})).await;
    assert_eq!(
        error_rule(&wrong),
        Some("CHART_VERSION_NOT_FOUND"),
        "{wrong:#}"
    );
    assert_eq!(error_code(&wrong), Some("NOT_FOUND"));
    let mut no_step = ev(
        "c-1",
        "STEP_STARTED",
        "2025-09-29T09:00:00+08:00",
        json!({}),
    );
    no_step["caseId"] = json!("c-4");
    let missing = app.gql(ONE, json!({"e": no_step})).await;
    assert_eq!(error_rule(&missing), Some("MISSING_FIELD"), "{missing:#}");

    // A clerk of another department may not record the emergency bureau's cases.
    let other = seed::ADMINISTRATIVE_APPROVAL
        .credit_code()
        .expect("code")
        .to_string();
    let clerk = actor(Role::Clerk, &[other.as_str()]);
    let forbidden = app
        .gql_as(
            &clerk,
            ONE,
            json!({"e": open("c-5", "2025-09-29T09:00:00+08:00")}),
        )
        .await;
    assert_eq!(error_code(&forbidden), Some("FORBIDDEN"), "{forbidden:#}");
    let reviewer = actor(Role::Reviewer, &[]);
    let batch = app
        .gql_as(
            &reviewer,
            BATCH,
            json!({"e": [open("c-6", "2025-09-29T09:00:00+08:00")]}),
        )
        .await;
    assert_eq!(error_code(&batch), Some("FORBIDDEN"));
    // ... and sees only its own department's figures.
    let own = app
        .gql_as(
            &clerk,
            ANALYTICS,
            json!({"f": {"departmentId": emergency()}}),
        )
        .await;
    assert_eq!(error_code(&own), Some("FORBIDDEN"));
}
