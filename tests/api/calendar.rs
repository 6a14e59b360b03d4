//! The working-day calendar (工作日历) through GraphQL and the CLI: the 2026 arrangement loaded
//! by the mutation, working days counted around the Spring Festival (with clock stops), a year
//! not loaded answering `CALENDAR_YEAR_MISSING`, valid time, amendments, access, and
//! `dutyledger calendar load` run twice.

use clap::Parser as _;
use dutyledger_api::auth::{Actor, Role};
use dutyledger_api::context::RequestContext;
use dutyledger_domain::calendar::SHIPPED;
use dutyledger_tests::{actor, credit_code, database_url_of, error_code, error_rule, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

const LOAD: &str = r#"mutation($i: LoadCalendarYearInput!) { loadCalendarYear(input: $i) {
    year events effectiveAt calendar { year papers workingDays offDays days { date name isOffDay weekday } } } }"#;

const AMEND: &str = r#"mutation($i: AmendCalendarYearInput!) { amendCalendarYear(input: $i) {
    year events calendar { papers days { date isOffDay } } } }"#;

const WORKING_DAYS: &str = r#"query($from: DateTime!, $to: DateTime!, $stops: [ClockStopInput!], $asOf: AsOf) {
    workingDays(from: $from, to: $to, clockStops: $stops, asOf: $asOf) }"#;

const ADD_WORKING_DAYS: &str = r#"query($from: DateTime!, $days: Int!, $stops: [ClockStopInput!], $asOf: AsOf) {
    addWorkingDays(from: $from, days: $days, clockStops: $stops, asOf: $asOf) { date endsAt } }"#;

/// The shipped file of `year`, as the mutation's input (the file's keys are the input's).
fn year_input(year: i32) -> Value {
    let (_, text) = SHIPPED
        .iter()
        .find(|(name, _)| name.starts_with(&year.to_string()))
        .expect("shipped year");
    let file: Value = serde_json::from_str(text).expect("json");
    json!({
        "year": file["year"],
        "papers": file["papers"],
        "days": file["days"],
        "effectiveAt": format!("{}T00:00:00+08:00", file["published"].as_str().expect("published")),
        "reason": "国务院办公厅公布",
    })
}

async fn load_2026(app: &TestApp) -> Value {
    app.ok(LOAD, json!({"i": year_input(2026)})).await["loadCalendarYear"].clone()
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn the_2026_spring_festival_through_graphql(pool: PgPool) {
    let app = TestApp::new(pool);
    let loaded = load_2026(&app).await;
    assert_eq!(loaded["events"], 1, "{loaded:#}");
    assert_eq!(loaded["year"], 2026);
    assert_eq!(loaded["calendar"]["workingDays"], 248);
    assert_eq!(loaded["calendar"]["offDays"], 365 - 248);
    assert!(loaded["calendar"]["papers"][0]
        .as_str()
        .is_some_and(|p| p.contains("国办发明电〔2025〕7号")));
    let days = loaded["calendar"]["days"].as_array().expect("days");
    assert!(days
        .contains(&json!({"date": "2026-02-14", "name": "春节", "isOffDay": false, "weekday": 6})));
    assert!(days
        .contains(&json!({"date": "2026-02-17", "name": "春节", "isOffDay": true, "weekday": 2})));

    // Loading the same year again stores nothing.
    let events = app.event_count().await;
    let again = load_2026(&app).await;
    assert_eq!(again["events"], 0);
    assert_eq!(app.event_count().await, events);

    // Friday 13 February 2026: the next working day is Saturday the 14th (调休上班), then nine
    // days off (15-23), then Tuesday the 24th.
    let from = "2026-02-13T10:00:00+08:00";
    let add = |days: i32, stops: Value| {
        let app = &app;
        async move {
            app.ok(
                ADD_WORKING_DAYS,
                json!({"from": from, "days": days, "stops": stops}),
            )
            .await["addWorkingDays"]
                .clone()
        }
    };
    let one = add(1, Value::Null).await;
    assert_eq!(one["date"], "2026-02-14");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(one["endsAt"].as_str().expect("endsAt"))
            .expect("rfc3339"),
        chrono::DateTime::parse_from_rfc3339("2026-02-15T00:00:00+08:00").expect("rfc3339"),
        "the end of the day, Beijing time"
    );
    assert_eq!(add(2, Value::Null).await["date"], "2026-02-24");
    assert_eq!(
        add(6, Value::Null).await["date"],
        "2026-02-28",
        "the second make-up Saturday"
    );
    // A clock stop over the make-up Saturday: it does not count.
    let stop = json!([{"from": "2026-02-14T00:00:00+08:00", "to": "2026-02-15T00:00:00+08:00"}]);
    assert_eq!(add(1, stop.clone()).await["date"], "2026-02-24");

    let count = |to: &'static str, stops: Value| {
        let app = &app;
        async move {
            app.ok(
                WORKING_DAYS,
                json!({"from": from, "to": to, "stops": stops}),
            )
            .await["workingDays"]
                .clone()
        }
    };
    assert_eq!(count("2026-02-23T18:00:00+08:00", Value::Null).await, 1);
    assert_eq!(count("2026-02-24T09:00:00+08:00", Value::Null).await, 2);
    assert_eq!(count("2026-03-02T09:00:00+08:00", Value::Null).await, 7);
    assert_eq!(count("2026-02-24T09:00:00+08:00", stop).await, 1);

    // A clock stop that ends before it starts, counting backwards, too many days: refused.
    let backwards =
        json!([{"from": "2026-02-15T00:00:00+08:00", "to": "2026-02-14T00:00:00+08:00"}]);
    let r = app
        .gql(
            ADD_WORKING_DAYS,
            json!({"from": from, "days": 1, "stops": backwards}),
        )
        .await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"), "{r:#}");
    assert_eq!(error_rule(&r), Some("CLOCK_STOP_ENDS_BEFORE_START"));
    let r = app
        .gql(
            WORKING_DAYS,
            json!({"from": from, "to": "2026-02-01T00:00:00+08:00"}),
        )
        .await;
    assert_eq!(error_rule(&r), Some("FROM_AFTER_TO"), "{r:#}");
    let r = app
        .gql(ADD_WORKING_DAYS, json!({"from": from, "days": -1}))
        .await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"), "{r:#}");
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_year_not_loaded_answers_calendar_year_missing(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app
        .gql(
            WORKING_DAYS,
            json!({"from": "2026-02-13T10:00:00+08:00", "to": "2026-02-24T10:00:00+08:00"}),
        )
        .await;
    assert_eq!(error_code(&r), Some("NOT_FOUND"), "{r:#}");
    assert_eq!(error_rule(&r), Some("CALENDAR_YEAR_MISSING"));
    let r = app
        .gql(r#"{ calendar(year: 2026) { year } }"#, json!({}))
        .await;
    assert_eq!(error_rule(&r), Some("CALENDAR_YEAR_MISSING"), "{r:#}");

    load_2026(&app).await;
    // Ten working days from Christmas 2026 reach into 2027, which is not loaded.
    let r = app
        .gql(
            ADD_WORKING_DAYS,
            json!({"from": "2026-12-25T10:00:00+08:00", "days": 10}),
        )
        .await;
    assert_eq!(error_rule(&r), Some("CALENDAR_YEAR_MISSING"), "{r:#}");
    assert!(r["errors"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("2027")));
    // Three working days fit (28, 29, 30 December).
    let ok = app
        .ok(
            ADD_WORKING_DAYS,
            json!({"from": "2026-12-25T10:00:00+08:00", "days": 3}),
        )
        .await;
    assert_eq!(ok["addWorkingDays"]["date"], "2026-12-30");

    // Valid time: before its notice (4 November 2025) the 2026 arrangement was not in force.
    let before = json!({"validAt": "2025-10-01T00:00:00+08:00"});
    let r = app
        .gql(
            WORKING_DAYS,
            json!({"from": "2026-02-13T10:00:00+08:00", "to": "2026-02-24T10:00:00+08:00", "asOf": before}),
        )
        .await;
    assert_eq!(error_rule(&r), Some("CALENDAR_YEAR_MISSING"), "{r:#}");
    let years = app
        .ok(
            r#"query($asOf: AsOf) { calendarYears(asOf: $asOf) { year } }"#,
            json!({"asOf": before}),
        )
        .await;
    assert_eq!(years["calendarYears"], json!([]));
    let years = app
        .ok(r#"{ calendarYears { year workingDays } }"#, json!({}))
        .await;
    assert_eq!(
        years["calendarYears"],
        json!([{"year": 2026, "workingDays": 248}])
    );
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn an_amendment_changes_only_its_days_from_its_time(pool: PgPool) {
    let app = TestApp::new(pool);
    load_2026(&app).await;
    // A hypothetical amendment effective 1 February 2026: 13 February off as well.
    let amended = app
        .ok(
            AMEND,
            json!({"i": {"year": 2026, "papers": ["（示例）延长2026年春节假期的通知"],
                        "set": [{"date": "2026-02-13", "name": "春节", "isOffDay": true}],
                        "effectiveAt": "2026-02-01T00:00:00+08:00", "reason": "假期延长"}}),
        )
        .await;
    assert_eq!(amended["amendCalendarYear"]["events"], 1);
    assert_eq!(
        amended["amendCalendarYear"]["calendar"]["papers"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let from = "2026-02-12T10:00:00+08:00";
    let now = app
        .ok(ADD_WORKING_DAYS, json!({"from": from, "days": 1}))
        .await;
    assert_eq!(now["addWorkingDays"]["date"], "2026-02-14");
    let before = app
        .ok(
            ADD_WORKING_DAYS,
            json!({"from": from, "days": 1, "asOf": {"validAt": "2026-01-15T00:00:00+08:00"}}),
        )
        .await;
    assert_eq!(before["addWorkingDays"]["date"], "2026-02-13");

    let r = app
        .gql(
            AMEND,
            json!({"i": {"year": 2026, "papers": ["x"], "remove": ["2026-03-02"]}}),
        )
        .await;
    assert_eq!(error_rule(&r), Some("DATE_NOT_LISTED"), "{r:#}");
    let r = app
        .gql(
            AMEND,
            json!({"i": {"year": 2027, "papers": ["x"], "remove": []}}),
        )
        .await;
    assert_eq!(error_rule(&r), Some("CALENDAR_YEAR_MISSING"), "{r:#}");
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_load_that_breaks_a_rule_is_refused_with_it(pool: PgPool) {
    let app = TestApp::new(pool);
    let mut input = year_input(2026);
    // Monday 16 February marked as a working day.
    input["days"][6]["isOffDay"] = json!(false);
    assert_eq!(input["days"][6]["date"], "2026-02-16");
    let r = app.gql(LOAD, json!({"i": input})).await;
    assert_eq!(error_code(&r), Some("BAD_USER_INPUT"), "{r:#}");
    assert_eq!(error_rule(&r), Some("WORKING_WEEKDAY"));
    let mut input = year_input(2026);
    input["days"][0]["date"] = json!("2025-12-31");
    let r = app.gql(LOAD, json!({"i": input})).await;
    assert_eq!(error_rule(&r), Some("DATE_OUTSIDE_YEAR"), "{r:#}");
    let mut input = year_input(2026);
    input["papers"] = json!([]);
    let r = app.gql(LOAD, json!({"i": input})).await;
    assert_eq!(error_rule(&r), Some("NO_PAPERS"), "{r:#}");
    assert_eq!(app.event_count().await, 0, "nothing written");
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn only_the_supervision_office_loads_a_calendar(pool: PgPool) {
    let app = TestApp::new(pool);
    let own = credit_code("00435012");
    for who in [
        actor(Role::Clerk, &[own.as_str()]),
        actor(Role::Reviewer, &[]),
        actor(Role::Integrator, &[]),
    ] {
        let r = app.gql_as(&who, LOAD, json!({"i": year_input(2026)})).await;
        assert_eq!(error_code(&r), Some("FORBIDDEN"), "{:?}: {r:#}", who.role);
        let r = app
            .gql_as(&who, AMEND, json!({"i": {"year": 2026, "papers": ["x"]}}))
            .await;
        assert_eq!(error_code(&r), Some("FORBIDDEN"), "{:?}: {r:#}", who.role);
    }
    assert_eq!(app.event_count().await, 0);
    load_2026(&app).await;
    // Reading is open to anyone with a token.
    let clerk = actor(Role::Clerk, &[own.as_str()]);
    let r = app
        .gql_as(
            &clerk,
            WORKING_DAYS,
            json!({"from": "2026-02-13T10:00:00+08:00", "to": "2026-02-24T10:00:00+08:00"}),
        )
        .await;
    assert_eq!(r["data"]["workingDays"], 2, "{r:#}");
}

fn data_file(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data/calendar")
        .join(name)
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn calendar_load_through_the_cli_stores_nothing_twice(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let url = database_url_of(&pool);
    let files: Vec<String> = ["2024.json", "2025.json", "2026.json"]
        .iter()
        .map(|f| data_file(f).display().to_string())
        .collect();
    let run = |extra: Vec<String>| {
        let url = url.clone();
        async move {
            let mut args = vec![
                "dutyledger".to_owned(),
                "--database-url".to_owned(),
                url,
                "calendar".to_owned(),
                "load".to_owned(),
            ];
            args.extend(extra);
            dutyledger_api::cli::run(dutyledger_api::cli::Cli::try_parse_from(args).expect("args"))
                .await
        }
    };
    run(files.clone()).await.expect("first load");
    assert_eq!(app.event_count().await, 3);
    run(files.clone()).await.expect("second load");
    assert_eq!(app.event_count().await, 3, "a second run stores nothing");

    // Each year holds from its notice's publication.
    let effective: Vec<(String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "SELECT aggregate_id, effective_at FROM events WHERE aggregate_type = 'calendar' ORDER BY sequence",
    )
    .fetch_all(&pool)
    .await
    .expect("events");
    assert!(effective.iter().all(|(id, _)| id == "CN"));
    assert_eq!(
        effective
            .iter()
            .map(|(_, at)| at.to_rfc3339())
            .collect::<Vec<_>>(),
        [
            "2023-10-24T16:00:00+00:00",
            "2024-11-11T16:00:00+00:00",
            "2025-11-03T16:00:00+00:00"
        ]
    );
    let years = app
        .ok(r#"{ calendarYears { year workingDays } }"#, json!({}))
        .await;
    assert_eq!(
        years["calendarYears"],
        json!([{"year": 2024, "workingDays": 251}, {"year": 2025, "workingDays": 248}, {"year": 2026, "workingDays": 248}])
    );

    // A file that breaks a rule fails the run and stores nothing.
    let dir = std::env::temp_dir().join(format!("dutyledger-calendar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("2027.json");
    std::fs::write(
        &bad,
        r#"{"year": 2027, "papers": ["x"], "days": [{"name": "元旦", "date": "2027-01-04", "isOffDay": false}]}"#,
    )
    .expect("write");
    let failed = run(vec![bad.display().to_string()]).await;
    assert!(failed.is_err());
    assert_eq!(app.event_count().await, 3);
    let _ = std::fs::remove_dir_all(&dir);

    // The loader the CLI uses, as the system actor.
    let ctx = RequestContext::new(Actor::system("test"));
    let report = dutyledger_api::import::calendar::load_file(
        &app.state,
        &ctx,
        &data_file("2026.json"),
        None,
        None,
    )
    .await
    .expect("loaded");
    assert_eq!(report.events, 0);
    assert!(report.line().contains("unchanged"), "{}", report.line());
}
