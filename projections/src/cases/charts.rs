//! The published chart versions cases are checked against, read from the workflow charts read
//! model and kept in memory for good: a published version's content never changes (a new
//! content is a new version). A version not found is looked up again next time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use dutyledger_domain::case::ChartVersions;
use dutyledger_domain::values::{CreditCode, EntityId};
use dutyledger_domain::workflow::Chart;
use serde_json::Value;
use sqlx::{PgConnection, Row};

use crate::StoreError;

/// A chart version's key: department, task, version.
pub type ChartKey = (String, String, u32);

/// Chart versions kept in memory.
#[derive(Debug, Clone, Default)]
pub struct ChartCache {
    inner: Arc<Mutex<HashMap<ChartKey, Arc<Chart>>>>,
}

/// The chart versions a batch needs.
#[derive(Debug, Default)]
pub struct ChartSet {
    charts: HashMap<ChartKey, Arc<Chart>>,
}

impl ChartVersions for ChartSet {
    fn chart(&self, department: &CreditCode, task: &EntityId, version: u32) -> Option<&Chart> {
        self.charts
            .get(&(
                department.as_str().to_owned(),
                task.as_str().to_owned(),
                version,
            ))
            .map(|c| c.as_ref())
    }
}

/// The most versions kept before the cache is emptied.
const CAPACITY: usize = 20_000;

impl ChartCache {
    /// The versions `keys` names that were published (as known now).
    pub async fn load(
        &self,
        conn: &mut PgConnection,
        keys: &[ChartKey],
    ) -> Result<ChartSet, StoreError> {
        let mut set = ChartSet::default();
        let mut missing: Vec<&ChartKey> = Vec::new();
        {
            let cache = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            for k in keys {
                match cache.get(k) {
                    Some(c) => {
                        set.charts.insert(k.clone(), c.clone());
                    }
                    None => missing.push(k),
                }
            }
        }
        if missing.is_empty() {
            return Ok(set);
        }
        let departments: Vec<&str> = missing.iter().map(|k| k.0.as_str()).collect();
        let tasks: Vec<&str> = missing.iter().map(|k| k.1.as_str()).collect();
        let versions: Vec<i32> = missing.iter().map(|k| k.2 as i32).collect();
        let rows = sqlx::query(&format!(
            "SELECT DISTINCT ON (p.department_id, p.task_id, p.version) \
                    p.department_id, p.task_id, p.version, p.chart \
             FROM UNNEST($1::text[], $2::text[], $3::int[]) AS u(d, t, v) \
             JOIN {} p ON p.department_id = u.d AND p.task_id = u.t AND p.version = u.v \
             ORDER BY p.department_id, p.task_id, p.version, p.sequence",
            crate::workflow::PUBLICATIONS
        ))
        .bind(&departments)
        .bind(&tasks)
        .bind(&versions)
        .fetch_all(&mut *conn)
        .await?;
        let mut cache = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() + rows.len() > CAPACITY {
            cache.clear();
        }
        for row in rows {
            let chart: Value = row.try_get("chart")?;
            let chart: Chart = serde_json::from_value(chart)?;
            let version: i32 = row.try_get("version")?;
            let key = (
                row.try_get::<String, _>("department_id")?,
                row.try_get::<String, _>("task_id")?,
                version as u32,
            );
            let chart = Arc::new(chart);
            cache.insert(key.clone(), chart.clone());
            set.charts.insert(key, chart);
        }
        Ok(set)
    }
}
