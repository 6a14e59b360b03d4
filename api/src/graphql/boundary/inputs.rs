//! The boundary mutations' input objects, and their parsing into domain values.

use async_graphql::{InputObject, ID};
use dutyledger_domain::boundary::{PartyRole, Ruling, Stage};

use super::types::*;
use crate::graphql::kit::CommandOptions;
use crate::graphql::structure::inputs::{entity, name, text};
use crate::service::AppError;

/// A party of a new matter.
#[derive(InputObject, Debug, Clone)]
pub struct BoundaryPartyInput {
    /// Its id in the matter (e.g. `nyj`).
    pub party_id: ID,
    /// The department (credit code).
    pub department_id: ID,
    /// The section (unit) meant, required for matters between sections.
    pub unit_id: Option<ID>,
}

/// A party's role and duty in a stage.
#[derive(InputObject, Debug, Clone)]
pub struct PartyRoleInput {
    /// The party.
    pub party_id: ID,
    /// Lead or cooperating.
    pub role: BoundaryRole,
    /// What it must do.
    pub duty: String,
}

/// A stage of a ruling.
#[derive(InputObject, Debug, Clone)]
pub struct StageInput {
    /// Its name (use one stage, e.g. 全过程, for a matter not split by stage).
    pub name: String,
    /// Exactly one lead and any cooperating parties.
    pub roles: Vec<PartyRoleInput>,
}

/// A ruling.
#[derive(InputObject, Debug, Clone)]
pub struct RulingInput {
    /// The stages.
    pub stages: Vec<StageInput>,
    /// 依据: the basis.
    pub basis: String,
    /// At least one coordination mechanism.
    pub mechanisms: Vec<CoordinationMechanism>,
}

impl RulingInput {
    /// The ruling, parsed.
    pub fn parse(&self) -> Result<Ruling, AppError> {
        if self.stages.len() > 20 || self.stages.iter().any(|s| s.roles.len() > 50) {
            return Err(AppError::bad_input(
                "ruling.stages",
                "at most 20 stages of 50 roles",
            ));
        }
        Ok(Ruling {
            stages: self
                .stages
                .iter()
                .map(|s| {
                    Ok(Stage {
                        name: name("ruling.stages.name", &s.name)?,
                        roles: s
                            .roles
                            .iter()
                            .map(|r| {
                                Ok(PartyRole {
                                    party_id: entity("ruling.stages.roles.partyId", &r.party_id)?,
                                    role: r.role.into(),
                                    duty: text("ruling.stages.roles.duty", &r.duty)?,
                                })
                            })
                            .collect::<Result<_, AppError>>()?,
                    })
                })
                .collect::<Result<_, AppError>>()?,
            basis: text("ruling.basis", &self.basis)?,
            mechanisms: self.mechanisms.iter().map(|m| (*m).into()).collect(),
        })
    }
}

/// Register a boundary matter.
#[derive(InputObject, Debug, Clone)]
pub struct RegisterBoundaryMatterInput {
    /// The new matter's id; the server assigns one if absent.
    pub matter_id: Option<ID>,
    /// Where duties meet.
    pub kind: MatterKind,
    /// Its field, e.g. 食品安全.
    pub field: String,
    /// Its title.
    pub title: String,
    /// What it is about.
    pub description: Option<String>,
    /// At least two parties (of one department, each with its section, for a matter between
    /// sections).
    pub parties: Vec<BoundaryPartyInput>,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Rule a matter, or revise its ruling.
#[derive(InputObject, Debug, Clone)]
pub struct BoundaryRulingInput {
    /// The matter.
    pub matter_id: ID,
    /// The ruling.
    pub ruling: RulingInput,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Raise a dispute about the ruling in force.
#[derive(InputObject, Debug, Clone)]
pub struct RaiseBoundaryDisputeInput {
    /// The matter.
    pub matter_id: ID,
    /// The dispute's id; the server assigns one if absent.
    pub dispute_id: Option<ID>,
    /// The party raising it.
    pub party_id: ID,
    /// Its grounds.
    pub grounds: String,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Decide an open dispute.
#[derive(InputObject, Debug, Clone)]
pub struct DecideBoundaryDisputeInput {
    /// The matter.
    pub matter_id: ID,
    /// The dispute.
    pub dispute_id: ID,
    /// The decision.
    pub decision: String,
    /// A revised ruling, if the decision changes it.
    pub revised_ruling: Option<RulingInput>,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Retire a matter.
#[derive(InputObject, Debug, Clone)]
pub struct RetireBoundaryMatterInput {
    /// The matter.
    pub matter_id: ID,
    /// Options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}
