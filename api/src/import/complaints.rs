//! Importing 12345 tickets from a CSV file (a header row naming the fields: `ticket`,
//! `receivedAt`, `category`, `text`, `region`, `departmentId`, optional `taskId`, `resolvedAt`,
//! `satisfaction`) or an NDJSON file (one JSON object per line with the same keys), in batches
//! through the application layer. Each ticket is stored once by its number: re-running a file
//! stores nothing twice, and a later export with resolutions adds them.

use std::io::BufRead;
use std::path::Path;

use serde_json::{Map, Value};

use crate::app::AppState;
use crate::context::RequestContext;
use crate::service::complaints::{TicketFields, TicketOutcome};
use crate::service::AppError;

/// Tickets per batch.
pub const BATCH: usize = 1_000;

/// The import finished, but some tickets were rejected (the command exits with code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0} tickets were rejected")]
pub struct SomeRejected(pub u64);

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// Tickets read.
    pub read: u64,
    /// Stored.
    pub stored: u64,
    /// Known already.
    pub unchanged: u64,
    /// Rejected, with the line and why.
    pub rejected: Vec<(usize, String)>,
}

/// One line of the file: its number and its fields (or why they could not be read).
type Line = (usize, Result<TicketFields, String>);

fn read_lines(path: &Path) -> Result<Vec<Line>, String> {
    let name = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if ext == "ndjson" || ext == "jsonl" {
        let file = std::fs::File::open(path).map_err(|e| format!("{name}: {e}"))?;
        let mut out = Vec::new();
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| format!("{name}: {e}"))?;
            if line.trim().is_empty() {
                continue;
            }
            out.push((
                i + 1,
                serde_json::from_str::<TicketFields>(&line).map_err(|e| e.to_string()),
            ));
        }
        return Ok(out);
    }
    let rows = super::table::read(path, None).map_err(|e| e.to_string())?;
    let Some((header, rows)) = rows.split_first() else {
        return Ok(Vec::new());
    };
    Ok(rows
        .iter()
        .filter(|r| r.cells.iter().any(|c| !c.is_empty()))
        .map(|r| {
            let mut object = Map::new();
            for (name, cell) in header.cells.iter().zip(&r.cells) {
                if cell.is_empty() {
                    continue;
                }
                let value = if name == "satisfaction" {
                    cell.parse::<i64>()
                        .map(Value::from)
                        .unwrap_or_else(|_| Value::from(cell.clone()))
                } else {
                    Value::from(cell.clone())
                };
                object.insert(name.clone(), value);
            }
            (
                r.number,
                serde_json::from_value::<TicketFields>(Value::Object(object))
                    .map_err(|e| e.to_string()),
            )
        })
        .collect())
}

/// Imports the tickets of `path` as `ctx`'s actor.
pub async fn import(
    state: &AppState,
    ctx: &RequestContext,
    path: &Path,
) -> Result<Report, AppError> {
    let lines = read_lines(path).map_err(|e| AppError::bad_input("file", e))?;
    let mut report = Report {
        read: lines.len() as u64,
        ..Report::default()
    };
    for chunk in lines.chunks(BATCH) {
        let batch = chunk
            .iter()
            .map(|(_, fields)| match fields {
                Ok(f) => f.parse(),
                Err(e) => Err(AppError::bad_input("line", e)),
            })
            .collect();
        let outcomes = state.commands.record_complaints(ctx, batch).await?;
        for ((line, _), outcome) in chunk.iter().zip(outcomes) {
            match outcome {
                TicketOutcome::Stored => report.stored += 1,
                TicketOutcome::Unchanged => report.unchanged += 1,
                TicketOutcome::Rejected(e) => report.rejected.push((
                    *line,
                    format!(
                        "{} {}: {}",
                        e.code().as_str(),
                        e.rule().unwrap_or(""),
                        e.message()
                    ),
                )),
            }
        }
    }
    Ok(report)
}
