//! Given / when / then: every command and refusal of a finding, its review included.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::refusal::Refusal;
use crate::review::ReviewOutcome;
use crate::timeline::Decide;
use crate::values::{CreditCode, EntityId, Text};

fn at(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, d, 2, 0, 0).unwrap()
}

fn id(s: &str) -> EntityId {
    EntityId::parse(s).expect("id")
}

fn text(s: &str) -> Text {
    Text::parse(s).expect("text")
}

fn subject() -> Subject {
    Subject {
        department_id: CreditCode::from_parts('1', '1', "371300", "00435012").expect("code"),
        round_id: Some(id("2025-routine")),
        target: Target {
            task_id: Some(id("t1")),
            ..Target::default()
        },
        kind: FindingKind::DecompositionGap,
        severity: Severity::Major,
        description: text("任务未落实到岗位"),
        evidence: vec![EvidenceLink {
            kind: LinkKind::Event,
            reference: "c1".into(),
            note: None,
        }],
    }
}

fn run(state: &mut Finding, command: FindingCommand) -> Vec<FindingEvent> {
    let events = state.decide(command).expect("accepted");
    for e in &events {
        state.evolve(e.clone());
    }
    events
}

fn refused(state: &Finding, command: FindingCommand) -> &'static str {
    state.decide(command).expect_err("refused").rule()
}

fn raise(proposal: bool) -> FindingCommand {
    FindingCommand::Raise {
        subject: Box::new(subject()),
        proposal,
    }
}

fn request(rid: &str, asked: u32, closes: u32) -> FindingCommand {
    FindingCommand::RequestReview {
        request_id: id(rid),
        reason: text("该任务已由执法岗承担"),
        at: at(asked),
        window_closes_at: at(closes),
        decide_by: at(asked + 10),
    }
}

fn decide(
    rid: &str,
    outcome: ReviewOutcome,
    day: u32,
    severity: Option<Severity>,
) -> FindingCommand {
    FindingCommand::DecideReview {
        request_id: id(rid),
        outcome,
        reason: text("复核意见"),
        at: at(day),
        severity,
        description: None,
    }
}

#[test]
fn a_raised_finding_stands_and_cannot_be_raised_twice() {
    let mut f = Finding::default();
    let events = run(&mut f, raise(false));
    assert_eq!(events.len(), 1);
    assert!(f.stands());
    let err = f.decide(raise(false)).expect_err("refused");
    assert_eq!(err.rule(), "FINDING_EXISTS");
    assert!(err.already_done());
}

#[test]
fn a_proposal_is_confirmed_once_or_dismissed() {
    let mut f = Finding::default();
    assert_eq!(refused(&f, FindingCommand::Confirm), "FINDING_NOT_FOUND");
    run(&mut f, raise(true));
    assert!(!f.stands());
    run(&mut f, FindingCommand::Confirm);
    assert!(f.stands());
    assert_eq!(refused(&f, FindingCommand::Confirm), "NOT_A_PROPOSAL");
    run(
        &mut f,
        FindingCommand::Dismiss {
            reason: text("误报"),
        },
    );
    assert!(!f.stands());
    assert_eq!(
        refused(
            &f,
            FindingCommand::Dismiss {
                reason: text("再次")
            }
        ),
        "FINDING_DISMISSED"
    );
    assert_eq!(refused(&f, request("rq1", 3, 10)), "FINDING_DISMISSED");
}

#[test]
fn too_much_evidence_is_refused() {
    let mut s = subject();
    s.evidence = vec![s.evidence[0].clone(); MAX_EVIDENCE + 1];
    let f = Finding::default();
    assert_eq!(
        refused(
            &f,
            FindingCommand::Raise {
                subject: Box::new(s),
                proposal: false
            }
        ),
        "TOO_MUCH_EVIDENCE"
    );
}

#[test]
fn a_review_asked_in_the_window_is_decided_once() {
    let mut f = Finding::default();
    run(&mut f, raise(false));
    run(&mut f, request("rq1", 3, 10));
    assert_eq!(refused(&f, request("rq1", 4, 10)), "REVIEW_EXISTS");
    assert!(f
        .decide(request("rq1", 4, 10))
        .expect_err("refused")
        .already_done());
    let events = run(
        &mut f,
        decide("rq1", ReviewOutcome::Changed, 8, Some(Severity::Minor)),
    );
    assert_eq!(f.subject().expect("raised").severity, Severity::Minor);
    match &events[0] {
        FindingEvent::FindingReviewDecided { decision, .. } => assert!(!decision.overdue),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        refused(&f, decide("rq1", ReviewOutcome::Upheld, 9, None)),
        "REVIEW_DECIDED",
        "the decision is final"
    );
}

#[test]
fn a_review_asked_one_day_late_is_refused() {
    let mut f = Finding::default();
    run(&mut f, raise(false));
    // The window closes at the start of day 10: asked on day 10 is a day late.
    assert_eq!(refused(&f, request("rq1", 10, 10)), "REVIEW_WINDOW_CLOSED");
    assert_eq!(refused(&f, request("rq1", 11, 10)), "REVIEW_WINDOW_CLOSED");
}

#[test]
fn a_proposal_is_not_reviewable_and_decisions_must_fit_their_outcome() {
    let mut f = Finding::default();
    run(&mut f, raise(true));
    assert_eq!(refused(&f, request("rq1", 3, 10)), "NOT_REVIEWABLE");
    run(&mut f, FindingCommand::Confirm);
    run(&mut f, request("rq1", 3, 10));
    assert_eq!(
        refused(&f, decide("rq1", ReviewOutcome::Changed, 5, None)),
        "INVALID_DECISION"
    );
    assert_eq!(
        refused(
            &f,
            decide("rq1", ReviewOutcome::Upheld, 5, Some(Severity::Minor))
        ),
        "INVALID_DECISION"
    );
    assert_eq!(
        refused(&f, decide("nope", ReviewOutcome::Upheld, 5, None)),
        "REVIEW_NOT_FOUND"
    );
}

#[test]
fn a_late_decision_is_flagged_overdue() {
    let mut f = Finding::default();
    run(&mut f, raise(false));
    run(&mut f, request("rq1", 3, 10));
    let events = run(&mut f, decide("rq1", ReviewOutcome::Dismissed, 14, None));
    match &events[0] {
        FindingEvent::FindingReviewDecided { decision, .. } => assert!(decision.overdue),
        other => panic!("{other:?}"),
    }
}
