//! The application's errors, transport-neutral: what went wrong, in classes a client can act
//! on. A domain refusal stays typed ([`AppError::Refused`]) until a transport shows it, so that
//! loaders (seed, imports) ask it questions ([`Refusal::already_done`]) instead of matching
//! rule strings. Internal details go to the log only, never into an error.

use std::sync::Arc;

use dutyledger_domain::refusal::{ErrorClass, LaterFact, Refusal};
use dutyledger_domain::values::ValueError;
use dutyledger_projections::event_log::CommandError;
use dutyledger_projections::performance::AmendError;
use dutyledger_projections::StoreError;

/// The classes of error, each one code at every transport (`extensions.code` in GraphQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// `BAD_USER_INPUT`: the input is malformed or breaks a rule whatever the state.
    BadUserInput,
    /// `NOT_FOUND`: something referred to does not exist.
    NotFound,
    /// `CONFLICT`: the current state does not allow the change.
    Conflict,
    /// `FORBIDDEN`: the actor may not do this.
    Forbidden,
    /// `UNAUTHENTICATED`: no valid credentials.
    Unauthenticated,
    /// `INTERNAL`: something failed on our side.
    Internal,
}

impl ErrorCode {
    /// The code's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<ErrorClass> for ErrorCode {
    fn from(class: ErrorClass) -> Self {
        match class {
            ErrorClass::NotFound => ErrorCode::NotFound,
            ErrorClass::Conflict => ErrorCode::Conflict,
            ErrorClass::Invalid => ErrorCode::BadUserInput,
        }
    }
}

/// An error a client may see.
///
/// It deliberately does not implement `Display`: async-graphql converts anything `Display` into
/// an error without a code, and every error of ours must carry one.
#[derive(Debug, Clone)]
pub enum AppError {
    /// The input is malformed (`BAD_USER_INPUT`).
    BadInput {
        /// What is wrong.
        message: String,
        /// The input field, if one is to blame.
        field: Option<String>,
        /// The rule broken, if one is named.
        rule: Option<&'static str>,
    },
    /// Something referred to does not exist (`NOT_FOUND`).
    NotFound {
        /// What was not found.
        message: String,
        /// The rule, e.g. `MATTER_NOT_FOUND`.
        rule: Option<&'static str>,
    },
    /// The current state does not allow the change (`CONFLICT`), outside any aggregate's rules
    /// (e.g. a concurrent modification).
    Conflict {
        /// Why.
        message: String,
        /// The rule broken.
        rule: &'static str,
    },
    /// A command refused by its aggregate's rules, typed.
    Refused {
        /// The refusal.
        refusal: Arc<dyn Refusal>,
        /// The input field to blame, if the transport knows it.
        field: Option<String>,
    },
    /// The actor may not do this (`FORBIDDEN`).
    Forbidden(String),
    /// No valid credentials (`UNAUTHENTICATED`).
    Unauthenticated(String),
    /// Something failed on our side (`INTERNAL`); the details are in the log.
    Internal {
        /// The request id to quote when reporting it.
        request_id: String,
    },
}

impl PartialEq for AppError {
    fn eq(&self, other: &Self) -> bool {
        self.code() == other.code()
            && self.rule() == other.rule()
            && self.message() == other.message()
    }
}

impl AppError {
    /// The message shown to the client.
    pub fn message(&self) -> String {
        match self {
            AppError::BadInput { message, .. }
            | AppError::NotFound { message, .. }
            | AppError::Conflict { message, .. } => message.clone(),
            AppError::Refused { refusal, .. } => refusal.to_string(),
            AppError::Forbidden(m) | AppError::Unauthenticated(m) => m.clone(),
            AppError::Internal { request_id } => format!("internal error (request {request_id})"),
        }
    }

    /// The class of the error.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::BadInput { .. } => ErrorCode::BadUserInput,
            AppError::NotFound { .. } => ErrorCode::NotFound,
            AppError::Conflict { .. } => ErrorCode::Conflict,
            AppError::Refused { refusal, .. } => refusal.class().into(),
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::Internal { .. } => ErrorCode::Internal,
        }
    }

    /// The rule broken, if one is named.
    pub fn rule(&self) -> Option<&'static str> {
        match self {
            AppError::BadInput { rule, .. } | AppError::NotFound { rule, .. } => *rule,
            AppError::Conflict { rule, .. } => Some(rule),
            AppError::Refused { refusal, .. } => Some(refusal.rule()),
            _ => None,
        }
    }

    /// The input field to blame, if known.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::BadInput { field, .. } | AppError::Refused { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// For a backdated command that a later recorded event forbids: that event.
    pub fn breaks(&self) -> Option<LaterFact> {
        match self {
            AppError::Refused { refusal, .. } => refusal.breaks(),
            _ => None,
        }
    }

    /// Whether this is a refusal saying that what was asked is already in place (a re-run).
    pub fn already_done(&self) -> bool {
        matches!(self, AppError::Refused { refusal, .. } if refusal.already_done())
    }

    /// A bad-input error for a field.
    pub fn bad_input(field: &str, error: impl std::fmt::Display) -> Self {
        AppError::BadInput {
            message: format!("{field}: {error}"),
            field: Some(field.to_owned()),
            rule: None,
        }
    }

    /// A domain refusal.
    pub fn refused(refusal: impl Refusal) -> Self {
        AppError::Refused {
            refusal: Arc::new(refusal),
            field: None,
        }
    }

    /// Names the input field to blame (for refusals and bad input).
    pub fn with_field(mut self, name: String) -> Self {
        match &mut self {
            AppError::BadInput { field, .. } | AppError::Refused { field, .. } => {
                *field = Some(name)
            }
            _ => {}
        }
        self
    }

    /// Logs a failure on our side and hides it behind an internal error.
    pub fn internal(error: &dyn std::fmt::Display, request_id: &str) -> Self {
        tracing::error!(%error, request_id, "internal error");
        AppError::Internal {
            request_id: request_id.to_owned(),
        }
    }

    /// Maps a storage error (conflicts stay conflicts; the rest is internal).
    pub fn from_store(error: StoreError, request_id: &str) -> Self {
        match error {
            StoreError::Conflict => AppError::Conflict {
                message: error.to_string(),
                rule: "CONCURRENT_MODIFICATION",
            },
            StoreError::CommandIdReused(_) => AppError::Conflict {
                message: error.to_string(),
                rule: "COMMAND_ID_REUSED",
            },
            StoreError::InvalidCursor => AppError::BadInput {
                message: "invalid cursor".into(),
                field: Some("after".into()),
                rule: None,
            },
            other => AppError::internal(&other, request_id),
        }
    }

    /// Maps a refused or failed command of any aggregate.
    pub fn from_command<E: Refusal>(error: CommandError<E>, request_id: &str) -> Self {
        match error {
            CommandError::Rejected(e) => AppError::refused(e),
            CommandError::Store(e) => AppError::from_store(e, request_id),
        }
    }

    /// Maps a refused or failed correction or void of a performance record.
    pub fn from_amend(error: AmendError, request_id: &str) -> Self {
        match error {
            AmendError::Rejected(e) => AppError::refused(e),
            AmendError::Command(e) => AppError::from_command(e, request_id),
        }
    }
}

/// Parses a field with a value-type parser, naming the field in the error.
pub fn parse_field<T>(field: &str, result: Result<T, ValueError>) -> Result<T, AppError> {
    result.map_err(|e| AppError::BadInput {
        message: format!("{field}: {e}"),
        field: Some(field.to_owned()),
        rule: Some(e.rule()),
    })
}
