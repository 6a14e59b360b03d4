//! Process-mining exports of workflow cases (issue 17, ADR 0017): the case trail as OCEL 2.0
//! (JSON, SQLite, XML) and as XES (IEEE 1849), streamed from the log as rows arrive (memory
//! flat in the number of cases), for the CLI (`dutyledger export ocel|xes`) and the HTTP
//! downloads (`/export/...`).
//!
//! - [`filter`]: the filter (`department`, `task`, `version`, `from`, `to`, `region`), parsed
//!   from `KEY=VALUE` pairs (CLI flags or query parameters).
//! - [`ocel`]: the OCEL 2.0 model (object and event types, qualifiers) and the driver that
//!   turns the trail into objects and events for a [`ocel::OcelSink`].
//! - [`ocel_json`], [`ocel_xml`], [`ocel_sqlite`]: the three OCEL 2.0 writers.
//! - [`xes`]: the XES writer (one trace per case).
//! - [`cli`]: the `export` subcommands.
//! - [`http`]: the authenticated, streamed downloads.

pub mod cli;
pub mod filter;
pub mod http;
pub mod ocel;
pub mod ocel_json;
pub mod ocel_sqlite;
pub mod ocel_xml;
pub mod xes;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use dutyledger_projections::StoreError;
use tokio::io::{AsyncWrite, AsyncWriteExt};

pub use cli::ExportCommand;
pub use filter::parse_filter;

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Objects (OCEL) or traces (XES).
    pub objects: u64,
    /// Events.
    pub events: u64,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the trail failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the output failed.
    #[error("writing the export failed: {0}")]
    Io(#[from] std::io::Error),
    /// Writing the SQLite file failed.
    #[error("writing the SQLite file failed: {0}")]
    Sqlite(#[source] sqlx::Error),
}

/// Beijing time (UTC+8), in which exported times are written.
fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("eight hours is a valid offset")
}

/// A time as RFC 3339 with its offset (Beijing time, `+08:00`).
pub fn time(t: DateTime<Utc>) -> String {
    t.with_timezone(&beijing())
        .to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// The time of attributes that do not change (OCEL 2.0's convention: the epoch).
pub const STATIC_TIME: &str = "1970-01-01T00:00:00Z";

/// A buffered output: text is collected and written out in chunks of about 64 KiB, so that a
/// download starts at once and memory stays flat.
#[derive(Debug)]
pub struct Out<W> {
    w: W,
    buf: Vec<u8>,
}

const CHUNK: usize = 64 << 10;

impl<W: AsyncWrite + Unpin + Send> Out<W> {
    /// An output to `w`.
    pub fn new(w: W) -> Self {
        Self {
            w,
            buf: Vec::with_capacity(CHUNK * 2),
        }
    }

    /// Appends text.
    pub fn push(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// Writes out what is buffered once it is a chunk.
    pub async fn flush_if_full(&mut self) -> std::io::Result<()> {
        if self.buf.len() >= CHUNK {
            self.w.write_all(&self.buf).await?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes out everything and flushes.
    pub async fn finish(&mut self) -> std::io::Result<()> {
        self.w.write_all(&self.buf).await?;
        self.buf.clear();
        self.w.flush().await?;
        self.w.shutdown().await
    }
}

/// Escapes text for XML content and attribute values.
pub fn xml_escape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_carry_the_beijing_offset() {
        let t = DateTime::parse_from_rfc3339("2025-09-29T01:30:00Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("time");
        assert_eq!(time(t), "2025-09-29T09:30:00+08:00");
    }

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(xml_escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(xml_escape("受理"), "受理");
    }
}
