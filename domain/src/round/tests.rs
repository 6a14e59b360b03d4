//! Given / when / then: every command and refusal of a supervision round, and the properties
//! of its scores (never above a weight, caps kept, a report sums its leaves).

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::refusal::Refusal;
use crate::scheme::{
    Evidence, Hundredths, IndicatorKind, Measured, Observation, SchemeDefinition, SHIPPED,
};
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

#[test]
fn planning_starts_the_round_in_its_first_stage() {
    let mut r = SupervisionRound::default();
    let events = run(&mut r, RoundCommand::Plan(Box::new(plan(&[1]))));
    assert_eq!(events, vec![RoundEvent::RoundPlanned(Box::new(plan(&[1])))]);
    assert_eq!(r.stage(), Some(Stage::Deployment));
    assert_eq!(
        refused(&r, RoundCommand::Plan(Box::new(plan(&[1])))),
        "ROUND_EXISTS"
    );
    assert!(r
        .decide(RoundCommand::Plan(Box::new(plan(&[1]))))
        .expect_err("refused")
        .already_done());
}

#[test]
fn bad_plans_are_refused() {
    let r = SupervisionRound::default();
    let mut p = plan(&[]);
    assert_eq!(
        refused(&r, RoundCommand::Plan(Box::new(p.clone()))),
        "EMPTY_SCOPE"
    );
    p = plan(&[1, 1]);
    assert_eq!(
        refused(&r, RoundCommand::Plan(Box::new(p))),
        "DUPLICATE_DEPARTMENT"
    );
    p = plan(&[1]);
    p.period_to = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    assert_eq!(
        refused(&r, RoundCommand::Plan(Box::new(p))),
        "PERIOD_INVERTED"
    );
    p = plan(&[1]);
    p.stages = vec![
        Stage::Deployment,
        Stage::OverallEvaluation,
        Stage::OnlineAnalysis,
    ];
    assert_eq!(
        refused(&r, RoundCommand::Plan(Box::new(p))),
        "INVALID_STAGES"
    );
    p = plan(&[1]);
    p.stages = vec![Stage::Deployment, Stage::OverallEvaluation];
    assert_eq!(
        refused(&r, RoundCommand::Plan(Box::new(p))),
        "INVALID_STAGES"
    );
    p = plan(&[1]);
    p.scope[0].class = Some("综合管理类".into());
    assert_eq!(
        refused(&r, RoundCommand::Plan(Box::new(p))),
        "UNKNOWN_CLASS"
    );
    p = plan(&[1]);
    p.scheme = SchemeDefinition::parse(SHIPPED[1].1).expect("linyi");
    assert_eq!(
        refused(&r, RoundCommand::Plan(Box::new(p))),
        "CLASS_REQUIRED"
    );
}

#[test]
fn stages_are_entered_in_order_and_none_is_skipped() {
    let mut r = SupervisionRound::default();
    assert_eq!(
        refused(&r, advance(Stage::OnlineAnalysis)),
        "ROUND_NOT_FOUND"
    );
    run(&mut r, RoundCommand::Plan(Box::new(plan(&[1]))));
    assert_eq!(
        refused(&r, advance(Stage::OnSiteVerification)),
        "STAGE_SKIPPED"
    );
    assert_eq!(refused(&r, advance(Stage::Deployment)), "ALREADY_IN_STAGE");
    assert_eq!(
        run(&mut r, advance(Stage::OnlineAnalysis)),
        vec![RoundEvent::RoundStageEntered {
            stage: Stage::OnlineAnalysis
        }]
    );
    assert_eq!(refused(&r, advance(Stage::Deployment)), "STAGE_PASSED");
    assert_eq!(
        refused(&r, advance(Stage::OnSiteVerification)),
        "NOT_SCORED",
        "a round leaves online analysis only once scored"
    );
}

#[test]
fn a_round_without_on_site_verification_goes_straight_to_evaluation() {
    let mut r = SupervisionRound::default();
    let mut p = plan(&[1]);
    p.mode = Mode::BigData;
    p.stages = vec![Stage::OnlineAnalysis, Stage::OverallEvaluation];
    run(&mut r, RoundCommand::Plan(Box::new(p)));
    assert_eq!(r.stage(), Some(Stage::OnlineAnalysis));
    run(&mut r, score_command(&[1]));
    assert_eq!(
        refused(&r, advance(Stage::OnSiteVerification)),
        "STAGE_NOT_IN_ROUND"
    );
    let events = run(&mut r, advance(Stage::OverallEvaluation));
    assert_eq!(events.len(), 2);
    assert!(r.published());
    assert_eq!(
        refused(&r, advance(Stage::Rectification)),
        "STAGE_NOT_IN_ROUND"
    );
}

#[test]
fn scoring_computes_every_department_in_scope() {
    let r = scored_round();
    let report = r.report(&dept(1)).expect("in scope");
    let leaf = |id: &str| {
        report
            .indicators
            .iter()
            .find(|i| i.indicator_id == id)
            .expect("indicator")
            .clone()
    };
    // 3/4 active tasks, linear 50..100 on 10 points: 5.
    assert_eq!(leaf("basic.activity").points, Some(Hundredths(500)));
    // 90% decomposed: the 80% step gives 5.
    assert_eq!(leaf("basic.decomposition").points, Some(Hundredths(500)));
    assert_eq!(leaf("basic.posts").points, Some(Hundredths(700)));
    assert_eq!(leaf("basic").points, Some(Hundredths(1700)));
    // One high-risk task without a chart: 6 - 1.
    assert_eq!(leaf("internal.charts").points, Some(Hundredths(500)));
    // Manual and sources without data are shown as such, never as zero.
    assert_eq!(leaf("goals.key_tasks").points, None);
    assert!(leaf("goals.key_tasks").no_score.is_some());
    assert_eq!(leaf("approval.completion").points, None);
    assert!(!report.complete);
    let d2 = r.report(&dept(2)).expect("in scope");
    let charts = d2
        .indicators
        .iter()
        .find(|i| i.indicator_id == "internal.charts")
        .expect("leaf");
    assert_eq!(charts.points, Some(Hundredths(400)));
    assert_eq!(report.total.0 - d2.total.0, 100);
}

#[test]
fn scoring_a_department_outside_the_round_is_refused() {
    let mut r = SupervisionRound::default();
    run(&mut r, RoundCommand::Plan(Box::new(plan(&[1]))));
    run(&mut r, advance(Stage::OnlineAnalysis));
    assert_eq!(
        refused(&r, score_command(&[1, 3])),
        "DEPARTMENT_NOT_IN_ROUND"
    );
    run(&mut r, score_command(&[1]));
    assert_eq!(
        refused(&r, adjust(3, "goals.key_tasks", 800)),
        "DEPARTMENT_NOT_IN_ROUND"
    );
}

#[test]
fn scoring_outside_online_analysis_is_refused() {
    let mut r = SupervisionRound::default();
    run(&mut r, RoundCommand::Plan(Box::new(plan(&[1]))));
    assert_eq!(refused(&r, score_command(&[1])), "STAGE_DOES_NOT_ALLOW");
    assert_eq!(
        refused(&r, adjust(1, "goals.key_tasks", 800)),
        "STAGE_DOES_NOT_ALLOW"
    );
}

#[test]
fn adjustments_score_manual_indicators_and_correct_computed_ones() {
    let mut r = scored_round();
    run(&mut r, advance(Stage::OnSiteVerification));
    run(&mut r, adjust(1, "goals.key_tasks", 850));
    run(&mut r, adjust(1, "basic.activity", 600));
    run(&mut r, adjust(1, "powers.overreach", -200));
    let report = r.report(&dept(1)).expect("in scope");
    let leaf = |id: &str| {
        report
            .indicators
            .iter()
            .find(|i| i.indicator_id == id)
            .expect("indicator")
            .clone()
    };
    assert_eq!(leaf("goals.key_tasks").points, Some(Hundredths(850)));
    assert_eq!(leaf("basic.activity").points, Some(Hundredths(600)));
    assert_eq!(leaf("basic.activity").computed, Some(Hundredths(500)));
    assert_eq!(leaf("powers.overreach").points, Some(Hundredths(-200)));
    // The same adjustment again changes nothing.
    assert_eq!(r.decide(adjust(1, "goals.key_tasks", 850)), Ok(vec![]));
}

#[test]
fn bad_adjustments_are_refused() {
    let r = scored_round();
    assert_eq!(
        refused(&r, adjust(1, "goals.key_tasks", 1001)),
        "POINTS_OUT_OF_RANGE"
    );
    assert_eq!(
        refused(&r, adjust(1, "goals.key_tasks", -1)),
        "POINTS_OUT_OF_RANGE"
    );
    assert_eq!(
        refused(&r, adjust(1, "powers.overreach", 1)),
        "POINTS_OUT_OF_RANGE"
    );
    assert_eq!(refused(&r, adjust(1, "goals", 100)), "NOT_A_LEAF");
    assert_eq!(refused(&r, adjust(1, "nope", 100)), "UNKNOWN_INDICATOR");
    let mut unscored = SupervisionRound::default();
    run(&mut unscored, RoundCommand::Plan(Box::new(plan(&[1]))));
    run(&mut unscored, advance(Stage::OnlineAnalysis));
    assert_eq!(
        refused(&unscored, adjust(1, "goals.key_tasks", 100)),
        "NOT_SCORED"
    );
}

#[test]
fn a_published_score_cannot_change() {
    let mut r = scored_round();
    run(&mut r, advance(Stage::OnSiteVerification));
    let events = run(&mut r, advance(Stage::OverallEvaluation));
    assert_eq!(
        events,
        vec![
            RoundEvent::RoundStageEntered {
                stage: Stage::OverallEvaluation
            },
            RoundEvent::ScoresPublished {
                known_at: known_at()
            }
        ]
    );
    assert_eq!(
        refused(&r, adjust(1, "goals.key_tasks", 100)),
        "SCORES_PUBLISHED"
    );
    assert_eq!(refused(&r, score_command(&[1])), "SCORES_PUBLISHED");
    run(&mut r, advance(Stage::Rectification));
    assert_eq!(
        refused(&r, advance(Stage::Rectification)),
        "ALREADY_IN_STAGE"
    );
}

#[test]
fn scoring_again_replaces_computed_points_and_keeps_adjustments() {
    let mut r = scored_round();
    run(&mut r, adjust(1, "goals.key_tasks", 900));
    let mut later = observations(1);
    later.insert(
        "workflow.high_risk_without_chart".into(),
        obs(Measured::Count(3)),
    );
    run(
        &mut r,
        RoundCommand::Score {
            known_at: known_at() + chrono::Duration::days(1),
            observations: BTreeMap::from([(dept(1), later)]),
        },
    );
    let report = r.report(&dept(1)).expect("in scope");
    let leaf = |id: &str| {
        report
            .indicators
            .iter()
            .find(|i| i.indicator_id == id)
            .expect("indicator")
            .points
    };
    assert_eq!(leaf("internal.charts"), Some(Hundredths(300)));
    assert_eq!(leaf("goals.key_tasks"), Some(Hundredths(900)));
    assert_eq!(r.known_at(), Some(known_at() + chrono::Duration::days(1)));
}

#[test]
fn a_round_concerns_its_departments() {
    use crate::concerns::Concerns;
    let r = scored_round();
    assert_eq!(r.departments(), vec![dept(1), dept(2)]);
}

fn review(rid: &str, asked_day: u32, closes_day: u32) -> RoundCommand {
    let day = |d: u32| Utc.with_ymd_and_hms(2026, 2, d, 1, 0, 0).unwrap();
    RoundCommand::RequestReview {
        request_id: EntityId::parse(rid).expect("id"),
        department_id: dept(1),
        indicator_id: Some("goals.key_tasks".into()),
        reason: Text::parse("重点任务已完成，佐证材料见附件").expect("text"),
        at: day(asked_day),
        window_closes_at: day(closes_day),
        decide_by: day(asked_day + 14),
    }
}

fn decision(
    rid: &str,
    outcome: crate::review::ReviewOutcome,
    revisions: Vec<(&str, i64)>,
) -> RoundCommand {
    RoundCommand::DecideReview {
        request_id: EntityId::parse(rid).expect("id"),
        outcome,
        reason: Text::parse("经复核").expect("text"),
        at: Utc.with_ymd_and_hms(2026, 2, 20, 1, 0, 0).unwrap(),
        revisions: revisions
            .into_iter()
            .map(|(i, p)| (i.to_owned(), Hundredths(p)))
            .collect(),
    }
}

fn published_round() -> SupervisionRound {
    let mut r = scored_round();
    run(&mut r, adjust(1, "goals.key_tasks", 700));
    run(&mut r, advance(Stage::OnSiteVerification));
    run(&mut r, advance(Stage::OverallEvaluation));
    r
}

#[test]
fn scores_are_reviewed_only_once_published_and_within_the_window() {
    use crate::review::ReviewOutcome;
    let r = scored_round();
    assert_eq!(refused(&r, review("rq1", 3, 10)), "NOT_REVIEWABLE");
    let mut r = published_round();
    assert_eq!(
        refused(&r, review("rq1", 10, 10)),
        "REVIEW_WINDOW_CLOSED",
        "a day late"
    );
    run(&mut r, review("rq1", 9, 10));
    assert!(r
        .decide(review("rq1", 9, 10))
        .expect_err("refused")
        .already_done());
    assert_eq!(
        refused(&r, decision("rq1", ReviewOutcome::Changed, vec![])),
        "INVALID_DECISION"
    );
    assert_eq!(
        refused(
            &r,
            decision(
                "rq1",
                ReviewOutcome::Changed,
                vec![("goals.key_tasks", 1100)]
            )
        ),
        "POINTS_OUT_OF_RANGE"
    );
    assert_eq!(
        refused(
            &r,
            decision("rq1", ReviewOutcome::Changed, vec![("goals", 100)])
        ),
        "NOT_A_LEAF"
    );
    let events = run(
        &mut r,
        decision(
            "rq1",
            ReviewOutcome::Changed,
            vec![("goals.key_tasks", 900)],
        ),
    );
    assert_eq!(events.len(), 2, "decided, and one leaf revised");
    let report = r.report(&dept(1)).expect("in scope");
    let leaf = report
        .indicators
        .iter()
        .find(|i| i.indicator_id == "goals.key_tasks")
        .expect("leaf");
    assert_eq!(leaf.points, Some(Hundredths(900)));
    assert_eq!(
        leaf.adjustment.as_ref().map(|a| a.points),
        Some(Hundredths(700))
    );
    assert!(leaf.revision.is_some());
    assert_eq!(
        refused(&r, decision("rq1", ReviewOutcome::Upheld, vec![])),
        "REVIEW_DECIDED",
        "the decision is final"
    );
    assert_eq!(
        refused(&r, adjust(1, "goals.key_tasks", 100)),
        "SCORES_PUBLISHED"
    );
    let (request, department, indicator) = r.reviews()[0];
    assert_eq!(department, &dept(1));
    assert_eq!(indicator, Some("goals.key_tasks"));
    assert!(request.decision.as_ref().is_some_and(|d| !d.overdue));
}

fn measured() -> impl Strategy<Value = Measured> {
    prop_oneof![
        (0i64..1000, 0i64..1000).prop_map(|(n, d)| Measured::Ratio {
            numerator: n,
            denominator: d
        }),
        (0i64..100_000).prop_map(Measured::Count),
        Just(Measured::NoData("no data".into())),
    ]
}

proptest! {
    /// Whatever the measurements and adjustments, a leaf's points stay within its range, a
    /// deduction never takes more than its cap, a parent's points never exceed its weight, and
    /// the total is the sum of the top level.
    #[test]
    fn scores_stay_within_weights_and_caps(
        values in proptest::collection::vec(measured(), 14),
        adjustments in proptest::collection::vec((0usize..21, -2000i64..2000), 0..10),
        linyi in any::<bool>(),
        class in 0usize..3,
    ) {
        let mut p = plan(&[1]);
        if linyi {
            p.scheme = SchemeDefinition::parse(SHIPPED[1].1).expect("linyi");
            p.scope[0].class = Some(p.scheme.classes[class].clone());
        }
        let scheme = p.scheme.clone();
        let mut r = SupervisionRound::default();
        run(&mut r, RoundCommand::Plan(Box::new(p)));
        run(&mut r, advance(Stage::OnlineAnalysis));
        let names: Vec<&str> = crate::scheme::Source::ALL.iter().map(|s| s.name()).collect();
        let sources: BTreeMap<String, Observation> = names
            .iter()
            .zip(values)
            .filter(|(n, v)| {
                let kind = crate::scheme::Source::parse(n).expect("source").kind();
                matches!(
                    (kind, v),
                    (crate::scheme::SourceKind::Ratio, Measured::Ratio { .. })
                        | (crate::scheme::SourceKind::Count, Measured::Count(_))
                        | (_, Measured::NoData(_))
                )
            })
            .map(|(n, v)| ((*n).to_owned(), obs(v)))
            .collect();
        run(&mut r, RoundCommand::Score {
            known_at: known_at(),
            observations: BTreeMap::from([(dept(1), sources)]),
        });
        let leaves = scheme.leaves();
        for (i, points) in adjustments {
            let leaf = leaves[i % leaves.len()];
            // Out-of-range adjustments are refused; the others apply.
            let _ = r.decide(adjust(1, &leaf.id, points)).map(|events| {
                for e in events {
                    r.evolve(e);
                }
            });
        }
        let report = r.report(&dept(1)).expect("in scope");
        let mut top = 0;
        for result in &report.indicators {
            let Some(points) = result.points else { continue };
            match result.kind {
                IndicatorKind::Negative => {
                    prop_assert!(points.0 <= 0 && -points.0 <= result.weight.0, "{result:?}");
                }
                _ => prop_assert!(points.0 <= result.weight.0, "{result:?}"),
            }
            if let Some(crate::scheme::Rule::Deduction { cap: Some(cap), .. }) = &result.rule {
                if result.adjustment.is_none() {
                    let taken = match result.kind {
                        IndicatorKind::Negative => -points.0,
                        _ => result.weight.0 - points.0,
                    };
                    prop_assert!(taken <= cap.0, "{result:?}");
                }
            }
            if result.depth == 1 {
                top += points.0;
            }
        }
        prop_assert_eq!(report.total.0, top);
    }
}
