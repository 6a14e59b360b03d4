//! Measuring the data sources of a scheme for the departments of a round, from the read models
//! as in force at the end of the period evaluated and as known at a stated `known_at`: the
//! performance rollups (exact at `known_at`), the duty list and the boundary list (bitemporal),
//! and the published workflow charts (valid and transaction time). Every figure therefore
//! comes out the same when measured again later with the same `known_at`: data recorded after
//! it does not count.
//!
//! Rectification orders and 12345 tickets are folded from their streams as of the same point.
//! Sources the system does not record yet (workflow cases) measure as "no data", never as zero.

mod boundaries;
mod complaints;
mod evidence;
mod orders;
mod records;
mod structure;
mod workflow;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use dutyledger_domain::performance::PERIOD_OFFSET_SECONDS;
use dutyledger_domain::scheme::{Observation, Source};
use dutyledger_domain::values::CreditCode;
use sqlx::PgPool;

use crate::duty_list::AsOf;
use crate::StoreError;

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

/// What every group of sources measures from: the departments, the period, the points in time
/// and the sources the scheme names.
struct Scope<'a> {
    pool: &'a PgPool,
    departments: &'a [CreditCode],
    ids: &'a [String],
    period: Period,
    known_at: DateTime<Utc>,
    as_of: AsOf,
    sources: &'a BTreeSet<Source>,
}

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
    let scope = Scope {
        pool,
        departments,
        ids: &ids,
        period,
        known_at,
        as_of,
        sources,
    };
    let wants = |s: &[Source]| s.iter().any(|x| sources.contains(x));
    let mut timings = Vec::new();

    // The structure in force at the period's end, as known at known_at.
    use Source::*;
    let structures = if wants(&structure::STRUCTURAL) {
        structure::read(&scope, &mut timings).await?
    } else {
        HashMap::new()
    };
    let creation = if wants(&structure::STRUCTURAL) {
        evidence::creation_cursors(pool, &ids, as_of).await?
    } else {
        HashMap::new()
    };

    // Performance records.
    let activity = if wants(&[RecordsOnTimeRate, RecordsTaskActivity]) {
        records::measure(&scope, &mut put, &mut timings).await?
    } else {
        records::Activity::default()
    };

    structure::measure(
        &scope,
        &structures,
        &creation,
        &activity,
        &mut put,
        &mut timings,
    );

    if sources.contains(&WorkflowHighRiskWithoutChart) || sources.contains(&WorkflowChartsPublished)
    {
        workflow::measure(&scope, &structures, &creation, &mut put, &mut timings).await?;
    }

    if sources.contains(&BoundariesUnruled) {
        boundaries::measure(&scope, &mut put, &mut timings).await?;
    }

    if sources.contains(&RectificationOpenOrders) || sources.contains(&RectificationOverdueOrders) {
        orders::measure(&scope, &mut put, &mut timings).await?;
    }

    if sources.contains(&Complaints12345) {
        complaints::measure(&scope, &mut put, &mut timings).await?;
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
