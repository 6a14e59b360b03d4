//! The access policy: the one place that says who may read or write what. Resolvers state what
//! they are about to do; this module decides.

use dutyledger_domain::values::CreditCode;

use super::{Actor, Role};
use crate::graphql::error::ApiError;

/// Something an actor wants to do.
#[derive(Debug, Clone, Copy)]
pub enum Access<'a> {
    /// Read one department's lists and structure.
    ReadDepartment(&'a CreditCode),
    /// List departments (see [`department_scope`] for which).
    ListDepartments,
    /// Change a department's 三定 structure or its lists.
    WriteStructure(&'a CreditCode),
    /// Read the event feed.
    ReadFeed,
    /// Register, rule, revise, decide or retire boundary matters.
    WriteBoundary,
    /// Raise a dispute on behalf of a department that is a party.
    DisputeBoundary(&'a CreditCode),
    /// Record, correct or void a department's performance records (履职数据).
    WriteRecords(&'a CreditCode),
    /// Read performance figures (within [`department_scope`]).
    ReadPerformance,
}

/// Which departments an actor may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every department.
    All,
    /// Only these.
    Only(Vec<CreditCode>),
}

impl Scope {
    /// Whether `department` is in scope.
    pub fn includes(&self, department: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Only(list) => list.iter().any(|d| d.as_str() == department),
        }
    }
}

fn forbidden(actor: &Actor, what: &str) -> ApiError {
    ApiError::Forbidden(format!("{} may not {what}", actor.role))
}

/// Decides whether `actor` may do `access`.
pub fn authorize(actor: &Actor, access: Access<'_>) -> Result<(), ApiError> {
    let bound_to = |d: &CreditCode| actor.departments.iter().any(|own| own == d);
    let allowed = match (actor.role, access) {
        (Role::System, _) => true,
        (Role::Supervisor, _) => true,
        (
            Role::Reviewer,
            Access::ReadDepartment(_) | Access::ListDepartments | Access::ReadFeed,
        ) => true,
        (Role::Clerk, Access::ReadDepartment(d)) => bound_to(d),
        (Role::Clerk, Access::ListDepartments) => true,
        (Role::Clerk, Access::DisputeBoundary(d)) => bound_to(d),
        (Role::Clerk, Access::WriteRecords(d)) => bound_to(d),
        (Role::Clerk | Role::Reviewer, Access::ReadPerformance) => true,
        (Role::Integrator, Access::ReadFeed) => true,
        _ => false,
    };
    if allowed {
        return Ok(());
    }
    Err(match access {
        Access::ReadDepartment(d) => forbidden(actor, &format!("read department {d}")),
        Access::ListDepartments => forbidden(actor, "list departments"),
        Access::WriteStructure(d) => forbidden(actor, &format!("change department {d}")),
        Access::ReadFeed => forbidden(actor, "read the event feed"),
        Access::WriteBoundary => forbidden(actor, "change boundary matters"),
        Access::DisputeBoundary(d) => {
            forbidden(actor, &format!("dispute on behalf of department {d}"))
        }
        Access::WriteRecords(d) => forbidden(
            actor,
            &format!("write performance records of department {d}"),
        ),
        Access::ReadPerformance => forbidden(actor, "read performance figures"),
    })
}

/// Whether the actor may change any department's structure at all (checked before the input
/// is parsed, so that a role that may never write gets `FORBIDDEN` whatever it sends).
pub fn may_write_structure(actor: &Actor) -> bool {
    matches!(actor.role, Role::Supervisor | Role::System)
}

/// Whether the actor may write performance records of any department at all (checked before
/// a batch is parsed).
pub fn may_write_records(actor: &Actor) -> bool {
    matches!(actor.role, Role::Supervisor | Role::System | Role::Clerk)
}

/// The departments an actor may see in lists (call after [`authorize`]).
pub fn department_scope(actor: &Actor) -> Scope {
    match actor.role {
        Role::Clerk => Scope::Only(actor.departments.clone()),
        Role::Integrator if !actor.departments.is_empty() => Scope::Only(actor.departments.clone()),
        _ => Scope::All,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(body: &str) -> CreditCode {
        CreditCode::from_parts('1', '1', "371300", body).expect("valid")
    }

    #[test]
    fn the_matrix() {
        let own = code("00000001");
        let other = code("00000002");
        let actors = [
            (
                Actor::new(Role::Supervisor, "s", vec![]),
                [true, true, true, true, true, true, true, true, true],
            ),
            (
                Actor::new(Role::Clerk, "c", vec![own.clone()]),
                [true, false, true, false, false, false, true, false, true],
            ),
            (
                Actor::new(Role::Reviewer, "r", vec![]),
                [true, true, true, false, false, true, false, false, true],
            ),
            (
                Actor::new(Role::Integrator, "i", vec![]),
                [false, false, false, false, false, true, false, false, false],
            ),
        ];
        for (actor, expected) in actors {
            let got = [
                authorize(&actor, Access::ReadDepartment(&own)).is_ok(),
                authorize(&actor, Access::ReadDepartment(&other)).is_ok(),
                authorize(&actor, Access::ListDepartments).is_ok(),
                authorize(&actor, Access::WriteStructure(&own)).is_ok(),
                authorize(&actor, Access::WriteStructure(&other)).is_ok(),
                authorize(&actor, Access::ReadFeed).is_ok(),
                authorize(&actor, Access::WriteRecords(&own)).is_ok(),
                authorize(&actor, Access::WriteRecords(&other)).is_ok(),
                authorize(&actor, Access::ReadPerformance).is_ok(),
            ];
            assert_eq!(got, expected, "{:?}", actor.role);
        }
    }
}
