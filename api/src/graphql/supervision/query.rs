//! Supervision queries, as of a point in both times (schemes and rounds are folded from their
//! streams: ADR 0014). The policy decides what each actor sees: clerks read their own
//! department's scores once published; reviewers and the office read all.

use std::sync::Arc;

use async_graphql::{Context, Object, ID};
use dutyledger_domain::values::CreditCode;

use super::types::{DepartmentScoreView, RoundView, SchemeView, ScoreExplanation};
use crate::graphql::kit::request;
use crate::graphql::time::AsOfInput;
use crate::service::supervision as app;
use crate::service::{parse_field, AppError};

/// Supervision queries.
#[derive(Default, Debug)]
pub struct SupervisionQuery;

#[Object]
impl SupervisionQuery {
    /// Every indicator scheme (its latest version as of `asOf`).
    async fn schemes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<SchemeView>> {
        let (state, rc) = request(ctx)?;
        let as_of = AsOfInput::resolve(as_of)?;
        Ok(app::schemes(&state.pool, rc, as_of)
            .await?
            .into_iter()
            .filter_map(|(id, s)| {
                s.latest().map(|(version, d)| SchemeView {
                    id,
                    version,
                    versions: s.versions(),
                    definition: Arc::new(d.clone()),
                })
            })
            .collect())
    }

    /// One version of a scheme (absent: the latest as of `asOf`). `SCHEME_NOT_FOUND`,
    /// `SCHEME_VERSION_NOT_FOUND`.
    async fn scheme(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<SchemeView> {
        let (state, rc) = request(ctx)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let s = app::scheme(&state.pool, rc, &id, as_of).await?;
        let found = match version {
            None => s.latest().map(|(v, d)| (v, d.clone())),
            Some(v) => u32::try_from(v)
                .ok()
                .and_then(|v| s.version(v).map(|d| (v, d.clone()))),
        };
        let (version, definition) = found.ok_or_else(|| AppError::NotFound {
            message: format!(
                "scheme {} has no version {}",
                id.as_str(),
                version.unwrap_or(0)
            ),
            rule: Some("SCHEME_VERSION_NOT_FOUND"),
        })?;
        Ok(SchemeView {
            id: id.to_string(),
            version,
            versions: s.versions(),
            definition: Arc::new(definition),
        })
    }

    /// Every supervision round as of `asOf`.
    async fn rounds(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<RoundView>> {
        let (state, rc) = request(ctx)?;
        let as_of = AsOfInput::resolve(as_of)?;
        Ok(app::rounds(&state.pool, rc, as_of)
            .await?
            .into_iter()
            .map(|r| RoundView(Arc::new(r)))
            .collect())
    }

    /// One round as of `asOf` (`ROUND_NOT_FOUND` if not planned by then).
    async fn round(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<RoundView> {
        let (state, rc) = request(ctx)?;
        let as_of = AsOfInput::resolve(as_of)?;
        Ok(RoundView(Arc::new(
            app::round(&state.pool, rc, &id, as_of).await?,
        )))
    }

    /// The departments' scores in a round as of `asOf`, best first: one department's
    /// (`departmentId`), or every department the caller may read (a clerk: its own, once the
    /// round is published). `DEPARTMENT_NOT_IN_ROUND`, `ROUND_NOT_FOUND`, `FORBIDDEN`.
    async fn scores(
        &self,
        ctx: &Context<'_>,
        round_id: ID,
        department_id: Option<String>,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<DepartmentScoreView>> {
        let (state, rc) = request(ctx)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let department = department_id
            .map(|d| parse_field("departmentId", CreditCode::parse(&d)))
            .transpose()?;
        let (round, ranked) =
            app::scores(&state.pool, rc, &round_id, department.as_ref(), as_of).await?;
        let round = Arc::new(round);
        Ok(ranked
            .into_iter()
            .map(|ranked| DepartmentScoreView {
                round: round.clone(),
                ranked,
                as_of,
            })
            .collect())
    }

    /// The round's ranking by total (equal totals share a rank), or within one department
    /// class (`departmentClass`, ordered by rank in the class); only the departments the
    /// caller may read.
    async fn ranking(
        &self,
        ctx: &Context<'_>,
        round_id: ID,
        department_class: Option<String>,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<Vec<DepartmentScoreView>> {
        let (state, rc) = request(ctx)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let (round, mut ranked) = app::scores(&state.pool, rc, &round_id, None, as_of).await?;
        if let Some(class) = &department_class {
            ranked.retain(|r| r.report.class.as_deref() == Some(class.as_str()));
            ranked.sort_by_key(|r| r.class_rank);
        }
        let round = Arc::new(round);
        Ok(ranked
            .into_iter()
            .map(|ranked| DepartmentScoreView {
                round: round.clone(),
                ranked,
                as_of,
            })
            .collect())
    }

    /// Why a department has its points for an indicator: the rule applied, the value
    /// measured, the query and the figures, and the items counted with the cursors of the
    /// events that show them; a supervisor's points with their basis. `UNKNOWN_INDICATOR`.
    async fn score_explanation(
        &self,
        ctx: &Context<'_>,
        round_id: ID,
        department_id: String,
        indicator_id: String,
        #[graphql(desc = "The point in valid and transaction time to answer for.")] as_of: Option<
            AsOfInput,
        >,
    ) -> async_graphql::Result<ScoreExplanation> {
        let (state, rc) = request(ctx)?;
        let as_of = AsOfInput::resolve(as_of)?;
        let department = parse_field("departmentId", CreditCode::parse(&department_id))?;
        let (round, ranked) =
            app::scores(&state.pool, rc, &round_id, Some(&department), as_of).await?;
        let result = ranked
            .into_iter()
            .flat_map(|r| r.report.indicators)
            .find(|i| i.indicator_id == indicator_id)
            .ok_or_else(|| AppError::NotFound {
                message: format!("the round's scheme has no indicator {indicator_id:?}"),
                rule: Some("UNKNOWN_INDICATOR"),
            })?;
        Ok(ScoreExplanation::new(
            &round,
            department.to_string(),
            result,
        ))
    }
}
