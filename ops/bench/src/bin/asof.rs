//! Benchmark: `department(asOf:)` on a city-scale structure with years of amendments.
//!
//! Builds, from a seed, 36 departments with 2,443 unit duties, 4,409 tasks and about 5,000
//! posts (the largest department holds about three times the average), established in 2016,
//! then `--amendments` amendments per department spread over ten years (task and duty
//! rewordings, unit renames, staffing, a few backdated corrections; nothing is added, so the
//! answer has the same size at every log size),
//! through the real command path and projector. Then it times, for the largest department at
//! random (validAt, knownAt) points: the GraphQL query `department(asOf:)` (in process, no
//! HTTP), the read-model query behind it, and as a baseline the same rows read from a plain
//! table of current rows by a btree index. See ops/bench/README.md.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use clap::Parser;
use dutyledger_api::app::{projections, AppState};
use dutyledger_api::auth::Actor;
use dutyledger_api::context::RequestContext;
use dutyledger_api::graphql::{build_schema, execute, Limits};
use dutyledger_bench::city::{self, ymd, Plan, PlanOptions, DEPARTMENTS};
use dutyledger_bench::{fresh_database, percentile_ms, Rng};
use dutyledger_domain::department::Department;
use dutyledger_domain::metadata::CommandMetadata;
use dutyledger_projections::duty_list::{self, AsOf};
use dutyledger_projections::event_log::EventStore;
use dutyledger_projections::projector::Projector;
use futures::stream::{self, StreamExt};

#[derive(Debug, Parser)]
struct Args {
    /// Amendments per department (the log size).
    #[arg(long, default_value_t = 200)]
    amendments: u32,
    /// Timed queries.
    #[arg(long, default_value_t = 2000)]
    queries: usize,
    /// Seed of the data set.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Departments written concurrently.
    #[arg(long, default_value_t = 6)]
    concurrency: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (pool, _url) =
        fresh_database(&format!("dutyledger_bench_asof_{}", args.amendments)).await?;
    let plans: Vec<Plan> = city::plans(
        PlanOptions {
            amendments: args.amendments,
            time_limits: false,
        },
        args.seed,
    )?;
    let total: usize = plans.iter().map(|p| p.commands.len()).sum();
    eprintln!("writing {total} commands for {DEPARTMENTS} departments...");
    let store = EventStore::new(pool.clone());
    let recorded_from = Utc::now();
    let started = Instant::now();
    let largest_built: Arc<std::sync::Mutex<Option<DateTime<Utc>>>> = Arc::default();
    let results: Vec<anyhow::Result<usize>> = stream::iter(plans.iter().enumerate())
        .map(|(index, p)| {
            let store = store.clone();
            let largest_built = largest_built.clone();
            async move {
                let mut events = 0;
                for (i, (at, command)) in p.commands.iter().enumerate() {
                    if index == 0 && i == p.structure {
                        if let Ok(mut b) = largest_built.lock() {
                            *b = Some(Utc::now());
                        }
                    }
                    let mut meta = CommandMetadata::new("system:bench", "bench");
                    meta.effective_at = Some(*at);
                    match store
                        .execute::<Department>(p.code.as_str(), command.clone(), &meta)
                        .await
                    {
                        Ok(e) => events += e.events,
                        Err(e) => eprintln!("{}: refused {command:?}: {e}", p.code),
                    }
                }
                Ok(events)
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    let events: usize = results
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?
        .into_iter()
        .sum();
    let write_secs = started.elapsed().as_secs_f64();
    let recorded_to = Utc::now();
    eprintln!("{events} events in {write_secs:.1} s; projecting...");
    let started = Instant::now();
    let projector = Projector::new(pool.clone(), projections());
    projector
        .catch_up_through_head(std::time::Duration::from_secs(3600))
        .await?;
    let project_secs = started.elapsed().as_secs_f64();
    let versions: i64 = sqlx::query_scalar("SELECT count(*) FROM duty_list_versions")
        .fetch_one(&pool)
        .await?;
    sqlx::query("ANALYZE").execute(&pool).await?;

    // Baseline: the same department's current rows in a plain table with a btree index.
    sqlx::query(
        "CREATE TABLE bench_plain AS SELECT department_id, kind, entity_id, data, ordinal FROM duty_list_versions \
         WHERE upper_inf(valid) AND upper_inf(known)",
    )
    .execute(&pool)
    .await?;
    sqlx::query("CREATE INDEX ON bench_plain (department_id, ordinal)")
        .execute(&pool)
        .await?;
    sqlx::query("ANALYZE bench_plain").execute(&pool).await?;

    let largest = plans[0].code.to_string();
    let state = AppState::new(pool.clone(), Duration::from_secs(5));
    let schema = build_schema(state, Limits::default());
    let query = "query($id: ID!, $asOf: AsOf) { department(id: $id, asOf: $asOf) { id name \
        units { id name staffing duties { id text tasks { id name posts { id name } } } posts { id } } \
        coverage { complete counts { tasks posts } } } }";
    let mut rng = Rng::new(args.seed);
    let valid_span = (ymd(2026, 11, 1) - ymd(2016, 1, 2)).num_seconds();
    // knownAt: any time after the largest department's structure was recorded.
    let known_from = largest_built
        .lock()
        .ok()
        .and_then(|b| *b)
        .unwrap_or(recorded_from);
    let known_span = (recorded_to - known_from).num_milliseconds().max(1);
    let point = |rng: &mut Rng| AsOf {
        valid_at: ymd(2016, 1, 2) + chrono::Duration::seconds(rng.below(valid_span as u64) as i64),
        known_at: known_from + chrono::Duration::milliseconds(rng.below(known_span as u64) as i64),
    };
    let actor = Arc::new(Actor::supervisor("bench"));
    let mut graphql = Vec::with_capacity(args.queries);
    let mut read_model = Vec::with_capacity(args.queries);
    let mut baseline = Vec::with_capacity(args.queries);
    let mut rows_seen = 0usize;
    for i in 0..(args.queries + 100) {
        let p = point(&mut rng);
        let vars = serde_json::json!({ "id": largest, "asOf": { "validAt": p.valid_at.to_rfc3339(), "knownAt": p.known_at.to_rfc3339() } });
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(vars))
            .data(RequestContext::new((*actor).clone()));
        let t0 = Instant::now();
        let response = execute(&schema, request).await;
        let g = t0.elapsed();
        if !response.errors.is_empty() {
            anyhow::bail!("query failed: {:?}", response.errors);
        }
        let t0 = Instant::now();
        let s = duty_list::structure(&pool, &largest, p).await?;
        let r = t0.elapsed();
        rows_seen = s.map_or(0, |s| s.tasks.len() + s.posts.len() + s.unit_duties.len());
        let t0 = Instant::now();
        let plain = sqlx::query("SELECT kind, entity_id, data FROM bench_plain WHERE department_id = $1 ORDER BY ordinal, entity_id")
            .bind(&largest)
            .fetch_all(&pool)
            .await?;
        let b = t0.elapsed();
        if i >= 100 {
            graphql.push(g);
            read_model.push(r);
            baseline.push(b);
        }
        std::hint::black_box(plain.len());
    }
    graphql.sort();
    read_model.sort();
    baseline.sort();
    let line = |name: &str, v: &[Duration]| {
        format!(
            "| {name} | {:.2} | {:.2} | {:.2} |",
            percentile_ms(v, 50.0),
            percentile_ms(v, 99.0),
            percentile_ms(v, 100.0)
        )
    };
    println!(
        "### asOf, {} amendments per department ({})",
        args.amendments,
        Utc::now().format("%Y-%m-%d")
    );
    println!();
    println!("log: {events} events ({total} commands) written in {write_secs:.1} s ({:.0} commands/s, {} departments concurrently); projected in {project_secs:.1} s ({:.0} events/s); {versions} version rows", total as f64 / write_secs, args.concurrency, events as f64 / project_secs);
    println!("largest department: ~{rows_seen} unit duties + tasks + posts in force; {} timed queries at random (validAt 2016-2026, knownAt from when its structure was recorded to the end of the load)", args.queries);
    println!();
    println!("| query | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|");
    println!(
        "{}",
        line(
            "GraphQL `department(asOf:)` with units, duties, tasks, posts, coverage (in process)",
            &graphql
        )
    );
    println!(
        "{}",
        line(
            "read model `duty_list::structure(asOf)` (SQL + assembly)",
            &read_model
        )
    );
    println!(
        "{}",
        line(
            "baseline: same department's current rows from a plain table, btree index",
            &baseline
        )
    );
    println!();
    println!(
        "ratio read model / baseline at p50: {:.2}",
        percentile_ms(&read_model, 50.0) / percentile_ms(&baseline, 50.0).max(1e-9)
    );
    Ok(())
}
