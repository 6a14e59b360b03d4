//! The machinery that the batch imports (`import records`, `import cases`) share: reading a
//! CSV or NDJSON file of any size into batches on a reader thread, storing each batch through
//! an idempotent ingestor, reporting every rejected line with its line number and code (and a
//! rejects file kept in step), a progress bar, and the progress file that lets a killed run
//! resume (ADR 0009).
//!
//! What differs per import is a [`Kind`]: the fields of one item (their names, which are
//! required, where each goes in the raw text shape), how the raw shape is parsed, and the
//! ingestor that stores a batch. [`import`] does the rest.
//!
//! **Re-running is safe.** An item already stored is a duplicate and is never stored twice,
//! whether the earlier run finished or was killed halfway; this, not the progress file below,
//! is what makes a re-run correct. To spare a re-run the work of checking again what an
//! interrupted run stored, the import keeps a small progress file beside the input
//! (`FILE.progress`): the byte offset and line after the last committed batch and the counts so
//! far. It is written only after its batch commits, so it never runs ahead of the database. A
//! re-run starts after it if the input is unchanged (size, modification time, first 64 KiB) and
//! the database holds the last event it vouches for; otherwise, or with `--no-resume`, it
//! checks every line again (and counts the stored ones as duplicates). The file is removed once
//! a run has read the input to its end.
//!
//! Header names and NDJSON keys are matched in camelCase or snake_case, any letter case; other
//! columns and keys are ignored. CSV files are read as UTF-8 or, failing that, GB18030 (as
//! Excel in China writes them); NDJSON values may be strings, numbers or booleans.

use std::borrow::Cow;
use std::collections::{BTreeSet, VecDeque};
use std::fmt::Debug;
use std::fs::{File, OpenOptions};
use std::future::Future;
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, UNIX_EPOCH};

use dutyledger_domain::metadata::CommandMetadata;
use dutyledger_projections::{Cursor, StoreError};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use sqlx::PgPool;
use tokio::sync::mpsc;

use crate::auth::Actor;
use crate::context::new_request_id;

/// The default number of items per batch (one transaction each).
pub const DEFAULT_BATCH: usize = 2_000;

/// How many rejected items a report keeps (the rejects file gets them all).
pub const REPORTED_REJECTIONS: usize = 100;

/// The code of a line that is not an item at all (bad JSON, a wrong number of columns).
pub const MALFORMED_LINE: &str = "MALFORMED_LINE";

/// A rule broken: its code and why.
pub type Refused = (&'static str, String);

/// What one import reads and stores: the fields of an item, its parsing, and its ingestor.
pub trait Kind: Send + Sync + 'static {
    /// The item as text, field by field (`RawRecord`, `RawCaseEvent`).
    type Raw: Default;
    /// The parsed item.
    type Input: Send + 'static;
    /// A field, as files name it.
    type Field: Copy + Eq + Debug + Send + Sync + 'static;

    /// What the items are called in reports ("records", "case events").
    const NOUN: &'static str;
    /// The item's own id, as the report and the rejects file name it (`recordId`, `caseId`).
    const ID_KEY: &'static str;
    /// The aggregate type of the streams the items are stored in.
    const AGGREGATE_TYPE: &'static str;
    /// Every field.
    const FIELDS: &'static [Self::Field];
    /// The field that holds the item's own id.
    const ID_FIELD: Self::Field;
    /// The most items one batch may carry.
    const MAX_BATCH: usize;

    /// The field's name in camelCase (as GraphQL spells it).
    fn name(field: Self::Field) -> &'static str;
    /// Whether a CSV header must have the field.
    fn required(field: Self::Field) -> bool;
    /// Where the field's text goes.
    fn slot(field: Self::Field, raw: &mut Self::Raw) -> &mut Option<String>;
    /// Parses the text into an item.
    fn parse(raw: &Self::Raw) -> Result<Self::Input, Refused>;
    /// The rule broken by an NDJSON value of the wrong type (an array, an object).
    fn wrong_type(field: Self::Field, reason: String) -> Refused;
    /// Stores a batch (at most [`Kind::MAX_BATCH`] items, each with its id) in one
    /// transaction; one [`Outcome`] per item, in order.
    fn store(
        &self,
        items: Vec<(Option<String>, Self::Input)>,
        meta: &CommandMetadata,
    ) -> impl Future<Output = Result<Stored, StoreError>> + Send;
}

/// What became of one stored item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stored now, as this event of this stream.
    Stored {
        /// The stream.
        stream: String,
        /// The event's sequence in it.
        sequence: i64,
    },
    /// Stored before (by an earlier run, or earlier in the file), as this event.
    Duplicate {
        /// The stream.
        stream: String,
        /// The original's sequence in it.
        sequence: i64,
    },
    /// Refused by a rule.
    Rejected(Refused),
}

/// The result of storing a batch.
#[derive(Debug, Clone, Default)]
pub struct Stored {
    /// One per item, in the batch's order.
    pub outcomes: Vec<Outcome>,
    /// The last stored event's place in the global order.
    pub cursor: Option<Cursor>,
}

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

/// The field a header or key names: camelCase or snake_case, any letter case.
pub fn field_of<K: Kind>(name: &str) -> Option<K::Field> {
    let key: String = name
        .trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect();
    K::FIELDS
        .iter()
        .copied()
        .find(|f| K::name(*f).eq_ignore_ascii_case(&key))
}

/// Why an import could not run (or stopped). Items that break a rule are not errors: they are
/// reported as rejected.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The format is neither given nor implied by the file name.
    #[error("{0}: pass --format csv or --format ndjson (the name ends in neither .csv, .ndjson nor .jsonl)")]
    UnknownFormat(String),
    /// The file could not be read.
    #[error("cannot read {0}: {1}")]
    Read(String, String),
    /// The CSV header does not name the fields an item needs.
    #[error("{0}: {1}")]
    Header(String, String),
    /// The rejects file could not be written.
    #[error("cannot write {0}: {1}")]
    Write(String, String),
    /// The database failed; the batches committed before stay stored, and a re-run continues.
    #[error("storing failed: {0}")]
    Store(#[from] StoreError),
    /// The reader thread died.
    #[error("the file reader stopped unexpectedly")]
    Reader,
}

/// The import finished, but some items were rejected (the command exits with code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0} {1} were rejected")]
pub struct SomeRejected(pub u64, pub &'static str);

/// How to import.
#[derive(Debug, Clone)]
pub struct Options {
    /// The format (default: from the file name).
    pub format: Option<Format>,
    /// Items per batch (one transaction each), at most the kind's `MAX_BATCH`.
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

/// Item counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Items read (lines that were not blank).
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

/// A rejected item. Serialised with its id under the kind's key (`recordId`, `caseId`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The line it starts on (1-based; the CSV header is line 1).
    pub line: u64,
    /// Its own id (record id, case id), if it had one.
    pub id: Option<String>,
    /// The rule broken (`MALFORMED_LINE`, or a rejection code such as `POST_NOT_HOLDING_TASK`).
    pub code: &'static str,
    /// Why.
    pub reason: String,
    id_key: &'static str,
}

impl Serialize for Rejection {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("line", &self.line)?;
        map.serialize_entry(self.id_key, &self.id)?;
        map.serialize_entry("code", self.code)?;
        map.serialize_entry("reason", &self.reason)?;
        map.end()
    }
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
    /// The first rejected items of this run ([`REPORTED_REJECTIONS`] at most).
    pub rejections: Vec<Rejection>,
    /// How long this run took.
    pub seconds: f64,
    /// The last stored event's place in the global order (wait for it to see the read models).
    #[serde(skip)]
    pub cursor: Option<Cursor>,
    /// What the items are called ("records", "case events").
    #[serde(skip)]
    pub noun: &'static str,
}

impl Report {
    /// A one-line summary.
    pub fn summary(&self) -> String {
        let t = &self.total;
        let mut s = format!(
            "{}: {} {}, {} stored, {} duplicates, {} rejected",
            self.file,
            grouped(t.read),
            self.noun,
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

    /// Writes the rejected items as `line N: CODE: reason` (the first
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
            writeln!(out, "... and {} more rejected {}", grouped(more), self.noun)?;
        }
        let earlier = self.total.rejected - self.this_run.rejected;
        if earlier > 0 {
            writeln!(
                out,
                "{} {} were rejected by the interrupted run this one resumed (see its output or rejects file)",
                grouped(earlier),
                self.noun
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
pub fn grouped(n: u64) -> String {
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

/// Where the next item starts: byte offset, and line number (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Position {
    pub(crate) byte: u64,
    pub(crate) line: u64,
}

/// An item's text as the file has it, kept for the rejects file.
#[derive(Debug)]
pub(crate) enum Content {
    Csv(csv::ByteRecord, bool),
    Json(Vec<u8>),
}

impl Content {
    pub(crate) fn text(&self) -> String {
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

/// One item read from the file.
#[derive(Debug)]
pub(crate) struct Item<K: Kind> {
    pub(crate) line: u64,
    pub(crate) id: Option<String>,
    pub(crate) parsed: Result<K::Input, Refused>,
    pub(crate) content: Content,
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

/// A file that notes where its line breaks are as it is read, so that items get their true
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

pub(crate) struct CsvSource<K: Kind> {
    reader: csv::Reader<Newlines<File>>,
    /// Line breaks before `counted_to`.
    newlines: u64,
    columns: Vec<Option<K::Field>>,
    id_column: Option<usize>,
    gb18030: bool,
}

impl<K: Kind> CsvSource<K> {
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
        let columns: Vec<Option<K::Field>> = names.iter().map(|h| field_of::<K>(h)).collect();
        for &f in K::FIELDS {
            if columns.iter().filter(|c| **c == Some(f)).count() > 1 {
                return Err(ImportError::Header(
                    name,
                    format!("the header names {} twice", K::name(f)),
                ));
            }
        }
        let missing: Vec<&str> = K::FIELDS
            .iter()
            .copied()
            .filter(|f| K::required(*f) && !columns.contains(&Some(*f)))
            .map(K::name)
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
            tracing::warn!(columns = ?ignored, "ignoring columns that are not {} fields", K::NOUN);
        }
        let mut newlines = 0;
        if let Some(start) = start {
            let mut p = csv::Position::new();
            p.set_byte(start.byte).set_line(start.line).set_record(0);
            reader.seek(p).map_err(|e| read_error(&e))?;
            newlines = start.line.saturating_sub(1);
        }
        let id_column = columns.iter().position(|c| *c == Some(K::ID_FIELD));
        Ok(Self {
            reader,
            newlines,
            columns,
            id_column,
            gb18030,
        })
    }

    fn next(&mut self, name: &str) -> Result<Option<Item<K>>, ImportError> {
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
        let id = self
            .id_column
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
            let mut raw = K::Raw::default();
            for (field, cell) in self.columns.iter().zip(record.iter()) {
                if let Some(field) = field {
                    let text = decode(cell, &mut gb);
                    let text = text.trim();
                    if !text.is_empty() {
                        *K::slot(*field, &mut raw) = Some(text.to_owned());
                    }
                }
            }
            K::parse(&raw)
        };
        if gb && !self.gb18030 {
            tracing::info!(line, "the file is not UTF-8: reading it as GB18030");
        }
        self.gb18030 = gb;
        Ok(Some(Item {
            line,
            id,
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

pub(crate) struct NdjsonSource<K> {
    reader: BufReader<File>,
    next: Position,
    ignored: BTreeSet<String>,
    kind: std::marker::PhantomData<K>,
}

impl<K: Kind> NdjsonSource<K> {
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
            kind: std::marker::PhantomData,
        })
    }

    fn next(&mut self, name: &str) -> Result<Option<Item<K>>, ImportError> {
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

    fn item(&mut self, line: u64, bytes: Vec<u8>) -> Item<K> {
        let (id, parsed) = match serde_json::from_slice::<serde_json::Map<String, Value>>(&bytes) {
            Err(e) => (
                None,
                Err((MALFORMED_LINE, format!("not a JSON object: {e}"))),
            ),
            Ok(object) => {
                let mut raw = K::Raw::default();
                let mut wrong_type = None;
                for (key, value) in object {
                    let Some(field) = field_of::<K>(&key) else {
                        if self.ignored.len() < 20 && self.ignored.insert(key.clone()) {
                            tracing::warn!(
                                key,
                                line,
                                "ignoring a key that is not a field of {}",
                                K::NOUN
                            );
                        }
                        continue;
                    };
                    match json_text(value) {
                        Ok(text) => *K::slot(field, &mut raw) = text,
                        Err(kind) => {
                            wrong_type.get_or_insert_with(|| {
                                K::wrong_type(
                                    field,
                                    format!(
                                        "expected a string, a number or a boolean, found {kind}"
                                    ),
                                )
                            });
                        }
                    }
                }
                let id = K::slot(K::ID_FIELD, &mut raw).clone();
                let parsed = match wrong_type {
                    Some(r) => Err(r),
                    None => K::parse(&raw),
                };
                (id, parsed)
            }
        };
        Item {
            line,
            id,
            parsed,
            content: Content::Json(bytes),
        }
    }
}

/// A JSON value as the text of a raw item: strings as they are, numbers and booleans
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

pub(crate) enum Source<K: Kind> {
    Csv(CsvSource<K>),
    Ndjson(NdjsonSource<K>),
}

impl<K: Kind> Source<K> {
    pub(crate) fn open(
        path: &Path,
        format: Format,
        start: Option<Position>,
    ) -> Result<Self, ImportError> {
        Ok(match format {
            Format::Csv => Source::Csv(CsvSource::open(path, start)?),
            Format::Ndjson => Source::Ndjson(NdjsonSource::open(path, start)?),
        })
    }

    pub(crate) fn next(&mut self, name: &str) -> Result<Option<Item<K>>, ImportError> {
        match self {
            Source::Csv(s) => s.next(name),
            Source::Ndjson(s) => s.next(name),
        }
    }

    pub(crate) fn position(&mut self) -> Position {
        match self {
            Source::Csv(s) => s.position(),
            Source::Ndjson(s) => s.next,
        }
    }
}

/// A batch of items and where the item after them starts.
struct Batch<K: Kind> {
    items: Vec<Item<K>>,
    next: Position,
}

/// Reads the whole source into batches (runs on a blocking thread). Stops early when the
/// receiver is gone.
fn read_batches<K: Kind>(
    mut source: Source<K>,
    name: String,
    batch_size: usize,
    tx: mpsc::Sender<Result<Batch<K>, ImportError>>,
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
    /// The stream of an item the committed batches stored (or found stored): a re-run
    /// resumes only if this database holds it.
    last_stream: Option<String>,
    /// That item's sequence in its stream (absent: 1, the first event, as for a record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_sequence: Option<i64>,
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

async fn event_exists(
    pool: &PgPool,
    aggregate_type: &str,
    stream: &str,
    sequence: i64,
) -> Result<bool, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM events WHERE aggregate_type = $1 \
         AND aggregate_id = $2 AND sequence = $3)",
    )
    .bind(aggregate_type)
    .bind(stream)
    .bind(sequence)
    .fetch_one(pool)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// Progress on stderr

struct Meter {
    enabled: bool,
    noun: &'static str,
    tty: bool,
    label: String,
    size: u64,
    started: Instant,
    last: Option<Instant>,
    drawn: bool,
}

impl Meter {
    fn new(enabled: bool, noun: &'static str, label: String, size: u64) -> Self {
        Self {
            enabled,
            noun,
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
            "{}: {} {} read, {} stored, {} duplicates, {} rejected, {}/s, {:.0}%",
            self.label,
            grouped(total.read),
            self.noun,
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
    fn open(path: &Path, id_key: &str, resume_at: Option<u64>) -> io::Result<Self> {
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
            writer.write_record(["line", id_key, "code", "reason", "content"])?;
        }
        Ok(Self {
            path: path.to_owned(),
            writer,
        })
    }

    fn write(&mut self, r: &Rejection, content: &Content) -> io::Result<()> {
        self.writer.write_record([
            r.line.to_string().as_str(),
            r.id.as_deref().unwrap_or(""),
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

/// Imports a file of items of kind `K`, stored through `kind`. Returns the report once the
/// file is read to its end; on an error, the batches committed so far stay stored and a re-run
/// continues after them.
pub async fn import<K: Kind>(
    kind: &K,
    pool: &PgPool,
    path: &Path,
    options: &Options,
) -> Result<Report, ImportError> {
    let started = Instant::now();
    let name = path.display().to_string();
    let format = options
        .format
        .or_else(|| Format::of(path))
        .ok_or_else(|| ImportError::UnknownFormat(name.clone()))?;
    let batch_size = options.batch_size.clamp(1, K::MAX_BATCH);
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
            Some(s)
                if !event_exists(pool, K::AGGREGATE_TYPE, s, c.last_sequence.unwrap_or(1))
                    .await? =>
            {
                tracing::warn!(progress = %progress_path.display(),
                    "the database does not hold what the progress file vouches for: checking every line");
                None
            }
            _ => Some(c),
        },
        None => None,
    };
    if let Some(c) = &checkpoint {
        tracing::info!(
            line = c.next.line,
            items = c.counts.read,
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
                Rejects::open(p, K::ID_KEY, resume_len)
                    .map_err(|e| ImportError::Write(p.display().to_string(), e.to_string()))?,
            )
        }
        None => None,
    };

    let source = Source::<K>::open(path, format, start)?;
    let (tx, mut rx) = mpsc::channel(2);
    let reader = {
        let name = name.clone();
        tokio::task::spawn_blocking(move || read_batches(source, name, batch_size, tx))
    };

    let actor = Actor::system("import");
    let meta = CommandMetadata::new(actor.id(), new_request_id());
    let mut total = checkpoint.as_ref().map(|c| c.counts).unwrap_or_default();
    let mut this_run = Counts::default();
    let mut last_stream = checkpoint.as_ref().and_then(|c| c.last_stream.clone());
    let mut last_sequence = checkpoint.as_ref().and_then(|c| c.last_sequence);
    let mut reported: Vec<Rejection> = Vec::new();
    let mut cursor: Option<Cursor> = None;
    let mut meter = Meter::new(options.show_progress, K::NOUN, name.clone(), stamp.size);
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
        let reject = |line, id, (code, reason): Refused| Rejection {
            line,
            id,
            code,
            reason,
            id_key: K::ID_KEY,
        };
        for item in batch.items {
            match item.parsed {
                Ok(input) => {
                    inputs.push((item.id.clone(), input));
                    pending.push((item.line, item.id, item.content));
                }
                Err(refused) => rejected.push((reject(item.line, item.id, refused), item.content)),
            }
        }
        if !inputs.is_empty() {
            let outcome = match kind.store(inputs, &meta).await {
                Ok(o) => o,
                Err(e) => {
                    meter.finish();
                    return Err(e.into());
                }
            };
            if let Some(c) = outcome.cursor {
                cursor = Some(cursor.map_or(c, |old: Cursor| old.max(c)));
            }
            for (o, (line, id, content)) in outcome.outcomes.into_iter().zip(pending) {
                match o {
                    Outcome::Stored { stream, sequence } => {
                        counts.stored += 1;
                        last_stream = Some(stream);
                        last_sequence = (sequence != 1).then_some(sequence);
                    }
                    Outcome::Duplicate { stream, sequence } => {
                        counts.duplicates += 1;
                        last_stream = Some(stream);
                        last_sequence = (sequence != 1).then_some(sequence);
                    }
                    Outcome::Rejected(refused) => {
                        rejected.push((reject(line, id, refused), content));
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
            last_sequence,
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
        noun: K::NOUN,
    })
}
