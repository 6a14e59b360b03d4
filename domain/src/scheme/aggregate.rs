//! The scheme's state: its versions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::command::SchemeCommand;
use super::definition::SchemeDefinition;
use super::error::SchemeError;
use super::event::SchemeEvent;
use crate::timeline::{Decide, Timed};
use crate::values::CreditCode;

/// The indicator scheme aggregate: every published version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorScheme {
    versions: Vec<SchemeDefinition>,
    #[serde(default)]
    max_effective: Option<DateTime<Utc>>,
}

impl IndicatorScheme {
    /// Version `n` (from 1).
    pub fn version(&self, n: u32) -> Option<&SchemeDefinition> {
        (n as usize)
            .checked_sub(1)
            .and_then(|i| self.versions.get(i))
    }

    /// The latest version's number and content.
    pub fn latest(&self) -> Option<(u32, &SchemeDefinition)> {
        self.versions
            .last()
            .map(|d| (self.versions.len() as u32, d))
    }

    /// How many versions were published.
    pub fn versions(&self) -> u32 {
        self.versions.len() as u32
    }
}

impl Decide for IndicatorScheme {
    type Command = SchemeCommand;
    type Event = SchemeEvent;
    type Error = SchemeError;

    fn decide(&self, command: SchemeCommand) -> Result<Vec<SchemeEvent>, SchemeError> {
        match command {
            SchemeCommand::Publish { definition } => {
                definition.validate()?;
                if self.versions.last() == Some(&definition) {
                    return Ok(vec![]);
                }
                Ok(vec![SchemeEvent::SchemeVersionPublished {
                    version: self.versions() + 1,
                    definition,
                }])
            }
        }
    }

    /// Versions are numbered in order: a version published back in time before a later one
    /// would renumber it, so it is refused (`BREAKS_LATER_HISTORY`).
    fn validate(&self, event: &SchemeEvent) -> Result<(), SchemeError> {
        match event {
            SchemeEvent::SchemeVersionPublished { version, .. }
                if *version != self.versions() + 1 =>
            {
                Err(SchemeError::VersionOrder {
                    version: *version,
                    expected: self.versions() + 1,
                })
            }
            _ => Ok(()),
        }
    }

    fn evolve(&mut self, event: SchemeEvent) {
        match event {
            SchemeEvent::SchemeVersionPublished {
                version,
                definition,
            } => {
                let i = (version as usize).saturating_sub(1);
                if i < self.versions.len() {
                    self.versions[i] = definition;
                } else {
                    self.versions.push(definition);
                }
            }
        }
    }

    fn breaks_later(later: &Timed<SchemeEvent>, cause: SchemeError) -> SchemeError {
        SchemeError::BreaksLaterHistory {
            event_type: later.event.type_name().to_owned(),
            effective_at: later.effective_at,
            cause: Box::new(cause),
        }
    }
}

/// A scheme concerns no department in particular (every round that uses it does).
impl crate::concerns::Concerns for IndicatorScheme {
    fn departments(&self) -> Vec<CreditCode> {
        Vec::new()
    }
}

crate::event_sourced!(IndicatorScheme, "indicator_scheme");
