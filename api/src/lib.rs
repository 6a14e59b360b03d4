//! The dutyledger service: GraphQL over HTTP, the CLI, and the glue between them and the
//! storage side.
//!
//! - [`cli`]: the `dutyledger` command line (serve, migrate, seed) and its typed settings.
//! - [`service`]: the application layer, between every transport or loader and the event store:
//!   one generic command path for every aggregate, the access policy (the only place that
//!   decides access), the checks that span aggregates, transport-neutral errors.
//! - [`app`]: the application state shared by every request: the pool, the command service,
//!   the event notifier; the projections this build maintains.
//! - [`http`]: the axum router (`/graphql`, GraphiQL, `/healthz`, `/readyz`) and the server
//!   with graceful shutdown.
//! - [`attachments`]: the content-addressed store of files that answers to rectification
//!   orders refer to (`PUT`/`GET /attachments/{sha256}`).
//! - [`graphql`]: the schema, one module per area, and the mapping of errors to
//!   `extensions.code`.
//! - [`auth`]: bearer tokens and roles (who is asking).
//! - [`context`]: who is asking (actor) and the request id, carried into every event.
//! - [`ws`]: GraphQL over WebSocket (`graphql-transport-ws`) at `/graphql/ws`.
//! - [`import`]: importing lists kept in spreadsheets (power lists from XLSX and CSV) and
//!   performance records from CSV or NDJSON files.
//! - [`export`]: process-mining exports of workflow cases (OCEL 2.0 JSON, SQLite, XML; XES),
//!   streamed, for the CLI and the `/export/...` downloads.
//! - [`seed`]: the Linyi demo data.

pub mod app;
pub mod attachments;
pub mod auth;
pub mod cli;
pub mod context;
pub mod export;
pub mod graphql;
pub mod http;
pub mod import;
pub mod seed;
pub mod service;
pub mod ws;
