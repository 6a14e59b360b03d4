//! The access matrix: every mutation and every query that exposes department data, for every
//! role, on the actor's own department and on another one. Allowed cases succeed; the others
//! get `FORBIDDEN` and write nothing.

use dutyledger_api::auth::{Actor, Role};
use dutyledger_tests::{actor, credit_code, error_code, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

/// Every structure mutation, in an order in which each succeeds on a department built by
/// [`build`]: `(mutation, input type, input without departmentId)`.
fn mutations() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "defineMainDuty",
            "DefineMainDutyInput",
            json!({"dutyId": "md2", "text": "负责质量发展"}),
        ),
        (
            "amendMainDuty",
            "AmendMainDutyInput",
            json!({"dutyId": "md2", "text": "负责宏观质量管理"}),
        ),
        (
            "establishUnit",
            "EstablishUnitInput",
            json!({"unitId": "u3", "name": "质量发展科"}),
        ),
        (
            "renameUnit",
            "RenameUnitInput",
            json!({"unitId": "u3", "name": "质量科"}),
        ),
        (
            "assignUnitDuty",
            "AssignUnitDutyInput",
            json!({"unitDutyId": "ud2", "mainDutyId": "md2", "unitId": "u3", "text": "拟订质量发展措施"}),
        ),
        (
            "defineTask",
            "DefineTaskInput",
            json!({"taskId": "t2", "unitDutyId": "ud2", "name": "质量奖评审"}),
        ),
        (
            "amendTask",
            "AmendTaskInput",
            json!({"taskId": "t2", "name": "市长质量奖评审"}),
        ),
        (
            "createPost",
            "CreatePostInput",
            json!({"postId": "p3", "unitId": "u3", "name": "质量岗"}),
        ),
        (
            "assignTaskToPost",
            "TaskPostInput",
            json!({"taskId": "t2", "postId": "p3"}),
        ),
        (
            "unassignTaskFromPost",
            "TaskPostInput",
            json!({"taskId": "t2", "postId": "p3"}),
        ),
        (
            "setDepartmentStaffing",
            "SetDepartmentStaffingInput",
            json!({"headcount": 100}),
        ),
        (
            "setUnitStaffing",
            "SetUnitStaffingInput",
            json!({"unitId": "u3", "headcount": 5}),
        ),
        (
            "transferUnitDuty",
            "TransferUnitDutyInput",
            json!({"unitDutyId": "ud2", "toUnitId": "u2"}),
        ),
        ("retireTask", "RetireTaskInput", json!({"taskId": "t2"})),
        (
            "revokeUnitDuty",
            "RevokeUnitDutyInput",
            json!({"unitDutyId": "ud2"}),
        ),
        (
            "revokeMainDuty",
            "RevokeMainDutyInput",
            json!({"dutyId": "md2"}),
        ),
        ("abolishPost", "AbolishPostInput", json!({"postId": "p3"})),
        ("abolishUnit", "AbolishUnitInput", json!({"unitId": "u3"})),
        (
            "listPowerItem",
            "ListPowerItemInput",
            json!({"itemId": "pi1", "code": "XK-01", "name": "食品生产许可", "kind": "LICENSING", "legalBasis": "《食品安全法》", "unitId": "u1"}),
        ),
        (
            "amendPowerItem",
            "AmendPowerItemInput",
            json!({"itemId": "pi1", "code": "XK-01", "name": "食品生产许可（变更）", "kind": "LICENSING", "legalBasis": "《食品安全法》", "unitId": "u1"}),
        ),
        (
            "linkTaskToPowerItem",
            "PowerLinkInput",
            json!({"itemId": "pi1", "taskId": "t1"}),
        ),
        (
            "unlinkTaskFromPowerItem",
            "PowerLinkInput",
            json!({"itemId": "pi1", "taskId": "t1"}),
        ),
        (
            "delistPowerItem",
            "DelistPowerItemInput",
            json!({"itemId": "pi1"}),
        ),
        (
            "mergeUnits",
            "MergeUnitsInput",
            json!({"unitId": "u1", "intoUnitId": "u2"}),
        ),
    ]
}

async fn run(app: &TestApp, who: &Actor, mutation: &str, input_type: &str, input: Value) -> Value {
    let query =
        format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ events }} }}");
    app.gql_as(who, &query, json!({ "input": input })).await
}

fn establish_input(id: &str) -> Value {
    json!({"id": id, "name": format!("临沂市测试局{}", &id[10..14]), "divisionCode": "371300000000",
           "level": "CITY", "sector": "测试", "kind": "GOVERNMENT_DEPARTMENT"})
}

async fn build(app: &TestApp, id: &str) {
    let supervisor = Actor::supervisor("builder");
    let steps: Vec<(&str, &str, Value)> = vec![
        (
            "establishDepartment",
            "EstablishDepartmentInput",
            establish_input(id),
        ),
        (
            "defineMainDuty",
            "DefineMainDutyInput",
            json!({"departmentId": id, "dutyId": "md1", "text": "负责市场监管"}),
        ),
        (
            "establishUnit",
            "EstablishUnitInput",
            json!({"departmentId": id, "unitId": "u1", "name": "机关党委"}),
        ),
        (
            "establishUnit",
            "EstablishUnitInput",
            json!({"departmentId": id, "unitId": "u2", "name": "办公室"}),
        ),
        (
            "assignUnitDuty",
            "AssignUnitDutyInput",
            json!({"departmentId": id, "unitDutyId": "ud1", "mainDutyId": "md1", "unitId": "u1", "text": "党建"}),
        ),
        (
            "defineTask",
            "DefineTaskInput",
            json!({"departmentId": id, "taskId": "t1", "unitDutyId": "ud1", "name": "理论学习"}),
        ),
        (
            "createPost",
            "CreatePostInput",
            json!({"departmentId": id, "postId": "p1", "unitId": "u1", "name": "党建岗"}),
        ),
        (
            "assignTaskToPost",
            "TaskPostInput",
            json!({"departmentId": id, "taskId": "t1", "postId": "p1"}),
        ),
    ];
    for (mutation, input_type, input) in steps {
        let r = run(app, &supervisor, mutation, input_type, input).await;
        assert!(r.get("errors").is_none(), "{mutation}: {r:#}");
    }
}

fn with_department(mut input: Value, id: &str) -> Value {
    input["departmentId"] = json!(id);
    input
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn every_mutation_for_every_role(pool: PgPool) {
    let app = TestApp::new(pool);
    let own = credit_code("40000001");
    let other = credit_code("40000002");
    build(&app, &own).await;
    build(&app, &other).await;

    let forbidden_roles = [
        ("clerk", actor(Role::Clerk, &[&own])),
        ("reviewer", actor(Role::Reviewer, &[])),
        ("integrator", actor(Role::Integrator, &[])),
        (
            "integrator limited to own",
            actor(Role::Integrator, &[&own]),
        ),
    ];
    let supervisor = actor(Role::Supervisor, &[]);

    // establishDepartment: nobody but a supervisor may establish one.
    let fresh = credit_code("40000003");
    for (name, who) in &forbidden_roles {
        let before = app.event_count().await;
        let r = run(
            &app,
            who,
            "establishDepartment",
            "EstablishDepartmentInput",
            establish_input(&fresh),
        )
        .await;
        assert_eq!(
            error_code(&r),
            Some("FORBIDDEN"),
            "{name} establishDepartment: {r:#}"
        );
        assert_eq!(app.event_count().await, before, "{name} wrote nothing");
    }
    let r = run(
        &app,
        &supervisor,
        "establishDepartment",
        "EstablishDepartmentInput",
        establish_input(&fresh),
    )
    .await;
    assert!(r.get("errors").is_none(), "{r:#}");

    for (mutation, input_type, input) in mutations() {
        for department in [&own, &other] {
            for (name, who) in &forbidden_roles {
                let before = app.event_count().await;
                let r = run(
                    &app,
                    who,
                    mutation,
                    input_type,
                    with_department(input.clone(), department),
                )
                .await;
                assert_eq!(
                    error_code(&r),
                    Some("FORBIDDEN"),
                    "{name} {mutation} on {department}: {r:#}"
                );
                assert_eq!(
                    app.event_count().await,
                    before,
                    "{name} {mutation} wrote nothing"
                );
            }
            // A supervisor may change any department.
            let r = run(
                &app,
                &supervisor,
                mutation,
                input_type,
                with_department(input.clone(), department),
            )
            .await;
            assert!(
                r.get("errors").is_none(),
                "supervisor {mutation} on {department}: {r:#}"
            );
            assert_eq!(
                r["data"][mutation]["events"], 1,
                "supervisor {mutation} on {department}"
            );
        }
    }
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_role_that_may_not_write_gets_forbidden_even_for_malformed_input(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = run(
        &app,
        &actor(Role::Reviewer, &[]),
        "defineMainDuty",
        "DefineMainDutyInput",
        json!({"departmentId": "garbage", "text": ""}),
    )
    .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
}

const DEPARTMENT: &str = r#"query($id: ID!) { department(id: $id) {
    id name mainDuties { id } units { id duties { id tasks { id posts { id } } } posts { id } }
    unitDuties { id } tasks { id } posts { id } powerItems { id } coverage { complete } }
  powerList(departmentId: $id) { id }
  history(departmentId: $id, first: 1) { edges { cursor } }
  changes(departmentId: $id, from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z") { id } }"#;

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn every_department_query_for_every_role(pool: PgPool) {
    let app = TestApp::new(pool);
    let own = credit_code("40000011");
    let other = credit_code("40000012");
    build(&app, &own).await;
    build(&app, &other).await;

    // (role, may read own, may read other, departments listed)
    let cases: Vec<(Actor, bool, bool, Option<Vec<&str>>)> = vec![
        (
            actor(Role::Supervisor, &[]),
            true,
            true,
            Some(vec![&own, &other]),
        ),
        (actor(Role::Clerk, &[&own]), true, false, Some(vec![&own])),
        (
            actor(Role::Reviewer, &[]),
            true,
            true,
            Some(vec![&own, &other]),
        ),
        (actor(Role::Integrator, &[]), false, false, None),
        (actor(Role::Integrator, &[&own]), false, false, None),
    ];
    for (who, read_own, read_other, listed) in cases {
        for (department, allowed) in [(&own, read_own), (&other, read_other)] {
            let r = app
                .gql_as(&who, DEPARTMENT, json!({ "id": department }))
                .await;
            if allowed {
                assert!(
                    r.get("errors").is_none(),
                    "{:?} reads {department}: {r:#}",
                    who.role
                );
                assert_eq!(r["data"]["department"]["id"], json!(department));
            } else {
                assert_eq!(
                    error_code(&r),
                    Some("FORBIDDEN"),
                    "{:?} reads {department}: {r:#}",
                    who.role
                );
                assert!(
                    r["data"].is_null() || r["data"]["department"].is_null(),
                    "{r:#}"
                );
                let codes: Vec<&str> = r["errors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["extensions"]["code"].as_str())
                    .collect();
                assert_eq!(codes.len(), 4, "every field refused: {r:#}");
                assert!(codes.iter().all(|c| *c == "FORBIDDEN"), "{codes:?}");
            }
        }
        let r = app
            .gql_as(
                &who,
                "{ departments { id units { id } coverage { complete } } }",
                json!({}),
            )
            .await;
        match listed {
            Some(ids) => {
                let got: Vec<&str> = r["data"]["departments"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|d| d["id"].as_str())
                    .collect();
                assert_eq!(got, ids, "{:?} lists", who.role);
            }
            None => assert_eq!(
                error_code(&r),
                Some("FORBIDDEN"),
                "{:?} lists: {r:#}",
                who.role
            ),
        }
    }
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn the_actor_goes_into_every_event(pool: PgPool) {
    let app = TestApp::new(pool);
    let id = credit_code("40000021");
    build(&app, &id).await;
    let actors: Vec<String> = sqlx::query_scalar("SELECT DISTINCT metadata->>'actor' FROM events")
        .fetch_all(&app.pool)
        .await
        .expect("actors");
    assert_eq!(actors, vec!["supervisor:builder".to_owned()]);
}
