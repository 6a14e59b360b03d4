//! Workflow charts (issue 14) through GraphQL: the demo relief chart, the approval bureau's
//! re-engineering figures, versions in valid time, every command and its refusals.

use dutyledger_api::auth::Role;
use dutyledger_api::seed;
use serde_json::{json, Value};
use sqlx::PgPool;

use dutyledger_tests::{actor, credit_code, error_code, error_rule, TestApp};

const CHART: &str = r#"query($d: ID!, $t: ID!, $v: Int, $asOf: AsOf) {
  workflowChart(departmentId: $d, taskId: $t, version: $v, asOf: $asOf) {
    version supersedes steps { name signOffLevels sectionSignOff timeLimit { days kind } subSteps { name } }
    figures { steps subSteps procedures materials timeLimitDays sectionSignOff } } }"#;

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn the_relief_chart_has_ten_steps_and_five_sub_steps(pool: PgPool) {
    let app = TestApp::new(pool);
    seed::seed(&app.state).await.expect("seed");
    let emergency = seed::EMERGENCY_MANAGEMENT
        .credit_code()
        .expect("code")
        .to_string();
    let data = app
        .ok(
            "query($d: ID!) { department(id: $d) { tasks { id workflow { version steps { name subSteps { name } } } } } }",
            json!({"d": emergency}),
        )
        .await;
    let task = data["department"]["tasks"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["id"] == "emb-relief-t1"))
        .cloned()
        .unwrap_or_default();
    let steps = task["workflow"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(steps.len(), 10, "{task:#}");
    assert_eq!(steps[3]["name"], "确定救助对象");
    let subs: Vec<&str> = steps[3]["subSteps"]
        .as_array()
        .map(|s| s.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(subs, ["申请", "评议", "公示", "乡镇审核", "县级审批"]);
    // A second seed appends nothing.
    let again = seed::seed(&app.state).await.expect("seed again");
    assert_eq!(again.events, 0);
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn reengineering_of_the_approval_bureau_moves_section_sign_off_from_72_82_to_84_57(
    pool: PgPool,
) {
    let app = TestApp::new(pool);
    seed::seed(&app.state).await.expect("seed");
    seed::seed_approval_items(&app.state)
        .await
        .expect("approval items");
    let bureau = seed::ADMINISTRATIVE_APPROVAL
        .credit_code()
        .expect("code")
        .to_string();
    let data = app
        .ok(
            r#"query($f: ReengineeringFilter) { reengineering(filter: $f) {
                 rows { departmentId chartsReengineered stepsRemoved proceduresRemoved materialsRemoved timeLimitDaysRemoved
                        itemsBefore itemsAfter sectionShareBefore sectionShareAfter leaderShareBefore leaderShareAfter }
                 totals { chartsReengineered stepsRemoved sectionShareBefore sectionShareAfter } } }"#,
            json!({"f": {"departmentIds": [bureau], "from": "2025-01-01T00:00:00Z", "to": "2025-12-31T00:00:00Z"}}),
        )
        .await;
    let row = &data["reengineering"]["rows"][0];
    assert_eq!(row["sectionShareBefore"], json!(72.82), "{data:#}");
    assert_eq!(row["sectionShareAfter"], json!(84.57));
    assert_eq!(row["leaderShareBefore"], json!(27.18));
    assert_eq!(row["leaderShareAfter"], json!(15.43));
    assert_eq!(row["itemsBefore"], 927);
    assert_eq!(row["chartsReengineered"], 927);
    // Version 2 merged 审查 into 受理: one step, two procedures, one material and 15 days less.
    assert_eq!(row["stepsRemoved"], 927);
    assert_eq!(row["proceduresRemoved"], 927 * 2);
    assert_eq!(row["materialsRemoved"], 927);
    assert_eq!(row["timeLimitDaysRemoved"], 927 * 15);
    assert_eq!(
        data["reengineering"]["totals"]["sectionShareAfter"],
        json!(84.57)
    );

    // asOf before the second version answers the first.
    let item = json!({"d": bureau, "t": "aab-item-0700"});
    let mut before = item.clone();
    before["asOf"] = json!({"validAt": "2025-01-01T00:00:00Z"});
    let v = app.ok(CHART, before).await;
    assert_eq!(v["workflowChart"]["version"], 1);
    assert_eq!(v["workflowChart"]["figures"]["steps"], 3);
    assert_eq!(v["workflowChart"]["figures"]["sectionSignOff"], false);
    let v = app.ok(CHART, item.clone()).await;
    assert_eq!(v["workflowChart"]["version"], 2);
    assert_eq!(v["workflowChart"]["supersedes"], 1);
    assert_eq!(v["workflowChart"]["figures"]["sectionSignOff"], true);

    let cmp = app
        .ok(
            r#"query($d: ID!, $t: ID!) { workflowComparison(departmentId: $d, taskId: $t, from: 1, to: 2) {
                 steps { before after change percent } timeLimitDays { before after change percent }
                 removedSteps addedSteps changedSteps } }"#,
            item,
        )
        .await;
    let c = &cmp["workflowComparison"];
    assert_eq!(
        c["steps"],
        json!({"before": 3, "after": 2, "change": -1, "percent": -33.33})
    );
    assert_eq!(c["timeLimitDays"]["change"], -15);
    assert_eq!(c["removedSteps"], json!(["审查"]));
    assert_eq!(c["addedSteps"], json!([]));
    assert_eq!(c["changedSteps"], json!(["决定"]));
}

async fn department(app: &TestApp, id: &str) {
    let since = "2020-01-01T00:00:00Z";
    let steps: Vec<(&str, Value)> = vec![
        (
            "establishDepartment",
            json!({"id": id, "name": "临沂市测试局", "divisionCode": "371300000000", "level": "CITY",
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
            json!({"departmentId": id, "taskId": "t2", "unitDutyId": "ud1", "name": "行政处罚", "effectiveAt": since,
            "scope": "全市", "procedure": "立案、调查、决定", "standard": "依法", "timeLimit": {"days": 30, "kind": "WORKING"},
            "risks": {"wideDiscretion": true}}),
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

fn step(name: &str, unit: &str, post: &str) -> Value {
    json!({"name": name, "unitId": unit, "postId": post, "timeLimit": {"days": 5, "kind": "WORKING"},
           "signOffLevels": 2, "materials": [{"name": "申请书"}], "procedures": ["受理"]})
}

async fn command(app: &TestApp, mutation: &str, input_type: &str, input: Value) -> Value {
    app.gql(
        &format!(
            "mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ id events effectiveAt workflow {{ version }} }} }}"
        ),
        json!({"i": input}),
    )
    .await
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn every_workflow_command_and_its_refusals(pool: PgPool) {
    let app = TestApp::new(pool);
    let d = credit_code("70000014");
    department(&app, &d).await;
    let chart = |steps: Vec<Value>| json!({"departmentId": d, "taskId": "t1", "steps": steps, "effectiveAt": "2021-01-01T00:00:00Z"});
    let ok = |r: Value| {
        assert!(r.get("errors").is_none(), "{r:#}");
        r
    };
    ok(command(
        &app,
        "draftWorkflow",
        "WorkflowChartInput",
        chart(vec![step("受理", "u1", "p1")]),
    )
    .await);
    let r = command(
        &app,
        "draftWorkflow",
        "WorkflowChartInput",
        chart(vec![step("受理", "u1", "p1")]),
    )
    .await;
    assert_eq!(error_rule(&r), Some("DRAFT_EXISTS"));
    ok(command(
        &app,
        "editWorkflowDraft",
        "WorkflowChartInput",
        chart(vec![step("受理", "u1", "p1"), step("审批", "u1", "p1")]),
    )
    .await);
    let draft = json!({"departmentId": d, "taskId": "t1", "effectiveAt": "2021-01-01T00:00:00Z"});
    let r = ok(command(&app, "publishWorkflow", "WorkflowDraftInput", draft.clone()).await);
    assert_eq!(r["data"]["publishWorkflow"]["workflow"]["version"], 1);
    // Unchanged content creates no version.
    let r = ok(command(
        &app,
        "supersedeWorkflow",
        "WorkflowChartInput",
        chart(vec![step("受理", "u1", "p1"), step("审批", "u1", "p1")]),
    )
    .await);
    assert_eq!(r["data"]["supersedeWorkflow"]["events"], 0);
    // A new version from 2022 supersedes the first.
    let mut later = chart(vec![step("受理并审批", "u1", "p1")]);
    later["effectiveAt"] = json!("2022-01-01T00:00:00Z");
    let r = ok(command(&app, "supersedeWorkflow", "WorkflowChartInput", later).await);
    assert_eq!(r["data"]["supersedeWorkflow"]["workflow"]["version"], 2);
    let v = app
        .ok(
            CHART,
            json!({"d": d, "t": "t1", "asOf": {"validAt": "2021-06-01T00:00:00Z"}}),
        )
        .await;
    assert_eq!(v["workflowChart"]["version"], 1);
    let v = app
        .gql(
            CHART,
            json!({"d": d, "t": "t1", "asOf": {"validAt": "2020-06-01T00:00:00Z"}}),
        )
        .await;
    assert_eq!(
        error_rule(&v),
        Some("WORKFLOW_NOT_FOUND"),
        "no version in force then"
    );
    // The department may be left out when only one has a task with this id.
    let v = app
        .ok(
            "{ workflowChart(taskId: \"t1\") { departmentId version } }",
            json!({}),
        )
        .await;
    assert_eq!(v["workflowChart"]["version"], 2);
    assert_eq!(v["workflowChart"]["departmentId"], json!(d));
    // Draft then withdraw.
    ok(command(
        &app,
        "draftWorkflow",
        "WorkflowChartInput",
        chart(vec![step("x", "u1", "p1")]),
    )
    .await);
    ok(command(
        &app,
        "withdrawWorkflowDraft",
        "WorkflowDraftInput",
        draft.clone(),
    )
    .await);
    let r = command(&app, "publishWorkflow", "WorkflowDraftInput", draft.clone()).await;
    assert_eq!(error_rule(&r), Some("NO_DRAFT"));

    // Refusals.
    let mut five = step("审批", "u1", "p1");
    five["signOffLevels"] = json!(5);
    let r = command(
        &app,
        "draftWorkflow",
        "WorkflowChartInput",
        chart(vec![five]),
    )
    .await;
    assert_eq!(
        (error_code(&r), error_rule(&r)),
        (Some("BAD_USER_INPUT"), Some("SIGN_OFF_LEVELS"))
    );
    let r = command(
        &app,
        "draftWorkflow",
        "WorkflowChartInput",
        chart(vec![step("审批", "u1", "p2")]),
    )
    .await;
    assert_eq!(error_rule(&r), Some("POST_IN_ANOTHER_UNIT"));
    let r = command(
        &app,
        "draftWorkflow",
        "WorkflowChartInput",
        chart(vec![step("审批", "u9", "p1")]),
    )
    .await;
    assert_eq!(
        (error_code(&r), error_rule(&r)),
        (Some("NOT_FOUND"), Some("UNIT_NOT_FOUND"))
    );
    let mut no_limit = step("调查", "u1", "p1");
    no_limit["timeLimit"] = Value::Null;
    let mut risky = chart(vec![no_limit]);
    risky["taskId"] = json!("t2");
    let r = command(&app, "supersedeWorkflow", "WorkflowChartInput", risky).await;
    assert_eq!(error_rule(&r), Some("HIGH_RISK_STEP_WITHOUT_TIME_LIMIT"));
    let mut unknown = chart(vec![step("x", "u1", "p1")]);
    unknown["taskId"] = json!("t9");
    let r = command(&app, "supersedeWorkflow", "WorkflowChartInput", unknown).await;
    assert_eq!(error_rule(&r), Some("TASK_NOT_FOUND"));
    // Before the department's structure was in force, its units were not.
    let mut early = chart(vec![step("x", "u1", "p1")]);
    early["effectiveAt"] = json!("2019-01-01T00:00:00Z");
    let r = command(&app, "supersedeWorkflow", "WorkflowChartInput", early).await;
    assert_eq!(error_code(&r), Some("NOT_FOUND"));
    // Only who may change the structure may change charts.
    let clerk = actor(Role::Clerk, &[&d]);
    let r = app
        .gql_as(
            &clerk,
            "mutation($i: WorkflowDraftInput!) { publishWorkflow(input: $i) { events } }",
            json!({"i": draft}),
        )
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"));
    // The chart's history lists every event.
    let h = app
        .ok(
            "query($d: ID!) { workflowHistory(departmentId: $d, taskId: \"t1\") { eventType } }",
            json!({"d": d}),
        )
        .await;
    let types: Vec<&str> = h["workflowHistory"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["eventType"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        types,
        [
            "WorkflowDrafted",
            "WorkflowDraftEdited",
            "WorkflowPublished",
            "WorkflowPublished",
            "WorkflowDrafted",
            "WorkflowDraftWithdrawn"
        ]
    );
}
