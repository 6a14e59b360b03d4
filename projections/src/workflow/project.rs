//! Maintaining the published versions: one row per `WorkflowPublished` event.

use async_trait::async_trait;
use cqrs_es::Aggregate;
use dutyledger_domain::workflow::{WorkflowChart, WorkflowEvent};
use sqlx::PgConnection;

use crate::event_log::StoredEvent;
use crate::projector::Projection;
use crate::StoreError;

/// The workflow charts projection.
#[derive(Debug, Default)]
pub struct WorkflowCharts;

#[async_trait]
impl Projection for WorkflowCharts {
    fn name(&self) -> &'static str {
        super::NAME
    }

    fn streams(&self) -> Option<&'static [&'static str]> {
        Some(&[WorkflowChart::TYPE])
    }

    async fn apply(&self, conn: &mut PgConnection, event: &StoredEvent) -> Result<(), StoreError> {
        if event.aggregate_type != WorkflowChart::TYPE || event.event_type != "WorkflowPublished" {
            return Ok(());
        }
        let payload: WorkflowEvent =
            serde_json::from_value(event.payload.clone()).map_err(|e| {
                StoreError::UnreadableEvent {
                    event_type: event.event_type.clone(),
                    event_version: event.event_version.clone(),
                    reason: e.to_string(),
                }
            })?;
        let WorkflowEvent::WorkflowPublished {
            department_id,
            task_id,
            version,
            chart,
            supersedes,
        } = payload
        else {
            return Ok(());
        };
        let stats = chart.stats();
        sqlx::query(&format!(
            "INSERT INTO {} (department_id, task_id, sequence, version, supersedes, effective_at, \
                             recorded_at, chart, steps, sub_steps, procedures, materials, \
                             time_limit_days, section_sign_off) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
             ON CONFLICT DO NOTHING",
            super::PUBLICATIONS
        ))
        .bind(department_id.as_str())
        .bind(task_id.as_str())
        .bind(event.sequence)
        .bind(version as i32)
        .bind(supersedes.map(|s| s as i32))
        .bind(event.effective_at)
        .bind(event.recorded_at)
        .bind(serde_json::to_value(&chart)?)
        .bind(stats.steps as i32)
        .bind(stats.sub_steps as i32)
        .bind(stats.procedures as i32)
        .bind(stats.materials as i32)
        .bind(stats.time_limit_days as i32)
        .bind(stats.section_sign_off)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}
