//! `dutyledger export ocel [--filter KEY=VALUE ...] FILE.{json,sqlite,xml}` and
//! `dutyledger export xes [--filter KEY=VALUE ...] FILE.xes`, and the one function both the CLI
//! and the downloads write through ([`write_to`], [`write_file`]).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use dutyledger_projections::cases::trail::{Trail, TrailFilter};
use dutyledger_projections::db::{self, PoolSettings};
use sqlx::PgPool;
use tokio::io::AsyncWrite;

use super::filter::parse_filter_args;
use super::ocel_json::JsonSink;
use super::ocel_sqlite::SqliteSink;
use super::ocel_xml::XmlSink;
use super::{ocel, xes, ExportError, Summary};

/// Export subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ExportCommand {
    /// Export workflow cases as OCEL 2.0; the file's extension picks the form: .json, .sqlite
    /// or .xml.
    Ocel(ExportArgs),
    /// Export workflow cases as XES (one trace per case).
    Xes(ExportArgs),
}

/// What to export, and where.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// Which cases: department=CODE (repeatable), task=ID, version=N, from=YYYY-MM-DD,
    /// to=YYYY-MM-DD (days of receipt, Beijing time), region=DIVISION.
    #[arg(long = "filter", value_name = "KEY=VALUE")]
    pub filter: Vec<String>,
    /// The file to write (must not exist).
    pub file: PathBuf,
}

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// OCEL 2.0 JSON.
    OcelJson,
    /// OCEL 2.0 XML.
    OcelXml,
    /// OCEL 2.0 SQLite.
    OcelSqlite,
    /// XES.
    Xes,
}

impl Format {
    /// The media type of a download.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::OcelJson => "application/json",
            Format::OcelXml => "application/xml",
            Format::OcelSqlite => "application/vnd.sqlite3",
            Format::Xes => "application/xml",
        }
    }
}

/// Streams the trail in a text format (JSON, XML, XES) into `w`.
pub async fn write_to(
    trail: &mut Trail,
    format: Format,
    w: impl AsyncWrite + Unpin + Send,
) -> Result<Summary, ExportError> {
    match format {
        Format::OcelJson => ocel::write(trail, &mut JsonSink::new(w)).await,
        Format::OcelXml => ocel::write(trail, &mut XmlSink::new(w)).await,
        Format::Xes => xes::write(trail, w).await,
        Format::OcelSqlite => Err(ExportError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "SQLite is written to a file",
        ))),
    }
}

/// Writes the export of the cases `filter` selects to a new file at `path` (through a
/// temporary file beside it, renamed when complete: a failed export leaves nothing).
pub async fn write_file(
    pool: &PgPool,
    filter: TrailFilter,
    format: Format,
    path: &Path,
) -> Result<Summary, ExportError> {
    if path.exists() {
        return Err(ExportError::Io(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{} already exists", path.display()),
        )));
    }
    let mut partial = path.as_os_str().to_owned();
    partial.push(format!(".partial-{}", uuid::Uuid::new_v4().simple()));
    let partial = PathBuf::from(partial);
    let result = async {
        let mut trail = Trail::open(pool, filter).await?;
        match format {
            Format::OcelSqlite => {
                let mut sink = SqliteSink::create(&partial).await?;
                ocel::write(&mut trail, &mut sink).await
            }
            _ => {
                let file = tokio::fs::File::create(&partial).await?;
                write_to(&mut trail, format, file).await
            }
        }
    }
    .await;
    match result {
        Ok(summary) => {
            tokio::fs::rename(&partial, path).await?;
            Ok(summary)
        }
        Err(e) => {
            let _ = tokio::fs::remove_file(&partial).await;
            Err(e)
        }
    }
}

fn format_of(command: &ExportCommand) -> anyhow::Result<(Format, &ExportArgs)> {
    match command {
        ExportCommand::Xes(args) => match extension(&args.file).as_deref() {
            Some("xes") => Ok((Format::Xes, args)),
            _ => anyhow::bail!(
                "{}: an XES export is written to a .xes file",
                args.file.display()
            ),
        },
        ExportCommand::Ocel(args) => match extension(&args.file).as_deref() {
            Some("json") => Ok((Format::OcelJson, args)),
            Some("xml") => Ok((Format::OcelXml, args)),
            Some("sqlite") => Ok((Format::OcelSqlite, args)),
            _ => anyhow::bail!(
                "{}: the extension picks the OCEL 2.0 form: .json, .sqlite or .xml",
                args.file.display()
            ),
        },
    }
}

fn extension(p: &Path) -> Option<String> {
    p.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// Runs an export subcommand.
pub async fn run(url: &str, command: &ExportCommand) -> anyhow::Result<Summary> {
    let (format, args) = format_of(command)?;
    let filter = parse_filter_args(&args.filter).map_err(|e| {
        anyhow::anyhow!(
            "{} ({}{})",
            e.message(),
            e.code().as_str(),
            e.rule().map(|r| format!(", {r}")).unwrap_or_default()
        )
    })?;
    let pool = db::connect(url, &PoolSettings::default()).await?;
    let started = std::time::Instant::now();
    let summary = write_file(&pool, filter, format, &args.file)
        .await
        .with_context(|| format!("exporting to {}", args.file.display()))?;
    tracing::info!(
        file = %args.file.display(),
        objects = summary.objects,
        events = summary.events,
        seconds = started.elapsed().as_secs_f64(),
        "export written"
    );
    Ok(summary)
}
