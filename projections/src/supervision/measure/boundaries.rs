//! The source read from the boundary list (bitemporal): the boundary matters a department is a
//! party to without a ruling.

use std::time::{Duration, Instant};

use dutyledger_domain::scheme::{EvidenceItem, Observation, Source};
use dutyledger_domain::values::CreditCode;

use super::evidence::{count, last_cursors};
use super::Scope;
use crate::{boundary_list, StoreError};

use Source::*;

/// Measures the unruled boundary matters of every department.
pub(super) async fn measure(
    scope: &Scope<'_>,
    put: &mut impl FnMut(&CreditCode, Source, Observation),
    timings: &mut Vec<(&'static str, Duration)>,
) -> Result<(), StoreError> {
    let Scope {
        pool,
        departments,
        period,
        known_at,
        as_of,
        ..
    } = *scope;
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
    Ok(())
}
