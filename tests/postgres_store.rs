//! The store on PostgreSQL: migrations, import and export (library and command line), model loading,
//! and answers to every recorded FreeSWITCH request identical to those served from SQLite.
//!
//! Each test creates its own database on the server named by `SITEDIAL_TEST_POSTGRES_URL` and returns
//! early, saying so, when that variable is not set.

mod support;
mod support_pg;

use std::process::Command;

use sitedial::app::server::DEMO_JSON;
use sitedial::domain::dataset::DataSet;
use sitedial::freeswitch::FsConfig;
use sitedial::model::ModelCache;
use sitedial::store::{Backend, Store, StoreError, StoreOptions};
use support::{fixture, fixtures_dir, TestServer};
use support_pg::PgDatabase;

fn demo() -> DataSet {
    serde_json::from_str(DEMO_JSON).unwrap()
}

async fn migrated_store(db: &PgDatabase) -> Store {
    let store = Store::connect(&StoreOptions::new(db.url.clone())).unwrap();
    assert_eq!(store.backend(), Backend::Postgres);
    store
        .migrate()
        .await
        .expect("migrations apply on PostgreSQL");
    store
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let Some(db) = PgDatabase::create("migrations_are_idempotent").await else {
        return;
    };
    let store = migrated_store(&db).await;
    store.migrate().await.expect("a second run applies nothing");
    assert_eq!(store.count_tenants().await.unwrap(), 0);
    store.close().await;
}

#[tokio::test]
async fn demo_round_trip_is_exact() {
    let Some(db) = PgDatabase::create("demo_round_trip_is_exact").await else {
        return;
    };
    let store = migrated_store(&db).await;
    let mut original = demo();
    original.validate().unwrap();
    store.import(&original).await.unwrap();

    let exported = store.export().await.unwrap();
    original.sort();
    assert_eq!(exported, original);
    store.close().await;
}

#[tokio::test]
async fn import_refuses_used_store() {
    let Some(db) = PgDatabase::create("import_refuses_used_store").await else {
        return;
    };
    let store = migrated_store(&db).await;
    store.import(&demo()).await.unwrap();
    let error = store.import(&demo()).await.unwrap_err();
    assert!(matches!(error, StoreError::NotEmpty(28)), "{error}");
    store.close().await;
}

#[tokio::test]
async fn model_loads_every_unit() {
    let Some(db) = PgDatabase::create("model_loads_every_unit").await else {
        return;
    };
    let store = migrated_store(&db).await;
    store.import(&demo()).await.unwrap();

    let model = ModelCache::new(store.clone(), 0);
    model.load_index().await.expect("index loads");
    let units = model.warm_all().await.expect("units load");
    let health = model.health();
    assert!(health.index_loaded);
    assert!(health.store_reachable);
    assert_eq!(model.index().tenant_count(), 6);
    let keys = model.index().unit_keys();
    assert_eq!(keys.len(), units);
    for key in keys {
        assert!(
            model.cached_unit(key).await.is_some(),
            "{key:?} not in memory"
        );
    }
    store.close().await;
}

#[tokio::test]
async fn cli_import_export_round_trip() {
    let Some(db) = PgDatabase::create("cli_import_export_round_trip").await else {
        return;
    };
    let binary = env!("CARGO_BIN_EXE_sitedial");
    let demo_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo.json");

    let migrate = Command::new(binary)
        .args(["--database-url", &db.url, "migrate"])
        .output()
        .unwrap();
    assert!(migrate.status.success(), "migrate: {migrate:?}");

    let import = Command::new(binary)
        .args(["--database-url", &db.url, "import"])
        .arg(&demo_path)
        .output()
        .unwrap();
    assert!(import.status.success(), "import: {import:?}");

    let export = Command::new(binary)
        .args(["--database-url", &db.url, "export"])
        .output()
        .unwrap();
    assert!(export.status.success(), "export: {export:?}");
    let exported: DataSet = serde_json::from_slice(&export.stdout).expect("export is a data set");
    let mut original = demo();
    original.sort();
    assert_eq!(exported, original);

    let again = Command::new(binary)
        .args(["--database-url", &db.url, "import"])
        .arg(&demo_path)
        .output()
        .unwrap();
    assert!(!again.status.success(), "a second import must fail");
    let message = String::from_utf8_lossy(&again.stderr);
    assert!(message.contains("already holds 28 records"), "{message}");
}

#[tokio::test]
async fn fixtures_answer_as_on_sqlite() {
    let Some(db) = PgDatabase::create("fixtures_answer_as_on_sqlite").await else {
        return;
    };
    let sqlite = TestServer::start(FsConfig::default(), true, None).await;
    let postgres = TestServer::start(FsConfig::default(), true, Some(db.url.clone())).await;
    sqlite.wait_ready().await;
    postgres.wait_ready().await;

    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".form"))
        .collect();
    names.sort();
    assert!(names.len() > 50, "only {} fixtures found", names.len());

    for name in &names {
        let body = fixture(name);
        let (sqlite_status, sqlite_xml, _) = sqlite.post(body.clone()).await;
        let (postgres_status, postgres_xml, _) = postgres.post(body).await;
        assert_eq!(sqlite_status, 200, "{name} on SQLite");
        assert_eq!(postgres_status, 200, "{name} on PostgreSQL");
        assert_eq!(postgres_xml, sqlite_xml, "{name}: answers differ");
    }

    sqlite.server.shutdown().await;
    postgres.server.shutdown().await;
}

#[tokio::test]
async fn sqlite_export_imports_into_postgres() {
    let Some(db) = PgDatabase::create("sqlite_export_imports_into_postgres").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}", dir.path().join("source.db").display());
    let sqlite = Store::connect(&StoreOptions::new(sqlite_url)).unwrap();
    sqlite.migrate().await.unwrap();
    sqlite.import(&demo()).await.unwrap();
    let from_sqlite = sqlite.export().await.unwrap();

    let postgres = migrated_store(&db).await;
    postgres.import(&from_sqlite).await.unwrap();
    let from_postgres = postgres.export().await.unwrap();
    assert_eq!(from_postgres, from_sqlite);

    sqlite.close().await;
    postgres.close().await;
}
