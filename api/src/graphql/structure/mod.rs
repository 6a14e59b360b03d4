//! The duty-task list area: departments and their 三定 structure (queries), and one mutation
//! per department command; the power list (权责清单), whose items are department commands too
//! (ADR 0007), in [`power`].

pub(crate) mod inputs;
pub(crate) mod mutation;
pub mod power;
mod query;
pub mod types;

pub use mutation::StructureMutation;
pub use power::{PowerMutation, PowerQuery};
pub use query::StructureQuery;
