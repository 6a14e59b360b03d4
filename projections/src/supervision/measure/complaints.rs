//! The source folded from the 12345 tickets' streams as of the period's end, as known at
//! `known_at`: the tickets assigned to a department received in the period.

use std::time::{Duration, Instant};

use dutyledger_domain::scheme::{EvidenceItem, Observation, Source};
use dutyledger_domain::values::CreditCode;

use super::evidence::count;
use super::Scope;
use crate::supervision::read;
use crate::StoreError;

use Source::*;

/// Measures the 12345 tickets of every department.
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
    for d in departments {
        let tickets = read::complaint_tickets(pool, d, period.from, period.to, as_of).await?;
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
    Ok(())
}
