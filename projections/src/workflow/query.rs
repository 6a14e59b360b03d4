//! Reading published versions as of a point in valid time and transaction time.

use chrono::{DateTime, Utc};
use dutyledger_domain::workflow::{Chart, ChartStats};
use sqlx::{PgPool, Row};

use crate::duty_list::AsOf;
use crate::StoreError;

/// A published version of a task's chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// The department.
    pub department_id: String,
    /// The task.
    pub task_id: String,
    /// The version's number.
    pub version: u32,
    /// The version it superseded.
    pub supersedes: Option<u32>,
    /// In force from.
    pub effective_at: DateTime<Utc>,
    /// Recorded at.
    pub recorded_at: DateTime<Utc>,
    /// Its content.
    pub chart: Chart,
    /// Its figures.
    pub stats: ChartStats,
}

const COLUMNS: &str =
    "department_id, task_id, version, supersedes, effective_at, recorded_at, chart, \
     steps, sub_steps, procedures, materials, time_limit_days, section_sign_off";

fn from_row(row: &sqlx::postgres::PgRow) -> Result<Publication, StoreError> {
    let chart: serde_json::Value = row.try_get("chart")?;
    let n = |c: &str| -> Result<u32, StoreError> { Ok(row.try_get::<i32, _>(c)? as u32) };
    Ok(Publication {
        department_id: row.try_get("department_id")?,
        task_id: row.try_get("task_id")?,
        version: n("version")?,
        supersedes: row
            .try_get::<Option<i32>, _>("supersedes")?
            .map(|v| v as u32),
        effective_at: row.try_get("effective_at")?,
        recorded_at: row.try_get("recorded_at")?,
        chart: serde_json::from_value(chart)?,
        stats: ChartStats {
            steps: n("steps")?,
            sub_steps: n("sub_steps")?,
            procedures: n("procedures")?,
            materials: n("materials")?,
            time_limit_days: n("time_limit_days")?,
            section_sign_off: row.try_get("section_sign_off")?,
            max_sign_off_levels: 0,
        },
    })
}

/// The version of a task's chart in force at `as_of`, if any.
pub async fn in_force(
    pool: &PgPool,
    department: &str,
    task: &str,
    as_of: AsOf,
) -> Result<Option<Publication>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {} \
         WHERE department_id = $1 AND task_id = $2 AND effective_at <= $3 AND recorded_at <= $4 \
         ORDER BY effective_at DESC, sequence DESC LIMIT 1",
        super::PUBLICATIONS
    ))
    .bind(department)
    .bind(task)
    .bind(as_of.valid_at)
    .bind(as_of.known_at)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The versions in force at `as_of` of every chart of `departments` (`None`: all).
pub async fn in_force_all(
    pool: &PgPool,
    departments: Option<&[String]>,
    as_of: AsOf,
) -> Result<Vec<Publication>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT DISTINCT ON (department_id, task_id) {COLUMNS} FROM {} \
         WHERE ($1::text[] IS NULL OR department_id = ANY($1)) \
           AND effective_at <= $2 AND recorded_at <= $3 \
         ORDER BY department_id, task_id, effective_at DESC, sequence DESC",
        super::PUBLICATIONS
    ))
    .bind(departments)
    .bind(as_of.valid_at)
    .bind(as_of.known_at)
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// A version of a task's chart by its number, as known at `known_at`.
pub async fn version(
    pool: &PgPool,
    department: &str,
    task: &str,
    version: u32,
    known_at: DateTime<Utc>,
) -> Result<Option<Publication>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {} \
         WHERE department_id = $1 AND task_id = $2 AND version = $3 AND recorded_at <= $4 \
         ORDER BY sequence LIMIT 1",
        super::PUBLICATIONS
    ))
    .bind(department)
    .bind(task)
    .bind(version as i32)
    .bind(known_at)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// A published version's figures without its content (what re-engineering statistics need).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    /// The department.
    pub department_id: String,
    /// The task.
    pub task_id: String,
    /// The version's number.
    pub version: u32,
    /// In force from.
    pub effective_at: DateTime<Utc>,
    /// Its figures.
    pub stats: ChartStats,
}

/// The figures of the versions in force at `as_of` of every chart of `departments` (`None`:
/// all), read from the figure columns only (the charts' content is not read or decoded).
pub async fn figures_in_force(
    pool: &PgPool,
    departments: Option<&[String]>,
    as_of: AsOf,
) -> Result<Vec<Figures>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT DISTINCT ON (department_id, task_id) department_id, task_id, version, effective_at, \
                steps, sub_steps, procedures, materials, time_limit_days, section_sign_off \
         FROM {} \
         WHERE ($1::text[] IS NULL OR department_id = ANY($1)) \
           AND effective_at <= $2 AND recorded_at <= $3 \
         ORDER BY department_id, task_id, effective_at DESC, sequence DESC",
        super::PUBLICATIONS
    ))
    .bind(departments)
    .bind(as_of.valid_at)
    .bind(as_of.known_at)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let n = |c: &str| -> Result<u32, StoreError> { Ok(row.try_get::<i32, _>(c)? as u32) };
            Ok(Figures {
                department_id: row.try_get("department_id")?,
                task_id: row.try_get("task_id")?,
                version: n("version")?,
                effective_at: row.try_get("effective_at")?,
                stats: ChartStats {
                    steps: n("steps")?,
                    sub_steps: n("sub_steps")?,
                    procedures: n("procedures")?,
                    materials: n("materials")?,
                    time_limit_days: n("time_limit_days")?,
                    section_sign_off: row.try_get("section_sign_off")?,
                    max_sign_off_levels: 0,
                },
            })
        })
        .collect()
}
