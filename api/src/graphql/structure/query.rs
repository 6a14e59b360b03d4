//! Queries of the duty-task list. They only read the read models.

use async_graphql::{Context, Object, ID};
use dutyledger_domain::values::CreditCode;
use dutyledger_projections::duty_list;

use super::types::Department;
use crate::graphql::kit::request;
use crate::graphql::time::AsOfInput;
use crate::service::policy::{authorize, may_see_any, Access};
use crate::service::{parse_field, AppError};

/// Queries of the duty-task list.
#[derive(Default, Debug)]
pub struct StructureQuery;

#[Object]
impl StructureQuery {
    /// Every department in force at `asOf` (default: now), in the order they were established.
    async fn departments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<Department>> {
        let (app, rc) = request(ctx)?;
        authorize(&rc.actor, Access::ListDepartments)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let rows = duty_list::departments(&app.pool, as_of)
            .await
            .map_err(|e| AppError::from_store(e, &rc.request_id))?;
        Ok(rows
            .into_iter()
            .filter(|r| may_see_any(&rc.actor, [r.department_id.as_str()]))
            .map(|r| Department::from_row(r, as_of))
            .collect())
    }

    /// One department by its unified social credit code, as in force at `asOf` (default:
    /// now). A malformed code is a `BAD_USER_INPUT` error; a department unknown (or not in force
    /// at that point) a `NOT_FOUND` error (and `null`).
    async fn department(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department's 18-character unified social credit code.")] id: ID,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Option<Department>> {
        let (app, rc) = request(ctx)?;
        let code = parse_field("id", CreditCode::parse(&id))?;
        authorize(&rc.actor, Access::ReadDepartment(&code))?;
        let as_of = AsOfInput::resolve(as_of)?;
        let structure = duty_list::structure(&app.pool, code.as_str(), as_of)
            .await
            .map_err(|e| AppError::from_store(e, &rc.request_id))?;
        match structure {
            Some(s) => Ok(Some(Department::from_structure(s))),
            None => Err(AppError::NotFound {
                message: format!(
                    "department {code} not found (at validAt {}, knownAt {})",
                    as_of.valid_at, as_of.known_at
                ),
                rule: Some("DEPARTMENT_NOT_FOUND"),
            }
            .into()),
        }
    }
}
