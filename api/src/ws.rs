//! GraphQL over WebSocket at `/graphql/ws`, subprotocol `graphql-transport-ws` (the protocol
//! of the npm package `graphql-ws`), with its close codes:
//!
//! | code | when |
//! |---|---|
//! | 4400 | a message that is not valid JSON of the protocol |
//! | 4401 | `subscribe` before `connection_ack` |
//! | 4403 | `connection_init` without valid credentials (or whose revocation cannot be checked); an open connection whose token expired, was revoked or can no longer be checked |
//! | 4406 | the client did not offer the `graphql-transport-ws` subprotocol |
//! | 4408 | no `connection_init` within the init timeout |
//! | 4409 | `subscribe` with the id of an operation still running |
//! | 4429 | a second `connection_init` |
//!
//! Credentials come from the `connection_init` payload (`{"Authorization": "Bearer ..."}`,
//! key matched case-insensitively) or from the upgrade request's `Authorization` header; they
//! are checked by the same function as HTTP requests' (signature, times, claims, revocation),
//! and again every [`CREDENTIALS_RECHECK`] while the connection is open. Both checks fail
//! closed: when the revocation list cannot be read, the connection is refused or closed (4403).
//! Operations run with the same schema, limits and access policy as over HTTP.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::auth::token::{
    bearer, check_not_revoked, verify_and_check_revoked, AuthError, Authenticator,
};
use crate::auth::Actor;
use crate::context::{new_request_id, RequestContext};
use crate::graphql::DutySchema;

/// The subprotocol spoken.
pub const SUBPROTOCOL: &str = "graphql-transport-ws";
/// How long a client has to send `connection_init`, by default.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// Most operations running at once on one connection.
pub const MAX_SUBSCRIPTIONS: usize = 32;
/// How often a connection's credentials are checked again (expiry, revocation).
pub const CREDENTIALS_RECHECK: Duration = Duration::from_secs(5);
/// Largest message accepted, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// What the WebSocket endpoint needs.
#[derive(Clone)]
pub struct WsState {
    /// The schema.
    pub schema: DutySchema,
    /// The database (revocation checks).
    pub pool: PgPool,
    /// The token verifier.
    pub auth: Arc<Authenticator>,
    /// How long a client has to send `connection_init`.
    pub init_timeout: Duration,
}

impl std::fmt::Debug for WsState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsState")
            .field("init_timeout", &self.init_timeout)
            .finish_non_exhaustive()
    }
}

/// Upgrades to a WebSocket speaking `graphql-transport-ws`.
pub async fn upgrade(state: WsState, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    let offered = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|p| p.trim() == SUBPROTOCOL));
    let header_token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .map(str::to_owned);
    ws.protocols([SUBPROTOCOL])
        .max_message_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| async move {
            Connection::new(state, header_token)
                .run(socket, offered)
                .await;
        })
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

fn text(value: Value) -> Message {
    Message::Text(value.to_string().into())
}

struct Connection {
    state: WsState,
    header_token: Option<String>,
    actor: Option<Actor>,
    init_received: bool,
    running: Arc<Mutex<HashMap<String, JoinHandle<()>>>>,
}

enum Step {
    Continue,
    Close(u16, String),
}

impl Connection {
    fn new(state: WsState, header_token: Option<String>) -> Self {
        Self {
            state,
            header_token,
            actor: None,
            init_received: false,
            running: Arc::default(),
        }
    }

    async fn run(mut self, socket: WebSocket, offered: bool) {
        let (mut sink, mut stream) = socket.split();
        if !offered {
            let _ = sink.send(close(4406, "Subprotocol not acceptable")).await;
            return;
        }
        let (out, mut outgoing) = mpsc::channel::<Message>(256);
        let writer = tokio::spawn(async move {
            while let Some(message) = outgoing.recv().await {
                let closing = matches!(message, Message::Close(_));
                if sink.send(message).await.is_err() || closing {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        let init_deadline = tokio::time::sleep(self.state.init_timeout);
        tokio::pin!(init_deadline);
        let mut recheck = tokio::time::interval(CREDENTIALS_RECHECK);
        recheck.tick().await;
        loop {
            let step = tokio::select! {
                () = &mut init_deadline, if !self.init_received => {
                    Step::Close(4408, "Connection initialisation timeout".into())
                }
                _ = recheck.tick(), if self.actor.is_some() => self.recheck().await,
                message = stream.next() => match message {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                    Some(Ok(Message::Text(t))) => self.handle(t.as_str(), &out).await,
                    Some(Ok(Message::Binary(_))) => Step::Close(4400, "Binary messages are not supported".into()),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => Step::Continue,
                },
            };
            if let Step::Close(code, reason) = step {
                let _ = out.send(close(code, &reason)).await;
                break;
            }
        }
        if let Ok(mut running) = self.running.lock() {
            for (_, task) in running.drain() {
                task.abort();
            }
        }
        drop(out);
        let _ = writer.await;
    }

    /// Closes the connection (4403) once its token has expired or been revoked, or when its
    /// revocation can no longer be checked: running subscriptions must not outlive the
    /// credentials they were opened with.
    async fn recheck(&mut self) -> Step {
        let Some(actor) = &self.actor else {
            return Step::Continue;
        };
        if actor
            .expires_at
            .is_some_and(|exp| exp <= chrono::Utc::now().timestamp())
        {
            tracing::info!("websocket closed: token expired");
            return Step::Close(4403, "Forbidden: token expired".into());
        }
        match check_not_revoked(&self.state.pool, actor).await {
            Ok(()) => Step::Continue,
            Err(AuthError::Revoked) => {
                tracing::info!("websocket closed: token revoked");
                Step::Close(4403, "Forbidden: token revoked".into())
            }
            Err(error) => {
                tracing::info!(reason = %error, "websocket closed: token no longer accepted");
                Step::Close(4403, "Forbidden: token revocation cannot be checked".into())
            }
        }
    }

    async fn handle(&mut self, raw: &str, out: &mpsc::Sender<Message>) -> Step {
        let Ok(message) = serde_json::from_str::<Value>(raw) else {
            return Step::Close(4400, "Invalid message received: not JSON".into());
        };
        let Some(kind) = message.get("type").and_then(Value::as_str) else {
            return Step::Close(4400, "Invalid message received: no type".into());
        };
        match kind {
            "connection_init" => self.init(&message, out).await,
            "ping" => {
                let mut pong = json!({ "type": "pong" });
                if let Some(p) = message.get("payload") {
                    pong["payload"] = p.clone();
                }
                let _ = out.send(text(pong)).await;
                Step::Continue
            }
            "pong" => Step::Continue,
            "subscribe" => self.subscribe(&message, out).await,
            "complete" => {
                if let Some(id) = message.get("id").and_then(Value::as_str) {
                    if let Ok(mut running) = self.running.lock() {
                        if let Some(task) = running.remove(id) {
                            task.abort();
                        }
                    }
                    Step::Continue
                } else {
                    Step::Close(4400, "Invalid message received: complete without id".into())
                }
            }
            other => Step::Close(
                4400,
                format!("Invalid message received: unknown type {other:?}"),
            ),
        }
    }

    async fn init(&mut self, message: &Value, out: &mpsc::Sender<Message>) -> Step {
        if self.init_received {
            return Step::Close(4429, "Too many initialisation requests".into());
        }
        self.init_received = true;
        let payload = message.get("payload");
        if payload.is_some_and(|p| !p.is_object() && !p.is_null()) {
            return Step::Close(
                4400,
                "Invalid message received: payload must be an object".into(),
            );
        }
        let from_payload = payload
            .and_then(Value::as_object)
            .and_then(|o| {
                o.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                    .and_then(|(_, v)| v.as_str())
            })
            .and_then(bearer)
            .map(str::to_owned);
        let Some(token) = from_payload.or_else(|| self.header_token.clone()) else {
            tracing::info!("websocket refused: no credentials");
            return Step::Close(4403, "Forbidden".into());
        };
        match verify_and_check_revoked(&self.state.auth, &self.state.pool, &token).await {
            Ok(actor) => {
                self.actor = Some(actor);
                let _ = out.send(text(json!({ "type": "connection_ack" }))).await;
                Step::Continue
            }
            Err(error) => {
                tracing::info!(reason = %error, "websocket refused: not authenticated");
                Step::Close(4403, "Forbidden".into())
            }
        }
    }

    async fn subscribe(&mut self, message: &Value, out: &mpsc::Sender<Message>) -> Step {
        let Some(actor) = self.actor.clone() else {
            return Step::Close(4401, "Unauthorized".into());
        };
        let Some(id) = message
            .get("id")
            .and_then(Value::as_str)
            .filter(|i| !i.is_empty())
        else {
            return Step::Close(
                4400,
                "Invalid message received: subscribe without id".into(),
            );
        };
        let Some(payload) = message
            .get("payload")
            .filter(|p| p.get("query").is_some_and(Value::is_string))
        else {
            return Step::Close(
                4400,
                "Invalid message received: subscribe without a query".into(),
            );
        };
        let Ok(request) = serde_json::from_value::<async_graphql::Request>(payload.clone()) else {
            return Step::Close(4400, "Invalid message received: malformed payload".into());
        };
        let id = id.to_owned();
        let mut running = match self.running.lock() {
            Ok(r) => r,
            Err(_) => return Step::Close(1011, "internal error".into()),
        };
        running.retain(|_, task| !task.is_finished());
        if running.contains_key(&id) {
            return Step::Close(4409, format!("Subscriber for {id} already exists"));
        }
        if running.len() >= MAX_SUBSCRIPTIONS {
            let error = json!({ "id": id, "type": "error", "payload": [{
                "message": format!("at most {MAX_SUBSCRIPTIONS} operations may run at once on one connection"),
                "extensions": { "code": "TOO_MANY_SUBSCRIPTIONS" } }] });
            let out = out.clone();
            tokio::spawn(async move {
                let _ = out.send(text(error)).await;
            });
            return Step::Continue;
        }
        let schema = self.state.schema.clone();
        let out = out.clone();
        let registry = self.running.clone();
        let task_id = id.clone();
        let task = tokio::spawn(async move {
            let rc = RequestContext {
                actor,
                request_id: new_request_id(),
            };
            let mut responses = schema.execute_stream(request.data(rc));
            let mut first = true;
            while let Some(mut response) = responses.next().await {
                let request_error = first
                    && matches!(response.data, async_graphql::Value::Null)
                    && !response.errors.is_empty()
                    && response.errors.iter().all(|e| e.path.is_empty());
                for error in &mut response.errors {
                    crate::graphql::add_code(error, request_error);
                }
                first = false;
                let message = if request_error {
                    json!({ "id": task_id, "type": "error", "payload": response.errors })
                } else {
                    json!({ "id": task_id, "type": "next", "payload": response })
                };
                if request_error {
                    // Free the id before the client hears the operation ended, so that it may
                    // reuse it at once.
                    if let Ok(mut r) = registry.lock() {
                        r.remove(&task_id);
                    }
                }
                if out.send(text(message)).await.is_err() || request_error {
                    return;
                }
            }
            if let Ok(mut r) = registry.lock() {
                r.remove(&task_id);
            }
            let _ = out
                .send(text(json!({ "id": task_id, "type": "complete" })))
                .await;
        });
        running.insert(id, task);
        Step::Continue
    }
}
