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
//! never stored twice, whether the earlier run finished or was killed halfway; a progress file
//! beside the input (`FILE.progress`) lets a re-run start after the last batch an interrupted
//! run committed. The reading, the batches, the progress file and the report are the shared
//! machinery of [`super::batch`]; this module says what a record is and how a batch is stored.
//!
//! Fields (CSV header names, NDJSON keys), in camelCase as in GraphQL or in snake_case:
//! `recordId`, `departmentId`, `unitId`, `postId`, `taskId`, `region`, `occurredAt`, `quantity`
//! (required), `level`, `timeTakenDays`, `onTime`, `source` (optional). Other columns and keys
//! are ignored. CSV files are read as UTF-8 or, failing that, GB18030 (as Excel in China writes
//! them); NDJSON values may be strings, numbers or booleans.

use std::path::Path;

use dutyledger_domain::metadata::CommandMetadata;
use dutyledger_domain::performance::{stream_id, RawRecord, RecordInput, RecordRejection};
use dutyledger_projections::performance::{Ingestor, RecordStatus, MAX_BATCH};
use dutyledger_projections::StoreError;
use sqlx::PgPool;

pub use super::batch::{
    default_progress_file, Counts, Format, ImportError, Options, Rejection, Report, DEFAULT_BATCH,
    MALFORMED_LINE, REPORTED_REJECTIONS,
};
use super::batch::{Kind, Outcome, Refused, Stored};

/// The import finished, but some records were rejected (the command exits with code 2).
pub type SomeRejected = super::batch::SomeRejected;

/// A field of a record, as files name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `recordId`
    RecordId,
    /// `departmentId`
    DepartmentId,
    /// `unitId`
    UnitId,
    /// `postId`
    PostId,
    /// `taskId`
    TaskId,
    /// `region`
    Region,
    /// `level`
    Level,
    /// `occurredAt`
    OccurredAt,
    /// `quantity`
    Quantity,
    /// `timeTakenDays`
    TimeTakenDays,
    /// `onTime`
    OnTime,
    /// `source`
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
    pub fn name(self) -> &'static str {
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
    #[cfg(test)]
    fn of(name: &str) -> Option<Self> {
        super::batch::field_of::<Records>(name)
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

/// Performance records, stored through the [`Ingestor`] of `recordWorkBatch`.
#[derive(Debug, Clone)]
pub struct Records(Ingestor);

impl Records {
    /// Records stored in `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self(Ingestor::new(pool))
    }
}

fn rule(r: RecordRejection) -> Refused {
    (r.code(), r.to_string())
}

impl Kind for Records {
    type Raw = RawRecord;
    type Input = RecordInput;
    type Field = Field;

    const NOUN: &'static str = "records";
    const ID_KEY: &'static str = "recordId";
    const AGGREGATE_TYPE: &'static str = "performance_record";
    const FIELDS: &'static [Field] = &Field::ALL;
    const ID_FIELD: Field = Field::RecordId;
    const MAX_BATCH: usize = MAX_BATCH;

    fn name(field: Field) -> &'static str {
        field.name()
    }

    fn required(field: Field) -> bool {
        field.required()
    }

    fn slot(field: Field, raw: &mut RawRecord) -> &mut Option<String> {
        field.slot(raw)
    }

    fn parse(raw: &RawRecord) -> Result<RecordInput, Refused> {
        raw.parse().map_err(rule)
    }

    fn wrong_type(field: Field, reason: String) -> Refused {
        rule(RecordRejection::Invalid {
            field: field.name(),
            reason,
        })
    }

    async fn store(
        &self,
        items: Vec<(Option<String>, RecordInput)>,
        meta: &CommandMetadata,
    ) -> Result<Stored, StoreError> {
        let streams: Vec<String> = items
            .iter()
            .map(|(_, input)| stream_id(&input.department_id, &input.record_id))
            .collect();
        let batch = items
            .into_iter()
            .map(|(id, input)| (id, Ok(input)))
            .collect();
        let outcome = self.0.ingest(batch, meta).await?;
        let outcomes = outcome
            .outcomes
            .into_iter()
            .zip(streams)
            .map(|(o, stream)| match o.status {
                RecordStatus::Stored => Outcome::Stored {
                    stream,
                    sequence: 1,
                },
                RecordStatus::Duplicate => Outcome::Duplicate {
                    stream,
                    sequence: 1,
                },
                RecordStatus::Rejected => Outcome::Rejected(
                    o.rejection
                        .map_or_else(|| ("REJECTED", "rejected".to_owned()), rule),
                ),
            })
            .collect();
        Ok(Stored {
            outcomes,
            cursor: outcome.cursor,
        })
    }
}

/// Imports a file of records. Returns the report once the file is read to its end; on an
/// error, the batches committed so far stay stored and a re-run continues after them.
pub async fn import(pool: &PgPool, path: &Path, options: &Options) -> Result<Report, ImportError> {
    super::batch::import(&Records::new(pool.clone()), pool, path, options).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::batch::{self, grouped, Position};
    use std::path::PathBuf;

    type Item = batch::Item<Records>;
    type Source = batch::Source<Records>;

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
        assert_eq!(items[1].id.as_deref(), Some("r2"));
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
        let ids: Vec<(u64, Option<String>)> = rest.iter().map(|i| (i.line, i.id.clone())).collect();
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
        assert_eq!(items[3].id.as_deref(), Some("r3"));

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
