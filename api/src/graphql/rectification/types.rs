//! The rectification area's output types.

use async_graphql::{Enum, Object, SimpleObject};
use chrono::{DateTime, Utc};
use dutyledger_domain::finding::Finding;
use dutyledger_domain::rectification::RectificationOrder;
use dutyledger_domain::review::ReviewRequest;
use dutyledger_projections::supervision::StreamAt;

/// What kind of problem a finding names.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "dutyledger_domain::finding::FindingKind")]
pub enum FindingKind {
    /// 越位: doing what is not the department's.
    Overreach,
    /// 缺位: leaving a duty undone.
    Absence,
    /// 错位: doing another department's duty.
    Misplacement,
    /// A duty or task not decomposed.
    DecompositionGap,
    /// Workflow cases over their time limit.
    OverdueWorkflow,
    /// A pattern in 12345 complaints.
    ComplaintPattern,
    /// Anything else.
    Other,
}

/// How serious a finding is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "dutyledger_domain::finding::Severity")]
pub enum Severity {
    /// 一般.
    Minor,
    /// 较重.
    Major,
    /// 严重.
    Severe,
}

/// What a piece of evidence points at.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "dutyledger_domain::finding::LinkKind")]
pub enum EvidenceKind {
    /// An event, by its cursor.
    Event,
    /// A performance record, by its id.
    Record,
    /// A workflow case, by its id.
    Case,
    /// A 12345 complaint, by its ticket number.
    Complaint,
    /// A boundary matter, by its id.
    BoundaryMatter,
    /// A document.
    Document,
}

/// Where an order stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "dutyledger_domain::rectification::OrderStatus")]
pub enum OrderStatus {
    /// Issued, not answered yet.
    Open,
    /// Answered; the office decides.
    Answered,
    /// Returned: the department answers again.
    Returned,
    /// Accepted: closed.
    Accepted,
}

/// How a review was decided.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "dutyledger_domain::review::ReviewOutcome")]
pub enum ReviewOutcome {
    /// It stands.
    Upheld,
    /// It changes (a new event; the old one stays in history).
    Changed,
    /// The request is dismissed.
    Dismissed,
}

/// A piece of evidence.
#[derive(SimpleObject, Clone, Debug)]
pub struct EvidenceLinkView {
    /// What it points at.
    pub kind: EvidenceKind,
    /// The cursor, id or ticket number.
    pub reference: String,
    /// A note.
    pub note: Option<String>,
}

/// A formal review (复核) request and its decision.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Review")]
pub struct ReviewView {
    /// The request.
    pub request_id: String,
    /// The department that asked (for reviews of scores).
    pub department_id: Option<String>,
    /// The indicator (for reviews of scores).
    pub indicator_id: Option<String>,
    /// Why it was asked.
    pub reason: String,
    /// When.
    pub requested_at: DateTime<Utc>,
    /// When the office must decide by (the first instant after the last working day allowed).
    pub decide_by: DateTime<Utc>,
    /// The outcome, once decided.
    pub outcome: Option<ReviewOutcome>,
    /// Why it was decided so.
    pub decision_reason: Option<String>,
    /// When it was decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// Whether it was decided late (or, undecided, is past its time limit at the query's
    /// `asOf.validAt`).
    pub overdue: bool,
}

impl ReviewView {
    /// The view of a request, overdue judged at `at` while undecided.
    pub fn new(
        r: &ReviewRequest,
        department_id: Option<String>,
        indicator_id: Option<String>,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            request_id: r.request_id.to_string(),
            department_id,
            indicator_id,
            reason: r.reason.to_string(),
            requested_at: r.requested_at,
            decide_by: r.decide_by,
            outcome: r.decision.as_ref().map(|d| d.outcome.into()),
            decision_reason: r.decision.as_ref().map(|d| d.reason.to_string()),
            decided_at: r.decision.as_ref().map(|d| d.decided_at),
            overdue: r.decision.as_ref().map_or(at >= r.decide_by, |d| d.overdue),
        }
    }
}

/// A finding as of a point in both times.
#[derive(Clone, Debug)]
pub struct FindingView {
    /// The stream.
    pub s: StreamAt<Finding>,
    /// The valid time asked for.
    pub at: DateTime<Utc>,
}

/// A finding (监管发现).
#[Object(name = "Finding")]
impl FindingView {
    /// Its id.
    async fn id(&self) -> &str {
        &self.s.id
    }

    /// The department.
    async fn department_id(&self) -> Option<String> {
        self.s.state.subject().map(|x| x.department_id.to_string())
    }

    /// The round it was raised in.
    async fn round_id(&self) -> Option<String> {
        self.s
            .state
            .subject()
            .and_then(|x| x.round_id.as_ref())
            .map(ToString::to_string)
    }

    /// Its kind.
    async fn kind(&self) -> Option<FindingKind> {
        self.s.state.subject().map(|x| x.kind.into())
    }

    /// How serious (after any review change).
    async fn severity(&self) -> Option<Severity> {
        self.s.state.subject().map(|x| x.severity.into())
    }

    /// What was found (after any review change).
    async fn description(&self) -> Option<String> {
        self.s.state.subject().map(|x| x.description.to_string())
    }

    /// The unit it is about.
    async fn unit_id(&self) -> Option<String> {
        self.s
            .state
            .subject()
            .and_then(|x| x.target.unit_id.as_ref())
            .map(ToString::to_string)
    }

    /// The task it is about.
    async fn task_id(&self) -> Option<String> {
        self.s
            .state
            .subject()
            .and_then(|x| x.target.task_id.as_ref())
            .map(ToString::to_string)
    }

    /// The post it is about.
    async fn post_id(&self) -> Option<String> {
        self.s
            .state
            .subject()
            .and_then(|x| x.target.post_id.as_ref())
            .map(ToString::to_string)
    }

    /// The power-list item it is about.
    async fn power_item_id(&self) -> Option<String> {
        self.s
            .state
            .subject()
            .and_then(|x| x.target.power_item_id.as_ref())
            .map(ToString::to_string)
    }

    /// The boundary matter it is about.
    async fn matter_id(&self) -> Option<String> {
        self.s
            .state
            .subject()
            .and_then(|x| x.target.matter_id.as_ref())
            .map(ToString::to_string)
    }

    /// The evidence.
    async fn evidence(&self) -> Vec<EvidenceLinkView> {
        self.s
            .state
            .subject()
            .map(|x| {
                x.evidence
                    .iter()
                    .map(|e| EvidenceLinkView {
                        kind: e.kind.into(),
                        reference: e.reference.clone(),
                        note: e.note.as_ref().map(ToString::to_string),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether it is a proposal generated from the data, awaiting confirmation.
    async fn proposal(&self) -> bool {
        self.s.state.is_proposal()
    }

    /// Whether it was dismissed.
    async fn dismissed(&self) -> bool {
        self.s.state.is_dismissed()
    }

    /// When it was raised (valid time).
    async fn raised_at(&self) -> DateTime<Utc> {
        self.s.first.0
    }

    /// The cursor of the event that raised it.
    async fn cursor(&self) -> String {
        self.s.first.1.to_string()
    }

    /// Its review requests.
    async fn reviews(&self) -> Vec<ReviewView> {
        self.s
            .state
            .reviews()
            .all()
            .map(|r| ReviewView::new(r, None, None, self.at))
            .collect()
    }
}

/// A file attached to an answer, by reference.
#[derive(SimpleObject, Clone, Debug)]
pub struct AttachmentView {
    /// Its file name.
    pub file_name: String,
    /// Its SHA-256.
    pub sha256: String,
    /// Its size in bytes.
    pub size: i64,
}

/// A rectification order as of a point in both times.
#[derive(Clone, Debug)]
pub struct OrderView {
    /// The stream.
    pub s: StreamAt<RectificationOrder>,
    /// The valid time asked for (overdue is judged at it).
    pub at: DateTime<Utc>,
}

/// A rectification order (整改通知).
#[Object(name = "RectificationOrder")]
impl OrderView {
    /// Its id.
    async fn id(&self) -> &str {
        &self.s.id
    }

    /// The department.
    async fn department_id(&self) -> Option<String> {
        self.s.state.department().map(ToString::to_string)
    }

    /// The findings it rectifies.
    async fn finding_ids(&self) -> Vec<String> {
        self.s
            .state
            .findings()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// The round, if any.
    async fn round_id(&self) -> Option<String> {
        self.s.state.round().map(ToString::to_string)
    }

    /// What must be done.
    async fn requirement(&self) -> Option<String> {
        self.s.state.requirement().map(ToString::to_string)
    }

    /// Where it stands.
    async fn status(&self) -> OrderStatus {
        self.s.state.status().into()
    }

    /// When it was issued.
    async fn issued_at(&self) -> Option<DateTime<Utc>> {
        self.s.state.issued_at()
    }

    /// The due instant (the first instant after the last working day allowed; after
    /// extensions).
    async fn due_at(&self) -> Option<DateTime<Utc>> {
        self.s.state.due_at()
    }

    /// Whether it is overdue at the query's `asOf.validAt`: awaiting the department's answer past
    /// its due instant.
    async fn overdue(&self) -> bool {
        self.s.state.overdue_at(self.at)
    }

    /// How many answers it has had.
    async fn answers(&self) -> i32 {
        self.s.state.rounds().0 as i32
    }

    /// How many times it was returned.
    async fn returns(&self) -> i32 {
        self.s.state.rounds().1 as i32
    }

    /// The latest answer's measures.
    async fn measures(&self) -> Option<String> {
        self.s.state.last_answer().map(|(m, _)| m.to_string())
    }

    /// The latest answer's attachments.
    async fn attachments(&self) -> Vec<AttachmentView> {
        self.s
            .state
            .last_answer()
            .map(|(_, a)| {
                a.iter()
                    .map(|x| AttachmentView {
                        file_name: x.file_name.to_string(),
                        sha256: x.sha256.clone(),
                        size: i64::try_from(x.size).unwrap_or(i64::MAX),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The reasons of the latest return.
    async fn returned_because(&self) -> Option<String> {
        self.s.state.last_return().map(ToString::to_string)
    }

    /// The cursor of the event that issued it.
    async fn cursor(&self) -> String {
        self.s.first.1.to_string()
    }
}
