//! The duty-task list (职责任务清单) read model: every version of every department's structure
//! in valid time and transaction time (bitemporal), kept by the projector, and the queries the
//! API answers from it: the structure as of any point, the audit trail of any entity, and what
//! changed between two dates.
//!
//! Tables (see `migrations/0005_duty_list_bitemporal.sql`): [`VERSIONS`], [`TOUCHES`].

mod audit;
mod entities;
mod project;
mod query;

pub use audit::{changes, history, EntityChange, HistoryFilter, HistoryPage};
pub use entities::{diff, entities, parents, touched_by, Change, Key, Kind};
pub use project::{enum_text, DutyList, Tables};
pub use query::{
    department_level, departments, structure, AsOf, Coverage, DepartmentRow, DepartmentStructure,
    LimitRow, MainDutyRow, PostRow, PowerItemRow, TaskRow, UnitDutyRow, UnitRow,
};

/// The projection's name (its checkpoint).
pub const NAME: &str = "duty_list";
/// The checkpoint name of a rebuild into shadow tables.
pub const SHADOW_NAME: &str = "duty_list__rebuild";

/// Versions of entities, with `valid` and `known` ranges.
pub const VERSIONS: &str = "duty_list_versions";
/// Which events touched which entity.
pub const TOUCHES: &str = "duty_list_touches";
