//! OCEL 2.0 JSON (the official schema: `objectTypes`, `eventTypes`, `objects`, `events`),
//! written section by section as rows arrive.

use async_trait::async_trait;
use tokio::io::AsyncWrite;

use super::ocel::{
    AttrType, Event, Object, OcelSink, Rel, TypeDef, Value, EVENT_TYPES, OBJECT_TYPES,
};
use super::{time, ExportError, Out, STATIC_TIME};

/// The JSON writer.
#[derive(Debug)]
pub struct JsonSink<W> {
    out: Out<W>,
    first: bool,
}

fn q(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

fn types(out: &mut Out<impl AsyncWrite + Unpin + Send>, key: &str, types: &[&TypeDef]) {
    out.push(&format!("{}:[", q(key)));
    for (n, t) in types.iter().enumerate() {
        if n > 0 {
            out.push(",");
        }
        out.push(&format!("{{\"name\":{},\"attributes\":[", q(t.name)));
        for (k, a) in t.attrs.iter().enumerate() {
            if k > 0 {
                out.push(",");
            }
            out.push(&format!(
                "{{\"name\":{},\"type\":{}}}",
                q(a.name),
                q(a.ty.ocel())
            ));
        }
        out.push("]}");
    }
    out.push("]");
}

fn value(v: &Value, ty: AttrType) -> String {
    match (v, ty) {
        (Value::Str(s), _) => q(s),
        (Value::Int(n), _) => n.to_string(),
        (Value::Bool(b), _) => b.to_string(),
        (Value::Time(t), _) => q(&time(*t)),
    }
}

fn rels(out: &mut Out<impl AsyncWrite + Unpin + Send>, rels: &[Rel]) {
    out.push(",\"relationships\":[");
    for (n, (id, qualifier)) in rels.iter().enumerate() {
        if n > 0 {
            out.push(",");
        }
        out.push(&format!(
            "{{\"objectId\":{},\"qualifier\":{}}}",
            q(id),
            q(qualifier)
        ));
    }
    out.push("]");
}

impl<W: AsyncWrite + Unpin + Send> JsonSink<W> {
    /// Starts the file: the types, then the objects' section.
    pub fn new(w: W) -> Self {
        let mut out = Out::new(w);
        out.push("{");
        types(&mut out, "objectTypes", &OBJECT_TYPES);
        out.push(",\n");
        types(&mut out, "eventTypes", &EVENT_TYPES);
        out.push(",\n\"objects\":[\n");
        Self { out, first: true }
    }

    fn separate(&mut self) {
        if !self.first {
            self.out.push(",\n");
        }
        self.first = false;
    }
}

#[async_trait]
impl<W: AsyncWrite + Unpin + Send> OcelSink for JsonSink<W> {
    async fn object(&mut self, o: &Object) -> Result<(), ExportError> {
        self.separate();
        self.out.push(&format!(
            "{{\"id\":{},\"type\":{},\"attributes\":[",
            q(&o.id),
            q(o.ty.name)
        ));
        let mut n = 0;
        for (a, v) in o.ty.attrs.iter().zip(&o.attrs) {
            let Some(v) = v else { continue };
            if n > 0 {
                self.out.push(",");
            }
            n += 1;
            self.out.push(&format!(
                "{{\"name\":{},\"time\":{},\"value\":{}}}",
                q(a.name),
                q(STATIC_TIME),
                value(v, a.ty)
            ));
        }
        self.out.push("]");
        rels(&mut self.out, &o.rels);
        self.out.push("}");
        Ok(self.out.flush_if_full().await?)
    }

    async fn end_objects(&mut self) -> Result<(), ExportError> {
        self.out.push("\n],\n\"events\":[\n");
        self.first = true;
        Ok(())
    }

    async fn event(&mut self, e: &Event) -> Result<(), ExportError> {
        self.separate();
        self.out.push(&format!(
            "{{\"id\":{},\"type\":{},\"time\":{},\"attributes\":[",
            q(&e.id),
            q(e.ty.name),
            q(&time(e.time))
        ));
        let mut n = 0;
        for (a, v) in e.ty.attrs.iter().zip(&e.attrs) {
            let Some(v) = v else { continue };
            if n > 0 {
                self.out.push(",");
            }
            n += 1;
            self.out.push(&format!(
                "{{\"name\":{},\"value\":{}}}",
                q(a.name),
                value(v, a.ty)
            ));
        }
        self.out.push("]");
        rels(&mut self.out, &e.rels);
        self.out.push("}");
        Ok(self.out.flush_if_full().await?)
    }

    async fn finish(&mut self) -> Result<(), ExportError> {
        self.out.push("\n]}\n");
        Ok(self.out.finish().await?)
    }
}
