//! The `asOf` argument: a point in valid time and transaction time.

use async_graphql::InputObject;
use chrono::{DateTime, Duration, Utc};
use dutyledger_projections::duty_list::AsOf;

use crate::service::AppError;

/// How far `knownAt` may lie ahead of the server's clock (clock skew between machines).
const KNOWN_AT_SKEW: Duration = Duration::seconds(5);

/// A point in both times for a query: the state as it was in force at `validAt`, as the log
/// knew it at `knownAt`. Both default to now. `knownAt` cannot lie in the future.
#[derive(InputObject, Debug, Clone, Copy, Default)]
#[graphql(name = "AsOf")]
pub struct AsOfInput {
    /// Valid time: "as it was in force then". Default: now.
    pub valid_at: Option<DateTime<Utc>>,
    /// Transaction time: "as we knew it then" (before any later correction). Default: now.
    pub known_at: Option<DateTime<Utc>>,
}

impl AsOfInput {
    /// The point, with defaults applied and checked.
    pub fn resolve(input: Option<AsOfInput>) -> Result<AsOf, AppError> {
        let now = Utc::now();
        let input = input.unwrap_or_default();
        let known_at = input.known_at.unwrap_or(now);
        if known_at > now + KNOWN_AT_SKEW {
            return Err(AppError::BadInput {
                message: "asOf.knownAt lies in the future: nothing is known about it yet".into(),
                field: Some("asOf.knownAt".into()),
                rule: Some("KNOWN_AT_IN_FUTURE"),
            });
        }
        Ok(AsOf {
            valid_at: input.valid_at.unwrap_or(now),
            known_at: known_at.min(now),
        })
    }
}
