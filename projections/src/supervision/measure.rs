//! Measuring the data sources of a scheme for the departments of a round, from the read models
//! as in force at the end of the period evaluated and as known at a stated `known_at`: the
//! performance rollups (exact at `known_at`), the duty list and the boundary list (bitemporal),
//! and the published workflow charts (valid and transaction time). Every figure therefore
//! comes out the same when measured again later with the same `known_at`: data recorded after
//! it does not count.
//!
//! Rectification orders and 12345 tickets are folded from their streams as of the same point.
//! Sources the system does not record yet (workflow cases) measure as "no data", never as zero.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use dutyledger_domain::performance::PERIOD_OFFSET_SECONDS;
use dutyledger_domain::rectification::RectificationOrder;
use dutyledger_domain::scheme::{
    Evidence, EvidenceItem, Measured, Observation, Source, MAX_EVIDENCE_ITEMS,
};
use dutyledger_domain::values::CreditCode;
use futures::{StreamExt, TryStreamExt};
use sqlx::{PgPool, Row};

use crate::duty_list::{self, AsOf, DepartmentStructure};
use crate::performance::query::{self, Dimension, Filter, QueryError};
use crate::{boundary_list, workflow, Cursor, StoreError};

/// The days evaluated (Beijing time, both included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
}

impl Period {
    /// The last instant of the period (Beijing time): the structure "in force at the period's
    /// end" is read at it.
    pub fn end(&self) -> DateTime<Utc> {
        let next = self.to.succ_opt().unwrap_or(self.to);
        next.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
            - chrono::Duration::seconds(PERIOD_OFFSET_SECONDS)
            - chrono::Duration::microseconds(1)
    }

    /// The first instant of the period.
    pub fn start(&self) -> DateTime<Utc> {
        self.from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
            - chrono::Duration::seconds(PERIOD_OFFSET_SECONDS)
    }
}

/// What [`measure`] found: per department, per source name, the observation; and how long each
/// group of sources took (for benchmarks and logs).
#[derive(Debug, Clone, Default)]
pub struct Measurement {
    /// The observations.
    pub observations: BTreeMap<CreditCode, BTreeMap<String, Observation>>,
    /// Time spent per read model.
    pub timings: Vec<(&'static str, Duration)>,
}

/// How many departments' structures are read at once.
const PARALLEL: usize = 4;

/// Measures `sources` for `departments` over `period`, as known at `known_at`.
pub async fn measure(
    pool: &PgPool,
    departments: &[CreditCode],
    period: Period,
    known_at: DateTime<Utc>,
    sources: &BTreeSet<Source>,
) -> Result<Measurement, StoreError> {
    let as_of = AsOf {
        valid_at: period.end(),
        known_at,
    };
    let mut out = Measurement::default();
    for d in departments {
        out.observations.insert(d.clone(), BTreeMap::new());
    }
    let mut put = |d: &CreditCode, s: Source, o: Observation| {
        if sources.contains(&s) {
            if let Some(m) = out.observations.get_mut(d) {
                m.insert(s.name().to_owned(), o);
            }
        }
    };
    let ids: Vec<String> = departments.iter().map(ToString::to_string).collect();
    let wants = |s: &[Source]| s.iter().any(|x| sources.contains(x));
    let mut timings = Vec::new();

    // The structure in force at the period's end, as known at known_at.
    let mut structures: HashMap<String, DepartmentStructure> = HashMap::new();
    use Source::*;
    let structural = [
        RecordsTaskActivity,
        DutiesDecomposition,
        TasksPostCoverage,
        PowersCompleteness,
        TasksWithoutPosts,
        WorkflowHighRiskWithoutChart,
    ];
    if wants(&structural) {
        let t = Instant::now();
        let read: Vec<(String, Option<DepartmentStructure>)> = futures::stream::iter(ids.clone())
            .map(|id| async move {
                let s = duty_list::structure(pool, &id, as_of).await?;
                Ok::<_, StoreError>((id, s))
            })
            .buffer_unordered(PARALLEL)
            .try_collect()
            .await?;
        structures.extend(read.into_iter().filter_map(|(id, s)| s.map(|s| (id, s))));
        timings.push(("duty list (structure at the period's end)", t.elapsed()));
    }
    let creation = if wants(&structural) {
        creation_cursors(pool, &ids, as_of).await?
    } else {
        HashMap::new()
    };
    let cursor_of = |d: &str, kind: &str, id: &str| {
        creation
            .get(&(d.to_owned(), kind.to_owned(), id.to_owned()))
            .map(ToString::to_string)
    };

    // Performance records.
    let mut active_tasks: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut activity_failures: HashMap<String, String> = HashMap::new();
    if wants(&[RecordsOnTimeRate, RecordsTaskActivity]) {
        let t = Instant::now();
        let filter = Filter {
            departments: Some(ids.clone()),
            from: Some(period.from),
            to: Some(period.to),
            ..Filter::default()
        };
        let mut conn = pool.acquire().await?;
        let by_department = query::performance(
            &mut conn,
            &query::Query {
                filter: filter.clone(),
                group_by: vec![Dimension::Department],
                grain: None,
                known_at: Some(known_at),
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
                Measured::NoData(
                    "no performance record of the period has an on-time verdict".into(),
                )
            };
            put(d, RecordsOnTimeRate, Observation { value, evidence });
        }
        if sources.contains(&RecordsTaskActivity) {
            // Tasks with records, department by department (a city's tasks at once could pass
            // the most rows one answer holds).
            for id in &ids {
                let report = query::performance(
                    &mut conn,
                    &query::Query {
                        filter: Filter {
                            departments: Some(vec![id.clone()]),
                            ..filter.clone()
                        },
                        group_by: vec![Dimension::Task],
                        grain: None,
                        known_at: Some(known_at),
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
        timings.push(("performance rollups", t.elapsed()));
    }

    let t = Instant::now();
    for d in departments {
        let id = d.to_string();
        let Some(s) = structures.get(&id) else {
            for source in structural {
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
            cursor: cursor_of(&id, stored, eid),
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

    if sources.contains(&WorkflowHighRiskWithoutChart) || sources.contains(&WorkflowChartsPublished)
    {
        let t = Instant::now();
        let charts = workflow::in_force_all(pool, Some(&ids), as_of).await?;
        let mut charted: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for c in &charts {
            charted
                .entry(c.department_id.as_str())
                .or_default()
                .insert(c.task_id.as_str());
        }
        let published = publications(pool, &ids, period, known_at).await?;
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
                        cursor: cursor_of(&id, "task", &t.task_id),
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
    }

    if sources.contains(&BoundariesUnruled) {
        let t = Instant::now();
        let last = last_cursors(pool, "boundary_matter", known_at).await?;
        for d in departments {
            let id = d.to_string();
            let matters = boundary_list::matters_of_department(pool, &id, as_of).await?;
            let items: Vec<_> = matters
                .iter()
                .filter(|m| m.ruling.is_none())
                .map(|m| EvidenceItem {
                    kind: "boundaryMatter".into(),
                    id: m.matter_id.clone(),
                    label: m.title.clone(),
                    cursor: last.get(&m.matter_id).map(ToString::to_string),
                })
                .collect();
            put(
                d,
                BoundariesUnruled,
                count(
                    format!("boundary matters {id} is a party to without a ruling, in force at the end of {}, as known at {known_at}", period.to),
                    items,
                ),
            );
        }
        timings.push(("boundary list", t.elapsed()));
    }

    if sources.contains(&RectificationOpenOrders) || sources.contains(&RectificationOverdueOrders) {
        let t = Instant::now();
        let end = period.end();
        for d in departments {
            let id = d.to_string();
            let mut open = Vec::new();
            let mut overdue = Vec::new();
            for order in super::read::stream_ids(
                pool,
                <RectificationOrder as cqrs_es::Aggregate>::TYPE,
                Some(&id),
                known_at,
            )
            .await?
            {
                let Some(o) =
                    super::read::load_stream::<RectificationOrder>(pool, &order, as_of).await?
                else {
                    continue;
                };
                if o.state.department() != Some(d) || !o.state.is_open() {
                    continue;
                }
                let item = EvidenceItem {
                    kind: "rectificationOrder".into(),
                    id: order.clone(),
                    label: format!(
                        "{:?}, due {}",
                        o.state.status(),
                        o.state.due_at().map(|t| t.to_rfc3339()).unwrap_or_default()
                    ),
                    cursor: Some(o.first.1.to_string()),
                };
                if o.state.overdue_at(end) {
                    overdue.push(item.clone());
                }
                open.push(item);
            }
            put(
                d,
                RectificationOpenOrders,
                count(
                    format!("rectification orders of {id} not accepted at the end of {}, as known at {known_at}", period.to),
                    open,
                ),
            );
            put(
                d,
                RectificationOverdueOrders,
                count(
                    format!("rectification orders of {id} awaiting its answer past their due date at the end of {}, as known at {known_at}", period.to),
                    overdue,
                ),
            );
        }
        timings.push(("rectification orders", t.elapsed()));
    }

    if sources.contains(&Complaints12345) {
        let t = Instant::now();
        for d in departments {
            let tickets =
                super::read::complaint_tickets(pool, d, period.from, period.to, as_of).await?;
            let items = tickets
                .iter()
                .filter_map(|c| {
                    c.state.ticket().map(|t| EvidenceItem {
                        kind: "complaint".into(),
                        id: t.ticket.to_string(),
                        label: t.category.to_string(),
                        cursor: Some(c.first.1.to_string()),
                    })
                })
                .collect();
            put(
                d,
                Complaints12345,
                count(
                    format!(
                        "12345 tickets assigned to {d} received {} to {} (Beijing time), as known at {known_at}",
                        period.from, period.to
                    ),
                    items,
                ),
            );
        }
        timings.push(("12345 complaints", t.elapsed()));
    }

    for (source, reason) in [
        (
            CasesCompletionRate,
            "workflow cases are not recorded yet (issue 17)",
        ),
        (
            CasesOverdue,
            "workflow cases are not recorded yet (issue 17)",
        ),
    ] {
        for d in departments {
            put(d, source, Observation::no_data(reason));
        }
    }
    out.timings = timings;
    Ok(out)
}

fn capped(mut items: Vec<EvidenceItem>) -> (Vec<EvidenceItem>, u64) {
    let more = items.len().saturating_sub(MAX_EVIDENCE_ITEMS) as u64;
    items.truncate(MAX_EVIDENCE_ITEMS);
    (items, more)
}

fn ratio(
    numerator: i64,
    denominator: i64,
    query: String,
    items: Vec<EvidenceItem>,
    none: &str,
) -> Observation {
    let (items, more) = capped(items);
    Observation {
        value: if denominator > 0 {
            Measured::Ratio {
                numerator,
                denominator,
            }
        } else {
            Measured::NoData(none.to_owned())
        },
        evidence: Evidence {
            query,
            figures: vec![
                ("numerator".into(), numerator),
                ("denominator".into(), denominator),
            ],
            items,
            more,
        },
    }
}

fn count(query: String, items: Vec<EvidenceItem>) -> Observation {
    let n = items.len() as i64;
    let (items, more) = capped(items);
    Observation {
        value: Measured::Count(n),
        evidence: Evidence {
            query,
            figures: vec![("count".into(), n)],
            items,
            more,
        },
    }
}

/// The cursor of the event that created each entity of the departments' structure in force at
/// `as_of` (keyed by department, stored kind, entity id).
async fn creation_cursors(
    pool: &PgPool,
    departments: &[String],
    as_of: AsOf,
) -> Result<HashMap<(String, String, String), Cursor>, StoreError> {
    let rows = sqlx::query(
        "SELECT v.department_id, v.kind, v.entity_id, e.transaction_id::text AS txid, e.position \
         FROM duty_list_versions v \
         JOIN events e ON e.aggregate_type = 'department' AND e.aggregate_id = v.department_id \
                      AND e.sequence = v.ordinal \
         WHERE v.department_id = ANY($1) AND v.valid @> $2 AND v.known @> $3 \
           AND v.kind IN ('main_duty', 'unit_duty', 'task', 'power_item')",
    )
    .bind(departments)
    .bind(as_of.valid_at)
    .bind(as_of.known_at)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let txid: String = r.try_get("txid")?;
            Ok((
                (
                    r.try_get("department_id")?,
                    r.try_get("kind")?,
                    r.try_get("entity_id")?,
                ),
                Cursor::new(
                    txid.parse().map_err(|_| StoreError::InvalidCursor)?,
                    r.try_get("position")?,
                ),
            ))
        })
        .collect()
}

/// The cursor of each stream's last event of a type recorded by `known_at`.
async fn last_cursors(
    pool: &PgPool,
    aggregate_type: &str,
    known_at: DateTime<Utc>,
) -> Result<HashMap<String, Cursor>, StoreError> {
    let rows = sqlx::query(
        "SELECT DISTINCT ON (aggregate_id) aggregate_id, transaction_id::text AS txid, position \
         FROM events WHERE aggregate_type = $1 AND recorded_at <= $2 \
         ORDER BY aggregate_id, sequence DESC",
    )
    .bind(aggregate_type)
    .bind(known_at)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let txid: String = r.try_get("txid")?;
            Ok((
                r.try_get("aggregate_id")?,
                Cursor::new(
                    txid.parse().map_err(|_| StoreError::InvalidCursor)?,
                    r.try_get("position")?,
                ),
            ))
        })
        .collect()
}

/// The chart versions each department published with effect in the period, as known at
/// `known_at`, as evidence items.
async fn publications(
    pool: &PgPool,
    departments: &[String],
    period: Period,
    known_at: DateTime<Utc>,
) -> Result<HashMap<String, Vec<EvidenceItem>>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT p.department_id, p.task_id, p.version, e.transaction_id::text AS txid, e.position \
         FROM {} p JOIN events e ON e.aggregate_type = 'workflow_chart' \
              AND e.aggregate_id = p.department_id || '/' || p.task_id AND e.sequence = p.sequence \
         WHERE p.department_id = ANY($1) AND p.effective_at >= $2 AND p.effective_at <= $3 \
           AND p.recorded_at <= $4 \
         ORDER BY p.department_id, p.effective_at, p.task_id",
        workflow::PUBLICATIONS
    ))
    .bind(departments)
    .bind(period.start())
    .bind(period.end())
    .bind(known_at)
    .fetch_all(pool)
    .await?;
    let mut out: HashMap<String, Vec<EvidenceItem>> = HashMap::new();
    for r in &rows {
        let txid: String = r.try_get("txid")?;
        let task: String = r.try_get("task_id")?;
        let version: i32 = r.try_get("version")?;
        out.entry(r.try_get("department_id")?)
            .or_default()
            .push(EvidenceItem {
                kind: "workflowChart".into(),
                id: task,
                label: format!("version {version}"),
                cursor: Some(
                    Cursor::new(
                        txid.parse().map_err(|_| StoreError::InvalidCursor)?,
                        r.try_get("position")?,
                    )
                    .to_string(),
                ),
            });
    }
    Ok(out)
}
