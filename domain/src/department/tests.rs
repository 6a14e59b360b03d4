//! Given / when / then tests: one behaviour per test, named `<command>_<condition>_<outcome>`.

use cqrs_es::test::TestFramework;

use super::*;
use crate::power::{PowerCode, PowerItemDetails, PowerItemPatch, PowerKind};
use crate::values::{
    BodyKind, CreditCode, DayKind, DepartmentLevel, DivisionCode, DivisionLevel, EntityId,
    Headcount, Name, Text, TimeLimit,
};

type Fixture = TestFramework<Department>;

fn id(s: &str) -> EntityId {
    EntityId::parse(s).expect("valid id")
}
fn name(s: &str) -> Name {
    Name::parse(s).expect("valid name")
}
fn text(s: &str) -> Text {
    Text::parse(s).expect("valid text")
}
fn heads(n: i64) -> Headcount {
    Headcount::parse(n).expect("valid headcount")
}
fn code() -> CreditCode {
    CreditCode::from_parts('1', '1', "371300", "00435001").expect("valid code")
}
fn linyi() -> DivisionCode {
    DivisionCode::parse("371300000000").expect("valid division")
}

fn establish_command() -> DepartmentCommand {
    DepartmentCommand::EstablishDepartment {
        id: code(),
        name: name("临沂市市场监督管理局"),
        division: linyi(),
        level: DepartmentLevel::City,
        sector: name("市场监管"),
        kind: BodyKind::GovernmentDepartment,
    }
}

fn established() -> DepartmentEvent {
    DepartmentEvent::DepartmentEstablished {
        id: code(),
        name: name("临沂市市场监督管理局"),
        division: linyi(),
        level: DepartmentLevel::City,
        sector: name("市场监管"),
        kind: BodyKind::GovernmentDepartment,
    }
}

fn plain_task(task_name: &str) -> TaskDetails {
    TaskDetails {
        name: name(task_name),
        scope: None,
        procedure: None,
        time_limit: None,
        standard: None,
        risks: RiskFlags::default(),
    }
}

fn risky_task() -> TaskDetails {
    TaskDetails {
        name: name("行政处罚案件审核"),
        scope: Some(text("全局行政处罚案件")),
        procedure: Some(text("受理、审核、出具意见")),
        time_limit: Some(TimeLimit::new(5, DayKind::Working).expect("valid limit")),
        standard: Some(text("事实清楚、证据确凿、适用法律正确")),
        risks: RiskFlags {
            wide_discretion: true,
            ..RiskFlags::default()
        },
    }
}

fn power(code: &str) -> PowerItemDetails {
    PowerItemDetails {
        code: PowerCode::parse(code).expect("code"),
        name: name("食品生产许可"),
        sub_item: None,
        kind: PowerKind::Licensing,
        legal_basis: text("《中华人民共和国食品安全法》第三十五条"),
        unit_id: id("u1"),
        level: DepartmentLevel::City,
        stages: vec![],
        accountability: vec![text("对符合条件的申请不予受理的")],
        statutory_limit: Some(TimeLimit::new(20, DayKind::Working).expect("limit")),
        promised_limit: Some(TimeLimit::new(10, DayKind::Working).expect("limit")),
    }
}

fn with_template(mut d: PowerItemDetails) -> PowerItemDetails {
    d.stages = ["受理", "审查", "决定", "送达", "事后监管"]
        .iter()
        .map(|s| name(s))
        .collect();
    d
}

fn listed() -> DepartmentEvent {
    DepartmentEvent::PowerItemListed {
        item_id: id("pi1"),
        details: with_template(power("XK-01")),
    }
}

/// A department with main duty md1, units u1 and u2, unit duty ud1 (md1, in u1), task t1 (of
/// ud1), posts p1 (u1) and p2 (u2), and p1 holding t1.
fn structure() -> Vec<DepartmentEvent> {
    use DepartmentEvent as E;
    vec![
        established(),
        E::MainDutyDefined {
            duty_id: id("md1"),
            text: text("负责市场综合监督管理"),
        },
        E::UnitEstablished {
            unit_id: id("u1"),
            name: name("机关党委"),
        },
        E::UnitEstablished {
            unit_id: id("u2"),
            name: name("办公室"),
        },
        E::UnitDutyAssigned {
            unit_duty_id: id("ud1"),
            main_duty_id: id("md1"),
            unit_id: id("u1"),
            text: text("负责局机关和直属单位党的建设和群团工作"),
        },
        E::TaskDefined {
            task_id: id("t1"),
            unit_duty_id: id("ud1"),
            unit_id: id("u1"),
            details: plain_task("组织理论学习"),
        },
        E::PostCreated {
            post_id: id("p1"),
            unit_id: id("u1"),
            name: name("党建岗"),
        },
        E::PostCreated {
            post_id: id("p2"),
            unit_id: id("u2"),
            name: name("文秘岗"),
        },
        E::TaskAssignedToPost {
            task_id: id("t1"),
            post_id: id("p1"),
        },
    ]
}

fn with(mut events: Vec<DepartmentEvent>, more: Vec<DepartmentEvent>) -> Vec<DepartmentEvent> {
    events.extend(more);
    events
}

// --- stored contract ------------------------------------------------------------------------

/// Version 1 of `TaskAmended` carried every field; it is read as the patch that sets them all
/// (clearing the optional ones it left empty), which is what it did.
#[test]
fn a_version_1_task_amendment_reads_as_the_patch_that_replaces_every_field() {
    let v1 = serde_json::json!({"TaskAmended": {"task_id": "t1",
        "details": serde_json::to_value(plain_task("新名称")).expect("details")}});
    let event: DepartmentEvent = serde_json::from_value(v1).expect("upcast");
    assert_eq!(
        event,
        DepartmentEvent::TaskAmended {
            task_id: id("t1"),
            changes: TaskPatch::replacing(&plain_task("新名称")),
        }
    );
    let mut state = Department::default();
    for e in structure() {
        cqrs_es::Aggregate::apply(&mut state, e);
    }
    let mut risky = risky_task();
    risky.name = name("旧名称");
    cqrs_es::Aggregate::apply(
        &mut state,
        DepartmentEvent::TaskAmended {
            task_id: id("t1"),
            changes: TaskPatch::replacing(&risky),
        },
    );
    cqrs_es::Aggregate::apply(&mut state, event);
    let (_, task) = state.tasks().find(|(k, _)| k.as_str() == "t1").expect("t1");
    assert_eq!(task.details, &plain_task("新名称"));
}

#[test]
fn every_event_serialises_with_its_type_name_as_tag() {
    use cqrs_es::DomainEvent;
    let mut seen = Vec::new();
    let samples = with(
        structure(),
        vec![
            DepartmentEvent::MainDutyAmended {
                duty_id: id("md1"),
                text: text("x"),
            },
            DepartmentEvent::MainDutyRevoked { duty_id: id("md1") },
            DepartmentEvent::UnitRenamed {
                unit_id: id("u1"),
                name: name("x"),
            },
            DepartmentEvent::UnitMerged {
                unit_id: id("u1"),
                into_unit_id: id("u2"),
                moved_unit_duties: vec![],
                moved_tasks: vec![],
                moved_posts: vec![],
                into_staffing: None,
            },
            DepartmentEvent::UnitAbolished { unit_id: id("u1") },
            DepartmentEvent::UnitDutyTransferred {
                unit_duty_id: id("ud1"),
                from_unit_id: id("u1"),
                to_unit_id: id("u2"),
                moved_tasks: vec![],
                ended_assignments: vec![],
            },
            DepartmentEvent::UnitDutyRevoked {
                unit_duty_id: id("ud1"),
            },
            DepartmentEvent::TaskAmended {
                task_id: id("t1"),
                changes: TaskPatch {
                    scope: Some(Change::Clear),
                    ..TaskPatch::default()
                },
            },
            DepartmentEvent::TaskRetired {
                task_id: id("t1"),
                ended_assignments: vec![],
            },
            DepartmentEvent::PostAbolished { post_id: id("p1") },
            DepartmentEvent::TaskUnassignedFromPost {
                task_id: id("t1"),
                post_id: id("p1"),
            },
            DepartmentEvent::DepartmentStaffingSet {
                headcount: heads(1),
            },
            DepartmentEvent::UnitStaffingSet {
                unit_id: id("u1"),
                headcount: heads(1),
            },
            DepartmentEvent::PowerItemListed {
                item_id: id("pi1"),
                details: power("XK-01"),
            },
            DepartmentEvent::PowerItemAmended {
                item_id: id("pi1"),
                changes: PowerItemPatch {
                    name: Some(name("新名称")),
                    ..PowerItemPatch::default()
                },
            },
            DepartmentEvent::TaskLinkedToPowerItem {
                item_id: id("pi1"),
                task_id: id("t1"),
            },
            DepartmentEvent::TaskUnlinkedFromPowerItem {
                item_id: id("pi1"),
                task_id: id("t1"),
            },
            DepartmentEvent::PowerItemDelisted {
                item_id: id("pi1"),
                ended_links: vec![],
            },
        ],
    );
    for event in samples {
        let json = serde_json::to_value(&event).expect("serialises");
        let tag = json
            .as_object()
            .and_then(|o| o.keys().next().cloned())
            .expect("externally tagged");
        assert_eq!(tag, event.event_type());
        let version = if tag == "TaskAmended" || tag == "PowerItemAmended" {
            "2"
        } else {
            "1"
        };
        assert_eq!(event.event_version(), version, "{tag}");
        let back: DepartmentEvent = serde_json::from_value(json).expect("deserialises");
        assert_eq!(back, event);
        if !seen.contains(&tag) {
            seen.push(tag);
        }
    }
    seen.sort();
    let mut all: Vec<String> = DepartmentEvent::TYPES
        .iter()
        .map(|s| s.to_string())
        .collect();
    all.sort();
    assert_eq!(seen, all, "every event type is covered");
}

// --- establish ------------------------------------------------------------------------------

#[test]
fn establish_department_new_emits_established() {
    Fixture::with(())
        .given_no_previous_events()
        .when(establish_command())
        .then_expect_events(vec![established()]);
}

#[test]
fn establish_department_twice_is_refused() {
    Fixture::with(())
        .given(vec![established()])
        .when(establish_command())
        .then_expect_error(DepartmentError::DepartmentAlreadyEstablished);
}

#[test]
fn establish_department_with_county_division_at_city_level_is_refused() {
    let command = DepartmentCommand::EstablishDepartment {
        id: code(),
        name: name("x"),
        division: DivisionCode::parse("371302000000").expect("valid"),
        level: DepartmentLevel::City,
        sector: name("x"),
        kind: BodyKind::PartyOrgan,
    };
    Fixture::with(())
        .given_no_previous_events()
        .when(command)
        .then_expect_error(DepartmentError::DivisionLevelMismatch {
            expected: DivisionLevel::City,
            actual: DivisionLevel::County,
        });
}

#[test]
fn any_command_before_establishment_is_refused() {
    Fixture::with(())
        .given_no_previous_events()
        .when(DepartmentCommand::EstablishUnit {
            unit_id: id("u1"),
            name: name("办公室"),
        })
        .then_expect_error(DepartmentError::DepartmentNotFound);
}

// --- main duties ----------------------------------------------------------------------------

#[test]
fn define_main_duty_new_emits_defined() {
    Fixture::with(())
        .given(vec![established()])
        .when(DepartmentCommand::DefineMainDuty {
            duty_id: id("md9"),
            text: text("负责产品质量安全监督管理"),
        })
        .then_expect_events(vec![DepartmentEvent::MainDutyDefined {
            duty_id: id("md9"),
            text: text("负责产品质量安全监督管理"),
        }]);
}

#[test]
fn define_main_duty_existing_id_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::DefineMainDuty {
            duty_id: id("md1"),
            text: text("x"),
        })
        .then_expect_error(DepartmentError::MainDutyAlreadyExists(id("md1")));
}

#[test]
fn define_main_duty_id_of_revoked_duty_is_refused() {
    Fixture::with(())
        .given(vec![
            established(),
            DepartmentEvent::MainDutyDefined {
                duty_id: id("md1"),
                text: text("x"),
            },
            DepartmentEvent::MainDutyRevoked { duty_id: id("md1") },
        ])
        .when(DepartmentCommand::DefineMainDuty {
            duty_id: id("md1"),
            text: text("y"),
        })
        .then_expect_error(DepartmentError::MainDutyAlreadyExists(id("md1")));
}

#[test]
fn amend_main_duty_new_text_emits_amended() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AmendMainDuty {
            duty_id: id("md1"),
            text: text("负责市场综合监督管理，起草有关法规草案"),
        })
        .then_expect_events(vec![DepartmentEvent::MainDutyAmended {
            duty_id: id("md1"),
            text: text("负责市场综合监督管理，起草有关法规草案"),
        }]);
}

#[test]
fn amend_main_duty_same_text_emits_nothing() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AmendMainDuty {
            duty_id: id("md1"),
            text: text("负责市场综合监督管理"),
        })
        .then_expect_events(vec![]);
}

#[test]
fn amend_main_duty_unknown_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AmendMainDuty {
            duty_id: id("nope"),
            text: text("x"),
        })
        .then_expect_error(DepartmentError::MainDutyNotFound(id("nope")));
}

#[test]
fn revoke_main_duty_without_unit_duties_emits_revoked() {
    Fixture::with(())
        .given(with(
            structure(),
            vec![DepartmentEvent::MainDutyDefined {
                duty_id: id("md2"),
                text: text("x"),
            }],
        ))
        .when(DepartmentCommand::RevokeMainDuty { duty_id: id("md2") })
        .then_expect_events(vec![DepartmentEvent::MainDutyRevoked {
            duty_id: id("md2"),
        }]);
}

#[test]
fn revoke_main_duty_with_unit_duties_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::RevokeMainDuty { duty_id: id("md1") })
        .then_expect_error(DepartmentError::MainDutyHasUnitDuties(id("md1")));
}

#[test]
fn revoke_main_duty_unknown_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::RevokeMainDuty { duty_id: id("x") })
        .then_expect_error(DepartmentError::MainDutyNotFound(id("x")));
}

// --- units ----------------------------------------------------------------------------------

#[test]
fn establish_unit_new_emits_established() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::EstablishUnit {
            unit_id: id("u3"),
            name: name("法规科"),
        })
        .then_expect_events(vec![DepartmentEvent::UnitEstablished {
            unit_id: id("u3"),
            name: name("法规科"),
        }]);
}

#[test]
fn establish_unit_existing_id_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::EstablishUnit {
            unit_id: id("u1"),
            name: name("法规科"),
        })
        .then_expect_error(DepartmentError::UnitAlreadyExists(id("u1")));
}

#[test]
fn establish_unit_taken_name_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::EstablishUnit {
            unit_id: id("u3"),
            name: name("办公室"),
        })
        .then_expect_error(DepartmentError::UnitNameTaken("办公室".into()));
}

#[test]
fn establish_unit_name_of_abolished_unit_is_allowed() {
    Fixture::with(())
        .given(vec![
            established(),
            DepartmentEvent::UnitEstablished {
                unit_id: id("u1"),
                name: name("办公室"),
            },
            DepartmentEvent::UnitAbolished { unit_id: id("u1") },
        ])
        .when(DepartmentCommand::EstablishUnit {
            unit_id: id("u2"),
            name: name("办公室"),
        })
        .then_expect_events(vec![DepartmentEvent::UnitEstablished {
            unit_id: id("u2"),
            name: name("办公室"),
        }]);
}

#[test]
fn rename_unit_new_name_emits_renamed() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::RenameUnit {
            unit_id: id("u1"),
            name: name("党建工作科"),
        })
        .then_expect_events(vec![DepartmentEvent::UnitRenamed {
            unit_id: id("u1"),
            name: name("党建工作科"),
        }]);
}

#[test]
fn rename_unit_to_other_units_name_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::RenameUnit {
            unit_id: id("u1"),
            name: name("办公室"),
        })
        .then_expect_error(DepartmentError::UnitNameTaken("办公室".into()));
}

#[test]
fn rename_unit_same_name_emits_nothing() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::RenameUnit {
            unit_id: id("u1"),
            name: name("机关党委"),
        })
        .then_expect_events(vec![]);
}

#[test]
fn rename_unit_unknown_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::RenameUnit {
            unit_id: id("u9"),
            name: name("x"),
        })
        .then_expect_error(DepartmentError::UnitNotFound(id("u9")));
}

#[test]
fn merge_units_moves_duties_tasks_posts_and_staffing() {
    Fixture::with(())
        .given(with(
            structure(),
            vec![
                DepartmentEvent::UnitStaffingSet {
                    unit_id: id("u1"),
                    headcount: heads(5),
                },
                DepartmentEvent::UnitStaffingSet {
                    unit_id: id("u2"),
                    headcount: heads(3),
                },
            ],
        ))
        .when(DepartmentCommand::MergeUnits {
            unit_id: id("u1"),
            into_unit_id: id("u2"),
        })
        .then_expect_events(vec![DepartmentEvent::UnitMerged {
            unit_id: id("u1"),
            into_unit_id: id("u2"),
            moved_unit_duties: vec![id("ud1")],
            moved_tasks: vec![id("t1")],
            moved_posts: vec![id("p1")],
            into_staffing: Some(heads(8)),
        }]);
}

#[test]
fn merge_units_keeps_assignments_valid_after_the_merge() {
    // After the merge p1 (moved to u2) still holds t1 (moved to u2): assigning it again is a
    // duplicate, and p2 (already in u2) may now take t1.
    let given = with(
        structure(),
        vec![DepartmentEvent::UnitMerged {
            unit_id: id("u1"),
            into_unit_id: id("u2"),
            moved_unit_duties: vec![id("ud1")],
            moved_tasks: vec![id("t1")],
            moved_posts: vec![id("p1")],
            into_staffing: None,
        }],
    );
    Fixture::with(())
        .given(given.clone())
        .when(DepartmentCommand::AssignTaskToPost {
            task_id: id("t1"),
            post_id: id("p1"),
        })
        .then_expect_error(DepartmentError::TaskAlreadyAssigned(id("t1"), id("p1")));
    Fixture::with(())
        .given(given)
        .when(DepartmentCommand::AssignTaskToPost {
            task_id: id("t1"),
            post_id: id("p2"),
        })
        .then_expect_events(vec![DepartmentEvent::TaskAssignedToPost {
            task_id: id("t1"),
            post_id: id("p2"),
        }]);
}

#[test]
fn merge_units_into_itself_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::MergeUnits {
            unit_id: id("u1"),
            into_unit_id: id("u1"),
        })
        .then_expect_error(DepartmentError::MergeIntoSameUnit);
}

#[test]
fn merge_units_unknown_target_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::MergeUnits {
            unit_id: id("u1"),
            into_unit_id: id("u9"),
        })
        .then_expect_error(DepartmentError::UnitNotFound(id("u9")));
}

#[test]
fn merge_units_merged_unit_is_gone() {
    Fixture::with(())
        .given(with(
            structure(),
            vec![DepartmentEvent::UnitMerged {
                unit_id: id("u1"),
                into_unit_id: id("u2"),
                moved_unit_duties: vec![id("ud1")],
                moved_tasks: vec![id("t1")],
                moved_posts: vec![id("p1")],
                into_staffing: None,
            }],
        ))
        .when(DepartmentCommand::CreatePost {
            post_id: id("p9"),
            unit_id: id("u1"),
            name: name("x"),
        })
        .then_expect_error(DepartmentError::UnitNotFound(id("u1")));
}

#[test]
fn abolish_unit_empty_emits_abolished() {
    Fixture::with(())
        .given(with(
            structure(),
            vec![DepartmentEvent::UnitEstablished {
                unit_id: id("u3"),
                name: name("法规科"),
            }],
        ))
        .when(DepartmentCommand::AbolishUnit { unit_id: id("u3") })
        .then_expect_events(vec![DepartmentEvent::UnitAbolished { unit_id: id("u3") }]);
}

#[test]
fn abolish_unit_holding_duties_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AbolishUnit { unit_id: id("u1") })
        .then_expect_error(DepartmentError::UnitHoldsDuties(id("u1")));
}

#[test]
fn abolish_unit_holding_posts_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AbolishUnit { unit_id: id("u2") })
        .then_expect_error(DepartmentError::UnitHoldsPosts(id("u2")));
}

#[test]
fn abolish_unit_unknown_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AbolishUnit { unit_id: id("u9") })
        .then_expect_error(DepartmentError::UnitNotFound(id("u9")));
}

// --- unit duties ----------------------------------------------------------------------------

#[test]
fn assign_unit_duty_new_emits_assigned() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AssignUnitDuty {
            unit_duty_id: id("ud2"),
            main_duty_id: id("md1"),
            unit_id: id("u2"),
            text: text("负责机关日常运转"),
        })
        .then_expect_events(vec![DepartmentEvent::UnitDutyAssigned {
            unit_duty_id: id("ud2"),
            main_duty_id: id("md1"),
            unit_id: id("u2"),
            text: text("负责机关日常运转"),
        }]);
}

#[test]
fn assign_unit_duty_existing_id_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AssignUnitDuty {
            unit_duty_id: id("ud1"),
            main_duty_id: id("md1"),
            unit_id: id("u2"),
            text: text("x"),
        })
        .then_expect_error(DepartmentError::UnitDutyAlreadyExists(id("ud1")));
}

#[test]
fn assign_unit_duty_unknown_main_duty_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AssignUnitDuty {
            unit_duty_id: id("ud2"),
            main_duty_id: id("md9"),
            unit_id: id("u2"),
            text: text("x"),
        })
        .then_expect_error(DepartmentError::MainDutyNotFound(id("md9")));
}

#[test]
fn assign_unit_duty_unknown_unit_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AssignUnitDuty {
            unit_duty_id: id("ud2"),
            main_duty_id: id("md1"),
            unit_id: id("u9"),
            text: text("x"),
        })
        .then_expect_error(DepartmentError::UnitNotFound(id("u9")));
}

#[test]
fn transfer_unit_duty_moves_tasks_and_ends_assignments() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::TransferUnitDuty {
            unit_duty_id: id("ud1"),
            to_unit_id: id("u2"),
        })
        .then_expect_events(vec![DepartmentEvent::UnitDutyTransferred {
            unit_duty_id: id("ud1"),
            from_unit_id: id("u1"),
            to_unit_id: id("u2"),
            moved_tasks: vec![id("t1")],
            ended_assignments: vec![Assignment {
                task_id: id("t1"),
                post_id: id("p1"),
            }],
        }]);
}

#[test]
fn transfer_unit_duty_to_its_own_unit_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::TransferUnitDuty {
            unit_duty_id: id("ud1"),
            to_unit_id: id("u1"),
        })
        .then_expect_error(DepartmentError::UnitDutyAlreadyInUnit(id("ud1"), id("u1")));
}

#[test]
fn transfer_unit_duty_unknown_duty_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::TransferUnitDuty {
            unit_duty_id: id("ud9"),
            to_unit_id: id("u2"),
        })
        .then_expect_error(DepartmentError::UnitDutyNotFound(id("ud9")));
}

#[test]
fn transfer_unit_duty_unknown_unit_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::TransferUnitDuty {
            unit_duty_id: id("ud1"),
            to_unit_id: id("u9"),
        })
        .then_expect_error(DepartmentError::UnitNotFound(id("u9")));
}

#[test]
fn transfer_unit_duty_then_old_post_cannot_take_its_task() {
    Fixture::with(())
        .given(with(
            structure(),
            vec![DepartmentEvent::UnitDutyTransferred {
                unit_duty_id: id("ud1"),
                from_unit_id: id("u1"),
                to_unit_id: id("u2"),
                moved_tasks: vec![id("t1")],
                ended_assignments: vec![Assignment {
                    task_id: id("t1"),
                    post_id: id("p1"),
                }],
            }],
        ))
        .when(DepartmentCommand::AssignTaskToPost {
            task_id: id("t1"),
            post_id: id("p1"),
        })
        .then_expect_error(DepartmentError::PostBelongsToAnotherUnit {
            task_id: id("t1"),
            task_unit: id("u2"),
            post_id: id("p1"),
            post_unit: id("u1"),
        });
}

#[test]
fn revoke_unit_duty_without_tasks_emits_revoked() {
    Fixture::with(())
        .given(with(
            structure(),
            vec![DepartmentEvent::UnitDutyAssigned {
                unit_duty_id: id("ud2"),
                main_duty_id: id("md1"),
                unit_id: id("u2"),
                text: text("x"),
            }],
        ))
        .when(DepartmentCommand::RevokeUnitDuty {
            unit_duty_id: id("ud2"),
        })
        .then_expect_events(vec![DepartmentEvent::UnitDutyRevoked {
            unit_duty_id: id("ud2"),
        }]);
}

#[test]
fn revoke_unit_duty_with_tasks_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::RevokeUnitDuty {
            unit_duty_id: id("ud1"),
        })
        .then_expect_error(DepartmentError::UnitDutyHasTasks(id("ud1")));
}

#[test]
fn revoke_unit_duty_unknown_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::RevokeUnitDuty {
            unit_duty_id: id("ud9"),
        })
        .then_expect_error(DepartmentError::UnitDutyNotFound(id("ud9")));
}

// --- tasks ----------------------------------------------------------------------------------

#[test]
fn define_task_new_emits_defined_with_holding_unit() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::DefineTask {
            task_id: id("t2"),
            unit_duty_id: id("ud1"),
            details: plain_task("发展党员"),
        })
        .then_expect_events(vec![DepartmentEvent::TaskDefined {
            task_id: id("t2"),
            unit_duty_id: id("ud1"),
            unit_id: id("u1"),
            details: plain_task("发展党员"),
        }]);
}

#[test]
fn define_task_high_risk_complete_emits_defined() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::DefineTask {
            task_id: id("t2"),
            unit_duty_id: id("ud1"),
            details: risky_task(),
        })
        .then_expect_events(vec![DepartmentEvent::TaskDefined {
            task_id: id("t2"),
            unit_duty_id: id("ud1"),
            unit_id: id("u1"),
            details: risky_task(),
        }]);
}

#[test]
fn define_task_high_risk_incomplete_is_refused() {
    let mut details = risky_task();
    details.procedure = None;
    details.standard = None;
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::DefineTask {
            task_id: id("t2"),
            unit_duty_id: id("ud1"),
            details,
        })
        .then_expect_error(DepartmentError::HighRiskTaskIncomplete(
            "procedure, standard".into(),
        ));
}

#[test]
fn define_task_existing_id_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::DefineTask {
            task_id: id("t1"),
            unit_duty_id: id("ud1"),
            details: plain_task("x"),
        })
        .then_expect_error(DepartmentError::TaskAlreadyExists(id("t1")));
}

#[test]
fn define_task_unknown_unit_duty_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::DefineTask {
            task_id: id("t2"),
            unit_duty_id: id("ud9"),
            details: plain_task("x"),
        })
        .then_expect_error(DepartmentError::UnitDutyNotFound(id("ud9")));
}

#[test]
fn amend_task_new_details_emits_the_fields_that_change() {
    let before = plain_task("组织理论学习");
    let patch = TaskPatch::replacing(&risky_task());
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AmendTask {
            task_id: id("t1"),
            patch: patch.clone(),
        })
        .then_expect_events(vec![DepartmentEvent::TaskAmended {
            task_id: id("t1"),
            changes: patch.changes_from(&before),
        }]);
}

#[test]
fn amend_task_naming_one_field_records_only_that_field() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AmendTask {
            task_id: id("t1"),
            patch: TaskPatch {
                name: Some(name("组织理论学习（季度）")),
                scope: Some(Change::Set(text("机关全体党员"))),
                standard: Some(Change::Clear),
                ..TaskPatch::default()
            },
        })
        .then_expect_events(vec![DepartmentEvent::TaskAmended {
            task_id: id("t1"),
            // The standard was not set: clearing it changes nothing and is not recorded.
            changes: TaskPatch {
                name: Some(name("组织理论学习（季度）")),
                scope: Some(Change::Set(text("机关全体党员"))),
                ..TaskPatch::default()
            },
        }]);
}

#[test]
fn amend_task_same_details_emits_nothing() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AmendTask {
            task_id: id("t1"),
            patch: TaskPatch::replacing(&plain_task("组织理论学习")),
        })
        .then_expect_events(vec![]);
}

#[test]
fn amend_task_high_risk_incomplete_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AmendTask {
            task_id: id("t1"),
            patch: TaskPatch {
                integrity_risk: Some(true),
                ..TaskPatch::default()
            },
        })
        .then_expect_error(DepartmentError::HighRiskTaskIncomplete(
            "scope, procedure, timeLimit, standard".into(),
        ));
}

#[test]
fn amend_task_unknown_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AmendTask {
            task_id: id("t9"),
            patch: TaskPatch::replacing(&plain_task("x")),
        })
        .then_expect_error(DepartmentError::TaskNotFound(id("t9")));
}

#[test]
fn retire_task_ends_its_assignments() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::RetireTask { task_id: id("t1") })
        .then_expect_events(vec![DepartmentEvent::TaskRetired {
            task_id: id("t1"),
            ended_assignments: vec![id("p1")],
        }]);
}

#[test]
fn retire_task_twice_is_refused() {
    Fixture::with(())
        .given(with(
            structure(),
            vec![DepartmentEvent::TaskRetired {
                task_id: id("t1"),
                ended_assignments: vec![id("p1")],
            }],
        ))
        .when(DepartmentCommand::RetireTask { task_id: id("t1") })
        .then_expect_error(DepartmentError::TaskNotFound(id("t1")));
}

#[test]
fn retire_task_frees_its_post_for_abolition() {
    Fixture::with(())
        .given(with(
            structure(),
            vec![DepartmentEvent::TaskRetired {
                task_id: id("t1"),
                ended_assignments: vec![id("p1")],
            }],
        ))
        .when(DepartmentCommand::AbolishPost { post_id: id("p1") })
        .then_expect_events(vec![DepartmentEvent::PostAbolished { post_id: id("p1") }]);
}

// --- posts ----------------------------------------------------------------------------------

#[test]
fn create_post_new_emits_created() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::CreatePost {
            post_id: id("p3"),
            unit_id: id("u1"),
            name: name("纪检岗"),
        })
        .then_expect_events(vec![DepartmentEvent::PostCreated {
            post_id: id("p3"),
            unit_id: id("u1"),
            name: name("纪检岗"),
        }]);
}

#[test]
fn create_post_existing_id_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::CreatePost {
            post_id: id("p1"),
            unit_id: id("u1"),
            name: name("x"),
        })
        .then_expect_error(DepartmentError::PostAlreadyExists(id("p1")));
}

#[test]
fn create_post_unknown_unit_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::CreatePost {
            post_id: id("p3"),
            unit_id: id("u9"),
            name: name("x"),
        })
        .then_expect_error(DepartmentError::UnitNotFound(id("u9")));
}

#[test]
fn abolish_post_without_tasks_emits_abolished() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AbolishPost { post_id: id("p2") })
        .then_expect_events(vec![DepartmentEvent::PostAbolished { post_id: id("p2") }]);
}

#[test]
fn abolish_post_holding_tasks_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AbolishPost { post_id: id("p1") })
        .then_expect_error(DepartmentError::PostHoldsTasks(id("p1")));
}

#[test]
fn abolish_post_unknown_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AbolishPost { post_id: id("p9") })
        .then_expect_error(DepartmentError::PostNotFound(id("p9")));
}

#[test]
fn assign_task_to_post_of_same_unit_emits_assigned() {
    Fixture::with(())
        .given(with(
            structure(),
            vec![DepartmentEvent::PostCreated {
                post_id: id("p3"),
                unit_id: id("u1"),
                name: name("纪检岗"),
            }],
        ))
        .when(DepartmentCommand::AssignTaskToPost {
            task_id: id("t1"),
            post_id: id("p3"),
        })
        .then_expect_events(vec![DepartmentEvent::TaskAssignedToPost {
            task_id: id("t1"),
            post_id: id("p3"),
        }]);
}

#[test]
fn assign_task_to_post_of_another_unit_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AssignTaskToPost {
            task_id: id("t1"),
            post_id: id("p2"),
        })
        .then_expect_error(DepartmentError::PostBelongsToAnotherUnit {
            task_id: id("t1"),
            task_unit: id("u1"),
            post_id: id("p2"),
            post_unit: id("u2"),
        });
}

#[test]
fn assign_task_to_post_twice_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AssignTaskToPost {
            task_id: id("t1"),
            post_id: id("p1"),
        })
        .then_expect_error(DepartmentError::TaskAlreadyAssigned(id("t1"), id("p1")));
}

#[test]
fn assign_task_to_post_unknown_task_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AssignTaskToPost {
            task_id: id("t9"),
            post_id: id("p1"),
        })
        .then_expect_error(DepartmentError::TaskNotFound(id("t9")));
}

#[test]
fn assign_task_to_post_unknown_post_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AssignTaskToPost {
            task_id: id("t1"),
            post_id: id("p9"),
        })
        .then_expect_error(DepartmentError::PostNotFound(id("p9")));
}

#[test]
fn unassign_task_from_post_held_emits_unassigned() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::UnassignTaskFromPost {
            task_id: id("t1"),
            post_id: id("p1"),
        })
        .then_expect_events(vec![DepartmentEvent::TaskUnassignedFromPost {
            task_id: id("t1"),
            post_id: id("p1"),
        }]);
}

#[test]
fn unassign_task_from_post_not_held_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::UnassignTaskFromPost {
            task_id: id("t1"),
            post_id: id("p2"),
        })
        .then_expect_error(DepartmentError::TaskNotAssigned(id("t1"), id("p2")));
}

#[test]
fn unassign_task_from_post_unknown_post_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::UnassignTaskFromPost {
            task_id: id("t1"),
            post_id: id("p9"),
        })
        .then_expect_error(DepartmentError::PostNotFound(id("p9")));
}

#[test]
fn unassign_task_from_post_unknown_task_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::UnassignTaskFromPost {
            task_id: id("t9"),
            post_id: id("p1"),
        })
        .then_expect_error(DepartmentError::TaskNotFound(id("t9")));
}

// --- staffing -------------------------------------------------------------------------------

#[test]
fn set_department_staffing_emits_set() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::SetDepartmentStaffing {
            headcount: heads(120),
        })
        .then_expect_events(vec![DepartmentEvent::DepartmentStaffingSet {
            headcount: heads(120),
        }]);
}

#[test]
fn set_department_staffing_same_value_emits_nothing() {
    Fixture::with(())
        .given(with(
            structure(),
            vec![DepartmentEvent::DepartmentStaffingSet {
                headcount: heads(120),
            }],
        ))
        .when(DepartmentCommand::SetDepartmentStaffing {
            headcount: heads(120),
        })
        .then_expect_events(vec![]);
}

#[test]
fn set_department_staffing_below_units_sum_is_refused() {
    Fixture::with(())
        .given(with(
            structure(),
            vec![
                DepartmentEvent::UnitStaffingSet {
                    unit_id: id("u1"),
                    headcount: heads(5),
                },
                DepartmentEvent::UnitStaffingSet {
                    unit_id: id("u2"),
                    headcount: heads(4),
                },
            ],
        ))
        .when(DepartmentCommand::SetDepartmentStaffing {
            headcount: heads(8),
        })
        .then_expect_error(DepartmentError::StaffingExceedsDepartment {
            units: 9,
            department: 8,
        });
}

#[test]
fn set_unit_staffing_emits_set() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::SetUnitStaffing {
            unit_id: id("u1"),
            headcount: heads(6),
        })
        .then_expect_events(vec![DepartmentEvent::UnitStaffingSet {
            unit_id: id("u1"),
            headcount: heads(6),
        }]);
}

#[test]
fn set_unit_staffing_above_department_is_refused() {
    Fixture::with(())
        .given(with(
            structure(),
            vec![
                DepartmentEvent::DepartmentStaffingSet {
                    headcount: heads(10),
                },
                DepartmentEvent::UnitStaffingSet {
                    unit_id: id("u2"),
                    headcount: heads(4),
                },
            ],
        ))
        .when(DepartmentCommand::SetUnitStaffing {
            unit_id: id("u1"),
            headcount: heads(7),
        })
        .then_expect_error(DepartmentError::StaffingExceedsDepartment {
            units: 11,
            department: 10,
        });
}

#[test]
fn set_unit_staffing_unknown_unit_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::SetUnitStaffing {
            unit_id: id("u9"),
            headcount: heads(1),
        })
        .then_expect_error(DepartmentError::UnitNotFound(id("u9")));
}

// --- power items ----------------------------------------------------------------------------

#[test]
fn list_power_item_new_emits_listed_with_the_template_stages() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::ListPowerItem {
            item_id: id("pi1"),
            details: power("XK-01"),
        })
        .then_expect_events(vec![listed()]);
}

#[test]
fn list_power_item_with_own_stages_keeps_them() {
    let mut details = power("CF-01");
    details.kind = PowerKind::Penalty;
    details.stages = vec![name("立案"), name("决定")];
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::ListPowerItem {
            item_id: id("pi2"),
            details: details.clone(),
        })
        .then_expect_events(vec![DepartmentEvent::PowerItemListed {
            item_id: id("pi2"),
            details,
        }]);
}

#[test]
fn list_power_item_existing_id_is_refused() {
    Fixture::with(())
        .given(with(structure(), vec![listed()]))
        .when(DepartmentCommand::ListPowerItem {
            item_id: id("pi1"),
            details: power("XK-02"),
        })
        .then_expect_error(DepartmentError::PowerItemAlreadyExists(id("pi1")));
}

#[test]
fn list_power_item_code_taken_is_refused() {
    Fixture::with(())
        .given(with(structure(), vec![listed()]))
        .when(DepartmentCommand::ListPowerItem {
            item_id: id("pi2"),
            details: power("XK-01"),
        })
        .then_expect_error(DepartmentError::PowerCodeTaken("XK-01".into()));
}

#[test]
fn list_power_item_unknown_implementing_unit_is_refused() {
    let mut details = power("XK-02");
    details.unit_id = id("u9");
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::ListPowerItem {
            item_id: id("pi2"),
            details,
        })
        .then_expect_error(DepartmentError::UnitNotFound(id("u9")));
}

#[test]
fn list_power_item_promised_above_statutory_is_refused() {
    let mut details = power("XK-02");
    details.promised_limit = Some(TimeLimit::new(25, DayKind::Working).expect("limit"));
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::ListPowerItem {
            item_id: id("pi2"),
            details,
        })
        .then_expect_error(DepartmentError::PromisedLimitExceedsStatutory {
            promised: "25 working days".into(),
            statutory: "20 working days".into(),
        });
}

#[test]
fn amend_power_item_new_details_emits_the_fields_that_change() {
    let mut details = with_template(power("XK-01"));
    details.name = name("食品生产许可（新办）");
    Fixture::with(())
        .given(with(structure(), vec![listed()]))
        .when(DepartmentCommand::AmendPowerItem {
            item_id: id("pi1"),
            patch: PowerItemPatch::replacing(&details),
        })
        .then_expect_events(vec![DepartmentEvent::PowerItemAmended {
            item_id: id("pi1"),
            changes: PowerItemPatch {
                name: Some(name("食品生产许可（新办）")),
                ..PowerItemPatch::default()
            },
        }]);
}

#[test]
fn amend_power_item_naming_one_field_keeps_the_others() {
    let mut state = Department::default();
    for e in with(structure(), vec![listed()]) {
        cqrs_es::Aggregate::apply(&mut state, e);
    }
    let events = state
        .decide(DepartmentCommand::AmendPowerItem {
            item_id: id("pi1"),
            patch: PowerItemPatch {
                legal_basis: Some(text("《中华人民共和国食品安全法》第三十五条（2021年修正）")),
                ..PowerItemPatch::default()
            },
        })
        .expect("accepted");
    for e in events {
        cqrs_es::Aggregate::apply(&mut state, e);
    }
    let (_, details) = state
        .power_items()
        .find(|(k, _)| k.as_str() == "pi1")
        .expect("listed");
    let mut expected = with_template(power("XK-01"));
    expected.legal_basis = text("《中华人民共和国食品安全法》第三十五条（2021年修正）");
    assert_eq!(details, &expected);
}

#[test]
fn amend_power_item_same_details_emits_nothing() {
    Fixture::with(())
        .given(with(structure(), vec![listed()]))
        .when(DepartmentCommand::AmendPowerItem {
            item_id: id("pi1"),
            patch: PowerItemPatch::replacing(&power("XK-01")),
        })
        .then_expect_events(vec![]);
}

#[test]
fn amend_power_item_unknown_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::AmendPowerItem {
            item_id: id("pi9"),
            patch: PowerItemPatch::replacing(&power("XK-01")),
        })
        .then_expect_error(DepartmentError::PowerItemNotFound(id("pi9")));
}

#[test]
fn delist_power_item_ends_its_links() {
    Fixture::with(())
        .given(with(
            structure(),
            vec![
                listed(),
                DepartmentEvent::TaskLinkedToPowerItem {
                    item_id: id("pi1"),
                    task_id: id("t1"),
                },
            ],
        ))
        .when(DepartmentCommand::DelistPowerItem { item_id: id("pi1") })
        .then_expect_events(vec![DepartmentEvent::PowerItemDelisted {
            item_id: id("pi1"),
            ended_links: vec![id("t1")],
        }]);
}

#[test]
fn delist_power_item_unknown_is_refused() {
    Fixture::with(())
        .given(structure())
        .when(DepartmentCommand::DelistPowerItem { item_id: id("pi9") })
        .then_expect_error(DepartmentError::PowerItemNotFound(id("pi9")));
}

#[test]
fn link_task_to_power_item_emits_linked() {
    Fixture::with(())
        .given(with(structure(), vec![listed()]))
        .when(DepartmentCommand::LinkTaskToPowerItem {
            item_id: id("pi1"),
            task_id: id("t1"),
        })
        .then_expect_events(vec![DepartmentEvent::TaskLinkedToPowerItem {
            item_id: id("pi1"),
            task_id: id("t1"),
        }]);
}

#[test]
fn link_task_to_power_item_twice_is_refused() {
    Fixture::with(())
        .given(with(
            structure(),
            vec![
                listed(),
                DepartmentEvent::TaskLinkedToPowerItem {
                    item_id: id("pi1"),
                    task_id: id("t1"),
                },
            ],
        ))
        .when(DepartmentCommand::LinkTaskToPowerItem {
            item_id: id("pi1"),
            task_id: id("t1"),
        })
        .then_expect_error(DepartmentError::TaskAlreadyLinked(id("pi1"), id("t1")));
}

#[test]
fn link_unknown_task_to_power_item_is_refused() {
    Fixture::with(())
        .given(with(structure(), vec![listed()]))
        .when(DepartmentCommand::LinkTaskToPowerItem {
            item_id: id("pi1"),
            task_id: id("t9"),
        })
        .then_expect_error(DepartmentError::TaskNotFound(id("t9")));
}

#[test]
fn unlink_task_not_linked_is_refused() {
    Fixture::with(())
        .given(with(structure(), vec![listed()]))
        .when(DepartmentCommand::UnlinkTaskFromPowerItem {
            item_id: id("pi1"),
            task_id: id("t1"),
        })
        .then_expect_error(DepartmentError::TaskNotLinked(id("pi1"), id("t1")));
}

#[test]
fn abolish_unit_implementing_power_items_is_refused() {
    Fixture::with(())
        .given(with(
            vec![
                established(),
                DepartmentEvent::UnitEstablished {
                    unit_id: id("u1"),
                    name: name("行政审批科"),
                },
            ],
            vec![listed()],
        ))
        .when(DepartmentCommand::AbolishUnit { unit_id: id("u1") })
        .then_expect_error(DepartmentError::UnitImplementsPowerItems(id("u1")));
}

#[test]
fn retiring_a_task_ends_its_power_links_and_merging_moves_items() {
    let mut state = Department::default();
    for e in with(
        structure(),
        vec![
            listed(),
            DepartmentEvent::TaskLinkedToPowerItem {
                item_id: id("pi1"),
                task_id: id("t1"),
            },
            DepartmentEvent::TaskRetired {
                task_id: id("t1"),
                ended_assignments: vec![id("p1")],
            },
            DepartmentEvent::UnitMerged {
                unit_id: id("u1"),
                into_unit_id: id("u2"),
                moved_unit_duties: vec![],
                moved_tasks: vec![],
                moved_posts: vec![],
                into_staffing: None,
            },
        ],
    ) {
        cqrs_es::Aggregate::apply(&mut state, e);
    }
    assert_eq!(state.power_links().count(), 0);
    let units: Vec<&str> = state
        .power_items()
        .map(|(_, d)| d.unit_id.as_str())
        .collect();
    assert_eq!(units, ["u2"]);
    assert!(state.is_consistent());
}

// --- properties -----------------------------------------------------------------------------

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// A small random command over a small id space, so that collisions and dangling
    /// references happen often.
    fn command() -> impl Strategy<Value = DepartmentCommand> {
        let ids = || (0u8..4).prop_map(|n| id(&format!("x{n}")));
        prop_oneof![
            (ids(), 0u8..3).prop_map(|(u, n)| DepartmentCommand::EstablishUnit {
                unit_id: u,
                name: name(&format!("科{n}")),
            }),
            ids().prop_map(|d| DepartmentCommand::DefineMainDuty {
                duty_id: d,
                text: text("职责"),
            }),
            (ids(), ids(), ids()).prop_map(|(ud, md, u)| DepartmentCommand::AssignUnitDuty {
                unit_duty_id: ud,
                main_duty_id: md,
                unit_id: u,
                text: text("科室职责"),
            }),
            (ids(), ids()).prop_map(|(t, ud)| DepartmentCommand::DefineTask {
                task_id: t,
                unit_duty_id: ud,
                details: plain_task("任务"),
            }),
            (ids(), ids()).prop_map(|(p, u)| DepartmentCommand::CreatePost {
                post_id: p,
                unit_id: u,
                name: name("岗"),
            }),
            (ids(), ids()).prop_map(|(t, p)| DepartmentCommand::AssignTaskToPost {
                task_id: t,
                post_id: p,
            }),
            (ids(), ids()).prop_map(|(t, p)| DepartmentCommand::UnassignTaskFromPost {
                task_id: t,
                post_id: p,
            }),
            (ids(), ids()).prop_map(|(a, b)| DepartmentCommand::MergeUnits {
                unit_id: a,
                into_unit_id: b,
            }),
            (ids(), ids()).prop_map(|(ud, u)| DepartmentCommand::TransferUnitDuty {
                unit_duty_id: ud,
                to_unit_id: u,
            }),
            ids().prop_map(|t| DepartmentCommand::RetireTask { task_id: t }),
            ids().prop_map(|p| DepartmentCommand::AbolishPost { post_id: p }),
            ids().prop_map(|u| DepartmentCommand::AbolishUnit { unit_id: u }),
            ids().prop_map(|ud| DepartmentCommand::RevokeUnitDuty { unit_duty_id: ud }),
            ids().prop_map(|d| DepartmentCommand::RevokeMainDuty { duty_id: d }),
        ]
    }

    proptest! {
        /// Whatever sequence of commands is accepted, the structure stays consistent: every
        /// assignment joins a post and a task of the same unit, and every active unit duty
        /// lies in an active unit and derives from an active main duty.
        #[test]
        fn accepted_commands_keep_the_structure_consistent(
            commands in proptest::collection::vec(command(), 1..60)
        ) {
            let mut department = Department::default();
            cqrs_es::Aggregate::apply(&mut department, established());
            for command in commands {
                if let Ok(events) = department.decide(command) {
                    for event in events {
                        cqrs_es::Aggregate::apply(&mut department, event);
                    }
                }
                prop_assert!(department.is_consistent(), "{department:#?}");
            }
        }
    }
}

// --- valid time -----------------------------------------------------------------------------

mod valid_time {
    use chrono::{DateTime, TimeZone, Utc};

    use super::*;
    use crate::timeline::{decide_at, Timed};

    fn at(month: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2021, month, 1, 0, 0, 0)
            .single()
            .expect("valid date")
    }

    /// The standard structure, effective in January, followed by `later` events.
    fn history(later: Vec<(u32, DepartmentEvent)>) -> Vec<Timed<DepartmentEvent>> {
        let mut out: Vec<Timed<DepartmentEvent>> = structure()
            .into_iter()
            .map(|event| (1, event))
            .chain(later)
            .enumerate()
            .map(|(i, (month, event))| Timed {
                effective_at: at(month),
                sequence: i as u64 + 1,
                event,
            })
            .collect();
        out.sort_by_key(Timed::key);
        out
    }

    #[test]
    fn a_backdated_correction_of_one_field_survives_a_later_amendment_of_another() {
        let limit = |kind| TimeLimit::new(10, kind).expect("limit");
        // In March the task gets a time limit in calendar days; in May its risk flags are
        // amended (recorded first); then the March limit is corrected to working days,
        // effective April (recorded last).
        let h = history(vec![
            (
                3,
                DepartmentEvent::TaskAmended {
                    task_id: id("t1"),
                    changes: TaskPatch {
                        time_limit: Some(Change::Set(limit(DayKind::Calendar))),
                        ..TaskPatch::default()
                    },
                },
            ),
            (
                5,
                DepartmentEvent::TaskAmended {
                    task_id: id("t1"),
                    changes: TaskPatch {
                        strict_policy_standard: Some(false),
                        wide_discretion: Some(false),
                        ..TaskPatch::default()
                    },
                },
            ),
        ]);
        let (events, state) = decide_at::<Department>(
            &h,
            DepartmentCommand::AmendTask {
                task_id: id("t1"),
                patch: TaskPatch {
                    time_limit: Some(Change::Set(limit(DayKind::Working))),
                    ..TaskPatch::default()
                },
            },
            at(4),
        )
        .expect("accepted");
        assert_eq!(events.len(), 1);
        let (_, task) = state
            .tasks()
            .find(|(k, _)| k.as_str() == "t1")
            .expect("task");
        assert_eq!(task.details.time_limit, Some(limit(DayKind::Working)));
    }

    fn p3_created() -> (u32, DepartmentEvent) {
        (
            1,
            DepartmentEvent::PostCreated {
                post_id: id("p3"),
                unit_id: id("u1"),
                name: name("纪检岗"),
            },
        )
    }

    #[test]
    fn abolish_post_backdated_before_its_later_assignment_is_refused() {
        let h = history(vec![
            p3_created(),
            (
                5,
                DepartmentEvent::TaskAssignedToPost {
                    task_id: id("t1"),
                    post_id: id("p3"),
                },
            ),
        ]);
        let result = decide_at::<Department>(
            &h,
            DepartmentCommand::AbolishPost { post_id: id("p3") },
            at(3),
        );
        assert_eq!(
            result.map(|(events, _)| events),
            Err(DepartmentError::BreaksLaterHistory {
                event_type: "TaskAssignedToPost".into(),
                effective_at: at(5),
                cause: Box::new(DepartmentError::PostNotFound(id("p3"))),
            })
        );
    }

    #[test]
    fn abolish_unit_backdated_before_a_later_duty_in_it_is_refused() {
        // The unit u3 is empty until July, when a duty is put into it; abolishing it in June
        // would break that.
        let h = history(vec![
            (
                1,
                DepartmentEvent::UnitEstablished {
                    unit_id: id("u3"),
                    name: name("法规科"),
                },
            ),
            (
                7,
                DepartmentEvent::UnitDutyAssigned {
                    unit_duty_id: id("ud3"),
                    main_duty_id: id("md1"),
                    unit_id: id("u3"),
                    text: text("法制审核"),
                },
            ),
        ]);
        let result = decide_at::<Department>(
            &h,
            DepartmentCommand::AbolishUnit { unit_id: id("u3") },
            at(6),
        );
        assert!(
            matches!(&result, Err(DepartmentError::BreaksLaterHistory { event_type, cause, .. })
                if event_type == "UnitDutyAssigned" && **cause == DepartmentError::UnitNotFound(id("u3"))),
            "{result:?}"
        );
        // After July it is refused for the ordinary reason.
        let result = decide_at::<Department>(
            &h,
            DepartmentCommand::AbolishUnit { unit_id: id("u3") },
            at(8),
        );
        assert_eq!(
            result.map(|(e, _)| e),
            Err(DepartmentError::UnitHoldsDuties(id("u3")))
        );
    }

    #[test]
    fn abolish_post_backdated_after_which_nothing_depends_on_it_is_accepted() {
        let h = history(vec![p3_created()]);
        let (events, _) = decide_at::<Department>(
            &h,
            DepartmentCommand::AbolishPost { post_id: id("p3") },
            at(3),
        )
        .expect("accepted");
        assert_eq!(
            events,
            vec![DepartmentEvent::PostAbolished { post_id: id("p3") }]
        );
    }

    #[test]
    fn rename_backdated_before_a_later_rename_keeps_the_later_name_in_force() {
        let h = history(vec![(
            6,
            DepartmentEvent::UnitRenamed {
                unit_id: id("u1"),
                name: name("党建工作科"),
            },
        )]);
        let (events, state) = decide_at::<Department>(
            &h,
            DepartmentCommand::RenameUnit {
                unit_id: id("u1"),
                name: name("机关党委办公室"),
            },
            at(3),
        )
        .expect("accepted");
        assert_eq!(events.len(), 1);
        let names: Vec<&str> = state.units().map(|(_, n, _)| n.as_str()).collect();
        assert!(
            names.contains(&"党建工作科"),
            "the June name stays in force: {names:?}"
        );
    }

    #[test]
    fn creating_a_post_now_in_a_unit_abolished_in_the_future_is_refused() {
        let h = history(vec![
            (
                1,
                DepartmentEvent::UnitEstablished {
                    unit_id: id("u3"),
                    name: name("法规科"),
                },
            ),
            (12, DepartmentEvent::UnitAbolished { unit_id: id("u3") }),
        ]);
        let result = decide_at::<Department>(
            &h,
            DepartmentCommand::CreatePost {
                post_id: id("p9"),
                unit_id: id("u3"),
                name: name("法规岗"),
            },
            at(6),
        );
        assert!(
            matches!(&result, Err(DepartmentError::BreaksLaterHistory { event_type, cause, .. })
                if event_type == "UnitAbolished" && **cause == DepartmentError::UnitHoldsPosts(id("u3"))),
            "{result:?}"
        );
    }

    #[test]
    fn a_task_defined_before_a_later_merge_follows_its_duty_into_the_surviving_unit() {
        let h = history(vec![(
            6,
            DepartmentEvent::UnitMerged {
                unit_id: id("u1"),
                into_unit_id: id("u2"),
                moved_unit_duties: vec![id("ud1")],
                moved_tasks: vec![id("t1")],
                moved_posts: vec![id("p1")],
                into_staffing: None,
            },
        )]);
        let (_, state) = decide_at::<Department>(
            &h,
            DepartmentCommand::DefineTask {
                task_id: id("t2"),
                unit_duty_id: id("ud1"),
                details: plain_task("发展党员"),
            },
            at(3),
        )
        .expect("accepted");
        let t2 = state
            .tasks()
            .find(|(tid, _)| tid.as_str() == "t2")
            .map(|(_, t)| t.unit_id.clone());
        assert_eq!(t2, Some(id("u2")));
        assert!(state.is_consistent());
    }

    #[test]
    fn a_command_before_the_department_existed_is_refused() {
        let h = history(vec![]);
        let before = Utc
            .with_ymd_and_hms(2020, 6, 1, 0, 0, 0)
            .single()
            .expect("date");
        let result = decide_at::<Department>(
            &h,
            DepartmentCommand::EstablishUnit {
                unit_id: id("u9"),
                name: name("x"),
            },
            before,
        );
        assert_eq!(
            result.map(|(e, _)| e),
            Err(DepartmentError::DepartmentNotFound)
        );
    }

    #[test]
    fn an_id_used_later_cannot_be_taken_earlier() {
        let h = history(vec![(
            6,
            DepartmentEvent::MainDutyDefined {
                duty_id: id("md9"),
                text: text("x"),
            },
        )]);
        let result = decide_at::<Department>(
            &h,
            DepartmentCommand::DefineMainDuty {
                duty_id: id("md9"),
                text: text("y"),
            },
            at(3),
        );
        assert!(
            matches!(&result, Err(DepartmentError::BreaksLaterHistory { cause, .. })
                if **cause == DepartmentError::MainDutyAlreadyExists(id("md9"))),
            "{result:?}"
        );
    }
}
