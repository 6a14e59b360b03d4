//! Importing performance records (履职数据) from CSV or NDJSON files of any size
//! (`dutyledger import records FILE`).
//!
//! The file is streamed: a reader thread parses it into batches while the previous batch is
//! being stored, so memory stays flat however long the file is. Each batch goes through
//! [`Ingestor::ingest`] (the checks and the one-transaction append of `recordWorkBatch`), and
//! every record ends up stored, duplicate (its record id was stored before) or rejected, with
//! its line number, code and reason. A malformed line (bad JSON, a wrong number of CSV columns)
//! is rejected like a record that breaks a rule (code `MALFORMED_LINE`); it never stops the
//! import.
//!
//! **Re-running is safe.** A record id already stored in its department is a duplicate and is
//! never stored twice, whether the earlier run finished or was killed halfway; this, not the
//! progress file below, is what makes a re-run correct. To spare a re-run the work of checking
//! again what an interrupted run stored, the import keeps a small progress file beside the input
//! (`FILE.progress`): the byte offset and line after the last committed batch and the counts so
//! far. It is written only after its batch commits, so it never runs ahead of the database. A
//! re-run starts after it if the input is unchanged (size, modification time, first 64 KiB) and
//! the database holds the last record it vouches for; otherwise, or with `--no-resume`, it checks
//! every line again (and counts the stored ones as duplicates). The file is removed once a run
//! has read the input to its end.
//!
//! Fields (CSV header names, NDJSON keys), in camelCase as in GraphQL or in snake_case:
//! `recordId`, `departmentId`, `unitId`, `postId`, `taskId`, `region`, `occurredAt`, `quantity`
//! (required), `level`, `timeTakenDays`, `onTime`, `source` (optional). Other columns and keys
//! are ignored. CSV files are read as UTF-8 or, failing that, GB18030 (as Excel in China writes
//! them); NDJSON values may be strings, numbers or booleans.

use std::borrow::Cow;
use std::collections::{BTreeSet, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, UNIX_EPOCH};

use dutyledger_domain::metadata::CommandMetadata;
use dutyledger_domain::performance::{stream_id, RawRecord, RecordInput, RecordRejection};
use dutyledger_projections::performance::{Ingestor, RecordStatus, MAX_BATCH};
use dutyledger_projections::{Cursor, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgPool;
use tokio::sync::mpsc;

use crate::auth::Actor;
use crate::context::new_request_id;

/// The default number of records per batch (one transaction each).
pub const DEFAULT_BATCH: usize = 2_000;

/// How many rejected records a report keeps (the rejects file gets them all).
pub const REPORTED_REJECTIONS: usize = 100;

/// The code of a line that is not a record at all (bad JSON, a wrong number of columns).
pub const MALFORMED_LINE: &str = "MALFORMED_LINE";

/// The file formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line (also called JSON Lines).
    Ndjson,
}

impl Format {
    /// The format a file name implies: `.csv`, or `.ndjson` / `.jsonl`.
    pub fn of(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Self::Csv),
            "ndjson" | "jsonl" => Some(Self::Ndjson),
            _ => None,
        }
    }
}

/// A field of a record, as files name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    RecordId,
    DepartmentId,
    UnitId,
    PostId,
    TaskId,
    Region,
    Level,
    OccurredAt,
    Quantity,
    TimeTakenDays,
    OnTime,
    Source,
}

impl Field {
    const ALL: [Field; 12] = [
        Field::RecordId,
        Field::DepartmentId,
        Field::UnitId,
        Field::PostId,
        Field::TaskId,
        Field::Region,
        Field::Level,
        Field::OccurredAt,
        Field::Quantity,
        Field::TimeTakenDays,
        Field::OnTime,
        Field::Source,
    ];

    /// The name in camelCase (as GraphQL spells it).
    fn name(self) -> &'static str {
        match self {
            Field::RecordId => "recordId",
            Field::DepartmentId => "departmentId",
            Field::UnitId => "unitId",
            Field::PostId => "postId",
            Field::TaskId => "taskId",
            Field::Region => "region",
            Field::Level => "level",
            Field::OccurredAt => "occurredAt",
            Field::Quantity => "quantity",
            Field::TimeTakenDays => "timeTakenDays",
            Field::OnTime => "onTime",
            Field::Source => "source",
        }
    }

    fn required(self) -> bool {
        !matches!(
            self,
            Field::Level | Field::TimeTakenDays | Field::OnTime | Field::Source
        )
    }

    /// The field a header or key names: camelCase or snake_case, any letter case.
    fn of(name: &str) -> Option<Self> {
        let key: String = name
            .trim()
            .trim_start_matches('\u{feff}')
            .chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        Self::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(&key))
    }

    fn slot(self, raw: &mut RawRecord) -> &mut Option<String> {
        match self {
            Field::RecordId => &mut raw.record_id,
            Field::DepartmentId => &mut raw.department_id,
            Field::UnitId => &mut raw.unit_id,
            Field::PostId => &mut raw.post_id,
            Field::TaskId => &mut raw.task_id,
            Field::Region => &mut raw.region,
            Field::Level => &mut raw.level,
            Field::OccurredAt => &mut raw.occurred_at,
            Field::Quantity => &mut raw.quantity,
            Field::TimeTakenDays => &mut raw.time_taken_days,
            Field::OnTime => &mut raw.on_time,
            Field::Source => &mut raw.source,
        }
    }
}

/// Why an import could not run (or stopped). Records that break a rule are not errors: they
/// are reported as rejected.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The format is neither given nor implied by the file name.
    #[error("{0}: pass --format csv or --format ndjson (the name ends in neither .csv, .ndjson nor .jsonl)")]
    UnknownFormat(String),
    /// The file could not be read.
    #[error("cannot read {0}: {1}")]
    Read(String, String),
    /// The CSV header does not name the fields a record needs.
    #[error("{0}: {1}")]
    Header(String, String),
    /// The rejects file could not be written.
    #[error("cannot write {0}: {1}")]
    Write(String, String),
    /// The database failed; the batches committed before stay stored, and a re-run continues.
    #[error("storing records failed: {0}")]
    Store(#[from] StoreError),
    /// The reader thread died.
    #[error("the file reader stopped unexpectedly")]
    Reader,
}

/// The import finished, but some records were rejected (the command exits with code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0} records were rejected")]
pub struct SomeRejected(pub u64);

/// How to import.
#[derive(Debug, Clone)]
pub struct Options {
    /// The format (default: from the file name).
    pub format: Option<Format>,
    /// Records per batch (one transaction each), at most [`MAX_BATCH`].
    pub batch_size: usize,
    /// Write every rejected line, with its code and reason, to this CSV file.
    pub rejects: Option<PathBuf>,
    /// Start after the last committed batch of an interrupted run, if its progress file
    /// matches the input (the default); `false` checks every line again.
    pub resume: bool,
    /// Where the progress file is kept (default: `FILE.progress` beside the input).
    pub progress_file: Option<PathBuf>,
    /// Show progress on stderr (an updating line on a terminal, else a line every 5 seconds).
    pub show_progress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            format: None,
            batch_size: DEFAULT_BATCH,
            rejects: None,
            resume: true,
            progress_file: None,
            show_progress: false,
        }
    }
}

/// Record counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Records read (lines that were not blank).
    pub read: u64,
    /// Stored now.
    pub stored: u64,
    /// Stored before (by an earlier run, or earlier in the file): not stored again.
    pub duplicates: u64,
    /// Rejected: malformed, or breaking a rule.
    pub rejected: u64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.read += other.read;
        self.stored += other.stored;
        self.duplicates += other.duplicates;
        self.rejected += other.rejected;
    }
}

/// A rejected record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rejection {
    /// The line it starts on (1-based; the CSV header is line 1).
    pub line: u64,
    /// Its record id, if it had one.
    pub record_id: Option<String>,
    /// The rule broken (`MALFORMED_LINE`, or a rejection code such as `POST_NOT_HOLDING_TASK`).
    pub code: &'static str,
    /// Why.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The file.
    pub file: String,
    /// Its format.
    pub format: Format,
    /// The line this run started at, when it resumed after an interrupted run.
    pub resumed_at_line: Option<u64>,
    /// What this run did.
    pub this_run: Counts,
    /// The whole file: this run and the interrupted runs it resumed.
    pub total: Counts,
    /// The first rejected records of this run ([`REPORTED_REJECTIONS`] at most).
    pub rejections: Vec<Rejection>,
    /// How long this run took.
    pub seconds: f64,
    /// The last stored event's place in the global order (wait for it to see the rollups).
    #[serde(skip)]
    pub cursor: Option<Cursor>,
}

impl Report {
    /// A one-line summary.
    pub fn summary(&self) -> String {
        let t = &self.total;
        let mut s = format!(
            "{}: {} records, {} stored, {} duplicates, {} rejected",
            self.file,
            grouped(t.read),
            grouped(t.stored),
            grouped(t.duplicates),
            grouped(t.rejected)
        );
        if let Some(line) = self.resumed_at_line {
            let r = &self.this_run;
            s.push_str(&format!(
                " (resumed at line {line}: this run read {}, stored {}, {} duplicates, {} rejected)",
                grouped(r.read),
                grouped(r.stored),
                grouped(r.duplicates),
                grouped(r.rejected)
            ));
        }
        s.push_str(&format!(
            " in {:.1} s ({}/s)",
            self.seconds,
            grouped(rate(self.this_run.read, self.seconds))
        ));
        s
    }

    /// Writes the rejected records as `line N: CODE: reason` (the first
    /// [`REPORTED_REJECTIONS`]), and how many more there were.
    pub fn write_rejections(&self, out: &mut impl Write) -> io::Result<()> {
        for r in &self.rejections {
            writeln!(out, "line {}: {}: {}", r.line, r.code, r.reason)?;
        }
        let more = self
            .this_run
            .rejected
            .saturating_sub(self.rejections.len() as u64);
        if more > 0 {
            writeln!(out, "... and {} more rejected records", grouped(more))?;
        }
        let earlier = self.total.rejected - self.this_run.rejected;
        if earlier > 0 {
            writeln!(
                out,
                "{} records were rejected by the interrupted run this one resumed (see its output or rejects file)",
                grouped(earlier)
            )?;
        }
        Ok(())
    }
}

fn rate(n: u64, seconds: f64) -> u64 {
    if seconds > 0.0 {
        (n as f64 / seconds) as u64
    } else {
        0
    }
}

/// `1234567` as `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let first = match digits.len() % 3 {
        0 => 3,
        r => r,
    };
    let (head, rest) = digits.split_at(first.min(digits.len()));
    let mut out = head.to_owned();
    for group in rest.as_bytes().chunks(3) {
        out.push(',');
        out.push_str(std::str::from_utf8(group).unwrap_or_default());
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Where the next record starts: byte offset, and line number (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Position {
    byte: u64,
    line: u64,
}

/// A record's text as the file has it, kept for the rejects file.
#[derive(Debug)]
enum Content {
    Csv(csv::ByteRecord, bool),
    Json(Vec<u8>),
}

impl Content {
    fn text(&self) -> String {
        match self {
            Content::Json(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            Content::Csv(record, gb18030) => {
                let mut gb = *gb18030;
                let cells: Vec<String> = record
                    .iter()
                    .map(|c| decode(c, &mut gb).into_owned())
                    .collect();
                let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
                if w.write_record(&cells).is_err() {
                    return cells.join(",");
                }
                let bytes = w.into_inner().unwrap_or_default();
                String::from_utf8_lossy(&bytes).trim_end().to_owned()
            }
        }
    }
}

/// One record read from the file.
#[derive(Debug)]
struct Item {
    line: u64,
    record_id: Option<String>,
    parsed: Result<RecordInput, (&'static str, String)>,
    content: Content,
}

fn rule(r: RecordRejection) -> (&'static str, String) {
    (r.code(), r.to_string())
}

/// Text of a CSV cell: UTF-8, or GB18030 once a cell is not UTF-8 (then for the rest of the
/// file; ASCII reads the same in both).
fn decode<'a>(bytes: &'a [u8], gb18030: &mut bool) -> Cow<'a, str> {
    if !*gb18030 {
        match std::str::from_utf8(bytes) {
            Ok(s) => return Cow::Borrowed(s),
            Err(_) => *gb18030 = true,
        }
    }
    encoding_rs::GB18030.decode_without_bom_handling(bytes).0
}

/// A file that notes where its line breaks are as it is read, so that records get their true
/// line numbers: the csv crate's own count is off after blank lines and with CRLF line ends.
struct Newlines<R> {
    inner: R,
    offset: u64,
    ahead: VecDeque<u64>,
}

impl<R: Read> Read for Newlines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' {
                self.ahead.push_back(self.offset + i as u64);
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for Newlines<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let at = self.inner.seek(pos)?;
        self.offset = at;
        self.ahead.clear();
        Ok(at)
    }
}

struct CsvSource {
    reader: csv::Reader<Newlines<File>>,
    /// Line breaks before `counted_to`.
    newlines: u64,
    columns: Vec<Option<Field>>,
    record_id_column: Option<usize>,
    gb18030: bool,
}

impl CsvSource {
    fn open(path: &Path, start: Option<Position>) -> Result<Self, ImportError> {
        let name = path.display().to_string();
        let read_error = |e: &dyn std::fmt::Display| ImportError::Read(name.clone(), e.to_string());
        let file = File::open(path).map_err(|e| read_error(&e))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(Newlines {
                inner: file,
                offset: 0,
                ahead: VecDeque::new(),
            });
        let mut header = csv::ByteRecord::new();
        if !reader
            .read_byte_record(&mut header)
            .map_err(|e| read_error(&e))?
        {
            return Err(ImportError::Header(name, "the file is empty".into()));
        }
        let mut gb18030 = false;
        let names: Vec<String> = header
            .iter()
            .map(|h| decode(h, &mut gb18030).trim().to_owned())
            .collect();
        let columns: Vec<Option<Field>> = names.iter().map(|h| Field::of(h)).collect();
        for f in Field::ALL {
            if columns.iter().filter(|c| **c == Some(f)).count() > 1 {
                return Err(ImportError::Header(
                    name,
                    format!("the header names {} twice", f.name()),
                ));
            }
        }
        let missing: Vec<&str> = Field::ALL
            .into_iter()
            .filter(|f| f.required() && !columns.contains(&Some(*f)))
            .map(Field::name)
            .collect();
        if !missing.is_empty() {
            return Err(ImportError::Header(
                name,
                format!(
                    "the header (line 1) lacks the columns {} (it has: {})",
                    missing.join(", "),
                    names.join(", ")
                ),
            ));
        }
        let ignored: Vec<&str> = names
            .iter()
            .zip(&columns)
            .filter(|(_, c)| c.is_none())
            .map(|(n, _)| n.as_str())
            .collect();
        if !ignored.is_empty() {
            tracing::warn!(columns = ?ignored, "ignoring columns that are not record fields");
        }
        let mut newlines = 0;
        if let Some(start) = start {
            let mut p = csv::Position::new();
            p.set_byte(start.byte).set_line(start.line).set_record(0);
            reader.seek(p).map_err(|e| read_error(&e))?;
            newlines = start.line.saturating_sub(1);
        }
        let record_id_column = columns.iter().position(|c| *c == Some(Field::RecordId));
        Ok(Self {
            reader,
            newlines,
            columns,
            record_id_column,
            gb18030,
        })
    }

    fn next(&mut self, name: &str) -> Result<Option<Item>, ImportError> {
        let mut record = csv::ByteRecord::new();
        loop {
            if !self
                .reader
                .read_byte_record(&mut record)
                .map_err(|e| ImportError::Read(name.to_owned(), e.to_string()))?
            {
                return Ok(None);
            }
            if !record.iter().all(|c| c.trim_ascii().is_empty()) {
                break;
            }
        }
        // The line the record starts on: the line of its last byte (or of its terminator's first
        // byte), less the line breaks inside its quoted fields.
        let end = self.reader.position().byte();
        let inner = record
            .iter()
            .map(|c| c.iter().filter(|b| **b == b'\n').count() as u64)
            .sum::<u64>();
        let line = 1 + self.newlines_before(end.saturating_sub(1)) - inner;
        let mut gb = self.gb18030;
        let record_id = self
            .record_id_column
            .and_then(|i| record.get(i))
            .map(|c| decode(c, &mut gb).trim().to_owned())
            .filter(|c| !c.is_empty());
        let parsed = if record.len() != self.columns.len() {
            Err((
                MALFORMED_LINE,
                format!(
                    "{} columns where the header has {}",
                    record.len(),
                    self.columns.len()
                ),
            ))
        } else {
            let mut raw = RawRecord::default();
            for (field, cell) in self.columns.iter().zip(record.iter()) {
                if let Some(field) = field {
                    let text = decode(cell, &mut gb);
                    let text = text.trim();
                    if !text.is_empty() {
                        *field.slot(&mut raw) = Some(text.to_owned());
                    }
                }
            }
            raw.parse().map_err(rule)
        };
        if gb && !self.gb18030 {
            tracing::info!(line, "the file is not UTF-8: reading it as GB18030");
        }
        self.gb18030 = gb;
        Ok(Some(Item {
            line,
            record_id,
            parsed,
            content: Content::Csv(record, gb),
        }))
    }

    /// Line breaks before `byte` (at or after the last byte asked about).
    fn newlines_before(&mut self, byte: u64) -> u64 {
        let ahead = &mut self.reader.get_mut().ahead;
        while ahead.front().is_some_and(|&at| at < byte) {
            ahead.pop_front();
            self.newlines += 1;
        }
        self.newlines
    }

    fn position(&mut self) -> Position {
        let byte = self.reader.position().byte();
        Position {
            byte,
            line: 1 + self.newlines_before(byte),
        }
    }
}

struct NdjsonSource {
    reader: BufReader<File>,
    next: Position,
    ignored: BTreeSet<String>,
}

impl NdjsonSource {
    fn open(path: &Path, start: Option<Position>) -> Result<Self, ImportError> {
        let read_error =
            |e: io::Error| ImportError::Read(path.display().to_string(), e.to_string());
        let mut file = File::open(path).map_err(read_error)?;
        let next = start.unwrap_or(Position { byte: 0, line: 1 });
        file.seek(SeekFrom::Start(next.byte)).map_err(read_error)?;
        Ok(Self {
            reader: BufReader::with_capacity(1 << 16, file),
            next,
            ignored: BTreeSet::new(),
        })
    }

    fn next(&mut self, name: &str) -> Result<Option<Item>, ImportError> {
        loop {
            let mut buf = Vec::new();
            let n = self
                .reader
                .read_until(b'\n', &mut buf)
                .map_err(|e| ImportError::Read(name.to_owned(), e.to_string()))?;
            if n == 0 {
                return Ok(None);
            }
            let line = self.next.line;
            self.next.byte += n as u64;
            self.next.line += 1;
            while buf.last().is_some_and(|b| matches!(b, b'\n' | b'\r')) {
                buf.pop();
            }
            if line == 1 && buf.starts_with(b"\xEF\xBB\xBF") {
                buf.drain(..3);
            }
            if buf.trim_ascii().is_empty() {
                continue;
            }
            return Ok(Some(self.item(line, buf)));
        }
    }

    fn item(&mut self, line: u64, bytes: Vec<u8>) -> Item {
        let (record_id, parsed) =
            match serde_json::from_slice::<serde_json::Map<String, Value>>(&bytes) {
                Err(e) => (
                    None,
                    Err((MALFORMED_LINE, format!("not a JSON object: {e}"))),
                ),
                Ok(object) => {
                    let mut raw = RawRecord::default();
                    let mut wrong_type = None;
                    for (key, value) in object {
                        let Some(field) = Field::of(&key) else {
                            if self.ignored.len() < 20 && self.ignored.insert(key.clone()) {
                                tracing::warn!(
                                    key,
                                    line,
                                    "ignoring a key that is not a record field"
                                );
                            }
                            continue;
                        };
                        match json_text(value) {
                            Ok(text) => *field.slot(&mut raw) = text,
                            Err(kind) => {
                                wrong_type.get_or_insert(RecordRejection::Invalid {
                                    field: field.name(),
                                    reason: format!(
                                        "expected a string, a number or a boolean, found {kind}"
                                    ),
                                });
                            }
                        }
                    }
                    let record_id = raw.record_id.clone();
                    let parsed = match wrong_type {
                        Some(r) => Err(rule(r)),
                        None => raw.parse().map_err(rule),
                    };
                    (record_id, parsed)
                }
            };
        Item {
            line,
            record_id,
            parsed,
            content: Content::Json(bytes),
        }
    }
}

/// A JSON value as the text [`RawRecord`] holds: strings as they are, numbers and booleans
/// written out, null as absent.
fn json_text(value: Value) -> Result<Option<String>, &'static str> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Array(_) => Err("an array"),
        Value::Object(_) => Err("an object"),
    }
}

enum Source {
    Csv(CsvSource),
    Ndjson(NdjsonSource),
}

impl Source {
    fn open(path: &Path, format: Format, start: Option<Position>) -> Result<Self, ImportError> {
        Ok(match format {
            Format::Csv => Source::Csv(CsvSource::open(path, start)?),
            Format::Ndjson => Source::Ndjson(NdjsonSource::open(path, start)?),
        })
    }

    fn next(&mut self, name: &str) -> Result<Option<Item>, ImportError> {
        match self {
            Source::Csv(s) => s.next(name),
            Source::Ndjson(s) => s.next(name),
        }
    }

    fn position(&mut self) -> Position {
        match self {
            Source::Csv(s) => s.position(),
            Source::Ndjson(s) => s.next,
        }
    }
}

/// A batch of records and where the record after them starts.
#[derive(Debug)]
struct Batch {
    items: Vec<Item>,
    next: Position,
}

/// Reads the whole source into batches (runs on a blocking thread). Stops early when the
/// receiver is gone.
fn read_batches(
    mut source: Source,
    name: String,
    batch_size: usize,
    tx: mpsc::Sender<Result<Batch, ImportError>>,
) {
    loop {
        let mut items = Vec::with_capacity(batch_size);
        while items.len() < batch_size {
            match source.next(&name) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => break,
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
        let last = items.len() < batch_size;
        if !items.is_empty() {
            let batch = Batch {
                items,
                next: source.position(),
            };
            if tx.blocking_send(Ok(batch)).is_err() {
                return;
            }
        }
        if last {
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The progress file

/// What identifies the input: a changed file is not resumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileStamp {
    size: u64,
    modified_ns: u64,
    head_fnv: String,
    format: Format,
}

impl FileStamp {
    fn of(path: &Path, format: Format) -> io::Result<Self> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64);
        let mut head = Vec::with_capacity(1 << 16);
        file.take(1 << 16).read_to_end(&mut head)?;
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in &head {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        Ok(Self {
            size: meta.len(),
            modified_ns,
            head_fnv: format!("{h:016x}"),
            format,
        })
    }
}

/// The rejects file as the last committed batch left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RejectsStamp {
    path: String,
    len: u64,
}

/// The progress file: how far the committed batches reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Checkpoint {
    input: FileStamp,
    next: Position,
    /// The stream of a record the committed batches stored (or found stored): a re-run
    /// resumes only if this database holds it.
    last_stream: Option<String>,
    counts: Counts,
    rejects: Option<RejectsStamp>,
}

/// The default progress file of an input: `FILE.progress` beside it.
pub fn default_progress_file(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".progress");
    path.with_file_name(name)
}

fn load_checkpoint(path: &Path) -> Option<Checkpoint> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn save_checkpoint(path: &Path, checkpoint: &Checkpoint) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, serde_json::to_vec(checkpoint)?)?;
    std::fs::rename(&tmp, path)
}

async fn stream_exists(pool: &PgPool, stream: &str) -> Result<bool, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM events WHERE aggregate_type = 'performance_record' \
         AND aggregate_id = $1 AND sequence = 1)",
    )
    .bind(stream)
    .fetch_one(pool)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// Progress on stderr

struct Meter {
    enabled: bool,
    tty: bool,
    label: String,
    size: u64,
    started: Instant,
    last: Option<Instant>,
    drawn: bool,
}

impl Meter {
    fn new(enabled: bool, label: String, size: u64) -> Self {
        Self {
            enabled,
            tty: io::stderr().is_terminal(),
            label,
            size,
            started: Instant::now(),
            last: None,
            drawn: false,
        }
    }

    fn show(&mut self, total: &Counts, this_run_read: u64, byte: u64, force: bool) {
        if !self.enabled {
            return;
        }
        let every = if self.tty {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(5)
        };
        if !force && self.last.is_some_and(|l| l.elapsed() < every) {
            return;
        }
        self.last = Some(Instant::now());
        let percent = if self.size == 0 {
            100.0
        } else {
            byte as f64 * 100.0 / self.size as f64
        };
        let text = format!(
            "{}: {} read, {} stored, {} duplicates, {} rejected, {}/s, {:.0}%",
            self.label,
            grouped(total.read),
            grouped(total.stored),
            grouped(total.duplicates),
            grouped(total.rejected),
            grouped(rate(this_run_read, self.started.elapsed().as_secs_f64())),
            percent.min(100.0)
        );
        let mut err = io::stderr().lock();
        let _ = if self.tty {
            self.drawn = true;
            write!(err, "\r\x1b[2K{text}").and_then(|()| err.flush())
        } else {
            writeln!(err, "{text}")
        };
    }

    fn finish(&mut self) {
        if self.drawn {
            let _ = writeln!(io::stderr());
            self.drawn = false;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The import

struct Rejects {
    path: PathBuf,
    writer: csv::Writer<File>,
}

impl Rejects {
    fn open(path: &Path, resume_at: Option<u64>) -> io::Result<Self> {
        let (file, fresh) = match resume_at {
            Some(len) => {
                let mut file = OpenOptions::new().write(true).open(path)?;
                file.set_len(len)?;
                file.seek(SeekFrom::End(0))?;
                (file, len == 0)
            }
            None => (File::create(path)?, true),
        };
        let mut writer = csv::WriterBuilder::new().from_writer(file);
        if fresh {
            writer.write_record(["line", "recordId", "code", "reason", "content"])?;
        }
        Ok(Self {
            path: path.to_owned(),
            writer,
        })
    }

    fn write(&mut self, r: &Rejection, content: &Content) -> io::Result<()> {
        self.writer.write_record([
            r.line.to_string().as_str(),
            r.record_id.as_deref().unwrap_or(""),
            r.code,
            r.reason.as_str(),
            content.text().as_str(),
        ])?;
        Ok(())
    }

    /// Flushes, and returns the file's length.
    fn commit(&mut self) -> io::Result<u64> {
        self.writer.flush()?;
        Ok(self.writer.get_ref().metadata()?.len())
    }
}

/// Imports a file of records. Returns the report once the file is read to its end; on an
/// error, the batches committed so far stay stored and a re-run continues after them.
pub async fn import(pool: &PgPool, path: &Path, options: &Options) -> Result<Report, ImportError> {
    let started = Instant::now();
    let name = path.display().to_string();
    let format = options
        .format
        .or_else(|| Format::of(path))
        .ok_or_else(|| ImportError::UnknownFormat(name.clone()))?;
    let batch_size = options.batch_size.clamp(1, MAX_BATCH);
    let stamp =
        FileStamp::of(path, format).map_err(|e| ImportError::Read(name.clone(), e.to_string()))?;

    // Resume after an interrupted run?
    let progress_path = options
        .progress_file
        .clone()
        .unwrap_or_else(|| default_progress_file(path));
    let mut checkpoint = match load_checkpoint(&progress_path) {
        Some(c) if !options.resume => {
            tracing::info!(progress = %progress_path.display(), line = c.next.line,
                "--no-resume: checking every line again");
            None
        }
        Some(c) if c.input != stamp => {
            tracing::warn!(progress = %progress_path.display(),
                "the progress file belongs to another version of the file: checking every line");
            None
        }
        Some(c) => match &c.last_stream {
            Some(s) if !stream_exists(pool, s).await? => {
                tracing::warn!(progress = %progress_path.display(),
                    "the database does not hold the records the progress file vouches for: checking every line");
                None
            }
            _ => Some(c),
        },
        None => None,
    };
    if let Some(c) = &checkpoint {
        tracing::info!(
            line = c.next.line,
            records = c.counts.read,
            "resuming after the last committed batch of an interrupted run (--no-resume checks every line again)"
        );
    }
    let start = checkpoint.as_ref().map(|c| c.next);

    let rejects_name = options.rejects.as_ref().map(|p| p.display().to_string());
    let mut rejects = match &options.rejects {
        Some(p) => {
            let resume_len = checkpoint
                .as_ref()
                .and_then(|c| c.rejects.as_ref())
                .filter(|r| Some(&r.path) == rejects_name.as_ref())
                .map(|r| r.len);
            Some(
                Rejects::open(p, resume_len)
                    .map_err(|e| ImportError::Write(p.display().to_string(), e.to_string()))?,
            )
        }
        None => None,
    };

    let source = Source::open(path, format, start)?;
    let (tx, mut rx) = mpsc::channel(2);
    let reader = {
        let name = name.clone();
        tokio::task::spawn_blocking(move || read_batches(source, name, batch_size, tx))
    };

    let ingestor = Ingestor::new(pool.clone());
    let actor = Actor::system("import");
    let meta = CommandMetadata::new(actor.id(), new_request_id());
    let mut total = checkpoint.as_ref().map(|c| c.counts).unwrap_or_default();
    let mut this_run = Counts::default();
    let mut last_stream = checkpoint.as_ref().and_then(|c| c.last_stream.clone());
    let mut reported: Vec<Rejection> = Vec::new();
    let mut cursor: Option<Cursor> = None;
    let mut meter = Meter::new(options.show_progress, name.clone(), stamp.size);
    let mut save_progress = true;

    while let Some(batch) = rx.recv().await {
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                meter.finish();
                return Err(e);
            }
        };
        let mut counts = Counts {
            read: batch.items.len() as u64,
            ..Counts::default()
        };
        let mut rejected: Vec<(Rejection, Content)> = Vec::new();
        let mut inputs = Vec::with_capacity(batch.items.len());
        let mut pending = Vec::with_capacity(batch.items.len());
        for item in batch.items {
            match item.parsed {
                Ok(input) => {
                    let stream = stream_id(&input.department_id, &input.record_id);
                    inputs.push((item.record_id.clone(), Ok(input)));
                    pending.push((item.line, item.record_id, item.content, stream));
                }
                Err((code, reason)) => rejected.push((
                    Rejection {
                        line: item.line,
                        record_id: item.record_id,
                        code,
                        reason,
                    },
                    item.content,
                )),
            }
        }
        if !inputs.is_empty() {
            let outcome = match ingestor.ingest(inputs, &meta).await {
                Ok(o) => o,
                Err(e) => {
                    meter.finish();
                    return Err(e.into());
                }
            };
            if let Some(c) = outcome.cursor {
                cursor = Some(cursor.map_or(c, |old: Cursor| old.max(c)));
            }
            for (o, (line, record_id, content, stream)) in outcome.outcomes.into_iter().zip(pending)
            {
                match o.status {
                    RecordStatus::Stored | RecordStatus::Duplicate => {
                        if o.status == RecordStatus::Stored {
                            counts.stored += 1;
                        } else {
                            counts.duplicates += 1;
                        }
                        last_stream = Some(stream);
                    }
                    RecordStatus::Rejected => {
                        let (code, reason) = o
                            .rejection
                            .map_or_else(|| ("REJECTED", "rejected".to_owned()), rule);
                        rejected.push((
                            Rejection {
                                line,
                                record_id,
                                code,
                                reason,
                            },
                            content,
                        ));
                    }
                }
            }
        }
        // The batch is committed: report it, then move the progress file past it.
        rejected.sort_by_key(|(r, _)| r.line);
        counts.rejected = rejected.len() as u64;
        if let Some(out) = rejects.as_mut() {
            for (r, content) in &rejected {
                out.write(r, content).map_err(|e| {
                    ImportError::Write(out.path.display().to_string(), e.to_string())
                })?;
            }
        }
        let rejects_len =
            match rejects.as_mut() {
                Some(out) => Some(out.commit().map_err(|e| {
                    ImportError::Write(out.path.display().to_string(), e.to_string())
                })?),
                None => None,
            };
        for (r, _) in rejected {
            if reported.len() < REPORTED_REJECTIONS {
                reported.push(r);
            }
        }
        this_run.add(&counts);
        total.add(&counts);
        let c = Checkpoint {
            input: stamp.clone(),
            next: batch.next,
            last_stream: last_stream.clone(),
            counts: total,
            rejects: rejects_name
                .clone()
                .zip(rejects_len)
                .map(|(path, len)| RejectsStamp { path, len }),
        };
        if save_progress {
            if let Err(e) = save_checkpoint(&progress_path, &c) {
                tracing::warn!(progress = %progress_path.display(), error = %e,
                    "cannot write the progress file: a re-run will check every line again");
                save_progress = false;
            }
        }
        checkpoint = Some(c);
        meter.show(&total, this_run.read, batch.next.byte, false);
    }
    // The channel closed: either the reader read the whole file, or it died.
    reader.await.map_err(|_| ImportError::Reader)?;
    meter.show(&total, this_run.read, stamp.size, true);
    meter.finish();
    if checkpoint.is_some() {
        match std::fs::remove_file(&progress_path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(progress = %progress_path.display(), error = %e, "cannot remove the progress file")
            }
        }
    }
    Ok(Report {
        file: name,
        format,
        resumed_at_line: start.map(|s| s.line),
        this_run,
        total,
        rejections: reported,
        seconds: started.elapsed().as_secs_f64(),
        cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, content: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dl-records-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, content).expect("write");
        path
    }

    fn dept() -> String {
        dutyledger_domain::values::CreditCode::from_parts('1', '1', "371300", "00435012")
            .expect("code")
            .to_string()
    }

    fn csv_text() -> String {
        CSV.replace("DEPT", &dept())
    }

    fn read_all(path: &Path, format: Format, start: Option<Position>) -> Vec<Item> {
        let mut source = Source::open(path, format, start).expect("opens");
        let mut items = Vec::new();
        while let Some(item) = source.next("test").expect("reads") {
            items.push(item);
        }
        items
    }

    const CSV: &str =
        "record_id,departmentId,unit_id,postId,task_id,region,occurred_at,quantity,on_time,note\n\
        r1,DEPT,u1,p1,t1,371300000000,2021-01-01T00:00:00Z,1,是,x\n\
        \n\
        r2,DEPT,u1,p1,t1,371300000000,2021-01-02T00:00:00Z,2\n\
        \"r3\",DEPT,u1,p1,t1,371300000000,2021-01-03T00:00:00Z,0,,\"two\nlines\"\n\
        r4,DEPT,u1,p1,t1,371300000000,2021-01-04T00:00:00Z,4,false,\n";

    #[test]
    fn headers_in_camel_or_snake_case_name_the_fields() {
        assert_eq!(Field::of("recordId"), Some(Field::RecordId));
        assert_eq!(Field::of("record_id"), Some(Field::RecordId));
        assert_eq!(Field::of(" TIME_TAKEN_DAYS "), Some(Field::TimeTakenDays));
        assert_eq!(Field::of("\u{feff}recordId"), Some(Field::RecordId));
        assert_eq!(Field::of("note"), None);
        assert_eq!(Format::of(Path::new("a.JSONL")), Some(Format::Ndjson));
        assert_eq!(Format::of(Path::new("a.txt")), None);
    }

    #[test]
    fn csv_rows_carry_their_line_numbers_and_a_short_row_is_malformed() {
        let path = temp("lines.csv", csv_text().as_bytes());
        let items = read_all(&path, Format::Csv, None);
        let lines: Vec<u64> = items.iter().map(|i| i.line).collect();
        assert_eq!(lines, [2, 4, 5, 7]);
        assert!(items[0].parsed.is_ok(), "{:?}", items[0].parsed);
        assert_eq!(items[0].parsed.as_ref().map(|p| p.on_time), Ok(Some(true)));
        let malformed = items[1].parsed.as_ref().expect_err("short row");
        assert_eq!(malformed.0, MALFORMED_LINE);
        assert_eq!(items[1].record_id.as_deref(), Some("r2"));
        assert_eq!(
            items[2].parsed.as_ref().expect_err("quantity 0").0,
            "INVALID_QUANTITY"
        );
        assert!(items[3].parsed.is_ok());
    }

    #[test]
    fn csv_line_numbers_hold_with_crlf_line_ends_and_without_a_final_one() {
        let text = csv_text().replace('\n', "\r\n");
        let path = temp("crlf.csv", text.trim_end().as_bytes());
        let items = read_all(&path, Format::Csv, None);
        let lines: Vec<u64> = items.iter().map(|i| i.line).collect();
        assert_eq!(lines, [2, 4, 5, 7]);
        let mut source = Source::open(&path, Format::Csv, None).expect("opens");
        source.next("t").expect("reads").expect("r1");
        let at = source.position();
        assert_eq!(at.line, 2, "{at:?}");
        let rest = read_all(&path, Format::Csv, Some(at));
        assert_eq!(rest.iter().map(|i| i.line).collect::<Vec<_>>(), [4, 5, 7]);
    }

    #[test]
    fn csv_resumes_at_a_saved_position_with_the_same_records_and_lines() {
        let path = temp("resume.csv", csv_text().as_bytes());
        let mut source = Source::open(&path, Format::Csv, None).expect("opens");
        source.next("t").expect("reads").expect("r1");
        source.next("t").expect("reads").expect("r2");
        let at = source.position();
        let rest = read_all(&path, Format::Csv, Some(at));
        let ids: Vec<(u64, Option<String>)> =
            rest.iter().map(|i| (i.line, i.record_id.clone())).collect();
        assert_eq!(ids, [(5, Some("r3".into())), (7, Some("r4".into()))]);
    }

    #[test]
    fn a_csv_header_without_required_columns_is_refused() {
        let path = temp("bad-header.csv", b"recordId,quantity\nr1,1\n");
        let Err(ImportError::Header(_, reason)) = Source::open(&path, Format::Csv, None) else {
            panic!("refused");
        };
        assert!(reason.contains("departmentId"), "{reason}");
    }

    #[test]
    fn gb18030_cells_are_decoded() {
        let text = "recordId,departmentId,unitId,postId,taskId,region,occurredAt,quantity,onTime\n\
             r1,DEPT,u1,p1,t1,371300000000,2021-01-01T00:00:00Z,1,否\n"
            .replace("DEPT", &dept());
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        let path = temp("gb.csv", &bytes);
        let items = read_all(&path, Format::Csv, None);
        assert_eq!(items[0].parsed.as_ref().map(|p| p.on_time), Ok(Some(false)));
        assert!(items[0].content.text().ends_with(",否"));
    }

    #[test]
    fn ndjson_takes_numbers_and_booleans_and_rejects_bad_lines_in_place() {
        let text = "{\"recordId\":\"r1\",\"departmentId\":\"DEPT\",\"unitId\":\"u1\",\"postId\":\"p1\",\"taskId\":\"t1\",\"region\":\"371300000000\",\"occurredAt\":\"2021-01-01T00:00:00Z\",\"quantity\":3,\"timeTakenDays\":2,\"onTime\":true,\"extra\":1}\r\n\
            \n\
            {\"recordId\": \"r2\", oops}\n\
            [1,2]\n\
            {\"recordId\":\"r3\",\"quantity\":[1]}\n"
            .replace("DEPT", &dept());
        let path = temp("lines.ndjson", text.as_bytes());
        let items = read_all(&path, Format::Ndjson, None);
        let lines: Vec<u64> = items.iter().map(|i| i.line).collect();
        assert_eq!(lines, [1, 3, 4, 5]);
        let first = items[0].parsed.as_ref().expect("valid");
        assert_eq!(first.quantity.get(), 3);
        assert_eq!(first.time_taken_days, Some(2));
        assert_eq!(first.on_time, Some(true));
        assert_eq!(
            items[1].parsed.as_ref().expect_err("bad json").0,
            MALFORMED_LINE
        );
        assert_eq!(
            items[2].parsed.as_ref().expect_err("array").0,
            MALFORMED_LINE
        );
        assert_eq!(
            items[3].parsed.as_ref().expect_err("wrong type").0,
            "INVALID_QUANTITY"
        );
        assert_eq!(items[3].record_id.as_deref(), Some("r3"));

        let mut source = Source::open(&path, Format::Ndjson, None).expect("opens");
        source.next("t").expect("reads");
        let rest = read_all(&path, Format::Ndjson, Some(source.position()));
        assert_eq!(rest.iter().map(|i| i.line).collect::<Vec<_>>(), [3, 4, 5]);
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(12_345_678), "12,345,678");
    }
}
