//! The demo workflow charts (工作流程图): the emergency bureau's winter/spring relief chart (10
//! steps; "确定救助对象" split into 5 sub-steps), and the administrative approval bureau's items
//! in two versions, whose share of items a section can sign off goes from 72.82% to 84.57%
//! (675 and 784 of 927 items, the smallest count that gives both shares to two decimals).

use chrono::{DateTime, Utc};
use dutyledger_domain::department::{Department, DepartmentCommand, RiskFlags, TaskDetails};
use dutyledger_domain::values::{CreditCode, DayKind, EntityId, Name, Text, TimeLimit};
use dutyledger_domain::workflow::{Chart, Material, Step};
use futures::StreamExt;

use super::{SeedReport, When};
use crate::app::AppState;
use crate::context::RequestContext;
use crate::service::AppError;

/// The approval bureau's items with charts.
pub const APPROVAL_ITEMS: usize = 927;
/// Items a section could sign off before re-engineering (72.82%).
pub const SECTION_BEFORE: usize = 675;
/// Items a section can sign off after it (84.57%).
pub const SECTION_AFTER: usize = 784;
/// When the second version of the approval items came into force, Beijing time.
pub const REENGINEERED_AT: &str = "2025-06-01T00:00:00+08:00";

fn id(s: &str) -> Result<EntityId, AppError> {
    EntityId::parse(s).map_err(|e| AppError::bad_input("seed id", e))
}

fn name(s: &str) -> Result<Name, AppError> {
    Name::parse(s).map_err(|e| AppError::bad_input("seed name", e))
}

fn limit(days: i64, kind: DayKind) -> Result<Option<TimeLimit>, AppError> {
    TimeLimit::new(days, kind)
        .map(Some)
        .map_err(|e| AppError::bad_input("seed limit", e))
}

fn material(n: &str) -> Result<Material, AppError> {
    Ok(Material {
        name: name(n)?,
        required: true,
        source: None,
    })
}

#[allow(clippy::too_many_arguments)]
fn step(
    n: &str,
    unit: &str,
    post: Option<&str>,
    materials: &[&str],
    procedures: &[&str],
    days: i64,
    levels: u8,
    section: bool,
) -> Result<Step, AppError> {
    Ok(Step {
        name: name(n)?,
        unit_id: id(unit)?,
        post_id: post.map(id).transpose()?,
        materials: materials
            .iter()
            .map(|m| material(m))
            .collect::<Result<_, _>>()?,
        procedures: procedures
            .iter()
            .map(|p| name(p))
            .collect::<Result<_, _>>()?,
        time_limit: limit(days, DayKind::Working)?,
        sign_off_levels: levels,
        section_sign_off: section,
        sub_steps: vec![],
    })
}

/// The winter/spring relief chart (冬春受灾群众生活救助) of the emergency bureau: 10 steps, the
/// fourth ("确定救助对象") in 5 sub-steps.
pub fn relief_chart() -> Result<Chart, AppError> {
    let u = "emb-relief";
    let p = Some("emb-relief-p1");
    let mut determine = step(
        "确定救助对象",
        u,
        p,
        &["救助对象花名册"],
        &["汇总审核"],
        15,
        2,
        false,
    )?;
    determine.sub_steps = vec![
        step(
            "申请",
            u,
            p,
            &["救助申请书", "户口簿", "受灾情况说明"],
            &["受理申请"],
            3,
            1,
            true,
        )?,
        step(
            "评议",
            u,
            p,
            &["民主评议记录"],
            &["组织民主评议"],
            3,
            1,
            true,
        )?,
        step("公示", u, p, &["公示材料"], &["张榜公示"], 5, 1, true)?,
        step(
            "乡镇审核",
            u,
            p,
            &["乡镇审核意见"],
            &["入户核查", "审核"],
            3,
            2,
            false,
        )?,
        step(
            "县级审批",
            u,
            p,
            &["县级审批表"],
            &["审批", "备案"],
            3,
            2,
            false,
        )?,
    ];
    Ok(Chart {
        steps: vec![
            step(
                "灾情统计和需求摸底",
                u,
                p,
                &["灾情统计报表"],
                &["统计", "核查"],
                5,
                1,
                true,
            )?,
            step(
                "制定救助工作方案",
                u,
                p,
                &["救助工作方案"],
                &["拟定方案", "集体研究"],
                5,
                3,
                false,
            )?,
            step(
                "申请救助资金和物资",
                u,
                p,
                &["资金物资申请文件"],
                &["编制申请", "报送"],
                5,
                2,
                false,
            )?,
            determine,
            step(
                "资金物资分配下达",
                u,
                p,
                &["分配方案", "下达文件"],
                &["分配", "下达"],
                5,
                3,
                false,
            )?,
            step(
                "资金发放",
                u,
                p,
                &["发放花名册"],
                &["社会化发放"],
                10,
                1,
                true,
            )?,
            step(
                "物资发放",
                u,
                p,
                &["物资发放登记表"],
                &["登记", "发放"],
                10,
                1,
                true,
            )?,
            step(
                "信息公开",
                u,
                p,
                &["公开材料"],
                &["公开救助对象和标准"],
                3,
                1,
                true,
            )?,
            step(
                "监督检查",
                u,
                p,
                &["检查记录"],
                &["抽查", "整改督办"],
                10,
                2,
                false,
            )?,
            step(
                "绩效评估和总结",
                u,
                p,
                &["工作总结"],
                &["评估", "总结报告"],
                10,
                2,
                false,
            )?,
        ],
    })
}

/// The approval bureau's item `i`, in version 1 or 2: version 2 merges 审查 into 受理 and lets
/// the section sign off more items.
fn approval_chart(i: usize, version: u8) -> Result<Chart, AppError> {
    let u = "aab-center";
    let section = if version == 1 {
        i < SECTION_BEFORE
    } else {
        i < SECTION_AFTER
    };
    let levels = if section { 1 } else { 3 };
    let mut steps = vec![step(
        "受理",
        u,
        None,
        &["申请书", "身份证明"],
        &["受理"],
        1,
        1,
        true,
    )?];
    if version == 1 {
        steps.push(step(
            "审查",
            u,
            None,
            &["审查意见"],
            &["书面审查", "现场核查"],
            10,
            1,
            true,
        )?);
    }
    steps.push(step(
        "决定",
        u,
        None,
        &[],
        &["作出决定", "送达"],
        if version == 1 { 10 } else { 5 },
        levels,
        section,
    )?);
    Ok(Chart { steps })
}

fn at(s: &str) -> Result<DateTime<Utc>, AppError> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| AppError::bad_input("seed time", e))
}

async fn publish(
    state: &AppState,
    ctx: &RequestContext,
    department: &CreditCode,
    task: &EntityId,
    chart: Chart,
    effective_at: DateTime<Utc>,
) -> Result<usize, AppError> {
    let when = When {
        reason: Some("工作流程图".to_owned()),
        effective_at: Some(effective_at),
        command_id: None,
    };
    let outcome = state
        .commands
        .publish_chart(ctx, department, task, chart, when)
        .await?;
    Ok(outcome.events)
}

/// The relief chart, in force since the demo structure is (a second run appends nothing).
pub async fn relief(
    state: &AppState,
    ctx: &RequestContext,
    emergency: &CreditCode,
    since: DateTime<Utc>,
    report: &mut SeedReport,
) -> Result<(), AppError> {
    report.commands += 1;
    report.events += publish(
        state,
        ctx,
        emergency,
        &id("emb-relief-t1")?,
        relief_chart()?,
        since,
    )
    .await?;
    Ok(())
}

/// The approval bureau's 927 items (tasks of its service centre) with their charts in two
/// versions: version 1 since the demo structure, version 2 since [`REENGINEERED_AT`].
pub async fn approval_items(
    state: &AppState,
    ctx: &RequestContext,
    bureau: &CreditCode,
    since: DateTime<Utc>,
    report: &mut SeedReport,
) -> Result<(), AppError> {
    let when = || When {
        reason: Some("政务服务事项".to_owned()),
        effective_at: Some(since),
        command_id: None,
    };
    let text = |s: &str| Text::parse(s).map_err(|e| AppError::bad_input("seed text", e));
    let mut commands = vec![DepartmentCommand::AssignUnitDuty {
        unit_duty_id: id("aab-items")?,
        main_duty_id: id("aab-md-01")?,
        unit_id: id("aab-center")?,
        text: text("集中办理市级政务服务事项")?,
    }];
    for i in 0..APPROVAL_ITEMS {
        commands.push(DepartmentCommand::DefineTask {
            task_id: id(&format!("aab-item-{i:04}"))?,
            unit_duty_id: id("aab-items")?,
            details: TaskDetails {
                name: name(&format!("政务服务事项{:04}", i + 1))?,
                scope: None,
                procedure: None,
                time_limit: None,
                standard: None,
                risks: RiskFlags::default(),
            },
        });
    }
    for command in commands {
        report.commands += 1;
        match state
            .commands
            .execute::<Department>(ctx, bureau.as_str(), command, when())
            .await
        {
            Ok(o) => report.events += o.events,
            Err(e) if e.already_done() => {}
            Err(e) => return Err(e),
        }
    }
    let second = at(REENGINEERED_AT)?;
    let charts = futures::stream::iter((0..APPROVAL_ITEMS).map(|i| async move {
        let task = id(&format!("aab-item-{i:04}"))?;
        let mut events = publish(state, ctx, bureau, &task, approval_chart(i, 1)?, since).await?;
        events += publish(state, ctx, bureau, &task, approval_chart(i, 2)?, second).await?;
        Ok::<usize, AppError>(events)
    }))
    .buffer_unordered(8)
    .collect::<Vec<_>>()
    .await;
    for events in charts {
        report.commands += 2;
        report.events += events?;
    }
    Ok(())
}
