//! The supervision area (职能运行监管): indicator schemes (versioned trees of core,
//! corroborating and negative indicators), supervision rounds through their stages
//! (安排部署 → 线上分析 → 实地核验 → 整体评估 → 整改落实), and the scores: per department, per
//! indicator, with the rule applied and the evidence (`scoreExplanation`), ranked in the round
//! and by department class, and compared with the round before. Every query takes `asOf`.
//!
//! - [`types`]: the output types.
//! - [`inputs`]: the input objects and their parsing into domain values.
//! - [`query`]: `schemes`, `scheme`, `rounds`, `round`, `scores`, `ranking`, `scoreExplanation`.
//! - [`mutation`]: `publishScheme`, `planRound`, `advanceRound`, `scoreRound`, `adjustScore`,
//!   through the application layer.

pub mod inputs;
pub mod mutation;
pub mod query;
pub mod types;

pub use mutation::SupervisionMutation;
pub use query::SupervisionQuery;
