//! The HTTP surface through the real router: GraphQL over HTTP, GraphiQL, health and
//! readiness.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use dutyledger_api::auth::Role;
use dutyledger_tests::TestApp;
use serde_json::Value;
use sqlx::PgPool;
use tower::ServiceExt;

async fn call(app: &TestApp, request: Request<Body>) -> (StatusCode, Option<String>, String) {
    let response = app
        .router()
        .oneshot(request)
        .await
        .expect("the router answers");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (
        status,
        content_type,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

fn post(app: &TestApp, body: &str) -> Request<Body> {
    Request::post("/graphql")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", app.token(Role::Supervisor, &[])),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request")
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn health_and_readiness(pool: PgPool) {
    let app = TestApp::new(pool);
    let (status, _, body) = call(
        &app,
        Request::get("/healthz").body(Body::empty()).expect("req"),
    )
    .await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    let (status, _, _) = call(
        &app,
        Request::get("/readyz").body(Body::empty()).expect("req"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[sqlx::test(migrations = false)]
async fn not_ready_before_migrations(pool: PgPool) {
    let app = TestApp::new(pool);
    let (status, _, _) = call(
        &app,
        Request::get("/readyz").body(Body::empty()).expect("req"),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn post_and_get_queries(pool: PgPool) {
    let app = TestApp::new(pool);
    let (status, content_type, body) =
        call(&app, post(&app, r#"{"query":"{ departments { id } }"}"#)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        content_type.as_deref(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        serde_json::from_str::<Value>(&body).ok(),
        Some(serde_json::json!({"data": {"departments": []}}))
    );

    let get = Request::get("/graphql?query=%7Bdepartments%7Bid%7D%7D")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", app.token(Role::Reviewer, &[])),
        )
        .header(header::ACCEPT, "application/graphql-response+json")
        .body(Body::empty())
        .expect("req");
    let (status, content_type, _) = call(&app, get).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        content_type.as_deref(),
        Some("application/graphql-response+json")
    );
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn mutations_over_get_are_refused(pool: PgPool) {
    let app = TestApp::new(pool);
    let get = Request::get("/graphql?query=mutation%7BdefineMainDuty(input%3A%7BdepartmentId%3A%22x%22%2Ctext%3A%22y%22%7D)%7Bid%7D%7D")
        .body(Body::empty())
        .expect("req");
    let (status, _, _) = call(&app, get).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(app.event_count().await, 0);
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn malformed_requests_get_coded_errors(pool: PgPool) {
    let app = TestApp::new(pool);
    let (status, _, body) = call(&app, post(&app, "{not json")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("BAD_REQUEST"), "{body}");

    let wrong_type = Request::post("/graphql")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", app.token(Role::Supervisor, &[])),
        )
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{ departments { id } }"))
        .expect("req");
    let (status, _, _) = call(&app, wrong_type).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // A syntax error and an unknown field: coded, 400 with the GraphQL response media type.
    for (query, code) in [
        (r#"{"query":"{ departments { id "}"#, "GRAPHQL_PARSE_FAILED"),
        (r#"{"query":"{ nope }"}"#, "GRAPHQL_VALIDATION_FAILED"),
    ] {
        let request = Request::post("/graphql")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", app.token(Role::Supervisor, &[])),
            )
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/graphql-response+json")
            .body(Body::from(query))
            .expect("req");
        let (status, _, body) = call(&app, request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let v: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(v["errors"][0]["extensions"]["code"], code, "{body}");
        assert!(
            v.get("data").is_none(),
            "a request that never executed has no data entry: {body}"
        );
    }

    // Parameters of the wrong shape are refused before execution.
    for body in [
        r#"{"qeury":"{ departments { id } }"}"#,
        r#"{"query":"{ departments { id } }","variables":"x"}"#,
        r#"{"query":"{ departments { id } }","operationName":1}"#,
        r#"[{"query":"{ departments { id } }"}]"#,
    ] {
        let (status, _, answer) = call(&app, post(&app, body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert!(answer.contains("BAD_REQUEST"), "{answer}");
    }
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn browsers_get_graphiql(pool: PgPool) {
    let app = TestApp::new(pool);
    let request = Request::get("/graphql")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .body(Body::empty())
        .expect("req");
    let (status, content_type, body) = call(&app, request).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.is_some_and(|c| c.starts_with("text/html")));
    assert!(body.contains("graphiql"), "GraphiQL page");
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn limits_refuse_with_codes(pool: PgPool) {
    let app = TestApp::new(pool);
    let deep = format!(
        "{{ departments {{ {} id {} }} }}",
        "units { duties { tasks { unit { ".repeat(4),
        "} } } }".repeat(4)
    );
    let complex = format!(
        "{{ {} }}",
        (0..1_000)
            .map(|i| format!("a{i}: departments {{ id name sector level kind staffing }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    for (query, code) in [(deep, "QUERY_TOO_DEEP"), (complex, "QUERY_TOO_COMPLEX")] {
        let body = serde_json::json!({ "query": query }).to_string();
        let (status, _, answer) = call(&app, post(&app, &body)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let v: Value = serde_json::from_str(&answer).expect("json");
        assert_eq!(v["errors"][0]["extensions"]["code"], code, "{answer}");
    }

    let huge = format!(
        r#"{{"query":"{{ departments {{ id }} }}","variables":{{"x":"{}"}}}}"#,
        "x".repeat(dutyledger_api::http::MAX_BODY_BYTES)
    );
    let (status, _, answer) = call(&app, post(&app, &huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let v: Value = serde_json::from_str(&answer).expect("json");
    assert_eq!(v["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
}
