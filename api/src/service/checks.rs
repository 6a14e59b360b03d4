//! The rules that span aggregates, checked against the read models before a command is
//! executed, so that every entry point (GraphQL, seed, imports) runs them.

use chrono::{DateTime, Utc};
use dutyledger_domain::boundary::Party;
use dutyledger_domain::values::{CreditCode, EntityId};
use dutyledger_domain::workflow::TaskFacts;
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

/// What a workflow chart's rules need to know about its task at `at`: the task exists then,
/// whether it is high-risk, and the department's units and posts in force then
/// (`TASK_NOT_FOUND` if the task is not in force).
pub async fn task_facts(
    pool: &PgPool,
    department: &CreditCode,
    task: &EntityId,
    at: DateTime<Utc>,
    request_id: &str,
) -> Result<TaskFacts, AppError> {
    let as_of = AsOf {
        valid_at: at,
        known_at: Utc::now(),
    };
    let not_found = || AppError::NotFound {
        message: format!("task {task} not found in department {department} at {at}"),
        rule: Some("TASK_NOT_FOUND"),
    };
    let s = duty_list::structure(pool, department.as_str(), as_of)
        .await
        .map_err(|e| AppError::from_store(e, request_id))?
        .ok_or_else(not_found)?;
    let t = s
        .tasks
        .iter()
        .find(|t| t.task_id == task.as_str())
        .ok_or_else(not_found)?;
    let id = |s: &str| EntityId::parse(s).ok();
    Ok(TaskFacts {
        department_id: department.clone(),
        task_id: task.clone(),
        high_risk: t.strict_policy_standard || t.wide_discretion || t.integrity_risk,
        units: s.units.iter().filter_map(|u| id(&u.unit_id)).collect(),
        posts: s
            .posts
            .iter()
            .filter_map(|p| Some((id(&p.post_id)?, id(&p.unit_id)?)))
            .collect(),
    })
}
