//! `dutyledger import records`: CSV and NDJSON files store their records, malformed lines and
//! records that break a rule are rejected with their line numbers and codes, and running a
//! file again stores nothing new. (The kill test is `import_records_kill.rs`.)

use std::path::PathBuf;

use crate::records_fixture::{department, wait_for_rollups};
use dutyledger_api::import::records::{import, Counts, Format, ImportError, Options, Report};
use dutyledger_tests::TestApp;
use sqlx::PgPool;

/// A directory of this test's own (removed when dropped).
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "dl-import-records-{name}-{}-{}",
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

async fn stored_records(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_type = 'performance_record'")
        .fetch_one(pool)
        .await
        .expect("count records")
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
async fn a_csv_file_stores_its_records_and_reports_rejected_lines(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let d = department(&app, "70000101").await;
    let scratch = Scratch::new("csv");
    let csv = format!(
        "record_id,department_id,unit_id,post_id,task_id,region,occurred_at,quantity,time_taken_days,on_time,source,remark\n\
         c1,{d},u1,p1,t1,371300000000,2021-03-01T09:00:00+08:00,2,3,,DAILY_ENTRY,\n\
         c2,{d},u1,p1,t1,371300000000,2021-03-02T09:00:00+08:00,1,12,,inspection,超期\n\
         c3,{d},u1,p1,t1,371300000000\n\
         c4,{d},u1,p2,t1,371300000000,2021-03-03T09:00:00+08:00,1,,,,\n\
         \n\
         c5,{d},u1,p1,t1,371300000000,2021-03-04T09:00:00+08:00,0,,,,\n\
         c6,{d},u1,p1,t1,371300000000,2021-03-05T09:00:00+08:00,5,,否,,\"a remark\n\
         over two lines\"\n\
         c7,{d},u1,p1,t1,371300000000,2021-03-06T09:00:00+08:00,1,,,,\n"
    );
    let file = scratch.file("records.csv", &csv);
    let rejects = scratch.path("rejects.csv");
    let options = Options {
        rejects: Some(rejects.clone()),
        ..Options::default()
    };

    let report = import(&pool, &file, &options).await.expect("import runs");
    assert_eq!(report.format, Format::Csv);
    assert_eq!(report.this_run, counts(7, 4, 0, 3), "{report:#?}");
    assert_eq!(report.total, report.this_run);
    assert_eq!(
        codes(&report),
        [
            (4, "MALFORMED_LINE"),
            (5, "POST_NOT_HOLDING_TASK"),
            (7, "INVALID_QUANTITY")
        ]
    );
    assert_eq!(report.rejections[0].id.as_deref(), Some("c3"));
    assert!(
        report.rejections[0].reason.contains("6 columns"),
        "{:?}",
        report.rejections[0]
    );
    assert_eq!(stored_records(&pool).await, 4);
    assert!(
        !file.with_file_name("records.csv.progress").exists(),
        "the progress file is removed once the file is read to its end"
    );

    let mut out = Vec::new();
    report.write_rejections(&mut out).expect("write");
    let out = String::from_utf8(out).expect("utf-8");
    assert!(
        out.starts_with("line 4: MALFORMED_LINE: 6 columns where the header has 12\n"),
        "{out}"
    );
    assert!(out.contains("line 5: POST_NOT_HOLDING_TASK: post p2 did not hold task t1"));

    let mut rows = csv::Reader::from_path(&rejects).expect("rejects file");
    let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.expect("row")).collect();
    let firsts: Vec<(&str, &str, &str)> = rows.iter().map(|r| (&r[0], &r[1], &r[2])).collect();
    assert_eq!(
        firsts,
        [
            ("4", "c3", "MALFORMED_LINE"),
            ("5", "c4", "POST_NOT_HOLDING_TASK"),
            ("7", "c5", "INVALID_QUANTITY")
        ]
    );
    assert!(
        rows[2][4].starts_with("c5,"),
        "the line itself: {:?}",
        &rows[2][4]
    );

    // The day's on-time verdicts come from the task's limit: c1 (3 days) on time, c2 (12) late.
    let on_time: Vec<(String, Option<bool>)> = sqlx::query_as(
        "SELECT payload->'WorkRecorded'->'record'->>'record_id', \
                (payload->'WorkRecorded'->'record'->>'on_time')::boolean \
         FROM events WHERE aggregate_type = 'performance_record' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .expect("records");
    assert_eq!(
        on_time,
        [
            ("c1".to_owned(), Some(true)),
            ("c2".to_owned(), Some(false)),
            ("c6".to_owned(), Some(false)),
            ("c7".to_owned(), None)
        ]
    );

    // Running the same file again stores nothing new.
    let again = import(&pool, &file, &options).await.expect("re-run");
    assert_eq!(again.this_run, counts(7, 0, 4, 3), "{again:#?}");
    assert_eq!(again.resumed_at_line, None);
    assert_eq!(stored_records(&pool).await, 4);
    assert_eq!(
        csv::Reader::from_path(&rejects)
            .expect("rejects file")
            .records()
            .count(),
        3,
        "the rejects file is rewritten, not appended to"
    );
    assert_eq!(wait_for_rollups(&app, &d, 4, 10).await, (4, 9));
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn an_ndjson_file_stores_its_records_and_rejects_bad_lines_in_place(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let d = department(&app, "70000102").await;
    let scratch = Scratch::new("ndjson");
    let ndjson = format!(
        r#"{{"recordId": "n1", "departmentId": "{d}", "unitId": "u1", "postId": "p1", "taskId": "t1", "region": "371300000000", "level": "CITY", "occurredAt": "2022-05-01T10:00:00+08:00", "quantity": 3, "timeTakenDays": 2, "onTime": true, "source": "SYSTEM_INTEGRATION"}}
{{"recordId": "n2", "departmentId": "{d}", "unitId": "u1", "postId": "p1", "taskId": "t1", "region": "371300000000", "occurredAt": "2022-05-02T10:00:00+08:00", "quantity": "4", "timeTakenDays": "11", "onTime": "false"}}

{{"recordId": "n3", "departmentId": "{d}", "unitId": "u1", "postId": "p1", "taskId": "t1", "region": "371300000000", "occurredAt": "2022-05-03T10:00:00+08:00", "quantity": 1
{{"record_id": "n4", "department_id": "{d}", "unit_id": "u1", "post_id": "p1", "task_id": "t1", "region": "371300000000", "occurred_at": "2022-05-04T10:00:00+08:00", "quantity": 5, "on_time": null}}
{{"recordId": "n5", "departmentId": "{d}", "unitId": "u1", "postId": "p1", "taskId": "t1", "region": "371300000000", "occurredAt": "2022-05-05T10:00:00+08:00", "quantity": 1, "timeTakenDays": 20, "onTime": true}}
{{"recordId": "n6", "departmentId": "{d}", "unitId": "u1", "postId": "p1", "taskId": "t1", "region": "371300000000", "occurredAt": "2099-01-01T00:00:00Z", "quantity": 1}}
{{"recordId": "n1", "departmentId": "{d}", "unitId": "u1", "postId": "p1", "taskId": "t1", "region": "371300000000", "occurredAt": "2022-05-01T10:00:00+08:00", "quantity": 9}}
"#
    );
    let file = scratch.file("records.jsonl", &ndjson);

    let report = import(&pool, &file, &Options::default())
        .await
        .expect("import runs");
    assert_eq!(report.format, Format::Ndjson);
    assert_eq!(report.this_run, counts(7, 3, 1, 3), "{report:#?}");
    assert_eq!(
        codes(&report),
        [
            (4, "MALFORMED_LINE"),
            (6, "ON_TIME_CONTRADICTED"),
            (7, "OCCURRED_IN_FUTURE")
        ]
    );
    assert_eq!(stored_records(&pool).await, 3);
    assert_eq!(
        wait_for_rollups(&app, &d, 3, 10).await,
        (3, 12),
        "n1 counts once, with its first quantity"
    );

    // Another name, with --format: the same records, all stored before.
    let renamed = scratch.file("records.txt", &ndjson);
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
    assert_eq!(again.this_run, counts(7, 0, 4, 3), "{again:#?}");
    assert_eq!(stored_records(&pool).await, 3);
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_csv_header_without_the_required_columns_stops_the_import(pool: PgPool) {
    let scratch = Scratch::new("header");
    let file = scratch.file("records.csv", "recordId,departmentId,quantity\nr1,x,1\n");
    match import(&pool, &file, &Options::default()).await {
        Err(ImportError::Header(_, reason)) => {
            assert!(
                reason.contains("unitId, postId, taskId, region, occurredAt"),
                "{reason}"
            );
        }
        other => panic!("refused: {other:?}"),
    }
    assert_eq!(stored_records(&pool).await, 0);
}
