//! The rollup projection: each batch of record events is summed in memory per rollup row, then
//! written with one upsert per few thousand rows. A correction subtracts the record it
//! replaces and adds the new one; a void subtracts.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{Datelike, NaiveDate};
use cqrs_es::Aggregate;
use dutyledger_domain::performance::{local_date, PerformanceEvent, PerformanceRecord, WorkRecord};
use serde::Deserialize;
use sqlx::PgConnection;

use crate::projector::Projection;
use crate::{StoreError, StoredEvent};

/// Events per projector transaction: the more records one batch folds, the fewer rows it
/// writes (a month row per post takes all of that post's records of the batch), but the batch
/// is held in memory while it is folded. Read lean (payload text decoded straight into the
/// event), an event costs about 2 KB here; with JSON trees it was about 5 KB, and ops/bench
/// measured a peak of 600 MB at 50,000 (over the server's 500 MB budget).
pub const BATCH_SIZE: i64 = 50_000;
/// Rows per upsert statement.
const ROWS_PER_STATEMENT: usize = 5_000;

/// The performance rollups read model.
#[derive(Debug, Default, Clone, Copy)]
pub struct Rollups;

/// The same projection writing the shadow table of a rebuild, under its own checkpoint.
#[derive(Debug, Default, Clone, Copy)]
pub struct RollupsShadow;

/// A rollup row's key, borrowing from the batch's decoded events.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct RowKey<'a> {
    dimension: &'static str,
    grain: char,
    department_id: &'a str,
    unit_id: &'a str,
    key: &'a str,
    period: NaiveDate,
    level: &'static str,
    sector: &'a str,
    known: NaiveDate,
}

/// Summed figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Sums {
    pub records: i64,
    pub quantity: i64,
    pub timed: i64,
    pub on_time: i64,
}

impl Sums {
    pub(crate) fn of(record: &WorkRecord, sign: i64) -> Self {
        Self {
            records: sign,
            quantity: sign * i64::from(record.quantity.get()),
            timed: sign * i64::from(record.on_time.is_some()),
            on_time: sign * i64::from(record.on_time == Some(true)),
        }
    }

    pub(crate) fn add(&mut self, other: Sums) {
        self.records += other.records;
        self.quantity += other.quantity;
        self.timed += other.timed;
        self.on_time += other.on_time;
    }
}

/// The first day of the month of a day.
pub(crate) fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The level as stored in rollups (`City`, `County`, `Township`).
pub(crate) fn level_text(record: &WorkRecord) -> &'static str {
    level_code(record.level)
}

/// A level as read models store it (`City`, `County`, `Township`): the rollups and the cases
/// read model.
pub(crate) fn level_code(level: dutyledger_domain::values::DepartmentLevel) -> &'static str {
    use dutyledger_domain::values::DepartmentLevel;
    match level {
        DepartmentLevel::City => "City",
        DepartmentLevel::County => "County",
        DepartmentLevel::Township => "Township",
    }
}

fn decode(event: &StoredEvent) -> Result<PerformanceEvent, StoreError> {
    match &event.raw_payload {
        Some(text) => decode_text(text, &event.event_type, &event.event_version),
        None => PerformanceEvent::deserialize(&event.payload)
            .map_err(|e| unreadable(&event.event_type, &event.event_version, &e)),
    }
}

/// A record event from its payload's JSON text (the rollups' lean reads, and the queries that
/// fold the log themselves).
pub(crate) fn decode_text(
    text: &str,
    event_type: &str,
    event_version: &str,
) -> Result<PerformanceEvent, StoreError> {
    serde_json::from_str(text).map_err(|e| unreadable(event_type, event_version, &e))
}

fn unreadable(event_type: &str, event_version: &str, e: &serde_json::Error) -> StoreError {
    StoreError::UnreadableEvent {
        event_type: event_type.to_owned(),
        event_version: event_version.to_owned(),
        reason: e.to_string(),
    }
}

fn add_record<'a>(
    rows: &mut HashMap<RowKey<'a>, Sums>,
    record: &'a WorkRecord,
    sign: i64,
    known: NaiveDate,
) {
    let sums = Sums::of(record, sign);
    let day = local_date(record.occurred_at);
    let month = month_of(day);
    let dept = record.department_id.as_str();
    let unit = record.unit_id.as_str();
    let level = level_text(record);
    let sector = record.sector.as_str();
    // Days are kept for departments and units (so for levels and sectors too); posts, tasks
    // and regions by month: a day row per post, task or region would be a row per record.
    let dims: [(&'static str, &'a str, &'a str, bool); 5] = [
        ("department", "", dept, true),
        ("unit", unit, unit, true),
        ("post", unit, record.post_id.as_str(), false),
        ("task", unit, record.task_id.as_str(), false),
        ("region", "", record.region.as_str(), false),
    ];
    for (dimension, unit_id, key, daily) in dims {
        let grains: &[(char, NaiveDate)] = if daily {
            &[('d', day), ('m', month)]
        } else {
            &[('m', month)]
        };
        for &(grain, period) in grains {
            rows.entry(RowKey {
                dimension,
                grain,
                department_id: dept,
                unit_id,
                key,
                period,
                level,
                sector,
                known,
            })
            .or_default()
            .add(sums);
        }
    }
}

async fn write(
    conn: &mut PgConnection,
    table: &str,
    rows: HashMap<RowKey<'_>, Sums>,
) -> Result<(), StoreError> {
    let mut rows: Vec<(RowKey<'_>, Sums)> = rows
        .into_iter()
        .filter(|(_, s)| *s != Sums::default())
        .collect();
    // A stable order: concurrent writers (a rebuild's verification) lock rows in the same order.
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut dimension = Vec::with_capacity(chunk.len());
        let mut grain = Vec::with_capacity(chunk.len());
        let mut department = Vec::with_capacity(chunk.len());
        let mut unit = Vec::with_capacity(chunk.len());
        let mut key = Vec::with_capacity(chunk.len());
        let mut period = Vec::with_capacity(chunk.len());
        let mut level = Vec::with_capacity(chunk.len());
        let mut sector = Vec::with_capacity(chunk.len());
        let mut known = Vec::with_capacity(chunk.len());
        let mut records = Vec::with_capacity(chunk.len());
        let mut quantity = Vec::with_capacity(chunk.len());
        let mut timed = Vec::with_capacity(chunk.len());
        let mut on_time = Vec::with_capacity(chunk.len());
        for (k, s) in chunk {
            dimension.push(k.dimension);
            grain.push(k.grain.to_string());
            department.push(k.department_id);
            unit.push(k.unit_id);
            key.push(k.key);
            period.push(k.period);
            level.push(k.level);
            sector.push(k.sector);
            known.push(k.known);
            records.push(s.records);
            quantity.push(s.quantity);
            timed.push(s.timed);
            on_time.push(s.on_time);
        }
        sqlx::query(&format!(
            "INSERT INTO {table} AS r \
               (dimension, grain, department_id, unit_id, key, period, level, sector, known, \
                records, quantity, timed, on_time) \
             SELECT u.dimension, u.grain::\"char\", u.department_id, u.unit_id, u.key, u.period, \
                    u.level, u.sector, u.known, u.records, u.quantity, u.timed, u.on_time \
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], \
                         $7::text[], $8::text[], $9::date[], $10::bigint[], $11::bigint[], \
                         $12::bigint[], $13::bigint[]) \
               AS u(dimension, grain, department_id, unit_id, key, period, level, sector, known, \
                    records, quantity, timed, on_time) \
             ON CONFLICT (dimension, grain, department_id, unit_id, key, period, level, sector, known) \
             DO UPDATE SET records = r.records + EXCLUDED.records, \
                           quantity = r.quantity + EXCLUDED.quantity, \
                           timed = r.timed + EXCLUDED.timed, \
                           on_time = r.on_time + EXCLUDED.on_time",
        ))
        .bind(&dimension)
        .bind(&grain)
        .bind(&department)
        .bind(&unit)
        .bind(&key)
        .bind(&period)
        .bind(&level)
        .bind(&sector)
        .bind(&known)
        .bind(&records)
        .bind(&quantity)
        .bind(&timed)
        .bind(&on_time)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Folds a batch of record events into rollup rows and writes them to `table`.
async fn apply_to(
    conn: &mut PgConnection,
    name: &'static str,
    table: &str,
    events: &[StoredEvent],
) -> Result<(), StoreError> {
    let mut decoded = Vec::with_capacity(events.len());
    for event in events {
        if event.aggregate_type != PerformanceRecord::TYPE {
            continue;
        }
        let payload = decode(event).inspect_err(|error| {
            tracing::error!(
                projection = name,
                event_id = %event.event_id,
                event_type = %event.event_type,
                %error,
                "projection failed on an event; it stays before this batch"
            );
        })?;
        decoded.push((local_date(event.recorded_at), payload));
    }
    let mut rows = HashMap::with_capacity(decoded.len() * 4);
    for (known, event) in &decoded {
        for r in event.rollups() {
            add_record(&mut rows, r.record, r.sign, *known);
        }
    }
    write(conn, table, rows).await
}

macro_rules! rollups_projection {
    ($type:ty, $name:expr, $table:expr) => {
        #[async_trait]
        impl Projection for $type {
            fn name(&self) -> &'static str {
                $name
            }

            fn streams(&self) -> Option<&'static [&'static str]> {
                Some(&[PerformanceRecord::TYPE])
            }

            fn batch_size(&self) -> Option<i64> {
                Some(BATCH_SIZE)
            }

            fn reads_lean(&self) -> bool {
                true
            }

            async fn apply(
                &self,
                conn: &mut PgConnection,
                event: &StoredEvent,
            ) -> Result<(), StoreError> {
                apply_to(conn, $name, $table, std::slice::from_ref(event)).await
            }

            async fn apply_batch(
                &self,
                conn: &mut PgConnection,
                events: &[StoredEvent],
            ) -> Result<(), StoreError> {
                apply_to(conn, $name, $table, events).await
            }
        }
    };
}

rollups_projection!(Rollups, super::NAME, super::ROLLUPS);
rollups_projection!(RollupsShadow, super::SHADOW_NAME, super::SHADOW_ROLLUPS);
