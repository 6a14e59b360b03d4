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

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn csv_rows_after_a_multi_line_cell_keep_their_spreadsheet_numbers(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = approval_bureau(&app).await;
    let code = CreditCode::parse(&id).expect("code");
    // Row 2 holds cells of three and two lines (quoted, as Excel writes them); a spreadsheet
    // still shows it as one row, so the rows after it are 3 and 4, not the file's lines 6 and 7.
    let csv = "事项编码,事项名称,事项类型,设定依据,实施主体,承办科室,责任事项,追责情形,法定时限\n\
        XK-0101,食品经营许可,01,《中华人民共和国食品安全法》第三十五条,临沂市行政审批服务局,市场准入审批科,\"受理责任\n审查责任\n决定责任\",\"不予受理的\n超期办理的\",20个工作日\n\
        JC-0601,食品经营日常监督检查,行政检查,《中华人民共和国食品安全法》第一百一十条,临沂市行政审批服务局,市场准入审批科,检查,,\n\
        XK-0102,药品经营许可,01,《中华人民共和国药品管理法》第五十二条,临沂市行政审批服务局,不存在的科,受理责任,,20个工作日\n";
    let path = std::env::temp_dir().join(format!("power-list-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&path, csv).expect("write the csv");
    let report = import(&app.state, &path, Some(&code), None).await;
    let _ = std::fs::remove_file(&path);
    let report = report.expect("csv");
    assert_eq!(report.header_row, 1);
    let rows: Vec<usize> = report.rows.iter().map(|r| r.row).collect();
    assert_eq!(rows, vec![2, 3, 4], "{report:#?}");
    assert_eq!(*outcome_of(&report, 2), Outcome::Stored, "{report:#?}");
    assert_eq!(*outcome_of(&report, 3), Outcome::Stored, "{report:#?}");
    assert_eq!(
        rule(outcome_of(&report, 4)),
        Some("UNIT_NOT_FOUND"),
        "the refused row is reported by its spreadsheet row: {report:#?}"
    );
    let list = app
        .ok(
            r#"query($id: ID!) { powerList(departmentId: $id) { code stages accountability } }"#,
            json!({"id": id}),
        )
        .await;
    let xk = list["powerList"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["code"] == "XK-0101"))
        .cloned()
        .expect("XK-0101");
    assert_eq!(xk["stages"], json!(["受理责任", "审查责任", "决定责任"]));
    assert_eq!(xk["accountability"].as_array().map(Vec::len), Some(2));
}
