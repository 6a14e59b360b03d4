//! Boundary list queries: read from the boundary-list projection, within the reader's scope.

use async_graphql::{Context, Object, ID};
use dutyledger_domain::boundary::Role;
use dutyledger_domain::values::CreditCode;
use dutyledger_projections::boundary_list::{self, MatterView};

use super::types::*;
use crate::auth::Actor;
use crate::graphql::kit::request;
use crate::graphql::structure::inputs::entity;
use crate::graphql::time::AsOfInput;
use crate::service::policy::{authorize, may_see_any, Access};
use crate::service::{parse_field, AppError};

/// The matters of `views` the actor may see (a party is a department in its scope).
fn scoped(actor: &Actor, views: Vec<MatterView>) -> Vec<MatterView> {
    views
        .into_iter()
        .filter(|v| may_see_any(actor, v.parties.iter().map(|p| p.department_id.as_str())))
        .collect()
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
        let (app, rc) = request(ctx)?;
        authorize(&rc.actor, Access::ReadBoundaries)?;
        let id = entity("id", &id)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let view = boundary_list::matter(&app.pool, id.as_str(), as_of)
            .await
            .map_err(|e| AppError::from_store(e, &rc.request_id))?;
        let Some(view) = scoped(&rc.actor, view.into_iter().collect()).pop() else {
            return Err(AppError::NotFound {
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
        let (app, rc) = request(ctx)?;
        let code = parse_field("departmentId", CreditCode::parse(&department_id))?;
        authorize(&rc.actor, Access::ReadDepartment(&code))?;
        let as_of = AsOfInput::resolve(as_of)?;
        let views = boundary_list::matters_of_department(&app.pool, code.as_str(), as_of)
            .await
            .map_err(|e| AppError::from_store(e, &rc.request_id))?;
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
        let (app, rc) = request(ctx)?;
        authorize(&rc.actor, Access::ReadBoundaries)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let views = boundary_list::unruled(&app.pool, as_of)
            .await
            .map_err(|e| AppError::from_store(e, &rc.request_id))?;
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
        let (app, rc) = request(ctx)?;
        authorize(&rc.actor, Access::ReadBoundaries)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let views = boundary_list::open_disputes(&app.pool, as_of)
            .await
            .map_err(|e| AppError::from_store(e, &rc.request_id))?;
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
