//! The workflow chart's state, its rules, and how events change it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::command::{Chart, Step, TaskFacts, WorkflowCommand, MAX_SIGN_OFF_LEVELS};
use super::error::WorkflowError;
use super::event::WorkflowEvent;
use crate::timeline::{Decide, Timed};
use crate::values::{CreditCode, EntityId};

/// A published version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedVersion {
    /// Its number.
    pub version: u32,
    /// Its content.
    pub chart: Chart,
}

/// The figures of a chart that re-engineering (流程再造) compares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartStats {
    /// Steps (环节).
    pub steps: u32,
    /// Sub-steps.
    pub sub_steps: u32,
    /// Procedures (程序), in steps and sub-steps.
    pub procedures: u32,
    /// Materials (材料), in steps and sub-steps.
    pub materials: u32,
    /// The sum of the steps' time limits, in days (working and calendar alike).
    pub time_limit_days: u32,
    /// Whether a section can sign off the whole item (every step and sub-step).
    pub section_sign_off: bool,
    /// The most sign-off levels any step needs.
    pub max_sign_off_levels: u8,
}

impl Chart {
    /// Its figures.
    pub fn stats(&self) -> ChartStats {
        let mut s = ChartStats {
            section_sign_off: true,
            ..ChartStats::default()
        };
        fn count(step: &Step, s: &mut ChartStats) {
            s.procedures += step.procedures.len() as u32;
            s.materials += step.materials.len() as u32;
            s.section_sign_off &= step.section_sign_off;
            s.max_sign_off_levels = s.max_sign_off_levels.max(step.sign_off_levels);
        }
        for step in &self.steps {
            s.steps += 1;
            count(step, &mut s);
            s.time_limit_days += step.time_limit.map_or(0, |t| u32::from(t.days()));
            for sub in &step.sub_steps {
                s.sub_steps += 1;
                count(sub, &mut s);
            }
        }
        s
    }
}

/// The workflow chart aggregate of one task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowChart {
    department_id: Option<CreditCode>,
    task_id: Option<EntityId>,
    draft: Option<Chart>,
    /// The version in force, if any.
    current: Option<PublishedVersion>,
    /// How many versions were published.
    published: u32,
    #[serde(default)]
    max_effective: Option<DateTime<Utc>>,
}

type Decision = Result<Vec<WorkflowEvent>, WorkflowError>;

impl WorkflowChart {
    /// The version in force.
    pub fn current(&self) -> Option<&PublishedVersion> {
        self.current.as_ref()
    }

    /// The draft, if one is open.
    pub fn draft(&self) -> Option<&Chart> {
        self.draft.as_ref()
    }

    /// The department, once anything happened.
    pub fn department(&self) -> Option<&CreditCode> {
        self.department_id.as_ref()
    }

    /// Decides a command against this state. Pure.
    pub fn decide(&self, command: WorkflowCommand) -> Decision {
        use WorkflowCommand as C;
        use WorkflowEvent as E;
        match command {
            C::Draft { facts, chart } => {
                if self.draft.is_some() {
                    return Err(WorkflowError::DraftExists);
                }
                check_chart(&chart, &facts)?;
                Ok(vec![E::WorkflowDrafted {
                    department_id: facts.department_id,
                    task_id: facts.task_id,
                    chart,
                }])
            }
            C::Edit { facts, chart } => {
                let draft = self.draft.as_ref().ok_or(WorkflowError::NoDraft)?;
                check_chart(&chart, &facts)?;
                if *draft == chart {
                    return Ok(vec![]);
                }
                Ok(vec![E::WorkflowDraftEdited { chart }])
            }
            C::Publish { facts } => {
                let draft = self.draft.clone().ok_or(WorkflowError::NoDraft)?;
                check_chart(&draft, &facts)?;
                self.publish(&facts, draft)
            }
            C::Withdraw => {
                self.draft.as_ref().ok_or(WorkflowError::NoDraft)?;
                Ok(vec![E::WorkflowDraftWithdrawn {}])
            }
            C::Supersede { facts, chart } => {
                check_chart(&chart, &facts)?;
                self.publish(&facts, chart)
            }
        }
    }

    fn publish(&self, facts: &TaskFacts, chart: Chart) -> Decision {
        if self.current.as_ref().is_some_and(|c| c.chart == chart) {
            return Ok(vec![]);
        }
        Ok(vec![WorkflowEvent::WorkflowPublished {
            department_id: facts.department_id.clone(),
            task_id: facts.task_id.clone(),
            version: self.published + 1,
            chart,
            supersedes: self.current.as_ref().map(|c| c.version),
        }])
    }

    /// Whether a recorded event may still be applied here (re-checked when history is
    /// replayed after a backdated command).
    pub fn validate(&self, event: &WorkflowEvent) -> Result<(), WorkflowError> {
        match event {
            WorkflowEvent::WorkflowDrafted { .. } if self.draft.is_some() => {
                Err(WorkflowError::DraftExists)
            }
            WorkflowEvent::WorkflowDraftEdited { .. }
            | WorkflowEvent::WorkflowDraftWithdrawn {}
                if self.draft.is_none() =>
            {
                Err(WorkflowError::NoDraft)
            }
            _ => Ok(()),
        }
    }

    fn evolve_event(&mut self, event: WorkflowEvent) {
        match event {
            WorkflowEvent::WorkflowDrafted {
                department_id,
                task_id,
                chart,
            } => {
                self.department_id = Some(department_id);
                self.task_id = Some(task_id);
                self.draft = Some(chart);
            }
            WorkflowEvent::WorkflowDraftEdited { chart } => self.draft = Some(chart),
            WorkflowEvent::WorkflowDraftWithdrawn {} => self.draft = None,
            WorkflowEvent::WorkflowPublished {
                department_id,
                task_id,
                version,
                chart,
                supersedes: _,
            } => {
                self.department_id = Some(department_id);
                self.task_id = Some(task_id);
                if self.draft.as_ref() == Some(&chart) {
                    self.draft = None;
                }
                self.published = self.published.max(version);
                self.current = Some(PublishedVersion { version, chart });
            }
        }
    }
}

/// The rules a chart's content must follow, against the task's department at the time.
fn check_chart(chart: &Chart, facts: &TaskFacts) -> Result<(), WorkflowError> {
    if chart.steps.is_empty() {
        return Err(WorkflowError::NoSteps);
    }
    if chart.steps.len() > 100 || chart.steps.iter().any(|s| s.sub_steps.len() > 50) {
        return Err(WorkflowError::TooManySteps);
    }
    for step in &chart.steps {
        check_step(step, facts)?;
        for sub in &step.sub_steps {
            if !sub.sub_steps.is_empty() {
                return Err(WorkflowError::TooManySteps);
            }
            check_step(sub, facts)?;
        }
    }
    Ok(())
}

fn check_step(step: &Step, facts: &TaskFacts) -> Result<(), WorkflowError> {
    let name = step.name.to_string();
    if !(1..=MAX_SIGN_OFF_LEVELS).contains(&step.sign_off_levels) {
        return Err(WorkflowError::SignOffLevels {
            step: name,
            levels: step.sign_off_levels,
        });
    }
    if !facts.units.contains(&step.unit_id) {
        return Err(WorkflowError::UnitNotFound {
            step: name,
            unit: step.unit_id.clone(),
        });
    }
    if let Some(post) = &step.post_id {
        match facts.posts.get(post) {
            None => {
                return Err(WorkflowError::PostNotFound {
                    step: name,
                    post: post.clone(),
                })
            }
            Some(unit) if *unit != step.unit_id => {
                return Err(WorkflowError::PostInAnotherUnit {
                    step: name,
                    post: post.clone(),
                    post_unit: unit.clone(),
                    unit: step.unit_id.clone(),
                })
            }
            Some(_) => {}
        }
    }
    if facts.high_risk && step.time_limit.is_none() {
        return Err(WorkflowError::HighRiskStepWithoutTimeLimit(name));
    }
    Ok(())
}

impl Decide for WorkflowChart {
    type Command = WorkflowCommand;
    type Event = WorkflowEvent;
    type Error = WorkflowError;

    fn decide(&self, command: WorkflowCommand) -> Decision {
        WorkflowChart::decide(self, command)
    }

    fn validate(&self, event: &WorkflowEvent) -> Result<(), WorkflowError> {
        WorkflowChart::validate(self, event)
    }

    fn evolve(&mut self, event: WorkflowEvent) {
        self.evolve_event(event);
    }

    fn breaks_later(later: &Timed<WorkflowEvent>, cause: WorkflowError) -> WorkflowError {
        WorkflowError::BreaksLaterHistory {
            event_type: later.event.type_name().to_owned(),
            effective_at: later.effective_at,
            cause: Box::new(cause),
        }
    }
}

/// A chart's events concern the task's department.
impl crate::concerns::Concerns for WorkflowChart {
    fn departments(&self) -> Vec<CreditCode> {
        self.department_id.iter().cloned().collect()
    }
}

crate::event_sourced!(WorkflowChart, "workflow_chart");
