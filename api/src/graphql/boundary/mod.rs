//! The boundary list area (职责边界清单): boundary matters between departments, sections or
//! levels; rulings that name one lead and any cooperating parties per stage; disputes. All
//! queries take `asOf`.
//!
//! - [`types`]: the output types (matters, rulings, stages, disputes).
//! - [`query`]: the queries, read from the boundary-list projection.
//! - [`inputs`]: the input objects and their parsing into domain commands.
//! - [`mutation`]: one mutation per boundary command, through the application layer.

pub mod inputs;
pub mod mutation;
pub mod query;
pub mod types;

pub use mutation::BoundaryMutation;
pub use query::BoundaryQuery;
