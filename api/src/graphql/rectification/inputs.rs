//! The rectification area's inputs and their parsing into domain values.

use async_graphql::{InputObject, ID};
use chrono::{DateTime, Utc};
use dutyledger_domain::finding::{EvidenceLink, Subject, Target};
use dutyledger_domain::rectification::Attachment;
use dutyledger_domain::values::{CreditCode, EntityId, Name, Text};

use super::types::{EvidenceKind, FindingKind, ReviewOutcome, Severity};
use crate::graphql::kit::CommandOptions;
use crate::service::{parse_field, AppError};

fn id(field: &str, value: &Option<ID>) -> Result<Option<EntityId>, AppError> {
    value
        .as_ref()
        .map(|v| parse_field(field, EntityId::parse(v)))
        .transpose()
}

fn text(field: &'static str, value: &str) -> Result<Text, AppError> {
    parse_field(field, Text::parse_field(field, value))
}

/// A piece of evidence.
#[derive(InputObject, Debug, Clone)]
pub struct EvidenceLinkInput {
    /// What it points at.
    pub kind: EvidenceKind,
    /// The cursor, id or ticket number (1 to 200 characters).
    pub reference: String,
    /// A note.
    pub note: Option<String>,
}

/// Raise a finding.
#[derive(InputObject, Debug, Clone)]
pub struct RaiseFindingInput {
    /// Its id (absent: the command id, else a new one).
    pub finding_id: Option<ID>,
    /// The department.
    pub department_id: String,
    /// The round it is raised in, if any.
    pub round_id: Option<ID>,
    /// A unit it is about.
    pub unit_id: Option<ID>,
    /// A task it is about.
    pub task_id: Option<ID>,
    /// A post it is about.
    pub post_id: Option<ID>,
    /// A power-list item it is about.
    pub power_item_id: Option<ID>,
    /// A boundary matter it is about.
    pub matter_id: Option<ID>,
    /// Its kind.
    pub kind: FindingKind,
    /// How serious.
    pub severity: Severity,
    /// What was found.
    pub description: String,
    /// The evidence (at most 200).
    pub evidence: Option<Vec<EvidenceLinkInput>>,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

impl RaiseFindingInput {
    /// The id and what the finding says, parsed.
    pub fn parse(&self) -> Result<(EntityId, Subject), AppError> {
        let finding = self.options.entity_or_new("findingId", &self.finding_id)?;
        let evidence = self
            .evidence
            .iter()
            .flatten()
            .map(|e| {
                let reference = e.reference.trim();
                if reference.is_empty() || reference.chars().count() > 200 {
                    return Err(AppError::bad_input(
                        "evidence.reference",
                        "1 to 200 characters",
                    ));
                }
                Ok(EvidenceLink {
                    kind: e.kind.into(),
                    reference: reference.to_owned(),
                    note: e
                        .note
                        .as_deref()
                        .map(|n| text("evidence.note", n))
                        .transpose()?,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok((
            finding,
            Subject {
                department_id: parse_field("departmentId", CreditCode::parse(&self.department_id))?,
                round_id: id("roundId", &self.round_id)?,
                target: Target {
                    unit_id: id("unitId", &self.unit_id)?,
                    task_id: id("taskId", &self.task_id)?,
                    post_id: id("postId", &self.post_id)?,
                    power_item_id: id("powerItemId", &self.power_item_id)?,
                    matter_id: id("matterId", &self.matter_id)?,
                },
                kind: self.kind.into(),
                severity: self.severity.into(),
                description: text("description", &self.description)?,
                evidence,
            },
        ))
    }
}

/// Propose findings from the data for a round's departments.
#[derive(InputObject, Debug, Clone)]
pub struct ProposeFindingsInput {
    /// The round.
    pub round_id: ID,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Confirm or dismiss a finding.
#[derive(InputObject, Debug, Clone)]
pub struct FindingDecisionInput {
    /// The finding.
    pub finding_id: ID,
    /// Why (required to dismiss).
    pub reason: Option<String>,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Ask for a formal review of a finding.
#[derive(InputObject, Debug, Clone)]
pub struct RequestFindingReviewInput {
    /// The finding.
    pub finding_id: ID,
    /// The request's id (absent: the command id, else a new one).
    pub request_id: Option<ID>,
    /// Why.
    pub reason: String,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Decide a review of a finding.
#[derive(InputObject, Debug, Clone)]
pub struct DecideFindingReviewInput {
    /// The finding.
    pub finding_id: ID,
    /// The request.
    pub request_id: ID,
    /// The outcome.
    pub outcome: ReviewOutcome,
    /// Why.
    pub reason: String,
    /// For `CHANGED`: the new severity.
    pub severity: Option<Severity>,
    /// For `CHANGED`: the new description.
    pub description: Option<String>,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Issue a rectification order.
#[derive(InputObject, Debug, Clone)]
pub struct IssueOrderInput {
    /// Its id (absent: the command id, else a new one).
    pub order_id: Option<ID>,
    /// The department.
    pub department_id: String,
    /// The findings it rectifies (1 to 100; standing, the department's).
    pub finding_ids: Vec<ID>,
    /// The round, if any.
    pub round_id: Option<ID>,
    /// What must be done.
    pub requirement: String,
    /// Working days to the due date (1 to 365), counted on the working-day calendar.
    pub due_in_working_days: i32,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

impl IssueOrderInput {
    /// The parts, parsed: id, department, findings, round, requirement, days.
    #[allow(clippy::type_complexity)]
    pub fn parse(
        &self,
    ) -> Result<
        (
            EntityId,
            CreditCode,
            Vec<EntityId>,
            Option<EntityId>,
            Text,
            u16,
        ),
        AppError,
    > {
        if self.finding_ids.is_empty() || self.finding_ids.len() > 100 {
            return Err(AppError::bad_input("findingIds", "1 to 100 findings"));
        }
        let days = u16::try_from(self.due_in_working_days)
            .ok()
            .filter(|d| (1..=365).contains(d))
            .ok_or_else(|| AppError::bad_input("dueInWorkingDays", "1 to 365 working days"))?;
        Ok((
            self.options.entity_or_new("orderId", &self.order_id)?,
            parse_field("departmentId", CreditCode::parse(&self.department_id))?,
            self.finding_ids
                .iter()
                .map(|f| parse_field("findingIds", EntityId::parse(f)))
                .collect::<Result<_, _>>()?,
            id("roundId", &self.round_id)?,
            text("requirement", &self.requirement)?,
            days,
        ))
    }
}

/// A file attached to an answer, by reference.
#[derive(InputObject, Debug, Clone)]
pub struct AttachmentInput {
    /// Its file name.
    pub file_name: String,
    /// Its SHA-256, 64 lowercase hex digits.
    pub sha256: String,
    /// Its size in bytes.
    pub size: i64,
}

/// Answer a rectification order.
#[derive(InputObject, Debug, Clone)]
pub struct AnswerOrderInput {
    /// The order.
    pub order_id: ID,
    /// The measures taken.
    pub measures: String,
    /// Attachments by reference (at most 50).
    pub attachments: Option<Vec<AttachmentInput>>,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

impl AnswerOrderInput {
    /// The measures and attachments, parsed.
    pub fn parse(&self) -> Result<(Text, Vec<Attachment>), AppError> {
        Ok((
            text("measures", &self.measures)?,
            self.attachments
                .iter()
                .flatten()
                .map(|a| {
                    Ok(Attachment {
                        file_name: parse_field(
                            "attachments.fileName",
                            Name::parse_field("fileName", &a.file_name),
                        )?,
                        sha256: a.sha256.clone(),
                        size: u64::try_from(a.size)
                            .map_err(|_| AppError::bad_input("attachments.size", "not negative"))?,
                    })
                })
                .collect::<Result<_, AppError>>()?,
        ))
    }
}

/// Return or accept an answer.
#[derive(InputObject, Debug, Clone)]
pub struct OrderDecisionInput {
    /// The order.
    pub order_id: ID,
    /// Why (required to return).
    pub reason: Option<String>,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Extend an order's due date.
#[derive(InputObject, Debug, Clone)]
pub struct ExtendOrderInput {
    /// The order.
    pub order_id: ID,
    /// The new due instant (later than the current one).
    pub due_at: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Command options.
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Parses a reason that must be given.
pub fn required(field: &'static str, value: &Option<String>) -> Result<Text, AppError> {
    match value {
        Some(v) => text(field, v),
        None => Err(AppError::bad_input(field, "required")),
    }
}

/// Parses an optional text.
pub fn optional(field: &'static str, value: &Option<String>) -> Result<Option<Text>, AppError> {
    value.as_deref().map(|v| text(field, v)).transpose()
}
