//! Supervision rounds and indicator schemes in the application layer: what their commands need
//! from other aggregates (the scheme version a round pins, the departments in scope, the data
//! sources measured as of a stated `knownAt`), and their reads with the policy applied (a clerk
//! reads its own department's scores once published; reviewers and the office read all).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use dutyledger_domain::round::{
    DepartmentReport, Mode, RoundCommand, RoundPlan, ScopeEntry, Stage, SupervisionRound,
};
use dutyledger_domain::scheme::{IndicatorScheme, SchemeCommand, SchemeDefinition};
use dutyledger_domain::values::{CreditCode, EntityId, Name};
use dutyledger_projections::duty_list::{self, AsOf};
use dutyledger_projections::event_log;
use dutyledger_projections::supervision::{self, Measurement, Period, RoundAt};

use super::commands::{CommandOutcome, Commands, ReadModels, When};
use super::error::AppError;
use super::policy::{authorize, Access};
use crate::context::RequestContext;

/// What a round is planned with (the scheme's content is read from its stream).
#[derive(Debug, Clone)]
pub struct RoundInput {
    /// Its name.
    pub name: Name,
    /// The scheme.
    pub scheme_id: EntityId,
    /// The scheme's version (`None`: the latest).
    pub scheme_version: Option<u32>,
    /// Its mode.
    pub mode: Mode,
    /// The days evaluated.
    pub period: Period,
    /// The departments, with their classes.
    pub scope: Vec<ScopeEntry>,
    /// Its stages (`None`: all five).
    pub stages: Option<Vec<Stage>>,
}

/// How long a scoring waits for the read models to show everything recorded before it.
const CATCH_UP: Duration = Duration::from_secs(30);

impl Commands {
    /// Publishes a version of a scheme (`events: 0` if identical to the latest).
    pub async fn publish_scheme(
        &self,
        ctx: &RequestContext,
        scheme_id: &EntityId,
        definition: SchemeDefinition,
        when: When,
    ) -> Result<CommandOutcome, AppError> {
        self.execute::<IndicatorScheme>(
            ctx,
            scheme_id.as_str(),
            SchemeCommand::Publish { definition },
            when,
        )
        .await
    }

    /// Plans a round: the scheme version must be published (`SCHEME_NOT_FOUND`,
    /// `SCHEME_VERSION_NOT_FOUND`), every department in scope in force when the round is
    /// planned (`DEPARTMENT_NOT_FOUND`).
    pub async fn plan_round(
        &self,
        ctx: &RequestContext,
        round_id: &EntityId,
        input: RoundInput,
        when: When,
    ) -> Result<CommandOutcome, AppError> {
        authorize(&ctx.actor, Access::RunSupervision)?;
        let scheme = supervision::load_scheme(self.pool(), input.scheme_id.as_str(), AsOf::now())
            .await
            .map_err(|e| AppError::from_store(e, &ctx.request_id))?;
        let (version, definition) = match input.scheme_version {
            None => scheme.latest().map(|(v, d)| (v, d.clone())),
            Some(v) => scheme.version(v).map(|d| (v, d.clone())),
        }
        .ok_or_else(|| AppError::NotFound {
            message: match input.scheme_version {
                Some(v) if scheme.versions() > 0 => {
                    format!("scheme {} has no version {v}", input.scheme_id)
                }
                _ => format!("scheme {} not found", input.scheme_id),
            },
            rule: Some(match input.scheme_version {
                Some(_) if scheme.versions() > 0 => "SCHEME_VERSION_NOT_FOUND",
                _ => "SCHEME_NOT_FOUND",
            }),
        })?;
        let at = when.effective_at.unwrap_or_else(Utc::now);
        let as_of = AsOf {
            valid_at: at,
            known_at: Utc::now(),
        };
        let in_force: std::collections::BTreeSet<String> =
            duty_list::departments(self.pool(), as_of)
                .await
                .map_err(|e| AppError::from_store(e, &ctx.request_id))?
                .into_iter()
                .map(|d| d.department_id)
                .collect();
        if let Some(missing) = input
            .scope
            .iter()
            .find(|e| !in_force.contains(e.department_id.as_str()))
        {
            return Err(AppError::NotFound {
                message: format!("department {} not found at {at}", missing.department_id),
                rule: Some("DEPARTMENT_NOT_FOUND"),
            });
        }
        let plan = RoundPlan {
            name: input.name,
            scheme_id: input.scheme_id,
            scheme_version: version,
            scheme: definition,
            mode: input.mode,
            period_from: input.period.from,
            period_to: input.period.to,
            scope: input.scope,
            stages: input.stages.unwrap_or_else(|| Stage::ALL.to_vec()),
        };
        self.execute::<SupervisionRound>(
            ctx,
            round_id.as_str(),
            RoundCommand::Plan(Box::new(plan)),
            when,
        )
        .await
    }

    /// Scores a round from the data as known at `known_at` (default: now; never in the future,
    /// `KNOWN_AT_IN_FUTURE`): waits until the read models show everything recorded so far,
    /// measures every source the scheme names for every department in scope, and records the
    /// points. Returns the outcome and what the measuring took per read model.
    pub async fn score_round(
        &self,
        ctx: &RequestContext,
        round_id: &str,
        known_at: Option<DateTime<Utc>>,
        when: When,
    ) -> Result<(CommandOutcome, Measurement), AppError> {
        authorize(&ctx.actor, Access::RunSupervision)?;
        let now = Utc::now();
        // Microseconds, as the database keeps times: the same instant when measured again.
        let known_at = known_at.unwrap_or(now).trunc_subsecs(6);
        if known_at > now {
            return Err(AppError::BadInput {
                message: format!(
                    "knownAt: {known_at} lies in the future: scores are computed from data already recorded"
                ),
                field: Some("knownAt".into()),
                rule: Some("KNOWN_AT_IN_FUTURE"),
            });
        }
        let round = round_now(self.pool(), round_id, &ctx.request_id).await?;
        let plan = round
            .round
            .plan()
            .ok_or_else(|| round_not_found(round_id))?
            .clone();
        self.caught_up(&ctx.request_id).await?;
        let departments: Vec<CreditCode> =
            plan.scope.iter().map(|e| e.department_id.clone()).collect();
        let measurement = supervision::measure(
            self.pool(),
            &departments,
            Period {
                from: plan.period_from,
                to: plan.period_to,
            },
            known_at,
            &plan.scheme.sources(),
        )
        .await
        .map_err(|e| AppError::from_store(e, &ctx.request_id))?;
        let outcome = self
            .execute::<SupervisionRound>(
                ctx,
                round_id,
                RoundCommand::Score {
                    known_at,
                    observations: measurement.observations.clone(),
                },
                when,
            )
            .await?;
        Ok((outcome, measurement))
    }

    /// Waits until the list projections and the rollups show every event committed so far
    /// (`PROJECTION_BEHIND`, retryable, if they do not within the wait).
    async fn caught_up(&self, request_id: &str) -> Result<(), AppError> {
        let mut conn = self
            .pool()
            .acquire()
            .await
            .map_err(|e| AppError::from_store(e.into(), request_id))?;
        let head = event_log::head(&mut conn)
            .await
            .map_err(|e| AppError::from_store(e, request_id))?;
        drop(conn);
        for read_models in [ReadModels::Lists, ReadModels::Records] {
            if !self.wait_for(head, read_models, CATCH_UP).await {
                return Err(AppError::Conflict {
                    message: "the read models have not caught up with the event log yet; try again"
                        .into(),
                    rule: "PROJECTION_BEHIND",
                });
            }
        }
        Ok(())
    }
}

fn round_not_found(id: &str) -> AppError {
    AppError::NotFound {
        message: format!("supervision round {id} not found"),
        rule: Some("ROUND_NOT_FOUND"),
    }
}

async fn round_now(pool: &sqlx::PgPool, id: &str, request_id: &str) -> Result<RoundAt, AppError> {
    supervision::load_round(pool, id, AsOf::now())
        .await
        .map_err(|e| AppError::from_store(e, request_id))?
        .ok_or_else(|| round_not_found(id))
}

/// A round as of `as_of` (`ROUND_NOT_FOUND` if not planned by then), for an actor who may read
/// rounds.
pub async fn round(
    pool: &sqlx::PgPool,
    ctx: &RequestContext,
    id: &str,
    as_of: AsOf,
) -> Result<RoundAt, AppError> {
    authorize(&ctx.actor, Access::ReadSupervision)?;
    supervision::load_round(pool, id, as_of)
        .await
        .map_err(|e| AppError::from_store(e, &ctx.request_id))?
        .ok_or_else(|| round_not_found(id))
}

/// Every round as of `as_of`.
pub async fn rounds(
    pool: &sqlx::PgPool,
    ctx: &RequestContext,
    as_of: AsOf,
) -> Result<Vec<RoundAt>, AppError> {
    authorize(&ctx.actor, Access::ReadSupervision)?;
    let store = |e| AppError::from_store(e, &ctx.request_id);
    let mut out = Vec::new();
    for id in supervision::round_ids(pool, as_of.known_at)
        .await
        .map_err(store)?
    {
        if let Some(r) = supervision::load_round(pool, &id, as_of)
            .await
            .map_err(store)?
        {
            out.push(r);
        }
    }
    Ok(out)
}

/// A department's scores with its place in the round.
#[derive(Debug, Clone)]
pub struct Ranked {
    /// The scores.
    pub report: DepartmentReport,
    /// Its rank in the round by total (1 best; equal totals share a rank).
    pub rank: usize,
    /// Its rank among the departments of its class.
    pub class_rank: usize,
    /// How many departments the round (its class) ranks.
    pub of: (usize, usize),
}

/// Every department's scores in a round, ranked, best first.
pub fn ranked(round: &SupervisionRound) -> Vec<Ranked> {
    let Some(plan) = round.plan() else {
        return Vec::new();
    };
    let mut reports: Vec<DepartmentReport> = plan
        .scope
        .iter()
        .filter_map(|e| round.report(&e.department_id))
        .collect();
    reports.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then_with(|| a.department_id.cmp(&b.department_id))
    });
    let rank_of = |list: &[&DepartmentReport], r: &DepartmentReport| {
        1 + list.iter().filter(|x| x.total > r.total).count()
    };
    let all: Vec<&DepartmentReport> = reports.iter().collect();
    let mut by_class: BTreeMap<Option<String>, Vec<&DepartmentReport>> = BTreeMap::new();
    for r in &reports {
        by_class.entry(r.class.clone()).or_default().push(r);
    }
    reports
        .iter()
        .map(|r| {
            let class = &by_class[&r.class];
            Ranked {
                report: r.clone(),
                rank: rank_of(&all, r),
                class_rank: rank_of(class, r),
                of: (all.len(), class.len()),
            }
        })
        .collect()
}

/// The departments' scores in a round as of `as_of` that the actor may read: one department's
/// (`FORBIDDEN` if not allowed, `DEPARTMENT_NOT_IN_ROUND` if outside the scope), or all it may
/// read (a clerk: its own, once published).
pub async fn scores(
    pool: &sqlx::PgPool,
    ctx: &RequestContext,
    round_id: &str,
    department: Option<&CreditCode>,
    as_of: AsOf,
) -> Result<(RoundAt, Vec<Ranked>), AppError> {
    let at = round(pool, ctx, round_id, as_of).await?;
    let published = at.round.published();
    let ranked = ranked(&at.round);
    let visible = |d: &CreditCode| {
        authorize(
            &ctx.actor,
            Access::ReadScores {
                department: d,
                published,
            },
        )
    };
    let out = match department {
        Some(d) => {
            let Some(one) = ranked.into_iter().find(|r| r.report.department_id == *d) else {
                return Err(AppError::NotFound {
                    message: format!("department {d} is not in round {round_id}"),
                    rule: Some("DEPARTMENT_NOT_IN_ROUND"),
                });
            };
            visible(d)?;
            vec![one]
        }
        None => ranked
            .into_iter()
            .filter(|r| visible(&r.report.department_id).is_ok())
            .collect(),
    };
    Ok((at, out))
}

/// A department's result in the round before: the published round whose period ends last
/// before this one's begins, with the department in scope.
#[derive(Debug, Clone)]
pub struct Previous {
    /// That round.
    pub round_id: String,
    /// Its scores of the department, ranked there.
    pub ranked: Ranked,
}

/// The previous round's result of a department (see [`Previous`]), as of `as_of`.
pub async fn previous(
    pool: &sqlx::PgPool,
    ctx: &RequestContext,
    round: &RoundAt,
    department: &CreditCode,
    as_of: AsOf,
) -> Result<Option<Previous>, AppError> {
    let Some(plan) = round.round.plan() else {
        return Ok(None);
    };
    let mut best: Option<(chrono::NaiveDate, RoundAt)> = None;
    for other in rounds(pool, ctx, as_of).await? {
        let Some(p) = other.round.plan() else {
            continue;
        };
        if other.id == round.id
            || !other.round.published()
            || p.period_to >= plan.period_from
            || other.round.class_of(department).is_none()
        {
            continue;
        }
        if best.as_ref().is_none_or(|(end, _)| p.period_to > *end) {
            best = Some((p.period_to, other));
        }
    }
    let Some((_, other)) = best else {
        return Ok(None);
    };
    if authorize(
        &ctx.actor,
        Access::ReadScores {
            department,
            published: true,
        },
    )
    .is_err()
    {
        return Ok(None);
    }
    Ok(ranked(&other.round)
        .into_iter()
        .find(|r| r.report.department_id == *department)
        .map(|ranked| Previous {
            round_id: other.id.clone(),
            ranked,
        }))
}

/// A scheme as of `as_of`: its versions (`SCHEME_NOT_FOUND` if none).
pub async fn scheme(
    pool: &sqlx::PgPool,
    ctx: &RequestContext,
    id: &str,
    as_of: AsOf,
) -> Result<IndicatorScheme, AppError> {
    authorize(&ctx.actor, Access::ReadSupervision)?;
    let scheme = supervision::load_scheme(pool, id, as_of)
        .await
        .map_err(|e| AppError::from_store(e, &ctx.request_id))?;
    if scheme.versions() == 0 {
        return Err(AppError::NotFound {
            message: format!("scheme {id} not found"),
            rule: Some("SCHEME_NOT_FOUND"),
        });
    }
    Ok(scheme)
}

/// Every scheme as of `as_of`, by id.
pub async fn schemes(
    pool: &sqlx::PgPool,
    ctx: &RequestContext,
    as_of: AsOf,
) -> Result<Vec<(String, IndicatorScheme)>, AppError> {
    authorize(&ctx.actor, Access::ReadSupervision)?;
    let store = |e| AppError::from_store(e, &ctx.request_id);
    let mut out = Vec::new();
    for id in supervision::scheme_ids(pool, as_of.known_at)
        .await
        .map_err(store)?
    {
        let s = supervision::load_scheme(pool, &id, as_of)
            .await
            .map_err(store)?;
        if s.versions() > 0 {
            out.push((id, s));
        }
    }
    Ok(out)
}
