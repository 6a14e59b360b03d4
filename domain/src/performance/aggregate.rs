//! The record's stream: recorded once, then corrected or voided, each time with a reason.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::record::WorkRecord;
use crate::refusal::{ErrorClass, Refusal};
use crate::timeline::{Decide, Timed};
use crate::values::Text;

/// What can be done to a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PerformanceCommand {
    /// Store a checked record ([`super::validate`]).
    Record(WorkRecord),
    /// Replace the record in force by a checked one (same department and record id).
    Correct {
        /// The record as it should have been.
        record: WorkRecord,
        /// Why.
        reason: Text,
    },
    /// Withdraw the record: it no longer counts.
    Void {
        /// Why.
        reason: Text,
    },
}

/// What happened to a record. Each event carries the record it leaves in force and the one it
/// replaces, so figures can be moved without reading the stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PerformanceEvent {
    /// Work was recorded.
    WorkRecorded {
        /// The record.
        record: WorkRecord,
    },
    /// A record was corrected.
    WorkRecordCorrected {
        /// The record now in force.
        record: WorkRecord,
        /// The record it replaces.
        previous: WorkRecord,
        /// Why.
        reason: Text,
    },
    /// A record was voided.
    WorkRecordVoided {
        /// The record withdrawn.
        previous: WorkRecord,
        /// Why.
        reason: Text,
    },
}

/// One record's contribution to the figures: `+1` for the record an event puts in force, `-1`
/// for the one it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rollup<'a> {
    /// The record.
    pub record: &'a WorkRecord,
    /// `1` or `-1`.
    pub sign: i64,
}

impl PerformanceEvent {
    /// The event type names, a stored contract.
    pub const TYPES: [&'static str; 3] =
        ["WorkRecorded", "WorkRecordCorrected", "WorkRecordVoided"];

    /// Its type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::WorkRecorded { .. } => Self::TYPES[0],
            Self::WorkRecordCorrected { .. } => Self::TYPES[1],
            Self::WorkRecordVoided { .. } => Self::TYPES[2],
        }
    }

    /// How it moves the figures.
    pub fn rollups(&self) -> Vec<Rollup<'_>> {
        match self {
            Self::WorkRecorded { record } => vec![Rollup { record, sign: 1 }],
            Self::WorkRecordCorrected {
                record, previous, ..
            } => vec![
                Rollup {
                    record: previous,
                    sign: -1,
                },
                Rollup { record, sign: 1 },
            ],
            Self::WorkRecordVoided { previous, .. } => vec![Rollup {
                record: previous,
                sign: -1,
            }],
        }
    }
}

impl DomainEvent for PerformanceEvent {
    fn event_type(&self) -> String {
        self.type_name().to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

/// A refused record command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PerformanceError {
    /// The record id was used already in this department.
    #[error("record {0} has been recorded already")]
    AlreadyRecorded(String),
    /// No such record.
    #[error("no record with this id has been recorded in this department")]
    RecordNotFound,
    /// The record was voided.
    #[error("the record has been voided")]
    RecordVoided,
    /// A correction may not change which record it is.
    #[error("a correction keeps the record's department and id")]
    IdentityChanged,
    /// The change would make a later recorded event invalid (never happens for records,
    /// whose corrections take effect when they are recorded).
    #[error("the change would break {event_type} effective {effective_at}")]
    BreaksLaterHistory {
        /// The later event's type.
        event_type: String,
        /// When it takes effect.
        effective_at: DateTime<Utc>,
    },
}

impl PerformanceError {
    /// The broad class of the refusal.
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::RecordNotFound => ErrorClass::NotFound,
            Self::IdentityChanged => ErrorClass::Invalid,
            Self::AlreadyRecorded(_) | Self::RecordVoided | Self::BreaksLaterHistory { .. } => {
                ErrorClass::Conflict
            }
        }
    }

    /// The rule broken, as a stable code.
    pub fn rule(&self) -> &'static str {
        match self {
            Self::AlreadyRecorded(_) => "RECORD_ALREADY_RECORDED",
            Self::RecordNotFound => "RECORD_NOT_FOUND",
            Self::RecordVoided => "RECORD_VOIDED",
            Self::IdentityChanged => "RECORD_IDENTITY_CHANGED",
            Self::BreaksLaterHistory { .. } => "BREAKS_LATER_HISTORY",
        }
    }
}

impl Refusal for PerformanceError {
    fn class(&self) -> ErrorClass {
        PerformanceError::class(self)
    }

    fn rule(&self) -> &'static str {
        PerformanceError::rule(self)
    }

    fn already_done(&self) -> bool {
        matches!(self, Self::AlreadyRecorded(_))
    }
}

/// The record aggregate: the record in force, and whether it was voided.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerformanceRecord {
    record: Option<WorkRecord>,
    voided: bool,
    #[serde(default)]
    max_effective: Option<DateTime<Utc>>,
}

impl PerformanceRecord {
    /// The record in force (the last one recorded or corrected, even if voided since).
    pub fn record(&self) -> Option<&WorkRecord> {
        self.record.as_ref()
    }

    /// Whether it was voided.
    pub fn voided(&self) -> bool {
        self.voided
    }

    fn current(&self) -> Result<&WorkRecord, PerformanceError> {
        match &self.record {
            None => Err(PerformanceError::RecordNotFound),
            Some(_) if self.voided => Err(PerformanceError::RecordVoided),
            Some(r) => Ok(r),
        }
    }
}

impl Decide for PerformanceRecord {
    type Command = PerformanceCommand;
    type Event = PerformanceEvent;
    type Error = PerformanceError;

    fn decide(
        &self,
        command: PerformanceCommand,
    ) -> Result<Vec<PerformanceEvent>, PerformanceError> {
        match command {
            PerformanceCommand::Record(record) => {
                if self.record.is_some() {
                    return Err(PerformanceError::AlreadyRecorded(
                        record.record_id.to_string(),
                    ));
                }
                Ok(vec![PerformanceEvent::WorkRecorded { record }])
            }
            PerformanceCommand::Correct { record, reason } => {
                let previous = self.current()?;
                if previous.department_id != record.department_id
                    || previous.record_id != record.record_id
                {
                    return Err(PerformanceError::IdentityChanged);
                }
                if *previous == record {
                    return Ok(vec![]);
                }
                Ok(vec![PerformanceEvent::WorkRecordCorrected {
                    record,
                    previous: previous.clone(),
                    reason,
                }])
            }
            PerformanceCommand::Void { reason } => {
                let previous = self.current()?;
                Ok(vec![PerformanceEvent::WorkRecordVoided {
                    previous: previous.clone(),
                    reason,
                }])
            }
        }
    }

    fn validate(&self, event: &PerformanceEvent) -> Result<(), PerformanceError> {
        match event {
            PerformanceEvent::WorkRecorded { record } => match &self.record {
                Some(_) => Err(PerformanceError::AlreadyRecorded(
                    record.record_id.to_string(),
                )),
                None => Ok(()),
            },
            PerformanceEvent::WorkRecordCorrected { .. }
            | PerformanceEvent::WorkRecordVoided { .. } => self.current().map(|_| ()),
        }
    }

    fn evolve(&mut self, event: PerformanceEvent) {
        match event {
            PerformanceEvent::WorkRecorded { record }
            | PerformanceEvent::WorkRecordCorrected { record, .. } => {
                self.record = Some(record);
            }
            PerformanceEvent::WorkRecordVoided { .. } => self.voided = true,
        }
    }

    fn breaks_later(later: &Timed<PerformanceEvent>, _cause: PerformanceError) -> PerformanceError {
        PerformanceError::BreaksLaterHistory {
            event_type: later.event.type_name().to_owned(),
            effective_at: later.effective_at,
        }
    }
}

/// A record concerns its department.
impl crate::concerns::Concerns for WorkRecord {
    fn departments(&self) -> Vec<crate::values::CreditCode> {
        vec![self.department_id.clone()]
    }
}

/// A record's events (recorded, corrected, voided) concern the record's department (which a
/// correction cannot change).
impl crate::concerns::Concerns for PerformanceRecord {
    fn departments(&self) -> Vec<crate::values::CreditCode> {
        self.record
            .as_ref()
            .map(crate::concerns::Concerns::departments)
            .unwrap_or_default()
    }
}

crate::event_sourced!(PerformanceRecord, "performance_record");
