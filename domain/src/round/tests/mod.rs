//! Given / when / then: every command and refusal of a supervision round, and the properties
//! of its scores (never above a weight, caps kept, a report sums its leaves).
//!
//! - [`commands`]: planning, stages, scoring and adjustments, with their refusals.
//! - [`reviews`]: formal reviews of published scores.
//! - [`props`]: the properties of the scores.
//!
//! The fixtures (a seed-shaped scheme, plans, measurements, commands) are here.

mod commands;
mod props;
mod reviews;

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::refusal::Refusal;
use crate::scheme::{Evidence, Hundredths, Measured, Observation, SchemeDefinition, SHIPPED};
use crate::timeline::Decide;
use crate::values::{CreditCode, EntityId, Name, Text};

fn dept(n: u32) -> CreditCode {
    CreditCode::from_parts('1', '1', "371300", &format!("{:08}", 435000 + n)).expect("code")
}

fn scheme() -> SchemeDefinition {
    SchemeDefinition::parse(SHIPPED[0].1).expect("seed-shaped scheme")
}

fn plan(scope: &[u32]) -> RoundPlan {
    RoundPlan {
        name: Name::parse("2025年度日常监管").expect("name"),
        scheme_id: EntityId::parse("seed").expect("id"),
        scheme_version: 1,
        scheme: scheme(),
        mode: Mode::Routine,
        period_from: NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
        period_to: NaiveDate::from_ymd_opt(2025, 12, 31).expect("date"),
        scope: scope
            .iter()
            .map(|n| ScopeEntry {
                department_id: dept(*n),
                class: None,
            })
            .collect(),
        stages: Stage::ALL.to_vec(),
    }
}

fn known_at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 20, 0, 0, 0).unwrap()
}

fn obs(value: Measured) -> Observation {
    Observation {
        value,
        evidence: Evidence::default(),
    }
}

/// Measurements of every source the seed-shaped scheme reads.
fn observations(d: u32) -> BTreeMap<String, Observation> {
    BTreeMap::from([
        (
            "records.task_activity".into(),
            obs(Measured::Ratio {
                numerator: 3,
                denominator: 4,
            }),
        ),
        (
            "duties.decomposition".into(),
            obs(Measured::Ratio {
                numerator: 9,
                denominator: 10,
            }),
        ),
        (
            "tasks.post_coverage".into(),
            obs(Measured::Ratio {
                numerator: 1,
                denominator: 1,
            }),
        ),
        (
            "workflow.high_risk_without_chart".into(),
            obs(Measured::Count(i64::from(d))),
        ),
        ("tasks.without_posts".into(), obs(Measured::Count(0))),
        ("boundaries.unruled".into(), obs(Measured::Count(1))),
        (
            "powers.completeness".into(),
            obs(Measured::Ratio {
                numerator: 8,
                denominator: 10,
            }),
        ),
        (
            "records.on_time_rate".into(),
            obs(Measured::Ratio {
                numerator: 9,
                denominator: 10,
            }),
        ),
        (
            "cases.completion_rate".into(),
            Observation::no_data("cases are not recorded yet"),
        ),
        (
            "cases.overdue".into(),
            Observation::no_data("cases are not recorded yet"),
        ),
        (
            "rectification.open_orders".into(),
            Observation::no_data("none yet"),
        ),
        (
            "rectification.overdue_orders".into(),
            Observation::no_data("none yet"),
        ),
        ("complaints.12345".into(), Observation::no_data("none yet")),
    ])
}

fn score_command(scope: &[u32]) -> RoundCommand {
    RoundCommand::Score {
        known_at: known_at(),
        observations: scope.iter().map(|d| (dept(*d), observations(*d))).collect(),
    }
}

fn run(state: &mut SupervisionRound, command: RoundCommand) -> Vec<RoundEvent> {
    let events = state.decide(command).expect("accepted");
    for e in &events {
        state.evolve(e.clone());
    }
    events
}

fn refused(state: &SupervisionRound, command: RoundCommand) -> &'static str {
    state.decide(command).expect_err("refused").rule()
}

fn advance(stage: Stage) -> RoundCommand {
    RoundCommand::Advance { stage }
}

fn adjust(d: u32, indicator: &str, points: i64) -> RoundCommand {
    RoundCommand::Adjust {
        department_id: dept(d),
        indicator_id: indicator.into(),
        points: Hundredths(points),
        basis: Text::parse("实地核验座谈记录").expect("text"),
    }
}

/// A round planned over departments 1 and 2, in online analysis, scored.
fn scored_round() -> SupervisionRound {
    let mut r = SupervisionRound::default();
    run(&mut r, RoundCommand::Plan(Box::new(plan(&[1, 2]))));
    run(&mut r, advance(Stage::OnlineAnalysis));
    run(&mut r, score_command(&[1, 2]));
    r
}
