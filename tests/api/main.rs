//! The end-to-end tests of dutyledger, in one test binary (one link instead of twenty): each
//! module is an area, run against a real PostgreSQL (a fresh database per test, made by
//! `#[sqlx::test]`) through the real wiring (`build_schema`, the router, the CLI).
//!
//! The property tests of time travel and of the rollups (`time_travel_props`,
//! `performance_props`) and the kill test of the record import (`import_records_kill`, which
//! runs as the CLI itself) are binaries of their own beside this one.

mod access_matrix;
mod attachments;
mod auth;
mod boundary_list;
mod calendar;
mod cases;
mod command_ids;
mod complaints;
mod event_log;
mod feed;
mod fuzz_inputs;
mod http;
mod import_records;
mod logs;
mod performance;
mod plans;
mod power_import;
mod power_list;
mod projector;
mod records_fixture;
mod rectification;
mod seed;
mod structure_api;
mod supervision;
mod time_travel;
mod workflow;
mod workflow_import;
