//! Benchmark: delay from commit to delivery to feed subscribers, with 1 and with 100
//! subscribers.
//!
//! A writer executes a command every 10 ms through the command executor (the projector runs
//! too, as in production); each subscriber runs `Subscription.events` through the real schema
//! (in process: the same stream a WebSocket client gets, without the socket). The delay of an
//! event is the time from the writer's commit returning to the subscriber receiving it.
//! Baseline, measured in the same run: PostgreSQL's own LISTEN/NOTIFY delivery delay between
//! two connections. See ops/bench/README.md.
#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use dutyledger_api::app::AppState;
use dutyledger_api::auth::Actor;
use dutyledger_api::context::RequestContext;
use dutyledger_api::graphql::{build_schema, Limits};
use dutyledger_bench::{fresh_database, percentile_ms};
use dutyledger_domain::department::{Department, DepartmentCommand};
use dutyledger_domain::metadata::CommandMetadata;
use dutyledger_domain::values::{
    BodyKind, CreditCode, DepartmentLevel, DivisionCode, EntityId, Name,
};
use dutyledger_projections::event_log::EventStore;
use dutyledger_projections::Cursor;
use futures::StreamExt;
use sqlx::postgres::PgListener;
use sqlx::{PgPool, Row};

#[derive(Debug, Parser)]
struct Args {
    /// Subscriber counts to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,100")]
    subscribers: Vec<usize>,
    /// Events per measurement.
    #[arg(long, default_value_t = 300)]
    events: usize,
    /// Milliseconds between commands.
    #[arg(long, default_value_t = 10)]
    interval_ms: u64,
}

async fn head(pool: &PgPool) -> anyhow::Result<Option<String>> {
    let row = sqlx::query(
        "SELECT transaction_id::text AS t, position FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some(r) => Some(
            Cursor::new(
                r.try_get::<String, _>("t")?.parse()?,
                r.try_get("position")?,
            )
            .to_string(),
        ),
        None => None,
    })
}

async fn notify_baseline(pool: &PgPool, n: usize) -> anyhow::Result<Vec<Duration>> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen("bench_baseline").await?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let t0 = Instant::now();
        sqlx::query("SELECT pg_notify('bench_baseline', $1)")
            .bind(i.to_string())
            .execute(pool)
            .await?;
        listener.recv().await?;
        out.push(t0.elapsed());
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (pool, _url) = fresh_database("dutyledger_bench_feed").await?;
    let state = AppState::new(pool.clone(), Duration::from_secs(5));
    let projector = state.spawn_projector();
    let schema = build_schema(state, Limits::default());
    let store = EventStore::new(pool.clone());
    let code = CreditCode::from_parts('1', '1', "371300", "88000001")?;
    let meta = CommandMetadata::new("system:bench", "bench");
    store
        .execute::<Department>(
            code.as_str(),
            DepartmentCommand::EstablishDepartment {
                id: code.clone(),
                name: Name::parse("临沂市订阅基准局")?,
                division: DivisionCode::parse("371300000000")?,
                level: DepartmentLevel::City,
                sector: Name::parse("测试")?,
                kind: BodyKind::Other,
            },
            &meta,
        )
        .await?;
    let unit = EntityId::parse("u1")?;
    store
        .execute::<Department>(
            code.as_str(),
            DepartmentCommand::EstablishUnit {
                unit_id: unit.clone(),
                name: Name::parse("办公室")?,
            },
            &meta,
        )
        .await?;

    let baseline = {
        let mut b = notify_baseline(&pool, 300).await?;
        b.sort();
        b
    };
    println!(
        "### feed latency ({})",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    println!();
    println!("| subscribers | events | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|");
    println!("| baseline: PostgreSQL LISTEN/NOTIFY between two connections | {} | {:.2} | {:.2} | {:.2} |", baseline.len(),
        percentile_ms(&baseline, 50.0), percentile_ms(&baseline, 99.0), percentile_ms(&baseline, 100.0));

    let mut round = 0;
    for &n in &args.subscribers {
        let start = head(&pool).await?;
        let committed: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
        let delays: Arc<Mutex<Vec<Duration>>> = Arc::default();
        let mut tasks = Vec::new();
        let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(n);
        for _ in 0..n {
            let schema = schema.clone();
            let committed = committed.clone();
            let delays = delays.clone();
            let ready = ready_tx.clone();
            let vars = serde_json::json!({ "after": start });
            let expected = args.events;
            tasks.push(tokio::spawn(async move {
                let request = async_graphql::Request::new(
                    "subscription($after: String) { events(after: $after) { cursor } }",
                )
                .variables(async_graphql::Variables::from_json(vars))
                .data(RequestContext::new(Actor::new(
                    dutyledger_api::auth::Role::Integrator,
                    "bench",
                    vec![],
                )));
                let mut stream = schema.execute_stream(request);
                let _ = ready.send(()).await;
                let mut got = 0;
                while let Some(response) = stream.next().await {
                    let now = Instant::now();
                    let Ok(v) = response.data.into_json() else {
                        break;
                    };
                    let cursor = v["events"]["cursor"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    // The writer records the commit just after it returns; wait for it if needed.
                    let mut commit = None;
                    for _ in 0..1000 {
                        commit = committed.lock().ok().and_then(|c| c.get(&cursor).copied());
                        if commit.is_some() {
                            break;
                        }
                        tokio::task::yield_now().await;
                    }
                    if let (Some(c), Ok(mut d)) = (commit, delays.lock()) {
                        d.push(now.saturating_duration_since(c));
                    }
                    got += 1;
                    if got == expected {
                        break;
                    }
                }
            }));
        }
        for _ in 0..n {
            ready_rx.recv().await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        for i in 0..args.events {
            round += 1;
            let name = Name::parse(&format!("办公室{round}"))?;
            let executed = store
                .execute::<Department>(
                    code.as_str(),
                    DepartmentCommand::RenameUnit {
                        unit_id: unit.clone(),
                        name,
                    },
                    &meta,
                )
                .await?;
            let at = Instant::now();
            if let (Some(c), Ok(mut m)) = (executed.cursor, committed.lock()) {
                m.insert(c.to_string(), at);
            }
            let _ = i;
            tokio::time::sleep(Duration::from_millis(args.interval_ms)).await;
        }
        for t in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(30), t).await;
        }
        let mut d = delays.lock().map(|d| d.clone()).unwrap_or_default();
        d.sort();
        println!(
            "| {n} | {} deliveries | {:.2} | {:.2} | {:.2} |",
            d.len(),
            percentile_ms(&d, 50.0),
            percentile_ms(&d, 99.0),
            percentile_ms(&d, 100.0)
        );
    }
    projector.abort();
    println!();
    println!("(in process through `Subscription.events`; a command every {} ms through the command executor, projector running)", args.interval_ms);
    Ok(())
}
