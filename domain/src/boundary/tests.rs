//! Given / when / then tests of boundary matters.

use cqrs_es::test::TestFramework;

use super::*;
use crate::values::{CreditCode, EntityId, Name, Text};

type Fixture = TestFramework<BoundaryMatter>;

fn id(s: &str) -> EntityId {
    EntityId::parse(s).expect("id")
}
fn name(s: &str) -> Name {
    Name::parse(s).expect("name")
}
fn text(s: &str) -> Text {
    Text::parse(s).expect("text")
}
fn dept(body: &str) -> CreditCode {
    CreditCode::from_parts('1', '1', "371300", body).expect("code")
}

fn agriculture() -> Party {
    Party {
        party_id: id("nyj"),
        department_id: dept("00435045"),
        unit_id: None,
    }
}

fn market() -> Party {
    Party {
        party_id: id("scj"),
        department_id: dept("00435012"),
        unit_id: None,
    }
}

fn registered() -> BoundaryEvent {
    BoundaryEvent::MatterRegistered {
        kind: MatterKind::BetweenDepartments,
        field: name("食品安全"),
        title: name("食用农产品质量安全监管衔接"),
        description: None,
        parties: vec![agriculture(), market()],
    }
}

fn register_command() -> BoundaryCommand {
    BoundaryCommand::RegisterMatter {
        kind: MatterKind::BetweenDepartments,
        field: name("食品安全"),
        title: name("食用农产品质量安全监管衔接"),
        description: None,
        parties: vec![agriculture(), market()],
    }
}

fn role(party: &str, role: Role, duty: &str) -> PartyRole {
    PartyRole {
        party_id: id(party),
        role,
        duty: text(duty),
    }
}

/// The stage-split food-safety ruling: agriculture leads until products enter a market or a
/// processing firm, market supervision after.
fn food_safety_ruling() -> Ruling {
    Ruling {
        stages: vec![
            Stage {
                name: name("进入批发、零售市场或者生产加工企业前"),
                roles: vec![
                    role("nyj", Role::Lead, "负责食用农产品种植养殖环节质量安全监管"),
                    role("scj", Role::Cooperating, "配合开展抽检信息共享"),
                ],
            },
            Stage {
                name: name("进入批发、零售市场或者生产加工企业后"),
                roles: vec![
                    role("scj", Role::Lead, "负责食用农产品市场销售质量安全监管"),
                    role("nyj", Role::Cooperating, "配合开展产地溯源"),
                ],
            },
        ],
        basis: text("《中华人民共和国食品安全法》第二条、第六条"),
        mechanisms: vec![Mechanism::InformationSharing, Mechanism::ClueHandover],
    }
}

fn ruled() -> BoundaryEvent {
    BoundaryEvent::MatterRuled {
        ruling_no: 1,
        ruling: food_safety_ruling(),
    }
}

#[test]
fn every_event_serialises_with_its_type_name_as_tag() {
    use cqrs_es::DomainEvent;
    let samples = vec![
        registered(),
        ruled(),
        BoundaryEvent::RulingRevised {
            ruling_no: 2,
            ruling: food_safety_ruling(),
        },
        BoundaryEvent::DisputeRaised {
            dispute_id: id("d1"),
            party_id: id("scj"),
            reason: text("x"),
            ruling_no: 1,
        },
        BoundaryEvent::DisputeDecided {
            dispute_id: id("d1"),
            decision: text("x"),
        },
        BoundaryEvent::MatterRetired,
    ];
    let mut tags: Vec<String> = Vec::new();
    for e in samples {
        let json = serde_json::to_value(&e).expect("serialises");
        let tag = match &json {
            serde_json::Value::String(s) => s.clone(),
            v => v
                .as_object()
                .and_then(|o| o.keys().next().cloned())
                .expect("tagged"),
        };
        assert_eq!(tag, e.event_type());
        assert_eq!(
            serde_json::from_value::<BoundaryEvent>(json).expect("back"),
            e
        );
        tags.push(tag);
    }
    tags.sort();
    let mut all: Vec<String> = BoundaryEvent::TYPES.iter().map(|s| s.to_string()).collect();
    all.sort();
    assert_eq!(tags, all);
}

#[test]
fn register_matter_new_emits_registered() {
    Fixture::with(())
        .given_no_previous_events()
        .when(register_command())
        .then_expect_events(vec![registered()]);
}

#[test]
fn register_matter_twice_is_refused() {
    Fixture::with(())
        .given(vec![registered()])
        .when(register_command())
        .then_expect_error(BoundaryError::MatterAlreadyRegistered);
}

#[test]
fn register_matter_with_one_party_is_refused() {
    Fixture::with(())
        .given_no_previous_events()
        .when(BoundaryCommand::RegisterMatter {
            kind: MatterKind::BetweenDepartments,
            field: name("x"),
            title: name("x"),
            description: None,
            parties: vec![market()],
        })
        .then_expect_error(BoundaryError::TooFewParties);
}

#[test]
fn register_matter_with_the_same_party_twice_is_refused() {
    let mut twin = market();
    twin.party_id = id("scj2");
    Fixture::with(())
        .given_no_previous_events()
        .when(BoundaryCommand::RegisterMatter {
            kind: MatterKind::BetweenDepartments,
            field: name("x"),
            title: name("x"),
            description: None,
            parties: vec![market(), twin, agriculture()],
        })
        .then_expect_error(BoundaryError::DuplicateParty(dept("00435012").to_string()));
}

#[test]
fn register_section_matter_spanning_two_departments_is_refused() {
    let mut a = market();
    a.unit_id = Some(id("msb-food"));
    let mut b = agriculture();
    b.unit_id = Some(id("nyj-quality"));
    Fixture::with(())
        .given_no_previous_events()
        .when(BoundaryCommand::RegisterMatter {
            kind: MatterKind::BetweenSections,
            field: name("食品安全"),
            title: name("科室间"),
            description: None,
            parties: vec![a, b],
        })
        .then_expect_error(BoundaryError::SectionsOfDifferentDepartments);
}

#[test]
fn register_section_matter_within_one_department_is_accepted() {
    let parties = vec![
        Party {
            party_id: id("a"),
            department_id: dept("00435012"),
            unit_id: Some(id("msb-food")),
        },
        Party {
            party_id: id("b"),
            department_id: dept("00435012"),
            unit_id: Some(id("msb-registration")),
        },
    ];
    Fixture::with(())
        .given_no_previous_events()
        .when(BoundaryCommand::RegisterMatter {
            kind: MatterKind::BetweenSections,
            field: name("市场监管"),
            title: name("登记与许可衔接"),
            description: None,
            parties: parties.clone(),
        })
        .then_expect_events(vec![BoundaryEvent::MatterRegistered {
            kind: MatterKind::BetweenSections,
            field: name("市场监管"),
            title: name("登记与许可衔接"),
            description: None,
            parties,
        }]);
}

#[test]
fn register_department_matter_with_one_department_is_refused() {
    let mut a = market();
    a.party_id = id("scj-food");
    a.unit_id = Some(id("msb-food"));
    Fixture::with(())
        .given_no_previous_events()
        .when(BoundaryCommand::RegisterMatter {
            kind: MatterKind::BetweenDepartments,
            field: name("x"),
            title: name("x"),
            description: None,
            parties: vec![a, market()],
        })
        .then_expect_error(BoundaryError::SingleDepartment);
}

#[test]
fn rule_matter_with_stages_emits_ruled() {
    Fixture::with(())
        .given(vec![registered()])
        .when(BoundaryCommand::RuleMatter {
            ruling: food_safety_ruling(),
        })
        .then_expect_events(vec![ruled()]);
}

#[test]
fn rule_matter_unregistered_is_refused() {
    Fixture::with(())
        .given_no_previous_events()
        .when(BoundaryCommand::RuleMatter {
            ruling: food_safety_ruling(),
        })
        .then_expect_error(BoundaryError::MatterNotFound);
}

#[test]
fn rule_matter_twice_is_refused() {
    Fixture::with(())
        .given(vec![registered(), ruled()])
        .when(BoundaryCommand::RuleMatter {
            ruling: food_safety_ruling(),
        })
        .then_expect_error(BoundaryError::MatterAlreadyRuled);
}

#[test]
fn rule_matter_with_two_leads_is_refused() {
    let mut ruling = food_safety_ruling();
    ruling.stages[0].roles[1].role = Role::Lead;
    Fixture::with(())
        .given(vec![registered()])
        .when(BoundaryCommand::RuleMatter { ruling })
        .then_expect_error(BoundaryError::SeveralLeads(
            "进入批发、零售市场或者生产加工企业前".into(),
        ));
}

#[test]
fn rule_matter_without_a_lead_is_refused() {
    let mut ruling = food_safety_ruling();
    ruling.stages[1].roles[0].role = Role::Cooperating;
    Fixture::with(())
        .given(vec![registered()])
        .when(BoundaryCommand::RuleMatter { ruling })
        .then_expect_error(BoundaryError::NoLead(
            "进入批发、零售市场或者生产加工企业后".into(),
        ));
}

#[test]
fn rule_matter_with_an_unknown_party_is_refused() {
    let mut ruling = food_safety_ruling();
    ruling.stages[0].roles[1].party_id = id("wjw");
    Fixture::with(())
        .given(vec![registered()])
        .when(BoundaryCommand::RuleMatter { ruling })
        .then_expect_error(BoundaryError::UnknownParty(id("wjw")));
}

#[test]
fn rule_matter_with_a_party_twice_in_a_stage_is_refused() {
    let mut ruling = food_safety_ruling();
    ruling.stages[0].roles[1].party_id = id("nyj");
    Fixture::with(())
        .given(vec![registered()])
        .when(BoundaryCommand::RuleMatter { ruling })
        .then_expect_error(BoundaryError::PartyTwiceInStage(
            "进入批发、零售市场或者生产加工企业前".into(),
            id("nyj"),
        ));
}

#[test]
fn rule_matter_without_stages_or_mechanisms_is_refused() {
    let mut ruling = food_safety_ruling();
    ruling.stages.clear();
    Fixture::with(())
        .given(vec![registered()])
        .when(BoundaryCommand::RuleMatter { ruling })
        .then_expect_error(BoundaryError::NoStages);
    let mut ruling = food_safety_ruling();
    ruling.mechanisms.clear();
    Fixture::with(())
        .given(vec![registered()])
        .when(BoundaryCommand::RuleMatter { ruling })
        .then_expect_error(BoundaryError::NoMechanism);
    let mut ruling = food_safety_ruling();
    ruling.stages[1].name = ruling.stages[0].name.clone();
    Fixture::with(())
        .given(vec![registered()])
        .when(BoundaryCommand::RuleMatter { ruling })
        .then_expect_error(BoundaryError::DuplicateStage(
            "进入批发、零售市场或者生产加工企业前".into(),
        ));
}

#[test]
fn revise_ruling_emits_the_next_number() {
    let mut ruling = food_safety_ruling();
    ruling.mechanisms.push(Mechanism::JointMeeting);
    Fixture::with(())
        .given(vec![registered(), ruled()])
        .when(BoundaryCommand::ReviseRuling {
            ruling: ruling.clone(),
        })
        .then_expect_events(vec![BoundaryEvent::RulingRevised {
            ruling_no: 2,
            ruling,
        }]);
}

#[test]
fn revise_ruling_unruled_is_refused() {
    Fixture::with(())
        .given(vec![registered()])
        .when(BoundaryCommand::ReviseRuling {
            ruling: food_safety_ruling(),
        })
        .then_expect_error(BoundaryError::MatterNotRuled);
}

#[test]
fn revise_ruling_to_the_same_emits_nothing() {
    Fixture::with(())
        .given(vec![registered(), ruled()])
        .when(BoundaryCommand::ReviseRuling {
            ruling: food_safety_ruling(),
        })
        .then_expect_events(vec![]);
}

fn dispute() -> BoundaryEvent {
    BoundaryEvent::DisputeRaised {
        dispute_id: id("d1"),
        party_id: id("scj"),
        reason: text("批发市场内的检测职责不清"),
        ruling_no: 1,
    }
}

#[test]
fn raise_dispute_emits_raised_against_the_ruling_in_force() {
    Fixture::with(())
        .given(vec![registered(), ruled()])
        .when(BoundaryCommand::RaiseDispute {
            dispute_id: id("d1"),
            party_id: id("scj"),
            reason: text("批发市场内的检测职责不清"),
        })
        .then_expect_events(vec![dispute()]);
}

#[test]
fn raise_dispute_before_a_ruling_is_refused() {
    Fixture::with(())
        .given(vec![registered()])
        .when(BoundaryCommand::RaiseDispute {
            dispute_id: id("d1"),
            party_id: id("scj"),
            reason: text("x"),
        })
        .then_expect_error(BoundaryError::MatterNotRuled);
}

#[test]
fn raise_dispute_by_a_stranger_is_refused() {
    Fixture::with(())
        .given(vec![registered(), ruled()])
        .when(BoundaryCommand::RaiseDispute {
            dispute_id: id("d1"),
            party_id: id("wjw"),
            reason: text("x"),
        })
        .then_expect_error(BoundaryError::UnknownParty(id("wjw")));
}

#[test]
fn raise_dispute_with_a_used_id_is_refused() {
    Fixture::with(())
        .given(vec![registered(), ruled(), dispute()])
        .when(BoundaryCommand::RaiseDispute {
            dispute_id: id("d1"),
            party_id: id("nyj"),
            reason: text("x"),
        })
        .then_expect_error(BoundaryError::DisputeAlreadyExists(id("d1")));
}

#[test]
fn decide_dispute_with_a_revision_emits_both() {
    let mut ruling = food_safety_ruling();
    ruling.mechanisms = vec![Mechanism::DisputeRuling];
    Fixture::with(())
        .given(vec![registered(), ruled(), dispute()])
        .when(BoundaryCommand::DecideDispute {
            dispute_id: id("d1"),
            decision: text("批发市场内检测由市场监管部门负责"),
            revised_ruling: Some(ruling.clone()),
        })
        .then_expect_events(vec![
            BoundaryEvent::DisputeDecided {
                dispute_id: id("d1"),
                decision: text("批发市场内检测由市场监管部门负责"),
            },
            BoundaryEvent::RulingRevised {
                ruling_no: 2,
                ruling,
            },
        ]);
}

#[test]
fn decide_dispute_twice_is_refused() {
    Fixture::with(())
        .given(vec![
            registered(),
            ruled(),
            dispute(),
            BoundaryEvent::DisputeDecided {
                dispute_id: id("d1"),
                decision: text("x"),
            },
        ])
        .when(BoundaryCommand::DecideDispute {
            dispute_id: id("d1"),
            decision: text("y"),
            revised_ruling: None,
        })
        .then_expect_error(BoundaryError::DisputeAlreadyDecided(id("d1")));
}

#[test]
fn decide_unknown_dispute_is_refused() {
    Fixture::with(())
        .given(vec![registered(), ruled()])
        .when(BoundaryCommand::DecideDispute {
            dispute_id: id("d9"),
            decision: text("y"),
            revised_ruling: None,
        })
        .then_expect_error(BoundaryError::DisputeNotFound(id("d9")));
}

#[test]
fn retire_matter_with_an_open_dispute_is_refused() {
    Fixture::with(())
        .given(vec![registered(), ruled(), dispute()])
        .when(BoundaryCommand::RetireMatter)
        .then_expect_error(BoundaryError::DisputesOpen);
}

#[test]
fn retire_matter_emits_retired_and_then_nothing_changes_it() {
    Fixture::with(())
        .given(vec![registered(), ruled()])
        .when(BoundaryCommand::RetireMatter)
        .then_expect_events(vec![BoundaryEvent::MatterRetired]);
    Fixture::with(())
        .given(vec![registered(), ruled(), BoundaryEvent::MatterRetired])
        .when(BoundaryCommand::ReviseRuling {
            ruling: food_safety_ruling(),
        })
        .then_expect_error(BoundaryError::MatterRetired);
}
