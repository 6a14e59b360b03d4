//! Given / when / then: every command and refusal of a rectification order, with due dates
//! counted in working days on the shipped calendar across a holiday.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::calendar::Calendar;
use crate::refusal::Refusal;
use crate::timeline::Decide;
use crate::values::{CreditCode, EntityId, Name, Text};

fn id(s: &str) -> EntityId {
    EntityId::parse(s).expect("id")
}

fn text(s: &str) -> Text {
    Text::parse(s).expect("text")
}

fn dept() -> CreditCode {
    CreditCode::from_parts('1', '1', "371300", "00435012").expect("code")
}

/// 2025-09-30 10:00 Beijing time, the day before the National Day holiday (1-8 October, with
/// Sunday 28 September and Saturday 11 October worked).
fn issued() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 9, 30, 2, 0, 0).unwrap()
}

fn facts(days: u16) -> OrderFacts {
    let deadline = Calendar::shipped()
        .add_working_days(issued(), u32::from(days), &[])
        .expect("2025 is loaded");
    OrderFacts {
        issued_at: issued(),
        due_at: deadline.ends_at,
    }
}

fn issue(days: u16) -> OrderCommand {
    OrderCommand::Issue {
        department_id: dept(),
        findings: vec![id("f1")],
        round_id: Some(id("2025-routine")),
        requirement: text("30个工作日内完成岗位职责梳理"),
        due_working_days: days,
        facts: facts(days),
    }
}

fn answer() -> OrderCommand {
    OrderCommand::Answer {
        measures: text("已调整8个内设机构职责"),
        attachments: vec![Attachment {
            file_name: Name::parse("整改报告.pdf").expect("name"),
            sha256: "a".repeat(64),
            size: 1024,
        }],
    }
}

fn run(state: &mut RectificationOrder, command: OrderCommand) {
    for e in state.decide(command).expect("accepted") {
        state.evolve(e);
    }
}

fn refused(state: &RectificationOrder, command: OrderCommand) -> &'static str {
    state.decide(command).expect_err("refused").rule()
}

#[test]
fn the_due_date_counts_working_days_across_the_national_day_holiday() {
    let mut o = RectificationOrder::default();
    run(&mut o, issue(2));
    // 1-8 October are off; 9 October (Thursday) and 10 October are the two working days.
    let due = o.due_at().expect("due");
    assert_eq!(due, Utc.with_ymd_and_hms(2025, 10, 10, 16, 0, 0).unwrap());
    assert!(!o.overdue_at(due - Duration::microseconds(1)));
    assert!(
        o.overdue_at(due),
        "from the first instant after the last day"
    );
}

#[test]
fn the_loop_answer_return_answer_accept() {
    let mut o = RectificationOrder::default();
    run(&mut o, issue(10));
    assert_eq!(o.status(), OrderStatus::Open);
    assert_eq!(
        refused(&o, OrderCommand::Return { reasons: text("x") }),
        "NOT_ANSWERED"
    );
    assert_eq!(
        refused(&o, OrderCommand::Accept { note: None }),
        "NOT_ANSWERED"
    );
    run(&mut o, answer());
    assert_eq!(o.status(), OrderStatus::Answered);
    assert_eq!(refused(&o, answer()), "NOT_AWAITING_ANSWER");
    run(
        &mut o,
        OrderCommand::Return {
            reasons: text("佐证材料不全"),
        },
    );
    assert_eq!(o.status(), OrderStatus::Returned);
    run(&mut o, answer());
    run(
        &mut o,
        OrderCommand::Accept {
            note: Some(text("整改到位")),
        },
    );
    assert_eq!(o.status(), OrderStatus::Accepted);
    assert_eq!(o.rounds(), (2, 1));
    assert!(!o.is_open());
    assert!(!o.overdue_at(issued() + Duration::days(400)));
}

#[test]
fn accepting_an_order_twice_is_refused_as_done() {
    let mut o = RectificationOrder::default();
    run(&mut o, issue(10));
    run(&mut o, answer());
    run(&mut o, OrderCommand::Accept { note: None });
    let err = o
        .decide(OrderCommand::Accept { note: None })
        .expect_err("refused");
    assert_eq!(err.rule(), "ALREADY_ACCEPTED");
    assert!(err.already_done());
    assert_eq!(refused(&o, answer()), "ORDER_CLOSED");
    assert_eq!(
        refused(
            &o,
            OrderCommand::Extend {
                due_at: issued() + Duration::days(90),
                reason: text("x")
            }
        ),
        "ORDER_CLOSED"
    );
}

#[test]
fn an_answered_order_is_not_overdue_while_the_office_decides() {
    let mut o = RectificationOrder::default();
    run(&mut o, issue(2));
    let due = o.due_at().expect("due");
    run(&mut o, answer());
    assert!(!o.overdue_at(due + Duration::days(30)));
    run(
        &mut o,
        OrderCommand::Return {
            reasons: text("不到位"),
        },
    );
    assert!(o.overdue_at(due + Duration::days(30)));
}

#[test]
fn extensions_move_the_due_date_later_only() {
    let mut o = RectificationOrder::default();
    run(&mut o, issue(2));
    let due = o.due_at().expect("due");
    assert_eq!(
        refused(
            &o,
            OrderCommand::Extend {
                due_at: due,
                reason: text("x")
            }
        ),
        "EXTENSION_NOT_LATER"
    );
    run(
        &mut o,
        OrderCommand::Extend {
            due_at: due + Duration::days(7),
            reason: text("涉及机构调整，需报批"),
        },
    );
    assert!(!o.overdue_at(due + Duration::days(1)));
}

#[test]
fn bad_orders_and_answers_are_refused() {
    let o = RectificationOrder::default();
    assert_eq!(refused(&o, answer()), "ORDER_NOT_FOUND");
    let mut no_findings = issue(5);
    if let OrderCommand::Issue { findings, .. } = &mut no_findings {
        findings.clear();
    }
    assert_eq!(refused(&o, no_findings), "NO_FINDINGS");
    let mut backwards = issue(5);
    if let OrderCommand::Issue { facts, .. } = &mut backwards {
        facts.due_at = facts.issued_at;
    }
    assert_eq!(refused(&o, backwards), "DUE_NOT_AFTER_ISSUE");
    let mut o = RectificationOrder::default();
    run(&mut o, issue(5));
    let err = o.decide(issue(5)).expect_err("refused");
    assert_eq!(err.rule(), "ORDER_EXISTS");
    let bad = OrderCommand::Answer {
        measures: text("x"),
        attachments: vec![Attachment {
            file_name: Name::parse("a.pdf").expect("name"),
            sha256: "XYZ".into(),
            size: 1,
        }],
    };
    assert_eq!(refused(&o, bad), "INVALID_ATTACHMENT");
}
