//! A case event as it arrives (GraphQL, CSV, NDJSON): text fields, parsed once by
//! [`RawCaseEvent::parse`] into a [`CaseInput`]; and why one is refused ([`CaseRejection`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::event::{ApplicantKind, Outcome};
use crate::refusal::{ErrorClass, Refusal};
use crate::values::{CreditCode, DivisionCode, EntityId, Text, TimeLimit, ValueError};

/// A case event as it arrives, before parsing: text as the client sent it. One flat shape for
/// every kind, so that a CSV file holds a case's whole trail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawCaseEvent {
    /// The department's credit code.
    pub department_id: Option<String>,
    /// The client's case id (unique within the department).
    pub case_id: Option<String>,
    /// What happened: `OPENED`, `STEP_STARTED`, `STEP_COMPLETED`, `SUSPENDED`, `RESUMED`,
    /// `EXTENDED`, `RETURNED`, `CLOSED`.
    pub kind: Option<String>,
    /// When (RFC 3339 with an offset); for `OPENED`, when the case was received.
    pub at: Option<String>,
    /// `OPENED`: the task.
    pub task_id: Option<String>,
    /// `OPENED`: the chart version.
    pub version: Option<String>,
    /// `OPENED`: the applicant's region (12-digit division code).
    pub region: Option<String>,
    /// `OPENED`: `PERSON` or `ORGANIZATION`.
    pub applicant: Option<String>,
    /// `OPENED`: the statutory limit in days (counted like the task's limit), if extensions
    /// may reach beyond the task's limit.
    pub statutory_limit_days: Option<String>,
    /// Step events: the step's name, or its number in the chart (from 1).
    pub step: Option<String>,
    /// `STEP_COMPLETED`: the post that completed the step.
    pub post_id: Option<String>,
    /// `EXTENDED`: days added.
    pub days: Option<String>,
    /// `SUSPENDED`, `EXTENDED`, `RETURNED`: why.
    pub reason: Option<String>,
    /// `CLOSED`: `APPROVED`, `REFUSED` or `WITHDRAWN`.
    pub outcome: Option<String>,
}

/// What a case event says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseAction {
    /// The case was received.
    Open {
        /// The task.
        task_id: EntityId,
        /// The chart version.
        version: u32,
        /// The applicant's region.
        region: DivisionCode,
        /// The applicant's kind.
        applicant: ApplicantKind,
        /// The statutory limit's days, if stated.
        statutory_limit_days: Option<u16>,
    },
    /// A step began.
    StartStep {
        /// Its name or number.
        step: String,
    },
    /// A step was completed.
    CompleteStep {
        /// Its name or number.
        step: String,
        /// By whom.
        post_id: EntityId,
    },
    /// The clock stopped.
    Suspend {
        /// Why.
        reason: Text,
    },
    /// The clock runs again.
    Resume,
    /// The time limit was extended.
    Extend {
        /// Days added.
        days: u16,
        /// Why.
        reason: Text,
    },
    /// Returned for correction at a step.
    Return {
        /// Its name or number.
        step: String,
        /// Why.
        reason: Text,
    },
    /// The case ended.
    Close {
        /// How.
        outcome: Outcome,
    },
}

impl CaseAction {
    /// The kind's code (`OPENED`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            CaseAction::Open { .. } => "OPENED",
            CaseAction::StartStep { .. } => "STEP_STARTED",
            CaseAction::CompleteStep { .. } => "STEP_COMPLETED",
            CaseAction::Suspend { .. } => "SUSPENDED",
            CaseAction::Resume => "RESUMED",
            CaseAction::Extend { .. } => "EXTENDED",
            CaseAction::Return { .. } => "RETURNED",
            CaseAction::Close { .. } => "CLOSED",
        }
    }
}

/// A parsed case event, not yet checked against the case and its chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseInput {
    /// The department.
    pub department_id: CreditCode,
    /// The client's case id.
    pub case_id: EntityId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub action: CaseAction,
}

impl CaseInput {
    /// The stream id of its case.
    pub fn stream_id(&self) -> String {
        super::stream_id(&self.department_id, &self.case_id)
    }
}

/// Why a case event was not stored. Each variant names the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseRejection {
    /// A required field is missing.
    #[error("{0} is required")]
    Missing(&'static str),
    /// A field could not be parsed.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field (API spelling).
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The event lies in the future.
    #[error("at {at} is in the future (now is {now})")]
    InFuture {
        /// When the event says.
        at: DateTime<Utc>,
        /// The server's time.
        now: DateTime<Utc>,
    },
    /// The department did not exist on the day of receipt.
    #[error("department {0} did not exist when the case was received")]
    DepartmentNotFound(CreditCode),
    /// The task did not exist on the day of receipt.
    #[error("task {0} did not exist when the case was received")]
    TaskNotFound(EntityId),
    /// The chart version was never published for the task.
    #[error("task {task} has no published workflow chart version {version}")]
    ChartVersionNotFound {
        /// The task.
        task: EntityId,
        /// The version named.
        version: u32,
    },
    /// The region lies outside the department's division.
    #[error("region {region} lies outside the department's jurisdiction {division}")]
    RegionOutsideJurisdiction {
        /// The case's region.
        region: DivisionCode,
        /// The department's division.
        division: DivisionCode,
    },
    /// The case id was opened before with another time of receipt.
    #[error("case {case} was already opened (received at {received_at})")]
    AlreadyOpened {
        /// The case.
        case: EntityId,
        /// When the stored case was received.
        received_at: DateTime<Utc>,
    },
    /// An event for a case that was never opened.
    #[error("case {0} was not opened")]
    NotOpened(EntityId),
    /// An event for a closed case (closing twice included).
    #[error("case {case} was closed at {closed_at}")]
    Closed {
        /// The case.
        case: EntityId,
        /// When it was closed.
        closed_at: DateTime<Utc>,
    },
    /// An event dated before the case's last event (a case's events arrive in time order).
    #[error("at {at} lies before the case's last event ({last})")]
    OutOfOrder {
        /// The event's time.
        at: DateTime<Utc>,
        /// The case's last event time.
        last: DateTime<Utc>,
    },
    /// The step is not in the pinned chart version.
    #[error("step {step:?} is not in version {version} of the task's chart")]
    StepNotInChart {
        /// The step as given.
        step: String,
        /// The pinned version.
        version: u32,
    },
    /// The step is running already.
    #[error("step {0:?} is running already")]
    StepAlreadyStarted(String),
    /// Completing (or returning at) a step that is not running / never ran.
    #[error("step {0:?} was not started")]
    StepNotStarted(String),
    /// The post did not exist on that day.
    #[error("post {0} did not exist at that time")]
    PostNotFound(EntityId),
    /// The post does not handle the step (neither the step's post nor a post of its unit).
    #[error("post {post} does not handle step {step:?} (handled by {handler})")]
    PostNotHandlingStep {
        /// The post.
        post: EntityId,
        /// The step.
        step: String,
        /// Who handles it (a post, or a unit).
        handler: String,
    },
    /// A step event or a second stop while the clock is stopped.
    #[error("case {0} is suspended: resume it first")]
    Suspended(EntityId),
    /// Resuming a case whose clock runs.
    #[error("case {0} is not suspended")]
    NotSuspended(EntityId),
    /// Extending a case whose task has no time limit.
    #[error("case {0} has no time limit to extend")]
    NoTimeLimit(EntityId),
    /// An extension beyond the statutory limit.
    #[error("extending by {days} days makes {total} days, beyond the statutory limit of {statutory} days")]
    BeyondStatutoryLimit {
        /// Days asked.
        days: u16,
        /// The limit with every extension.
        total: u32,
        /// The statutory limit's days.
        statutory: u16,
    },
    /// Approving or refusing while steps still run.
    #[error("steps {0:?} are still running")]
    StepsRunning(Vec<String>),
    /// The same event (kind, step, time) was stored before, saying something else.
    #[error("a {kind} event of this case at {at} is stored already with {stored:?}, not {given:?}: a resend may not change it")]
    ResentDifferently {
        /// The kind.
        kind: String,
        /// The step's number (0: none).
        step: u32,
        /// When.
        at: DateTime<Utc>,
        /// What the stored event says.
        stored: String,
        /// What the resend says.
        given: String,
    },
    /// A date that is not in a loaded year of the working-day calendar.
    #[error("the working-day calendar of {0} is not loaded")]
    CalendarYearMissing(i32),
}

impl CaseRejection {
    /// The rule broken, as a stable SCREAMING_SNAKE_CASE code.
    pub fn code(&self) -> &'static str {
        use CaseRejection::*;
        match self {
            Missing(_) => "MISSING_FIELD",
            Invalid { field, .. } => match *field {
                "caseId" | "departmentId" | "taskId" | "postId" => "INVALID_ID",
                "region" => "INVALID_DIVISION_CODE",
                "at" => "INVALID_TIME",
                "kind" => "INVALID_KIND",
                "version" => "INVALID_VERSION",
                "applicant" => "INVALID_APPLICANT",
                "outcome" => "INVALID_OUTCOME",
                "days" | "statutoryLimitDays" => "INVALID_DAYS",
                "step" => "INVALID_STEP",
                _ => "INVALID_INPUT",
            },
            InFuture { .. } => "OCCURRED_IN_FUTURE",
            DepartmentNotFound(_) => "DEPARTMENT_NOT_FOUND",
            TaskNotFound(_) => "TASK_NOT_FOUND",
            ChartVersionNotFound { .. } => "CHART_VERSION_NOT_FOUND",
            RegionOutsideJurisdiction { .. } => "REGION_OUTSIDE_JURISDICTION",
            AlreadyOpened { .. } => "CASE_ALREADY_OPENED",
            NotOpened(_) => "CASE_NOT_OPENED",
            Closed { .. } => "CASE_CLOSED",
            OutOfOrder { .. } => "OUT_OF_ORDER",
            StepNotInChart { .. } => "STEP_NOT_IN_CHART",
            StepAlreadyStarted(_) => "STEP_ALREADY_STARTED",
            StepNotStarted(_) => "STEP_NOT_STARTED",
            PostNotFound(_) => "POST_NOT_FOUND",
            PostNotHandlingStep { .. } => "POST_NOT_HANDLING_STEP",
            Suspended(_) => "CASE_SUSPENDED",
            NotSuspended(_) => "CASE_NOT_SUSPENDED",
            NoTimeLimit(_) => "NO_TIME_LIMIT",
            BeyondStatutoryLimit { .. } => "BEYOND_STATUTORY_LIMIT",
            StepsRunning(_) => "STEPS_RUNNING",
            CalendarYearMissing(_) => "CALENDAR_YEAR_MISSING",
            ResentDifferently { .. } => "RESENT_DIFFERENTLY",
        }
    }

    /// The broad class of the rejection.
    pub fn class(&self) -> ErrorClass {
        use CaseRejection::*;
        match self {
            DepartmentNotFound(_)
            | TaskNotFound(_)
            | ChartVersionNotFound { .. }
            | NotOpened(_)
            | PostNotFound(_) => ErrorClass::NotFound,
            AlreadyOpened { .. }
            | Closed { .. }
            | OutOfOrder { .. }
            | StepAlreadyStarted(_)
            | StepNotStarted(_)
            | Suspended(_)
            | NotSuspended(_)
            | StepsRunning(_)
            | ResentDifferently { .. } => ErrorClass::Conflict,
            _ => ErrorClass::Invalid,
        }
    }
}

impl Refusal for CaseRejection {
    fn class(&self) -> ErrorClass {
        CaseRejection::class(self)
    }

    fn rule(&self) -> &'static str {
        self.code()
    }
}

/// The longest step name (or number) accepted: longer text is no step of any chart.
const MAX_STEP_CHARS: usize = 100;

fn required<'a>(value: &'a Option<String>, field: &'static str) -> Result<&'a str, CaseRejection> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(CaseRejection::Missing(field)),
    }
}

fn optional(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn invalid(field: &'static str) -> impl Fn(ValueError) -> CaseRejection {
    move |e| CaseRejection::Invalid {
        field,
        reason: e.to_string(),
    }
}

fn bad(field: &'static str, input: &str, expected: &str) -> CaseRejection {
    CaseRejection::Invalid {
        field,
        reason: format!(
            "{:?} is not {expected}",
            input.chars().take(40).collect::<String>()
        ),
    }
}

fn code_of(input: &str) -> String {
    input.trim().to_ascii_uppercase().replace(['-', ' '], "_")
}

fn days(field: &'static str, input: &str) -> Result<u16, CaseRejection> {
    match input.parse::<i64>() {
        Ok(d) if (1..=i64::from(TimeLimit::MAX_DAYS)).contains(&d) => Ok(d as u16),
        _ => Err(bad(
            field,
            input,
            &format!("a whole number of days from 1 to {}", TimeLimit::MAX_DAYS),
        )),
    }
}

fn reason(value: &Option<String>) -> Result<Text, CaseRejection> {
    Text::parse_field("reason", required(value, "reason")?).map_err(invalid("reason"))
}

impl RawCaseEvent {
    /// Parses every field its kind uses; the first field that fails names the rejection.
    /// Fields a kind does not use are ignored.
    pub fn parse(&self) -> Result<CaseInput, CaseRejection> {
        let department_id = CreditCode::parse(required(&self.department_id, "departmentId")?)
            .map_err(invalid("departmentId"))?;
        let case_id =
            EntityId::parse(required(&self.case_id, "caseId")?).map_err(invalid("caseId"))?;
        let kind = required(&self.kind, "kind")?;
        let at_text = required(&self.at, "at")?;
        let at = DateTime::parse_from_rfc3339(at_text)
            .map_err(|_| bad("at", at_text, "an RFC 3339 date-time with an offset"))?
            .with_timezone(&Utc);
        let step = || {
            let s = required(&self.step, "step")?;
            if s.chars().count() > MAX_STEP_CHARS {
                return Err(bad(
                    "step",
                    s,
                    "a step's name (at most 100 characters) or number",
                ));
            }
            Ok(s.to_owned())
        };
        let action = match code_of(kind).as_str() {
            "OPENED" => {
                let task_id = EntityId::parse(required(&self.task_id, "taskId")?)
                    .map_err(invalid("taskId"))?;
                let v = required(&self.version, "version")?;
                let version = match v.parse::<u32>() {
                    Ok(n) if n >= 1 => n,
                    _ => return Err(bad("version", v, "a chart version number (1, 2, ...)")),
                };
                let region = DivisionCode::parse(required(&self.region, "region")?)
                    .map_err(invalid("region"))?;
                let a = required(&self.applicant, "applicant")?;
                let applicant = ApplicantKind::ALL
                    .into_iter()
                    .find(|k| k.code() == code_of(a))
                    .ok_or_else(|| bad("applicant", a, "one of PERSON, ORGANIZATION"))?;
                let statutory_limit_days = optional(&self.statutory_limit_days)
                    .map(|d| days("statutoryLimitDays", d))
                    .transpose()?;
                CaseAction::Open {
                    task_id,
                    version,
                    region,
                    applicant,
                    statutory_limit_days,
                }
            }
            "STEP_STARTED" => CaseAction::StartStep { step: step()? },
            "STEP_COMPLETED" => CaseAction::CompleteStep {
                step: step()?,
                post_id: EntityId::parse(required(&self.post_id, "postId")?)
                    .map_err(invalid("postId"))?,
            },
            "SUSPENDED" => CaseAction::Suspend {
                reason: reason(&self.reason)?,
            },
            "RESUMED" => CaseAction::Resume,
            "EXTENDED" => CaseAction::Extend {
                days: days("days", required(&self.days, "days")?)?,
                reason: reason(&self.reason)?,
            },
            "RETURNED" => CaseAction::Return {
                step: step()?,
                reason: reason(&self.reason)?,
            },
            "CLOSED" => {
                let o = required(&self.outcome, "outcome")?;
                CaseAction::Close {
                    outcome: Outcome::ALL
                        .into_iter()
                        .find(|k| k.code() == code_of(o))
                        .ok_or_else(|| bad("outcome", o, "one of APPROVED, REFUSED, WITHDRAWN"))?,
                }
            }
            _ => {
                return Err(bad(
                    "kind",
                    kind,
                    "one of OPENED, STEP_STARTED, STEP_COMPLETED, SUSPENDED, RESUMED, EXTENDED, \
                     RETURNED, CLOSED",
                ))
            }
        };
        Ok(CaseInput {
            department_id,
            case_id,
            at,
            action,
        })
    }
}
