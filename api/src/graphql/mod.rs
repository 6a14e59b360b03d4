//! The GraphQL schema: one module per area, merged here. Queries only read projections;
//! mutations only execute commands.

pub mod error;
pub mod structure;

use async_graphql::{EmptySubscription, MergedObject, Schema};

use crate::app::AppState;

/// All queries.
#[derive(MergedObject, Default, Debug)]
pub struct Query(structure::StructureQuery);

/// All mutations.
#[derive(MergedObject, Default, Debug)]
pub struct Mutation(structure::StructureMutation);

/// The schema type.
pub type DutySchema = Schema<Query, Mutation, EmptySubscription>;

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
            complexity: 20_000,
        }
    }
}

/// Builds the schema, used by the server and the tests alike.
pub fn build_schema(state: AppState, limits: Limits) -> DutySchema {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .data(state)
        .limit_depth(limits.depth)
        .limit_complexity(limits.complexity)
        .finish()
}
