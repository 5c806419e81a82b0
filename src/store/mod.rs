//! Storage: the sqlx pool over SQLite or PostgreSQL, the migrations, and one named function per query.
//!
//! Both backends run the same SQL through sqlx's `Any` driver, with `$1`-style placeholders that
//! SQLite and PostgreSQL both accept. Ids are stored as UUID strings and timestamps as RFC 3339
//! strings, so no backend-specific type crosses this module's boundary.

pub mod changes;
pub mod dids;
pub mod directory;
pub mod enterprises;
mod error;
pub mod extensions;
mod load;
pub mod rows;
pub mod tenants;
pub mod tokens;
pub mod transfer;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

pub use error::StoreError;
pub use load::{IndexData, IndexDid, IndexTenant, UnitData, UnitId};
pub use rows::{
    did_from_row, directory_entry_from_row, enterprise_from_row, extension_from_row,
    tenant_from_row,
};

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The database backend of a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Connection settings for [`Store::connect`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// `sqlite://PATH` or `postgres://...`.
    pub url: String,
    /// Maximum pool connections.
    pub max_connections: u32,
    /// How long a query waits for a pool connection before failing.
    pub acquire_timeout: Duration,
}

impl StoreOptions {
    /// Options with a pool of 8 connections and a 2-second acquire timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 8,
            acquire_timeout: Duration::from_secs(2),
        }
    }
}

/// The database behind sitedial.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Serialises write transactions on SQLite, which has one writer at a time; PostgreSQL locks rows
    /// instead (see [`Store::begin_write`]).
    sqlite_writer: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Store {
    /// Opens a pool without connecting yet, so that sitedial can start (and serve from memory, or
    /// answer "not found") while the database is unreachable. SQLite files are created when missing.
    pub fn connect(options: &StoreOptions) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(&options.url)?;
        let url = match backend {
            Backend::Sqlite => sqlite_url_with_create(&options.url),
            Backend::Postgres => options.url.clone(),
        };
        let connect_options = AnyConnectOptions::from_str(&url)
            .map_err(|source| StoreError::InvalidUrl {
                url: redact_url(&options.url),
                reason: source.to_string(),
            })?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_lazy_with(connect_options);
        Ok(Self {
            pool,
            backend,
            sqlite_writer: Default::default(),
        })
    }

    /// Applies the pending migrations.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await.map_err(StoreError::Migrate)
    }

    /// Returns the backend this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Returns the connection pool, for queries of other modules.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection; later queries fail with [`StoreError::Unavailable`].
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write transaction. On SQLite the returned guard also holds the process-wide writer
    /// lock, so that count-then-insert checks (limits) cannot interleave. On PostgreSQL, callers lock
    /// the rows they check with `SELECT ... FOR UPDATE` (see [`Store::for_update`]).
    pub async fn begin_write(&self) -> Result<WriteTx<'_>, StoreError> {
        let guard = match self.backend {
            Backend::Sqlite => Some(self.sqlite_writer.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        let tx = self.pool.begin().await?;
        Ok(WriteTx { tx, _guard: guard })
    }

    /// Returns ` FOR UPDATE` on PostgreSQL and nothing on SQLite, for appending to a `SELECT` that
    /// must lock the rows it reads for the rest of a write transaction.
    pub fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// Checks that the database responds to a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// A write transaction, with the SQLite writer lock where that backend needs it.
pub struct WriteTx<'a> {
    pub tx: sqlx::Transaction<'a, sqlx::Any>,
    _guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx<'_> {
    /// Commits the transaction and releases the writer lock.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

fn backend_of(url: &str) -> Result<Backend, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::InvalidUrl {
            url: redact_url(url),
            reason: "expected sqlite://PATH or postgres://USER@HOST/DATABASE".to_owned(),
        })
    }
}

/// Adds `mode=rwc` to a SQLite URL that names no mode, so that a missing database file is created.
fn sqlite_url_with_create(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// Returns the URL with any password replaced by `***`, for error messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Formats a timestamp the way every table stores it.
pub fn format_time(value: time::OffsetDateTime) -> String {
    value
        .format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339 formatting of a UTC timestamp cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_url_gets_create_mode() {
        assert_eq!(
            sqlite_url_with_create("sqlite://sitedial.db"),
            "sqlite://sitedial.db?mode=rwc"
        );
        assert_eq!(
            sqlite_url_with_create("sqlite://x.db?mode=ro"),
            "sqlite://x.db?mode=ro"
        );
    }

    #[test]
    fn redact_hides_password() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    }
}
