//! The application layer: the one path between every transport or loader (GraphQL, the socket,
//! `seed`, the importers, the CLI) and the event store. Nothing here knows GraphQL.
//!
//! - [`commands`]: [`Commands::execute`], one generic command path for every aggregate (policy,
//!   cross-aggregate checks, execution at the effective time, read-your-writes wait), and the
//!   batch path of performance records; [`Executable`], what an aggregate provides to it.
//! - [`aggregates`]: the [`Executable`] impl of each aggregate.
//! - [`complaints`]: 12345 tickets (idempotent by number), their figures per department and
//!   period, and the key supervision flags they raise.
//! - [`checks`]: the rules that span aggregates (e.g. a boundary matter's parties exist).
//! - [`supervision`]: planning and scoring supervision rounds (the scheme version, the
//!   departments, the sources measured as of `knownAt`) and reading scores with the policy.
//! - [`rectification`]: findings (raised, proposed from the data), rectification orders (due
//!   dates in working days), formal reviews of findings and scores, and their reads.
//! - [`policy`]: the access policy, the only place that decides who may read or write what.
//! - [`error`]: [`AppError`], transport-neutral; domain refusals stay typed in it.

pub mod aggregates;
pub mod checks;
pub mod commands;
pub mod complaints;
pub mod error;
pub mod policy;
pub mod rectification;
pub mod supervision;

pub use commands::{CommandOutcome, Commands, Executable, ReadModels, When};
pub use error::{parse_field, AppError, ErrorCode};
