//! The duty-task list (职责任务清单) read model: every department's active structure, kept
//! current by the projector, and the queries the API answers from it.
//!
//! Tables (see `migrations/0003_duty_list.sql`): [`DEPARTMENTS`], [`MAIN_DUTIES`], [`UNITS`],
//! [`UNIT_DUTIES`], [`TASKS`], [`POSTS`], [`ASSIGNMENTS`].

mod project;
mod query;

pub use project::DutyList;
pub use query::{
    department, departments, structure, Coverage, DepartmentRow, DepartmentStructure, MainDutyRow,
    PostRow, TaskRow, UnitDutyRow, UnitRow,
};

/// Departments.
pub const DEPARTMENTS: &str = "duty_list_departments";
/// Main duties.
pub const MAIN_DUTIES: &str = "duty_list_main_duties";
/// Internal units.
pub const UNITS: &str = "duty_list_units";
/// Unit duties.
pub const UNIT_DUTIES: &str = "duty_list_unit_duties";
/// Work tasks.
pub const TASKS: &str = "duty_list_tasks";
/// Posts.
pub const POSTS: &str = "duty_list_posts";
/// Which post holds which task.
pub const ASSIGNMENTS: &str = "duty_list_assignments";
