//! Supervision rounds and indicator scores (issue 15) end to end through GraphQL: a scheme
//! published and refused, a round planned, its stages entered in order, scores computed from
//! the data as known at a stated `knownAt` and checked by hand, data recorded later leaving a
//! recomputation as of that `knownAt` unchanged, manual scores with a basis, publication
//! freezing the scores, time travel, who may do what, the demo round, and `dutyledger scheme
//! load`.
//!
//! - [`round`]: a round from plan to publication, scores checked by hand.
//! - [`refusals`]: bad schemes and plans refused with their rule.
//! - [`demo`]: the demo round.
//! - [`cli`]: `dutyledger scheme load`.
//!
//! The helpers and queries here are shared with the rectification and complaints tests.

mod cli;
mod demo;
mod refusals;
mod round;

use dutyledger_tests::{credit_code, TestApp};
use serde_json::{json, Value};

const SINCE: &str = "2024-01-01T00:00:00+08:00";

pub(crate) async fn must(app: &TestApp, mutation: &str, input_type: &str, input: Value) -> Value {
    let q = format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ events }} }}");
    let r = app.gql(&q, json!({ "input": input })).await;
    assert!(r.get("errors").is_none(), "{mutation}: {r:#}");
    r["data"][mutation].clone()
}

/// A department with unit u1 and tasks t1 (10 working days, held by p1), t2 (held by p1 when
/// `all_held`, else by no post) and t3 (high-risk, held by p1).
pub(crate) async fn department(app: &TestApp, body: &str, all_held: bool) -> String {
    let id = credit_code(body);
    must(app, "establishDepartment", "EstablishDepartmentInput", json!({"id": id, "name": format!("临沂市{body}局"),
        "divisionCode": "371300000000", "level": "CITY", "sector": "综合", "kind": "GOVERNMENT_DEPARTMENT", "effectiveAt": SINCE})).await;
    must(app, "defineMainDuty", "DefineMainDutyInput", json!({"departmentId": id, "dutyId": "md1", "text": "负责本领域监督管理", "effectiveAt": SINCE})).await;
    must(
        app,
        "establishUnit",
        "EstablishUnitInput",
        json!({"departmentId": id, "unitId": "u1", "name": "执法科", "effectiveAt": SINCE}),
    )
    .await;
    must(app, "assignUnitDuty", "AssignUnitDutyInput", json!({"departmentId": id, "unitDutyId": "ud1", "mainDutyId": "md1", "unitId": "u1", "text": "行政执法", "effectiveAt": SINCE})).await;
    must(
        app,
        "defineTask",
        "DefineTaskInput",
        json!({"departmentId": id, "taskId": "t1", "unitDutyId": "ud1", "name": "投诉举报处理",
        "timeLimit": {"days": 10, "kind": "WORKING"}, "effectiveAt": SINCE}),
    )
    .await;
    must(app, "defineTask", "DefineTaskInput", json!({"departmentId": id, "taskId": "t2", "unitDutyId": "ud1", "name": "日常检查", "effectiveAt": SINCE})).await;
    must(app, "defineTask", "DefineTaskInput", json!({"departmentId": id, "taskId": "t3", "unitDutyId": "ud1", "name": "行政处罚",
        "timeLimit": {"days": 30, "kind": "WORKING"}, "scope": "全市", "procedure": "立案、调查、决定", "standard": "依法",
        "risks": {"wideDiscretion": !all_held}, "effectiveAt": SINCE})).await;
    must(app, "createPost", "CreatePostInput", json!({"departmentId": id, "postId": "p1", "unitId": "u1", "name": "执法岗", "effectiveAt": SINCE})).await;
    let held: &[&str] = if all_held {
        &["t1", "t2", "t3"]
    } else {
        &["t1", "t3"]
    };
    for task in held {
        must(
            app,
            "assignTaskToPost",
            "TaskPostInput",
            json!({"departmentId": id, "taskId": task, "postId": "p1", "effectiveAt": SINCE}),
        )
        .await;
    }
    id
}

/// Records of `dept` on t1 done in 2025, each taking `days` (limit 10 working days).
pub(crate) async fn records(app: &TestApp, dept: &str, prefix: &str, days: &[i64]) {
    let records: Vec<Value> = days
        .iter()
        .enumerate()
        .map(|(i, d)| json!({"recordId": format!("{prefix}{i}"), "departmentId": dept, "unitId": "u1", "postId": "p1",
            "taskId": "t1", "region": "371302001000", "occurredAt": format!("2025-03-{:02}T10:00:00+08:00", i + 3),
            "quantity": 1, "timeTakenDays": d}))
        .collect();
    let r = app
        .gql(
            "mutation($r: [WorkRecordInput!]!) { recordWorkBatch(records: $r) { stored rejected } }",
            json!({"r": records}),
        )
        .await;
    assert_eq!(r["data"]["recordWorkBatch"]["stored"], days.len(), "{r:#}");
}

/// A small scheme: total 20 = a (on-time rate 6, post coverage 4) + b (high-risk tasks
/// without a chart 5, manual 5); negative n (unruled boundary matters 3, complaints 1).
pub(crate) fn scheme() -> Value {
    json!({"name": "测试方案", "total": 20, "indicators": [
        {"id": "a", "name": "履职", "kind": "CORE", "weight": 10, "children": [
            {"id": "a.on_time", "name": "按时办结率", "kind": "CORE", "weight": 6,
             "rule": {"type": "ratio", "source": "records.on_time_rate", "mapping": {"linear": {"zeroAt": 50, "fullAt": 100}}}},
            {"id": "a.posts", "name": "任务到岗", "kind": "CORE", "weight": 4,
             "rule": {"type": "ratio", "source": "tasks.post_coverage", "mapping": {"thresholds": [{"atLeast": 50, "points": 2}, {"atLeast": 100, "points": 4}]}}}
        ]},
        {"id": "b", "name": "内部运行", "kind": "CORROBORATING", "weight": 10, "children": [
            {"id": "b.charts", "name": "高风险流程图", "kind": "CORROBORATING", "weight": 5,
             "rule": {"type": "deduction", "source": "workflow.high_risk_without_chart", "per": 3}},
            {"id": "b.onsite", "name": "实地核验", "kind": "CORROBORATING", "weight": 5, "rule": {"type": "manual"}}
        ]},
        {"id": "n", "name": "负面", "kind": "NEGATIVE", "weight": 4, "children": [
            {"id": "n.boundaries", "name": "边界未认定", "kind": "NEGATIVE", "weight": 3,
             "rule": {"type": "deduction", "source": "boundaries.unruled", "per": 1}},
            {"id": "n.complaints", "name": "12345投诉", "kind": "NEGATIVE", "weight": 1,
             "rule": {"type": "deduction", "source": "complaints.12345", "per": 0.5}}
        ]}
    ]})
}

pub(crate) const PUBLISH: &str = r#"mutation($i: PublishSchemeInput!) { publishScheme(input: $i) {
    id events scheme { id version versions total indicators { id depth kind weight source } } } }"#;
pub(crate) const PLAN: &str = r#"mutation($i: PlanRoundInput!) { planRound(input: $i) {
    id events round { id stage stages published scope { departmentId } } } }"#;
pub(crate) const ADVANCE: &str = r#"mutation($i: AdvanceRoundInput!) { advanceRound(input: $i) { events round { stage published } } }"#;
pub(crate) const SCORE: &str = r#"mutation($i: ScoreRoundInput!) { scoreRound(input: $i) {
    events round { knownAt } measuring { readModel milliseconds } } }"#;
pub(crate) const ADJUST: &str =
    r#"mutation($i: AdjustScoreInput!) { adjustScore(input: $i) { events } }"#;
pub(crate) const SCORES: &str = r#"query($r: ID!, $d: String, $asOf: AsOf) { scores(roundId: $r, departmentId: $d, asOf: $asOf) {
    departmentId total complete rank classRank rankedOf published
    indicators { indicatorId depth points computed noData adjusted basis revised revisedBy value numerator denominator count } } }"#;
pub(crate) const EXPLAIN: &str = r#"query($r: ID!, $d: String!, $i: String!) { scoreExplanation(roundId: $r, departmentId: $d, indicatorId: $i) {
    knownAt query figures { name value } items { kind id label cursor } moreItems sourceDescription
    indicator { points rule source } } }"#;

pub(crate) fn points(scores: &Value, dept: &str, indicator: &str) -> Value {
    scores
        .as_array()
        .expect("scores")
        .iter()
        .find(|s| s["departmentId"] == dept)
        .and_then(|s| {
            s["indicators"]
                .as_array()
                .expect("indicators")
                .iter()
                .find(|i| i["indicatorId"] == indicator)
        })
        .map(|i| i["points"].clone())
        .unwrap_or_else(|| panic!("{dept} {indicator} in {scores:#}"))
}

pub(crate) fn total(scores: &Value, dept: &str) -> Value {
    scores
        .as_array()
        .expect("scores")
        .iter()
        .find(|s| s["departmentId"] == dept)
        .map(|s| s["total"].clone())
        .expect("department")
}

pub(crate) async fn scores(app: &TestApp, round: &str, as_of: Value) -> Value {
    app.ok(SCORES, json!({"r": round, "asOf": as_of})).await["scores"].clone()
}

pub(crate) async fn advance(app: &TestApp, round: &str, stage: &str) -> Value {
    app.gql(ADVANCE, json!({"i": {"roundId": round, "stage": stage}}))
        .await
}

/// Plans round `r1` over `d1` and `d2` with scheme `s1`, then enters online analysis.
pub(crate) async fn planned(app: &TestApp, d1: &str, d2: &str) {
    let published = app
        .ok(
            PUBLISH,
            json!({"i": {"schemeId": "s1", "definition": scheme()}}),
        )
        .await;
    assert_eq!(published["publishScheme"]["events"], 1, "{published:#}");
    let plan = app
        .ok(PLAN, json!({"i": {"roundId": "r1", "name": "2025年度日常监管", "schemeId": "s1", "mode": "ROUTINE",
            "periodFrom": "2025-01-01", "periodTo": "2025-12-31",
            "scope": [{"departmentId": d1}, {"departmentId": d2}]}}))
        .await;
    assert_eq!(
        plan["planRound"]["round"]["stage"], "DEPLOYMENT",
        "{plan:#}"
    );
}
