//! `dutyledger import cases`: CSV and NDJSON files of case events on the demo relief chart
//! store their events, malformed lines and events that break a rule are rejected with their
//! line numbers and codes, and running a file again stores nothing new.

use std::path::PathBuf;

use dutyledger_api::import::batch::{Counts, Format, ImportError, Options, Report};
use dutyledger_api::import::cases::import;
use dutyledger_api::seed;
use sqlx::PgPool;

use dutyledger_tests::TestApp;

/// A directory of this test's own (removed when dropped).
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "dl-import-cases-{name}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Self(dir)
    }

    fn file(&self, name: &str, content: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, content).expect("write file");
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn emergency() -> String {
    seed::EMERGENCY_MANAGEMENT
        .credit_code()
        .expect("code")
        .to_string()
}

async fn stored_events(pool: &PgPool) -> Vec<(String, i64, String)> {
    sqlx::query_as(
        "SELECT aggregate_id, sequence, event_type FROM events \
         WHERE aggregate_type = 'workflow_case' ORDER BY aggregate_id, sequence",
    )
    .fetch_all(pool)
    .await
    .expect("case events")
}

fn codes(report: &Report) -> Vec<(u64, &str)> {
    report.rejections.iter().map(|r| (r.line, r.code)).collect()
}

fn counts(read: u64, stored: u64, duplicates: u64, rejected: u64) -> Counts {
    Counts {
        read,
        stored,
        duplicates,
        rejected,
    }
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_csv_file_stores_its_case_events_and_reports_rejected_lines(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    seed::seed(&app.state).await.expect("seed");
    let d = emergency();
    let scratch = Scratch::new("csv");
    let csv = format!(
        "department_id,caseId,kind,at,taskId,version,region,applicant,step,postId,reason,outcome,remark\n\
         {d},i-1,OPENED,2025-09-29T09:00:00+08:00,emb-relief-t1,1,371302000000,PERSON,,,,,\n\
         {d},i-1,STEP_STARTED,2025-09-29T09:30:00+08:00,,,,,1,,,,\n\
         {d},i-1,STEP_COMPLETED,2025-09-30T09:50:00+08:00,,,,,1,emb-relief-p2,,,\n\
         {d},i-1,STEP_COMPLETED,2025-09-30T10:00:00+08:00,,,,,1,emb-relief-p1,,,\n\
         {d},i-1,STEP_STARTED,2025-09-30T11:00:00+08:00\n\
         \n\
         {d},i-1,CLOSED,2025-10-10T11:00:00+08:00,,,,,,,,APPROVED,\"a remark\n\
         over two lines\"\n\
         {d},i-2,STEP_STARTED,2025-10-02T09:30:00+08:00,,,,,1,,,,\n\
         {d},i-3,OPENED,2099-01-01T09:00:00+08:00,emb-relief-t1,1,371302000000,PERSON,,,,,\n\
         {d},i-4,REOPENED,2025-10-02T09:30:00+08:00,,,,,,,,,\n\
         {d},i-5,OPENED,2025-10-02T09:30:00+08:00,emb-relief-t1,1,110101000000,PERSON,,,,,\n"
    );
    let file = scratch.file("cases.csv", &csv);
    let rejects = scratch.path("rejects.csv");
    let options = Options {
        rejects: Some(rejects.clone()),
        batch_size: 3,
        ..Options::default()
    };

    let report = import(&pool, &file, &options).await.expect("import runs");
    assert_eq!(report.format, Format::Csv);
    assert_eq!(report.this_run, counts(10, 4, 0, 6), "{report:#?}");
    assert_eq!(
        codes(&report),
        [
            (4, "POST_NOT_HANDLING_STEP"),
            (6, "MALFORMED_LINE"),
            (10, "CASE_NOT_OPENED"),
            (11, "OCCURRED_IN_FUTURE"),
            (12, "INVALID_KIND"),
            (13, "REGION_OUTSIDE_JURISDICTION"),
        ]
    );
    assert_eq!(report.rejections[1].id.as_deref(), Some("i-1"));
    assert!(
        report.rejections[1].reason.contains("4 columns"),
        "{:?}",
        report.rejections[1]
    );
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["rejections"][2]["caseId"], "i-2", "{json:#}");
    assert_eq!(
        stored_events(&pool).await,
        [
            (format!("{d}/i-1"), 1, "CaseOpened".to_owned()),
            (format!("{d}/i-1"), 2, "CaseStepStarted".to_owned()),
            (format!("{d}/i-1"), 3, "CaseStepCompleted".to_owned()),
            (format!("{d}/i-1"), 4, "CaseClosed".to_owned()),
        ]
    );
    assert!(
        !file.with_file_name("cases.csv.progress").exists(),
        "the progress file is removed once the file is read to its end"
    );
    let mut out = Vec::new();
    report.write_rejections(&mut out).expect("write");
    let out = String::from_utf8(out).expect("utf-8");
    assert!(
        out.starts_with("line 4: POST_NOT_HANDLING_STEP: post emb-relief-p2 does not handle step"),
        "{out}"
    );
    assert!(report.summary().contains("10 case events, 4 stored"));

    let mut rows = csv::Reader::from_path(&rejects).expect("rejects file");
    assert_eq!(
        rows.headers().expect("header").iter().collect::<Vec<_>>(),
        ["line", "caseId", "code", "reason", "content"]
    );
    let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.expect("row")).collect();
    let firsts: Vec<(&str, &str, &str)> = rows.iter().map(|r| (&r[0], &r[1], &r[2])).collect();
    assert_eq!(
        firsts,
        [
            ("4", "i-1", "POST_NOT_HANDLING_STEP"),
            ("6", "i-1", "MALFORMED_LINE"),
            ("10", "i-2", "CASE_NOT_OPENED"),
            ("11", "i-3", "OCCURRED_IN_FUTURE"),
            ("12", "i-4", "INVALID_KIND"),
            ("13", "i-5", "REGION_OUTSIDE_JURISDICTION"),
        ]
    );

    // Running the same file again stores nothing new: every stored event is a duplicate.
    let again = import(&pool, &file, &options).await.expect("re-run");
    assert_eq!(again.this_run, counts(10, 0, 4, 6), "{again:#?}");
    assert_eq!(again.resumed_at_line, None);
    assert_eq!(stored_events(&pool).await.len(), 4);
    assert_eq!(
        csv::Reader::from_path(&rejects)
            .expect("rejects file")
            .records()
            .count(),
        6,
        "the rejects file is rewritten, not appended to"
    );
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn an_ndjson_file_stores_its_case_events_and_rejects_bad_lines_in_place(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    seed::seed(&app.state).await.expect("seed");
    let d = emergency();
    let scratch = Scratch::new("ndjson");
    let ndjson = format!(
        r#"{{"departmentId": "{d}", "caseId": "n-1", "kind": "OPENED", "at": "2025-11-03T09:00:00+08:00", "taskId": "emb-relief-t1", "version": 1, "region": "371302000000", "applicant": "ORGANIZATION"}}
{{"departmentId": "{d}", "caseId": "n-1", "kind": "STEP_STARTED", "at": "2025-11-03T10:00:00+08:00", "step": 1}}
{{"departmentId": "{d}", "caseId": "n-1", "kind": "SUSPENDED", "at": "2025-11-04T10:00:00+08:00", "reason": "等待补充材料"}}

{{"departmentId": "{d}", "caseId": "n-1", "kind": "STEP_COMPLETED", "at": "2025-11-05T10:00:00+08:00", "step": 1, "postId": "emb-relief-p1"}}
{{"department_id": "{d}", "case_id": "n-1", "kind": "resumed", "at": "2025-11-10T10:00:00+08:00"}}
{{"departmentId": "{d}", "caseId": "n-1", "kind": "STEP_COMPLETED", "at": "2025-11-11T10:00:00+08:00", "step": 1, "postId": "emb-relief-p1"
{{"departmentId": "{d}", "caseId": "n-1", "kind": "STEP_COMPLETED", "at": "2025-11-11T10:00:00+08:00", "step": 1, "postId": "emb-relief-p1"}}
{{"departmentId": "{d}", "caseId": "n-1", "kind": "EXTENDED", "at": "2025-11-12T10:00:00+08:00", "days": 5, "reason": "情况复杂"}}
{{"departmentId": "{d}", "caseId": "n-1", "kind": "STEP_STARTED", "at": "2025-11-10T12:00:00+08:00", "step": 2}}
{{"departmentId": "{d}", "caseId": "n-1", "kind": "STEP_STARTED", "at": "2025-11-12T12:00:00+08:00", "step": ["2"]}}
{{"departmentId": "{d}", "caseId": "n-1", "kind": "CLOSED", "at": "2025-11-13T10:00:00+08:00", "outcome": "WITHDRAWN"}}
{{"departmentId": "{d}", "caseId": "n-1", "kind": "CLOSED", "at": "2025-11-14T10:00:00+08:00", "outcome": "APPROVED"}}
"#
    );
    let file = scratch.file("cases.jsonl", &ndjson);

    let report = import(&pool, &file, &Options::default())
        .await
        .expect("import runs");
    assert_eq!(report.format, Format::Ndjson);
    assert_eq!(report.this_run, counts(12, 6, 0, 6), "{report:#?}");
    assert_eq!(
        codes(&report),
        [
            (5, "CASE_SUSPENDED"),
            (7, "MALFORMED_LINE"),
            (9, "BEYOND_STATUTORY_LIMIT"),
            (10, "OUT_OF_ORDER"),
            (11, "INVALID_STEP"),
            (13, "CASE_CLOSED"),
        ]
    );
    let types: Vec<String> = stored_events(&pool)
        .await
        .into_iter()
        .map(|(_, _, t)| t)
        .collect();
    assert_eq!(
        types,
        [
            "CaseOpened",
            "CaseStepStarted",
            "CaseSuspended",
            "CaseResumed",
            "CaseStepCompleted",
            "CaseClosed"
        ]
    );

    // Another name, with --format: the same events, all stored before.
    let renamed = scratch.file("cases.txt", &ndjson);
    let Err(ImportError::UnknownFormat(_)) = import(&pool, &renamed, &Options::default()).await
    else {
        panic!("a .txt file needs --format");
    };
    let again = import(
        &pool,
        &renamed,
        &Options {
            format: Some(Format::Ndjson),
            ..Options::default()
        },
    )
    .await
    .expect("import runs");
    assert_eq!(again.this_run, counts(12, 0, 6, 6), "{again:#?}");
    assert_eq!(stored_events(&pool).await.len(), 6);
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_csv_header_without_the_required_columns_stops_the_import(pool: PgPool) {
    let scratch = Scratch::new("header");
    let file = scratch.file("cases.csv", "caseId,kind,step\nc1,STEP_STARTED,1\n");
    match import(&pool, &file, &Options::default()).await {
        Err(ImportError::Header(_, reason)) => {
            assert!(reason.contains("departmentId, at"), "{reason}");
        }
        other => panic!("refused: {other:?}"),
    }
    assert!(stored_events(&pool).await.is_empty());
}

/// The progress file an interrupted run leaves after its last committed batch (ADR 0009): the
/// input's stamp, where the next line starts, the last stored event and the counts so far.
fn progress_file(file: &std::path::Path, next_byte: usize, next_line: u64, last: (&str, i64)) {
    use std::io::Read;
    let meta = std::fs::metadata(file).expect("metadata");
    let modified_ns = meta
        .modified()
        .expect("mtime")
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos() as u64;
    let mut head = Vec::new();
    std::fs::File::open(file)
        .expect("open")
        .take(1 << 16)
        .read_to_end(&mut head)
        .expect("read");
    let fnv = head.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    let progress = serde_json::json!({
        "input": {"size": meta.len(), "modifiedNs": modified_ns, "headFnv": format!("{fnv:016x}"), "format": "csv"},
        "next": {"byte": next_byte, "line": next_line},
        "lastStream": last.0,
        "lastSequence": last.1,
        "counts": {"read": 3, "stored": 3, "duplicates": 0, "rejected": 0},
        "rejects": null
    });
    let mut name = file.file_name().expect("name").to_os_string();
    name.push(".progress");
    std::fs::write(file.with_file_name(name), progress.to_string()).expect("progress file");
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_run_resumes_after_the_last_batch_an_interrupted_run_committed(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    seed::seed(&app.state).await.expect("seed");
    let d = emergency();
    let scratch = Scratch::new("resume");
    let header =
        "departmentId,caseId,kind,at,taskId,version,region,applicant,step,postId,outcome\n";
    let first = format!(
        "{d},k-1,OPENED,2025-11-03T09:00:00+08:00,emb-relief-t1,1,371302000000,PERSON,,,\n\
         {d},k-1,STEP_STARTED,2025-11-03T10:00:00+08:00,,,,,1,,\n\
         {d},k-1,STEP_COMPLETED,2025-11-04T10:00:00+08:00,,,,,1,emb-relief-p1,\n"
    );
    let rest = format!(
        "{d},k-1,STEP_STARTED,2025-11-04T11:00:00+08:00,,,,,2,,\n\
         {d},k-1,STEP_COMPLETED,2025-11-05T11:00:00+08:00,,,,,2,emb-relief-p1,\n\
         {d},k-1,CLOSED,2025-11-05T12:00:00+08:00,,,,,,,APPROVED\n"
    );
    // The interrupted run stored the first three events (one batch), then died.
    let part = scratch.file("part.csv", &format!("{header}{first}"));
    let done = import(&pool, &part, &Options::default())
        .await
        .expect("first batch");
    assert_eq!(done.this_run, counts(3, 3, 0, 0));
    let file = scratch.file("cases.csv", &format!("{header}{first}{rest}"));
    let stream = format!("{d}/k-1");
    progress_file(&file, header.len() + first.len(), 5, (&stream, 3));

    let resumed = import(&pool, &file, &Options::default())
        .await
        .expect("resumed run");
    assert_eq!(resumed.resumed_at_line, Some(5), "{resumed:#?}");
    assert_eq!(resumed.this_run, counts(3, 3, 0, 0));
    assert_eq!(resumed.total, counts(6, 6, 0, 0));
    assert_eq!(stored_events(&pool).await.len(), 6);
    assert!(!file.with_file_name("cases.csv.progress").exists());

    // A progress file vouching for an event this database does not hold is not trusted:
    // every line is checked again (and the stored ones come back as duplicates).
    progress_file(&file, header.len() + first.len(), 5, (&stream, 9));
    let checked = import(&pool, &file, &Options::default())
        .await
        .expect("full run");
    assert_eq!(checked.resumed_at_line, None, "{checked:#?}");
    assert_eq!(checked.this_run, counts(6, 0, 6, 0));
}
