//! Reading the duty list: departments, and one department's whole structure read in one
//! consistent snapshot, from which nested views and coverage are answered in memory.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sqlx::{Connection, PgPool};

use crate::StoreError;

/// A department as listed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
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
    /// When it was established (valid time).
    pub established_at: DateTime<Utc>,
    /// When its list last changed (transaction time).
    pub updated_at: DateTime<Utc>,
}

/// A main duty.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MainDutyRow {
    /// Id.
    pub duty_id: String,
    /// Wording.
    pub text: String,
}

/// An internal unit.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitRow {
    /// Id.
    pub unit_id: String,
    /// Name.
    pub name: String,
    /// Staffing headcount, if set.
    pub staffing: Option<i32>,
}

/// A unit duty.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
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
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
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
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PostRow {
    /// Id.
    pub post_id: String,
    /// Its unit.
    pub unit_id: String,
    /// Name.
    pub name: String,
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

/// One department's whole current structure, read in one consistent snapshot. Lists keep the
/// order in which entities were created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentStructure {
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
    posts_by_task: HashMap<String, Vec<usize>>,
    tasks_by_post: HashMap<String, Vec<usize>>,
}

impl DepartmentStructure {
    fn new(
        department: DepartmentRow,
        main_duties: Vec<MainDutyRow>,
        units: Vec<UnitRow>,
        unit_duties: Vec<UnitDutyRow>,
        tasks: Vec<TaskRow>,
        posts: Vec<PostRow>,
        assignments: Vec<(String, String)>,
    ) -> Self {
        let post_index: HashMap<&str, usize> = posts
            .iter()
            .enumerate()
            .map(|(i, p)| (p.post_id.as_str(), i))
            .collect();
        let task_index: HashMap<&str, usize> = tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.task_id.as_str(), i))
            .collect();
        let mut posts_by_task: HashMap<String, Vec<usize>> = HashMap::new();
        let mut tasks_by_post: HashMap<String, Vec<usize>> = HashMap::new();
        for (task, post) in &assignments {
            if let (Some(&t), Some(&p)) =
                (task_index.get(task.as_str()), post_index.get(post.as_str()))
            {
                posts_by_task.entry(task.clone()).or_default().push(p);
                tasks_by_post.entry(post.clone()).or_default().push(t);
            }
        }
        for list in posts_by_task.values_mut().chain(tasks_by_post.values_mut()) {
            list.sort_unstable();
        }
        Self {
            department,
            main_duties,
            units,
            unit_duties,
            tasks,
            posts,
            assignments,
            posts_by_task,
            tasks_by_post,
        }
    }

    /// A unit by id.
    pub fn unit(&self, unit_id: &str) -> Option<&UnitRow> {
        self.units.iter().find(|u| u.unit_id == unit_id)
    }

    /// A main duty by id.
    pub fn main_duty(&self, duty_id: &str) -> Option<&MainDutyRow> {
        self.main_duties.iter().find(|d| d.duty_id == duty_id)
    }

    /// A unit duty by id.
    pub fn unit_duty(&self, unit_duty_id: &str) -> Option<&UnitDutyRow> {
        self.unit_duties
            .iter()
            .find(|d| d.unit_duty_id == unit_duty_id)
    }

    /// A task by id.
    pub fn task(&self, task_id: &str) -> Option<&TaskRow> {
        self.tasks.iter().find(|t| t.task_id == task_id)
    }

    /// A post by id.
    pub fn post(&self, post_id: &str) -> Option<&PostRow> {
        self.posts.iter().find(|p| p.post_id == post_id)
    }

    /// The unit duties a unit holds.
    pub fn unit_duties_of_unit<'a>(
        &'a self,
        unit_id: &'a str,
    ) -> impl Iterator<Item = &'a UnitDutyRow> {
        self.unit_duties
            .iter()
            .filter(move |d| d.unit_id == unit_id)
    }

    /// The unit duties derived from a main duty.
    pub fn unit_duties_of_main_duty<'a>(
        &'a self,
        duty_id: &'a str,
    ) -> impl Iterator<Item = &'a UnitDutyRow> {
        self.unit_duties
            .iter()
            .filter(move |d| d.main_duty_id == duty_id)
    }

    /// The tasks split from a unit duty.
    pub fn tasks_of_unit_duty<'a>(
        &'a self,
        unit_duty_id: &'a str,
    ) -> impl Iterator<Item = &'a TaskRow> {
        self.tasks
            .iter()
            .filter(move |t| t.unit_duty_id == unit_duty_id)
    }

    /// The tasks a unit holds.
    pub fn tasks_of_unit<'a>(&'a self, unit_id: &'a str) -> impl Iterator<Item = &'a TaskRow> {
        self.tasks.iter().filter(move |t| t.unit_id == unit_id)
    }

    /// The posts of a unit.
    pub fn posts_of_unit<'a>(&'a self, unit_id: &'a str) -> impl Iterator<Item = &'a PostRow> {
        self.posts.iter().filter(move |p| p.unit_id == unit_id)
    }

    /// The posts that hold a task.
    pub fn posts_of_task<'a>(&'a self, task_id: &str) -> impl Iterator<Item = &'a PostRow> {
        self.posts_by_task
            .get(task_id)
            .into_iter()
            .flatten()
            .map(|&i| &self.posts[i])
    }

    /// The tasks a post holds.
    pub fn tasks_of_post<'a>(&'a self, post_id: &str) -> impl Iterator<Item = &'a TaskRow> {
        self.tasks_by_post
            .get(post_id)
            .into_iter()
            .flatten()
            .map(|&i| &self.tasks[i])
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

const DEPARTMENT_COLUMNS: &str =
    "department_id, name, division_code, level, sector, kind, staffing, established_at, updated_at";

/// Every department, in the order they were established.
pub async fn departments(pool: &PgPool) -> Result<Vec<DepartmentRow>, StoreError> {
    let rows = sqlx::query_as::<_, DepartmentRow>(&format!(
        "SELECT {DEPARTMENT_COLUMNS} FROM duty_list_departments ORDER BY ordinal"
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// One department, if established.
pub async fn department(pool: &PgPool, id: &str) -> Result<Option<DepartmentRow>, StoreError> {
    let row = sqlx::query_as::<_, DepartmentRow>(&format!(
        "SELECT {DEPARTMENT_COLUMNS} FROM duty_list_departments WHERE department_id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// One department's whole structure, read in a single repeatable-read snapshot.
pub async fn structure(pool: &PgPool, id: &str) -> Result<Option<DepartmentStructure>, StoreError> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let Some(department) = sqlx::query_as::<_, DepartmentRow>(&format!(
        "SELECT {DEPARTMENT_COLUMNS} FROM duty_list_departments WHERE department_id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    let main_duties = sqlx::query_as::<_, MainDutyRow>(
        "SELECT duty_id, text FROM duty_list_main_duties WHERE department_id = $1 ORDER BY ordinal",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let units = sqlx::query_as::<_, UnitRow>(
        "SELECT unit_id, name, staffing FROM duty_list_units WHERE department_id = $1 ORDER BY ordinal",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let unit_duties = sqlx::query_as::<_, UnitDutyRow>(
        "SELECT unit_duty_id, main_duty_id, unit_id, text FROM duty_list_unit_duties \
         WHERE department_id = $1 ORDER BY ordinal",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let tasks = sqlx::query_as::<_, TaskRow>(
        "SELECT task_id, unit_duty_id, unit_id, name, scope, procedure, time_limit_days, time_limit_kind, \
         standard, strict_policy_standard, wide_discretion, integrity_risk \
         FROM duty_list_tasks WHERE department_id = $1 ORDER BY ordinal",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let posts = sqlx::query_as::<_, PostRow>(
        "SELECT post_id, unit_id, name FROM duty_list_posts WHERE department_id = $1 ORDER BY ordinal",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let assignments = sqlx::query_as::<_, (String, String)>(
        "SELECT task_id, post_id FROM duty_list_assignments WHERE department_id = $1 ORDER BY ordinal",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(DepartmentStructure::new(
        department,
        main_duties,
        units,
        unit_duties,
        tasks,
        posts,
        assignments,
    )))
}
