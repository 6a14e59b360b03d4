//! The downloads: `GET /export/ocel.json`, `/export/ocel.xml`, `/export/ocel.sqlite` and
//! `/export/cases.xes`, with the export filter as query parameters (`?department=...&from=...`),
//! authenticated by the same bearer token as GraphQL, for actors that may read cases
//! (`Access::ReadCases`), limited to a clerk's own departments. The text formats stream as the
//! trail is read; SQLite cannot be streamed while it is written, so it is written to a
//! temporary file first and that file is streamed. Errors are JSON with `extensions.code`
//! (and `rule` for a bad filter: `UNKNOWN_FILTER_KEY`, `INVALID_FILTER`).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use dutyledger_projections::cases::trail::Trail;
use sqlx::PgPool;
use tokio::io::AsyncReadExt;

use super::cli::{write_file, write_to, Format};
use super::filter::parse_filter;
use crate::auth::token::Authenticator;
use crate::service::policy::{authorize, narrow_departments, Access};
use crate::service::AppError;

#[derive(Clone)]
struct St {
    pool: PgPool,
    auth: Arc<Authenticator>,
}

/// The routes, to nest under `/export`.
pub fn router(pool: PgPool, auth: Arc<Authenticator>) -> Router {
    Router::new()
        .route("/ocel.json", get(ocel_json))
        .route("/ocel.xml", get(ocel_xml))
        .route("/ocel.sqlite", get(ocel_sqlite))
        .route("/cases.xes", get(cases_xes))
        .with_state(St { pool, auth })
}

type Params = RawQuery;

async fn ocel_json(st: State<St>, headers: HeaderMap, q: Params) -> Response {
    download(st, headers, q, Format::OcelJson).await
}

async fn ocel_xml(st: State<St>, headers: HeaderMap, q: Params) -> Response {
    download(st, headers, q, Format::OcelXml).await
}

async fn ocel_sqlite(st: State<St>, headers: HeaderMap, q: Params) -> Response {
    download(st, headers, q, Format::OcelSqlite).await
}

async fn cases_xes(st: State<St>, headers: HeaderMap, q: Params) -> Response {
    download(st, headers, q, Format::Xes).await
}

fn error(status: StatusCode, code: &str, rule: Option<&str>, message: &str) -> Response {
    let mut extensions = serde_json::json!({ "code": code });
    if let Some(r) = rule {
        extensions["rule"] = serde_json::json!(r);
    }
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({"errors": [{"message": message, "extensions": extensions}]}).to_string(),
    )
        .into_response()
}

fn refused(e: &AppError) -> Response {
    let status = match e.code().as_str() {
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        "INTERNAL" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    error(status, e.code().as_str(), e.rule(), &e.message())
}

fn internal(what: &str, e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "export: {what}");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        None,
        "the export failed; the details are in the server's log",
    )
}

fn file_name(format: Format) -> &'static str {
    match format {
        Format::OcelJson => "ocel.json",
        Format::OcelXml => "ocel.xml",
        Format::OcelSqlite => "ocel.sqlite",
        Format::Xes => "cases.xes",
    }
}

/// A body that streams what `reader` yields, in chunks.
fn body_of(reader: impl tokio::io::AsyncRead + Unpin + Send + 'static) -> Body {
    Body::from_stream(futures::stream::unfold(reader, |mut r| async move {
        let mut buf = vec![0u8; 64 << 10];
        match r.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<Bytes, std::io::Error>(Bytes::from(buf)), r))
            }
            Err(e) => Some((Err(e), r)),
        }
    }))
}

async fn download(
    State(st): State<St>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    format: Format,
) -> Response {
    let who = match crate::http::authenticate(&st.auth, &st.pool, &headers).await {
        Ok(a) => a,
        Err(e) => {
            return error(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                None,
                &e.to_string(),
            )
        }
    };
    if let Err(e) = authorize(&who, Access::ReadCases) {
        return refused(&e);
    }
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(query.as_deref().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let mut filter = match parse_filter(&pairs) {
        Ok(f) => f,
        Err(e) => return refused(&e),
    };
    filter.departments = match narrow_departments(&who, filter.departments.take(), "workflow cases")
    {
        Ok(d) => d,
        Err(e) => return refused(&e),
    };
    let ok = |body: Body| {
        (
            [
                (header::CONTENT_TYPE, format.media_type().to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", file_name(format)),
                ),
            ],
            body,
        )
            .into_response()
    };
    if format == Format::OcelSqlite {
        let dir = std::env::temp_dir();
        let path = dir.join(format!(
            "dutyledger-export-{}.sqlite",
            uuid::Uuid::new_v4().simple()
        ));
        if let Err(e) = write_file(&st.pool, filter, format, &path).await {
            let _ = tokio::fs::remove_file(&path).await;
            return internal("writing the SQLite file", &e);
        }
        let file = tokio::fs::File::open(&path).await;
        // Unlinked at once: the open file streams on and the space is freed when it closes.
        let _ = tokio::fs::remove_file(&path).await;
        return match file {
            Ok(f) => ok(body_of(f)),
            Err(e) => internal("reading the SQLite file", &e),
        };
    }
    // Open the trail before answering, so that a database failure is a clean 500.
    let mut trail = match Trail::open(&st.pool, filter).await {
        Ok(t) => t,
        Err(e) => return internal("opening the trail", &e),
    };
    let (writer, reader) = tokio::io::duplex(256 << 10);
    tokio::spawn(async move {
        if let Err(e) = write_to(&mut trail, format, writer).await {
            // The response has started: the client sees a truncated body.
            tracing::error!(error = %e, "export: streaming failed");
        }
    });
    ok(body_of(reader))
}
