//! Importing workflow charts (工作流程图) from a spreadsheet: one row per step or sub-step.
//!
//! The header row is found among the first ten rows by its step-name column, and columns are
//! recognised by the names used in practice: 实施主体 / 部门 (the department: credit code or
//! name; or `--department`), 事项 / 工作任务 (the task: its id or its name in the department),
//! 环节序号, 环节名称, 子环节名称 (a row with it is a sub-step of the step named on it), 办理科室
//! (unit id or name), 办理岗位 (post id or name), 办理时限 (`5个工作日`, `10日`, `30天`),
//! 申请材料 and 办理程序 (several, one per line or separated by ；), 签批层级 (1-4), 科室可签批
//! (是/否).
//!
//! Rows are grouped into one chart per task (steps in the order of 环节序号, else of the rows;
//! sub-steps in row order) and each chart is published with `WorkflowCommand::Supersede`: a new
//! version if its content differs from the version in force, nothing if it is the same, so
//! running the same file again stores nothing twice. Every row is reported with the outcome of
//! its chart: stored, unchanged, or refused with code, rule and reason. A row that cannot be
//! read refuses its whole chart (a chart is never published without one of its steps).

use std::collections::HashMap;
use std::path::Path;

use chrono::Utc;
use dutyledger_domain::values::{CreditCode, EntityId, Name};
use dutyledger_domain::workflow::{Chart, Material, Step};
use dutyledger_projections::duty_list::{self, AsOf, DepartmentStructure};
use serde::Serialize;

use super::power_list::{parse_limit, split_items};
use super::table::{self, TableError};
use crate::app::{AppState, When};
use crate::auth::Actor;
use crate::context::RequestContext;
use crate::service::AppError;

/// The columns understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Department,
    Task,
    StepNo,
    StepName,
    SubStepName,
    Unit,
    Post,
    Limit,
    Materials,
    Procedures,
    Levels,
    Section,
}

fn normalise(header: &str) -> String {
    header
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | '：' | ':'))
        .collect()
}

fn column_of(header: &str) -> Option<Column> {
    let h = normalise(header);
    let is = |names: &[&str]| names.iter().any(|n| h == *n);
    Some(
        if is(&[
            "实施主体",
            "部门",
            "实施部门",
            "行使主体",
            "责任主体",
            "单位",
        ]) {
            Column::Department
        } else if is(&[
            "事项",
            "工作任务",
            "事项名称",
            "任务",
            "任务名称",
            "工作任务名称",
            "任务编号",
        ]) {
            Column::Task
        } else if is(&["环节序号", "序号", "环节编号", "步骤"]) {
            Column::StepNo
        } else if is(&["环节名称", "环节", "办理环节"]) {
            Column::StepName
        } else if is(&["子环节名称", "子环节"]) {
            Column::SubStepName
        } else if is(&["办理科室", "承办科室", "责任科室", "办理机构"]) {
            Column::Unit
        } else if is(&["办理岗位", "责任岗位", "岗位"]) {
            Column::Post
        } else if is(&["办理时限", "时限", "承诺时限", "环节时限"]) {
            Column::Limit
        } else if is(&["申请材料", "材料", "办理材料"]) {
            Column::Materials
        } else if is(&["办理程序", "程序", "办理流程"]) {
            Column::Procedures
        } else if is(&["签批层级", "审批层级", "签批层次"]) {
            Column::Levels
        } else if is(&["科室可签批", "科室签批", "科室可签"]) {
            Column::Section
        } else {
            return None;
        },
    )
}

/// What happened to a row (the outcome of its chart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Its chart was published as a new version.
    Stored,
    /// Its chart is the version in force already.
    Unchanged,
    /// The row's chart was refused; nothing was written for it.
    Refused {
        /// The error code (`BAD_USER_INPUT`, `NOT_FOUND`, ...).
        code: String,
        /// The rule broken, if a business rule.
        rule: Option<String>,
        /// Why.
        reason: String,
    },
}

/// The report of one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowReport {
    /// The row number as the spreadsheet shows it.
    pub row: usize,
    /// The department, if known.
    pub department: Option<String>,
    /// The task id, if found (else the cell as written).
    pub task: Option<String>,
    /// The step (and sub-step) named on the row.
    pub step: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The report of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The file.
    pub file: String,
    /// The header row found.
    pub header_row: usize,
    /// Every data row, in order.
    pub rows: Vec<RowReport>,
    /// Charts published as a new version.
    pub charts_stored: usize,
    /// Charts unchanged.
    pub charts_unchanged: usize,
    /// Charts refused.
    pub charts_refused: usize,
    /// Events appended.
    pub events: usize,
}

/// An import that could not run at all (as opposed to refused rows).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error(transparent)]
    Table(#[from] TableError),
    /// No header row with a step-name column among the first ten rows.
    #[error("no header row found: none of the first ten rows has a step-name column (环节名称)")]
    NoHeader,
    /// Reading the departments failed.
    #[error("reading the departments failed: {0}")]
    Store(String),
}

fn refused(code: &str, rule: Option<&str>, reason: impl Into<String>) -> Outcome {
    Outcome::Refused {
        code: code.to_owned(),
        rule: rule.map(str::to_owned),
        reason: reason.into(),
    }
}

fn from_api(e: &AppError) -> Outcome {
    refused(e.code().as_str(), e.rule(), e.message())
}

/// Reads 是/否 (and Y/N, true/false, √/×); empty is no.
fn yes_no(cell: &str) -> Result<bool, String> {
    match cell.trim() {
        "" | "否" | "N" | "n" | "no" | "false" | "×" | "不可" | "不可以" => Ok(false),
        "是" | "Y" | "y" | "yes" | "true" | "√" | "可" | "可以" => Ok(true),
        other => Err(format!("{other:?} is not 是 or 否")),
    }
}

/// A material as a cell lists it: `（可选）` / `（非必需）` / `(选填)` mark an optional one.
fn material(item: &str) -> Result<Material, String> {
    let mut name = item.trim().to_owned();
    let mut required = true;
    for mark in [
        "（可选）",
        "(可选)",
        "（非必需）",
        "(非必需)",
        "（选填）",
        "(选填)",
        "（非必须）",
        "(非必须)",
    ] {
        if let Some(n) = name.strip_suffix(mark) {
            name = n.trim().to_owned();
            required = false;
        }
    }
    Ok(Material {
        name: Name::parse_field("申请材料", &name).map_err(|e| e.to_string())?,
        required,
        source: None,
    })
}

struct Departments {
    by_name: HashMap<String, String>,
    structures: HashMap<String, Option<DepartmentStructure>>,
}

impl Departments {
    async fn structure(
        &mut self,
        app: &AppState,
        id: &str,
    ) -> Result<Option<&DepartmentStructure>, ImportError> {
        if !self.structures.contains_key(id) {
            let s = duty_list::structure(&app.pool, id, AsOf::now())
                .await
                .map_err(|e| ImportError::Store(e.to_string()))?;
            self.structures.insert(id.to_owned(), s);
        }
        Ok(self.structures.get(id).and_then(Option::as_ref))
    }
}

/// A row read: its step, where it goes.
struct ParsedRow {
    order: Option<f64>,
    step_name: String,
    sub_step: bool,
    step: Step,
}

/// The rows of one chart.
struct Group {
    department: CreditCode,
    task: EntityId,
    rows: Vec<(usize, Result<ParsedRow, Outcome>)>,
}

/// Imports a workflow chart file. With `department`, every row is for that department (a row
/// naming another is refused); without, each row's 实施主体 is a credit code or a department's
/// name.
pub async fn import(
    app: &AppState,
    path: &Path,
    department: Option<&CreditCode>,
    sheet: Option<&str>,
) -> Result<Report, ImportError> {
    let rows = table::read(path, sheet)?;
    let (header_at, columns) = rows
        .iter()
        .take(10)
        .enumerate()
        .find_map(|(i, row)| {
            let cols: HashMap<Column, usize> = row
                .cells
                .iter()
                .enumerate()
                .filter_map(|(j, h)| column_of(h).map(|c| (c, j)))
                .fold(HashMap::new(), |mut m, (c, j)| {
                    m.entry(c).or_insert(j);
                    m
                });
            cols.contains_key(&Column::StepName).then_some((i, cols))
        })
        .ok_or(ImportError::NoHeader)?;
    let listed = duty_list::departments(&app.pool, AsOf::now())
        .await
        .map_err(|e| ImportError::Store(e.to_string()))?;
    let mut departments = Departments {
        by_name: listed
            .iter()
            .map(|d| (d.name.clone(), d.department_id.clone()))
            .collect(),
        structures: HashMap::new(),
    };
    let mut report = Report {
        file: path.display().to_string(),
        header_row: rows[header_at].number,
        rows: Vec::new(),
        charts_stored: 0,
        charts_unchanged: 0,
        charts_refused: 0,
        events: 0,
    };
    // Rows that cannot be placed in a chart are reported at once; the others are grouped.
    let mut outcomes: HashMap<usize, RowReport> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut group_of: HashMap<(String, String), usize> = HashMap::new();
    let mut order: Vec<usize> = Vec::new();
    for row in &rows[header_at + 1..] {
        if row.cells.iter().all(String::is_empty) {
            continue;
        }
        order.push(row.number);
        let cell = |c: Column| {
            columns
                .get(&c)
                .and_then(|&j| row.cells.get(j))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
        };
        let step_label = match (cell(Column::StepName), cell(Column::SubStepName)) {
            (Some(s), Some(sub)) => Some(format!("{s} / {sub}")),
            (s, sub) => s.or(sub).map(str::to_owned),
        };
        let mut r = RowReport {
            row: row.number,
            department: None,
            task: cell(Column::Task).map(str::to_owned),
            step: step_label,
            outcome: Outcome::Unchanged,
        };
        // The department.
        let dept_id = match (department, cell(Column::Department)) {
            (Some(d), None) => d.to_string(),
            (Some(d), Some(n)) => {
                let target_name = departments
                    .structure(app, d.as_str())
                    .await?
                    .map(|s| s.department.name.clone());
                if n != d.as_str() && Some(n) != target_name.as_deref() {
                    r.outcome = refused(
                        "BAD_USER_INPUT",
                        Some("WRONG_DEPARTMENT"),
                        format!("实施主体 {n:?} is not the department imported into"),
                    );
                    outcomes.insert(row.number, r);
                    continue;
                }
                d.to_string()
            }
            (None, Some(n)) => match CreditCode::parse(n)
                .map(String::from)
                .ok()
                .or_else(|| departments.by_name.get(n).cloned())
            {
                Some(id) => id,
                None => {
                    r.outcome = refused(
                        "NOT_FOUND",
                        Some("DEPARTMENT_NOT_FOUND"),
                        format!("实施主体 {n:?} is not a known department"),
                    );
                    outcomes.insert(row.number, r);
                    continue;
                }
            },
            (None, None) => {
                r.outcome = refused(
                    "BAD_USER_INPUT",
                    None,
                    "实施主体: missing (or pass --department)",
                );
                outcomes.insert(row.number, r);
                continue;
            }
        };
        r.department = Some(dept_id.clone());
        let Some(structure) = departments.structure(app, &dept_id).await? else {
            r.outcome = refused(
                "NOT_FOUND",
                Some("DEPARTMENT_NOT_FOUND"),
                format!("department {dept_id} not found"),
            );
            outcomes.insert(row.number, r);
            continue;
        };
        let Ok(code) = CreditCode::parse(&dept_id) else {
            r.outcome = refused(
                "BAD_USER_INPUT",
                None,
                format!("实施主体: {dept_id} is not a credit code"),
            );
            outcomes.insert(row.number, r);
            continue;
        };
        // The task.
        let Some(task_cell) = cell(Column::Task) else {
            r.outcome = refused("BAD_USER_INPUT", None, "事项: missing");
            outcomes.insert(row.number, r);
            continue;
        };
        let by_id = structure.tasks.iter().find(|t| t.task_id == task_cell);
        let by_name: Vec<_> = structure
            .tasks
            .iter()
            .filter(|t| t.name == task_cell)
            .collect();
        let task_id = match (by_id, by_name.as_slice()) {
            (Some(t), _) => t.task_id.clone(),
            (None, [t]) => t.task_id.clone(),
            (None, []) => {
                r.outcome = refused(
                    "NOT_FOUND",
                    Some("TASK_NOT_FOUND"),
                    format!(
                        "事项 {task_cell:?} is not a task of {}",
                        structure.department.name
                    ),
                );
                outcomes.insert(row.number, r);
                continue;
            }
            (None, _) => {
                r.outcome = refused(
                    "BAD_USER_INPUT",
                    Some("TASK_AMBIGUOUS"),
                    format!(
                        "事项 {task_cell:?} names {} tasks of {}: give the task id",
                        by_name.len(),
                        structure.department.name
                    ),
                );
                outcomes.insert(row.number, r);
                continue;
            }
        };
        let Ok(task) = EntityId::parse(&task_id) else {
            r.outcome = refused("BAD_USER_INPUT", None, format!("事项: bad id {task_id}"));
            outcomes.insert(row.number, r);
            continue;
        };
        r.task = Some(task_id.clone());
        let parsed = parse_step(structure, &cell);
        let key = (dept_id.clone(), task_id);
        let g = *group_of.entry(key).or_insert_with(|| {
            groups.push(Group {
                department: code,
                task,
                rows: Vec::new(),
            });
            groups.len() - 1
        });
        groups[g].rows.push((row.number, parsed));
        outcomes.insert(row.number, r);
    }

    let ctx = RequestContext::new(Actor::system("import"));
    for group in groups {
        let numbers: Vec<usize> = group.rows.iter().map(|(n, _)| *n).collect();
        let (own, others) = match assemble(group.rows) {
            Err(bad) => {
                let list: Vec<String> = bad.iter().map(|(n, _)| n.to_string()).collect();
                let others = refused(
                    "BAD_USER_INPUT",
                    Some("CHART_ROW_REFUSED"),
                    format!(
                        "the chart was not imported: row {} refused",
                        list.join(", ")
                    ),
                );
                (bad.into_iter().collect::<HashMap<_, _>>(), others)
            }
            Ok(chart) => {
                let o = publish(app, &ctx, &group.department, &group.task, chart).await;
                match o {
                    Ok(0) => (HashMap::new(), Outcome::Unchanged),
                    Ok(n) => {
                        report.events += n;
                        (HashMap::new(), Outcome::Stored)
                    }
                    Err(e) => (HashMap::new(), from_api(&e)),
                }
            }
        };
        match &others {
            Outcome::Stored => report.charts_stored += 1,
            Outcome::Unchanged => report.charts_unchanged += 1,
            Outcome::Refused { .. } => report.charts_refused += 1,
        }
        for n in numbers {
            if let Some(r) = outcomes.get_mut(&n) {
                r.outcome = own.get(&n).unwrap_or(&others).clone();
            }
        }
    }
    report.rows = order
        .into_iter()
        .filter_map(|n| outcomes.remove(&n))
        .collect();
    Ok(report)
}

/// Reads a row's step against the department's structure.
fn parse_step<'a>(
    structure: &DepartmentStructure,
    cell: &impl Fn(Column) -> Option<&'a str>,
) -> Result<ParsedRow, Outcome> {
    let bad = |field: &str, e: String| refused("BAD_USER_INPUT", None, format!("{field}: {e}"));
    let step_name = cell(Column::StepName).ok_or_else(|| bad("环节名称", "missing".into()))?;
    let sub = cell(Column::SubStepName);
    let name = Name::parse_field("环节名称", sub.unwrap_or(step_name))
        .map_err(|e| bad("环节名称", e.to_string()))?;
    let order = cell(Column::StepNo)
        .map(|s| {
            s.parse::<f64>()
                .map_err(|_| bad("环节序号", format!("{s:?} is not a number")))
        })
        .transpose()?;
    let unit_cell = cell(Column::Unit).ok_or_else(|| bad("办理科室", "missing".into()))?;
    let unit = structure
        .units
        .iter()
        .find(|u| u.unit_id == unit_cell)
        .or_else(|| structure.units.iter().find(|u| u.name == unit_cell))
        .ok_or_else(|| {
            refused(
                "NOT_FOUND",
                Some("UNIT_NOT_FOUND"),
                format!(
                    "办理科室 {unit_cell:?} is not a unit of {}",
                    structure.department.name
                ),
            )
        })?;
    let post_id = match cell(Column::Post) {
        None => None,
        Some(p) => {
            // By id; else by name, in the step's unit first (names repeat across units).
            let post = structure
                .posts
                .iter()
                .find(|x| x.post_id == p)
                .or_else(|| {
                    structure
                        .posts
                        .iter()
                        .find(|x| x.name == p && x.unit_id == unit.unit_id)
                })
                .or_else(|| structure.posts.iter().find(|x| x.name == p))
                .ok_or_else(|| {
                    refused(
                        "NOT_FOUND",
                        Some("POST_NOT_FOUND"),
                        format!(
                            "办理岗位 {p:?} is not a post of {}",
                            structure.department.name
                        ),
                    )
                })?;
            Some(EntityId::parse(&post.post_id).map_err(|e| bad("办理岗位", e.to_string()))?)
        }
    };
    let time_limit =
        parse_limit(cell(Column::Limit).unwrap_or_default()).map_err(|e| bad("办理时限", e))?;
    let materials = split_items(cell(Column::Materials).unwrap_or_default())
        .iter()
        .map(|m| material(m))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad("申请材料", e))?;
    let procedures = split_items(cell(Column::Procedures).unwrap_or_default())
        .iter()
        .map(|p| Name::parse_field("办理程序", p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad("办理程序", e.to_string()))?;
    // The number goes to the domain as written (5 is refused there, with its rule).
    let sign_off_levels = match cell(Column::Levels) {
        None => 1,
        Some(l) => l
            .trim_end_matches('级')
            .parse::<u8>()
            .map_err(|_| bad("签批层级", format!("{l:?} is not a number of levels (1-4)")))?,
    };
    let section_sign_off =
        yes_no(cell(Column::Section).unwrap_or_default()).map_err(|e| bad("科室可签批", e))?;
    Ok(ParsedRow {
        order,
        step_name: step_name.to_owned(),
        sub_step: sub.is_some(),
        step: Step {
            name,
            unit_id: EntityId::parse(&unit.unit_id).map_err(|e| bad("办理科室", e.to_string()))?,
            post_id,
            materials,
            procedures,
            time_limit,
            sign_off_levels,
            section_sign_off,
            sub_steps: vec![],
        },
    })
}

/// Builds a chart from its rows, or names the rows refused.
fn assemble(
    rows: Vec<(usize, Result<ParsedRow, Outcome>)>,
) -> Result<Chart, Vec<(usize, Outcome)>> {
    let mut steps: Vec<(usize, ParsedRow)> = Vec::new();
    let mut subs: Vec<(usize, ParsedRow)> = Vec::new();
    let mut bad = Vec::new();
    for (n, r) in rows {
        match r {
            Err(o) => bad.push((n, o)),
            Ok(r) if r.sub_step => subs.push((n, r)),
            Ok(r) => steps.push((n, r)),
        }
    }
    if !bad.is_empty() {
        return Err(bad);
    }
    // By 环节序号 where given (stable: rows without one keep their place among equals).
    if steps.iter().all(|(_, r)| r.order.is_some()) {
        steps.sort_by(|a, b| {
            a.1.order
                .partial_cmp(&b.1.order)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    }
    for (n, sub) in subs {
        let Some((_, parent)) = steps.iter_mut().find(|(_, s)| s.step_name == sub.step_name) else {
            return Err(vec![(
                n,
                refused(
                    "BAD_USER_INPUT",
                    Some("SUB_STEP_WITHOUT_STEP"),
                    format!(
                        "子环节 {:?} belongs to step {:?}, which has no row of its own in the chart",
                        sub.step.name.as_str(),
                        sub.step_name
                    ),
                ),
            )]);
        };
        parent.step.sub_steps.push(sub.step);
    }
    Ok(Chart {
        steps: steps.into_iter().map(|(_, r)| r.step).collect(),
    })
}

/// Publishes a chart as the version in force now; the events appended (0: unchanged).
async fn publish(
    app: &AppState,
    ctx: &RequestContext,
    department: &CreditCode,
    task: &EntityId,
    chart: Chart,
) -> Result<usize, AppError> {
    let when = When {
        reason: Some("工作流程图导入".to_owned()),
        effective_at: Some(Utc::now()),
        command_id: None,
    };
    let outcome = app
        .commands
        .publish_chart(ctx, department, task, chart, when)
        .await?;
    Ok(outcome.events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_used_in_practice_are_recognised() {
        for (h, c) in [
            ("实施主体", Column::Department),
            ("部门", Column::Department),
            ("事项", Column::Task),
            ("工作任务", Column::Task),
            ("环节序号", Column::StepNo),
            ("环节名称*", Column::StepName),
            ("子环节名称", Column::SubStepName),
            ("办理科室", Column::Unit),
            ("办理岗位", Column::Post),
            ("办理时限", Column::Limit),
            ("申请材料", Column::Materials),
            ("办理程序", Column::Procedures),
            ("签批层级", Column::Levels),
            ("科室可签批", Column::Section),
        ] {
            assert_eq!(column_of(h), Some(c), "{h}");
        }
        assert_eq!(column_of("备注"), None);
    }

    #[test]
    fn yes_no_and_optional_materials() {
        assert_eq!(yes_no("是"), Ok(true));
        assert_eq!(yes_no(""), Ok(false));
        assert!(yes_no("也许").is_err());
        let m = material("身份证明（可选）").expect("material");
        assert_eq!((m.name.as_str(), m.required), ("身份证明", false));
    }
}
