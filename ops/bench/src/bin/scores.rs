//! Benchmark: scoring a supervision round (issue 15) over the data set of the `records` bench.
//!
//! Builds the records bench's data set from the same seeded generator with Linyi's 74 city
//! departments (`--departments`; the totals of duties, tasks and posts grow with the count, see
//! `dutyledger_bench::city`) and `--records` performance records of 2021-2025, through the event
//! store, `Ingestor::ingest` and the production projector. On top, through the command path
//! (`Commands::execute` as the system actor): risk flags on a share of the tasks, workflow charts
//! published for most of those high-risk tasks, and boundary matters between departments, half
//! of them ruled, so that the duty-list, workflow and boundary sources measure real data. With
//! `--reuse` a database kept from an earlier run with the same data set is used as it is.
//!
//! Then `--today` records recorded now (the log a `knownAt` of today reads besides the rollups),
//! the seed-shaped scheme (`data/schemes/seed-7-21.json`, 7 + 21 indicators) published, a round
//! planned over every department for 2025, advanced to online analysis, and
//! `Commands::score_round` (knownAt = now) timed end to end `--runs` times (rescoring is allowed
//! in online analysis), with the per-read-model breakdown `measure` reports. Beside each run:
//! `measure` called directly with the same arguments, and the `Score` command alone (the round's
//! 74 `DepartmentScored` events, with the wait for the projector), to tell measuring from
//! writing.
//!
//! Baselines in the same run and database: two plain SQL aggregates over the raw event log that
//! a hand-written report would run (records per department; the 2025 on-time figures per
//! department from the payloads).
//!
//! See ops/bench/README.md.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use clap::Parser;
use dutyledger_api::app::{projections, AppState, When};
use dutyledger_api::auth::Actor;
use dutyledger_api::context::RequestContext;
use dutyledger_api::service::supervision::{ranked, RoundInput};
use dutyledger_api::service::AppError;
use dutyledger_bench::city::{self, ymd, Layout, PlanOptions};
use dutyledger_bench::dataset::{self, write_structure, Generator};
use dutyledger_bench::{existing_database, fresh_database, Rng};
use dutyledger_domain::boundary::{
    BoundaryCommand, BoundaryMatter, MatterKind, Mechanism, Party, PartyRole, Role, Ruling,
    Stage as MatterStage,
};
use dutyledger_domain::department::{Change, Department, DepartmentCommand, TaskPatch};
use dutyledger_domain::performance::{local_date, RawRecord};
use dutyledger_domain::round::{Mode, RoundCommand, ScopeEntry, Stage, SupervisionRound};
use dutyledger_domain::scheme::{Measured, SchemeDefinition, SHIPPED};
use dutyledger_domain::values::{CreditCode, DayKind, EntityId, Name, Text, TimeLimit};
use dutyledger_domain::workflow::{Chart, Material, Step};
use dutyledger_projections::event_log;
use dutyledger_projections::performance::query::{performance, Dimension, Filter, Query};
use dutyledger_projections::projector::{min_checkpoint, Projector};
use dutyledger_projections::supervision::{self, Period};
use dutyledger_projections::Cursor;
use sqlx::{PgPool, Row};

#[derive(Debug, Parser)]
struct Args {
    /// Records of the data set (valid, distinct record ids; 0.1% resubmissions and 0.1% invalid
    /// records come on top, as in the records bench).
    #[arg(long, default_value_t = 10_000_000)]
    records: u64,
    /// City departments (74: Linyi's).
    #[arg(long, default_value_t = city::LINYI_DEPARTMENTS)]
    departments: usize,
    /// Seed of the data set.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Records per batch.
    #[arg(long, default_value_t = 5_000)]
    batch: usize,
    /// Concurrent ingest tasks.
    #[arg(long, default_value_t = 2)]
    writers: usize,
    /// Share of the tasks with a time limit flagged high-risk (a risk flag set from 2024-06-01,
    /// with a procedure and a standard, as a flagged task needs).
    #[arg(long, default_value_t = 0.05)]
    high_risk: f64,
    /// Share of the high-risk tasks with a workflow chart (in force from 2025-03-01).
    #[arg(long, default_value_t = 0.6)]
    charted: f64,
    /// Boundary matters between departments (registered 2023-2025).
    #[arg(long, default_value_t = 48)]
    matters: usize,
    /// Share of the boundary matters ruled.
    #[arg(long, default_value_t = 0.5)]
    ruled: f64,
    /// Records recorded right before the round is scored (the part of the data a `knownAt` of
    /// today reads from the log; about one day of a city's records).
    #[arg(long, default_value_t = 50_000)]
    today: u64,
    /// Timed scorings of the round.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Timed scorings with knownAt = the instant before the `--today` records were stored (the
    /// rollups are then not settled at knownAt: `measure` reads knownAt's day from the log).
    #[arg(long, default_value_t = 1)]
    past_runs: usize,
    /// Also time, after each scoring, `measure` called directly and the `Score` command alone.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    split: bool,
    /// After the scorings, time the performance queries `measure` makes one by one (and the
    /// task figures of all departments in one query, and both without `knownAt`: rollups only).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    detail: bool,
    /// Timed runs of each baseline query.
    #[arg(long, default_value_t = 3)]
    baseline_runs: usize,
    /// Use the database if it already holds this data set (built by an earlier run).
    #[arg(long)]
    reuse: bool,
    /// The database's name (default `dutyledger_bench_scores_<records>_<departments>d`).
    #[arg(long)]
    database: Option<String>,
}

/// The table that marks a complete data set (written last by the build).
const MARKER: &str = "bench_scores_dataset";
/// The scheme's id.
const SCHEME_ID: &str = "seed-7-21";

fn app(e: AppError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.message())
}

fn id(s: &str) -> anyhow::Result<EntityId> {
    Ok(EntityId::parse(s)?)
}

fn name(s: &str) -> anyhow::Result<Name> {
    Ok(Name::parse(s)?)
}

fn text(s: &str) -> anyhow::Result<Text> {
    Ok(Text::parse(s)?)
}

/// Waits until every projection has applied the log's head; returns the seconds waited.
async fn wait_projected(pool: &PgPool, timeout: Duration) -> anyhow::Result<f64> {
    let t0 = Instant::now();
    let names: Vec<&'static str> = projections().iter().map(|p| p.name()).collect();
    let mut conn = pool.acquire().await?;
    let Some(head) = event_log::head(&mut conn).await? else {
        return Ok(0.0);
    };
    while min_checkpoint(&mut conn, &names).await? < head {
        if t0.elapsed() > timeout {
            anyhow::bail!("the projections did not catch up within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(t0.elapsed().as_secs_f64())
}

/// A high-risk task: the task, its unit, the post holding it, whether it gets a chart.
type HighRisk = (EntityId, EntityId, Option<EntityId>, bool);

/// The high-risk tasks of each department (a share of its tasks with a time limit, chosen from
/// the seed; a task with a risk flag must state its time limit, and changing a limit would
/// change how the records were checked), with their unit and the post holding them, in task
/// order; and which of them get a chart.
fn high_risk_tasks(layout: &Layout, seed: u64, share: f64, charted: f64) -> Vec<Vec<HighRisk>> {
    layout
        .departments
        .iter()
        .enumerate()
        .map(|(d, l)| {
            let mut tasks: Vec<(&EntityId, &EntityId)> = l
                .tasks
                .iter()
                .filter(|(_, (_, limit))| limit.is_some())
                .map(|(t, (u, _))| (t, u))
                .collect();
            tasks.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            tasks
                .into_iter()
                .enumerate()
                .filter_map(|(k, (task, unit))| {
                    let mut r = Rng::new(seed ^ 0x715C_0000_0000 ^ ((d as u64) << 32) ^ k as u64);
                    r.next_u64();
                    if (r.below(10_000) as f64) >= share * 10_000.0 {
                        return None;
                    }
                    let post = l
                        .assignments
                        .iter()
                        .find(|a| &a.task == task)
                        .map(|a| a.post.clone());
                    let chart = (r.below(10_000) as f64) < charted * 10_000.0;
                    Some((task.clone(), unit.clone(), post, chart))
                })
                .collect()
        })
        .collect()
}

/// A chart of 3 to 6 steps, each handled by the task's unit (and post), with a time limit (a
/// high-risk task's steps need one).
fn chart(n: usize, unit: &EntityId, post: Option<&EntityId>) -> anyhow::Result<Chart> {
    let steps = (0..3 + n % 4)
        .map(|s| {
            Ok(Step {
                name: name(&format!("环节{}", s + 1))?,
                unit_id: unit.clone(),
                post_id: post.cloned(),
                materials: vec![Material {
                    name: name(&format!("材料{}", s + 1))?,
                    required: true,
                    source: None,
                }],
                procedures: vec![name(&format!("程序{}", s + 1))?],
                time_limit: Some(TimeLimit::new(1 + ((n + s) % 5) as i64, DayKind::Working)?),
                sign_off_levels: 1 + (s % 2) as u8,
                section_sign_off: s % 2 == 0,
                sub_steps: vec![],
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Chart { steps })
}

/// What the extras wrote.
#[derive(Debug, Default)]
struct Extras {
    flagged: usize,
    charts: usize,
    matters: usize,
    ruled: usize,
    events: usize,
    secs: f64,
}

/// Risk flags, charts and boundary matters through the command path (the projector runs).
async fn write_extras(
    state: &AppState,
    ctx: &RequestContext,
    layout: &Layout,
    args: &Args,
) -> anyhow::Result<Extras> {
    let t0 = Instant::now();
    let mut out = Extras::default();
    let high_risk = high_risk_tasks(layout, args.seed, args.high_risk, args.charted);
    let flagged_at = ymd(2024, 6, 1);
    let charted_at = ymd(2025, 3, 1);
    for (d, tasks) in high_risk.iter().enumerate() {
        let code = &layout.departments[d].code;
        for (k, (task, _, _, _)) in tasks.iter().enumerate() {
            let patch = TaskPatch {
                procedure: Some(Change::Set(text("受理、审查、决定、送达")?)),
                standard: Some(Change::Set(text("依法依规、公开透明、按时办结")?)),
                strict_policy_standard: (k % 3 == 0).then_some(true),
                wide_discretion: (k % 3 == 1).then_some(true),
                integrity_risk: (k % 3 == 2).then_some(true),
                ..TaskPatch::default()
            };
            out.events += state
                .commands
                .execute::<Department>(
                    ctx,
                    code.as_str(),
                    DepartmentCommand::AmendTask {
                        task_id: task.clone(),
                        patch,
                    },
                    When {
                        effective_at: Some(flagged_at),
                        ..When::default()
                    },
                )
                .await
                .map_err(app)?
                .events;
            out.flagged += 1;
        }
    }
    for (d, tasks) in high_risk.iter().enumerate() {
        let code = &layout.departments[d].code;
        for (k, (task, unit, post, with_chart)) in tasks.iter().enumerate() {
            if !with_chart {
                continue;
            }
            out.events += state
                .commands
                .publish_chart(
                    ctx,
                    code,
                    task,
                    chart(d * 1000 + k, unit, post.as_ref())?,
                    When {
                        effective_at: Some(charted_at),
                        ..When::default()
                    },
                )
                .await
                .map_err(app)?
                .events;
            out.charts += 1;
        }
    }
    // Boundary matters between two or three departments, registered over 2023-2025; a share
    // ruled a month later.
    let n = layout.departments.len();
    let mut rng = Rng::new(args.seed ^ 0xB0DA_4E55);
    for m in 0..args.matters {
        let count = 2 + rng.below(2) as usize;
        let mut chosen: Vec<usize> = Vec::new();
        while chosen.len() < count.min(n) {
            let d = rng.below(n as u64) as usize;
            if !chosen.contains(&d) {
                chosen.push(d);
            }
        }
        let parties: Vec<Party> = chosen
            .iter()
            .enumerate()
            .map(|(i, &d)| {
                Ok(Party {
                    party_id: id(&format!("p{}", i + 1))?,
                    department_id: layout.departments[d].code.clone(),
                    unit_id: None,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        let matter = format!("bm{m}");
        let registered =
            ymd(2023, 1, 1) + chrono::Duration::days((m * 1000 / args.matters.max(1)) as i64);
        out.events += state
            .commands
            .execute::<BoundaryMatter>(
                ctx,
                &matter,
                BoundaryCommand::RegisterMatter {
                    kind: MatterKind::BetweenDepartments,
                    field: name("综合监管")?,
                    title: name(&format!("职责边界事项{m}"))?,
                    description: Some(text("多部门职责交叉的监管事项")?),
                    parties: parties.clone(),
                },
                When {
                    effective_at: Some(registered),
                    ..When::default()
                },
            )
            .await
            .map_err(app)?
            .events;
        out.matters += 1;
        // Every matter whose share crosses a whole number: evenly spread, `ruled` of them.
        if ((m + 1) as f64 * args.ruled).floor() > (m as f64 * args.ruled).floor() {
            let roles = parties
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    Ok(PartyRole {
                        party_id: p.party_id.clone(),
                        role: if i == 0 {
                            Role::Lead
                        } else {
                            Role::Cooperating
                        },
                        duty: text(if i == 0 {
                            "牵头监管"
                        } else {
                            "配合监管"
                        })?,
                    })
                })
                .collect::<anyhow::Result<_>>()?;
            out.events += state
                .commands
                .execute::<BoundaryMatter>(
                    ctx,
                    &matter,
                    BoundaryCommand::RuleMatter {
                        ruling: Ruling {
                            stages: vec![MatterStage {
                                name: name("全过程")?,
                                roles,
                            }],
                            basis: text("市政府职责分工文件")?,
                            mechanisms: vec![Mechanism::JointMeeting, Mechanism::ClueHandover],
                        },
                    },
                    When {
                        effective_at: Some(registered + chrono::Duration::days(30)),
                        ..When::default()
                    },
                )
                .await
                .map_err(app)?
                .events;
            out.ruled += 1;
        }
    }
    out.secs = t0.elapsed().as_secs_f64();
    Ok(out)
}

/// One timed scoring.
#[derive(Debug, Clone)]
struct Run {
    total: Duration,
    timings: Vec<(&'static str, Duration)>,
    /// `measure` called directly with the same arguments: its wall time, and the part of it
    /// outside its own breakdown (the creation cursors of the evidence).
    measure: Option<(Duration, Duration)>,
    /// The `Score` command alone.
    command: Option<Duration>,
    events: usize,
    /// Whether the rollups were settled at its knownAt.
    settled: bool,
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.len() % 2 == 1 {
        s[s.len() / 2]
    } else {
        (s[s.len() / 2 - 1] + s[s.len() / 2]) / 2.0
    }
}

fn min_max(v: &[f64]) -> (f64, f64) {
    (
        v.iter().copied().fold(f64::INFINITY, f64::min),
        v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    )
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

/// The records bench's generator with ids of their own (`t<stamp>-<n>`), for records recorded
/// right before the scoring.
fn today_records<'a>(
    generator: &'a Generator,
    stamp: &str,
) -> impl Iterator<Item = (u64, Vec<RawRecord>)> + 'a {
    let stamp = stamp.to_owned();
    generator.batches(5_000).map(move |(index, items)| {
        let raws = items
            .into_iter()
            .map(|i| {
                let mut raw = generator.raw(i);
                raw.record_id = raw.record_id.map(|r| format!("t{stamp}-{r}"));
                raw
            })
            .collect();
        (index, raws)
    })
}

/// Whether the rollups are settled at `known_at`: every record event projected, none recorded
/// after `known_at` (the condition under which `measure` reads them as they stand). Read with
/// index lookups only (the last record event by the log's order, one `recorded_at` probe).
async fn settled(pool: &PgPool, known_at: DateTime<Utc>) -> anyhow::Result<bool> {
    let later: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM events WHERE recorded_at > $1 \
         AND aggregate_type = 'performance_record')",
    )
    .bind(known_at)
    .fetch_one(pool)
    .await?;
    let cursor = |row: Option<sqlx::postgres::PgRow>| -> anyhow::Result<Option<Cursor>> {
        row.map(|r| {
            let txid: String = r.try_get("txid")?;
            Ok(Cursor::new(txid.parse()?, r.try_get("position")?))
        })
        .transpose()
    };
    let last = cursor(
        sqlx::query(
            "SELECT transaction_id::text AS txid, position FROM events \
             WHERE aggregate_type = 'performance_record' \
             ORDER BY transaction_id DESC, position DESC LIMIT 1",
        )
        .fetch_optional(pool)
        .await?,
    )?;
    let checkpoint = cursor(
        sqlx::query(
            "SELECT last_transaction_id::text AS txid, last_position AS position \
             FROM projector_checkpoints WHERE projection = 'performance'",
        )
        .fetch_optional(pool)
        .await?,
    )?;
    Ok(!later && checkpoint.is_some() && last <= checkpoint)
}

fn settled_line(runs: &[Run], past: &[Run]) -> String {
    let say = |v: &[Run]| {
        let yes = v.iter().filter(|r| r.settled).count();
        match yes {
            0 => "no".to_owned(),
            n if n == v.len() => "yes".to_owned(),
            n => format!("{n} of {}", v.len()),
        }
    };
    let mut out = format!("{} for the scorings with knownAt = now", say(runs));
    if !past.is_empty() {
        out.push_str(&format!(", {} for those at the earlier instant", say(past)));
    }
    out
}

/// The performance queries of `measure`, one by one: (what, seconds, rows).
async fn performance_detail(
    pool: &PgPool,
    ids: &[String],
    period: Period,
    known_at: DateTime<Utc>,
) -> anyhow::Result<Vec<(String, f64, usize)>> {
    let mut conn = pool.acquire().await?;
    let filter = Filter {
        departments: Some(ids.to_vec()),
        from: Some(period.from),
        to: Some(period.to),
        ..Filter::default()
    };
    let query = |filter: Filter, by: Dimension, known_at: Option<DateTime<Utc>>| Query {
        filter,
        group_by: vec![by],
        grain: None,
        known_at,
    };
    let mut out = Vec::new();
    for (label, known) in [
        (
            "knownAt = now: earlier recording days' rows plus knownAt's day from the log (how `measure` reads when the rollups are not settled at knownAt)",
            Some(known_at),
        ),
        (
            "without knownAt: the rollups as they stand (how `measure` reads when they are settled at knownAt)",
            None,
        ),
    ] {
        let t0 = Instant::now();
        let r = performance(
            &mut conn,
            &query(filter.clone(), Dimension::Department, known),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        out.push((
            format!(
                "figures by department, all {} departments, one query; {label}",
                ids.len()
            ),
            t0.elapsed().as_secs_f64(),
            r.rows.len(),
        ));
        let t0 = Instant::now();
        let mut rows = 0;
        for id in ids {
            let one = Filter {
                departments: Some(vec![id.clone()]),
                ..filter.clone()
            };
            rows += performance(&mut conn, &query(one, Dimension::Task, known))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .rows
                .len();
        }
        out.push((
            format!(
                "figures by task, one query per department ({}); {label}",
                ids.len()
            ),
            t0.elapsed().as_secs_f64(),
            rows,
        ));
        let t0 = Instant::now();
        let r = performance(&mut conn, &query(filter.clone(), Dimension::Task, known))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        out.push((
            format!(
                "figures by task, all departments in one query (not what `measure` does); {label}"
            ),
            t0.elapsed().as_secs_f64(),
            r.rows.len(),
        ));
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started_all = Instant::now();
    let db = args.database.clone().unwrap_or_else(|| {
        format!(
            "dutyledger_bench_scores_{}_{}d",
            args.records, args.departments
        )
    });
    let plans = city::plans_for(
        args.departments,
        PlanOptions {
            amendments: 0,
            time_limits: true,
        },
        args.seed,
    )?;
    let layout = Layout::of(&plans);
    let tasks: usize = layout.departments.iter().map(|d| d.tasks.len()).sum();
    let posts: usize = layout.departments.iter().map(|d| d.posts.len()).sum();
    let spec = format!(
        "records={} departments={} seed={} high_risk={} charted={} matters={} ruled={}",
        args.records,
        args.departments,
        args.seed,
        args.high_risk,
        args.charted,
        args.matters,
        args.ruled
    );

    // 1. The data set: reused, or built.
    let mut reused: Option<(String, String)> = None;
    let mut pool = None;
    if args.reuse {
        if let Some((p, _)) = existing_database(&db).await? {
            let row = sqlx::query(&format!(
                "SELECT spec, built_at::text AS built_at, build FROM {MARKER}"
            ))
            .fetch_optional(&p)
            .await
            .ok()
            .flatten();
            match row {
                Some(row) if row.try_get::<String, _>("spec")? == spec => {
                    reused = Some((row.try_get("built_at")?, row.try_get::<String, _>("build")?));
                    pool = Some(p);
                }
                _ => {
                    eprintln!("{db}: not this data set (or incomplete): building it again");
                    p.close().await;
                }
            }
        }
    }
    let pool = match pool {
        Some(p) => p,
        None => fresh_database(&db).await?.0,
    };
    let state = AppState::new(pool.clone(), Duration::from_secs(60));
    let ctx = RequestContext::new(Actor::system("bench"));
    let build_line = match &reused {
        Some((at, build)) => format!("reused (built {at}: {build})"),
        None => {
            eprintln!(
                "structure: {} departments, {tasks} tasks, {posts} posts...",
                plans.len()
            );
            let t0 = Instant::now();
            let structure_events = write_structure(&pool, &plans, 6).await?;
            Projector::new(pool.clone(), projections())
                .catch_up_through_head(Duration::from_secs(7200))
                .await?;
            let structure_secs = t0.elapsed().as_secs_f64();
            eprintln!("structure: {structure_events} events in {structure_secs:.1} s");
            let projector = state.spawn_projector();
            let extras = write_extras(&state, &ctx, &layout, &args).await?;
            eprintln!(
                "extras: {} tasks flagged, {} charts, {} matters ({} ruled): {} events in {:.1} s",
                extras.flagged,
                extras.charts,
                extras.matters,
                extras.ruled,
                extras.events,
                extras.secs
            );
            let generator = Arc::new(Generator::new(args.seed, args.records, layout.clone())?);
            eprintln!("records: {}...", args.records);
            let ingested =
                dataset::ingest(&pool, generator, args.batch, args.writers, 1_000_000).await?;
            let catch_up = wait_projected(&pool, Duration::from_secs(7200)).await?;
            eprintln!(
                "records: {} stored, {} duplicates, {} rejected in {:.1} s; projected {catch_up:.1} s later",
                ingested.stored,
                ingested.duplicates,
                ingested.rejected,
                secs(ingested.elapsed)
            );
            projector.abort();
            // The test server runs without autovacuum: what it would have done after a load.
            let t0 = Instant::now();
            sqlx::query("VACUUM (ANALYZE)").execute(&pool).await?;
            let vacuum_secs = t0.elapsed().as_secs_f64();
            eprintln!("vacuum analyze: {vacuum_secs:.1} s");
            let build = format!(
                "structure {structure_events} events in {structure_secs:.0} s; {} tasks flagged high-risk, {} charts, {} boundary matters ({} ruled) through the command path in {:.0} s; {} records stored ({} duplicates, {} rejected) by 2 writers in {:.0} s, projected {catch_up:.0} s later; VACUUM (ANALYZE) {vacuum_secs:.0} s",
                extras.flagged,
                extras.charts,
                extras.matters,
                extras.ruled,
                extras.secs,
                thousands(ingested.stored),
                thousands(ingested.duplicates),
                thousands(ingested.rejected),
                secs(ingested.elapsed)
            );
            sqlx::query(&format!(
                "CREATE TABLE {MARKER} (spec text NOT NULL, built_at timestamptz NOT NULL DEFAULT now(), build text NOT NULL)"
            ))
            .execute(&pool)
            .await?;
            sqlx::query(&format!(
                "INSERT INTO {MARKER} (spec, build) VALUES ($1, $2)"
            ))
            .bind(&spec)
            .bind(&build)
            .execute(&pool)
            .await?;
            format!("built in this run: {build}")
        }
    };

    // 2. The round: today's records, the scheme, the plan, online analysis.
    let projector = state.spawn_projector();
    let stamp = Utc::now().format("%Y%m%d%H%M%S").to_string();
    let mut today_stored = 0u64;
    let before_today: DateTime<Utc> = Utc::now().trunc_subsecs(6);
    if args.today > 0 {
        let g = Generator::new(
            args.seed ^ Utc::now().timestamp() as u64,
            args.today,
            layout.clone(),
        )?;
        let ingestor = dutyledger_projections::performance::Ingestor::new(pool.clone());
        for (index, raws) in today_records(&g, &stamp) {
            let batch: Vec<_> = raws
                .iter()
                .map(|r| (r.record_id.clone(), r.parse()))
                .collect();
            let meta = dutyledger_domain::metadata::CommandMetadata::new(
                dataset::ACTOR,
                format!("today-{stamp}-{index}"),
            );
            today_stored += ingestor.ingest(batch, &meta).await?.stored as u64;
        }
        wait_projected(&pool, Duration::from_secs(600)).await?;
        eprintln!("today: {today_stored} records stored");
    }
    let definition = SchemeDefinition::parse(SHIPPED[0].1)
        .map_err(|e| anyhow::anyhow!("{}: {e}", SHIPPED[0].0))?;
    let leaves = definition.leaves().len();
    let scheme_sources: BTreeSet<String> = definition
        .sources()
        .iter()
        .map(|s| s.name().to_owned())
        .collect();
    state
        .commands
        .publish_scheme(&ctx, &id(SCHEME_ID)?, definition, When::default())
        .await
        .map_err(app)?;
    let round_id = format!("bench-{stamp}");
    let period = Period {
        from: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default(),
        to: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default(),
    };
    let departments: Vec<CreditCode> = layout.departments.iter().map(|d| d.code.clone()).collect();
    state
        .commands
        .plan_round(
            &ctx,
            &id(&round_id)?,
            RoundInput {
                name: name("2025年度市直部门职能运行日常监管（基准）")?,
                scheme_id: id(SCHEME_ID)?,
                scheme_version: None,
                mode: Mode::Routine,
                period,
                scope: departments
                    .iter()
                    .map(|d| ScopeEntry {
                        department_id: d.clone(),
                        class: None,
                    })
                    .collect(),
                stages: None,
            },
            When::default(),
        )
        .await
        .map_err(app)?;
    state
        .commands
        .execute::<SupervisionRound>(
            &ctx,
            &round_id,
            RoundCommand::Advance {
                stage: Stage::OnlineAnalysis,
            },
            When::default(),
        )
        .await
        .map_err(app)?;

    // What a knownAt of now reads from the log: the records recorded on its own day.
    let now = Utc::now();
    let day = local_date(now);
    let day_start =
        day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - chrono::Duration::hours(8);
    let same_day: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = 'performance_record' \
         AND recorded_at >= $1",
    )
    .bind(day_start)
    .fetch_one(&pool)
    .await?;
    let all_records: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = 'performance_record'",
    )
    .fetch_one(&pool)
    .await?;
    eprintln!(
        "knownAt's day {day}: {same_day} of {all_records} record events recorded that day (read from the log)"
    );

    // 3. Scoring, timed.
    let sources: BTreeSet<_> = SchemeDefinition::parse(SHIPPED[0].1)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .sources();
    let mut runs: Vec<Run> = Vec::new();
    let mut last_observations = BTreeMap::new();
    for r in 0..args.runs {
        let known_at: DateTime<Utc> = Utc::now().trunc_subsecs(6);
        eprintln!("scoring, run {}...", r + 1);
        let t0 = Instant::now();
        let (outcome, measurement) = state
            .commands
            .score_round(&ctx, &round_id, Some(known_at), When::default())
            .await
            .map_err(app)?;
        let total = t0.elapsed();
        eprintln!(
            "  score_round {:.2} s ({} events, projected {})",
            secs(total),
            outcome.events,
            outcome.projected
        );
        let (mut measure_d, mut command_d) = (None, None);
        if args.split {
            let t0 = Instant::now();
            let again =
                supervision::measure(&pool, &departments, period, known_at, &sources).await?;
            let direct = t0.elapsed();
            let timed: Duration = again.timings.iter().map(|t| t.1).sum();
            measure_d = Some((direct, direct.saturating_sub(timed)));
            if again.observations != measurement.observations {
                eprintln!("  note: measuring again with the same knownAt gave other observations");
            }
            let t0 = Instant::now();
            state
                .commands
                .execute::<SupervisionRound>(
                    &ctx,
                    &round_id,
                    RoundCommand::Score {
                        known_at,
                        observations: measurement.observations.clone(),
                    },
                    When::default(),
                )
                .await
                .map_err(app)?;
            command_d = Some(t0.elapsed());
            eprintln!(
                "  measure {:.2} s, Score command {:.2} s",
                secs(measure_d.unwrap_or_default().0),
                secs(command_d.unwrap_or_default())
            );
        }
        runs.push(Run {
            settled: settled(&pool, known_at).await?,
            total,
            timings: measurement.timings.clone(),
            measure: measure_d,
            command: command_d,
            events: outcome.events,
        });
        last_observations = measurement.observations;
    }
    let mut past: Vec<Run> = Vec::new();
    for r in 0..if args.today > 0 { args.past_runs } else { 0 } {
        eprintln!("scoring as known at {before_today}, run {}...", r + 1);
        let t0 = Instant::now();
        let (outcome, measurement) = state
            .commands
            .score_round(&ctx, &round_id, Some(before_today), When::default())
            .await
            .map_err(app)?;
        let total = t0.elapsed();
        eprintln!("  score_round {:.2} s", secs(total));
        past.push(Run {
            settled: settled(&pool, before_today).await?,
            total,
            timings: measurement.timings,
            measure: None,
            command: None,
            events: outcome.events,
        });
    }

    let detail = if args.detail {
        eprintln!("the performance queries one by one...");
        let ids: Vec<String> = departments.iter().map(ToString::to_string).collect();
        performance_detail(&pool, &ids, period, Utc::now().trunc_subsecs(6)).await?
    } else {
        Vec::new()
    };

    // 4. Baselines over the raw log.
    let baseline_a = "SELECT split_part(aggregate_id, '/', 1) AS department, count(*) AS records \
         FROM events WHERE aggregate_type = 'performance_record' GROUP BY 1";
    let baseline_b = "SELECT split_part(e.aggregate_id, '/', 1) AS department, count(*) AS records, \
                count(*) FILTER (WHERE jsonb_typeof(r.record -> 'on_time') = 'boolean') AS timed, \
                count(*) FILTER (WHERE r.record -> 'on_time' = 'true'::jsonb) AS on_time \
         FROM events e CROSS JOIN LATERAL (SELECT e.payload -> 'WorkRecorded' -> 'record' AS record) r \
         WHERE e.aggregate_type = 'performance_record' AND e.event_type = 'WorkRecorded' \
           AND (r.record ->> 'occurred_at')::timestamptz BETWEEN $1 AND $2 \
           AND e.recorded_at <= $3 \
         GROUP BY 1";
    let mut times_a = Vec::new();
    let mut times_b = Vec::new();
    let mut rows_a = 0;
    let mut figures_b: HashMap<String, (i64, i64, i64)> = HashMap::new();
    for i in 0..args.baseline_runs {
        eprintln!("baselines, run {}...", i + 1);
        let t0 = Instant::now();
        let rows = sqlx::query(baseline_a).fetch_all(&pool).await?;
        times_a.push(t0.elapsed().as_secs_f64());
        rows_a = rows.len();
        let known_at = Utc::now();
        let t0 = Instant::now();
        let rows = sqlx::query(baseline_b)
            .bind(period.start())
            .bind(period.end())
            .bind(known_at)
            .fetch_all(&pool)
            .await?;
        times_b.push(t0.elapsed().as_secs_f64());
        figures_b = rows
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>("department")?,
                    (
                        r.try_get::<i64, _>("records")?,
                        r.try_get::<i64, _>("timed")?,
                        r.try_get::<i64, _>("on_time")?,
                    ),
                ))
            })
            .collect::<anyhow::Result<_>>()?;
    }
    // The scored on-time figures against the baseline's.
    let mut agree = 0;
    for (d, obs) in &last_observations {
        let Some(o) = obs.get("records.on_time_rate") else {
            continue;
        };
        let fig = |k: &str| {
            o.evidence
                .figures
                .iter()
                .find(|f| f.0 == k)
                .map_or(0, |f| f.1)
        };
        if figures_b.get(&d.to_string()).copied().unwrap_or_default()
            == (fig("records"), fig("timed"), fig("onTime"))
        {
            agree += 1;
        }
    }
    let round = supervision::load_round(
        &pool,
        &round_id,
        dutyledger_projections::duty_list::AsOf::now(),
    )
    .await?
    .ok_or_else(|| anyhow::anyhow!("round {round_id} not found"))?;
    let ranking = ranked(&round.round);
    projector.abort();

    // 5. The report.
    let totals: Vec<f64> = runs.iter().map(|r| secs(r.total)).collect();
    let (tmin, tmax) = min_max(&totals);
    let tmed = median(&totals);
    println!(
        "### scores, {} departments, {} records ({})",
        args.departments,
        thousands(args.records),
        Utc::now().format("%Y-%m-%d")
    );
    println!();
    println!(
        "Command: `target/bench-release/scores --records {} --departments {} --seed {} --runs {} --past-runs {} --today {}{}`",
        args.records,
        args.departments,
        args.seed,
        args.runs,
        args.past_runs,
        args.today,
        if args.reuse { " --reuse" } else { "" }
    );
    println!();
    println!(
        "Data set (database `{db}`, seed {}): {} city departments, {tasks} tasks, {posts} posts (the records bench's city, sizes kept per department); the records bench's generator, 2021-2025. Build: {build_line}.",
        args.seed,
        args.departments
    );
    println!();
    println!(
        "Round `{round_id}`: scheme `{SCHEME_ID}` ({leaves} leaves, {} sources: {}), routine, period 2025-01-01..2025-12-31, all {} departments, online analysis; knownAt = now. {} records recorded right before (`--today`); on knownAt's day ({day}, Beijing) {} of the {} record events in the log were recorded: a read exact as of knownAt takes them from the log, not from the rollups (`measure` reads the rollups as they stand when they are settled at knownAt: every record event projected, none recorded after knownAt). Settled at knownAt: {}.",
        scheme_sources.len(),
        scheme_sources.iter().cloned().collect::<Vec<_>>().join(", "),
        departments.len(),
        thousands(today_stored),
        thousands(same_day as u64),
        thousands(all_records as u64),
        settled_line(&runs, &past)
    );
    println!();
    println!("| run | `score_round` end to end s | sum of the breakdown s | outside the breakdown s | the `Score` command alone s | `measure` called directly s | of which outside its breakdown s |");
    println!("|---|---|---|---|---|---|---|");
    let cell = |d: Option<Duration>| d.map_or("-".to_owned(), |d| format!("{:.3}", secs(d)));
    for (i, r) in runs.iter().enumerate() {
        let sum: f64 = r.timings.iter().map(|t| secs(t.1)).sum();
        println!(
            "| {} | {:.3} | {sum:.3} | {:.3} | {} | {} | {} |",
            i + 1,
            secs(r.total),
            secs(r.total) - sum,
            cell(r.command),
            cell(r.measure.map(|m| m.0)),
            cell(r.measure.map(|m| m.1)),
        );
    }
    println!();
    println!(
        "Whole round (`score_round`): median {tmed:.2} s, min {tmin:.2} s, max {tmax:.2} s over {} runs; {} `DepartmentScored` events a scoring. Target < 10 s: **{}**.",
        runs.len(),
        runs.first().map_or(0, |r| r.events),
        if tmax < 10.0 {
            "met"
        } else if tmed < 10.0 {
            "met at the median, not by every run"
        } else {
            "not met"
        }
    );
    println!();
    let mut names: Vec<&'static str> = Vec::new();
    for r in &runs {
        for (n, _) in &r.timings {
            if !names.contains(n) {
                names.push(n);
            }
        }
    }
    print!("| source (read model) |");
    for i in 0..runs.len() {
        print!(" run {} s |", i + 1);
    }
    println!(" median s | share of the round |");
    print!("|---|");
    for _ in 0..runs.len() {
        print!("---|");
    }
    println!("---|---|");
    for n in &names {
        let v: Vec<f64> = runs
            .iter()
            .map(|r| {
                r.timings
                    .iter()
                    .find(|t| t.0 == *n)
                    .map_or(0.0, |t| secs(t.1))
            })
            .collect();
        print!("| {n} |");
        for x in &v {
            print!(" {x:.3} |");
        }
        println!(
            " {:.3} | {:.0}% |",
            median(&v),
            100.0 * median(&v) / tmed.max(1e-9)
        );
    }
    let outside: Vec<f64> = runs
        .iter()
        .map(|r| secs(r.total) - r.timings.iter().map(|t| secs(t.1)).sum::<f64>())
        .collect();
    print!("| outside the breakdown (loading the round, waiting for the read models, `measure`'s untimed parts, the `Score` command) |");
    for x in &outside {
        print!(" {x:.3} |");
    }
    println!(
        " {:.3} | {:.0}% |",
        median(&outside),
        100.0 * median(&outside) / tmed.max(1e-9)
    );
    println!();
    if args.split {
        let commands: Vec<f64> = runs.iter().filter_map(|r| r.command.map(secs)).collect();
        let untimed: Vec<f64> = runs
            .iter()
            .filter_map(|r| r.measure.map(|m| secs(m.1)))
            .collect();
        println!(
            "Outside measuring: the `Score` command alone ({} `DepartmentScored` events appended, then the wait for the projector), timed after each scoring with the same observations, took median {:.3} s, {:.1}% of the round. `measure`'s own untimed part (the creation cursors of the evidence items, one join of the duty list with the log), from a direct call after each scoring: median {:.3} s. The rest of \"outside the breakdown\" is loading the round and the wait for the read models to show the log's head.",
            departments.len(),
            median(&commands),
            100.0 * median(&commands) / tmed.max(1e-9),
            median(&untimed)
        );
        println!();
    }
    if !past.is_empty() {
        println!(
            "Scoring as known at an earlier instant, {before_today} (before the `--today` records: the rollups are not settled at knownAt, so `measure` sums the rows of earlier recording days and reads knownAt's day, {}, from the log):",
            local_date(before_today)
        );
        println!();
        println!("| run | `score_round` end to end s | performance rollups s | other sources s | outside the breakdown s |");
        println!("|---|---|---|---|---|");
        for (i, r) in past.iter().enumerate() {
            let sum: f64 = r.timings.iter().map(|t| secs(t.1)).sum();
            let perf: f64 = r
                .timings
                .iter()
                .filter(|t| t.0 == "performance rollups")
                .map(|t| secs(t.1))
                .sum();
            println!(
                "| {} | {:.3} | {perf:.3} | {:.3} | {:.3} |",
                i + 1,
                secs(r.total),
                sum - perf,
                secs(r.total) - sum
            );
        }
        println!();
    }
    if !detail.is_empty() {
        println!(
            "The performance queries `measure` makes (the first two of each group), timed one by one after the scorings, one connection, both ways `measure` can read them:"
        );
        println!();
        println!("| query | s | rows |");
        println!("|---|---|---|");
        for (what, s, rows) in &detail {
            println!("| {what} | {s:.3} | {} |", thousands(*rows as u64));
        }
        println!();
    }
    let (amin, amax) = min_max(&times_a);
    let (bmin, bmax) = min_max(&times_b);
    println!(
        "Baselines (same database, one connection, {} runs each):",
        args.baseline_runs
    );
    println!();
    println!("| query | median s | min s | max s | round / baseline |");
    println!("|---|---|---|---|---|");
    println!(
        "| A: records per department over the raw log: `SELECT split_part(aggregate_id, '/', 1), count(*) FROM events WHERE aggregate_type = 'performance_record' GROUP BY 1` ({rows_a} rows) | {:.2} | {amin:.2} | {amax:.2} | {:.2} |",
        median(&times_a),
        tmed / median(&times_a).max(1e-9)
    );
    println!(
        "| B: the 2025 on-time figures per department from the payloads (records, timed, on time; what `records.on_time_rate` measures) | {:.2} | {bmin:.2} | {bmax:.2} | {:.2} |",
        median(&times_b),
        tmed / median(&times_b).max(1e-9)
    );
    println!();
    println!(
        "Check: baseline B's figures equal the scored `records.on_time_rate` evidence (records, timed, onTime) for {agree} of {} departments.",
        last_observations.len()
    );
    println!();
    // What was measured.
    println!("What the last scoring measured:");
    println!();
    println!("| source | departments with data | no data | figure over all departments |");
    println!("|---|---|---|---|");
    for s in &scheme_sources {
        let (mut with, mut without, mut num, mut den, mut count) = (0, 0, 0i64, 0i64, 0i64);
        for obs in last_observations.values() {
            match obs.get(s).map(|o| &o.value) {
                Some(Measured::Ratio {
                    numerator,
                    denominator,
                }) => {
                    with += 1;
                    num += numerator;
                    den += denominator;
                }
                Some(Measured::Count(n)) => {
                    with += 1;
                    count += n;
                }
                _ => without += 1,
            }
        }
        let figure = if den > 0 {
            format!("{num} / {den} = {:.1}%", 100.0 * num as f64 / den as f64)
        } else if with > 0 {
            format!("{count} in all")
        } else {
            "-".to_owned()
        };
        println!("| `{s}` | {with} | {without} | {figure} |");
    }
    println!();
    let points: Vec<f64> = ranking
        .iter()
        .map(|r| r.report.total.0 as f64 / 100.0)
        .collect();
    let (pmin, pmax) = min_max(&points);
    println!(
        "Scores: {} departments ranked, totals {pmin:.2} to {pmax:.2} (median {:.2}; manual leaves unscored until on-site verification, so no total is complete: {} complete).",
        ranking.len(),
        median(&points),
        ranking.iter().filter(|r| r.report.complete).count()
    );
    println!();
    println!(
        "Total run time {:.0} s.",
        started_all.elapsed().as_secs_f64()
    );
    pool.close().await;
    Ok(())
}
