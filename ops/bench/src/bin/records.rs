//! Benchmark: performance records (履职数据) at city scale, end to end.
//!
//! Builds the city's structure from a seed (36 departments, 4,409 tasks each held by a post,
//! about 5,000 posts, established in 2016; see `dutyledger_bench::city`) through the command
//! executor and the projector, then generates `--records` records of work done from 2021 to
//! 2025 in chronological order (a bulk replay), on the fly and reproducibly from the seed, with
//! 0.1% resubmitted record ids and 0.1% records whose post does not hold the task. It measures,
//! in the same run on the same database:
//!
//! 1. the baseline: PostgreSQL `COPY` of the same event rows the ingest stores into a plain table
//!    with postgres-es's layout (primary key only);
//! 2. end to end: `Ingestor::ingest` (the path of the `recordWorkBatch` mutation) from
//!    `--writers` concurrent tasks, while the projector with the production projections runs in
//!    the same process; the clock stops when every record is stored and the performance
//!    projection's checkpoint has passed the last one. This process plays the server: its peak
//!    RSS is reported, and where the time goes (sampled `pg_stat_activity` of its connections,
//!    CPU of its PostgreSQL backends and of itself);
//! 3. query latencies on the loaded rollups: a department's months of a year, the city-wide
//!    ranking of a year by on-time rate, and the department query as known at an earlier time.
//!
//! See ops/bench/README.md.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use clap::Parser;
use dutyledger_api::app::projections;
use dutyledger_bench::city::{self, Layout, PlanOptions, CITY, SECTOR};
use dutyledger_bench::dataset::{request_id, write_structure, Generator, Item, ACTOR};
use dutyledger_bench::{fresh_database, percentile_ms, Rng};
use dutyledger_domain::metadata::{self, CommandMetadata};
use dutyledger_domain::performance::{
    validate, DepartmentFacts, PerformanceEvent, RawRecord, StructureAt, TaskFacts,
};
use dutyledger_domain::values::{CreditCode, DepartmentLevel, DivisionCode, EntityId, Name};
use dutyledger_projections::performance::query::{
    performance, ranking, Dimension, Filter, Grain, Measure, Query,
};
use dutyledger_projections::performance::{Ingestor, RecordStatus};
use dutyledger_projections::projector::Projector;
use dutyledger_projections::Cursor;
use sqlx::{Connection, PgConnection, PgPool, Row};
use tokio::sync::mpsc;

#[derive(Debug, Parser)]
struct Args {
    /// Records to store (valid, distinct record ids); duplicates and invalid records come on top.
    #[arg(long, default_value_t = 10_000_000)]
    records: u64,
    /// Seed of the data set.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Records per batch (one transaction each; the mutation accepts at most 5,000).
    #[arg(long, default_value_t = 5_000)]
    batch: usize,
    /// Concurrent ingest tasks.
    #[arg(long, default_value_t = 2)]
    writers: usize,
    /// Rows of the COPY baseline (default: as many as the ingest stores; 0 skips it).
    #[arg(long)]
    copy_rows: Option<u64>,
    /// Timed runs of each query.
    #[arg(long, default_value_t = 1000)]
    queries: usize,
    /// Timed runs of the query as known within the load's own recording day (slow: it reads
    /// that day's records from the log).
    #[arg(long, default_value_t = 50)]
    known_runs: usize,
    /// Records stored before the instant used as `knownAt` within the load's recording day
    /// (about one day of a city's records).
    #[arg(long, default_value_t = 50_000)]
    known_after: u64,
    /// Amendments per department after the structure (none: the structure as established).
    #[arg(long, default_value_t = 0)]
    amendments: u32,
    /// City departments (36: the city of `asof`; the totals of tasks, duties and posts grow with
    /// the count, see `dutyledger_bench::city`).
    #[arg(long, default_value_t = city::DEPARTMENTS)]
    departments: usize,
    /// Apply autovacuum's default thresholds from the bench during the ingest (the test server
    /// runs with `autovacuum = off`); `--autovacuum false` leaves the tables without statistics.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    autovacuum: bool,
    /// Log the plans of statements slower than this (ms) in the server log, through
    /// `auto_explain` loaded for the bench database's sessions (0: off).
    #[arg(long, default_value_t = 1000)]
    explain_slow_ms: u64,
    /// The database's name suffix (default: the number of records, and `_<n>d` for another
    /// number of departments than 36).
    #[arg(long)]
    name: Option<String>,
}

/// The structure as the generator built it, for checking records the way the ingest does.
struct LayoutStructure<'a> {
    layout: &'a Layout,
    index: HashMap<CreditCode, usize>,
    facts: DepartmentFacts,
    established: DateTime<Utc>,
}

impl<'a> LayoutStructure<'a> {
    fn new(layout: &'a Layout) -> anyhow::Result<Self> {
        Ok(Self {
            layout,
            index: layout
                .departments
                .iter()
                .enumerate()
                .map(|(i, d)| (d.code.clone(), i))
                .collect(),
            facts: DepartmentFacts {
                division: DivisionCode::parse(CITY)?,
                level: DepartmentLevel::City,
                sector: Name::parse(SECTOR)?,
            },
            established: city::ymd(2016, 1, 2),
        })
    }

    fn department_layout(
        &self,
        department: &CreditCode,
        at: DateTime<Utc>,
    ) -> Option<&'a city::DepartmentLayout> {
        if at < self.established {
            return None;
        }
        self.index
            .get(department)
            .map(|&i| &self.layout.departments[i])
    }
}

impl StructureAt for LayoutStructure<'_> {
    fn department(&self, department: &CreditCode, at: DateTime<Utc>) -> Option<DepartmentFacts> {
        self.department_layout(department, at)
            .map(|_| self.facts.clone())
    }

    fn task(
        &self,
        department: &CreditCode,
        task: &EntityId,
        at: DateTime<Utc>,
    ) -> Option<TaskFacts> {
        let (unit, limit) = self.department_layout(department, at)?.tasks.get(task)?;
        Some(TaskFacts {
            unit_id: unit.clone(),
            time_limit: *limit,
        })
    }

    fn post_unit(
        &self,
        department: &CreditCode,
        post: &EntityId,
        at: DateTime<Utc>,
    ) -> Option<EntityId> {
        self.department_layout(department, at)?
            .posts
            .get(post)
            .cloned()
    }

    fn holds(
        &self,
        department: &CreditCode,
        post: &EntityId,
        task: &EntityId,
        at: DateTime<Utc>,
    ) -> bool {
        self.department_layout(department, at)
            .is_some_and(|d| d.holds(post, task))
    }
}

/// Appends one field in COPY's text format.
fn copy_field(out: &mut Vec<u8>, field: &str) {
    for &b in field.as_bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

/// The event row the ingest stores for a valid record, in COPY text format (the same stream,
/// payload and metadata; the database adds the rest).
fn copy_row(
    out: &mut Vec<u8>,
    raw: &RawRecord,
    structure: &LayoutStructure<'_>,
    now: DateTime<Utc>,
    request_id: &str,
) -> anyhow::Result<()> {
    let input = raw
        .parse()
        .map_err(|e| anyhow::anyhow!("generated record does not parse: {e}"))?;
    let record = validate(input, structure, now)
        .map_err(|e| anyhow::anyhow!("generated record is not valid: {e}"))?;
    let mut meta = CommandMetadata::new(ACTOR, request_id).to_map();
    meta.insert(
        metadata::EFFECTIVE_AT.to_owned(),
        record
            .occurred_at
            .to_rfc3339_opts(SecondsFormat::Micros, true),
    );
    let stream = record.stream_id();
    let event = PerformanceEvent::WorkRecorded { record };
    copy_field(out, "performance_record");
    out.push(b'\t');
    copy_field(out, &stream);
    out.extend_from_slice(b"\t1\tWorkRecorded\t1\t");
    copy_field(out, &serde_json::to_string(&event)?);
    out.push(b'\t');
    copy_field(out, &serde_json::to_string(&meta)?);
    out.push(b'\n');
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Measuring the process and its backends

fn proc_status(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Resident memory now, in kB.
fn rss_kb() -> u64 {
    proc_status("VmRSS:").unwrap_or(0)
}

/// Peak resident memory since the last reset, in kB.
fn hwm_kb() -> u64 {
    proc_status("VmHWM:").unwrap_or(0)
}

/// Resets the peak (VmHWM) to the current RSS.
fn reset_hwm() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// CPU time (user + system) of a process, in clock ticks.
fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Busy and total ticks of the whole machine.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().next() else {
        return (0, 0);
    };
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// What a backend was doing, as `pg_stat_activity` shows it.
fn classify(query: &str) -> &'static str {
    let q = query.trim_start();
    if q.starts_with("INSERT INTO events") {
        "INSERT events (UNNEST ... ON CONFLICT DO NOTHING RETURNING)"
    } else if q.starts_with("INSERT INTO event_departments") {
        "INSERT event_departments (UNNEST)"
    } else if q.starts_with("SELECT aggregate_id, transaction_id")
        || q.starts_with("SELECT e.aggregate_id, e.transaction_id")
    {
        "SELECT originals of duplicates"
    } else if q.starts_with("SELECT now()") {
        "SELECT now()"
    } else if q.starts_with("SELECT COALESCE((SELECT events_applied") {
        "SELECT duty list checkpoint (structure cache)"
    } else if q.starts_with("SELECT department_id, kind") {
        "SELECT structure (cache load)"
    } else if q.starts_with("INSERT INTO performance_rollups") {
        "INSERT rollups (UNNEST ... ON CONFLICT DO UPDATE)"
    } else if q.starts_with("SELECT transaction_id::text AS txid, position, event_id") {
        "SELECT events of the projection's streams"
    } else if q.starts_with("SELECT transaction_id::text AS txid, position FROM events") {
        "SELECT head of the log"
    } else if q.starts_with("SELECT EXISTS") {
        "SELECT held back?"
    } else if q.contains("projector_checkpoints") {
        "checkpoint (read, lock, update)"
    } else if q.starts_with("SELECT pg_notify") {
        "SELECT pg_notify"
    } else if q.eq_ignore_ascii_case("COMMIT") {
        "COMMIT"
    } else if q.eq_ignore_ascii_case("BEGIN") {
        "BEGIN"
    } else if q.starts_with("COPY") {
        "COPY"
    } else if q.starts_with("LISTEN") {
        "LISTEN"
    } else if q.starts_with("VACUUM") {
        "VACUUM"
    } else if q.starts_with("ANALYZE") {
        "ANALYZE"
    } else {
        "other"
    }
}

#[derive(Debug, Default, Clone)]
struct Profile {
    /// Samples per (role, what).
    samples: BTreeMap<(String, String), u64>,
    /// Sampling rounds.
    rounds: u64,
    /// Backend pid -> (role, last CPU ticks seen).
    cpu: HashMap<i32, (String, u64)>,
    /// Backends with a known role (pid -> role).
    named: HashMap<i32, String>,
}

/// Samples what this database's backends do, every `every`, until `stop`.
async fn sample(url: String, every: Duration, stop: Arc<AtomicBool>, profile: Arc<Mutex<Profile>>) {
    let Ok(mut conn) = PgConnection::connect(&url).await else {
        eprintln!("sampler: cannot connect");
        return;
    };
    let mut round = 0u64;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        let rows = sqlx::query(
            "SELECT a.pid, coalesce(a.state, '') AS state, \
                    coalesce(a.wait_event_type, '') AS wtype, coalesce(a.wait_event, '') AS wevent, \
                    left(coalesce(a.query, ''), 80) AS query, \
                    EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory' \
                            AND l.granted) AS projector \
             FROM pg_stat_activity a \
             WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() \
               AND a.backend_type = 'client backend'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap_or_default();
        let read_cpu = round % 10 == 1;
        let mut seen = Vec::with_capacity(rows.len());
        for row in &rows {
            let pid: i32 = row.try_get("pid").unwrap_or(0);
            let state: String = row.try_get("state").unwrap_or_default();
            let wtype: String = row.try_get("wtype").unwrap_or_default();
            let wevent: String = row.try_get("wevent").unwrap_or_default();
            let query: String = row.try_get("query").unwrap_or_default();
            let projector: bool = row.try_get("projector").unwrap_or(false);
            let what = classify(&query);
            let named = profile.lock().ok().and_then(|p| p.named.get(&pid).cloned());
            let role: String = match named {
                Some(n) => n,
                None if projector => "projector".to_owned(),
                None if what == "LISTEN" => "listener".to_owned(),
                None => "writers".to_owned(),
            };
            let activity = match state.as_str() {
                "active" if wtype.is_empty() => format!("{what}: running (CPU)"),
                "active" => format!("{what}: waiting {wtype}:{wevent}"),
                "idle in transaction" => format!("in transaction, client working (after {what})"),
                _ => String::new(), // idle: between transactions (not counted)
            };
            if read_cpu {
                if let Some(ticks) = cpu_ticks(&pid.to_string()) {
                    if let Ok(mut p) = profile.lock() {
                        p.cpu.insert(pid, (role.clone(), ticks));
                    }
                }
            }
            if !activity.is_empty() {
                seen.push((role, activity));
            }
        }
        if let Ok(mut p) = profile.lock() {
            p.rounds += 1;
            for (role, activity) in seen {
                *p.samples.entry((role, activity)).or_default() += 1;
            }
        }
        tokio::time::sleep(every).await;
    }
}

/// The role the autovacuum stand-in's backend is reported under.
const STAND_IN: &str = "autovacuum stand-in";

/// Autovacuum's default rules (analyze when more than 50 + 10% of the rows changed since the
/// last analyze; vacuum when more than 50 + 20% are dead or 1,000 + 20% were inserted since the
/// last vacuum), checked every 60 s for the event log and the rollups, and run from this
/// connection with autovacuum's cost delay: the test server runs with `autovacuum = off`, and
/// without statistics the planner reads the log very differently from a normal server.
async fn autovacuum_stand_in(
    url: String,
    stop: Arc<AtomicBool>,
    profile: Arc<Mutex<Profile>>,
    pid: Arc<AtomicU64>,
    log: Arc<Mutex<Vec<String>>>,
    started: Instant,
) {
    let Ok(mut conn) = PgConnection::connect(&url).await else {
        eprintln!("autovacuum stand-in: cannot connect");
        return;
    };
    if let Ok(p) = sqlx::query_scalar::<_, i32>("SELECT pg_backend_pid()")
        .fetch_one(&mut conn)
        .await
    {
        pid.store(p as u64, Ordering::Relaxed);
        if let Ok(mut profile) = profile.lock() {
            profile.named.insert(p, STAND_IN.to_owned());
        }
    }
    for setting in [
        "SET vacuum_cost_delay = '2ms'",
        "SET vacuum_cost_limit = 200",
    ] {
        let _ = sqlx::query(setting).execute(&mut conn).await;
    }
    while !stop.load(Ordering::Relaxed) {
        let rows = sqlx::query(
            "SELECT s.relname::text AS rel, s.n_mod_since_analyze::float8 AS modified,                     s.n_dead_tup::float8 AS dead, s.n_ins_since_vacuum::float8 AS inserted,                     greatest(c.reltuples, 0)::float8 AS tuples              FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid              WHERE s.relname IN ('events', 'performance_rollups')",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap_or_default();
        for row in rows {
            let get = |k: &str| row.try_get::<f64, _>(k).unwrap_or(0.0);
            let rel: String = row.try_get("rel").unwrap_or_default();
            let tuples = get("tuples");
            let vacuum =
                get("dead") > 50.0 + 0.2 * tuples || get("inserted") > 1000.0 + 0.2 * tuples;
            let analyze = get("modified") > 50.0 + 0.1 * tuples;
            let command = match (vacuum, analyze) {
                (true, true) => "VACUUM (ANALYZE)",
                (true, false) => "VACUUM",
                (false, true) => "ANALYZE",
                (false, false) => continue,
            };
            let at = started.elapsed().as_secs_f64();
            let t0 = Instant::now();
            let result = sqlx::query(&format!("{command} {rel}"))
                .execute(&mut conn)
                .await;
            let line = format!(
                "{command} {rel} at {at:.0} s, {:.1} s{}",
                t0.elapsed().as_secs_f64(),
                if result.is_err() { " (cancelled)" } else { "" }
            );
            eprintln!("autovacuum stand-in: {line}");
            if let Ok(mut log) = log.lock() {
                log.push(line);
            }
            if stop.load(Ordering::Relaxed) {
                return;
            }
        }
        for _ in 0..600 {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// CPU of the machine, this process and this database's backends at one instant.
#[derive(Debug, Clone, Default)]
struct CpuMark {
    machine_busy: u64,
    machine_total: u64,
    own: u64,
    backends: HashMap<i32, (String, u64)>,
}

fn cpu_mark(profile: &Mutex<Profile>) -> CpuMark {
    let (machine_busy, machine_total) = machine_ticks();
    CpuMark {
        machine_busy,
        machine_total,
        own: cpu_ticks("self").unwrap_or(0),
        backends: profile.lock().map(|p| p.cpu.clone()).unwrap_or_default(),
    }
}

/// CPU seconds between two marks: machine busy, machine capacity, this process, backends by
/// role.
fn cpu_between(a: &CpuMark, b: &CpuMark, hz: f64) -> (f64, f64, f64, BTreeMap<String, f64>) {
    let mut roles: BTreeMap<String, f64> = BTreeMap::new();
    for (pid, (role, ticks)) in &b.backends {
        let before = a.backends.get(pid).map_or(0, |x| x.1);
        *roles.entry(role.clone()).or_default() += ticks.saturating_sub(before) as f64 / hz;
    }
    (
        b.machine_busy.saturating_sub(a.machine_busy) as f64 / hz,
        b.machine_total.saturating_sub(a.machine_total) as f64 / hz,
        b.own.saturating_sub(a.own) as f64 / hz,
        roles,
    )
}

async fn wal_lsn(pool: &PgPool) -> anyhow::Result<String> {
    Ok(sqlx::query_scalar("SELECT pg_current_wal_lsn()::text")
        .fetch_one(pool)
        .await?)
}

async fn wal_bytes(pool: &PgPool, from: &str, to: &str) -> anyhow::Result<f64> {
    let d: f64 = sqlx::query_scalar("SELECT pg_wal_lsn_diff($2::pg_lsn, $1::pg_lsn)::float8")
        .bind(from)
        .bind(to)
        .fetch_one(pool)
        .await?;
    Ok(d)
}

async fn checkpoints(pool: &PgPool) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter")
            .fetch_one(pool)
            .await?,
    )
}

/// The performance projection's checkpoint and how many events it has applied.
async fn performance_checkpoint(pool: &PgPool) -> anyhow::Result<(Cursor, i64)> {
    let row = sqlx::query(
        "SELECT last_transaction_id::text AS txid, last_position, events_applied \
         FROM projector_checkpoints WHERE projection = 'performance'",
    )
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some(row) => {
            let txid: String = row.try_get("txid")?;
            (
                Cursor::new(txid.parse()?, row.try_get("last_position")?),
                row.try_get("events_applied")?,
            )
        }
        None => (Cursor::START, 0),
    })
}

fn gb(bytes: i64) -> String {
    format!("{:.2} GB", bytes as f64 / 1e9)
}

fn rate(n: f64, secs: f64) -> f64 {
    n / secs.max(1e-9)
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// (seconds, stored, projected, RSS kB).
type Progress = (f64, u64, i64, u64);

#[derive(Debug, Default)]
struct Tally {
    stored: u64,
    duplicates: u64,
    rejected: u64,
    codes: BTreeMap<&'static str, u64>,
    last: Option<Cursor>,
    batch_latency: Vec<Duration>,
    parse_secs: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let hz = clock_ticks_per_second();
    let name = format!(
        "dutyledger_bench_records_{}",
        args.name.clone().unwrap_or_else(|| {
            if args.departments == city::DEPARTMENTS {
                args.records.to_string()
            } else {
                format!("{}_{}d", args.records, args.departments)
            }
        })
    );
    let (pool, url) = fresh_database(&name).await?;
    let pool = if args.explain_slow_ms > 0 {
        for setting in [
            "session_preload_libraries = 'auto_explain'".to_owned(),
            format!("auto_explain.log_min_duration = {}", args.explain_slow_ms),
        ] {
            sqlx::query(&format!("ALTER DATABASE {name} SET {setting}"))
                .execute(&pool)
                .await?;
        }
        pool.close().await;
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(16)
            .connect(&url)
            .await?
    } else {
        pool
    };
    let started_all = Instant::now();
    let server: String = sqlx::query_scalar(
        "SELECT format('PostgreSQL %s; shared_buffers %s, work_mem %s, max_wal_size %s, autovacuum %s', \
                current_setting('server_version'), current_setting('shared_buffers'), \
                current_setting('work_mem'), current_setting('max_wal_size'), \
                current_setting('autovacuum'))",
    )
    .fetch_one(&pool)
    .await?;

    // 1. The structure, through the command executor and the projector.
    let plans = city::plans_for(
        args.departments,
        PlanOptions {
            amendments: args.amendments,
            time_limits: true,
        },
        args.seed,
    )?;
    let layout = Layout::of(&plans);
    let commands: usize = plans.iter().map(|p| p.commands.len()).sum();
    eprintln!(
        "structure: {commands} commands for {} departments...",
        plans.len()
    );
    let t0 = Instant::now();
    let structure_events = write_structure(&pool, &plans, 6).await?;
    let structure_secs = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    Projector::new(pool.clone(), projections())
        .catch_up_through_head(std::time::Duration::from_secs(3600))
        .await?;
    let structure_project_secs = t0.elapsed().as_secs_f64();
    let tasks: usize = layout.departments.iter().map(|d| d.tasks.len()).sum();
    let posts: usize = layout.departments.iter().map(|d| d.posts.len()).sum();
    let assignments: usize = layout.departments.iter().map(|d| d.assignments.len()).sum();
    let limited: usize = layout
        .departments
        .iter()
        .map(|d| d.tasks.values().filter(|t| t.1.is_some()).count())
        .sum();
    eprintln!(
        "structure: {structure_events} events in {structure_secs:.1} s, projected in {structure_project_secs:.1} s"
    );

    let generator = Arc::new(Generator::new(args.seed, args.records, layout)?);
    let townships: usize = generator.counties.iter().map(|c| c.1.len()).sum();
    let (mut n_valid, mut n_dup, mut n_invalid) = (0u64, 0u64, 0u64);
    for item in generator.batches(args.batch).flat_map(|b| b.1) {
        match item {
            Item::Valid(_) => n_valid += 1,
            Item::Duplicate(_) => n_dup += 1,
            Item::Invalid(_) => n_invalid += 1,
        }
    }
    let submitted = n_valid + n_dup + n_invalid;

    // 2. The generator alone (one thread), so its cost can be told apart.
    let sample_n = args.records.min(200_000);
    let structure = LayoutStructure::new(&generator.layout)?;
    let now = Utc::now();
    let t0 = Instant::now();
    let mut sink = 0usize;
    for v in 0..sample_n {
        sink += generator
            .raw(Item::Valid(v))
            .record_id
            .map_or(0, |s| s.len());
    }
    let gen_raw_rate = rate(sample_n as f64, t0.elapsed().as_secs_f64());
    let t0 = Instant::now();
    let mut buf = Vec::with_capacity(1 << 20);
    for v in 0..sample_n {
        copy_row(
            &mut buf,
            &generator.raw(Item::Valid(v)),
            &structure,
            now,
            "records-0",
        )?;
        if buf.len() > 1 << 20 {
            sink += buf.len();
            buf.clear();
        }
    }
    let gen_copy_rate = rate(sample_n as f64, t0.elapsed().as_secs_f64());
    std::hint::black_box(sink);
    eprintln!(
        "generator alone: {gen_raw_rate:.0} raw records/s, {gen_copy_rate:.0} COPY rows/s (incl. parse, validate, serialise)"
    );

    let profile = Arc::new(Mutex::new(Profile::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn(sample(
        url.clone(),
        Duration::from_millis(50),
        stop.clone(),
        profile.clone(),
    ));

    // 3. Baseline: COPY of the same event rows into a plain table.
    let copy_rows = args.copy_rows.unwrap_or(n_valid).min(n_valid);
    let mut copy_result = None;
    if copy_rows > 0 {
        sqlx::query(
            "CREATE TABLE bench_copy (aggregate_type text NOT NULL, aggregate_id text NOT NULL, \
             sequence bigint NOT NULL, event_type text NOT NULL, event_version text NOT NULL, \
             payload jsonb NOT NULL, metadata jsonb NOT NULL, \
             PRIMARY KEY (aggregate_type, aggregate_id, sequence))",
        )
        .execute(&pool)
        .await?;
        sqlx::query("CHECKPOINT").execute(&pool).await?;
        let (tx, mut rx) = mpsc::channel::<Vec<u8>>(8);
        let g = generator.clone();
        let producer = std::thread::spawn(move || -> anyhow::Result<()> {
            let structure = LayoutStructure::new(&g.layout)?;
            let now = Utc::now();
            let mut left = copy_rows;
            for (index, items) in g.batches(args.batch) {
                let request = request_id(index);
                let mut out = Vec::with_capacity(items.len() * 700);
                for item in items {
                    if let Item::Valid(v) = item {
                        if left == 0 {
                            break;
                        }
                        copy_row(&mut out, &g.raw(Item::Valid(v)), &structure, now, &request)?;
                        left -= 1;
                    }
                }
                if tx.blocking_send(out).is_err() || left == 0 {
                    break;
                }
            }
            Ok(())
        });
        let lsn0 = wal_lsn(&pool).await?;
        let cp0 = checkpoints(&pool).await?;
        let mark0 = cpu_mark(&profile);
        eprintln!("COPY baseline: {copy_rows} rows...");
        let t0 = Instant::now();
        let mut conn = pool.acquire().await?;
        let mut copy = conn
            .copy_in_raw(
                "COPY bench_copy (aggregate_type, aggregate_id, sequence, event_type, \
                 event_version, payload, metadata) FROM STDIN",
            )
            .await?;
        while let Some(chunk) = rx.recv().await {
            copy.send(chunk).await?;
        }
        let copied = copy.finish().await?;
        let copy_secs = t0.elapsed().as_secs_f64();
        drop(conn);
        producer
            .join()
            .map_err(|_| anyhow::anyhow!("COPY producer panicked"))??;
        tokio::time::sleep(Duration::from_millis(600)).await; // a CPU sample after the end
        let mark1 = cpu_mark(&profile);
        let lsn1 = wal_lsn(&pool).await?;
        let wal = wal_bytes(&pool, &lsn0, &lsn1).await?;
        let cps = checkpoints(&pool).await? - cp0;
        let size: i64 = sqlx::query_scalar("SELECT pg_total_relation_size('bench_copy')")
            .fetch_one(&pool)
            .await?;
        let cpu = cpu_between(&mark0, &mark1, hz);
        eprintln!(
            "COPY: {copied} rows in {copy_secs:.1} s = {:.0} rows/s",
            rate(copied as f64, copy_secs)
        );
        // Free the disk and the cache before the ingest.
        sqlx::query("DROP TABLE bench_copy").execute(&pool).await?;
        sqlx::query("CHECKPOINT").execute(&pool).await?;
        copy_result = Some((copied, copy_secs, wal, cps, size, cpu));
    }
    if let Ok(mut p) = profile.lock() {
        p.samples.clear();
        p.rounds = 0;
    }

    // 4. End to end: ingest with concurrent writers while the projector runs.
    let stand_in_pid = Arc::new(AtomicU64::new(0));
    let stand_in_log: Arc<Mutex<Vec<String>>> = Arc::default();
    let stand_in = args.autovacuum.then(|| {
        tokio::spawn(autovacuum_stand_in(
            url.clone(),
            stop.clone(),
            profile.clone(),
            stand_in_pid.clone(),
            stand_in_log.clone(),
            Instant::now(),
        ))
    });
    let projector = tokio::spawn(Projector::new(pool.clone(), projections()).run());
    let ingestor = Ingestor::new(pool.clone());
    let (tx, rx) = mpsc::channel::<(u64, Vec<RawRecord>)>(args.writers * 2);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let g = generator.clone();
    let batch_size = args.batch;
    let producer = std::thread::spawn(move || {
        for (index, items) in g.batches(batch_size) {
            let raws: Vec<RawRecord> = items.into_iter().map(|i| g.raw(i)).collect();
            if tx.blocking_send((index, raws)).is_err() {
                break;
            }
        }
    });
    let stored_so_far = Arc::new(AtomicU64::new(0));
    let known_mark: Arc<Mutex<Option<DateTime<Utc>>>> = Arc::default();
    let lsn0 = wal_lsn(&pool).await?;
    let cp0 = checkpoints(&pool).await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let mark0 = cpu_mark(&profile);
    let rss_before = rss_kb();
    let hwm_reset = reset_hwm();
    let peak_rss = Arc::new(AtomicU64::new(rss_kb()));
    let t_start = Instant::now();
    let load_started_at = Utc::now();
    // Progress and memory.
    let timeline: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let monitor = {
        let pool = pool.clone();
        let stored = stored_so_far.clone();
        let peak = peak_rss.clone();
        let timeline = timeline.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut tick = 0u64;
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let rss = rss_kb();
                peak.fetch_max(rss, Ordering::Relaxed);
                tick += 1;
                if tick.is_multiple_of(25) {
                    let projected = performance_checkpoint(&pool).await.map_or(0, |c| c.1);
                    let s = stored.load(Ordering::Relaxed);
                    let t = t_start.elapsed().as_secs_f64();
                    if tick.is_multiple_of(150) {
                        eprintln!(
                            "{t:>7.0} s: stored {s}, projected {projected}, RSS {} MB",
                            rss / 1024
                        );
                    }
                    if let Ok(mut tl) = timeline.lock() {
                        tl.push((t, s, projected, rss));
                    }
                }
            }
        })
    };
    let mut writers = Vec::new();
    for _ in 0..args.writers.max(1) {
        let rx = rx.clone();
        let ingestor = ingestor.clone();
        let stored = stored_so_far.clone();
        let known_mark = known_mark.clone();
        let known_after = args.known_after;
        writers.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            loop {
                let next = rx.lock().await.recv().await;
                let Some((index, raws)) = next else { break };
                let t0 = Instant::now();
                let batch: Vec<_> = raws
                    .iter()
                    .map(|r| (r.record_id.clone(), r.parse()))
                    .collect();
                tally.parse_secs += t0.elapsed().as_secs_f64();
                let meta = CommandMetadata::new(ACTOR, request_id(index));
                let out = ingestor.ingest(batch, &meta).await?;
                tally.batch_latency.push(t0.elapsed());
                tally.stored += out.stored as u64;
                tally.duplicates += out.duplicates as u64;
                tally.rejected += out.rejected as u64;
                for o in &out.outcomes {
                    if o.status == RecordStatus::Rejected {
                        if let Some(r) = &o.rejection {
                            *tally.codes.entry(r.code()).or_default() += 1;
                        }
                    }
                }
                if let Some(c) = out.cursor {
                    tally.last = Some(tally.last.map_or(c, |l: Cursor| l.max(c)));
                }
                let before = stored.fetch_add(out.stored as u64, Ordering::Relaxed);
                if before < known_after && before + out.stored as u64 >= known_after {
                    let at = out.outcomes.iter().filter_map(|o| o.recorded_at).max();
                    if let Ok(mut m) = known_mark.lock() {
                        *m = at;
                    }
                }
            }
            anyhow::Ok(tally)
        }));
    }
    let mut tally = Tally::default();
    for w in writers {
        let t = w.await??;
        tally.stored += t.stored;
        tally.duplicates += t.duplicates;
        tally.rejected += t.rejected;
        for (k, v) in t.codes {
            *tally.codes.entry(k).or_default() += v;
        }
        tally.last = match (tally.last, t.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        tally.batch_latency.extend(t.batch_latency);
        tally.parse_secs += t.parse_secs;
    }
    let ingest_secs = t_start.elapsed().as_secs_f64();
    producer
        .join()
        .map_err(|_| anyhow::anyhow!("record producer panicked"))?;
    let (_, applied_at_end) = performance_checkpoint(&pool).await?;
    let lag_events = tally.stored as i64 - applied_at_end;
    eprintln!(
        "ingest: {} stored in {ingest_secs:.1} s; projection {lag_events} events behind; waiting...",
        tally.stored
    );
    let last = tally.last.unwrap_or(Cursor::START);
    loop {
        let (checkpoint, _) = performance_checkpoint(&pool).await?;
        if checkpoint >= last {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let e2e_secs = t_start.elapsed().as_secs_f64();
    let catch_up_secs = e2e_secs - ingest_secs;
    let hwm = hwm_kb();
    tokio::time::sleep(Duration::from_millis(600)).await; // a CPU sample after the end
    let mark1 = cpu_mark(&profile);
    let lsn1 = wal_lsn(&pool).await?;
    let e2e_wal = wal_bytes(&pool, &lsn0, &lsn1).await?;
    let e2e_checkpoints = checkpoints(&pool).await? - cp0;
    let e2e_cpu = cpu_between(&mark0, &mark1, hz);
    stop.store(true, Ordering::Relaxed);
    projector.abort();
    let pid = stand_in_pid.load(Ordering::Relaxed);
    if pid > 0 {
        sqlx::query("SELECT pg_cancel_backend($1)")
            .bind(pid as i32)
            .execute(&pool)
            .await?;
    }
    if let Some(s) = stand_in {
        let _ = s.await;
    }
    let _ = monitor.await;
    let _ = sampler.await;
    let peak_sampled = peak_rss.load(Ordering::Relaxed);
    let final_profile = profile.lock().map(|p| p.clone()).unwrap_or_default();
    eprintln!(
        "end to end: {:.1} s ({catch_up_secs:.1} s after the ingest)",
        e2e_secs
    );

    let events: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = 'performance_record'",
    )
    .fetch_one(&pool)
    .await?;
    let rolled: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(records), 0)::bigint FROM performance_rollups \
         WHERE dimension = 'department' AND grain = 'm'",
    )
    .fetch_one(&pool)
    .await?;
    let rollup_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM performance_rollups")
        .fetch_one(&pool)
        .await?;
    let sizes: (i64, i64, i64, i64) = {
        let row = sqlx::query(
            "SELECT pg_relation_size('events') AS eh, pg_indexes_size('events') AS ei, \
                    pg_relation_size('performance_rollups') AS rh, \
                    pg_indexes_size('performance_rollups') AS ri",
        )
        .fetch_one(&pool)
        .await?;
        (
            row.try_get("eh")?,
            row.try_get("ei")?,
            row.try_get("rh")?,
            row.try_get("ri")?,
        )
    };
    eprintln!("vacuum analyze...");
    sqlx::query("VACUUM (ANALYZE) performance_rollups")
        .execute(&pool)
        .await?;
    sqlx::query("ANALYZE").execute(&pool).await?;

    // 5. Queries.
    let codes: Vec<String> = generator
        .layout
        .departments
        .iter()
        .map(|d| d.code.to_string())
        .collect();
    let year_range = |y: i32| {
        (
            NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default(),
            NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or_default(),
        )
    };
    let department_months = |d: &str, y: i32, known_at: Option<DateTime<Utc>>| {
        let (from, to) = year_range(y);
        Query {
            filter: Filter {
                departments: Some(vec![d.to_owned()]),
                from: Some(from),
                to: Some(to),
                ..Filter::default()
            },
            group_by: vec![Dimension::Department],
            grain: Some(Grain::Month),
            known_at,
        }
    };
    let mut conn = pool.acquire().await?;
    let mut rng = Rng::new(args.seed ^ 0x0051_7E55);
    let mut dept_month = Vec::with_capacity(args.queries);
    let mut rank = Vec::with_capacity(args.queries);
    let mut dept_known_before = Vec::with_capacity(args.queries);
    let mut month_rows = 0usize;
    let mut ranked_rows = 0usize;
    eprintln!("queries...");
    let day_before = load_started_at - chrono::Duration::days(1);
    for i in 0..(args.queries + 100) {
        let d = &codes[rng.below(codes.len() as u64) as usize];
        let y = 2021 + rng.below(5) as i32;
        let t0 = Instant::now();
        let report = performance(&mut conn, &department_months(d, y, None)).await?;
        let a = t0.elapsed();
        month_rows = report.rows.len();
        let (from, to) = year_range(2021 + rng.below(5) as i32);
        let t0 = Instant::now();
        let ranked = ranking(
            &mut conn,
            Filter {
                from: Some(from),
                to: Some(to),
                ..Filter::default()
            },
            Measure::OnTimeRate,
            None,
        )
        .await?;
        let b = t0.elapsed();
        ranked_rows = ranked.len();
        let t0 = Instant::now();
        let before = performance(&mut conn, &department_months(d, y, Some(day_before))).await?;
        let c = t0.elapsed();
        std::hint::black_box(before.rows.len());
        if i >= 100 {
            dept_month.push(a);
            rank.push(b);
            dept_known_before.push(c);
        }
    }
    // knownAt within the load's own recording day: the rollups of earlier days plus that day's
    // records up to knownAt, read from the log.
    let known_mark = known_mark.lock().ok().and_then(|m| *m);
    let mut dept_known_same_day = Vec::new();
    let mut same_day_events = 0i64;
    if let Some(k) = known_mark {
        same_day_events = sqlx::query_scalar(
            "SELECT count(*) FROM events WHERE aggregate_type = 'performance_record' \
             AND recorded_at >= $1 AND recorded_at <= $2",
        )
        .bind(
            dutyledger_domain::performance::local_date(k)
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default()
                .and_utc()
                - chrono::Duration::hours(8),
        )
        .bind(k)
        .fetch_one(&mut *conn)
        .await?;
        for i in 0..(args.known_runs + 3) {
            let d = &codes[rng.below(codes.len() as u64) as usize];
            let y = 2021 + rng.below(5) as i32;
            let t0 = Instant::now();
            let r = performance(&mut conn, &department_months(d, y, Some(k))).await?;
            let e = t0.elapsed();
            std::hint::black_box(r.rows.len());
            if i >= 3 {
                dept_known_same_day.push(e);
            }
        }
    }
    drop(conn);
    for v in [
        &mut dept_month,
        &mut rank,
        &mut dept_known_before,
        &mut dept_known_same_day,
    ] {
        v.sort();
    }
    tally.batch_latency.sort();

    // 6. The report.
    let line = |name: &str, runs: usize, v: &[Duration]| {
        format!(
            "| {name} | {runs} | {:.2} | {:.2} | {:.2} |",
            percentile_ms(v, 50.0),
            percentile_ms(v, 99.0),
            percentile_ms(v, 100.0)
        )
    };
    let e2e_rate = rate(tally.stored as f64, e2e_secs);
    let ingest_rate = rate(tally.stored as f64, ingest_secs);
    println!(
        "### records, {} records ({})",
        thousands(args.records),
        Utc::now().format("%Y-%m-%d")
    );
    println!();
    println!(
        "Command: `target/bench-release/records --records {} --seed {} --batch {} --writers {}{}`",
        args.records,
        args.seed,
        args.batch,
        args.writers,
        if args.departments == city::DEPARTMENTS {
            String::new()
        } else {
            format!(" --departments {}", args.departments)
        }
    );
    println!();
    println!(
        "Data set (seed {}): {} departments (city level, Linyi {CITY}), {tasks} tasks ({limited} with a time limit), {posts} posts, {assignments} task-to-post assignments, established 2016 ({structure_events} events written in {structure_secs:.1} s, projected in {structure_project_secs:.1} s); regions: the city, {} counties, {townships} townships. Records 2021-01-01 to 2025-12-31 (Beijing time) in chronological order: {} submitted = {} valid + {} resubmitted record ids + {} whose post does not hold the task; batches of {}, {} concurrent writers.",
        args.seed,
        generator.layout.departments.len(),
        generator.counties.len(),
        thousands(submitted),
        thousands(n_valid),
        thousands(n_dup),
        thousands(n_invalid),
        args.batch,
        args.writers
    );
    println!();
    println!(
        "Server: {server}{}.",
        if args.autovacuum {
            "; the bench applies autovacuum's default thresholds itself during the ingest (see below)"
        } else {
            "; no statistics during the ingest (`--autovacuum false`)"
        }
    );
    if args.explain_slow_ms > 0 {
        println!(
            "Plans of statements slower than {} ms go to the server log (`auto_explain`, database `{name}`).",
            args.explain_slow_ms
        );
    }
    println!();
    println!("| phase | rows | seconds | rows/s | share of COPY |");
    println!("|---|---|---|---|---|");
    let copy_rate = copy_result
        .as_ref()
        .map(|(n, s, ..)| rate(*n as f64, *s))
        .unwrap_or(0.0);
    if let Some((n, s, ..)) = &copy_result {
        println!(
            "| baseline: `COPY` (text) of the same event rows into a plain table (postgres-es layout, primary key only), one connection | {} | {s:.1} | {copy_rate:.0} | 100% |",
            thousands(*n)
        );
    }
    let share = |r: f64| {
        if copy_rate > 0.0 {
            format!("{:.0}%", 100.0 * r / copy_rate)
        } else {
            "-".to_owned()
        }
    };
    println!(
        "| ingest alone: `Ingestor::ingest`, {} writers, projector running (records stored / time to store them) | {} | {ingest_secs:.1} | {ingest_rate:.0} | {} |",
        args.writers,
        thousands(tally.stored),
        share(ingest_rate)
    );
    println!(
        "| **end to end**: stored and rolled up (performance checkpoint past the last record) | {} | {e2e_secs:.1} | **{e2e_rate:.0}** | **{}** |",
        thousands(tally.stored),
        share(e2e_rate)
    );
    println!();
    println!(
        "Outcomes: {} stored, {} duplicates, {} rejected ({}); {} performance events in the log, {} records in the department-month rollups.",
        thousands(tally.stored),
        thousands(tally.duplicates),
        thousands(tally.rejected),
        tally
            .codes
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        thousands(events as u64),
        thousands(rolled as u64)
    );
    println!(
        "Projection lag when the ingest finished: {} events ({:.1}% of the records); it caught up {catch_up_secs:.1} s later. Batch latency (parse + `ingest`, {} records): p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms.",
        thousands(lag_events.max(0) as u64),
        100.0 * lag_events as f64 / tally.stored.max(1) as f64,
        args.batch,
        percentile_ms(&tally.batch_latency, 50.0),
        percentile_ms(&tally.batch_latency, 99.0),
        percentile_ms(&tally.batch_latency, 100.0)
    );
    println!(
        "Memory of this process (the server: writers and projector) during ingest and catch-up: peak RSS (VmHWM{}) {} MB; highest sampled VmRSS {} MB ({} MB before the ingest).",
        if hwm_reset { ", reset before the ingest" } else { ", whole run" },
        hwm / 1024,
        peak_sampled / 1024,
        rss_before / 1024
    );
    println!(
        "Storage: events table {} + indexes {} ({} bytes per record); rollups {} rows ({:.1} per record), {} + indexes {}{}.",
        gb(sizes.0),
        gb(sizes.1),
        (sizes.0 + sizes.1) / events.max(1),
        thousands(rollup_rows as u64),
        rollup_rows as f64 / events.max(1) as f64,
        gb(sizes.2),
        gb(sizes.3),
        copy_result
            .as_ref()
            .map(|(n, _, _, _, size, _)| format!(
                "; the baseline table {} ({} bytes per row)",
                gb(*size),
                size / (*n as i64).max(1)
            ))
            .unwrap_or_default()
    );
    let (busy, capacity, own, roles) = &e2e_cpu;
    let ours = own + roles.values().sum::<f64>();
    println!(
        "WAL: {:.0} bytes per record end to end ({} checkpoints){}.",
        e2e_wal / tally.stored.max(1) as f64,
        e2e_checkpoints,
        copy_result
            .as_ref()
            .map(|(n, _, wal, cps, _, _)| format!(
                "; COPY {:.0} bytes per row ({cps} checkpoints)",
                wal / (*n as f64).max(1.0)
            ))
            .unwrap_or_default()
    );
    println!();
    println!(
        "CPU end to end ({e2e_secs:.0} s wall, {:.0} CPU-seconds available on {} cores):",
        capacity,
        (capacity / e2e_secs.max(1e-9)).round()
    );
    println!();
    println!("| who | CPU s | µs per record | share of the machine |");
    println!("|---|---|---|---|");
    let per = |s: f64| 1e6 * s / tally.stored.max(1) as f64;
    println!(
        "| this process (generator thread, parsing, validation, serialisation, projector decoding and summing) | {own:.0} | {:.1} | {:.0}% |",
        per(*own),
        100.0 * own / capacity.max(1e-9)
    );
    for (role, secs) in roles.iter().filter(|r| r.0 != "listener") {
        println!(
            "| PostgreSQL backends: {role} | {secs:.0} | {:.1} | {:.0}% |",
            per(*secs),
            100.0 * secs / capacity.max(1e-9)
        );
    }
    println!(
        "| everything else on the machine (other PostgreSQL processes: WAL writer, checkpointer, autovacuum; other users) | {:.0} | {:.1} | {:.0}% |",
        (busy - ours).max(0.0),
        per((busy - ours).max(0.0)),
        100.0 * (busy - ours).max(0.0) / capacity.max(1e-9)
    );
    println!(
        "| idle | {:.0} | | {:.0}% |",
        (capacity - busy).max(0.0),
        100.0 * (capacity - busy).max(0.0) / capacity.max(1e-9)
    );
    if let Some((_, s, _, _, _, (cbusy, ccap, cown, croles))) = &copy_result {
        println!();
        println!(
            "CPU during COPY ({s:.0} s): this process (generator) {cown:.0} s, the COPY backend {:.0} s, machine busy {cbusy:.0} of {ccap:.0} s.",
            croles.values().sum::<f64>()
        );
    }
    println!(
        "Generator alone (one thread): {gen_raw_rate:.0} records/s as text; {gen_copy_rate:.0} COPY rows/s (parse, validate, serialise payload and metadata: the client-side work of the ingest, {:.1} µs per record). Parsing in the writers: {:.1} µs per record.",
        1e6 / gen_copy_rate.max(1e-9),
        1e6 * tally.parse_secs / submitted.max(1) as f64
    );
    println!();
    println!(
        "Where the connections' time goes (pg_stat_activity sampled every 50 ms over the ingest and catch-up, {} rounds; share of rounds a connection of that role was in that state):",
        final_profile.rounds
    );
    println!();
    println!("| role | state | share |");
    println!("|---|---|---|");
    let mut by_role: BTreeMap<&str, Vec<(&str, u64)>> = BTreeMap::new();
    for ((role, what), n) in &final_profile.samples {
        if role == "listener" {
            continue;
        }
        by_role.entry(role).or_default().push((what, *n));
    }
    for (role, mut rows) in by_role {
        rows.sort_by_key(|r| std::cmp::Reverse(r.1));
        for (what, n) in rows {
            let share = 100.0 * n as f64 / final_profile.rounds.max(1) as f64;
            if share >= 0.5 {
                println!("| {role} | {what} | {share:.1}% |");
            }
        }
    }
    println!();
    let stand_in_log = stand_in_log.lock().map(|l| l.clone()).unwrap_or_default();
    if !stand_in_log.is_empty() {
        println!(
            "Autovacuum stand-in (from the start of the ingest): {}.",
            stand_in_log.join("; ")
        );
        println!();
    }
    let timeline = timeline.lock().map(|t| t.clone()).unwrap_or_default();
    if timeline.len() > 2 {
        println!("Progress (stored and projected records over time; rates over each interval):");
        println!();
        println!("| seconds | stored | stored/s | projected | projected/s | RSS MB |");
        println!("|---|---|---|---|---|---|");
        let points = 10usize;
        let step = (timeline.len() / points).max(1);
        let mut prev = (0.0, 0u64, 0i64, 0u64);
        for (i, p) in timeline.iter().enumerate() {
            if (i + 1) % step != 0 && i + 1 != timeline.len() {
                continue;
            }
            let dt = (p.0 - prev.0).max(1e-9);
            println!(
                "| {:.0} | {} | {:.0} | {} | {:.0} | {} |",
                p.0,
                thousands(p.1),
                (p.1 - prev.1) as f64 / dt,
                thousands(p.2.max(0) as u64),
                (p.2 - prev.2) as f64 / dt,
                p.3 / 1024
            );
            prev = *p;
        }
        println!();
    }
    println!(
        "Queries after the load ({} runs each after 100 warm-up runs, one connection, random department and year 2021-2025; `VACUUM (ANALYZE)` of the rollups and `ANALYZE` first, as autovacuum would leave them):",
        args.queries
    );
    println!();
    println!("| query | runs | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|");
    println!(
        "{}",
        line(
            &format!("department-month rollup: `performance` for one department, one year, by month ({month_rows} rows)"),
            dept_month.len(),
            &dept_month
        )
    );
    println!(
        "{}",
        line(
            &format!("city-wide ranking for a year: `ranking` by on-time rate ({ranked_rows} departments)"),
            rank.len(),
            &rank
        )
    );
    println!(
        "{}",
        line(
            "department-month with `knownAt` the day before the load (rollups only; nothing known yet)",
            dept_known_before.len(),
            &dept_known_before
        )
    );
    if !dept_known_same_day.is_empty() {
        println!(
            "{}",
            line(
                &format!(
                    "department-month with `knownAt` within the load's recording day, after {} records (rollups + {} events of that day read from the log)",
                    thousands(args.known_after),
                    thousands(same_day_events as u64)
                ),
                dept_known_same_day.len(),
                &dept_known_same_day
            )
        );
    }
    println!();
    println!(
        "Total run time {:.0} s.",
        started_all.elapsed().as_secs_f64()
    );
    pool.close().await;
    Ok(())
}
