//! Benchmark: single structure commands the way a client sees them (issue 19, item 1; the
//! command-path figures issue 12 must not make worse).
//!
//! Builds the real application in process (`AppState::new`, its projector, `build_schema`),
//! establishes departments with one unit each through GraphQL mutations, then times `createPost`
//! mutations executed through `graphql::execute` as a supervisor: each one answers after the
//! read models show it (`projected`), as the server's mutations do. With 1 client (on a
//! department of its own) and with 8 concurrent clients (each on its own department, none of
//! them the 1-client one). Baseline in the same run and database, over the same pool: single-row
//! `INSERT`s, one per transaction, into a plain table with the columns of the events table
//! (migration 0001) and only its primary key (no triggers, no other index or constraint), with
//! the same client counts and the payload and metadata of a real `createPost` event.
//!
//! Only names that exist both before and after the application-layer refactor (issue 12) are
//! used, so the same source measures both. See ops/bench/README.md.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::collections::HashMap;
use std::time::{Duration, Instant};

use async_graphql::{Request, Variables};
use clap::Parser;
use dutyledger_api::app::AppState;
use dutyledger_api::auth::Actor;
use dutyledger_api::context::RequestContext;
use dutyledger_api::graphql::{build_schema, execute, DutySchema, Limits};
use dutyledger_bench::{fresh_database, percentile_ms};
use dutyledger_domain::values::CreditCode;
use serde_json::{json, Value};
use sqlx::{PgPool, Row};

#[derive(Debug, Parser)]
struct Args {
    /// Timed commands per client count (split evenly between the clients).
    #[arg(long, default_value_t = 2000)]
    commands: usize,
    /// Client counts to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,8")]
    clients: Vec<usize>,
    /// Untimed commands per client before each measurement.
    #[arg(long, default_value_t = 25)]
    warmup: usize,
    /// Longest a mutation waits for the read models, in milliseconds (the server's default).
    #[arg(long, default_value_t = 5000)]
    wait_ms: u64,
}

const ESTABLISH: &str = r#"
mutation($id: ID!, $name: String!) {
  establishDepartment(input: {id: $id, name: $name, divisionCode: "371300000000",
                              level: CITY, sector: "基准", kind: GOVERNMENT_DEPARTMENT}) {
    events projected
  }
}"#;

const ESTABLISH_UNIT: &str = r#"
mutation($d: ID!, $u: ID!) {
  establishUnit(input: {departmentId: $d, unitId: $u, name: "办公室"}) { events projected }
}"#;

const CREATE_POST: &str = r#"
mutation($d: ID!, $u: ID!, $name: String!) {
  createPost(input: {departmentId: $d, unitId: $u, name: $name}) { id events projected }
}"#;

/// Runs one GraphQL request as the bench's supervisor, as the server does after authentication.
async fn gql(schema: &DutySchema, query: &str, variables: Value) -> Value {
    let request = Request::new(query)
        .variables(Variables::from_json(variables))
        .data(RequestContext::new(Actor::supervisor("bench")));
    let response = execute(schema, request).await;
    serde_json::to_value(&response).unwrap_or(Value::Null)
}

/// What one client count measured.
#[derive(Debug, Default)]
struct Run {
    done: usize,
    wall: Duration,
    latencies: Vec<Duration>,
    errors: usize,
    not_projected: usize,
    first_error: Option<String>,
    cpu: Cpu,
    /// Mean latency (ms) of the first and of the last tenth of each client's commands (the
    /// department grows by one post per command).
    drift: (f64, f64),
}

impl Run {
    fn rate(&self) -> f64 {
        self.done as f64 / self.wall.as_secs_f64()
    }
}

/// One client: `n` `createPost` mutations in a row on `department`'s unit `u1`.
async fn client(schema: DutySchema, department: String, tag: String, n: usize) -> Run {
    let mut run = Run::default();
    for i in 0..n {
        let t0 = Instant::now();
        let response = gql(
            &schema,
            CREATE_POST,
            json!({ "d": department, "u": "u1", "name": format!("岗位{tag}-{i}") }),
        )
        .await;
        run.latencies.push(t0.elapsed());
        run.done += 1;
        if response.get("errors").is_some() {
            run.errors += 1;
            run.first_error
                .get_or_insert_with(|| response["errors"].to_string());
        } else if response["data"]["createPost"]["projected"] != Value::Bool(true) {
            run.not_projected += 1;
        }
    }
    run
}

/// `clients` concurrent clients, client `k` on `departments[k]`, `total / clients` each.
async fn commands(schema: &DutySchema, departments: &[String], tag: &str, total: usize) -> Run {
    let per = total / departments.len();
    let t0 = Instant::now();
    let handles: Vec<_> = departments
        .iter()
        .enumerate()
        .map(|(k, d)| tokio::spawn(client(schema.clone(), d.clone(), format!("{tag}{k}"), per)))
        .collect();
    let mut all = Run::default();
    for h in handles {
        let Ok(r) = h.await else {
            all.errors += per;
            continue;
        };
        all.done += r.done;
        all.errors += r.errors;
        all.not_projected += r.not_projected;
        let tenth = (r.latencies.len() / 10).max(1);
        let mean = |l: &[Duration]| {
            l.iter().map(Duration::as_secs_f64).sum::<f64>() * 1000.0 / l.len().max(1) as f64
        };
        all.drift.0 +=
            mean(&r.latencies[..tenth.min(r.latencies.len())]) / departments.len() as f64;
        all.drift.1 += mean(&r.latencies[r.latencies.len().saturating_sub(tenth)..])
            / departments.len() as f64;
        all.latencies.extend(r.latencies);
        if all.first_error.is_none() {
            all.first_error = r.first_error;
        }
    }
    all.wall = t0.elapsed();
    all.latencies.sort();
    all
}

/// The baseline table: the events table's columns (migration 0001), its primary key only.
const BASELINE_TABLE: &str = r#"
CREATE TABLE bench_event_rows
(
    aggregate_type text                         NOT NULL,
    aggregate_id   text                         NOT NULL,
    sequence       bigint CHECK (sequence >= 0) NOT NULL,
    event_type     text                         NOT NULL,
    event_version  text                         NOT NULL,
    payload        jsonb                        NOT NULL,
    metadata       jsonb                        NOT NULL,
    event_id       uuid                         NOT NULL DEFAULT gen_random_uuid(),
    position       bigint GENERATED ALWAYS AS IDENTITY,
    transaction_id xid8                         NOT NULL DEFAULT pg_current_xact_id(),
    recorded_at    timestamptz                  NOT NULL DEFAULT now(),
    effective_at   timestamptz                  NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
)"#;

const BASELINE_INSERT: &str = "INSERT INTO bench_event_rows \
    (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata, effective_at) \
    VALUES ('department', $1, $2, $3, '1.0', $4::jsonb, $5::jsonb, now())";

/// A real event row's type, payload and metadata (as text), to insert in the baseline.
#[derive(Debug, Clone)]
struct Sample {
    event_type: String,
    payload: String,
    metadata: String,
}

async fn baseline_client(pool: PgPool, stream: String, sample: Sample, n: usize) -> Run {
    let mut run = Run::default();
    for i in 0..n {
        let t0 = Instant::now();
        let result = sqlx::query(BASELINE_INSERT)
            .bind(&stream)
            .bind(i as i64)
            .bind(&sample.event_type)
            .bind(&sample.payload)
            .bind(&sample.metadata)
            .execute(&pool)
            .await;
        run.latencies.push(t0.elapsed());
        run.done += 1;
        if let Err(e) = result {
            run.errors += 1;
            run.first_error.get_or_insert_with(|| e.to_string());
        }
    }
    run
}

async fn baseline(pool: &PgPool, sample: &Sample, clients: usize, tag: &str, total: usize) -> Run {
    let per = total / clients;
    let t0 = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|k| {
            tokio::spawn(baseline_client(
                pool.clone(),
                format!("{tag}{k}"),
                sample.clone(),
                per,
            ))
        })
        .collect();
    let mut all = Run::default();
    for h in handles {
        let Ok(r) = h.await else {
            all.errors += per;
            continue;
        };
        all.done += r.done;
        all.errors += r.errors;
        all.latencies.extend(r.latencies);
        if all.first_error.is_none() {
            all.first_error = r.first_error;
        }
    }
    all.wall = t0.elapsed();
    all.latencies.sort();
    all
}

/// CPU seconds over a measurement: this process (GraphQL, application, projector, watches),
/// the PostgreSQL backends of the bench database, and everything else on the machine.
#[derive(Debug, Default, Clone, Copy)]
struct Cpu {
    process: f64,
    backends: f64,
    others: f64,
    machine_total: f64,
}

#[derive(Debug)]
struct CpuMark {
    process: u64,
    backends: HashMap<i32, u64>,
    busy: u64,
    total: u64,
}

fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

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

async fn cpu_mark(pool: &PgPool) -> CpuMark {
    let pids: Vec<i32> =
        sqlx::query_scalar("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            .fetch_all(pool)
            .await
            .unwrap_or_default();
    let backends = pids
        .into_iter()
        .filter_map(|p| Some((p, cpu_ticks(&p.to_string())?)))
        .collect();
    let (busy, total) = machine_ticks();
    CpuMark {
        process: cpu_ticks("self").unwrap_or(0),
        backends,
        busy,
        total,
    }
}

fn cpu_between(a: &CpuMark, b: &CpuMark, hz: f64) -> Cpu {
    let process = b.process.saturating_sub(a.process) as f64 / hz;
    let backends = b
        .backends
        .iter()
        .map(|(pid, t)| t.saturating_sub(a.backends.get(pid).copied().unwrap_or(0)))
        .sum::<u64>() as f64
        / hz;
    let busy = b.busy.saturating_sub(a.busy) as f64 / hz;
    Cpu {
        process,
        backends,
        others: (busy - process - backends).max(0.0),
        machine_total: b.total.saturating_sub(a.total) as f64 / hz,
    }
}

fn row(label: &str, clients: usize, run: &Run) -> String {
    let c = run.cpu;
    let per = |s: f64| s * 1e6 / run.done.max(1) as f64;
    format!(
        "| {label} | {clients} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {} | {:.0} / {:.0} / {:.0} | {:.0}% |",
        run.done,
        run.rate(),
        percentile_ms(&run.latencies, 50.0),
        percentile_ms(&run.latencies, 99.0),
        percentile_ms(&run.latencies, 100.0),
        run.errors,
        run.not_projected,
        per(c.process),
        per(c.backends),
        per(c.others),
        100.0 * (c.process + c.backends + c.others) / c.machine_total.max(1e-9),
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        args.clients.iter().all(|&c| c > 0 && args.commands >= c),
        "every client count must be at least 1 and at most --commands"
    );
    let hz = clock_ticks_per_second();
    let (pool, _url) = fresh_database("dutyledger_bench_commands").await?;
    let state = AppState::new(pool.clone(), Duration::from_millis(args.wait_ms));
    let projector = state.spawn_projector();
    let schema = build_schema(state, Limits::default());

    // One department per client of every measurement (none shared between measurements), each
    // with its unit `u1`, established through GraphQL.
    let total_clients: usize = args.clients.iter().sum();
    let mut departments = Vec::with_capacity(total_clients);
    for k in 0..total_clients {
        let code = CreditCode::from_parts('1', '1', "371300", &format!("{:08}", 77_000_000 + k))?;
        let id = code.as_str().to_owned();
        let r = gql(
            &schema,
            ESTABLISH,
            json!({ "id": id, "name": format!("临沂市命令基准{k}局") }),
        )
        .await;
        anyhow::ensure!(r.get("errors").is_none(), "establishDepartment: {r}");
        let r = gql(&schema, ESTABLISH_UNIT, json!({ "d": id, "u": "u1" })).await;
        anyhow::ensure!(r.get("errors").is_none(), "establishUnit: {r}");
        departments.push(id);
    }

    sqlx::query(BASELINE_TABLE).execute(&pool).await?;

    let mut results = Vec::new();
    let mut offset = 0;
    for &clients in &args.clients {
        let mine = &departments[offset..offset + clients];
        offset += clients;
        // Warm-up: opens the pool's connections and prepares the statements.
        let warm = commands(&schema, mine, "w", args.warmup * clients).await;
        anyhow::ensure!(
            warm.errors == 0,
            "warm-up failed: {}",
            warm.first_error.unwrap_or_default()
        );
        let sample_row = sqlx::query(
            "SELECT event_type, payload::text AS p, metadata::text AS m FROM events \
             WHERE event_type LIKE '%Post%' ORDER BY position DESC LIMIT 1",
        )
        .fetch_one(&pool)
        .await?;
        let sample = Sample {
            event_type: sample_row.try_get("event_type")?,
            payload: sample_row.try_get("p")?,
            metadata: sample_row.try_get("m")?,
        };
        let _ = baseline(
            &pool,
            &sample,
            clients,
            &format!("w{clients}-"),
            args.warmup * clients,
        )
        .await;

        let a = cpu_mark(&pool).await;
        let mut base = baseline(
            &pool,
            &sample,
            clients,
            &format!("b{clients}-"),
            args.commands,
        )
        .await;
        let b = cpu_mark(&pool).await;
        base.cpu = cpu_between(&a, &b, hz);

        let a = cpu_mark(&pool).await;
        let mut cmd = commands(&schema, mine, &format!("c{clients}-"), args.commands).await;
        let b = cpu_mark(&pool).await;
        cmd.cpu = cpu_between(&a, &b, hz);
        results.push((clients, base, cmd));
    }

    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&pool)
        .await?;
    println!(
        "### commands ({}; {} timed commands per client count; {events} events in the log at the end)",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        args.commands
    );
    println!();
    println!("| path | clients | done | per s | p50 ms | p99 ms | max ms | errors | not projected | CPU µs each: process / PG backends / others | machine busy |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (clients, base, cmd) in &results {
        println!(
            "{}",
            row(
                "baseline: single-row INSERT, one per transaction",
                *clients,
                base
            )
        );
        println!(
            "{}",
            row(
                "`createPost` via GraphQL, answered when projected",
                *clients,
                cmd
            )
        );
    }
    println!();
    for (clients, base, cmd) in &results {
        println!(
            "- {clients} client(s): commands/s / INSERT/s = {:.1}%; p50 {:.2} vs {:.2} ms, p99 {:.2} vs {:.2} ms; mean command latency of each client's first / last tenth: {:.2} / {:.2} ms",
            100.0 * cmd.rate() / base.rate(),
            percentile_ms(&cmd.latencies, 50.0),
            percentile_ms(&base.latencies, 50.0),
            percentile_ms(&cmd.latencies, 99.0),
            percentile_ms(&base.latencies, 99.0),
            cmd.drift.0,
            cmd.drift.1,
        );
        for (what, run) in [("baseline", base), ("commands", cmd)] {
            if let Some(e) = &run.first_error {
                println!("  - first {what} error: {e}");
            }
        }
    }
    sqlx::query("DROP TABLE bench_event_rows")
        .execute(&pool)
        .await?;
    projector.abort();
    Ok(())
}
