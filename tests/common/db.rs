//! An isolated store per test: a fresh SQLite file in a temporary directory, or, when
//! `SITEDIAL_TEST_POSTGRES_URL` is set (for example `postgres://postgres@127.0.0.1:5432/test`), a
//! database `sitedial_t_<random>` created on that server and dropped when the test ends.

use sitedial::domain::dataset::DataSet;
use sitedial::store::{Store, StoreOptions};
use sqlx::{Connection, Executor};

/// The environment variable that selects PostgreSQL for the tests.
pub const POSTGRES_URL_ENV: &str = "SITEDIAL_TEST_POSTGRES_URL";

/// A migrated, empty store that is removed when dropped.
pub struct TestDb {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<PostgresDatabase>,
}

struct PostgresDatabase {
    server_url: String,
    name: String,
}

/// Returns the PostgreSQL server URL from the environment, if the tests should use PostgreSQL.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_URL_ENV)
        .ok()
        .filter(|url| !url.is_empty())
}

impl TestDb {
    /// Creates a fresh, migrated store.
    pub async fn new() -> Self {
        match postgres_url() {
            Some(server_url) => Self::postgres(server_url).await,
            None => Self::sqlite().await,
        }
    }

    async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("sitedial.db").display());
        let mut options = StoreOptions::new(url);
        options.acquire_timeout = std::time::Duration::from_secs(10);
        let store = Store::connect(&options).expect("open the SQLite store");
        store.migrate().await.expect("migrate the SQLite store");
        Self {
            store,
            _dir: Some(dir),
            postgres: None,
        }
    }

    async fn postgres(server_url: String) -> Self {
        let name = format!("sitedial_t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&server_url)
            .await
            .expect("connect to the test PostgreSQL server");
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create the test database");
        admin.close().await.ok();

        let mut options = StoreOptions::new(with_database(&server_url, &name));
        options.max_connections = 16;
        options.acquire_timeout = std::time::Duration::from_secs(10);
        let store = Store::connect(&options).expect("open the PostgreSQL store");
        store.migrate().await.expect("migrate the PostgreSQL store");
        Self {
            store,
            _dir: None,
            postgres: Some(PostgresDatabase { server_url, name }),
        }
    }

    /// Loads `fixtures/demo.json`.
    pub async fn load_demo(&self) {
        self.store
            .import(&demo_data())
            .await
            .expect("import the demo data set");
    }
}

/// Returns the demo data set of `fixtures/demo.json`.
pub fn demo_data() -> DataSet {
    let text = include_str!("../../fixtures/demo.json");
    let data: DataSet = serde_json::from_str(text).expect("fixtures/demo.json is a data set");
    data.validate().expect("the demo data set is consistent");
    data
}

/// Replaces the database name of a PostgreSQL URL, keeping any query string.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{host_part}/{name}?{query}"),
        None => format!("{host_part}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(database) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot block on async work, so the database is
        // dropped from a thread with its own small runtime. FORCE ends the pool's open connections.
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("build a runtime");
            runtime.block_on(async {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&database.server_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", database.name);
                    if let Err(error) = admin.execute(sql.as_str()).await {
                        eprintln!("failed to drop test database {}: {error}", database.name);
                    }
                }
            });
        });
        let _ = dropper.join();
    }
}

#[test]
fn database_name_is_replaced() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u@h/test?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
}
