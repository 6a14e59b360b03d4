//! Commands of the boundary matter aggregate, and the values they carry.

use serde::{Deserialize, Serialize};

use crate::values::{CreditCode, EntityId, Name, Text};

/// Where duties meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MatterKind {
    /// 部门间: between departments.
    BetweenDepartments,
    /// 处（科）室间: between sections of one department.
    BetweenSections,
    /// 层级间: between levels of government.
    BetweenLevels,
}

/// A party to a matter: a department, or one of its sections (units).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Party {
    /// The party's id inside the matter.
    pub party_id: EntityId,
    /// The department.
    pub department_id: CreditCode,
    /// The section, for matters between sections (or where a department's section is meant).
    pub unit_id: Option<EntityId>,
}

/// A party's role in a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// 牵头: the lead.
    Lead,
    /// 配合: cooperating.
    Cooperating,
}

/// One party's role and duty in a stage.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartyRole {
    /// The party (by its id in the matter).
    pub party_id: EntityId,
    /// Lead or cooperating.
    pub role: Role,
    /// What it must do.
    pub duty: Text,
}

/// A stage of a matter (a matter not split by stage has one, e.g. 全过程).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stage {
    /// Its name, e.g. 食用农产品进入批发、零售市场或者生产加工企业前.
    pub name: Name,
    /// Who does what in it.
    pub roles: Vec<PartyRole>,
}

/// How the parties coordinate (协调机制).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Mechanism {
    /// 联席会议.
    JointMeeting,
    /// 信息共享.
    InformationSharing,
    /// 线索移交.
    ClueHandover,
    /// 联合执法.
    JointEnforcement,
    /// 争议裁定.
    DisputeRuling,
}

/// A ruling (界定): who leads and who cooperates, per stage, on what basis, how coordinated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ruling {
    /// The stages.
    pub stages: Vec<Stage>,
    /// 依据: the legal or policy basis.
    pub basis: Text,
    /// The coordination mechanisms.
    pub mechanisms: Vec<Mechanism>,
}

/// A request to change a boundary matter. The matter is the stream the command is sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoundaryCommand {
    /// Register the matter (once).
    RegisterMatter {
        /// Where duties meet.
        kind: MatterKind,
        /// Its field, e.g. 食品安全.
        field: Name,
        /// Its title.
        title: Name,
        /// What it is about.
        description: Option<Text>,
        /// The parties (at least two).
        parties: Vec<Party>,
    },
    /// Give the matter its first ruling.
    RuleMatter {
        /// The ruling.
        ruling: Ruling,
    },
    /// Replace the ruling in force.
    ReviseRuling {
        /// The new ruling.
        ruling: Ruling,
    },
    /// A party disputes the ruling.
    RaiseDispute {
        /// The dispute's id.
        dispute_id: EntityId,
        /// The party raising it.
        party_id: EntityId,
        /// Why.
        reason: Text,
    },
    /// Decide an open dispute, possibly revising the ruling.
    DecideDispute {
        /// The dispute.
        dispute_id: EntityId,
        /// The decision.
        decision: Text,
        /// A revised ruling, if the decision changes it.
        revised_ruling: Option<Ruling>,
    },
    /// Retire the matter.
    RetireMatter,
}
