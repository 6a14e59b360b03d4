//! XES (IEEE 1849-2016) with the `concept`, `time`, `lifecycle` and `org` extensions: one
//! trace per case (`concept:name`: the case's id, `department/case id`), its events in the
//! case's own order. A step is two events named after it (`lifecycle:transition` `start` and
//! `complete`; the completion's `org:resource` is the post, `org:group` the unit); the opening
//! (受理), clock stops (挂起, 恢复), extensions (延期), returns for correction (退回补正) and the
//! closing (办结) are events of their own (`complete`).

use dutyledger_domain::case::CaseEvent;
use dutyledger_projections::cases::trail::{Order, Trail, TrailEvent};
use futures::StreamExt;
use tokio::io::AsyncWrite;

use super::{time, xml_escape as x, ExportError, Out, Summary};

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">
<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
<global scope="trace">
<string key="concept:name" value="UNKNOWN"/>
</global>
<global scope="event">
<string key="concept:name" value="UNKNOWN"/>
<date key="time:timestamp" value="1970-01-01T00:00:00Z"/>
<string key="lifecycle:transition" value="complete"/>
</global>
<classifier name="Activity" keys="concept:name"/>
<classifier name="Activity and transition" keys="concept:name lifecycle:transition"/>
<string key="concept:name" value="dutyledger workflow cases"/>
"#;

fn string(out: &mut Out<impl AsyncWrite + Unpin + Send>, key: &str, value: &str) {
    out.push(&format!("<string key=\"{key}\" value=\"{}\"/>", x(value)));
}

fn int(out: &mut Out<impl AsyncWrite + Unpin + Send>, key: &str, value: i64) {
    out.push(&format!("<int key=\"{key}\" value=\"{value}\"/>"));
}

fn event(out: &mut Out<impl AsyncWrite + Unpin + Send>, e: &TrailEvent) {
    let (name, transition): (String, &str) = match &e.event {
        CaseEvent::CaseOpened { .. } => ("受理".to_owned(), "complete"),
        CaseEvent::CaseStepStarted { name, .. } => (name.to_string(), "start"),
        CaseEvent::CaseStepCompleted { name, .. } => (name.to_string(), "complete"),
        CaseEvent::CaseSuspended { .. } => ("挂起".to_owned(), "complete"),
        CaseEvent::CaseResumed { .. } => ("恢复".to_owned(), "complete"),
        CaseEvent::CaseExtended { .. } => ("延期".to_owned(), "complete"),
        CaseEvent::CaseReturned { .. } => ("退回补正".to_owned(), "complete"),
        CaseEvent::CaseClosed { .. } => ("办结".to_owned(), "complete"),
    };
    out.push("<event>");
    string(out, "concept:name", &name);
    string(out, "lifecycle:transition", transition);
    out.push(&format!(
        "<date key=\"time:timestamp\" value=\"{}\"/>",
        time(e.event.at())
    ));
    match &e.event {
        CaseEvent::CaseStepStarted { step, .. } => int(out, "环节序号", (*step).into()),
        CaseEvent::CaseStepCompleted {
            step,
            post_id,
            unit_id,
            seconds,
            ..
        } => {
            int(out, "环节序号", (*step).into());
            string(out, "org:resource", &post_id.to_string());
            string(out, "org:group", &unit_id.to_string());
            int(out, "用时秒", *seconds);
        }
        CaseEvent::CaseReturned {
            step, name, reason, ..
        } => {
            int(out, "环节序号", (*step).into());
            string(out, "环节", &name.to_string());
            string(out, "原因", &reason.to_string());
        }
        CaseEvent::CaseSuspended { reason, .. } | CaseEvent::CaseExtended { reason, .. } => {
            string(out, "原因", &reason.to_string());
        }
        CaseEvent::CaseClosed { outcome, .. } => string(out, "结果", outcome.code()),
        CaseEvent::CaseOpened { .. } | CaseEvent::CaseResumed { .. } => {}
    }
    out.push("</event>\n");
}

/// Streams the trail as XES into `w`.
pub async fn write(
    trail: &mut Trail,
    w: impl AsyncWrite + Unpin + Send,
) -> Result<Summary, ExportError> {
    let mut out = Out::new(w);
    let mut n = Summary::default();
    out.push(HEAD);
    let mut current: Option<String> = None;
    let mut events = trail.events(Order::ByCase);
    while let Some(e) = events.next().await {
        let e = e?;
        if current.as_deref() != Some(&e.stream) {
            if current.is_some() {
                out.push("</trace>\n");
            }
            out.push("<trace>");
            string(&mut out, "concept:name", &e.stream);
            string(&mut out, "部门", &e.department_id);
            string(&mut out, "工作任务", &e.task_id);
            int(&mut out, "流程版本", e.version.into());
            out.push("\n");
            n.objects += 1;
            current = Some(e.stream.clone());
        }
        event(&mut out, &e);
        n.events += 1;
        out.flush_if_full().await?;
    }
    if current.is_some() {
        out.push("</trace>\n");
    }
    out.push("</log>\n");
    out.finish().await?;
    Ok(n)
}
