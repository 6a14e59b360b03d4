//! Reading the duty list as of a point in valid time and transaction time: departments, and
//! one department's whole structure read in one query, from which nested views and coverage
//! are answered in memory.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgPool, Row};

use super::entities::Kind;
use crate::StoreError;

/// A point in both times: "as in force at `valid_at`, as known at `known_at`".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsOf {
    /// Valid time.
    pub valid_at: DateTime<Utc>,
    /// Transaction time.
    pub known_at: DateTime<Utc>,
}

impl AsOf {
    /// Now, in both times.
    pub fn now() -> Self {
        let now = Utc::now();
        Self {
            valid_at: now,
            known_at: now,
        }
    }
}

/// A department as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentRow {
    /// Credit code.
    pub department_id: String,
    /// Name.
    pub name: String,
    /// Division code.
    pub division_code: String,
    /// `City`, `County` or `Township`.
    pub level: String,
    /// Sector.
    pub sector: String,
    /// Kind of body.
    pub kind: String,
    /// Staffing headcount, if set.
    pub staffing: Option<i32>,
    /// When it was established (valid time), as known.
    pub established_at: Option<DateTime<Utc>>,
}

/// A main duty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MainDutyRow {
    /// Id.
    pub duty_id: String,
    /// Wording.
    pub text: String,
}

/// An internal unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    /// Id.
    pub unit_id: String,
    /// Name.
    pub name: String,
    /// Staffing headcount, if set.
    pub staffing: Option<i32>,
}

/// A unit duty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitDutyRow {
    /// Id.
    pub unit_duty_id: String,
    /// The main duty it derives from.
    pub main_duty_id: String,
    /// The unit that holds it.
    pub unit_id: String,
    /// Wording.
    pub text: String,
}

/// A work task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRow {
    /// Id.
    pub task_id: String,
    /// The unit duty it is split from.
    pub unit_duty_id: String,
    /// The unit that holds it.
    pub unit_id: String,
    /// Name.
    pub name: String,
    /// Scope.
    pub scope: Option<String>,
    /// Procedure.
    pub procedure: Option<String>,
    /// Time limit in days.
    pub time_limit_days: Option<i32>,
    /// `Working` or `Calendar`.
    pub time_limit_kind: Option<String>,
    /// Standard.
    pub standard: Option<String>,
    /// Risk flag.
    pub strict_policy_standard: bool,
    /// Risk flag.
    pub wide_discretion: bool,
    /// Risk flag.
    pub integrity_risk: bool,
}

/// A post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostRow {
    /// Id.
    pub post_id: String,
    /// Its unit.
    pub unit_id: String,
    /// Name.
    pub name: String,
}

fn s(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn os(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

fn oi(v: &Value, k: &str) -> Option<i32> {
    v.get(k).and_then(Value::as_i64).map(|n| n as i32)
}

fn b(v: &Value, k: &str) -> bool {
    v.get(k).and_then(Value::as_bool).unwrap_or(false)
}

fn department_row(id: String, v: &Value, established_at: Option<DateTime<Utc>>) -> DepartmentRow {
    DepartmentRow {
        department_id: id,
        name: s(v, "name"),
        division_code: s(v, "divisionCode"),
        level: s(v, "level"),
        sector: s(v, "sector"),
        kind: s(v, "kind"),
        staffing: oi(v, "staffing"),
        established_at,
    }
}

/// A time limit as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitRow {
    /// Days.
    pub days: i32,
    /// `Working` or `Calendar`.
    pub working: bool,
}

/// A power item (权责清单事项).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowerItemRow {
    /// Id.
    pub item_id: String,
    /// 事项编码.
    pub code: String,
    /// 事项名称.
    pub name: String,
    /// 子项.
    pub sub_item: Option<String>,
    /// Kind (`Licensing`, ...).
    pub kind: String,
    /// The kind's numeric code (`01`..`10`, `20`).
    pub kind_code: String,
    /// 设定依据.
    pub legal_basis: String,
    /// The implementing unit.
    pub unit_id: String,
    /// 行使层级 (`City`, ...).
    pub level: String,
    /// 责任事项.
    pub stages: Vec<String>,
    /// 追责情形.
    pub accountability: Vec<String>,
    /// 法定时限.
    pub statutory_limit: Option<LimitRow>,
    /// 承诺时限.
    pub promised_limit: Option<LimitRow>,
}

fn strings(v: &Value, k: &str) -> Vec<String> {
    v.get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn limit(v: &Value, k: &str) -> Option<LimitRow> {
    let l = v.get(k)?;
    Some(LimitRow {
        days: l.get("days")?.as_i64()? as i32,
        working: l.get("kind")?.as_str()? == "Working",
    })
}

/// The "two full decompositions" report: what is not yet decomposed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Main duties no unit duty derives from.
    pub main_duties_without_unit_duties: Vec<String>,
    /// Unit duties without any task.
    pub unit_duties_without_tasks: Vec<String>,
    /// Tasks no post holds.
    pub tasks_without_posts: Vec<String>,
}

impl Coverage {
    /// Whether both decompositions are complete.
    pub fn is_complete(&self) -> bool {
        self.main_duties_without_unit_duties.is_empty()
            && self.unit_duties_without_tasks.is_empty()
            && self.tasks_without_posts.is_empty()
    }
}

/// One department's whole structure at one point in both times. Lists keep the order in which
/// entities were created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentStructure {
    /// The point in time it shows.
    pub as_of: AsOf,
    /// The department.
    pub department: DepartmentRow,
    /// Its main duties.
    pub main_duties: Vec<MainDutyRow>,
    /// Its units.
    pub units: Vec<UnitRow>,
    /// Its unit duties.
    pub unit_duties: Vec<UnitDutyRow>,
    /// Its tasks.
    pub tasks: Vec<TaskRow>,
    /// Its posts.
    pub posts: Vec<PostRow>,
    /// `(task_id, post_id)` pairs.
    pub assignments: Vec<(String, String)>,
    /// Its power list.
    pub power_items: Vec<PowerItemRow>,
    /// `(item_id, task_id)` pairs: which task carries out which power item.
    pub power_links: Vec<(String, String)>,
    posts_by_task: HashMap<String, Vec<usize>>,
    tasks_by_post: HashMap<String, Vec<usize>>,
    index: HashMap<(Kind, String), usize>,
}

impl DepartmentStructure {
    #[allow(clippy::too_many_arguments)]
    fn new(
        as_of: AsOf,
        department: DepartmentRow,
        main_duties: Vec<MainDutyRow>,
        units: Vec<UnitRow>,
        unit_duties: Vec<UnitDutyRow>,
        tasks: Vec<TaskRow>,
        posts: Vec<PostRow>,
        assignments: Vec<(String, String)>,
        power_items: Vec<PowerItemRow>,
        power_links: Vec<(String, String)>,
    ) -> Self {
        let mut index = HashMap::new();
        for (i, d) in main_duties.iter().enumerate() {
            index.insert((Kind::MainDuty, d.duty_id.clone()), i);
        }
        for (i, u) in units.iter().enumerate() {
            index.insert((Kind::Unit, u.unit_id.clone()), i);
        }
        for (i, d) in unit_duties.iter().enumerate() {
            index.insert((Kind::UnitDuty, d.unit_duty_id.clone()), i);
        }
        for (i, t) in tasks.iter().enumerate() {
            index.insert((Kind::Task, t.task_id.clone()), i);
        }
        for (i, p) in posts.iter().enumerate() {
            index.insert((Kind::Post, p.post_id.clone()), i);
        }
        for (i, p) in power_items.iter().enumerate() {
            index.insert((Kind::PowerItem, p.item_id.clone()), i);
        }
        let mut posts_by_task: HashMap<String, Vec<usize>> = HashMap::new();
        let mut tasks_by_post: HashMap<String, Vec<usize>> = HashMap::new();
        for (task, post) in &assignments {
            if let (Some(&t), Some(&p)) = (
                index.get(&(Kind::Task, task.clone())),
                index.get(&(Kind::Post, post.clone())),
            ) {
                posts_by_task.entry(task.clone()).or_default().push(p);
                tasks_by_post.entry(post.clone()).or_default().push(t);
            }
        }
        for list in posts_by_task.values_mut().chain(tasks_by_post.values_mut()) {
            list.sort_unstable();
        }
        Self {
            as_of,
            department,
            main_duties,
            units,
            unit_duties,
            tasks,
            posts,
            assignments,
            power_items,
            power_links,
            posts_by_task,
            tasks_by_post,
            index,
        }
    }

    /// The position of an entity in its list.
    pub fn position(&self, kind: Kind, id: &str) -> Option<usize> {
        self.index.get(&(kind, id.to_owned())).copied()
    }

    /// Positions of the unit duties a unit holds.
    pub fn unit_duties_of_unit(&self, unit_id: &str) -> Vec<usize> {
        positions(&self.unit_duties, |d| d.unit_id == unit_id)
    }

    /// Positions of the unit duties derived from a main duty.
    pub fn unit_duties_of_main_duty(&self, duty_id: &str) -> Vec<usize> {
        positions(&self.unit_duties, |d| d.main_duty_id == duty_id)
    }

    /// Positions of the tasks split from a unit duty.
    pub fn tasks_of_unit_duty(&self, unit_duty_id: &str) -> Vec<usize> {
        positions(&self.tasks, |t| t.unit_duty_id == unit_duty_id)
    }

    /// Positions of the tasks a unit holds.
    pub fn tasks_of_unit(&self, unit_id: &str) -> Vec<usize> {
        positions(&self.tasks, |t| t.unit_id == unit_id)
    }

    /// Positions of the posts of a unit.
    pub fn posts_of_unit(&self, unit_id: &str) -> Vec<usize> {
        positions(&self.posts, |p| p.unit_id == unit_id)
    }

    /// Positions of the power items a unit implements.
    pub fn power_items_of_unit(&self, unit_id: &str) -> Vec<usize> {
        positions(&self.power_items, |p| p.unit_id == unit_id)
    }

    /// Positions of the tasks that carry out a power item.
    pub fn tasks_of_power_item(&self, item_id: &str) -> Vec<usize> {
        self.power_links
            .iter()
            .filter(|(i, _)| i == item_id)
            .filter_map(|(_, t)| self.position(Kind::Task, t))
            .collect()
    }

    /// Positions of the power items a task carries out.
    pub fn power_items_of_task(&self, task_id: &str) -> Vec<usize> {
        self.power_links
            .iter()
            .filter(|(_, t)| t == task_id)
            .filter_map(|(i, _)| self.position(Kind::PowerItem, i))
            .collect()
    }

    /// Positions of the posts that hold a task.
    pub fn posts_of_task(&self, task_id: &str) -> &[usize] {
        self.posts_by_task.get(task_id).map_or(&[], Vec::as_slice)
    }

    /// Positions of the tasks a post holds.
    pub fn tasks_of_post(&self, post_id: &str) -> &[usize] {
        self.tasks_by_post.get(post_id).map_or(&[], Vec::as_slice)
    }

    /// What is not yet decomposed ("two full decompositions").
    pub fn coverage(&self) -> Coverage {
        let derived: BTreeSet<&str> = self
            .unit_duties
            .iter()
            .map(|d| d.main_duty_id.as_str())
            .collect();
        let split: BTreeSet<&str> = self.tasks.iter().map(|t| t.unit_duty_id.as_str()).collect();
        Coverage {
            main_duties_without_unit_duties: self
                .main_duties
                .iter()
                .filter(|d| !derived.contains(d.duty_id.as_str()))
                .map(|d| d.duty_id.clone())
                .collect(),
            unit_duties_without_tasks: self
                .unit_duties
                .iter()
                .filter(|d| !split.contains(d.unit_duty_id.as_str()))
                .map(|d| d.unit_duty_id.clone())
                .collect(),
            tasks_without_posts: self
                .tasks
                .iter()
                .filter(|t| !self.posts_by_task.contains_key(&t.task_id))
                .map(|t| t.task_id.clone())
                .collect(),
        }
    }
}

fn positions<T>(items: &[T], keep: impl Fn(&T) -> bool) -> Vec<usize> {
    items
        .iter()
        .enumerate()
        .filter(|(_, x)| keep(x))
        .map(|(i, _)| i)
        .collect()
}

/// Every department in force at `as_of`, in the order they were established.
pub async fn departments(pool: &PgPool, as_of: AsOf) -> Result<Vec<DepartmentRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT v.department_id, v.data, \
                (SELECT min(lower(w.valid)) FROM duty_list_versions w \
                  WHERE w.department_id = v.department_id AND w.kind = 'department' AND w.known @> $2) AS established_at \
         FROM duty_list_versions v \
         WHERE v.kind = 'department' AND v.valid @> $1 AND v.known @> $2 \
         ORDER BY established_at, v.department_id",
    )
    .bind(as_of.valid_at)
    .bind(as_of.known_at)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let data: Value = r.try_get("data")?;
            Ok(department_row(
                r.try_get("department_id")?,
                &data,
                r.try_get("established_at")?,
            ))
        })
        .collect()
}

/// One department's structure at `as_of`, or `None` if it was not in force then (as known
/// then).
pub async fn structure(
    pool: &PgPool,
    id: &str,
    as_of: AsOf,
) -> Result<Option<DepartmentStructure>, StoreError> {
    let rows = sqlx::query(
        "SELECT kind, entity_id, data FROM duty_list_versions \
         WHERE department_id = $1 AND valid @> $2 AND known @> $3 \
         ORDER BY ordinal, entity_id",
    )
    .bind(id)
    .bind(as_of.valid_at)
    .bind(as_of.known_at)
    .fetch_all(pool)
    .await?;
    let mut department = None;
    let mut main_duties = Vec::new();
    let mut units = Vec::new();
    let mut unit_duties = Vec::new();
    let mut tasks = Vec::new();
    let mut posts = Vec::new();
    let mut assignments = Vec::new();
    let mut power_items = Vec::new();
    let mut power_links = Vec::new();
    for row in &rows {
        let kind: String = row.try_get("kind")?;
        let eid: String = row.try_get("entity_id")?;
        let v: Value = row.try_get("data")?;
        match Kind::parse(&kind) {
            Some(Kind::Department) => department = Some(v),
            Some(Kind::MainDuty) => main_duties.push(MainDutyRow {
                duty_id: eid,
                text: s(&v, "text"),
            }),
            Some(Kind::Unit) => units.push(UnitRow {
                unit_id: eid,
                name: s(&v, "name"),
                staffing: oi(&v, "staffing"),
            }),
            Some(Kind::UnitDuty) => unit_duties.push(UnitDutyRow {
                unit_duty_id: eid,
                main_duty_id: s(&v, "mainDutyId"),
                unit_id: s(&v, "unitId"),
                text: s(&v, "text"),
            }),
            Some(Kind::Task) => tasks.push(TaskRow {
                task_id: eid,
                unit_duty_id: s(&v, "unitDutyId"),
                unit_id: s(&v, "unitId"),
                name: s(&v, "name"),
                scope: os(&v, "scope"),
                procedure: os(&v, "procedure"),
                time_limit_days: oi(&v, "timeLimitDays"),
                time_limit_kind: os(&v, "timeLimitKind"),
                standard: os(&v, "standard"),
                strict_policy_standard: b(&v, "strictPolicyStandard"),
                wide_discretion: b(&v, "wideDiscretion"),
                integrity_risk: b(&v, "integrityRisk"),
            }),
            Some(Kind::Post) => posts.push(PostRow {
                post_id: eid,
                unit_id: s(&v, "unitId"),
                name: s(&v, "name"),
            }),
            Some(Kind::Assignment) => assignments.push((s(&v, "taskId"), s(&v, "postId"))),
            Some(Kind::PowerItem) => power_items.push(PowerItemRow {
                item_id: eid,
                code: s(&v, "code"),
                name: s(&v, "name"),
                sub_item: os(&v, "subItem"),
                kind: s(&v, "kind"),
                kind_code: s(&v, "kindCode"),
                legal_basis: s(&v, "legalBasis"),
                unit_id: s(&v, "unitId"),
                level: s(&v, "level"),
                stages: strings(&v, "stages"),
                accountability: strings(&v, "accountability"),
                statutory_limit: limit(&v, "statutoryLimit"),
                promised_limit: limit(&v, "promisedLimit"),
            }),
            Some(Kind::PowerLink) => power_links.push((s(&v, "itemId"), s(&v, "taskId"))),
            None => {}
        }
    }
    let Some(department) = department else {
        return Ok(None);
    };
    let established_at: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT min(lower(valid)) FROM duty_list_versions \
         WHERE department_id = $1 AND kind = 'department' AND known @> $2",
    )
    .bind(id)
    .bind(as_of.known_at)
    .fetch_one(pool)
    .await?;
    Ok(Some(DepartmentStructure::new(
        as_of,
        department_row(id.to_owned(), &department, established_at),
        main_duties,
        units,
        unit_duties,
        tasks,
        posts,
        assignments,
        power_items,
        power_links,
    )))
}

/// A department's level (`City`, `County`, `Township`) as currently known, if established.
pub async fn department_level(pool: &PgPool, id: &str) -> Result<Option<String>, StoreError> {
    let level: Option<String> = sqlx::query_scalar(
        "SELECT data->>'level' FROM duty_list_versions \
         WHERE department_id = $1 AND kind = 'department' AND upper_inf(known) \
         ORDER BY lower(valid) DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(level)
}
