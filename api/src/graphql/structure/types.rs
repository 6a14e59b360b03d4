//! GraphQL types of the duty-task list: a department and its nested structure. A department's
//! structure is read once per request (one consistent snapshot) and nested fields are answered
//! from it in memory, so deep queries cost a fixed number of database round trips.

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use dutyledger_domain::values;
use dutyledger_projections::duty_list::{self, AsOf, DepartmentRow, DepartmentStructure, Kind};
use tokio::sync::OnceCell;

use crate::graphql::kit::request;
use crate::service::AppError;

/// The level of government a department belongs to.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "values::DepartmentLevel")]
pub enum DepartmentLevel {
    /// 市级: city level.
    City,
    /// 县级: county or district level.
    County,
    /// 乡级: township or street level.
    Township,
}

/// The kind of body a department is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "values::BodyKind")]
pub enum BodyKind {
    /// 政府工作部门: a government department (including directly affiliated bodies).
    GovernmentDepartment,
    /// 党委工作机关: an organ of the party committee.
    PartyOrgan,
    /// 派出机构: a dispatched agency.
    DispatchedAgency,
    /// 事业单位: a public institution.
    PublicInstitution,
    /// 群团组织: a mass organisation.
    MassOrganization,
    /// Any other kind of body.
    Other,
}

/// How the days of a time limit are counted.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "values::DayKind")]
pub enum DayKind {
    /// 工作日: working days.
    Working,
    /// 自然日: calendar days.
    Calendar,
}

fn parse_stored<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// A point in both times.
#[derive(SimpleObject, Clone, Debug)]
pub struct AsOfPoint {
    /// Valid time: the state in force at this instant.
    pub valid_at: DateTime<Utc>,
    /// Transaction time: as the log knew it at this instant.
    pub known_at: DateTime<Utc>,
}

/// A task's time limit (时限).
#[derive(SimpleObject, Clone, Debug)]
pub struct TimeLimit {
    /// Number of days.
    pub days: i32,
    /// Working or calendar days.
    pub kind: DayKind,
}

/// A task's risk flags; any of them makes the task high-risk (高风险).
#[derive(SimpleObject, Clone, Debug)]
pub struct RiskFlags {
    /// 政策标准严格: strict policy standards.
    pub strict_policy_standard: bool,
    /// 自由裁量空间大: wide discretion.
    pub wide_discretion: bool,
    /// 廉政风险: integrity risk.
    pub integrity_risk: bool,
}

/// A government department (部门) and its 三定 structure, identified by its unified social
/// credit code.
#[derive(Clone, Debug)]
pub struct Department {
    row: Arc<DepartmentRow>,
    as_of: AsOf,
    structure: Arc<OnceCell<Arc<DepartmentStructure>>>,
}

impl Department {
    /// A department from its listing row at `as_of`; the structure is read when first needed.
    pub fn from_row(row: DepartmentRow, as_of: AsOf) -> Self {
        Self {
            row: Arc::new(row),
            as_of,
            structure: Arc::new(OnceCell::new()),
        }
    }

    /// A department whose structure is already read.
    pub fn from_structure(structure: DepartmentStructure) -> Self {
        let row = Arc::new(structure.department.clone());
        let as_of = structure.as_of;
        let cell = OnceCell::new_with(Some(Arc::new(structure)));
        Self {
            row,
            as_of,
            structure: Arc::new(cell),
        }
    }

    async fn structure(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Arc<DepartmentStructure>> {
        let s = self
            .structure
            .get_or_try_init(|| async {
                let (app, rc) = request(ctx)?;
                let s = duty_list::structure(&app.pool, &self.row.department_id, self.as_of)
                    .await
                    .map_err(|e| AppError::from_store(e, &rc.request_id))?
                    .ok_or_else(|| AppError::NotFound {
                        message: format!("department {} not found", self.row.department_id),
                        rule: Some("DEPARTMENT_NOT_FOUND"),
                    })?;
                Ok::<_, async_graphql::Error>(Arc::new(s))
            })
            .await?;
        Ok(s.clone())
    }
}

/// A department (部门) with its 三定 structure: main duties, internal units, unit duties, work
/// tasks and posts, as currently in force.
#[Object]
impl Department {
    /// The unified social credit code (统一社会信用代码), 18 characters.
    async fn id(&self) -> ID {
        ID(self.row.department_id.clone())
    }

    /// The official name.
    async fn name(&self) -> &str {
        &self.row.name
    }

    /// The 12-digit code of the administrative division it serves.
    async fn division_code(&self) -> &str {
        &self.row.division_code
    }

    /// City, county or township level.
    async fn level(&self) -> Option<DepartmentLevel> {
        parse_stored::<values::DepartmentLevel>(&self.row.level).map(Into::into)
    }

    /// The sector (e.g. 市场监管).
    async fn sector(&self) -> &str {
        &self.row.sector
    }

    /// The kind of body.
    async fn kind(&self) -> Option<BodyKind> {
        parse_stored::<values::BodyKind>(&self.row.kind).map(Into::into)
    }

    /// The department's staffing headcount (编制数), if set.
    async fn staffing(&self) -> Option<i32> {
        self.row.staffing
    }

    /// When it was established (valid time), as known at the query's `knownAt`.
    async fn established_at(&self) -> Option<DateTime<Utc>> {
        self.row.established_at
    }

    /// The point in time this view shows: in force at `validAt`, as known at `knownAt`.
    async fn as_of(&self) -> AsOfPoint {
        AsOfPoint {
            valid_at: self.as_of.valid_at,
            known_at: self.as_of.known_at,
        }
    }

    /// Its main duties (主要职责), in the order they were defined.
    async fn main_duties(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MainDuty>> {
        let s = self.structure(ctx).await?;
        Ok((0..s.main_duties.len())
            .map(|i| MainDuty::new(&s, i))
            .collect())
    }

    /// Its internal units (内设机构), in the order they were established.
    async fn units(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Unit>> {
        let s = self.structure(ctx).await?;
        Ok((0..s.units.len()).map(|i| Unit::new(&s, i)).collect())
    }

    /// One internal unit by id (null if the department has no such unit).
    async fn unit(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Unit>> {
        let s = self.structure(ctx).await?;
        Ok(s.position(Kind::Unit, &id).map(|i| Unit::new(&s, i)))
    }

    /// All unit duties (内设机构职责) of the department.
    async fn unit_duties(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<UnitDuty>> {
        let s = self.structure(ctx).await?;
        Ok((0..s.unit_duties.len())
            .map(|i| UnitDuty::new(&s, i))
            .collect())
    }

    /// All work tasks (工作任务) of the department.
    async fn tasks(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Task>> {
        let s = self.structure(ctx).await?;
        Ok((0..s.tasks.len()).map(|i| Task::new(&s, i)).collect())
    }

    /// All posts (岗位) of the department.
    async fn posts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Post>> {
        let s = self.structure(ctx).await?;
        Ok((0..s.posts.len()).map(|i| Post::new(&s, i)).collect())
    }

    /// Its power list (权责清单).
    async fn power_items(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::structure::power::PowerItem>> {
        let s = self.structure(ctx).await?;
        Ok(crate::graphql::structure::power::items(&s))
    }

    /// The "two full decompositions" (两个全部分解) report: what is not yet decomposed.
    async fn coverage(&self, ctx: &Context<'_>) -> async_graphql::Result<Coverage> {
        let s = self.structure(ctx).await?;
        let c = s.coverage();
        let pick = |ids: &[String], find: &dyn Fn(&str) -> Option<usize>| -> Vec<usize> {
            ids.iter().filter_map(|id| find(id)).collect()
        };
        Ok(Coverage {
            main_duties: pick(&c.main_duties_without_unit_duties, &|id| {
                s.position(Kind::MainDuty, id)
            }),
            unit_duties: pick(&c.unit_duties_without_tasks, &|id| {
                s.position(Kind::UnitDuty, id)
            }),
            tasks: pick(&c.tasks_without_posts, &|id| s.position(Kind::Task, id)),
            s,
        })
    }
}

/// What is not yet decomposed in a department: main duties without unit duties, unit duties
/// without tasks, tasks without posts. Complete when all three lists are empty.
#[derive(Clone, Debug)]
pub struct Coverage {
    s: Arc<DepartmentStructure>,
    main_duties: Vec<usize>,
    unit_duties: Vec<usize>,
    tasks: Vec<usize>,
}

/// The decomposition coverage report of a department.
#[Object]
impl Coverage {
    /// Whether every main duty is decomposed to units and every task to posts.
    async fn complete(&self) -> bool {
        self.main_duties.is_empty() && self.unit_duties.is_empty() && self.tasks.is_empty()
    }

    /// Main duties from which no unit duty derives.
    async fn main_duties_without_unit_duties(&self) -> Vec<MainDuty> {
        self.main_duties
            .iter()
            .map(|&i| MainDuty::new(&self.s, i))
            .collect()
    }

    /// Unit duties not split into any task.
    async fn unit_duties_without_tasks(&self) -> Vec<UnitDuty> {
        self.unit_duties
            .iter()
            .map(|&i| UnitDuty::new(&self.s, i))
            .collect()
    }

    /// Tasks that no post holds.
    async fn tasks_without_posts(&self) -> Vec<Task> {
        self.tasks.iter().map(|&i| Task::new(&self.s, i)).collect()
    }

    /// Counts of the department's entities and of the gaps.
    async fn counts(&self) -> CoverageCounts {
        CoverageCounts {
            main_duties: self.s.main_duties.len() as i32,
            unit_duties: self.s.unit_duties.len() as i32,
            tasks: self.s.tasks.len() as i32,
            posts: self.s.posts.len() as i32,
            main_duties_without_unit_duties: self.main_duties.len() as i32,
            unit_duties_without_tasks: self.unit_duties.len() as i32,
            tasks_without_posts: self.tasks.len() as i32,
        }
    }
}

/// Entity and gap counts of a department.
#[derive(SimpleObject, Clone, Debug)]
pub struct CoverageCounts {
    /// Main duties in force.
    pub main_duties: i32,
    /// Unit duties in force.
    pub unit_duties: i32,
    /// Tasks in force.
    pub tasks: i32,
    /// Posts in force.
    pub posts: i32,
    /// Main duties without unit duties.
    pub main_duties_without_unit_duties: i32,
    /// Unit duties without tasks.
    pub unit_duties_without_tasks: i32,
    /// Tasks without posts.
    pub tasks_without_posts: i32,
}

macro_rules! node {
    ($name:ident) => {
        #[derive(Clone, Debug)]
        #[doc = concat!("A ", stringify!($name), " inside a department's structure.")]
        pub struct $name {
            s: Arc<DepartmentStructure>,
            i: usize,
        }

        impl $name {
            pub(crate) fn new(s: &Arc<DepartmentStructure>, i: usize) -> Self {
                Self { s: s.clone(), i }
            }
        }
    };
}

node!(MainDuty);
node!(Unit);
node!(UnitDuty);
node!(Task);
node!(Post);

fn unit_by_id(s: &Arc<DepartmentStructure>, id: &str) -> Option<Unit> {
    s.position(Kind::Unit, id).map(|i| Unit::new(s, i))
}

pub(crate) fn nodes<T>(
    s: &Arc<DepartmentStructure>,
    positions: &[usize],
    make: fn(&Arc<DepartmentStructure>, usize) -> T,
) -> Vec<T> {
    positions.iter().map(|&i| make(s, i)).collect()
}

/// A main duty (主要职责) of a department.
#[Object]
impl MainDuty {
    /// Its id inside the department.
    async fn id(&self) -> ID {
        ID(self.s.main_duties[self.i].duty_id.clone())
    }

    /// Its wording.
    async fn text(&self) -> &str {
        &self.s.main_duties[self.i].text
    }

    /// The unit duties derived from it.
    async fn unit_duties(&self) -> Vec<UnitDuty> {
        let id = &self.s.main_duties[self.i].duty_id;
        nodes(&self.s, &self.s.unit_duties_of_main_duty(id), UnitDuty::new)
    }
}

/// An internal unit (内设机构, 科室) of a department.
#[Object]
impl Unit {
    /// Its id inside the department.
    async fn id(&self) -> ID {
        ID(self.s.units[self.i].unit_id.clone())
    }

    /// Its name.
    async fn name(&self) -> &str {
        &self.s.units[self.i].name
    }

    /// Its staffing headcount, if set.
    async fn staffing(&self) -> Option<i32> {
        self.s.units[self.i].staffing
    }

    /// The unit duties it holds.
    async fn duties(&self) -> Vec<UnitDuty> {
        let id = &self.s.units[self.i].unit_id;
        nodes(&self.s, &self.s.unit_duties_of_unit(id), UnitDuty::new)
    }

    /// The tasks it holds (through its unit duties).
    async fn tasks(&self) -> Vec<Task> {
        let id = &self.s.units[self.i].unit_id;
        nodes(&self.s, &self.s.tasks_of_unit(id), Task::new)
    }

    /// The power items it implements (承办).
    async fn power_items(&self) -> Vec<crate::graphql::structure::power::PowerItem> {
        let id = &self.s.units[self.i].unit_id;
        nodes(
            &self.s,
            &self.s.power_items_of_unit(id),
            crate::graphql::structure::power::PowerItem::new,
        )
    }

    /// Its posts.
    async fn posts(&self) -> Vec<Post> {
        let id = &self.s.units[self.i].unit_id;
        nodes(&self.s, &self.s.posts_of_unit(id), Post::new)
    }
}

/// A unit duty (内设机构职责): part of a main duty, held by one internal unit.
#[Object]
impl UnitDuty {
    /// Its id inside the department.
    async fn id(&self) -> ID {
        ID(self.s.unit_duties[self.i].unit_duty_id.clone())
    }

    /// Its wording.
    async fn text(&self) -> &str {
        &self.s.unit_duties[self.i].text
    }

    /// The main duty it derives from.
    async fn main_duty(&self) -> Option<MainDuty> {
        let id = &self.s.unit_duties[self.i].main_duty_id;
        self.s
            .position(Kind::MainDuty, id)
            .map(|i| MainDuty::new(&self.s, i))
    }

    /// The unit that holds it.
    async fn unit(&self) -> Option<Unit> {
        unit_by_id(&self.s, &self.s.unit_duties[self.i].unit_id)
    }

    /// The work tasks split from it.
    async fn tasks(&self) -> Vec<Task> {
        let id = &self.s.unit_duties[self.i].unit_duty_id;
        nodes(&self.s, &self.s.tasks_of_unit_duty(id), Task::new)
    }
}

/// A work task (工作任务) split from a unit duty, held by posts of the same unit.
#[Object]
impl Task {
    /// Its id inside the department.
    async fn id(&self) -> ID {
        ID(self.s.tasks[self.i].task_id.clone())
    }

    /// Its name.
    async fn name(&self) -> &str {
        &self.s.tasks[self.i].name
    }

    /// 工作范围: what it covers.
    async fn scope(&self) -> Option<&str> {
        self.s.tasks[self.i].scope.as_deref()
    }

    /// 工作程序: how it is done.
    async fn procedure(&self) -> Option<&str> {
        self.s.tasks[self.i].procedure.as_deref()
    }

    /// 工作时限: its time limit.
    async fn time_limit(&self) -> Option<TimeLimit> {
        let t = &self.s.tasks[self.i];
        let days = t.time_limit_days?;
        let kind = parse_stored::<values::DayKind>(t.time_limit_kind.as_deref()?)?;
        Some(TimeLimit {
            days,
            kind: kind.into(),
        })
    }

    /// 工作标准: the standard it is held to.
    async fn standard(&self) -> Option<&str> {
        self.s.tasks[self.i].standard.as_deref()
    }

    /// Its risk flags.
    async fn risks(&self) -> RiskFlags {
        let t = &self.s.tasks[self.i];
        RiskFlags {
            strict_policy_standard: t.strict_policy_standard,
            wide_discretion: t.wide_discretion,
            integrity_risk: t.integrity_risk,
        }
    }

    /// Whether any risk flag is set.
    async fn high_risk(&self) -> bool {
        let t = &self.s.tasks[self.i];
        t.strict_policy_standard || t.wide_discretion || t.integrity_risk
    }

    /// Its workflow chart (工作流程图): the version in force at the same point in valid and
    /// transaction time as the list (null if none).
    async fn workflow(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::graphql::workflow::types::WorkflowVersion>> {
        let (app, rc) = request(ctx)?;
        let found = dutyledger_projections::workflow::in_force(
            &app.pool,
            &self.s.department.department_id,
            &self.s.tasks[self.i].task_id,
            self.s.as_of,
        )
        .await
        .map_err(|e| AppError::from_store(e, &rc.request_id))?;
        Ok(found.map(Into::into))
    }

    /// The unit duty it is split from.
    async fn unit_duty(&self) -> Option<UnitDuty> {
        self.s
            .position(Kind::UnitDuty, &self.s.tasks[self.i].unit_duty_id)
            .map(|i| UnitDuty::new(&self.s, i))
    }

    /// The unit that holds it.
    async fn unit(&self) -> Option<Unit> {
        unit_by_id(&self.s, &self.s.tasks[self.i].unit_id)
    }

    /// The power items it carries out.
    async fn power_items(&self) -> Vec<crate::graphql::structure::power::PowerItem> {
        let id = &self.s.tasks[self.i].task_id;
        nodes(
            &self.s,
            &self.s.power_items_of_task(id),
            crate::graphql::structure::power::PowerItem::new,
        )
    }

    /// The posts that hold it.
    async fn posts(&self) -> Vec<Post> {
        let id = &self.s.tasks[self.i].task_id;
        nodes(&self.s, self.s.posts_of_task(id), Post::new)
    }
}

/// A post (岗位) in an internal unit.
#[Object]
impl Post {
    /// Its id inside the department.
    async fn id(&self) -> ID {
        ID(self.s.posts[self.i].post_id.clone())
    }

    /// Its name.
    async fn name(&self) -> &str {
        &self.s.posts[self.i].name
    }

    /// The unit it belongs to.
    async fn unit(&self) -> Option<Unit> {
        unit_by_id(&self.s, &self.s.posts[self.i].unit_id)
    }

    /// The tasks it holds.
    async fn tasks(&self) -> Vec<Task> {
        let id = &self.s.posts[self.i].post_id;
        nodes(&self.s, self.s.tasks_of_post(id), Task::new)
    }
}
