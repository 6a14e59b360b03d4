//! The OCEL 2.0 model of the case trail (ADR 0017) and the driver that streams it into a
//! writer.
//!
//! Object types: 办件 (a case), 工作任务 (a task), 流程图版本 (a chart version), 部门 (a
//! department), 科室 (a unit). Object-to-object: a case 按流程版本 its chart version and
//! 属于任务 its task; a chart version 属于任务 its task; a task and a unit 属于部门 their
//! department.
//!
//! Event types: one per kind of case event (受理, 环节开始, 环节完成, 挂起, 恢复, 延期, 退回补正,
//! 办结; the step's name is the attribute 环节) and 流程图发布 (a chart version's publication,
//! one per version involved). Event-to-object: every case event relates its case (办件) and
//! chart version (流程版本); a completed step its unit (承办科室); the opening also its task
//! (工作任务) and department (承办部门); a publication its version (流程版本), task (工作任务)
//! and department (部门). So every object appears in at least one event.
//!
//! Objects come first (departments, tasks and chart versions grouped from one ordered stream;
//! then units; then cases), so that every object-to-object target is written before its source
//! (the SQLite file's foreign keys hold as rows are inserted); then the events (publications,
//! then the case events in the log's global order).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use dutyledger_domain::case::CaseEvent;
use dutyledger_projections::cases::trail::{Order, Trail, TrailCase, TrailChart, TrailEvent};
use futures::StreamExt;

use super::{ExportError, Summary};

/// The type of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    /// Text.
    String,
    /// A whole number.
    Integer,
    /// True or false.
    Boolean,
    /// An instant.
    Time,
}

impl AttrType {
    /// The OCEL 2.0 name of the type.
    pub fn ocel(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Integer => "integer",
            AttrType::Boolean => "boolean",
            AttrType::Time => "time",
        }
    }

    /// The SQLite column type.
    pub fn sqlite(self) -> &'static str {
        match self {
            AttrType::String => "TEXT",
            AttrType::Integer => "INTEGER",
            AttrType::Boolean => "BOOLEAN",
            AttrType::Time => "TIMESTAMP",
        }
    }
}

/// An attribute of a type: its name (Chinese, as exported), its SQLite column, its type.
#[derive(Debug, Clone, Copy)]
pub struct Attr {
    /// The name.
    pub name: &'static str,
    /// The ASCII column name in the SQLite file.
    pub column: &'static str,
    /// The type.
    pub ty: AttrType,
}

const fn attr(name: &'static str, column: &'static str, ty: AttrType) -> Attr {
    Attr { name, column, ty }
}

/// An object or event type.
#[derive(Debug)]
pub struct TypeDef {
    /// The name (Chinese, as exported).
    pub name: &'static str,
    /// The ASCII name of its SQLite table (`event_<map>`, `object_<map>`).
    pub map: &'static str,
    /// Its attributes.
    pub attrs: &'static [Attr],
}

use AttrType::{Boolean, Integer, String as Text, Time};

/// 办件: a case.
pub static CASE: TypeDef = TypeDef {
    name: "办件",
    map: "case",
    attrs: &[
        attr("办件编号", "case_id", Text),
        attr("受理时间", "received_at", Time),
        attr("区划", "region", Text),
        attr("申请人类型", "applicant", Text),
    ],
};
/// 工作任务: a task.
pub static TASK: TypeDef = TypeDef {
    name: "工作任务",
    map: "task",
    attrs: &[attr("任务编号", "task_id", Text)],
};
/// 流程图版本: a chart version.
pub static CHART: TypeDef = TypeDef {
    name: "流程图版本",
    map: "chart_version",
    attrs: &[
        attr("版本", "version", Integer),
        attr("环节数", "steps", Integer),
    ],
};
/// 部门: a department.
pub static DEPARTMENT: TypeDef = TypeDef {
    name: "部门",
    map: "department",
    attrs: &[attr("统一社会信用代码", "credit_code", Text)],
};
/// 科室: a unit.
pub static UNIT: TypeDef = TypeDef {
    name: "科室",
    map: "unit",
    attrs: &[attr("科室编号", "unit_id", Text)],
};

/// Every object type, in the order objects are written.
pub static OBJECT_TYPES: [&TypeDef; 5] = [&DEPARTMENT, &TASK, &CHART, &UNIT, &CASE];

const STEP: Attr = attr("环节序号", "step", Integer);
const STEP_NAME: Attr = attr("环节", "step_name", Text);
const REASON: Attr = attr("原因", "reason", Text);
const DEADLINE: Attr = attr("期限", "deadline", Time);
const SECONDS: Attr = attr("用时秒", "seconds", Integer);
const WORKING: Attr = attr("工作用时秒", "working_seconds", Integer);
const ON_TIME: Attr = attr("按时", "on_time", Boolean);

/// 受理: a case opened.
pub static OPENED: TypeDef = TypeDef {
    name: "受理",
    map: "opened",
    attrs: &[
        attr("区划", "region", Text),
        attr("申请人类型", "applicant", Text),
        attr("层级", "level", Text),
        attr("领域", "sector", Text),
        DEADLINE,
    ],
};
/// 环节开始: a step started.
pub static STARTED: TypeDef = TypeDef {
    name: "环节开始",
    map: "step_started",
    attrs: &[STEP, STEP_NAME],
};
/// 环节完成: a step completed.
pub static COMPLETED: TypeDef = TypeDef {
    name: "环节完成",
    map: "step_completed",
    attrs: &[
        STEP,
        STEP_NAME,
        attr("岗位", "post_id", Text),
        SECONDS,
        WORKING,
        attr("等待秒", "waited_seconds", Integer),
        ON_TIME,
    ],
};
/// 挂起: the clock stopped.
pub static SUSPENDED: TypeDef = TypeDef {
    name: "挂起",
    map: "suspended",
    attrs: &[REASON],
};
/// 恢复: the clock runs again.
pub static RESUMED: TypeDef = TypeDef {
    name: "恢复",
    map: "resumed",
    attrs: &[DEADLINE],
};
/// 延期: the time limit extended.
pub static EXTENDED: TypeDef = TypeDef {
    name: "延期",
    map: "extended",
    attrs: &[attr("天数", "days", Integer), REASON, DEADLINE],
};
/// 退回补正: returned for correction at a step.
pub static RETURNED: TypeDef = TypeDef {
    name: "退回补正",
    map: "returned",
    attrs: &[STEP, STEP_NAME, REASON],
};
/// 办结: the case ended.
pub static CLOSED: TypeDef = TypeDef {
    name: "办结",
    map: "closed",
    attrs: &[
        attr("结果", "outcome", Text),
        SECONDS,
        WORKING,
        ON_TIME,
        attr("超期天数", "days_over", Integer),
    ],
};
/// 流程图发布: a chart version published.
pub static PUBLISHED: TypeDef = TypeDef {
    name: "流程图发布",
    map: "chart_published",
    attrs: &[
        attr("版本", "version", Integer),
        attr("环节数", "steps", Integer),
    ],
};

/// Every event type.
pub static EVENT_TYPES: [&TypeDef; 9] = [
    &PUBLISHED, &OPENED, &STARTED, &COMPLETED, &SUSPENDED, &RESUMED, &EXTENDED, &RETURNED, &CLOSED,
];

/// An attribute value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Str(String),
    /// A whole number.
    Int(i64),
    /// True or false.
    Bool(bool),
    /// An instant.
    Time(DateTime<Utc>),
}

/// A relationship: the target object's id and the qualifier.
pub type Rel = (String, &'static str);

/// An object, its attributes aligned with its type's (`None`: no value).
#[derive(Debug, Clone)]
pub struct Object {
    /// Its id.
    pub id: String,
    /// Its type.
    pub ty: &'static TypeDef,
    /// Its attribute values.
    pub attrs: Vec<Option<Value>>,
    /// Object-to-object relationships.
    pub rels: Vec<Rel>,
}

/// An event, its attributes aligned with its type's (`None`: no value).
#[derive(Debug, Clone)]
pub struct Event {
    /// Its id.
    pub id: String,
    /// Its type.
    pub ty: &'static TypeDef,
    /// When it happened.
    pub time: DateTime<Utc>,
    /// Its attribute values.
    pub attrs: Vec<Option<Value>>,
    /// Event-to-object relationships.
    pub rels: Vec<Rel>,
}

/// A writer of one OCEL 2.0 format: types first (when it is made), then objects, then events.
#[async_trait]
pub trait OcelSink: Send {
    /// Writes an object.
    async fn object(&mut self, o: &Object) -> Result<(), ExportError>;
    /// The objects are done; events follow.
    async fn end_objects(&mut self) -> Result<(), ExportError>;
    /// Writes an event.
    async fn event(&mut self, e: &Event) -> Result<(), ExportError>;
    /// Finishes the file.
    async fn finish(&mut self) -> Result<(), ExportError>;
}

/// The object ids.
pub mod ids {
    /// A department.
    pub fn department(d: &str) -> String {
        format!("dept:{d}")
    }
    /// A task.
    pub fn task(d: &str, t: &str) -> String {
        format!("task:{d}/{t}")
    }
    /// A chart version.
    pub fn chart(d: &str, t: &str, v: i32) -> String {
        format!("chart:{d}/{t}@v{v}")
    }
    /// A unit.
    pub fn unit(d: &str, u: &str) -> String {
        format!("unit:{d}/{u}")
    }
    /// A case (its stream id `department/case`).
    pub fn case(stream: &str) -> String {
        format!("case:{stream}")
    }
}

fn s(v: impl ToString) -> Option<Value> {
    Some(Value::Str(v.to_string()))
}

fn i(v: impl Into<i64>) -> Option<Value> {
    Some(Value::Int(v.into()))
}

/// Streams the trail into `sink`: every object, then every event.
pub async fn write(trail: &mut Trail, sink: &mut dyn OcelSink) -> Result<Summary, ExportError> {
    let mut n = Summary::default();
    {
        let mut last_department: Option<String> = None;
        let mut last_task: Option<(String, String)> = None;
        let mut charts = trail.charts();
        while let Some(c) = charts.next().await {
            let c = c?;
            if last_department.as_deref() != Some(&c.department_id) {
                sink.object(&Object {
                    id: ids::department(&c.department_id),
                    ty: &DEPARTMENT,
                    attrs: vec![s(&c.department_id)],
                    rels: vec![],
                })
                .await?;
                n.objects += 1;
                last_department = Some(c.department_id.clone());
            }
            let task = (c.department_id.clone(), c.task_id.clone());
            if last_task.as_ref() != Some(&task) {
                sink.object(&Object {
                    id: ids::task(&c.department_id, &c.task_id),
                    ty: &TASK,
                    attrs: vec![s(&c.task_id)],
                    rels: vec![(ids::department(&c.department_id), "属于部门")],
                })
                .await?;
                n.objects += 1;
                last_task = Some(task);
            }
            sink.object(&chart_object(&c)).await?;
            n.objects += 1;
        }
    }
    {
        let mut units = trail.units();
        while let Some(u) = units.next().await {
            let u = u?;
            sink.object(&Object {
                id: ids::unit(&u.department_id, &u.unit_id),
                ty: &UNIT,
                attrs: vec![s(&u.unit_id)],
                rels: vec![(ids::department(&u.department_id), "属于部门")],
            })
            .await?;
            n.objects += 1;
        }
    }
    {
        let mut cases = trail.cases();
        while let Some(c) = cases.next().await {
            sink.object(&case_object(&c?)).await?;
            n.objects += 1;
        }
    }
    sink.end_objects().await?;
    {
        let mut charts = trail.charts();
        while let Some(c) = charts.next().await {
            let c = c?;
            sink.event(&Event {
                id: format!("publish:{}/{}@v{}", c.department_id, c.task_id, c.version),
                ty: &PUBLISHED,
                time: c.effective_at,
                attrs: vec![i(c.version), i(c.steps)],
                rels: vec![
                    (
                        ids::chart(&c.department_id, &c.task_id, c.version),
                        "流程版本",
                    ),
                    (ids::task(&c.department_id, &c.task_id), "工作任务"),
                    (ids::department(&c.department_id), "部门"),
                ],
            })
            .await?;
            n.events += 1;
        }
    }
    {
        let mut events = trail.events(Order::Global);
        while let Some(e) = events.next().await {
            sink.event(&case_event(&e?)).await?;
            n.events += 1;
        }
    }
    sink.finish().await?;
    Ok(n)
}

fn chart_object(c: &TrailChart) -> Object {
    Object {
        id: ids::chart(&c.department_id, &c.task_id, c.version),
        ty: &CHART,
        attrs: vec![i(c.version), i(c.steps)],
        rels: vec![(ids::task(&c.department_id, &c.task_id), "属于任务")],
    }
}

fn case_object(c: &TrailCase) -> Object {
    let (received, region, applicant) = match &c.opened {
        CaseEvent::CaseOpened {
            received_at,
            region,
            applicant,
            ..
        } => (
            Some(Value::Time(*received_at)),
            s(region.as_str()),
            s(applicant.code()),
        ),
        _ => (None, None, None),
    };
    Object {
        id: ids::case(&c.stream),
        ty: &CASE,
        attrs: vec![s(&c.case_id), received, region, applicant],
        rels: vec![
            (
                ids::chart(&c.department_id, &c.task_id, c.version),
                "按流程版本",
            ),
            (ids::task(&c.department_id, &c.task_id), "属于任务"),
        ],
    }
}

/// The OCEL event of a case event.
pub fn case_event(e: &TrailEvent) -> Event {
    let d = &e.department_id;
    let mut rels = vec![
        (ids::case(&e.stream), "办件"),
        (ids::chart(d, &e.task_id, e.version), "流程版本"),
    ];
    let time_of = |t: &Option<DateTime<Utc>>| t.map(Value::Time);
    let (ty, attrs): (&'static TypeDef, Vec<Option<Value>>) = match &e.event {
        CaseEvent::CaseOpened {
            region,
            applicant,
            level,
            sector,
            deadline,
            ..
        } => {
            rels.push((ids::task(d, &e.task_id), "工作任务"));
            rels.push((ids::department(d), "承办部门"));
            (
                &OPENED,
                vec![
                    s(region.as_str()),
                    s(applicant.code()),
                    s(format!("{level:?}")),
                    s(sector),
                    time_of(deadline),
                ],
            )
        }
        CaseEvent::CaseStepStarted { step, name, .. } => (&STARTED, vec![i(*step), s(name)]),
        CaseEvent::CaseStepCompleted {
            step,
            name,
            post_id,
            unit_id,
            seconds,
            working_seconds,
            waited_seconds,
            on_time,
            ..
        } => {
            rels.push((ids::unit(d, &unit_id.to_string()), "承办科室"));
            (
                &COMPLETED,
                vec![
                    i(*step),
                    s(name),
                    s(post_id),
                    i(*seconds),
                    i(*working_seconds),
                    i(*waited_seconds),
                    on_time.map(Value::Bool),
                ],
            )
        }
        CaseEvent::CaseSuspended { reason, .. } => (&SUSPENDED, vec![s(reason)]),
        CaseEvent::CaseResumed { deadline, .. } => (&RESUMED, vec![time_of(deadline)]),
        CaseEvent::CaseExtended {
            days,
            reason,
            deadline,
            ..
        } => (&EXTENDED, vec![i(*days), s(reason), time_of(deadline)]),
        CaseEvent::CaseReturned {
            step, name, reason, ..
        } => (&RETURNED, vec![i(*step), s(name), s(reason)]),
        CaseEvent::CaseClosed {
            outcome,
            seconds,
            working_seconds,
            on_time,
            days_over,
            ..
        } => (
            &CLOSED,
            vec![
                s(outcome.code()),
                i(*seconds),
                i(*working_seconds),
                on_time.map(Value::Bool),
                days_over.map(|d| Value::Int(d.into())),
            ],
        ),
    };
    Event {
        id: format!("{}#{}", e.stream, e.sequence),
        ty,
        time: e.event.at(),
        attrs,
        rels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_tables_are_ascii_and_distinct() {
        let mut seen = std::collections::BTreeSet::new();
        for t in OBJECT_TYPES.iter().chain(EVENT_TYPES.iter()) {
            assert!(t.map.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            for a in t.attrs {
                assert!(a
                    .column
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'));
            }
        }
        for t in EVENT_TYPES {
            assert!(seen.insert(t.map), "{}", t.map);
        }
    }
}
