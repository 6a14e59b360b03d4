//! Reading a spreadsheet into rows of text.

use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};

/// One row of a sheet: its 1-based row number as a spreadsheet shows it, and its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The row number (1-based).
    pub number: usize,
    /// The cells, as text (trimmed).
    pub cells: Vec<String>,
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// Not a file we read.
    #[error("{0}: only .xlsx, .xlsm, .xls, .ods and .csv files can be imported")]
    UnknownFormat(String),
    /// The file could not be read.
    #[error("cannot read {0}: {1}")]
    Read(String, String),
    /// The workbook has no such sheet (or none at all).
    #[error("{0} has no sheet {1:?}")]
    NoSheet(String, String),
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string().trim().to_owned(),
    }
}

/// Reads the rows of a file: the first sheet of a workbook (or `sheet`), or a CSV file.
pub fn read(path: &Path, sheet: Option<&str>) -> Result<Vec<Row>, TableError> {
    let name = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "csv" => read_csv(path),
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => {
            let mut workbook = open_workbook_auto(path)
                .map_err(|e| TableError::Read(name.clone(), e.to_string()))?;
            let sheet_name = match sheet {
                Some(s) => s.to_owned(),
                None => workbook
                    .sheet_names()
                    .first()
                    .cloned()
                    .ok_or_else(|| TableError::NoSheet(name.clone(), "(first)".into()))?,
            };
            let range = workbook
                .worksheet_range(&sheet_name)
                .map_err(|_| TableError::NoSheet(name.clone(), sheet_name.clone()))?;
            let start_row = range.start().map_or(0, |(r, _)| r as usize);
            let start_col = range.start().map_or(0, |(_, c)| c as usize);
            Ok(range
                .rows()
                .enumerate()
                .map(|(i, cells)| Row {
                    number: start_row + i + 1,
                    cells: std::iter::repeat_n(String::new(), start_col)
                        .chain(cells.iter().map(cell_text))
                        .collect(),
                })
                .collect())
        }
        _ => Err(TableError::UnknownFormat(name)),
    }
}

fn read_csv(path: &Path) -> Result<Vec<Row>, TableError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| TableError::Read(name.clone(), e.to_string()))?;
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}').to_owned(),
        Err(_) => encoding_rs::GB18030.decode(&bytes).0.into_owned(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| TableError::Read(name.clone(), e.to_string()))?;
        rows.push(Row {
            number: record.position().map_or(i + 1, |p| p.line() as usize),
            cells: record.iter().map(|c| c.trim().to_owned()).collect(),
        });
    }
    Ok(rows)
}
