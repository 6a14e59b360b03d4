//! The record inputs, and their parsing into domain values.

use async_graphql::{Enum, InputObject, ID};
use chrono::{DateTime, SecondsFormat, Utc};
use dutyledger_domain::performance::{RawRecord, RecordRejection};
use dutyledger_domain::values::{self, Text};

use crate::graphql::structure::types::DepartmentLevel;
use crate::service::{parse_field, AppError};

/// Where a record comes from.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RecordSource {
    /// 日常录入: entered by the department's clerks.
    DailyEntry,
    /// 督查: found by an inspection.
    Inspection,
    /// 系统对接: delivered by another system.
    SystemIntegration,
}

impl RecordSource {
    fn code(self) -> &'static str {
        match self {
            RecordSource::DailyEntry => "DAILY_ENTRY",
            RecordSource::Inspection => "INSPECTION",
            RecordSource::SystemIntegration => "SYSTEM_INTEGRATION",
        }
    }
}

pub(crate) fn level_code(level: DepartmentLevel) -> &'static str {
    match values::DepartmentLevel::from(level) {
        values::DepartmentLevel::City => "City",
        values::DepartmentLevel::County => "County",
        values::DepartmentLevel::Township => "Township",
    }
}

/// A record of work done (履职数据).
#[derive(InputObject, Debug, Clone)]
pub struct WorkRecordInput {
    /// The client's id of the record, unique within the department (1-64 of `A-Za-z0-9._:-`).
    /// Submitting the same id again stores nothing and returns the original result.
    pub record_id: ID,
    /// The department (credit code).
    pub department_id: ID,
    /// The unit.
    pub unit_id: ID,
    /// The post that did the work; it must have held the task at `occurredAt`.
    pub post_id: ID,
    /// The task done.
    pub task_id: ID,
    /// Where: a 12-digit division code inside the department's jurisdiction.
    pub region: String,
    /// The department's level, if stated (checked against the department).
    pub level: Option<DepartmentLevel>,
    /// When the work was done (not in the future).
    pub occurred_at: DateTime<Utc>,
    /// How much work (1 to 1,000,000).
    pub quantity: i64,
    /// Days taken, counted like the task's time limit (working or calendar days); with the
    /// task's limit it decides whether the work was on time.
    pub time_taken_days: Option<i64>,
    /// Whether the work was done on time, if known without days taken (must agree with them
    /// if both are given).
    pub on_time: Option<bool>,
    /// Where the record comes from (default `DAILY_ENTRY`).
    pub source: Option<RecordSource>,
}

impl WorkRecordInput {
    pub(crate) fn raw(&self) -> RawRecord {
        RawRecord {
            record_id: Some(self.record_id.to_string()),
            department_id: Some(self.department_id.to_string()),
            unit_id: Some(self.unit_id.to_string()),
            post_id: Some(self.post_id.to_string()),
            task_id: Some(self.task_id.to_string()),
            region: Some(self.region.clone()),
            level: self.level.map(|l| level_code(l).to_owned()),
            occurred_at: Some(
                self.occurred_at
                    .to_rfc3339_opts(SecondsFormat::AutoSi, true),
            ),
            quantity: Some(self.quantity.to_string()),
            time_taken_days: self.time_taken_days.map(|d| d.to_string()),
            on_time: self.on_time.map(|b| b.to_string()),
            source: self.source.map(|s| s.code().to_owned()),
        }
    }
}

/// Correct a stored record.
#[derive(InputObject, Debug, Clone)]
pub struct CorrectWorkRecordInput {
    /// The record as it should have been (same department and record id), checked like a new
    /// record.
    pub record: WorkRecordInput,
    /// Why (required).
    pub reason: String,
    /// The client's id for this correction, so that it is safe to send again (see
    /// `CommandOptions.commandId`).
    pub command_id: Option<String>,
}

/// Void a stored record.
#[derive(InputObject, Debug, Clone)]
pub struct VoidWorkRecordInput {
    /// The department.
    pub department_id: ID,
    /// The record.
    pub record_id: ID,
    /// Why (required).
    pub reason: String,
    /// The client's id for this void, so that it is safe to send again (see
    /// `CommandOptions.commandId`).
    pub command_id: Option<String>,
}

pub(crate) fn reason(input: &str) -> Result<Text, AppError> {
    let t = parse_field("reason", Text::parse_field("reason", input))?;
    if t.as_str().chars().count() > 2000 {
        return Err(AppError::bad_input("reason", "at most 2000 characters"));
    }
    Ok(t)
}

pub(crate) fn parse_one(
    input: &WorkRecordInput,
) -> Result<dutyledger_domain::performance::RecordInput, AppError> {
    input.raw().parse().map_err(|e| match &e {
        RecordRejection::Invalid { field, .. } => {
            let field = format!("record.{field}");
            AppError::refused(e).with_field(field)
        }
        _ => AppError::refused(e),
    })
}
