//! Plans that must not depend on statistics. During a bulk load the statistics are older than
//! the data (autovacuum analyzes at most once a minute, a fresh database starts with "no
//! records"), and a plan built on "this stream type has no rows" scans every record stored so
//! far. Each test here makes exactly that situation: statistics taken when the log held only
//! structure events recorded a month ago, then thousands of records recorded now, and checks
//! the plans PostgreSQL makes for the real statements, custom and generic (prepared, then
//! explained with `EXPLAIN EXECUTE`, so that `plan_cache_mode` decides which).

use dutyledger_projections::performance::query::{
    DEPARTMENT_EVENTS_BY_RANGE, SAME_DAY_EVENTS, SAME_DAY_EVENTS_OF_DEPARTMENTS,
};
use dutyledger_projections::performance::ORIGINALS_QUERY;
use serde_json::Value;
use sqlx::{Connection, PgConnection, PgPool};

/// Structure events recorded a month ago, analyzed; then `records` performance records of
/// departments D1..D9, recorded now, that the statistics do not know.
async fn stale_statistics(pool: &PgPool, records: i64) {
    let mut conn = pool.acquire().await.expect("connection");
    // Statistics stay as taken below, whatever the server's autovacuum settings.
    sqlx::query("ALTER TABLE events SET (autovacuum_enabled = false)")
        .execute(&mut *conn)
        .await
        .expect("autovacuum off");
    // Explicit recording times for the old events (the stamping trigger would set now()).
    sqlx::query("ALTER TABLE events DISABLE TRIGGER events_stamp")
        .execute(&mut *conn)
        .await
        .expect("disable trigger");
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, \
                             payload, metadata, recorded_at, effective_at) \
         SELECT 'department', 'd' || (g % 36), g, 'TaskDefined', '1', '{}', \
                '{\"actor\": \"t\", \"request_id\": \"r\"}', \
                now() - interval '30 days' + g * interval '1 second', now() - interval '30 days' \
         FROM generate_series(1, 5000) g",
    )
    .execute(&mut *conn)
    .await
    .expect("insert structure events");
    sqlx::query("ALTER TABLE events ENABLE TRIGGER events_stamp")
        .execute(&mut *conn)
        .await
        .expect("enable trigger");
    sqlx::query("ANALYZE events")
        .execute(&mut *conn)
        .await
        .expect("analyze");
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, \
                             payload, metadata) \
         SELECT 'performance_record', 'D' || (g % 9 + 1) || '/rec-' || g, 1, 'WorkRecorded', '1', \
                jsonb_build_object('WorkRecorded', jsonb_build_object('record', \
                    jsonb_build_object('occurred_at', '2024-06-01T00:00:00Z'))), \
                '{\"actor\": \"t\", \"request_id\": \"r\"}' \
         FROM generate_series(1, $1) g",
    )
    .bind(records)
    .execute(&mut *conn)
    .await
    .expect("insert records");
}

/// Every node of a JSON plan as "type index condition".
fn collect(node: &Value, out: &mut Vec<String>) {
    out.push(format!(
        "{} {} {}",
        node["Node Type"].as_str().unwrap_or(""),
        node["Index Name"].as_str().unwrap_or(""),
        node["Index Cond"].as_str().unwrap_or("")
    ));
    if let Some(children) = node["Plans"].as_array() {
        for child in children {
            collect(child, out);
        }
    }
}

/// The custom and the generic plan of `sql` prepared with `types` and run with `args` (SQL
/// literals), each as its scans of `events` and the whole plan as text.
async fn plans(pool: &PgPool, sql: &str, types: &str, args: &str) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    for mode in ["force_custom_plan", "force_generic_plan"] {
        let mut conn = PgConnection::connect_with(&pool.connect_options())
            .await
            .expect("connection");
        sqlx::query(&format!("SET plan_cache_mode = {mode}"))
            .execute(&mut conn)
            .await
            .expect("plan cache mode");
        sqlx::raw_sql(&format!("PREPARE q({types}) AS {sql}"))
            .execute(&mut conn)
            .await
            .expect("prepare");
        let explained: Value =
            sqlx::query_scalar(&format!("EXPLAIN (FORMAT JSON) EXECUTE q({args})"))
                .fetch_one(&mut conn)
                .await
                .expect("explain");
        let mut nodes = Vec::new();
        collect(&explained[0]["Plan"], &mut nodes);
        let scans = nodes
            .into_iter()
            .filter(|n| n.contains("Scan") && !n.starts_with("Function Scan"))
            .filter(|n| !n.starts_with("Result"))
            .collect();
        out.push((scans, format!("{mode}: {explained}")));
    }
    out
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn the_duplicate_lookup_is_a_primary_key_lookup_per_id_whatever_the_statistics(pool: PgPool) {
    stale_statistics(&pool, 20_000).await;
    for (scans, text) in plans(
        &pool,
        ORIGINALS_QUERY,
        "text, text[]",
        "'performance_record', ARRAY['D1/rec-9', 'D2/rec-10', 'D1/rec-none']",
    )
    .await
    {
        assert!(!scans.is_empty(), "no scan of events: {text}");
        for scan in &scans {
            assert!(
                scan.starts_with("Index Scan events_pkey") && scan.contains("aggregate_id = u.id"),
                "the lookup must probe the primary key with each id, not scan the stream \
                 type: {scan}\n{text}"
            );
        }
    }

    // And it finds what it should.
    let found: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT aggregate_id FROM ({ORIGINALS_QUERY}) f ORDER BY 1"
    ))
    .bind("performance_record")
    .bind(["D1/rec-9", "D2/rec-10", "D1/rec-none"])
    .fetch_all(&pool)
    .await
    .expect("lookup");
    assert_eq!(found, ["D1/rec-9", "D2/rec-10"]);
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_same_day_known_at_reads_the_days_range_of_recording_times(pool: PgPool) {
    stale_statistics(&pool, 20_000).await;
    let args = "'performance_record', date_trunc('day', now()), now()";
    let with_departments = format!("{args}, ARRAY['D1', 'D2']");
    for (sql, types, args) in [
        (SAME_DAY_EVENTS, "text, timestamptz, timestamptz", args),
        (
            SAME_DAY_EVENTS_OF_DEPARTMENTS,
            "text, timestamptz, timestamptz, text[]",
            with_departments.as_str(),
        ),
    ] {
        for (scans, text) in plans(&pool, sql, types, args).await {
            assert!(!scans.is_empty(), "no scan of events: {text}");
            for scan in &scans {
                assert!(
                    scan.contains("events_recorded_at") && scan.contains("recorded_at >="),
                    "the same-day read must take the day's range of recorded_at, not every \
                     record of the type: {scan}\n{text}"
                );
            }
        }
    }
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn daily_figures_read_one_departments_range_of_stream_ids(pool: PgPool) {
    stale_statistics(&pool, 20_000).await;
    for (scans, text) in plans(
        &pool,
        DEPARTMENT_EVENTS_BY_RANGE,
        "text, text, timestamptz, timestamptz, timestamptz, text, text",
        "'performance_record', 'D3', '2024-05-31T16:00:00Z', '2024-06-30T16:00:00Z', NULL, \
         'D3/', 'D30'",
    )
    .await
    {
        assert!(!scans.is_empty(), "no scan of events: {text}");
        for scan in &scans {
            assert!(
                scan.contains("events_pkey") && scan.contains("aggregate_id >"),
                "daily figures must read the department's range of the primary key: \
                 {scan}\n{text}"
            );
        }
    }
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn no_partial_index_on_one_stream_type_tempts_the_planner(pool: PgPool) {
    // An index whose predicate names a stream type looks empty to stale statistics and gets
    // scanned whole (migration 0008 removed the one 0007 had).
    let partial: Vec<String> = sqlx::query_scalar(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'events' \
           AND indexdef ILIKE '%WHERE%aggregate_type%'",
    )
    .fetch_all(&pool)
    .await
    .expect("indexes");
    assert!(partial.is_empty(), "partial indexes on events: {partial:?}");
}
