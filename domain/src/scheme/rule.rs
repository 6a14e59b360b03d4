//! Leaf rules, the data sources they name, and how a measurement becomes points. Pure and in
//! integers (hundredths), so that recomputing a score gives exactly the same points.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::definition::IndicatorKind;

/// A decimal with two places (points, weights, percentages), kept as an integer count of
/// hundredths: `12.5` is `Hundredths(1250)`. Written and read as a JSON number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hundredths(pub i64);

impl Hundredths {
    /// The largest magnitude accepted (a billion).
    pub const MAX: i64 = 100_000_000_000;
    /// Zero.
    pub const ZERO: Hundredths = Hundredths(0);

    /// From a whole number.
    pub const fn whole(n: i64) -> Self {
        Hundredths(n * 100)
    }

    /// From a number with at most two decimal places (more, or a magnitude over a billion, is
    /// refused).
    pub fn from_f64(value: f64) -> Option<Self> {
        if !value.is_finite() {
            return None;
        }
        let scaled = value * 100.0;
        let rounded = scaled.round();
        if (scaled - rounded).abs() > 1e-6 * rounded.abs().max(1.0)
            || rounded.abs() > Self::MAX as f64
        {
            return None;
        }
        Some(Hundredths(rounded as i64))
    }

    /// As a float (for display).
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for Hundredths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        match a % 100 {
            0 => write!(f, "{sign}{}", a / 100),
            c if c % 10 == 0 => write!(f, "{sign}{}.{}", a / 100, c / 10),
            c => write!(f, "{sign}{}.{c:02}", a / 100),
        }
    }
}

impl Serialize for Hundredths {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            s.serialize_i64(self.0 / 100)
        } else {
            s.serialize_f64(self.to_f64())
        }
    }
}

impl<'de> Deserialize<'de> for Hundredths {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        Hundredths::from_f64(v).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{v} is not a number with at most two decimal places (magnitude up to a billion)"
            ))
        })
    }
}

/// What a data source measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A share: a numerator out of a denominator.
    Ratio,
    /// A number of occurrences, each one evidence.
    Count,
}

macro_rules! sources {
    ($($variant:ident = $name:literal, $kind:ident, $doc:literal;)*) => {
        /// A named data source a leaf rule reads (its name is a contract: scheme files use it).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Source {
            $(#[doc = $doc] $variant,)*
        }

        impl Source {
            /// Every source.
            pub const ALL: &'static [Source] = &[$(Source::$variant,)*];

            /// Its name, as scheme files write it.
            pub fn name(self) -> &'static str {
                match self { $(Source::$variant => $name,)* }
            }

            /// What it measures.
            pub fn kind(self) -> SourceKind {
                match self { $(Source::$variant => SourceKind::$kind,)* }
            }

            /// What it measures, in words.
            pub fn description(self) -> &'static str {
                match self { $(Source::$variant => $doc,)* }
            }

            /// The source of a name.
            pub fn parse(name: &str) -> Option<Source> {
                match name { $($name => Some(Source::$variant),)* _ => None }
            }
        }
    };
}

sources! {
    RecordsOnTimeRate = "records.on_time_rate", Ratio,
        "Performance records of the period done on time, out of those with an on-time verdict.";
    RecordsTaskActivity = "records.task_activity", Ratio,
        "Tasks in force at the period's end with at least one performance record in the period, out of all tasks in force.";
    DutiesDecomposition = "duties.decomposition", Ratio,
        "Main duties split into unit duties and unit duties split into tasks, out of all main and unit duties (the first full decomposition).";
    TasksPostCoverage = "tasks.post_coverage", Ratio,
        "Tasks held by at least one post, out of all tasks (the second full decomposition).";
    PowersCompleteness = "powers.completeness", Ratio,
        "Power-list items with their stages and a time limit, out of all power-list items.";
    TasksWithoutPosts = "tasks.without_posts", Count,
        "Tasks held by no post at the period's end.";
    BoundariesUnruled = "boundaries.unruled", Count,
        "Boundary matters the department is a party to without a ruling at the period's end.";
    WorkflowHighRiskWithoutChart = "workflow.high_risk_without_chart", Count,
        "High-risk tasks without a published workflow chart in force at the period's end.";
    WorkflowChartsPublished = "workflow.charts_published", Count,
        "Workflow chart versions the department published in the period (re-engineering).";
    CasesCompletionRate = "cases.completion_rate", Ratio,
        "Workflow cases of the period completed (办结率); cases are not recorded yet.";
    CasesOverdue = "cases.overdue", Count,
        "Workflow cases of the period over their time limit; cases are not recorded yet.";
    RectificationOpenOrders = "rectification.open_orders", Count,
        "Rectification orders of the department not accepted at the period's end.";
    RectificationOverdueOrders = "rectification.overdue_orders", Count,
        "Rectification orders awaiting the department's answer past their due date at the period's end.";
    Complaints12345 = "complaints.12345", Count,
        "12345 hotline tickets received in the period and assigned to the department.";
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One step of a threshold mapping: a ratio of at least `at_least` percent gives `points`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Step {
    /// The lowest percentage (0 to 100) that earns the points.
    pub at_least: Hundredths,
    /// The points.
    pub points: Hundredths,
}

/// How a ratio becomes points.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Mapping {
    /// Nothing at or below `zero_at` percent, the whole weight at or above `full_at`, linear
    /// between (rounded down to the hundredth).
    Linear {
        /// Percentage that gives zero.
        #[serde(rename = "zeroAt")]
        zero_at: Hundredths,
        /// Percentage that gives the whole weight.
        #[serde(rename = "fullAt")]
        full_at: Hundredths,
    },
    /// The points of the highest step reached (none reached: zero). Steps ascend.
    Thresholds(Vec<Step>),
}

/// How a leaf indicator is scored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum Rule {
    /// A ratio source mapped to points.
    Ratio {
        /// The source's name (a [`Source`]; checked when the scheme is validated).
        source: String,
        /// The mapping.
        mapping: Mapping,
    },
    /// `per` points off for every occurrence, at most `cap` (default: the weight) in all
    /// ("每发现1次扣1分，扣完为止"). On a core or corroborating indicator the points are the
    /// weight less the deduction; on a negative indicator, the deduction itself (below zero).
    Deduction {
        /// The source's name (a count [`Source`]).
        source: String,
        /// Points per occurrence.
        per: Hundredths,
        /// The most taken in all (default and at most: the weight).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cap: Option<Hundredths>,
    },
    /// `per` points for every occurrence, at most `cap` (default: the weight).
    Bonus {
        /// The source's name (a count [`Source`]).
        source: String,
        /// Points per occurrence.
        per: Hundredths,
        /// The most given in all (default and at most: the weight).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cap: Option<Hundredths>,
    },
    /// Scored by a supervisor with a written basis (on-site verification).
    Manual,
}

/// The most evidence items kept per observation (the count is always complete).
pub const MAX_EVIDENCE_ITEMS: usize = 200;

/// One thing counted: what it is, and the event that shows it (its cursor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceItem {
    /// What kind of thing (`task`, `boundaryMatter`, ...).
    pub kind: String,
    /// Its id.
    pub id: String,
    /// Its name or title.
    pub label: String,
    /// The cursor of the event that shows it, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// What a measurement rests on: the query in words, the figures it found, and the items
/// counted (at most [`MAX_EVIDENCE_ITEMS`]; `more` says how many were left off).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// The query, with its parameters.
    pub query: String,
    /// Named figures (numerator, denominator, records, ...).
    pub figures: Vec<(String, i64)>,
    /// Items counted.
    pub items: Vec<EvidenceItem>,
    /// Items counted but not listed.
    #[serde(default)]
    pub more: u64,
}

/// A measured value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Measured {
    /// A share.
    Ratio {
        /// Out of `denominator`.
        numerator: i64,
        /// Greater than zero.
        denominator: i64,
    },
    /// A number of occurrences.
    Count(i64),
    /// Nothing to measure: the source has no data (yet), or nothing to divide by. Shown as
    /// such, never as zero.
    NoData(String),
}

/// A source's measurement for one department: the value and its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// The value.
    pub value: Measured,
    /// What it rests on.
    pub evidence: Evidence,
}

impl Observation {
    /// A source without data.
    pub fn no_data(reason: impl Into<String>) -> Self {
        Observation {
            value: Measured::NoData(reason.into()),
            evidence: Evidence::default(),
        }
    }
}

impl Rule {
    /// The name of the source it reads (none for a manual rule).
    pub fn source_name(&self) -> Option<&str> {
        match self {
            Rule::Ratio { source, .. }
            | Rule::Deduction { source, .. }
            | Rule::Bonus { source, .. } => Some(source),
            Rule::Manual => None,
        }
    }

    /// The source it reads, if it names a known one (always, in a validated scheme).
    pub fn source(&self) -> Option<Source> {
        self.source_name().and_then(Source::parse)
    }

    /// The points range of a leaf of `kind` and `weight`: `[0, weight]`, or `[-weight, 0]` for
    /// a negative indicator.
    pub fn range(kind: IndicatorKind, weight: Hundredths) -> (Hundredths, Hundredths) {
        match kind {
            IndicatorKind::Negative => (Hundredths(-weight.0), Hundredths::ZERO),
            _ => (Hundredths::ZERO, weight),
        }
    }

    /// The points a measurement gives on a leaf of `kind` with `weight` (for the department's
    /// class), or why there are none (no data; a manual rule waits for a supervisor). Always
    /// within [`Rule::range`].
    pub fn points(
        &self,
        kind: IndicatorKind,
        weight: Hundredths,
        measured: &Measured,
    ) -> Result<Hundredths, String> {
        let cap_of = |cap: &Option<Hundredths>| cap.map_or(weight, |c| c.min(weight)).0.max(0);
        match (self, measured) {
            (Rule::Manual, _) => Err("scored by a supervisor (manual indicator)".to_owned()),
            (_, Measured::NoData(reason)) => Err(reason.clone()),
            (
                Rule::Ratio { mapping, .. },
                Measured::Ratio {
                    numerator,
                    denominator,
                },
            ) => {
                if *denominator <= 0 {
                    return Err("nothing to measure (denominator 0)".to_owned());
                }
                let pct = (i128::from((*numerator).clamp(0, *denominator)) * 10_000
                    / i128::from(*denominator)) as i64;
                let points = match mapping {
                    Mapping::Linear { zero_at, full_at } => {
                        if pct <= zero_at.0 {
                            0
                        } else if pct >= full_at.0 {
                            weight.0
                        } else {
                            (i128::from(weight.0) * i128::from(pct - zero_at.0)
                                / i128::from(full_at.0 - zero_at.0))
                                as i64
                        }
                    }
                    Mapping::Thresholds(steps) => steps
                        .iter()
                        .filter(|s| s.at_least.0 <= pct)
                        .map(|s| s.points.0)
                        .max()
                        .unwrap_or(0),
                };
                Ok(Hundredths(points.clamp(0, weight.0.max(0))))
            }
            (Rule::Deduction { per, cap, .. }, Measured::Count(count)) => {
                let taken = (i128::from((*count).max(0)) * i128::from(per.0.max(0)))
                    .min(i128::from(cap_of(cap))) as i64;
                Ok(match kind {
                    IndicatorKind::Negative => Hundredths(-taken),
                    _ => Hundredths(weight.0 - taken),
                })
            }
            (Rule::Bonus { per, cap, .. }, Measured::Count(count)) => {
                let given = (i128::from((*count).max(0)) * i128::from(per.0.max(0)))
                    .min(i128::from(cap_of(cap))) as i64;
                Ok(Hundredths(given))
            }
            (rule, value) => Err(format!(
                "the source measured {value:?}, which rule {rule:?} cannot score"
            )),
        }
    }

    /// The rule in words (for explanations).
    pub fn describe(&self) -> String {
        match self {
            Rule::Ratio { source, mapping } => match mapping {
                Mapping::Linear { zero_at, full_at } => format!(
                    "ratio of {source}: 0 points at or below {zero_at}%, the whole weight at or above {full_at}%, linear between"
                ),
                Mapping::Thresholds(steps) => format!(
                    "ratio of {source} by thresholds: {}",
                    steps
                        .iter()
                        .map(|s| format!("at least {}% gives {}", s.at_least, s.points))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            Rule::Deduction { source, per, cap } => format!(
                "{per} points off per occurrence in {source}, at most {} in all",
                cap.map_or_else(|| "the weight".to_owned(), |c| c.to_string())
            ),
            Rule::Bonus { source, per, cap } => format!(
                "{per} points per occurrence in {source}, at most {} in all",
                cap.map_or_else(|| "the weight".to_owned(), |c| c.to_string())
            ),
            Rule::Manual => "scored by a supervisor with a written basis".to_owned(),
        }
    }
}
