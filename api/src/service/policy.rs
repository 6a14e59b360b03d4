//! The access policy: the one place that says who may read or write what. Callers (the command
//! path, resolvers, loaders) state what they are about to do; this module decides, for commands
//! and queries alike.

use dutyledger_domain::values::CreditCode;

use super::error::AppError;
use crate::auth::{Actor, Role};

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
    /// Record a department's workflow case events (办件).
    WriteCases(&'a CreditCode),
    /// Record some department's case events (asked before a batch is parsed).
    WriteAnyCases,
    /// Read case analytics and exports (within [`department_scope`]).
    ReadCases,
    /// Read boundary matters (within [`department_scope`]).
    ReadBoundaries,
    /// Change some department's structure (asked before the input is parsed, so that a role
    /// that may never write gets `FORBIDDEN` whatever it sends).
    WriteAnyStructure,
    /// Write some department's performance records (asked before a batch is parsed).
    WriteAnyRecords,
    /// Load or amend the working-day calendar (holidays and make-up working days).
    WriteCalendar,
    /// Publish indicator schemes; plan, advance, score and adjust supervision rounds.
    RunSupervision,
    /// Read indicator schemes and rounds (their plans and stages, not their scores).
    ReadSupervision,
    /// Record 12345 complaint tickets.
    WriteComplaints,
    /// Upload a file an answer to a rectification order refers to.
    UploadAttachment,
    /// Read findings, rectification orders and reviews (within [`department_scope`]).
    ReadRectification,
    /// Answer a rectification order of a department.
    AnswerOrder(&'a CreditCode),
    /// Ask for a formal review (复核) of a department's finding or scores.
    RequestReview(&'a CreditCode),
    /// Read a department's scores in a round, published or not.
    ReadScores {
        /// The department.
        department: &'a CreditCode,
        /// Whether the round's scores are published.
        published: bool,
    },
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

fn forbidden(actor: &Actor, what: &str) -> AppError {
    AppError::Forbidden(format!("{} may not {what}", actor.role))
}

/// Decides whether `actor` may do `access`.
pub fn authorize(actor: &Actor, access: Access<'_>) -> Result<(), AppError> {
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
        (Role::Clerk, Access::WriteCases(d)) => bound_to(d),
        (Role::Clerk, Access::WriteAnyCases) => true,
        (Role::Clerk | Role::Reviewer, Access::ReadCases) => true,
        (Role::Clerk | Role::Reviewer, Access::ReadBoundaries) => true,
        (Role::Clerk, Access::WriteAnyRecords) => true,
        (Role::Clerk | Role::Reviewer, Access::ReadSupervision) => true,
        (Role::Clerk | Role::Reviewer, Access::ReadRectification) => true,
        (Role::Clerk, Access::AnswerOrder(d) | Access::RequestReview(d)) => bound_to(d),
        (Role::Clerk, Access::UploadAttachment) => true,
        (Role::Reviewer, Access::ReadScores { .. }) => true,
        // A department sees its own scores once the office has published them.
        (
            Role::Clerk,
            Access::ReadScores {
                department,
                published,
            },
        ) => published && bound_to(department),
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
        Access::WriteCases(d) => {
            forbidden(actor, &format!("record workflow cases of department {d}"))
        }
        Access::WriteAnyCases => forbidden(actor, "record workflow cases"),
        Access::ReadCases => forbidden(actor, "read workflow cases"),
        Access::ReadBoundaries => forbidden(actor, "read boundary matters"),
        Access::WriteAnyStructure => forbidden(actor, "change department structure"),
        Access::WriteAnyRecords => forbidden(actor, "write performance records"),
        Access::WriteCalendar => forbidden(actor, "change the working-day calendar"),
        Access::RunSupervision => forbidden(actor, "run supervision rounds or publish schemes"),
        Access::ReadSupervision => forbidden(actor, "read supervision rounds and schemes"),
        Access::ReadRectification => forbidden(actor, "read findings and rectification orders"),
        Access::WriteComplaints => forbidden(actor, "record 12345 complaints"),
        Access::UploadAttachment => forbidden(actor, "upload attachments"),
        Access::AnswerOrder(d) => forbidden(
            actor,
            &format!("answer rectification orders of department {d}"),
        ),
        Access::RequestReview(d) => forbidden(
            actor,
            &format!("ask for a review on behalf of department {d}"),
        ),
        Access::ReadScores {
            department,
            published: false,
        } => forbidden(
            actor,
            &format!("read the scores of department {department} before they are published"),
        ),
        Access::ReadScores { department, .. } => forbidden(
            actor,
            &format!("read the scores of department {department}"),
        ),
    })
}

/// Whether the actor may raise a dispute about a matter on behalf of one of its parties, whose
/// department is `party_department` (`None`: the matter or the party is unknown). The
/// supervision office may always (the command then says whether the party exists); anyone else
/// only for a party of a department they are bound to.
pub fn authorize_dispute(
    actor: &Actor,
    party_department: Option<&CreditCode>,
) -> Result<(), AppError> {
    if authorize(actor, Access::WriteBoundary).is_ok() {
        return Ok(());
    }
    match party_department {
        Some(d) => authorize(actor, Access::DisputeBoundary(d)),
        None => Err(forbidden(actor, "dispute this matter")),
    }
}

/// Whether the actor may see something that concerns `departments` (at least one of them in
/// its scope), e.g. a boundary matter through its parties.
pub fn may_see_any<'a>(actor: &Actor, departments: impl IntoIterator<Item = &'a str>) -> bool {
    let scope = department_scope(actor);
    departments.into_iter().any(|d| scope.includes(d))
}

/// The departments a read may cover: the ones `asked` (`None`: no restriction), narrowed to
/// the actor's scope. `None` means every department; an actor limited to some departments gets
/// those when it asks for none, and `FORBIDDEN` (naming `what` and the department) when it asks
/// for one outside them.
pub fn narrow_departments(
    actor: &Actor,
    asked: Option<Vec<String>>,
    what: &str,
) -> Result<Option<Vec<String>>, AppError> {
    match (department_scope(actor), asked) {
        (Scope::All, asked) => Ok(asked),
        (Scope::Only(allowed), None) => Ok(Some(allowed.into_iter().map(String::from).collect())),
        (Scope::Only(allowed), Some(asked)) => {
            match asked
                .iter()
                .find(|d| !allowed.iter().any(|a| a.as_str() == d.as_str()))
            {
                Some(d) => Err(forbidden(actor, &format!("read {what} of department {d}"))),
                None => Ok(Some(asked)),
            }
        }
    }
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
                [
                    true, true, true, true, true, true, true, true, true, true, true, true,
                ],
            ),
            (
                Actor::new(Role::Clerk, "c", vec![own.clone()]),
                [
                    true, false, true, false, false, false, true, false, true, true, false, true,
                ],
            ),
            (
                Actor::new(Role::Reviewer, "r", vec![]),
                [
                    true, true, true, false, false, true, false, false, true, true, false, false,
                ],
            ),
            (
                Actor::new(Role::Integrator, "i", vec![]),
                [
                    false, false, false, false, false, true, false, false, false, false, false,
                    false,
                ],
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
                authorize(&actor, Access::ReadBoundaries).is_ok(),
                authorize(&actor, Access::WriteAnyStructure).is_ok(),
                authorize(&actor, Access::WriteAnyRecords).is_ok(),
            ];
            assert_eq!(got, expected, "{:?}", actor.role);
        }
    }

    #[test]
    fn supervision_matrix() {
        let own = code("00000001");
        let other = code("00000002");
        let scores = |d, published| Access::ReadScores {
            department: d,
            published,
        };
        // RunSupervision, ReadSupervision, own unpublished, own published, other unpublished,
        // other published, ReadRectification, answer own, answer other, review own, review other.
        for (actor, expected) in [
            (Actor::new(Role::Supervisor, "s", vec![]), [true; 11]),
            (Actor::system("cli"), [true; 11]),
            (
                Actor::new(Role::Clerk, "c", vec![own.clone()]),
                [
                    false, true, false, true, false, false, true, true, false, true, false,
                ],
            ),
            (
                Actor::new(Role::Reviewer, "r", vec![]),
                [
                    false, true, true, true, true, true, true, false, false, false, false,
                ],
            ),
            (Actor::new(Role::Integrator, "i", vec![]), [false; 11]),
        ] {
            let got = [
                authorize(&actor, Access::RunSupervision).is_ok(),
                authorize(&actor, Access::ReadSupervision).is_ok(),
                authorize(&actor, scores(&own, false)).is_ok(),
                authorize(&actor, scores(&own, true)).is_ok(),
                authorize(&actor, scores(&other, false)).is_ok(),
                authorize(&actor, scores(&other, true)).is_ok(),
                authorize(&actor, Access::ReadRectification).is_ok(),
                authorize(&actor, Access::AnswerOrder(&own)).is_ok(),
                authorize(&actor, Access::AnswerOrder(&other)).is_ok(),
                authorize(&actor, Access::RequestReview(&own)).is_ok(),
                authorize(&actor, Access::RequestReview(&other)).is_ok(),
            ];
            assert_eq!(got, expected, "{:?}", actor.role);
        }
    }

    #[test]
    fn only_the_supervision_office_and_the_system_write_the_calendar() {
        let own = code("00000001");
        for (actor, allowed) in [
            (Actor::new(Role::Supervisor, "s", vec![]), true),
            (Actor::system("cli"), true),
            (Actor::new(Role::Clerk, "c", vec![own]), false),
            (Actor::new(Role::Reviewer, "r", vec![]), false),
            (Actor::new(Role::Integrator, "i", vec![]), false),
        ] {
            assert_eq!(
                authorize(&actor, Access::WriteCalendar).is_ok(),
                allowed,
                "{:?}",
                actor.role
            );
        }
    }
}
