//! The HTTP side: the axum router and the server. GraphQL is served at `/graphql` following the
//! GraphQL-over-HTTP spec (POST with `application/json`; GET for queries only; responses as
//! `application/graphql-response+json` when the client accepts it, else `application/json`),
//! with GraphiQL for browsers at the same path. `/healthz` answers while the process lives;
//! `/readyz` once the database is reachable and migrated.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::OperationType;
use async_graphql::Value;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, RawQuery, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sqlx::PgPool;

use crate::auth::token::{AuthError, Authenticator};
// The one authentication path lives in `auth::token`; re-exported under its former names.
pub use crate::auth::token::{bearer, verify_and_check_revoked};
use crate::auth::Actor;
use crate::context::{new_request_id, sane_request_id, RequestContext};
use crate::graphql::DutySchema;
use crate::ws::{self, WsState};

/// Largest request body accepted, in bytes (a batch of 5,000 performance records is about
/// 1.5 MB).
pub const MAX_BODY_BYTES: usize = 4 << 20;
/// Longest a request may run before it is cut off with a `TIMEOUT` error.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

#[derive(Clone)]
struct HttpState {
    schema: DutySchema,
    pool: PgPool,
    auth: Arc<Authenticator>,
}

/// The router, used by the server and the tests alike.
pub fn router(schema: DutySchema, pool: PgPool, auth: Arc<Authenticator>) -> Router {
    router_with(schema, pool, auth, ws::INIT_TIMEOUT)
}

/// The router with a chosen WebSocket init timeout.
pub fn router_with(
    schema: DutySchema,
    pool: PgPool,
    auth: Arc<Authenticator>,
    ws_init_timeout: Duration,
) -> Router {
    let ws = WsState {
        schema: schema.clone(),
        pool: pool.clone(),
        auth: auth.clone(),
        init_timeout: ws_init_timeout,
    };
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route(
            "/graphql/ws",
            get(move |headers: HeaderMap, upgrade: WebSocketUpgrade| {
                ws::upgrade(ws, headers, upgrade)
            }),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .nest_service(
            "/attachments",
            crate::attachments::router(
                crate::attachments::AttachmentStore::from_env(),
                pool.clone(),
                auth.clone(),
            ),
        )
        .nest_service(
            "/export",
            crate::export::http::router(pool.clone(), auth.clone()),
        )
        .with_state(HttpState { schema, pool, auth })
}

/// Prometheus text metrics: the log's head, each projection's checkpoint and lag, and the age
/// of the oldest open transaction (which holds the event horizon back). No department data.
async fn metrics(State(state): State<HttpState>) -> Response {
    let mut out = String::new();
    let head: Result<Option<i64>, _> = sqlx::query_scalar("SELECT max(position) FROM events")
        .fetch_one(&state.pool)
        .await;
    let head = match head {
        Ok(h) => h.unwrap_or(0),
        Err(error) => {
            tracing::warn!(%error, "metrics: database unreachable");
            return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response();
        }
    };
    out.push_str("# HELP dutyledger_events_head_position Highest global position written.\n");
    out.push_str("# TYPE dutyledger_events_head_position gauge\n");
    out.push_str(&format!("dutyledger_events_head_position {head}\n"));
    let checkpoints: Vec<(String, i64)> = sqlx::query_as(
        "SELECT projection, last_position FROM projector_checkpoints ORDER BY projection",
    )
    .fetch_all(&state.pool)
    .await
    .unwrap_or_default();
    out.push_str("# HELP dutyledger_projection_position Global position of the last event a projection applied.\n");
    out.push_str("# TYPE dutyledger_projection_position gauge\n");
    for (name, position) in &checkpoints {
        out.push_str(&format!(
            "dutyledger_projection_position{{projection=\"{name}\"}} {position}\n"
        ));
    }
    out.push_str("# HELP dutyledger_projection_lag_positions Positions between the log's head and a projection (approximate under concurrent writers).\n");
    out.push_str("# TYPE dutyledger_projection_lag_positions gauge\n");
    for (name, position) in &checkpoints {
        out.push_str(&format!(
            "dutyledger_projection_lag_positions{{projection=\"{name}\"}} {}\n",
            (head - position).max(0)
        ));
    }
    let oldest = dutyledger_projections::monitor::oldest_transaction(&state.pool)
        .await
        .ok()
        .flatten()
        .map_or(0.0, |t| t.age_seconds);
    out.push_str("# HELP dutyledger_oldest_transaction_age_seconds Age of the oldest open transaction with an id (it holds the event horizon back).\n");
    out.push_str("# TYPE dutyledger_oldest_transaction_age_seconds gauge\n");
    out.push_str(&format!(
        "dutyledger_oldest_transaction_age_seconds {oldest:.3}\n"
    ));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

/// Authenticates a request from its `Authorization: Bearer` header: signature, algorithm,
/// times, claims, then revocation ([`verify_and_check_revoked`], as the WebSocket does). Never
/// logs the token. A token whose revocation cannot be checked is refused like any invalid one.
pub async fn authenticate(
    auth: &Authenticator,
    pool: &PgPool,
    headers: &HeaderMap,
) -> Result<Actor, AuthError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(AuthError::Missing)?;
    let token = bearer(value).ok_or(AuthError::Missing)?;
    verify_and_check_revoked(auth, pool, token).await
}

fn unauthenticated(media: Media, error: &AuthError) -> Response {
    tracing::info!(reason = %error, "request refused: not authenticated");
    let mut response = respond(
        StatusCode::UNAUTHORIZED,
        media,
        error_body(&error.to_string(), "UNAUTHENTICATED"),
    );
    let challenge = match error {
        AuthError::Missing => "Bearer",
        _ => "Bearer error=\"invalid_token\"",
    };
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

async fn readyz(State(state): State<HttpState>) -> Response {
    if dutyledger_projections::db::is_ready(&state.pool).await {
        (StatusCode::OK, "ready").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "database unreachable or not migrated",
        )
            .into_response()
    }
}

/// Which media type the response uses, from the request's `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Media {
    GraphQLResponse,
    Json,
}

fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Media::Json);
    };
    let mut best = None;
    for part in accept.split(',') {
        let mut pieces = part.trim().split(';');
        let media = pieces
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let q_zero = pieces.any(|p| p.trim().replace(' ', "") == "q=0");
        if q_zero {
            continue;
        }
        match media.as_str() {
            GRAPHQL_RESPONSE => return Some(Media::GraphQLResponse),
            JSON | "application/*" | "*/*" => best = best.or(Some(Media::Json)),
            _ => {}
        }
    }
    best
}

fn request_context(headers: &HeaderMap, actor: Actor) -> RequestContext {
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .and_then(sane_request_id)
        .unwrap_or_else(new_request_id);
    RequestContext { actor, request_id }
}

fn error_body(message: &str, code: &str) -> String {
    serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
        .to_string()
}

fn respond(status: StatusCode, media: Media, body: String) -> Response {
    let content_type = match media {
        Media::GraphQLResponse => GRAPHQL_RESPONSE,
        Media::Json => "application/json; charset=utf-8",
    };
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn not_acceptable() -> Response {
    respond(
        StatusCode::NOT_ACCEPTABLE,
        Media::Json,
        error_body(
            "the response can only be application/graphql-response+json or application/json",
            "NOT_ACCEPTABLE",
        ),
    )
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

async fn graphql_get(
    State(state): State<HttpState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    if wants_html(&headers) && !query.split('&').any(|kv| kv.starts_with("query=")) {
        return Html(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql/ws")
                .title("dutyledger")
                .finish(),
        )
        .into_response();
    }
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let request = match async_graphql::http::parse_query_string(&query) {
        Ok(r) => r,
        Err(e) => {
            return respond(
                StatusCode::BAD_REQUEST,
                media,
                error_body(
                    &format!("invalid GraphQL request in the query string: {e}"),
                    "BAD_REQUEST",
                ),
            )
        }
    };
    execute(&state, &headers, media, request, Method::GET).await
}

async fn graphql_post(
    State(state): State<HttpState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let body = match body {
        Ok(b) => b,
        Err(rejection) => {
            let status = rejection.status();
            let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "PAYLOAD_TOO_LARGE"
            } else {
                "BAD_REQUEST"
            };
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!("the request body is larger than {MAX_BODY_BYTES} bytes")
            } else {
                "the request body could not be read".to_owned()
            };
            return respond(status, media, error_body(&message, code));
        }
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    if content_type.as_deref() != Some(JSON) {
        return respond(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            error_body(
                "POST bodies must be application/json",
                "UNSUPPORTED_MEDIA_TYPE",
            ),
        );
    }
    let request = match parse_request_body(&body) {
        Ok(r) => r,
        Err(message) => {
            return respond(
                StatusCode::BAD_REQUEST,
                media,
                error_body(&message, "BAD_REQUEST"),
            )
        }
    };
    execute(&state, &headers, media, request, Method::POST).await
}

/// Parses a POST body into a GraphQL request: a JSON object with a string `query` and optional
/// `variables` (object), `operationName` (string) and `extensions` (object).
fn parse_request_body(body: &[u8]) -> Result<async_graphql::Request, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let object = value
        .as_object()
        .ok_or("the body must be a JSON object (batches are not supported)")?;
    if !object
        .get("query")
        .is_some_and(serde_json::Value::is_string)
    {
        return Err("the body must have a string \"query\"".into());
    }
    let kind_ok = |key: &str, ok: fn(&serde_json::Value) -> bool| {
        object.get(key).is_none_or(|v| v.is_null() || ok(v))
    };
    if !kind_ok("variables", serde_json::Value::is_object) {
        return Err("\"variables\" must be an object".into());
    }
    if !kind_ok("operationName", serde_json::Value::is_string) {
        return Err("\"operationName\" must be a string".into());
    }
    if !kind_ok("extensions", serde_json::Value::is_object) {
        return Err("\"extensions\" must be an object".into());
    }
    serde_json::from_value(value).map_err(|e| format!("the body is not a GraphQL request: {e}"))
}

/// The operation type the request would run, if its document parses.
fn operation_type(request: &async_graphql::Request) -> Option<OperationType> {
    let document = async_graphql::parser::parse_query(&request.query).ok()?;
    let mut operations = document.operations.iter();
    match &request.operation_name {
        Some(name) => operations
            .find(|(n, _)| n.map(|n| n.as_str()) == Some(name.as_str()))
            .map(|(_, op)| op.node.ty),
        None => operations.next().map(|(_, op)| op.node.ty),
    }
}

async fn execute(
    state: &HttpState,
    headers: &HeaderMap,
    media: Media,
    request: async_graphql::Request,
    method: Method,
) -> Response {
    if method == Method::GET && operation_type(&request) == Some(OperationType::Mutation) {
        let mut response = respond(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            error_body("mutations must be sent with POST", "METHOD_NOT_ALLOWED"),
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let actor = match authenticate(&state.auth, &state.pool, headers).await {
        Ok(actor) => actor,
        Err(error) => return unauthenticated(media, &error),
    };
    let rc = request_context(headers, actor);
    let request_id = rc.request_id.clone();
    let Ok(response) = tokio::time::timeout(
        REQUEST_TIMEOUT,
        crate::graphql::execute(&state.schema, request.data(rc)),
    )
    .await
    else {
        tracing::warn!(request_id, "request timed out");
        return respond(
            StatusCode::SERVICE_UNAVAILABLE,
            media,
            error_body(
                &format!(
                    "the request took longer than {} s",
                    REQUEST_TIMEOUT.as_secs()
                ),
                "TIMEOUT",
            ),
        );
    };
    let request_error = matches!(response.data, Value::Null) && !response.errors.is_empty();
    let status = if media == Media::GraphQLResponse && request_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut json = match serde_json::to_value(&response) {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, request_id, "cannot serialise a response");
            return respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                media,
                error_body("internal error", "INTERNAL"),
            );
        }
    };
    if request_error {
        // The request never executed: no `data` entry at all (GraphQL-over-HTTP).
        if let Some(o) = json.as_object_mut() {
            o.remove("data");
        }
    }
    let body = match serde_json::to_string(&json) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, request_id, "cannot serialise a response");
            return respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                media,
                error_body("internal error", "INTERNAL"),
            );
        }
    };
    let mut http = respond(status, media, body);
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        http.headers_mut().insert("x-request-id", v);
    }
    http
}

/// Serves `router` on `addr` until SIGTERM or Ctrl-C, then finishes the requests in flight.
pub async fn serve(
    addr: SocketAddr,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(address = %listener.local_addr()?, "serving GraphQL at http://{}/graphql", listener.local_addr()?);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
