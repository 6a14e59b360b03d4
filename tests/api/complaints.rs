//! 12345 complaints (issue 16) end to end: a batch with a result per ticket, the same tickets
//! again changing nothing and a later resolution recorded, the figures per department and
//! period as of a point in time, key supervision flags raised once per period with their
//! evidence, the tickets feeding the round's source, and `dutyledger import complaints` run
//! twice.

use clap::Parser as _;
use dutyledger_api::auth::Role;
use dutyledger_tests::{actor, credit_code, database_url_of, error_code, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::supervision::department;

const RECORD: &str = r#"mutation($t: [ComplaintInput!]!) { recordComplaints(tickets: $t) {
    stored unchanged rejected results { index ticket status code rule message } } }"#;
const STATS: &str = r#"query($d: String, $asOf: AsOf) { complaintStats(departmentId: $d, from: "2025-06-01", to: "2025-06-30", asOf: $asOf) {
    departmentId complaints resolved resolutionRate satisfaction } }"#;
const FLAG: &str =
    r#"mutation($i: FlagKeySupervisionInput!) { flagKeySupervision(input: $i) { departmentIds } }"#;
const FLAGS: &str = r#"query($asOf: AsOf) { keySupervisionFlags(asOf: $asOf) { departmentId periodFrom periodTo tickets
    figures { complaints resolved resolutionRate satisfaction } } }"#;

fn ticket(n: u32, dept: &str, resolved: Option<i32>) -> Value {
    let mut t = json!({"ticket": format!("12345-202506-{n:04}"), "receivedAt": format!("2025-06-{:02}T09:00:00+08:00", n % 28 + 1),
        "category": "投诉", "text": "出租车拒载、议价", "region": "371302001000", "departmentId": dept});
    if let Some(s) = resolved {
        t["resolvedAt"] = json!(format!("2025-06-{:02}T17:00:00+08:00", n % 28 + 2));
        t["satisfaction"] = json!(s);
    }
    t
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn tickets_are_stored_once_figured_and_flag_key_supervision(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let d1 = department(&app, "75000001", true).await;
    let d2 = department(&app, "75000002", true).await;
    let batch = json!([ticket(1, &d1, Some(2)), ticket(2, &d1, None), ticket(3, &d1, None),
        ticket(4, &d2, Some(5)), ticket(5, &credit_code("75000099"), None),
        {"ticket": "bad ticket", "receivedAt": "2025-06-01T09:00:00+08:00", "category": "投诉", "text": "x",
         "region": "371302001000", "departmentId": d1}]);
    let r = app.ok(RECORD, json!({"t": batch})).await["recordComplaints"].clone();
    assert_eq!(
        (
            r["stored"].clone(),
            r["unchanged"].clone(),
            r["rejected"].clone()
        ),
        (json!(4), json!(0), json!(2)),
        "{r:#}"
    );
    assert_eq!(r["results"][4]["rule"], "DEPARTMENT_NOT_FOUND");
    assert_eq!(r["results"][5]["code"], "BAD_USER_INPUT");
    let before_again = chrono::Utc::now().to_rfc3339();
    let again = app.ok(RECORD, json!({"t": batch})).await["recordComplaints"].clone();
    assert_eq!(again["stored"], 0, "the same tickets again: {again:#}");
    assert_eq!(again["unchanged"], 4);
    // Ticket 2 resolved later, satisfied (4); a conflicting resolution of ticket 1 is refused.
    let r = app
        .ok(
            RECORD,
            json!({"t": [ticket(2, &d1, Some(4)), ticket(1, &d1, Some(5))]}),
        )
        .await["recordComplaints"]
        .clone();
    assert_eq!(r["results"][0]["status"], "STORED", "{r:#}");
    assert_eq!(r["results"][1]["rule"], "TICKET_CONFLICT", "{r:#}");

    let stats = app.ok(STATS, json!({"d": d1})).await["complaintStats"][0].clone();
    assert_eq!(
        stats,
        json!({"departmentId": d1, "complaints": 3, "resolved": 2, "resolutionRate": 66.66, "satisfaction": 3.0})
    );
    let then = app
        .ok(STATS, json!({"d": d1, "asOf": {"knownAt": before_again}}))
        .await["complaintStats"][0]
        .clone();
    assert_eq!(
        then["resolved"], 1,
        "as known before the resolution: {then:#}"
    );

    // Key supervision: at least 3 tickets and under 90% resolved flags d1 only, once.
    let flag = json!({"i": {"periodFrom": "2025-06-01", "periodTo": "2025-06-30", "minComplaints": 3, "belowResolutionRate": 90}});
    let before_flag = chrono::Utc::now().to_rfc3339();
    let r = app.ok(FLAG, flag.clone()).await;
    assert_eq!(r["flagKeySupervision"]["departmentIds"], json!([d1]));
    let r = app.ok(FLAG, flag).await;
    assert_eq!(
        r["flagKeySupervision"]["departmentIds"],
        json!([]),
        "flagged once per period"
    );
    let flags = app.ok(FLAGS, Value::Null).await["keySupervisionFlags"].clone();
    assert_eq!(flags[0]["departmentId"], d1);
    assert_eq!(flags[0]["figures"]["complaints"], 3);
    assert_eq!(flags[0]["tickets"].as_array().map(Vec::len), Some(3));
    let none = app
        .ok(FLAGS, json!({"asOf": {"knownAt": before_flag}}))
        .await;
    assert_eq!(none["keySupervisionFlags"], json!([]));

    // A clerk reads its own department's figures; it may not record or flag.
    let clerk = actor(Role::Clerk, &[&d2]);
    let r = app.gql_as(&clerk, STATS, Value::Null).await;
    assert_eq!(
        r["data"]["complaintStats"].as_array().map(Vec::len),
        Some(1),
        "{r:#}"
    );
    assert_eq!(r["data"]["complaintStats"][0]["departmentId"], d2);
    let r = app.gql_as(&clerk, STATS, json!({"d": d1})).await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
    let r = app
        .gql_as(&clerk, RECORD, json!({"t": [ticket(9, &d2, None)]}))
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");

    // The tickets feed the round's source.
    let d = dutyledger_domain::values::CreditCode::parse(&d1).expect("code");
    let m = dutyledger_projections::supervision::measure(
        &pool,
        std::slice::from_ref(&d),
        dutyledger_projections::supervision::Period {
            from: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
            to: chrono::NaiveDate::from_ymd_opt(2025, 12, 31).expect("date"),
        },
        chrono::Utc::now(),
        &[dutyledger_domain::scheme::Source::Complaints12345]
            .into_iter()
            .collect(),
    )
    .await
    .expect("measure");
    assert_eq!(
        m.observations[&d]["complaints.12345"].value,
        dutyledger_domain::scheme::Measured::Count(3)
    );
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn import_complaints_stores_each_ticket_once(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let d1 = department(&app, "75000011", true).await;
    let dir = std::env::temp_dir().join(format!("complaints-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let csv = dir.join("tickets.csv");
    std::fs::write(
        &csv,
        format!(
            "ticket,receivedAt,category,text,region,departmentId,taskId,resolvedAt,satisfaction\n\
             T-1,2025-06-02T09:00:00+08:00,投诉,噪音扰民,371302001000,{d1},,2025-06-03T09:00:00+08:00,4\n\
             T-2,2025-06-03T09:00:00+08:00,求助,路灯不亮,371302001000,{d1},t1,,\n\
             T-3,2025-06-03T09:00:00+08:00,投诉,坏数据,3713,{d1},,,\n"
        ),
    )
    .expect("write");
    let ndjson = dir.join("tickets.ndjson");
    std::fs::write(
        &ndjson,
        format!("{{\"ticket\": \"T-4\", \"receivedAt\": \"2025-06-05T09:00:00+08:00\", \"category\": \"咨询\", \"text\": \"办事指南\", \"region\": \"371302001000\", \"departmentId\": \"{d1}\"}}\n"),
    )
    .expect("write");
    let url = database_url_of(&pool);
    let run = |file: &std::path::Path| {
        let args = vec![
            "dutyledger".to_owned(),
            "--database-url".to_owned(),
            url.clone(),
            "import".to_owned(),
            "complaints".to_owned(),
            file.display().to_string(),
        ];
        async move {
            dutyledger_api::cli::run(dutyledger_api::cli::Cli::try_parse_from(args).expect("args"))
                .await
        }
    };
    let err = run(&csv).await.expect_err("one line rejected");
    assert!(err.to_string().contains("1 tickets were rejected"), "{err}");
    let events = app.event_count().await;
    run(&csv).await.expect_err("still rejected");
    assert_eq!(
        app.event_count().await,
        events,
        "a second run stores nothing"
    );
    run(&ndjson).await.expect("ndjson");
    let stats = app.ok(STATS, json!({"d": d1})).await["complaintStats"][0].clone();
    assert_eq!(stats["complaints"], 3, "{stats:#}");
    assert_eq!(stats["resolved"], 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Integrators receive the supervision and rectification events on the feed, filtered by the
/// departments they concern: an integrator limited to one department sees its tickets, flag,
/// finding and order, and nothing of the other department.
#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn integrators_get_the_new_events_filtered_by_department(pool: PgPool) {
    let app = TestApp::new(pool);
    let ctx =
        dutyledger_api::context::RequestContext::new(dutyledger_api::auth::Actor::system("test"));
    dutyledger_api::import::calendar::load_shipped(&app.state, &ctx)
        .await
        .expect("calendar");
    let d1 = department(&app, "75000021", true).await;
    let d2 = department(&app, "75000022", true).await;
    app.ok(
        RECORD,
        json!({"t": [ticket(1, &d1, None), ticket(2, &d2, None)]}),
    )
    .await;
    app.ok(
        FLAG,
        json!({"i": {"periodFrom": "2025-06-01", "periodTo": "2025-06-30", "minComplaints": 1}}),
    )
    .await;
    for (d, f) in [(&d1, "f1"), (&d2, "f2")] {
        app.ok("mutation($i: RaiseFindingInput!) { raiseFinding(input: $i) { events } }",
            json!({"i": {"findingId": f, "departmentId": d, "kind": "OTHER", "severity": "MINOR", "description": "发现",
                "effectiveAt": "2025-06-02T09:00:00+08:00"}}))
            .await;
        app.ok("mutation($i: IssueOrderInput!) { issueRectificationOrder(input: $i) { events } }",
            json!({"i": {"orderId": format!("o{f}"), "departmentId": d, "findingIds": [f], "requirement": "整改",
                "dueInWorkingDays": 5, "effectiveAt": "2025-06-02T09:00:00+08:00"}}))
            .await;
    }
    let page = r#"query($filter: EventFilter) { events(first: 500, filter: $filter) {
        edges { node { eventType stream { aggregateType aggregateId } } } } }"#;
    let types = [
        "ComplaintReceived",
        "KeySupervisionFlagged",
        "FindingRaised",
        "OrderIssued",
    ];
    let integrator = actor(Role::Integrator, &[&d1]);
    let r = app
        .gql_as(&integrator, page, json!({"filter": {"eventTypes": types}}))
        .await;
    let seen: Vec<(String, String)> = r["data"]["events"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{r:#}"))
        .iter()
        .map(|e| {
            (
                e["node"]["eventType"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                e["node"]["stream"]["aggregateId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                "ComplaintReceived".to_owned(),
                "12345-202506-0001".to_owned()
            ),
            ("KeySupervisionFlagged".to_owned(), d1.clone()),
            ("FindingRaised".to_owned(), "f1".to_owned()),
            ("OrderIssued".to_owned(), "of1".to_owned()),
        ]
    );
    let r = app
        .gql_as(&integrator, page, json!({"filter": {"departmentId": d2}}))
        .await;
    assert_eq!(error_code(&r), Some("FORBIDDEN"), "{r:#}");
}
