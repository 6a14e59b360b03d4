//! What every refused command has in common, whatever its aggregate: a broad class, the rule
//! it breaks, the later recorded fact it would break (for a backdated command), and whether it
//! only says that the command's effect is already in place. Each aggregate's error enum
//! implements [`Refusal`]; the application layer and the transports use nothing else of it, so
//! a new aggregate needs no code in them.

use chrono::{DateTime, Utc};

/// The broad class of a refusal, for mapping to API error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Something referred to does not exist.
    NotFound,
    /// The id is taken, or the current state does not allow the change.
    Conflict,
    /// The input is wrong whatever the state.
    Invalid,
}

/// A later recorded event that a backdated command would make invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaterFact {
    /// Its event type.
    pub event_type: String,
    /// When it takes effect.
    pub effective_at: DateTime<Utc>,
    /// The rule it would then break.
    pub rule: &'static str,
}

/// A refused command of any aggregate.
pub trait Refusal: std::error::Error + Send + Sync + 'static {
    /// The broad class.
    fn class(&self) -> ErrorClass;

    /// The rule broken, e.g. `UNIT_HOLDS_POSTS` (a stable code clients match on).
    fn rule(&self) -> &'static str;

    /// For a backdated command refused because a later recorded event would break: that event.
    fn breaks(&self) -> Option<LaterFact> {
        None
    }

    /// Whether the refusal only says that what the command asks for is already in place (the
    /// entity exists, the link is made, the matter is ruled): a re-run of a command applied
    /// before. Loaders that may run twice (seed, imports) skip such refusals.
    fn already_done(&self) -> bool {
        false
    }
}
