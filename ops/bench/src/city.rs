//! A city-scale data set, from a seed: Linyi (临沂, division 371300000000), its 12 counties and
//! their townships, and 36 city departments with 2,443 unit duties, 4,409 tasks and about
//! 5,000 posts (the largest department about three times the average), established in 2016 as
//! commands for the department aggregate, optionally followed by years of amendments.
//!
//! Another number of departments ([`plans_for`], [`weights_for`]) keeps the departments' sizes:
//! the totals grow with the count (74 departments, Linyi's count, hold 5,021 unit duties, 9,062
//! tasks and 10,277 posts); the first 36 departments' weights stay as they are.
//!
//! [`plan`] builds one department's commands; [`Layout`] reads back, from those commands, what
//! a record generator needs (which post holds which task, in which unit, with which time
//! limit); [`divisions`] lists the city's counties and townships.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use dutyledger_domain::department::{DepartmentCommand, RiskFlags, TaskDetails, TaskPatch};
use dutyledger_domain::values::{
    BodyKind, CreditCode, DayKind, DepartmentLevel, DivisionCode, EntityId, Headcount, Name, Text,
    TimeLimit,
};

use crate::Rng;

/// Departments.
pub const DEPARTMENTS: usize = 36;
/// Unit duties, over all departments.
pub const UNIT_DUTIES: usize = 2443;
/// Tasks, over all departments.
pub const TASKS: usize = 4409;
/// Posts, over all departments.
pub const POSTS: usize = 5000;
/// Linyi's city departments (the figure issue 15 scores).
pub const LINYI_DEPARTMENTS: usize = 74;

/// A total of [`DEPARTMENTS`] departments scaled to `departments` (the same for 36).
fn scaled(total: usize, departments: usize) -> usize {
    total * departments / DEPARTMENTS
}
/// The city's division code (Linyi).
pub const CITY: &str = "371300000000";
/// The city's 12 counties and districts (six-digit prefixes).
pub const COUNTIES: [&str; 12] = [
    "371302", "371311", "371312", "371321", "371322", "371323", "371324", "371325", "371326",
    "371327", "371328", "371329",
];
/// The sector of every generated department.
pub const SECTOR: &str = "综合";

/// Midnight UTC of a day.
pub fn ymd(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn id(s: String) -> anyhow::Result<EntityId> {
    Ok(EntityId::parse(&s)?)
}

/// Splits `total` over departments by weight.
fn share(total: usize, weights: &[usize], i: usize) -> usize {
    let sum: usize = weights.iter().sum();
    let base = total * weights[i] / sum;
    if i == weights.len() - 1 {
        total - (0..i).map(|j| total * weights[j] / sum).sum::<usize>()
    } else {
        base
    }
}

/// The departments' sizes (weights 2-4, the first department 9).
pub fn weights() -> Vec<usize> {
    weights_for(DEPARTMENTS)
}

/// The sizes of `departments` departments (weights 2-4, the first department 9).
pub fn weights_for(departments: usize) -> Vec<usize> {
    let mut weights: Vec<usize> = (0..departments.max(1))
        .map(|i| 2 + (i * 7919 + 13) % 3)
        .collect();
    weights[0] = 9; // the largest department: about three times the average
    weights
}

/// The credit code of the department at `index`.
pub fn department_code(index: usize) -> anyhow::Result<CreditCode> {
    Ok(CreditCode::from_parts(
        '1',
        '1',
        "371300",
        &format!("8{:07}", index + 1),
    )?)
}

/// What to generate besides the structure.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    /// Amendments per department after the structure (rewordings, renames, staffing).
    pub amendments: u32,
    /// Whether tasks carry time limits (7 in 10 do, 1 to 60 days, working or calendar).
    pub time_limits: bool,
}

/// One department's commands, each with its effective time.
#[derive(Debug)]
pub struct Plan {
    /// The department.
    pub code: CreditCode,
    /// The commands, in order.
    pub commands: Vec<(DateTime<Utc>, DepartmentCommand)>,
    /// How many of the commands build the structure (the rest are amendments).
    pub structure: usize,
}

/// The time limit of task `k`, if tasks have limits.
fn time_limit(k: usize, enabled: bool) -> Option<TimeLimit> {
    const DAYS: [i64; 9] = [1, 3, 5, 7, 10, 15, 20, 30, 60];
    if !enabled || k % 10 >= 7 {
        return None;
    }
    let kind = if k.is_multiple_of(3) {
        DayKind::Calendar
    } else {
        DayKind::Working
    };
    TimeLimit::new(DAYS[(k / 10) % DAYS.len()], kind).ok()
}

/// The commands of the department at `index`: established on 2016-01-01, then main duties,
/// units, unit duties, posts, tasks each assigned to one post of its unit (a command a minute),
/// then `options.amendments` amendments spread from mid-2016 to 2026 that change what exists
/// without adding to it.
pub fn plan(
    index: usize,
    weights: &[usize],
    options: PlanOptions,
    seed: u64,
) -> anyhow::Result<Plan> {
    let mut rng = Rng::new(seed ^ (index as u64 * 0x1000_0001));
    let code = department_code(index)?;
    let n = weights.len();
    let duties = share(scaled(UNIT_DUTIES, n), weights, index);
    let tasks = share(scaled(TASKS, n), weights, index);
    let posts = share(scaled(POSTS, n), weights, index);
    let units = (duties / 6).clamp(4, 40);
    let mains = (duties / 8).clamp(3, 30);
    let mut out = Vec::new();
    let mut t = ymd(2016, 1, 1);
    let step = |t: &mut DateTime<Utc>, secs: i64| {
        *t += chrono::Duration::seconds(secs);
        *t
    };
    out.push((
        t,
        DepartmentCommand::EstablishDepartment {
            id: code.clone(),
            name: Name::parse(&format!("临沂市第{}局", index + 1))?,
            division: DivisionCode::parse(CITY)?,
            level: DepartmentLevel::City,
            sector: Name::parse(SECTOR)?,
            kind: BodyKind::GovernmentDepartment,
        },
    ));
    out.push((
        step(&mut t, 60),
        DepartmentCommand::SetDepartmentStaffing {
            headcount: Headcount::parse(10_000)?,
        },
    ));
    for m in 0..mains {
        out.push((
            step(&mut t, 60),
            DepartmentCommand::DefineMainDuty {
                duty_id: id(format!("md{m}"))?,
                text: Text::parse(&format!("主要职责{m}：负责本领域的综合监督管理工作"))?,
            },
        ));
    }
    for u in 0..units {
        out.push((
            step(&mut t, 60),
            DepartmentCommand::EstablishUnit {
                unit_id: id(format!("u{u}"))?,
                name: Name::parse(&format!("第{u}科"))?,
            },
        ));
    }
    for d in 0..duties {
        out.push((
            step(&mut t, 60),
            DepartmentCommand::AssignUnitDuty {
                unit_duty_id: id(format!("ud{d}"))?,
                main_duty_id: id(format!("md{}", d % mains))?,
                unit_id: id(format!("u{}", d % units))?,
                text: Text::parse(&format!("科室职责{d}：承担具体事项的组织实施"))?,
            },
        ));
    }
    for p in 0..posts {
        out.push((
            step(&mut t, 60),
            DepartmentCommand::CreatePost {
                post_id: id(format!("p{p}"))?,
                unit_id: id(format!("u{}", p % units))?,
                name: Name::parse(&format!("岗位{p}"))?,
            },
        ));
    }
    let time_limits = options.time_limits;
    let task_details = |n: usize, version: u32| -> anyhow::Result<TaskDetails> {
        Ok(TaskDetails {
            name: Name::parse(&format!("工作任务{n}（第{version}版）"))?,
            scope: Some(Text::parse("本部门职责范围内的相关事项")?),
            procedure: None,
            time_limit: time_limit(n, time_limits),
            standard: None,
            risks: RiskFlags::default(),
        })
    };
    for k in 0..tasks {
        let duty = k % duties;
        out.push((
            step(&mut t, 60),
            DepartmentCommand::DefineTask {
                task_id: id(format!("t{k}"))?,
                unit_duty_id: id(format!("ud{duty}"))?,
                details: task_details(k, 1)?,
            },
        ));
        // A post of the same unit: posts p ≡ unit (mod units), duty d is in unit d mod units.
        let unit = duty % units;
        let candidates: Vec<usize> = (0..posts).filter(|p| p % units == unit).collect();
        if let Some(&p) = candidates.get(k % candidates.len().max(1)) {
            out.push((
                step(&mut t, 60),
                DepartmentCommand::AssignTaskToPost {
                    task_id: id(format!("t{k}"))?,
                    post_id: id(format!("p{p}"))?,
                },
            ));
        }
    }
    let structure = out.len();
    // Ten years of amendments, in valid-time order, with a few backdated corrections.
    let amendments = options.amendments;
    let span = (ymd(2026, 1, 1) - ymd(2016, 6, 1)).num_seconds();
    let gap = (span / i64::from(amendments.max(1))).max(1);
    let mut at = ymd(2016, 6, 1);
    for a in 0..amendments {
        at += chrono::Duration::seconds(gap);
        // Amendments change what exists without adding to it, so the answer's size stays the
        // same whatever the log's size (the benchmark measures the log, not the answer).
        let command = match rng.below(100) {
            0..=44 => {
                let k = rng.below(tasks as u64) as usize;
                DepartmentCommand::AmendTask {
                    task_id: id(format!("t{k}"))?,
                    patch: TaskPatch::replacing(&task_details(k, a + 2)?),
                }
            }
            45..=59 => {
                let u = rng.below(units as u64);
                DepartmentCommand::RenameUnit {
                    unit_id: id(format!("u{u}"))?,
                    name: Name::parse(&format!("第{u}科（{a}）"))?,
                }
            }
            60..=79 => {
                let u = rng.below(units as u64);
                DepartmentCommand::SetUnitStaffing {
                    unit_id: id(format!("u{u}"))?,
                    headcount: Headcount::parse(1 + rng.below(20) as i64)?,
                }
            }
            _ => {
                let m = rng.below(mains as u64);
                DepartmentCommand::AmendMainDuty {
                    duty_id: id(format!("md{m}"))?,
                    text: Text::parse(&format!("主要职责{m}（{a}年修订）"))?,
                }
            }
        };
        out.push((at, command));
        if a % 500 == 250 {
            // A correction recorded now, effective a year earlier.
            let u = rng.below(units as u64);
            out.push((
                at - chrono::Duration::days(365),
                DepartmentCommand::SetUnitStaffing {
                    unit_id: id(format!("u{u}"))?,
                    headcount: Headcount::parse(1 + rng.below(20) as i64)?,
                },
            ));
        }
    }
    Ok(Plan {
        code,
        commands: out,
        structure,
    })
}

/// The plans of all [`DEPARTMENTS`].
pub fn plans(options: PlanOptions, seed: u64) -> anyhow::Result<Vec<Plan>> {
    plans_for(DEPARTMENTS, options, seed)
}

/// The plans of `departments` departments (sizes as [`weights_for`], totals scaled).
pub fn plans_for(departments: usize, options: PlanOptions, seed: u64) -> anyhow::Result<Vec<Plan>> {
    let weights = weights_for(departments);
    (0..weights.len())
        .map(|i| plan(i, &weights, options, seed))
        .collect()
}

/// A task a post holds, in its unit.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// The unit.
    pub unit: EntityId,
    /// The post.
    pub post: EntityId,
    /// The task.
    pub task: EntityId,
    /// The task's time limit, in days.
    pub limit_days: Option<u16>,
}

/// One department's structure as a record generator needs it.
#[derive(Debug, Clone)]
pub struct DepartmentLayout {
    /// The department.
    pub code: CreditCode,
    /// Every task-to-post assignment, in the order they were made.
    pub assignments: Vec<Assignment>,
    /// The posts of each unit.
    pub posts_by_unit: HashMap<EntityId, Vec<EntityId>>,
    /// Each task's unit and time limit.
    pub tasks: HashMap<EntityId, (EntityId, Option<TimeLimit>)>,
    /// Each post's unit.
    pub posts: HashMap<EntityId, EntityId>,
}

impl DepartmentLayout {
    /// Whether `post` holds `task` (structure commands never end an assignment).
    pub fn holds(&self, post: &EntityId, task: &EntityId) -> bool {
        self.assignments
            .iter()
            .any(|a| &a.post == post && &a.task == task)
    }
}

/// The structure the plans build (read from their structure commands).
#[derive(Debug, Clone)]
pub struct Layout {
    /// One per department, in plan order.
    pub departments: Vec<DepartmentLayout>,
}

impl Layout {
    /// Reads the structure commands of `plans`.
    pub fn of(plans: &[Plan]) -> Self {
        let departments = plans
            .iter()
            .map(|p| {
                let mut duty_unit: HashMap<EntityId, EntityId> = HashMap::new();
                let mut tasks = HashMap::new();
                let mut posts = HashMap::new();
                let mut posts_by_unit: HashMap<EntityId, Vec<EntityId>> = HashMap::new();
                let mut assignments = Vec::new();
                for (_, command) in &p.commands[..p.structure] {
                    match command {
                        DepartmentCommand::AssignUnitDuty {
                            unit_duty_id,
                            unit_id,
                            ..
                        } => {
                            duty_unit.insert(unit_duty_id.clone(), unit_id.clone());
                        }
                        DepartmentCommand::CreatePost {
                            post_id, unit_id, ..
                        } => {
                            posts.insert(post_id.clone(), unit_id.clone());
                            posts_by_unit
                                .entry(unit_id.clone())
                                .or_default()
                                .push(post_id.clone());
                        }
                        DepartmentCommand::DefineTask {
                            task_id,
                            unit_duty_id,
                            details,
                        } => {
                            if let Some(unit) = duty_unit.get(unit_duty_id) {
                                tasks.insert(task_id.clone(), (unit.clone(), details.time_limit));
                            }
                        }
                        DepartmentCommand::AssignTaskToPost { task_id, post_id } => {
                            if let Some((unit, limit)) = tasks.get(task_id) {
                                assignments.push(Assignment {
                                    unit: unit.clone(),
                                    post: post_id.clone(),
                                    task: task_id.clone(),
                                    limit_days: limit.map(TimeLimit::days),
                                });
                            }
                        }
                        _ => {}
                    }
                }
                DepartmentLayout {
                    code: p.code.clone(),
                    assignments,
                    posts_by_unit,
                    tasks,
                    posts,
                }
            })
            .collect();
        Self { departments }
    }
}

/// The city's divisions below it: each county (12 digits) and 10 to 15 townships of each
/// (county code, a three-digit township number, `000`), in a fixed order.
pub fn divisions() -> Vec<(DivisionCode, Vec<DivisionCode>)> {
    COUNTIES
        .iter()
        .enumerate()
        .filter_map(|(i, county)| {
            let code = DivisionCode::parse(&format!("{county}000000")).ok()?;
            let townships = (1..=10 + (i * 7) % 6)
                .filter_map(|t| DivisionCode::parse(&format!("{county}{t:03}000")).ok())
                .collect();
            Some((code, townships))
        })
        .collect()
}
