//! The duty-task list end to end through GraphQL, against a real PostgreSQL.

use dutyledger_tests::{credit_code, error_code, error_rule, establish_vars, TestApp, ESTABLISH};
use serde_json::{json, Value};
use sqlx::PgPool;

const STRUCTURE: &str = r#"
query($id: ID!) {
  department(id: $id) {
    id name divisionCode level kind sector staffing
    mainDuties { id text unitDuties { id } }
    units { id name staffing duties { id text tasks { id name highRisk posts { id } } } posts { id name tasks { id } } }
    posts { id name unit { id } }
    coverage {
      complete
      mainDutiesWithoutUnitDuties { id }
      unitDutiesWithoutTasks { id }
      tasksWithoutPosts { id }
      counts { mainDuties unitDuties tasks posts }
    }
  }
}"#;

async fn mutate(app: &TestApp, mutation: &str, input: Value) -> Value {
    let query = format!(
        "mutation($input: {}Input!) {{ {}(input: $input) {{ id events cursor projected }} }}",
        input_type(mutation),
        mutation
    );
    app.gql(&query, json!({ "input": input })).await
}

fn input_type(mutation: &str) -> String {
    match mutation {
        "assignTaskToPost" | "unassignTaskFromPost" => "TaskPost".to_owned(),
        m => {
            let mut c = m.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
    }
}

async fn must(app: &TestApp, mutation: &str, input: Value) -> Value {
    let response = mutate(app, mutation, input).await;
    assert!(response.get("errors").is_none(), "{mutation}: {response:#}");
    let result = response["data"][mutation].clone();
    assert_eq!(
        result["projected"], true,
        "{mutation} returns after the read models show it"
    );
    result
}

/// A department with main duty md1, units u1 and u2, unit duty ud1 (in u1) split into task t1
/// (high-risk, complete), posts p1 (u1) and p2 (u2), p1 holding t1.
async fn build(app: &TestApp) -> String {
    let id = credit_code("20000001");
    let r = app.gql(ESTABLISH, establish_vars(&id)).await;
    assert!(r.get("errors").is_none(), "{r:#}");
    must(
        app,
        "defineMainDuty",
        json!({"departmentId": id, "dutyId": "md1", "text": "负责市场综合监督管理"}),
    )
    .await;
    must(
        app,
        "establishUnit",
        json!({"departmentId": id, "unitId": "u1", "name": "机关党委"}),
    )
    .await;
    must(
        app,
        "establishUnit",
        json!({"departmentId": id, "unitId": "u2", "name": "办公室"}),
    )
    .await;
    must(app, "assignUnitDuty", json!({"departmentId": id, "unitDutyId": "ud1", "mainDutyId": "md1", "unitId": "u1", "text": "负责党的建设"})).await;
    must(app, "defineTask", json!({
        "departmentId": id, "taskId": "t1", "unitDutyId": "ud1", "name": "党费收缴管理",
        "scope": "全体党员", "procedure": "核定、收缴、公示", "timeLimit": {"days": 10, "kind": "WORKING"},
        "standard": "足额收缴", "risks": {"integrityRisk": true}
    })).await;
    must(
        app,
        "createPost",
        json!({"departmentId": id, "postId": "p1", "unitId": "u1", "name": "党建岗"}),
    )
    .await;
    must(
        app,
        "createPost",
        json!({"departmentId": id, "postId": "p2", "unitId": "u2", "name": "文秘岗"}),
    )
    .await;
    must(
        app,
        "assignTaskToPost",
        json!({"departmentId": id, "taskId": "t1", "postId": "p1"}),
    )
    .await;
    id
}

async fn department(app: &TestApp, id: &str) -> Value {
    app.ok(STRUCTURE, json!({ "id": id })).await["department"].clone()
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_built_department_reads_back_through_graphql(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    let d = department(&app, &id).await;
    assert_eq!(d["id"], id);
    assert_eq!(d["level"], "CITY");
    assert_eq!(d["kind"], "GOVERNMENT_DEPARTMENT");
    assert_eq!(d["divisionCode"], "371300000000");
    assert_eq!(d["units"][0]["name"], "机关党委");
    assert_eq!(d["units"][0]["duties"][0]["tasks"][0]["id"], "t1");
    assert_eq!(d["units"][0]["duties"][0]["tasks"][0]["highRisk"], true);
    assert_eq!(
        d["units"][0]["duties"][0]["tasks"][0]["posts"][0]["id"],
        "p1"
    );
    assert_eq!(d["units"][1]["posts"][0]["id"], "p2");
    assert_eq!(d["coverage"]["complete"], true);
    assert_eq!(
        d["coverage"]["counts"],
        json!({"mainDuties": 1, "unitDuties": 1, "tasks": 1, "posts": 2})
    );

    let list = app.ok("{ departments { id name } }", json!({})).await;
    assert_eq!(
        list["departments"],
        json!([{ "id": id, "name": "临沂市测试局" }])
    );
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn coverage_reports_each_gap(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    must(
        &app,
        "defineMainDuty",
        json!({"departmentId": id, "dutyId": "md2", "text": "负责质量发展"}),
    )
    .await;
    must(&app, "assignUnitDuty", json!({"departmentId": id, "unitDutyId": "ud2", "mainDutyId": "md1", "unitId": "u2", "text": "负责文电"})).await;
    must(
        &app,
        "defineTask",
        json!({"departmentId": id, "taskId": "t2", "unitDutyId": "ud1", "name": "理论学习"}),
    )
    .await;
    let c = department(&app, &id).await["coverage"].clone();
    assert_eq!(c["complete"], false);
    assert_eq!(c["mainDutiesWithoutUnitDuties"], json!([{ "id": "md2" }]));
    assert_eq!(c["unitDutiesWithoutTasks"], json!([{ "id": "ud2" }]));
    assert_eq!(c["tasksWithoutPosts"], json!([{ "id": "t2" }]));
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn transfer_moves_tasks_and_ends_assignments(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    must(
        &app,
        "transferUnitDuty",
        json!({"departmentId": id, "unitDutyId": "ud1", "toUnitId": "u2"}),
    )
    .await;
    let d = department(&app, &id).await;
    assert_eq!(d["units"][0]["duties"], json!([]));
    assert_eq!(d["units"][1]["duties"][0]["id"], "ud1");
    assert_eq!(
        d["units"][1]["duties"][0]["tasks"][0]["posts"],
        json!([]),
        "the assignment ended"
    );
    assert_eq!(d["coverage"]["tasksWithoutPosts"], json!([{ "id": "t1" }]));
    // Now p2 (in u2) may take t1, p1 may not.
    let r = mutate(
        &app,
        "assignTaskToPost",
        json!({"departmentId": id, "taskId": "t1", "postId": "p1"}),
    )
    .await;
    assert_eq!(error_rule(&r), Some("POST_BELONGS_TO_ANOTHER_UNIT"));
    must(
        &app,
        "assignTaskToPost",
        json!({"departmentId": id, "taskId": "t1", "postId": "p2"}),
    )
    .await;
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn merge_moves_everything_and_ends_the_unit(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    must(
        &app,
        "setUnitStaffing",
        json!({"departmentId": id, "unitId": "u1", "headcount": 4}),
    )
    .await;
    must(
        &app,
        "setUnitStaffing",
        json!({"departmentId": id, "unitId": "u2", "headcount": 3}),
    )
    .await;
    must(
        &app,
        "mergeUnits",
        json!({"departmentId": id, "unitId": "u1", "intoUnitId": "u2"}),
    )
    .await;
    let d = department(&app, &id).await;
    assert_eq!(d["units"].as_array().map(Vec::len), Some(1));
    let u = &d["units"][0];
    assert_eq!(u["id"], "u2");
    assert_eq!(u["staffing"], 7);
    assert_eq!(
        u["duties"][0]["tasks"][0]["posts"],
        json!([{ "id": "p1" }]),
        "assignments move with the unit"
    );
    let posts: Vec<&str> = u["posts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(posts, ["p1", "p2"]);
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn retire_abolish_revoke_in_the_allowed_order(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    let r = mutate(
        &app,
        "abolishUnit",
        json!({"departmentId": id, "unitId": "u1"}),
    )
    .await;
    assert_eq!(error_code(&r), Some("CONFLICT"));
    assert_eq!(error_rule(&r), Some("UNIT_HOLDS_DUTIES"));
    let r = mutate(
        &app,
        "abolishPost",
        json!({"departmentId": id, "postId": "p1"}),
    )
    .await;
    assert_eq!(error_rule(&r), Some("POST_HOLDS_TASKS"));
    let r = mutate(
        &app,
        "revokeUnitDuty",
        json!({"departmentId": id, "unitDutyId": "ud1"}),
    )
    .await;
    assert_eq!(error_rule(&r), Some("UNIT_DUTY_HAS_TASKS"));
    let r = mutate(
        &app,
        "revokeMainDuty",
        json!({"departmentId": id, "dutyId": "md1"}),
    )
    .await;
    assert_eq!(error_rule(&r), Some("MAIN_DUTY_HAS_UNIT_DUTIES"));

    must(
        &app,
        "retireTask",
        json!({"departmentId": id, "taskId": "t1", "reason": "职能划转"}),
    )
    .await;
    must(
        &app,
        "abolishPost",
        json!({"departmentId": id, "postId": "p1"}),
    )
    .await;
    must(
        &app,
        "revokeUnitDuty",
        json!({"departmentId": id, "unitDutyId": "ud1"}),
    )
    .await;
    must(
        &app,
        "revokeMainDuty",
        json!({"departmentId": id, "dutyId": "md1"}),
    )
    .await;
    must(
        &app,
        "abolishUnit",
        json!({"departmentId": id, "unitId": "u1"}),
    )
    .await;
    let d = department(&app, &id).await;
    assert_eq!(d["units"].as_array().map(Vec::len), Some(1));
    assert_eq!(d["mainDuties"], json!([]));
    assert_eq!(d["coverage"]["counts"]["tasks"], 0);

    let reason: Option<String> = sqlx::query_scalar(
        "SELECT metadata->>'reason' FROM events WHERE event_type = 'TaskRetired'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("retired event");
    assert_eq!(reason.as_deref(), Some("职能划转"));
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn amend_rename_and_staffing_show_in_the_list(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    must(
        &app,
        "amendMainDuty",
        json!({"departmentId": id, "dutyId": "md1", "text": "负责市场综合监督管理和质量发展"}),
    )
    .await;
    must(
        &app,
        "renameUnit",
        json!({"departmentId": id, "unitId": "u1", "name": "党建工作科"}),
    )
    .await;
    must(
        &app,
        "amendTask",
        json!({"departmentId": id, "taskId": "t1", "name": "党费管理"}),
    )
    .await;
    must(
        &app,
        "setDepartmentStaffing",
        json!({"departmentId": id, "headcount": 50}),
    )
    .await;
    let unchanged = must(
        &app,
        "setDepartmentStaffing",
        json!({"departmentId": id, "headcount": 50}),
    )
    .await;
    assert_eq!(
        unchanged["events"], 0,
        "setting the same value appends nothing"
    );
    let d = department(&app, &id).await;
    assert_eq!(d["mainDuties"][0]["text"], "负责市场综合监督管理和质量发展");
    assert_eq!(d["units"][0]["name"], "党建工作科");
    assert_eq!(d["units"][0]["duties"][0]["tasks"][0]["name"], "党费管理");
    // An amendment changes what it names and nothing else (issue 13): the risk flags stay.
    assert_eq!(d["units"][0]["duties"][0]["tasks"][0]["highRisk"], true);
    assert_eq!(d["staffing"], 50);
    let r = mutate(
        &app,
        "setUnitStaffing",
        json!({"departmentId": id, "unitId": "u1", "headcount": 51}),
    )
    .await;
    assert_eq!(error_rule(&r), Some("STAFFING_EXCEEDS_DEPARTMENT"));
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn server_assigns_ids_when_none_given(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    let r = must(
        &app,
        "establishUnit",
        json!({"departmentId": id, "name": "法规科"}),
    )
    .await;
    let unit = r["id"].as_str().expect("an assigned id").to_owned();
    assert!(!unit.is_empty());
    let d = department(&app, &id).await;
    assert_eq!(d["units"][2]["id"], unit);
}

/// Every bad input gets an error with a code, and no event is written.
#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn bad_input_gets_a_coded_error_and_writes_nothing(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    let other = credit_code("20000002");
    let before = app.event_count().await;
    let cases: Vec<(&str, Value, &str, Option<&str>)> = vec![
        (
            "establishDepartment",
            json!({"id": "11371300004350120X", "name": "x", "divisionCode": "371300000000", "level": "CITY", "sector": "x", "kind": "OTHER"}),
            "BAD_USER_INPUT",
            None,
        ),
        (
            "establishDepartment",
            json!({"id": other, "name": "x", "divisionCode": "37130000000", "level": "CITY", "sector": "x", "kind": "OTHER"}),
            "BAD_USER_INPUT",
            None,
        ),
        (
            "establishDepartment",
            json!({"id": other, "name": "x", "divisionCode": "371302000000", "level": "CITY", "sector": "x", "kind": "OTHER"}),
            "BAD_USER_INPUT",
            Some("DIVISION_LEVEL_MISMATCH"),
        ),
        (
            "establishDepartment",
            json!({"id": other, "name": "   ", "divisionCode": "371300000000", "level": "CITY", "sector": "x", "kind": "OTHER"}),
            "BAD_USER_INPUT",
            None,
        ),
        (
            "establishDepartment",
            json!({"id": id, "name": "x", "divisionCode": "371300000000", "level": "CITY", "sector": "x", "kind": "OTHER"}),
            "CONFLICT",
            Some("DEPARTMENT_ALREADY_ESTABLISHED"),
        ),
        (
            "defineMainDuty",
            json!({"departmentId": other, "dutyId": "md9", "text": "x"}),
            "NOT_FOUND",
            Some("DEPARTMENT_NOT_FOUND"),
        ),
        (
            "defineMainDuty",
            json!({"departmentId": "not-a-code", "dutyId": "md9", "text": "x"}),
            "BAD_USER_INPUT",
            None,
        ),
        (
            "defineMainDuty",
            json!({"departmentId": id, "dutyId": "md1", "text": "x"}),
            "CONFLICT",
            Some("MAIN_DUTY_ALREADY_EXISTS"),
        ),
        (
            "defineMainDuty",
            json!({"departmentId": id, "dutyId": "has space", "text": "x"}),
            "BAD_USER_INPUT",
            None,
        ),
        (
            "defineMainDuty",
            json!({"departmentId": id, "dutyId": "md9", "text": ""}),
            "BAD_USER_INPUT",
            None,
        ),
        (
            "establishUnit",
            json!({"departmentId": id, "unitId": "u1", "name": "新科"}),
            "CONFLICT",
            Some("UNIT_ALREADY_EXISTS"),
        ),
        (
            "establishUnit",
            json!({"departmentId": id, "unitId": "u9", "name": "办公室"}),
            "CONFLICT",
            Some("UNIT_NAME_TAKEN"),
        ),
        (
            "establishUnit",
            json!({"departmentId": id, "unitId": "u9", "name": "名".repeat(201)}),
            "BAD_USER_INPUT",
            None,
        ),
        (
            "renameUnit",
            json!({"departmentId": id, "unitId": "nope", "name": "x"}),
            "NOT_FOUND",
            Some("UNIT_NOT_FOUND"),
        ),
        (
            "assignUnitDuty",
            json!({"departmentId": id, "unitDutyId": "ud9", "mainDutyId": "md9", "unitId": "u1", "text": "x"}),
            "NOT_FOUND",
            Some("MAIN_DUTY_NOT_FOUND"),
        ),
        (
            "assignUnitDuty",
            json!({"departmentId": id, "unitDutyId": "ud9", "mainDutyId": "md1", "unitId": "u9", "text": "x"}),
            "NOT_FOUND",
            Some("UNIT_NOT_FOUND"),
        ),
        (
            "defineTask",
            json!({"departmentId": id, "taskId": "t9", "unitDutyId": "ud9", "name": "x"}),
            "NOT_FOUND",
            Some("UNIT_DUTY_NOT_FOUND"),
        ),
        (
            "defineTask",
            json!({"departmentId": id, "taskId": "t9", "unitDutyId": "ud1", "name": "x", "risks": {"wideDiscretion": true}}),
            "BAD_USER_INPUT",
            Some("HIGH_RISK_TASK_INCOMPLETE"),
        ),
        (
            "defineTask",
            json!({"departmentId": id, "taskId": "t9", "unitDutyId": "ud1", "name": "x", "timeLimit": {"days": 0, "kind": "WORKING"}}),
            "BAD_USER_INPUT",
            None,
        ),
        (
            "defineTask",
            json!({"departmentId": id, "taskId": "t1", "unitDutyId": "ud1", "name": "x"}),
            "CONFLICT",
            Some("TASK_ALREADY_EXISTS"),
        ),
        (
            "createPost",
            json!({"departmentId": id, "postId": "p1", "unitId": "u1", "name": "x"}),
            "CONFLICT",
            Some("POST_ALREADY_EXISTS"),
        ),
        (
            "assignTaskToPost",
            json!({"departmentId": id, "taskId": "t1", "postId": "p2"}),
            "BAD_USER_INPUT",
            Some("POST_BELONGS_TO_ANOTHER_UNIT"),
        ),
        (
            "assignTaskToPost",
            json!({"departmentId": id, "taskId": "t1", "postId": "p1"}),
            "CONFLICT",
            Some("TASK_ALREADY_ASSIGNED"),
        ),
        (
            "assignTaskToPost",
            json!({"departmentId": id, "taskId": "t1", "postId": "p9"}),
            "NOT_FOUND",
            Some("POST_NOT_FOUND"),
        ),
        (
            "unassignTaskFromPost",
            json!({"departmentId": id, "taskId": "t1", "postId": "p2"}),
            "CONFLICT",
            Some("TASK_NOT_ASSIGNED"),
        ),
        (
            "mergeUnits",
            json!({"departmentId": id, "unitId": "u1", "intoUnitId": "u1"}),
            "BAD_USER_INPUT",
            Some("MERGE_INTO_SAME_UNIT"),
        ),
        (
            "setDepartmentStaffing",
            json!({"departmentId": id, "headcount": -1}),
            "BAD_USER_INPUT",
            None,
        ),
        (
            "setUnitStaffing",
            json!({"departmentId": id, "unitId": "u1", "headcount": 100_001}),
            "BAD_USER_INPUT",
            None,
        ),
    ];
    for (mutation, input, code, rule) in cases {
        let r = mutate(&app, mutation, input.clone()).await;
        assert_eq!(error_code(&r), Some(code), "{mutation} {input}: {r:#}");
        if let Some(rule) = rule {
            assert_eq!(error_rule(&r), Some(rule), "{mutation} {input}: {r:#}");
        }
        assert!(
            r["data"].is_null() || r["data"][mutation].is_null(),
            "{r:#}"
        );
        assert_eq!(
            app.event_count().await,
            before,
            "{mutation} {input} wrote nothing"
        );
    }
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn department_query_errors_have_codes(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app
        .gql("{ department(id: \"abc\") { id } }", json!({}))
        .await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"));
    let unknown = credit_code("20000003");
    let r = app
        .gql(
            "query($id: ID!) { department(id: $id) { id } }",
            json!({ "id": unknown }),
        )
        .await;
    assert_eq!(error_code(&r), Some("NOT_FOUND"));
    assert_eq!(r["data"]["department"], Value::Null);
}

/// Issue 13: a credit code whose 17th character (the embedded organisation code's GB 11714
/// check character) is wrong is refused, even with a matching 18th, and nothing is written.
#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_credit_code_with_a_wrong_organisation_check_character_is_refused(pool: PgPool) {
    let app = TestApp::new(pool);
    let before = app.event_count().await;
    let r = app
        .gql(
            "mutation($i: EstablishDepartmentInput!) { establishDepartment(input: $i) { events } }",
            json!({"i": {"id": "113713000070293446", "name": "临沂市测试局", "divisionCode": "371300000000",
                         "level": "CITY", "sector": "测试", "kind": "GOVERNMENT_DEPARTMENT"}}),
        )
        .await;
    assert_eq!(
        r["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{r:#}"
    );
    assert_eq!(r["errors"][0]["extensions"]["rule"], "INVALID_CREDIT_CODE");
    assert_eq!(app.event_count().await, before, "nothing written");
}
