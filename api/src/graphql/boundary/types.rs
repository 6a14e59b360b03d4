//! The boundary list's output types.

use async_graphql::{Enum, SimpleObject, ID};
use dutyledger_domain::boundary::{Mechanism, Role};
use dutyledger_projections::boundary_list::MatterView;

/// Where duties meet.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "dutyledger_domain::boundary::MatterKind")]
pub enum MatterKind {
    /// 部门间: between departments.
    BetweenDepartments,
    /// 处（科）室间: between sections of one department.
    BetweenSections,
    /// 层级间: between levels of government.
    BetweenLevels,
}

/// A party's role in a stage.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "dutyledger_domain::boundary::Role")]
pub enum BoundaryRole {
    /// 牵头: the lead.
    Lead,
    /// 配合: cooperating.
    Cooperating,
}

/// How the parties coordinate (协调机制).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "dutyledger_domain::boundary::Mechanism")]
pub enum CoordinationMechanism {
    /// 联席会议: joint meeting.
    JointMeeting,
    /// 信息共享: information sharing.
    InformationSharing,
    /// 线索移交: clue handover.
    ClueHandover,
    /// 联合执法: joint enforcement.
    JointEnforcement,
    /// 争议裁定: dispute ruling.
    DisputeRuling,
}

pub(crate) fn from_stored<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}

/// A party to a boundary matter: a department, or one of its sections.
#[derive(SimpleObject, Clone, Debug)]
pub struct BoundaryParty {
    /// Its id in the matter.
    pub id: ID,
    /// The department (credit code).
    pub department_id: ID,
    /// The section (unit) of the department, if one is meant.
    pub unit_id: Option<ID>,
}

/// A party's role and duty in one stage.
#[derive(SimpleObject, Clone, Debug)]
pub struct BoundaryAssignment {
    /// The party.
    pub party: BoundaryParty,
    /// Lead or cooperating.
    pub role: Option<BoundaryRole>,
    /// What it must do.
    pub duty: String,
}

/// A stage of a ruling, with exactly one lead.
#[derive(SimpleObject, Clone, Debug)]
pub struct BoundaryStage {
    /// Its name (a matter not split by stage has one stage).
    pub name: String,
    /// The lead.
    pub lead: Option<BoundaryAssignment>,
    /// The cooperating parties.
    pub cooperating: Vec<BoundaryAssignment>,
}

/// The ruling in force.
#[derive(SimpleObject, Clone, Debug)]
pub struct BoundaryRuling {
    /// Its number: 1 for the first ruling, then each revision.
    pub number: i32,
    /// The stages.
    pub stages: Vec<BoundaryStage>,
    /// 依据: the legal or policy basis.
    pub basis: String,
    /// The coordination mechanisms.
    pub mechanisms: Vec<CoordinationMechanism>,
}

/// A dispute about a ruling.
#[derive(SimpleObject, Clone, Debug)]
pub struct BoundaryDispute {
    /// Its id.
    pub id: ID,
    /// The party that raised it.
    pub party_id: ID,
    /// Its grounds.
    pub grounds: String,
    /// The ruling it disputes.
    pub ruling_number: i32,
    /// The decision, once decided.
    pub decision: Option<String>,
    /// Whether it is still open.
    pub open: bool,
}

/// A boundary matter (职责边界事项).
#[derive(SimpleObject, Clone, Debug)]
pub struct BoundaryMatter {
    /// Its id.
    pub id: ID,
    /// Where duties meet.
    pub kind: Option<MatterKind>,
    /// Its field, e.g. 食品安全.
    pub field: String,
    /// Its title.
    pub title: String,
    /// What it is about.
    pub description: Option<String>,
    /// The parties.
    pub parties: Vec<BoundaryParty>,
    /// The ruling in force (null while unruled).
    pub ruling: Option<BoundaryRuling>,
    /// Its disputes, open and decided.
    pub disputes: Vec<BoundaryDispute>,
}

fn party(p: &dutyledger_projections::boundary_list::PartyView) -> BoundaryParty {
    BoundaryParty {
        id: ID(p.party_id.clone()),
        department_id: ID(p.department_id.clone()),
        unit_id: p.unit_id.clone().map(ID),
    }
}

impl From<MatterView> for BoundaryMatter {
    fn from(v: MatterView) -> Self {
        let assignment = |r: &dutyledger_projections::boundary_list::RoleView| BoundaryAssignment {
            party: BoundaryParty {
                id: ID(r.party_id.clone()),
                department_id: ID(r.department_id.clone()),
                unit_id: r.unit_id.clone().map(ID),
            },
            role: from_stored::<Role>(&r.role).map(Into::into),
            duty: r.duty.clone(),
        };
        BoundaryMatter {
            id: ID(v.matter_id.clone()),
            kind: from_stored::<dutyledger_domain::boundary::MatterKind>(&v.kind).map(Into::into),
            field: v.field.clone(),
            title: v.title.clone(),
            description: v.description.clone(),
            parties: v.parties.iter().map(party).collect(),
            ruling: v.ruling.as_ref().map(|r| BoundaryRuling {
                number: r.ruling_no as i32,
                basis: r.basis.clone(),
                mechanisms: r
                    .mechanisms
                    .iter()
                    .filter_map(|m| from_stored::<Mechanism>(m))
                    .map(Into::into)
                    .collect(),
                stages: r
                    .stages
                    .iter()
                    .map(|s| BoundaryStage {
                        name: s.name.clone(),
                        lead: s.roles.iter().find(|r| r.role == "Lead").map(assignment),
                        cooperating: s
                            .roles
                            .iter()
                            .filter(|r| r.role != "Lead")
                            .map(assignment)
                            .collect(),
                    })
                    .collect(),
            }),
            disputes: v
                .disputes
                .iter()
                .map(|d| BoundaryDispute {
                    id: ID(d.dispute_id.clone()),
                    party_id: ID(d.party_id.clone()),
                    grounds: d.reason.clone(),
                    ruling_number: d.ruling_no as i32,
                    decision: d.decision.clone(),
                    open: d.decision.is_none(),
                })
                .collect(),
        }
    }
}

/// A department's part in a stage of a matter.
#[derive(SimpleObject, Clone, Debug)]
pub struct DepartmentBoundaryRole {
    /// The stage.
    pub stage: String,
    /// Lead or cooperating.
    pub role: Option<BoundaryRole>,
    /// Its duty there.
    pub duty: String,
    /// The section concerned, if any.
    pub unit_id: Option<ID>,
}

/// A matter on a department's boundary list, with the department's roles and duties in it.
#[derive(SimpleObject, Clone, Debug)]
pub struct DepartmentBoundary {
    /// The matter.
    pub matter: BoundaryMatter,
    /// The department's role and duty in each stage of the ruling in force (empty while
    /// unruled).
    pub roles: Vec<DepartmentBoundaryRole>,
}

/// A matter with an open dispute.
#[derive(SimpleObject, Clone, Debug)]
pub struct OpenBoundaryDispute {
    /// The matter.
    pub matter: BoundaryMatter,
    /// The open dispute.
    pub dispute: BoundaryDispute,
}
