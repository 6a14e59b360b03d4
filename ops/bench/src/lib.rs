//! Shared helpers of the benchmarks: a fresh database, a deterministic random generator,
//! latency percentiles, the city-scale structure ([`city`]) and the records bench's data set
//! ([`dataset`]).

pub mod city;
pub mod dataset;

use std::time::Duration;

use sqlx::migrate::MigrateDatabase;
use sqlx::PgPool;

/// The URL of the database `name` next to `DATABASE_URL`'s.
pub fn database_url(name: &str) -> anyhow::Result<String> {
    let master = std::env::var("DATABASE_URL")
        .map_err(|_| anyhow::anyhow!("set DATABASE_URL (ops/db.sh prints one)"))?;
    Ok(match master.split_once('?') {
        Some((base, query)) => format!(
            "{}/{name}?{query}",
            base.rsplit_once('/').map_or(base, |b| b.0)
        ),
        None => format!(
            "{}/{name}",
            master.rsplit_once('/').map_or(master.as_str(), |b| b.0)
        ),
    })
}

/// Creates (dropping any previous one) a database named `name` next to `DATABASE_URL`'s and
/// migrates it.
pub async fn fresh_database(name: &str) -> anyhow::Result<(PgPool, String)> {
    let url = database_url(name)?;
    if sqlx::Postgres::database_exists(&url).await? {
        sqlx::Postgres::force_drop_database(&url).await?;
    }
    sqlx::Postgres::create_database(&url).await?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(16)
        .connect(&url)
        .await?;
    dutyledger_projections::db::migrate(&pool).await?;
    Ok((pool, url))
}

/// The database named `name` next to `DATABASE_URL`'s, migrated, if it exists (a bench's
/// database kept from an earlier run).
pub async fn existing_database(name: &str) -> anyhow::Result<Option<(PgPool, String)>> {
    let url = database_url(name)?;
    if !sqlx::Postgres::database_exists(&url).await? {
        return Ok(None);
    }
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(16)
        .connect(&url)
        .await?;
    dutyledger_projections::db::migrate(&pool).await?;
    Ok(Some((pool, url)))
}

/// A small deterministic generator (SplitMix64), so data sets are reproducible from a seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// The `p`-th percentile (0-100) of sorted durations, in milliseconds.
pub fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}
