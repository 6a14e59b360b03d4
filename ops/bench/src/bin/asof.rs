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

use chrono::{DateTime, TimeZone, Utc};
use clap::Parser;
use dutyledger_api::app::{projections, AppState};
use dutyledger_api::auth::Actor;
use dutyledger_api::context::RequestContext;
use dutyledger_api::graphql::{build_schema, execute, Limits};
use dutyledger_bench::{fresh_database, percentile_ms, Rng};
use dutyledger_domain::department::{Department, DepartmentCommand, RiskFlags, TaskDetails};
use dutyledger_domain::metadata::CommandMetadata;
use dutyledger_domain::values::{
    BodyKind, CreditCode, DepartmentLevel, DivisionCode, EntityId, Headcount, Name, Text,
};
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

const DEPARTMENTS: usize = 36;
const UNIT_DUTIES: usize = 2443;
const TASKS: usize = 4409;
const POSTS: usize = 5000;

fn ymd(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn id(s: String) -> anyhow::Result<EntityId> {
    Ok(EntityId::parse(&s)?)
}

/// Splits `total` over departments by weight.
fn share(total: usize, weights: &[usize], i: usize) -> usize {
    let sum: usize = weights.iter().sum();
    let base = total * weights[i] / sum;
    if i == weights.len() - 1 {
        total - (0..i).map(|j| total * weights[j] / sum).sum::<usize>()
    } else {
        base
    }
}

struct Plan {
    code: CreditCode,
    commands: Vec<(DateTime<Utc>, DepartmentCommand)>,
    /// How many of the commands build the structure (the rest are amendments).
    structure: usize,
}

fn plan(index: usize, weights: &[usize], amendments: u32, seed: u64) -> anyhow::Result<Plan> {
    let mut rng = Rng::new(seed ^ (index as u64 * 0x1000_0001));
    let code = CreditCode::from_parts('1', '1', "371300", &format!("8{:07}", index + 1))?;
    let duties = share(UNIT_DUTIES, weights, index);
    let tasks = share(TASKS, weights, index);
    let posts = share(POSTS, weights, index);
    let units = (duties / 6).clamp(4, 40);
    let mains = (duties / 8).clamp(3, 30);
    let mut out = Vec::new();
    let mut t = ymd(2016, 1, 1);
    let step = |t: &mut DateTime<Utc>, secs: i64| {
        *t += chrono::Duration::seconds(secs);
        *t
    };
    out.push((
        t,
        DepartmentCommand::EstablishDepartment {
            id: code.clone(),
            name: Name::parse(&format!("临沂市第{}局", index + 1))?,
            division: DivisionCode::parse("371300000000")?,
            level: DepartmentLevel::City,
            sector: Name::parse("综合")?,
            kind: BodyKind::GovernmentDepartment,
        },
    ));
    out.push((
        step(&mut t, 60),
        DepartmentCommand::SetDepartmentStaffing {
            headcount: Headcount::parse(10_000)?,
        },
    ));
    for m in 0..mains {
        out.push((
            step(&mut t, 60),
            DepartmentCommand::DefineMainDuty {
                duty_id: id(format!("md{m}"))?,
                text: Text::parse(&format!("主要职责{m}：负责本领域的综合监督管理工作"))?,
            },
        ));
    }
    for u in 0..units {
        out.push((
            step(&mut t, 60),
            DepartmentCommand::EstablishUnit {
                unit_id: id(format!("u{u}"))?,
                name: Name::parse(&format!("第{u}科"))?,
            },
        ));
    }
    for d in 0..duties {
        out.push((
            step(&mut t, 60),
            DepartmentCommand::AssignUnitDuty {
                unit_duty_id: id(format!("ud{d}"))?,
                main_duty_id: id(format!("md{}", d % mains))?,
                unit_id: id(format!("u{}", d % units))?,
                text: Text::parse(&format!("科室职责{d}：承担具体事项的组织实施"))?,
            },
        ));
    }
    for p in 0..posts {
        out.push((
            step(&mut t, 60),
            DepartmentCommand::CreatePost {
                post_id: id(format!("p{p}"))?,
                unit_id: id(format!("u{}", p % units))?,
                name: Name::parse(&format!("岗位{p}"))?,
            },
        ));
    }
    let task_details = |n: usize, version: u32| -> anyhow::Result<TaskDetails> {
        Ok(TaskDetails {
            name: Name::parse(&format!("工作任务{n}（第{version}版）"))?,
            scope: Some(Text::parse("本部门职责范围内的相关事项")?),
            procedure: None,
            time_limit: None,
            standard: None,
            risks: RiskFlags::default(),
        })
    };
    for k in 0..tasks {
        let duty = k % duties;
        out.push((
            step(&mut t, 60),
            DepartmentCommand::DefineTask {
                task_id: id(format!("t{k}"))?,
                unit_duty_id: id(format!("ud{duty}"))?,
                details: task_details(k, 1)?,
            },
        ));
        // A post of the same unit: posts p ≡ unit (mod units), duty d is in unit d mod units.
        let unit = duty % units;
        let candidates: Vec<usize> = (0..posts).filter(|p| p % units == unit).collect();
        if let Some(&p) = candidates.get(k % candidates.len().max(1)) {
            out.push((
                step(&mut t, 60),
                DepartmentCommand::AssignTaskToPost {
                    task_id: id(format!("t{k}"))?,
                    post_id: id(format!("p{p}"))?,
                },
            ));
        }
    }
    let structure = out.len();
    // Ten years of amendments, in valid-time order, with a few backdated corrections.
    let span = (ymd(2026, 1, 1) - ymd(2016, 6, 1)).num_seconds();
    let gap = (span / i64::from(amendments.max(1))).max(1);
    let mut at = ymd(2016, 6, 1);
    for a in 0..amendments {
        at += chrono::Duration::seconds(gap);
        // Amendments change what exists without adding to it, so the answer's size stays the
        // same whatever the log's size (the benchmark measures the log, not the answer).
        let command = match rng.below(100) {
            0..=44 => {
                let k = rng.below(tasks as u64) as usize;
                DepartmentCommand::AmendTask {
                    task_id: id(format!("t{k}"))?,
                    details: task_details(k, a + 2)?,
                }
            }
            45..=59 => {
                let u = rng.below(units as u64);
                DepartmentCommand::RenameUnit {
                    unit_id: id(format!("u{u}"))?,
                    name: Name::parse(&format!("第{u}科（{a}）"))?,
                }
            }
            60..=79 => {
                let u = rng.below(units as u64);
                DepartmentCommand::SetUnitStaffing {
                    unit_id: id(format!("u{u}"))?,
                    headcount: Headcount::parse(1 + rng.below(20) as i64)?,
                }
            }
            _ => {
                let m = rng.below(mains as u64);
                DepartmentCommand::AmendMainDuty {
                    duty_id: id(format!("md{m}"))?,
                    text: Text::parse(&format!("主要职责{m}（{a}年修订）"))?,
                }
            }
        };
        out.push((at, command));
        if a % 500 == 250 {
            // A correction recorded now, effective a year earlier.
            let u = rng.below(units as u64);
            out.push((
                at - chrono::Duration::days(365),
                DepartmentCommand::SetUnitStaffing {
                    unit_id: id(format!("u{u}"))?,
                    headcount: Headcount::parse(1 + rng.below(20) as i64)?,
                },
            ));
        }
    }
    Ok(Plan {
        code,
        commands: out,
        structure,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (pool, _url) =
        fresh_database(&format!("dutyledger_bench_asof_{}", args.amendments)).await?;
    let mut weights: Vec<usize> = (0..DEPARTMENTS).map(|i| 2 + (i * 7919 + 13) % 3).collect();
    weights[0] = 9; // the largest department: about three times the average
    let plans: Vec<Plan> = (0..DEPARTMENTS)
        .map(|i| plan(i, &weights, args.amendments, args.seed))
        .collect::<anyhow::Result<_>>()?;
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
    projector.catch_up_once().await?;
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
