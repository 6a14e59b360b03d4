//! The data set of the `records` bench, shared with the benches that run on it (`scores`): the
//! city's structure from [`crate::city`], written through the event store and projected, and
//! the performance records (履职数据) of 2021-2025 drawn on the fly and reproducibly from the
//! seed ([`Generator`]), with 0.1% resubmitted record ids and 0.1% records whose post does not
//! hold the task.
//!
//! [`write_structure`] writes the departments' commands; [`ingest`] stores the records through
//! `Ingestor::ingest` (the path of `recordWorkBatch`) without the `records` bench's
//! instruments (which drives the same generator through its own, measured loop).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use dutyledger_domain::department::Department;
use dutyledger_domain::metadata::CommandMetadata;
use dutyledger_domain::performance::{RawRecord, Source};
use dutyledger_domain::values::{DivisionCode, EntityId};
use dutyledger_projections::event_log::EventStore;
use dutyledger_projections::performance::Ingestor;
use dutyledger_projections::Cursor;
use futures::stream::{self, StreamExt};
use sqlx::PgPool;
use tokio::sync::mpsc;

use crate::city::{self, Layout, Plan, CITY};
use crate::Rng;

/// The actor of the records' metadata.
pub const ACTOR: &str = "system:bench-records";
/// Share (per million) of resubmitted record ids and of records whose post does not hold the
/// task.
pub const DUPLICATES_PPM: u64 = 1_000;
pub const INVALID_PPM: u64 = 1_000;
/// Half the resubmissions repeat a record of the same batch; the others one stored at least
/// this many records earlier (committed: four batches of 5,000 back) and at most
/// `FAR_MIN + FAR_SPAN`.
pub const FAR_MIN: u64 = 20_000;
pub const FAR_SPAN: u64 = 480_000;

/// One item of the submitted stream.
#[derive(Debug, Clone, Copy)]
pub enum Item {
    /// The `v`-th valid record.
    Valid(u64),
    /// A resubmission of the `v`-th valid record.
    Duplicate(u64),
    /// A record (drawn like the `v`-th) whose post does not hold its task.
    Invalid(u64),
}

/// What a record is made of, before it becomes text.
#[derive(Debug, Clone)]
pub struct Draw {
    /// The department (index in the layout).
    pub department: usize,
    /// The task-to-post assignment (index in the department's).
    pub assignment: usize,
    /// A post of the same unit that does not hold the task (invalid records).
    pub wrong_post: Option<EntityId>,
    /// The region (index in the generator's regions).
    pub region: usize,
    /// When the work was done.
    pub occurred_at: DateTime<Utc>,
    /// How much.
    pub quantity: u32,
    /// Days taken, if stated.
    pub time_taken_days: Option<u16>,
    /// The on-time flag, if stated.
    pub on_time: Option<bool>,
    /// Where the record comes from.
    pub source: Source,
    /// Whether the record states the department's level.
    pub states_level: bool,
}

/// The records of the data set, drawn on the fly and reproducibly from the seed.
#[derive(Debug)]
pub struct Generator {
    /// The seed.
    pub seed: u64,
    /// Valid records.
    pub records: u64,
    /// The structure the records refer to.
    pub layout: Layout,
    /// Cumulative department weights (tasks x an activity factor of 1 to 4).
    pub cumulative: Vec<u64>,
    /// Counties (index 0..12), each with its townships.
    pub counties: Vec<(DivisionCode, Vec<DivisionCode>)>,
    /// Every region code: the city, the counties, the townships.
    pub regions: Vec<String>,
    /// Index in `regions` of each county and of its first township.
    pub county_at: Vec<(usize, usize, usize)>,
    /// The first instant of the records (Unix seconds).
    pub start: i64,
    /// The records' span, in seconds.
    pub span: i64,
    /// Beijing time.
    pub beijing: FixedOffset,
}

fn mix(seed: u64, v: u64, salt: u64) -> Rng {
    let mut r = Rng::new(seed ^ salt ^ v.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    r.next_u64();
    r
}

impl Generator {
    /// A generator of `records` valid records over `layout`'s departments.
    pub fn new(seed: u64, records: u64, layout: Layout) -> anyhow::Result<Self> {
        let mut total = 0;
        let cumulative = layout
            .departments
            .iter()
            .enumerate()
            .map(|(i, d)| {
                total += d.assignments.len() as u64 * (1 + (i as u64 * 2_654_435_761) % 4);
                total
            })
            .collect();
        let counties = city::divisions();
        let mut regions = vec![CITY.to_owned()];
        let mut county_at = Vec::new();
        for (county, townships) in &counties {
            let at = regions.len();
            regions.push(county.as_str().to_owned());
            regions.extend(townships.iter().map(|t| t.as_str().to_owned()));
            county_at.push((at, at + 1, townships.len()));
        }
        let start = city::ymd(2020, 12, 31).timestamp() + 16 * 3600; // 2021-01-01T00:00+08:00
        let end = city::ymd(2025, 12, 31).timestamp() + 16 * 3600; // 2026-01-01T00:00+08:00
        Ok(Self {
            seed,
            records,
            layout,
            cumulative,
            counties,
            regions,
            county_at,
            start,
            span: end - start,
            beijing: FixedOffset::east_opt(8 * 3600).ok_or_else(|| anyhow::anyhow!("offset"))?,
        })
    }

    /// What follows the `v`-th valid record, if anything: a resubmission (of a record of the
    /// same batch, which starts at valid record `first`, or of one stored long before) or an
    /// invalid record.
    pub fn extra(&self, v: u64, first: u64) -> Option<Item> {
        let mut r = mix(self.seed, v, 0x5EED_0FD0_B1E5);
        let p = r.below(1_000_000);
        if p < DUPLICATES_PPM {
            Some(Item::Duplicate(if r.below(2) == 0 || v < FAR_MIN {
                first + r.below(v - first + 1)
            } else {
                v - FAR_MIN - r.below((v - FAR_MIN).min(FAR_SPAN) + 1)
            }))
        } else if p < DUPLICATES_PPM + INVALID_PPM {
            Some(Item::Invalid(v))
        } else {
            None
        }
    }

    /// Batches of items, numbered from 0, as the ingest sends them: every valid record in
    /// order, now and then followed by an extra item; at most `size` items a batch.
    pub fn batches(&self, size: usize) -> impl Iterator<Item = (u64, Vec<Item>)> + '_ {
        let size = size.max(2);
        let mut v = 0;
        let mut index = 0;
        std::iter::from_fn(move || {
            if v >= self.records {
                return None;
            }
            let first = v;
            let mut batch = Vec::with_capacity(size);
            while v < self.records && batch.len() + 2 <= size {
                batch.push(Item::Valid(v));
                batch.extend(self.extra(v, first));
                v += 1;
            }
            index += 1;
            Some((index - 1, batch))
        })
    }

    /// What the `v`-th record is made of (`invalid`: with a post that does not hold its task).
    pub fn draw(&self, v: u64, invalid: bool) -> Draw {
        let mut r = mix(self.seed, v, 0);
        let total = self.cumulative.last().copied().unwrap_or(1);
        let pick = r.below(total);
        let department = self.cumulative.partition_point(|&c| c <= pick);
        let d = &self.layout.departments[department];
        let assignment = r.below(d.assignments.len() as u64) as usize;
        let a = &d.assignments[assignment];
        let wrong_post = if invalid {
            let others: Vec<&EntityId> = d
                .posts_by_unit
                .get(&a.unit)
                .map(|ps| ps.iter().filter(|p| !d.holds(p, &a.task)).collect())
                .unwrap_or_default();
            (!others.is_empty()).then(|| others[r.below(others.len() as u64) as usize].clone())
        } else {
            None
        };
        // Region: a township (75%), a county (20%) or the city itself (5%).
        let county = r.below(self.counties.len() as u64) as usize;
        let (county_index, first_township, townships) = self.county_at[county];
        let region = match r.below(100) {
            0..=74 => first_township + r.below(townships as u64) as usize,
            75..=94 => county_index,
            _ => 0,
        };
        // Chronological: the v-th record falls in the v-th slice of the five years.
        let offset = ((u128::from(v) * self.span as u128 + u128::from(r.below(self.span as u64)))
            / u128::from(self.records.max(1))) as i64;
        let occurred_at = DateTime::from_timestamp(self.start + offset, 0).unwrap_or_default();
        let quantity = 1 + r.below(5) as u32;
        let (time_taken_days, on_time) = match a.limit_days {
            Some(limit) => match r.below(10) {
                // Days taken (on time when within the limit, 85% of the time).
                0..=6 => {
                    let days = if r.below(100) < 85 {
                        r.below(u64::from(limit) + 1)
                    } else {
                        u64::from(limit) + 1 + r.below(u64::from(limit))
                    } as u16;
                    // Sometimes the clerk also ticks the (consistent) flag.
                    let flag = (r.below(5) == 0).then_some(days <= limit);
                    (Some(days), flag)
                }
                7..=8 => (None, Some(r.below(100) < 90)),
                _ => (None, None),
            },
            None => match r.below(10) {
                0..=5 => (None, Some(r.below(100) < 90)),
                _ => (None, None),
            },
        };
        let source = match r.below(100) {
            0..=84 => Source::DailyEntry,
            85..=94 => Source::SystemIntegration,
            _ => Source::Inspection,
        };
        Draw {
            department,
            assignment,
            wrong_post,
            region,
            occurred_at,
            quantity,
            time_taken_days,
            on_time,
            source,
            states_level: r.below(10) == 0,
        }
    }

    /// The record as a client sends it (text fields, as the GraphQL input or a CSV line).
    pub fn raw(&self, item: Item) -> RawRecord {
        let (v, invalid) = match item {
            Item::Valid(v) | Item::Duplicate(v) => (v, false),
            Item::Invalid(v) => (v, true),
        };
        let draw = self.draw(v, invalid);
        let d = &self.layout.departments[draw.department];
        let a = &d.assignments[draw.assignment];
        let post = draw.wrong_post.as_ref().unwrap_or(&a.post);
        RawRecord {
            record_id: Some(if invalid {
                format!("x{v}")
            } else {
                format!("r{v}")
            }),
            department_id: Some(d.code.as_str().to_owned()),
            unit_id: Some(a.unit.as_str().to_owned()),
            post_id: Some(post.as_str().to_owned()),
            task_id: Some(a.task.as_str().to_owned()),
            region: Some(self.regions[draw.region].clone()),
            level: draw.states_level.then(|| "CITY".to_owned()),
            occurred_at: Some(
                draw.occurred_at
                    .with_timezone(&self.beijing)
                    .to_rfc3339_opts(SecondsFormat::Secs, false),
            ),
            quantity: Some(draw.quantity.to_string()),
            time_taken_days: draw.time_taken_days.map(|d| d.to_string()),
            on_time: draw.on_time.map(|f| f.to_string()),
            source: Some(draw.source.code().to_owned()),
        }
    }
}

/// The request id of the `batch`-th batch (in the records' metadata).
pub fn request_id(batch: u64) -> String {
    format!("records-{batch}")
}

/// Writes the structure commands of `plans` (all of each plan's commands, at their effective
/// times) through the event store, `concurrency` departments at a time; a refused command is
/// reported on stderr and skipped. Returns the events written.
pub async fn write_structure(
    pool: &PgPool,
    plans: &[Plan],
    concurrency: usize,
) -> anyhow::Result<usize> {
    let store = EventStore::new(pool.clone());
    let written: Vec<usize> = stream::iter(plans.iter())
        .map(|p| {
            let store = store.clone();
            async move {
                let mut events = 0;
                for (at, command) in &p.commands {
                    let mut meta = CommandMetadata::new("system:bench", "bench-structure");
                    meta.effective_at = Some(*at);
                    match store
                        .execute::<Department>(p.code.as_str(), command.clone(), &meta)
                        .await
                    {
                        Ok(e) => events += e.events,
                        Err(e) => eprintln!("{}: refused {command:?}: {e}", p.code),
                    }
                }
                events
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    Ok(written.iter().sum())
}

/// What [`ingest`] did.
#[derive(Debug, Clone, Default)]
pub struct Ingested {
    /// Records stored.
    pub stored: u64,
    /// Resubmissions (stored once).
    pub duplicates: u64,
    /// Records rejected.
    pub rejected: u64,
    /// The cursor of the last record stored.
    pub last: Option<Cursor>,
    /// Wall time.
    pub elapsed: Duration,
}

/// Stores every batch of `generator` (`batch` items each, the same batches and request ids as
/// the `records` bench) through `Ingestor::ingest` from `writers` concurrent tasks. Progress goes
/// to stderr every `report_every` records. The caller runs the projector.
pub async fn ingest(
    pool: &PgPool,
    generator: Arc<Generator>,
    batch: usize,
    writers: usize,
    report_every: u64,
) -> anyhow::Result<Ingested> {
    let ingestor = Ingestor::new(pool.clone());
    let (tx, rx) = mpsc::channel::<(u64, Vec<RawRecord>)>(writers.max(1) * 2);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let g = generator.clone();
    let producer = std::thread::spawn(move || {
        for (index, items) in g.batches(batch) {
            let raws: Vec<RawRecord> = items.into_iter().map(|i| g.raw(i)).collect();
            if tx.blocking_send((index, raws)).is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let progress = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..writers.max(1) {
        let rx = rx.clone();
        let ingestor = ingestor.clone();
        let progress = progress.clone();
        let total = generator.records;
        tasks.push(tokio::spawn(async move {
            let mut out = Ingested::default();
            loop {
                let next = rx.lock().await.recv().await;
                let Some((index, raws)) = next else { break };
                let batch: Vec<_> = raws
                    .iter()
                    .map(|r| (r.record_id.clone(), r.parse()))
                    .collect();
                let meta = CommandMetadata::new(ACTOR, request_id(index));
                let done = ingestor.ingest(batch, &meta).await?;
                out.stored += done.stored as u64;
                out.duplicates += done.duplicates as u64;
                out.rejected += done.rejected as u64;
                if let Some(c) = done.cursor {
                    out.last = Some(out.last.map_or(c, |l: Cursor| l.max(c)));
                }
                let before =
                    progress.fetch_add(done.stored as u64, std::sync::atomic::Ordering::Relaxed);
                let after = before + done.stored as u64;
                if report_every > 0 && before / report_every != after / report_every {
                    eprintln!(
                        "  {after} of {total} records stored ({:.0} s)",
                        started.elapsed().as_secs_f64()
                    );
                }
            }
            anyhow::Ok(out)
        }));
    }
    let mut all = Ingested::default();
    for t in tasks {
        let t = t.await??;
        all.stored += t.stored;
        all.duplicates += t.duplicates;
        all.rejected += t.rejected;
        all.last = match (all.last, t.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    producer
        .join()
        .map_err(|_| anyhow::anyhow!("record producer panicked"))?;
    all.elapsed = started.elapsed();
    Ok(all)
}
