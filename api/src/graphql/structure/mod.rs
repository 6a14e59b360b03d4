//! The duty-task list area: departments and their 三定 structure (queries), and one mutation
//! per department command.

pub(crate) mod inputs;
pub(crate) mod mutation;
mod query;
pub mod types;

pub use mutation::StructureMutation;
pub use query::StructureQuery;
