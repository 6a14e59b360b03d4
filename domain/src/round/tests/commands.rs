//! Planning, stages, scoring and adjustments, with their refusals.

use super::*;

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
