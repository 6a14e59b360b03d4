//! The sources read from the performance rollups (exact at `known_at`): the on-time rate per
//! department and, for task activity, the tasks with records.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use dutyledger_domain::scheme::{Evidence, Measured, Observation, Source};
use dutyledger_domain::values::CreditCode;

use super::Scope;
use crate::performance::query::{self, Dimension, Filter, QueryError};
use crate::StoreError;

use Source::*;

/// The tasks with performance records of the period, per department, and the departments whose
/// figures per task could not be read (with why): task activity is measured from them with the
/// structure.
#[derive(Debug, Default)]
pub(super) struct Activity {
    pub(super) active_tasks: HashMap<String, BTreeSet<String>>,
    pub(super) activity_failures: HashMap<String, String>,
}

/// Measures the on-time rate of every department and reads the tasks with records (when task
/// activity is among the sources).
pub(super) async fn measure(
    scope: &Scope<'_>,
    put: &mut impl FnMut(&CreditCode, Source, Observation),
    timings: &mut Vec<(&'static str, Duration)>,
) -> Result<Activity, StoreError> {
    let Scope {
        pool,
        departments,
        ids,
        period,
        known_at,
        sources,
        ..
    } = *scope;
    let mut active_tasks: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut activity_failures: HashMap<String, String> = HashMap::new();
    let t = Instant::now();
    let filter = Filter {
        departments: Some(ids.to_vec()),
        from: Some(period.from),
        to: Some(period.to),
        ..Filter::default()
    };
    // One read-only snapshot for the check below and every read. If the rollups in it have
    // applied every record event, and no record event was recorded after `known_at`, the
    // rollups as they stand are the figures as known at `known_at`: read them directly. Else
    // (a record recorded since, or not projected yet) read as of `known_at`, which sums the
    // rows of earlier recording days and reads `known_at`'s own day from the log: exact either
    // way, but that day's log can be large (a bulk import today).
    let mut conn = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *conn)
        .await?;
    // The checkpoint first, then only the events past it (a range of the global-order index,
    // as long as the projector's lag): a join of the checkpoint with the log scans every event.
    let checkpoint: Option<(String, i64)> = sqlx::query_as(
        "SELECT last_transaction_id::text, last_position FROM projector_checkpoints WHERE projection = $1",
    )
    .bind(crate::performance::NAME)
    .fetch_optional(&mut *conn)
    .await?;
    let record_type =
        <dutyledger_domain::performance::PerformanceRecord as cqrs_es::Aggregate>::TYPE;
    let settled = match checkpoint {
        None => false,
        Some((txid, position)) => sqlx::query_scalar(
            "SELECT NOT EXISTS (SELECT 1 FROM events WHERE recorded_at > $1 AND aggregate_type = $2) \
                AND NOT EXISTS (SELECT 1 FROM events \
                                WHERE (transaction_id, position) > ($3::text::xid8, $4) \
                                  AND aggregate_type = $2)",
        )
        .bind(known_at)
        .bind(record_type)
        .bind(txid)
        .bind(position)
        // Planned for these values each time (an index range past the checkpoint); a generic
        // plan for any checkpoint would scan the log.
        .persistent(false)
        .fetch_one(&mut *conn)
        .await?,
    };
    let as_known = (!settled).then_some(known_at);
    let by_department = query::performance(
        &mut conn,
        &query::Query {
            filter: filter.clone(),
            group_by: vec![Dimension::Department],
            grain: None,
            known_at: as_known,
        },
    )
    .await;
    let mut failure: Option<String> = None;
    let rows = match by_department {
        Ok(report) => report.rows,
        Err(QueryError::Store(e)) => return Err(e),
        Err(other) => {
            failure = Some(other.to_string());
            Vec::new()
        }
    };
    let mut figures: HashMap<String, query::Figures> = HashMap::new();
    for row in rows {
        figures.insert(row.key.department_id.unwrap_or_default(), row.figures);
    }
    for d in departments {
        let f = figures.get(&d.to_string()).copied().unwrap_or_default();
        let evidence = Evidence {
            query: format!(
                "performance records of {d} done {} to {} (Beijing time), as known at {known_at}",
                period.from, period.to
            ),
            figures: vec![
                ("records".into(), f.records),
                ("timed".into(), f.timed),
                ("onTime".into(), f.on_time),
            ],
            ..Evidence::default()
        };
        let value = if let Some(why) = &failure {
            Measured::NoData(format!("the performance figures cannot be read: {why}"))
        } else if f.timed > 0 {
            Measured::Ratio {
                numerator: f.on_time,
                denominator: f.timed,
            }
        } else {
            Measured::NoData("no performance record of the period has an on-time verdict".into())
        };
        put(d, RecordsOnTimeRate, Observation { value, evidence });
    }
    if sources.contains(&RecordsTaskActivity) {
        // Tasks with records, department by department (a city's tasks at once could pass
        // the most rows one answer holds).
        for id in ids {
            let report = query::performance(
                &mut conn,
                &query::Query {
                    filter: Filter {
                        departments: Some(vec![id.clone()]),
                        ..filter.clone()
                    },
                    group_by: vec![Dimension::Task],
                    grain: None,
                    known_at: as_known,
                },
            )
            .await;
            match report {
                Ok(report) => {
                    active_tasks.insert(
                        id.clone(),
                        report
                            .rows
                            .into_iter()
                            .filter(|r| r.figures.records > 0)
                            .filter_map(|r| r.key.task_id)
                            .collect(),
                    );
                }
                Err(QueryError::Store(e)) => return Err(e),
                Err(other) => {
                    activity_failures.insert(id.clone(), other.to_string());
                }
            }
        }
    }
    conn.commit().await?;
    timings.push(("performance rollups", t.elapsed()));
    Ok(Activity {
        active_tasks,
        activity_failures,
    })
}
