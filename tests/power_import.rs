//! Importing a real XLSX power list with Chinese headers, a title row and bad rows; then a CSV
//! with other header names; re-running stores nothing twice.

use std::path::Path;

use dutyledger_api::import::power_list::{import, Outcome};
use dutyledger_domain::values::CreditCode;
use dutyledger_tests::{credit_code, TestApp};
use serde_json::json;
use sqlx::PgPool;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

async fn approval_bureau(app: &TestApp) -> String {
    let id = credit_code("00435037");
    for (q, v) in [
        (
            r#"mutation($id: ID!) { establishDepartment(input: {id: $id, name: "临沂市行政审批服务局", divisionCode: "371300000000",
            level: CITY, sector: "政务服务", kind: GOVERNMENT_DEPARTMENT}) { events } }"#,
            json!({"id": id}),
        ),
        (
            r#"mutation($d: ID!) { establishUnit(input: {departmentId: $d, unitId: "aab-market", name: "市场准入审批科"}) { events } }"#,
            json!({"d": id}),
        ),
        (
            r#"mutation($d: ID!) { establishUnit(input: {departmentId: $d, unitId: "aab-social", name: "社会事务审批科"}) { events } }"#,
            json!({"d": id}),
        ),
    ] {
        let r = app.gql(q, v).await;
        assert!(r.get("errors").is_none(), "{r:#}");
    }
    id
}

fn outcome_of(report: &dutyledger_api::import::power_list::Report, row: usize) -> &Outcome {
    &report
        .rows
        .iter()
        .find(|r| r.row == row)
        .unwrap_or_else(|| panic!("row {row} reported"))
        .outcome
}

fn rule(o: &Outcome) -> Option<&str> {
    match o {
        Outcome::Refused { rule, .. } => rule.as_deref(),
        _ => None,
    }
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn an_xlsx_power_list_imports_good_rows_and_reports_bad_ones(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = approval_bureau(&app).await;
    let code = CreditCode::parse(&id).expect("code");
    let report = import(&app.state, &fixture("power_list.xlsx"), Some(&code), None)
        .await
        .expect("import runs");
    assert_eq!(report.header_row, 2, "the title row is skipped");
    assert_eq!(
        (report.stored, report.refused, report.unchanged),
        (3, 4, 0),
        "{report:#?}"
    );
    assert_eq!(*outcome_of(&report, 3), Outcome::Stored);
    assert_eq!(*outcome_of(&report, 4), Outcome::Stored);
    assert_eq!(rule(outcome_of(&report, 5)), Some("UNIT_NOT_FOUND"));
    assert_eq!(
        rule(outcome_of(&report, 6)),
        Some("PROMISED_LIMIT_EXCEEDS_STATUTORY")
    );
    assert_eq!(*outcome_of(&report, 7), Outcome::Stored);
    for row in [8, 9] {
        match outcome_of(&report, row) {
            Outcome::Refused { code, reason, .. } => {
                assert_eq!(code, "BAD_USER_INPUT", "row {row}");
                assert!(!reason.is_empty());
            }
            other => panic!("row {row}: {other:?}"),
        }
    }

    let list = app.ok(r#"query($id: ID!) { powerList(departmentId: $id) { code kind stages accountability statutoryLimit { days kind } promisedLimit { days kind } unit { name } } }"#, json!({"id": id})).await;
    let items = list["powerList"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 3);
    let xk = items
        .iter()
        .find(|i| i["code"] == "XK-0101")
        .expect("XK-0101");
    assert_eq!(
        xk["stages"],
        json!([
            "受理责任",
            "审查责任",
            "决定责任",
            "送达责任",
            "事后监管责任"
        ])
    );
    assert_eq!(xk["accountability"].as_array().map(Vec::len), Some(2));
    assert_eq!(xk["statutoryLimit"], json!({"days": 20, "kind": "WORKING"}));
    let cf = items
        .iter()
        .find(|i| i["code"] == "CF-0201")
        .expect("CF-0201");
    assert_eq!(cf["kind"], "PENALTY", "the numeric code 02");
    assert_eq!(
        cf["stages"][0], "立案",
        "no stages given: the penalty template"
    );
    let gg = items
        .iter()
        .find(|i| i["code"] == "GG-2001")
        .expect("GG-2001");
    assert_eq!(gg["kind"], "PUBLIC_SERVICE");
    assert_eq!(
        gg["promisedLimit"],
        json!({"days": 1, "kind": "WORKING"}),
        "即办"
    );

    let events = app.event_count().await;
    let again = import(&app.state, &fixture("power_list.xlsx"), Some(&code), None)
        .await
        .expect("import runs");
    assert_eq!(
        (again.stored, again.unchanged, again.refused),
        (0, 3, 4),
        "re-running stores nothing twice"
    );
    assert_eq!(app.event_count().await, events);
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_csv_power_list_with_other_headers(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = approval_bureau(&app).await;
    let code = CreditCode::parse(&id).expect("code");
    import(&app.state, &fixture("power_list.xlsx"), Some(&code), None)
        .await
        .expect("xlsx");
    let report = import(&app.state, &fixture("power_list.csv"), Some(&code), None)
        .await
        .expect("csv");
    assert_eq!(
        *outcome_of(&report, 2),
        Outcome::Amended,
        "XK-0101 says something else now: {report:#?}"
    );
    assert_eq!(*outcome_of(&report, 3), Outcome::Stored);
    assert_eq!(rule(outcome_of(&report, 4)), Some("WRONG_DEPARTMENT"));
    // Without --department, rows are matched to departments by 实施主体.
    let report = import(&app.state, &fixture("power_list.csv"), None, None)
        .await
        .expect("csv");
    assert_eq!(report.unchanged, 2);
    assert_eq!(rule(outcome_of(&report, 4)), Some("DEPARTMENT_NOT_FOUND"));
}
