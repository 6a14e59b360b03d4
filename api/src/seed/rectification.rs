//! The demo of findings, rectification and review (issue 16), after the demo round is
//! published: a finding at the administrative approval bureau (its approval items' tasks held
//! by no post) rectified through an order that was returned once and then accepted; a finding at
//! the market supervision bureau whose order is open and overdue; the agriculture bureau's
//! review of a score, changed; a month of 12345 tickets (June 2025) and the key supervision
//! flags they raise. Driven from the state, so a second run appends nothing.

use chrono::{DateTime, Utc};
use dutyledger_domain::complaint::{FlagRule, Resolution, Ticket};
use dutyledger_domain::finding::{EvidenceLink, FindingKind, LinkKind, Severity, Subject, Target};
use dutyledger_domain::rectification::{Attachment, OrderCommand, RectificationOrder};
use dutyledger_domain::review::ReviewOutcome;
use dutyledger_domain::round::{RoundCommand, Stage, SupervisionRound};
use dutyledger_domain::scheme::Hundredths;
use dutyledger_domain::values::{CreditCode, DivisionCode, EntityId, Name, Text};
use dutyledger_projections::duty_list::AsOf;
use dutyledger_projections::supervision;

use super::supervision::ROUND_ID;
use super::{
    bad, Lcg, SeedReport, ADMINISTRATIVE_APPROVAL, AGRICULTURE, DEPARTMENTS, MARKET_SUPERVISION,
};
use crate::app::{AppState, When};
use crate::context::RequestContext;
use crate::service::AppError;

fn at(s: &str) -> Result<DateTime<Utc>, AppError> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| AppError::bad_input("seed", e))
}

fn when(s: &str) -> Result<When, AppError> {
    Ok(When {
        reason: None,
        effective_at: Some(at(s)?),
        command_id: None,
    })
}

fn id(s: &str) -> Result<EntityId, AppError> {
    EntityId::parse(s).map_err(bad)
}

fn text(s: &str) -> Result<Text, AppError> {
    Text::parse(s).map_err(bad)
}

/// Counts what a command did; a refusal that only says it was done before is skipped.
fn tally(report: &mut SeedReport, result: Result<usize, AppError>) -> Result<(), AppError> {
    report.commands += 1;
    match result {
        Ok(events) => {
            report.events += events;
            Ok(())
        }
        Err(e) if e.already_done() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Runs the demo.
pub async fn demo(
    state: &AppState,
    ctx: &RequestContext,
    report: &mut SeedReport,
) -> Result<(), AppError> {
    let approval = ADMINISTRATIVE_APPROVAL.credit_code().map_err(bad)?;
    let market = MARKET_SUPERVISION.credit_code().map_err(bad)?;
    let agriculture = AGRICULTURE.credit_code().map_err(bad)?;
    let c = &state.commands;

    // Findings.
    for (finding, department, kind, severity, description, evidence) in [
        (
            "demo-approval-posts",
            &approval,
            FindingKind::DecompositionGap,
            Severity::Major,
            "划转的927项审批事项对应的工作任务尚未落实到岗位，岗位职责不清",
            "临沂市行政审批服务局927项审批事项清单",
        ),
        (
            "demo-market-inspection",
            &market,
            FindingKind::Absence,
            Severity::Minor,
            "“双随机、一公开”抽查计划未按季度执行，部分检查任务无履职记录",
            "2025年度履职数据：抽查任务记录空缺",
        ),
    ] {
        let subject = Subject {
            department_id: department.clone(),
            round_id: Some(id(ROUND_ID)?),
            target: Target::default(),
            kind,
            severity,
            description: text(description)?,
            evidence: vec![EvidenceLink {
                kind: LinkKind::Document,
                reference: evidence.to_owned(),
                note: None,
            }],
        };
        let r = c
            .raise_finding(
                ctx,
                &id(finding)?,
                subject,
                false,
                when("2026-01-08T09:00:00+08:00")?,
            )
            .await
            .map(|o| o.events);
        tally(report, r)?;
    }

    // Orders: the approval bureau's returned once, then accepted; the market bureau's overdue.
    let issue = |order: &'static str,
                 department: CreditCode,
                 finding: &'static str,
                 requirement: &'static str,
                 days: u16,
                 on: &'static str| async move {
        c.issue_order(
            ctx,
            &id(order)?,
            department,
            vec![id(finding)?],
            Some(id(ROUND_ID)?),
            text(requirement)?,
            days,
            when(on)?,
        )
        .await
        .map(|o| o.events)
    };
    let r = issue(
        "demo-order-approval",
        approval.clone(),
        "demo-approval-posts",
        "20个工作日内完成审批事项任务到岗，报送岗位职责清单",
        20,
        "2026-01-12T09:00:00+08:00",
    )
    .await;
    tally(report, r)?;
    let r = issue(
        "demo-order-market",
        market.clone(),
        "demo-market-inspection",
        "10个工作日内补充抽查计划并报送执行情况",
        10,
        "2026-03-02T09:00:00+08:00",
    )
    .await;
    tally(report, r)?;
    let order = supervision::load_stream::<RectificationOrder>(
        c.pool(),
        "demo-order-approval",
        AsOf::now(),
    )
    .await
    .map_err(|e| AppError::from_store(e, &ctx.request_id))?;
    if order.is_some_and(|o| o.state.rounds() == (0, 0)) {
        let answer =
            |measures: &str, file: &str, on: &str| -> Result<(OrderCommand, When), AppError> {
                Ok((
                    OrderCommand::Answer {
                        measures: text(measures)?,
                        attachments: vec![Attachment {
                            file_name: Name::parse(file).map_err(bad)?,
                            sha256: format!("{:064x}", file.len() * 7919),
                            size: 48_213,
                        }],
                    },
                    when(on)?,
                ))
            };
        for (command, w) in [
            answer(
                "已梳理审批事项与岗位对应关系",
                "任务到岗方案.pdf",
                "2026-01-26T09:00:00+08:00",
            )?,
            (
                OrderCommand::Return {
                    reasons: text("未附岗位职责清单，部分事项仍无承办岗位")?,
                },
                when("2026-01-28T09:00:00+08:00")?,
            ),
            answer(
                "927项审批事项全部落实到岗位，附岗位职责清单",
                "岗位职责清单.xlsx",
                "2026-02-05T09:00:00+08:00",
            )?,
            (
                OrderCommand::Accept {
                    note: Some(text("整改到位")?),
                },
                when("2026-02-09T09:00:00+08:00")?,
            ),
        ] {
            let r = c
                .execute::<RectificationOrder>(ctx, "demo-order-approval", command, w)
                .await
                .map(|o| o.events);
            tally(report, r)?;
        }
    }

    // A review of a published score: the agriculture bureau's key tasks, changed.
    let round = supervision::load_round(c.pool(), ROUND_ID, AsOf::now())
        .await
        .map_err(|e| AppError::from_store(e, &ctx.request_id))?;
    let review = id("demo-review-agriculture")?;
    let reviewed = round.as_ref().map(|r| {
        r.round
            .reviews()
            .iter()
            .any(|(q, _, _)| q.request_id == review)
    });
    if reviewed == Some(false) && round.as_ref().is_some_and(|r| r.round.published()) {
        let r = c
            .request_score_review(
                ctx,
                ROUND_ID,
                review.clone(),
                agriculture.clone(),
                Some("goals.key_tasks".into()),
                text("重点任务“高标准农田建设”已完成验收，实地核验未计入")?,
                When::default(),
            )
            .await
            .map(|o| o.events);
        tally(report, r)?;
        let r = c
            .decide_score_review(
                ctx,
                ROUND_ID,
                review,
                ReviewOutcome::Changed,
                text("验收材料属实，予以调整")?,
                vec![("goals.key_tasks".into(), Hundredths::whole(10))],
                When::default(),
            )
            .await
            .map(|o| o.events);
        tally(report, r)?;
    }
    let r = c
        .execute::<SupervisionRound>(
            ctx,
            ROUND_ID,
            RoundCommand::Advance {
                stage: Stage::Rectification,
            },
            When::default(),
        )
        .await
        .map(|o| o.events);
    tally(report, r)?;

    // A month of 12345 tickets, and the key supervision flags they raise.
    let mut rng = Lcg(12345);
    let region = DivisionCode::parse("371302001000").map_err(bad)?;
    let mut batch = Vec::new();
    for (n, d) in DEPARTMENTS.iter().enumerate() {
        let code = d.credit_code().map_err(bad)?;
        // The market supervision bureau gets the most, and resolves fewer.
        let (count, resolve_pct) = if n == 0 {
            (48, 70)
        } else {
            (12 + 6 * n as u64, 95)
        };
        for k in 0..count {
            let day = 1 + rng.below(30);
            let received = at(&format!(
                "2025-06-{day:02}T{:02}:15:00+08:00",
                8 + rng.below(10)
            ))?;
            let category = ["投诉", "求助", "咨询", "建议"][rng.below(4) as usize];
            let resolved = rng.below(100) < resolve_pct;
            batch.push(Ok((
                Ticket {
                    ticket: id(&format!("12345-202506-{}-{k:03}", &d.org_body))?,
                    received_at: received,
                    category: Name::parse(category).map_err(bad)?,
                    text: text(&format!("{}：{}相关诉求", category, d.sector))?,
                    region: region.clone(),
                    department_id: code.clone(),
                    task_id: None,
                },
                resolved.then(|| Resolution {
                    resolved_at: received + chrono::Duration::days(1 + rng.below(5) as i64),
                    satisfaction: Some(2 + rng.below(4) as u8),
                }),
            )));
        }
    }
    report.commands += batch.len();
    for outcome in c.record_complaints(ctx, batch).await? {
        match outcome {
            crate::service::complaints::TicketOutcome::Stored => report.events += 1,
            crate::service::complaints::TicketOutcome::Unchanged => {}
            crate::service::complaints::TicketOutcome::Rejected(e) => return Err(e),
        }
    }
    let june = |d| chrono::NaiveDate::from_ymd_opt(2025, 6, d).unwrap_or_default();
    report.commands += 1;
    let flagged = c
        .flag_key_supervision(
            ctx,
            june(1),
            june(30),
            FlagRule {
                min_complaints: 30,
                below_resolution_rate: Some(Hundredths::whole(85)),
                below_satisfaction: Some(Hundredths(350)),
            },
            None,
            when("2025-07-05T09:00:00+08:00")?,
        )
        .await?;
    report.events += flagged.len();
    Ok(())
}
