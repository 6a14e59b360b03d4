//! Key supervision (重点监管) flags: a department whose 12345 complaints of a period pass the
//! thresholds is flagged, as an event with its evidence (the figures and the tickets). One
//! stream per department; a period is flagged once.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::refusal::{ErrorClass, LaterFact, Refusal};
use crate::scheme::Hundredths;
use crate::timeline::{Decide, Timed};
use crate::values::{CreditCode, EntityId};

/// A department's complaints of a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintStats {
    /// Tickets received.
    pub complaints: u32,
    /// Of those, resolved.
    pub resolved: u32,
    /// Of those, with a satisfaction.
    pub rated: u32,
    /// The sum of the satisfactions given.
    pub satisfaction_sum: u32,
}

impl ComplaintStats {
    /// Resolved out of received, in hundredths of a percent (none: no ticket).
    pub fn resolution_rate(&self) -> Option<Hundredths> {
        (self.complaints > 0)
            .then(|| Hundredths(i64::from(self.resolved) * 10_000 / i64::from(self.complaints)))
    }

    /// The mean satisfaction, in hundredths (none: nobody rated).
    pub fn satisfaction(&self) -> Option<Hundredths> {
        (self.rated > 0)
            .then(|| Hundredths(i64::from(self.satisfaction_sum) * 100 / i64::from(self.rated)))
    }
}

/// When a department is flagged: at least `min_complaints` tickets in the period, and (if
/// given) a resolution rate below `below_resolution_rate` percent or a mean satisfaction below
/// `below_satisfaction`; with neither given, the count alone flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagRule {
    /// The fewest tickets that flag.
    pub min_complaints: u32,
    /// Flag when the resolution rate (percent) is below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below_resolution_rate: Option<Hundredths>,
    /// Flag when the mean satisfaction (1 to 5) is below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below_satisfaction: Option<Hundredths>,
}

impl FlagRule {
    /// Whether the figures flag the department.
    pub fn flags(&self, s: &ComplaintStats) -> bool {
        if s.complaints < self.min_complaints || s.complaints == 0 {
            return false;
        }
        let rate = self
            .below_resolution_rate
            .map(|t| s.resolution_rate().is_some_and(|r| r < t));
        let satisfaction = self
            .below_satisfaction
            .map(|t| s.satisfaction().is_some_and(|x| x < t));
        match (rate, satisfaction) {
            (None, None) => true,
            (a, b) => a.unwrap_or(false) || b.unwrap_or(false),
        }
    }
}

/// A request about a department's key supervision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagCommand {
    /// Flag the department for a period (the application measured the figures).
    Flag {
        /// The department.
        department_id: CreditCode,
        /// The first day.
        from: NaiveDate,
        /// The last day.
        to: NaiveDate,
        /// The figures.
        stats: ComplaintStats,
        /// The rule they passed.
        rule: FlagRule,
        /// The tickets counted (at most 200 listed).
        tickets: Vec<EntityId>,
    },
}

/// Something that happened to a department's key supervision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FlagEvent {
    /// The department was flagged for key supervision for a period.
    KeySupervisionFlagged {
        /// The department.
        department_id: CreditCode,
        /// The first day.
        from: NaiveDate,
        /// The last day.
        to: NaiveDate,
        /// The figures.
        stats: ComplaintStats,
        /// The rule they passed.
        rule: FlagRule,
        /// The tickets counted (at most 200 listed).
        tickets: Vec<EntityId>,
    },
}

impl FlagEvent {
    /// Every event type name, as stored.
    pub const TYPES: [&'static str; 1] = ["KeySupervisionFlagged"];

    /// The stored event type name.
    pub fn type_name(&self) -> &'static str {
        "KeySupervisionFlagged"
    }
}

impl DomainEvent for FlagEvent {
    fn event_type(&self) -> String {
        self.type_name().to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

/// Why a flag was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlagError {
    /// The period is flagged already.
    #[error("the department is flagged for {0} to {1} already")]
    AlreadyFlagged(NaiveDate, NaiveDate),
    /// The figures do not pass the rule.
    #[error("the figures do not pass the rule: nothing to flag")]
    BelowThreshold,
    /// The change would make a later recorded event invalid.
    #[error("the change would break {event_type} effective {effective_at}: {cause}")]
    BreaksLaterHistory {
        /// The later event's type.
        event_type: String,
        /// When it takes effect.
        effective_at: DateTime<Utc>,
        /// Why it would no longer be valid.
        cause: Box<FlagError>,
    },
}

impl Refusal for FlagError {
    fn class(&self) -> ErrorClass {
        ErrorClass::Conflict
    }

    fn rule(&self) -> &'static str {
        match self {
            FlagError::AlreadyFlagged(..) => "ALREADY_FLAGGED",
            FlagError::BelowThreshold => "BELOW_THRESHOLD",
            FlagError::BreaksLaterHistory { .. } => "BREAKS_LATER_HISTORY",
        }
    }

    fn breaks(&self) -> Option<LaterFact> {
        match self {
            FlagError::BreaksLaterHistory {
                event_type,
                effective_at,
                cause,
            } => Some(LaterFact {
                event_type: event_type.clone(),
                effective_at: *effective_at,
                rule: cause.rule(),
            }),
            _ => None,
        }
    }

    fn already_done(&self) -> bool {
        matches!(self, FlagError::AlreadyFlagged(..))
    }
}

/// A department's key supervision flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySupervision {
    department_id: Option<CreditCode>,
    flags: Vec<FlagEvent>,
    #[serde(default)]
    max_effective: Option<DateTime<Utc>>,
}

impl KeySupervision {
    /// Every flag, in order.
    pub fn flags(&self) -> &[FlagEvent] {
        &self.flags
    }
}

impl Decide for KeySupervision {
    type Command = FlagCommand;
    type Event = FlagEvent;
    type Error = FlagError;

    fn decide(&self, command: FlagCommand) -> Result<Vec<FlagEvent>, FlagError> {
        let FlagCommand::Flag {
            department_id,
            from,
            to,
            stats,
            rule,
            mut tickets,
        } = command;
        if !rule.flags(&stats) {
            return Err(FlagError::BelowThreshold);
        }
        let event = FlagEvent::KeySupervisionFlagged {
            department_id,
            from,
            to,
            stats,
            rule,
            tickets: {
                tickets.truncate(crate::scheme::MAX_EVIDENCE_ITEMS);
                tickets
            },
        };
        self.validate(&event)?;
        Ok(vec![event])
    }

    fn validate(&self, event: &FlagEvent) -> Result<(), FlagError> {
        let FlagEvent::KeySupervisionFlagged { from, to, .. } = event;
        if self.flags.iter().any(|f| {
            let FlagEvent::KeySupervisionFlagged { from: a, to: b, .. } = f;
            a == from && b == to
        }) {
            return Err(FlagError::AlreadyFlagged(*from, *to));
        }
        Ok(())
    }

    fn evolve(&mut self, event: FlagEvent) {
        let FlagEvent::KeySupervisionFlagged { department_id, .. } = &event;
        self.department_id = Some(department_id.clone());
        self.flags.push(event);
    }

    fn breaks_later(later: &Timed<FlagEvent>, cause: FlagError) -> FlagError {
        FlagError::BreaksLaterHistory {
            event_type: later.event.type_name().to_owned(),
            effective_at: later.effective_at,
            cause: Box::new(cause),
        }
    }
}

/// A flag concerns its department.
impl crate::concerns::Concerns for KeySupervision {
    fn departments(&self) -> Vec<CreditCode> {
        self.department_id.iter().cloned().collect()
    }
}

crate::event_sourced!(KeySupervision, "key_supervision");

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(complaints: u32, resolved: u32, rated: u32, sum: u32) -> ComplaintStats {
        ComplaintStats {
            complaints,
            resolved,
            rated,
            satisfaction_sum: sum,
        }
    }

    #[test]
    fn the_rule_flags_on_count_and_a_threshold() {
        let rule = FlagRule {
            min_complaints: 10,
            below_resolution_rate: Some(Hundredths::whole(90)),
            below_satisfaction: Some(Hundredths(350)),
        };
        assert!(!rule.flags(&stats(9, 0, 0, 0)), "too few");
        assert!(rule.flags(&stats(10, 8, 0, 0)), "80% resolved");
        assert!(!rule.flags(&stats(10, 10, 10, 40)), "all resolved, 4.0");
        assert!(rule.flags(&stats(10, 10, 10, 30)), "3.0 satisfied");
        let count_only = FlagRule {
            min_complaints: 5,
            below_resolution_rate: None,
            below_satisfaction: None,
        };
        assert!(count_only.flags(&stats(5, 5, 0, 0)));
    }

    #[test]
    fn a_period_is_flagged_once_and_only_past_the_threshold() {
        let department = CreditCode::from_parts('1', '1', "371300", "00435012").expect("code");
        let day = |d| NaiveDate::from_ymd_opt(2025, 6, d).expect("date");
        let flag = |s: ComplaintStats| FlagCommand::Flag {
            department_id: department.clone(),
            from: day(1),
            to: day(30),
            stats: s,
            rule: FlagRule {
                min_complaints: 3,
                below_resolution_rate: None,
                below_satisfaction: None,
            },
            tickets: vec![],
        };
        let mut k = KeySupervision::default();
        assert_eq!(
            k.decide(flag(stats(2, 0, 0, 0)))
                .expect_err("refused")
                .rule(),
            "BELOW_THRESHOLD"
        );
        for e in k.decide(flag(stats(3, 0, 0, 0))).expect("flagged") {
            k.evolve(e);
        }
        let err = k.decide(flag(stats(4, 0, 0, 0))).expect_err("refused");
        assert_eq!(err.rule(), "ALREADY_FLAGGED");
        assert!(err.already_done());
    }
}
