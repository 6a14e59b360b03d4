//! The sources read from the published workflow charts (valid and transaction time): the
//! high-risk tasks without a chart in force and the chart versions published in the period.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use dutyledger_domain::scheme::{EvidenceItem, Observation, Source};
use dutyledger_domain::values::CreditCode;

use super::evidence::{count, cursor_of, publications, Creations};
use super::Scope;
use crate::duty_list::DepartmentStructure;
use crate::StoreError;

use Source::*;

/// Measures the workflow chart sources of every department.
pub(super) async fn measure(
    scope: &Scope<'_>,
    structures: &HashMap<String, DepartmentStructure>,
    creation: &Creations,
    put: &mut impl FnMut(&CreditCode, Source, Observation),
    timings: &mut Vec<(&'static str, Duration)>,
) -> Result<(), StoreError> {
    let Scope {
        pool,
        departments,
        ids,
        period,
        known_at,
        as_of,
        ..
    } = *scope;
    let t = Instant::now();
    let charts = crate::workflow::in_force_all(pool, Some(ids), as_of).await?;
    let mut charted: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for c in &charts {
        charted
            .entry(c.department_id.as_str())
            .or_default()
            .insert(c.task_id.as_str());
    }
    let published = publications(pool, ids, period, known_at).await?;
    for d in departments {
        let id = d.to_string();
        if let Some(s) = structures.get(&id) {
            let none = BTreeSet::new();
            let have = charted.get(id.as_str()).unwrap_or(&none);
            let missing: Vec<_> = s
                .tasks
                .iter()
                .filter(|t| t.strict_policy_standard || t.wide_discretion || t.integrity_risk)
                .filter(|t| !have.contains(t.task_id.as_str()))
                .map(|t| EvidenceItem {
                    kind: "task".into(),
                    id: t.task_id.clone(),
                    label: t.name.clone(),
                    cursor: cursor_of(creation, &id, "task", &t.task_id),
                })
                .collect();
            put(
                d,
                WorkflowHighRiskWithoutChart,
                count(
                    format!(
                        "high-risk tasks of {id} in force at the end of {} without a workflow chart in force then, as known at {known_at}",
                        period.to
                    ),
                    missing,
                ),
            );
        }
        let items = published.get(&id).cloned().unwrap_or_default();
        put(
            d,
            WorkflowChartsPublished,
            count(
                format!(
                    "workflow chart versions of {id} taking effect {} to {}, as known at {known_at}",
                    period.from, period.to
                ),
                items,
            ),
        );
    }
    timings.push(("workflow charts", t.elapsed()));
    Ok(())
}
