//! The demo supervision round: the shipped schemes, and a 2025 routine round (日常监管) over
//! the demo departments with the seed-shaped scheme, scored from the demo data, manual
//! indicators scored on site with a basis, and published. Driven from the round's current
//! stage, so a second run (or a run after an interruption) does only what is left.

use dutyledger_domain::round::{Mode, RoundCommand, ScopeEntry, Stage, SupervisionRound};
use dutyledger_domain::scheme::{Hundredths, IndicatorKind, Rule, SchemeDefinition, SHIPPED};
use dutyledger_domain::values::{EntityId, Name, Text};
use dutyledger_projections::duty_list::AsOf;
use dutyledger_projections::supervision::{self, Period};

use super::{bad, SeedReport, DEPARTMENTS};
use crate::app::{AppState, When};
use crate::context::RequestContext;
use crate::service::supervision::RoundInput;
use crate::service::AppError;

/// The demo round's id.
pub const ROUND_ID: &str = "2025-routine";
/// The seed-shaped scheme's id (its file name).
pub const SEED_SCHEME: &str = "seed-7-21";

fn now() -> When {
    When::default()
}

/// Publishes the shipped schemes and runs the demo round to publication.
pub async fn round(
    state: &AppState,
    ctx: &RequestContext,
    report: &mut SeedReport,
) -> Result<(), AppError> {
    for (file, text) in SHIPPED {
        let id = file.trim_end_matches(".json");
        report.commands += 1;
        let r = crate::import::scheme::load_scheme(state, ctx, file, id, text, now()).await?;
        report.events += r.events;
    }
    let id = EntityId::parse(ROUND_ID).map_err(bad)?;
    let current = || async {
        supervision::load_round(state.commands.pool(), ROUND_ID, AsOf::now())
            .await
            .map_err(|e| AppError::from_store(e, &ctx.request_id))
    };
    if current().await?.is_none() {
        let scope = DEPARTMENTS
            .iter()
            .map(|d| {
                Ok(ScopeEntry {
                    department_id: d.credit_code().map_err(bad)?,
                    class: None,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let input = RoundInput {
            name: Name::parse("2025年度市直部门职能运行日常监管").map_err(bad)?,
            scheme_id: EntityId::parse(SEED_SCHEME).map_err(bad)?,
            scheme_version: None,
            mode: Mode::Routine,
            period: Period {
                from: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default(),
                to: chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default(),
            },
            scope,
            stages: None,
        };
        report.commands += 1;
        report.events += state
            .commands
            .plan_round(ctx, &id, input, now())
            .await?
            .events;
    }
    let stage_of = |r: &supervision::RoundAt| r.round.stage();
    let mut at = current().await?.and_then(|r| stage_of(&r));
    if at == Some(Stage::Deployment) {
        report.commands += 1;
        report.events += advance(state, ctx, Stage::OnlineAnalysis).await?;
        at = Some(Stage::OnlineAnalysis);
    }
    if at == Some(Stage::OnlineAnalysis) {
        let round = current().await?;
        if round.as_ref().is_some_and(|r| r.round.known_at().is_none()) {
            report.commands += 1;
            let (outcome, _) = state
                .commands
                .score_round(ctx, ROUND_ID, None, now())
                .await?;
            report.events += outcome.events;
        }
        report.commands += 1;
        report.events += advance(state, ctx, Stage::OnSiteVerification).await?;
        at = Some(Stage::OnSiteVerification);
    }
    if at == Some(Stage::OnSiteVerification) {
        let round = current().await?.map(|r| r.round);
        if let Some(round) = round {
            for (command, _) in on_site_scores(&round)? {
                report.commands += 1;
                report.events += state
                    .commands
                    .execute::<SupervisionRound>(ctx, ROUND_ID, command, now())
                    .await?
                    .events;
            }
        }
        report.commands += 1;
        report.events += advance(state, ctx, Stage::OverallEvaluation).await?;
    }
    Ok(())
}

async fn advance(state: &AppState, ctx: &RequestContext, stage: Stage) -> Result<usize, AppError> {
    Ok(state
        .commands
        .execute::<SupervisionRound>(ctx, ROUND_ID, RoundCommand::Advance { stage }, now())
        .await?
        .events)
}

/// The on-site verification of the demo: every manual indicator of every department scored, a
/// deterministic share of its weight (core and corroborating: 70% to 95%; negative: 0 or a
/// small deduction), with a basis.
fn on_site_scores(round: &SupervisionRound) -> Result<Vec<(RoundCommand, String)>, AppError> {
    let Some(plan) = round.plan() else {
        return Ok(Vec::new());
    };
    let scheme: &SchemeDefinition = &plan.scheme;
    let mut out = Vec::new();
    for (n, entry) in plan.scope.iter().enumerate() {
        for (k, leaf) in scheme.leaves().into_iter().enumerate() {
            if leaf.rule != Some(Rule::Manual) {
                continue;
            }
            let weight = leaf.weight_for(entry.class.as_deref()).0;
            let seed = (n * 7 + k * 3) as i64;
            let points = match leaf.kind {
                IndicatorKind::Negative => -(weight * (seed % 3) / 10),
                _ => weight * (70 + (seed * 5) % 26) / 100,
            };
            let basis = format!(
                "实地核验：查阅{}年度档案资料、座谈{}人，核定“{}”",
                plan.period_to.format("%Y"),
                3 + seed % 5,
                leaf.name
            );
            out.push((
                RoundCommand::Adjust {
                    department_id: entry.department_id.clone(),
                    indicator_id: leaf.id.clone(),
                    points: Hundredths(points),
                    basis: Text::parse(&basis).map_err(bad)?,
                },
                leaf.id.clone(),
            ));
        }
    }
    Ok(out)
}
