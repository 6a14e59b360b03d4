//! Logs never contain tokens or secrets: everything the service logs at TRACE level while
//! handling good and bad tokens is captured and searched.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{header, Request};
use chrono::Utc;
use dutyledger_api::auth::Role;
use dutyledger_tests::{TestApp, TEST_SECRET};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use sqlx::PgPool;
use tower::ServiceExt;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn tokens_and_secrets_never_reach_the_log(pool: PgPool) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // This thread's subscriber (the test's runtime runs every task of the test on it), so that
    // the other tests of the binary neither write into the capture nor lose their own logs.
    let _capture = tracing::subscriber::set_default(subscriber);

    let app = TestApp::new(pool);
    let good = app.token(Role::Supervisor, &[]);
    let now = Utc::now().timestamp();
    let expired = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": "x", "role": "supervisor", "exp": now - 3600, "jti": "j"}),
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .expect("sign");
    let forged = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": "x", "role": "supervisor", "exp": now + 3600, "jti": "j"}),
        &EncodingKey::from_secret(b"forged-forged-forged-forged-forged-0123"),
    )
    .expect("sign");
    let tokens = [
        good.clone(),
        expired,
        forged,
        "garbage-token-value-1234567890".to_owned(),
    ];
    for token in &tokens {
        for body in [
            r#"{"query":"{ departments { id } }"}"#,
            r#"{"query":"mutation { defineMainDuty(input: {departmentId: \"x\", text: \"y\"}) { id } }"}"#,
            r#"{"query":"{ broken "}"#,
        ] {
            let request = Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::from(body))
                .expect("request");
            let _ = app.router().oneshot(request).await.expect("answer");
        }
    }

    let log = String::from_utf8_lossy(&captured.0.lock().expect("log").clone()).into_owned();
    assert!(
        log.contains("not authenticated"),
        "the log records refusals (so this test can see the log)"
    );
    assert!(!log.contains(TEST_SECRET), "the secret is not logged");
    for token in &tokens {
        assert!(!log.contains(token.as_str()), "a token was logged");
        let signature = token.rsplit('.').next().unwrap_or_default();
        if signature.len() > 10 {
            assert!(!log.contains(signature), "a token signature was logged");
        }
    }
}
