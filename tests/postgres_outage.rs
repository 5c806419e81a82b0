//! A database outage, made by cutting a TCP proxy between sitedial and PostgreSQL: FreeSWITCH requests
//! keep getting correct answers from memory, `/readyz` and `/metrics` report the instance degraded,
//! and once the proxy forwards again the instance reports ready and picks up a change it missed.
//!
//! The test creates its own database on the server named by `SITEDIAL_TEST_POSTGRES_URL` and returns
//! early, saying so, when that variable is not set.

mod support;
mod support_pg;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use sitedial::app::server::DEMO_JSON;
use sitedial::domain::dataset::DataSet;
use sitedial::freeswitch::FsConfig;
use sitedial::store::changes::{announce_change, ChangePayload};
use sitedial::store::{format_time, Store, StoreOptions};
use support::xml::{parse, Parsed};
use support::{fixture, TestServer};
use support_pg::{PgDatabase, TcpProxy};
use uuid::Uuid;

const REGISTER_HQ_1001: &str = "04-directory-sip-auth-register-hq-1001.form";
const DIAL_HQ_TO_LONDON: &str = "11-dialplan-hq-to-star88-london-1001.form";
const ACME: Uuid = Uuid::from_u128(0x00000000_0000_4000_8000_000000100001);
const HQ: Uuid = Uuid::from_u128(0x00000000_0000_4000_8000_000000200001);

async fn readyz(app: &TestServer) -> (u16, serde_json::Value) {
    let response = app
        .client
        .get(format!("http://{}/readyz", app.server.api_addr))
        .send()
        .await
        .expect("readyz answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("readyz body is JSON"))
}

async fn metrics(app: &TestServer) -> String {
    app.client
        .get(format!("http://{}/metrics", app.server.api_addr))
        .send()
        .await
        .expect("metrics answers")
        .text()
        .await
        .unwrap()
}

/// Polls `/readyz` until its `status` is `expected`, and returns how long that took.
async fn wait_status(app: &TestServer, expected: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let (code, body) = readyz(app).await;
        assert_eq!(code, 200, "readyz must stay 200 while the model is loaded");
        if body["status"] == expected {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "readyz did not report {expected} within {limit:?}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Posts the hq 1001 registration and returns the password in the reply, checking the deadline.
async fn hq_1001_password(app: &TestServer) -> String {
    let started = Instant::now();
    let (status, xml, _) = app.post(fixture(REGISTER_HQ_1001)).await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "directory answer took {:?}",
        started.elapsed()
    );
    match parse(&xml) {
        Parsed::User { params, .. } => params.get("password").cloned().unwrap_or_default(),
        other => panic!("expected user 1001, got {other:?}"),
    }
}

async fn check_dialplan_from_memory(app: &TestServer) {
    let started = Instant::now();
    let (status, xml, _) = app.post(fixture(DIAL_HQ_TO_LONDON)).await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "dialplan answer took {:?}",
        started.elapsed()
    );
    assert_eq!(
        parse(&xml).action_data("transfer"),
        Some("1001 XML london.acme.example")
    );
}

/// Writes a new password for hq 1001 directly (not through the proxy), announcing it as sitedial does.
async fn write_password_directly(store: &Store, password: &str) {
    let mut write = store.begin_write().await.unwrap();
    sqlx::query(
        "UPDATE extension SET sip_password = $1, updated_at = $2 WHERE tenant_id = $3 AND number = $4",
    )
    .bind(password)
    .bind(format_time(time::OffsetDateTime::now_utc()))
    .bind(HQ.to_string())
    .bind("1001")
    .execute(&mut *write.tx)
    .await
    .unwrap();
    let payload = ChangePayload {
        enterprises: vec![ACME],
        tenants: vec![],
    };
    announce_change(&mut write.tx, store.backend(), &payload)
        .await
        .unwrap();
    write.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_served_from_memory_then_recovers() {
    let Some(db) = PgDatabase::create("outage_served_from_memory_then_recovers").await else {
        return;
    };
    let direct = Store::connect(&StoreOptions::new(db.url.clone())).unwrap();
    direct.migrate().await.unwrap();
    let data: DataSet = serde_json::from_str(DEMO_JSON).unwrap();
    direct.import(&data).await.unwrap();

    let proxy = TcpProxy::start(db.server_addr().await).await;
    let app = TestServer::start(FsConfig::default(), false, Some(db.url_via(proxy.addr))).await;
    app.wait_ready().await;
    let listening = Instant::now();
    while !app
        .server
        .metrics
        .listener
        .connected
        .load(Ordering::Acquire)
    {
        assert!(listening.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    wait_status(&app, "ready", Duration::from_secs(5)).await;
    assert_eq!(hq_1001_password(&app).await, "hq-1001-pw");

    // Outage: every connection through the proxy is closed and new ones are refused.
    proxy.cut();
    let took = wait_status(&app, "degraded", Duration::from_secs(10)).await;
    println!(
        "degraded reported {:.0} ms after the cut",
        took.as_secs_f64() * 1e3
    );
    // The listener notices the cut at once; the store health check within about a second.
    let started = Instant::now();
    loop {
        let (code, body) = readyz(&app).await;
        assert_eq!(code, 200);
        assert_eq!(body["status"], "degraded", "{body}");
        if body["store_reachable"] == false {
            assert_eq!(body["change_listener"], "disconnected", "{body}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "store still reported reachable: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let scraped = metrics(&app).await;
    assert!(scraped.contains("\nsitedial_degraded 1\n"), "{scraped}");
    assert!(
        scraped.contains("\nsitedial_store_reachable 0\n"),
        "{scraped}"
    );

    // A change the instance cannot hear about while its connections are cut.
    write_password_directly(&direct, "changed-during-outage").await;
    for _ in 0..20 {
        assert_eq!(hq_1001_password(&app).await, "hq-1001-pw");
        check_dialplan_from_memory(&app).await;
    }

    // Recovery: the instance reports ready again and catches up on the missed change.
    proxy.restore();
    let took = wait_status(&app, "ready", Duration::from_secs(15)).await;
    println!(
        "ready reported {:.0} ms after the restore",
        took.as_secs_f64() * 1e3
    );
    let started = Instant::now();
    while hq_1001_password(&app).await != "changed-during-outage" {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the change made during the outage was not picked up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check_dialplan_from_memory(&app).await;
    let scraped = metrics(&app).await;
    assert!(scraped.contains("\nsitedial_degraded 0\n"), "{scraped}");
    assert!(
        scraped.contains("\nsitedial_change_listener_connected 1\n"),
        "{scraped}"
    );

    app.server.shutdown().await;
    direct.close().await;
}
