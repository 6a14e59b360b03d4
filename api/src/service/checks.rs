//! The rules that span aggregates, checked against the read models before a command is
//! executed, so that every entry point (GraphQL, seed, imports) runs them.

use chrono::{DateTime, Utc};
use dutyledger_domain::boundary::Party;
use dutyledger_projections::duty_list::{self, AsOf, Kind};
use sqlx::PgPool;

use super::error::AppError;

/// Every party of a boundary matter exists at `at`: its department, and its section (a unit of
/// that department) if one is named.
pub async fn parties_exist(
    pool: &PgPool,
    parties: &[Party],
    at: DateTime<Utc>,
    request_id: &str,
) -> Result<(), AppError> {
    let as_of = AsOf {
        valid_at: at,
        known_at: Utc::now(),
    };
    for p in parties {
        let s = duty_list::structure(pool, p.department_id.as_str(), as_of)
            .await
            .map_err(|e| AppError::from_store(e, request_id))?
            .ok_or_else(|| AppError::NotFound {
                message: format!(
                    "party {}: department {} not found",
                    p.party_id, p.department_id
                ),
                rule: Some("DEPARTMENT_NOT_FOUND"),
            })?;
        if let Some(unit) = &p.unit_id {
            if s.position(Kind::Unit, unit.as_str()).is_none() {
                return Err(AppError::NotFound {
                    message: format!(
                        "party {}: unit {unit} not found in department {}",
                        p.party_id, p.department_id
                    ),
                    rule: Some("UNIT_NOT_FOUND"),
                });
            }
        }
    }
    Ok(())
}
