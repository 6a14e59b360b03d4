//! The workflow area's output types.

use async_graphql::{SimpleObject, ID};
use chrono::{DateTime, Utc};
use dutyledger_domain::values::DayKind as DomainDayKind;
use dutyledger_domain::workflow::{ChartStats, Step};
use dutyledger_projections::workflow::Publication;

use crate::graphql::structure::types::{DayKind, TimeLimit};

/// A material a step requires or accepts (申请材料).
#[derive(SimpleObject, Clone, Debug)]
pub struct WorkflowMaterial {
    /// Its name.
    pub name: String,
    /// Whether it is required.
    pub required: bool,
    /// Where it comes from.
    pub source: Option<String>,
}

/// A step (环节) or sub-step of a workflow chart.
#[derive(SimpleObject, Clone, Debug)]
pub struct WorkflowStep {
    /// Its name.
    pub name: String,
    /// The unit that handles it.
    pub unit_id: ID,
    /// The post that handles it, if named.
    pub post_id: Option<ID>,
    /// The materials.
    pub materials: Vec<WorkflowMaterial>,
    /// The formal acts inside it (程序).
    pub procedures: Vec<String>,
    /// Its time limit.
    pub time_limit: Option<TimeLimit>,
    /// How many levels must sign (签批层级, 1 to 4).
    pub sign_off_levels: i32,
    /// Whether the section can sign it off without a bureau leader.
    pub section_sign_off: bool,
    /// Its sub-steps.
    pub sub_steps: Vec<WorkflowStep>,
}

impl From<&Step> for WorkflowStep {
    fn from(s: &Step) -> Self {
        Self {
            name: s.name.to_string(),
            unit_id: ID(s.unit_id.to_string()),
            post_id: s.post_id.as_ref().map(|p| ID(p.to_string())),
            materials: s
                .materials
                .iter()
                .map(|m| WorkflowMaterial {
                    name: m.name.to_string(),
                    required: m.required,
                    source: m.source.as_ref().map(|s| s.to_string()),
                })
                .collect(),
            procedures: s.procedures.iter().map(|p| p.to_string()).collect(),
            time_limit: s.time_limit.map(|t| TimeLimit {
                days: i32::from(t.days()),
                kind: match t.kind() {
                    DomainDayKind::Working => DayKind::Working,
                    DomainDayKind::Calendar => DayKind::Calendar,
                },
            }),
            sign_off_levels: i32::from(s.sign_off_levels),
            section_sign_off: s.section_sign_off,
            sub_steps: s.sub_steps.iter().map(WorkflowStep::from).collect(),
        }
    }
}

/// The figures of a chart that re-engineering compares.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct ChartFigures {
    /// Steps (环节).
    pub steps: i32,
    /// Sub-steps.
    pub sub_steps: i32,
    /// Procedures (程序).
    pub procedures: i32,
    /// Materials (材料).
    pub materials: i32,
    /// The sum of the steps' time limits, in days.
    pub time_limit_days: i32,
    /// Whether a section can sign off the whole item (every step).
    pub section_sign_off: bool,
}

impl From<ChartStats> for ChartFigures {
    fn from(s: ChartStats) -> Self {
        Self {
            steps: s.steps as i32,
            sub_steps: s.sub_steps as i32,
            procedures: s.procedures as i32,
            materials: s.materials as i32,
            time_limit_days: s.time_limit_days as i32,
            section_sign_off: s.section_sign_off,
        }
    }
}

/// A published version of a task's workflow chart.
#[derive(SimpleObject, Clone, Debug)]
pub struct WorkflowVersion {
    /// The department.
    pub department_id: ID,
    /// The task.
    pub task_id: ID,
    /// Its number (1 for the first version).
    pub version: i32,
    /// The version it superseded.
    pub supersedes: Option<i32>,
    /// In force from (valid time).
    pub effective_at: DateTime<Utc>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Its steps, in order.
    pub steps: Vec<WorkflowStep>,
    /// Its figures.
    pub figures: ChartFigures,
}

impl From<Publication> for WorkflowVersion {
    fn from(p: Publication) -> Self {
        Self {
            department_id: ID(p.department_id),
            task_id: ID(p.task_id),
            version: p.version as i32,
            supersedes: p.supersedes.map(|v| v as i32),
            effective_at: p.effective_at,
            recorded_at: p.recorded_at,
            steps: p.chart.steps.iter().map(WorkflowStep::from).collect(),
            figures: p.stats.into(),
        }
    }
}

/// One figure before and after.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct FigureChange {
    /// Before.
    pub before: i32,
    /// After.
    pub after: i32,
    /// After less before.
    pub change: i32,
    /// The change as a percentage of before, two decimals (null when before is 0).
    pub percent: Option<f64>,
}

impl FigureChange {
    /// The change from `before` to `after`.
    pub fn new(before: i32, after: i32) -> Self {
        Self {
            before,
            after,
            change: after - before,
            percent: (before != 0).then(|| percent(f64::from(after - before), f64::from(before))),
        }
    }
}

/// `part / whole` as a percentage, rounded to two decimals.
pub fn percent(part: f64, whole: f64) -> f64 {
    (part / whole * 10_000.0).round() / 100.0
}

/// Two versions of a chart compared (流程再造).
#[derive(SimpleObject, Clone, Debug)]
pub struct WorkflowComparison {
    /// The earlier version.
    pub from: WorkflowVersion,
    /// The later version.
    pub to: WorkflowVersion,
    /// Steps.
    pub steps: FigureChange,
    /// Sub-steps.
    pub sub_steps: FigureChange,
    /// Procedures.
    pub procedures: FigureChange,
    /// Materials.
    pub materials: FigureChange,
    /// The total time limit, in days.
    pub time_limit_days: FigureChange,
    /// Steps of the earlier version not in the later one (by name).
    pub removed_steps: Vec<String>,
    /// Steps of the later version not in the earlier one.
    pub added_steps: Vec<String>,
    /// Steps in both whose content changed.
    pub changed_steps: Vec<String>,
}

/// The re-engineering figures of one department (or of all: the totals) over a period.
#[derive(SimpleObject, Clone, Debug, Default)]
pub struct ReengineeringRow {
    /// The department (null for the totals).
    pub department_id: Option<ID>,
    /// Charts with a version published in the period.
    pub charts_reengineered: i32,
    /// Steps removed (net, across those charts).
    pub steps_removed: i32,
    /// Sub-steps removed.
    pub sub_steps_removed: i32,
    /// Procedures removed.
    pub procedures_removed: i32,
    /// Materials removed.
    pub materials_removed: i32,
    /// Days of time limits removed.
    pub time_limit_days_removed: i32,
    /// Items (charts) in force at the start of the period.
    pub items_before: i32,
    /// Items in force at the end.
    pub items_after: i32,
    /// The share of items a section can sign off at the start, in percent (two decimals).
    pub section_share_before: Option<f64>,
    /// The same at the end.
    pub section_share_after: Option<f64>,
    /// The share of items needing a bureau leader at the start, in percent.
    pub leader_share_before: Option<f64>,
    /// The same at the end.
    pub leader_share_after: Option<f64>,
}

/// Re-engineering figures per department and in total.
#[derive(SimpleObject, Clone, Debug)]
pub struct Reengineering {
    /// One row per department with charts.
    pub rows: Vec<ReengineeringRow>,
    /// All of them together.
    pub totals: ReengineeringRow,
}
