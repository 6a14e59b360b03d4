//! The boundary list area (职责边界清单): boundary matters between departments, sections or
//! levels; rulings that name one lead and any cooperating parties per stage; disputes. All
//! queries take `asOf`.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use dutyledger_domain::boundary::{
    BoundaryCommand, Mechanism, Party, PartyRole, Role, Ruling, Stage,
};
use dutyledger_domain::values::{CreditCode, EntityId};
use dutyledger_projections::boundary_list::{self, MatterView};
use dutyledger_projections::duty_list::{self, AsOf, Kind};

use crate::app::{AppState, CommandOutcome};
use crate::auth::policy::{authorize, department_scope, Access, Scope};
use crate::auth::Role as ActorRole;
use crate::context::RequestContext;
use crate::graphql::error::{parse_field, ApiError};
use crate::graphql::structure::inputs::{entity, entity_or_new, name, text, CommandOptions};
use crate::graphql::time::AsOfInput;

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

fn from_stored<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
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

fn scoped(actor: &crate::auth::Actor, views: Vec<MatterView>) -> Vec<MatterView> {
    match department_scope(actor) {
        Scope::All => views,
        Scope::Only(list) => views
            .into_iter()
            .filter(|v| {
                v.parties
                    .iter()
                    .any(|p| list.iter().any(|d| d.as_str() == p.department_id))
            })
            .collect(),
    }
}

fn may_read_boundaries(actor: &crate::auth::Actor) -> Result<(), ApiError> {
    match actor.role {
        ActorRole::Integrator => Err(ApiError::Forbidden(
            "integrator may not read boundary matters".into(),
        )),
        _ => Ok(()),
    }
}

/// A matter with an open dispute.
#[derive(SimpleObject, Clone, Debug)]
pub struct OpenBoundaryDispute {
    /// The matter.
    pub matter: BoundaryMatter,
    /// The open dispute.
    pub dispute: BoundaryDispute,
}

/// Boundary list queries.
#[derive(Default, Debug)]
pub struct BoundaryQuery;

#[Object]
impl BoundaryQuery {
    /// One boundary matter as in force at `asOf` (`NOT_FOUND` if not registered, or retired,
    /// then).
    async fn boundary_matter(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The matter.")] id: ID,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Option<BoundaryMatter>> {
        let app = ctx.data::<AppState>()?;
        let rc = ctx.data::<RequestContext>()?;
        may_read_boundaries(&rc.actor)?;
        let id = entity("id", &id)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let view = boundary_list::matter(&app.pool, id.as_str(), as_of)
            .await
            .map_err(|e| ApiError::from_store(e, &rc.request_id))?;
        let Some(view) = scoped(&rc.actor, view.into_iter().collect()).pop() else {
            return Err(ApiError::NotFound {
                message: format!("boundary matter {id} not found"),
                rule: Some("MATTER_NOT_FOUND"),
            }
            .into());
        };
        Ok(Some(view.into()))
    }

    /// A department's boundary list (职责边界清单) at `asOf`: every matter it is a party to,
    /// with its role and duty in each stage.
    async fn boundary_list(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department.")] department_id: ID,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<DepartmentBoundary>> {
        let app = ctx.data::<AppState>()?;
        let rc = ctx.data::<RequestContext>()?;
        let code = parse_field("departmentId", CreditCode::parse(&department_id))?;
        authorize(&rc.actor, Access::ReadDepartment(&code))?;
        let as_of = AsOfInput::resolve(as_of)?;
        let views = boundary_list::matters_of_department(&app.pool, code.as_str(), as_of)
            .await
            .map_err(|e| ApiError::from_store(e, &rc.request_id))?;
        Ok(views
            .into_iter()
            .map(|v| {
                let roles = v
                    .ruling
                    .iter()
                    .flat_map(|r| r.stages.iter())
                    .flat_map(|s| {
                        s.roles
                            .iter()
                            .filter(|r| r.department_id == code.as_str())
                            .map(|r| DepartmentBoundaryRole {
                                stage: s.name.clone(),
                                role: from_stored::<Role>(&r.role).map(Into::into),
                                duty: r.duty.clone(),
                                unit_id: r.unit_id.clone().map(ID),
                            })
                    })
                    .collect();
                DepartmentBoundary {
                    matter: v.into(),
                    roles,
                }
            })
            .collect())
    }

    /// Matters without a ruling at `asOf`.
    async fn unruled_boundary_matters(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<BoundaryMatter>> {
        let app = ctx.data::<AppState>()?;
        let rc = ctx.data::<RequestContext>()?;
        may_read_boundaries(&rc.actor)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let views = boundary_list::unruled(&app.pool, as_of)
            .await
            .map_err(|e| ApiError::from_store(e, &rc.request_id))?;
        Ok(scoped(&rc.actor, views)
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Disputes not yet decided at `asOf`, with their matters.
    async fn open_boundary_disputes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<OpenBoundaryDispute>> {
        let app = ctx.data::<AppState>()?;
        let rc = ctx.data::<RequestContext>()?;
        may_read_boundaries(&rc.actor)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let views = boundary_list::open_disputes(&app.pool, as_of)
            .await
            .map_err(|e| ApiError::from_store(e, &rc.request_id))?;
        Ok(scoped(&rc.actor, views)
            .into_iter()
            .flat_map(|v| {
                let matter: BoundaryMatter = v.into();
                matter
                    .disputes
                    .clone()
                    .into_iter()
                    .filter(|d| d.open)
                    .map(move |dispute| OpenBoundaryDispute {
                        matter: matter.clone(),
                        dispute,
                    })
            })
            .collect())
    }
}

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
    fn parse(&self) -> Result<Ruling, ApiError> {
        if self.stages.len() > 20 || self.stages.iter().any(|s| s.roles.len() > 50) {
            return Err(ApiError::bad_input(
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
                            .collect::<Result<_, ApiError>>()?,
                    })
                })
                .collect::<Result<_, ApiError>>()?,
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

/// The result of a boundary command.
#[derive(Debug, Clone)]
pub struct BoundaryResult {
    matter_id: EntityId,
    id: Option<EntityId>,
    outcome: CommandOutcome,
}

/// What a boundary command did.
#[Object]
impl BoundaryResult {
    /// The matter.
    async fn matter_id(&self) -> ID {
        ID(self.matter_id.to_string())
    }

    /// The id of what the command created (the matter, the dispute).
    async fn id(&self) -> Option<ID> {
        self.id.as_ref().map(|i| ID(i.to_string()))
    }

    /// Events appended (0: nothing changed).
    async fn events(&self) -> i32 {
        self.outcome.events as i32
    }

    /// The cursor of the last event.
    async fn cursor(&self) -> Option<String> {
        self.outcome.cursor.map(|c| c.to_string())
    }

    /// Whether the read models already show the change.
    async fn projected(&self) -> bool {
        self.outcome.projected
    }

    /// The matter as the read models show it now.
    async fn matter(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<BoundaryMatter>> {
        let app = ctx.data::<AppState>()?;
        let rc = ctx.data::<RequestContext>()?;
        Ok(
            boundary_list::matter(&app.pool, self.matter_id.as_str(), AsOf::now())
                .await
                .map_err(|e| ApiError::from_store(e, &rc.request_id))?
                .map(Into::into),
        )
    }
}

async fn run(
    ctx: &Context<'_>,
    matter_id: EntityId,
    id: Option<EntityId>,
    command: BoundaryCommand,
    options: &CommandOptions,
) -> async_graphql::Result<BoundaryResult> {
    let app = ctx.data::<AppState>()?;
    let rc = ctx.data::<RequestContext>()?;
    let when = options.when()?;
    let outcome = app.commands.boundary(rc, &matter_id, command, when).await?;
    Ok(BoundaryResult {
        matter_id,
        id,
        outcome,
    })
}

fn require_boundary_writer(ctx: &Context<'_>) -> async_graphql::Result<()> {
    let rc = ctx.data::<RequestContext>()?;
    authorize(&rc.actor, Access::WriteBoundary)?;
    Ok(())
}

/// Checks that every party's department (and section) exists at the command's time.
async fn check_parties_exist(
    app: &AppState,
    parties: &[Party],
    at: AsOf,
    request_id: &str,
) -> Result<(), ApiError> {
    for p in parties {
        let s = duty_list::structure(&app.pool, p.department_id.as_str(), at)
            .await
            .map_err(|e| ApiError::from_store(e, request_id))?
            .ok_or_else(|| ApiError::NotFound {
                message: format!(
                    "party {}: department {} not found",
                    p.party_id, p.department_id
                ),
                rule: Some("DEPARTMENT_NOT_FOUND"),
            })?;
        if let Some(unit) = &p.unit_id {
            if s.position(Kind::Unit, unit.as_str()).is_none() {
                return Err(ApiError::NotFound {
                    message: format!(
                        "party {}: unit {unit} not found in department {}",
                        p.party_id, p.department_id
                    ),
                    rule: Some("UNIT_NOT_FOUND"),
                });
            }
        }
    }
    Ok(())
}

/// Boundary list mutations (the supervision office's; a clerk may raise a dispute for its own
/// department).
#[derive(Default, Debug)]
pub struct BoundaryMutation;

#[Object]
impl BoundaryMutation {
    /// Register a boundary matter with its parties (departments must exist; named sections must
    /// be units of their departments).
    async fn register_boundary_matter(
        &self,
        ctx: &Context<'_>,
        input: RegisterBoundaryMatterInput,
    ) -> async_graphql::Result<BoundaryResult> {
        require_boundary_writer(ctx)?;
        let app = ctx.data::<AppState>()?;
        let rc = ctx.data::<RequestContext>()?;
        let matter_id = entity_or_new("matterId", &input.matter_id)?;
        if input.parties.len() > 50 {
            return Err(ApiError::bad_input("parties", "at most 50 parties").into());
        }
        let parties = input
            .parties
            .iter()
            .map(|p| {
                Ok(Party {
                    party_id: entity("parties.partyId", &p.party_id)?,
                    department_id: parse_field(
                        "parties.departmentId",
                        CreditCode::parse(&p.department_id),
                    )?,
                    unit_id: p
                        .unit_id
                        .as_ref()
                        .map(|u| entity("parties.unitId", u))
                        .transpose()?,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let when = input.options.when()?;
        let at = AsOf {
            valid_at: when.effective_at.unwrap_or_else(chrono::Utc::now),
            known_at: chrono::Utc::now(),
        };
        check_parties_exist(app, &parties, at, &rc.request_id).await?;
        let command = BoundaryCommand::RegisterMatter {
            kind: input.kind.into(),
            field: name("field", &input.field)?,
            title: name("title", &input.title)?,
            description: input
                .description
                .as_deref()
                .map(|d| text("description", d))
                .transpose()?,
            parties,
        };
        run(
            ctx,
            matter_id.clone(),
            Some(matter_id),
            command,
            &input.options,
        )
        .await
    }

    /// Give a matter its first ruling: per stage exactly one lead and any cooperating parties,
    /// each with its duty; the basis; the coordination mechanisms.
    async fn rule_boundary_matter(
        &self,
        ctx: &Context<'_>,
        input: BoundaryRulingInput,
    ) -> async_graphql::Result<BoundaryResult> {
        require_boundary_writer(ctx)?;
        let matter_id = entity("matterId", &input.matter_id)?;
        let command = BoundaryCommand::RuleMatter {
            ruling: input.ruling.parse()?,
        };
        run(ctx, matter_id, None, command, &input.options).await
    }

    /// Replace the ruling in force (the earlier one stays in the history).
    async fn revise_boundary_ruling(
        &self,
        ctx: &Context<'_>,
        input: BoundaryRulingInput,
    ) -> async_graphql::Result<BoundaryResult> {
        require_boundary_writer(ctx)?;
        let matter_id = entity("matterId", &input.matter_id)?;
        let command = BoundaryCommand::ReviseRuling {
            ruling: input.ruling.parse()?,
        };
        run(ctx, matter_id, None, command, &input.options).await
    }

    /// Raise a dispute about the ruling in force (a supervisor, or a clerk of the disputing
    /// party's department).
    async fn raise_boundary_dispute(
        &self,
        ctx: &Context<'_>,
        input: RaiseBoundaryDisputeInput,
    ) -> async_graphql::Result<BoundaryResult> {
        let app = ctx.data::<AppState>()?;
        let rc = ctx.data::<RequestContext>()?;
        let matter_id = entity("matterId", &input.matter_id)?;
        let party_id = entity("partyId", &input.party_id)?;
        if rc.actor.role != ActorRole::Supervisor && rc.actor.role != ActorRole::System {
            let view = boundary_list::matter(&app.pool, matter_id.as_str(), AsOf::now())
                .await
                .map_err(|e| ApiError::from_store(e, &rc.request_id))?;
            let department = view
                .as_ref()
                .and_then(|v| v.parties.iter().find(|p| p.party_id == party_id.as_str()))
                .and_then(|p| CreditCode::parse(&p.department_id).ok());
            match department {
                Some(d) => authorize(&rc.actor, Access::DisputeBoundary(&d))?,
                None => {
                    return Err(ApiError::Forbidden(format!(
                        "{} may not dispute this matter",
                        rc.actor.role
                    ))
                    .into())
                }
            }
        }
        let dispute_id = entity_or_new("disputeId", &input.dispute_id)?;
        let command = BoundaryCommand::RaiseDispute {
            dispute_id: dispute_id.clone(),
            party_id,
            reason: text("grounds", &input.grounds)?,
        };
        run(ctx, matter_id, Some(dispute_id), command, &input.options).await
    }

    /// Decide an open dispute, possibly with a revised ruling.
    async fn decide_boundary_dispute(
        &self,
        ctx: &Context<'_>,
        input: DecideBoundaryDisputeInput,
    ) -> async_graphql::Result<BoundaryResult> {
        require_boundary_writer(ctx)?;
        let matter_id = entity("matterId", &input.matter_id)?;
        let dispute_id = entity("disputeId", &input.dispute_id)?;
        let command = BoundaryCommand::DecideDispute {
            dispute_id: dispute_id.clone(),
            decision: text("decision", &input.decision)?,
            revised_ruling: input
                .revised_ruling
                .as_ref()
                .map(RulingInput::parse)
                .transpose()?,
        };
        run(ctx, matter_id, Some(dispute_id), command, &input.options).await
    }

    /// Retire a matter (refused while a dispute is open).
    async fn retire_boundary_matter(
        &self,
        ctx: &Context<'_>,
        input: RetireBoundaryMatterInput,
    ) -> async_graphql::Result<BoundaryResult> {
        require_boundary_writer(ctx)?;
        let matter_id = entity("matterId", &input.matter_id)?;
        run(
            ctx,
            matter_id,
            None,
            BoundaryCommand::RetireMatter,
            &input.options,
        )
        .await
    }
}
