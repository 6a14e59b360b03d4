//! Supervision (rounds, schemes, findings, rectification orders): measuring the data sources an indicator scheme names, per department, as of a
//! point in both times ([`measure`]), and reading schemes and rounds as of a point in both times
//! ([`read`]).
//!
//! Schemes, rounds, findings and orders have no read model of their own: their streams are short
//! (a scheme has a few versions; a round a plan, a handful of stages, one event per department
//! scored and the adjustments; an order a handful of answers), so a read folds exactly the events
//! recorded by `knownAt` and effective by `validAt` with the domain's own `evolve`, like the
//! calendar (ADR 0014); a department's findings and orders are found through the departments
//! each event concerns (ADR 0010).

pub mod measure;
pub mod read;

pub use measure::{measure, Measurement, Period};
pub use read::{
    complaint_stats, complaint_tickets, load_round, load_scheme, load_stream, round_ids,
    scheme_ids, stream_ids, RoundAt, StageEntry, StreamAt,
};
