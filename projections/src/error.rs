//! The storage error type.

/// Something went wrong below the domain: the database, (de)serialisation, or a conflict that
/// did not resolve by retrying.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A stored value could not be (de)serialised.
    #[error("serialisation error: {0}")]
    Serialization(#[from] serde_json::Error),
    /// cqrs-es reported a persistence error.
    #[error("persistence error: {0}")]
    Persistence(#[from] cqrs_es::persist::PersistenceError),
    /// Concurrent writers kept changing the same stream.
    #[error("the stream kept changing under concurrent writers; try again")]
    Conflict,
    /// A client command id already used in the stream for another command.
    #[error("command id {0:?} was already used for another command")]
    CommandIdReused(String),
    /// A cursor string that this server did not issue.
    #[error("invalid cursor")]
    InvalidCursor,
    /// No read model of that name.
    #[error("no projection named {0:?}")]
    UnknownProjection(String),
    /// A stored event that this version cannot read.
    #[error("cannot read stored event {event_type} v{event_version}: {reason}")]
    UnreadableEvent {
        /// its type
        event_type: String,
        /// its version
        event_version: String,
        /// why
        reason: String,
    },
}

impl StoreError {
    /// Whether the error is a unique violation (SQLSTATE 23505).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23505"))
    }
}
