//! Events of a workflow case (办件). The type names are a stored contract. Each event carries
//! the figures it settles (durations in calendar and working time, deadlines, on-time verdicts)
//! as computed when it was recorded, on the calendar known then, so that read models and
//! exports add them up without recomputing anything (as performance records carry their
//! on-time verdict, ADR 0008).

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::values::{CreditCode, DepartmentLevel, DivisionCode, EntityId, Name, Text, TimeLimit};

/// Who applied (申请人类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ApplicantKind {
    /// 自然人: a natural person.
    Person,
    /// 法人或其他组织: a company or another organization.
    Organization,
}

impl ApplicantKind {
    /// Every kind.
    pub const ALL: [ApplicantKind; 2] = [ApplicantKind::Person, ApplicantKind::Organization];

    /// The code used in files and the API.
    pub fn code(self) -> &'static str {
        match self {
            ApplicantKind::Person => "PERSON",
            ApplicantKind::Organization => "ORGANIZATION",
        }
    }
}

/// How a case ended (办结结果).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Outcome {
    /// 准予: approved.
    Approved,
    /// 不予: refused.
    Refused,
    /// 撤回: withdrawn by the applicant.
    Withdrawn,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: [Outcome; 3] = [Outcome::Approved, Outcome::Refused, Outcome::Withdrawn];

    /// The code used in files and the API.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Approved => "APPROVED",
            Outcome::Refused => "REFUSED",
            Outcome::Withdrawn => "WITHDRAWN",
        }
    }
}

/// Something that happened to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CaseEvent {
    /// The case was received (受理) and runs on a chart version.
    CaseOpened {
        /// The client's case id (unique within the department).
        case_id: EntityId,
        /// The department handling it.
        department_id: CreditCode,
        /// The task (办理事项).
        task_id: EntityId,
        /// The chart version it runs on (pinned for its whole life).
        version: u32,
        /// Where the applicant is: a 12-digit division code.
        region: DivisionCode,
        /// The applicant's kind.
        applicant: ApplicantKind,
        /// The department's level on the day of receipt.
        level: DepartmentLevel,
        /// The department's sector on the day of receipt.
        sector: Name,
        /// When it was received.
        received_at: DateTime<Utc>,
        /// Its time limit (承诺时限): the task's, or else the sum of the chart version's step
        /// limits when every step has one of the same kind; `None`: no limit.
        time_limit: Option<TimeLimit>,
        /// The statutory limit (法定时限) extensions may reach.
        statutory_limit: Option<TimeLimit>,
        /// When the time limit ends (in time means before this instant).
        deadline: Option<DateTime<Utc>>,
    },
    /// A step began.
    CaseStepStarted {
        /// The step's number in the chart (from 1).
        step: u32,
        /// The step's name.
        name: Name,
        /// When.
        at: DateTime<Utc>,
    },
    /// A step was completed by a post.
    CaseStepCompleted {
        /// The step's number in the chart (from 1).
        step: u32,
        /// The step's name.
        name: Name,
        /// The post that completed it.
        post_id: EntityId,
        /// The post's unit on that day.
        unit_id: EntityId,
        /// When it started.
        started_at: DateTime<Utc>,
        /// When it was completed.
        at: DateTime<Utc>,
        /// Calendar seconds from start to completion (work time).
        seconds: i64,
        /// Of those, the seconds on working days outside clock stops.
        working_seconds: i64,
        /// Calendar seconds the case waited before the step started (since receipt, the
        /// previous completion or a return for correction).
        waited_seconds: i64,
        /// Whether it was completed within the step's time limit (`None`: the step has none).
        on_time: Option<bool>,
    },
    /// The clock stopped (扣除时间: a hearing, an inspection, an expert appraisal...).
    CaseSuspended {
        /// When.
        at: DateTime<Utc>,
        /// Why.
        reason: Text,
    },
    /// The clock runs again.
    CaseResumed {
        /// When.
        at: DateTime<Utc>,
        /// The time limit's new end, the stop not counted.
        deadline: Option<DateTime<Utc>>,
    },
    /// The time limit was extended (延期), within the statutory limit.
    CaseExtended {
        /// When.
        at: DateTime<Utc>,
        /// Days added (counted like the limit).
        days: u16,
        /// Why.
        reason: Text,
        /// The time limit's new end.
        deadline: Option<DateTime<Utc>>,
    },
    /// The case was returned for correction (补正) at a step: the step runs again (rework).
    CaseReturned {
        /// The step's number in the chart (from 1).
        step: u32,
        /// The step's name.
        name: Name,
        /// When.
        at: DateTime<Utc>,
        /// Why.
        reason: Text,
    },
    /// The case ended (办结).
    CaseClosed {
        /// When.
        at: DateTime<Utc>,
        /// How.
        outcome: Outcome,
        /// Calendar seconds from receipt.
        seconds: i64,
        /// Of those, the seconds on working days outside clock stops.
        working_seconds: i64,
        /// The time limit's end, if the case has one.
        deadline: Option<DateTime<Utc>>,
        /// Whether it ended in time (`None`: no time limit).
        on_time: Option<bool>,
        /// Days past the deadline, counted like the limit (working or calendar days after the
        /// deadline's last day up to the closing day), if late.
        days_over: Option<u32>,
    },
}

impl CaseEvent {
    /// Every event type name, as stored.
    pub const TYPES: [&'static str; 8] = [
        "CaseOpened",
        "CaseStepStarted",
        "CaseStepCompleted",
        "CaseSuspended",
        "CaseResumed",
        "CaseExtended",
        "CaseReturned",
        "CaseClosed",
    ];

    /// The stored event type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::CaseOpened { .. } => Self::TYPES[0],
            Self::CaseStepStarted { .. } => Self::TYPES[1],
            Self::CaseStepCompleted { .. } => Self::TYPES[2],
            Self::CaseSuspended { .. } => Self::TYPES[3],
            Self::CaseResumed { .. } => Self::TYPES[4],
            Self::CaseExtended { .. } => Self::TYPES[5],
            Self::CaseReturned { .. } => Self::TYPES[6],
            Self::CaseClosed { .. } => Self::TYPES[7],
        }
    }

    /// When it happened (its valid time).
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::CaseOpened { received_at, .. } => *received_at,
            Self::CaseStepStarted { at, .. }
            | Self::CaseStepCompleted { at, .. }
            | Self::CaseSuspended { at, .. }
            | Self::CaseResumed { at, .. }
            | Self::CaseExtended { at, .. }
            | Self::CaseReturned { at, .. }
            | Self::CaseClosed { at, .. } => *at,
        }
    }
}

impl DomainEvent for CaseEvent {
    fn event_type(&self) -> String {
        self.type_name().to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
