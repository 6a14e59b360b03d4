//! The process-mining export (issue 17): a few dozen relief cases recorded through GraphQL
//! (with rework, a clock stop inside a step, withdrawals, open cases and cases with no step),
//! exported by the CLI as OCEL 2.0 JSON, SQLite and XML and as XES, downloaded over HTTP, and
//! read back by the real pm4py (`tests/pm4py/check_export.py`, run with the Python that
//! `ops/pm4py-venv.sh` builds): counts, the OCEL 2.0 relational validation, the performance DFG
//! against `stepAnalytics` and the variants against `caseVariants`.
//!
//! pm4py comes from the Python package index. Without it the test fails, unless
//! `DUTYLEDGER_SKIP_PM4PY=1` says to skip the pm4py part (the rest still runs).

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{DateTime, Duration, FixedOffset};
use clap::Parser as _;
use dutyledger_api::auth::Role;
use dutyledger_api::seed;
use serde_json::{json, Value};
use sqlx::PgPool;
use tower::ServiceExt;

use dutyledger_tests::{database_url_of, TestApp};

const BATCH: &str = r#"mutation($e: [CaseEventInput!]!) { recordCaseEventsBatch(events: $e) {
    stored duplicates rejected results { index code reason } } }"#;

const CASES: usize = 36;

fn emergency() -> String {
    seed::EMERGENCY_MANAGEMENT
        .credit_code()
        .expect("code")
        .to_string()
}

/// The events of case `i`, and its step runs (for the expected variant).
fn case_events(i: usize, steps: &[String]) -> (Vec<Value>, Vec<String>) {
    let case = format!("x-{i:02}");
    let base: DateTime<FixedOffset> =
        DateTime::parse_from_rfc3339("2025-03-03T09:00:00+08:00").expect("time");
    let mut t = base + Duration::days(i as i64);
    let mut out = Vec::new();
    let mut runs = Vec::new();
    let mut push = |t: DateTime<FixedOffset>, kind: &str, extra: Value| {
        let mut e = json!({"departmentId": emergency(), "caseId": case, "kind": kind,
                           "at": t.to_rfc3339()});
        if let (Some(e), Some(x)) = (e.as_object_mut(), extra.as_object()) {
            for (k, v) in x {
                e.insert(k.clone(), v.clone());
            }
        }
        out.push(e);
    };
    push(
        t,
        "OPENED",
        json!({"taskId": "emb-relief-t1", "version": 1, "region": "371302000000",
               "applicant": if i.is_multiple_of(2) { "PERSON" } else { "ORGANIZATION" }}),
    );
    let kind = i % 6;
    let done = match kind {
        0..=2 => steps.len(),
        3 => 4,
        4 => 5,
        _ => 0,
    };
    for (k, name) in steps.iter().enumerate().take(done) {
        t += Duration::minutes(20 + 7 * ((i + k) % 4) as i64);
        push(t, "STEP_STARTED", json!({"step": name}));
        runs.push(name.clone());
        if kind == 1 && k == 3 {
            // Rework: returned for correction, started again.
            t += Duration::minutes(45);
            push(
                t,
                "RETURNED",
                json!({"step": name, "reason": "材料不全，需补正"}),
            );
            t += Duration::hours(20);
            push(t, "STEP_STARTED", json!({"step": name}));
            runs.push(name.clone());
        }
        if kind == 2 && k == 1 {
            // A clock stop inside a step.
            t += Duration::minutes(30);
            push(t, "SUSPENDED", json!({"reason": "现场核查"}));
            t += Duration::days(2);
            push(t, "RESUMED", json!({}));
        }
        t += Duration::minutes(60 + 13 * ((i * 7 + k * 3) % 11) as i64);
        push(
            t,
            "STEP_COMPLETED",
            json!({"step": name, "postId": "emb-relief-p1"}),
        );
    }
    match kind {
        0..=2 => {
            t += Duration::minutes(30);
            push(t, "CLOSED", json!({"outcome": "APPROVED"}));
        }
        3 => {
            t += Duration::minutes(30);
            push(t, "CLOSED", json!({"outcome": "WITHDRAWN"}));
        }
        _ => {}
    }
    (out, runs)
}

async fn get(app: &TestApp, uri: &str, token: Option<&str>) -> (StatusCode, Vec<u8>) {
    let mut r = Request::get(uri);
    if let Some(t) = token {
        r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let response = app
        .router()
        .oneshot(r.body(Body::empty()).expect("request"))
        .await
        .expect("answers");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, body.to_vec())
}

/// The Python with pm4py: `DUTYLEDGER_PM4PY_PYTHON`, else the one `ops/pm4py-venv.sh` builds
/// (cached). `None` only when `DUTYLEDGER_SKIP_PM4PY=1`.
fn pm4py_python() -> Option<String> {
    if std::env::var("DUTYLEDGER_SKIP_PM4PY").as_deref() == Ok("1") {
        eprintln!("DUTYLEDGER_SKIP_PM4PY=1: the pm4py checks are skipped");
        return None;
    }
    if let Ok(p) = std::env::var("DUTYLEDGER_PM4PY_PYTHON") {
        return Some(p);
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../ops/pm4py-venv.sh");
    let out = std::process::Command::new("bash")
        .arg(script)
        .output()
        .expect("run ops/pm4py-venv.sh");
    assert!(
        out.status.success(),
        "ops/pm4py-venv.sh could not provide pm4py (set DUTYLEDGER_SKIP_PM4PY=1 to skip these \
         checks knowingly): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn the_export_reads_back_in_pm4py_with_our_counts_means_and_variants(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    seed::seed(&app.state).await.expect("seed");
    let chart = app
        .ok(
            r#"query($d: ID!) { workflowChart(departmentId: $d, taskId: "emb-relief-t1") { steps { name } } }"#,
            json!({"d": emergency()}),
        )
        .await;
    let steps: Vec<String> = chart["workflowChart"]["steps"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|x| x["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(steps.len(), 10);

    let mut events = Vec::new();
    let mut expected_variants: std::collections::BTreeMap<Vec<String>, i64> = Default::default();
    for i in 0..CASES {
        let (e, runs) = case_events(i, &steps);
        events.extend(e);
        *expected_variants.entry(runs).or_default() += 1;
    }
    let mut stored = 0;
    for chunk in events.chunks(200) {
        let data = app.ok(BATCH, json!({"e": chunk})).await;
        let r = &data["recordCaseEventsBatch"];
        assert_eq!(r["rejected"], 0, "{r:#}");
        stored += r["stored"].as_i64().expect("stored");
    }
    assert_eq!(stored as usize, events.len());

    // Our variants: what caseVariants answers equals the runs recorded.
    let v = app
        .ok(
            r#"query($f: CaseFilter) { caseVariants(filter: $f, first: 1000) { steps cases } }"#,
            json!({"f": {"departmentId": emergency(), "taskId": "emb-relief-t1"}}),
        )
        .await;
    let variants = v["caseVariants"].as_array().cloned().unwrap_or_default();
    let ours: std::collections::BTreeMap<Vec<String>, i64> = variants
        .iter()
        .map(|x| {
            (
                x["steps"]
                    .as_array()
                    .map(|s| {
                        s.iter()
                            .filter_map(|n| n.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                x["cases"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(ours, expected_variants);
    assert!(ours.keys().any(|k| k.is_empty()), "cases with no step");

    let figures = app
        .ok(
            r#"query { stepAnalytics(taskId: "emb-relief-t1", version: 1) { name runs meanSeconds returns } }"#,
            json!({}),
        )
        .await;
    let step_rows = figures["stepAnalytics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(step_rows.len(), 10, "{figures:#}");
    assert!(step_rows.iter().any(|r| r["returns"].as_i64() > Some(0)));
    let step_means: serde_json::Map<String, Value> = step_rows
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap_or("").to_owned(),
                r["meanSeconds"].clone(),
            )
        })
        .collect();

    // The CLI writes the four files.
    let dir = std::env::temp_dir().join(format!("dutyledger-export-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = database_url_of(&pool);
    for (kind, file) in [
        ("ocel", "ocel.json"),
        ("ocel", "ocel.sqlite"),
        ("ocel", "ocel.xml"),
        ("xes", "cases.xes"),
    ] {
        let args = vec![
            "dutyledger".to_owned(),
            "--database-url".to_owned(),
            url.clone(),
            "export".to_owned(),
            kind.to_owned(),
            "--filter".to_owned(),
            format!("department={}", emergency()),
            "--filter".to_owned(),
            "task=emb-relief-t1".to_owned(),
            "--filter".to_owned(),
            "from=2025-01-01".to_owned(),
            dir.join(file).display().to_string(),
        ];
        dutyledger_api::cli::run(dutyledger_api::cli::Cli::try_parse_from(args).expect("args"))
            .await
            .unwrap_or_else(|e| panic!("export {file}: {e:#}"));
    }
    // A file that exists is not overwritten; a bad filter is refused with its rule.
    let again = dutyledger_api::cli::run(
        dutyledger_api::cli::Cli::try_parse_from([
            "dutyledger",
            "--database-url",
            &url,
            "export",
            "xes",
            dir.join("cases.xes").to_str().expect("path"),
        ])
        .expect("args"),
    )
    .await;
    assert!(again.is_err());
    let bad = dutyledger_api::cli::run(
        dutyledger_api::cli::Cli::try_parse_from([
            "dutyledger",
            "--database-url",
            &url,
            "export",
            "ocel",
            "--filter",
            "colour=red",
            dir.join("x.json").to_str().expect("path"),
        ])
        .expect("args"),
    )
    .await
    .expect_err("unknown key");
    assert!(format!("{bad:#}").contains("UNKNOWN_FILTER_KEY"), "{bad:#}");

    // The downloads: the same bytes as the CLI's files (one snapshot, a fixed order), for a
    // supervisor; a clerk of another department gets nothing of the emergency bureau's; a bad
    // filter is a 400 with its code; no token, 401.
    let supervisor = app.token(Role::Supervisor, &[]);
    let query = format!(
        "department={}&task=emb-relief-t1&from=2025-01-01",
        emergency()
    );
    for (path, file) in [
        ("/export/ocel.json", "ocel.json"),
        ("/export/ocel.xml", "ocel.xml"),
        ("/export/cases.xes", "cases.xes"),
    ] {
        let (status, body) = get(&app, &format!("{path}?{query}"), Some(&supervisor)).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{path}: {}",
            String::from_utf8_lossy(&body)
        );
        let file = std::fs::read(dir.join(file)).expect("file");
        assert!(
            body == file,
            "{path}: the download differs from the CLI's file"
        );
    }
    let (status, body) = get(
        &app,
        &format!("/export/ocel.sqlite?{query}"),
        Some(&supervisor),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with(b"SQLite format 3\0"));
    let other = seed::ADMINISTRATIVE_APPROVAL
        .credit_code()
        .expect("code")
        .to_string();
    let clerk = app.token(Role::Clerk, &[other.as_str()]);
    let (status, body) = get(&app, &format!("/export/ocel.json?{query}"), Some(&clerk)).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let (status, body) = get(&app, "/export/cases.xes", Some(&clerk)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !String::from_utf8_lossy(&body).contains("<trace>"),
        "a clerk sees only its own"
    );
    let (status, body) = get(&app, "/export/ocel.json?version=zero", Some(&supervisor)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(
        error["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{error:#}"
    );
    assert_eq!(error["errors"][0]["extensions"]["rule"], "INVALID_FILTER");
    let (status, _) = get(&app, "/export/ocel.json", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Each filter key selects: cases x-00.. are received on 3 March 2025 and one a day after.
    for (filter, traces) in [
        ("task=emb-relief-t1", CASES),
        ("task=emb-relief-t1&version=2", 0),
        ("region=371302000000", CASES),
        ("region=371301000000", 0),
        ("from=2025-03-10", CASES - 7),
        ("from=2025-03-05&to=2025-03-10", 6),
        (&format!("department={}&to=2025-03-03", emergency()), 1),
    ] {
        let (status, body) = get(
            &app,
            &format!("/export/cases.xes?{filter}"),
            Some(&supervisor),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{filter}");
        let text = String::from_utf8_lossy(&body);
        assert_eq!(text.matches("<trace>").count(), traces, "{filter}");
    }

    // What we wrote, counted independently of the writers: one department, task, chart
    // version and unit, the cases; every stored event and the version's publication.
    let completions = events
        .iter()
        .filter(|e| e["kind"] == "STEP_COMPLETED")
        .count();
    let returns = events.iter().filter(|e| e["kind"] == "RETURNED").count();
    let e2o = 2 * events.len() + 2 * CASES + completions + 3;
    let expected = json!({
        "objects": CASES + 4,
        "events": events.len() + 1,
        "object_types": ["办件", "工作任务", "流程图版本", "部门", "科室"],
        "qualifiers": ["办件", "承办科室", "流程版本"],
        "e2o": e2o,
        // case -> version, case -> task, version -> task, task -> department, unit -> department
        "o2o": 2 * CASES + 3,
        "traces": CASES,
        "xes_events": events.len(),
        "step_means": step_means,
        "variants": variants,
    });
    assert!(returns > 0);
    std::fs::write(
        dir.join("expected.json"),
        serde_json::to_vec_pretty(&expected).expect("json"),
    )
    .expect("write");

    let Some(python) = pm4py_python() else {
        return;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/pm4py/check_export.py");
    let out = std::process::Command::new(&python)
        .arg(script)
        .arg(&dir)
        .output()
        .expect("run the pm4py checks");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{report}");
    assert!(out.status.success(), "pm4py checks failed:\n{report}");
    assert!(report.contains("0 failed"), "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}
