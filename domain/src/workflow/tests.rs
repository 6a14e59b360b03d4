//! Given / when / then: every command and every refusal of the workflow chart.

use std::collections::{BTreeMap, BTreeSet};

use cqrs_es::test::TestFramework;

use super::*;
use crate::values::{CreditCode, DayKind, EntityId, Name, TimeLimit};

type Fixture = TestFramework<WorkflowChart>;

fn id(s: &str) -> EntityId {
    EntityId::parse(s).expect("valid id")
}

fn dept() -> CreditCode {
    CreditCode::from_parts('1', '1', "371300", "00435012").expect("code")
}

fn facts() -> TaskFacts {
    TaskFacts {
        department_id: dept(),
        task_id: id("t1"),
        high_risk: false,
        units: BTreeSet::from([id("u1"), id("u2")]),
        posts: BTreeMap::from([(id("p1"), id("u1")), (id("p2"), id("u2"))]),
    }
}

fn step(name: &str) -> Step {
    Step {
        name: Name::parse(name).expect("name"),
        unit_id: id("u1"),
        post_id: Some(id("p1")),
        materials: vec![Material {
            name: Name::parse("申请书").expect("name"),
            required: true,
            source: None,
        }],
        procedures: vec![Name::parse("受理").expect("name")],
        time_limit: Some(TimeLimit::new(5, DayKind::Working).expect("limit")),
        sign_off_levels: 1,
        section_sign_off: true,
        sub_steps: vec![],
    }
}

fn chart(names: &[&str]) -> Chart {
    Chart {
        steps: names.iter().map(|n| step(n)).collect(),
    }
}

fn drafted(c: Chart) -> WorkflowEvent {
    WorkflowEvent::WorkflowDrafted {
        department_id: dept(),
        task_id: id("t1"),
        chart: c,
    }
}

fn published(version: u32, c: Chart, supersedes: Option<u32>) -> WorkflowEvent {
    WorkflowEvent::WorkflowPublished {
        department_id: dept(),
        task_id: id("t1"),
        version,
        chart: c,
        supersedes,
    }
}

#[test]
fn draft_emits_drafted() {
    Fixture::with(())
        .given_no_previous_events()
        .when(WorkflowCommand::Draft {
            facts: facts(),
            chart: chart(&["受理", "审核"]),
        })
        .then_expect_events(vec![drafted(chart(&["受理", "审核"]))]);
}

#[test]
fn draft_while_a_draft_is_open_is_refused() {
    Fixture::with(())
        .given(vec![drafted(chart(&["受理"]))])
        .when(WorkflowCommand::Draft {
            facts: facts(),
            chart: chart(&["审核"]),
        })
        .then_expect_error(WorkflowError::DraftExists);
}

#[test]
fn draft_without_steps_is_refused() {
    Fixture::with(())
        .given_no_previous_events()
        .when(WorkflowCommand::Draft {
            facts: facts(),
            chart: Chart { steps: vec![] },
        })
        .then_expect_error(WorkflowError::NoSteps);
}

#[test]
fn a_step_with_five_sign_off_levels_is_refused() {
    let mut c = chart(&["审批"]);
    c.steps[0].sign_off_levels = 5;
    Fixture::with(())
        .given_no_previous_events()
        .when(WorkflowCommand::Draft {
            facts: facts(),
            chart: c,
        })
        .then_expect_error(WorkflowError::SignOffLevels {
            step: "审批".into(),
            levels: 5,
        });
}

#[test]
fn a_step_handled_by_a_post_of_another_unit_is_refused() {
    let mut c = chart(&["审核"]);
    c.steps[0].post_id = Some(id("p2"));
    Fixture::with(())
        .given_no_previous_events()
        .when(WorkflowCommand::Draft {
            facts: facts(),
            chart: c,
        })
        .then_expect_error(WorkflowError::PostInAnotherUnit {
            step: "审核".into(),
            post: id("p2"),
            post_unit: id("u2"),
            unit: id("u1"),
        });
}

#[test]
fn a_step_handled_by_an_unknown_unit_or_post_is_refused() {
    let mut c = chart(&["审核"]);
    c.steps[0].unit_id = id("u9");
    Fixture::with(())
        .given_no_previous_events()
        .when(WorkflowCommand::Draft {
            facts: facts(),
            chart: c,
        })
        .then_expect_error(WorkflowError::UnitNotFound {
            step: "审核".into(),
            unit: id("u9"),
        });
    let mut c = chart(&["审核"]);
    c.steps[0].sub_steps = vec![Step {
        post_id: Some(id("p9")),
        ..step("初审")
    }];
    Fixture::with(())
        .given_no_previous_events()
        .when(WorkflowCommand::Draft {
            facts: facts(),
            chart: c,
        })
        .then_expect_error(WorkflowError::PostNotFound {
            step: "初审".into(),
            post: id("p9"),
        });
}

#[test]
fn a_high_risk_tasks_chart_without_a_time_limit_is_refused() {
    let mut c = chart(&["受理", "审核"]);
    c.steps[1].time_limit = None;
    let mut f = facts();
    f.high_risk = true;
    Fixture::with(())
        .given(vec![drafted(c.clone())])
        .when(WorkflowCommand::Publish { facts: f })
        .then_expect_error(WorkflowError::HighRiskStepWithoutTimeLimit("审核".into()));
    // The same chart is fine for a task without risk flags.
    Fixture::with(())
        .given(vec![drafted(c.clone())])
        .when(WorkflowCommand::Publish { facts: facts() })
        .then_expect_events(vec![published(1, c, None)]);
}

#[test]
fn edit_replaces_the_draft() {
    Fixture::with(())
        .given(vec![drafted(chart(&["受理"]))])
        .when(WorkflowCommand::Edit {
            facts: facts(),
            chart: chart(&["受理", "办结"]),
        })
        .then_expect_events(vec![WorkflowEvent::WorkflowDraftEdited {
            chart: chart(&["受理", "办结"]),
        }]);
}

#[test]
fn edit_without_a_draft_is_refused() {
    Fixture::with(())
        .given_no_previous_events()
        .when(WorkflowCommand::Edit {
            facts: facts(),
            chart: chart(&["受理"]),
        })
        .then_expect_error(WorkflowError::NoDraft);
}

#[test]
fn publish_supersedes_the_version_in_force() {
    Fixture::with(())
        .given(vec![
            published(1, chart(&["受理", "审核", "审批"]), None),
            drafted(chart(&["受理", "审批"])),
        ])
        .when(WorkflowCommand::Publish { facts: facts() })
        .then_expect_events(vec![published(2, chart(&["受理", "审批"]), Some(1))]);
}

#[test]
fn publishing_content_identical_to_the_version_in_force_creates_no_version() {
    Fixture::with(())
        .given(vec![
            published(1, chart(&["受理"]), None),
            drafted(chart(&["受理"])),
        ])
        .when(WorkflowCommand::Publish { facts: facts() })
        .then_expect_events(vec![]);
    Fixture::with(())
        .given(vec![published(1, chart(&["受理"]), None)])
        .when(WorkflowCommand::Supersede {
            facts: facts(),
            chart: chart(&["受理"]),
        })
        .then_expect_events(vec![]);
}

#[test]
fn publish_without_a_draft_is_refused() {
    Fixture::with(())
        .given(vec![published(1, chart(&["受理"]), None)])
        .when(WorkflowCommand::Publish { facts: facts() })
        .then_expect_error(WorkflowError::NoDraft);
}

#[test]
fn withdraw_discards_the_draft() {
    Fixture::with(())
        .given(vec![drafted(chart(&["受理"]))])
        .when(WorkflowCommand::Withdraw)
        .then_expect_events(vec![WorkflowEvent::WorkflowDraftWithdrawn {}]);
    Fixture::with(())
        .given_no_previous_events()
        .when(WorkflowCommand::Withdraw)
        .then_expect_error(WorkflowError::NoDraft);
}

#[test]
fn supersede_publishes_new_content_at_once() {
    Fixture::with(())
        .given(vec![published(1, chart(&["受理", "审核"]), None)])
        .when(WorkflowCommand::Supersede {
            facts: facts(),
            chart: chart(&["受理"]),
        })
        .then_expect_events(vec![published(2, chart(&["受理"]), Some(1))]);
}

#[test]
fn stats_count_steps_sub_steps_procedures_materials_and_days() {
    let mut c = chart(&["受理", "审核"]);
    c.steps[1].section_sign_off = false;
    c.steps[1].sub_steps = vec![step("初审"), step("复审")];
    let s = c.stats();
    assert_eq!(
        (
            s.steps,
            s.sub_steps,
            s.procedures,
            s.materials,
            s.time_limit_days
        ),
        (2, 2, 4, 4, 10)
    );
    assert!(!s.section_sign_off);
}

#[test]
fn every_event_serialises_with_its_type_name_as_tag() {
    use cqrs_es::DomainEvent;
    let samples = vec![
        drafted(chart(&["受理"])),
        WorkflowEvent::WorkflowDraftEdited {
            chart: chart(&["受理"]),
        },
        WorkflowEvent::WorkflowDraftWithdrawn {},
        published(1, chart(&["受理"]), None),
    ];
    let mut seen: Vec<String> = Vec::new();
    for event in samples {
        let json = serde_json::to_value(&event).expect("serialises");
        let tag = json
            .as_object()
            .and_then(|o| o.keys().next().cloned())
            .expect("externally tagged");
        assert_eq!(tag, event.event_type());
        let back: WorkflowEvent = serde_json::from_value(json).expect("deserialises");
        assert_eq!(back, event);
        seen.push(tag);
    }
    seen.sort();
    let mut all: Vec<String> = WorkflowEvent::TYPES.iter().map(|s| s.to_string()).collect();
    all.sort();
    assert_eq!(seen, all);
}
