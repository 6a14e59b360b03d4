//! Supervision rounds and indicator scores (issue 15) end to end through GraphQL: a scheme
//! published and refused, a round planned, its stages entered in order, scores computed from
//! the data as known at a stated `knownAt` and checked by hand, data recorded later leaving a
//! recomputation as of that `knownAt` unchanged, manual scores with a basis, publication
//! freezing the scores, time travel, who may do what, the demo round, and `dutyledger scheme
//! load`.

use clap::Parser as _;
use dutyledger_api::auth::Role;
use dutyledger_domain::scheme::SHIPPED;
use dutyledger_tests::{actor, credit_code, database_url_of, error_code, error_rule, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

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

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_round_from_plan_to_publication_with_scores_checked_by_hand(pool: PgPool) {
    let app = TestApp::new(pool);
    let d1 = department(&app, "72000001", false).await;
    let d2 = department(&app, "72000002", true).await;
    // d1: 3 of 4 records on time (12 days > 10); d2: 2 of 2.
    records(&app, &d1, "a", &[3, 5, 12, 9]).await;
    records(&app, &d2, "b", &[1, 2]).await;
    planned(&app, &d1, &d2).await;

    // Stages are entered in order, and scores are computed in online analysis only.
    let r = advance(&app, "r1", "ON_SITE_VERIFICATION").await;
    assert_eq!(error_rule(&r), Some("STAGE_SKIPPED"), "{r:#}");
    let r = app.gql(SCORE, json!({"i": {"roundId": "r1"}})).await;
    assert_eq!(error_rule(&r), Some("STAGE_DOES_NOT_ALLOW"), "{r:#}");
    let r = advance(&app, "r1", "ONLINE_ANALYSIS").await;
    assert_eq!(
        r["data"]["advanceRound"]["round"]["stage"], "ONLINE_ANALYSIS",
        "{r:#}"
    );
    let r = app
        .gql(
            SCORE,
            json!({"i": {"roundId": "r1", "knownAt": "2999-01-01T00:00:00Z"}}),
        )
        .await;
    assert_eq!(error_rule(&r), Some("KNOWN_AT_IN_FUTURE"), "{r:#}");
    let scored = app.ok(SCORE, json!({"i": {"roundId": "r1"}})).await;
    assert_eq!(
        scored["scoreRound"]["events"], 2,
        "one event per department"
    );
    assert!(!scored["scoreRound"]["measuring"]
        .as_array()
        .expect("timings")
        .is_empty());
    let known_at = scored["scoreRound"]["round"]["knownAt"].clone();
    let after_first = json!({"knownAt": chrono::Utc::now().to_rfc3339()});

    let s = scores(&app, "r1", Value::Null).await;
    // By hand. d1: on time 3/4 = 75% -> 6 * (75 - 50) / 50 = 3; posts 2 of 3 tasks held
    // (66.7%) -> the 50% step, 2; one high-risk task (t3) without a chart -> 5 - 3 = 2; the
    // manual indicator has no points yet; no boundary matter -> 0; complaints: no data.
    assert_eq!(points(&s, &d1, "a.on_time"), json!(3.0));
    assert_eq!(points(&s, &d1, "a.posts"), json!(2.0));
    assert_eq!(points(&s, &d1, "b.charts"), json!(2.0));
    assert_eq!(points(&s, &d1, "b.onsite"), Value::Null);
    assert_eq!(points(&s, &d1, "n.boundaries"), json!(0.0));
    // No 12345 ticket: nothing to deduct.
    assert_eq!(points(&s, &d1, "n.complaints"), json!(0.0));
    assert_eq!(points(&s, &d1, "a"), json!(5.0));
    assert_eq!(total(&s, &d1), json!(7.0));
    // d2: 100% on time -> 6; every task held -> 4; no high-risk task -> 5.
    assert_eq!(total(&s, &d2), json!(15.0));
    assert_eq!(s[0]["departmentId"], d2, "best first");
    assert_eq!(s[0]["rank"], 1);
    assert_eq!(s[1]["rank"], 2);
    assert_eq!(s[1]["complete"], false);

    // The evidence: the task no post holds, with the cursor of the event that defined it.
    let e = app
        .ok(EXPLAIN, json!({"r": "r1", "d": d1, "i": "a.posts"}))
        .await["scoreExplanation"]
        .clone();
    assert_eq!(
        e["figures"],
        json!([{"name": "numerator", "value": 2}, {"name": "denominator", "value": 3}])
    );
    assert_eq!(e["items"][0]["id"], "t2");
    assert!(e["items"][0]["cursor"]
        .as_str()
        .is_some_and(|c| !c.is_empty()));
    assert_eq!(e["knownAt"], known_at);
    let e = app
        .ok(EXPLAIN, json!({"r": "r1", "d": d1, "i": "b.charts"}))
        .await["scoreExplanation"]
        .clone();
    assert_eq!(e["items"][0]["id"], "t3", "{e:#}");
    let r = app
        .gql(EXPLAIN, json!({"r": "r1", "d": d1, "i": "nope"}))
        .await;
    assert_eq!(error_rule(&r), Some("UNKNOWN_INDICATOR"));

    // Data recorded after knownAt: a late record of d2 in 2025, a chart for d1's t3.
    records(&app, &d2, "late", &[20]).await;
    let again = app
        .ok(SCORE, json!({"i": {"roundId": "r1", "knownAt": known_at}}))
        .await;
    assert_eq!(again["scoreRound"]["round"]["knownAt"], known_at);
    assert_eq!(
        scores(&app, "r1", Value::Null).await,
        s,
        "scored again as of the same knownAt: the same scores"
    );
    app.ok(SCORE, json!({"i": {"roundId": "r1"}})).await;
    let now = scores(&app, "r1", Value::Null).await;
    // d2 now 2 of 3 on time: 66.66% -> floor(6 * 1666 / 5000 hundredths) = 1.99.
    assert_eq!(points(&now, &d2, "a.on_time"), json!(1.99));

    // Manual scores and corrections, with a basis; then publication.
    let adjust = |d: &str, i: &str, p: f64| json!({"i": {"roundId": "r1", "departmentId": d, "indicatorId": i, "points": p, "basis": "实地核验座谈记录"}});
    let r = app.gql(ADJUST, adjust(&d1, "b.onsite", 5.5)).await;
    assert_eq!(error_rule(&r), Some("POINTS_OUT_OF_RANGE"), "{r:#}");
    let r = app.gql(ADJUST, adjust(&d1, "b", 1.0)).await;
    assert_eq!(error_rule(&r), Some("NOT_A_LEAF"), "{r:#}");
    let r = app
        .gql(ADJUST, adjust(&credit_code("72000009"), "b.onsite", 1.0))
        .await;
    assert_eq!(error_rule(&r), Some("DEPARTMENT_NOT_IN_ROUND"), "{r:#}");
    let r = app.gql(ADJUST, adjust(&d1, "b.onsite", 1.005)).await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"), "{r:#}");
    assert_eq!(
        advance(&app, "r1", "ON_SITE_VERIFICATION").await["data"]["advanceRound"]["events"],
        1
    );
    app.ok(ADJUST, adjust(&d1, "b.onsite", 4.5)).await;
    app.ok(ADJUST, adjust(&d1, "n.complaints", -0.5)).await;
    let before_publication = app.ok(SCORES, json!({"r": "r1", "d": d1})).await["scores"][0].clone();
    assert_eq!(before_publication["total"], json!(7.0 + 4.5 - 0.5));
    assert_eq!(before_publication["complete"], true);
    let onsite = before_publication["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .find(|i| i["indicatorId"] == "b.onsite")
        .expect("leaf")
        .clone();
    assert_eq!(onsite["adjusted"], true);
    assert_eq!(onsite["basis"], "实地核验座谈记录");
    assert_eq!(onsite["noData"], Value::Null);
    let r = advance(&app, "r1", "OVERALL_EVALUATION").await;
    assert_eq!(
        r["data"]["advanceRound"]["events"], 2,
        "entered and published: {r:#}"
    );
    assert_eq!(r["data"]["advanceRound"]["round"]["published"], true);

    // Nothing changes a published score.
    let r = app.gql(ADJUST, adjust(&d1, "b.onsite", 3.0)).await;
    assert_eq!(error_rule(&r), Some("SCORES_PUBLISHED"), "{r:#}");
    let r = app.gql(SCORE, json!({"i": {"roundId": "r1"}})).await;
    assert_eq!(error_rule(&r), Some("SCORES_PUBLISHED"), "{r:#}");
    records(&app, &d1, "after", &[30, 30]).await;
    let later = app.ok(SCORES, json!({"r": "r1", "d": d1})).await["scores"][0].clone();
    assert_eq!(later["total"], before_publication["total"]);
    assert_eq!(later["published"], true);

    // Time travel: as known before the second scoring, the first scores.
    let then = scores(&app, "r1", after_first.clone()).await;
    assert_eq!(points(&then, &d2, "a.on_time"), json!(6.0));
    assert_eq!(then[0]["published"], false);

    // Access: a clerk reads its own department's scores once published, nobody else's.
    let clerk = actor(Role::Clerk, &[&d1]);
    let r = app.gql_as(&clerk, SCORES, json!({"r": "r1"})).await;
    let own = r["data"]["scores"].as_array().expect("scores");
    assert_eq!(own.len(), 1, "{r:#}");
    assert_eq!(own[0]["departmentId"], d1);
    let r = app
        .gql_as(&clerk, SCORES, json!({"r": "r1", "d": d2}))
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
    let r = app
        .gql_as(
            &clerk,
            SCORES,
            json!({"r": "r1", "d": d1, "asOf": after_first}),
        )
        .await;
    assert_eq!(
        error_code(&r),
        Some("FORBIDDEN"),
        "not yet published then: {r:#}"
    );
    let r = app
        .gql_as(&clerk, ADJUST, adjust(&d1, "b.onsite", 3.0))
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
    let reviewer = actor(Role::Reviewer, &[]);
    let r = app.gql_as(&reviewer, SCORES, json!({"r": "r1"})).await;
    assert_eq!(
        r["data"]["scores"].as_array().map(Vec::len),
        Some(2),
        "{r:#}"
    );
    let r = app
        .gql_as(
            &reviewer,
            PUBLISH,
            json!({"i": {"schemeId": "s2", "definition": scheme()}}),
        )
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
    let integrator = actor(Role::Integrator, &[]);
    let r = app
        .gql_as(&integrator, SCORES, json!({"r": "r1", "d": d1}))
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");

    // Rectification follows; the stage list ends there.
    assert_eq!(
        advance(&app, "r1", "RECTIFICATION").await["data"]["advanceRound"]["round"]["stage"],
        "RECTIFICATION"
    );
    let r = advance(&app, "r1", "RECTIFICATION").await;
    assert_eq!(error_rule(&r), Some("ALREADY_IN_STAGE"), "{r:#}");
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn bad_schemes_and_plans_are_refused_with_their_rule(pool: PgPool) {
    let app = TestApp::new(pool);
    let d1 = department(&app, "72000011", true).await;
    let publish = |definition: Value| json!({"i": {"schemeId": "s1", "definition": definition}});
    let mut bad = scheme();
    bad["indicators"][0]["children"][0]["weight"] = json!(7);
    let r = app.gql(PUBLISH, publish(bad)).await;
    assert_eq!(error_rule(&r), Some("WEIGHTS_DO_NOT_SUM"), "{r:#}");
    let mut bad = scheme();
    bad["indicators"][1]["children"][0]["rule"]["source"] = json!("records.made_up");
    let r = app.gql(PUBLISH, publish(bad)).await;
    assert_eq!(error_rule(&r), Some("UNKNOWN_DATA_SOURCE"), "{r:#}");
    let r = app.gql(PUBLISH, publish(json!({"name": "x"}))).await;
    assert_eq!(error_rule(&r), Some("INVALID_SCHEME_FILE"), "{r:#}");
    let events = app.event_count().await;
    let r = app.gql(PUBLISH, publish(scheme())).await;
    assert_eq!(r["data"]["publishScheme"]["scheme"]["version"], 1, "{r:#}");
    let r = app.gql(PUBLISH, publish(scheme())).await;
    assert_eq!(
        r["data"]["publishScheme"]["events"], 0,
        "the same content again: {r:#}"
    );
    assert_eq!(app.event_count().await, events + 1);

    let plan = |scheme_id: &str, version: Option<i32>, scope: Value| {
        json!({"i": {"roundId": "r1", "name": "专项监管", "schemeId": scheme_id,
        "schemeVersion": version, "mode": "SPECIAL", "periodFrom": "2025-01-01", "periodTo": "2025-06-30", "scope": scope}})
    };
    let r = app
        .gql(PLAN, plan("nope", None, json!([{"departmentId": d1}])))
        .await;
    assert_eq!(error_rule(&r), Some("SCHEME_NOT_FOUND"), "{r:#}");
    let r = app
        .gql(PLAN, plan("s1", Some(2), json!([{"departmentId": d1}])))
        .await;
    assert_eq!(error_rule(&r), Some("SCHEME_VERSION_NOT_FOUND"), "{r:#}");
    let r = app
        .gql(
            PLAN,
            plan(
                "s1",
                None,
                json!([{"departmentId": credit_code("72000099")}]),
            ),
        )
        .await;
    assert_eq!(error_rule(&r), Some("DEPARTMENT_NOT_FOUND"), "{r:#}");
    let r = app.gql(PLAN, plan("s1", None, json!([]))).await;
    assert_eq!(error_rule(&r), Some("EMPTY_SCOPE"), "{r:#}");
    let r = app
        .gql(
            PLAN,
            plan(
                "s1",
                None,
                json!([{"departmentId": d1, "departmentClass": "综合管理类"}]),
            ),
        )
        .await;
    assert_eq!(error_rule(&r), Some("UNKNOWN_CLASS"), "{r:#}");
    let r = app
        .gql(
            PLAN,
            plan("s1", None, json!([{"departmentId": "not-a-code"}])),
        )
        .await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"), "{r:#}");
    let mut big_data = plan("s1", Some(1), json!([{"departmentId": d1}]));
    big_data["i"]["stages"] = json!(["OVERALL_EVALUATION", "ONLINE_ANALYSIS"]);
    let r = app.gql(PLAN, big_data.clone()).await;
    assert_eq!(error_rule(&r), Some("INVALID_STAGES"), "{r:#}");
    big_data["i"]["stages"] = json!(["ONLINE_ANALYSIS", "OVERALL_EVALUATION"]);
    let r = app.ok(PLAN, big_data.clone()).await;
    assert_eq!(r["planRound"]["round"]["stage"], "ONLINE_ANALYSIS");
    let r = app.gql(PLAN, big_data).await;
    assert_eq!(error_rule(&r), Some("ROUND_EXISTS"), "{r:#}");
    // Leaving online analysis unscored is refused.
    let r = advance(&app, "r1", "OVERALL_EVALUATION").await;
    assert_eq!(error_rule(&r), Some("NOT_SCORED"), "{r:#}");
    let r = advance(&app, "nope", "ONLINE_ANALYSIS").await;
    assert_eq!(error_rule(&r), Some("ROUND_NOT_FOUND"), "{r:#}");
    let r = app.gql(SCORE, json!({"i": {"roundId": "nope"}})).await;
    assert_eq!(error_rule(&r), Some("ROUND_NOT_FOUND"), "{r:#}");
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn the_demo_round_is_published_and_checks_by_hand(pool: PgPool) {
    use dutyledger_api::seed;
    let app = TestApp::new(pool);
    seed::seed(&app.state).await.expect("seed");
    let first = seed::seed_supervision(&app.state)
        .await
        .expect("seed round");
    assert!(first.events > 0);
    let again = seed::seed_supervision(&app.state)
        .await
        .expect("seed round again");
    assert_eq!(again.events, 0, "a second run appends nothing");
    let round = app
        .ok(
            "{ rounds { id stage published scheme { id } scope { departmentId } } }",
            Value::Null,
        )
        .await;
    let r = &round["rounds"][0];
    assert_eq!(r["id"], seed::supervision::ROUND_ID);
    assert_eq!(r["published"], true);
    assert_eq!(r["stage"], "RECTIFICATION", "published, then rectification");
    assert_eq!(r["scheme"]["id"], "seed-7-21");
    let s = scores(&app, seed::supervision::ROUND_ID, Value::Null).await;
    assert_eq!(s.as_array().map(Vec::len), Some(4));
    // The demo of issue 16: the agriculture bureau's review changed a score; the approval
    // bureau's order was returned once, then accepted; the market bureau's is overdue; June's
    // 12345 tickets flagged the market bureau.
    let agriculture = seed::AGRICULTURE.credit_code().expect("code").to_string();
    assert_eq!(points(&s, &agriculture, "goals.key_tasks"), json!(10.0));
    let orders = app
        .ok(
            "{ rectificationOrders { id status overdue answers returns } }",
            Value::Null,
        )
        .await;
    assert_eq!(
        orders["rectificationOrders"],
        json!([
            {"id": "demo-order-approval", "status": "ACCEPTED", "overdue": false, "answers": 2, "returns": 1},
            {"id": "demo-order-market", "status": "OPEN", "overdue": true, "answers": 0, "returns": 0}
        ])
    );
    let market = seed::MARKET_SUPERVISION
        .credit_code()
        .expect("code")
        .to_string();
    let flags = app
        .ok(
            "{ keySupervisionFlags { departmentId periodFrom } }",
            Value::Null,
        )
        .await;
    assert!(
        flags["keySupervisionFlags"]
            .as_array()
            .expect("flags")
            .iter()
            .any(|f| f["departmentId"] == market),
        "{flags:#}"
    );
    for d in s.as_array().expect("scores") {
        let dept = d["departmentId"].as_str().expect("id");
        // On-time rate by hand, from the performance figures of 2025.
        let perf = app
            .ok(
                "query($d: String!) { performance(filter: {departmentId: $d, from: \"2025-01-01\", to: \"2025-12-31\"}) { totals { timed onTime } } }",
                json!({"d": dept}),
            )
            .await;
        let t = &perf["performance"]["totals"];
        let (timed, on_time) = (
            t["timed"].as_i64().expect("timed"),
            t["onTime"].as_i64().expect("on time"),
        );
        assert!(timed > 0, "{dept}");
        let pct = on_time * 10_000 / timed;
        let expected = (700 * (pct - 6000).clamp(0, 4000) / 4000) as f64 / 100.0;
        assert_eq!(
            points(&s, dept, "timeliness.on_time"),
            json!(expected),
            "{dept}"
        );
        // Tasks without posts by hand, from the department's coverage.
        let coverage = app
            .ok(
                "query($d: ID!) { department(id: $d, asOf: {validAt: \"2025-12-31T12:00:00+08:00\"}) { coverage { tasksWithoutPosts { id } } } }",
                json!({"d": dept}),
            )
            .await;
        let unheld = coverage["department"]["coverage"]["tasksWithoutPosts"]
            .as_array()
            .map_or(0, Vec::len) as f64;
        assert_eq!(
            points(&s, dept, "internal.posts_gaps"),
            json!((9.0 - unheld * 0.5).max(0.0)),
            "{dept}"
        );
        // The total is the sum of the top level.
        let top: f64 = d["indicators"]
            .as_array()
            .expect("indicators")
            .iter()
            .filter(|i| i["depth"] == 1)
            .filter_map(|i| i["points"].as_f64())
            .sum();
        assert!((d["total"].as_f64().expect("total") - top).abs() < 1e-9);
    }
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn scheme_load_publishes_a_file_once(pool: PgPool) {
    let url = database_url_of(&pool);
    let dir = std::env::temp_dir().join(format!("scheme-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("linyi-3-16.json");
    std::fs::write(&file, SHIPPED[1].1).expect("write");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"name": "x", "total": 10, "indicators": [{"id": "a", "name": "a", "kind": "CORE", "weight": 9, "rule": {"type": "manual"}}]}"#).expect("write");
    let run = |file: &std::path::Path| {
        let args = vec![
            "dutyledger".to_owned(),
            "--database-url".to_owned(),
            url.clone(),
            "scheme".to_owned(),
            "load".to_owned(),
            file.display().to_string(),
        ];
        async move {
            dutyledger_api::cli::run(dutyledger_api::cli::Cli::try_parse_from(args).expect("args"))
                .await
        }
    };
    run(&file).await.expect("first load");
    run(&file).await.expect("second load");
    let versions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = 'indicator_scheme' AND aggregate_id = 'linyi-3-16'",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(versions, 1, "the same content twice: one version");
    let err = run(&bad).await.expect_err("refused");
    assert!(err.to_string().contains("not loaded"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
