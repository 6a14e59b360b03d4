//! Importing workflow case events (办件) from CSV or NDJSON files of any size
//! (`dutyledger import cases FILE`).
//!
//! One line is one case event in the flat shape of [`RawCaseEvent`] (the shape of
//! `recordCaseEventsBatch`): `departmentId`, `caseId`, `kind`, `at` (required as CSV columns),
//! and as the kind needs them `taskId`, `version`, `region`, `applicant`, `statutoryLimitDays`,
//! `step`, `postId`, `days`, `reason`, `outcome`. A case's events must come in time order (a
//! later line of the same case is a later event). Each batch goes through the [`CaseIngestor`]
//! (the checks against the case, its pinned chart version, the structure and the calendar, and
//! the one-transaction append), so a line is stored, a duplicate (the same event of the case
//! was stored before) or rejected with its line number and code.
//!
//! The reading, the batches, the progress file that lets a killed run resume, the rejects file
//! and the report are the shared machinery of [`super::batch`] (ADR 0009): re-running a file,
//! whole or after a kill, stores nothing twice.

use std::path::Path;

use dutyledger_domain::case::{self as domain, CaseInput, CaseRejection, RawCaseEvent};
use dutyledger_domain::metadata::CommandMetadata;
use dutyledger_projections::cases::{CaseIngestor, CaseStatus, MAX_BATCH};
use dutyledger_projections::StoreError;
use sqlx::PgPool;

pub use super::batch::ImportError;
use super::batch::{Kind, Options, Outcome, Refused, Report, Stored};

/// A field of a case event, as files name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `departmentId`
    DepartmentId,
    /// `caseId`
    CaseId,
    /// `kind`
    Kind,
    /// `at`
    At,
    /// `taskId`
    TaskId,
    /// `version`
    Version,
    /// `region`
    Region,
    /// `applicant`
    Applicant,
    /// `statutoryLimitDays`
    StatutoryLimitDays,
    /// `step`
    Step,
    /// `postId`
    PostId,
    /// `days`
    Days,
    /// `reason`
    Reason,
    /// `outcome`
    Outcome,
}

impl Field {
    const ALL: [Field; 14] = [
        Field::DepartmentId,
        Field::CaseId,
        Field::Kind,
        Field::At,
        Field::TaskId,
        Field::Version,
        Field::Region,
        Field::Applicant,
        Field::StatutoryLimitDays,
        Field::Step,
        Field::PostId,
        Field::Days,
        Field::Reason,
        Field::Outcome,
    ];

    /// The name in camelCase (as GraphQL spells it).
    pub fn name(self) -> &'static str {
        match self {
            Field::DepartmentId => "departmentId",
            Field::CaseId => "caseId",
            Field::Kind => "kind",
            Field::At => "at",
            Field::TaskId => "taskId",
            Field::Version => "version",
            Field::Region => "region",
            Field::Applicant => "applicant",
            Field::StatutoryLimitDays => "statutoryLimitDays",
            Field::Step => "step",
            Field::PostId => "postId",
            Field::Days => "days",
            Field::Reason => "reason",
            Field::Outcome => "outcome",
        }
    }

    fn slot(self, raw: &mut RawCaseEvent) -> &mut Option<String> {
        match self {
            Field::DepartmentId => &mut raw.department_id,
            Field::CaseId => &mut raw.case_id,
            Field::Kind => &mut raw.kind,
            Field::At => &mut raw.at,
            Field::TaskId => &mut raw.task_id,
            Field::Version => &mut raw.version,
            Field::Region => &mut raw.region,
            Field::Applicant => &mut raw.applicant,
            Field::StatutoryLimitDays => &mut raw.statutory_limit_days,
            Field::Step => &mut raw.step,
            Field::PostId => &mut raw.post_id,
            Field::Days => &mut raw.days,
            Field::Reason => &mut raw.reason,
            Field::Outcome => &mut raw.outcome,
        }
    }
}

/// Case events, stored through the [`CaseIngestor`] of `recordCaseEventsBatch`.
#[derive(Debug, Clone)]
pub struct Cases(CaseIngestor);

impl Cases {
    /// Case events stored in `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self(CaseIngestor::new(pool))
    }
}

fn rule(r: CaseRejection) -> Refused {
    (r.code(), r.to_string())
}

impl Kind for Cases {
    type Raw = RawCaseEvent;
    type Input = CaseInput;
    type Field = Field;

    const NOUN: &'static str = "case events";
    const ID_KEY: &'static str = "caseId";
    const AGGREGATE_TYPE: &'static str = domain::TYPE;
    const FIELDS: &'static [Field] = &Field::ALL;
    const ID_FIELD: Field = Field::CaseId;
    const MAX_BATCH: usize = MAX_BATCH;

    fn name(field: Field) -> &'static str {
        field.name()
    }

    fn required(field: Field) -> bool {
        matches!(
            field,
            Field::DepartmentId | Field::CaseId | Field::Kind | Field::At
        )
    }

    fn slot(field: Field, raw: &mut RawCaseEvent) -> &mut Option<String> {
        field.slot(raw)
    }

    fn parse(raw: &RawCaseEvent) -> Result<CaseInput, Refused> {
        raw.parse().map_err(rule)
    }

    fn wrong_type(field: Field, reason: String) -> Refused {
        rule(CaseRejection::Invalid {
            field: field.name(),
            reason,
        })
    }

    async fn store(
        &self,
        items: Vec<(Option<String>, CaseInput)>,
        meta: &CommandMetadata,
    ) -> Result<Stored, StoreError> {
        let batch = items.into_iter().map(|(_, input)| Ok(input)).collect();
        let outcome = self.0.ingest(batch, meta).await?;
        let outcomes = outcome
            .outcomes
            .into_iter()
            .map(|o| match (o.status, o.stream, o.sequence) {
                (CaseStatus::Stored, Some(stream), Some(sequence)) => {
                    Outcome::Stored { stream, sequence }
                }
                (CaseStatus::Duplicate, Some(stream), Some(sequence)) => {
                    Outcome::Duplicate { stream, sequence }
                }
                (status, _, _) => Outcome::Rejected(
                    o.rejection
                        .map_or_else(|| ("REJECTED", format!("not stored ({status:?})")), rule),
                ),
            })
            .collect();
        Ok(Stored {
            outcomes,
            cursor: outcome.cursor,
        })
    }
}

/// Imports a file of case events. Returns the report once the file is read to its end; on an
/// error, the batches committed so far stay stored and a re-run continues after them.
pub async fn import(pool: &PgPool, path: &Path, options: &Options) -> Result<Report, ImportError> {
    super::batch::import(&Cases::new(pool.clone()), pool, path, options).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::batch::{self, field_of, Format};

    #[test]
    fn every_field_of_a_raw_case_event_has_a_column() {
        let mut raw = RawCaseEvent::default();
        for (i, f) in Field::ALL.into_iter().enumerate() {
            assert_eq!(field_of::<Cases>(f.name()), Some(f));
            *f.slot(&mut raw) = Some(i.to_string());
        }
        let json = serde_json::to_value(&raw).expect("json");
        for (i, f) in Field::ALL.into_iter().enumerate() {
            assert_eq!(json[f.name()], i.to_string(), "{}", f.name());
        }
        assert_eq!(
            field_of::<Cases>("statutory_limit_days"),
            Some(Field::StatutoryLimitDays)
        );
    }

    #[test]
    fn a_csv_line_is_parsed_or_rejected_with_its_code_in_place() {
        let dir = std::env::temp_dir().join(format!("dl-cases-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("cases.csv");
        let dept =
            dutyledger_domain::values::CreditCode::from_parts('1', '1', "371300", "00435012")
                .expect("code")
                .to_string();
        std::fs::write(
            &path,
            format!(
                "departmentId,caseId,kind,at,step,note\n\
                 {dept},c1,STEP_STARTED,2025-03-03T09:00:00+08:00,受理,x\n\
                 {dept},c1,LOST,2025-03-03T09:00:00+08:00,,\n"
            ),
        )
        .expect("write");
        let mut source = batch::Source::<Cases>::open(&path, Format::Csv, None).expect("opens");
        let first = source.next("t").expect("reads").expect("line 2");
        assert_eq!((first.line, first.id.as_deref()), (2, Some("c1")));
        assert!(first.parsed.is_ok());
        let second = source.next("t").expect("reads").expect("line 3");
        assert_eq!(second.line, 3);
        assert_eq!(second.parsed.err().map(|e| e.0), Some("INVALID_KIND"));
        assert!(source.next("t").expect("reads").is_none());
    }
}
