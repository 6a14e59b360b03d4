//! The `dutyledger` command line. Settings come from flags or environment variables.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use dutyledger_projections::db::{self, PoolSettings};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::app::AppState;
use crate::graphql::{build_schema, Limits};
use crate::http;

/// dutyledger: the event-sourced backend of function operation supervision (职能运行监管).
#[derive(Debug, Parser)]
#[command(name = "dutyledger", version, about)]
pub struct Cli {
    /// PostgreSQL connection URL.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve GraphQL (and run the projector, unless another instance is active).
    Serve(ServeArgs),
    /// Apply pending database migrations.
    Migrate,
    /// Load the Linyi demo data (safe to run again: the second run changes nothing).
    Seed,
}

/// Settings of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DUTYLEDGER_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Do not run a projector in this process (another process runs it).
    #[arg(long, env = "DUTYLEDGER_NO_PROJECTOR")]
    pub no_projector: bool,

    /// Longest a mutation waits for the read models to show its effect, in milliseconds.
    #[arg(long, env = "DUTYLEDGER_PROJECTION_WAIT_MS", default_value_t = 5000)]
    pub projection_wait_ms: u64,

    /// Most database connections.
    #[arg(long, env = "DUTYLEDGER_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,
}

fn database_url(cli: &Cli) -> anyhow::Result<&str> {
    cli.database_url.as_deref().context(
        "DATABASE_URL is not set: pass --database-url or set DATABASE_URL (ops/db.sh finds or starts a local PostgreSQL and prints one)",
    )
}

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Migrate => {
            let pool = db::connect(database_url(&cli)?, &PoolSettings::default()).await?;
            db::migrate(&pool).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Seed => {
            let pool = db::connect(database_url(&cli)?, &PoolSettings::default()).await?;
            db::migrate(&pool).await?;
            let state = AppState::new(pool, Duration::from_secs(10));
            let projector = state.spawn_projector();
            let report = crate::seed::seed(&state)
                .await
                .map_err(|e| anyhow::anyhow!("seeding failed: {} ({})", e.message(), e.code()))?;
            projector.abort();
            tracing::info!(
                commands = report.commands,
                events = report.events,
                "demo data loaded ({} events appended)",
                report.events
            );
            Ok(())
        }
        Command::Serve(args) => serve(database_url(&cli)?, args).await,
    }
}

async fn serve(url: &str, args: &ServeArgs) -> anyhow::Result<()> {
    let settings = PoolSettings {
        max_connections: args.db_max_connections,
        ..PoolSettings::default()
    };
    // Lazy: the server starts (and /healthz answers) even while the database is down;
    // /readyz tells when it is reachable and migrated.
    let options: PgConnectOptions = url
        .parse()
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    let pool: PgPool = PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .connect_lazy_with(options.application_name("dutyledger").options([(
            "statement_timeout",
            format!("{}ms", settings.statement_timeout.as_millis()),
        )]));
    let state = AppState::new(pool.clone(), Duration::from_millis(args.projection_wait_ms));
    let projector = (!args.no_projector).then(|| state.spawn_projector());
    let schema = build_schema(state, Limits::default());
    let router = http::router(schema, pool);
    http::serve(args.bind, router, http::shutdown_signal()).await?;
    if let Some(p) = projector {
        p.abort();
    }
    Ok(())
}
