//! The property of issue 15: a round's scores are reproducible. For random departments (tasks
//! held or not, high-risk or not), records and boundary matters, a round is scored as of a
//! `knownAt` and published; then more data is recorded (records of the period, tasks and
//! boundary matters that take effect inside the period: all backdated into it). Measuring the
//! sources again as of that `knownAt` gives exactly the observations the round stored, and the
//! rules give exactly its points: data recorded later does not change them.

use std::sync::atomic::{AtomicU32, Ordering};

use dutyledger_api::auth::Actor;
use dutyledger_api::context::RequestContext;
use dutyledger_domain::round::{RoundCommand, Stage, SupervisionRound};
use dutyledger_domain::scheme::Rule;
use dutyledger_domain::values::CreditCode;
use dutyledger_projections::duty_list::AsOf;
use dutyledger_projections::supervision::{self, Period};
use dutyledger_tests::{credit_code, drop_database, fresh_database, property_config, TestApp};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};

const SINCE: &str = "2024-01-01T00:00:00+08:00";

#[derive(Debug, Clone)]
struct Task {
    held: bool,
    risky: bool,
}

#[derive(Debug, Clone)]
enum Later {
    /// A record of the period on a held task.
    Record {
        dept: usize,
        task: usize,
        day: u32,
        days: i64,
    },
    /// A task that takes effect in the period.
    Task {
        dept: usize,
        held: bool,
        risky: bool,
        day: u32,
    },
    /// An unruled boundary matter between two departments, from a day of the period.
    Matter { a: usize, b: usize, day: u32 },
}

fn task() -> impl Strategy<Value = Task> {
    (any::<bool>(), any::<bool>()).prop_map(|(held, risky)| Task { held, risky })
}

fn later() -> impl Strategy<Value = Later> {
    prop_oneof![
        3 => (0usize..3, 0usize..4, 0u32..365, 1i64..20)
            .prop_map(|(dept, task, day, days)| Later::Record { dept, task, day, days }),
        1 => (0usize..3, any::<bool>(), any::<bool>(), 0u32..365)
            .prop_map(|(dept, held, risky, day)| Later::Task { dept, held, risky, day }),
        1 => (0usize..3, 0usize..3, 0u32..365).prop_map(|(a, b, day)| Later::Matter { a, b, day }),
    ]
}

fn day_of_2025(day: u32) -> String {
    let d =
        chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("date") + chrono::Days::new(day.into());
    format!("{d}T10:00:00+08:00")
}

async fn must(app: &TestApp, mutation: &str, input_type: &str, input: Value) {
    let q = format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ events }} }}");
    let r = app.gql(&q, json!({ "input": input })).await;
    assert!(r.get("errors").is_none(), "{mutation}: {r:#}");
}

async fn define_task(app: &TestApp, dept: &str, id: &str, t: &Task, at: &str) {
    let mut input = json!({"departmentId": dept, "taskId": id, "unitDutyId": "ud1", "name": format!("任务{id}"),
        "timeLimit": {"days": 10, "kind": "WORKING"}, "effectiveAt": at});
    if t.risky {
        input["scope"] = json!("全市");
        input["procedure"] = json!("受理、审查、决定");
        input["standard"] = json!("依法");
        input["risks"] = json!({"integrityRisk": true});
    }
    must(app, "defineTask", "DefineTaskInput", input).await;
    if t.held {
        must(
            app,
            "assignTaskToPost",
            "TaskPostInput",
            json!({"departmentId": dept, "taskId": id, "postId": "p1", "effectiveAt": at}),
        )
        .await;
    }
}

async fn record(app: &TestApp, dept: &str, id: &str, task: &str, day: u32, days: i64) {
    let r = app
        .gql(
            "mutation($r: [WorkRecordInput!]!) { recordWorkBatch(records: $r) { stored rejected } }",
            json!({"r": [{"recordId": id, "departmentId": dept, "unitId": "u1", "postId": "p1", "taskId": task,
                "region": "371302001000", "occurredAt": day_of_2025(day), "quantity": 1, "timeTakenDays": days}]}),
        )
        .await;
    assert!(r.get("errors").is_none(), "{r:#}");
}

async fn run_case(
    app: &TestApp,
    case: u32,
    departments: Vec<Vec<Task>>,
    records: Vec<(usize, usize, u32, i64)>,
    later: Vec<Later>,
) -> Result<(), TestCaseError> {
    let ctx = RequestContext::new(Actor::system("props"));
    let codes: Vec<String> = (0..departments.len())
        .map(|i| credit_code(&format!("{:08}", 73_000_000 + case * 10 + i as u32)))
        .collect();
    for (code, tasks) in codes.iter().zip(&departments) {
        must(app, "establishDepartment", "EstablishDepartmentInput", json!({"id": code, "name": format!("临沂市{code}局"),
            "divisionCode": "371300000000", "level": "CITY", "sector": "综合", "kind": "GOVERNMENT_DEPARTMENT", "effectiveAt": SINCE})).await;
        must(app, "defineMainDuty", "DefineMainDutyInput", json!({"departmentId": code, "dutyId": "md1", "text": "负责监督管理", "effectiveAt": SINCE})).await;
        must(
            app,
            "establishUnit",
            "EstablishUnitInput",
            json!({"departmentId": code, "unitId": "u1", "name": "业务科", "effectiveAt": SINCE}),
        )
        .await;
        must(app, "assignUnitDuty", "AssignUnitDutyInput", json!({"departmentId": code, "unitDutyId": "ud1", "mainDutyId": "md1", "unitId": "u1", "text": "业务", "effectiveAt": SINCE})).await;
        must(app, "createPost", "CreatePostInput", json!({"departmentId": code, "postId": "p1", "unitId": "u1", "name": "业务岗", "effectiveAt": SINCE})).await;
        for (i, t) in tasks.iter().enumerate() {
            define_task(app, code, &format!("t{i}"), t, SINCE).await;
        }
    }
    let held = |d: usize, t: usize| departments[d].get(t).is_some_and(|x| x.held);
    for (n, (d, t, day, days)) in records.iter().enumerate() {
        let d = d % codes.len();
        if held(d, *t) {
            record(
                app,
                &codes[d],
                &format!("r{n}"),
                &format!("t{t}"),
                *day,
                *days,
            )
            .await;
        }
    }
    let (_, text) = dutyledger_domain::scheme::SHIPPED[0];
    app.ok(
        "mutation($i: PublishSchemeInput!) { publishScheme(input: $i) { events } }",
        json!({"i": {"schemeId": "seed", "definition": serde_json::from_str::<Value>(text).expect("json")}}),
    )
    .await;
    let round = format!("round-{case}");
    let scope: Vec<Value> = codes.iter().map(|c| json!({"departmentId": c})).collect();
    app.ok(
        "mutation($i: PlanRoundInput!) { planRound(input: $i) { events } }",
        json!({"i": {"roundId": round, "name": "年度监管", "schemeId": "seed", "mode": "ROUTINE",
            "periodFrom": "2025-01-01", "periodTo": "2025-12-31", "scope": scope}}),
    )
    .await;
    let advance = |stage| RoundCommand::Advance { stage };
    let execute = |command| {
        let (ctx, round) = (&ctx, &round);
        async move {
            app.state
                .commands
                .execute::<SupervisionRound>(ctx, round, command, Default::default())
                .await
                .expect("accepted")
        }
    };
    execute(advance(Stage::OnlineAnalysis)).await;
    app.state
        .commands
        .score_round(&ctx, &round, None, Default::default())
        .await
        .expect("scored");
    execute(advance(Stage::OnSiteVerification)).await;
    execute(advance(Stage::OverallEvaluation)).await;

    // Later: all of it takes effect inside the period, recorded after knownAt.
    for (n, l) in later.iter().enumerate() {
        match l {
            Later::Record {
                dept,
                task,
                day,
                days,
            } => {
                let d = dept % codes.len();
                if held(d, *task) {
                    record(
                        app,
                        &codes[d],
                        &format!("late{n}"),
                        &format!("t{task}"),
                        *day,
                        *days,
                    )
                    .await;
                }
            }
            Later::Task {
                dept,
                held,
                risky,
                day,
            } => {
                let t = Task {
                    held: *held,
                    risky: *risky,
                };
                define_task(
                    app,
                    &codes[dept % codes.len()],
                    &format!("late{n}"),
                    &t,
                    &day_of_2025(*day),
                )
                .await;
            }
            Later::Matter { a, b, day } => {
                let (a, mut b) = (a % codes.len(), b % codes.len());
                if b == a {
                    b = (a + 1) % codes.len();
                }
                if b == a {
                    continue;
                }
                let parties = vec![
                    json!({"partyId": "pa", "departmentId": codes[a]}),
                    json!({"partyId": "pb", "departmentId": codes[b]}),
                ];
                must(app, "registerBoundaryMatter", "RegisterBoundaryMatterInput", json!({"matterId": format!("m{case}-{n}"),
                    "kind": "BETWEEN_DEPARTMENTS", "field": "综合", "title": format!("事项{n}"), "parties": parties,
                    "effectiveAt": day_of_2025(*day)})).await;
            }
        }
    }

    let stored = supervision::load_round(&app.pool, &round, AsOf::now())
        .await
        .expect("load")
        .expect("planned");
    let state = &stored.round;
    prop_assert!(state.published());
    let plan = state.plan().expect("plan").clone();
    let known_at = state.known_at().expect("scored");
    let departments: Vec<CreditCode> = plan.scope.iter().map(|e| e.department_id.clone()).collect();
    let again = supervision::measure(
        &app.pool,
        &departments,
        Period {
            from: plan.period_from,
            to: plan.period_to,
        },
        known_at,
        &plan.scheme.sources(),
    )
    .await
    .expect("measure");
    for d in &departments {
        let scored = state.scored(d).expect("scored");
        prop_assert_eq!(
            &again.observations[d],
            &scored.observations,
            "department {}",
            d
        );
        for leaf in plan.scheme.leaves() {
            let rule = leaf.rule.as_ref().expect("rule");
            let recomputed = match rule.source_name() {
                Some(name) => rule
                    .points(
                        leaf.kind,
                        leaf.weight_for(None),
                        &again.observations[d][name].value,
                    )
                    .ok(),
                None => None,
            };
            let published = scored
                .leaves
                .iter()
                .find(|l| l.indicator_id == leaf.id)
                .and_then(|l| l.points);
            prop_assert_eq!(recomputed, published, "{} {}", d, leaf.id);
            if let Some(p) = published {
                let (min, max) = Rule::range(leaf.kind, leaf.weight_for(None));
                prop_assert!(p >= min && p <= max);
            }
        }
    }
    Ok(())
}

#[test]
fn recomputing_a_round_as_of_its_known_at_gives_its_published_scores() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (pool, url) = runtime.block_on(fresh_database("dutyledger_prop_scores"));
    let app = runtime.block_on(async { TestApp::new(pool.clone()) });
    let cases = AtomicU32::new(0);
    let mut runner = TestRunner::new(property_config(8));
    let strategy = (
        proptest::collection::vec(proptest::collection::vec(task(), 1..4), 1..4),
        proptest::collection::vec((0usize..3, 0usize..4, 0u32..365, 1i64..20), 0..12),
        proptest::collection::vec(later(), 1..10),
    );
    let result = runner.run(&strategy, |(departments, records, later)| {
        let case = cases.fetch_add(1, Ordering::SeqCst);
        runtime.block_on(run_case(&app, case, departments, records, later))
    });
    drop(app);
    runtime.block_on(drop_database(pool, &url));
    if let Err(e) = result {
        panic!("{e}");
    }
}
