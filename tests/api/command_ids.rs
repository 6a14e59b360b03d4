//! Every write is safe to retry (DESIGN.md rule 7, issue 13): every kind of mutation sent twice
//! with the same `commandId`, one after the other and from 8 clients at once, stores one set of
//! events and answers the same both times; the same id with another payload is refused.

use futures::future::join_all;
use serde_json::{json, Value};
use sqlx::PgPool;

use dutyledger_tests::{credit_code, TestApp};

/// One mutation of the scenario: its name, its input type, its input (without the command id).
struct Step {
    mutation: &'static str,
    input_type: &'static str,
    input: Value,
}

fn step(mutation: &'static str, input_type: &'static str, input: Value) -> Step {
    Step {
        mutation,
        input_type,
        input,
    }
}

/// Every kind of command, in an order in which each is accepted: the structure, the power
/// list, a boundary matter between `a` and `b`, and a performance record corrected and voided.
fn scenario(a: &str, b: &str) -> Vec<Step> {
    let establish = |id: &str, name: &str| {
        json!({"id": id, "name": name, "divisionCode": "371300000000", "level": "CITY",
               "sector": "测试", "kind": "GOVERNMENT_DEPARTMENT", "effectiveAt": "2019-01-01T00:00:00Z"})
    };
    let since = "2020-01-01T00:00:00Z";
    let ruling = |lead: &str, other: &str| {
        json!({"stages": [{"name": "全过程", "roles": [
                  {"partyId": lead, "role": "LEAD", "duty": "牵头监管"},
                  {"partyId": other, "role": "COOPERATING", "duty": "配合"}]}],
               "basis": "《中华人民共和国食品安全法》", "mechanisms": ["INFORMATION_SHARING"]})
    };
    let power = |item: &str, name: &str| {
        json!({"departmentId": a, "itemId": item, "code": "XK-0001", "name": name, "kind": "LICENSING",
               "legalBasis": "《行政许可法》", "unitId": "u1"})
    };
    let record = |quantity: i64| {
        json!({"recordId": "r1", "departmentId": a, "unitId": "u9", "postId": "p9", "taskId": "t9",
               "region": "371302001000", "occurredAt": "2021-03-01T10:00:00+08:00", "quantity": quantity})
    };
    vec![
        step(
            "establishDepartment",
            "EstablishDepartmentInput",
            establish(a, "临沂市甲局"),
        ),
        step(
            "establishDepartment",
            "EstablishDepartmentInput",
            establish(b, "临沂市乙局"),
        ),
        step(
            "defineMainDuty",
            "DefineMainDutyInput",
            json!({"departmentId": a, "dutyId": "md1", "text": "负责监管"}),
        ),
        step(
            "amendMainDuty",
            "AmendMainDutyInput",
            json!({"departmentId": a, "dutyId": "md1", "text": "负责综合监管"}),
        ),
        step(
            "establishUnit",
            "EstablishUnitInput",
            json!({"departmentId": a, "unitId": "u1", "name": "一科"}),
        ),
        step(
            "establishUnit",
            "EstablishUnitInput",
            json!({"departmentId": a, "unitId": "u2", "name": "二科"}),
        ),
        step(
            "renameUnit",
            "RenameUnitInput",
            json!({"departmentId": a, "unitId": "u2", "name": "综合科"}),
        ),
        step(
            "assignUnitDuty",
            "AssignUnitDutyInput",
            json!({"departmentId": a, "unitDutyId": "ud1", "mainDutyId": "md1", "unitId": "u1", "text": "日常监管"}),
        ),
        step(
            "defineTask",
            "DefineTaskInput",
            json!({"departmentId": a, "taskId": "t1", "unitDutyId": "ud1", "name": "检查"}),
        ),
        step(
            "amendTask",
            "AmendTaskInput",
            json!({"departmentId": a, "taskId": "t1", "name": "专项检查"}),
        ),
        // No post id: the server names the post after the command id.
        step(
            "createPost",
            "CreatePostInput",
            json!({"departmentId": a, "unitId": "u1", "name": "检查岗"}),
        ),
        step(
            "setDepartmentStaffing",
            "SetDepartmentStaffingInput",
            json!({"departmentId": a, "headcount": 10}),
        ),
        step(
            "setUnitStaffing",
            "SetUnitStaffingInput",
            json!({"departmentId": a, "unitId": "u1", "headcount": 3}),
        ),
        step(
            "listPowerItem",
            "ListPowerItemInput",
            power("i1", "食品经营许可"),
        ),
        step(
            "amendPowerItem",
            "AmendPowerItemInput",
            power("i1", "食品经营许可（含仅销售预包装食品备案）"),
        ),
        step(
            "linkTaskToPowerItem",
            "PowerLinkInput",
            json!({"departmentId": a, "itemId": "i1", "taskId": "t1"}),
        ),
        step(
            "unlinkTaskFromPowerItem",
            "PowerLinkInput",
            json!({"departmentId": a, "itemId": "i1", "taskId": "t1"}),
        ),
        step(
            "delistPowerItem",
            "DelistPowerItemInput",
            json!({"departmentId": a, "itemId": "i1"}),
        ),
        step(
            "transferUnitDuty",
            "TransferUnitDutyInput",
            json!({"departmentId": a, "unitDutyId": "ud1", "toUnitId": "u2"}),
        ),
        step(
            "retireTask",
            "RetireTaskInput",
            json!({"departmentId": a, "taskId": "t1"}),
        ),
        step(
            "revokeUnitDuty",
            "RevokeUnitDutyInput",
            json!({"departmentId": a, "unitDutyId": "ud1"}),
        ),
        step(
            "establishUnit",
            "EstablishUnitInput",
            json!({"departmentId": a, "unitId": "u3", "name": "三科"}),
        ),
        step(
            "abolishUnit",
            "AbolishUnitInput",
            json!({"departmentId": a, "unitId": "u3"}),
        ),
        step(
            "mergeUnits",
            "MergeUnitsInput",
            json!({"departmentId": a, "unitId": "u2", "intoUnitId": "u1"}),
        ),
        step(
            "revokeMainDuty",
            "RevokeMainDutyInput",
            json!({"departmentId": a, "dutyId": "md1"}),
        ),
        // A structure in force from 2020 for a record of 2021.
        step(
            "defineMainDuty",
            "DefineMainDutyInput",
            json!({"departmentId": a, "dutyId": "md9", "text": "负责执法", "effectiveAt": since}),
        ),
        step(
            "establishUnit",
            "EstablishUnitInput",
            json!({"departmentId": a, "unitId": "u9", "name": "执法科", "effectiveAt": since}),
        ),
        step(
            "assignUnitDuty",
            "AssignUnitDutyInput",
            json!({"departmentId": a, "unitDutyId": "ud9", "mainDutyId": "md9", "unitId": "u9", "text": "执法", "effectiveAt": since}),
        ),
        step(
            "defineTask",
            "DefineTaskInput",
            json!({"departmentId": a, "taskId": "t9", "unitDutyId": "ud9", "name": "立案", "effectiveAt": since}),
        ),
        step(
            "createPost",
            "CreatePostInput",
            json!({"departmentId": a, "postId": "p9", "unitId": "u9", "name": "执法岗", "effectiveAt": since}),
        ),
        step(
            "assignTaskToPost",
            "TaskPostInput",
            json!({"departmentId": a, "taskId": "t9", "postId": "p9", "effectiveAt": since}),
        ),
        step(
            "unassignTaskFromPost",
            "TaskPostInput",
            json!({"departmentId": a, "taskId": "t9", "postId": "p9"}),
        ),
        step(
            "createPost",
            "CreatePostInput",
            json!({"departmentId": a, "postId": "p8", "unitId": "u9", "name": "临时岗"}),
        ),
        step(
            "abolishPost",
            "AbolishPostInput",
            json!({"departmentId": a, "postId": "p8"}),
        ),
        step(
            "registerBoundaryMatter",
            "RegisterBoundaryMatterInput",
            json!({"matterId": "m1", "kind": "BETWEEN_DEPARTMENTS", "field": "食品安全", "title": "衔接",
            "parties": [{"partyId": "pa", "departmentId": a}, {"partyId": "pb", "departmentId": b}]}),
        ),
        step(
            "ruleBoundaryMatter",
            "BoundaryRulingInput",
            json!({"matterId": "m1", "ruling": ruling("pa", "pb")}),
        ),
        step(
            "reviseBoundaryRuling",
            "BoundaryRulingInput",
            json!({"matterId": "m1", "ruling": ruling("pb", "pa")}),
        ),
        step(
            "raiseBoundaryDispute",
            "RaiseBoundaryDisputeInput",
            json!({"matterId": "m1", "disputeId": "d1", "partyId": "pa", "grounds": "职责不清"}),
        ),
        step(
            "decideBoundaryDispute",
            "DecideBoundaryDisputeInput",
            json!({"matterId": "m1", "disputeId": "d1", "decision": "维持"}),
        ),
        step(
            "retireBoundaryMatter",
            "RetireBoundaryMatterInput",
            json!({"matterId": "m1"}),
        ),
        // The record itself is safe to retry by its record id; its correction and void by
        // their command ids.
        step("recordWork", "WorkRecordInput", record(1)),
        step(
            "correctWorkRecord",
            "CorrectWorkRecordInput",
            json!({"record": record(2), "reason": "数量录错"}),
        ),
        step(
            "voidWorkRecord",
            "VoidWorkRecordInput",
            json!({"departmentId": a, "recordId": "r1", "reason": "重复录入"}),
        ),
    ]
}

fn selection(mutation: &str) -> &'static str {
    match mutation {
        // Its status says STORED, then DUPLICATE; the record's place and time are the same.
        "recordWork" => "recordId cursor recordedAt",
        "correctWorkRecord" | "voidWorkRecord" => "events cursor",
        _ => "id events cursor effectiveAt",
    }
}

/// Sends a step with `command_id`; returns the mutation's answer, or the whole response if it
/// failed.
async fn send(app: &TestApp, s: &Step, command_id: &str) -> Result<Value, Value> {
    let mut input = s.input.clone();
    if s.mutation != "recordWork" {
        input["commandId"] = json!(command_id);
    }
    let query = format!(
        "mutation($input: {}!) {{ {}(input: $input) {{ {} }} }}",
        s.input_type,
        s.mutation,
        selection(s.mutation)
    );
    let response = app.gql(&query, json!({ "input": input })).await;
    if response.get("errors").is_some() {
        return Err(response);
    }
    Ok(response["data"][s.mutation].clone())
}

fn command_id(i: usize, s: &Step) -> String {
    format!("{}-{i}", s.mutation)
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn every_mutation_sent_twice_with_its_command_id_is_applied_once(pool: PgPool) {
    let app = TestApp::new(pool);
    let (a, b) = (credit_code("50000001"), credit_code("50000002"));
    for (i, s) in scenario(&a, &b).iter().enumerate() {
        let id = command_id(i, s);
        let first = send(&app, s, &id)
            .await
            .unwrap_or_else(|e| panic!("{}: {e:#}", s.mutation));
        let events = app.event_count().await;
        let again = send(&app, s, &id)
            .await
            .unwrap_or_else(|e| panic!("{} again: {e:#}", s.mutation));
        assert_eq!(again, first, "{}: the retry answers the same", s.mutation);
        assert_eq!(
            app.event_count().await,
            events,
            "{}: the retry stores nothing",
            s.mutation
        );
        if s.mutation == "createPost" && s.input.get("postId").is_none() {
            assert_eq!(
                first["id"],
                json!(id),
                "a server-assigned id is the command id"
            );
        }
    }
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn every_mutation_from_eight_clients_at_once_is_applied_once(pool: PgPool) {
    let app = TestApp::new(pool);
    let (a, b) = (credit_code("50000003"), credit_code("50000004"));
    for (i, s) in scenario(&a, &b).iter().enumerate() {
        let id = command_id(i, s);
        let before = app.event_count().await;
        let answers = join_all((0..8).map(|_| send(&app, s, &id))).await;
        let answers: Vec<Value> = answers
            .into_iter()
            .map(|a| a.unwrap_or_else(|e| panic!("{}: {e:#}", s.mutation)))
            .collect();
        for answer in &answers {
            assert_eq!(
                answer, &answers[0],
                "{}: every client gets the same answer",
                s.mutation
            );
        }
        let stored = app.event_count().await - before;
        let expected = match s.mutation {
            "recordWork" => 1,
            _ => answers[0]["events"].as_i64().unwrap_or(-1),
        };
        assert_eq!(stored, expected, "{}: one set of events", s.mutation);
    }
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_command_id_used_again_for_another_command_is_refused(pool: PgPool) {
    let app = TestApp::new(pool);
    let a = credit_code("50000005");
    let steps = scenario(&a, &credit_code("50000006"));
    send(&app, &steps[0], "establish")
        .await
        .expect("established");
    let unit = |name: &str| {
        step(
            "establishUnit",
            "EstablishUnitInput",
            json!({"departmentId": a, "unitId": "u1", "name": name}),
        )
    };
    send(&app, &unit("一科"), "c1").await.expect("stored");
    let events = app.event_count().await;
    let refused = send(&app, &unit("二科"), "c1").await.expect_err("refused");
    assert_eq!(refused["errors"][0]["extensions"]["code"], "CONFLICT");
    assert_eq!(
        refused["errors"][0]["extensions"]["rule"],
        "COMMAND_ID_REUSED"
    );
    // Another effective time is another command too.
    let mut later = unit("一科");
    later.input["effectiveAt"] = json!("2030-01-01T00:00:00Z");
    let refused = send(&app, &later, "c1").await.expect_err("refused");
    assert_eq!(
        refused["errors"][0]["extensions"]["rule"],
        "COMMAND_ID_REUSED"
    );
    assert_eq!(app.event_count().await, events, "nothing stored");
    // Malformed and oversized command ids are bad input.
    for bad in ["", "has space", &"x".repeat(61)] {
        let r = send(&app, &unit("三科"), bad).await.expect_err("bad id");
        assert_eq!(
            r["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{bad:?}"
        );
    }
}
