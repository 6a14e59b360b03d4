//! The dutyledger domain: aggregates, commands, events, value types and business rules.
//!
//! Pure: no SQL, no HTTP, no GraphQL. Everything here can be tested without a database.
//!
//! - [`values`]: value types that parse their input (credit codes, division codes, ids, names).
//! - [`boundary`]: the boundary matter aggregate (职责边界事项: parties, rulings per stage,
//!   disputes).
//! - [`calendar`]: the working-day calendar (工作日历: holidays and make-up working days loaded
//!   per year) and working-day arithmetic in Beijing dates.
//! - [`case`]: workflow cases (办件): one stream per case running through a pinned chart
//!   version, step by step, with clock stops, extensions, returns for correction and closing;
//!   each event settles its durations and deadlines on the working-day calendar.
//! - [`complaint`]: 12345 hotline tickets (received, resolved; idempotent by ticket number).
//! - [`concerns`]: which departments an event concerns (DESIGN.md rule 8), said by each
//!   aggregate's state and recorded with every event.
//! - [`department`]: the department aggregate (三定: main duties, units, unit duties, tasks,
//!   posts, staffing).
//! - [`finding`]: the finding aggregate (监管发现: 越位, 缺位, 错位, gaps; raised or proposed from the
//!   data, confirmed, dismissed, reviewed).
//! - [`rectification`]: the rectification order aggregate (整改: due in working days, answered,
//!   returned, accepted, extended; overdue).
//! - [`review`]: formal review (复核) requests and decisions, shared by findings and rounds.
//! - [`metadata`]: the keys every event's metadata carries (actor, request id, reason, effective
//!   time).
//! - [`performance`]: performance records (履职数据): parsing, the rules against the structure in
//!   force on the day, and the record stream (recorded, corrected, voided).
//! - [`power`]: the power list's value types (kinds with their codes, time-limit rules).
//! - [`round`]: the supervision round aggregate (监管轮次: mode, scope, stages 安排部署 to 整改落实,
//!   scores computed from the data as known at a stated time, adjusted, published).
//! - [`scheme`]: the indicator scheme aggregate (监管指标体系: versioned trees of core,
//!   corroborating and negative indicators with weights per department class and leaf rules over
//!   named data sources), and how a measurement becomes points.
//! - [`refusal`]: what every refused command has in common (class, rule, the later fact it
//!   would break), implemented by each aggregate's error.
//! - [`workflow`]: the workflow chart aggregate (工作流程图): versions of a task's steps,
//!   sub-steps, materials, time limits and sign-off levels; re-engineering figures.
//! - [`timeline`]: valid time: folding in `(effective_at, sequence)` order and deciding a
//!   command at a point in history.

pub mod boundary;
pub mod calendar;
pub mod case;
pub mod complaint;
pub mod concerns;
pub mod department;
pub mod finding;
pub mod metadata;
pub mod performance;
pub mod power;
pub mod rectification;
pub mod refusal;
pub mod review;
pub mod round;
pub mod scheme;
pub mod timeline;
pub mod values;
pub mod workflow;
