//! A boundary matter as the read side stores and returns it.

use dutyledger_domain::boundary::{BoundaryMatter, Role};
use serde::{Deserialize, Serialize};

use crate::duty_list::enum_text;

/// A party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartyView {
    /// Its id in the matter.
    pub party_id: String,
    /// Its department.
    pub department_id: String,
    /// Its section, if a section is meant.
    pub unit_id: Option<String>,
}

/// A party's role and duty in a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleView {
    /// The party.
    pub party_id: String,
    /// Its department.
    pub department_id: String,
    /// Its section.
    pub unit_id: Option<String>,
    /// `Lead` or `Cooperating`.
    pub role: String,
    /// Its duty.
    pub duty: String,
}

/// A stage of a ruling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageView {
    /// Its name.
    pub name: String,
    /// Who does what.
    pub roles: Vec<RoleView>,
}

/// The ruling in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RulingView {
    /// Its number (1 for the first ruling, then each revision).
    pub ruling_no: u32,
    /// Its stages.
    pub stages: Vec<StageView>,
    /// Its basis.
    pub basis: String,
    /// Its coordination mechanisms (`JointMeeting`, ...).
    pub mechanisms: Vec<String>,
}

/// A dispute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisputeView {
    /// Its id.
    pub dispute_id: String,
    /// The party that raised it.
    pub party_id: String,
    /// Why.
    pub reason: String,
    /// The ruling disputed.
    pub ruling_no: u32,
    /// The decision, once decided.
    pub decision: Option<String>,
}

/// A boundary matter at one point in time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatterView {
    /// Its id.
    pub matter_id: String,
    /// `BetweenDepartments`, `BetweenSections` or `BetweenLevels`.
    pub kind: String,
    /// Its field.
    pub field: String,
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: Option<String>,
    /// The parties.
    pub parties: Vec<PartyView>,
    /// The ruling in force, if ruled.
    pub ruling: Option<RulingView>,
    /// Its disputes.
    pub disputes: Vec<DisputeView>,
}

impl MatterView {
    /// The view of a matter's state (`None` before registration and after retirement).
    pub fn of(matter_id: &str, m: &BoundaryMatter) -> Option<MatterView> {
        if m.is_retired() {
            return None;
        }
        let r = m.registration()?;
        let party = |id: &str| r.parties.iter().find(|p| p.party_id.as_str() == id);
        Some(MatterView {
            matter_id: matter_id.to_owned(),
            kind: enum_text(&r.kind),
            field: r.field.to_string(),
            title: r.title.to_string(),
            description: r.description.as_ref().map(ToString::to_string),
            parties: r
                .parties
                .iter()
                .map(|p| PartyView {
                    party_id: p.party_id.to_string(),
                    department_id: p.department_id.to_string(),
                    unit_id: p.unit_id.as_ref().map(ToString::to_string),
                })
                .collect(),
            ruling: m.ruling().map(|(no, ruling)| RulingView {
                ruling_no: no,
                basis: ruling.basis.to_string(),
                mechanisms: ruling.mechanisms.iter().map(enum_text).collect(),
                stages: ruling
                    .stages
                    .iter()
                    .map(|s| StageView {
                        name: s.name.to_string(),
                        roles: s
                            .roles
                            .iter()
                            .map(|role| {
                                let p = party(role.party_id.as_str());
                                RoleView {
                                    party_id: role.party_id.to_string(),
                                    department_id: p
                                        .map(|p| p.department_id.to_string())
                                        .unwrap_or_default(),
                                    unit_id: p
                                        .and_then(|p| p.unit_id.as_ref().map(ToString::to_string)),
                                    role: match role.role {
                                        Role::Lead => "Lead".into(),
                                        Role::Cooperating => "Cooperating".into(),
                                    },
                                    duty: role.duty.to_string(),
                                }
                            })
                            .collect(),
                    })
                    .collect(),
            }),
            disputes: m
                .disputes()
                .map(|d| DisputeView {
                    dispute_id: d.dispute_id.to_string(),
                    party_id: d.party_id.to_string(),
                    reason: d.reason.to_string(),
                    ruling_no: d.ruling_no,
                    decision: d.decision.map(ToString::to_string),
                })
                .collect(),
        })
    }

    /// The departments of its parties, without repeats.
    pub fn departments(&self) -> Vec<String> {
        let mut d: Vec<String> = self
            .parties
            .iter()
            .map(|p| p.department_id.clone())
            .collect();
        d.sort();
        d.dedup();
        d
    }

    /// How many disputes are undecided.
    pub fn open_disputes(&self) -> usize {
        self.disputes
            .iter()
            .filter(|d| d.decision.is_none())
            .count()
    }
}
