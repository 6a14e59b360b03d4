//! A record of work done: its fields, how raw input becomes one, and the rules it must meet
//! against the structure in force on the day the work was done.

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::refusal::{ErrorClass, Refusal};
use crate::values::{
    CreditCode, DepartmentLevel, DivisionCode, EntityId, Name, TimeLimit, ValueError,
};

/// Periods (days, months, quarters, years) are counted in China Standard Time (UTC+08:00, no
/// daylight saving): work done at 23:30 Beijing time on 31 March belongs to March.
pub const PERIOD_OFFSET_SECONDS: i64 = 8 * 3600;

/// The local (UTC+08:00) calendar day of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::seconds(PERIOD_OFFSET_SECONDS)).date_naive()
}

/// The stream id of a record: the department's credit code and the client's record id
/// (record ids are unique within a department; ids never contain `/`).
pub fn stream_id(department: &CreditCode, record_id: &EntityId) -> String {
    format!("{}/{}", department.as_str(), record_id.as_str())
}

/// How much work a record stands for (cases handled, inspections made...): 1 to 1,000,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Quantity(u32);

impl Quantity {
    /// The largest quantity one record may carry.
    pub const MAX: u32 = 1_000_000;

    /// Parses a quantity: positive, at most [`Self::MAX`].
    pub fn parse(value: i64) -> Result<Self, ValueError> {
        if (1..=i64::from(Self::MAX)).contains(&value) {
            Ok(Self(value as u32))
        } else {
            Err(ValueError::OutOfRange {
                field: "quantity",
                min: 1,
                max: i64::from(Self::MAX),
                value,
            })
        }
    }

    /// The quantity.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for Quantity {
    type Error = ValueError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<Quantity> for i64 {
    fn from(value: Quantity) -> Self {
        i64::from(value.0)
    }
}

/// Where a record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Source {
    /// 日常录入: entered by the department's clerks.
    DailyEntry,
    /// 督查: found by an inspection.
    Inspection,
    /// 系统对接: delivered by another system (approval platform, hotline 12345, ...).
    SystemIntegration,
}

impl Source {
    /// Every source.
    pub const ALL: [Source; 3] = [
        Source::DailyEntry,
        Source::Inspection,
        Source::SystemIntegration,
    ];

    /// The code used in files and the API (`DAILY_ENTRY`, `INSPECTION`, `SYSTEM_INTEGRATION`).
    pub fn code(self) -> &'static str {
        match self {
            Source::DailyEntry => "DAILY_ENTRY",
            Source::Inspection => "INSPECTION",
            Source::SystemIntegration => "SYSTEM_INTEGRATION",
        }
    }

    /// Parses a code (case-insensitive; `-` and spaces read as `_`).
    pub fn parse(input: &str) -> Option<Self> {
        let normal = input.trim().to_ascii_uppercase().replace(['-', ' '], "_");
        Self::ALL.into_iter().find(|s| s.code() == normal)
    }
}

/// A department's facts on a given day, as the structure says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentFacts {
    /// The division it serves: its jurisdiction.
    pub division: DivisionCode,
    /// Its level.
    pub level: DepartmentLevel,
    /// Its sector.
    pub sector: Name,
}

/// A task's facts on a given day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFacts {
    /// The unit that holds the task (through its unit duty).
    pub unit_id: EntityId,
    /// Its time limit, if it has one.
    pub time_limit: Option<TimeLimit>,
}

/// The structure in force at a point in valid time, as known now (the read side supplies it).
pub trait StructureAt {
    /// The department's facts, if it existed at `at`.
    fn department(&self, department: &CreditCode, at: DateTime<Utc>) -> Option<DepartmentFacts>;
    /// The task's facts, if it existed at `at`.
    fn task(
        &self,
        department: &CreditCode,
        task: &EntityId,
        at: DateTime<Utc>,
    ) -> Option<TaskFacts>;
    /// The unit of the post, if the post existed at `at`.
    fn post_unit(
        &self,
        department: &CreditCode,
        post: &EntityId,
        at: DateTime<Utc>,
    ) -> Option<EntityId>;
    /// Whether the post held the task at `at`.
    fn holds(
        &self,
        department: &CreditCode,
        post: &EntityId,
        task: &EntityId,
        at: DateTime<Utc>,
    ) -> bool;
}

/// A record as it arrives, before parsing: text as the client sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawRecord {
    /// The client's id of the record (unique within the department).
    pub record_id: Option<String>,
    /// The department's credit code.
    pub department_id: Option<String>,
    /// The unit.
    pub unit_id: Option<String>,
    /// The post that did the work.
    pub post_id: Option<String>,
    /// The task done.
    pub task_id: Option<String>,
    /// Where: a 12-digit division code.
    pub region: Option<String>,
    /// The department's level, if the client states it (checked).
    pub level: Option<String>,
    /// When the work was done (RFC 3339).
    pub occurred_at: Option<String>,
    /// How much.
    pub quantity: Option<String>,
    /// Days taken, counted like the task's time limit.
    pub time_taken_days: Option<String>,
    /// Whether it was done on time, if the client says so.
    pub on_time: Option<String>,
    /// Where the record comes from.
    pub source: Option<String>,
}

/// A parsed record, not yet checked against the structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordInput {
    /// The client's id of the record.
    pub record_id: EntityId,
    /// The department.
    pub department_id: CreditCode,
    /// The unit.
    pub unit_id: EntityId,
    /// The post.
    pub post_id: EntityId,
    /// The task.
    pub task_id: EntityId,
    /// Where.
    pub region: DivisionCode,
    /// The level the client states, if any.
    pub level: Option<DepartmentLevel>,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// How much.
    pub quantity: Quantity,
    /// Days taken.
    pub time_taken_days: Option<u16>,
    /// On time, as the client says.
    pub on_time: Option<bool>,
    /// Where it comes from.
    pub source: Source,
}

/// A record of work done, as stored: checked, with the department's level and sector and the
/// on-time verdict resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkRecord {
    /// The client's id of the record.
    pub record_id: EntityId,
    /// The department.
    pub department_id: CreditCode,
    /// The unit.
    pub unit_id: EntityId,
    /// The post.
    pub post_id: EntityId,
    /// The task.
    pub task_id: EntityId,
    /// Where.
    pub region: DivisionCode,
    /// The department's level on that day.
    pub level: DepartmentLevel,
    /// The department's sector on that day.
    pub sector: Name,
    /// When the work was done.
    pub occurred_at: DateTime<Utc>,
    /// How much.
    pub quantity: Quantity,
    /// Days taken, if known.
    pub time_taken_days: Option<u16>,
    /// Whether it was done within the task's time limit (`None`: not applicable or unknown).
    pub on_time: Option<bool>,
    /// Where it comes from.
    pub source: Source,
}

impl WorkRecord {
    /// The stream id.
    pub fn stream_id(&self) -> String {
        stream_id(&self.department_id, &self.record_id)
    }
}

/// Why a record was not stored. Each variant names the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordRejection {
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
    /// The work lies in the future.
    #[error("occurredAt {occurred_at} is in the future (now is {now})")]
    OccurredInFuture {
        /// When the record says.
        occurred_at: DateTime<Utc>,
        /// The server's time.
        now: DateTime<Utc>,
    },
    /// The department did not exist on that day.
    #[error("department {0} did not exist at the time the work was done")]
    DepartmentNotFound(CreditCode),
    /// The stated level is not the department's.
    #[error("level {given:?} does not match the department's level {actual:?}")]
    LevelMismatch {
        /// What the record says.
        given: DepartmentLevel,
        /// What the department is.
        actual: DepartmentLevel,
    },
    /// The region lies outside the department's division.
    #[error("region {region} lies outside the department's jurisdiction {division}")]
    RegionOutsideJurisdiction {
        /// The record's region.
        region: DivisionCode,
        /// The department's division.
        division: DivisionCode,
    },
    /// The task did not exist on that day.
    #[error("task {0} did not exist at the time the work was done")]
    TaskNotFound(EntityId),
    /// The task belonged to another unit.
    #[error("task {task} belonged to unit {actual}, not {given}, at the time the work was done")]
    TaskInAnotherUnit {
        /// The task.
        task: EntityId,
        /// The unit the record names.
        given: EntityId,
        /// The task's unit.
        actual: EntityId,
    },
    /// The post did not exist on that day.
    #[error("post {0} did not exist at the time the work was done")]
    PostNotFound(EntityId),
    /// The post belonged to another unit.
    #[error("post {post} belonged to unit {actual}, not {given}, at the time the work was done")]
    PostInAnotherUnit {
        /// The post.
        post: EntityId,
        /// The unit the record names.
        given: EntityId,
        /// The post's unit.
        actual: EntityId,
    },
    /// The post did not hold the task on that day.
    #[error("post {post} did not hold task {task} at {at}")]
    PostNotHoldingTask {
        /// The post.
        post: EntityId,
        /// The task.
        task: EntityId,
        /// When the work was done.
        at: DateTime<Utc>,
    },
    /// The on-time flag contradicts the time taken and the task's limit.
    #[error("onTime = {flag} contradicts {days} days taken against a limit of {limit} days")]
    OnTimeContradicted {
        /// The flag given.
        flag: bool,
        /// The days taken.
        days: u16,
        /// The task's limit.
        limit: u16,
    },
}

impl RecordRejection {
    /// The rule broken, as a stable SCREAMING_SNAKE_CASE code.
    pub fn code(&self) -> &'static str {
        use RecordRejection::*;
        match self {
            Missing(_) => "MISSING_FIELD",
            Invalid { field, .. } => match *field {
                "recordId" | "departmentId" | "unitId" | "postId" | "taskId" => "INVALID_ID",
                "region" => "INVALID_DIVISION_CODE",
                "occurredAt" => "INVALID_TIME",
                "quantity" => "INVALID_QUANTITY",
                "timeTakenDays" => "INVALID_TIME_TAKEN",
                "source" => "INVALID_SOURCE",
                "level" => "INVALID_LEVEL",
                _ => "INVALID_INPUT",
            },
            OccurredInFuture { .. } => "OCCURRED_IN_FUTURE",
            DepartmentNotFound(_) => "DEPARTMENT_NOT_FOUND",
            LevelMismatch { .. } => "LEVEL_MISMATCH",
            RegionOutsideJurisdiction { .. } => "REGION_OUTSIDE_JURISDICTION",
            TaskNotFound(_) => "TASK_NOT_FOUND",
            TaskInAnotherUnit { .. } => "TASK_IN_ANOTHER_UNIT",
            PostNotFound(_) => "POST_NOT_FOUND",
            PostInAnotherUnit { .. } => "POST_IN_ANOTHER_UNIT",
            PostNotHoldingTask { .. } => "POST_NOT_HOLDING_TASK",
            OnTimeContradicted { .. } => "ON_TIME_CONTRADICTED",
        }
    }

    /// The broad class of the rejection.
    pub fn class(&self) -> ErrorClass {
        use RecordRejection::*;
        match self {
            DepartmentNotFound(_) | TaskNotFound(_) | PostNotFound(_) => ErrorClass::NotFound,
            _ => ErrorClass::Invalid,
        }
    }
}

impl Refusal for RecordRejection {
    fn class(&self) -> ErrorClass {
        RecordRejection::class(self)
    }

    fn rule(&self) -> &'static str {
        self.code()
    }
}

fn required<'a>(
    value: &'a Option<String>,
    field: &'static str,
) -> Result<&'a str, RecordRejection> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(RecordRejection::Missing(field)),
    }
}

fn optional(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn invalid(field: &'static str) -> impl Fn(ValueError) -> RecordRejection {
    move |e| RecordRejection::Invalid {
        field,
        reason: e.to_string(),
    }
}

fn parse_level(input: &str) -> Option<DepartmentLevel> {
    match input.trim().to_ascii_uppercase().as_str() {
        "CITY" | "市级" => Some(DepartmentLevel::City),
        "COUNTY" | "县级" => Some(DepartmentLevel::County),
        "TOWNSHIP" | "乡级" => Some(DepartmentLevel::Township),
        _ => None,
    }
}

fn parse_bool(input: &str) -> Option<bool> {
    match input.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "是" => Some(true),
        "false" | "0" | "no" | "n" | "否" => Some(false),
        _ => None,
    }
}

fn parse_int(field: &'static str, input: &str) -> Result<i64, RecordRejection> {
    input.parse::<i64>().map_err(|_| RecordRejection::Invalid {
        field,
        reason: format!(
            "{:?} is not a whole number",
            input.chars().take(40).collect::<String>()
        ),
    })
}

impl RawRecord {
    /// Parses every field; the first field that fails names the rejection.
    pub fn parse(&self) -> Result<RecordInput, RecordRejection> {
        let record_id =
            EntityId::parse(required(&self.record_id, "recordId")?).map_err(invalid("recordId"))?;
        let department_id = CreditCode::parse(required(&self.department_id, "departmentId")?)
            .map_err(invalid("departmentId"))?;
        let unit_id =
            EntityId::parse(required(&self.unit_id, "unitId")?).map_err(invalid("unitId"))?;
        let post_id =
            EntityId::parse(required(&self.post_id, "postId")?).map_err(invalid("postId"))?;
        let task_id =
            EntityId::parse(required(&self.task_id, "taskId")?).map_err(invalid("taskId"))?;
        let region =
            DivisionCode::parse(required(&self.region, "region")?).map_err(invalid("region"))?;
        let level = match optional(&self.level) {
            None => None,
            Some(l) => Some(parse_level(l).ok_or_else(|| RecordRejection::Invalid {
                field: "level",
                reason: format!("{l:?} is not one of CITY, COUNTY, TOWNSHIP"),
            })?),
        };
        let occurred = required(&self.occurred_at, "occurredAt")?;
        let occurred_at = DateTime::parse_from_rfc3339(occurred)
            .map_err(|e| RecordRejection::Invalid {
                field: "occurredAt",
                reason: format!(
                    "{:?} is not an RFC 3339 date-time with an offset: {e}",
                    occurred.chars().take(40).collect::<String>()
                ),
            })?
            .with_timezone(&Utc);
        let quantity = Quantity::parse(parse_int(
            "quantity",
            required(&self.quantity, "quantity")?,
        )?)
        .map_err(invalid("quantity"))?;
        let time_taken_days = match optional(&self.time_taken_days) {
            None => None,
            Some(d) => {
                let days = parse_int("timeTakenDays", d)?;
                if !(0..=i64::from(TimeLimit::MAX_DAYS)).contains(&days) {
                    return Err(RecordRejection::Invalid {
                        field: "timeTakenDays",
                        reason: format!(
                            "must be between 0 and {}, got {days}",
                            TimeLimit::MAX_DAYS
                        ),
                    });
                }
                Some(days as u16)
            }
        };
        let on_time = match optional(&self.on_time) {
            None => None,
            Some(f) => Some(parse_bool(f).ok_or_else(|| RecordRejection::Invalid {
                field: "onTime",
                reason: format!("{f:?} is not true or false"),
            })?),
        };
        let source = match optional(&self.source) {
            None => Source::DailyEntry,
            Some(s) => Source::parse(s).ok_or_else(|| RecordRejection::Invalid {
                field: "source",
                reason: format!("{s:?} is not one of DAILY_ENTRY, INSPECTION, SYSTEM_INTEGRATION"),
            })?,
        };
        Ok(RecordInput {
            record_id,
            department_id,
            unit_id,
            post_id,
            task_id,
            region,
            level,
            occurred_at,
            quantity,
            time_taken_days,
            on_time,
            source,
        })
    }
}

/// Checks a record against the structure in force when the work was done (as known now) and
/// returns the record to store. The rules, in order: the work is not in the future; the
/// department existed; the stated level (if any) is its level; the region lies in its
/// jurisdiction; the task and the post existed and belonged to the named unit; the post held
/// the task; an on-time flag agrees with the days taken and the task's limit. Days taken are
/// counted like the task's limit (working or calendar days); without a limit, only a flag
/// decides whether the work was on time.
pub fn validate(
    input: RecordInput,
    structure: &impl StructureAt,
    now: DateTime<Utc>,
) -> Result<WorkRecord, RecordRejection> {
    let at = input.occurred_at;
    if at > now {
        return Err(RecordRejection::OccurredInFuture {
            occurred_at: at,
            now,
        });
    }
    let dept = &input.department_id;
    let facts = structure
        .department(dept, at)
        .ok_or_else(|| RecordRejection::DepartmentNotFound(dept.clone()))?;
    if let Some(given) = input.level {
        if given != facts.level {
            return Err(RecordRejection::LevelMismatch {
                given,
                actual: facts.level,
            });
        }
    }
    if !facts.division.contains(&input.region) {
        return Err(RecordRejection::RegionOutsideJurisdiction {
            region: input.region,
            division: facts.division,
        });
    }
    let task = structure
        .task(dept, &input.task_id, at)
        .ok_or_else(|| RecordRejection::TaskNotFound(input.task_id.clone()))?;
    if task.unit_id != input.unit_id {
        return Err(RecordRejection::TaskInAnotherUnit {
            task: input.task_id,
            given: input.unit_id,
            actual: task.unit_id,
        });
    }
    let post_unit = structure
        .post_unit(dept, &input.post_id, at)
        .ok_or_else(|| RecordRejection::PostNotFound(input.post_id.clone()))?;
    if post_unit != input.unit_id {
        return Err(RecordRejection::PostInAnotherUnit {
            post: input.post_id,
            given: input.unit_id,
            actual: post_unit,
        });
    }
    if !structure.holds(dept, &input.post_id, &input.task_id, at) {
        return Err(RecordRejection::PostNotHoldingTask {
            post: input.post_id,
            task: input.task_id,
            at,
        });
    }
    let computed = match (input.time_taken_days, task.time_limit) {
        (Some(days), Some(limit)) => Some((days <= limit.days(), days, limit.days())),
        _ => None,
    };
    let on_time = match (input.on_time, computed) {
        (Some(flag), Some((verdict, days, limit))) if flag != verdict => {
            return Err(RecordRejection::OnTimeContradicted { flag, days, limit });
        }
        (_, Some((verdict, _, _))) => Some(verdict),
        (flag, None) => flag,
    };
    Ok(WorkRecord {
        record_id: input.record_id,
        department_id: input.department_id,
        unit_id: input.unit_id,
        post_id: input.post_id,
        task_id: input.task_id,
        region: input.region,
        level: facts.level,
        sector: facts.sector,
        occurred_at: at,
        quantity: input.quantity,
        time_taken_days: input.time_taken_days,
        on_time,
        source: input.source,
    })
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
