//! Which departments an event concerns (DESIGN.md, the event log, rule 8).
//!
//! Every stored event records the departments it concerns, so that feeds, subscriptions and
//! access can filter by department whatever stream the event was written in. The answer is
//! domain knowledge, so it lives here: each aggregate's state says which departments its
//! stream's events concern, and the event store records them for every event it appends, taken
//! from the state *after* the events (so a later event that does not repeat a fact, e.g. a
//! ruling that does not name the parties again, still knows them).
//!
//! - a department's stream: the department itself;
//! - a performance record's stream: the record's department;
//! - a boundary matter's stream: every party's department, for every event of the matter.

use crate::values::CreditCode;

/// The departments the events of a stream concern, as its state after them knows them.
pub trait Concerns {
    /// The departments (credit codes), each once, in ascending order. Empty if the state knows
    /// none (nothing has happened in the stream yet).
    fn departments(&self) -> Vec<CreditCode>;
}

/// Sorts and deduplicates a list of departments (for implementations of [`Concerns`]).
pub fn distinct(mut departments: Vec<CreditCode>) -> Vec<CreditCode> {
    departments.sort();
    departments.dedup();
    departments
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boundary::{
        BoundaryCommand, BoundaryMatter, MatterKind, Mechanism, Party, PartyRole, Role, Ruling,
        Stage,
    };
    use crate::department::{Department, DepartmentCommand};
    use crate::timeline::Decide;
    use crate::values::{BodyKind, DepartmentLevel, DivisionCode, EntityId, Name, Text};

    fn code(body: &str) -> CreditCode {
        CreditCode::from_parts('1', '1', "371300", body).expect("valid")
    }

    fn id(s: &str) -> EntityId {
        EntityId::parse(s).expect("id")
    }

    fn run<A: Decide>(state: &mut A, command: A::Command)
    where
        A::Error: std::fmt::Debug,
    {
        for e in state.decide(command).expect("accepted") {
            state.evolve(e);
        }
    }

    #[test]
    fn a_department_concerns_itself() {
        let mut d = Department::default();
        assert!(d.departments().is_empty());
        let own = code("00000001");
        run(
            &mut d,
            DepartmentCommand::EstablishDepartment {
                id: own.clone(),
                name: Name::parse("临沂市测试局").expect("name"),
                division: DivisionCode::parse("371300000000").expect("division"),
                level: DepartmentLevel::City,
                sector: Name::parse("测试").expect("sector"),
                kind: BodyKind::GovernmentDepartment,
            },
        );
        assert_eq!(d.departments(), vec![own]);
    }

    #[test]
    fn every_event_of_a_matter_concerns_every_party_once() {
        let (a, b) = (code("00000002"), code("00000001"));
        let mut m = BoundaryMatter::default();
        assert!(m.departments().is_empty());
        let party = |p: &str, d: &CreditCode, unit: Option<&str>| Party {
            party_id: id(p),
            department_id: d.clone(),
            unit_id: unit.map(id),
        };
        run(
            &mut m,
            BoundaryCommand::RegisterMatter {
                kind: MatterKind::BetweenDepartments,
                field: Name::parse("食品安全").expect("field"),
                title: Name::parse("边界").expect("title"),
                description: None,
                parties: vec![
                    party("a", &a, None),
                    party("a2", &a, Some("u")),
                    party("b", &b, None),
                ],
            },
        );
        let both = vec![b.clone(), a.clone()];
        assert_eq!(m.departments(), both, "sorted, each once");
        // A ruling does not repeat the parties; the state after it still knows them.
        let ruling = Ruling {
            stages: vec![Stage {
                name: Name::parse("全过程").expect("stage"),
                roles: vec![
                    PartyRole {
                        party_id: id("a"),
                        role: Role::Lead,
                        duty: Text::parse("牵头").expect("duty"),
                    },
                    PartyRole {
                        party_id: id("b"),
                        role: Role::Cooperating,
                        duty: Text::parse("配合").expect("duty"),
                    },
                ],
            }],
            basis: Text::parse("依据").expect("basis"),
            mechanisms: vec![Mechanism::JointMeeting],
        };
        run(&mut m, BoundaryCommand::RuleMatter { ruling });
        assert_eq!(m.departments(), both);
        run(&mut m, BoundaryCommand::RetireMatter);
        assert_eq!(
            m.departments(),
            both,
            "a retired matter still concerns them"
        );
    }
}
