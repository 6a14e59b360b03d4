//! Findings, rectification orders and formal reviews (复核) in the application layer: what their
//! commands need from other aggregates (the department and round a finding names, the findings
//! an order rectifies, the due dates and review windows counted in working days on the
//! calendar in force), proposals generated from the data, and the reads with the policy applied
//! (a clerk sees its own department's; reviewers and the office everything).

use chrono::{DateTime, Utc};
use dutyledger_domain::finding::{
    EvidenceLink, Finding, FindingCommand, FindingKind, LinkKind, Severity, Subject, Target,
};
use dutyledger_domain::rectification::{OrderCommand, OrderFacts, RectificationOrder};
use dutyledger_domain::review::ReviewOutcome;
use dutyledger_domain::round::{RoundCommand, SupervisionRound};
use dutyledger_domain::scheme::Hundredths;
use dutyledger_domain::values::{CreditCode, EntityId, Text};
use dutyledger_projections::duty_list::{self, AsOf};
use dutyledger_projections::supervision::{self, StreamAt};
use dutyledger_projections::{boundary_list, calendar};
use sqlx::PgPool;

use super::commands::{CommandOutcome, Commands, When};
use super::error::AppError;
use super::policy::{authorize, narrow_departments, Access};
use crate::context::RequestContext;

fn store(request_id: &str) -> impl Fn(dutyledger_projections::StoreError) -> AppError + '_ {
    move |e| AppError::from_store(e, request_id)
}

/// The end of the `days`-th working day after `from` on the calendar in force at `from`
/// (`CALENDAR_YEAR_MISSING` if a year it needs is not loaded).
async fn working_days_after(
    pool: &PgPool,
    from: DateTime<Utc>,
    days: u16,
    request_id: &str,
) -> Result<DateTime<Utc>, AppError> {
    let cal = calendar::load(
        pool,
        AsOf {
            valid_at: from,
            known_at: Utc::now(),
        },
    )
    .await
    .map_err(store(request_id))?;
    Ok(cal
        .add_working_days(from, u32::from(days), &[])
        .map_err(AppError::refused)?
        .ends_at)
}

/// A short stable hash (FNV-1a, 64 bits) for the ids of generated proposals.
fn fnv(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

impl Commands {
    /// Raises a finding (or a proposal): its department must be in force at the command's time
    /// (`DEPARTMENT_NOT_FOUND`), its unit, task and post in that department
    /// (`UNIT_NOT_FOUND`, `TASK_NOT_FOUND`, `POST_NOT_FOUND`), its round planned with the
    /// department in scope (`ROUND_NOT_FOUND`, `DEPARTMENT_NOT_IN_ROUND`).
    pub async fn raise_finding(
        &self,
        ctx: &RequestContext,
        id: &EntityId,
        subject: Subject,
        proposal: bool,
        when: When,
    ) -> Result<CommandOutcome, AppError> {
        authorize(&ctx.actor, Access::RunSupervision)?;
        let at = when.effective_at.unwrap_or_else(Utc::now);
        let as_of = AsOf {
            valid_at: at,
            known_at: Utc::now(),
        };
        let s = duty_list::structure(self.pool(), subject.department_id.as_str(), as_of)
            .await
            .map_err(store(&ctx.request_id))?
            .ok_or_else(|| AppError::NotFound {
                message: format!("department {} not found at {at}", subject.department_id),
                rule: Some("DEPARTMENT_NOT_FOUND"),
            })?;
        let missing = |what: &str, rule: &'static str, id: &EntityId| AppError::NotFound {
            message: format!(
                "{what} {id} not found in department {} at {at}",
                subject.department_id
            ),
            rule: Some(rule),
        };
        let t = &subject.target;
        if let Some(u) = &t.unit_id {
            if !s.units.iter().any(|x| x.unit_id == u.as_str()) {
                return Err(missing("unit", "UNIT_NOT_FOUND", u));
            }
        }
        if let Some(task) = &t.task_id {
            if !s.tasks.iter().any(|x| x.task_id == task.as_str()) {
                return Err(missing("task", "TASK_NOT_FOUND", task));
            }
        }
        if let Some(p) = &t.post_id {
            if !s.posts.iter().any(|x| x.post_id == p.as_str()) {
                return Err(missing("post", "POST_NOT_FOUND", p));
            }
        }
        if let Some(round) = &subject.round_id {
            let r = supervision::load_round(self.pool(), round.as_str(), AsOf::now())
                .await
                .map_err(store(&ctx.request_id))?
                .ok_or_else(|| AppError::NotFound {
                    message: format!("supervision round {round} not found"),
                    rule: Some("ROUND_NOT_FOUND"),
                })?;
            if r.round.class_of(&subject.department_id).is_none() {
                return Err(AppError::BadInput {
                    message: format!(
                        "department {} is not in round {round}",
                        subject.department_id
                    ),
                    field: Some("roundId".into()),
                    rule: Some("DEPARTMENT_NOT_IN_ROUND"),
                });
            }
        }
        self.execute::<Finding>(
            ctx,
            id.as_str(),
            FindingCommand::Raise {
                subject: Box::new(subject),
                proposal,
            },
            when,
        )
        .await
    }

    /// Proposes findings from the data for every department of a round, as its structure and
    /// boundary list stand now: each task no post holds (a decomposition gap) and each boundary
    /// matter without a ruling the department is a party to. Proposals have stable ids, so
    /// proposing again raises only what is new. Returns the ids raised.
    pub async fn propose_findings(
        &self,
        ctx: &RequestContext,
        round_id: &str,
        when: When,
    ) -> Result<Vec<EntityId>, AppError> {
        authorize(&ctx.actor, Access::RunSupervision)?;
        let round = supervision::load_round(self.pool(), round_id, AsOf::now())
            .await
            .map_err(store(&ctx.request_id))?
            .ok_or_else(|| AppError::NotFound {
                message: format!("supervision round {round_id} not found"),
                rule: Some("ROUND_NOT_FOUND"),
            })?;
        let Some(plan) = round.round.plan().cloned() else {
            return Ok(Vec::new());
        };
        let round_entity = EntityId::parse(round_id).ok();
        let now = AsOf::now();
        let mut raised = Vec::new();
        for entry in &plan.scope {
            let d = entry.department_id.clone();
            let mut proposals: Vec<(String, Subject)> = Vec::new();
            if let Some(s) = duty_list::structure(self.pool(), d.as_str(), now)
                .await
                .map_err(store(&ctx.request_id))?
            {
                for task in s.coverage().tasks_without_posts {
                    let name = s
                        .tasks
                        .iter()
                        .find(|t| t.task_id == task)
                        .map_or(String::new(), |t| t.name.clone());
                    proposals.push((
                        fnv(&[round_id, d.as_str(), "task", &task]),
                        Subject {
                            department_id: d.clone(),
                            round_id: round_entity.clone(),
                            target: Target {
                                task_id: EntityId::parse(&task).ok(),
                                ..Target::default()
                            },
                            kind: FindingKind::DecompositionGap,
                            severity: Severity::Minor,
                            description: Text::parse(&format!(
                                "任务“{name}”（{task}）未落实到岗位"
                            ))
                            .map_err(|e| AppError::bad_input("description", e))?,
                            evidence: Vec::new(),
                        },
                    ));
                }
            }
            for m in boundary_list::matters_of_department(self.pool(), d.as_str(), now)
                .await
                .map_err(store(&ctx.request_id))?
                .into_iter()
                .filter(|m| m.ruling.is_none())
            {
                proposals.push((
                    fnv(&[round_id, d.as_str(), "matter", &m.matter_id]),
                    Subject {
                        department_id: d.clone(),
                        round_id: round_entity.clone(),
                        target: Target {
                            matter_id: EntityId::parse(&m.matter_id).ok(),
                            ..Target::default()
                        },
                        kind: FindingKind::Other,
                        severity: Severity::Minor,
                        description: Text::parse(&format!("职责边界事项“{}”尚未认定", m.title))
                            .map_err(|e| AppError::bad_input("description", e))?,
                        evidence: vec![EvidenceLink {
                            kind: LinkKind::BoundaryMatter,
                            reference: m.matter_id.clone(),
                            note: None,
                        }],
                    },
                ));
            }
            for (hash, subject) in proposals {
                let id = EntityId::parse(&format!("p-{hash}"))
                    .map_err(|e| AppError::bad_input("findingId", e))?;
                match self
                    .execute::<Finding>(
                        ctx,
                        id.as_str(),
                        FindingCommand::Raise {
                            subject: Box::new(subject),
                            proposal: true,
                        },
                        when.clone(),
                    )
                    .await
                {
                    Ok(_) => raised.push(id),
                    Err(e) if e.already_done() => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(raised)
    }

    /// Issues a rectification order: every finding must stand (`FINDING_NOT_FOUND`,
    /// `FINDING_NOT_CONFIRMED`) and be the department's (`FINDING_OF_ANOTHER_DEPARTMENT`); the
    /// due date is `due_working_days` working days after the order, on the calendar in force
    /// (`CALENDAR_YEAR_MISSING` if a year it needs is not loaded).
    #[allow(clippy::too_many_arguments)]
    pub async fn issue_order(
        &self,
        ctx: &RequestContext,
        id: &EntityId,
        department_id: CreditCode,
        findings: Vec<EntityId>,
        round_id: Option<EntityId>,
        requirement: Text,
        due_working_days: u16,
        when: When,
    ) -> Result<CommandOutcome, AppError> {
        authorize(&ctx.actor, Access::RunSupervision)?;
        for f in &findings {
            let finding = supervision::load_stream::<Finding>(self.pool(), f.as_str(), AsOf::now())
                .await
                .map_err(store(&ctx.request_id))?
                .ok_or_else(|| AppError::NotFound {
                    message: format!("finding {f} not found"),
                    rule: Some("FINDING_NOT_FOUND"),
                })?;
            if !finding.state.stands() {
                return Err(AppError::Conflict {
                    message: format!("finding {f} is a proposal not confirmed, or dismissed"),
                    rule: "FINDING_NOT_CONFIRMED",
                });
            }
            if finding.state.subject().map(|s| &s.department_id) != Some(&department_id) {
                return Err(AppError::BadInput {
                    message: format!("finding {f} is about another department"),
                    field: Some("findings".into()),
                    rule: Some("FINDING_OF_ANOTHER_DEPARTMENT"),
                });
            }
        }
        let at = when.effective_at.unwrap_or_else(Utc::now);
        let due_at = working_days_after(self.pool(), at, due_working_days, &ctx.request_id).await?;
        self.execute::<RectificationOrder>(
            ctx,
            id.as_str(),
            OrderCommand::Issue {
                department_id,
                findings,
                round_id,
                requirement,
                due_working_days,
                facts: OrderFacts {
                    issued_at: at,
                    due_at,
                },
            },
            when,
        )
        .await
    }

    /// A department asks for a formal review of its published scores in a round, within the
    /// scheme's window of working days after publication (`REVIEW_WINDOW_CLOSED`); the office
    /// must decide within the scheme's time limit.
    #[allow(clippy::too_many_arguments)]
    pub async fn request_score_review(
        &self,
        ctx: &RequestContext,
        round_id: &str,
        request_id: EntityId,
        department_id: CreditCode,
        indicator_id: Option<String>,
        reason: Text,
        when: When,
    ) -> Result<CommandOutcome, AppError> {
        authorize(&ctx.actor, Access::RequestReview(&department_id))?;
        let round = supervision::load_round(self.pool(), round_id, AsOf::now())
            .await
            .map_err(store(&ctx.request_id))?
            .ok_or_else(|| AppError::NotFound {
                message: format!("supervision round {round_id} not found"),
                rule: Some("ROUND_NOT_FOUND"),
            })?;
        let at = when.effective_at.unwrap_or_else(Utc::now);
        let (window, decision) = round
            .round
            .plan()
            .map(|p| (p.scheme.review_window(), p.scheme.review_decision()))
            .unwrap_or_default();
        // Unpublished: the window is moot, the domain refuses NOT_REVIEWABLE.
        let published_at = round.published_at.unwrap_or(at);
        let closes = working_days_after(self.pool(), published_at, window, &ctx.request_id).await?;
        // Past the window the domain refuses; the decision's time limit is not counted then.
        let decide_by = if at < closes {
            working_days_after(self.pool(), at, decision, &ctx.request_id).await?
        } else {
            at
        };
        self.execute::<SupervisionRound>(
            ctx,
            round_id,
            RoundCommand::RequestReview {
                request_id,
                department_id,
                indicator_id,
                reason,
                at,
                window_closes_at: closes,
                decide_by,
            },
            when,
        )
        .await
    }

    /// The office decides a review of scores; `Changed` revises the leaves given.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_score_review(
        &self,
        ctx: &RequestContext,
        round_id: &str,
        request_id: EntityId,
        outcome: ReviewOutcome,
        reason: Text,
        revisions: Vec<(String, Hundredths)>,
        when: When,
    ) -> Result<CommandOutcome, AppError> {
        let at = when.effective_at.unwrap_or_else(Utc::now);
        self.execute::<SupervisionRound>(
            ctx,
            round_id,
            RoundCommand::DecideReview {
                request_id,
                outcome,
                reason,
                at,
                revisions,
            },
            when,
        )
        .await
    }

    /// A department asks for a formal review of a finding, within the default window of working
    /// days after the finding stood (raised, or confirmed if it was a proposal).
    pub async fn request_finding_review(
        &self,
        ctx: &RequestContext,
        finding_id: &str,
        request_id: EntityId,
        reason: Text,
        when: When,
    ) -> Result<CommandOutcome, AppError> {
        let at = when.effective_at.unwrap_or_else(Utc::now);
        let stood: Option<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT max(effective_at) FROM events WHERE aggregate_type = 'finding' \
             AND aggregate_id = $1 AND event_type IN ('FindingRaised', 'FindingConfirmed')",
        )
        .bind(finding_id)
        .fetch_one(self.pool())
        .await
        .map_err(|e| AppError::from_store(e.into(), &ctx.request_id))?;
        let days = dutyledger_domain::scheme::DEFAULT_REVIEW_DAYS;
        let closes =
            working_days_after(self.pool(), stood.unwrap_or(at), days, &ctx.request_id).await?;
        let decide_by = if at < closes {
            working_days_after(self.pool(), at, days, &ctx.request_id).await?
        } else {
            at
        };
        self.execute::<Finding>(
            ctx,
            finding_id,
            FindingCommand::RequestReview {
                request_id,
                reason,
                at,
                window_closes_at: closes,
                decide_by,
            },
            when,
        )
        .await
    }
}

/// The departments an actor may read findings and orders of, narrowed to `asked`.
fn departments_to_read(
    ctx: &RequestContext,
    asked: Option<String>,
) -> Result<Option<Vec<String>>, AppError> {
    authorize(&ctx.actor, Access::ReadRectification)?;
    narrow_departments(&ctx.actor, asked.map(|d| vec![d]), "findings and orders")
}

async fn list<A>(
    pool: &PgPool,
    ctx: &RequestContext,
    department: Option<String>,
    as_of: AsOf,
) -> Result<Vec<StreamAt<A>>, AppError>
where
    A: dutyledger_domain::timeline::Decide + cqrs_es::Aggregate,
    <A as dutyledger_domain::timeline::Decide>::Event: serde::de::DeserializeOwned,
{
    let departments = departments_to_read(ctx, department)?;
    let ids = match departments {
        None => supervision::stream_ids(pool, A::TYPE, None, as_of.known_at)
            .await
            .map_err(store(&ctx.request_id))?,
        Some(list) => {
            let mut ids = Vec::new();
            for d in list {
                ids.extend(
                    supervision::stream_ids(pool, A::TYPE, Some(&d), as_of.known_at)
                        .await
                        .map_err(store(&ctx.request_id))?,
                );
            }
            ids.sort();
            ids.dedup();
            ids
        }
    };
    let mut out = Vec::new();
    for id in ids {
        if let Some(s) = supervision::load_stream::<A>(pool, &id, as_of)
            .await
            .map_err(store(&ctx.request_id))?
        {
            out.push(s);
        }
    }
    Ok(out)
}

/// The findings as of `as_of` the actor may read (of `department`, of `round`).
pub async fn findings(
    pool: &PgPool,
    ctx: &RequestContext,
    department: Option<String>,
    round: Option<String>,
    as_of: AsOf,
) -> Result<Vec<StreamAt<Finding>>, AppError> {
    let mut all = list::<Finding>(pool, ctx, department, as_of).await?;
    if let Some(r) = round {
        all.retain(|f| {
            f.state
                .subject()
                .and_then(|s| s.round_id.as_ref())
                .is_some_and(|x| x.as_str() == r)
        });
    }
    Ok(all)
}

/// The rectification orders as of `as_of` the actor may read (of `department`).
pub async fn orders(
    pool: &PgPool,
    ctx: &RequestContext,
    department: Option<String>,
    as_of: AsOf,
) -> Result<Vec<StreamAt<RectificationOrder>>, AppError> {
    list::<RectificationOrder>(pool, ctx, department, as_of).await
}

/// One stream as of `as_of`, if the actor may read its department (`FORBIDDEN`) and it exists
/// (`NOT_FOUND` with `rule`).
pub async fn one<A>(
    pool: &PgPool,
    ctx: &RequestContext,
    id: &str,
    as_of: AsOf,
    department_of: impl Fn(&A) -> Option<&CreditCode>,
    rule: &'static str,
) -> Result<StreamAt<A>, AppError>
where
    A: dutyledger_domain::timeline::Decide + cqrs_es::Aggregate,
    <A as dutyledger_domain::timeline::Decide>::Event: serde::de::DeserializeOwned,
{
    authorize(&ctx.actor, Access::ReadRectification)?;
    let s = supervision::load_stream::<A>(pool, id, as_of)
        .await
        .map_err(store(&ctx.request_id))?
        .ok_or_else(|| AppError::NotFound {
            message: format!("{id} not found"),
            rule: Some(rule),
        })?;
    if let Some(d) = department_of(&s.state) {
        narrow_departments(&ctx.actor, Some(vec![d.to_string()]), "findings and orders")?;
    }
    Ok(s)
}
