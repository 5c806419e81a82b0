//! The errors of the storage layer, shaped by what the caller does next: retry or serve from memory
//! (`Unavailable`), report a conflict (`Conflict`), or report a record that breaks the domain rules.

use crate::domain::InvalidValue;

/// A failed store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or failed the query; the caller may serve from memory.
    #[error("database unavailable: {0}")]
    Unavailable(#[from] sqlx::Error),
    /// A uniqueness or limit rule rejected the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The record to change does not exist.
    #[error("{kind} {key} not found")]
    NotFound { kind: &'static str, key: String },
    /// A stored value breaks a domain rule, for example after a manual edit of the database.
    #[error("stored {table}.{column} is invalid: {source}")]
    Corrupt {
        table: &'static str,
        column: &'static str,
        source: InvalidValue,
    },
    /// A stored value could not be read at all.
    #[error("stored {table}.{column} is unreadable: {reason}")]
    Unreadable {
        table: &'static str,
        column: &'static str,
        reason: String,
    },
    #[error("invalid database URL {url}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// An import into a store that already holds data.
    #[error("the store already holds {0} records; import only fills an empty store")]
    NotEmpty(i64),
}

impl StoreError {
    /// Returns whether a unique constraint rejected the write (a duplicate).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Self::Unavailable(sqlx::Error::Database(db)) => db.is_unique_violation(),
            _ => false,
        }
    }
}
