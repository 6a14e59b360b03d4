//! Importing lists kept in spreadsheets, and performance records from CSV or NDJSON files.
//!
//! - [`table`]: reading an XLSX sheet or a CSV file (UTF-8, or GB18030 as Excel in China
//!   writes it) into rows of text, with their row numbers.
//! - [`batch`]: the machinery the batch imports share (CSV or NDJSON read on a thread into
//!   batches, rejects with line numbers, a progress bar, a progress file to resume a killed run).
//! - [`calendar`]: years of the working-day calendar from files in the common JSON form
//!   (`data/calendar/`); re-running stores nothing twice.
//! - [`cases`]: workflow case events (办件) from CSV or NDJSON files, through [`batch`] and the
//!   case ingestor; re-running stores each event once.
//! - [`complaints`]: 12345 tickets from CSV or NDJSON, stored once by ticket number.
//! - [`power_list`]: power lists (权责清单) as departments keep them: tolerant of the header
//!   names used in practice, one command per row, a per-row report; re-running a file stores
//!   nothing twice.
//! - [`records`]: performance records (履职数据) from CSV or NDJSON files of any size, streamed
//!   in batches through [`batch`] and the ingestor, with a progress bar; re-running after an interruption
//!   stores each record once.
//! - [`scheme`]: indicator schemes from files in the scheme format (`data/schemes/`); loading
//!   the latest version's content again stores nothing.
//! - [`workflow`]: workflow charts (工作流程图), one row per step or sub-step, one chart per
//!   task published as a new version only when its content changed; a per-row report.

pub mod batch;
pub mod calendar;
pub mod cases;
pub mod complaints;
pub mod power_list;
pub mod records;
pub mod scheme;
pub mod table;
pub mod workflow;
