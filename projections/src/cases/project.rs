//! The cases projection: case-level facts as versions in transaction time, one row per step
//! run completed, one per return for correction. Each batch of case events is folded in
//! memory (the current version of each case it touches, loaded once) and written with a few
//! multi-row statements.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use dutyledger_domain::case::{self as domain, CaseEvent};
use serde::Deserialize;
use sqlx::{PgConnection, Row};

use crate::performance::project::level_code;
use crate::projector::Projection;
use crate::{StoreError, StoredEvent};

/// Events per projector transaction.
pub const BATCH_SIZE: i64 = 20_000;

/// The tables a projection writes (the live ones, or a rebuild's shadow).
#[derive(Debug, Clone, Copy)]
pub struct Tables {
    /// Case versions.
    pub versions: &'static str,
    /// Step runs.
    pub runs: &'static str,
    /// Returns for correction.
    pub returns: &'static str,
}

impl Tables {
    /// The live tables.
    pub const LIVE: Tables = Tables {
        versions: "case_versions",
        runs: "case_step_runs",
        returns: "case_returns",
    };
    /// A rebuild's shadow tables.
    pub const SHADOW: Tables = Tables {
        versions: "case_versions__rebuild",
        runs: "case_step_runs__rebuild",
        returns: "case_returns__rebuild",
    };
}

/// The cases read model.
#[derive(Debug, Clone, Copy)]
pub struct Cases {
    name: &'static str,
    tables: Tables,
}

impl Default for Cases {
    fn default() -> Self {
        Self::live()
    }
}

impl Cases {
    /// The live projection.
    pub fn live() -> Self {
        Self {
            name: super::NAME,
            tables: Tables::LIVE,
        }
    }

    /// A rebuild's shadow projection.
    pub fn shadow() -> Self {
        Self {
            name: super::SHADOW_NAME,
            tables: Tables::SHADOW,
        }
    }
}

/// A case's facts as of one version.
#[derive(Debug, Clone)]
struct Version {
    stream: String,
    sequence: i64,
    known_from: DateTime<Utc>,
    known_to: Option<DateTime<Utc>>,
    department_id: String,
    case_id: String,
    task_id: String,
    version: i32,
    region: String,
    level: String,
    sector: String,
    applicant: String,
    received_at: DateTime<Utc>,
    limit_kind: Option<String>,
    deadline: Option<DateTime<Utc>>,
    suspended: bool,
    extended_days: i32,
    closed_at: Option<DateTime<Utc>>,
    outcome: Option<String>,
    on_time: Option<bool>,
    days_over: Option<i32>,
    seconds: Option<i64>,
    working_seconds: Option<i64>,
    /// Loaded from the table (its `known_to` is to be set there), not made in this batch.
    stored: bool,
}

fn decode(event: &StoredEvent) -> Result<CaseEvent, StoreError> {
    let unreadable = |e: serde_json::Error| StoreError::UnreadableEvent {
        event_type: event.event_type.clone(),
        event_version: event.event_version.clone(),
        reason: e.to_string(),
    };
    match &event.raw_payload {
        Some(text) => serde_json::from_str(text).map_err(unreadable),
        None => CaseEvent::deserialize(&event.payload).map_err(unreadable),
    }
}

const VERSION_COLUMNS: &str = "stream, sequence, known_from, known_to, department_id, case_id, \
     task_id, version, region, level, sector, applicant, received_at, limit_kind, deadline, \
     suspended, extended_days, closed_at, outcome, on_time, days_over, seconds, working_seconds";

async fn load_current(
    conn: &mut PgConnection,
    table: &str,
    streams: &[&str],
) -> Result<HashMap<String, Version>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} FROM {table} v \
         JOIN UNNEST($1::text[]) AS u(s) ON v.stream = u.s WHERE v.known_to IS NULL"
    ))
    .bind(streams)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        let v = Version {
            stream: r.try_get("stream")?,
            sequence: r.try_get("sequence")?,
            known_from: r.try_get("known_from")?,
            known_to: r.try_get("known_to")?,
            department_id: r.try_get("department_id")?,
            case_id: r.try_get("case_id")?,
            task_id: r.try_get("task_id")?,
            version: r.try_get("version")?,
            region: r.try_get("region")?,
            level: r.try_get("level")?,
            sector: r.try_get("sector")?,
            applicant: r.try_get("applicant")?,
            received_at: r.try_get("received_at")?,
            limit_kind: r.try_get("limit_kind")?,
            deadline: r.try_get("deadline")?,
            suspended: r.try_get("suspended")?,
            extended_days: r.try_get("extended_days")?,
            closed_at: r.try_get("closed_at")?,
            outcome: r.try_get("outcome")?,
            on_time: r.try_get("on_time")?,
            days_over: r.try_get("days_over")?,
            seconds: r.try_get("seconds")?,
            working_seconds: r.try_get("working_seconds")?,
            stored: true,
        };
        out.insert(v.stream.clone(), v);
    }
    Ok(out)
}

/// A step run or a return, ready to insert.
struct Run {
    stream: String,
    sequence: i64,
    known: DateTime<Utc>,
    department_id: String,
    task_id: String,
    version: i32,
    step: i32,
    name: String,
    post_id: String,
    unit_id: String,
    region: String,
    started_at: DateTime<Utc>,
    completed_at: DateTime<Utc>,
    seconds: i64,
    working_seconds: i64,
    waited_seconds: i64,
    on_time: Option<bool>,
}

struct Return {
    stream: String,
    sequence: i64,
    known: DateTime<Utc>,
    department_id: String,
    task_id: String,
    version: i32,
    step: i32,
    at: DateTime<Utc>,
}

async fn apply_to(
    conn: &mut PgConnection,
    tables: Tables,
    events: &[StoredEvent],
) -> Result<(), StoreError> {
    let decoded: Vec<(&StoredEvent, CaseEvent)> = events
        .iter()
        .filter(|e| e.aggregate_type == domain::TYPE)
        .map(|e| decode(e).map(|d| (e, d)))
        .collect::<Result<_, _>>()?;
    if decoded.is_empty() {
        return Ok(());
    }
    // The current versions of the cases this batch continues (not opened in it).
    let mut opened_here: HashSet<&str> = HashSet::new();
    let mut wanted: Vec<&str> = Vec::new();
    for (e, d) in &decoded {
        if matches!(d, CaseEvent::CaseOpened { .. }) {
            opened_here.insert(e.aggregate_id.as_str());
        } else if !opened_here.contains(e.aggregate_id.as_str()) {
            wanted.push(e.aggregate_id.as_str());
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    let mut current = if wanted.is_empty() {
        HashMap::new()
    } else {
        load_current(conn, tables.versions, &wanted).await?
    };

    let mut new_versions: Vec<Version> = Vec::new();
    // The index in `new_versions` of each case's latest version made in this batch.
    let mut latest: HashMap<String, usize> = HashMap::new();
    let mut closed_stored: Vec<(String, i64, DateTime<Utc>)> = Vec::new();
    let mut runs: Vec<Run> = Vec::new();
    let mut returns: Vec<Return> = Vec::new();
    for (e, d) in decoded {
        let known = e.recorded_at;
        if let CaseEvent::CaseOpened {
            case_id,
            department_id,
            task_id,
            version,
            region,
            applicant,
            level,
            sector,
            received_at,
            time_limit,
            deadline,
            ..
        } = &d
        {
            let v = Version {
                stream: e.aggregate_id.clone(),
                sequence: e.sequence,
                known_from: known,
                known_to: None,
                department_id: department_id.as_str().to_owned(),
                case_id: case_id.as_str().to_owned(),
                task_id: task_id.as_str().to_owned(),
                version: *version as i32,
                region: region.as_str().to_owned(),
                level: level_code(*level).to_owned(),
                sector: sector.as_str().to_owned(),
                applicant: applicant.code().to_owned(),
                received_at: *received_at,
                limit_kind: time_limit.map(|l| format!("{:?}", l.kind())),
                deadline: *deadline,
                suspended: false,
                extended_days: 0,
                closed_at: None,
                outcome: None,
                on_time: None,
                days_over: None,
                seconds: None,
                working_seconds: None,
                stored: false,
            };
            current.insert(v.stream.clone(), v.clone());
            latest.insert(v.stream.clone(), new_versions.len());
            new_versions.push(v);
            continue;
        }
        let Some(cur) = current.get(&e.aggregate_id) else {
            return Err(StoreError::UnreadableEvent {
                event_type: e.event_type.clone(),
                event_version: e.event_version.clone(),
                reason: format!("case {} has no opening before this event", e.aggregate_id),
            });
        };
        let mut next = cur.clone();
        next.sequence = e.sequence;
        next.known_from = known;
        next.stored = false;
        match &d {
            CaseEvent::CaseOpened { .. } => unreachable!("handled above"),
            CaseEvent::CaseStepStarted { .. } => continue,
            CaseEvent::CaseStepCompleted {
                step,
                name,
                post_id,
                unit_id,
                started_at,
                at,
                seconds,
                working_seconds,
                waited_seconds,
                on_time,
            } => {
                runs.push(Run {
                    stream: cur.stream.clone(),
                    sequence: e.sequence,
                    known,
                    department_id: cur.department_id.clone(),
                    task_id: cur.task_id.clone(),
                    version: cur.version,
                    step: *step as i32,
                    name: name.as_str().to_owned(),
                    post_id: post_id.as_str().to_owned(),
                    unit_id: unit_id.as_str().to_owned(),
                    region: cur.region.clone(),
                    started_at: *started_at,
                    completed_at: *at,
                    seconds: *seconds,
                    working_seconds: *working_seconds,
                    waited_seconds: *waited_seconds,
                    on_time: *on_time,
                });
                continue;
            }
            CaseEvent::CaseReturned { step, at, .. } => {
                returns.push(Return {
                    stream: cur.stream.clone(),
                    sequence: e.sequence,
                    known,
                    department_id: cur.department_id.clone(),
                    task_id: cur.task_id.clone(),
                    version: cur.version,
                    step: *step as i32,
                    at: *at,
                });
                continue;
            }
            CaseEvent::CaseSuspended { .. } => {
                next.suspended = true;
                next.deadline = None;
            }
            CaseEvent::CaseResumed { deadline, .. } => {
                next.suspended = false;
                next.deadline = *deadline;
            }
            CaseEvent::CaseExtended { days, deadline, .. } => {
                next.extended_days += i32::from(*days);
                next.deadline = *deadline;
            }
            CaseEvent::CaseClosed {
                at,
                outcome,
                seconds,
                working_seconds,
                deadline,
                on_time,
                days_over,
            } => {
                next.suspended = false;
                next.closed_at = Some(*at);
                next.outcome = Some(outcome.code().to_owned());
                next.deadline = *deadline;
                next.on_time = *on_time;
                next.days_over = days_over.map(|d| d as i32);
                next.seconds = Some(*seconds);
                next.working_seconds = Some(*working_seconds);
            }
        }
        // The version it replaces ends where this one starts.
        if cur.stored {
            closed_stored.push((cur.stream.clone(), cur.sequence, known));
        } else if let Some(&i) = latest.get(&cur.stream) {
            new_versions[i].known_to = Some(known);
        }
        current.insert(next.stream.clone(), next.clone());
        latest.insert(next.stream.clone(), new_versions.len());
        new_versions.push(next);
    }

    if !closed_stored.is_empty() {
        let s: Vec<&str> = closed_stored.iter().map(|c| c.0.as_str()).collect();
        let q: Vec<i64> = closed_stored.iter().map(|c| c.1).collect();
        let t: Vec<DateTime<Utc>> = closed_stored.iter().map(|c| c.2).collect();
        sqlx::query(&format!(
            "UPDATE {} v SET known_to = u.t \
             FROM UNNEST($1::text[], $2::bigint[], $3::timestamptz[]) AS u(s, q, t) \
             WHERE v.stream = u.s AND v.sequence = u.q",
            tables.versions
        ))
        .bind(&s)
        .bind(&q)
        .bind(&t)
        .execute(&mut *conn)
        .await?;
    }
    for chunk in new_versions.chunks(5_000) {
        insert_versions(conn, tables.versions, chunk).await?;
    }
    for chunk in runs.chunks(5_000) {
        insert_runs(conn, tables.runs, chunk).await?;
    }
    for chunk in returns.chunks(5_000) {
        insert_returns(conn, tables.returns, chunk).await?;
    }
    Ok(())
}

async fn insert_versions(
    conn: &mut PgConnection,
    table: &str,
    rows: &[Version],
) -> Result<(), StoreError> {
    macro_rules! col {
        ($f:ident) => {
            rows.iter().map(|r| r.$f.clone()).collect::<Vec<_>>()
        };
    }
    sqlx::query(&format!(
        "INSERT INTO {table} ({VERSION_COLUMNS}) \
         SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::timestamptz[], $4::timestamptz[], \
             $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[], $11::text[], \
             $12::text[], $13::timestamptz[], $14::text[], $15::timestamptz[], $16::bool[], \
             $17::int[], $18::timestamptz[], $19::text[], $20::bool[], $21::int[], \
             $22::bigint[], $23::bigint[]) \
         ON CONFLICT (stream, sequence) DO NOTHING"
    ))
    .bind(col!(stream))
    .bind(col!(sequence))
    .bind(col!(known_from))
    .bind(col!(known_to))
    .bind(col!(department_id))
    .bind(col!(case_id))
    .bind(col!(task_id))
    .bind(col!(version))
    .bind(col!(region))
    .bind(col!(level))
    .bind(col!(sector))
    .bind(col!(applicant))
    .bind(col!(received_at))
    .bind(col!(limit_kind))
    .bind(col!(deadline))
    .bind(col!(suspended))
    .bind(col!(extended_days))
    .bind(col!(closed_at))
    .bind(col!(outcome))
    .bind(col!(on_time))
    .bind(col!(days_over))
    .bind(col!(seconds))
    .bind(col!(working_seconds))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_runs(conn: &mut PgConnection, table: &str, rows: &[Run]) -> Result<(), StoreError> {
    macro_rules! col {
        ($f:ident) => {
            rows.iter().map(|r| r.$f.clone()).collect::<Vec<_>>()
        };
    }
    sqlx::query(&format!(
        "INSERT INTO {table} (stream, sequence, known, department_id, task_id, version, step, \
             name, post_id, unit_id, region, started_at, completed_at, seconds, working_seconds, \
             waited_seconds, on_time) \
         SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::timestamptz[], $4::text[], \
             $5::text[], $6::int[], $7::int[], $8::text[], $9::text[], $10::text[], $11::text[], \
             $12::timestamptz[], $13::timestamptz[], $14::bigint[], $15::bigint[], $16::bigint[], \
             $17::bool[]) \
         ON CONFLICT (stream, sequence) DO NOTHING"
    ))
    .bind(col!(stream))
    .bind(col!(sequence))
    .bind(col!(known))
    .bind(col!(department_id))
    .bind(col!(task_id))
    .bind(col!(version))
    .bind(col!(step))
    .bind(col!(name))
    .bind(col!(post_id))
    .bind(col!(unit_id))
    .bind(col!(region))
    .bind(col!(started_at))
    .bind(col!(completed_at))
    .bind(col!(seconds))
    .bind(col!(working_seconds))
    .bind(col!(waited_seconds))
    .bind(col!(on_time))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_returns(
    conn: &mut PgConnection,
    table: &str,
    rows: &[Return],
) -> Result<(), StoreError> {
    macro_rules! col {
        ($f:ident) => {
            rows.iter().map(|r| r.$f.clone()).collect::<Vec<_>>()
        };
    }
    sqlx::query(&format!(
        "INSERT INTO {table} (stream, sequence, known, department_id, task_id, version, step, at) \
         SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::timestamptz[], $4::text[], \
             $5::text[], $6::int[], $7::int[], $8::timestamptz[]) \
         ON CONFLICT (stream, sequence) DO NOTHING"
    ))
    .bind(col!(stream))
    .bind(col!(sequence))
    .bind(col!(known))
    .bind(col!(department_id))
    .bind(col!(task_id))
    .bind(col!(version))
    .bind(col!(step))
    .bind(col!(at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[async_trait]
impl Projection for Cases {
    fn name(&self) -> &'static str {
        self.name
    }

    fn streams(&self) -> Option<&'static [&'static str]> {
        Some(&[domain::TYPE])
    }

    fn batch_size(&self) -> Option<i64> {
        Some(BATCH_SIZE)
    }

    fn reads_lean(&self) -> bool {
        true
    }

    async fn apply(&self, conn: &mut PgConnection, event: &StoredEvent) -> Result<(), StoreError> {
        apply_to(conn, self.tables, std::slice::from_ref(event)).await
    }

    async fn apply_batch(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), StoreError> {
        apply_to(conn, self.tables, events).await
    }
}
