//! Loading years of the working-day calendar from files in the common JSON form
//! (`{year, papers, days: [{name, date, isOffDay}]}`, e.g. `data/calendar/2026.json`), through
//! the one command path (`Commands::execute::<Calendar>`). Used by `dutyledger calendar load`
//! and by the demo seed. Re-running stores nothing twice: loading a year with the content it
//! already has changes nothing.

use std::path::Path;

use chrono::{DateTime, Utc};
use dutyledger_domain::calendar::{start_of_day, Calendar, YearFile, NATIONAL, SHIPPED};
use serde::Serialize;

use crate::app::{AppState, When};
use crate::context::RequestContext;
use crate::service::AppError;

/// What loading one year did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct YearReport {
    /// Where the year came from (a file name).
    pub source: String,
    /// The year.
    pub year: i32,
    /// Events appended: 0 when the year was loaded with this content already.
    pub events: usize,
    /// When the arrangement holds (valid time) as asked.
    pub effective_at: Option<DateTime<Utc>>,
}

impl YearReport {
    /// One line for a person.
    pub fn line(&self) -> String {
        let beijing = chrono::FixedOffset::east_opt(8 * 3600);
        let when = self
            .effective_at
            .zip(beijing)
            .map(|(t, tz)| format!(", effective {}", t.with_timezone(&tz).to_rfc3339()))
            .unwrap_or_default();
        if self.events == 0 {
            format!(
                "{}: {} unchanged (loaded with this content already{when})",
                self.source, self.year
            )
        } else {
            format!("{}: {} loaded{when}", self.source, self.year)
        }
    }
}

/// Why a file could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read or is not the JSON form (the message names the file).
    File(String),
    /// The command was refused or failed.
    Refused {
        /// The file.
        source: String,
        /// Why.
        error: AppError,
    },
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::File(m) => f.write_str(m),
            LoadError::Refused { source, error } => match error.rule() {
                Some(rule) => write!(
                    f,
                    "{source}: refused, {} {rule}: {}",
                    error.code(),
                    error.message()
                ),
                None => write!(f, "{source}: {}: {}", error.code(), error.message()),
            },
        }
    }
}

impl std::error::Error for LoadError {}

/// Loads the year in `text` (the contents of `source`) as `ctx`'s actor. The effective time is
/// `effective_at` if given, else the start (Beijing time) of the file's `published` date, else
/// the time it is recorded; the reason is `reason` if given, else one naming the source.
pub async fn load_year(
    state: &AppState,
    ctx: &RequestContext,
    source: &str,
    text: &str,
    effective_at: Option<DateTime<Utc>>,
    reason: Option<String>,
) -> Result<YearReport, LoadError> {
    let file = YearFile::parse(text)
        .map_err(|e| LoadError::File(format!("{source}: not a calendar year file: {e}")))?;
    let command = file
        .command()
        .map_err(|e| LoadError::File(format!("{source}: {e}")))?;
    let effective_at = effective_at.or(file.published.map(start_of_day));
    let when = When {
        reason: Some(reason.unwrap_or_else(|| format!("calendar loaded from {source}"))),
        effective_at,
        command_id: None,
    };
    let outcome = state
        .commands
        .execute::<Calendar>(ctx, NATIONAL, command, when)
        .await
        .map_err(|error| LoadError::Refused {
            source: source.to_owned(),
            error,
        })?;
    Ok(YearReport {
        source: source.to_owned(),
        year: file.year,
        events: outcome.events,
        effective_at,
    })
}

/// Loads the year in the file at `path` (see [`load_year`]).
pub async fn load_file(
    state: &AppState,
    ctx: &RequestContext,
    path: &Path,
    effective_at: Option<DateTime<Utc>>,
    reason: Option<String>,
) -> Result<YearReport, LoadError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| LoadError::File(format!("{}: {e}", path.display())))?;
    let source = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    load_year(state, ctx, &source, &text, effective_at, reason).await
}

/// Loads the years shipped with dutyledger (`data/calendar/`, each effective from its notice's
/// publication), as the demo seed does; returns the commands executed and the events
/// appended (none on a second run).
pub async fn load_shipped(
    state: &AppState,
    ctx: &RequestContext,
) -> Result<(usize, usize), AppError> {
    let mut events = 0;
    for (source, text) in SHIPPED {
        match load_year(state, ctx, source, text, None, None).await {
            Ok(report) => events += report.events,
            Err(LoadError::Refused { error, .. }) if error.already_done() => {}
            Err(LoadError::Refused { error, .. }) => return Err(error),
            Err(e @ LoadError::File(_)) => return Err(AppError::bad_input("calendar", e)),
        }
    }
    Ok((SHIPPED.len(), events))
}
