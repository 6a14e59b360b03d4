//! The demo cases of the seed (`api/src/seed/cases.rs`) through GraphQL. Every figure below is
//! counted by hand from the generator's rules (its module doc), not read back from the system:
//!
//! - Approval bureau: 21 months (January 2025 - September 2026) × 10 cases = 210 opened; the
//!   7 cases j = 9 of months m ≡ 0 (mod 3) stay open, overdue; 203 closed, of which the 21
//!   cases j = 8 late, 182 in time. 2025: 120 opened; closed 115 (the 4 open ones of months 0,
//!   3, 6, 9 and December's late case, closed 18 January 2026, are not), 11 late. 2026: 90
//!   opened, 88 closed (203 - 115), 10 late.
//! - Item `aab-item-0000` (case j of month m runs on item (j + m) mod 10): 21 cases, none left
//!   open (the open ones are on items 9, 2, 5, 8, 1, 4, 7), late the ones of m = 2 and 12: 2.
//!   Version 1 (months 0-4): the cases (m, j) = (0, 0), (1, 9), (2, 8), (3, 7), (4, 6), so 5
//!   runs of each step and one return at 受理 (j = 7); version 2 (months 5-20): 16 cases, one
//!   return at 受理 (m = 13, j = 7). Every completed 受理 run lasts 09:30-11:00: 5,400 s.
//! - Relief: 12 opened, 11 closed (case 11 stays open, overdue), 1 late (case 5), 10 in time
//!   (the withdrawn case 7, the suspended case 8 and the extended case 10 included). Steps 1-2
//!   ran 12 times, 3-5 11 times (case 7 withdrawn during step 3), 6-10 10 times (case 11
//!   stopped at 6); 2 returns at step 4 (cases 3 and 9). Every relief step but 4 took one day
//!   (86,400 s); step 1 always started an hour after receipt (3,600 s of waiting).
//! - Events: relief 246 (22 for a case run to its end, 2 more per return or suspension, 1 per
//!   extension, 7 for case 7, 12 for case 11); approval 1,405 (version 1: 8 for a case run to
//!   its end, 10 with a return or a suspension, 9 with an extension, 4 for one left open: 407;
//!   version 2: 6, 8, 7 and 4: 998).
//! - Overdue: 28 approval cases (7 open, 21 late), 2 relief cases (1 open, 1 late); the
//!   earliest deadline is that of `aab-202501-8` (received 19 January 2025, version 1).

use dutyledger_api::seed;
use serde_json::{json, Value};
use sqlx::PgPool;

use dutyledger_tests::TestApp;

const ANALYTICS: &str = r#"query($f: CaseFilter, $g: CaseGroupBy, $p: PeriodGrain) {
    caseAnalytics(filter: $f, groupBy: $g, period: $p) {
      group period { start } opened openedClosed closed timed onTime overdueClosed overdueOpen } }"#;

const STEPS: &str = r#"query($t: ID!, $v: Int!) {
    stepAnalytics(taskId: $t, version: $v) { step name runs meanSeconds meanWaitSeconds returns } }"#;

const OVERDUE: &str = r#"query($f: CaseFilter) { overdueCases(filter: $f, first: 100) {
    edges { node { caseId closedAt } } pageInfo { hasNextPage } } }"#;

fn code(d: &seed::SeedDepartment) -> String {
    d.credit_code().expect("code").to_string()
}

fn rows(data: &Value) -> Vec<Value> {
    data["caseAnalytics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn row<'a>(rows: &'a [Value], key: &str, value: &str) -> &'a Value {
    rows.iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("no row with {key} = {value}: {rows:#?}"))
}

/// `[opened, openedClosed, closed, timed, onTime, overdueClosed, overdueOpen]`.
fn figures(r: &Value) -> [i64; 7] {
    [
        "opened",
        "openedClosed",
        "closed",
        "timed",
        "onTime",
        "overdueClosed",
        "overdueOpen",
    ]
    .map(|k| r[k].as_i64().unwrap_or(-1))
}

fn steps(data: &Value) -> Vec<(i64, i64, i64)> {
    data["stepAnalytics"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        s["step"].as_i64().unwrap_or(-1),
                        s["runs"].as_i64().unwrap_or(-1),
                        s["returns"].as_i64().unwrap_or(-1),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn the_demo_cases_give_the_figures_counted_from_the_generator(pool: PgPool) {
    let app = TestApp::new(pool);
    seed::seed(&app.state).await.expect("seed");
    seed::seed_approval_items(&app.state)
        .await
        .expect("approval items");
    let started = std::time::Instant::now();
    let first = seed::seed_cases(&app.state).await.expect("cases");
    eprintln!("seed_cases: {:?}", started.elapsed());
    assert_eq!(first.events, 246 + 1_405, "{first:?}");
    let again = seed::seed_cases(&app.state).await.expect("cases again");
    assert_eq!(again.events, 0, "a second run appends nothing");

    let bureau = code(&seed::ADMINISTRATIVE_APPROVAL);
    let emergency = code(&seed::EMERGENCY_MANAGEMENT);

    let by_department = rows(&app.ok(ANALYTICS, json!({"g": "DEPARTMENT"})).await);
    assert_eq!(by_department.len(), 2, "{by_department:#?}");
    assert_eq!(
        figures(row(&by_department, "group", &bureau)),
        [210, 203, 203, 203, 182, 21, 7]
    );
    assert_eq!(
        figures(row(&by_department, "group", &emergency)),
        [12, 11, 11, 11, 10, 1, 1]
    );

    let by_year = rows(
        &app.ok(
            ANALYTICS,
            json!({"f": {"departmentId": bureau}, "p": "YEAR"}),
        )
        .await,
    );
    let year = |start: &str| {
        let r = by_year
            .iter()
            .find(|r| r["period"]["start"] == start)
            .unwrap_or_else(|| panic!("no {start}: {by_year:#?}"));
        [
            r["opened"].as_i64(),
            r["closed"].as_i64(),
            r["onTime"].as_i64(),
            r["overdueClosed"].as_i64(),
        ]
    };
    assert_eq!(
        year("2025-01-01"),
        [Some(120), Some(115), Some(104), Some(11)]
    );
    assert_eq!(year("2026-01-01"), [Some(90), Some(88), Some(78), Some(10)]);

    let by_task = rows(
        &app.ok(
            ANALYTICS,
            json!({"f": {"departmentId": bureau}, "g": "TASK"}),
        )
        .await,
    );
    assert_eq!(by_task.len(), 10, "ten items have cases");
    assert_eq!(
        figures(row(&by_task, "group", &format!("{bureau}/aab-item-0000"))),
        [21, 21, 21, 21, 19, 2, 0]
    );

    let v1 = app.ok(STEPS, json!({"t": "aab-item-0000", "v": 1})).await;
    assert_eq!(steps(&v1), [(1, 5, 1), (2, 5, 0), (3, 5, 0)], "{v1:#}");
    assert_eq!(v1["stepAnalytics"][0]["name"], "受理");
    assert_eq!(v1["stepAnalytics"][0]["meanSeconds"], 5400.0);
    let v2 = app.ok(STEPS, json!({"t": "aab-item-0000", "v": 2})).await;
    assert_eq!(steps(&v2), [(1, 16, 1), (2, 16, 0)], "{v2:#}");
    assert_eq!(v2["stepAnalytics"][1]["name"], "决定");
    assert_eq!(v2["stepAnalytics"][0]["meanSeconds"], 5400.0);

    let relief = app.ok(STEPS, json!({"t": "emb-relief-t1", "v": 1})).await;
    let runs = [12, 12, 11, 11, 11, 10, 10, 10, 10, 10];
    let expected: Vec<(i64, i64, i64)> = (1..=10)
        .map(|k: i64| (k, runs[k as usize - 1], if k == 4 { 2 } else { 0 }))
        .collect();
    assert_eq!(steps(&relief), expected, "{relief:#}");
    for (i, s) in relief["stepAnalytics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if i != 3 {
            assert_eq!(s["meanSeconds"], 86_400.0, "step {}: {s:#}", i + 1);
        }
    }
    assert_eq!(relief["stepAnalytics"][0]["meanWaitSeconds"], 3_600.0);

    let overdue = app
        .ok(OVERDUE, json!({"f": {"departmentId": bureau}}))
        .await;
    let edges = overdue["overdueCases"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edges.len(), 28, "{overdue:#}");
    assert_eq!(overdue["overdueCases"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(
        edges
            .iter()
            .filter(|e| e["node"]["closedAt"].is_null())
            .count(),
        7
    );
    assert_eq!(edges[0]["node"]["caseId"], "aab-202501-8");
    let all = app.ok(OVERDUE, json!({})).await;
    let all = all["overdueCases"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(all.len(), 30);
    let relief_overdue: Vec<&Value> = all
        .iter()
        .map(|e| &e["node"]["caseId"])
        .filter(|c| c.as_str().is_some_and(|c| c.starts_with("emb-relief-")))
        .collect();
    assert_eq!(
        relief_overdue,
        [&json!("emb-relief-20250320"), &json!("emb-relief-20260220")]
    );
}
