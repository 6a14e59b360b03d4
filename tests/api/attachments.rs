//! The attachment store through its HTTP routes: a clerk uploads the file an answer refers to
//! (content-addressed: the body must hash to the name), uploading it again is harmless, readers
//! fetch it, and the other roles and bad requests get their codes.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use dutyledger_api::attachments::{router, AttachmentStore};
use dutyledger_api::auth::Role;
use dutyledger_tests::{credit_code, TestApp};
use sqlx::PgPool;
use tower::ServiceExt;

const FILE: &[u8] = "整改报告：927项审批事项已落实到岗位".as_bytes();

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

async fn call(
    app: &TestApp,
    store: &AttachmentStore,
    request: Request<Body>,
) -> (StatusCode, String) {
    let response = router(store.clone(), app.pool.clone(), app.auth.clone())
        .oneshot(request)
        .await
        .expect("answers");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn put(token: Option<String>, hash: &str, body: &'static [u8]) -> Request<Body> {
    let mut r = Request::put(format!("/{hash}"));
    if let Some(t) = token {
        r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    r.body(Body::from(body)).expect("request")
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn attachments_are_stored_by_their_hash_and_read_back(pool: PgPool) {
    let app = TestApp::new(pool);
    let dir = std::env::temp_dir().join(format!("attachments-{}", uuid::Uuid::new_v4().simple()));
    let store = AttachmentStore {
        dir: dir.clone(),
        max_bytes: 1 << 20,
    };
    let hash = sha256_hex(FILE);
    let clerk = app.token(Role::Clerk, &[&credit_code("76000001")]);
    let (status, body) = call(&app, &store, put(Some(clerk.clone()), &hash, FILE)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body.contains(&format!("\"size\":{}", FILE.len())), "{body}");
    let (status, _) = call(&app, &store, put(Some(clerk.clone()), &hash, FILE)).await;
    assert_eq!(status, StatusCode::OK, "uploading again is harmless");
    let (status, body) = call(
        &app,
        &store,
        put(Some(clerk.clone()), &"0".repeat(64), FILE),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("HASH_MISMATCH"), "{body}");
    let (status, body) = call(&app, &store, put(Some(clerk), "not-a-hash", FILE)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("INVALID_HASH"), "{body}");
    let (status, _) = call(&app, &store, put(None, &hash, FILE)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let integrator = app.token(Role::Integrator, &[]);
    let (status, body) = call(&app, &store, put(Some(integrator), &hash, FILE)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let get = |hash: &str| {
        Request::get(format!("/{hash}"))
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", app.token(Role::Reviewer, &[])),
            )
            .body(Body::empty())
            .expect("request")
    };
    let (status, body) = call(&app, &store, get(&hash)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_bytes(), FILE);
    let (status, body) = call(&app, &store, get(&"a".repeat(64))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("ATTACHMENT_NOT_FOUND"), "{body}");
    let _ = std::fs::remove_dir_all(&dir);
}
