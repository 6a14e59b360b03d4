//! Who may do what.
//!
//! - [`token`]: bearer tokens (JWT: HS256 with a shared secret, or RS256 / EdDSA with a public
//!   key), verified into an [`Actor`]; issuing tokens for operators.
//! - who may do what is decided by the access policy of the application layer,
//!   [`crate::service::policy`].
//!
//! Roles: `supervisor` (the establishment office: writes structure, lists, rulings,
//! supervision; reads everything), `clerk` (bound to one department: records its performance,
//! answers its rectification orders, reads its own department), `reviewer` (reads everything,
//! writes nothing), `integrator` (reads the event feed, optionally limited to departments).

pub mod token;

use std::fmt;

use dutyledger_domain::values::CreditCode;

/// A role a token can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// 编办: the supervision office.
    Supervisor,
    /// A department's clerk.
    Clerk,
    /// Reads everything, writes nothing.
    Reviewer,
    /// Reads the event feed.
    Integrator,
    /// The system itself (CLI seeding, imports). Never accepted from a token.
    System,
}

impl Role {
    /// The role's name, as in tokens and in actor ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Supervisor => "supervisor",
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Integrator => "integrator",
            Role::System => "system",
        }
    }

    /// Parses a role a token may carry (`system` is not one of them).
    pub fn from_token(name: &str) -> Option<Role> {
        match name {
            "supervisor" => Some(Role::Supervisor),
            "clerk" => Some(Role::Clerk),
            "reviewer" => Some(Role::Reviewer),
            "integrator" => Some(Role::Integrator),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authenticated actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Who (the token's `sub`).
    pub subject: String,
    /// Their role.
    pub role: Role,
    /// The departments the actor is bound to: exactly one for a clerk; for an integrator the
    /// departments its feed is limited to (empty: all); empty for the other roles.
    pub departments: Vec<CreditCode>,
    /// The token's id (`jti`), if the actor came from a token.
    pub token_id: Option<String>,
    /// When the token expires (seconds since the epoch), if the actor came from a token.
    pub expires_at: Option<i64>,
}

impl Actor {
    /// An actor without a token (the CLI).
    pub fn system(subject: &str) -> Self {
        Self {
            subject: subject.to_owned(),
            role: Role::System,
            departments: Vec::new(),
            token_id: None,
            expires_at: None,
        }
    }

    /// A supervisor (tests, tools).
    pub fn supervisor(subject: &str) -> Self {
        Self {
            subject: subject.to_owned(),
            role: Role::Supervisor,
            departments: Vec::new(),
            token_id: None,
            expires_at: None,
        }
    }

    /// An actor of any role bound to `departments` (tests, tools).
    pub fn new(role: Role, subject: &str, departments: Vec<CreditCode>) -> Self {
        Self {
            subject: subject.to_owned(),
            role,
            departments,
            token_id: None,
            expires_at: None,
        }
    }

    /// The id recorded in event metadata: `role:subject`.
    pub fn id(&self) -> String {
        format!("{}:{}", self.role, self.subject)
    }
}
