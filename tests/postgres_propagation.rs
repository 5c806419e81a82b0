//! Two instances on one PostgreSQL database: a change written through one is answered by the other
//! within a second, through LISTEN/NOTIFY, also after the listener connection was killed.
//!
//! Each test creates its own database on the server named by `SITEDIAL_TEST_POSTGRES_URL` and returns
//! early, saying so, when that variable is not set.

mod support;
mod support_pg;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use sitedial::freeswitch::FsConfig;
use sitedial::model::ChangeScope;
use sitedial::store::changes::{announce_change, ChangePayload};
use sitedial::store::format_time;
use support::xml::{parse, Parsed};
use support::{fixture, TestServer};
use support_pg::PgDatabase;
use uuid::Uuid;

const REGISTER_HQ_1001: &str = "04-directory-sip-auth-register-hq-1001.form";
const ACME: Uuid = Uuid::from_u128(0x00000000_0000_4000_8000_000000100001);
const HQ: Uuid = Uuid::from_u128(0x00000000_0000_4000_8000_000000200001);

/// The generous bound the tests assert; the requirement is one second.
const PROPAGATION_BOUND: Duration = Duration::from_secs(5);

/// Starts instance A on the demo data and instance B on the same database, both ready and listening.
async fn two_instances(db: &PgDatabase) -> (TestServer, TestServer) {
    let a = TestServer::start(FsConfig::default(), true, Some(db.url.clone())).await;
    a.wait_ready().await;
    let b = TestServer::start(FsConfig::default(), false, Some(db.url.clone())).await;
    b.wait_ready().await;
    wait_listening(&a).await;
    wait_listening(&b).await;
    (a, b)
}

async fn wait_listening(app: &TestServer) {
    let started = Instant::now();
    while !app
        .server
        .metrics
        .listener
        .connected
        .load(Ordering::Acquire)
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "change listener not connected within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Returns the SIP password that an instance hands out for hq 1001.
async fn hq_1001_password(app: &TestServer) -> String {
    let (status, xml, _) = app.post(fixture(REGISTER_HQ_1001)).await;
    assert_eq!(status, 200);
    match parse(&xml) {
        Parsed::User { params, .. } => params.get("password").cloned().unwrap_or_default(),
        other => panic!("expected user 1001, got {other:?}"),
    }
}

/// Changes hq 1001's password the way an admin write does: in a write transaction that announces
/// the change, then a refresh of the writer's own model.
async fn set_hq_1001_password(writer: &TestServer, password: &str) {
    let store = writer.server.model.store();
    let mut write = store.begin_write().await.unwrap();
    let updated = sqlx::query(
        "UPDATE extension SET sip_password = $1, updated_at = $2 WHERE tenant_id = $3 AND number = $4",
    )
    .bind(password)
    .bind(format_time(time::OffsetDateTime::now_utc()))
    .bind(HQ.to_string())
    .bind("1001")
    .execute(&mut *write.tx)
    .await
    .unwrap();
    assert_eq!(updated.rows_affected(), 1);
    let payload = ChangePayload {
        enterprises: vec![ACME],
        tenants: vec![],
    };
    announce_change(&mut write.tx, store.backend(), &payload)
        .await
        .unwrap();
    write.commit().await.unwrap();
    writer
        .server
        .model
        .refresh(&ChangeScope::enterprise(ACME))
        .await
        .unwrap();
}

/// Polls `reader` until it hands out `password`, and returns how long that took.
async fn time_until_password(reader: &TestServer, password: &str, since: Instant) -> Duration {
    loop {
        if hq_1001_password(reader).await == password {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < PROPAGATION_BOUND,
            "instance B still answers the old password after {PROPAGATION_BOUND:?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_through_a_reaches_b() {
    let Some(db) = PgDatabase::create("change_through_a_reaches_b").await else {
        return;
    };
    let (a, b) = two_instances(&db).await;
    assert_eq!(hq_1001_password(&b).await, "hq-1001-pw");

    let mut timings = Vec::new();
    for round in 1..=5 {
        let password = format!("rotated-{round}");
        let started = Instant::now();
        set_hq_1001_password(&a, &password).await;
        assert_eq!(
            hq_1001_password(&a).await,
            password,
            "the writer must see its own change at once"
        );
        timings.push(time_until_password(&b, &password, started).await);
    }

    timings.sort();
    let millis: Vec<f64> = timings.iter().map(|t| t.as_secs_f64() * 1e3).collect();
    println!(
        "propagation A -> B over {} changes: min {:.1} ms, median {:.1} ms, max {:.1} ms",
        millis.len(),
        millis[0],
        millis[millis.len() / 2],
        millis[millis.len() - 1]
    );
    assert!(
        b.server
            .metrics
            .listener
            .notifications
            .load(Ordering::Relaxed)
            >= 5
    );

    a.server.shutdown().await;
    b.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listener_reconnects_after_kill() {
    let Some(db) = PgDatabase::create("listener_reconnects_after_kill").await else {
        return;
    };
    let (a, b) = two_instances(&db).await;
    let reloads_before = b.server.metrics.listener.reloads.load(Ordering::Relaxed);

    // Kill every listening backend of this database (A's and B's), as a restart of a connection
    // pooler or an idle-connection reaper would.
    let killer = a.server.model.store();
    let killed = sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = $1 AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
    )
    .bind(&db.name)
    .fetch_all(killer.pool())
    .await
    .unwrap();
    assert_eq!(killed.len(), 2, "expected the two listener connections");

    let started = Instant::now();
    while b.server.metrics.listener.losses.load(Ordering::Relaxed) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "B did not notice the lost listener"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    wait_listening(&b).await;
    assert!(
        b.server.metrics.listener.reloads.load(Ordering::Relaxed) > reloads_before,
        "B must reload the model after reconnecting"
    );

    let started = Instant::now();
    set_hq_1001_password(&a, "after-reconnect").await;
    let took = time_until_password(&b, "after-reconnect", started).await;
    println!(
        "propagation after listener reconnect: {:.1} ms",
        took.as_secs_f64() * 1e3
    );

    a.server.shutdown().await;
    b.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_api_change_reaches_b() {
    let Some(db) = PgDatabase::create("admin_api_change_reaches_b").await else {
        return;
    };
    let (a, b) = two_instances(&db).await;
    let token = sitedial::admin::create_demo_token(a.server.model.store())
        .await
        .unwrap()
        .expect("a platform token");

    let started = Instant::now();
    let response = a
        .client
        .put(format!(
            "http://{}/api/tenants/hq.acme.example/extensions/1001",
            a.server.api_addr
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "password": "set-through-api" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        200,
        "{}",
        response.text().await.unwrap()
    );
    assert_eq!(hq_1001_password(&a).await, "set-through-api");
    let elapsed = time_until_password(&b, "set-through-api", started).await;
    println!(
        "admin API change on A answered by B after {:.1} ms",
        elapsed.as_secs_f64() * 1e3
    );

    a.server.shutdown().await;
    b.server.shutdown().await;
}
