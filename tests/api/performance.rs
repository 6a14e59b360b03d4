//! Performance records (履职数据) end to end through GraphQL: single and batch writes with a
//! result per record, duplicates stored once (also under concurrent resubmission), the rules
//! against the structure in force on the record's day, corrections and voids moving the
//! rollups while an earlier `knownAt` keeps the old figures, the views (groupings, periods,
//! ranking, series), and who may do what.

use dutyledger_api::auth::Role;
use dutyledger_tests::{actor, credit_code, error_code, error_rule, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

async fn must(app: &TestApp, mutation: &str, input_type: &str, input: Value) {
    let q = format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ events }} }}");
    let r = app.gql(&q, json!({ "input": input })).await;
    assert!(r.get("errors").is_none(), "{mutation}: {r:#}");
}

const SINCE: &str = "2020-01-01T00:00:00Z";

/// A city department of Linyi with unit u1 holding tasks t1 (10 working days) and t2; posts p1
/// and p2 in u1; p1 holds t1 from 2020; p2 holds t2 from 2024-01-01 only; unit u2 with post p3.
async fn department(app: &TestApp, body: &str, sector: &str) -> String {
    let id = credit_code(body);
    must(app, "establishDepartment", "EstablishDepartmentInput", json!({"id": id, "name": format!("临沂市{sector}局"),
        "divisionCode": "371300000000", "level": "CITY", "sector": sector, "kind": "GOVERNMENT_DEPARTMENT", "effectiveAt": SINCE})).await;
    must(app, "defineMainDuty", "DefineMainDutyInput", json!({"departmentId": id, "dutyId": "md1", "text": "负责本领域监督管理", "effectiveAt": SINCE})).await;
    for (unit, name) in [("u1", "执法科"), ("u2", "综合科")] {
        must(
            app,
            "establishUnit",
            "EstablishUnitInput",
            json!({"departmentId": id, "unitId": unit, "name": name, "effectiveAt": SINCE}),
        )
        .await;
    }
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
    for (post, unit) in [("p1", "u1"), ("p2", "u1"), ("p3", "u2")] {
        must(app, "createPost", "CreatePostInput", json!({"departmentId": id, "postId": post, "unitId": unit, "name": format!("岗位{post}"), "effectiveAt": SINCE})).await;
    }
    must(
        app,
        "assignTaskToPost",
        "TaskPostInput",
        json!({"departmentId": id, "taskId": "t1", "postId": "p1", "effectiveAt": SINCE}),
    )
    .await;
    must(app, "assignTaskToPost", "TaskPostInput", json!({"departmentId": id, "taskId": "t2", "postId": "p2", "effectiveAt": "2024-01-01T00:00:00+08:00"})).await;
    id
}

fn record(dept: &str, id: &str, occurred: &str, quantity: i64, days: Option<i64>) -> Value {
    let mut r = json!({"recordId": id, "departmentId": dept, "unitId": "u1", "postId": "p1", "taskId": "t1",
        "region": "371302001000", "occurredAt": occurred, "quantity": quantity});
    if let Some(d) = days {
        r["timeTakenDays"] = json!(d);
    }
    r
}

const BATCH: &str = r#"mutation($records: [WorkRecordInput!]!) { recordWorkBatch(records: $records) {
    stored duplicates rejected cursor projected
    results { index recordId status code reason cursor recordedAt } } }"#;

const ONE: &str = r#"mutation($input: WorkRecordInput!) { recordWork(input: $input) {
    index recordId status code cursor recordedAt } }"#;

const PERF: &str = r#"query($filter: PerformanceFilter, $groupBy: [PerformanceDimension!], $period: PeriodGrain, $asOf: AsOf) {
    performance(filter: $filter, groupBy: $groupBy, period: $period, asOf: $asOf) {
      rows { departmentId unitId postId taskId region level sector period { start end }
             figures { records quantity timed onTime onTimeRate } }
      totals { records quantity timed onTime onTimeRate } } }"#;

async fn perf(app: &TestApp, vars: Value) -> Value {
    let r = app.gql(PERF, vars).await;
    assert!(r.get("errors").is_none(), "{r:#}");
    r["data"]["performance"].clone()
}

async fn totals(app: &TestApp, dept: &str, as_of: Value) -> Value {
    perf(
        app,
        json!({"filter": {"departmentId": dept}, "asOf": as_of}),
    )
    .await["totals"]
        .clone()
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_batch_reports_each_record_and_stores_only_the_valid_new_ones(pool: PgPool) {
    let app = TestApp::new(pool);
    let d = department(&app, "70000001", "市场监管").await;
    let before = app.event_count().await;
    let records = json!([
        record(&d, "r1", "2024-03-05T10:00:00+08:00", 2, Some(4)),
        record(&d, "r2", "2024-03-31T23:30:00+08:00", 1, Some(12)),
        // p2 held t2 only from 2024: this day it did not.
        {"recordId": "r3", "departmentId": d, "unitId": "u1", "postId": "p2", "taskId": "t2",
         "region": "371302001000", "occurredAt": "2023-06-01T10:00:00+08:00", "quantity": 1},
        record(&d, "r1", "2024-03-05T10:00:00+08:00", 2, Some(4)),
        record(&d, "r4", "2024-04-01T09:00:00+08:00", 0, None),
        {"recordId": "r5", "departmentId": d, "unitId": "u1", "postId": "p1", "taskId": "t1",
         "region": "370102000000", "occurredAt": "2024-04-01T09:00:00+08:00", "quantity": 1},
        record(&d, "r6", "2099-01-01T00:00:00Z", 1, None),
    ]);
    let r = app.gql(BATCH, json!({"records": records})).await;
    assert!(r.get("errors").is_none(), "{r:#}");
    let b = &r["data"]["recordWorkBatch"];
    assert_eq!(
        (
            b["stored"].as_i64(),
            b["duplicates"].as_i64(),
            b["rejected"].as_i64()
        ),
        (Some(2), Some(1), Some(4)),
        "{b:#}"
    );
    assert_eq!(b["projected"], true);
    let status: Vec<(&str, Option<&str>)> = b["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|x| (x["status"].as_str().unwrap_or(""), x["code"].as_str()))
        .collect();
    assert_eq!(
        status,
        vec![
            ("STORED", None),
            ("STORED", None),
            ("REJECTED", Some("POST_NOT_HOLDING_TASK")),
            ("DUPLICATE", None),
            ("REJECTED", Some("INVALID_QUANTITY")),
            ("REJECTED", Some("REGION_OUTSIDE_JURISDICTION")),
            ("REJECTED", Some("OCCURRED_IN_FUTURE")),
        ]
    );
    // The duplicate points at the original.
    assert_eq!(b["results"][3]["cursor"], b["results"][0]["cursor"]);
    assert_eq!(app.event_count().await, before + 2);

    // Resubmitting the whole batch stores nothing.
    let again = app.gql(BATCH, json!({"records": records})).await;
    let a = &again["data"]["recordWorkBatch"];
    assert_eq!(
        (
            a["stored"].as_i64(),
            a["duplicates"].as_i64(),
            a["rejected"].as_i64()
        ),
        (Some(0), Some(3), Some(4)),
        "{a:#}"
    );
    assert_eq!(a["results"][1]["cursor"], b["results"][1]["cursor"]);
    assert_eq!(a["results"][1]["recordedAt"], b["results"][1]["recordedAt"]);
    assert_eq!(app.event_count().await, before + 2);

    // Figures: March (Beijing time: r2 at 23:30 on 31 March is March), one on time of two.
    let p = perf(
        &app,
        json!({"filter": {"departmentId": d}, "groupBy": ["DEPARTMENT"], "period": "MONTH"}),
    )
    .await;
    assert_eq!(p["rows"].as_array().map(Vec::len), Some(1), "{p:#}");
    let row = &p["rows"][0];
    assert_eq!(
        row["period"],
        json!({"start": "2024-03-01", "end": "2024-03-31"})
    );
    assert_eq!(
        row["figures"],
        json!({"records": 2, "quantity": 3, "timed": 2, "onTime": 1, "onTimeRate": 0.5})
    );
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_single_record_breaking_a_rule_is_an_error_with_its_code(pool: PgPool) {
    let app = TestApp::new(pool);
    let d = department(&app, "70000002", "市场监管").await;
    let bad = json!({"recordId": "x1", "departmentId": d, "unitId": "u1", "postId": "p2", "taskId": "t2",
        "region": "371302001000", "occurredAt": "2023-12-31T23:59:59+08:00", "quantity": 1});
    let r = app.gql(ONE, json!({"input": bad})).await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"), "{r:#}");
    assert_eq!(error_rule(&r), Some("POST_NOT_HOLDING_TASK"));
    // One second later p2 holds t2.
    let mut good = bad.clone();
    good["occurredAt"] = json!("2024-01-01T00:00:00+08:00");
    let r = app.gql(ONE, json!({"input": good})).await;
    assert_eq!(r["data"]["recordWork"]["status"], "STORED", "{r:#}");
    let r = app.gql(ONE, json!({"input": good})).await;
    assert_eq!(r["data"]["recordWork"]["status"], "DUPLICATE", "{r:#}");
    for (field, value, code, rule) in [
        ("taskId", json!("t9"), "NOT_FOUND", "TASK_NOT_FOUND"),
        (
            "postId",
            json!("p3"),
            "BAD_USER_INPUT",
            "POST_IN_ANOTHER_UNIT",
        ),
        (
            "region",
            json!("37130"),
            "BAD_USER_INPUT",
            "INVALID_DIVISION_CODE",
        ),
        ("recordId", json!("a b"), "BAD_USER_INPUT", "INVALID_ID"),
    ] {
        let mut input = good.clone();
        input["recordId"] = json!("y1");
        input[field] = value;
        let r = app.gql(ONE, json!({"input": input})).await;
        assert_eq!(
            (error_code(&r), error_rule(&r)),
            (Some(code), Some(rule)),
            "{field}: {r:#}"
        );
    }
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn concurrent_resubmissions_store_each_record_once(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let d = department(&app, "70000003", "市场监管").await;
    let records: Vec<Value> = (0..200)
        .map(|i| {
            record(
                &d,
                &format!("c{i}"),
                "2024-05-01T10:00:00+08:00",
                1,
                Some(3),
            )
        })
        .collect();
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for k in 0..6 {
        let app = app.clone();
        // Each writer sends the records in a different order.
        let mut mine = records.clone();
        mine.rotate_left(k * 33);
        tasks.push(tokio::spawn(async move {
            app.gql(BATCH, json!({"records": mine})).await
        }));
    }
    let mut stored = 0;
    let mut duplicates = 0;
    for t in tasks {
        let r = t.await.expect("writer");
        assert!(r.get("errors").is_none(), "{r:#}");
        stored += r["data"]["recordWorkBatch"]["stored"].as_i64().unwrap_or(0);
        duplicates += r["data"]["recordWorkBatch"]["duplicates"]
            .as_i64()
            .unwrap_or(0);
    }
    assert_eq!((stored, duplicates), (200, 1000));
    let streams: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = 'performance_record'",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(streams, 200);
    let t = totals(&app, &d, Value::Null).await;
    assert_eq!(t["records"], 200);
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_correction_moves_the_figures_and_an_earlier_known_at_keeps_the_old_ones(pool: PgPool) {
    let app = TestApp::new(pool);
    let d = department(&app, "70000004", "市场监管").await;
    let r = app
        .gql(
            BATCH,
            json!({"records": [
                record(&d, "k1", "2024-06-03T10:00:00+08:00", 3, Some(12)),
                record(&d, "k2", "2024-06-04T10:00:00+08:00", 2, Some(2)),
            ]}),
        )
        .await;
    assert_eq!(r["data"]["recordWorkBatch"]["stored"], 2, "{r:#}");
    let before_correction = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;

    let corrected = record(&d, "k1", "2024-07-01T10:00:00+08:00", 5, Some(8));
    let q = r#"mutation($input: CorrectWorkRecordInput!) { correctWorkRecord(input: $input) { events cursor projected } }"#;
    let r = app
        .gql(
            q,
            json!({"input": {"record": corrected, "reason": "录入错误：数量与日期"}}),
        )
        .await;
    assert_eq!(r["data"]["correctWorkRecord"]["events"], 1, "{r:#}");
    assert_eq!(r["data"]["correctWorkRecord"]["projected"], true);
    // A correction needs a reason.
    let r = app
        .gql(q, json!({"input": {"record": corrected, "reason": ""}}))
        .await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"), "{r:#}");
    // A correction is checked like a new record.
    let mut broken = corrected.clone();
    broken["postId"] = json!("p2");
    let r = app
        .gql(q, json!({"input": {"record": broken, "reason": "x"}}))
        .await;
    assert_eq!(error_rule(&r), Some("POST_NOT_HOLDING_TASK"), "{r:#}");
    // Only a stored record can be corrected.
    let r = app.gql(q, json!({"input": {"record": record(&d, "nope", "2024-07-01T10:00:00+08:00", 1, None), "reason": "x"}})).await;
    assert_eq!(
        (error_code(&r), error_rule(&r)),
        (Some("NOT_FOUND"), Some("RECORD_NOT_FOUND")),
        "{r:#}"
    );

    let by_month = |as_of: Value| {
        let app = &app;
        let d = d.clone();
        async move {
            perf(
                app,
                json!({"filter": {"departmentId": d}, "period": "MONTH", "asOf": as_of}),
            )
            .await
        }
    };
    let now = by_month(Value::Null).await;
    let months: Vec<(String, i64, i64)> = now["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["period"]["start"].as_str().unwrap_or("").to_owned(),
                r["figures"]["quantity"].as_i64().unwrap_or(0),
                r["figures"]["onTime"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        months,
        vec![
            ("2024-06-01".to_owned(), 2, 1),
            ("2024-07-01".to_owned(), 5, 1)
        ]
    );
    let then = by_month(json!({"knownAt": before_correction})).await;
    let months: Vec<(String, i64, i64)> = then["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["period"]["start"].as_str().unwrap_or("").to_owned(),
                r["figures"]["quantity"].as_i64().unwrap_or(0),
                r["figures"]["onTime"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(months, vec![("2024-06-01".to_owned(), 5, 1)]);

    // A void: gone now, still there as known before it.
    let before_void = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let v = r#"mutation($input: VoidWorkRecordInput!) { voidWorkRecord(input: $input) { events projected } }"#;
    let r = app
        .gql(
            v,
            json!({"input": {"departmentId": d, "recordId": "k2", "reason": "重复录入"}}),
        )
        .await;
    assert_eq!(r["data"]["voidWorkRecord"]["events"], 1, "{r:#}");
    let r = app
        .gql(
            v,
            json!({"input": {"departmentId": d, "recordId": "k2", "reason": "again"}}),
        )
        .await;
    assert_eq!(
        (error_code(&r), error_rule(&r)),
        (Some("CONFLICT"), Some("RECORD_VOIDED")),
        "{r:#}"
    );
    assert_eq!(totals(&app, &d, Value::Null).await["records"], 1);
    assert_eq!(
        totals(&app, &d, json!({"knownAt": before_void})).await["records"],
        2
    );
    assert_eq!(
        totals(&app, &d, json!({"knownAt": before_correction})).await["quantity"],
        5
    );
    // validAt has no meaning here and says so.
    let r = app
        .gql(
            PERF,
            json!({"filter": {"departmentId": d}, "asOf": {"validAt": "2024-01-01T00:00:00Z"}}),
        )
        .await;
    assert_eq!(error_rule(&r), Some("VALID_AT_NOT_APPLICABLE"), "{r:#}");
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn views_group_by_every_dimension_rank_departments_and_chart_series(pool: PgPool) {
    let app = TestApp::new(pool);
    let a = department(&app, "70000005", "市场监管").await;
    let b = department(&app, "70000006", "农业农村").await;
    let mut records = Vec::new();
    for i in 0..6 {
        // a: 6 records in Jan-Jun 2024, on time except the last two.
        records.push(record(
            &a,
            &format!("a{i}"),
            &format!("2024-0{}-10T10:00:00+08:00", i + 1),
            1,
            Some(if i < 4 { 5 } else { 15 }),
        ));
    }
    for i in 0..3 {
        let mut r = record(
            &b,
            &format!("b{i}"),
            "2024-02-10T10:00:00+08:00",
            4,
            Some(1),
        );
        r["region"] = json!("371311002000");
        records.push(r);
    }
    let mut r = record(&b, "b3", "2025-02-10T10:00:00+08:00", 1, None);
    r["unitId"] = json!("u1");
    r["postId"] = json!("p2");
    r["taskId"] = json!("t2");
    r["onTime"] = json!(false);
    records.push(r);
    let r = app.gql(BATCH, json!({"records": records})).await;
    assert_eq!(r["data"]["recordWorkBatch"]["stored"], 10, "{r:#}");

    let year = json!({"from": "2024-01-01", "to": "2024-12-31"});
    // Ranking for 2024 by on-time rate: b (3/3) before a (4/6).
    let q = r#"query($filter: PerformanceFilter, $measure: RankingMeasure) { performanceRanking(filter: $filter, measure: $measure) {
        rank departmentId figures { records onTimeRate } } }"#;
    let r = app.gql(q, json!({"filter": year})).await;
    let ranking = &r["data"]["performanceRanking"];
    assert_eq!(
        ranking[0]["departmentId"].as_str(),
        Some(b.as_str()),
        "{r:#}"
    );
    assert_eq!(ranking[0]["figures"]["records"], 3);
    assert_eq!(ranking[1]["rank"], 2);
    let r = app
        .gql(q, json!({"filter": year, "measure": "RECORDS"}))
        .await;
    assert_eq!(
        r["data"]["performanceRanking"][0]["departmentId"].as_str(),
        Some(a.as_str()),
        "{r:#}"
    );

    // By sector and level, per quarter.
    let p = perf(
        &app,
        json!({"filter": year, "groupBy": ["SECTOR"], "period": "QUARTER"}),
    )
    .await;
    let rows: Vec<(String, String, i64)> = p["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["sector"].as_str().unwrap_or("").to_owned(),
                r["period"]["start"].as_str().unwrap_or("").to_owned(),
                r["figures"]["records"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("农业农村".to_owned(), "2024-01-01".to_owned(), 3),
            ("市场监管".to_owned(), "2024-01-01".to_owned(), 3),
            ("市场监管".to_owned(), "2024-04-01".to_owned(), 3),
        ]
    );
    assert_eq!(p["totals"]["records"], 9);
    let p = perf(&app, json!({"groupBy": ["LEVEL"], "period": "YEAR"})).await;
    assert_eq!(p["rows"].as_array().map(Vec::len), Some(2), "{p:#}");
    assert_eq!(p["rows"][0]["level"], "CITY");

    // By region: a county's code covers its townships.
    let p = perf(
        &app,
        json!({"filter": {"region": "371311000000"}, "groupBy": ["REGION"]}),
    )
    .await;
    assert_eq!(p["rows"].as_array().map(Vec::len), Some(1), "{p:#}");
    assert_eq!(p["rows"][0]["region"], "371311002000");
    assert_eq!(p["totals"]["quantity"], 12);

    // By post and by task inside a department; a day range that cuts months.
    let p = perf(
        &app,
        json!({"filter": {"departmentId": b}, "groupBy": ["TASK"]}),
    )
    .await;
    let tasks: Vec<(&str, i64)> = p["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["taskId"].as_str().unwrap_or(""),
                r["figures"]["records"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(tasks, vec![("t1", 3), ("t2", 1)]);
    let p = perf(&app, json!({"filter": {"departmentId": a, "from": "2024-02-05", "to": "2024-04-10"}, "groupBy": ["UNIT"], "period": "MONTH"})).await;
    assert_eq!(p["totals"]["records"], 3, "{p:#}");
    assert_eq!(p["rows"][0]["unitId"], "u1");
    let p = perf(&app, json!({"filter": {"departmentId": a, "from": "2024-02-01", "to": "2024-04-30"}, "groupBy": ["POST"], "period": "MONTH"})).await;
    assert_eq!(p["totals"]["records"], 3, "{p:#}");
    assert_eq!(p["rows"][0]["postId"], "p1");
    assert_eq!(p["rows"][0]["unitId"], "u1");
    // Posts, tasks and regions are kept by month: their days (or a range that cuts a month)
    // are summed from the records themselves, for named departments and a range of at most a
    // year; anything wider is refused, not made up.
    let p = perf(&app, json!({"filter": {"departmentId": a, "from": "2024-02-05", "to": "2024-04-10"}, "groupBy": ["POST"]})).await;
    assert_eq!(p["totals"]["records"], 3, "{p:#}");
    assert_eq!(p["rows"][0]["postId"], "p1", "{p:#}");
    let by_unit_day = perf(&app, json!({"filter": {"departmentId": a, "from": "2024-01-01", "to": "2024-12-31"}, "groupBy": ["UNIT"], "period": "DAY"})).await;
    let by_task_day = perf(&app, json!({"filter": {"departmentId": a, "from": "2024-01-01", "to": "2024-12-31"}, "groupBy": ["TASK"], "period": "DAY"})).await;
    let days = |p: &Value| -> Vec<(String, i64)> {
        p["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| {
                        (
                            r["period"]["start"].as_str().unwrap_or("").to_owned(),
                            r["figures"]["records"].as_i64().unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    // Every record of a holds task t1 in unit u1: the same days and counts either way.
    assert_eq!(days(&by_task_day), days(&by_unit_day), "{by_task_day:#}");
    assert_eq!(by_task_day["totals"], by_unit_day["totals"]);
    assert!(!days(&by_task_day).is_empty());
    let by_region_day = perf(&app, json!({"filter": {"departmentIds": [a, b], "from": "2024-01-01", "to": "2024-12-31"}, "groupBy": ["REGION"], "period": "DAY"})).await;
    let by_region_month = perf(&app, json!({"filter": {"departmentIds": [a, b], "from": "2024-01-01", "to": "2024-12-31"}, "groupBy": ["REGION"], "period": "YEAR"})).await;
    assert_eq!(
        by_region_day["totals"], by_region_month["totals"],
        "{by_region_day:#}"
    );
    // A department named twice counts once.
    let twice = perf(&app, json!({"filter": {"departmentIds": [a, b, a], "from": "2024-01-01", "to": "2024-12-31"}, "groupBy": ["REGION"], "period": "DAY"})).await;
    assert_eq!(twice["totals"], by_region_month["totals"], "{twice:#}");
    for q in [
        json!({"filter": {"departmentId": a}, "groupBy": ["TASK"], "period": "DAY"}),
        json!({"filter": {"from": "2024-01-01", "to": "2024-01-31"}, "groupBy": ["REGION"], "period": "DAY"}),
        json!({"filter": {"departmentId": a, "from": "2023-01-01", "to": "2024-12-31"}, "groupBy": ["POST"], "period": "DAY"}),
        // 367 days (2024-01-01..2024-12-31 above is 366, the most).
        json!({"filter": {"departmentId": a, "from": "2023-12-31", "to": "2024-12-31"}, "groupBy": ["POST"], "period": "DAY"}),
    ] {
        let r = app.gql(PERF, q).await;
        assert_eq!(error_rule(&r), Some("DAYS_NOT_KEPT"), "{r:#}");
    }
    let p = perf(
        &app,
        json!({"filter": {"departmentId": a}, "groupBy": ["UNIT"], "period": "DAY"}),
    )
    .await;
    assert_eq!(p["rows"].as_array().map(Vec::len), Some(6), "{p:#}");

    // A chart: every month of 2024 present.
    let q = r#"query($filter: PerformanceFilter!) { performanceSeries(filter: $filter, period: MONTH) {
        period { start end } figures { records } } }"#;
    let r = app
        .gql(
            q,
            json!({"filter": {"departmentId": a, "from": "2024-01-01", "to": "2024-12-31"}}),
        )
        .await;
    let series = r["data"]["performanceSeries"]
        .as_array()
        .expect("series")
        .clone();
    assert_eq!(series.len(), 12, "{r:#}");
    assert_eq!(
        series[11]["period"],
        json!({"start": "2024-12-01", "end": "2024-12-31"})
    );
    let counts: Vec<i64> = series
        .iter()
        .map(|p| p["figures"]["records"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(counts, vec![1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);

    // Combinations the rollups do not cross are refused with a code.
    let r = app
        .gql(
            PERF,
            json!({"filter": {"region": "371311000000"}, "groupBy": ["TASK"]}),
        )
        .await;
    assert_eq!(error_rule(&r), Some("UNSUPPORTED_COMBINATION"), "{r:#}");
    let r = app
        .gql(
            PERF,
            json!({"filter": {"from": "2024-05-01", "to": "2024-04-01"}}),
        )
        .await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"), "{r:#}");
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn clerks_record_and_read_their_own_department_only(pool: PgPool) {
    let app = TestApp::new(pool);
    let own = department(&app, "70000007", "市场监管").await;
    let other = department(&app, "70000008", "农业农村").await;
    let clerk = actor(Role::Clerk, &[own.as_str()]);
    let r = app
        .gql_as(
            &clerk,
            ONE,
            json!({"input": record(&own, "m1", "2024-05-01T10:00:00+08:00", 1, None)}),
        )
        .await;
    assert_eq!(r["data"]["recordWork"]["status"], "STORED", "{r:#}");
    let r = app
        .gql_as(
            &clerk,
            ONE,
            json!({"input": record(&other, "m1", "2024-05-01T10:00:00+08:00", 1, None)}),
        )
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
    // In a batch, the other department's record is rejected and the own one stored.
    let r = app
        .gql_as(
            &clerk,
            BATCH,
            json!({"records": [
                record(&other, "m2", "2024-05-01T10:00:00+08:00", 1, None),
                record(&own, "m2", "2024-05-01T10:00:00+08:00", 1, None),
            ]}),
        )
        .await;
    let b = &r["data"]["recordWorkBatch"];
    assert_eq!(b["results"][0]["code"], "FORBIDDEN", "{r:#}");
    assert_eq!(b["results"][1]["status"], "STORED");
    assert_eq!(b["stored"], 1);
    assert_eq!(b["rejected"], 1);
    // Reading: own department by default, another one refused.
    let r = app
        .gql_as(&clerk, PERF, json!({"groupBy": ["DEPARTMENT"]}))
        .await;
    let rows = r["data"]["performance"]["rows"]
        .as_array()
        .expect("rows")
        .clone();
    assert_eq!(rows.len(), 1, "{r:#}");
    assert_eq!(rows[0]["departmentId"].as_str(), Some(own.as_str()));
    let r = app
        .gql_as(&clerk, PERF, json!({"filter": {"departmentId": other}}))
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
    // Reviewers read but never write; integrators neither.
    let reviewer = actor(Role::Reviewer, &[]);
    let r = app
        .gql_as(&reviewer, PERF, json!({"groupBy": ["DEPARTMENT"]}))
        .await;
    assert!(r.get("errors").is_none(), "{r:#}");
    let r = app
        .gql_as(
            &reviewer,
            BATCH,
            json!({"records": [record(&own, "m3", "2024-05-01T10:00:00+08:00", 1, None)]}),
        )
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
    let integrator = actor(Role::Integrator, &[]);
    let r = app.gql_as(&integrator, PERF, json!({})).await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
    let v =
        r#"mutation($input: VoidWorkRecordInput!) { voidWorkRecord(input: $input) { events } }"#;
    let r = app
        .gql_as(
            &actor(Role::Clerk, &[other.as_str()]),
            v,
            json!({"input": {"departmentId": own, "recordId": "m1", "reason": "x"}}),
        )
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn an_oversized_batch_is_refused_whole(pool: PgPool) {
    let app = TestApp::new(pool);
    let d = credit_code("70000009");
    let records: Vec<Value> = (0..5001)
        .map(|i| record(&d, &format!("o{i}"), "2024-05-01T10:00:00+08:00", 1, None))
        .collect();
    let before = app.event_count().await;
    let r = app.gql(BATCH, json!({"records": records})).await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"), "{}", r["errors"]);
    assert_eq!(app.event_count().await, before);
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn the_rollups_rebuild_from_the_log_to_the_same_figures(pool: PgPool) {
    use dutyledger_projections::rebuild;
    let app = TestApp::new(pool.clone());
    let d = department(&app, "70000010", "市场监管").await;
    let records: Vec<Value> = (0..40)
        .map(|i| {
            record(
                &d,
                &format!("rb{i}"),
                &format!("2024-{:02}-1{}T10:00:00+08:00", 1 + i % 12, i % 10),
                1 + i % 3,
                Some(i % 15),
            )
        })
        .collect();
    let r = app.gql(BATCH, json!({"records": records})).await;
    assert_eq!(r["data"]["recordWorkBatch"]["stored"], 40, "{r:#}");
    let v =
        r#"mutation($input: VoidWorkRecordInput!) { voidWorkRecord(input: $input) { events } }"#;
    let r = app
        .gql(
            v,
            json!({"input": {"departmentId": d, "recordId": "rb3", "reason": "重复"}}),
        )
        .await;
    assert_eq!(r["data"]["voidWorkRecord"]["events"], 1, "{r:#}");
    let q = json!({"filter": {"departmentId": d}, "groupBy": ["POST"], "period": "MONTH"});
    let before = perf(&app, q.clone()).await;

    let report = rebuild::rebuild(&pool, "performance", true, &mut |_, _| {})
        .await
        .expect("verify");
    assert_eq!(report.differences, Some(0), "{report:?}");
    let report = rebuild::rebuild(&pool, "performance", false, &mut |_, _| {})
        .await
        .expect("rebuild");
    assert!(report.swapped && report.events >= 41, "{report:?}");
    assert_eq!(perf(&app, q).await, before);
    // The live projector goes on from where the rebuild stood.
    let r = app
        .gql(
            ONE,
            json!({"input": record(&d, "rb-after", "2024-05-05T10:00:00+08:00", 1, None)}),
        )
        .await;
    assert_eq!(r["data"]["recordWork"]["status"], "STORED", "{r:#}");
    assert_eq!(totals(&app, &d, Value::Null).await["records"], 40);
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_known_at_within_today_counts_the_named_departments_records_known_by_then(pool: PgPool) {
    // Today's changes are read from the log for a `knownAt` within today: only the named
    // departments' records, and only those recorded by `knownAt`.
    let app = TestApp::new(pool);
    let a = department(&app, "70000011", "市场监管").await;
    let b = department(&app, "70000012", "生态环境").await;
    let r = app
        .gql(
            BATCH,
            json!({"records": [
                record(&a, "a1", "2024-06-03T10:00:00+08:00", 3, Some(2)),
                record(&b, "b1", "2024-06-03T10:00:00+08:00", 7, Some(2)),
                record(&b, "b2", "2024-06-04T10:00:00+08:00", 9, Some(20)),
            ]}),
        )
        .await;
    assert_eq!(r["data"]["recordWorkBatch"]["stored"], 3, "{r:#}");
    let first = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let r = app
        .gql(
            BATCH,
            json!({"records": [record(&a, "a2", "2024-06-05T10:00:00+08:00", 4, Some(30))]}),
        )
        .await;
    assert_eq!(r["data"]["recordWorkBatch"]["stored"], 1, "{r:#}");

    let known = |at: chrono::DateTime<chrono::Utc>| json!({"knownAt": at.to_rfc3339()});
    let t = totals(&app, &a, known(first)).await;
    assert_eq!(
        (t["records"].clone(), t["quantity"].clone()),
        (json!(1), json!(3)),
        "{t:#}"
    );
    let t = totals(&app, &a, known(chrono::Utc::now())).await;
    assert_eq!(
        (
            t["records"].clone(),
            t["quantity"].clone(),
            t["onTime"].clone()
        ),
        (json!(2), json!(7), json!(1)),
        "{t:#}"
    );
    let t = totals(&app, &b, known(first)).await;
    assert_eq!(
        (t["records"].clone(), t["quantity"].clone()),
        (json!(2), json!(16)),
        "{t:#}"
    );
    // Both departments, by department, as known at the first batch.
    let both = perf(
        &app,
        json!({"filter": {"departmentIds": [a, b]}, "groupBy": ["DEPARTMENT"], "asOf": known(first)}),
    )
    .await;
    assert_eq!(both["totals"]["records"], 3, "{both:#}");
    assert_eq!(both["rows"].as_array().map(Vec::len), Some(2), "{both:#}");
}
