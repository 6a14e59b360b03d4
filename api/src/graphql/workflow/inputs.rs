//! The workflow mutations' inputs, and their parsing into the domain's chart.

use async_graphql::{InputObject, ID};
use dutyledger_domain::values::{CreditCode, EntityId, TimeLimit};
use dutyledger_domain::workflow::{Chart, Material, Step};

use crate::graphql::kit::CommandOptions;
use crate::graphql::structure::inputs::{entity, name, opt_text, TimeLimitInput};
use crate::service::{parse_field, AppError};

/// A material of a step.
#[derive(InputObject, Debug, Clone)]
pub struct WorkflowMaterialInput {
    /// Its name.
    pub name: String,
    /// Whether it is required (default true).
    #[graphql(default = true)]
    pub required: bool,
    /// Where it comes from.
    pub source: Option<String>,
}

/// A step (环节) or sub-step of a chart.
#[derive(InputObject, Debug, Clone)]
pub struct WorkflowStepInput {
    /// Its name.
    pub name: String,
    /// The unit that handles it (a unit of the department in force at the command's time).
    pub unit_id: ID,
    /// The post that handles it (a post of that unit).
    pub post_id: Option<ID>,
    /// The materials.
    #[graphql(default)]
    pub materials: Vec<WorkflowMaterialInput>,
    /// The formal acts inside it (程序).
    #[graphql(default)]
    pub procedures: Vec<String>,
    /// Its time limit (required on every step of a high-risk task).
    pub time_limit: Option<TimeLimitInput>,
    /// How many levels must sign (签批层级, 1 to 4; default 1).
    #[graphql(default = 1)]
    pub sign_off_levels: i32,
    /// Whether the section can sign it off without a bureau leader (default false).
    #[graphql(default)]
    pub section_sign_off: bool,
    /// Its sub-steps (they have none of their own).
    #[graphql(default)]
    pub sub_steps: Vec<WorkflowStepInput>,
}

impl WorkflowStepInput {
    fn parse(&self, field: &str) -> Result<Step, AppError> {
        let levels = u8::try_from(self.sign_off_levels)
            .map_err(|_| AppError::bad_input(&format!("{field}.signOffLevels"), "1 to 4 levels"))?;
        Ok(Step {
            name: name("steps.name", &self.name)?,
            unit_id: entity("steps.unitId", &self.unit_id)?,
            post_id: self
                .post_id
                .as_ref()
                .map(|p| entity("steps.postId", p))
                .transpose()?,
            materials: self
                .materials
                .iter()
                .map(|m| {
                    Ok(Material {
                        name: name("steps.materials.name", &m.name)?,
                        required: m.required,
                        source: opt_text("steps.materials.source", &m.source)?,
                    })
                })
                .collect::<Result<_, AppError>>()?,
            procedures: self
                .procedures
                .iter()
                .map(|p| name("steps.procedures", p))
                .collect::<Result<_, _>>()?,
            time_limit: self
                .time_limit
                .as_ref()
                .map(|t| {
                    parse_field(
                        "steps.timeLimit",
                        TimeLimit::new(i64::from(t.days), t.kind.into()),
                    )
                })
                .transpose()?,
            sign_off_levels: levels,
            section_sign_off: self.section_sign_off,
            sub_steps: self
                .sub_steps
                .iter()
                .map(|s| s.parse(&format!("{field}.subSteps")))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// Parses a chart's steps.
pub fn chart(steps: &[WorkflowStepInput]) -> Result<Chart, AppError> {
    if steps.len() > 100 {
        return Err(AppError::bad_input("steps", "at most 100 steps"));
    }
    Ok(Chart {
        steps: steps
            .iter()
            .map(|s| s.parse("steps"))
            .collect::<Result<_, _>>()?,
    })
}

/// The task whose chart a command changes.
pub fn task(department_id: &ID, task_id: &ID) -> Result<(CreditCode, EntityId), AppError> {
    Ok((
        parse_field("departmentId", CreditCode::parse(department_id))?,
        entity("taskId", task_id)?,
    ))
}

/// Draft a new version of a task's chart, edit the draft, or publish new content at once
/// (supersede).
#[derive(InputObject, Debug, Clone)]
pub struct WorkflowChartInput {
    /// The department.
    pub department_id: ID,
    /// The task.
    pub task_id: ID,
    /// The steps, in order.
    pub steps: Vec<WorkflowStepInput>,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Publish or withdraw a task's draft.
#[derive(InputObject, Debug, Clone)]
pub struct WorkflowDraftInput {
    /// The department.
    pub department_id: ID,
    /// The task.
    pub task_id: ID,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}
