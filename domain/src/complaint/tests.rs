//! Given / when / then: receiving tickets, again, resolved later, and the refusals.

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::refusal::Refusal;
use crate::timeline::Decide;
use crate::values::{CreditCode, DivisionCode, EntityId, Name, Text};

fn ticket() -> Ticket {
    Ticket {
        ticket: EntityId::parse("12345-20250601-0001").expect("id"),
        received_at: Utc.with_ymd_and_hms(2025, 6, 1, 2, 0, 0).unwrap(),
        category: Name::parse("投诉").expect("name"),
        text: Text::parse("出租车拒载").expect("text"),
        region: DivisionCode::parse("371302001000").expect("division"),
        department_id: CreditCode::from_parts('1', '1', "371300", "00435012").expect("code"),
        task_id: None,
    }
}

fn resolution(days: i64, satisfaction: Option<u8>) -> Resolution {
    Resolution {
        resolved_at: ticket().received_at + Duration::days(days),
        satisfaction,
    }
}

fn receive(r: Option<Resolution>) -> ComplaintCommand {
    ComplaintCommand::Receive {
        ticket: Box::new(ticket()),
        resolution: r,
    }
}

fn run(c: &mut Complaint, command: ComplaintCommand) -> usize {
    let events = c.decide(command).expect("accepted");
    let n = events.len();
    for e in events {
        c.evolve(e);
    }
    n
}

#[test]
fn a_ticket_is_received_once_and_resolved_later() {
    let mut c = Complaint::default();
    assert_eq!(run(&mut c, receive(None)), 1);
    assert_eq!(run(&mut c, receive(None)), 0, "the same ticket again");
    assert_eq!(run(&mut c, receive(Some(resolution(2, Some(4))))), 1);
    assert_eq!(run(&mut c, receive(Some(resolution(2, Some(4))))), 0);
    assert_eq!(c.resolution().and_then(|r| r.satisfaction), Some(4));
}

#[test]
fn a_resolved_ticket_arrives_in_one_go() {
    let mut c = Complaint::default();
    assert_eq!(run(&mut c, receive(Some(resolution(1, None)))), 2);
}

#[test]
fn conflicting_and_malformed_tickets_are_refused() {
    let mut c = Complaint::default();
    run(&mut c, receive(Some(resolution(1, Some(3)))));
    let mut other = ticket();
    other.text = Text::parse("另一件事").expect("text");
    let err = c
        .decide(ComplaintCommand::Receive {
            ticket: Box::new(other),
            resolution: None,
        })
        .expect_err("refused");
    assert_eq!(err.rule(), "TICKET_CONFLICT");
    assert_eq!(
        c.decide(receive(Some(resolution(1, Some(5)))))
            .expect_err("refused")
            .rule(),
        "TICKET_CONFLICT"
    );
    let fresh = Complaint::default();
    assert_eq!(
        fresh
            .decide(receive(Some(resolution(1, Some(6)))))
            .expect_err("refused")
            .rule(),
        "INVALID_SATISFACTION"
    );
    assert_eq!(
        fresh
            .decide(receive(Some(resolution(-1, None))))
            .expect_err("refused")
            .rule(),
        "RESOLVED_BEFORE_RECEIVED"
    );
}
