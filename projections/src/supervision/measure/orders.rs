//! The sources folded from the rectification orders' streams as of the period's end, as known
//! at `known_at`: the open orders and the overdue ones.

use std::time::{Duration, Instant};

use dutyledger_domain::rectification::RectificationOrder;
use dutyledger_domain::scheme::{EvidenceItem, Observation, Source};
use dutyledger_domain::values::CreditCode;

use super::evidence::count;
use super::Scope;
use crate::supervision::read;
use crate::StoreError;

use Source::*;

/// Measures the open and the overdue rectification orders of every department.
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
    let end = period.end();
    for d in departments {
        let id = d.to_string();
        let mut open = Vec::new();
        let mut overdue = Vec::new();
        for order in read::stream_ids(
            pool,
            <RectificationOrder as cqrs_es::Aggregate>::TYPE,
            Some(&id),
            known_at,
        )
        .await?
        {
            let Some(o) = read::load_stream::<RectificationOrder>(pool, &order, as_of).await?
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
    Ok(())
}
