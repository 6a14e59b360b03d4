//! Applying department events to the duty-list tables.

use async_trait::async_trait;
use cqrs_es::Aggregate;
use dutyledger_domain::department::{Assignment, Department, DepartmentEvent, TaskDetails};
use dutyledger_domain::values::{DayKind, EntityId};
use sqlx::PgConnection;

use crate::event_log::StoredEvent;
use crate::projector::Projection;
use crate::StoreError;

/// The duty-list projection.
#[derive(Debug, Clone, Copy, Default)]
pub struct DutyList;

fn ids(list: &[EntityId]) -> Vec<String> {
    list.iter().map(|i| i.as_str().to_owned()).collect()
}

pub(crate) fn enum_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn day_kind(kind: DayKind) -> &'static str {
    match kind {
        DayKind::Working => "Working",
        DayKind::Calendar => "Calendar",
    }
}

#[async_trait]
impl Projection for DutyList {
    fn name(&self) -> &'static str {
        "duty_list"
    }

    async fn apply(&self, conn: &mut PgConnection, event: &StoredEvent) -> Result<(), StoreError> {
        if event.aggregate_type != Department::TYPE {
            return Ok(());
        }
        let payload: DepartmentEvent =
            serde_json::from_value(event.payload.clone()).map_err(|e| {
                StoreError::UnreadableEvent {
                    event_type: event.event_type.clone(),
                    event_version: event.event_version.clone(),
                    reason: e.to_string(),
                }
            })?;
        let dep = event.aggregate_id.as_str();
        let ord = event.cursor.position();
        apply_department_event(conn, dep, ord, event, payload).await
    }
}

async fn apply_department_event(
    conn: &mut PgConnection,
    dep: &str,
    ord: i64,
    event: &StoredEvent,
    payload: DepartmentEvent,
) -> Result<(), StoreError> {
    use DepartmentEvent as E;
    match payload {
        E::DepartmentEstablished {
            id: _,
            name,
            division,
            level,
            sector,
            kind,
        } => {
            sqlx::query(
                "INSERT INTO duty_list_departments \
                 (department_id, name, division_code, level, sector, kind, established_at, updated_at, ordinal) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(dep)
            .bind(name.as_str())
            .bind(division.as_str())
            .bind(enum_text(&level))
            .bind(sector.as_str())
            .bind(enum_text(&kind))
            .bind(event.effective_at)
            .bind(event.recorded_at)
            .bind(ord)
            .execute(&mut *conn)
            .await?;
        }
        E::MainDutyDefined { duty_id, text } => {
            sqlx::query(
                "INSERT INTO duty_list_main_duties (department_id, duty_id, text, ordinal) VALUES ($1, $2, $3, $4)",
            )
            .bind(dep)
            .bind(duty_id.as_str())
            .bind(text.as_str())
            .bind(ord)
            .execute(&mut *conn)
            .await?;
        }
        E::MainDutyAmended { duty_id, text } => {
            sqlx::query("UPDATE duty_list_main_duties SET text = $3 WHERE department_id = $1 AND duty_id = $2")
                .bind(dep)
                .bind(duty_id.as_str())
                .bind(text.as_str())
                .execute(&mut *conn)
                .await?;
        }
        E::MainDutyRevoked { duty_id } => {
            sqlx::query(
                "DELETE FROM duty_list_main_duties WHERE department_id = $1 AND duty_id = $2",
            )
            .bind(dep)
            .bind(duty_id.as_str())
            .execute(&mut *conn)
            .await?;
        }
        E::UnitEstablished { unit_id, name } => {
            sqlx::query(
                "INSERT INTO duty_list_units (department_id, unit_id, name, ordinal) VALUES ($1, $2, $3, $4)",
            )
            .bind(dep)
            .bind(unit_id.as_str())
            .bind(name.as_str())
            .bind(ord)
            .execute(&mut *conn)
            .await?;
        }
        E::UnitRenamed { unit_id, name } => {
            sqlx::query(
                "UPDATE duty_list_units SET name = $3 WHERE department_id = $1 AND unit_id = $2",
            )
            .bind(dep)
            .bind(unit_id.as_str())
            .bind(name.as_str())
            .execute(&mut *conn)
            .await?;
        }
        E::UnitMerged {
            unit_id,
            into_unit_id,
            moved_unit_duties,
            moved_tasks,
            moved_posts,
            into_staffing,
        } => {
            let into = into_unit_id.as_str();
            sqlx::query("UPDATE duty_list_unit_duties SET unit_id = $2 WHERE department_id = $1 AND unit_duty_id = ANY($3)")
                .bind(dep)
                .bind(into)
                .bind(ids(&moved_unit_duties))
                .execute(&mut *conn)
                .await?;
            sqlx::query("UPDATE duty_list_tasks SET unit_id = $2 WHERE department_id = $1 AND task_id = ANY($3)")
                .bind(dep)
                .bind(into)
                .bind(ids(&moved_tasks))
                .execute(&mut *conn)
                .await?;
            sqlx::query("UPDATE duty_list_posts SET unit_id = $2 WHERE department_id = $1 AND post_id = ANY($3)")
                .bind(dep)
                .bind(into)
                .bind(ids(&moved_posts))
                .execute(&mut *conn)
                .await?;
            sqlx::query("UPDATE duty_list_units SET staffing = $3 WHERE department_id = $1 AND unit_id = $2")
                .bind(dep)
                .bind(into)
                .bind(into_staffing.map(|h| h.get() as i32))
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM duty_list_units WHERE department_id = $1 AND unit_id = $2")
                .bind(dep)
                .bind(unit_id.as_str())
                .execute(&mut *conn)
                .await?;
        }
        E::UnitAbolished { unit_id } => {
            sqlx::query("DELETE FROM duty_list_units WHERE department_id = $1 AND unit_id = $2")
                .bind(dep)
                .bind(unit_id.as_str())
                .execute(&mut *conn)
                .await?;
        }
        E::UnitDutyAssigned {
            unit_duty_id,
            main_duty_id,
            unit_id,
            text,
        } => {
            sqlx::query(
                "INSERT INTO duty_list_unit_duties (department_id, unit_duty_id, main_duty_id, unit_id, text, ordinal) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(dep)
            .bind(unit_duty_id.as_str())
            .bind(main_duty_id.as_str())
            .bind(unit_id.as_str())
            .bind(text.as_str())
            .bind(ord)
            .execute(&mut *conn)
            .await?;
        }
        E::UnitDutyTransferred {
            unit_duty_id,
            from_unit_id: _,
            to_unit_id,
            moved_tasks,
            ended_assignments,
        } => {
            sqlx::query("UPDATE duty_list_unit_duties SET unit_id = $3 WHERE department_id = $1 AND unit_duty_id = $2")
                .bind(dep)
                .bind(unit_duty_id.as_str())
                .bind(to_unit_id.as_str())
                .execute(&mut *conn)
                .await?;
            sqlx::query("UPDATE duty_list_tasks SET unit_id = $2 WHERE department_id = $1 AND task_id = ANY($3)")
                .bind(dep)
                .bind(to_unit_id.as_str())
                .bind(ids(&moved_tasks))
                .execute(&mut *conn)
                .await?;
            delete_assignments(conn, dep, &ended_assignments).await?;
        }
        E::UnitDutyRevoked { unit_duty_id } => {
            sqlx::query(
                "DELETE FROM duty_list_unit_duties WHERE department_id = $1 AND unit_duty_id = $2",
            )
            .bind(dep)
            .bind(unit_duty_id.as_str())
            .execute(&mut *conn)
            .await?;
        }
        E::TaskDefined {
            task_id,
            unit_duty_id,
            unit_id,
            details,
        } => {
            sqlx::query(
                "INSERT INTO duty_list_tasks (department_id, task_id, unit_duty_id, unit_id, name, scope, procedure, \
                 time_limit_days, time_limit_kind, standard, strict_policy_standard, wide_discretion, integrity_risk, ordinal) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            )
            .bind(dep)
            .bind(task_id.as_str())
            .bind(unit_duty_id.as_str())
            .bind(unit_id.as_str())
            .bind(details.name.as_str())
            .bind(details.scope.as_ref().map(|t| t.as_str()))
            .bind(details.procedure.as_ref().map(|t| t.as_str()))
            .bind(details.time_limit.map(|t| i32::from(t.days())))
            .bind(details.time_limit.map(|t| day_kind(t.kind())))
            .bind(details.standard.as_ref().map(|t| t.as_str()))
            .bind(details.risks.strict_policy_standard)
            .bind(details.risks.wide_discretion)
            .bind(details.risks.integrity_risk)
            .bind(ord)
            .execute(&mut *conn)
            .await?;
        }
        E::TaskAmended { task_id, details } => {
            update_task_details(conn, dep, &task_id, &details).await?;
        }
        E::TaskRetired {
            task_id,
            ended_assignments: _,
        } => {
            sqlx::query(
                "DELETE FROM duty_list_assignments WHERE department_id = $1 AND task_id = $2",
            )
            .bind(dep)
            .bind(task_id.as_str())
            .execute(&mut *conn)
            .await?;
            sqlx::query("DELETE FROM duty_list_tasks WHERE department_id = $1 AND task_id = $2")
                .bind(dep)
                .bind(task_id.as_str())
                .execute(&mut *conn)
                .await?;
        }
        E::PostCreated {
            post_id,
            unit_id,
            name,
        } => {
            sqlx::query(
                "INSERT INTO duty_list_posts (department_id, post_id, unit_id, name, ordinal) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(dep)
            .bind(post_id.as_str())
            .bind(unit_id.as_str())
            .bind(name.as_str())
            .bind(ord)
            .execute(&mut *conn)
            .await?;
        }
        E::PostAbolished { post_id } => {
            sqlx::query("DELETE FROM duty_list_posts WHERE department_id = $1 AND post_id = $2")
                .bind(dep)
                .bind(post_id.as_str())
                .execute(&mut *conn)
                .await?;
        }
        E::TaskAssignedToPost { task_id, post_id } => {
            sqlx::query(
                "INSERT INTO duty_list_assignments (department_id, task_id, post_id, ordinal) VALUES ($1, $2, $3, $4)",
            )
            .bind(dep)
            .bind(task_id.as_str())
            .bind(post_id.as_str())
            .bind(ord)
            .execute(&mut *conn)
            .await?;
        }
        E::TaskUnassignedFromPost { task_id, post_id } => {
            delete_assignments(conn, dep, &[Assignment { task_id, post_id }]).await?;
        }
        E::DepartmentStaffingSet { headcount } => {
            sqlx::query("UPDATE duty_list_departments SET staffing = $2 WHERE department_id = $1")
                .bind(dep)
                .bind(headcount.get() as i32)
                .execute(&mut *conn)
                .await?;
        }
        E::UnitStaffingSet { unit_id, headcount } => {
            sqlx::query("UPDATE duty_list_units SET staffing = $3 WHERE department_id = $1 AND unit_id = $2")
                .bind(dep)
                .bind(unit_id.as_str())
                .bind(headcount.get() as i32)
                .execute(&mut *conn)
                .await?;
        }
    }
    sqlx::query("UPDATE duty_list_departments SET updated_at = $2 WHERE department_id = $1")
        .bind(dep)
        .bind(event.recorded_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn update_task_details(
    conn: &mut PgConnection,
    dep: &str,
    task_id: &EntityId,
    details: &TaskDetails,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE duty_list_tasks SET name = $3, scope = $4, procedure = $5, time_limit_days = $6, \
         time_limit_kind = $7, standard = $8, strict_policy_standard = $9, wide_discretion = $10, \
         integrity_risk = $11 WHERE department_id = $1 AND task_id = $2",
    )
    .bind(dep)
    .bind(task_id.as_str())
    .bind(details.name.as_str())
    .bind(details.scope.as_ref().map(|t| t.as_str()))
    .bind(details.procedure.as_ref().map(|t| t.as_str()))
    .bind(details.time_limit.map(|t| i32::from(t.days())))
    .bind(details.time_limit.map(|t| day_kind(t.kind())))
    .bind(details.standard.as_ref().map(|t| t.as_str()))
    .bind(details.risks.strict_policy_standard)
    .bind(details.risks.wide_discretion)
    .bind(details.risks.integrity_risk)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn delete_assignments(
    conn: &mut PgConnection,
    dep: &str,
    assignments: &[Assignment],
) -> Result<(), StoreError> {
    if assignments.is_empty() {
        return Ok(());
    }
    let tasks: Vec<&str> = assignments.iter().map(|a| a.task_id.as_str()).collect();
    let posts: Vec<&str> = assignments.iter().map(|a| a.post_id.as_str()).collect();
    sqlx::query(
        "DELETE FROM duty_list_assignments a USING UNNEST($2::text[], $3::text[]) AS e(task_id, post_id) \
         WHERE a.department_id = $1 AND a.task_id = e.task_id AND a.post_id = e.post_id",
    )
    .bind(dep)
    .bind(&tasks)
    .bind(&posts)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
