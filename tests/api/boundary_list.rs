//! The boundary list (职责边界清单) through GraphQL: the stage-split food-safety matter between
//! agriculture and market supervision, a revised ruling seen before and after its time,
//! disputes, and refusals with codes.

use dutyledger_api::auth::Role;
use dutyledger_tests::{actor, credit_code, error_code, error_rule, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

async fn gql_ok(app: &TestApp, q: &str, v: Value) -> Value {
    let r = app.gql(q, v).await;
    assert!(r.get("errors").is_none(), "{r:#}");
    r["data"].clone()
}

async fn department(app: &TestApp, body: &str, name: &str, unit: &str) -> String {
    let id = credit_code(body);
    gql_ok(app, r#"mutation($id: ID!, $n: String!) { establishDepartment(input: {id: $id, name: $n, divisionCode: "371300000000",
        level: CITY, sector: "测试", kind: GOVERNMENT_DEPARTMENT, effectiveAt: "2019-01-01T00:00:00Z"}) { events } }"#,
        json!({"id": id, "n": name})).await;
    gql_ok(app, r#"mutation($d: ID!, $u: ID!) { establishUnit(input: {departmentId: $d, unitId: $u, name: "质量安全科", effectiveAt: "2019-01-01T00:00:00Z"}) { events } }"#,
        json!({"d": id, "u": unit})).await;
    id
}

fn ruling(first_lead: &str, second_lead: &str) -> Value {
    let other = |p: &str| if p == "nyj" { "scj" } else { "nyj" };
    json!({
        "stages": [
            {"name": "进入批发、零售市场或者生产加工企业前", "roles": [
                {"partyId": first_lead, "role": "LEAD", "duty": "负责种植养殖环节质量安全监管"},
                {"partyId": other(first_lead), "role": "COOPERATING", "duty": "配合抽检信息共享"}]},
            {"name": "进入批发、零售市场或者生产加工企业后", "roles": [
                {"partyId": second_lead, "role": "LEAD", "duty": "负责市场销售环节质量安全监管"},
                {"partyId": other(second_lead), "role": "COOPERATING", "duty": "配合产地溯源"}]}
        ],
        "basis": "《中华人民共和国食品安全法》第二条、第六条",
        "mechanisms": ["INFORMATION_SHARING", "CLUE_HANDOVER"]
    })
}

const MATTER: &str = r#"query($id: ID!, $asOf: AsOf) { boundaryMatter(id: $id, asOf: $asOf) {
    id kind field title parties { id departmentId }
    ruling { number basis mechanisms stages { name lead { party { id } duty } cooperating { party { id } role duty } } }
    disputes { id open grounds decision } } }"#;

async fn register(app: &TestApp, nyj: &str, scj: &str) {
    gql_ok(app, r#"mutation($i: RegisterBoundaryMatterInput!) { registerBoundaryMatter(input: $i) { matterId events } }"#,
        json!({"i": {"matterId": "food-safety-1", "kind": "BETWEEN_DEPARTMENTS", "field": "食品安全", "title": "食用农产品质量安全监管衔接",
                      "parties": [{"partyId": "nyj", "departmentId": nyj}, {"partyId": "scj", "departmentId": scj}],
                      "effectiveAt": "2020-01-01T00:00:00Z"}})).await;
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn the_food_safety_boundary_through_its_history(pool: PgPool) {
    let app = TestApp::new(pool);
    let nyj = department(&app, "00435045", "临沂市农业农村局", "nyj-quality").await;
    let scj = department(&app, "00435012", "临沂市市场监督管理局", "msb-food").await;
    register(&app, &nyj, &scj).await;
    let unruled = gql_ok(&app, "{ unruledBoundaryMatters { id } }", json!({})).await;
    assert_eq!(
        unruled["unruledBoundaryMatters"],
        json!([{"id": "food-safety-1"}])
    );

    gql_ok(&app, r#"mutation($i: BoundaryRulingInput!) { ruleBoundaryMatter(input: $i) { events } }"#,
        json!({"i": {"matterId": "food-safety-1", "ruling": ruling("nyj", "scj"), "effectiveAt": "2020-03-01T00:00:00Z"}})).await;
    // A revision from 2022: market supervision leads both stages (a hypothetical change).
    gql_ok(&app, r#"mutation($i: BoundaryRulingInput!) { reviseBoundaryRuling(input: $i) { events } }"#,
        json!({"i": {"matterId": "food-safety-1", "ruling": ruling("scj", "scj"), "effectiveAt": "2022-01-01T00:00:00Z", "reason": "机构改革后职责调整"}})).await;

    let before = gql_ok(
        &app,
        MATTER,
        json!({"id": "food-safety-1", "asOf": {"validAt": "2021-06-01T00:00:00Z"}}),
    )
    .await;
    let r = &before["boundaryMatter"]["ruling"];
    assert_eq!(r["number"], 1);
    assert_eq!(
        r["stages"][0]["lead"]["party"]["id"], "nyj",
        "agriculture leads until products enter a market"
    );
    assert_eq!(
        r["stages"][1]["lead"]["party"]["id"], "scj",
        "market supervision after"
    );
    let after = gql_ok(
        &app,
        MATTER,
        json!({"id": "food-safety-1", "asOf": {"validAt": "2022-06-01T00:00:00Z"}}),
    )
    .await;
    assert_eq!(after["boundaryMatter"]["ruling"]["number"], 2);
    assert_eq!(
        after["boundaryMatter"]["ruling"]["stages"][0]["lead"]["party"]["id"],
        "scj"
    );
    let early = gql_ok(
        &app,
        MATTER,
        json!({"id": "food-safety-1", "asOf": {"validAt": "2020-02-01T00:00:00Z"}}),
    )
    .await;
    assert_eq!(
        early["boundaryMatter"]["ruling"],
        Value::Null,
        "registered, not yet ruled"
    );

    let list = gql_ok(
        &app,
        r#"query($d: ID!, $asOf: AsOf) { boundaryList(departmentId: $d, asOf: $asOf) {
        matter { id } roles { stage role duty } } }"#,
        json!({"d": nyj, "asOf": {"validAt": "2021-06-01T00:00:00Z"}}),
    )
    .await;
    let roles = &list["boundaryList"][0]["roles"];
    assert_eq!(roles[0]["role"], "LEAD");
    assert_eq!(roles[1]["role"], "COOPERATING");
    assert_eq!(roles[1]["duty"], "配合产地溯源");

    // A clerk of agriculture disputes; a clerk of another department may not.
    let other = department(&app, "00435053", "临沂市卫生健康委员会", "wjw-1").await;
    let raise = r#"mutation($i: RaiseBoundaryDisputeInput!) { raiseBoundaryDispute(input: $i) { id events } }"#;
    let r = app
        .gql_as(
            &actor(Role::Clerk, &[&other]),
            raise,
            json!({"i": {"matterId": "food-safety-1", "partyId": "nyj", "grounds": "x"}}),
        )
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"));
    let r = app.gql_as(&actor(Role::Clerk, &[&nyj]), raise, json!({"i": {"matterId": "food-safety-1", "disputeId": "d1", "partyId": "nyj", "grounds": "批发市场内的检测职责不清"}})).await;
    assert!(r.get("errors").is_none(), "{r:#}");
    let open = gql_ok(
        &app,
        "{ openBoundaryDisputes { matter { id } dispute { id grounds } } }",
        json!({}),
    )
    .await;
    assert_eq!(open["openBoundaryDisputes"][0]["dispute"]["id"], "d1");
    let r = app
        .gql(
            r#"mutation { retireBoundaryMatter(input: {matterId: "food-safety-1"}) { events } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_rule(&r), Some("DISPUTES_OPEN"));
    gql_ok(&app, r#"mutation($i: DecideBoundaryDisputeInput!) { decideBoundaryDispute(input: $i) { events } }"#,
        json!({"i": {"matterId": "food-safety-1", "disputeId": "d1", "decision": "批发市场内检测由市场监管部门负责"}})).await;
    let open = gql_ok(
        &app,
        "{ openBoundaryDisputes { dispute { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(open["openBoundaryDisputes"], json!([]));
    gql_ok(
        &app,
        r#"mutation { retireBoundaryMatter(input: {matterId: "food-safety-1"}) { events } }"#,
        json!({}),
    )
    .await;
    let gone = app.gql(MATTER, json!({"id": "food-safety-1"})).await;
    assert_eq!(error_code(&gone), Some("NOT_FOUND"), "retired");
    let still = gql_ok(
        &app,
        MATTER,
        json!({"id": "food-safety-1", "asOf": {"validAt": "2022-06-01T00:00:00Z"}}),
    )
    .await;
    assert_eq!(
        still["boundaryMatter"]["ruling"]["number"], 2,
        "history stays: in force in 2022"
    );

    let h = gql_ok(&app, r#"{ events(filter: {aggregateType: "boundary_matter"}) { edges { node { eventType } } } }"#, json!({})).await;
    let types: Vec<&str> = h["events"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["eventType"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "MatterRegistered",
            "MatterRuled",
            "RulingRevised",
            "DisputeRaised",
            "DisputeDecided",
            "MatterRetired"
        ]
    );
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn bad_boundary_commands_are_refused(pool: PgPool) {
    let app = TestApp::new(pool);
    let nyj = department(&app, "00435045", "临沂市农业农村局", "nyj-quality").await;
    let scj = department(&app, "00435012", "临沂市市场监督管理局", "msb-food").await;
    register(&app, &nyj, &scj).await;
    let before = app.event_count().await;
    let register_q = r#"mutation($i: RegisterBoundaryMatterInput!) { registerBoundaryMatter(input: $i) { events } }"#;
    let rule_q =
        r#"mutation($i: BoundaryRulingInput!) { ruleBoundaryMatter(input: $i) { events } }"#;
    let mut two_leads = ruling("nyj", "scj");
    two_leads["stages"][0]["roles"][1]["role"] = json!("LEAD");
    let mut no_lead = ruling("nyj", "scj");
    no_lead["stages"][1]["roles"][0]["role"] = json!("COOPERATING");
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            rule_q,
            json!({"matterId": "food-safety-1", "ruling": two_leads}),
            "BAD_USER_INPUT",
            "SEVERAL_LEADS",
        ),
        (
            rule_q,
            json!({"matterId": "food-safety-1", "ruling": no_lead}),
            "BAD_USER_INPUT",
            "NO_LEAD",
        ),
        (
            rule_q,
            json!({"matterId": "nope", "ruling": ruling("nyj", "scj")}),
            "NOT_FOUND",
            "MATTER_NOT_FOUND",
        ),
        (
            register_q,
            json!({"kind": "BETWEEN_SECTIONS", "field": "x", "title": "x", "parties": [
            {"partyId": "a", "departmentId": nyj, "unitId": "nyj-quality"}, {"partyId": "b", "departmentId": scj, "unitId": "msb-food"}]}),
            "BAD_USER_INPUT",
            "SECTIONS_OF_DIFFERENT_DEPARTMENTS",
        ),
        (
            register_q,
            json!({"kind": "BETWEEN_DEPARTMENTS", "field": "x", "title": "x", "parties": [{"partyId": "a", "departmentId": nyj}]}),
            "BAD_USER_INPUT",
            "TOO_FEW_PARTIES",
        ),
        (
            register_q,
            json!({"kind": "BETWEEN_DEPARTMENTS", "field": "x", "title": "x", "parties": [
            {"partyId": "a", "departmentId": nyj}, {"partyId": "b", "departmentId": credit_code("00435061")}]}),
            "NOT_FOUND",
            "DEPARTMENT_NOT_FOUND",
        ),
        (
            register_q,
            json!({"kind": "BETWEEN_DEPARTMENTS", "field": "x", "title": "x", "parties": [
            {"partyId": "a", "departmentId": nyj, "unitId": "ghost"}, {"partyId": "b", "departmentId": scj}]}),
            "NOT_FOUND",
            "UNIT_NOT_FOUND",
        ),
        (
            register_q,
            json!({"matterId": "food-safety-1", "kind": "BETWEEN_DEPARTMENTS", "field": "x", "title": "x", "parties": [
            {"partyId": "a", "departmentId": nyj}, {"partyId": "b", "departmentId": scj}]}),
            "CONFLICT",
            "MATTER_ALREADY_REGISTERED",
        ),
    ];
    for (q, input, code, rule) in cases {
        let r = app.gql(q, json!({"i": input})).await;
        assert_eq!(
            (error_code(&r), error_rule(&r)),
            (Some(code), Some(rule)),
            "{input}: {r:#}"
        );
        assert_eq!(app.event_count().await, before);
    }
    let r = app
        .gql_as(
            &actor(Role::Reviewer, &[]),
            rule_q,
            json!({"i": {"matterId": "food-safety-1", "ruling": ruling("nyj", "scj")}}),
        )
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"));
    let r = app
        .gql_as(
            &actor(Role::Integrator, &[]),
            "{ unruledBoundaryMatters { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"));
    let r = app
        .gql_as(
            &actor(Role::Clerk, &[&credit_code("00435061")]),
            "{ unruledBoundaryMatters { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        r["data"]["unruledBoundaryMatters"],
        json!([]),
        "a clerk sees only matters of its department"
    );
}
