//! The API's errors, mapped once to GraphQL errors with `extensions.code` (and, for refused
//! commands, `extensions.rule` naming the business rule). Internal details go to the log only.

use async_graphql::ErrorExtensions;
use dutyledger_domain::boundary::BoundaryError;
use dutyledger_domain::department::{DepartmentError, ErrorClass};
use dutyledger_domain::performance::{PerformanceError, RecordRejection};
use dutyledger_domain::values::ValueError;
use dutyledger_projections::event_log::CommandError;
use dutyledger_projections::performance::AmendError;
use dutyledger_projections::StoreError;

/// An error a client may see.
/// It deliberately does not implement `Display`: async-graphql converts anything `Display` into
/// an error without a code, and every error of ours must carry one (see the `From` impl below).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The input is malformed (`BAD_USER_INPUT`).
    BadInput {
        /// What is wrong.
        message: String,
        /// The input field, if one is to blame.
        field: Option<String>,
        /// The rule broken, for refused commands (e.g. `POST_BELONGS_TO_ANOTHER_UNIT`).
        rule: Option<&'static str>,
    },
    /// Something referred to does not exist (`NOT_FOUND`).
    NotFound {
        /// What was not found.
        message: String,
        /// The rule, e.g. `UNIT_NOT_FOUND`.
        rule: Option<&'static str>,
    },
    /// The current state does not allow the change (`CONFLICT`).
    Conflict {
        /// Why.
        message: String,
        /// The rule broken, e.g. `UNIT_HOLDS_POSTS`.
        rule: &'static str,
        /// For `BREAKS_LATER_HISTORY`: the later event that would break
        /// (`{eventType, effectiveAt, rule}`).
        breaks: Option<serde_json::Value>,
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

impl ApiError {
    /// The message shown to the client.
    pub fn message(&self) -> String {
        match self {
            ApiError::BadInput { message, .. }
            | ApiError::NotFound { message, .. }
            | ApiError::Conflict { message, .. } => message.clone(),
            ApiError::Forbidden(m) | ApiError::Unauthenticated(m) => m.clone(),
            ApiError::Internal { request_id } => format!("internal error (request {request_id})"),
        }
    }

    /// The `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadInput { .. } => "BAD_USER_INPUT",
            ApiError::NotFound { .. } => "NOT_FOUND",
            ApiError::Conflict { .. } => "CONFLICT",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::Internal { .. } => "INTERNAL",
        }
    }

    /// A bad-input error for a field.
    pub fn bad_input(field: &str, error: impl std::fmt::Display) -> Self {
        ApiError::BadInput {
            message: format!("{field}: {error}"),
            field: Some(field.to_owned()),
            rule: None,
        }
    }

    /// Logs a storage failure and hides it behind an internal error.
    pub fn internal(error: &dyn std::fmt::Display, request_id: &str) -> Self {
        tracing::error!(%error, request_id, "internal error");
        ApiError::Internal {
            request_id: request_id.to_owned(),
        }
    }

    /// Maps a storage error (conflicts stay conflicts; the rest is internal).
    pub fn from_store(error: StoreError, request_id: &str) -> Self {
        match error {
            StoreError::Conflict => ApiError::Conflict {
                message: error.to_string(),
                rule: "CONCURRENT_MODIFICATION",
                breaks: None,
            },
            StoreError::InvalidCursor => ApiError::BadInput {
                message: "invalid cursor".into(),
                field: Some("after".into()),
                rule: None,
            },
            other => ApiError::internal(&other, request_id),
        }
    }

    /// Maps a refused or failed department command.
    pub fn from_department(error: CommandError<DepartmentError>, request_id: &str) -> Self {
        match error {
            CommandError::Rejected(e) => e.into(),
            CommandError::Store(e) => ApiError::from_store(e, request_id),
        }
    }
}

/// A domain refusal: its class, its rule, and the later event it would break, if any.
pub trait Refusal: std::error::Error {
    /// The broad class.
    fn class(&self) -> ErrorClass;
    /// The rule broken.
    fn rule(&self) -> &'static str;
    /// For `BREAKS_LATER_HISTORY`: `{eventType, effectiveAt, rule}`.
    fn breaks(&self) -> Option<serde_json::Value>;
}

impl Refusal for DepartmentError {
    fn class(&self) -> ErrorClass {
        DepartmentError::class(self)
    }
    fn rule(&self) -> &'static str {
        DepartmentError::rule(self)
    }
    fn breaks(&self) -> Option<serde_json::Value> {
        match self {
            DepartmentError::BreaksLaterHistory {
                event_type,
                effective_at,
                cause,
            } => Some(serde_json::json!({
                "eventType": event_type,
                "effectiveAt": effective_at.to_rfc3339(),
                "rule": cause.rule(),
            })),
            _ => None,
        }
    }
}

impl Refusal for BoundaryError {
    fn class(&self) -> ErrorClass {
        BoundaryError::class(self)
    }
    fn rule(&self) -> &'static str {
        BoundaryError::rule(self)
    }
    fn breaks(&self) -> Option<serde_json::Value> {
        match self {
            BoundaryError::BreaksLaterHistory {
                event_type,
                effective_at,
                cause,
            } => Some(serde_json::json!({
                "eventType": event_type,
                "effectiveAt": effective_at.to_rfc3339(),
                "rule": cause.rule(),
            })),
            _ => None,
        }
    }
}

impl ApiError {
    /// Maps a refusal.
    pub fn refused<E: Refusal>(e: &E) -> Self {
        let message = e.to_string();
        match e.class() {
            ErrorClass::NotFound => ApiError::NotFound {
                message,
                rule: Some(e.rule()),
            },
            ErrorClass::Conflict => ApiError::Conflict {
                message,
                rule: e.rule(),
                breaks: e.breaks(),
            },
            ErrorClass::Invalid => ApiError::BadInput {
                message,
                field: None,
                rule: Some(e.rule()),
            },
        }
    }

    /// Maps a refused or failed command of any aggregate.
    pub fn from_command<E: Refusal>(error: CommandError<E>, request_id: &str) -> Self {
        match error {
            CommandError::Rejected(e) => ApiError::refused(&e),
            CommandError::Store(e) => ApiError::from_store(e, request_id),
        }
    }
}

impl Refusal for PerformanceError {
    fn class(&self) -> ErrorClass {
        PerformanceError::class(self)
    }
    fn rule(&self) -> &'static str {
        PerformanceError::rule(self)
    }
    fn breaks(&self) -> Option<serde_json::Value> {
        None
    }
}

impl Refusal for RecordRejection {
    fn class(&self) -> ErrorClass {
        RecordRejection::class(self)
    }
    fn rule(&self) -> &'static str {
        self.code()
    }
    fn breaks(&self) -> Option<serde_json::Value> {
        None
    }
}

impl ApiError {
    /// Maps a refused or failed correction or void of a performance record.
    pub fn from_amend(error: AmendError, request_id: &str) -> Self {
        match error {
            AmendError::Rejected(e) => ApiError::refused(&e),
            AmendError::Command(e) => ApiError::from_command(e, request_id),
        }
    }
}

impl From<DepartmentError> for ApiError {
    fn from(e: DepartmentError) -> Self {
        let message = e.to_string();
        match e.class() {
            ErrorClass::NotFound => ApiError::NotFound {
                message,
                rule: Some(e.rule()),
            },
            ErrorClass::Conflict => ApiError::Conflict {
                message,
                rule: e.rule(),
                breaks: match &e {
                    DepartmentError::BreaksLaterHistory {
                        event_type,
                        effective_at,
                        cause,
                    } => Some(serde_json::json!({
                        "eventType": event_type,
                        "effectiveAt": effective_at.to_rfc3339(),
                        "rule": cause.rule(),
                    })),
                    _ => None,
                },
            },
            ErrorClass::Invalid => ApiError::BadInput {
                message,
                field: None,
                rule: Some(e.rule()),
            },
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        let code = e.code();
        async_graphql::Error::new(e.message()).extend_with(|_, ext| {
            ext.set("code", code);
            match &e {
                ApiError::BadInput { field, rule, .. } => {
                    if let Some(field) = field {
                        ext.set("field", field.as_str());
                    }
                    if let Some(rule) = rule {
                        ext.set("rule", *rule);
                    }
                }
                ApiError::Conflict { rule, breaks, .. } => {
                    ext.set("rule", *rule);
                    if let Some(b) = breaks {
                        if let Ok(v) = async_graphql::Value::from_json(b.clone()) {
                            ext.set("breaks", v);
                        }
                    }
                }
                ApiError::NotFound {
                    rule: Some(rule), ..
                } => ext.set("rule", *rule),
                _ => {}
            }
        })
    }
}

/// Parses a field with a value-type parser, naming the field in the error.
pub fn parse_field<T>(field: &str, result: Result<T, ValueError>) -> Result<T, ApiError> {
    result.map_err(|e| ApiError::bad_input(field, e))
}
