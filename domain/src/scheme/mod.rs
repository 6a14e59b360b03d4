//! The indicator scheme (监管指标体系) aggregate: the yardstick a supervision round scores
//! departments with, kept as versioned data because schemes change from year to year.
//!
//! One stream per scheme (its id, e.g. `linyi-2023`); each publication is a new version, and a
//! round pins the version it scores with (and keeps a copy of it, so that a published score can
//! always be explained from the round's own events). A scheme is a tree of indicators:
//! - each indicator has a kind: core (核心), corroborating (印证) or negative (负面);
//! - a weight (the most points it can give; for a negative indicator, the most it can take
//!   away), optionally per department class (the scheme lists its classes, e.g. Linyi's three);
//! - the weights of a parent's core and corroborating children sum to the parent's, per class;
//!   the core and corroborating top-level indicators sum to the scheme's total. Negative
//!   indicators are deductions beside those sums (a negative leaf under a core parent can take
//!   its points below zero, never above its weight); everything under a negative indicator is
//!   negative, and a negative parent's children sum to its weight;
//! - a leaf has a [`Rule`] over a named data source ([`Source`]): a ratio mapped to points
//!   (linearly or by thresholds), a deduction or a bonus per occurrence with a cap, or manual
//!   scoring by a supervisor with a written basis.
//!
//! Invariants are checked by [`SchemeDefinition::validate`] before any event is written.
//! Publishing content identical to the latest version creates no new version.
//!
//! Events: `SchemeVersionPublished {version, definition}`.

mod aggregate;
mod command;
mod definition;
mod error;
mod event;
mod rule;
#[cfg(test)]
mod tests;

pub use aggregate::IndicatorScheme;
pub use command::SchemeCommand;
pub use definition::{
    Indicator, IndicatorKind, SchemeDefinition, DEFAULT_REVIEW_DAYS, MAX_DEPTH, MAX_INDICATORS,
};
pub use error::SchemeError;
pub use event::SchemeEvent;
pub use rule::{
    Evidence, EvidenceItem, Hundredths, Mapping, Measured, Observation, Rule, Source, SourceKind,
    Step, MAX_EVIDENCE_ITEMS,
};

/// The schemes shipped in `data/schemes/`: (file name, contents).
pub const SHIPPED: [(&str, &str); 2] = [
    (
        "seed-7-21.json",
        include_str!("../../../data/schemes/seed-7-21.json"),
    ),
    (
        "linyi-3-16.json",
        include_str!("../../../data/schemes/linyi-3-16.json"),
    ),
];
