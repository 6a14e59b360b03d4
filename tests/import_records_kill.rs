//! The kill test of `dutyledger import records`: the import of a 20,000-line CSV file is killed
//! with SIGKILL once some batches are stored, then run again. Afterwards every valid record id
//! is stored exactly once (one stream with one `WorkRecorded` event each), none is missing, the
//! rejects file lists each bad line once, the rollups count each record once, and a third run
//! that checks every line again (`--no-resume`) stores nothing.
//!
//! This target has no test harness. Started with `DUTYLEDGER_TEST_CLI` set, it *is* the
//! `dutyledger` command line: the binary's `main` (parse, `cli::run`, `cli::exit_code`), in a
//! process of its own that the test can kill. (Cargo builds the `dutyledger` binary only for the
//! api package's own tests, so this crate cannot start `target/debug/dutyledger` reliably.)

#[path = "api/records_fixture.rs"]
mod records_fixture;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use dutyledger_tests::{drop_database, fresh_database, TestApp};
use records_fixture::{department, wait_for_rollups};
use serde_json::Value;
use sqlx::PgPool;

const CHILD: &str = "DUTYLEDGER_TEST_CLI";
const LINES: usize = 20_000;
const BATCH: &str = "500";
/// Kill once at least this many records are stored.
const KILL_AFTER: i64 = 3_000;

fn main() -> ExitCode {
    if std::env::var_os(CHILD).is_some() {
        return dutyledger_main();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(the_import_resumes_after_being_killed_halfway());
    eprintln!("import_records_kill: ok");
    ExitCode::SUCCESS
}

/// What `api/src/main.rs` does.
fn dutyledger_main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info,sqlx=warn"))
        .with_writer(std::io::stderr)
        .init();
    let cli = dutyledger_api::cli::Cli::parse_from(std::env::args_os());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async { dutyledger_api::cli::exit_code(dutyledger_api::cli::run(cli).await) })
}

/// Starts `dutyledger import records FILE ...` as a process of its own.
fn start_import(url: &str, file: &Path, rejects: &Path, log: &Path, extra: &[&str]) -> Child {
    let exe = std::env::current_exe().expect("this executable");
    let log = std::fs::File::create(log).expect("log file");
    Command::new(exe)
        .env(CHILD, "1")
        .env("DATABASE_URL", url)
        .args(["import", "records"])
        .arg(file)
        .args(["--batch-size", BATCH, "--json", "--rejects"])
        .arg(rejects)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("start the import")
}

/// Waits for the import to end; returns its exit code and its JSON report.
fn finish(child: Child, log: &Path) -> (i32, Value) {
    let out = child.wait_with_output().expect("the import ends");
    let code = out.status.code().unwrap_or(-1);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}), exit code {code}; stderr:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        )
    });
    (code, report)
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .expect("count")
}

/// The file: mostly fresh records; every 1,000th line has too few columns; some lines repeat
/// an earlier line's record (duplicates within the file). Returns it with the valid record ids,
/// the summed quantity of their first occurrences, and the lines that are malformed.
fn write_file(path: &Path, department: &str) -> (BTreeSet<String>, i64, BTreeSet<u64>) {
    let mut text = String::from(
        "recordId,departmentId,unitId,postId,taskId,region,occurredAt,quantity,timeTakenDays\n",
    );
    let mut rows: Vec<String> = Vec::with_capacity(LINES);
    let mut ids = BTreeSet::new();
    let mut quantity = 0;
    let mut malformed = BTreeSet::new();
    for i in 0..LINES {
        let line = i as u64 + 2;
        let row = if i % 1000 == 999 {
            malformed.insert(line);
            format!("bad-{i},{department},u1,p1")
        } else if i % 2000 == 1500 {
            rows[i - 1000].clone()
        } else {
            let day = chrono::NaiveDate::from_ymd_opt(2021, 1, 1).expect("date")
                + chrono::Days::new((i % 1400) as u64);
            let q = 1 + (i % 5) as i64;
            ids.insert(format!("k-{i:05}"));
            quantity += q;
            format!(
                "k-{i:05},{department},u1,p1,t1,371300000000,{day}T10:00:00+08:00,{q},{}",
                i % 15
            )
        };
        text.push_str(&row);
        text.push('\n');
        rows.push(row);
    }
    std::fs::write(path, text).expect("write the file");
    (ids, quantity, malformed)
}

async fn the_import_resumes_after_being_killed_halfway() {
    let (pool, url) = fresh_database("dl_import_kill").await;
    let app = TestApp::new(pool.clone());
    let d = department(&app, "70000201").await;
    let dir = std::env::temp_dir().join(format!("dl-import-kill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let file = dir.join("records.csv");
    let rejects = dir.join("rejects.csv");
    let progress = dir.join("records.csv.progress");
    let (ids, quantity, malformed) = write_file(&file, &d);
    let valid = ids.len() as i64;
    let records = "SELECT count(*) FROM events WHERE aggregate_type = 'performance_record'";

    // First run: killed once some batches are stored.
    let log1 = dir.join("run1.log");
    let mut child = start_import(&url, &file, &rejects, &log1, &["--rollup-wait-secs", "0"]);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if count(&pool, records).await >= KILL_AFTER {
            break;
        }
        if let Some(status) = child.try_wait().expect("poll the import") {
            panic!(
                "the import ended ({status}) before {KILL_AFTER} records were stored:\n{}",
                std::fs::read_to_string(&log1).unwrap_or_default()
            );
        }
        assert!(
            Instant::now() < deadline,
            "the import stored too little in 2 minutes"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        child.try_wait().expect("poll").is_none(),
        "the import finished before it could be killed; make the file larger"
    );
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let at_kill = count(&pool, records).await;
    eprintln!("import_records_kill: killed with {at_kill} of {valid} records stored");
    assert!(
        (KILL_AFTER..valid).contains(&at_kill),
        "killed halfway: {at_kill}"
    );
    assert!(progress.exists(), "the killed run left its progress file");

    // Second run: resumes and finishes. Exit code 2: the malformed lines were rejected.
    let log2 = dir.join("run2.log");
    let child = start_import(&url, &file, &rejects, &log2, &[]);
    let (code, report) = finish(child, &log2);
    assert_eq!(code, 2, "{report:#}");
    assert!(
        report["resumedAtLine"].as_u64().is_some(),
        "resumed from the progress file: {report:#}"
    );
    let total = &report["total"];
    assert_eq!(total["read"], LINES as u64, "{report:#}");
    assert_eq!(total["rejected"], malformed.len() as u64, "{report:#}");
    assert_eq!(
        total["stored"].as_i64().unwrap_or(0) + total["duplicates"].as_i64().unwrap_or(0),
        (LINES - malformed.len()) as i64,
        "{report:#}"
    );
    assert!(
        !progress.exists(),
        "the progress file is removed at the end"
    );

    // Every valid record id is stored exactly once, none is missing.
    assert_eq!(count(&pool, records).await, valid, "one event per record");
    assert_eq!(
        count(
            &pool,
            "SELECT count(DISTINCT aggregate_id) FROM events \
             WHERE aggregate_type = 'performance_record' AND event_type = 'WorkRecorded'"
        )
        .await,
        valid
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM events WHERE aggregate_type = 'performance_record' AND sequence <> 1"
        )
        .await,
        0,
        "no stream has a second event"
    );
    let streams: Vec<String> = sqlx::query_scalar(
        "SELECT aggregate_id FROM events WHERE aggregate_type = 'performance_record'",
    )
    .fetch_all(&pool)
    .await
    .expect("streams");
    let stored: BTreeSet<String> = streams
        .iter()
        .map(|s| s.rsplit('/').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        stored, ids,
        "the stored record ids are exactly the valid ones"
    );

    // The rejects file lists each malformed line once, across the kill.
    let mut lines: HashMap<u64, usize> = HashMap::new();
    for row in csv::Reader::from_path(&rejects)
        .expect("rejects file")
        .records()
    {
        let row = row.expect("row");
        *lines
            .entry(row[0].parse().expect("line number"))
            .or_default() += 1;
        assert_eq!(&row[2], "MALFORMED_LINE");
    }
    assert_eq!(
        lines.keys().copied().collect::<BTreeSet<_>>(),
        malformed,
        "every malformed line is in the rejects file"
    );
    assert!(lines.values().all(|n| *n == 1), "and only once: {lines:?}");

    // The rollups count every record once.
    assert_eq!(
        wait_for_rollups(&app, &d, valid, 60).await,
        (valid, quantity)
    );

    // Third run, checking every line again: nothing new.
    let log3 = dir.join("run3.log");
    let child = start_import(
        &url,
        &file,
        &rejects,
        &log3,
        &["--no-resume", "--rollup-wait-secs", "0"],
    );
    let (code, report) = finish(child, &log3);
    assert_eq!(code, 2);
    let run = &report["thisRun"];
    assert_eq!(run["read"], LINES as u64, "{report:#}");
    assert_eq!(run["stored"], 0, "{report:#}");
    assert_eq!(
        run["duplicates"],
        (LINES - malformed.len()) as u64,
        "{report:#}"
    );
    assert_eq!(count(&pool, records).await, valid);

    drop(app);
    drop_database(pool, &url).await;
    let _ = std::fs::remove_dir_all(&dir);
}
