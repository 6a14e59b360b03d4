//! The round's state, its rules, and how events change it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::command::{RoundCommand, RoundPlan, Stage};
use super::error::RoundError;
use super::event::{Adjustment, LeafScore, Revision, RoundEvent, Scored};
use crate::review::{ReviewDecision, ReviewOutcome, ReviewRequest, ReviewRule, Reviews};
use crate::scheme::{Observation, Rule, Source};
use crate::timeline::{Decide, Timed};
use crate::values::{CreditCode, EntityId};

/// The supervision round aggregate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisionRound {
    plan: Option<RoundPlan>,
    stage: Option<Stage>,
    scored: BTreeMap<CreditCode, Scored>,
    adjustments: BTreeMap<CreditCode, BTreeMap<String, Adjustment>>,
    known_at: Option<DateTime<Utc>>,
    published: bool,
    #[serde(default)]
    reviews: Reviews,
    #[serde(default)]
    review_subjects: BTreeMap<EntityId, (CreditCode, Option<String>)>,
    #[serde(default)]
    revisions: BTreeMap<CreditCode, BTreeMap<String, Revision>>,
    #[serde(default)]
    max_effective: Option<DateTime<Utc>>,
}

type Decision = Result<Vec<RoundEvent>, RoundError>;

impl SupervisionRound {
    /// The plan, once planned.
    pub fn plan(&self) -> Option<&RoundPlan> {
        self.plan.as_ref()
    }

    /// The current stage.
    pub fn stage(&self) -> Option<Stage> {
        self.stage
    }

    /// Whether the scores are published.
    pub fn published(&self) -> bool {
        self.published
    }

    /// When the data scored was read as known (once scored).
    pub fn known_at(&self) -> Option<DateTime<Utc>> {
        self.known_at
    }

    /// A department's computed score.
    pub fn scored(&self, department: &CreditCode) -> Option<&Scored> {
        self.scored.get(department)
    }

    /// A department's adjustments, by leaf.
    pub fn adjustments(&self, department: &CreditCode) -> Option<&BTreeMap<String, Adjustment>> {
        self.adjustments.get(department)
    }

    /// A department's revised leaves (by review decisions).
    pub fn revisions(&self, department: &CreditCode) -> Option<&BTreeMap<String, Revision>> {
        self.revisions.get(department)
    }

    /// The review requests, with the department and indicator each is about.
    pub fn reviews(&self) -> Vec<(&ReviewRequest, &CreditCode, Option<&str>)> {
        self.reviews
            .all()
            .filter_map(|r| {
                self.review_subjects
                    .get(&r.request_id)
                    .map(|(d, i)| (r, d, i.as_deref()))
            })
            .collect()
    }

    /// The class of a department in scope (`Some(None)`: in scope, no class).
    pub fn class_of(&self, department: &CreditCode) -> Option<Option<&str>> {
        self.plan.as_ref().and_then(|p| {
            p.scope
                .iter()
                .find(|e| e.department_id == *department)
                .map(|e| e.class.as_deref())
        })
    }

    fn planned(&self) -> Result<&RoundPlan, RoundError> {
        self.plan.as_ref().ok_or(RoundError::NotPlanned)
    }

    fn current(&self) -> Result<Stage, RoundError> {
        self.stage.ok_or(RoundError::NotPlanned)
    }

    /// Decides a command against this state. Pure.
    pub fn decide(&self, command: RoundCommand) -> Decision {
        match command {
            RoundCommand::Plan(plan) => {
                if self.plan.is_some() {
                    return Err(RoundError::AlreadyPlanned);
                }
                check_plan(&plan)?;
                Ok(vec![RoundEvent::RoundPlanned(plan)])
            }
            RoundCommand::Advance { stage } => {
                let event = RoundEvent::RoundStageEntered { stage };
                self.validate_event(&event)?;
                let mut events = vec![event];
                if stage == Stage::OverallEvaluation {
                    events.push(RoundEvent::ScoresPublished {
                        known_at: self.known_at.ok_or(RoundError::NotScored)?,
                    });
                }
                Ok(events)
            }
            RoundCommand::Score {
                known_at,
                observations,
            } => {
                let plan = self.planned()?;
                self.scoring_allowed()?;
                for (department, sources) in &observations {
                    if self.class_of(department).is_none() {
                        return Err(RoundError::DepartmentNotInRound(department.clone()));
                    }
                    if let Some(name) = sources.keys().find(|n| Source::parse(n).is_none()) {
                        return Err(RoundError::UnknownDataSource(name.clone()));
                    }
                }
                let mut observations = observations;
                Ok(plan
                    .scope
                    .iter()
                    .map(|entry| {
                        let sources = observations
                            .remove(&entry.department_id)
                            .unwrap_or_default();
                        RoundEvent::DepartmentScored(Box::new(score(
                            plan,
                            entry.department_id.clone(),
                            entry.class.as_deref(),
                            known_at,
                            sources,
                        )))
                    })
                    .collect())
            }
            RoundCommand::RequestReview {
                request_id,
                department_id,
                indicator_id,
                reason,
                at,
                window_closes_at,
                decide_by,
            } => {
                self.reviews
                    .check_request(&request_id, at, window_closes_at)?;
                let event = RoundEvent::ScoreReviewRequested {
                    department_id,
                    indicator_id,
                    request: ReviewRequest {
                        request_id,
                        reason,
                        requested_at: at,
                        decide_by,
                        decision: None,
                    },
                };
                self.validate_event(&event)?;
                Ok(vec![event])
            }
            RoundCommand::DecideReview {
                request_id,
                outcome,
                reason,
                at,
                revisions,
            } => {
                match (outcome, revisions.is_empty()) {
                    (ReviewOutcome::Changed, true) => {
                        return Err(RoundError::InvalidDecision(
                            "a changed score needs the revised points of at least one indicator",
                        ))
                    }
                    (ReviewOutcome::Upheld | ReviewOutcome::Dismissed, false) => {
                        return Err(RoundError::InvalidDecision(
                            "only a changed score takes revised points",
                        ))
                    }
                    _ => {}
                }
                let request = self.reviews.check_decision(&request_id)?;
                let department = self
                    .review_subjects
                    .get(&request_id)
                    .map(|(d, _)| d.clone())
                    .ok_or_else(|| ReviewRule::Unknown(request_id.clone()))?;
                let mut events = vec![RoundEvent::ScoreReviewDecided {
                    request_id: request_id.clone(),
                    decision: ReviewDecision {
                        outcome,
                        reason,
                        decided_at: at,
                        overdue: at >= request.decide_by,
                    },
                }];
                for (indicator_id, points) in revisions {
                    let event = RoundEvent::ScoreRevised(Revision {
                        department_id: department.clone(),
                        indicator_id,
                        points,
                        request_id: request_id.clone(),
                    });
                    self.validate_event(&event)?;
                    events.push(event);
                }
                Ok(events)
            }
            RoundCommand::Adjust {
                department_id,
                indicator_id,
                points,
                basis,
            } => {
                let event = RoundEvent::ScoreAdjusted(Adjustment {
                    department_id,
                    indicator_id,
                    points,
                    basis,
                });
                self.validate_event(&event)?;
                let unchanged = match &event {
                    RoundEvent::ScoreAdjusted(a) => {
                        self.adjustments
                            .get(&a.department_id)
                            .and_then(|m| m.get(&a.indicator_id))
                            == Some(a)
                    }
                    _ => false,
                };
                Ok(if unchanged { vec![] } else { vec![event] })
            }
        }
    }

    fn scoring_allowed(&self) -> Result<(), RoundError> {
        if self.published {
            return Err(RoundError::ScoresPublished);
        }
        match self.current()? {
            Stage::OnlineAnalysis => Ok(()),
            stage => Err(RoundError::StageDoesNotAllow {
                stage,
                action: "computing scores (online analysis does)",
            }),
        }
    }

    /// Whether a recorded (or new) event may be applied to this state: the same rules as the
    /// commands, re-checked when history is replayed after a backdated command.
    fn validate_event(&self, event: &RoundEvent) -> Result<(), RoundError> {
        match event {
            RoundEvent::RoundPlanned(_) => {
                if self.plan.is_some() {
                    return Err(RoundError::AlreadyPlanned);
                }
                Ok(())
            }
            RoundEvent::RoundStageEntered { stage } => {
                let plan = self.planned()?;
                let current = self.current()?;
                let Some(to) = plan.stages.iter().position(|s| s == stage) else {
                    return Err(RoundError::StageNotInRound(*stage));
                };
                let at = plan.stages.iter().position(|s| *s == current).unwrap_or(0);
                if to == at {
                    return Err(RoundError::AlreadyInStage(*stage));
                }
                if to < at {
                    return Err(RoundError::StagePassed {
                        current,
                        got: *stage,
                    });
                }
                let Some(next) = plan.stages.get(at + 1).copied() else {
                    return Err(RoundError::NoNextStage);
                };
                if next != *stage {
                    return Err(RoundError::StageSkipped {
                        expected: next,
                        got: *stage,
                    });
                }
                if *stage > Stage::OnlineAnalysis && self.scored.is_empty() {
                    return Err(RoundError::NotScored);
                }
                Ok(())
            }
            RoundEvent::DepartmentScored(s) => {
                self.planned()?;
                self.scoring_allowed()?;
                if self.class_of(&s.department_id).is_none() {
                    return Err(RoundError::DepartmentNotInRound(s.department_id.clone()));
                }
                Ok(())
            }
            RoundEvent::ScoreAdjusted(a) => {
                let plan = self.planned()?;
                if self.published {
                    return Err(RoundError::ScoresPublished);
                }
                let Some(class) = self.class_of(&a.department_id) else {
                    return Err(RoundError::DepartmentNotInRound(a.department_id.clone()));
                };
                let indicator = plan
                    .scheme
                    .find(&a.indicator_id)
                    .ok_or_else(|| RoundError::UnknownIndicator(a.indicator_id.clone()))?;
                if !indicator.is_leaf() {
                    return Err(RoundError::NotALeaf(a.indicator_id.clone()));
                }
                let (min, max) = Rule::range(indicator.kind, indicator.weight_for(class));
                if a.points < min || a.points > max {
                    return Err(RoundError::PointsOutOfRange {
                        indicator: a.indicator_id.clone(),
                        points: a.points,
                        min,
                        max,
                    });
                }
                match self.current()? {
                    Stage::OnlineAnalysis | Stage::OnSiteVerification => {}
                    stage => {
                        return Err(RoundError::StageDoesNotAllow {
                            stage,
                            action:
                                "adjusting scores (online analysis and on-site verification do)",
                        })
                    }
                }
                if self.scored.is_empty() {
                    return Err(RoundError::NotScored);
                }
                Ok(())
            }
            RoundEvent::ScoresPublished { .. } => {
                if self.published {
                    return Err(RoundError::ScoresPublished);
                }
                Ok(())
            }
            RoundEvent::ScoreReviewRequested {
                department_id,
                indicator_id,
                request,
            } => {
                let plan = self.planned()?;
                if !self.published {
                    return Err(ReviewRule::NotReviewable("the scores are not published").into());
                }
                if self.class_of(department_id).is_none() {
                    return Err(RoundError::DepartmentNotInRound(department_id.clone()));
                }
                if let Some(i) = indicator_id {
                    plan.scheme
                        .find(i)
                        .ok_or_else(|| RoundError::UnknownIndicator(i.clone()))?;
                }
                if self.reviews.get(&request.request_id).is_some() {
                    return Err(ReviewRule::Exists(request.request_id.clone()).into());
                }
                Ok(())
            }
            RoundEvent::ScoreReviewDecided { request_id, .. } => {
                self.reviews.check_decision(request_id)?;
                Ok(())
            }
            RoundEvent::ScoreRevised(r) => {
                let plan = self.planned()?;
                let class = self
                    .class_of(&r.department_id)
                    .ok_or_else(|| RoundError::DepartmentNotInRound(r.department_id.clone()))?;
                let indicator = plan
                    .scheme
                    .find(&r.indicator_id)
                    .ok_or_else(|| RoundError::UnknownIndicator(r.indicator_id.clone()))?;
                if !indicator.is_leaf() {
                    return Err(RoundError::NotALeaf(r.indicator_id.clone()));
                }
                let (min, max) = Rule::range(indicator.kind, indicator.weight_for(class));
                if r.points < min || r.points > max {
                    return Err(RoundError::PointsOutOfRange {
                        indicator: r.indicator_id.clone(),
                        points: r.points,
                        min,
                        max,
                    });
                }
                Ok(())
            }
        }
    }

    fn evolve_event(&mut self, event: RoundEvent) {
        match event {
            RoundEvent::RoundPlanned(plan) => {
                self.stage = plan.stages.first().copied();
                self.plan = Some(*plan);
            }
            RoundEvent::RoundStageEntered { stage } => self.stage = Some(stage),
            RoundEvent::DepartmentScored(s) => {
                self.known_at = Some(s.known_at);
                self.scored.insert(s.department_id.clone(), *s);
            }
            RoundEvent::ScoreAdjusted(a) => {
                self.adjustments
                    .entry(a.department_id.clone())
                    .or_default()
                    .insert(a.indicator_id.clone(), a);
            }
            RoundEvent::ScoresPublished { known_at } => {
                self.known_at = Some(known_at);
                self.published = true;
            }
            RoundEvent::ScoreReviewRequested {
                department_id,
                indicator_id,
                request,
            } => {
                self.review_subjects
                    .insert(request.request_id.clone(), (department_id, indicator_id));
                self.reviews.requested(request);
            }
            RoundEvent::ScoreReviewDecided {
                request_id,
                decision,
            } => self.reviews.decided(&request_id, decision),
            RoundEvent::ScoreRevised(r) => {
                self.revisions
                    .entry(r.department_id.clone())
                    .or_default()
                    .insert(r.indicator_id.clone(), r);
            }
        }
    }
}

/// The rules of a plan (the scheme version comes from the scheme's stream, already checked).
fn check_plan(plan: &RoundPlan) -> Result<(), RoundError> {
    if plan.period_to < plan.period_from {
        return Err(RoundError::PeriodInverted);
    }
    if plan.scope.is_empty() {
        return Err(RoundError::EmptyScope);
    }
    let mut seen = BTreeSet::new();
    for entry in &plan.scope {
        if !seen.insert(&entry.department_id) {
            return Err(RoundError::DuplicateDepartment(entry.department_id.clone()));
        }
        match &entry.class {
            None if !plan.scheme.classes.is_empty() => {
                return Err(RoundError::ClassRequired(entry.department_id.clone()))
            }
            Some(c) if !plan.scheme.has_class(Some(c)) => {
                return Err(RoundError::UnknownClass {
                    department: entry.department_id.clone(),
                    class: c.clone(),
                })
            }
            _ => {}
        }
    }
    if plan.stages.windows(2).any(|w| w[0] >= w[1]) {
        return Err(RoundError::InvalidStages(
            "stages follow the order 安排部署, 线上分析, 实地核验, 整体评估, 整改落实, each once"
                .into(),
        ));
    }
    for needed in [Stage::OnlineAnalysis, Stage::OverallEvaluation] {
        if !plan.stages.contains(&needed) {
            return Err(RoundError::InvalidStages(format!(
                "a round has the stage {}",
                needed.as_str()
            )));
        }
    }
    Ok(())
}

/// A department's points from the measurements, by the plan's scheme and the department's
/// class.
fn score(
    plan: &RoundPlan,
    department_id: CreditCode,
    class: Option<&str>,
    known_at: DateTime<Utc>,
    mut sources: BTreeMap<String, Observation>,
) -> Scored {
    let wanted: BTreeSet<&str> = plan
        .scheme
        .leaves()
        .iter()
        .filter_map(|l| l.rule.as_ref().and_then(Rule::source_name))
        .collect();
    sources.retain(|name, _| wanted.contains(name.as_str()));
    let leaves = plan
        .scheme
        .leaves()
        .into_iter()
        .map(|leaf| {
            let rule = leaf.rule.as_ref().unwrap_or(&Rule::Manual);
            let observed = rule.source_name().map(|n| sources.get(n));
            let result = match observed {
                Some(None) => Err("the source was not measured".to_owned()),
                Some(Some(o)) => rule.points(leaf.kind, leaf.weight_for(class), &o.value),
                None => rule.points(
                    leaf.kind,
                    leaf.weight_for(class),
                    &crate::scheme::Measured::Count(0),
                ),
            };
            let (points, no_score) = match result {
                Ok(p) => (Some(p), None),
                Err(why) => (None, Some(why)),
            };
            LeafScore {
                indicator_id: leaf.id.clone(),
                points,
                no_score,
            }
        })
        .collect();
    Scored {
        department_id,
        known_at,
        observations: sources,
        leaves,
    }
}

impl Decide for SupervisionRound {
    type Command = RoundCommand;
    type Event = RoundEvent;
    type Error = RoundError;

    fn decide(&self, command: RoundCommand) -> Decision {
        SupervisionRound::decide(self, command)
    }

    fn validate(&self, event: &RoundEvent) -> Result<(), RoundError> {
        self.validate_event(event)
    }

    fn evolve(&mut self, event: RoundEvent) {
        self.evolve_event(event);
    }

    fn breaks_later(later: &Timed<RoundEvent>, cause: RoundError) -> RoundError {
        RoundError::BreaksLaterHistory {
            event_type: later.event.type_name().to_owned(),
            effective_at: later.effective_at,
            cause: Box::new(cause),
        }
    }
}

/// A round's events concern the departments in its scope.
impl crate::concerns::Concerns for SupervisionRound {
    fn departments(&self) -> Vec<CreditCode> {
        crate::concerns::distinct(
            self.plan
                .iter()
                .flat_map(|p| p.scope.iter().map(|e| e.department_id.clone()))
                .collect(),
        )
    }
}

crate::event_sourced!(SupervisionRound, "supervision_round");
