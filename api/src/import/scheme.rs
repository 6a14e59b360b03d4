//! Loading indicator schemes from files in the scheme format (JSON; `data/schemes/`), through
//! the one command path. Used by `dutyledger scheme load` and by the demo seed. Loading a
//! scheme with the content of its latest version stores nothing.

use std::path::Path;

use dutyledger_domain::scheme::SchemeDefinition;
use dutyledger_domain::values::EntityId;

use crate::app::{AppState, When};
use crate::context::RequestContext;
use crate::service::{parse_field, AppError};

/// What loading one scheme file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeReport {
    /// Where it came from.
    pub source: String,
    /// The scheme id.
    pub scheme_id: String,
    /// Events appended: 0 when the latest version has this content already.
    pub events: usize,
}

impl SchemeReport {
    /// One line for a person.
    pub fn line(&self) -> String {
        if self.events == 0 {
            format!(
                "{}: scheme {} unchanged (its latest version has this content)",
                self.source, self.scheme_id
            )
        } else {
            format!(
                "{}: scheme {} published as a new version",
                self.source, self.scheme_id
            )
        }
    }
}

/// The scheme id a file is loaded as by default: its name without `.json`.
pub fn default_id(path: &Path) -> String {
    path.file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}

/// Publishes the scheme in `text` (the contents of `source`) as `scheme_id`.
pub async fn load_scheme(
    state: &AppState,
    ctx: &RequestContext,
    source: &str,
    scheme_id: &str,
    text: &str,
    when: When,
) -> Result<SchemeReport, AppError> {
    let id = parse_field("schemeId", EntityId::parse(scheme_id))?;
    let definition = SchemeDefinition::parse(text).map_err(|e| AppError::BadInput {
        message: format!("{source}: not a scheme file: {e}"),
        field: Some("definition".into()),
        rule: Some("INVALID_SCHEME_FILE"),
    })?;
    let outcome = state
        .commands
        .publish_scheme(ctx, &id, definition, when)
        .await?;
    Ok(SchemeReport {
        source: source.to_owned(),
        scheme_id: id.to_string(),
        events: outcome.events,
    })
}

/// Publishes the scheme in the file at `path` as `scheme_id` (default: [`default_id`]).
pub async fn load_file(
    state: &AppState,
    ctx: &RequestContext,
    path: &Path,
    scheme_id: Option<&str>,
    when: When,
) -> Result<SchemeReport, AppError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| AppError::bad_input("file", format!("{}: {e}", path.display())))?;
    let source = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let id = scheme_id.map_or_else(|| default_id(path), str::to_owned);
    load_scheme(state, ctx, &source, &id, &text, when).await
}
