//! The boundary list (职责边界清单) read model: every version of every boundary matter in valid
//! time and transaction time, and the queries the API answers from it (a matter, a
//! department's boundary list, matters without a ruling, open disputes), all as of any point.
//!
//! Table (see `migrations/0006_boundary_list.sql`): [`VERSIONS`].

mod project;
mod query;
mod view;

pub use project::BoundaryList;
pub use query::{matter, matters_of_department, open_disputes, unruled};
pub use view::{DisputeView, MatterView, PartyView, RoleView, RulingView, StageView};

/// The projection's name (its checkpoint).
pub const NAME: &str = "boundary_list";
/// Versions of matters.
pub const VERSIONS: &str = "boundary_versions";
