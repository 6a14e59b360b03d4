//! Importing a power list (权责清单) from a spreadsheet as departments keep it.
//!
//! The header row is found among the first ten rows (lists usually start with a title) by its
//! name column, and columns are recognised by the names used in practice: 事项名称 / 职权名称 /
//! 权力名称, 事项编码 / 职权编码, 子项 / 子项名称, 事项类型 / 权力类型 / 职权类型 (Chinese names
//! or the codes 01-10 and 20), 设定依据 / 实施依据, 实施主体 / 行使主体, 承办科室 / 承办机构,
//! 责任事项, 追责情形, 法定时限 / 法定期限, 承诺时限 / 承诺期限, 行使层级, 备注 (ignored).
//!
//! Each row becomes one command: `ListPowerItem` for a code the department does not list yet,
//! `AmendPowerItem` otherwise (which changes nothing if the row says what is already listed).
//! The item's id is derived from its code, so running the same file again stores nothing
//! twice. Every row is reported: stored, amended, unchanged, or refused with its row number,
//! code and reason. A refused row writes nothing; the others are unaffected.

use std::collections::HashMap;
use std::path::Path;

use dutyledger_domain::department::{Department, DepartmentCommand};
use dutyledger_domain::power::{PowerCode, PowerItemDetails, PowerItemPatch, PowerKind};
use dutyledger_domain::values::{
    CreditCode, DayKind, DepartmentLevel, EntityId, Name, Text, TimeLimit,
};
use dutyledger_projections::duty_list::{self, AsOf, DepartmentStructure, Kind};
use serde::Serialize;

use super::table::{self, Row, TableError};
use crate::app::{AppState, When};
use crate::auth::Actor;
use crate::context::RequestContext;
use crate::service::AppError;

/// The columns understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Code,
    Name,
    SubItem,
    Kind,
    LegalBasis,
    Department,
    Unit,
    Stages,
    Accountability,
    Statutory,
    Promised,
    Level,
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
            "事项编码",
            "职权编码",
            "权力编码",
            "编码",
            "事项代码",
            "权力事项编码",
            "基本编码",
        ]) {
            Column::Code
        } else if is(&[
            "事项名称",
            "职权名称",
            "权力名称",
            "权责事项名称",
            "主项名称",
            "事项",
            "权力事项",
        ]) {
            Column::Name
        } else if is(&["子项", "子项名称", "子项事项"]) {
            Column::SubItem
        } else if is(&[
            "事项类型",
            "权力类型",
            "职权类型",
            "权责类型",
            "类型",
            "权力类别",
            "事项类别",
        ]) {
            Column::Kind
        } else if is(&["设定依据", "实施依据", "法律依据", "依据", "设定和实施依据"])
        {
            Column::LegalBasis
        } else if is(&["实施主体", "行使主体", "实施部门", "责任主体", "实施机关"])
        {
            Column::Department
        } else if is(&[
            "承办科室",
            "承办机构",
            "承办处室",
            "责任科室",
            "内设机构",
            "承办单位",
        ]) {
            Column::Unit
        } else if is(&["责任事项", "责任环节", "责任事项内容"]) {
            Column::Stages
        } else if is(&["追责情形", "问责情形", "追责事项", "问责依据"]) {
            Column::Accountability
        } else if is(&["法定时限", "法定期限", "法定办结时限", "法定办理时限"])
        {
            Column::Statutory
        } else if is(&["承诺时限", "承诺期限", "承诺办结时限", "承诺办理时限"])
        {
            Column::Promised
        } else if is(&["行使层级", "层级", "实施层级"]) {
            Column::Level
        } else {
            return None;
        },
    )
}

/// What happened to a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// A new item was listed.
    Stored,
    /// An existing item got new details.
    Amended,
    /// The row says what is listed already.
    Unchanged,
    /// The row was refused; nothing was written for it.
    Refused {
        /// The error code (`BAD_USER_INPUT`, `NOT_FOUND`, `CONFLICT`, ...).
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
    /// The item code, if the row has one.
    pub code: Option<String>,
    /// The item name, if the row has one.
    pub name: Option<String>,
    /// The department the row concerns, if known.
    pub department: Option<String>,
    /// The item id written, if any.
    pub item_id: Option<String>,
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
    /// Rows stored as new items.
    pub stored: usize,
    /// Rows that amended an item.
    pub amended: usize,
    /// Rows that changed nothing.
    pub unchanged: usize,
    /// Rows refused.
    pub refused: usize,
}

/// An import that could not run at all (as opposed to refused rows).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error(transparent)]
    Table(#[from] TableError),
    /// No header row with a name column among the first ten rows.
    #[error("no header row found: none of the first ten rows has a name column (事项名称, 职权名称 ...)")]
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

/// Parses a time limit as lists write it: `20个工作日`, `30日` (working days, as the
/// Administrative Licensing Law counts), `30天` / `30个自然日` (calendar days), `即办` (one
/// working day). Empty, `无` and `/` mean none.
pub fn parse_limit(input: &str) -> Result<Option<TimeLimit>, String> {
    let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() || matches!(s.as_str(), "无" | "/" | "-" | "—" | "无时限") {
        return Ok(None);
    }
    if s.starts_with("即办") || s == "当场办结" || s == "当场" {
        return TimeLimit::new(1, DayKind::Working)
            .map(Some)
            .map_err(|e| e.to_string());
    }
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    let rest = &s[digits.len()..];
    let days: i64 = digits
        .parse()
        .map_err(|_| format!("{input:?} is not a time limit (e.g. 20个工作日, 30天, 即办)"))?;
    let kind = if rest.contains("工作日") || rest == "日" || rest == "个日" {
        DayKind::Working
    } else if rest.contains("自然日") || rest.contains('天') || rest.contains("日历日") {
        DayKind::Calendar
    } else if rest.is_empty() {
        DayKind::Working
    } else {
        return Err(format!(
            "{input:?} is not a time limit (e.g. 20个工作日, 30天, 即办)"
        ));
    };
    TimeLimit::new(days, kind)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Splits a cell listing several items (numbered, or separated by line breaks or ；).
pub fn split_items(cell: &str) -> Vec<String> {
    cell.split(['\n', '；', ';'])
        .map(|item| {
            let item = item.trim();
            let item = item
                .trim_start_matches(|c: char| {
                    c.is_ascii_digit() || matches!(c, '.' | '、' | '．' | '(' | ')' | '（' | '）')
                })
                .trim();
            item.trim_end_matches(['。', '，', ',']).to_owned()
        })
        .filter(|item| !item.is_empty())
        .collect()
}

/// The stage name of a 责任事项 item: the part before its colon (`受理责任：...` → `受理责任`).
fn stage_name(item: &str) -> String {
    let head = item.split(['：', ':']).next().unwrap_or(item).trim();
    head.chars().take(Name::MAX_CHARS).collect()
}

fn level_of(cell: &str) -> Option<DepartmentLevel> {
    let c = cell.trim();
    if c.starts_with("市") {
        Some(DepartmentLevel::City)
    } else if c.starts_with("县") || c.starts_with("区") {
        Some(DepartmentLevel::County)
    } else if c.starts_with("乡") || c.starts_with("镇") || c.starts_with("街道") {
        Some(DepartmentLevel::Township)
    } else {
        None
    }
}

/// The item id a code is stored under.
pub fn item_id_for(code: &PowerCode) -> Result<EntityId, String> {
    EntityId::parse(&format!("pi-{}", code.as_str())).map_err(|e| e.to_string())
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

/// Imports a power list file. With `department`, every row is for that department (a row
/// naming another implementing department is refused); without, each row's 实施主体 is looked
/// up by name.
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
            cols.contains_key(&Column::Name).then_some((i, cols))
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
    let ctx = RequestContext::new(Actor::system("import"));
    let mut report = Report {
        file: path.display().to_string(),
        header_row: rows[header_at].number,
        rows: Vec::new(),
        stored: 0,
        amended: 0,
        unchanged: 0,
        refused: 0,
    };
    for row in &rows[header_at + 1..] {
        if row.cells.iter().all(String::is_empty) {
            continue;
        }
        let r = import_row(app, &ctx, &mut departments, &columns, row, department).await?;
        match r.outcome {
            Outcome::Stored => report.stored += 1,
            Outcome::Amended => report.amended += 1,
            Outcome::Unchanged => report.unchanged += 1,
            Outcome::Refused { .. } => report.refused += 1,
        }
        report.rows.push(r);
    }
    Ok(report)
}

async fn import_row(
    app: &AppState,
    ctx: &RequestContext,
    departments: &mut Departments,
    columns: &HashMap<Column, usize>,
    row: &Row,
    department: Option<&CreditCode>,
) -> Result<RowReport, ImportError> {
    let cell = |c: Column| {
        columns
            .get(&c)
            .and_then(|&j| row.cells.get(j))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    };
    let mut report = RowReport {
        row: row.number,
        code: cell(Column::Code).map(str::to_owned),
        name: cell(Column::Name).map(str::to_owned),
        department: None,
        item_id: None,
        outcome: Outcome::Unchanged,
    };
    let bad = |field: &str, e: String| refused("BAD_USER_INPUT", None, format!("{field}: {e}"));

    // Which department.
    let named = cell(Column::Department);
    let dept_id = match (department, named) {
        (Some(d), None) => d.to_string(),
        (Some(d), Some(n)) => {
            let target_name = departments
                .structure(app, d.as_str())
                .await?
                .map(|s| s.department.name.clone());
            if n != d.as_str() && Some(n) != target_name.as_deref() {
                report.outcome = refused(
                    "BAD_USER_INPUT",
                    Some("WRONG_DEPARTMENT"),
                    format!("实施主体 {n:?} is not the department imported into"),
                );
                return Ok(report);
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
                report.outcome = refused(
                    "NOT_FOUND",
                    Some("DEPARTMENT_NOT_FOUND"),
                    format!("实施主体 {n:?} is not a known department"),
                );
                return Ok(report);
            }
        },
        (None, None) => {
            report.outcome = refused(
                "BAD_USER_INPUT",
                None,
                "实施主体: missing (or pass --department)",
            );
            return Ok(report);
        }
    };
    report.department = Some(dept_id.clone());
    let Some(structure) = departments.structure(app, &dept_id).await?.cloned() else {
        report.outcome = refused(
            "NOT_FOUND",
            Some("DEPARTMENT_NOT_FOUND"),
            format!("department {dept_id} not found"),
        );
        return Ok(report);
    };

    // The details.
    let details = (|| -> Result<PowerItemDetails, Outcome> {
        let name = Name::parse_field("事项名称", cell(Column::Name).unwrap_or_default())
            .map_err(|e| bad("事项名称", e.to_string()))?;
        let sub_item = cell(Column::SubItem)
            .map(|s| Name::parse_field("子项", s))
            .transpose()
            .map_err(|e| bad("子项", e.to_string()))?;
        let code = match cell(Column::Code) {
            Some(c) => PowerCode::parse(c).map_err(|e| bad("事项编码", e.to_string()))?,
            None => {
                // No code column: a stable code from the name, so re-runs find the same item.
                let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                for b in format!(
                    "{}|{}",
                    name,
                    sub_item.as_ref().map(|s| s.as_str()).unwrap_or("")
                )
                .bytes()
                {
                    h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
                }
                PowerCode::parse(&format!("N{h:016x}"))
                    .map_err(|e| bad("事项编码", e.to_string()))?
            }
        };
        let kind = PowerKind::parse(cell(Column::Kind).unwrap_or_default())
            .map_err(|e| bad("事项类型", e.to_string()))?;
        let legal_basis =
            Text::parse_field("设定依据", cell(Column::LegalBasis).unwrap_or_default())
                .map_err(|e| bad("设定依据", e.to_string()))?;
        let unit_name = cell(Column::Unit).ok_or_else(|| bad("承办科室", "missing".into()))?;
        let unit_id = structure
            .units
            .iter()
            .find(|u| u.name == unit_name || u.unit_id == unit_name)
            .map(|u| u.unit_id.clone())
            .ok_or_else(|| {
                refused(
                    "NOT_FOUND",
                    Some("UNIT_NOT_FOUND"),
                    format!(
                        "承办科室 {unit_name:?} is not a unit of {}",
                        structure.department.name
                    ),
                )
            })?;
        let level = match cell(Column::Level) {
            Some(l) => level_of(l)
                .ok_or_else(|| bad("行使层级", format!("{l:?} is not 市级, 县级 or 乡级")))?,
            None => serde_json::from_value(serde_json::Value::String(
                structure.department.level.clone(),
            ))
            .unwrap_or(DepartmentLevel::City),
        };
        let stages = split_items(cell(Column::Stages).unwrap_or_default())
            .iter()
            .map(|s| Name::parse_field("责任事项", &stage_name(s)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad("责任事项", e.to_string()))?;
        let accountability = split_items(cell(Column::Accountability).unwrap_or_default())
            .iter()
            .map(|s| Text::parse_field("追责情形", s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad("追责情形", e.to_string()))?;
        let statutory_limit = parse_limit(cell(Column::Statutory).unwrap_or_default())
            .map_err(|e| bad("法定时限", e))?;
        let promised_limit = parse_limit(cell(Column::Promised).unwrap_or_default())
            .map_err(|e| bad("承诺时限", e))?;
        Ok(PowerItemDetails {
            code,
            name,
            sub_item,
            kind,
            legal_basis,
            unit_id: EntityId::parse(&unit_id).map_err(|e| bad("承办科室", e.to_string()))?,
            level,
            stages,
            accountability,
            statutory_limit,
            promised_limit,
        })
    })();
    let details = match details {
        Ok(d) => d,
        Err(outcome) => {
            report.outcome = outcome;
            return Ok(report);
        }
    };
    let item_id = match item_id_for(&details.code) {
        Ok(i) => i,
        Err(e) => {
            report.outcome = bad("事项编码", e);
            return Ok(report);
        }
    };
    report.item_id = Some(item_id.to_string());
    report.code = Some(details.code.as_str().to_owned());
    let exists = structure
        .position(Kind::PowerItem, item_id.as_str())
        .is_some();
    let Ok(code) = CreditCode::parse(&dept_id) else {
        report.outcome = bad("实施主体", format!("{dept_id} is not a credit code"));
        return Ok(report);
    };
    let command = if exists {
        // A row states the whole item: the amendment sets every field.
        DepartmentCommand::AmendPowerItem {
            item_id,
            patch: PowerItemPatch::replacing(&details),
        }
    } else {
        DepartmentCommand::ListPowerItem { item_id, details }
    };
    let when = When {
        reason: Some("权责清单导入".to_owned()),
        effective_at: None,
        command_id: None,
    };
    report.outcome = match app
        .commands
        .execute::<Department>(ctx, code.as_str(), command, when)
        .await
    {
        Ok(o) if o.events == 0 => Outcome::Unchanged,
        Ok(_) if exists => Outcome::Amended,
        Ok(_) => Outcome::Stored,
        Err(e) => from_api(&e),
    };
    if !matches!(report.outcome, Outcome::Refused { .. }) {
        // Later rows of the same department see this one.
        departments.structures.remove(&dept_id);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_as_lists_write_them() {
        let w = |d| Some(TimeLimit::new(d, DayKind::Working).expect("limit"));
        let c = |d| Some(TimeLimit::new(d, DayKind::Calendar).expect("limit"));
        assert_eq!(parse_limit("20个工作日"), Ok(w(20)));
        assert_eq!(parse_limit("20 个工作日"), Ok(w(20)));
        assert_eq!(parse_limit("30日"), Ok(w(30)));
        assert_eq!(parse_limit("30天"), Ok(c(30)));
        assert_eq!(parse_limit("60个自然日"), Ok(c(60)));
        assert_eq!(parse_limit("即办"), Ok(w(1)));
        assert_eq!(parse_limit("15"), Ok(w(15)));
        assert_eq!(parse_limit(""), Ok(None));
        assert_eq!(parse_limit("无"), Ok(None));
        assert!(parse_limit("一个月").is_err());
        assert!(parse_limit("0个工作日").is_err());
    }

    #[test]
    fn items_split_and_stage_names_are_taken_before_the_colon() {
        let items = split_items("1.受理责任：公示材料\n2.审查责任；（3）决定责任。");
        assert_eq!(items, ["受理责任：公示材料", "审查责任", "决定责任"]);
        assert_eq!(stage_name(&items[0]), "受理责任");
    }

    #[test]
    fn headers_used_in_practice_are_recognised() {
        for (h, c) in [
            ("事项名称", Column::Name),
            ("职权名称", Column::Name),
            ("事项类型", Column::Kind),
            ("权力类型", Column::Kind),
            ("职权类型", Column::Kind),
            ("设定依据", Column::LegalBasis),
            ("实施依据", Column::LegalBasis),
            ("实施主体", Column::Department),
            ("行使主体", Column::Department),
            ("承办科室", Column::Unit),
            ("承办机构", Column::Unit),
            ("责任事项", Column::Stages),
            ("追责情形", Column::Accountability),
            (" 法定 期限* ", Column::Statutory),
            ("承诺时限", Column::Promised),
        ] {
            assert_eq!(column_of(h), Some(c), "{h}");
        }
        assert_eq!(column_of("备注"), None);
        assert_eq!(column_of("序号"), None);
    }
}
