//! The GraphQL schema: one module per area, merged here. Queries only read projections;
//! mutations only execute commands.

pub mod audit;
pub mod boundary;
pub mod calendar;
pub mod cases;
pub mod complaints;
pub mod error;
pub mod event;
pub mod feed;
pub mod kit;
pub mod performance;
pub mod rectification;
pub mod structure;
pub mod supervision;
pub mod time;
pub mod workflow;

use async_graphql::{MergedObject, MergedSubscription, Schema, ServerError, Value};

use crate::app::AppState;

/// All queries.
#[derive(MergedObject, Default, Debug)]
pub struct Query(
    structure::StructureQuery,
    audit::AuditQuery,
    feed::FeedQuery,
    structure::PowerQuery,
    boundary::BoundaryQuery,
    calendar::CalendarQuery,
    performance::PerformanceQuery,
    cases::CasesQuery,
    cases::variants::CaseVariantsQuery,
    workflow::WorkflowQuery,
    supervision::SupervisionQuery,
    rectification::RectificationQuery,
    complaints::ComplaintsQuery,
);

/// All mutations.
#[derive(MergedObject, Default, Debug)]
pub struct Mutation(
    structure::StructureMutation,
    structure::PowerMutation,
    boundary::BoundaryMutation,
    calendar::CalendarMutation,
    performance::PerformanceMutation,
    cases::CasesMutation,
    workflow::WorkflowMutation,
    supervision::SupervisionMutation,
    rectification::RectificationMutation,
    complaints::ComplaintsMutation,
);

/// All subscriptions.
#[derive(MergedSubscription, Default, Debug)]
pub struct Subscription(feed::FeedSubscription);

/// The schema type.
pub type DutySchema = Schema<Query, Mutation, Subscription>;

/// Limits on every request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest selection nesting allowed.
    pub depth: usize,
    /// Highest complexity (fields counted) allowed.
    pub complexity: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            depth: 12,
            complexity: 5_000,
        }
    }
}

/// Builds the schema, used by the server and the tests alike.
pub fn build_schema(state: AppState, limits: Limits) -> DutySchema {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .data(state)
    .limit_depth(limits.depth)
    .limit_complexity(limits.complexity)
    .finish()
}

/// Executes a request and gives every error an `extensions.code` (errors raised by the parser
/// and the validator carry none of their own). The server and the tests both execute through
/// this function.
pub async fn execute(
    schema: &DutySchema,
    request: async_graphql::Request,
) -> async_graphql::Response {
    let mut response = schema.execute(request).await;
    let request_error = matches!(response.data, Value::Null) && !response.errors.is_empty();
    for error in &mut response.errors {
        add_code(error, request_error);
    }
    response
}

/// Gives every error an `extensions.code`: errors raised by the parser and the validator carry
/// none of their own.
pub fn add_code(error: &mut ServerError, request_error: bool) {
    let has_code = error
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some());
    if has_code {
        return;
    }
    let code = if error.message == "Query is nested too deep." {
        "QUERY_TOO_DEEP"
    } else if error.message == "Query is too complex." {
        "QUERY_TOO_COMPLEX"
    } else if error.message.starts_with("Parse error")
        || error.message.contains("expected") && request_error
    {
        "GRAPHQL_PARSE_FAILED"
    } else if error.message.starts_with("Failed to parse")
        || error.message.starts_with("Invalid value")
        || error.message.starts_with("Expected input type")
    {
        // A variable or argument value that does not fit its type.
        "BAD_USER_INPUT"
    } else if request_error || error.path.is_empty() {
        "GRAPHQL_VALIDATION_FAILED"
    } else {
        "INTERNAL"
    };
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
}
