//! What every event carries besides its payload: who, why and when (DESIGN.md, rules 4 and 5).
//!
//! cqrs-es stores metadata as a string map; these are its keys. The database reads
//! [`EFFECTIVE_AT`] into the `effective_at` column (and falls back to `recorded_at`).

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};

/// The actor who issued the command (`role:subject`, e.g. `supervisor:zhang.wei`).
pub const ACTOR: &str = "actor";
/// The request id of the API call or CLI run that issued the command.
pub const REQUEST_ID: &str = "request_id";
/// Why the change was made (required for corrections and rulings).
pub const REASON: &str = "reason";
/// When the fact holds in the world (valid time), RFC 3339; absent means "when recorded".
pub const EFFECTIVE_AT: &str = "effective_at";
/// The client's command id, if it gave one (a retried command with it is applied once).
pub const COMMAND_ID: &str = "command_id";

/// The who, why and when of one command, turned into event metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandMetadata {
    /// Who issued the command.
    pub actor: String,
    /// Which request carried it.
    pub request_id: String,
    /// Why, if given.
    pub reason: Option<String>,
    /// When the change takes effect, if not when it is recorded.
    pub effective_at: Option<DateTime<Utc>>,
    /// The client's command id, if given.
    pub command_id: Option<String>,
}

impl CommandMetadata {
    /// Metadata for an actor and a request, with no reason and no effective time.
    pub fn new(actor: impl Into<String>, request_id: impl Into<String>) -> Self {
        Self {
            actor: actor.into(),
            request_id: request_id.into(),
            reason: None,
            effective_at: None,
            command_id: None,
        }
    }

    /// The string map cqrs-es stores.
    pub fn to_map(&self) -> HashMap<String, String> {
        let mut map = HashMap::from([
            (ACTOR.to_owned(), self.actor.clone()),
            (REQUEST_ID.to_owned(), self.request_id.clone()),
        ]);
        if let Some(reason) = &self.reason {
            map.insert(REASON.to_owned(), reason.clone());
        }
        if let Some(id) = &self.command_id {
            map.insert(COMMAND_ID.to_owned(), id.clone());
        }
        if let Some(at) = self.effective_at {
            map.insert(
                EFFECTIVE_AT.to_owned(),
                at.to_rfc3339_opts(SecondsFormat::Micros, true),
            );
        }
        map
    }
}
