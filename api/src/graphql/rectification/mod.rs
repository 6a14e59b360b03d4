//! The rectification area (整改): findings raised in supervision (or proposed from the data and
//! confirmed), rectification orders with due dates in working days, answered by the
//! department's clerk, returned or accepted by the office, and formal reviews (复核) of
//! findings. Reviews of scores are round commands (the supervision area). Every query takes
//! `asOf`: "which orders were open and overdue on that day, as known then" is one query.
//!
//! - [`types`]: the output types.
//! - [`inputs`]: the input objects and their parsing into domain values.
//! - [`query`]: `findings`, `finding`, `rectificationOrders`, `rectificationOrder`.
//! - [`mutation`]: `raiseFinding`, `proposeFindings`, `confirmFinding`, `dismissFinding`,
//!   `requestFindingReview`, `decideFindingReview`, `issueRectificationOrder`,
//!   `answerRectificationOrder`, `returnRectificationOrder`, `acceptRectificationOrder`,
//!   `extendRectificationOrder`.

pub mod inputs;
pub mod mutation;
pub mod query;
pub mod types;

pub use mutation::RectificationMutation;
pub use query::RectificationQuery;
