//! OCEL 2.0 XML (`<log>` with `object-types`, `event-types`, `objects`, `events`; the format
//! `pm4py.read_ocel2_xml` reads), written as rows arrive.

use async_trait::async_trait;
use tokio::io::AsyncWrite;

use super::ocel::{Event, Object, OcelSink, Rel, TypeDef, Value, EVENT_TYPES, OBJECT_TYPES};
use super::{time, xml_escape as x, ExportError, Out, STATIC_TIME};

/// The XML writer.
#[derive(Debug)]
pub struct XmlSink<W> {
    out: Out<W>,
}

fn types(out: &mut Out<impl AsyncWrite + Unpin + Send>, tag: &str, types: &[&TypeDef]) {
    out.push(&format!("<{tag}s>\n"));
    for t in types {
        out.push(&format!("<{tag} name=\"{}\"><attributes>", x(t.name)));
        for a in t.attrs {
            out.push(&format!(
                "<attribute name=\"{}\" type=\"{}\"/>",
                x(a.name),
                a.ty.ocel()
            ));
        }
        out.push(&format!("</attributes></{tag}>\n"));
    }
    out.push(&format!("</{tag}s>\n"));
}

fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => x(s).into_owned(),
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Time(t) => time(*t),
    }
}

fn rels(out: &mut Out<impl AsyncWrite + Unpin + Send>, rels: &[Rel]) {
    out.push("<objects>");
    for (id, qualifier) in rels {
        out.push(&format!(
            "<relationship object-id=\"{}\" qualifier=\"{}\"/>",
            x(id),
            x(qualifier)
        ));
    }
    out.push("</objects>");
}

impl<W: AsyncWrite + Unpin + Send> XmlSink<W> {
    /// Starts the file: the types, then the objects' section.
    pub fn new(w: W) -> Self {
        let mut out = Out::new(w);
        out.push("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<log>\n");
        types(&mut out, "object-type", &OBJECT_TYPES);
        types(&mut out, "event-type", &EVENT_TYPES);
        out.push("<objects>\n");
        Self { out }
    }
}

#[async_trait]
impl<W: AsyncWrite + Unpin + Send> OcelSink for XmlSink<W> {
    async fn object(&mut self, o: &Object) -> Result<(), ExportError> {
        let out = &mut self.out;
        out.push(&format!(
            "<object id=\"{}\" type=\"{}\"><attributes>",
            x(&o.id),
            x(o.ty.name)
        ));
        for (a, v) in o.ty.attrs.iter().zip(&o.attrs) {
            if let Some(v) = v {
                out.push(&format!(
                    "<attribute name=\"{}\" time=\"{STATIC_TIME}\">{}</attribute>",
                    x(a.name),
                    text(v)
                ));
            }
        }
        out.push("</attributes>");
        rels(out, &o.rels);
        out.push("</object>\n");
        Ok(out.flush_if_full().await?)
    }

    async fn end_objects(&mut self) -> Result<(), ExportError> {
        self.out.push("</objects>\n<events>\n");
        Ok(())
    }

    async fn event(&mut self, e: &Event) -> Result<(), ExportError> {
        let out = &mut self.out;
        out.push(&format!(
            "<event id=\"{}\" type=\"{}\" time=\"{}\"><attributes>",
            x(&e.id),
            x(e.ty.name),
            time(e.time)
        ));
        for (a, v) in e.ty.attrs.iter().zip(&e.attrs) {
            if let Some(v) = v {
                out.push(&format!(
                    "<attribute name=\"{}\">{}</attribute>",
                    x(a.name),
                    text(v)
                ));
            }
        }
        out.push("</attributes>");
        rels(out, &e.rels);
        out.push("</event>\n");
        Ok(out.flush_if_full().await?)
    }

    async fn finish(&mut self) -> Result<(), ExportError> {
        self.out.push("</events>\n</log>\n");
        Ok(self.out.finish().await?)
    }
}
