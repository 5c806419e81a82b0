//! Import and export of the whole data set through the store: the demo set survives a round trip
//! unchanged, a second import into a used store is refused, and broken data sets are rejected.

mod support;

use std::time::{Duration, Instant};

use sitedial::app::server::DEMO_JSON;
use sitedial::domain::dataset::{DataSet, DataSetError};
use sitedial::freeswitch::FsConfig;
use sitedial::store::{Store, StoreError, StoreOptions};
use support::xml::{parse, Parsed};
use support::{fixture, TestServer};

async fn fresh_store(dir: &tempfile::TempDir) -> Store {
    let url = format!("sqlite://{}", dir.path().join("roundtrip.db").display());
    let store = Store::connect(&StoreOptions::new(url)).unwrap();
    store.migrate().await.unwrap();
    store
}

fn demo() -> DataSet {
    serde_json::from_str(DEMO_JSON).unwrap()
}

#[tokio::test]
async fn demo_round_trip_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let mut original = demo();
    original.validate().unwrap();
    store.import(&original).await.unwrap();

    let exported = store.export().await.unwrap();
    original.sort();
    assert_eq!(exported, original);
    let text = serde_json::to_string_pretty(&exported).unwrap();
    let reparsed: DataSet = serde_json::from_str(&text).unwrap();
    assert_eq!(reparsed, exported);
}

#[tokio::test]
async fn import_refuses_used_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    store.import(&demo()).await.unwrap();
    let error = store.import(&demo()).await.unwrap_err();
    assert!(matches!(error, StoreError::NotEmpty(28)), "{error}");
}

#[tokio::test]
async fn import_refuses_store_without_tenants() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let mut enterprise_only = demo();
    enterprise_only.enterprises.truncate(1);
    enterprise_only.tenants.clear();
    enterprise_only.extensions.clear();
    enterprise_only.dids.clear();
    enterprise_only.directory_entries.clear();
    store.import(&enterprise_only).await.unwrap();
    let error = store.import(&demo()).await.unwrap_err();
    assert!(matches!(error, StoreError::NotEmpty(1)), "{error}");
}

#[test]
fn validate_rejects_broken_sets() {
    let mut duplicate_domain = demo();
    let copy = duplicate_domain.tenants[0].clone();
    duplicate_domain.tenants.push(sitedial::domain::Tenant {
        id: uuid::Uuid::new_v4(),
        ..copy
    });
    assert!(matches!(
        duplicate_domain.validate(),
        Err(DataSetError::Duplicate {
            kind: "tenant domain",
            ..
        })
    ));

    let mut dangling_did = demo();
    dangling_did.dids[0].destination = sitedial::domain::ExtensionNumber::parse("9999").unwrap();
    assert!(matches!(
        dangling_did.validate(),
        Err(DataSetError::MissingReference {
            target: "extension",
            ..
        })
    ));

    let mut site_without_code = demo();
    site_without_code.tenants[0].dialing_code = None;
    assert!(matches!(
        site_without_code.validate(),
        Err(DataSetError::Membership { .. })
    ));

    let mut wrong_format = demo();
    wrong_format.format = 2;
    assert_eq!(wrong_format.validate(), Err(DataSetError::Format(2)));
}

#[test]
fn invalid_values_are_rejected_when_parsing() {
    let text = DEMO_JSON.replacen("\"hq.acme.example\"", "\"hq acme\"", 1);
    let error = serde_json::from_str::<DataSet>(&text).unwrap_err();
    assert!(error.to_string().contains("invalid domain"), "{error}");
}

#[tokio::test]
async fn import_beside_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("live.db").display());
    let app = TestServer::start(FsConfig::default(), false, Some(url.clone())).await;
    app.wait_ready().await;
    let register = "04-directory-sip-auth-register-hq-1001.form";
    let (_, xml, _) = app.post(fixture(register)).await;
    assert_eq!(parse(&xml), Parsed::NotFound, "the store starts empty");

    let store = Store::connect(&StoreOptions::new(url)).unwrap();
    store.import(&demo()).await.unwrap();
    store.close().await;

    let started = Instant::now();
    loop {
        let (_, xml, _) = app.post(fixture(register)).await;
        if matches!(parse(&xml), Parsed::User { .. }) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "import not picked up within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.server.shutdown().await;
}
