//! The sources read from the duty list in force at the period's end: task activity (with the
//! performance figures per task), the decomposition of duties, the tasks' post coverage, the
//! power list's completeness and the tasks no post holds.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use dutyledger_domain::scheme::{EvidenceItem, Observation, Source};
use dutyledger_domain::values::CreditCode;
use futures::{StreamExt, TryStreamExt};

use super::evidence::{count, cursor_of, ratio, Creations};
use super::records::Activity;
use super::{Scope, PARALLEL};
use crate::duty_list::{self, DepartmentStructure};
use crate::StoreError;

use Source::*;

/// The sources measured from the structure in force at the period's end (a department not in
/// force then has no data for any of them).
pub(super) const STRUCTURAL: [Source; 6] = [
    RecordsTaskActivity,
    DutiesDecomposition,
    TasksPostCoverage,
    PowersCompleteness,
    TasksWithoutPosts,
    WorkflowHighRiskWithoutChart,
];

/// The structure of each department in force at the period's end, as known at `known_at`
/// (departments not in force then are left out).
pub(super) async fn read(
    scope: &Scope<'_>,
    timings: &mut Vec<(&'static str, Duration)>,
) -> Result<HashMap<String, DepartmentStructure>, StoreError> {
    let Scope {
        pool, ids, as_of, ..
    } = *scope;
    let mut structures: HashMap<String, DepartmentStructure> = HashMap::new();
    let t = Instant::now();
    let read: Vec<(String, Option<DepartmentStructure>)> = futures::stream::iter(ids.to_vec())
        .map(|id| async move {
            let s = duty_list::structure(pool, &id, as_of).await?;
            Ok::<_, StoreError>((id, s))
        })
        .buffer_unordered(PARALLEL)
        .try_collect()
        .await?;
    structures.extend(read.into_iter().filter_map(|(id, s)| s.map(|s| (id, s))));
    timings.push(("duty list (structure at the period's end)", t.elapsed()));
    Ok(structures)
}

/// Measures the structure sources of every department (in memory, from `structures`).
pub(super) fn measure(
    scope: &Scope<'_>,
    structures: &HashMap<String, DepartmentStructure>,
    creation: &Creations,
    activity: &Activity,
    put: &mut impl FnMut(&CreditCode, Source, Observation),
    timings: &mut Vec<(&'static str, Duration)>,
) {
    let Scope {
        departments,
        period,
        known_at,
        sources,
        ..
    } = *scope;
    let Activity {
        active_tasks,
        activity_failures,
    } = activity;
    let t = Instant::now();
    for d in departments {
        let id = d.to_string();
        let Some(s) = structures.get(&id) else {
            for source in STRUCTURAL {
                put(
                    d,
                    source,
                    Observation::no_data(format!(
                        "department {id} is not in force at the period's end ({}), as known at {known_at}",
                        period.to
                    )),
                );
            }
            continue;
        };
        let at = format!(
            "in force at the end of {}, as known at {known_at}",
            period.to
        );
        let item = |kind: &str, stored: &str, eid: &str, label: &str| EvidenceItem {
            kind: kind.to_owned(),
            id: eid.to_owned(),
            label: label.to_owned(),
            cursor: cursor_of(creation, &id, stored, eid),
        };
        let task_name = |t: &str| {
            s.tasks
                .iter()
                .find(|x| x.task_id == t)
                .map_or(String::new(), |x| x.name.clone())
        };
        if let Some(why) = activity_failures.get(&id) {
            put(
                d,
                RecordsTaskActivity,
                Observation::no_data(format!("the figures per task cannot be read: {why}")),
            );
        } else if sources.contains(&RecordsTaskActivity) {
            let active = active_tasks.get(&id).cloned().unwrap_or_default();
            let idle: Vec<_> = s
                .tasks
                .iter()
                .filter(|t| !active.contains(&t.task_id))
                .map(|t| item("task", "task", &t.task_id, &t.name))
                .collect();
            let n = s.tasks.len() as i64;
            put(
                d,
                RecordsTaskActivity,
                ratio(
                    n - idle.len() as i64,
                    n,
                    format!(
                        "tasks of {id} with a performance record done {} to {}, {at}; items: tasks without one",
                        period.from, period.to
                    ),
                    idle,
                    "no task in force",
                ),
            );
        }
        let coverage = s.coverage();
        if sources.contains(&DutiesDecomposition) {
            let text = |kind: &str, eid: &str| match kind {
                "main_duty" => s
                    .main_duties
                    .iter()
                    .find(|x| x.duty_id == eid)
                    .map_or(String::new(), |x| x.text.clone()),
                _ => s
                    .unit_duties
                    .iter()
                    .find(|x| x.unit_duty_id == eid)
                    .map_or(String::new(), |x| x.text.clone()),
            };
            let gaps: Vec<_> = coverage
                .main_duties_without_unit_duties
                .iter()
                .map(|x| item("mainDuty", "main_duty", x, &text("main_duty", x)))
                .chain(
                    coverage
                        .unit_duties_without_tasks
                        .iter()
                        .map(|x| item("unitDuty", "unit_duty", x, &text("unit_duty", x))),
                )
                .collect();
            let n = (s.main_duties.len() + s.unit_duties.len()) as i64;
            put(
                d,
                DutiesDecomposition,
                ratio(
                    n - gaps.len() as i64,
                    n,
                    format!("main duties with unit duties and unit duties with tasks of {id}, {at}; items: those without"),
                    gaps,
                    "no main or unit duty in force",
                ),
            );
        }
        let unheld: Vec<_> = coverage
            .tasks_without_posts
            .iter()
            .map(|t| item("task", "task", t, &task_name(t)))
            .collect();
        if sources.contains(&TasksPostCoverage) {
            let n = s.tasks.len() as i64;
            put(
                d,
                TasksPostCoverage,
                ratio(
                    n - unheld.len() as i64,
                    n,
                    format!("tasks of {id} held by a post, {at}; items: tasks no post holds"),
                    unheld.clone(),
                    "no task in force",
                ),
            );
        }
        if sources.contains(&TasksWithoutPosts) {
            put(
                d,
                TasksWithoutPosts,
                count(format!("tasks of {id} held by no post, {at}"), unheld),
            );
        }
        if sources.contains(&PowersCompleteness) {
            let incomplete: Vec<_> = s
                .power_items
                .iter()
                .filter(|p| {
                    p.stages.is_empty()
                        || (p.statutory_limit.is_none() && p.promised_limit.is_none())
                })
                .map(|p| item("powerItem", "power_item", &p.item_id, &p.name))
                .collect();
            let n = s.power_items.len() as i64;
            put(
                d,
                PowersCompleteness,
                ratio(
                    n - incomplete.len() as i64,
                    n,
                    format!("power-list items of {id} with stages and a time limit, {at}; items: those without"),
                    incomplete,
                    "no power-list item in force",
                ),
            );
        }
    }
    if !structures.is_empty() {
        timings.push(("structure sources (in memory)", t.elapsed()));
    }
}
