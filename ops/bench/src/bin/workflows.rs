//! Benchmark: workflow charts (工作流程图) at city scale (issue 14).
//!
//! Builds the city of [`dutyledger_bench::city`] (36 departments, 4,409 tasks, about 5,000
//! posts, established in 2016) and, since a chart belongs to one task and the city needs
//! `--charts` (42,530) of them, defines the missing tasks through the department aggregate (spread
//! over the departments by their weight, under their unit duties). Then it loads one chart per
//! task (about `--steps` steps each, every step handled by its task's unit and a post of it)
//! through the real command path: `Commands::execute::<WorkflowChart>` with `Supersede`, from
//! `--writers` concurrent tasks, the projector running (each command waits until the read model
//! shows it, as a GraphQL mutation does). Reported: charts/s. A share (`--reengineered`) of the
//! charts then gets a second, shorter version in force from 2025-06-01.
//!
//! The task's facts (units and posts in force) are read with `service::checks::task_facts` once
//! per department and reused for its charts (the structure does not change during the load); the
//! cost of one uncached read for the largest department is reported beside.
//!
//! Then `reengineering` for the whole city (no department filter, period 2025) through the
//! GraphQL schema in process, `--queries` runs after 20 warm-up runs: p50/p99.
//!
//! Baselines in the same run: the same number of event-shaped rows (same payload sizes) inserted
//! one per statement into a plain table with only a primary key, from the same number of
//! writers; and the query's data (the figures of the versions in force at the two ends of the
//! period) read by `DISTINCT ON` from a plain table of figures with a btree index.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use clap::Parser;
use dutyledger_api::app::{projections, AppState, When};
use dutyledger_api::auth::Actor;
use dutyledger_api::context::RequestContext;
use dutyledger_api::graphql::{build_schema, execute, Limits};
use dutyledger_api::service::checks::task_facts;
use dutyledger_bench::city::{self, ymd, Plan, PlanOptions, DEPARTMENTS};
use dutyledger_bench::{fresh_database, percentile_ms, Rng};
use dutyledger_domain::department::{Department, DepartmentCommand, RiskFlags, TaskDetails};
use dutyledger_domain::metadata::CommandMetadata;
use dutyledger_domain::values::{CreditCode, DayKind, EntityId, Name, TimeLimit};
use dutyledger_domain::workflow::{
    self, Chart, Material, Step, TaskFacts, WorkflowChart, WorkflowCommand,
};
use dutyledger_projections::duty_list::AsOf;
use dutyledger_projections::event_log::EventStore;
use dutyledger_projections::projector::Projector;
use dutyledger_projections::workflow::figures_in_force;
use futures::stream::{self, StreamExt};

#[derive(Debug, Parser)]
struct Args {
    /// Charts (one per task; missing tasks are defined first).
    #[arg(long, default_value_t = 42_530)]
    charts: usize,
    /// Steps per chart, on average (±2).
    #[arg(long, default_value_t = 10)]
    steps: usize,
    /// Share of the charts that get a second version (re-engineering).
    #[arg(long, default_value_t = 0.3)]
    reengineered: f64,
    /// Concurrent writers.
    #[arg(long, default_value_t = 8)]
    writers: usize,
    /// Timed `reengineering` queries.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Seed of the data set.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// A department as the chart generator needs it.
struct Dept {
    code: CreditCode,
    /// `(task, unit)` of every task, existing and added.
    tasks: Vec<(EntityId, EntityId)>,
    posts_by_unit: HashMap<EntityId, Vec<EntityId>>,
}

fn id(s: String) -> anyhow::Result<EntityId> {
    Ok(EntityId::parse(&s)?)
}

fn name(s: &str) -> anyhow::Result<Name> {
    Ok(Name::parse(s)?)
}

/// Chart `n` of a task: `steps` ±2 steps; version 2 drops a step (two for every third chart),
/// a procedure and a material of the first step, shortens the first limit, and lets the section
/// sign off the last step.
fn chart(
    rng: &mut Rng,
    steps: usize,
    unit: &EntityId,
    posts: &[EntityId],
    version: u8,
    n: usize,
) -> anyhow::Result<Chart> {
    let count = (steps as i64 - 2 + (n % 5) as i64).max(1) as usize;
    let count = if version == 2 {
        count
            .saturating_sub(1 + usize::from(n.is_multiple_of(3)))
            .max(1)
    } else {
        count
    };
    let mut out = Vec::with_capacity(count);
    for s in 0..count {
        let post =
            (!posts.is_empty()).then(|| posts[rng.below(posts.len() as u64) as usize].clone());
        let materials =
            1 + (n + s) % 3 - usize::from(version == 2 && s == 0 && !(n + s).is_multiple_of(3));
        let procedures = 1 + (n + 2 * s) % 3
            - usize::from(version == 2 && s == 0 && !(n + 2 * s).is_multiple_of(3));
        let last = s + 1 == count;
        let section = if last {
            // 70% before, 85% after.
            (n % 20) < if version == 1 { 14 } else { 17 }
        } else {
            true
        };
        out.push(Step {
            name: name(&format!("环节{}", s + 1))?,
            unit_id: unit.clone(),
            post_id: post,
            materials: (0..materials)
                .map(|m| {
                    Ok(Material {
                        name: name(&format!("材料{}-{}", s + 1, m + 1))?,
                        required: m == 0,
                        source: None,
                    })
                })
                .collect::<anyhow::Result<_>>()?,
            procedures: (0..procedures)
                .map(|p| name(&format!("程序{}-{}", s + 1, p + 1)))
                .collect::<anyhow::Result<_>>()?,
            time_limit: Some(TimeLimit::new(
                if version == 2 && s == 0 {
                    1
                } else {
                    1 + ((n + s) % 10) as i64
                },
                DayKind::Working,
            )?),
            sign_off_levels: if section { 1 } else { 2 + (n % 2) as u8 },
            section_sign_off: section,
            sub_steps: vec![],
        });
    }
    Ok(Chart { steps: out })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (pool, _url) =
        fresh_database(&format!("dutyledger_bench_workflows_{}", args.charts)).await?;
    let plans: Vec<Plan> = city::plans(
        PlanOptions {
            amendments: 0,
            time_limits: true,
        },
        args.seed,
    )?;
    let layout = city::Layout::of(&plans);
    let weights = city::weights();
    let weight_sum: usize = weights.iter().sum();

    // The structure, and the tasks the charts need beyond the city's.
    let mut depts = Vec::new();
    let mut extra: Vec<Vec<(chrono::DateTime<Utc>, DepartmentCommand)>> = Vec::new();
    let mut assigned = 0;
    for (i, (plan, l)) in plans.iter().zip(&layout.departments).enumerate() {
        let want = if i + 1 == DEPARTMENTS {
            args.charts - assigned
        } else {
            args.charts * weights[i] / weight_sum
        };
        assigned += want;
        let mut duties: Vec<(EntityId, EntityId)> = Vec::new();
        for (_, c) in &plan.commands[..plan.structure] {
            if let DepartmentCommand::AssignUnitDuty {
                unit_duty_id,
                unit_id,
                ..
            } = c
            {
                duties.push((unit_duty_id.clone(), unit_id.clone()));
            }
        }
        let mut tasks: Vec<(EntityId, EntityId)> = l
            .tasks
            .iter()
            .map(|(t, (u, _))| (t.clone(), u.clone()))
            .collect();
        tasks.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        tasks.truncate(want);
        let mut cmds = Vec::new();
        let mut at = ymd(2017, 1, 1);
        for k in tasks.len()..want {
            let (duty, unit) = &duties[k % duties.len()];
            let task = id(format!("tx{k}"))?;
            at += chrono::Duration::seconds(60);
            cmds.push((
                at,
                DepartmentCommand::DefineTask {
                    task_id: task.clone(),
                    unit_duty_id: duty.clone(),
                    details: TaskDetails {
                        name: name(&format!("工作任务x{k}"))?,
                        scope: None,
                        procedure: None,
                        time_limit: None,
                        standard: None,
                        risks: RiskFlags::default(),
                    },
                },
            ));
            tasks.push((task, unit.clone()));
        }
        extra.push(cmds);
        depts.push(Dept {
            code: plan.code.clone(),
            tasks,
            posts_by_unit: l.posts_by_unit.clone(),
        });
    }
    let structure_commands: usize = plans.iter().map(|p| p.structure).sum::<usize>()
        + extra.iter().map(Vec::len).sum::<usize>();
    eprintln!(
        "structure: {structure_commands} department commands ({} extra tasks)...",
        extra.iter().map(Vec::len).sum::<usize>()
    );
    let store = EventStore::new(pool.clone());
    let started = Instant::now();
    let results: Vec<anyhow::Result<usize>> = stream::iter(plans.iter().zip(&extra))
        .map(|(p, extra)| {
            let store = store.clone();
            async move {
                let mut events = 0;
                for (at, command) in p.commands[..p.structure].iter().chain(extra.iter()) {
                    let mut meta = CommandMetadata::new("system:bench", "bench");
                    meta.effective_at = Some(*at);
                    events += store
                        .execute::<Department>(p.code.as_str(), command.clone(), &meta)
                        .await
                        .map_err(|e| anyhow::anyhow!("{}: {command:?}: {e}", p.code))?
                        .events;
                }
                Ok(events)
            }
        })
        .buffer_unordered(6)
        .collect()
        .await;
    let structure_events: usize = results
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?
        .into_iter()
        .sum();
    let projector = Projector::new(pool.clone(), projections());
    projector
        .catch_up_through_head(Duration::from_secs(7200))
        .await?;
    let structure_secs = started.elapsed().as_secs_f64();
    sqlx::query("ANALYZE").execute(&pool).await?;
    eprintln!("{structure_events} structure events written and projected in {structure_secs:.1} s");

    // Facts per department (the structure is fixed during the load).
    let at1 = ymd(2020, 1, 1);
    let at2 = ymd(2025, 6, 1);
    let mut facts: Vec<TaskFacts> = Vec::new();
    for d in &depts {
        let (task, _) = &d.tasks[0];
        facts.push(
            task_facts(&pool, &d.code, task, at1, "bench")
                .await
                .map_err(|e| anyhow::anyhow!(e.message()))?,
        );
    }
    let mut uncached = Vec::new();
    for (task, _) in depts[0].tasks.iter().take(20) {
        let t0 = Instant::now();
        std::hint::black_box(
            task_facts(&pool, &depts[0].code, task, at1, "bench")
                .await
                .map_err(|e| anyhow::anyhow!(e.message()))?,
        );
        uncached.push(t0.elapsed());
    }
    uncached.sort();

    // The charts through the command path, the projector running.
    let state = AppState::new(pool.clone(), Duration::from_secs(30));
    let projector_task = state.spawn_projector();
    let ctx = RequestContext::new(Actor::system("bench"));
    let jobs: Vec<(usize, usize)> = depts
        .iter()
        .enumerate()
        .flat_map(|(di, d)| (0..d.tasks.len()).map(move |ti| (di, ti)))
        .collect();
    let chart_of = |di: usize, ti: usize, version: u8| -> anyhow::Result<WorkflowCommand> {
        let d = &depts[di];
        let (task, unit) = &d.tasks[ti];
        let mut rng =
            Rng::new(args.seed ^ ((di as u64) << 40) ^ (ti as u64) ^ (u64::from(version) << 60));
        let posts = d.posts_by_unit.get(unit).map_or(&[][..], Vec::as_slice);
        let mut f = facts[di].clone();
        f.task_id = task.clone();
        f.high_risk = false;
        Ok(WorkflowCommand::Supersede {
            facts: f,
            chart: chart(
                &mut rng,
                args.steps,
                unit,
                posts,
                version,
                di * 100_000 + ti,
            )?,
        })
    };
    let load = |jobs: Vec<(usize, usize)>, version: u8| {
        let state = &state;
        let ctx = &ctx;
        let chart_of = &chart_of;
        let depts = &depts;
        async move {
            let started = Instant::now();
            let mut latencies: Vec<Duration> = Vec::with_capacity(jobs.len());
            let mut events = 0usize;
            let mut steps = 0usize;
            let results: Vec<anyhow::Result<(Duration, usize, usize)>> = stream::iter(jobs)
                .map(|(di, ti)| async move {
                    let command = chart_of(di, ti, version)?;
                    let n = match &command {
                        WorkflowCommand::Supersede { chart, .. } => chart.steps.len(),
                        _ => 0,
                    };
                    let d = &depts[di];
                    let when = When {
                        reason: Some("工作流程图".to_owned()),
                        effective_at: Some(if version == 1 { at1 } else { at2 }),
                        command_id: None,
                    };
                    let t0 = Instant::now();
                    let o = state
                        .commands
                        .execute::<WorkflowChart>(
                            ctx,
                            &workflow::stream_id(&d.code, &d.tasks[ti].0),
                            command,
                            when,
                        )
                        .await
                        .map_err(|e| {
                            anyhow::anyhow!("chart {} {}: {}", d.code, d.tasks[ti].0, e.message())
                        })?;
                    Ok((t0.elapsed(), o.events, n))
                })
                .buffer_unordered(args.writers)
                .collect()
                .await;
            for r in results {
                let (l, e, n) = r?;
                latencies.push(l);
                events += e;
                steps += n;
            }
            latencies.sort();
            Ok::<_, anyhow::Error>((started.elapsed().as_secs_f64(), latencies, events, steps))
        }
    };
    eprintln!(
        "loading {} charts ({} writers)...",
        jobs.len(),
        args.writers
    );
    let (v1_secs, v1_lat, v1_events, v1_steps) = load(jobs.clone(), 1).await?;
    eprintln!("{v1_events} charts in {v1_secs:.1} s");
    let mut rng = Rng::new(args.seed ^ 0xfeed);
    let second: Vec<(usize, usize)> = jobs
        .iter()
        .copied()
        .filter(|_| (rng.below(10_000) as f64) < args.reengineered * 10_000.0)
        .collect();
    let (v2_secs, v2_lat, v2_events, _) = load(second.clone(), 2).await?;
    eprintln!("{v2_events} second versions in {v2_secs:.1} s");
    projector_task.abort();
    let publications: i64 = sqlx::query_scalar("SELECT count(*) FROM workflow_publications")
        .fetch_one(&pool)
        .await?;
    sqlx::query("ANALYZE").execute(&pool).await?;

    // Baseline 1: the same number of event-shaped rows, one INSERT each, same writers.
    let payloads: Vec<(String, String)> = sqlx::query_as(
        "SELECT aggregate_id, payload::text FROM events WHERE aggregate_type = 'workflow_chart' ORDER BY aggregate_id, sequence",
    )
    .fetch_all(&pool)
    .await?;
    sqlx::query(
        "CREATE TABLE bench_plain_events (aggregate_type text NOT NULL, aggregate_id text NOT NULL, \
         sequence bigint NOT NULL, event_type text NOT NULL, event_version text NOT NULL, payload jsonb NOT NULL, \
         metadata jsonb NOT NULL, PRIMARY KEY (aggregate_type, aggregate_id, sequence))",
    )
    .execute(&pool)
    .await?;
    let payloads = Arc::new(payloads);
    let t0 = Instant::now();
    let n = payloads.len();
    let results: Vec<anyhow::Result<()>> = stream::iter(0..n)
        .map(|i| {
            let pool = pool.clone();
            let payloads = payloads.clone();
            async move {
                let (agg, payload) = &payloads[i];
                sqlx::query(
                    "INSERT INTO bench_plain_events VALUES ('workflow_chart', $1, $2, 'WorkflowPublished', '1', $3::jsonb, \
                     '{\"actor\": \"system:bench\", \"request_id\": \"bench\"}')",
                )
                .bind(agg)
                .bind(i as i64)
                .bind(payload)
                .execute(&pool)
                .await?;
                Ok(())
            }
        })
        .buffer_unordered(args.writers)
        .collect()
        .await;
    results.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    let insert_secs = t0.elapsed().as_secs_f64();
    sqlx::query("DROP TABLE bench_plain_events")
        .execute(&pool)
        .await?;

    // Baseline 2: the figures of the versions in force, from a plain table.
    sqlx::query(
        "CREATE TABLE bench_plain_figures AS SELECT department_id, task_id, sequence, effective_at, recorded_at, \
         steps, sub_steps, procedures, materials, time_limit_days, section_sign_off FROM workflow_publications",
    )
    .execute(&pool)
    .await?;
    sqlx::query("CREATE INDEX ON bench_plain_figures (department_id, task_id, effective_at DESC, sequence DESC)")
        .execute(&pool)
        .await?;
    sqlx::query("ANALYZE bench_plain_figures")
        .execute(&pool)
        .await?;

    let schema = build_schema(state.clone(), Limits::default());
    let query = "query($f: ReengineeringFilter) { reengineering(filter: $f) { \
        rows { departmentId chartsReengineered stepsRemoved subStepsRemoved proceduresRemoved materialsRemoved \
               timeLimitDaysRemoved itemsBefore itemsAfter sectionShareBefore sectionShareAfter leaderShareBefore leaderShareAfter } \
        totals { chartsReengineered stepsRemoved proceduresRemoved materialsRemoved timeLimitDaysRemoved itemsBefore itemsAfter \
                 sectionShareBefore sectionShareAfter } } }";
    let vars = serde_json::json!({"f": {"from": "2025-01-01T00:00:00+08:00", "to": "2026-01-01T00:00:00+08:00"}});
    let actor = Actor::supervisor("bench");
    let mut graphql = Vec::new();
    let mut baseline = Vec::new();
    let mut read_model = Vec::new();
    let mut totals = serde_json::Value::Null;
    let from =
        chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00+08:00")?.with_timezone(&Utc);
    let to = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00+08:00")?.with_timezone(&Utc);
    for i in 0..(args.queries + 20) {
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(vars.clone()))
            .data(RequestContext::new(actor.clone()));
        let t0 = Instant::now();
        let response = execute(&schema, request).await;
        let g = t0.elapsed();
        if !response.errors.is_empty() {
            anyhow::bail!("query failed: {:?}", response.errors);
        }
        let t0 = Instant::now();
        for at in [from, to] {
            let r = figures_in_force(
                &pool,
                None,
                AsOf {
                    valid_at: at,
                    known_at: Utc::now(),
                },
            )
            .await?;
            std::hint::black_box(r.len());
        }
        let m = t0.elapsed();
        let t0 = Instant::now();
        let mut rows = 0;
        for at in [from, to] {
            let r = sqlx::query(
                "SELECT DISTINCT ON (department_id, task_id) department_id, task_id, effective_at, steps, sub_steps, \
                 procedures, materials, time_limit_days, section_sign_off FROM bench_plain_figures \
                 WHERE effective_at <= $1 AND recorded_at <= now() \
                 ORDER BY department_id, task_id, effective_at DESC, sequence DESC",
            )
            .bind(at)
            .fetch_all(&pool)
            .await?;
            rows += r.len();
        }
        let b = t0.elapsed();
        std::hint::black_box(rows);
        if i >= 20 {
            graphql.push(g);
            read_model.push(m);
            baseline.push(b);
        } else if i == 0 {
            totals = response.data.into_json()?["reengineering"]["totals"].clone();
        }
    }
    graphql.sort();
    read_model.sort();
    baseline.sort();

    let charts_per_s = v1_events as f64 / v1_secs;
    let insert_rate = n as f64 / insert_secs;
    let ms = |v: &[Duration], p: f64| percentile_ms(v, p);
    println!(
        "### workflows, {} charts ({})",
        v1_events,
        Utc::now().format("%Y-%m-%d")
    );
    println!();
    println!(
        "structure: {DEPARTMENTS} departments, {} tasks ({} defined for the charts), {structure_events} events written and projected in {structure_secs:.1} s",
        depts.iter().map(|d| d.tasks.len()).sum::<usize>(),
        extra.iter().map(Vec::len).sum::<usize>()
    );
    println!(
        "task_facts uncached (largest department, {} tasks): p50 {:.2} ms, max {:.2} ms (read once per department during the load)",
        depts[0].tasks.len(),
        ms(&uncached, 50.0),
        ms(&uncached, 100.0)
    );
    println!();
    println!("| load | charts | steps | s | charts/s | command p50 ms | p99 ms |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| version 1 (`Commands::execute::<WorkflowChart>` Supersede, {} writers, projector running) | {v1_events} | {v1_steps} | {v1_secs:.1} | {charts_per_s:.0} | {:.2} | {:.2} |",
        args.writers,
        ms(&v1_lat, 50.0),
        ms(&v1_lat, 99.0)
    );
    println!(
        "| version 2 of {} charts (from 2025-06-01) | {v2_events} | | {v2_secs:.1} | {:.0} | {:.2} | {:.2} |",
        second.len(),
        v2_events as f64 / v2_secs,
        ms(&v2_lat, 50.0),
        ms(&v2_lat, 99.0)
    );
    println!(
        "| baseline: {n} event-shaped rows, one INSERT each into a plain table (primary key only), {} writers | {n} | | {insert_secs:.1} | {insert_rate:.0} | | |",
        args.writers
    );
    println!();
    println!(
        "ratio load / baseline: {:.3} ({publications} publication rows)",
        charts_per_s / insert_rate
    );
    println!();
    println!(
        "| query ({} runs after 20 warm-up) | p50 ms | p99 ms | max ms |",
        args.queries
    );
    println!("|---|---|---|---|");
    println!(
        "| GraphQL `reengineering` for the whole city, period 2025 (in process) | {:.2} | {:.2} | {:.2} |",
        ms(&graphql, 50.0),
        ms(&graphql, 99.0),
        ms(&graphql, 100.0)
    );
    println!(
        "| read model: `workflow::figures_in_force` at both ends (the figure columns) | {:.2} | {:.2} | {:.2} |",
        ms(&read_model, 50.0),
        ms(&read_model, 99.0),
        ms(&read_model, 100.0)
    );
    println!(
        "| baseline: figures in force at both ends from a plain table (DISTINCT ON, btree) | {:.2} | {:.2} | {:.2} |",
        ms(&baseline, 50.0),
        ms(&baseline, 99.0),
        ms(&baseline, 100.0)
    );
    println!();
    println!(
        "ratio GraphQL / baseline at p50: {:.2}; target p50/p99 < 200 ms: {}",
        ms(&graphql, 50.0) / ms(&baseline, 50.0).max(1e-9),
        if ms(&graphql, 99.0) < 200.0 {
            "met"
        } else {
            "not met"
        }
    );
    println!("totals: {totals}");
    Ok(())
}
