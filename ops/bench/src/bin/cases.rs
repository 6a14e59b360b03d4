//! Benchmark: workflow cases (办件) at city scale (issue 17).
//!
//! Builds the city of [`dutyledger_bench::city`] (36 departments, 4,409 tasks, about 5,000
//! posts, established in 2016 through the event store and projected), publishes a 6-step chart
//! for `--tasks` of its tasks (each step handled by one post of the task's unit) through
//! `Commands::execute::<WorkflowChart>`, loads the shipped working-day calendar (2024-2026), then
//! `--cases` cases received from 2024-01-02 to 2026-06-30 (open, 6 × start/complete, close; some
//! suspended and resumed, some returned for correction and the step run again), generated in time
//! order across cases and stored as `CaseInput` batches of `--batch` through
//! `CaseIngestor::ingest` (the path of `recordCaseEventsBatch`) by `--writers` concurrent writers
//! (a case always goes to the same writer, so its events arrive in order), while the production
//! projector runs in the same process. The clock stops when every event is stored and the `cases`
//! checkpoint has reached the last one.
//!
//! Then, on the loaded data: `step_analytics` (one task's chart, 2025) and `case_analytics` (one
//! department by month over 2025; the whole city by department by month over 2025) through the
//! query functions, in process; the baseline: `COPY` (text, one connection) of the same event
//! rows (read back from `events`: same streams, payloads and metadata) into a plain table shaped
//! like `events` with only its primary key; and the OCEL export (`dutyledger export ocel`, the
//! release binary beside this one) of the whole set and of a tenth of it (cases received in a
//! tenth of the period), with its peak RSS from `/usr/bin/time -v`.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use clap::Parser;
use dutyledger_api::app::{AppState, When};
use dutyledger_api::auth::Actor;
use dutyledger_api::context::RequestContext;
use dutyledger_api::service::checks::task_facts;
use dutyledger_bench::city::{self, ymd, PlanOptions};
use dutyledger_bench::{database_url, existing_database, fresh_database, percentile_ms, Rng};
use dutyledger_domain::case::{ApplicantKind, CaseAction, CaseInput, Outcome};
use dutyledger_domain::metadata::CommandMetadata;
use dutyledger_domain::values::{
    CreditCode, DayKind, DivisionCode, EntityId, Name, Text, TimeLimit,
};
use dutyledger_domain::workflow::{self, Chart, Material, Step, WorkflowChart, WorkflowCommand};
use dutyledger_projections::calendar;
use dutyledger_projections::cases::query::{case_analytics, step_analytics, CaseFilter, CaseGroup};
use dutyledger_projections::cases::CaseIngestor;
use dutyledger_projections::duty_list::AsOf;
use dutyledger_projections::performance::query::Grain;
use dutyledger_projections::Cursor;
use sqlx::{PgPool, Row};
use tokio::sync::mpsc;

#[derive(Debug, Parser)]
struct Args {
    /// Cases (about 14 events each).
    #[arg(long, default_value_t = 1_000_000)]
    cases: u64,
    /// Tasks with a 6-step chart (spread over the 36 departments).
    #[arg(long, default_value_t = 360)]
    tasks: usize,
    /// Events per batch (at most 5,000).
    #[arg(long, default_value_t = 5_000)]
    batch: usize,
    /// Concurrent writers.
    #[arg(long, default_value_t = 2)]
    writers: usize,
    /// Timed runs of each query (after 20 warm-up runs).
    #[arg(long, default_value_t = 300)]
    queries: usize,
    /// Use the kept database as it is (skip the load) if it exists.
    #[arg(long)]
    reuse: bool,
    /// Skip the COPY baseline.
    #[arg(long)]
    no_copy: bool,
    /// Skip the export.
    #[arg(long)]
    no_export: bool,
    /// Seed of the data set.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// A chart the cases run on.
#[derive(Debug, Clone)]
struct Charted {
    department: CreditCode,
    task: EntityId,
    unit: EntityId,
    /// The post handling each step.
    posts: Vec<EntityId>,
}

fn name(s: &str) -> anyhow::Result<Name> {
    Ok(Name::parse(s)?)
}

/// The charted tasks: `tasks` spread round-robin over the departments, each a task whose unit
/// has posts (in task id order).
fn charted(seed: u64, tasks: usize) -> anyhow::Result<(Vec<city::Plan>, Vec<Charted>)> {
    let plans = city::plans(
        PlanOptions {
            amendments: 0,
            time_limits: true,
        },
        seed,
    )?;
    let layout = city::Layout::of(&plans);
    let mut per: Vec<Vec<(EntityId, EntityId)>> = layout
        .departments
        .iter()
        .map(|d| {
            let mut t: Vec<(EntityId, EntityId)> = d
                .tasks
                .iter()
                .filter(|(_, (u, _))| d.posts_by_unit.get(u).is_some_and(|p| !p.is_empty()))
                .map(|(t, (u, _))| (t.clone(), u.clone()))
                .collect();
            t.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            t.reverse();
            t
        })
        .collect();
    let mut rng = Rng::new(seed ^ 0xca5e);
    let mut out = Vec::with_capacity(tasks);
    let mut d = 0;
    while out.len() < tasks {
        let di = d % per.len();
        d += 1;
        if d > tasks * 100 {
            break;
        }
        let Some((task, unit)) = per[di].pop() else {
            continue;
        };
        let posts = &layout.departments[di].posts_by_unit[&unit];
        let steps = (0..6)
            .map(|_| posts[rng.below(posts.len() as u64) as usize].clone())
            .collect();
        out.push(Charted {
            department: layout.departments[di].code.clone(),
            task,
            unit,
            posts: steps,
        });
    }
    Ok((plans, out))
}

fn chart_of(c: &Charted, n: usize) -> anyhow::Result<Chart> {
    let steps = c
        .posts
        .iter()
        .enumerate()
        .map(|(s, post)| {
            Ok(Step {
                name: name(&format!("环节{}", s + 1))?,
                unit_id: c.unit.clone(),
                post_id: Some(post.clone()),
                materials: vec![Material {
                    name: name(&format!("材料{}", s + 1))?,
                    required: true,
                    source: None,
                }],
                procedures: vec![name(&format!("程序{}", s + 1))?],
                time_limit: Some(TimeLimit::new(1 + ((n + s) % 5) as i64, DayKind::Working)?),
                sign_off_levels: 1,
                section_sign_off: true,
                sub_steps: vec![],
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Chart { steps })
}

// ---------------------------------------------------------------------------------------------
// The case generator

/// An event waiting for its time.
struct Pending {
    at: i64,
    seq: u64,
    case: u64,
    input: CaseInput,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// The first receipt and the end of the receipt period.
fn period() -> (DateTime<Utc>, DateTime<Utc>) {
    (ymd(2024, 1, 2), ymd(2026, 6, 30))
}

struct Generator {
    charts: Vec<Charted>,
    townships: Vec<DivisionCode>,
    cases: u64,
    seed: u64,
}

impl Generator {
    /// Case `i`'s events, in its own order.
    fn case(&self, i: u64) -> anyhow::Result<Vec<CaseInput>> {
        let mut rng = Rng::new(self.seed ^ i.wrapping_mul(0x9E37_79B9));
        let (start, end) = period();
        let span = (end - start).num_seconds();
        let slot = span / self.cases.max(1) as i64;
        let received = start.timestamp()
            + (i as i64) * span / self.cases.max(1) as i64
            + rng.below(slot.max(1) as u64) as i64;
        let c = &self.charts[rng.below(self.charts.len() as u64) as usize];
        let case_id = EntityId::parse(&format!("c{i:08}"))?;
        let at = |t: i64| DateTime::<Utc>::from_timestamp(t, 0).unwrap_or(DateTime::<Utc>::MIN_UTC);
        let mut out = Vec::with_capacity(18);
        let mut push = |t: i64, action: CaseAction| {
            out.push(CaseInput {
                department_id: c.department.clone(),
                case_id: case_id.clone(),
                at: at(t),
                action,
            });
        };
        push(
            received,
            CaseAction::Open {
                task_id: c.task.clone(),
                version: 1,
                region: self.townships[rng.below(self.townships.len() as u64) as usize].clone(),
                applicant: if rng.below(10) < 7 {
                    ApplicantKind::Person
                } else {
                    ApplicantKind::Organization
                },
                statutory_limit_days: None,
            },
        );
        let suspended = rng.below(100) < 3;
        let returned = rng.below(100) < 4;
        let mut t = received;
        let mut s = 0usize;
        let mut rerun = false;
        while s < 6 {
            t += 5 * MINUTE + rng.below((8 * HOUR) as u64) as i64;
            let step = (s + 1).to_string();
            push(t, CaseAction::StartStep { step: step.clone() });
            t += 10 * MINUTE + rng.below((2 * DAY) as u64) as i64;
            push(
                t,
                CaseAction::CompleteStep {
                    step: step.clone(),
                    post_id: c.posts[s].clone(),
                },
            );
            if suspended && s == 2 {
                t += HOUR;
                push(
                    t,
                    CaseAction::Suspend {
                        reason: Text::parse("补正材料")?,
                    },
                );
                t += DAY + rng.below(DAY as u64) as i64;
                push(t, CaseAction::Resume);
            }
            if returned && s == 3 && !rerun {
                t += HOUR;
                push(
                    t,
                    CaseAction::Return {
                        step,
                        reason: Text::parse("材料不全")?,
                    },
                );
                rerun = true;
                continue; // the same step again
            }
            s += 1;
        }
        t += 10 * MINUTE + rng.below(DAY as u64) as i64;
        let r = rng.below(100);
        push(
            t,
            CaseAction::Close {
                outcome: if r < 93 {
                    Outcome::Approved
                } else if r < 98 {
                    Outcome::Refused
                } else {
                    Outcome::Withdrawn
                },
            },
        );
        Ok(out)
    }

    /// Every event in time order across cases, routed to its case's writer in batches of
    /// `batch`; returns the events generated.
    fn run(&self, batch: usize, senders: &[mpsc::Sender<Vec<CaseInput>>]) -> anyhow::Result<u64> {
        let mut heap: BinaryHeap<Reverse<Pending>> = BinaryHeap::new();
        let mut buffers: Vec<Vec<CaseInput>> = senders.iter().map(|_| Vec::new()).collect();
        let mut seq = 0u64;
        let mut events = 0u64;
        let w = senders.len() as u64;
        let mut emit = |p: Pending, buffers: &mut Vec<Vec<CaseInput>>| -> anyhow::Result<()> {
            let k = (p.case % w) as usize;
            buffers[k].push(p.input);
            events += 1;
            if buffers[k].len() >= batch {
                let full = std::mem::take(&mut buffers[k]);
                senders[k]
                    .blocking_send(full)
                    .map_err(|_| anyhow::anyhow!("writer {k} stopped"))?;
            }
            Ok(())
        };
        for i in 0..self.cases {
            let inputs = self.case(i)?;
            let first = inputs[0].at.timestamp();
            while heap.peek().is_some_and(|p| p.0.at <= first) {
                if let Some(Reverse(p)) = heap.pop() {
                    emit(p, &mut buffers)?;
                }
            }
            for input in inputs {
                seq += 1;
                heap.push(Reverse(Pending {
                    at: input.at.timestamp(),
                    seq,
                    case: i,
                    input,
                }));
            }
        }
        while let Some(Reverse(p)) = heap.pop() {
            emit(p, &mut buffers)?;
        }
        for (k, b) in buffers.into_iter().enumerate() {
            if !b.is_empty() {
                senders[k]
                    .blocking_send(b)
                    .map_err(|_| anyhow::anyhow!("writer {k} stopped"))?;
            }
        }
        Ok(events)
    }
}

// ---------------------------------------------------------------------------------------------
// Measuring

fn proc_status(pid: &str, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
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

/// The `cases` projection's checkpoint.
async fn cases_checkpoint(pool: &PgPool) -> anyhow::Result<Cursor> {
    let row = sqlx::query(
        "SELECT last_transaction_id::text AS txid, last_position \
         FROM projector_checkpoints WHERE projection = 'cases'",
    )
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some(row) => {
            let txid: String = row.try_get("txid")?;
            Cursor::new(txid.parse()?, row.try_get("last_position")?)
        }
        None => Cursor::START,
    })
}

fn rate(n: f64, secs: f64) -> f64 {
    n / secs.max(1e-9)
}

/// Runs `dutyledger export ocel [filters] file` under `/usr/bin/time -v`: (seconds, peak RSS
/// kB, file bytes, the command's summary line).
fn export(url: &str, filters: &[String], file: &str) -> anyhow::Result<(f64, u64, u64, String)> {
    let exe = std::env::current_exe()?;
    let bin = exe
        .parent()
        .map(|p| p.join("dutyledger"))
        .ok_or_else(|| anyhow::anyhow!("no directory"))?;
    let _ = std::fs::remove_file(file);
    let mut cmd = std::process::Command::new("/usr/bin/time");
    cmd.arg("-v").arg(&bin).arg("export").arg("ocel");
    for f in filters {
        cmd.arg("--filter").arg(f);
    }
    cmd.arg(file).env("DATABASE_URL", url);
    let t0 = Instant::now();
    let out = cmd.output()?;
    let secs = t0.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        anyhow::bail!("export failed: {stdout}\n{stderr}");
    }
    let peak = stderr
        .lines()
        .find(|l| l.contains("Maximum resident set size"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let summary = stdout
        .lines()
        .chain(stderr.lines())
        .filter(|l| {
            !l.starts_with('\t') && !l.trim().is_empty() && !l.contains("Command being timed")
        })
        .collect::<Vec<_>>()
        .join(" / ");
    let _ = std::fs::remove_file(file);
    Ok((secs, peak, bytes, summary))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = format!("dutyledger_bench_cases_{}", args.cases);
    let hz = 100.0;
    let (plans, charts) = charted(args.seed, args.tasks)?;
    let kept = if args.reuse {
        existing_database(&db).await?
    } else {
        None
    };
    let reused = kept.is_some();
    let (pool, _url) = match kept {
        Some(k) => k,
        None => fresh_database(&db).await?,
    };
    println!("## `cases`: workflow cases at city scale (issue 17)\n");
    println!(
        "Command: `target/bench-release/cases --cases {} --tasks {} --batch {} --writers {}{}`; database `{db}`.\n",
        args.cases,
        args.tasks,
        args.batch,
        args.writers,
        if reused { " --reuse" } else { "" }
    );

    let mut ingest_report: Option<String> = None;
    if !reused {
        // The structure, projected.
        let t0 = Instant::now();
        let structure_events = dutyledger_bench::dataset::write_structure(&pool, &plans, 6).await?;
        let state = AppState::new(pool.clone(), Duration::from_secs(60));
        let projector = state.spawn_projector();
        let ctx = RequestContext::new(Actor::system("bench"));
        // The calendar (2024-2026).
        let (_, calendar_events) = dutyledger_api::import::calendar::load_shipped(&state, &ctx)
            .await
            .map_err(|e| anyhow::anyhow!(e.message()))?;
        // The charts, in force from 2020-01-01.
        let at = ymd(2020, 1, 1);
        for (n, c) in charts.iter().enumerate() {
            let mut facts = task_facts(&pool, &c.department, &c.task, at, "bench")
                .await
                .map_err(|e| anyhow::anyhow!(e.message()))?;
            facts.high_risk = false;
            state
                .commands
                .execute::<WorkflowChart>(
                    &ctx,
                    &workflow::stream_id(&c.department, &c.task),
                    WorkflowCommand::Supersede {
                        facts,
                        chart: chart_of(c, n)?,
                    },
                    When {
                        reason: Some("工作流程图".to_owned()),
                        effective_at: Some(at),
                        command_id: None,
                    },
                )
                .await
                .map_err(|e| {
                    anyhow::anyhow!("chart {} {}: {}", c.department, c.task, e.message())
                })?;
        }
        eprintln!(
            "structure ({structure_events} events), calendar ({calendar_events}), {} charts in {:.0} s",
            charts.len(),
            t0.elapsed().as_secs_f64()
        );
        sqlx::query("ANALYZE").execute(&pool).await?;
        sqlx::query("CHECKPOINT").execute(&pool).await?;

        // End to end.
        let townships: Vec<DivisionCode> =
            city::divisions().into_iter().flat_map(|(_, t)| t).collect();
        let generator = Arc::new(Generator {
            charts: charts.clone(),
            townships,
            cases: args.cases,
            seed: args.seed,
        });
        let ingestor = CaseIngestor::new(pool.clone());
        let mut senders = Vec::new();
        let mut tasks = Vec::new();
        let stored = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let pid = std::process::id().to_string();
        let own0 = cpu_ticks(&pid).unwrap_or(0);
        let m0 = machine_ticks();
        for w in 0..args.writers.max(1) {
            let (tx, mut rx) = mpsc::channel::<Vec<CaseInput>>(2);
            senders.push(tx);
            let ingestor = ingestor.clone();
            let stored = stored.clone();
            let total = args.cases * 14;
            tasks.push(tokio::spawn(async move {
                let mut n = 0u64;
                let (mut st, mut dup, mut rej) = (0u64, 0u64, 0u64);
                let mut last: Option<Cursor> = None;
                let mut lat = Vec::new();
                let mut first_rejection: Option<String> = None;
                while let Some(batch) = rx.recv().await {
                    n += 1;
                    let meta = CommandMetadata::new("system:bench", format!("cases-{w}-{n}"));
                    let t0 = Instant::now();
                    let out = ingestor
                        .ingest(batch.into_iter().map(Ok).collect(), &meta)
                        .await?;
                    lat.push(t0.elapsed());
                    st += out.stored as u64;
                    dup += out.duplicates as u64;
                    rej += out.rejected as u64;
                    if first_rejection.is_none() {
                        first_rejection = out
                            .outcomes
                            .iter()
                            .find_map(|o| o.rejection.as_ref().map(|r| format!("{r:?}")));
                    }
                    if let Some(c) = out.cursor {
                        last = Some(last.map_or(c, |l: Cursor| l.max(c)));
                    }
                    let before =
                        stored.fetch_add(out.stored as u64, std::sync::atomic::Ordering::Relaxed);
                    let step = 500_000;
                    if before / step != (before + out.stored as u64) / step {
                        eprintln!(
                            "  {} of ~{total} events stored ({:.0} s)",
                            before + out.stored as u64,
                            started.elapsed().as_secs_f64()
                        );
                    }
                }
                anyhow::Ok((st, dup, rej, last, lat, first_rejection))
            }));
        }
        // Statistics during the load (the test server runs without autovacuum).
        let stop = Arc::new(AtomicBool::new(false));
        let maint = {
            let pool = pool.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut runs = 0u32;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    for _ in 0..60 {
                        if stop.load(std::sync::atomic::Ordering::Relaxed) {
                            return runs;
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    let _ = sqlx::raw_sql(
                        "VACUUM (ANALYZE) case_heads; ANALYZE events; ANALYZE event_departments; \
                         ANALYZE case_versions; ANALYZE case_step_runs; ANALYZE case_returns",
                    )
                    .execute(&pool)
                    .await;
                    runs += 1;
                }
                runs
            })
        };
        let g = generator.clone();
        let batch = args.batch;
        let producer = std::thread::spawn(move || g.run(batch, &senders));
        let mut all = (0u64, 0u64, 0u64, None::<Cursor>, Vec::new(), None::<String>);
        for t in tasks {
            let (st, dup, rej, last, lat, fr) = t.await??;
            all.0 += st;
            all.1 += dup;
            all.2 += rej;
            all.3 = match (all.3, last) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            all.4.extend(lat);
            if all.5.is_none() {
                all.5 = fr;
            }
        }
        let generated = producer
            .join()
            .map_err(|_| anyhow::anyhow!("generator panicked"))??;
        let ingest_secs = started.elapsed().as_secs_f64();
        let own1 = cpu_ticks(&pid).unwrap_or(0);
        let m1 = machine_ticks();
        eprintln!(
            "ingest: {} stored, {} duplicates, {} rejected of {generated} in {ingest_secs:.0} s",
            all.0, all.1, all.2
        );
        if let Some(r) = &all.5 {
            eprintln!("first rejection: {r}");
        }
        if let Some(last) = all.3 {
            while cases_checkpoint(&pool).await? < last {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        let e2e_secs = started.elapsed().as_secs_f64();
        let own2 = cpu_ticks(&pid).unwrap_or(0);
        let m2 = machine_ticks();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let maint_runs = maint.await.unwrap_or(0);
        projector.abort();
        let hwm = proc_status("self", "VmHWM:").unwrap_or(0);
        all.4.sort();
        let events_db: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM events WHERE aggregate_type = 'workflow_case'",
        )
        .fetch_one(&pool)
        .await?;
        let versions: i64 = sqlx::query_scalar("SELECT count(*) FROM case_versions")
            .fetch_one(&pool)
            .await?;
        let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM case_step_runs")
            .fetch_one(&pool)
            .await?;
        eprintln!("end to end: {e2e_secs:.0} s");
        ingest_report = Some(format!(
            "Generated {generated} events for {} cases; stored {}, duplicates {}, rejected {}{}. \
             `events` holds {events_db} case events; the read model {versions} case versions and {runs} step runs.\n\n\
             | phase | events | seconds | events/s |\n|---|---|---|---|\n\
             | ingest alone (`CaseIngestor::ingest`, {} writers, batches of {}, projector running) | {} | {ingest_secs:.1} | {:.0} |\n\
             | end to end (stored, and the `cases` checkpoint at the last event; the projection caught up {:.1} s after the ingest ended) | {} | {e2e_secs:.1} | {:.0} |\n\n\
             Per batch: p50 {:.0} ms, p99 {:.0} ms. CPU during the ingest: this process {:.0} s, the machine busy {:.0} of {:.0} s (2 cores); during the catch-up: this process {:.0} s, the machine {:.0} of {:.0} s. \
             Peak RSS of this process (server: writers and projector) {} MB. Statistics refreshed {maint_runs} times during the load (`VACUUM (ANALYZE) case_heads`, `ANALYZE` of the other tables, every 60 s).\n",
            args.cases,
            all.0,
            all.1,
            all.2,
            all.5.as_ref().map(|r| format!(" (first: {r})")).unwrap_or_default(),
            args.writers,
            args.batch,
            all.0,
            rate(all.0 as f64, ingest_secs),
            e2e_secs - ingest_secs,
            all.0,
            rate(all.0 as f64, e2e_secs),
            percentile_ms(&all.4, 50.0),
            percentile_ms(&all.4, 99.0),
            (own1 - own0) as f64 / hz,
            (m1.0 - m0.0) as f64 / hz,
            (m1.1 - m0.1) as f64 / hz,
            (own2 - own1) as f64 / hz,
            (m2.0 - m1.0) as f64 / hz,
            (m2.1 - m1.1) as f64 / hz,
            hwm / 1024,
        ));
        sqlx::query("ANALYZE").execute(&pool).await?;
        // The end-to-end rate, for the ratio below.
        std::fs::write(
            format!("/tmp/{db}.e2e"),
            format!("{} {e2e_secs} {ingest_secs}", all.0),
        )?;
    }
    if let Some(r) = &ingest_report {
        println!("{r}");
    }
    let (e2e_events, e2e_secs, ingest_secs) = std::fs::read_to_string(format!("/tmp/{db}.e2e"))
        .ok()
        .and_then(|s| {
            let v: Vec<f64> = s
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            Some((*v.first()?, *v.get(1)?, *v.get(2)?))
        })
        .unwrap_or((0.0, 0.0, 0.0));

    // Baseline: COPY of the same event rows into a plain table.
    if !args.no_copy {
        let file = format!("/tmp/{db}.copy");
        {
            let mut conn = pool.acquire().await?;
            let mut out = conn
                .copy_out_raw(
                    "COPY (SELECT aggregate_type, aggregate_id, sequence, event_type, event_version, \
                     payload, metadata FROM events WHERE aggregate_type = 'workflow_case') TO STDOUT",
                )
                .await?;
            let mut f = tokio::io::BufWriter::new(tokio::fs::File::create(&file).await?);
            use futures::StreamExt as _;
            use tokio::io::AsyncWriteExt as _;
            while let Some(chunk) = out.next().await {
                f.write_all(&chunk?).await?;
            }
            f.flush().await?;
        }
        let bytes = std::fs::metadata(&file)?.len();
        sqlx::query("DROP TABLE IF EXISTS bench_copy")
            .execute(&pool)
            .await?;
        sqlx::query(
            "CREATE TABLE bench_copy (aggregate_type text NOT NULL, aggregate_id text NOT NULL, \
             sequence bigint NOT NULL, event_type text NOT NULL, event_version text NOT NULL, \
             payload jsonb NOT NULL, metadata jsonb NOT NULL, \
             event_id uuid NOT NULL DEFAULT gen_random_uuid(), \
             position bigint GENERATED ALWAYS AS IDENTITY, \
             transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(), \
             recorded_at timestamptz NOT NULL DEFAULT now(), \
             PRIMARY KEY (aggregate_type, aggregate_id, sequence))",
        )
        .execute(&pool)
        .await?;
        sqlx::query("CHECKPOINT").execute(&pool).await?;
        let m0 = machine_ticks();
        let t0 = Instant::now();
        let mut conn = pool.acquire().await?;
        let mut copy = conn
            .copy_in_raw(
                "COPY bench_copy (aggregate_type, aggregate_id, sequence, event_type, \
                 event_version, payload, metadata) FROM STDIN",
            )
            .await?;
        copy.read_from(tokio::fs::File::open(&file).await?).await?;
        let copied = copy.finish().await?;
        let copy_secs = t0.elapsed().as_secs_f64();
        drop(conn);
        let m1 = machine_ticks();
        let size: i64 = sqlx::query_scalar("SELECT pg_total_relation_size('bench_copy')")
            .fetch_one(&pool)
            .await?;
        sqlx::query("DROP TABLE bench_copy").execute(&pool).await?;
        let _ = std::fs::remove_file(&file);
        let copy_rate = rate(copied as f64, copy_secs);
        println!(
            "Baseline in the same run: `COPY` (text, one connection, from a file of the rows read back from `events`: same streams, payloads and metadata, {:.0} bytes a row) into a plain table with the columns of `events` and only its primary key: {copied} rows in {copy_secs:.1} s = **{copy_rate:.0} rows/s** (table {:.2} GB; machine busy {:.0} of {:.0} s).\n",
            bytes as f64 / copied.max(1) as f64,
            size as f64 / 1e9,
            (m1.0 - m0.0) as f64 / hz,
            (m1.1 - m0.1) as f64 / hz,
        );
        if e2e_secs > 0.0 {
            let e2e = rate(e2e_events, e2e_secs);
            let ing = rate(e2e_events, ingest_secs);
            println!(
                "**End to end {e2e:.0} events/s = {:.0}% of COPY** (target ≥ 50%); ingest alone {ing:.0} events/s = {:.0}%.\n",
                100.0 * e2e / copy_rate,
                100.0 * ing / copy_rate
            );
        }
    }

    // Analytics at this size, through the query functions (in process, one connection).
    let now = Utc::now();
    let cal = calendar::load(
        &pool,
        AsOf {
            valid_at: now,
            known_at: now,
        },
    )
    .await?;
    let from = NaiveDate::from_ymd_opt(2025, 1, 1);
    let to = NaiveDate::from_ymd_opt(2025, 12, 31);
    let mut conn = pool.acquire().await?;
    let mut rng = Rng::new(args.seed ^ 0x9e);
    let picks: Vec<usize> = (0..args.queries + 20)
        .map(|_| rng.below(charts.len() as u64) as usize)
        .collect();
    let mut step_lat = Vec::new();
    let mut step_runs = 0usize;
    for (i, &pick) in picks.iter().enumerate() {
        let c = &charts[pick];
        let t0 = Instant::now();
        let r = step_analytics(
            &mut conn,
            c.department.as_str(),
            c.task.as_str(),
            1,
            from,
            to,
            None,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        if i >= 20 {
            step_lat.push(t0.elapsed());
        }
        step_runs = r.iter().map(|s| s.runs as usize).sum();
    }
    step_lat.sort();
    let departments: Vec<String> = {
        let mut d: Vec<String> = charts
            .iter()
            .map(|c| c.department.as_str().to_owned())
            .collect();
        d.sort();
        d.dedup();
        d
    };
    let mut dept_lat = Vec::new();
    let mut dept_rows = 0;
    for i in 0..args.queries + 20 {
        let filter = CaseFilter {
            departments: Some(vec![departments[picks[i] % departments.len()].clone()]),
            from,
            to,
            ..CaseFilter::default()
        };
        let t0 = Instant::now();
        let r = case_analytics(
            &mut conn,
            &filter,
            CaseGroup::All,
            Some(Grain::Month),
            None,
            now,
            &cal,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        if i >= 20 {
            dept_lat.push(t0.elapsed());
        }
        dept_rows = r.len();
    }
    dept_lat.sort();
    let city_runs = (args.queries / 10).max(10);
    let mut city_lat = Vec::new();
    let mut city_rows = 0;
    for i in 0..city_runs + 3 {
        let filter = CaseFilter {
            from,
            to,
            ..CaseFilter::default()
        };
        let t0 = Instant::now();
        let r = case_analytics(
            &mut conn,
            &filter,
            CaseGroup::Department,
            Some(Grain::Month),
            None,
            now,
            &cal,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        if i >= 3 {
            city_lat.push(t0.elapsed());
        }
        city_rows = r.len();
    }
    city_lat.sort();
    drop(conn);
    println!(
        "Analytics through the query functions in process (`projections::cases::query`, one connection, no HTTP or GraphQL), period 2025, `knownAt` unset (everything recorded):\n\n\
         | query | runs | rows | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n\
         | `step_analytics` (one task's chart version 1, random among {}; {} step runs in the last answer) | {} | 6 | {:.2} | {:.2} | {:.2} |\n\
         | `case_analytics` one department, by month (random among {}) | {} | {dept_rows} | {:.2} | {:.2} | {:.2} |\n\
         | `case_analytics` the whole city grouped by department, by month | {city_runs} | {city_rows} | {:.2} | {:.2} | {:.2} |\n",
        charts.len(),
        step_runs,
        args.queries,
        percentile_ms(&step_lat, 50.0),
        percentile_ms(&step_lat, 99.0),
        step_lat.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        departments.len(),
        args.queries,
        percentile_ms(&dept_lat, 50.0),
        percentile_ms(&dept_lat, 99.0),
        dept_lat.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        percentile_ms(&city_lat, 50.0),
        percentile_ms(&city_lat, 99.0),
        city_lat.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
    );

    // The OCEL export: all, and a tenth (cases received in a tenth of the period).
    if !args.no_export {
        let events_db: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM events WHERE aggregate_type = 'workflow_case'",
        )
        .fetch_one(&pool)
        .await?;
        let (start, end) = period();
        let tenth_end = start + (end - start) / 10;
        let local = |d: DateTime<Utc>| (d + chrono::Duration::hours(8)).date_naive();
        let to = local(tenth_end) - chrono::Duration::days(1);
        // Midnight in Beijing after `to` (the filter's days are Beijing days, both inclusive).
        let tenth_bound = (to + chrono::Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc() - chrono::Duration::hours(8))
            .unwrap_or(tenth_end);
        let tenth_events: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM events e JOIN case_versions v ON v.stream = e.aggregate_id AND v.known_to IS NULL \
             WHERE e.aggregate_type = 'workflow_case' AND v.received_at < $1",
        )
        .bind(tenth_bound)
        .fetch_one(&pool)
        .await
        .unwrap_or(-1);
        let url = database_url(&db)?;
        let mut rows = Vec::new();
        for (label, filters, n) in [
            (
                format!("a tenth: `--filter from={} --filter to={to}`", local(start)),
                vec![format!("from={}", local(start)), format!("to={to}")],
                tenth_events,
            ),
            ("everything".to_owned(), vec![], events_db),
        ] {
            eprintln!("export {label}...");
            let (secs, peak, bytes, summary) =
                export(&url, &filters, &format!("/tmp/{db}.ocel.json"))?;
            rows.push(format!(
                "| {label} | {n} | {secs:.1} | {:.0} | {:.2} | {} | {summary} |",
                rate(n as f64, secs),
                bytes as f64 / 1e9,
                peak / 1024
            ));
        }
        println!(
            "OCEL 2.0 JSON export: `target/bench-release/dutyledger export ocel [--filter ...] FILE.json` (the release binary, run by this bench under `/usr/bin/time -v`):\n\n\
             | cases | case events | seconds | case events/s | file GB | peak RSS MB | output |\n|---|---|---|---|---|---|---|\n{}\n",
            rows.join("\n")
        );
    }
    Ok(())
}
