//! Workflow cases (issue 17) through GraphQL: recording case events one by one and in batches
//! (every refusal with its code, duplicates on a resend), and the analytics as known at a
//! point in time.

mod access;
mod demo;
mod export;
mod import;
mod record;
