//! The GraphQL view of a stored event, shared by audit trails and the event feed.

use async_graphql::{Json, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use dutyledger_projections::StoredEvent;

/// The stream an event belongs to.
#[derive(SimpleObject, Clone, Debug)]
pub struct Stream {
    /// The aggregate type, e.g. `department`.
    pub aggregate_type: String,
    /// The stream id, e.g. a department's credit code.
    pub aggregate_id: String,
    /// The event's place in its stream, from 1.
    pub sequence: i64,
}

/// An immutable event of the log: what happened, to which stream, when it holds (valid time),
/// when it was recorded (transaction time), who did it and why.
#[derive(Clone, Debug)]
pub struct Event(pub StoredEvent);

#[Object]
impl Event {
    /// Its place in the global order: an opaque cursor to resume a feed after this event.
    async fn cursor(&self) -> String {
        self.0.cursor.to_string()
    }

    /// Its unique id.
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }

    /// Its type, e.g. `TaskDefined` (a stored contract: never renamed).
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }

    /// Its payload version.
    async fn event_version(&self) -> &str {
        &self.0.event_version
    }

    /// The stream it belongs to.
    async fn stream(&self) -> Stream {
        Stream {
            aggregate_type: self.0.aggregate_type.clone(),
            aggregate_id: self.0.aggregate_id.clone(),
            sequence: self.0.sequence,
        }
    }

    /// When it was stored (transaction time).
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }

    /// When it holds in the world (valid time).
    async fn effective_at(&self) -> DateTime<Utc> {
        self.0.effective_at
    }

    /// Who caused it (`role:subject`).
    async fn actor(&self) -> Option<&str> {
        self.0.meta(dutyledger_domain::metadata::ACTOR)
    }

    /// The request that carried it.
    async fn request_id(&self) -> Option<&str> {
        self.0.meta(dutyledger_domain::metadata::REQUEST_ID)
    }

    /// Why, if a reason was given.
    async fn reason(&self) -> Option<&str> {
        self.0.meta(dutyledger_domain::metadata::REASON)
    }

    /// All of its metadata.
    async fn metadata(&self) -> Json<serde_json::Value> {
        Json(self.0.metadata.clone())
    }

    /// Its payload, tagged with its type: `{"TaskDefined": {...}}`.
    async fn payload(&self) -> Json<serde_json::Value> {
        Json(self.0.payload.clone())
    }
}
