//! Supervision: measuring the data sources an indicator scheme names, per department, as of a
//! point in both times ([`measure`]), and reading schemes and rounds as of a point in both times
//! ([`read`]).
//!
//! Schemes and rounds have no read model of their own: their streams are short (a scheme has a
//! few versions; a round a plan, a handful of stages, one event per department scored and the
//! adjustments), so a read folds exactly the events recorded by `knownAt` and effective by
//! `validAt` with the domain's own `evolve`, like the calendar (ADR 0014).

pub mod measure;
pub mod read;

pub use measure::{measure, Measurement, Period};
pub use read::{load_round, load_scheme, round_ids, scheme_ids, RoundAt, StageEntry};
