//! The cases area's output types.

use async_graphql::{Enum, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use dutyledger_projections::cases::query::{CaseFigures, OverdueCase, StepFigures};
use dutyledger_projections::cases::{CaseOutcome, CaseStatus};

use crate::graphql::performance::types::PerformancePeriod;

/// What became of a case event.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CaseEventStatus {
    /// Stored now.
    Stored,
    /// The same event was stored before (or earlier in this batch): nothing stored; the
    /// original's cursor and time are returned.
    Duplicate,
    /// Refused by a rule (see `code` and `reason`): nothing stored.
    Rejected,
}

/// The result for one case event.
#[derive(SimpleObject, Debug, Clone)]
pub struct CaseEventResult {
    /// Its place in the batch (from 0).
    pub index: i32,
    /// Its case's stream id (`department/case id`), if the event parsed.
    pub case: Option<ID>,
    /// What became of it.
    pub status: CaseEventStatus,
    /// For a rejected event: the rule broken (e.g. `STEP_NOT_STARTED`).
    pub code: Option<String>,
    /// For a rejected event: why.
    pub reason: Option<String>,
    /// The stored event's type (for a duplicate: the original's).
    pub event_type: Option<String>,
    /// Its sequence in the case's stream (for a duplicate: the original's).
    pub sequence: Option<i32>,
    /// The stored event's cursor (for a duplicate: the original's).
    pub cursor: Option<String>,
    /// When it was stored (for a duplicate: the original's time).
    pub recorded_at: Option<DateTime<Utc>>,
}

pub(crate) fn result(o: &CaseOutcome) -> CaseEventResult {
    CaseEventResult {
        index: o.index as i32,
        case: o.stream.clone().map(ID),
        status: match o.status {
            CaseStatus::Stored => CaseEventStatus::Stored,
            CaseStatus::Duplicate => CaseEventStatus::Duplicate,
            CaseStatus::Rejected => CaseEventStatus::Rejected,
        },
        code: o.rejection.as_ref().map(|r| r.code().to_owned()),
        reason: o.rejection.as_ref().map(|r| r.to_string()),
        event_type: o.event_type.map(str::to_owned),
        sequence: o.sequence.map(|s| s as i32),
        cursor: o.cursor.map(|c| c.to_string()),
        recorded_at: o.recorded_at,
    }
}

/// The result of a batch of case events.
#[derive(SimpleObject, Debug, Clone)]
pub struct CaseBatchResult {
    /// Stored now.
    pub stored: i32,
    /// Duplicates (stored before).
    pub duplicates: i32,
    /// Rejected.
    pub rejected: i32,
    /// One result per event, in the batch's order.
    pub results: Vec<CaseEventResult>,
    /// The cursor of the last stored event.
    pub cursor: Option<String>,
    /// Whether the case analytics already show the batch.
    pub projected: bool,
}

fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Case figures of one group in one period.
#[derive(SimpleObject, Debug, Clone)]
pub struct CaseFiguresRow {
    /// The group: a department's credit code, `department/task`, a region's code, a sector or
    /// a level (null with `groupBy: ALL`).
    pub group: Option<String>,
    /// The period (null: the whole range).
    pub period: Option<PerformancePeriod>,
    /// Cases received (受理) in the period.
    pub opened: i64,
    /// Of those, closed by the period's end.
    pub opened_closed: i64,
    /// 办结率: `openedClosed / opened` (null without cases).
    pub completion_rate: Option<f64>,
    /// Cases closed (办结) in the period.
    pub closed: i64,
    /// Of those, with a time limit.
    pub timed: i64,
    /// Of those, closed in time.
    pub on_time: i64,
    /// `onTime / timed` (null without timed cases).
    pub on_time_rate: Option<f64>,
    /// Cases closed late in the period.
    pub overdue_closed: i64,
    /// Their days over, summed (counted like each case's limit).
    pub overdue_closed_days: i64,
    /// Cases open and past their deadline at the period's end (or at `asOf.knownAt`, if
    /// earlier).
    pub overdue_open: i64,
    /// Their days over at that time, summed.
    pub overdue_open_days: i64,
}

pub(crate) fn figures_row(f: CaseFigures, end: impl Fn(NaiveDate) -> NaiveDate) -> CaseFiguresRow {
    CaseFiguresRow {
        group: (!f.group.is_empty()).then(|| f.group.clone()),
        period: f.period.map(|start| PerformancePeriod {
            start,
            end: end(start),
        }),
        opened: f.opened,
        opened_closed: f.opened_closed,
        completion_rate: rate(f.opened_closed, f.opened),
        closed: f.closed,
        timed: f.timed,
        on_time: f.on_time,
        on_time_rate: rate(f.on_time, f.timed),
        overdue_closed: f.overdue_closed,
        overdue_closed_days: f.overdue_closed_days,
        overdue_open: f.overdue_open,
        overdue_open_days: f.overdue_open_days,
    }
}

/// Figures of one step of a chart version over the runs completed in the period.
#[derive(SimpleObject, Debug, Clone)]
pub struct StepFiguresRow {
    /// The step's number in the chart (from 1).
    pub step: i32,
    /// Its name.
    pub name: String,
    /// Runs completed (a step run again after a return counts again).
    pub runs: i64,
    /// Work time (start to completion), calendar seconds: mean.
    pub mean_seconds: f64,
    /// Median.
    pub median_seconds: f64,
    /// 90th percentile.
    pub p90_seconds: f64,
    /// Work time in working days (the part on working days, clock stops left out, / 86,400):
    /// mean.
    pub mean_working_days: f64,
    /// Median.
    pub median_working_days: f64,
    /// 90th percentile.
    pub p90_working_days: f64,
    /// Work time in calendar days: mean.
    pub mean_days: f64,
    /// Median.
    pub median_days: f64,
    /// 90th percentile.
    pub p90_days: f64,
    /// Waiting time before the step (since receipt, the previous completion or a return),
    /// calendar seconds: mean.
    pub mean_wait_seconds: f64,
    /// Runs with a time limit.
    pub timed: i64,
    /// Of those, completed in time.
    pub on_time: i64,
    /// `onTime / timed`.
    pub on_time_rate: Option<f64>,
    /// Returns for correction at this step in the period (rework).
    pub returns: i64,
}

impl From<StepFigures> for StepFiguresRow {
    fn from(s: StepFigures) -> Self {
        let day = 86_400.0;
        Self {
            step: s.step,
            name: s.name,
            runs: s.runs,
            mean_seconds: s.seconds[0],
            median_seconds: s.seconds[1],
            p90_seconds: s.seconds[2],
            mean_working_days: s.working_seconds[0] / day,
            median_working_days: s.working_seconds[1] / day,
            p90_working_days: s.working_seconds[2] / day,
            mean_days: s.seconds[0] / day,
            median_days: s.seconds[1] / day,
            p90_days: s.seconds[2] / day,
            mean_wait_seconds: s.waited_seconds,
            timed: s.timed,
            on_time: s.on_time,
            on_time_rate: rate(s.on_time, s.timed),
            returns: s.returns,
        }
    }
}

/// A case past its deadline.
#[derive(SimpleObject, Debug, Clone)]
pub struct OverdueCaseNode {
    /// The department.
    pub department_id: ID,
    /// The client's case id.
    pub case_id: ID,
    /// The task.
    pub task_id: ID,
    /// The chart version it runs on.
    pub version: i32,
    /// The applicant's region.
    pub region: String,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// The first instant after its time limit.
    pub deadline: DateTime<Utc>,
    /// When it was closed (null: still open).
    pub closed_at: Option<DateTime<Utc>>,
    /// How it ended (`APPROVED`, `REFUSED`, `WITHDRAWN`).
    pub outcome: Option<String>,
    /// Days over: at closing, or for an open case at the time asked.
    pub days_over: i64,
}

impl From<OverdueCase> for OverdueCaseNode {
    fn from(c: OverdueCase) -> Self {
        Self {
            department_id: ID(c.department_id),
            case_id: ID(c.case_id),
            task_id: ID(c.task_id),
            version: c.version,
            region: c.region,
            received_at: c.received_at,
            deadline: c.deadline,
            closed_at: c.closed_at,
            outcome: c.outcome,
            days_over: c.days_over,
        }
    }
}

/// An overdue case and its cursor.
#[derive(SimpleObject, Debug, Clone)]
pub struct OverdueCaseEdge {
    /// Pass as `after` to continue after this case.
    pub cursor: String,
    /// The case.
    pub node: OverdueCaseNode,
}

/// Paging information.
#[derive(SimpleObject, Debug, Clone)]
pub struct OverduePageInfo {
    /// Whether more cases follow.
    pub has_next_page: bool,
    /// The last edge's cursor.
    pub end_cursor: Option<String>,
}

/// A page of overdue cases, by deadline.
#[derive(SimpleObject, Debug, Clone)]
pub struct OverdueCaseConnection {
    /// The cases.
    pub edges: Vec<OverdueCaseEdge>,
    /// Paging.
    pub page_info: OverduePageInfo,
}
