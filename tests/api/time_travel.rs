//! The reviewer's questions through GraphQL: "as in force at E, as known at K", corrections
//! recorded later, future-dated amendments, history and changes between two dates.

use chrono::{DateTime, Duration, Utc};
use dutyledger_tests::{credit_code, error_code, error_rule, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

const JAN_2020: &str = "2020-01-01T00:00:00Z";

async fn must(app: &TestApp, mutation: &str, input_type: &str, input: Value) -> Value {
    let query = format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ id events effectiveAt projected }} }}"
    );
    let r = app.gql(&query, json!({ "input": input })).await;
    assert!(r.get("errors").is_none(), "{mutation}: {r:#}");
    r["data"][mutation].clone()
}

async fn attempt(app: &TestApp, mutation: &str, input_type: &str, input: Value) -> Value {
    let query =
        format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ events }} }}");
    app.gql(&query, json!({ "input": input })).await
}

/// A department established in January 2020 with unit u1, main duty md1, unit duty ud1, task
/// t1 and post p1 holding t1, all effective January 2020.
async fn build(app: &TestApp) -> String {
    let id = credit_code("60000001");
    must(
        app,
        "establishDepartment",
        "EstablishDepartmentInput",
        json!({
        "id": id, "name": "临沂市测试局", "divisionCode": "371300000000", "level": "CITY",
        "sector": "测试", "kind": "GOVERNMENT_DEPARTMENT", "effectiveAt": JAN_2020}),
    )
    .await;
    must(
        app,
        "defineMainDuty",
        "DefineMainDutyInput",
        json!({"departmentId": id, "dutyId": "md1", "text": "负责党建", "effectiveAt": JAN_2020}),
    )
    .await;
    must(
        app,
        "establishUnit",
        "EstablishUnitInput",
        json!({"departmentId": id, "unitId": "u1", "name": "机关党委", "effectiveAt": JAN_2020}),
    )
    .await;
    must(app, "assignUnitDuty", "AssignUnitDutyInput", json!({"departmentId": id, "unitDutyId": "ud1", "mainDutyId": "md1", "unitId": "u1", "text": "党建工作", "effectiveAt": JAN_2020})).await;
    must(app, "defineTask", "DefineTaskInput", json!({"departmentId": id, "taskId": "t1", "unitDutyId": "ud1", "name": "理论学习", "effectiveAt": JAN_2020})).await;
    must(app, "createPost", "CreatePostInput", json!({"departmentId": id, "postId": "p1", "unitId": "u1", "name": "党建岗", "effectiveAt": JAN_2020})).await;
    must(
        app,
        "assignTaskToPost",
        "TaskPostInput",
        json!({"departmentId": id, "taskId": "t1", "postId": "p1", "effectiveAt": JAN_2020}),
    )
    .await;
    id
}

async fn unit_at(app: &TestApp, id: &str, valid_at: Option<&str>, known_at: Option<&str>) -> Value {
    let r = app
        .gql(
            "query($id: ID!, $asOf: AsOf) { department(id: $id, asOf: $asOf) { units { id name staffing } } }",
            json!({ "id": id, "asOf": { "validAt": valid_at, "knownAt": known_at } }),
        )
        .await;
    assert!(r.get("errors").is_none(), "{r:#}");
    r["data"]["department"]["units"][0].clone()
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_correction_recorded_later_changes_only_later_knowledge(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    // Recorded now: u1's staffing is 5 from January 2021.
    must(&app, "setUnitStaffing", "SetUnitStaffingInput", json!({"departmentId": id, "unitId": "u1", "headcount": 5, "effectiveAt": "2021-01-01T00:00:00Z"})).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let between = iso(Utc::now());
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    // Recorded later: a correction, it was 6 from the same date.
    must(&app, "setUnitStaffing", "SetUnitStaffingInput", json!({"departmentId": id, "unitId": "u1", "headcount": 6, "effectiveAt": "2021-01-01T00:00:00Z", "reason": "核对编制文件后更正"})).await;

    let mid_2021 = Some("2021-06-01T00:00:00Z");
    assert_eq!(
        unit_at(&app, &id, mid_2021, Some(&between)).await["staffing"],
        5,
        "as known before the correction"
    );
    assert_eq!(
        unit_at(&app, &id, mid_2021, None).await["staffing"],
        6,
        "as known now"
    );
    assert_eq!(
        unit_at(&app, &id, Some("2020-06-01T00:00:00Z"), None).await["staffing"],
        Value::Null,
        "before it took effect"
    );
    // Before the department was established it did not exist.
    let r = app
        .gql("query($id: ID!) { department(id: $id, asOf: {validAt: \"2019-06-01T00:00:00Z\"}) { id } }", json!({ "id": id }))
        .await;
    assert_eq!(error_code(&r), Some("NOT_FOUND"));
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_future_dated_amendment_comes_into_force_at_its_time(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    let next_month = Utc::now() + Duration::days(30);
    let r = must(&app, "renameUnit", "RenameUnitInput", json!({"departmentId": id, "unitId": "u1", "name": "党建工作科", "effectiveAt": iso(next_month)})).await;
    assert_eq!(r["events"], 1);
    assert_eq!(
        unit_at(&app, &id, None, None).await["name"],
        "机关党委",
        "now: not yet in force"
    );
    let later = iso(next_month + Duration::days(1));
    assert_eq!(
        unit_at(&app, &id, Some(&later), None).await["name"],
        "党建工作科",
        "in force after its time"
    );
    // A change now is checked against the future-dated one too.
    must(
        &app,
        "createPost",
        "CreatePostInput",
        json!({"departmentId": id, "postId": "p2", "unitId": "u1", "name": "宣传岗"}),
    )
    .await;
    assert_eq!(
        unit_at(&app, &id, Some(&later), None).await["name"],
        "党建工作科"
    );
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_backdated_change_that_breaks_later_history_is_refused(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    must(&app, "createPost", "CreatePostInput", json!({"departmentId": id, "postId": "p3", "unitId": "u1", "name": "纪检岗", "effectiveAt": "2021-01-01T00:00:00Z"})).await;
    must(&app, "assignTaskToPost", "TaskPostInput", json!({"departmentId": id, "taskId": "t1", "postId": "p3", "effectiveAt": "2021-05-01T00:00:00Z"})).await;
    let before = app.event_count().await;
    let r = attempt(
        &app,
        "abolishPost",
        "AbolishPostInput",
        json!({"departmentId": id, "postId": "p3", "effectiveAt": "2021-03-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(error_code(&r), Some("CONFLICT"), "{r:#}");
    assert_eq!(error_rule(&r), Some("BREAKS_LATER_HISTORY"));
    let breaks = &r["errors"][0]["extensions"]["breaks"];
    assert_eq!(breaks["eventType"], "TaskAssignedToPost");
    assert_eq!(breaks["rule"], "POST_NOT_FOUND");
    assert_eq!(app.event_count().await, before, "nothing written");
    // Abolishing it before it existed is refused for the plain reason.
    let r = attempt(
        &app,
        "abolishPost",
        "AbolishPostInput",
        json!({"departmentId": id, "postId": "p3", "effectiveAt": "2020-06-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(error_rule(&r), Some("POST_NOT_FOUND"));
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn history_lists_every_event_that_touched_an_entity(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    must(&app, "amendTask", "AmendTaskInput", json!({"departmentId": id, "taskId": "t1", "name": "理论学习（季度）", "reason": "细化频次"})).await;
    let q = r#"query($id: ID!, $entity: EntityRef, $first: Int, $after: String) {
        history(departmentId: $id, entity: $entity, first: $first, after: $after) {
          edges { cursor node { eventType actor reason recordedAt effectiveAt payload stream { sequence } } }
          pageInfo { hasNextPage endCursor } } }"#;
    let r = app
        .ok(q, json!({"id": id, "entity": {"kind": "TASK", "id": "t1"}}))
        .await;
    let types: Vec<&str> = r["history"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["eventType"].as_str())
        .collect();
    assert_eq!(types, ["TaskDefined", "TaskAssignedToPost", "TaskAmended"]);
    let last = &r["history"]["edges"][2]["node"];
    assert_eq!(last["reason"], "细化频次");
    assert_eq!(last["actor"], "supervisor:test");
    assert_eq!(
        r["history"]["edges"][0]["node"]["effectiveAt"],
        "2020-01-01T00:00:00+00:00"
    );

    // The unit's history includes what happened to its duties and posts.
    let r = app
        .ok(q, json!({"id": id, "entity": {"kind": "UNIT", "id": "u1"}}))
        .await;
    let types: Vec<&str> = r["history"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["eventType"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "UnitEstablished",
            "UnitDutyAssigned",
            "TaskDefined",
            "PostCreated",
            "TaskAmended"
        ]
    );

    // Paging through the whole department.
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let r = app
            .ok(q, json!({"id": id, "first": 3, "after": after}))
            .await;
        for e in r["history"]["edges"].as_array().into_iter().flatten() {
            seen.push(e["node"]["stream"]["sequence"].as_i64().unwrap_or(-1));
        }
        if r["history"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = r["history"]["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }
    assert_eq!(seen, (1..=8).collect::<Vec<i64>>());
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn changes_between_two_dates_name_the_events_behind_them(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    must(&app, "renameUnit", "RenameUnitInput", json!({"departmentId": id, "unitId": "u1", "name": "党建工作科", "effectiveAt": "2021-03-01T00:00:00Z"})).await;
    must(&app, "createPost", "CreatePostInput", json!({"departmentId": id, "postId": "p2", "unitId": "u1", "name": "宣传岗", "effectiveAt": "2021-04-01T00:00:00Z"})).await;
    must(&app, "defineMainDuty", "DefineMainDutyInput", json!({"departmentId": id, "dutyId": "md2", "text": "负责宣传", "effectiveAt": "2022-01-01T00:00:00Z"})).await;
    let r = app.ok(
        r#"query($id: ID!) { changes(departmentId: $id, from: "2021-01-01T00:00:00Z", to: "2021-12-31T00:00:00Z") {
             kind id change before after events { eventType effectiveAt } } }"#,
        json!({"id": id}),
    ).await;
    let changes = r["changes"].as_array().cloned().unwrap_or_default();
    assert_eq!(changes.len(), 2, "{changes:#?}");
    assert_eq!(changes[0]["kind"], "UNIT");
    assert_eq!(changes[0]["change"], "CHANGED");
    assert_eq!(changes[0]["before"]["name"], "机关党委");
    assert_eq!(changes[0]["after"]["name"], "党建工作科");
    let behind: Vec<&str> = changes[0]["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["eventType"].as_str())
        .collect();
    assert!(behind.contains(&"UnitRenamed"), "{behind:?}");
    assert_eq!(changes[1]["kind"], "POST");
    assert_eq!(changes[1]["change"], "ADDED");
    assert_eq!(changes[1]["events"][0]["eventType"], "PostCreated");
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn bad_times_get_coded_errors(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    let future = iso(Utc::now() + Duration::days(1));
    let dq = "query($id: ID!, $asOf: AsOf) { department(id: $id, asOf: $asOf) { id } }";
    let r = app
        .gql(dq, json!({"id": id, "asOf": {"knownAt": future}}))
        .await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"), "{r:#}");
    assert_eq!(error_rule(&r), Some("KNOWN_AT_IN_FUTURE"));
    for bad in [
        json!({"validAt": "yesterday"}),
        json!({"knownAt": "2021-13-01T00:00:00Z"}),
        json!({"validAt": 12}),
    ] {
        let r = app.gql(dq, json!({"id": id, "asOf": bad})).await;
        assert_eq!(error_code(&r), Some("BAD_USER_INPUT"), "{bad}: {r:#}");
    }
    let r = app.gql(
        "query($id: ID!) { changes(departmentId: $id, from: \"2022-01-01T00:00:00Z\", to: \"2021-01-01T00:00:00Z\") { id } }",
        json!({"id": id}),
    ).await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"));
    assert_eq!(error_rule(&r), Some("FROM_AFTER_TO"));
    let r = app.gql(
        "query($id: ID!, $k: DateTime) { changes(departmentId: $id, from: \"2021-01-01T00:00:00Z\", to: \"2022-01-01T00:00:00Z\", knownAt: $k) { id } }",
        json!({"id": id, "k": future}),
    ).await;
    assert_eq!(error_rule(&r), Some("KNOWN_AT_IN_FUTURE"), "{r:#}");
    let r = attempt(&app, "renameUnit", "RenameUnitInput", json!({"departmentId": id, "unitId": "u1", "name": "x", "effectiveAt": "1900-01-01T00:00:00Z"})).await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"));
    let r = app
        .gql(
            "query($id: ID!) { history(departmentId: $id, first: 0) { pageInfo { hasNextPage } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"));
    let r = app.gql("query($id: ID!) { history(departmentId: $id, after: \"zz\") { pageInfo { hasNextPage } } }", json!({"id": id})).await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"));
}

/// After a command decided in valid time (here: while a future-dated change waits), the next
/// command must still see the future-dated change as future.
#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn commands_after_a_valid_time_decision_still_respect_future_changes(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    let future = iso(Utc::now() + Duration::days(365));
    must(
        &app,
        "establishUnit",
        "EstablishUnitInput",
        json!({"departmentId": id, "unitId": "u9", "name": "明年设立的科", "effectiveAt": future}),
    )
    .await;
    // Decided in valid time (a future-dated event exists).
    must(
        &app,
        "defineMainDuty",
        "DefineMainDutyInput",
        json!({"departmentId": id, "dutyId": "md9", "text": "新职责"}),
    )
    .await;
    // The unit does not exist yet: a post cannot be created in it now.
    let r = attempt(
        &app,
        "createPost",
        "CreatePostInput",
        json!({"departmentId": id, "postId": "p9", "unitId": "u9", "name": "岗"}),
    )
    .await;
    assert_eq!(error_rule(&r), Some("UNIT_NOT_FOUND"), "{r:#}");
    // From the unit's time on, it can.
    let later = iso(Utc::now() + Duration::days(366));
    must(&app, "createPost", "CreatePostInput", json!({"departmentId": id, "postId": "p9", "unitId": "u9", "name": "岗", "effectiveAt": later})).await;
}

/// A command without `effectiveAt` is stored effective when it is recorded, to the
/// microsecond, and decided at that same time.
#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_command_without_effective_at_is_effective_when_recorded(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    must(
        &app,
        "renameUnit",
        "RenameUnitInput",
        json!({"departmentId": id, "unitId": "u1", "name": "党建工作科"}),
    )
    .await;
    let same: bool = sqlx::query_scalar(
        "SELECT effective_at = recorded_at FROM events WHERE event_type = 'UnitRenamed'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("event");
    assert!(same);
}

/// Issue 13: a backdated correction of one field (the day type of a task's time limit,
/// effective 2019-11-23) recorded after an amendment of another field (its risk flags,
/// effective 2019-12-01) holds from its effective time on, as known since it was recorded; the
/// later amendment, which names only the risk flags, does not bring the old day type back.
#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_backdated_correction_of_one_field_survives_a_later_amendment_of_another(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = credit_code("60000013");
    let at = |d: &str| format!("{d}T00:00:00Z");
    must(&app, "establishDepartment", "EstablishDepartmentInput", json!({"id": id, "name": "临沂市科学技术局",
        "divisionCode": "371300000000", "level": "CITY", "sector": "科技", "kind": "GOVERNMENT_DEPARTMENT",
        "effectiveAt": at("2019-01-01")})).await;
    must(&app, "defineMainDuty", "DefineMainDutyInput", json!({"departmentId": id, "dutyId": "md1", "text": "负责科技管理", "effectiveAt": at("2019-01-01")})).await;
    must(&app, "establishUnit", "EstablishUnitInput", json!({"departmentId": id, "unitId": "u1", "name": "政策法规科", "effectiveAt": at("2019-01-01")})).await;
    must(&app, "assignUnitDuty", "AssignUnitDutyInput", json!({"departmentId": id, "unitDutyId": "ud1", "mainDutyId": "md1", "unitId": "u1", "text": "行政审批", "effectiveAt": at("2019-01-01")})).await;
    must(&app, "defineTask", "DefineTaskInput", json!({"departmentId": id, "taskId": "t1", "unitDutyId": "ud1",
        "name": "科技计划项目审批", "scope": "市级科技计划项目", "procedure": "受理、评审、公示、批复", "standard": "依规评审",
        "timeLimit": {"days": 20, "kind": "CALENDAR"}, "effectiveAt": at("2019-06-01")})).await;
    // Recorded first: the risk flags, effective 2019-12-01 (the day type left out).
    must(&app, "amendTask", "AmendTaskInput", json!({"departmentId": id, "taskId": "t1",
        "risks": {"wideDiscretion": true}, "effectiveAt": at("2019-12-01"), "reason": "列为高风险事项"})).await;
    let before_correction = chrono::Utc::now().to_rfc3339();
    // Recorded later: the day type corrected, effective 2019-11-23.
    must(&app, "amendTask", "AmendTaskInput", json!({"departmentId": id, "taskId": "t1",
        "timeLimit": {"days": 20, "kind": "WORKING"}, "effectiveAt": at("2019-11-23"), "reason": "时限按工作日计"})).await;

    let task = |valid: String, known: Option<String>| {
        let app = &app;
        let id = id.clone();
        async move {
            let mut as_of = json!({"validAt": valid});
            if let Some(k) = known {
                as_of["knownAt"] = json!(k);
            }
            let data = app
                .ok(
                    "query($id: ID!, $asOf: AsOf) { department(id: $id, asOf: $asOf) { tasks { id timeLimit { days kind } risks { wideDiscretion } } } }",
                    json!({"id": id, "asOf": as_of}),
                )
                .await;
            data["department"]["tasks"][0].clone()
        }
    };
    for day in [
        "2019-11-23",
        "2019-11-30",
        "2019-12-01",
        "2019-12-15",
        "2025-01-01",
    ] {
        let t = task(at(day), None).await;
        assert_eq!(
            t["timeLimit"]["kind"], "WORKING",
            "as known now, in force {day}"
        );
        assert_eq!(t["timeLimit"]["days"], 20);
    }
    assert_eq!(
        task(at("2019-12-15"), None).await["risks"]["wideDiscretion"],
        true
    );
    assert_eq!(
        task(at("2019-11-30"), None).await["risks"]["wideDiscretion"],
        false
    );
    assert_eq!(
        task(at("2019-11-22"), None).await["timeLimit"]["kind"],
        "CALENDAR"
    );
    for day in ["2019-11-23", "2019-12-15", "2025-01-01"] {
        let t = task(at(day), Some(before_correction.clone())).await;
        assert_eq!(
            t["timeLimit"]["kind"], "CALENDAR",
            "as known before the correction, in force {day}"
        );
    }
    assert_eq!(
        task(at("2019-12-15"), Some(before_correction)).await["risks"]["wideDiscretion"],
        true
    );
}

/// Issue 13: the audit trail follows valid time. Unit U00045 is merged into U00451 effective
/// 2022-09-04 but recorded only after unit duty D00263 was transferred from U00045 to U00047
/// (effective and recorded 2022-11-08). As known now, D00263 sat in U00451 until the transfer,
/// so the transfer moved it out of U00451: U00451's history lists it; as known before the merge
/// was recorded, it does not.
#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_backdated_merge_re_attributes_a_later_transfer_in_the_audit_trail(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = credit_code("60000045");
    let at = |d: &str| format!("{d}T00:00:00Z");
    let start = at("2022-01-01");
    must(&app, "establishDepartment", "EstablishDepartmentInput", json!({"id": id, "name": "临沂市科学技术局",
        "divisionCode": "371300000000", "level": "CITY", "sector": "科技", "kind": "GOVERNMENT_DEPARTMENT",
        "effectiveAt": start})).await;
    must(
        &app,
        "defineMainDuty",
        "DefineMainDutyInput",
        json!({"departmentId": id, "dutyId": "M1", "text": "负责科技管理", "effectiveAt": start}),
    )
    .await;
    for unit in ["U00045", "U00451", "U00047"] {
        must(&app, "establishUnit", "EstablishUnitInput", json!({"departmentId": id, "unitId": unit, "name": format!("科室{unit}"), "effectiveAt": start})).await;
    }
    must(&app, "assignUnitDuty", "AssignUnitDutyInput", json!({"departmentId": id, "unitDutyId": "D00263", "mainDutyId": "M1", "unitId": "U00045", "text": "科技成果转化", "effectiveAt": start})).await;
    must(&app, "transferUnitDuty", "TransferUnitDutyInput", json!({"departmentId": id, "unitDutyId": "D00263", "toUnitId": "U00047", "effectiveAt": at("2022-11-08")})).await;
    let before_merge = Utc::now().to_rfc3339();
    must(&app, "mergeUnits", "MergeUnitsInput", json!({"departmentId": id, "unitId": "U00045", "intoUnitId": "U00451", "effectiveAt": at("2022-09-04")})).await;

    // The list already answers in valid time.
    let d = app
        .ok(
            "query($id: ID!, $asOf: AsOf) { department(id: $id, asOf: $asOf) { unitDuties { id unit { id } } } }",
            json!({"id": id, "asOf": {"validAt": at("2022-10-01")}}),
        )
        .await;
    assert_eq!(d["department"]["unitDuties"][0]["unit"]["id"], "U00451");

    let history = |unit: &'static str, known: Option<String>| {
        let app = &app;
        let id = id.clone();
        async move {
            let data = app
                .ok(
                    "query($id: ID!, $unit: ID!, $known: DateTime) { history(departmentId: $id, entity: {kind: UNIT, id: $unit}, knownAt: $known, first: 100) { edges { node { eventType effectiveAt } } } }",
                    json!({"id": id, "unit": unit, "known": known}),
                )
                .await;
            data["history"]["edges"]
                .as_array()
                .map(|edges| {
                    edges
                        .iter()
                        .map(|e| e["node"]["eventType"].as_str().unwrap_or("").to_owned())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        }
    };
    let now = history("U00451", None).await;
    assert!(
        now.contains(&"UnitDutyTransferred".to_owned()),
        "as known now: {now:?}"
    );
    assert!(now.contains(&"UnitMerged".to_owned()), "{now:?}");
    let then = history("U00451", Some(before_merge.clone())).await;
    assert!(
        !then.contains(&"UnitDutyTransferred".to_owned()),
        "as known before the merge: {then:?}"
    );
    // U00045 held the duty until the merge as known now, so the transfer no longer moved it
    // out of U00045; as known before the merge it did.
    assert!(!history("U00045", None)
        .await
        .contains(&"UnitDutyTransferred".to_owned()));
    assert!(history("U00045", Some(before_merge.clone()))
        .await
        .contains(&"UnitDutyTransferred".to_owned()));
    // asOf.knownAt says the same as knownAt.
    let data = app
        .ok(
            "query($id: ID!, $known: DateTime) { history(departmentId: $id, entity: {kind: UNIT, id: \"U00451\"}, asOf: {knownAt: $known}) { edges { node { eventType } } } }",
            json!({"id": id, "known": before_merge}),
        )
        .await;
    assert!(!data.to_string().contains("UnitDutyTransferred"));

    // changes() over the period names the transfer behind U00451's difference... the duty's
    // difference names it as known now.
    let data = app
        .ok(
            "query($id: ID!) { changes(departmentId: $id, from: \"2022-10-01T00:00:00Z\", to: \"2022-12-01T00:00:00Z\") { kind id events { eventType } } }",
            json!({"id": id}),
        )
        .await;
    let duty = data["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "D00263"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        duty["events"][0]["eventType"], "UnitDutyTransferred",
        "{data:#}"
    );
}
