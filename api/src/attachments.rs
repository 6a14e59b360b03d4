//! The attachment store: the files that answers to rectification orders refer to by file name,
//! SHA-256 and size. Files are content-addressed (`PUT /attachments/{sha256}` stores the body if
//! its hash is the one named; `GET /attachments/{sha256}` returns it), in a folder the operator
//! configures: `DUTYLEDGER_ATTACHMENTS_DIR` (default `data/attachments`), at most
//! `DUTYLEDGER_ATTACHMENT_MAX_BYTES` per file (default 50 MiB). Uploading needs a token of a role
//! that may answer orders (a clerk, the office); reading one that may read rectification.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::auth::token::Authenticator;
use crate::service::policy::{authorize, Access};
use crate::service::AppError;

/// Where attachments are kept.
#[derive(Debug, Clone)]
pub struct AttachmentStore {
    /// The folder.
    pub dir: PathBuf,
    /// The largest file accepted, in bytes.
    pub max_bytes: usize,
}

impl AttachmentStore {
    /// The store the environment configures.
    pub fn from_env() -> Self {
        Self {
            dir: std::env::var_os("DUTYLEDGER_ATTACHMENTS_DIR")
                .map_or_else(|| PathBuf::from("data/attachments"), PathBuf::from),
            max_bytes: std::env::var("DUTYLEDGER_ATTACHMENT_MAX_BYTES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(50 << 20),
        }
    }
}

#[derive(Clone)]
struct St {
    store: Arc<AttachmentStore>,
    pool: PgPool,
    auth: Arc<Authenticator>,
}

/// The routes, to nest under `/attachments`.
pub fn router(store: AttachmentStore, pool: PgPool, auth: Arc<Authenticator>) -> Router {
    let limit = store.max_bytes;
    Router::new()
        .route("/{sha256}", get(fetch).put(upload))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(St {
            store: Arc::new(store),
            pool,
            auth,
        })
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
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    };
    error(status, e.code().as_str(), e.rule(), &e.message())
}

fn valid_hash(h: &str) -> bool {
    h.len() == 64
        && h.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

async fn actor(st: &St, headers: &HeaderMap) -> Result<crate::auth::Actor, Response> {
    crate::http::authenticate(&st.auth, &st.pool, headers)
        .await
        .map_err(|e| {
            error(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                None,
                &e.to_string(),
            )
        })
}

async fn upload(
    State(st): State<St>,
    Path(sha256): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let who = match actor(&st, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    if let Err(e) = authorize(&who, Access::UploadAttachment) {
        return refused(&e);
    }
    if !valid_hash(&sha256) {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            Some("INVALID_HASH"),
            "the path names a SHA-256 of 64 lowercase hex digits",
        );
    }
    if body.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            Some("EMPTY_FILE"),
            "the file is empty",
        );
    }
    let got = format!("{:x}", Sha256::digest(&body));
    if got != sha256 {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            Some("HASH_MISMATCH"),
            &format!("the body's SHA-256 is {got}, not {sha256}"),
        );
    }
    let path = st.store.dir.join(&sha256);
    let created = !path.exists();
    if created {
        let tmp = st
            .store
            .dir
            .join(format!(".{sha256}.{}", uuid::Uuid::new_v4().simple()));
        let written = async {
            tokio::fs::create_dir_all(&st.store.dir).await?;
            tokio::fs::write(&tmp, &body).await?;
            tokio::fs::rename(&tmp, &path).await
        }
        .await;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&tmp).await;
            tracing::error!(error = %e, dir = %st.store.dir.display(), "attachment not stored");
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                None,
                "the attachment could not be stored",
            );
        }
    }
    (
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({"sha256": sha256, "size": body.len()}).to_string(),
    )
        .into_response()
}

async fn fetch(State(st): State<St>, Path(sha256): Path<String>, headers: HeaderMap) -> Response {
    let who = match actor(&st, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    if let Err(e) = authorize(&who, Access::ReadRectification) {
        return refused(&e);
    }
    if !valid_hash(&sha256) {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            Some("INVALID_HASH"),
            "the path names a SHA-256 of 64 lowercase hex digits",
        );
    }
    match tokio::fs::read(st.store.dir.join(&sha256)).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response(),
        Err(_) => error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            Some("ATTACHMENT_NOT_FOUND"),
            "no attachment with that SHA-256",
        ),
    }
}
