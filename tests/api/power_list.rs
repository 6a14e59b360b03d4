//! The power list (权责清单) through GraphQL: items with their standard stages, links to
//! tasks, amendments in valid time, and refusals with codes.

use dutyledger_api::auth::Role;
use dutyledger_tests::{actor, credit_code, error_code, error_rule, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

async fn must(app: &TestApp, mutation: &str, input_type: &str, input: Value) -> Value {
    let q =
        format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ id events }} }}");
    let r = app.gql(&q, json!({ "input": input })).await;
    assert!(r.get("errors").is_none(), "{mutation}: {r:#}");
    r["data"][mutation].clone()
}

async fn attempt(app: &TestApp, mutation: &str, input_type: &str, input: Value) -> Value {
    let q =
        format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ id events }} }}");
    app.gql(&q, json!({ "input": input })).await
}

async fn build(app: &TestApp) -> String {
    let id = credit_code("60000101");
    must(app, "establishDepartment", "EstablishDepartmentInput", json!({"id": id, "name": "临沂市行政审批服务局", "divisionCode": "371300000000",
        "level": "CITY", "sector": "政务服务", "kind": "GOVERNMENT_DEPARTMENT", "effectiveAt": "2020-01-01T00:00:00Z"})).await;
    must(app, "defineMainDuty", "DefineMainDutyInput", json!({"departmentId": id, "dutyId": "md1", "text": "集中行使行政许可", "effectiveAt": "2020-01-01T00:00:00Z"})).await;
    must(app, "establishUnit", "EstablishUnitInput", json!({"departmentId": id, "unitId": "u1", "name": "市场准入审批科", "effectiveAt": "2020-01-01T00:00:00Z"})).await;
    must(app, "assignUnitDuty", "AssignUnitDutyInput", json!({"departmentId": id, "unitDutyId": "ud1", "mainDutyId": "md1", "unitId": "u1", "text": "市场准入类审批", "effectiveAt": "2020-01-01T00:00:00Z"})).await;
    must(app, "defineTask", "DefineTaskInput", json!({"departmentId": id, "taskId": "t1", "unitDutyId": "ud1", "name": "食品经营许可审批", "effectiveAt": "2020-01-01T00:00:00Z"})).await;
    id
}

fn item(id: &str, code: &str) -> Value {
    json!({"departmentId": id, "itemId": "pi1", "code": code, "name": "食品经营许可", "kind": "LICENSING",
           "legalBasis": "《中华人民共和国食品安全法》第三十五条", "unitId": "u1",
           "accountability": ["对符合法定条件的申请不予受理的"],
           "statutoryLimit": {"days": 20, "kind": "WORKING"}, "promisedLimit": {"days": 5, "kind": "WORKING"},
           "effectiveAt": "2021-01-01T00:00:00Z"})
}

const LIST: &str = r#"query($id: ID!, $asOf: AsOf) { powerList(departmentId: $id, asOf: $asOf) {
    id code name kind kindCode legalBasis level stages accountability unit { id name }
    statutoryLimit { days kind } promisedLimit { days kind } tasks { id name } } }"#;

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_power_item_with_its_stages_links_and_history(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    must(
        &app,
        "listPowerItem",
        "ListPowerItemInput",
        item(&id, "XK-0101"),
    )
    .await;
    must(&app, "linkTaskToPowerItem", "PowerLinkInput", json!({"departmentId": id, "itemId": "pi1", "taskId": "t1", "effectiveAt": "2021-01-01T00:00:00Z"})).await;
    let mut amended = item(&id, "XK-0101");
    amended["promisedLimit"] = json!({"days": 3, "kind": "WORKING"});
    amended["effectiveAt"] = json!("2022-01-01T00:00:00Z");
    must(&app, "amendPowerItem", "AmendPowerItemInput", amended).await;

    let now = app.ok(LIST, json!({"id": id})).await;
    let p = &now["powerList"][0];
    assert_eq!(p["code"], "XK-0101");
    assert_eq!(p["kind"], "LICENSING");
    assert_eq!(p["kindCode"], "01");
    assert_eq!(p["level"], "CITY", "the department's level by default");
    assert_eq!(
        p["stages"],
        json!(["受理", "审查", "决定", "送达", "事后监管"]),
        "the licensing template"
    );
    assert_eq!(p["unit"]["name"], "市场准入审批科");
    assert_eq!(p["tasks"][0]["id"], "t1");
    assert_eq!(p["promisedLimit"]["days"], 3);
    let in_2021 = app
        .ok(
            LIST,
            json!({"id": id, "asOf": {"validAt": "2021-06-01T00:00:00Z"}}),
        )
        .await;
    assert_eq!(
        in_2021["powerList"][0]["promisedLimit"]["days"], 5,
        "before the amendment took effect"
    );
    let in_2020 = app
        .ok(
            LIST,
            json!({"id": id, "asOf": {"validAt": "2020-06-01T00:00:00Z"}}),
        )
        .await;
    assert_eq!(in_2020["powerList"], json!([]), "not yet listed");

    let through_task = app.ok(r#"query($id: ID!) { department(id: $id) { tasks { id powerItems { code } } units { powerItems { code } } powerItems { code } } }"#, json!({"id": id})).await;
    assert_eq!(
        through_task["department"]["tasks"][0]["powerItems"][0]["code"],
        "XK-0101"
    );
    assert_eq!(
        through_task["department"]["units"][0]["powerItems"][0]["code"],
        "XK-0101"
    );

    let h = app.ok(r#"query($id: ID!) { history(departmentId: $id, entity: {kind: POWER_ITEM, id: "pi1"}) { edges { node { eventType } } } }"#, json!({"id": id})).await;
    let types: Vec<&str> = h["history"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["eventType"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "PowerItemListed",
            "TaskLinkedToPowerItem",
            "PowerItemAmended"
        ]
    );

    must(
        &app,
        "delistPowerItem",
        "DelistPowerItemInput",
        json!({"departmentId": id, "itemId": "pi1", "reason": "事项取消"}),
    )
    .await;
    assert_eq!(
        app.ok(LIST, json!({"id": id})).await["powerList"],
        json!([])
    );
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn bad_power_items_are_refused_with_codes(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = build(&app).await;
    must(
        &app,
        "listPowerItem",
        "ListPowerItemInput",
        item(&id, "XK-0101"),
    )
    .await;
    let before = app.event_count().await;
    let mut over = item(&id, "XK-0102");
    over["itemId"] = json!("pi2");
    over["promisedLimit"] = json!({"days": 30, "kind": "WORKING"});
    let r = attempt(&app, "listPowerItem", "ListPowerItemInput", over).await;
    assert_eq!(
        (error_code(&r), error_rule(&r)),
        (
            Some("BAD_USER_INPUT"),
            Some("PROMISED_LIMIT_EXCEEDS_STATUTORY")
        ),
        "{r:#}"
    );
    let mut unit = item(&id, "XK-0102");
    unit["itemId"] = json!("pi2");
    unit["unitId"] = json!("u9");
    let r = attempt(&app, "listPowerItem", "ListPowerItemInput", unit).await;
    assert_eq!(
        (error_code(&r), error_rule(&r)),
        (Some("NOT_FOUND"), Some("UNIT_NOT_FOUND"))
    );
    let mut taken = item(&id, "XK-0101");
    taken["itemId"] = json!("pi2");
    let r = attempt(&app, "listPowerItem", "ListPowerItemInput", taken).await;
    assert_eq!(
        (error_code(&r), error_rule(&r)),
        (Some("CONFLICT"), Some("POWER_CODE_TAKEN"))
    );
    let mut bad_code = item(&id, "许可一号");
    bad_code["itemId"] = json!("pi2");
    let r = attempt(&app, "listPowerItem", "ListPowerItemInput", bad_code).await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"));
    let r = attempt(
        &app,
        "linkTaskToPowerItem",
        "PowerLinkInput",
        json!({"departmentId": id, "itemId": "pi1", "taskId": "t9"}),
    )
    .await;
    assert_eq!(error_rule(&r), Some("TASK_NOT_FOUND"));
    let r = attempt(
        &app,
        "abolishUnit",
        "AbolishUnitInput",
        json!({"departmentId": id, "unitId": "u1"}),
    )
    .await;
    assert_eq!(error_code(&r), Some("CONFLICT"));
    assert_eq!(app.event_count().await, before, "nothing written");
    // A clerk of the department reads its power list but cannot change it.
    let clerk = actor(Role::Clerk, &[&id]);
    let r = app.gql_as(&clerk, LIST, json!({"id": id})).await;
    assert!(r.get("errors").is_none(), "{r:#}");
    let r = app
        .gql_as(
            &clerk,
            "mutation($i: DelistPowerItemInput!) { delistPowerItem(input: $i) { events } }",
            json!({"i": {"departmentId": id, "itemId": "pi1"}}),
        )
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"));
}
