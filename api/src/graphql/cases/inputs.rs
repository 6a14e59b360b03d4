//! The case event input, the analytics filter, and their parsing.

use async_graphql::{Enum, InputObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use dutyledger_domain::case::RawCaseEvent;
use dutyledger_domain::values::{self, CreditCode, DivisionCode, DivisionLevel, EntityId};
use dutyledger_projections::cases::query::{CaseFilter as Filter, CaseGroup};

use crate::context::RequestContext;
use crate::graphql::performance::inputs::level_code;
use crate::graphql::structure::types::DepartmentLevel;
use crate::service::policy::{authorize, narrow_departments, Access};
use crate::service::{parse_field, AppError};

/// What a case event says happened.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CaseEventKind {
    /// 受理: the case was received (needs `taskId`, `version`, `region`, `applicant`).
    Opened,
    /// A step began (needs `step`).
    StepStarted,
    /// A step was completed (needs `step`, `postId`).
    StepCompleted,
    /// The clock stopped (扣除时间; needs `reason`).
    Suspended,
    /// The clock runs again.
    Resumed,
    /// The time limit was extended (延期; needs `days`, `reason`).
    Extended,
    /// Returned for correction at a step (补正; needs `step`, `reason`): rework.
    Returned,
    /// 办结 (needs `outcome`).
    Closed,
}

impl CaseEventKind {
    fn code(self) -> &'static str {
        match self {
            CaseEventKind::Opened => "OPENED",
            CaseEventKind::StepStarted => "STEP_STARTED",
            CaseEventKind::StepCompleted => "STEP_COMPLETED",
            CaseEventKind::Suspended => "SUSPENDED",
            CaseEventKind::Resumed => "RESUMED",
            CaseEventKind::Extended => "EXTENDED",
            CaseEventKind::Returned => "RETURNED",
            CaseEventKind::Closed => "CLOSED",
        }
    }
}

/// Who applied.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ApplicantKind {
    /// 自然人.
    Person,
    /// 法人或其他组织.
    Organization,
}

/// How a case ended.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CaseOutcome {
    /// 准予.
    Approved,
    /// 不予.
    Refused,
    /// 撤回.
    Withdrawn,
}

/// One event of a workflow case (办件). A case's events must come in time order; the same event
/// sent again (same case, kind, step and time) is a duplicate and stores nothing.
#[derive(InputObject, Debug, Clone)]
pub struct CaseEventInput {
    /// The department handling the case.
    pub department_id: ID,
    /// The client's case id (unique within the department).
    pub case_id: ID,
    /// What happened.
    pub kind: CaseEventKind,
    /// When it happened (for `OPENED`: when the case was received).
    pub at: DateTime<Utc>,
    /// `OPENED`: the task (办理事项).
    pub task_id: Option<ID>,
    /// `OPENED`: the chart version the case runs on.
    pub version: Option<i32>,
    /// `OPENED`: the applicant's region (12-digit division code).
    pub region: Option<String>,
    /// `OPENED`: the applicant's kind.
    pub applicant: Option<ApplicantKind>,
    /// `OPENED`: the statutory limit (法定时限) in days, counted like the task's limit; the
    /// limit with every extension may not exceed it (default: the task's limit, no extension).
    pub statutory_limit_days: Option<i32>,
    /// Step events: the step's name, or its number in the chart (from 1).
    pub step: Option<String>,
    /// `STEP_COMPLETED`: the post that completed the step (the step's post, or a post of its
    /// unit).
    pub post_id: Option<ID>,
    /// `EXTENDED`: days added.
    pub days: Option<i32>,
    /// `SUSPENDED`, `EXTENDED`, `RETURNED`: why.
    pub reason: Option<String>,
    /// `CLOSED`: how it ended.
    pub outcome: Option<CaseOutcome>,
}

impl CaseEventInput {
    /// The input as text, for the domain's parser (the same one files go through).
    pub fn raw(&self) -> RawCaseEvent {
        RawCaseEvent {
            department_id: Some(self.department_id.to_string()),
            case_id: Some(self.case_id.to_string()),
            kind: Some(self.kind.code().to_owned()),
            at: Some(self.at.to_rfc3339()),
            task_id: self.task_id.as_ref().map(|t| t.0.clone()),
            version: self.version.map(|v| v.to_string()),
            region: self.region.clone(),
            applicant: self.applicant.map(|a| {
                match a {
                    ApplicantKind::Person => "PERSON",
                    ApplicantKind::Organization => "ORGANIZATION",
                }
                .to_owned()
            }),
            statutory_limit_days: self.statutory_limit_days.map(|d| d.to_string()),
            step: self.step.clone(),
            post_id: self.post_id.as_ref().map(|p| p.0.clone()),
            days: self.days.map(|d| d.to_string()),
            reason: self.reason.clone(),
            outcome: self.outcome.map(|o| {
                match o {
                    CaseOutcome::Approved => "APPROVED",
                    CaseOutcome::Refused => "REFUSED",
                    CaseOutcome::Withdrawn => "WITHDRAWN",
                }
                .to_owned()
            }),
        }
    }
}

/// How case figures are grouped.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum CaseGroupBy {
    /// One group: everything the filter selects.
    #[default]
    All,
    /// Per department.
    Department,
    /// Per task.
    Task,
    /// Per applicant region.
    Region,
    /// Per sector.
    Sector,
    /// Per level.
    Level,
}

impl From<CaseGroupBy> for CaseGroup {
    fn from(g: CaseGroupBy) -> Self {
        match g {
            CaseGroupBy::All => CaseGroup::All,
            CaseGroupBy::Department => CaseGroup::Department,
            CaseGroupBy::Task => CaseGroup::Task,
            CaseGroupBy::Region => CaseGroup::Region,
            CaseGroupBy::Sector => CaseGroup::Sector,
            CaseGroupBy::Level => CaseGroup::Level,
        }
    }
}

/// Which cases count (all conditions together).
#[derive(InputObject, Debug, Clone, Default)]
pub struct CaseFilter {
    /// One department.
    pub department_id: Option<ID>,
    /// Several departments.
    pub department_ids: Option<Vec<ID>>,
    /// One task.
    pub task_id: Option<ID>,
    /// Applicants in this division (a 12-digit code: a city, county or township and what lies
    /// in it).
    pub region: Option<String>,
    /// Departments of this sector.
    pub sector: Option<String>,
    /// Departments of this level.
    pub level: Option<DepartmentLevel>,
    /// From this day (Beijing time, inclusive): cases received (or closed, for closing
    /// figures) from then.
    pub from: Option<NaiveDate>,
    /// To this day (Beijing time, inclusive).
    pub to: Option<NaiveDate>,
}

/// A range of days (Beijing time, both inclusive).
#[derive(InputObject, Debug, Clone, Copy, Default)]
pub struct DayRange {
    /// The first day.
    pub from: Option<NaiveDate>,
    /// The last day.
    pub to: Option<NaiveDate>,
}

/// The filter, checked and limited to what the actor may see.
pub(crate) fn scoped_filter(
    rc: &RequestContext,
    input: Option<CaseFilter>,
) -> Result<Filter, AppError> {
    authorize(&rc.actor, Access::ReadCases)?;
    let input = input.unwrap_or_default();
    let mut named: Vec<String> = Vec::new();
    if let Some(d) = &input.department_id {
        named.push(parse_field("filter.departmentId", CreditCode::parse(d))?.to_string());
    }
    let mut several: Vec<String> = Vec::new();
    for d in input.department_ids.iter().flatten() {
        several.push(parse_field("filter.departmentIds", CreditCode::parse(d))?.to_string());
    }
    let asked = match (
        input.department_id.is_some(),
        input.department_ids.is_some(),
    ) {
        (false, false) => None,
        (true, false) => Some(named),
        (false, true) => Some(several),
        (true, true) => Some(named.into_iter().filter(|d| several.contains(d)).collect()),
    };
    let departments = narrow_departments(&rc.actor, asked, "workflow cases")?;
    if let (Some(from), Some(to)) = (input.from, input.to) {
        if from > to {
            return Err(AppError::bad_input(
                "filter.from",
                format!("the range starts ({from}) after it ends ({to})"),
            ));
        }
    }
    let region_prefix = match &input.region {
        None => None,
        Some(r) => {
            let code = parse_field("filter.region", DivisionCode::parse(r))?;
            let len = match code.level() {
                DivisionLevel::Province => 2,
                DivisionLevel::City => 4,
                DivisionLevel::County => 6,
                DivisionLevel::Township => 9,
                DivisionLevel::Village => 12,
            };
            Some(code.as_str()[..len].to_owned())
        }
    };
    Ok(Filter {
        departments,
        task: input
            .task_id
            .as_ref()
            .map(|t| parse_field("filter.taskId", EntityId::parse(t)).map(|e| e.to_string()))
            .transpose()?,
        region_prefix,
        sector: input
            .sector
            .as_ref()
            .map(|s| parse_field("filter.sector", values::Name::parse(s)).map(|n| n.to_string()))
            .transpose()?,
        level: input.level.map(|l| level_code(l).to_owned()),
        from: input.from,
        to: input.to,
    })
}
