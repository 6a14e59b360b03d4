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
    csv_rows(&text).map_err(|e| TableError::Read(name, e.to_string()))
}

/// The rows of a CSV text, numbered as a spreadsheet program shows them once it has opened the
/// file: one row per record, a quoted cell holding line breaks being still one row, and a blank
/// line being an empty row. The csv crate's own line count is no row number: it counts the line
/// breaks inside quoted cells, and it numbers blank lines and CRLF line ends oddly.
fn csv_rows(text: &str) -> Result<Vec<Row>, csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let bytes = text.as_bytes();
    // Line breaks in `bytes[..counted_to]`, and those of them inside quoted cells.
    let (mut breaks, mut counted_to, mut inside) = (0usize, 0usize, 0usize);
    let mut record = csv::StringRecord::new();
    let mut rows = Vec::new();
    while reader.read_record(&mut record)? {
        // The reader stands just past the first byte of the record's terminator (or at the end
        // of the text): the breaks before that byte, less those inside quoted cells (this
        // record's and the earlier ones'), are the rows before this one.
        let end = usize::try_from(reader.position().byte())
            .map_or(bytes.len(), |b| b.min(bytes.len()))
            .saturating_sub(1)
            .max(counted_to);
        breaks += line_breaks(&bytes[counted_to..end]);
        counted_to = end;
        inside += record
            .iter()
            .map(|c| line_breaks(c.as_bytes()))
            .sum::<usize>();
        rows.push(Row {
            number: 1 + breaks.saturating_sub(inside),
            cells: record.iter().map(|c| c.trim().to_owned()).collect(),
        });
    }
    Ok(rows)
}

/// Line breaks as the csv crate reads them: `\r\n`, `\n` or a lone `\r`.
fn line_breaks(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(text: &str) -> Vec<(usize, String)> {
        csv_rows(text)
            .expect("csv")
            .into_iter()
            .map(|r| (r.number, r.cells[0].clone()))
            .collect()
    }

    fn expected(rows: &[(usize, &str)]) -> Vec<(usize, String)> {
        rows.iter().map(|&(n, c)| (n, c.to_owned())).collect()
    }

    #[test]
    fn a_quoted_cell_holding_line_breaks_is_one_row() {
        let text = "编码,名称,责任事项\nXK-1,许可,\"受理\n审查\n决定\"\nXK-2,检查,\nXK-3,处罚,\n";
        assert_eq!(
            numbers(text),
            expected(&[(1, "编码"), (2, "XK-1"), (3, "XK-2"), (4, "XK-3")])
        );
        let rows = csv_rows(text).expect("csv");
        assert_eq!(rows[1].cells[2], "受理\n审查\n决定");
        // CRLF line ends, inside the cell and between records, and no final line end.
        let crlf = text.replace('\n', "\r\n");
        let crlf = crlf.trim_end();
        assert_eq!(
            numbers(crlf),
            expected(&[(1, "编码"), (2, "XK-1"), (3, "XK-2"), (4, "XK-3")])
        );
    }

    #[test]
    fn blank_lines_are_empty_rows() {
        // A title, a blank line, the header, then records around a multi-line cell and a
        // blank line: a spreadsheet shows the blank lines as empty rows.
        let text = "权责清单\n\n编码,名称\nXK-1,\"食品\n经营许可\"\n\nXK-2,检查\n";
        assert_eq!(
            numbers(text),
            expected(&[(1, "权责清单"), (3, "编码"), (4, "XK-1"), (6, "XK-2")])
        );
        assert_eq!(
            numbers(&text.replace('\n', "\r\n")),
            expected(&[(1, "权责清单"), (3, "编码"), (4, "XK-1"), (6, "XK-2")])
        );
        assert_eq!(
            numbers(&text.replace('\n', "\r")),
            expected(&[(1, "权责清单"), (3, "编码"), (4, "XK-1"), (6, "XK-2")])
        );
    }

    #[test]
    fn line_breaks_count_crlf_once() {
        assert_eq!(line_breaks(b"a\r\nb\nc\rd"), 3);
        assert_eq!(line_breaks(b""), 0);
        assert_eq!(line_breaks(b"\r\n\r\n"), 2);
    }
}
