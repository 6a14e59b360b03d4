//! A case's state, folded from its events, and the rules a new event is checked by.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::event::CaseEvent;
use super::input::{CaseAction, CaseInput, CaseRejection};
use crate::calendar::{Calendar, CalendarError, ClockStop};
use crate::performance::{local_date, StructureAt};
use crate::values::{CreditCode, DayKind, EntityId, TimeLimit};
use crate::workflow::{Chart, Step};

/// The published chart versions the rules read (the read side supplies them). A published
/// version's content never changes, so a reader may cache it for good.
pub trait ChartVersions {
    /// Version `version` of the task's chart, if it was published.
    fn chart(&self, department: &CreditCode, task: &EntityId, version: u32) -> Option<&Chart>;
}

/// What the rules read besides the case itself.
pub struct CaseContext<'a> {
    /// The structure in force at each event's time (departments, tasks, posts).
    pub structure: &'a (dyn StructureAt + Sync),
    /// The published chart versions.
    pub charts: &'a (dyn ChartVersions + Sync),
    /// The working-day calendar (as known now).
    pub calendar: &'a Calendar,
    /// The server's time: nothing may happen after it.
    pub now: DateTime<Utc>,
}

impl std::fmt::Debug for CaseContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseContext")
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// What the case was opened with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opened {
    /// The department.
    pub department_id: CreditCode,
    /// The case id.
    pub case_id: EntityId,
    /// The task.
    pub task_id: EntityId,
    /// The pinned chart version.
    pub version: u32,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Its time limit.
    pub time_limit: Option<TimeLimit>,
    /// The statutory limit.
    pub statutory_limit: Option<TimeLimit>,
}

/// A step that is running.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Running {
    /// Its number.
    pub step: u32,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// How long the case waited before it started.
    pub waited_seconds: i64,
}

/// An event already in the stream, by what identifies a resubmission of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// The kind's code.
    pub kind: String,
    /// The step's number (0: none).
    pub step: u32,
    /// When.
    pub at: DateTime<Utc>,
    /// Its sequence in the stream.
    pub sequence: i64,
    /// What else it said ([`content_of_input`]): a resend must say the same.
    #[serde(default)]
    pub content: String,
}

/// What a case event says besides its kind, step and time, as compared between a resend and
/// the stored event (the same text from the input and from the event).
pub fn content_of_input(action: &CaseAction) -> String {
    match action {
        CaseAction::Open {
            task_id,
            version,
            region,
            applicant,
            ..
        } => format!("{task_id}|{version}|{region}|{}", applicant.code()),
        CaseAction::CompleteStep { post_id, .. } => post_id.to_string(),
        CaseAction::Suspend { reason } | CaseAction::Return { reason, .. } => reason.to_string(),
        CaseAction::Extend { days, reason } => format!("{days}|{reason}"),
        CaseAction::Close { outcome } => outcome.code().to_owned(),
        CaseAction::StartStep { .. } | CaseAction::Resume => String::new(),
    }
}

fn content_of_event(event: &CaseEvent) -> String {
    match event {
        CaseEvent::CaseOpened {
            task_id,
            version,
            region,
            applicant,
            ..
        } => format!("{task_id}|{version}|{region}|{}", applicant.code()),
        CaseEvent::CaseStepCompleted { post_id, .. } => post_id.to_string(),
        CaseEvent::CaseSuspended { reason, .. } | CaseEvent::CaseReturned { reason, .. } => {
            reason.to_string()
        }
        CaseEvent::CaseExtended { days, reason, .. } => format!("{days}|{reason}"),
        CaseEvent::CaseClosed { outcome, .. } => outcome.code().to_owned(),
        CaseEvent::CaseStepStarted { .. } | CaseEvent::CaseResumed { .. } => String::new(),
    }
}

/// A case's state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseState {
    /// What it was opened with (`None`: not opened).
    pub opened: Option<Opened>,
    /// Days added by extensions.
    pub extended_days: u32,
    /// Clock stops that ended.
    pub stops: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Since when the clock is stopped, if it is.
    pub suspended_since: Option<DateTime<Utc>>,
    /// The steps running.
    pub running: Vec<Running>,
    /// The steps that ever started.
    pub ran: Vec<u32>,
    /// When the case last progressed (receipt, a completion, a return): waiting counts from it.
    pub progress_at: Option<DateTime<Utc>>,
    /// The time of its last event.
    pub last_at: Option<DateTime<Utc>>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// The current deadline.
    pub deadline: Option<DateTime<Utc>>,
    /// Its events, by what identifies a resubmission.
    pub seen: Vec<Seen>,
    /// Its last sequence.
    pub sequence: i64,
}

/// What becomes of a case event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Store this event.
    Append(CaseEvent),
    /// The same event is in the stream already, at this sequence: store nothing.
    Duplicate(i64),
}

fn calendar_error(e: CalendarError) -> CaseRejection {
    match e {
        CalendarError::YearMissing(y) | CalendarError::YearOutOfRange(y) => {
            CaseRejection::CalendarYearMissing(y)
        }
        other => CaseRejection::Invalid {
            field: "at",
            reason: other.to_string(),
        },
    }
}

/// The step a client names (its name, or its number from 1), with its number.
pub fn find_step<'c>(chart: &'c Chart, given: &str) -> Option<(u32, &'c Step)> {
    let given = given.trim();
    if let Ok(n) = given.parse::<usize>() {
        if (1..=chart.steps.len()).contains(&n) {
            return Some((n as u32, &chart.steps[n - 1]));
        }
    }
    chart
        .steps
        .iter()
        .enumerate()
        .find(|(_, s)| s.name.as_str() == given)
        .map(|(i, s)| (i as u32 + 1, s))
}

impl CaseState {
    fn clock_stops(&self, until: Option<DateTime<Utc>>) -> Vec<ClockStop> {
        let mut stops: Vec<ClockStop> = self
            .stops
            .iter()
            .filter_map(|&(a, b)| ClockStop::new(a, b).ok())
            .collect();
        if let (Some(since), Some(until)) = (self.suspended_since, until) {
            if let Ok(s) = ClockStop::new(since, until) {
                stops.push(s);
            }
        }
        stops
    }

    /// The deadline with `extra` more days, the stops (and an open stop up to `until`) not
    /// counted.
    fn deadline_with(
        &self,
        ctx: &CaseContext<'_>,
        extra: u32,
        until: Option<DateTime<Utc>>,
    ) -> Result<Option<DateTime<Utc>>, CaseRejection> {
        let Some(opened) = &self.opened else {
            return Ok(None);
        };
        let Some(limit) = opened.time_limit else {
            return Ok(None);
        };
        let days = u32::from(limit.days()) + self.extended_days + extra;
        let limit =
            TimeLimit::new(i64::from(days), limit.kind()).map_err(|e| CaseRejection::Invalid {
                field: "days",
                reason: e.to_string(),
            })?;
        let d = ctx
            .calendar
            .deadline(opened.received_at, limit, &self.clock_stops(until))
            .map_err(calendar_error)?;
        Ok(Some(d.ends_at))
    }

    fn chart<'c>(&self, ctx: &CaseContext<'c>) -> Option<&'c Chart> {
        let o = self.opened.as_ref()?;
        ctx.charts.chart(&o.department_id, &o.task_id, o.version)
    }

    /// Decides what a case event does to this case. Pure.
    pub fn decide(
        &self,
        input: &CaseInput,
        ctx: &CaseContext<'_>,
    ) -> Result<Decision, CaseRejection> {
        let at = input.at;
        if at > ctx.now {
            return Err(CaseRejection::InFuture { at, now: ctx.now });
        }
        let Some(opened) = &self.opened else {
            return match &input.action {
                CaseAction::Open { .. } => self.open(input, ctx).map(Decision::Append),
                _ => Err(CaseRejection::NotOpened(input.case_id.clone())),
            };
        };
        if let CaseAction::Open { .. } = input.action {
            return if opened.received_at == at {
                self.resent(input, "OPENED", 0, 1)
            } else {
                Err(CaseRejection::AlreadyOpened {
                    case: input.case_id.clone(),
                    received_at: opened.received_at,
                })
            };
        }
        let chart = self.chart(ctx);
        let step = match &input.action {
            CaseAction::StartStep { step }
            | CaseAction::CompleteStep { step, .. }
            | CaseAction::Return { step, .. } => {
                Some(chart.and_then(|c| find_step(c, step)).ok_or_else(|| {
                    CaseRejection::StepNotInChart {
                        step: step.clone(),
                        version: opened.version,
                    }
                })?)
            }
            _ => None,
        };
        let number = step.map_or(0, |(n, _)| n);
        let kind = input.action.kind();
        if let Some(seen) = self
            .seen
            .iter()
            .find(|s| s.kind == kind && s.step == number && s.at == at)
        {
            return self.resent(input, kind, number, seen.sequence);
        }
        if let Some(closed_at) = self.closed_at {
            return Err(CaseRejection::Closed {
                case: input.case_id.clone(),
                closed_at,
            });
        }
        if let Some(last) = self.last_at {
            if at < last {
                return Err(CaseRejection::OutOfOrder { at, last });
            }
        }
        let suspended = || {
            if self.suspended_since.is_some() {
                Err(CaseRejection::Suspended(input.case_id.clone()))
            } else {
                Ok(())
            }
        };
        let event = match &input.action {
            CaseAction::Open { .. } => unreachable!("handled above"),
            CaseAction::StartStep { .. } => {
                suspended()?;
                let (n, s) = step.expect("resolved above");
                if self.running.iter().any(|r| r.step == n) {
                    return Err(CaseRejection::StepAlreadyStarted(s.name.to_string()));
                }
                CaseEvent::CaseStepStarted {
                    step: n,
                    name: s.name.clone(),
                    at,
                }
            }
            CaseAction::CompleteStep { post_id, .. } => {
                suspended()?;
                let (n, s) = step.expect("resolved above");
                let running = self
                    .running
                    .iter()
                    .find(|r| r.step == n)
                    .ok_or_else(|| CaseRejection::StepNotStarted(s.name.to_string()))?;
                let unit = ctx
                    .structure
                    .post_unit(&opened.department_id, post_id, at)
                    .ok_or_else(|| CaseRejection::PostNotFound(post_id.clone()))?;
                let handles = match &s.post_id {
                    Some(p) => (p == post_id, format!("post {p}")),
                    None => (unit == s.unit_id, format!("a post of unit {}", s.unit_id)),
                };
                if !handles.0 {
                    return Err(CaseRejection::PostNotHandlingStep {
                        post: post_id.clone(),
                        step: s.name.to_string(),
                        handler: handles.1,
                    });
                }
                let stops = self.clock_stops(None);
                let working_seconds = ctx
                    .calendar
                    .working_seconds_between(running.started_at, at, &stops)
                    .map_err(calendar_error)?;
                let on_time = match s.time_limit {
                    None => None,
                    Some(limit) => Some(
                        at < ctx
                            .calendar
                            .deadline(running.started_at, limit, &stops)
                            .map_err(calendar_error)?
                            .ends_at,
                    ),
                };
                CaseEvent::CaseStepCompleted {
                    step: n,
                    name: s.name.clone(),
                    post_id: post_id.clone(),
                    unit_id: unit,
                    started_at: running.started_at,
                    at,
                    seconds: (at - running.started_at).num_seconds(),
                    working_seconds,
                    waited_seconds: running.waited_seconds,
                    on_time,
                }
            }
            CaseAction::Suspend { reason } => {
                suspended()?;
                CaseEvent::CaseSuspended {
                    at,
                    reason: reason.clone(),
                }
            }
            CaseAction::Resume => {
                if self.suspended_since.is_none() {
                    return Err(CaseRejection::NotSuspended(input.case_id.clone()));
                }
                CaseEvent::CaseResumed {
                    at,
                    deadline: self.deadline_with(ctx, 0, Some(at))?,
                }
            }
            CaseAction::Extend { days, reason } => {
                let limit = opened
                    .time_limit
                    .ok_or_else(|| CaseRejection::NoTimeLimit(input.case_id.clone()))?;
                let total = u32::from(limit.days()) + self.extended_days + u32::from(*days);
                let statutory = opened.statutory_limit.map_or(limit.days(), |s| s.days());
                if total > u32::from(statutory) {
                    return Err(CaseRejection::BeyondStatutoryLimit {
                        days: *days,
                        total,
                        statutory,
                    });
                }
                let deadline = if self.suspended_since.is_some() {
                    None
                } else {
                    self.deadline_with(ctx, u32::from(*days), None)?
                };
                CaseEvent::CaseExtended {
                    at,
                    days: *days,
                    reason: reason.clone(),
                    deadline,
                }
            }
            CaseAction::Return { reason, .. } => {
                suspended()?;
                let (n, s) = step.expect("resolved above");
                if !self.ran.contains(&n) {
                    return Err(CaseRejection::StepNotStarted(s.name.to_string()));
                }
                CaseEvent::CaseReturned {
                    step: n,
                    name: s.name.clone(),
                    at,
                    reason: reason.clone(),
                }
            }
            CaseAction::Close { outcome } => {
                if *outcome != super::Outcome::Withdrawn && !self.running.is_empty() {
                    let names = self
                        .running
                        .iter()
                        .filter_map(|r| {
                            chart
                                .and_then(|c| c.steps.get(r.step as usize - 1))
                                .map(|s| s.name.to_string())
                        })
                        .collect();
                    return Err(CaseRejection::StepsRunning(names));
                }
                let stops = self.clock_stops(Some(at));
                let working_seconds = ctx
                    .calendar
                    .working_seconds_between(opened.received_at, at, &stops)
                    .map_err(calendar_error)?;
                let deadline = self.deadline_with(ctx, 0, Some(at))?;
                let on_time = deadline.map(|d| at < d);
                let days_over = match (deadline, opened.time_limit) {
                    (Some(d), Some(limit)) if at >= d => {
                        Some(days_over(ctx.calendar, d, at, limit.kind())?)
                    }
                    _ => None,
                };
                CaseEvent::CaseClosed {
                    at,
                    outcome: *outcome,
                    seconds: (at - opened.received_at).num_seconds(),
                    working_seconds,
                    deadline,
                    on_time,
                    days_over,
                }
            }
        };
        Ok(Decision::Append(event))
    }

    /// The same kind, step and time as the stored event at `sequence`: a duplicate if it says
    /// the same, else a conflict (a resend may not change what was recorded).
    fn resent(
        &self,
        input: &CaseInput,
        kind: &str,
        step: u32,
        sequence: i64,
    ) -> Result<Decision, CaseRejection> {
        let stored = self
            .seen
            .iter()
            .find(|s| s.sequence == sequence)
            .map_or("", |s| s.content.as_str());
        let given = content_of_input(&input.action);
        if stored.is_empty() || stored == given {
            Ok(Decision::Duplicate(sequence))
        } else {
            Err(CaseRejection::ResentDifferently {
                kind: kind.to_owned(),
                step,
                at: input.at,
                stored: stored.to_owned(),
                given,
            })
        }
    }

    fn open(&self, input: &CaseInput, ctx: &CaseContext<'_>) -> Result<CaseEvent, CaseRejection> {
        let CaseAction::Open {
            task_id,
            version,
            region,
            applicant,
            statutory_limit_days,
        } = &input.action
        else {
            unreachable!("called for openings only")
        };
        let at = input.at;
        let department = ctx
            .structure
            .department(&input.department_id, at)
            .ok_or_else(|| CaseRejection::DepartmentNotFound(input.department_id.clone()))?;
        if !department.division.contains(region) {
            return Err(CaseRejection::RegionOutsideJurisdiction {
                region: region.clone(),
                division: department.division,
            });
        }
        let task = ctx
            .structure
            .task(&input.department_id, task_id, at)
            .ok_or_else(|| CaseRejection::TaskNotFound(task_id.clone()))?;
        let Some(chart) = ctx.charts.chart(&input.department_id, task_id, *version) else {
            return Err(CaseRejection::ChartVersionNotFound {
                task: task_id.clone(),
                version: *version,
            });
        };
        let time_limit = task.time_limit.or_else(|| chart_limit(chart));
        let statutory_limit = match (time_limit, statutory_limit_days) {
            (Some(limit), Some(days)) => {
                if *days < limit.days() {
                    return Err(CaseRejection::Invalid {
                        field: "statutoryLimitDays",
                        reason: format!(
                            "{days} days is less than the task's time limit of {} days",
                            limit.days()
                        ),
                    });
                }
                Some(TimeLimit::new(i64::from(*days), limit.kind()).map_err(|e| {
                    CaseRejection::Invalid {
                        field: "statutoryLimitDays",
                        reason: e.to_string(),
                    }
                })?)
            }
            (limit, _) => limit,
        };
        let deadline = match time_limit {
            None => None,
            Some(limit) => Some(
                ctx.calendar
                    .deadline(at, limit, &[])
                    .map_err(calendar_error)?
                    .ends_at,
            ),
        };
        Ok(CaseEvent::CaseOpened {
            case_id: input.case_id.clone(),
            department_id: input.department_id.clone(),
            task_id: task_id.clone(),
            version: *version,
            region: region.clone(),
            applicant: *applicant,
            level: department.level,
            sector: department.sector,
            received_at: at,
            time_limit,
            statutory_limit,
            deadline,
        })
    }

    /// Applies a stored event (at `sequence` in the stream).
    pub fn evolve(&mut self, event: &CaseEvent, sequence: i64) {
        let at = event.at();
        let (kind, step) = match event {
            CaseEvent::CaseOpened {
                case_id,
                department_id,
                task_id,
                version,
                received_at,
                time_limit,
                statutory_limit,
                deadline,
                ..
            } => {
                self.opened = Some(Opened {
                    department_id: department_id.clone(),
                    case_id: case_id.clone(),
                    task_id: task_id.clone(),
                    version: *version,
                    received_at: *received_at,
                    time_limit: *time_limit,
                    statutory_limit: *statutory_limit,
                });
                self.deadline = *deadline;
                self.progress_at = Some(*received_at);
                ("OPENED", 0)
            }
            CaseEvent::CaseStepStarted { step, at, .. } => {
                let waited = self
                    .progress_at
                    .map_or(0, |p| (*at - p).num_seconds().max(0));
                self.running.push(Running {
                    step: *step,
                    started_at: *at,
                    waited_seconds: waited,
                });
                if !self.ran.contains(step) {
                    self.ran.push(*step);
                }
                ("STEP_STARTED", *step)
            }
            CaseEvent::CaseStepCompleted { step, at, .. } => {
                self.running.retain(|r| r.step != *step);
                self.progress_at = Some(*at);
                ("STEP_COMPLETED", *step)
            }
            CaseEvent::CaseSuspended { at, .. } => {
                self.suspended_since = Some(*at);
                self.deadline = None;
                ("SUSPENDED", 0)
            }
            CaseEvent::CaseResumed { at, deadline } => {
                if let Some(since) = self.suspended_since.take() {
                    self.stops.push((since, *at));
                }
                self.deadline = *deadline;
                ("RESUMED", 0)
            }
            CaseEvent::CaseExtended { days, deadline, .. } => {
                self.extended_days += u32::from(*days);
                self.deadline = *deadline;
                ("EXTENDED", 0)
            }
            CaseEvent::CaseReturned { step, at, .. } => {
                self.running.retain(|r| r.step != *step);
                self.progress_at = Some(*at);
                ("RETURNED", *step)
            }
            CaseEvent::CaseClosed { at, deadline, .. } => {
                if let Some(since) = self.suspended_since.take() {
                    self.stops.push((since, *at));
                }
                self.running.clear();
                self.closed_at = Some(*at);
                self.deadline = *deadline;
                ("CLOSED", 0)
            }
        };
        self.seen.push(Seen {
            kind: kind.to_owned(),
            step,
            at,
            sequence,
            content: content_of_event(event),
        });
        self.last_at = Some(self.last_at.map_or(at, |l| l.max(at)));
        self.sequence = sequence;
    }
}

/// A chart's own time limit: the sum of its steps' limits, when every step has one and all
/// count the same kind of days (the case's limit when its task names none).
pub fn chart_limit(chart: &Chart) -> Option<TimeLimit> {
    let first = chart.steps.first()?.time_limit?;
    let mut days: i64 = 0;
    for step in &chart.steps {
        let limit = step.time_limit?;
        if limit.kind() != first.kind() {
            return None;
        }
        days += i64::from(limit.days());
    }
    TimeLimit::new(days, first.kind()).ok()
}

/// Days past a deadline (`ends_at`, the first instant after its last day) at `at`, counted
/// like the limit: working days (or calendar days) after the deadline's last day up to and
/// including the day of `at`. Late into a weekend right after the deadline counts 0 working
/// days.
pub fn days_over(
    calendar: &Calendar,
    ends_at: DateTime<Utc>,
    at: DateTime<Utc>,
    kind: DayKind,
) -> Result<u32, CaseRejection> {
    let last_day = ends_at - Duration::seconds(1);
    match kind {
        DayKind::Working => calendar
            .working_days_between(last_day, at, &[])
            .map_err(calendar_error),
        DayKind::Calendar => Ok((local_date(at) - local_date(last_day)).num_days().max(0) as u32),
    }
}
