//! Maintaining the bitemporal boundary list. Matters are small (a few dozen events), so for
//! each event the matter's whole valid-time timeline, as now known, is recomputed with the
//! domain's fold, and compared with the versions currently known: versions no longer in the
//! timeline are closed at the event's `recorded_at` (kept for earlier `knownAt`), new ones are
//! inserted from then on. Backdated and future-dated events need nothing special.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use dutyledger_domain::boundary::BoundaryMatter;
use dutyledger_domain::timeline::{self, Decide};
use serde_json::Value;
use sqlx::{PgConnection, Row};

use super::view::MatterView;
use crate::event_log::{self, StoredEvent};
use crate::projector::Projection;
use crate::StoreError;

/// The boundary-list projection.
#[derive(Debug, Default, Clone, Copy)]
pub struct BoundaryList;

/// One version: `[from, to)` in valid time.
#[derive(Debug, Clone, PartialEq)]
struct Version {
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
    view: MatterView,
}

/// The matter's timeline from its events (already in valid-time order).
fn timeline(
    matter_id: &str,
    events: Vec<timeline::Timed<<BoundaryMatter as Aggregate>::Event>>,
) -> Vec<Version> {
    let mut state = BoundaryMatter::default();
    let mut points: Vec<(DateTime<Utc>, Option<MatterView>)> = Vec::new();
    for e in events {
        Decide::evolve(&mut state, e.event);
        let view = MatterView::of(matter_id, &state);
        match points.last_mut() {
            Some(last) if last.0 == e.effective_at => last.1 = view,
            _ => points.push((e.effective_at, view)),
        }
    }
    points.dedup_by(|b, a| a.1 == b.1);
    let mut out = Vec::new();
    for (i, (from, view)) in points.iter().enumerate() {
        if let Some(view) = view {
            out.push(Version {
                from: *from,
                to: points.get(i + 1).map(|p| p.0),
                view: view.clone(),
            });
        }
    }
    out
}

#[async_trait]
impl Projection for BoundaryList {
    fn name(&self) -> &'static str {
        super::NAME
    }

    fn streams(&self) -> Option<&'static [&'static str]> {
        Some(&[BoundaryMatter::TYPE])
    }

    async fn apply(&self, conn: &mut PgConnection, event: &StoredEvent) -> Result<(), StoreError> {
        if event.aggregate_type != BoundaryMatter::TYPE {
            return Ok(());
        }
        let matter = event.aggregate_id.as_str();
        let mut history = event_log::read_timed::<BoundaryMatter>(conn, matter, 0).await?;
        history.retain(|e| e.sequence <= event.sequence as u64);
        timeline::sort(&mut history);
        let wanted = timeline(matter, history);
        let rows = sqlx::query(
            "SELECT lower(valid) AS valid_from, upper(valid) AS valid_to, lower(known) AS known_from, data \
             FROM boundary_versions WHERE matter_id = $1 AND upper_inf(known)",
        )
        .bind(matter)
        .fetch_all(&mut *conn)
        .await?;
        let recorded = event.recorded_at;
        let mut current = Vec::new();
        for row in &rows {
            let data: Value = row.try_get("data")?;
            let view: MatterView = serde_json::from_value(data)?;
            current.push((
                Version {
                    from: row.try_get("valid_from")?,
                    to: row.try_get("valid_to")?,
                    view,
                },
                row.try_get::<DateTime<Utc>, _>("known_from")?,
            ));
        }
        for (version, known_from) in &current {
            if wanted.contains(version) {
                continue;
            }
            let condition = "matter_id = $1 AND upper_inf(known) AND lower(valid) = $2";
            if *known_from >= recorded {
                sqlx::query(&format!("DELETE FROM boundary_versions WHERE {condition}"))
                    .bind(matter)
                    .bind(version.from)
                    .execute(&mut *conn)
                    .await?;
            } else {
                sqlx::query(&format!(
                    "UPDATE boundary_versions SET known = tstzrange(lower(known), $3) WHERE {condition}"
                ))
                .bind(matter)
                .bind(version.from)
                .bind(recorded)
                .execute(&mut *conn)
                .await?;
            }
        }
        for version in &wanted {
            if current.iter().any(|(v, _)| v == version) {
                continue;
            }
            sqlx::query(
                "INSERT INTO boundary_versions (matter_id, data, departments, ruled, open_disputes, valid, known) \
                 VALUES ($1, $2, $3, $4, $5, tstzrange($6, $7), tstzrange($8, NULL))",
            )
            .bind(matter)
            .bind(serde_json::to_value(&version.view)?)
            .bind(version.view.departments())
            .bind(version.view.ruling.is_some())
            .bind(version.view.open_disputes() as i32)
            .bind(version.from)
            .bind(version.to)
            .bind(recorded)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}
