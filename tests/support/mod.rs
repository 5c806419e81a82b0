//! Helpers shared by the integration tests: a sitedial server on loopback ports chosen by the OS,
//! over a fresh SQLite file, and a client that posts FreeSWITCH bodies to it.

#![allow(dead_code)]

pub mod xml;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use sitedial::app::server::{self, RunningServer, ServerSettings};
use sitedial::freeswitch::FsConfig;
use sitedial::store::StoreOptions;

/// A running server and the temporary directory that holds its database.
pub struct TestServer {
    pub server: RunningServer,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server on the demo data set and waits until its model is loaded.
    pub async fn demo() -> Self {
        Self::start(FsConfig::default(), true, None).await
    }

    /// Starts a server with the given endpoint settings, optionally on the demo data and an explicit
    /// database URL (a fresh SQLite file when `None`).
    pub async fn start(fs: FsConfig, demo: bool, database_url: Option<String>) -> Self {
        Self::start_with(fs, demo, database_url, true).await
    }

    /// Starts a server as [`TestServer::start`] does, choosing whether units are preloaded.
    pub async fn start_with(
        fs: FsConfig,
        demo: bool,
        database_url: Option<String>,
        preload: bool,
    ) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = database_url
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("test.db").display()));
        let mut store = StoreOptions::new(url);
        store.acquire_timeout = Duration::from_millis(500);
        let settings = ServerSettings {
            fs_listen: "127.0.0.1:0".parse().unwrap(),
            api_listen: "127.0.0.1:0".parse().unwrap(),
            store,
            fs,
            demo,
            cache_max_units: 0,
            preload,
            shutdown_grace: Duration::from_secs(5),
        };
        let server = server::start(settings).await.expect("server starts");
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Self {
            server,
            client,
            dir,
        }
    }

    /// Waits until the model index is loaded and every unit is in memory.
    pub async fn wait_ready(&self) {
        let started = Instant::now();
        while !self.server.model.startup_done() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "model not loaded within 10 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Returns the URL of the FreeSWITCH endpoint.
    pub fn fs_url(&self) -> String {
        format!("http://{}/freeswitch", self.server.fs_addr)
    }

    /// Posts a body and returns the status and the text of the answer.
    pub async fn post(&self, body: impl Into<reqwest::Body>) -> (u16, String, Option<String>) {
        let response = self
            .client
            .post(self.fs_url())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        (
            status,
            response.text().await.expect("body read"),
            content_type,
        )
    }
}

/// Returns the folder of recorded FreeSWITCH request bodies.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/freeswitch")
}

/// Reads one recorded body by file name.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(name))
        .unwrap_or_else(|e| panic!("reading fixture {name}: {e}"))
}
