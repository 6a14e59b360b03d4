//! The order loop round → finding → order → answer → returned → answered → accepted, and the
//! orders open and overdue on a day as known then, checked against a replay of the log.

use chrono::{DateTime, Utc};
use dutyledger_api::auth::Role;
use dutyledger_tests::{actor, error_code, error_rule, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

use super::{calendar, mutate, now, ok, order_at, round, FINDINGS, ORDER, ORDERS};

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn round_finding_order_answer_returned_answered_accepted(pool: PgPool) {
    let app = TestApp::new(pool);
    calendar(&app).await;
    let (d1, d2) = round(&app).await;
    let office = actor(Role::Supervisor, &[]);
    let clerk1 = actor(Role::Clerk, &[&d1]);
    let clerk2 = actor(Role::Clerk, &[&d2]);

    // Proposals from the data: d1's task t2 held by no post; proposing again adds nothing.
    let proposed = app
        .ok(
            "mutation { proposeFindings(input: {roundId: \"r1\"}) { findingIds } }",
            Value::Null,
        )
        .await;
    let ids = proposed["proposeFindings"]["findingIds"]
        .as_array()
        .expect("ids")
        .clone();
    assert_eq!(ids.len(), 1, "{proposed:#}");
    let finding = ids[0].as_str().expect("id").to_owned();
    let again = app
        .ok(
            "mutation { proposeFindings(input: {roundId: \"r1\"}) { findingIds } }",
            Value::Null,
        )
        .await;
    assert_eq!(again["proposeFindings"]["findingIds"], json!([]));
    let f = app.ok(FINDINGS, json!({"r": "r1"})).await["findings"][0].clone();
    assert_eq!(f["departmentId"], d1);
    assert_eq!(f["kind"], "DECOMPOSITION_GAP");
    assert_eq!(f["taskId"], "t2");
    assert_eq!(f["proposal"], true);

    // An order needs standing findings of its department.
    // Issued in March 2026 (the due date is counted on the calendar, which is loaded to 2026).
    let issue = |finding: &str, dept: &str| {
        json!({"orderId": "o1", "departmentId": dept, "findingIds": [finding],
        "roundId": "r1", "requirement": "30个工作日内将任务落实到岗位", "dueInWorkingDays": 30,
        "effectiveAt": "2026-03-02T09:00:00+08:00"})
    };
    let r = mutate(
        &app,
        &office,
        "issueRectificationOrder",
        "IssueOrderInput",
        issue(&finding, &d1),
    )
    .await;
    assert_eq!(error_rule(&r), Some("FINDING_NOT_CONFIRMED"), "{r:#}");
    ok(&mutate(
        &app,
        &office,
        "confirmFinding",
        "FindingDecisionInput",
        json!({"findingId": finding}),
    )
    .await);
    let r = mutate(
        &app,
        &office,
        "confirmFinding",
        "FindingDecisionInput",
        json!({"findingId": finding}),
    )
    .await;
    assert_eq!(error_rule(&r), Some("NOT_A_PROPOSAL"), "{r:#}");
    let r = mutate(
        &app,
        &office,
        "issueRectificationOrder",
        "IssueOrderInput",
        issue(&finding, &d2),
    )
    .await;
    assert_eq!(
        error_rule(&r),
        Some("FINDING_OF_ANOTHER_DEPARTMENT"),
        "{r:#}"
    );
    let r = mutate(
        &app,
        &office,
        "issueRectificationOrder",
        "IssueOrderInput",
        issue("nope", &d1),
    )
    .await;
    assert_eq!(error_rule(&r), Some("FINDING_NOT_FOUND"), "{r:#}");
    let before_issue = now();
    ok(&mutate(
        &app,
        &office,
        "issueRectificationOrder",
        "IssueOrderInput",
        issue(&finding, &d1),
    )
    .await);
    let t_issued = now();

    let answer = json!({"orderId": "o1", "measures": "已将任务t2落实到执法岗",
        "attachments": [{"fileName": "岗位职责调整.pdf", "sha256": "0".repeat(64), "size": 2048}]});
    let r = mutate(
        &app,
        &clerk2,
        "answerRectificationOrder",
        "AnswerOrderInput",
        answer.clone(),
    )
    .await;
    assert_eq!(
        error_code(&r),
        Some("FORBIDDEN"),
        "another department's order: {r:#}"
    );
    ok(&mutate(
        &app,
        &clerk1,
        "answerRectificationOrder",
        "AnswerOrderInput",
        answer.clone(),
    )
    .await);
    let t_answered = now();
    let r = mutate(
        &app,
        &clerk1,
        "returnRectificationOrder",
        "OrderDecisionInput",
        json!({"orderId": "o1", "reason": "x"}),
    )
    .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
    ok(&mutate(
        &app,
        &office,
        "returnRectificationOrder",
        "OrderDecisionInput",
        json!({"orderId": "o1", "reason": "未见岗位调整文件"}),
    )
    .await);
    let t_returned = now();
    ok(&mutate(
        &app,
        &clerk1,
        "answerRectificationOrder",
        "AnswerOrderInput",
        answer,
    )
    .await);
    let t_answered_again = now();
    ok(&mutate(
        &app,
        &office,
        "acceptRectificationOrder",
        "OrderDecisionInput",
        json!({"orderId": "o1", "reason": "整改到位"}),
    )
    .await);
    let r = mutate(
        &app,
        &office,
        "acceptRectificationOrder",
        "OrderDecisionInput",
        json!({"orderId": "o1"}),
    )
    .await;
    assert_eq!(
        error_rule(&r),
        Some("ALREADY_ACCEPTED"),
        "accepting twice: {r:#}"
    );

    // asOf before and after each step.
    let r = app
        .gql(
            ORDER,
            json!({"id": "o1", "asOf": {"knownAt": before_issue}}),
        )
        .await;
    assert_eq!(error_rule(&r), Some("ORDER_NOT_FOUND"), "{r:#}");
    for (at, status, answers, returns) in [
        (&t_issued, "OPEN", 0, 0),
        (&t_answered, "ANSWERED", 1, 0),
        (&t_returned, "RETURNED", 1, 1),
        (&t_answered_again, "ANSWERED", 2, 1),
        (&now(), "ACCEPTED", 2, 1),
    ] {
        let o = order_at(&app, "o1", at).await;
        assert_eq!(o["status"], status, "at {at}: {o:#}");
        assert_eq!(o["answers"], answers);
        assert_eq!(o["returns"], returns);
    }
    let o = order_at(&app, "o1", &t_returned).await;
    assert_eq!(o["returnedBecause"], "未见岗位调整文件");
    assert_eq!(o["attachments"][0]["size"], 2048);

    // The clerk sees its own department's order and findings, not the other's.
    let r = app.gql_as(&clerk2, ORDER, json!({"id": "o1"})).await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
    let r = app.gql_as(&clerk2, ORDERS, json!({})).await;
    assert_eq!(r["data"]["rectificationOrders"], json!([]), "{r:#}");
    let r = app.gql_as(&clerk1, ORDERS, json!({})).await;
    assert_eq!(r["data"]["rectificationOrders"][0]["id"], "o1", "{r:#}");
}

/// The events of one order as a replay sees them: status and due instant at `valid_at` from the
/// events recorded by `known_at`, without the application's code.
async fn replay_open_and_overdue(
    pool: &PgPool,
    department: &str,
    valid_at: DateTime<Utc>,
    known_at: DateTime<Utc>,
) -> Vec<String> {
    let rows: Vec<(String, String, Value)> = sqlx::query_as(
        "SELECT aggregate_id, event_type, payload FROM events WHERE aggregate_type = 'rectification_order' \
         AND effective_at <= $1 AND recorded_at <= $2 ORDER BY aggregate_id, effective_at, sequence",
    )
    .bind(valid_at)
    .bind(known_at)
    .fetch_all(pool)
    .await
    .expect("events");
    let mut state: std::collections::BTreeMap<String, (String, String, DateTime<Utc>)> =
        Default::default();
    for (id, ty, payload) in rows {
        let body = &payload[&ty];
        let entry = state
            .entry(id)
            .or_insert((String::new(), "OPEN".into(), valid_at));
        match ty.as_str() {
            "OrderIssued" => {
                entry.0 = body["department_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                entry.2 = body["due_at"]
                    .as_str()
                    .and_then(|t| t.parse().ok())
                    .expect("due");
            }
            "OrderAnswered" => entry.1 = "ANSWERED".into(),
            "OrderReturned" => entry.1 = "RETURNED".into(),
            "OrderAccepted" => entry.1 = "ACCEPTED".into(),
            "OrderExtended" => {
                entry.2 = body["due_at"]
                    .as_str()
                    .and_then(|t| t.parse().ok())
                    .expect("due")
            }
            _ => {}
        }
    }
    state
        .into_iter()
        .filter(|(_, (d, status, due))| {
            d == department && (status == "OPEN" || status == "RETURNED") && valid_at >= *due
        })
        .map(|(id, _)| id)
        .collect()
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn open_and_overdue_orders_on_a_day_as_known_then_match_a_replay(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    calendar(&app).await;
    let (d1, _) = round(&app).await;
    let office = actor(Role::Supervisor, &[]);
    let clerk = actor(Role::Clerk, &[&d1]);
    let raise = |id: &str| {
        json!({"findingId": id, "departmentId": d1, "kind": "ABSENCE", "severity": "MAJOR",
        "description": "未履行监督抽查职责", "effectiveAt": "2025-05-01T09:00:00+08:00"})
    };
    for f in ["f1", "f2", "f3", "f4"] {
        ok(&mutate(&app, &office, "raiseFinding", "RaiseFindingInput", raise(f)).await);
    }
    let issue = |o: &str, f: &str, day: &str, days: i32| {
        json!({"orderId": o, "departmentId": d1, "findingIds": [f],
        "requirement": "限期整改", "dueInWorkingDays": days, "effectiveAt": format!("2025-{day}T09:00:00+08:00")})
    };
    // o1: due 10 working days after 2 June: overdue on 30 June.
    ok(&mutate(
        &app,
        &office,
        "issueRectificationOrder",
        "IssueOrderInput",
        issue("o1", "f1", "06-02", 10),
    )
    .await);
    // o2: answered on 10 June: not overdue (the office decides).
    ok(&mutate(
        &app,
        &office,
        "issueRectificationOrder",
        "IssueOrderInput",
        issue("o2", "f2", "06-02", 10),
    )
    .await);
    ok(&mutate(
        &app,
        &clerk,
        "answerRectificationOrder",
        "AnswerOrderInput",
        json!({"orderId": "o2", "measures": "已整改",
        "effectiveAt": "2025-06-10T09:00:00+08:00"}),
    )
    .await);
    // o3: due after 30 June.
    ok(&mutate(
        &app,
        &office,
        "issueRectificationOrder",
        "IssueOrderInput",
        issue("o3", "f3", "06-20", 30),
    )
    .await);
    // o4: due across the Dragon Boat holiday (31 May - 2 June 2025), overdue too.
    ok(&mutate(
        &app,
        &office,
        "issueRectificationOrder",
        "IssueOrderInput",
        issue("o4", "f4", "05-29", 5),
    )
    .await);
    let o4 = app.ok(ORDER, json!({"id": "o4"})).await["rectificationOrder"].clone();
    // 29 May (Thu) + 5 working days: 30 May, 3, 4, 5, 6 June (31 May - 2 June off): due the
    // end of 6 June, Beijing time.
    assert_eq!(o4["dueAt"], "2025-06-06T16:00:00+00:00", "{o4:#}");
    let known = Utc::now();
    // Recorded later: o1 answered (backdated to 29 June): as known then, it was still overdue.
    ok(&mutate(
        &app,
        &clerk,
        "answerRectificationOrder",
        "AnswerOrderInput",
        json!({"orderId": "o1", "measures": "补报",
        "effectiveAt": "2025-06-29T09:00:00+08:00"}),
    )
    .await);

    let day: DateTime<Utc> = "2025-06-30T23:59:59+08:00".parse().expect("date");
    let ask = |known_at: DateTime<Utc>| {
        json!({"d": d1, "s": ["OPEN", "RETURNED"], "o": true,
        "asOf": {"validAt": day.to_rfc3339(), "knownAt": known_at.to_rfc3339()}})
    };
    let then = app.ok(ORDERS, ask(known)).await;
    let ids: Vec<&str> = then["rectificationOrders"]
        .as_array()
        .expect("orders")
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    assert_eq!(ids, ["o1", "o4"], "{then:#}");
    assert_eq!(ids, replay_open_and_overdue(&pool, &d1, day, known).await);
    let later = Utc::now();
    let now_known = app.ok(ORDERS, ask(later)).await;
    let ids: Vec<&str> = now_known["rectificationOrders"]
        .as_array()
        .expect("orders")
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    assert_eq!(ids, ["o4"], "as known now, o1 was answered on 29 June");
    assert_eq!(ids, replay_open_and_overdue(&pool, &d1, day, later).await);

    // The orders feed the next round's sources.
    let period = dutyledger_projections::supervision::Period {
        from: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
        to: chrono::NaiveDate::from_ymd_opt(2025, 6, 30).expect("date"),
    };
    let d = dutyledger_domain::values::CreditCode::parse(&d1).expect("code");
    let m = dutyledger_projections::supervision::measure(
        &pool,
        std::slice::from_ref(&d),
        period,
        later,
        &[
            dutyledger_domain::scheme::Source::RectificationOpenOrders,
            dutyledger_domain::scheme::Source::RectificationOverdueOrders,
        ]
        .into_iter()
        .collect(),
    )
    .await
    .expect("measure");
    let count = |name: &str| match &m.observations[&d][name].value {
        dutyledger_domain::scheme::Measured::Count(n) => *n,
        other => panic!("{other:?}"),
    };
    assert_eq!(count("rectification.open_orders"), 4);
    assert_eq!(count("rectification.overdue_orders"), 1);
}
