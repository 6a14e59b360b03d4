//! The `dutyledger` command line. Settings come from flags or environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use dutyledger_projections::db::{self, PoolSettings};
use dutyledger_projections::performance::MAX_BATCH;
use dutyledger_projections::projector::{ProjectionWatch, Projector};
use dutyledger_projections::rebuild;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::app::AppState;
use crate::auth::token::{parse_ttl, Authenticator, KeyError};
use crate::auth::{Actor, Role};
use crate::graphql::{build_schema, Limits};
use crate::http;
use crate::import::records;

/// dutyledger: the event-sourced backend of function operation supervision (职能运行监管).
#[derive(Debug, Parser)]
#[command(name = "dutyledger", version, about)]
pub struct Cli {
    /// PostgreSQL connection URL.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Token keys.
    #[command(flatten)]
    pub keys: KeyArgs,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the token keys come from.
#[derive(Debug, Clone, clap::Args)]
pub struct KeyArgs {
    /// HS256 shared secret (at least 32 bytes).
    #[arg(
        long,
        env = "DUTYLEDGER_JWT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub jwt_secret: Option<String>,

    /// PEM file with the RS256 or Ed25519 public key that verifies tokens.
    #[arg(long, env = "DUTYLEDGER_JWT_PUBLIC_KEY", global = true)]
    pub jwt_public_key: Option<PathBuf>,

    /// PEM file with the matching private key (only `token issue` needs it).
    #[arg(long, env = "DUTYLEDGER_JWT_PRIVATE_KEY", global = true)]
    pub jwt_private_key: Option<PathBuf>,
}

impl KeyArgs {
    /// The authenticator these keys configure.
    pub fn authenticator(&self) -> Result<Authenticator, KeyError> {
        match (&self.jwt_secret, &self.jwt_public_key) {
            (Some(secret), None) => Authenticator::hs256(secret.as_bytes()),
            (_, Some(public)) => {
                Authenticator::from_public_key(public, self.jwt_private_key.as_deref())
            }
            (None, None) => Err(KeyError::NoKey),
        }
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve GraphQL (and run the projector, unless another instance is active).
    Serve(ServeArgs),
    /// Create the database if it is missing, then apply pending migrations.
    Migrate,
    /// Load the Linyi demo data (safe to run again: the second run changes nothing).
    Seed,
    /// Issue or revoke bearer tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Import lists kept in spreadsheets, and performance records.
    #[command(subcommand)]
    Import(ImportCommand),
    /// The working-day calendar (工作日历): load years of official holidays and make-up working
    /// days.
    #[command(subcommand)]
    Calendar(CalendarSubcommand),
    /// Indicator schemes (监管指标体系) for supervision rounds.
    #[command(subcommand)]
    Scheme(SchemeSubcommand),
    /// Export workflow cases for process mining: OCEL 2.0 (JSON, SQLite, XML) or XES.
    #[command(subcommand)]
    Export(crate::export::ExportCommand),
    /// Rebuild a read model from the start of the log into shadow tables and swap it in;
    /// queries keep answering meanwhile. With --verify, compare instead and change nothing.
    Rebuild {
        /// The read model (default: all).
        #[arg(long)]
        projection: Option<String>,
        /// Build, compare with the live tables, report, and discard.
        #[arg(long)]
        verify: bool,
    },
}

/// Import subcommands.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import a power list (权责清单) from an XLSX (first sheet, or --sheet) or CSV file, with a
    /// per-row report. Safe to re-run: rows already listed change nothing.
    PowerList {
        /// The file (.xlsx, .xls, .ods or .csv; CSV in UTF-8 or GB18030).
        file: PathBuf,
        /// The department all rows are for (default: each row's 实施主体, looked up by name).
        #[arg(long)]
        department: Option<String>,
        /// The sheet of a workbook (default: the first).
        #[arg(long)]
        sheet: Option<String>,
        /// Print the report as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Import performance records (履职数据) from a CSV or NDJSON file of any size, in batches,
    /// with progress on stderr. Safe to re-run after an interruption: each record is stored
    /// once (records stored before count as duplicates), and a re-run starts after the last
    /// batch the interrupted run committed. Exits with 2 if some records were rejected.
    Records(RecordsArgs),
    /// Import workflow case events (办件) from a CSV or NDJSON file of any size (one event a
    /// line, the fields of recordCaseEventsBatch; a case's events in time order), in batches,
    /// with progress on stderr. Safe to re-run: each event is stored once (events stored
    /// before count as duplicates), and a re-run starts after the last batch an interrupted
    /// run committed. Exits with 2 if some events were rejected.
    Cases(RecordsArgs),
    /// Import workflow charts (工作流程图) from an XLSX (first sheet, or --sheet) or CSV file:
    /// one row per step or sub-step, one chart per task, with a per-row report. Safe to re-run:
    /// a chart identical to the version in force publishes nothing.
    /// Import 12345 tickets from a CSV file (header: ticket, receivedAt, category, text,
    /// region, departmentId, taskId, resolvedAt, satisfaction) or an NDJSON file (.ndjson,
    /// .jsonl; the same keys), each stored once by its number; rejected lines on stderr, exit
    /// code 2 if any.
    Complaints {
        /// The file.
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    Workflow {
        /// The file (.xlsx, .xls, .ods or .csv; CSV in UTF-8 or GB18030).
        file: PathBuf,
        /// The department all rows are for (default: each row's 实施主体, code or name).
        #[arg(long)]
        department: Option<String>,
        /// The sheet of a workbook (default: the first).
        #[arg(long)]
        sheet: Option<String>,
        /// Print the report as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// Settings of `import records` and `import cases`.
#[derive(Debug, clap::Args)]
pub struct RecordsArgs {
    /// The file: .csv (with a header row), or .ndjson / .jsonl (one JSON object per line).
    pub file: PathBuf,
    /// The format (default: from the file name).
    #[arg(long, value_enum)]
    pub format: Option<records::Format>,
    /// Records (or case events) per batch (one transaction each).
    #[arg(long, default_value_t = records::DEFAULT_BATCH as u32,
          value_parser = clap::value_parser!(u32).range(1..=MAX_BATCH as i64))]
    pub batch_size: u32,
    /// Write every rejected line (line, recordId, code, reason, content) to this CSV file.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Check every line again instead of starting after the last batch an interrupted run
    /// committed.
    #[arg(long)]
    pub no_resume: bool,
    /// Where to keep the progress file (default: FILE.progress beside the input).
    #[arg(long)]
    pub progress_file: Option<PathBuf>,
    /// Longest wait, in seconds, for the read models to include the import (0: do not wait).
    #[arg(long, default_value_t = 60)]
    pub rollup_wait_secs: u64,
    /// Print the report as JSON (on stdout) instead of a summary line.
    #[arg(long)]
    pub json: bool,
}

/// Calendar subcommands.
#[derive(Debug, Subcommand)]
pub enum CalendarSubcommand {
    /// Load years from files in the common JSON form `{year, papers, days: [{name, date,
    /// isOffDay}]}` (e.g. data/calendar/2026.json), with a report on stderr. A year loaded
    /// already is replaced; the same content again stores nothing.
    Load {
        /// The files, one year each.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// When the arrangement holds (RFC 3339; default: the file's `published` date, 00:00
        /// Beijing time, else now).
        #[arg(long)]
        effective_at: Option<chrono::DateTime<chrono::Utc>>,
        /// Why (default: "calendar loaded from FILE").
        #[arg(long)]
        reason: Option<String>,
    },
}

/// Scheme subcommands.
#[derive(Debug, Subcommand)]
pub enum SchemeSubcommand {
    /// Publish schemes from files in the scheme format (JSON, e.g. data/schemes/seed-7-21.json),
    /// each as a new version of the scheme named by the file (or --id), with a line per file
    /// on stderr. The latest version's content again stores nothing.
    Load {
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The scheme id (default: the file name without .json; only with one file).
        #[arg(long)]
        id: Option<String>,
        /// When the version holds (RFC 3339; default: now).
        #[arg(long)]
        effective_at: Option<chrono::DateTime<chrono::Utc>>,
        /// Why (default: "scheme loaded from FILE").
        #[arg(long)]
        reason: Option<String>,
    },
}

/// Token subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print a new token (to stdout).
    Issue {
        /// supervisor, clerk, reviewer or integrator.
        #[arg(long)]
        role: String,
        /// The clerk's department; for an integrator, a department its feed is limited to
        /// (repeat for several).
        #[arg(long = "department")]
        departments: Vec<String>,
        /// Lifetime, e.g. 30m, 8h, 7d.
        #[arg(long, default_value = "8h")]
        ttl: String,
        /// Who the token is for (recorded as the actor of every change made with it).
        #[arg(long)]
        subject: Option<String>,
    },
    /// Revoke a token by its id (`jti`) before it expires.
    Revoke {
        /// The token id.
        #[arg(long)]
        jti: String,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
    },
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

    /// How long a WebSocket client has to send `connection_init`, in milliseconds.
    #[arg(long, env = "DUTYLEDGER_WS_INIT_TIMEOUT_MS", default_value_t = 10_000)]
    pub ws_init_timeout_ms: u64,
}

/// The process's exit code for the result of [`run`]: 0 on success, 2 when an import ran to
/// the end but rejected some records (already reported), 1 on a failure (logged here).
pub fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e)
            if e.downcast_ref::<crate::import::batch::SomeRejected>()
                .is_some() =>
        {
            ExitCode::from(2)
        }
        Err(e)
            if e.downcast_ref::<crate::import::complaints::SomeRejected>()
                .is_some() =>
        {
            ExitCode::from(2)
        }
        Err(error) => {
            tracing::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

fn database_url(cli: &Cli) -> anyhow::Result<&str> {
    cli.database_url.as_deref().context(
        "DATABASE_URL is not set: pass --database-url or set DATABASE_URL (ops/db.sh finds or starts a local PostgreSQL and prints one)",
    )
}

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Export(command) => crate::export::cli::run(database_url(&cli)?, command)
            .await
            .map(|_| ()),
        Command::Migrate => {
            db::create_database_if_missing(database_url(&cli)?).await?;
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
            let mut report = crate::seed::seed(&state)
                .await
                .map_err(|e| anyhow::anyhow!("seeding failed: {} ({})", e.message(), e.code()))?;
            let items = crate::seed::seed_approval_items(&state)
                .await
                .map_err(|e| anyhow::anyhow!("seeding failed: {} ({})", e.message(), e.code()))?;
            report.commands += items.commands;
            report.events += items.events;
            let round = crate::seed::seed_supervision(&state)
                .await
                .map_err(|e| anyhow::anyhow!("seeding failed: {} ({})", e.message(), e.code()))?;
            report.commands += round.commands;
            report.events += round.events;
            let cases = crate::seed::seed_cases(&state)
                .await
                .map_err(|e| anyhow::anyhow!("seeding failed: {} ({})", e.message(), e.code()))?;
            report.commands += cases.commands;
            report.events += cases.events;
            projector.abort();
            tracing::info!(
                commands = report.commands,
                events = report.events,
                records = report.records,
                "demo data loaded ({} events appended, {} performance records stored)",
                report.events,
                report.records
            );
            Ok(())
        }
        Command::Serve(args) => {
            let auth = cli.keys.authenticator()?;
            serve(database_url(&cli)?, args, auth).await
        }
        Command::Token(TokenCommand::Issue {
            role,
            departments,
            ttl,
            subject,
        }) => {
            let auth = cli.keys.authenticator()?;
            let role = Role::from_token(role).ok_or_else(|| {
                anyhow::anyhow!(
                    "unknown role {role:?}: use supervisor, clerk, reviewer or integrator"
                )
            })?;
            let departments = departments
                .iter()
                .map(|d| dutyledger_domain::values::CreditCode::parse(d))
                .collect::<Result<Vec<_>, _>>()?;
            match role {
                Role::Clerk if departments.len() != 1 => {
                    anyhow::bail!("a clerk's token needs exactly one --department")
                }
                Role::Supervisor | Role::Reviewer if !departments.is_empty() => {
                    anyhow::bail!("--department applies only to clerks and integrators")
                }
                _ => {}
            }
            let ttl = parse_ttl(ttl).map_err(anyhow::Error::msg)?;
            let subject = subject
                .clone()
                .unwrap_or_else(|| format!("{}-operator", role.as_str()));
            let (token, claims) = auth.issue(&subject, role, &departments, ttl)?;
            tracing::info!(
                role = role.as_str(),
                subject,
                jti = claims.jti.as_deref().unwrap_or(""),
                "token issued"
            );
            #[allow(clippy::print_stdout)]
            {
                println!("{token}");
            }
            Ok(())
        }
        Command::Import(ImportCommand::PowerList {
            file,
            department,
            sheet,
            json,
        }) => {
            let pool = db::connect(database_url(&cli)?, &PoolSettings::default()).await?;
            db::migrate(&pool).await?;
            let department = department
                .as_deref()
                .map(dutyledger_domain::values::CreditCode::parse)
                .transpose()?;
            let state = AppState::new(pool, Duration::from_secs(10));
            let projector = state.spawn_projector();
            let report = crate::import::power_list::import(
                &state,
                file,
                department.as_ref(),
                sheet.as_deref(),
            )
            .await;
            projector.abort();
            let report = report?;
            #[allow(clippy::print_stdout)]
            if *json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("row\tstatus\tcode\tname\treason");
                for r in &report.rows {
                    let (status, reason) = match &r.outcome {
                        crate::import::power_list::Outcome::Stored => ("stored", String::new()),
                        crate::import::power_list::Outcome::Amended => ("amended", String::new()),
                        crate::import::power_list::Outcome::Unchanged => {
                            ("unchanged", String::new())
                        }
                        crate::import::power_list::Outcome::Refused { code, reason, .. } => {
                            ("refused", format!("{code}: {reason}"))
                        }
                    };
                    println!(
                        "{}\t{status}\t{}\t{}\t{reason}",
                        r.row,
                        r.code.as_deref().unwrap_or(""),
                        r.name.as_deref().unwrap_or("")
                    );
                }
                println!(
                    "{}: {} stored, {} amended, {} unchanged, {} refused",
                    report.file, report.stored, report.amended, report.unchanged, report.refused
                );
            }
            Ok(())
        }
        Command::Import(ImportCommand::Records(args)) => {
            let pool = db::connect(database_url(&cli)?, &PoolSettings::default()).await?;
            let kind = records::Records::new(pool.clone());
            import_batch(pool, &kind, args).await
        }
        Command::Import(ImportCommand::Cases(args)) => {
            let pool = db::connect(database_url(&cli)?, &PoolSettings::default()).await?;
            let kind = crate::import::cases::Cases::new(pool.clone());
            import_batch(pool, &kind, args).await
        }
        Command::Import(ImportCommand::Complaints { file, json }) => {
            import_complaints(database_url(&cli)?, file, *json).await
        }
        Command::Import(ImportCommand::Workflow {
            file,
            department,
            sheet,
            json,
        }) => {
            import_workflow(
                database_url(&cli)?,
                file,
                department.as_deref(),
                sheet.as_deref(),
                *json,
            )
            .await
        }
        Command::Calendar(CalendarSubcommand::Load {
            files,
            effective_at,
            reason,
        }) => load_calendar(database_url(&cli)?, files, *effective_at, reason.clone()).await,
        Command::Scheme(SchemeSubcommand::Load {
            files,
            id,
            effective_at,
            reason,
        }) => {
            load_schemes(
                database_url(&cli)?,
                files,
                id.as_deref(),
                *effective_at,
                reason.clone(),
            )
            .await
        }
        Command::Rebuild { projection, verify } => {
            let pool = db::connect(database_url(&cli)?, &PoolSettings::default()).await?;
            db::migrate(&pool).await?;
            let names: Vec<&str> = match projection {
                Some(p) => {
                    if !rebuild::PROJECTIONS.contains(&p.as_str()) {
                        anyhow::bail!(
                            "no projection named {p:?}; known: {}",
                            rebuild::PROJECTIONS.join(", ")
                        );
                    }
                    vec![p.as_str()]
                }
                None => rebuild::PROJECTIONS.to_vec(),
            };
            let mut all_equal = true;
            for name in names {
                let mut last = std::time::Instant::now();
                let mut progress = |done: u64, head: i64| {
                    if last.elapsed() >= Duration::from_secs(1) {
                        tracing::info!(
                            projection = name,
                            events = done,
                            log_head = head,
                            "rebuilding"
                        );
                        last = std::time::Instant::now();
                    }
                };
                let report = rebuild::rebuild(&pool, name, *verify, &mut progress).await?;
                match report.differences {
                    Some(0) => tracing::info!(
                        projection = name,
                        events = report.events,
                        seconds = report.seconds,
                        "verified: the rebuild equals the live read model"
                    ),
                    Some(n) => {
                        all_equal = false;
                        tracing::error!(
                            projection = name,
                            differences = n,
                            "the rebuild differs from the live read model"
                        );
                    }
                    None => tracing::info!(
                        projection = name,
                        events = report.events,
                        seconds = report.seconds,
                        "rebuilt and swapped in"
                    ),
                }
            }
            if !all_equal {
                anyhow::bail!("verification failed");
            }
            Ok(())
        }
        Command::Token(TokenCommand::Revoke { jti, reason }) => {
            let pool = db::connect(database_url(&cli)?, &PoolSettings::default()).await?;
            sqlx::query(
                "INSERT INTO revoked_tokens (jti, revoked_by, reason) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING",
            )
            .bind(jti)
            .bind(Actor::system("cli").id())
            .bind(reason)
            .execute(&pool)
            .await?;
            tracing::info!(jti, "token revoked");
            Ok(())
        }
    }
}

/// `import records` and `import cases`: the file through the kind's ingestor (see
/// [`crate::import::batch`]), the read models brought up to date meanwhile.
async fn import_batch<K: crate::import::batch::Kind>(
    pool: PgPool,
    kind: &K,
    args: &RecordsArgs,
) -> anyhow::Result<()> {
    db::migrate(&pool).await?;
    // Project the import while it runs (this projector stands by while another
    // instance, e.g. a server's, is active; the watch follows whichever runs).
    let names = crate::app::projections().iter().map(|p| p.name()).collect();
    let watch = ProjectionWatch::spawn(pool.clone(), names);
    let projector = tokio::spawn(Projector::new(pool.clone(), crate::app::projections()).run());
    let options = records::Options {
        format: args.format,
        batch_size: args.batch_size as usize,
        rejects: args.rejects.clone(),
        resume: !args.no_resume,
        progress_file: args.progress_file.clone(),
        show_progress: true,
    };
    let report = match crate::import::batch::import(kind, &pool, &args.file, &options).await {
        Ok(r) => r,
        Err(e) => {
            projector.abort();
            return Err(e.into());
        }
    };
    report.write_rejections(&mut std::io::stderr().lock())?;
    if let Some(cursor) = report.cursor.filter(|_| args.rollup_wait_secs > 0) {
        if !watch
            .wait_for(cursor, Duration::from_secs(args.rollup_wait_secs))
            .await
        {
            tracing::warn!(
                "the read models have not caught up with the import yet; the active projector finishes them"
            );
        }
    }
    projector.abort();
    #[allow(clippy::print_stdout)]
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}", report.summary());
    }
    if report.total.rejected > 0 {
        return Err(crate::import::batch::SomeRejected(report.total.rejected, K::NOUN).into());
    }
    Ok(())
}

async fn serve(url: &str, args: &ServeArgs, auth: Authenticator) -> anyhow::Result<()> {
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
    let router = http::router_with(
        schema,
        pool,
        Arc::new(auth),
        Duration::from_millis(args.ws_init_timeout_ms),
    );
    http::serve(args.bind, router, http::shutdown_signal()).await?;
    if let Some(p) = projector {
        p.abort();
    }
    Ok(())
}

/// `calendar load`: each file through the command path as the system actor, a line per file
/// on stderr; fails if any file was not loaded.
async fn load_calendar(
    url: &str,
    files: &[PathBuf],
    effective_at: Option<chrono::DateTime<chrono::Utc>>,
    reason: Option<String>,
) -> anyhow::Result<()> {
    use std::io::Write as _;
    let pool = db::connect(url, &PoolSettings::default()).await?;
    db::migrate(&pool).await?;
    let state = AppState::new(pool, Duration::from_secs(10));
    let projector = state.spawn_projector();
    let ctx = crate::context::RequestContext::new(Actor::system("cli"));
    let mut failed = 0;
    for file in files {
        let line = match crate::import::calendar::load_file(
            &state,
            &ctx,
            file,
            effective_at,
            reason.clone(),
        )
        .await
        {
            Ok(report) => report.line(),
            Err(e) => {
                failed += 1;
                e.to_string()
            }
        };
        writeln!(std::io::stderr(), "{line}")?;
    }
    projector.abort();
    if failed > 0 {
        anyhow::bail!("{failed} of {} calendar files not loaded", files.len());
    }
    Ok(())
}

/// `import complaints`: the tickets through the command path as the system actor.
async fn import_complaints(url: &str, file: &std::path::Path, json: bool) -> anyhow::Result<()> {
    use std::io::Write as _;
    let pool = db::connect(url, &PoolSettings::default()).await?;
    db::migrate(&pool).await?;
    let state = AppState::new(pool, Duration::from_secs(10));
    let projector = state.spawn_projector();
    let ctx = crate::context::RequestContext::new(Actor::system("import"));
    let report = crate::import::complaints::import(&state, &ctx, file)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {} ({})", file.display(), e.message(), e.code()));
    projector.abort();
    let report = report?;
    if json {
        writeln!(std::io::stdout(), "{}", serde_json::to_string(&report)?)?;
    } else {
        for (line, why) in &report.rejected {
            writeln!(std::io::stderr(), "line {line}: {why}")?;
        }
        writeln!(
            std::io::stderr(),
            "{}: {} tickets read, {} stored, {} unchanged, {} rejected",
            file.display(),
            report.read,
            report.stored,
            report.unchanged,
            report.rejected.len()
        )?;
    }
    if !report.rejected.is_empty() {
        return Err(crate::import::complaints::SomeRejected(report.rejected.len() as u64).into());
    }
    Ok(())
}

/// `scheme load`: each file through the command path as the system actor, a line per file on
/// stderr; fails if any file was not loaded.
async fn load_schemes(
    url: &str,
    files: &[PathBuf],
    id: Option<&str>,
    effective_at: Option<chrono::DateTime<chrono::Utc>>,
    reason: Option<String>,
) -> anyhow::Result<()> {
    use std::io::Write as _;
    if id.is_some() && files.len() > 1 {
        anyhow::bail!("--id names one scheme: give one file with it");
    }
    let pool = db::connect(url, &PoolSettings::default()).await?;
    db::migrate(&pool).await?;
    let state = AppState::new(pool, Duration::from_secs(10));
    let projector = state.spawn_projector();
    let ctx = crate::context::RequestContext::new(Actor::system("cli"));
    let mut failed = 0;
    for file in files {
        let when = crate::app::When {
            reason: Some(
                reason
                    .clone()
                    .unwrap_or_else(|| format!("scheme loaded from {}", file.display())),
            ),
            effective_at,
            command_id: None,
        };
        let line = match crate::import::scheme::load_file(&state, &ctx, file, id, when).await {
            Ok(report) => report.line(),
            Err(e) => {
                failed += 1;
                match e.rule() {
                    Some(rule) => format!(
                        "{}: refused, {} {rule}: {}",
                        file.display(),
                        e.code(),
                        e.message()
                    ),
                    None => format!("{}: {}: {}", file.display(), e.code(), e.message()),
                }
            }
        };
        writeln!(std::io::stderr(), "{line}")?;
    }
    projector.abort();
    if failed > 0 {
        anyhow::bail!("{failed} of {} scheme files not loaded", files.len());
    }
    Ok(())
}

/// `import workflow`: the charts through the command path, a report per row on stdout.
async fn import_workflow(
    url: &str,
    file: &std::path::Path,
    department: Option<&str>,
    sheet: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    use crate::import::workflow::{import, Outcome};
    let pool = db::connect(url, &PoolSettings::default()).await?;
    db::migrate(&pool).await?;
    let department = department
        .map(dutyledger_domain::values::CreditCode::parse)
        .transpose()?;
    let state = AppState::new(pool, Duration::from_secs(10));
    let projector = state.spawn_projector();
    let report = import(&state, file, department.as_ref(), sheet).await;
    projector.abort();
    let report = report?;
    #[allow(clippy::print_stdout)]
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("row\tstatus\ttask\tstep\treason");
        for r in &report.rows {
            let (status, reason) = match &r.outcome {
                Outcome::Stored => ("stored", String::new()),
                Outcome::Unchanged => ("unchanged", String::new()),
                Outcome::Refused { code, rule, reason } => (
                    "refused",
                    format!("{code} {}: {reason}", rule.as_deref().unwrap_or("")),
                ),
            };
            println!(
                "{}\t{status}\t{}\t{}\t{reason}",
                r.row,
                r.task.as_deref().unwrap_or(""),
                r.step.as_deref().unwrap_or("")
            );
        }
        println!(
            "{}: charts {} stored, {} unchanged, {} refused; {} events",
            report.file,
            report.charts_stored,
            report.charts_unchanged,
            report.charts_refused,
            report.events
        );
    }
    Ok(())
}
