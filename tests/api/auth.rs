//! Tokens through the real router: every way a token can be wrong is refused with
//! `UNAUTHENTICATED` (HTTP 401), and RS256 / EdDSA keys work as well as HS256. When the
//! revocation list cannot be read, HTTP and the WebSocket alike refuse (fail closed).

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use dutyledger_api::auth::token::{AuthError, Authenticator};
use dutyledger_api::auth::Role;
use dutyledger_tests::{credit_code, TestApp, TEST_SECRET};
use futures::{SinkExt, StreamExt};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tower::ServiceExt;

async fn query_with(app: &TestApp, authorization: Option<String>) -> (StatusCode, Value) {
    let mut request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/graphql-response+json");
    if let Some(a) = authorization {
        request = request.header(header::AUTHORIZATION, a);
    }
    let request = request
        .body(Body::from(r#"{"query":"{ departments { id } }"}"#))
        .expect("request");
    let response = app.router().oneshot(request).await.expect("answer");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn claims() -> Value {
    let now = Utc::now().timestamp();
    json!({"sub": "zhang.wei", "role": "supervisor", "exp": now + 3600, "iat": now, "nbf": now, "jti": "t-1"})
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    if let Some(o) = claims.as_object_mut() {
        o.remove(key);
    }
    claims
}

fn hs(alg: Algorithm, secret: &str, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn rs256(claims: &Value) -> String {
    let pem = std::fs::read(fixture("rsa_private.pem")).expect("key");
    jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        claims,
        &EncodingKey::from_rsa_pem(&pem).expect("rsa key"),
    )
    .expect("sign")
}

fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{body}.")
}

async fn refused(app: &TestApp, token: String, why: &str) {
    let (status, body) = query_with(app, Some(format!("Bearer {token}"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}: {body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{why}: {body}"
    );
    assert!(body["data"].is_null(), "{why}");
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn a_valid_token_is_accepted(pool: PgPool) {
    let app = TestApp::new(pool);
    let (status, body) = query_with(
        &app,
        Some(format!(
            "Bearer {}",
            hs(Algorithm::HS256, TEST_SECRET, &claims())
        )),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["departments"], json!([]));
    // The scheme is case-insensitive.
    let (status, _) = query_with(
        &app,
        Some(format!("bearer {}", app.token(Role::Reviewer, &[]))),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn requests_without_a_token_are_refused(pool: PgPool) {
    let app = TestApp::new(pool);
    let (status, body) = query_with(&app, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let (status, _) = query_with(&app, Some("Basic dXNlcjpwYXNz".into())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Introspection too.
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"query":"{ __schema { types { name } } }"}"#))
        .expect("request");
    let response = app.router().oneshot(request).await.expect("answer");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn bad_times_are_refused(pool: PgPool) {
    let app = TestApp::new(pool);
    let now = Utc::now().timestamp();
    refused(
        &app,
        hs(
            Algorithm::HS256,
            TEST_SECRET,
            &with(claims(), "exp", json!(now - 3600)),
        ),
        "expired",
    )
    .await;
    refused(
        &app,
        hs(
            Algorithm::HS256,
            TEST_SECRET,
            &with(claims(), "nbf", json!(now + 3600)),
        ),
        "not yet valid",
    )
    .await;
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn bad_signatures_and_algorithms_are_refused(pool: PgPool) {
    let app = TestApp::new(pool);
    refused(
        &app,
        hs(
            Algorithm::HS256,
            "another-secret-another-secret-0123456",
            &claims(),
        ),
        "wrong secret",
    )
    .await;
    refused(
        &app,
        hs(Algorithm::HS512, TEST_SECRET, &claims()),
        "HS512 instead of HS256",
    )
    .await;
    refused(&app, rs256(&claims()), "RS256 on an HS256 server").await;
    refused(&app, unsigned(&claims()), "alg none").await;
    let good = hs(Algorithm::HS256, TEST_SECRET, &claims());
    let tampered = {
        let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
        parts[1] =
            URL_SAFE_NO_PAD.encode(with(claims(), "role", json!("supervisor")).to_string() + " ");
        parts.join(".")
    };
    refused(&app, tampered, "payload changed after signing").await;
    refused(&app, "not-a-token".into(), "malformed").await;
    refused(&app, "a.b.c".into(), "malformed parts").await;
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn missing_or_bad_claims_are_refused(pool: PgPool) {
    let app = TestApp::new(pool);
    for claim in ["sub", "role", "exp", "jti"] {
        refused(
            &app,
            hs(Algorithm::HS256, TEST_SECRET, &without(claims(), claim)),
            claim,
        )
        .await;
    }
    refused(
        &app,
        hs(
            Algorithm::HS256,
            TEST_SECRET,
            &with(claims(), "sub", json!("")),
        ),
        "empty sub",
    )
    .await;
    for role in ["admin", "system", "SUPERVISOR", ""] {
        refused(
            &app,
            hs(
                Algorithm::HS256,
                TEST_SECRET,
                &with(claims(), "role", json!(role)),
            ),
            role,
        )
        .await;
    }
    refused(
        &app,
        hs(
            Algorithm::HS256,
            TEST_SECRET,
            &with(claims(), "role", json!("clerk")),
        ),
        "clerk without department",
    )
    .await;
    let bad_department = with(
        with(claims(), "role", json!("clerk")),
        "department",
        json!("11371300004350120X"),
    );
    refused(
        &app,
        hs(Algorithm::HS256, TEST_SECRET, &bad_department),
        "clerk with an invalid department",
    )
    .await;
    let good_department = with(
        with(claims(), "role", json!("clerk")),
        "department",
        json!(credit_code("30000001")),
    );
    let (status, _) = query_with(
        &app,
        Some(format!(
            "Bearer {}",
            hs(Algorithm::HS256, TEST_SECRET, &good_department)
        )),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a clerk with a valid department is accepted"
    );
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn revoked_tokens_are_refused(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = hs(Algorithm::HS256, TEST_SECRET, &claims());
    let (status, _) = query_with(&app, Some(format!("Bearer {token}"))).await;
    assert_eq!(status, StatusCode::OK);
    sqlx::query("INSERT INTO revoked_tokens (jti, revoked_by) VALUES ('t-1', 'system:test')")
        .execute(&app.pool)
        .await
        .expect("revoke");
    let (status, body) = query_with(&app, Some(format!("Bearer {token}"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("revoked")),
        "{body}"
    );
}

/// Makes the revocation list unreadable, as a database that fails the check would.
async fn lose_the_revocation_list(app: &TestApp) {
    sqlx::query("ALTER TABLE revoked_tokens RENAME TO revoked_tokens_gone")
        .execute(&app.pool)
        .await
        .expect("rename");
}

/// Serves the real router on a local port.
async fn serve(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let router = app.router();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `/graphql/ws` with the `graphql-transport-ws` subprotocol and sends `connection_init`
/// with `token`.
async fn open_socket(addr: SocketAddr, token: &str) -> Socket {
    let mut request = format!("ws://{addr}/graphql/ws")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade");
    let init =
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}});
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .expect("send init");
    socket
}

/// What the server says next: a protocol message's `type`, or `close <code>`.
async fn next_from(socket: &mut Socket, within: Duration) -> String {
    let next = tokio::time::timeout(within, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(t))) => {
                    let message: Value = serde_json::from_str(t.as_str()).expect("json");
                    return message["type"].as_str().unwrap_or("?").to_owned();
                }
                Some(Ok(Message::Close(frame))) => {
                    return format!("close {}", frame.map_or(0, |f| u16::from(f.code)));
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return format!("error {e}"),
                None => return "end".to_owned(),
            }
        }
    })
    .await;
    next.unwrap_or_else(|_| "nothing".to_owned())
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn revocation_list_unreadable_the_socket_refuses_the_connection(pool: PgPool) {
    let app = TestApp::new(pool);
    let addr = serve(&app).await;
    let token = app.token(Role::Supervisor, &[]);
    let mut socket = open_socket(addr, &token).await;
    assert_eq!(
        next_from(&mut socket, Duration::from_secs(5)).await,
        "connection_ack",
        "the token is good while the list can be read"
    );
    drop(socket);

    lose_the_revocation_list(&app).await;
    let mut socket = open_socket(addr, &token).await;
    assert_eq!(
        next_from(&mut socket, Duration::from_secs(5)).await,
        "close 4403",
        "a token whose revocation cannot be checked is refused, not acknowledged"
    );
    // HTTP answers the same condition with its authentication error, not data.
    let (status, body) = query_with(&app, Some(format!("Bearer {token}"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body}"
    );
    assert!(body.get("data").is_none(), "{body}");
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn revocation_list_unreadable_an_open_socket_is_closed(pool: PgPool) {
    let app = TestApp::new(pool);
    let addr = serve(&app).await;
    let mut socket = open_socket(addr, &app.token(Role::Supervisor, &[])).await;
    assert_eq!(
        next_from(&mut socket, Duration::from_secs(5)).await,
        "connection_ack"
    );
    let subscribe = json!({"id": "feed", "type": "subscribe",
        "payload": {"query": "subscription { events { cursor } }"}});
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .expect("subscribe");
    // The credentials are checked again every CREDENTIALS_RECHECK: the first check passes.
    let recheck = dutyledger_api::ws::CREDENTIALS_RECHECK;
    assert_eq!(
        next_from(&mut socket, recheck + Duration::from_secs(1)).await,
        "nothing",
        "the subscription runs while the list can be read"
    );
    lose_the_revocation_list(&app).await;
    assert_eq!(
        next_from(&mut socket, recheck + Duration::from_secs(5)).await,
        "close 4403",
        "the subscription does not outlive a check that cannot be made"
    );
}

#[test]
fn rs256_and_eddsa_keys_verify_their_own_tokens_only() {
    let rsa = Authenticator::from_public_key(
        &fixture("rsa_public.pem"),
        Some(&fixture("rsa_private.pem")),
    )
    .expect("rsa keys");
    let ed = Authenticator::from_public_key(
        &fixture("ed25519_public.pem"),
        Some(&fixture("ed25519_private.pem")),
    )
    .expect("ed25519 keys");
    assert_eq!(rsa.algorithm(), Algorithm::RS256);
    assert_eq!(ed.algorithm(), Algorithm::EdDSA);
    let (rsa_token, _) = rsa.issue("a", Role::Reviewer, &[], 60).expect("issue");
    let (ed_token, _) = ed.issue("b", Role::Reviewer, &[], 60).expect("issue");
    assert_eq!(
        rsa.verify(&rsa_token).map(|a| a.id()),
        Ok("reviewer:a".to_owned())
    );
    assert_eq!(
        ed.verify(&ed_token).map(|a| a.id()),
        Ok("reviewer:b".to_owned())
    );
    assert_eq!(rsa.verify(&ed_token), Err(AuthError::WrongAlgorithm));
    assert_eq!(ed.verify(&rsa_token), Err(AuthError::WrongAlgorithm));
    let hs_token = hs(Algorithm::HS256, TEST_SECRET, &claims());
    assert_eq!(rsa.verify(&hs_token), Err(AuthError::WrongAlgorithm));
    // A verify-only server cannot issue.
    let verify_only =
        Authenticator::from_public_key(&fixture("rsa_public.pem"), None).expect("key");
    assert!(verify_only.issue("a", Role::Reviewer, &[], 60).is_err());
    assert_eq!(
        verify_only.verify(&rsa_token).map(|a| a.role),
        Ok(Role::Reviewer)
    );
}
