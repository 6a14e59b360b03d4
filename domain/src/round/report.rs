//! A department's scores in a round as a tree: every indicator's points (a leaf: the
//! supervisor's adjustment if any, else the computed points; a parent: the sum of its scored
//! children), and the total. Pure: the read side and the tests use the same code.

use serde::{Deserialize, Serialize};

use super::aggregate::SupervisionRound;
use super::event::Adjustment;
use crate::scheme::{Hundredths, Indicator, IndicatorKind, Observation, Rule};
use crate::values::CreditCode;

/// One indicator's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorResult {
    /// The indicator.
    pub indicator_id: String,
    /// Its parent.
    pub parent_id: Option<String>,
    /// Its depth (top level: 1).
    pub depth: u32,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: IndicatorKind,
    /// Its weight for the department's class.
    pub weight: Hundredths,
    /// Its points (`None`: nothing scored: no data, a manual indicator not yet scored).
    pub points: Option<Hundredths>,
    /// A leaf's computed points, before any adjustment.
    pub computed: Option<Hundredths>,
    /// Why a leaf has no computed points.
    pub no_score: Option<String>,
    /// A leaf's adjustment.
    pub adjustment: Option<Adjustment>,
    /// A leaf's revision by a review decision (it wins over the adjustment).
    pub revision: Option<super::event::Revision>,
    /// A leaf's rule.
    pub rule: Option<Rule>,
    /// What a leaf's source measured.
    pub observation: Option<Observation>,
    /// Whether every leaf under it (or it) has points.
    pub complete: bool,
}

/// A department's scores in a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentReport {
    /// The department.
    pub department_id: CreditCode,
    /// Its class.
    pub class: Option<String>,
    /// Whether it has been scored.
    pub scored: bool,
    /// The core and corroborating points plus the negative ones (below zero).
    pub total: Hundredths,
    /// Whether every leaf has points (else the total leaves some out: shown, never as zero).
    pub complete: bool,
    /// Every indicator, depth first.
    pub indicators: Vec<IndicatorResult>,
}

impl SupervisionRound {
    /// A department's scores, if it is in scope.
    pub fn report(&self, department: &CreditCode) -> Option<DepartmentReport> {
        let plan = self.plan()?;
        let class = self.class_of(department)?;
        let scored = self.scored(department);
        let adjustments = self.adjustments(department);
        let mut out = Vec::new();
        /// What the walk reads for the department.
        struct Of<'a> {
            class: Option<&'a str>,
            scored: Option<&'a super::event::Scored>,
            adjustments: Option<&'a std::collections::BTreeMap<String, Adjustment>>,
            revisions: Option<&'a std::collections::BTreeMap<String, super::event::Revision>>,
        }
        fn walk(
            items: &[Indicator],
            parent: Option<&str>,
            depth: u32,
            of: &Of<'_>,
            out: &mut Vec<IndicatorResult>,
        ) -> (Option<Hundredths>, bool) {
            let Of {
                class,
                scored,
                adjustments,
                revisions,
            } = *of;
            let mut sum: Option<i64> = None;
            let mut complete = true;
            for i in items {
                let slot = out.len();
                let result = if i.is_leaf() {
                    let leaf =
                        scored.and_then(|s| s.leaves.iter().find(|l| l.indicator_id == i.id));
                    let adjustment = adjustments.and_then(|a| a.get(&i.id)).cloned();
                    let revision = revisions.and_then(|r| r.get(&i.id)).cloned();
                    let computed = leaf.and_then(|l| l.points);
                    let points = revision
                        .as_ref()
                        .map(|r| r.points)
                        .or(adjustment.as_ref().map(|a| a.points))
                        .or(computed);
                    let observation = i
                        .rule
                        .as_ref()
                        .and_then(Rule::source_name)
                        .and_then(|n| scored.and_then(|s| s.observations.get(n)))
                        .cloned();
                    IndicatorResult {
                        indicator_id: i.id.clone(),
                        parent_id: parent.map(str::to_owned),
                        depth,
                        name: i.name.clone(),
                        kind: i.kind,
                        weight: i.weight_for(class),
                        points,
                        computed,
                        no_score: match (scored, leaf) {
                            (None, _) => Some("not scored yet".to_owned()),
                            (Some(_), Some(l)) => l.no_score.clone(),
                            (Some(_), None) => Some("not in the scheme when scored".to_owned()),
                        },
                        adjustment,
                        revision,
                        rule: i.rule.clone(),
                        observation,
                        complete: points.is_some(),
                    }
                } else {
                    out.push(IndicatorResult {
                        indicator_id: i.id.clone(),
                        parent_id: parent.map(str::to_owned),
                        depth,
                        name: i.name.clone(),
                        kind: i.kind,
                        weight: i.weight_for(class),
                        points: None,
                        computed: None,
                        no_score: None,
                        adjustment: None,
                        revision: None,
                        rule: None,
                        observation: None,
                        complete: true,
                    });
                    let (points, done) = walk(&i.children, Some(&i.id), depth + 1, of, out);
                    out[slot].points = points;
                    out[slot].complete = done;
                    complete &= done;
                    if let Some(p) = points {
                        sum = Some(sum.unwrap_or(0) + p.0);
                    }
                    continue;
                };
                complete &= result.complete;
                if let Some(p) = result.points {
                    sum = Some(sum.unwrap_or(0) + p.0);
                }
                out.push(result);
            }
            (sum.map(Hundredths), complete)
        }
        let of = Of {
            class,
            scored,
            adjustments,
            revisions: self.revisions(department),
        };
        let (total, complete) = walk(&plan.scheme.indicators, None, 1, &of, &mut out);
        Some(DepartmentReport {
            department_id: department.clone(),
            class: class.map(str::to_owned),
            scored: scored.is_some(),
            total: total.unwrap_or_default(),
            complete,
            indicators: out,
        })
    }
}
