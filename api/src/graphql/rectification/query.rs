//! Rectification queries, as of a point in both times (each finding and order folded from its
//! stream: ADR 0014). A clerk reads its own department's; reviewers and the office all.

use async_graphql::{Context, Object, ID};

use super::types::{FindingView, OrderStatus, OrderView};
use crate::graphql::kit::request;
use crate::graphql::time::AsOfInput;
use crate::service::rectification as app;

/// Rectification queries.
#[derive(Default, Debug)]
pub struct RectificationQuery;

#[Object]
impl RectificationQuery {
    /// The findings as of `asOf` (of a department, of a round), in id order.
    async fn findings(
        &self,
        ctx: &Context<'_>,
        department_id: Option<String>,
        round_id: Option<ID>,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<FindingView>> {
        let (state, rc) = request(ctx)?;
        let as_of = AsOfInput::resolve(as_of)?;
        Ok(app::findings(
            &state.pool,
            rc,
            department_id,
            round_id.map(|r| r.to_string()),
            as_of,
        )
        .await?
        .into_iter()
        .map(|s| FindingView {
            s,
            at: as_of.valid_at,
        })
        .collect())
    }

    /// One finding as of `asOf` (`FINDING_NOT_FOUND`).
    async fn finding(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<FindingView> {
        let (state, rc) = request(ctx)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let s = app::one::<dutyledger_domain::finding::Finding>(
            &state.pool,
            rc,
            &id,
            as_of,
            |f| f.subject().map(|s| &s.department_id),
            "FINDING_NOT_FOUND",
        )
        .await?;
        Ok(FindingView {
            s,
            at: as_of.valid_at,
        })
    }

    /// The rectification orders as of `asOf` (of a department; in these states; overdue or
    /// not at `asOf.validAt`), in id order. "Which orders of this department were open and
    /// overdue on 30 June, as known then": `rectificationOrders(departmentId: ..., status: [OPEN,
    /// RETURNED], overdue: true, asOf: {validAt: ..., knownAt: ...})`.
    async fn rectification_orders(
        &self,
        ctx: &Context<'_>,
        department_id: Option<String>,
        status: Option<Vec<OrderStatus>>,
        overdue: Option<bool>,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<OrderView>> {
        let (state, rc) = request(ctx)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let wanted: Option<Vec<dutyledger_domain::rectification::OrderStatus>> =
            status.map(|s| s.into_iter().map(Into::into).collect());
        Ok(app::orders(&state.pool, rc, department_id, as_of)
            .await?
            .into_iter()
            .filter(|o| {
                wanted
                    .as_ref()
                    .is_none_or(|w| w.contains(&o.state.status()))
            })
            .filter(|o| overdue.is_none_or(|x| o.state.overdue_at(as_of.valid_at) == x))
            .map(|s| OrderView {
                s,
                at: as_of.valid_at,
            })
            .collect())
    }

    /// One rectification order as of `asOf` (`ORDER_NOT_FOUND`).
    async fn rectification_order(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<OrderView> {
        let (state, rc) = request(ctx)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let s = app::one::<dutyledger_domain::rectification::RectificationOrder>(
            &state.pool,
            rc,
            &id,
            as_of,
            |o| o.department(),
            "ORDER_NOT_FOUND",
        )
        .await?;
        Ok(OrderView {
            s,
            at: as_of.valid_at,
        })
    }
}
