//! Formal reviews (复核) of published scores: only once published, within the window, decided
//! once.

use super::*;

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
