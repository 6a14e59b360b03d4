//! The demo workflow cases (办件), 2025-2026: the emergency bureau's relief cases on its relief
//! chart, and the approval bureau's cases on ten of its items, across versions 1 and 2 of
//! their charts (version 2 from 2025-06-01). Pure arithmetic, no randomness: the same events on
//! every machine, so that a second seed finds them all stored.
//!
//! **Relief** (`emb-relief-t1`, 30 calendar days, version 1): 12 cases received at 09:00 on the
//! 6th and the 20th of January-March 2025 and of December 2025-February 2026. A case runs the
//! 10 steps one after another (step k from day 2(k-1) to day 2k-1 after receipt, by post
//! `emb-relief-p1`) and is approved at day 19, on time, except:
//! - case 3 and case 9: returned for correction at step 4 (确定救助对象), redone the same day;
//! - case 5: approved at day 40, 10 days late;
//! - case 7: withdrawn at day 5 while step 3 runs;
//! - case 8: suspended for 10 days after step 2, every later step 10 days later, approved at
//!   day 35 (in time: the clock stopped);
//! - case 10: extended by 10 days (statutory limit 45) at day 20, approved at day 38, in time;
//! - case 11 (received 2026-02-20): steps 1-5 done, step 6 started, never closed: overdue.
//!
//! **Approval** (`aab-center`'s items `aab-item-0000`, `-0100`, ..., `-0900`): 10 cases a month
//! from January 2025 to September 2026 (21 months, 210 cases), case j of month m received at
//! 09:00 on day 3 + 2j, on item (j + m) mod 10, version 1 when received before 2025-06-01
//! (January-May 2025: 50 cases) and version 2 after (160 cases). 受理 (by the new post
//! `aab-center-p1`, 受理岗) runs from 09:30 to 11:00 on the day of receipt, 审查 (version 1
//! only) and 决定 by `aab-center-p2` (审批岗):
//! - j = 0-5: approved in time (version 1: 审查 days 1-4, 决定 days 5-7; version 2: 决定 days
//!   1-2);
//! - j = 6: the same, refused;
//! - j = 7: 受理 returned for missing materials at 10:00, redone on day 2, the rest 2 days
//!   later; approved in time;
//! - j = 8: approved late (version 1 at day 50, version 2 at day 30);
//! - j = 9, by m mod 3: 0: the step after 受理 started and never finished, never closed
//!   (overdue, 7 cases); 1: suspended 14 days during the step after 受理, approved in time (7
//!   cases); 2: opened with a statutory limit (30 or 20 working days) and extended by 5 days
//!   on day 1, approved in time at day 25 (version 1) or day 10 (version 2) (7 cases).
//!
//! So the approval bureau has 210 cases, 203 closed (21 refused), 21 closed late, 7 open and
//! overdue; the relief chart 12 cases, 11 closed (1 withdrawn), 1 closed late, 1 open and
//! overdue. Every time lies before 2026-11 and every deadline in 2025-2026 (the calendar years
//! shipped).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, SecondsFormat, TimeZone};
use dutyledger_domain::case::RawCaseEvent;

use super::{bad, SeedReport, ADMINISTRATIVE_APPROVAL, EMERGENCY_MANAGEMENT, TOWNSHIPS};
use crate::app::AppState;
use crate::context::RequestContext;
use crate::service::AppError;

/// The relief cases.
pub const RELIEF_CASES: usize = 12;
/// The months of approval cases (January 2025 to September 2026).
pub const APPROVAL_MONTHS: usize = 21;
/// Approval cases a month.
pub const APPROVAL_CASES_A_MONTH: usize = 10;
/// The approval items the demo cases run on: `aab-item-0000`, `aab-item-0100`, ...
pub const APPROVAL_CASE_ITEMS: usize = 10;

/// Builds one case's events, in time order.
struct Trail {
    department: String,
    case: String,
    t0: DateTime<FixedOffset>,
    events: Vec<RawCaseEvent>,
}

impl Trail {
    fn event(&mut self, kind: &str, minutes: i64) -> &mut RawCaseEvent {
        let at = self.t0 + Duration::minutes(minutes);
        self.events.push(RawCaseEvent {
            department_id: Some(self.department.clone()),
            case_id: Some(self.case.clone()),
            kind: Some(kind.to_owned()),
            at: Some(at.to_rfc3339_opts(SecondsFormat::Secs, false)),
            ..RawCaseEvent::default()
        });
        self.events.last_mut().expect("just pushed")
    }

    fn open(
        &mut self,
        task: &str,
        version: u32,
        region: &str,
        applicant: &str,
        statutory: Option<u16>,
    ) {
        let e = self.event("OPENED", 0);
        e.task_id = Some(task.to_owned());
        e.version = Some(version.to_string());
        e.region = Some(region.to_owned());
        e.applicant = Some(applicant.to_owned());
        e.statutory_limit_days = statutory.map(|d| d.to_string());
    }

    fn start(&mut self, step: u32, minutes: i64) {
        self.event("STEP_STARTED", minutes).step = Some(step.to_string());
    }

    fn complete(&mut self, step: u32, post: &str, minutes: i64) {
        let e = self.event("STEP_COMPLETED", minutes);
        e.step = Some(step.to_string());
        e.post_id = Some(post.to_owned());
    }

    /// The step runs from `from` to `to` (minutes after receipt).
    fn run(&mut self, step: u32, post: &str, from: i64, to: i64) {
        self.start(step, from);
        self.complete(step, post, to);
    }

    fn returned(&mut self, step: u32, minutes: i64, reason: &str) {
        let e = self.event("RETURNED", minutes);
        e.step = Some(step.to_string());
        e.reason = Some(reason.to_owned());
    }

    fn suspend(&mut self, minutes: i64, reason: &str) {
        self.event("SUSPENDED", minutes).reason = Some(reason.to_owned());
    }

    fn resume(&mut self, minutes: i64) {
        self.event("RESUMED", minutes);
    }

    fn extend(&mut self, days: u16, minutes: i64, reason: &str) {
        let e = self.event("EXTENDED", minutes);
        e.days = Some(days.to_string());
        e.reason = Some(reason.to_owned());
    }

    fn close(&mut self, outcome: &str, minutes: i64) {
        self.event("CLOSED", minutes).outcome = Some(outcome.to_owned());
    }
}

const HOUR: i64 = 60;
const DAY: i64 = 24 * HOUR;

fn beijing(y: i32, m: u32, d: u32) -> Result<DateTime<FixedOffset>, AppError> {
    let zone = FixedOffset::east_opt(8 * 3600).ok_or_else(|| seed_error("offset"))?;
    let day = NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| seed_error("date"))?;
    zone.from_local_datetime(&day.and_hms_opt(9, 0, 0).ok_or_else(|| seed_error("time"))?)
        .single()
        .ok_or_else(|| seed_error("time"))
}

fn seed_error(what: &str) -> AppError {
    AppError::bad_input("seed case", what)
}

/// The relief cases' events.
pub fn relief_events() -> Result<Vec<RawCaseEvent>, AppError> {
    let department = EMERGENCY_MANAGEMENT.credit_code().map_err(bad)?.to_string();
    let received = [
        (2025, 1, 6),
        (2025, 1, 20),
        (2025, 2, 6),
        (2025, 2, 20),
        (2025, 3, 6),
        (2025, 3, 20),
        (2025, 12, 6),
        (2025, 12, 20),
        (2026, 1, 6),
        (2026, 1, 20),
        (2026, 2, 6),
        (2026, 2, 20),
    ];
    let post = "emb-relief-p1";
    let mut out = Vec::new();
    for (r, (y, m, d)) in received.into_iter().enumerate() {
        let mut t = Trail {
            department: department.clone(),
            case: format!("emb-relief-{y}{m:02}{d:02}"),
            t0: beijing(y, m, d)?,
            events: Vec::new(),
        };
        let statutory = (r == 10).then_some(45);
        t.open(
            "emb-relief-t1",
            1,
            TOWNSHIPS[r % TOWNSHIPS.len()],
            "PERSON",
            statutory,
        );
        // Step k runs from day 2(k-1) to day 2k-1, an hour after 09:00; `shift` days later
        // after a suspension.
        let mut shift = 0;
        let mut ended = false;
        for k in 1..=10u32 {
            let from = (2 * i64::from(k) - 2) * DAY + HOUR + shift;
            let to = from + DAY;
            match (r, k) {
                (7, 3) => {
                    t.start(3, from);
                    t.close("WITHDRAWN", 5 * DAY + 2 * HOUR);
                    ended = true;
                    break;
                }
                (11, 6) => {
                    t.start(6, from);
                    ended = true;
                    break;
                }
                (3 | 9, 4) => {
                    t.start(4, from);
                    t.returned(4, to, "救助对象花名册与户籍信息不符，需核实补正");
                    t.run(4, post, to + HOUR, to + 2 * HOUR);
                }
                _ => t.run(k, post, from, to),
            }
            if r == 8 && k == 2 {
                t.suspend(to + HOUR, "等待上级救灾资金下达");
                t.resume(to + HOUR + 10 * DAY);
                shift = 10 * DAY;
            }
            if r == 10 && k == 10 {
                t.extend(10, 20 * DAY, "受灾范围扩大，需补充核查");
            }
        }
        if !ended {
            let at = match r {
                5 => 40 * DAY,
                8 => 35 * DAY,
                10 => 38 * DAY,
                _ => 19 * DAY + 2 * HOUR,
            };
            t.close("APPROVED", at);
        }
        out.append(&mut t.events);
    }
    Ok(out)
}

/// The approval cases' events.
pub fn approval_events() -> Result<Vec<RawCaseEvent>, AppError> {
    let department = ADMINISTRATIVE_APPROVAL
        .credit_code()
        .map_err(bad)?
        .to_string();
    let (intake, decider) = ("aab-center-p1", "aab-center-p2");
    let mut out = Vec::new();
    for m in 0..APPROVAL_MONTHS {
        let (year, month) = (2025 + (m / 12) as i32, 1 + (m % 12) as u32);
        for j in 0..APPROVAL_CASES_A_MONTH {
            let day = 3 + 2 * j as u32;
            let v1 = (year, month) < (2025, 6);
            let item = format!("aab-item-{:04}", ((j + m) % APPROVAL_CASE_ITEMS) * 100);
            let mut t = Trail {
                department: department.clone(),
                case: format!("aab-{year}{month:02}-{j}"),
                t0: beijing(year, month, day)?,
                events: Vec::new(),
            };
            let special = (j == 9).then_some(m % 3);
            let statutory = match special {
                Some(2) => Some(if v1 { 30 } else { 20 }),
                _ => None,
            };
            let applicant = if j % 2 == 0 { "PERSON" } else { "ORGANIZATION" };
            t.open(
                &item,
                if v1 { 1 } else { 2 },
                TOWNSHIPS[(m + j) % TOWNSHIPS.len()],
                applicant,
                statutory,
            );
            // 受理, on the day of receipt (returned once for j = 7: everything 2 days later).
            let mut shift = 0;
            if j == 7 {
                t.start(1, 30);
                t.returned(1, HOUR, "申请材料不全，一次性告知补正");
                shift = 2 * DAY;
            }
            t.run(1, intake, shift + 30, shift + 2 * HOUR);
            // The step after 受理: 审查 (version 1) or 决定 (version 2).
            let (review, decide) = if v1 { (Some(2), 3) } else { (None, 2) };
            let next = review.unwrap_or(decide);
            let close_at = match (special, j) {
                (Some(0), _) => {
                    t.start(next, DAY);
                    None
                }
                (Some(1), _) => {
                    t.start(next, DAY);
                    t.suspend(DAY + 2 * HOUR, "组织专家评审，时间不计入办理时限");
                    t.resume(15 * DAY + 2 * HOUR);
                    t.complete(next, decider, 16 * DAY);
                    if review.is_some() {
                        t.run(decide, decider, 17 * DAY, 19 * DAY);
                    }
                    Some(if v1 { 19 * DAY } else { 16 * DAY } + HOUR)
                }
                (Some(_), _) => {
                    t.start(next, DAY);
                    t.extend(5, DAY + HOUR, "情况复杂，经负责人批准延长");
                    if review.is_some() {
                        t.complete(next, decider, 20 * DAY);
                        t.run(decide, decider, 21 * DAY, 25 * DAY);
                        Some(25 * DAY + HOUR)
                    } else {
                        t.complete(next, decider, 10 * DAY);
                        Some(10 * DAY + HOUR)
                    }
                }
                (None, 8) => {
                    if review.is_some() {
                        t.run(next, decider, DAY, 40 * DAY);
                        t.run(decide, decider, 41 * DAY, 50 * DAY);
                        Some(50 * DAY + HOUR)
                    } else {
                        t.run(next, decider, DAY, 30 * DAY);
                        Some(30 * DAY + HOUR)
                    }
                }
                (None, _) => {
                    if review.is_some() {
                        t.run(next, decider, shift + DAY, shift + 4 * DAY);
                        t.run(decide, decider, shift + 5 * DAY, shift + 7 * DAY);
                        Some(shift + 7 * DAY + HOUR)
                    } else {
                        t.run(next, decider, shift + DAY, shift + 2 * DAY);
                        Some(shift + 2 * DAY + HOUR)
                    }
                }
            };
            if let Some(at) = close_at {
                t.close(if j == 6 { "REFUSED" } else { "APPROVED" }, at);
            }
            out.append(&mut t.events);
        }
    }
    Ok(out)
}

/// Records the demo cases (after [`super::seed`] and [`super::seed_approval_items`], whose
/// structure and charts they run on) through the batch path of `recordCaseEventsBatch`. Every
/// event is stored once: a second run finds them all stored (duplicates) and appends nothing.
pub async fn seed(
    state: &AppState,
    ctx: &RequestContext,
    report: &mut SeedReport,
) -> Result<(), AppError> {
    let mut events = relief_events()?;
    events.extend(approval_events()?);
    for chunk in events.chunks(dutyledger_projections::cases::MAX_BATCH) {
        let batch = chunk.iter().map(RawCaseEvent::parse).collect();
        report.commands += 1;
        let (outcome, _) = state.commands.cases(ctx, batch).await?;
        if let Some((o, rejection)) = outcome
            .outcomes
            .iter()
            .find_map(|o| o.rejection.as_ref().map(|r| (o, r)))
        {
            let event = &chunk[o.index];
            return Err(AppError::bad_input(
                "seed case",
                format!(
                    "{} {} at {}: {rejection}",
                    event.case_id.as_deref().unwrap_or(""),
                    event.kind.as_deref().unwrap_or(""),
                    event.at.as_deref().unwrap_or("")
                ),
            ));
        }
        report.events += outcome.stored;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(events: &[RawCaseEvent], kind: &str) -> usize {
        events
            .iter()
            .filter(|e| e.kind.as_deref() == Some(kind))
            .count()
    }

    #[test]
    fn the_demo_cases_are_a_few_thousand_events_before_november_2026() {
        let relief = relief_events().expect("relief");
        let approval = approval_events().expect("approval");
        assert_eq!(kinds(&relief, "OPENED"), RELIEF_CASES);
        assert_eq!(kinds(&relief, "CLOSED"), 11);
        assert_eq!(relief.len(), 246);
        assert_eq!(kinds(&approval, "OPENED"), 210);
        assert_eq!(approval.len(), 1_405);
        assert_eq!(kinds(&approval, "CLOSED"), 203);
        assert_eq!(kinds(&approval, "RETURNED"), 21);
        assert_eq!(kinds(&approval, "SUSPENDED"), 7);
        assert_eq!(kinds(&approval, "EXTENDED"), 7);
        let limit = DateTime::parse_from_rfc3339("2026-11-01T00:00:00+08:00").expect("time");
        for e in relief.iter().chain(&approval) {
            let at = DateTime::parse_from_rfc3339(e.at.as_deref().unwrap_or("")).expect("time");
            assert!(at < limit, "{e:?}");
            assert!(e.parse().is_ok(), "{e:?}");
        }
    }

    #[test]
    fn each_case_lists_its_events_in_time_order() {
        let mut events = relief_events().expect("relief");
        events.extend(approval_events().expect("approval"));
        for pair in events.windows(2) {
            if pair[0].case_id == pair[1].case_id {
                assert!(
                    DateTime::parse_from_rfc3339(pair[0].at.as_deref().unwrap_or(""))
                        .expect("time")
                        <= DateTime::parse_from_rfc3339(pair[1].at.as_deref().unwrap_or(""))
                            .expect("time"),
                    "{pair:?}"
                );
            }
        }
    }
}
