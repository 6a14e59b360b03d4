//! Shared by the record import tests: a department whose structure is in force from 2020, built
//! through GraphQL, so that records of 2021 on are checked against it.

use dutyledger_tests::{credit_code, TestApp};
use serde_json::{json, Value};

/// Builds the department: unit `u1` holds unit duty `ud1` with task `t1` (a limit of 10
/// calendar days), held by post `p1`; post `p2` of the same unit holds no task. Returns its
/// credit code.
pub async fn department(app: &TestApp, org_body: &str) -> String {
    let id = credit_code(org_body);
    let since = "2020-01-01T00:00:00Z";
    let steps: [(&str, &str, Value); 8] = [
        (
            "establishDepartment",
            "EstablishDepartmentInput",
            json!({"id": id, "name": "临沂市履职数据局",
            "divisionCode": "371300000000", "level": "CITY", "sector": "市场监管",
            "kind": "GOVERNMENT_DEPARTMENT", "effectiveAt": since}),
        ),
        (
            "defineMainDuty",
            "DefineMainDutyInput",
            json!({"departmentId": id, "dutyId": "md1",
            "text": "负责市场监管", "effectiveAt": since}),
        ),
        (
            "establishUnit",
            "EstablishUnitInput",
            json!({"departmentId": id, "unitId": "u1",
            "name": "登记注册科", "effectiveAt": since}),
        ),
        (
            "assignUnitDuty",
            "AssignUnitDutyInput",
            json!({"departmentId": id, "unitDutyId": "ud1",
            "mainDutyId": "md1", "unitId": "u1", "text": "市场主体登记", "effectiveAt": since}),
        ),
        (
            "defineTask",
            "DefineTaskInput",
            json!({"departmentId": id, "taskId": "t1",
            "unitDutyId": "ud1", "name": "企业设立登记",
            "timeLimit": {"days": 10, "kind": "CALENDAR"}, "effectiveAt": since}),
        ),
        (
            "createPost",
            "CreatePostInput",
            json!({"departmentId": id, "postId": "p1",
            "unitId": "u1", "name": "登记岗", "effectiveAt": since}),
        ),
        (
            "createPost",
            "CreatePostInput",
            json!({"departmentId": id, "postId": "p2",
            "unitId": "u1", "name": "综合岗", "effectiveAt": since}),
        ),
        (
            "assignTaskToPost",
            "TaskPostInput",
            json!({"departmentId": id, "taskId": "t1",
            "postId": "p1", "effectiveAt": since}),
        ),
    ];
    for (mutation, input_type, input) in steps {
        let q =
            format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ events }} }}");
        let r = app.gql(&q, json!({ "input": input })).await;
        assert!(r.get("errors").is_none(), "{mutation}: {r:#}");
    }
    id
}

/// The records and summed quantity the rollups show for a department.
pub async fn rollup_totals(app: &TestApp, department: &str) -> (i64, i64) {
    let data = app
        .ok(
            "query($d: ID!) { performance(filter: {departmentId: $d}) { totals { records quantity } } }",
            json!({ "d": department }),
        )
        .await;
    let totals = &data["performance"]["totals"];
    (
        totals["records"].as_i64().unwrap_or(-1),
        totals["quantity"].as_i64().unwrap_or(-1),
    )
}

/// Waits (at most `seconds`) until the rollups show `records` records for the department, and
/// returns the last totals seen.
pub async fn wait_for_rollups(
    app: &TestApp,
    department: &str,
    records: i64,
    seconds: u64,
) -> (i64, i64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        let totals = rollup_totals(app, department).await;
        if totals.0 == records || std::time::Instant::now() > deadline {
            return totals;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
