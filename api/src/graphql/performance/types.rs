//! The performance area's output types, and the enums and filter of the views.

use async_graphql::{Enum, InputObject, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use dutyledger_projections::performance::query::{Dimension, Figures, Grain};
use dutyledger_projections::performance::{RecordOutcome, RecordStatus as Status};

use crate::app::CommandOutcome;
use crate::graphql::structure::types::DepartmentLevel;

/// What became of a record.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RecordStatus {
    /// Stored now.
    Stored,
    /// Stored before under the same record id (or earlier in this batch): nothing stored; the
    /// original's cursor and time are returned.
    Duplicate,
    /// Refused by a rule (see `code` and `reason`): nothing stored.
    Rejected,
}

/// The result for one record.
#[derive(SimpleObject, Debug, Clone)]
pub struct RecordResult {
    /// Its place in the batch (from 0).
    pub index: i32,
    /// Its record id.
    pub record_id: Option<ID>,
    /// What became of it.
    pub status: RecordStatus,
    /// For a rejected record: the rule broken (e.g. `POST_NOT_HOLDING_TASK`).
    pub code: Option<String>,
    /// For a rejected record: why.
    pub reason: Option<String>,
    /// The stored event's cursor (for a duplicate: the original's).
    pub cursor: Option<String>,
    /// When it was stored (for a duplicate: the original's time).
    pub recorded_at: Option<DateTime<Utc>>,
}

pub(crate) fn result(o: &RecordOutcome) -> RecordResult {
    RecordResult {
        index: o.index as i32,
        record_id: o.record_id.clone().map(ID),
        status: match o.status {
            Status::Stored => RecordStatus::Stored,
            Status::Duplicate => RecordStatus::Duplicate,
            Status::Rejected => RecordStatus::Rejected,
        },
        code: o.rejection.as_ref().map(|r| r.code().to_owned()),
        reason: o.rejection.as_ref().map(|r| r.to_string()),
        cursor: o.cursor.map(|c| c.to_string()),
        recorded_at: o.recorded_at,
    }
}

/// The result of a batch.
#[derive(SimpleObject, Debug, Clone)]
pub struct RecordBatchResult {
    /// Stored now.
    pub stored: i32,
    /// Duplicates (stored before).
    pub duplicates: i32,
    /// Rejected.
    pub rejected: i32,
    /// One result per record, in the batch's order.
    pub results: Vec<RecordResult>,
    /// The cursor of the last stored event.
    pub cursor: Option<String>,
    /// Whether the performance views already show the batch.
    pub projected: bool,
}

/// The result of a correction or void.
#[derive(SimpleObject, Debug, Clone)]
pub struct RecordChangeResult {
    /// Events appended (0: the correction changed nothing).
    pub events: i32,
    /// The cursor of the event.
    pub cursor: Option<String>,
    /// Whether the performance views already show the change.
    pub projected: bool,
}

impl From<CommandOutcome> for RecordChangeResult {
    fn from(o: CommandOutcome) -> Self {
        Self {
            events: o.events as i32,
            cursor: o.cursor.map(|c| c.to_string()),
            projected: o.projected,
        }
    }
}

/// What figures are grouped by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PerformanceDimension {
    /// 部门.
    Department,
    /// 处（科）室 (within its department).
    Unit,
    /// 岗位 (within its unit).
    Post,
    /// 工作任务 (within its unit).
    Task,
    /// 区域: the division code where the work was done.
    Region,
    /// 层级: city, county, township.
    Level,
    /// 领域: the department's sector.
    Sector,
}

impl From<PerformanceDimension> for Dimension {
    fn from(d: PerformanceDimension) -> Self {
        match d {
            PerformanceDimension::Department => Dimension::Department,
            PerformanceDimension::Unit => Dimension::Unit,
            PerformanceDimension::Post => Dimension::Post,
            PerformanceDimension::Task => Dimension::Task,
            PerformanceDimension::Region => Dimension::Region,
            PerformanceDimension::Level => Dimension::Level,
            PerformanceDimension::Sector => Dimension::Sector,
        }
    }
}

/// How figures are split over time (calendar periods in Beijing time, UTC+08:00).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PeriodGrain {
    /// 日.
    Day,
    /// 月.
    Month,
    /// 季度.
    Quarter,
    /// 年.
    Year,
}

impl From<PeriodGrain> for Grain {
    fn from(g: PeriodGrain) -> Self {
        match g {
            PeriodGrain::Day => Grain::Day,
            PeriodGrain::Month => Grain::Month,
            PeriodGrain::Quarter => Grain::Quarter,
            PeriodGrain::Year => Grain::Year,
        }
    }
}

/// Which records count.
#[derive(InputObject, Debug, Clone, Default)]
pub struct PerformanceFilter {
    /// One department.
    pub department_id: Option<ID>,
    /// Several departments.
    pub department_ids: Option<Vec<ID>>,
    /// One unit.
    pub unit_id: Option<ID>,
    /// One post.
    pub post_id: Option<ID>,
    /// One task.
    pub task_id: Option<ID>,
    /// Work done in this division or below it (12-digit code: a county's code covers its
    /// townships).
    pub region: Option<String>,
    /// Departments of this level.
    pub level: Option<DepartmentLevel>,
    /// Departments of this sector.
    pub sector: Option<String>,
    /// Work done on or after this day (Beijing time).
    pub from: Option<NaiveDate>,
    /// Work done on or before this day (Beijing time).
    pub to: Option<NaiveDate>,
}

/// The figures of a group.
#[derive(SimpleObject, Debug, Clone)]
pub struct PerformanceFigures {
    /// Records (voided ones do not count).
    pub records: i64,
    /// Their quantities, summed.
    pub quantity: i64,
    /// Records with an on-time verdict.
    pub timed: i64,
    /// Of those, done on time.
    pub on_time: i64,
    /// `onTime / timed` (null when no record has a verdict).
    pub on_time_rate: Option<f64>,
}

impl From<Figures> for PerformanceFigures {
    fn from(f: Figures) -> Self {
        Self {
            records: f.records,
            quantity: f.quantity,
            timed: f.timed,
            on_time: f.on_time,
            on_time_rate: f.on_time_rate(),
        }
    }
}

/// A calendar period.
#[derive(SimpleObject, Debug, Clone)]
pub struct PerformancePeriod {
    /// Its first day.
    pub start: NaiveDate,
    /// Its last day.
    pub end: NaiveDate,
}

/// One row: a group (the fields `groupBy` names; the others are null) in one period.
#[derive(SimpleObject, Debug, Clone)]
pub struct PerformanceRow {
    /// The department.
    pub department_id: Option<ID>,
    /// The unit.
    pub unit_id: Option<ID>,
    /// The post.
    pub post_id: Option<ID>,
    /// The task.
    pub task_id: Option<ID>,
    /// The region.
    pub region: Option<String>,
    /// The level.
    pub level: Option<DepartmentLevel>,
    /// The sector.
    pub sector: Option<String>,
    /// The period (null when not split by period).
    pub period: Option<PerformancePeriod>,
    /// The figures.
    pub figures: PerformanceFigures,
}

/// Figures per group and period, and their totals.
#[derive(SimpleObject, Debug, Clone)]
pub struct PerformanceReport {
    /// The rows, by group then period.
    pub rows: Vec<PerformanceRow>,
    /// The totals over all rows.
    pub totals: PerformanceFigures,
}

/// What departments are ranked by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RankingMeasure {
    /// 按时办结率: on-time rate (departments without any verdict rank last).
    OnTimeRate,
    /// Number of records.
    Records,
    /// Summed quantity.
    Quantity,
}

/// A department's place in a ranking.
#[derive(SimpleObject, Debug, Clone)]
pub struct PerformanceRank {
    /// 1 for the best; equal values share a rank (1, 2, 2, 4).
    pub rank: i32,
    /// The department.
    pub department_id: ID,
    /// Its figures.
    pub figures: PerformanceFigures,
}

/// One point of a time series.
#[derive(SimpleObject, Debug, Clone)]
pub struct PerformancePoint {
    /// The period.
    pub period: PerformancePeriod,
    /// Its figures (zero where nothing was recorded).
    pub figures: PerformanceFigures,
}
