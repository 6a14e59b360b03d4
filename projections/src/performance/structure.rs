//! The structure records are checked against: the duty list read model's versions (as known
//! now), loaded per department and kept in memory until the duty list projection moves on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use dutyledger_domain::performance::{DepartmentFacts, StructureAt, TaskFacts};
use dutyledger_domain::values::{
    CreditCode, DayKind, DepartmentLevel, DivisionCode, EntityId, Name, TimeLimit,
};
use serde_json::Value;
use sqlx::{PgConnection, Row};

use crate::{duty_list, StoreError};

/// A validity interval `[from, to)`; `to = None`: open.
type Interval = (DateTime<Utc>, Option<DateTime<Utc>>);

fn within(i: &Interval, at: DateTime<Utc>) -> bool {
    i.0 <= at && i.1.is_none_or(|to| at < to)
}

/// One department's structure over valid time: the versions of its profile, tasks, posts and
/// assignments, as known when it was loaded.
#[derive(Debug, Default)]
pub struct DepartmentStructure {
    profile: Vec<(Interval, DepartmentFacts)>,
    tasks: HashMap<String, Vec<(Interval, TaskFacts)>>,
    posts: HashMap<String, Vec<(Interval, EntityId)>>,
    /// Task → post → when the post held it.
    assignments: HashMap<String, HashMap<String, Vec<Interval>>>,
}

/// The structures of the departments a batch names.
#[derive(Debug, Default)]
pub struct StructureSnapshot {
    departments: HashMap<CreditCode, Arc<DepartmentStructure>>,
}

impl StructureAt for StructureSnapshot {
    fn department(&self, department: &CreditCode, at: DateTime<Utc>) -> Option<DepartmentFacts> {
        let d = self.departments.get(department)?;
        d.profile
            .iter()
            .find(|(i, _)| within(i, at))
            .map(|(_, f)| f.clone())
    }

    fn task(
        &self,
        department: &CreditCode,
        task: &EntityId,
        at: DateTime<Utc>,
    ) -> Option<TaskFacts> {
        let d = self.departments.get(department)?;
        d.tasks
            .get(task.as_str())?
            .iter()
            .find(|(i, _)| within(i, at))
            .map(|(_, f)| f.clone())
    }

    fn post_unit(
        &self,
        department: &CreditCode,
        post: &EntityId,
        at: DateTime<Utc>,
    ) -> Option<EntityId> {
        let d = self.departments.get(department)?;
        d.posts
            .get(post.as_str())?
            .iter()
            .find(|(i, _)| within(i, at))
            .map(|(_, u)| u.clone())
    }

    fn holds(
        &self,
        department: &CreditCode,
        post: &EntityId,
        task: &EntityId,
        at: DateTime<Utc>,
    ) -> bool {
        self.departments.get(department).is_some_and(|d| {
            d.assignments
                .get(task.as_str())
                .and_then(|posts| posts.get(post.as_str()))
                .is_some_and(|v| v.iter().any(|i| within(i, at)))
        })
    }
}

/// Department structures kept in memory, each tagged with how many events the duty list
/// projection had applied when it was loaded; a department is reloaded once the projection has
/// applied another department event (its checkpoint also moves past other streams' events,
/// which change nothing here).
#[derive(Debug, Clone, Default)]
pub struct StructureCache {
    inner: Arc<Mutex<HashMap<CreditCode, Tagged>>>,
}

/// A department's structure and the duty list's event count it was loaded at.
type Tagged = (i64, Arc<DepartmentStructure>);

/// Departments kept before the cache is emptied.
const CACHE_CAPACITY: usize = 1024;

impl StructureCache {
    /// The structures of `departments`, from memory where still current, else from the read
    /// model (on `conn`).
    pub async fn snapshot(
        &self,
        conn: &mut PgConnection,
        departments: &[CreditCode],
    ) -> Result<StructureSnapshot, StoreError> {
        let at: i64 = sqlx::query_scalar(
            "SELECT COALESCE((SELECT events_applied FROM projector_checkpoints \
                              WHERE projection = $1), 0)",
        )
        .bind(duty_list::NAME)
        .fetch_one(&mut *conn)
        .await?;
        let mut snapshot = StructureSnapshot::default();
        let mut missing = Vec::new();
        if let Ok(cache) = self.inner.lock() {
            for d in departments {
                match cache.get(d) {
                    Some((cursor, s)) if *cursor == at => {
                        snapshot.departments.insert(d.clone(), s.clone());
                    }
                    _ => missing.push(d.clone()),
                }
            }
        } else {
            missing = departments.to_vec();
        }
        if missing.is_empty() {
            return Ok(snapshot);
        }
        let loaded = load(conn, &missing).await?;
        if let Ok(mut cache) = self.inner.lock() {
            if cache.len() + loaded.len() > CACHE_CAPACITY {
                cache.clear();
            }
            for (d, s) in &loaded {
                cache.insert(d.clone(), (at, s.clone()));
            }
        }
        snapshot.departments.extend(loaded);
        Ok(snapshot)
    }
}

fn text<'a>(data: &'a Value, key: &str) -> Option<&'a str> {
    data.get(key).and_then(Value::as_str)
}

fn level(s: &str) -> Option<DepartmentLevel> {
    match s {
        "City" => Some(DepartmentLevel::City),
        "County" => Some(DepartmentLevel::County),
        "Township" => Some(DepartmentLevel::Township),
        _ => None,
    }
}

fn time_limit(data: &Value) -> Option<TimeLimit> {
    let days = data.get("timeLimitDays").and_then(Value::as_i64)?;
    let kind = match text(data, "timeLimitKind")? {
        "Working" => DayKind::Working,
        _ => DayKind::Calendar,
    };
    TimeLimit::new(days, kind).ok()
}

async fn load(
    conn: &mut PgConnection,
    departments: &[CreditCode],
) -> Result<Vec<(CreditCode, Arc<DepartmentStructure>)>, StoreError> {
    let ids: Vec<&str> = departments.iter().map(CreditCode::as_str).collect();
    let rows = sqlx::query(
        "SELECT department_id, kind, entity_id, data, lower(valid) AS valid_from, \
                upper(valid) AS valid_to \
         FROM duty_list_versions \
         WHERE department_id = ANY($1) AND upper_inf(known) \
           AND kind IN ('department', 'task', 'post', 'assignment')",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut out: HashMap<String, DepartmentStructure> = HashMap::new();
    for row in &rows {
        let department: String = row.try_get("department_id")?;
        let kind: String = row.try_get("kind")?;
        let entity: String = row.try_get("entity_id")?;
        let data: Value = row.try_get("data")?;
        let interval: Interval = (row.try_get("valid_from")?, row.try_get("valid_to")?);
        let s = out.entry(department).or_default();
        match kind.as_str() {
            "department" => {
                let facts = (|| {
                    Some(DepartmentFacts {
                        division: DivisionCode::parse(text(&data, "divisionCode")?).ok()?,
                        level: level(text(&data, "level")?)?,
                        sector: Name::parse(text(&data, "sector")?).ok()?,
                    })
                })();
                if let Some(f) = facts {
                    s.profile.push((interval, f));
                }
            }
            "task" => {
                if let Some(unit) = text(&data, "unitId").and_then(|u| EntityId::parse(u).ok()) {
                    s.tasks.entry(entity).or_default().push((
                        interval,
                        TaskFacts {
                            unit_id: unit,
                            time_limit: time_limit(&data),
                        },
                    ));
                }
            }
            "post" => {
                if let Some(unit) = text(&data, "unitId").and_then(|u| EntityId::parse(u).ok()) {
                    s.posts.entry(entity).or_default().push((interval, unit));
                }
            }
            "assignment" => {
                if let Some((task, post)) = entity.split_once('/') {
                    s.assignments
                        .entry(task.to_owned())
                        .or_default()
                        .entry(post.to_owned())
                        .or_default()
                        .push(interval);
                }
            }
            _ => {}
        }
    }
    Ok(departments
        .iter()
        .map(|d| {
            let s = out.remove(d.as_str()).unwrap_or_default();
            (d.clone(), Arc::new(s))
        })
        .collect())
}
