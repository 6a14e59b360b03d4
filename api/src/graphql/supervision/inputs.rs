//! The supervision area's inputs and their parsing into domain values.

use async_graphql::{InputObject, Json, ID};
use chrono::{DateTime, NaiveDate, Utc};
use dutyledger_domain::round::ScopeEntry;
use dutyledger_domain::scheme::{Hundredths, SchemeDefinition};
use dutyledger_domain::values::{CreditCode, EntityId, Name, Text};
use dutyledger_projections::supervision::Period;

use super::types::{RoundMode, RoundStage};
use crate::graphql::kit::CommandOptions;
use crate::service::supervision::RoundInput;
use crate::service::{parse_field, AppError};

/// The most departments a round may have in scope.
pub const MAX_SCOPE: usize = 2_000;

/// Publish a version of an indicator scheme.
#[derive(InputObject, Debug, Clone)]
pub struct PublishSchemeInput {
    /// The scheme's id (a new id starts a scheme; an existing one gets a new version).
    pub scheme_id: ID,
    /// The content, in the scheme file format (`data/schemes/*.json`; the README's
    /// "Supervision rounds" section describes it).
    pub definition: Json<serde_json::Value>,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

impl PublishSchemeInput {
    /// The scheme id and content, parsed (the scheme's rules are the domain's).
    pub fn parse(&self) -> Result<(EntityId, SchemeDefinition), AppError> {
        let id = parse_field("schemeId", EntityId::parse(&self.scheme_id))?;
        let definition: SchemeDefinition = serde_json::from_value(self.definition.0.clone())
            .map_err(|e| AppError::BadInput {
                message: format!("definition: {e}"),
                field: Some("definition".into()),
                rule: Some("INVALID_SCHEME_FILE"),
            })?;
        Ok((id, definition))
    }
}

/// A department in a round's scope.
#[derive(InputObject, Debug, Clone)]
pub struct RoundScopeInput {
    /// The department's credit code.
    pub department_id: String,
    /// Its class, when the scheme weighs classes (required then).
    pub department_class: Option<String>,
}

/// Plan a supervision round.
#[derive(InputObject, Debug, Clone)]
pub struct PlanRoundInput {
    /// The round's id (absent: the command id, else a new one).
    pub round_id: Option<ID>,
    /// Its name.
    pub name: String,
    /// The scheme.
    pub scheme_id: ID,
    /// The scheme's version (absent: the latest).
    pub scheme_version: Option<i32>,
    /// Its mode.
    pub mode: RoundMode,
    /// The first day evaluated (Beijing time).
    pub period_from: NaiveDate,
    /// The last day evaluated.
    pub period_to: NaiveDate,
    /// The departments in scope (at most 2,000).
    pub scope: Vec<RoundScopeInput>,
    /// Its stages, in order (absent: all five). Online analysis and overall evaluation are
    /// required.
    pub stages: Option<Vec<RoundStage>>,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

impl PlanRoundInput {
    /// The round id and what it is planned with, parsed.
    pub fn parse(&self) -> Result<(EntityId, RoundInput), AppError> {
        let id = self.options.entity_or_new("roundId", &self.round_id)?;
        if self.scope.len() > MAX_SCOPE {
            return Err(AppError::bad_input(
                "scope",
                format!("at most {MAX_SCOPE} departments"),
            ));
        }
        let scope = self
            .scope
            .iter()
            .enumerate()
            .map(|(i, e)| {
                Ok(ScopeEntry {
                    department_id: parse_field(
                        &format!("scope[{i}].departmentId"),
                        CreditCode::parse(&e.department_id),
                    )?,
                    class: e.department_class.clone(),
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let scheme_version = match self.scheme_version {
            None => None,
            Some(v) if v >= 1 => Some(v as u32),
            Some(_) => {
                return Err(AppError::bad_input(
                    "schemeVersion",
                    "versions count from 1",
                ))
            }
        };
        Ok((
            id,
            RoundInput {
                name: parse_field("name", Name::parse_field("name", &self.name))?,
                scheme_id: parse_field("schemeId", EntityId::parse(&self.scheme_id))?,
                scheme_version,
                mode: self.mode.into(),
                period: Period {
                    from: self.period_from,
                    to: self.period_to,
                },
                scope,
                stages: self
                    .stages
                    .as_ref()
                    .map(|s| s.iter().map(|x| (*x).into()).collect()),
            },
        ))
    }
}

/// Enter a round's next stage.
#[derive(InputObject, Debug, Clone)]
pub struct AdvanceRoundInput {
    /// The round.
    pub round_id: ID,
    /// The stage (the next one of the round's).
    pub stage: RoundStage,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Score a round from the data.
#[derive(InputObject, Debug, Clone)]
pub struct ScoreRoundInput {
    /// The round.
    pub round_id: ID,
    /// Read the data as known at this instant (absent: now; never in the future).
    pub known_at: Option<DateTime<Utc>>,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Score a manual indicator, or correct a computed one.
#[derive(InputObject, Debug, Clone)]
pub struct AdjustScoreInput {
    /// The round.
    pub round_id: ID,
    /// The department.
    pub department_id: String,
    /// The leaf indicator.
    pub indicator_id: String,
    /// Its points (two decimal places at most): 0 to the weight; for a negative indicator,
    /// minus the weight to 0.
    pub points: f64,
    /// The written basis (on-site verification records, documents).
    pub basis: String,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

impl AdjustScoreInput {
    /// The department, points and basis, parsed.
    pub fn parse(&self) -> Result<(CreditCode, Hundredths, Text), AppError> {
        Ok((
            parse_field("departmentId", CreditCode::parse(&self.department_id))?,
            Hundredths::from_f64(self.points).ok_or_else(|| {
                AppError::bad_input("points", "a number with at most two decimal places")
            })?,
            parse_field("basis", Text::parse_field("basis", &self.basis))?,
        ))
    }
}

/// Ask for a formal review of published scores.
#[derive(InputObject, Debug, Clone)]
pub struct RequestScoreReviewInput {
    /// The round.
    pub round_id: ID,
    /// The request's id (absent: the command id, else a new one).
    pub request_id: Option<ID>,
    /// The department (the caller's, for a clerk).
    pub department_id: String,
    /// The indicator, if one.
    pub indicator_id: Option<String>,
    /// Why.
    pub reason: String,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

impl RequestScoreReviewInput {
    /// The request id, department and reason, parsed.
    pub fn parse(&self) -> Result<(EntityId, CreditCode, Text), AppError> {
        Ok((
            self.options.entity_or_new("requestId", &self.request_id)?,
            parse_field("departmentId", CreditCode::parse(&self.department_id))?,
            parse_field("reason", Text::parse_field("reason", &self.reason))?,
        ))
    }
}

/// A leaf's revised points.
#[derive(InputObject, Debug, Clone)]
pub struct RevisionInput {
    /// The leaf indicator.
    pub indicator_id: String,
    /// Its new points (two decimal places at most).
    pub points: f64,
}

/// Decide a review of scores.
#[derive(InputObject, Debug, Clone)]
pub struct DecideScoreReviewInput {
    /// The round.
    pub round_id: ID,
    /// The request.
    pub request_id: ID,
    /// The outcome.
    pub outcome: crate::graphql::rectification::types::ReviewOutcome,
    /// Why.
    pub reason: String,
    /// For `CHANGED`: the leaves' new points (at most 500).
    pub revisions: Option<Vec<RevisionInput>>,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

impl DecideScoreReviewInput {
    /// The request id, reason and revisions, parsed.
    #[allow(clippy::type_complexity)]
    pub fn parse(&self) -> Result<(EntityId, Text, Vec<(String, Hundredths)>), AppError> {
        let revisions = self.revisions.clone().unwrap_or_default();
        if revisions.len() > 500 {
            return Err(AppError::bad_input("revisions", "at most 500"));
        }
        Ok((
            parse_field("requestId", EntityId::parse(&self.request_id))?,
            parse_field("reason", Text::parse_field("reason", &self.reason))?,
            revisions
                .iter()
                .map(|r| {
                    Ok((
                        r.indicator_id.clone(),
                        Hundredths::from_f64(r.points).ok_or_else(|| {
                            AppError::bad_input("revisions.points", "at most two decimal places")
                        })?,
                    ))
                })
                .collect::<Result<_, AppError>>()?,
        ))
    }
}
