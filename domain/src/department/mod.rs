//! The department (部门) aggregate: one stream per department, keyed by its unified social
//! credit code, holding its 三定 structure.
//!
//! What it holds: the department's profile and staffing (编制), its main duties (主要职责), its
//! internal units (内设机构, 科室) with their staffing, the unit duties (内设机构职责) derived from
//! main duties, the work tasks (工作任务) split from unit duties, the posts (岗位) of each unit
//! and which posts hold which tasks.
//!
//! Invariants, checked by [`Department`]'s command handler before any event is written:
//! - a department is established once, with a division code whose level matches its own;
//! - ids are unique per kind inside a department and never reused, even after the entity ends;
//! - active unit names are unique inside a department;
//! - a unit duty derives from an active main duty and lives in an active unit;
//! - a task is split from an active unit duty; a task with any risk flag states its scope,
//!   procedure, time limit and standard;
//! - a task is held only by posts of the unit that holds its unit duty;
//! - a main duty can be revoked only when no unit duty derives from it, a unit duty only when it
//!   has no task, a post abolished only when it holds no task, a unit abolished only when it holds
//!   no duty and no post;
//! - merging unit A into B moves A's unit duties (with their tasks and assignments), posts and
//!   staffing to B, and A ends; transferring a unit duty moves its tasks and ends their
//!   assignments; retiring a task ends its assignments;
//! - the units' staffing never adds up to more than the department's, once that is set.
//!
//! Events ([`DepartmentEvent`]) name what happened and carry every resulting fact the read
//! models need (moved ids, ended assignments), so projections never re-derive these rules.

mod aggregate;
mod command;
mod error;
mod event;
#[cfg(test)]
mod tests;

pub use aggregate::{Department, Profile, TaskView};
pub use command::{Change, DepartmentCommand, RiskFlags, TaskDetails, TaskPatch};
pub use error::{DepartmentError, ErrorClass};
pub use event::{Assignment, DepartmentEvent};
