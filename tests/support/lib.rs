//! Test support: the real application wired to a test database (one fresh database per test,
//! made by `#[sqlx::test]`), and helpers to run GraphQL through it.
//!
//! Every test goes through the same `build_schema` / `router` the server uses.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Request, Variables};
use dutyledger_api::app::AppState;
use dutyledger_api::auth::token::Authenticator;
use dutyledger_api::auth::{Actor, Role};
use dutyledger_api::context::RequestContext;
use dutyledger_api::graphql::{build_schema, DutySchema, Limits};
use serde_json::{json, Value};
use sqlx::PgPool;

/// The application under test, with a projector running in the background.
pub struct TestApp {
    /// The database of this test.
    pub pool: PgPool,
    /// The application state.
    pub state: AppState,
    /// The schema, as the server builds it.
    pub schema: DutySchema,
    /// The token verifier (HS256 with [`TEST_SECRET`]).
    pub auth: Arc<Authenticator>,
    projector: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for TestApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestApp").finish_non_exhaustive()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.projector.abort();
    }
}

impl TestApp {
    /// Wires the application to `pool` and starts its projector.
    pub fn new(pool: PgPool) -> Self {
        let state = AppState::new(pool.clone(), Duration::from_secs(10));
        let projector = state.spawn_projector();
        let schema = build_schema(state.clone(), Limits::default());
        let auth = Arc::new(Authenticator::hs256(TEST_SECRET.as_bytes()).expect("test key"));
        Self {
            pool,
            state,
            schema,
            auth,
            projector,
        }
    }

    /// The real router, with this app's schema, database and token key.
    pub fn router(&self) -> axum::Router {
        dutyledger_api::http::router(self.schema.clone(), self.pool.clone(), self.auth.clone())
    }

    /// A valid token for `role`, bound to `departments`.
    pub fn token(&self, role: Role, departments: &[&str]) -> String {
        let departments: Vec<_> = departments
            .iter()
            .map(|d| dutyledger_domain::values::CreditCode::parse(d).expect("valid code"))
            .collect();
        self.auth
            .issue("tester", role, &departments, 3600)
            .expect("issue")
            .0
    }

    /// Runs a GraphQL request as `actor` and returns the whole response as JSON
    /// (`data` and `errors`).
    pub async fn gql_as(&self, actor: &Actor, query: &str, variables: Value) -> Value {
        let request = Request::new(query)
            .variables(Variables::from_json(variables))
            .data(RequestContext::new(actor.clone()));
        let response = dutyledger_api::graphql::execute(&self.schema, request).await;
        serde_json::to_value(&response).expect("responses serialise")
    }

    /// Runs a GraphQL request as a supervisor.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_as(&Actor::supervisor("test"), query, variables)
            .await
    }

    /// Runs a GraphQL request that must succeed and returns its `data`.
    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        let response = self.gql(query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response:#}"
        );
        response["data"].clone()
    }

    /// Number of events in the log.
    pub async fn event_count(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM events")
            .fetch_one(&self.pool)
            .await
            .expect("count events")
    }
}

/// The HS256 secret of test servers.
pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// An actor of `role` bound to `departments`.
pub fn actor(role: Role, departments: &[&str]) -> Actor {
    Actor::new(
        role,
        "tester",
        departments
            .iter()
            .map(|d| dutyledger_domain::values::CreditCode::parse(d).expect("valid code"))
            .collect(),
    )
}

/// The test database's URL (for the CLI, which connects by itself).
pub fn database_url_of(pool: &PgPool) -> String {
    let master = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let name = pool
        .connect_options()
        .get_database()
        .expect("a database")
        .to_owned();
    match master.split_once('?') {
        Some((base, query)) => format!(
            "{}/{name}?{query}",
            base.rsplit_once('/').map_or(base, |b| b.0)
        ),
        None => format!(
            "{}/{name}",
            master.rsplit_once('/').map_or(master.as_str(), |b| b.0)
        ),
    }
}

/// The `extensions.code` of the first error of a response.
pub fn error_code(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["code"].as_str()
}

/// The `extensions.rule` of the first error of a response.
pub fn error_rule(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["rule"].as_str()
}

/// A valid credit code for a test department, from an 8-digit organisation code body.
pub fn credit_code(org_body: &str) -> String {
    dutyledger_domain::values::CreditCode::from_parts('1', '1', "371300", org_body)
        .expect("valid parts")
        .to_string()
}

/// The mutation that establishes a city department in Linyi.
pub const ESTABLISH: &str = r#"
mutation($id: ID!, $name: String!) {
  establishDepartment(input: {id: $id, name: $name, divisionCode: "371300000000",
                              level: CITY, sector: "市场监管", kind: GOVERNMENT_DEPARTMENT}) {
    departmentId events cursor projected
  }
}"#;

/// Variables for [`ESTABLISH`].
pub fn establish_vars(id: &str) -> Value {
    json!({ "id": id, "name": "临沂市测试局" })
}

/// A database of its own for tests that cannot use `#[sqlx::test]` (property tests that need
/// a blocking runner): created from `DATABASE_URL`, migrated, and dropped by [`drop_database`].
pub async fn fresh_database(prefix: &str) -> (PgPool, String) {
    use sqlx::migrate::MigrateDatabase;
    let master = std::env::var("DATABASE_URL").expect("DATABASE_URL (ops/test.sh sets it)");
    let name = format!("{prefix}_{}", std::process::id());
    let url = match master.split_once('?') {
        Some((base, query)) => format!(
            "{}/{name}?{query}",
            base.rsplit_once('/').map_or(base, |b| b.0)
        ),
        None => format!(
            "{}/{name}",
            master.rsplit_once('/').map_or(master.as_str(), |b| b.0)
        ),
    };
    let _ = sqlx::Postgres::drop_database(&url).await;
    sqlx::Postgres::create_database(&url)
        .await
        .expect("create test database");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(8)
        .connect(&url)
        .await
        .expect("connect");
    dutyledger_projections::db::migrate(&pool)
        .await
        .expect("migrate");
    (pool, url)
}

/// Drops a database made by [`fresh_database`].
pub async fn drop_database(pool: PgPool, url: &str) {
    use sqlx::migrate::MigrateDatabase;
    pool.close().await;
    let _ = sqlx::Postgres::force_drop_database(url).await;
}

/// The seed property tests use when `PROPTEST_RNG_SEED` is not set: CI runs the same cases
/// every time. Explore with other seeds locally: `ops/explore-props.sh` (or
/// `PROPTEST_RNG_SEED=<n> PROPTEST_CASES=<n> cargo test ...`).
pub const PROPERTY_SEED: u64 = 0x6475_7479_6c65_6467;

/// The configuration of a property test: `PROPTEST_CASES` cases (else `default_cases`), from
/// `PROPTEST_RNG_SEED` (else [`PROPERTY_SEED`]); no persistence file (regressions are explicit
/// tests). The seed is printed, so a failure names what reproduces it.
pub fn property_config(default_cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngSeed};
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default_cases);
    let seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(PROPERTY_SEED);
    eprintln!("property test: {cases} cases, PROPTEST_RNG_SEED={seed}");
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    }
}

/// A transaction on its own connection that holds a transaction id, and so holds the event
/// horizon back for every reader of the server until it ends (as an `ANALYZE` or another
/// database's writer does). Tests use it to show that readers wait for their writes rather
/// than read what happens to be below the horizon.
pub struct HorizonHold {
    conn: sqlx::PgConnection,
}

impl std::fmt::Debug for HorizonHold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HorizonHold").finish_non_exhaustive()
    }
}

impl HorizonHold {
    /// Opens the transaction and takes an id.
    pub async fn start(url: &str) -> Self {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(url)
            .await
            .expect("connect the holder");
        sqlx::query("BEGIN")
            .execute(&mut conn)
            .await
            .expect("begin");
        sqlx::query("SELECT pg_current_xact_id()")
            .execute(&mut conn)
            .await
            .expect("take a transaction id");
        Self { conn }
    }

    /// Ends the transaction after `after` (in the background), releasing the horizon.
    pub fn release_after(mut self, after: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            sqlx::query("COMMIT")
                .execute(&mut self.conn)
                .await
                .expect("release the horizon");
        })
    }
}
