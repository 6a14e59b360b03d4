//! Importing workflow charts from a CSV (issue 14 item 4), through the function the CLI calls:
//! a chart per task with steps and sub-steps, in force afterwards; a second run is unchanged
//! and appends nothing; a step with 5 sign-off levels refuses its chart, reported on its row.

use dutyledger_api::import::workflow::{import, Outcome, Report};
use dutyledger_domain::values::CreditCode;
use dutyledger_tests::{credit_code, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

async fn department(app: &TestApp, id: &str) {
    let since = "2020-01-01T00:00:00Z";
    let steps: Vec<(&str, Value)> = vec![
        (
            "establishDepartment",
            json!({"id": id, "name": "临沂市导入局", "divisionCode": "371300000000", "level": "CITY",
            "sector": "测试", "kind": "GOVERNMENT_DEPARTMENT", "effectiveAt": since}),
        ),
        (
            "defineMainDuty",
            json!({"departmentId": id, "dutyId": "md1", "text": "负责审批", "effectiveAt": since}),
        ),
        (
            "establishUnit",
            json!({"departmentId": id, "unitId": "u1", "name": "审批科", "effectiveAt": since}),
        ),
        (
            "establishUnit",
            json!({"departmentId": id, "unitId": "u2", "name": "综合科", "effectiveAt": since}),
        ),
        (
            "createPost",
            json!({"departmentId": id, "postId": "p1", "unitId": "u1", "name": "审批岗", "effectiveAt": since}),
        ),
        (
            "createPost",
            json!({"departmentId": id, "postId": "p2", "unitId": "u2", "name": "综合岗", "effectiveAt": since}),
        ),
        (
            "assignUnitDuty",
            json!({"departmentId": id, "unitDutyId": "ud1", "mainDutyId": "md1", "unitId": "u1", "text": "审批", "effectiveAt": since}),
        ),
        (
            "defineTask",
            json!({"departmentId": id, "taskId": "t1", "unitDutyId": "ud1", "name": "许可审批", "effectiveAt": since}),
        ),
        (
            "defineTask",
            json!({"departmentId": id, "taskId": "t2", "unitDutyId": "ud1", "name": "备案登记", "effectiveAt": since}),
        ),
        (
            "defineTask",
            json!({"departmentId": id, "taskId": "t3", "unitDutyId": "ud1", "name": "年度检查", "effectiveAt": since}),
        ),
    ];
    for (mutation, input) in steps {
        let input_type = format!("{}{}Input", mutation[..1].to_uppercase(), &mutation[1..]);
        let r = app
            .gql(
                &format!("mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ events }} }}"),
                json!({"i": input}),
            )
            .await;
        assert!(r.get("errors").is_none(), "{mutation}: {r:#}");
    }
}

/// Rows 2-6: 许可审批 (t1, by name) with 3 steps, the second in 2 sub-steps; rows 7-8: t2 (by
/// id) with 2 steps, the second needing 5 sign-off levels; row 9: 年度检查 with one step.
const CSV: &str = "\
实施主体,事项,环节序号,环节名称,子环节名称,办理科室,办理岗位,办理时限,申请材料,办理程序,签批层级,科室可签批
{D},许可审批,1,受理,,审批科,审批岗,1个工作日,申请书；身份证明（可选）,接收材料；出具受理通知书,1,是
{D},许可审批,2,审查,,审批科,p1,10日,,书面审查,2,否
{D},许可审批,2,审查,书面审查,u1,审批岗,5个工作日,审查意见,审查,1,是
{D},许可审批,2,审查,现场核查,审批科,,5天,\"核查记录\n现场照片\",\"1.现场勘验\n2.制作笔录\",2,否
{D},许可审批,3,决定,,审批科,审批岗,3个工作日,,作出决定；送达,3,否
{D},t2,1,受理,,审批科,审批岗,即办,申请书,受理,1,是
{D},t2,2,登记,,审批科,审批岗,5个工作日,,登记,5,否
{D},年度检查,1,检查,,综合科,综合岗,30天,,现场检查,1,是
";

async fn event_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.state.pool)
        .await
        .expect("count events")
}

fn outcome(report: &Report, row: usize) -> &Outcome {
    &report
        .rows
        .iter()
        .find(|r| r.row == row)
        .unwrap_or_else(|| panic!("row {row} reported: {report:#?}"))
        .outcome
}

fn rule(o: &Outcome) -> Option<&str> {
    match o {
        Outcome::Refused { rule, .. } => rule.as_deref(),
        _ => None,
    }
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_csv_of_workflow_charts_imports_once_and_reports_every_row(pool: PgPool) {
    let app = TestApp::new(pool);
    let d = credit_code("70000015");
    department(&app, &d).await;
    let dir = std::env::temp_dir().join(format!("wf-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join(format!("charts-{d}.csv"));
    std::fs::write(&file, CSV.replace("{D}", &d)).expect("write csv");

    let report = import(&app.state, &file, None, None)
        .await
        .expect("import runs");
    assert_eq!(report.header_row, 1);
    assert_eq!(report.rows.len(), 8, "{report:#?}");
    assert_eq!(
        (
            report.charts_stored,
            report.charts_unchanged,
            report.charts_refused
        ),
        (2, 0, 1),
        "{report:#?}"
    );
    for row in [2, 3, 4, 5, 6, 9] {
        assert_eq!(*outcome(&report, row), Outcome::Stored, "row {row}");
    }
    // The chart of t2 is refused on both its rows: the row with 5 levels names the rule.
    assert_eq!(rule(outcome(&report, 8)), Some("SIGN_OFF_LEVELS"));
    assert_eq!(rule(outcome(&report, 7)), Some("SIGN_OFF_LEVELS"));
    match outcome(&report, 8) {
        Outcome::Refused { code, reason, .. } => {
            assert_eq!(code, "BAD_USER_INPUT");
            assert!(reason.contains("登记"), "{reason}");
        }
        other => panic!("row 8: {other:?}"),
    }
    let t2 = report.rows.iter().find(|r| r.row == 8).expect("row 8");
    assert_eq!(t2.task.as_deref(), Some("t2"));

    // The chart is in force, with its steps and sub-steps.
    let data = app
        .ok(
            r#"query($d: ID!) { workflowChart(departmentId: $d, taskId: "t1") {
                 version steps { name unitId postId signOffLevels sectionSignOff timeLimit { days kind }
                   materials { name required } procedures subSteps { name postId timeLimit { days kind } procedures } }
                 figures { steps subSteps procedures materials } } }"#,
            json!({"d": d}),
        )
        .await;
    let chart = &data["workflowChart"];
    assert_eq!(chart["version"], 1, "{data:#}");
    let names: Vec<&str> = chart["steps"]
        .as_array()
        .map(|s| s.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["受理", "审查", "决定"]);
    let first = &chart["steps"][0];
    assert_eq!(first["postId"], "p1");
    assert_eq!(first["sectionSignOff"], true);
    assert_eq!(first["timeLimit"], json!({"days": 1, "kind": "WORKING"}));
    assert_eq!(
        first["materials"],
        json!([{"name": "申请书", "required": true}, {"name": "身份证明", "required": false}])
    );
    assert_eq!(first["procedures"], json!(["接收材料", "出具受理通知书"]));
    let review = &chart["steps"][1];
    assert_eq!(review["signOffLevels"], 2);
    assert_eq!(review["timeLimit"], json!({"days": 10, "kind": "WORKING"}));
    let subs: Vec<&str> = review["subSteps"]
        .as_array()
        .map(|s| s.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(subs, ["书面审查", "现场核查"]);
    assert_eq!(review["subSteps"][1]["postId"], Value::Null);
    assert_eq!(
        review["subSteps"][1]["timeLimit"],
        json!({"days": 5, "kind": "CALENDAR"})
    );
    assert_eq!(
        review["subSteps"][1]["procedures"],
        json!(["现场勘验", "制作笔录"])
    );
    assert_eq!(
        chart["figures"],
        json!({"steps": 3, "subSteps": 2, "procedures": 8, "materials": 5})
    );
    let t3 = app
        .ok(
            r#"query($d: ID!) { workflowChart(departmentId: $d, taskId: "t3") { version steps { unitId postId } } }"#,
            json!({"d": d}),
        )
        .await;
    assert_eq!(
        t3["workflowChart"]["steps"][0],
        json!({"unitId": "u2", "postId": "p2"})
    );

    // A second run: every chart unchanged (the refused one still refused), no event appended.
    let before = event_count(&app).await;
    let code = CreditCode::parse(&d).expect("code");
    let again = import(&app.state, &file, Some(&code), None)
        .await
        .expect("import runs again");
    assert_eq!(
        (
            again.charts_stored,
            again.charts_unchanged,
            again.charts_refused,
            again.events
        ),
        (0, 2, 1, 0),
        "{again:#?}"
    );
    for row in [2, 3, 4, 5, 6, 9] {
        assert_eq!(*outcome(&again, row), Outcome::Unchanged, "row {row}");
    }
    assert_eq!(event_count(&app).await, before, "nothing appended");
    let _ = std::fs::remove_dir_all(&dir);
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn unreadable_rows_refuse_their_chart_and_name_themselves(pool: PgPool) {
    let app = TestApp::new(pool);
    let d = credit_code("70000016");
    department(&app, &d).await;
    let dir = std::env::temp_dir().join(format!("wf-import-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("bad.csv");
    let csv = "\
事项,环节名称,子环节名称,办理科室,办理岗位,办理时限,签批层级,科室可签批
许可审批,受理,,审批科,审批岗,一个月,1,是
许可审批,审批,,审批科,综合岗,5个工作日,1,是
备案登记,受理,,审批科,综合岗,5个工作日,1,是
年度检查,检查,现场,未知科,,5天,1,否
不存在的事项,受理,,审批科,,,1,是
";
    std::fs::write(&file, csv).expect("write csv");
    let code = CreditCode::parse(&d).expect("code");
    let report = import(&app.state, &file, Some(&code), None)
        .await
        .expect("import runs");
    assert_eq!(report.events, 0, "{report:#?}");
    match outcome(&report, 2) {
        Outcome::Refused { reason, .. } => assert!(reason.contains("办理时限"), "{reason}"),
        other => panic!("row 2: {other:?}"),
    }
    assert_eq!(rule(outcome(&report, 3)), Some("CHART_ROW_REFUSED"));
    // A post of another unit is the domain's refusal.
    assert_eq!(rule(outcome(&report, 4)), Some("POST_IN_ANOTHER_UNIT"));
    assert_eq!(rule(outcome(&report, 5)), Some("UNIT_NOT_FOUND"));
    assert_eq!(rule(outcome(&report, 6)), Some("TASK_NOT_FOUND"));
    let _ = std::fs::remove_dir_all(&dir);
}
