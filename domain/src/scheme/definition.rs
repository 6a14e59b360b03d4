//! A scheme's content: the indicator tree, as scheme files write it (JSON, camelCase), and the
//! rules it must follow.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::error::SchemeError;
use super::rule::{Hundredths, Mapping, Rule, Source, SourceKind};
use crate::values::{EntityId, Name, Text};

/// The deepest an indicator tree may go (levels).
pub const MAX_DEPTH: usize = 4;
/// The most indicators a scheme may have.
pub const MAX_INDICATORS: usize = 500;
/// The most department classes a scheme may have.
pub const MAX_CLASSES: usize = 20;

/// The kind of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IndicatorKind {
    /// 核心指标: what the department must do.
    Core,
    /// 印证指标: what corroborates it.
    Corroborating,
    /// 负面指标: deductions beside the total.
    Negative,
}

/// An indicator: a leaf with a rule, or a parent whose children's weights sum to its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Indicator {
    /// Its id, unique in the scheme (`[A-Za-z0-9._:-]`, up to 64).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: IndicatorKind,
    /// Its weight: the most points it gives (a negative indicator: the most it takes away).
    pub weight: Hundredths,
    /// Weights that differ for a department class (the others use `weight`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub class_weights: BTreeMap<String, Hundredths>,
    /// How a leaf is scored (a parent has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    /// Its children.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Indicator>,
}

impl Indicator {
    /// Its weight for a department of `class` (`None`: no class).
    pub fn weight_for(&self, class: Option<&str>) -> Hundredths {
        class
            .and_then(|c| self.class_weights.get(c))
            .copied()
            .unwrap_or(self.weight)
    }

    /// Whether it is a leaf.
    pub fn is_leaf(&self) -> bool {
        self.children.is_empty()
    }
}

/// A scheme's content.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SchemeDefinition {
    /// Its name.
    pub name: String,
    /// What it is for, where it comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The points the core and corroborating top-level indicators sum to (e.g. 100).
    pub total: Hundredths,
    /// The department classes with weights of their own (none: one set of weights).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<String>,
    /// The top-level indicators.
    pub indicators: Vec<Indicator>,
    /// Working days after publication within which a department may ask for a formal review
    /// (复核) of its scores (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_window_days: Option<u16>,
    /// Working days within which the office decides a review request (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_decision_days: Option<u16>,
}

/// The default review window and decision time limit, in working days.
pub const DEFAULT_REVIEW_DAYS: u16 = 10;

impl SchemeDefinition {
    /// The review window (working days after publication).
    pub fn review_window(&self) -> u16 {
        self.review_window_days.unwrap_or(DEFAULT_REVIEW_DAYS)
    }

    /// The time limit of a review decision (working days after the request).
    pub fn review_decision(&self) -> u16 {
        self.review_decision_days.unwrap_or(DEFAULT_REVIEW_DAYS)
    }

    /// Reads a scheme file's text (JSON).
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// Every indicator, depth first, with its parent's id.
    pub fn walk(&self) -> Vec<(Option<&Indicator>, &Indicator)> {
        fn go<'a>(
            parent: Option<&'a Indicator>,
            items: &'a [Indicator],
            out: &mut Vec<(Option<&'a Indicator>, &'a Indicator)>,
        ) {
            for i in items {
                out.push((parent, i));
                go(Some(i), &i.children, out);
            }
        }
        let mut out = Vec::new();
        go(None, &self.indicators, &mut out);
        out
    }

    /// The indicator with `id`.
    pub fn find(&self, id: &str) -> Option<&Indicator> {
        self.walk().into_iter().map(|(_, i)| i).find(|i| i.id == id)
    }

    /// The leaves, depth first.
    pub fn leaves(&self) -> Vec<&Indicator> {
        self.walk()
            .into_iter()
            .map(|(_, i)| i)
            .filter(|i| i.is_leaf())
            .collect()
    }

    /// The sources its leaves read.
    pub fn sources(&self) -> BTreeSet<Source> {
        self.leaves()
            .into_iter()
            .filter_map(|i| i.rule.as_ref().and_then(Rule::source))
            .collect()
    }

    /// Whether `class` is one of its classes (with no classes, only `None` is).
    pub fn has_class(&self, class: Option<&str>) -> bool {
        match class {
            None => self.classes.is_empty(),
            Some(c) => self.classes.iter().any(|k| k == c),
        }
    }

    /// Checks every rule of a scheme (see the module docs).
    pub fn validate(&self) -> Result<(), SchemeError> {
        Name::parse_field("name", &self.name)?;
        if let Some(d) = &self.description {
            Text::parse_field("description", d)?;
        }
        if self.total.0 <= 0 {
            return Err(SchemeError::InvalidWeight {
                indicator: None,
                weight: self.total,
            });
        }
        if self.classes.len() > MAX_CLASSES {
            return Err(SchemeError::TooLarge(format!(
                "at most {MAX_CLASSES} department classes"
            )));
        }
        let mut classes = BTreeSet::new();
        for c in &self.classes {
            Name::parse_field("classes", c)?;
            if !classes.insert(c.as_str()) {
                return Err(SchemeError::DuplicateClass(c.clone()));
            }
        }
        if self.indicators.is_empty() {
            return Err(SchemeError::NoIndicators);
        }
        for days in [self.review_window_days, self.review_decision_days]
            .into_iter()
            .flatten()
        {
            if !(1..=365).contains(&days) {
                return Err(SchemeError::InvalidRule {
                    indicator: "(scheme)".into(),
                    reason: "review windows are 1 to 365 working days".into(),
                });
            }
        }
        let all = self.walk();
        if all.len() > MAX_INDICATORS {
            return Err(SchemeError::TooLarge(format!(
                "at most {MAX_INDICATORS} indicators, got {}",
                all.len()
            )));
        }
        let mut ids = BTreeSet::new();
        for (parent, i) in &all {
            if !ids.insert(i.id.as_str()) {
                return Err(SchemeError::DuplicateIndicator(i.id.clone()));
            }
            self.check_indicator(*parent, i, &classes)?;
        }
        if depth(&self.indicators) > MAX_DEPTH {
            return Err(SchemeError::TooLarge(format!(
                "indicators nest at most {MAX_DEPTH} levels deep"
            )));
        }
        // Weights sum, for every class (or once, without classes).
        let columns: Vec<Option<&str>> = if self.classes.is_empty() {
            vec![None]
        } else {
            self.classes.iter().map(|c| Some(c.as_str())).collect()
        };
        for class in columns {
            let top: i64 = self
                .indicators
                .iter()
                .filter(|i| i.kind != IndicatorKind::Negative)
                .map(|i| i.weight_for(class).0)
                .sum();
            if top != self.total.0 {
                return Err(SchemeError::WeightsDoNotSum {
                    parent: None,
                    class: class.map(str::to_owned),
                    expected: self.total,
                    got: Hundredths(top),
                });
            }
            for (_, i) in &all {
                if i.is_leaf() {
                    continue;
                }
                // A negative parent's children are its deductions; under any other parent the
                // negative children are deductions beside its weight.
                let sum: i64 = i
                    .children
                    .iter()
                    .filter(|c| {
                        i.kind == IndicatorKind::Negative || c.kind != IndicatorKind::Negative
                    })
                    .map(|c| c.weight_for(class).0)
                    .sum();
                if sum != i.weight_for(class).0 {
                    return Err(SchemeError::WeightsDoNotSum {
                        parent: Some(i.id.clone()),
                        class: class.map(str::to_owned),
                        expected: i.weight_for(class),
                        got: Hundredths(sum),
                    });
                }
            }
        }
        Ok(())
    }

    fn check_indicator(
        &self,
        parent: Option<&Indicator>,
        i: &Indicator,
        classes: &BTreeSet<&str>,
    ) -> Result<(), SchemeError> {
        EntityId::parse(&i.id)?;
        Name::parse_field("indicator name", &i.name)?;
        let id = || i.id.clone();
        for (class, w) in std::iter::once((None, &i.weight))
            .chain(i.class_weights.iter().map(|(c, w)| (Some(c), w)))
        {
            if let Some(c) = class {
                if !classes.contains(c.as_str()) {
                    return Err(SchemeError::UnknownClass {
                        indicator: id(),
                        class: c.clone(),
                    });
                }
            }
            if w.0 <= 0 {
                return Err(SchemeError::InvalidWeight {
                    indicator: Some(id()),
                    weight: *w,
                });
            }
        }
        if let Some(p) = parent {
            if p.kind == IndicatorKind::Negative && i.kind != IndicatorKind::Negative {
                return Err(SchemeError::NegativeSubtree(id()));
            }
        }
        let rule = match (&i.rule, i.is_leaf()) {
            (None, true) => return Err(SchemeError::LeafWithoutRule(id())),
            (Some(_), false) => return Err(SchemeError::ParentWithRule(id())),
            (None, false) => return Ok(()),
            (Some(rule), true) => rule,
        };
        // The smallest weight the leaf has in any class bounds its points.
        let least = i
            .class_weights
            .values()
            .copied()
            .chain(std::iter::once(i.weight))
            .min()
            .unwrap_or(i.weight);
        if let Some(name) = rule.source_name() {
            let source = Source::parse(name).ok_or_else(|| SchemeError::UnknownDataSource {
                indicator: id(),
                data_source: name.to_owned(),
            })?;
            let wanted = match rule {
                Rule::Ratio { .. } => SourceKind::Ratio,
                _ => SourceKind::Count,
            };
            if source.kind() != wanted {
                return Err(SchemeError::SourceKindMismatch {
                    indicator: id(),
                    data_source: name.to_owned(),
                });
            }
        }
        if i.kind == IndicatorKind::Negative
            && !matches!(rule, Rule::Deduction { .. } | Rule::Manual)
        {
            return Err(SchemeError::RuleNotForKind(id()));
        }
        let invalid = |reason: &str| SchemeError::InvalidRule {
            indicator: id(),
            reason: reason.to_owned(),
        };
        let exceeds = |points: Hundredths| SchemeError::PointsExceedWeight {
            indicator: id(),
            points,
            weight: least,
        };
        let pct = |p: Hundredths| (0..=10_000).contains(&p.0);
        match rule {
            Rule::Ratio { mapping, .. } => match mapping {
                Mapping::Linear { zero_at, full_at } => {
                    if !pct(*zero_at) || !pct(*full_at) || zero_at >= full_at {
                        return Err(invalid(
                            "a linear mapping needs 0 <= zeroAt < fullAt <= 100 (percent)",
                        ));
                    }
                }
                Mapping::Thresholds(steps) => {
                    if steps.is_empty() {
                        return Err(invalid("thresholds need at least one step"));
                    }
                    for (n, s) in steps.iter().enumerate() {
                        if !pct(s.at_least) || (n > 0 && steps[n - 1].at_least >= s.at_least) {
                            return Err(invalid(
                                "threshold steps ascend strictly, each atLeast 0 to 100 (percent)",
                            ));
                        }
                        if s.points.0 < 0 {
                            return Err(invalid("threshold points are not negative"));
                        }
                        if s.points > least {
                            return Err(exceeds(s.points));
                        }
                    }
                }
            },
            Rule::Deduction { per, cap, .. } | Rule::Bonus { per, cap, .. } => {
                if per.0 <= 0 {
                    return Err(invalid("points per occurrence are more than 0"));
                }
                if let Some(cap) = cap {
                    if cap.0 <= 0 {
                        return Err(invalid("a cap is more than 0"));
                    }
                    if *cap > least {
                        return Err(exceeds(*cap));
                    }
                }
            }
            Rule::Manual => {}
        }
        Ok(())
    }
}

fn depth(items: &[Indicator]) -> usize {
    items
        .iter()
        .map(|i| 1 + depth(&i.children))
        .max()
        .unwrap_or(0)
}
