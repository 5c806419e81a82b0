//! A running admin API on 127.0.0.1 port 0 over an isolated store, with one token per role.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::Value;
use sitedial::admin::tokens::create_token;
use sitedial::admin::{router, AdminState, RoleArg};
use sitedial::freeswitch::{FsConfig, FsState};
use sitedial::model::ModelCache;
use sitedial::store::Store;

use super::db::TestDb;

/// Tokens of every role the role matrix needs, over the demo data set.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub platform: String,
    /// Enterprise administrator of `acme-corp`.
    pub acme: String,
    /// Enterprise administrator of `initech`.
    pub initech: String,
    /// Site administrator of `hq.acme.example`.
    pub hq: String,
    /// Site administrator of `austin.initech.example`.
    pub austin: String,
    /// Site administrator of the standalone `globex.example`.
    pub globex: String,
}

/// The admin API serving one isolated store.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub model: Arc<ModelCache>,
    pub tokens: Tokens,
    pub db: TestDb,
}

impl TestApp {
    /// Starts the API over the demo data set, with the model loaded.
    pub async fn with_demo() -> Self {
        let db = TestDb::new().await;
        db.load_demo().await;
        Self::start(db).await
    }

    async fn start(db: TestDb) -> Self {
        let store = db.store.clone();
        let model = ModelCache::new(store.clone(), 0);
        model.load_index().await.expect("load the model index");
        model.warm_all().await.expect("load every routing unit");

        let tokens = Tokens {
            platform: token(&store, RoleArg::Platform, None).await,
            acme: token(&store, RoleArg::Enterprise, Some("acme-corp")).await,
            initech: token(&store, RoleArg::Enterprise, Some("initech")).await,
            hq: token(&store, RoleArg::Site, Some("hq.acme.example")).await,
            austin: token(&store, RoleArg::Site, Some("austin.initech.example")).await,
            globex: token(&store, RoleArg::Site, Some("globex.example")).await,
        };

        let freeswitch =
            sitedial::freeswitch::router(FsState::new(model.clone(), FsConfig::default()));
        let app = router(AdminState::new(model.clone())).merge(freeswitch);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("local address");
        tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("serve the admin API");
        });

        Self {
            base: format!("http://{address}"),
            client: reqwest::Client::new(),
            model,
            tokens,
            db,
        }
    }

    /// Returns the store behind the API.
    pub fn store(&self) -> &Store {
        &self.db.store
    }

    /// Sends a request with an optional Bearer token and JSON body; returns the status and the JSON
    /// body (null when the body is empty).
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a valid method");
        let mut request = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the admin API answers");
        let status = response.status();
        let bytes = response.bytes().await.expect("read the response body");
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (status, value)
    }

    /// Sends a raw body (for malformed JSON).
    pub async fn send_raw(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: &'static str,
    ) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a valid method");
        let response = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the admin API answers");
        let status = response.status();
        let value = response.json().await.unwrap_or(Value::Null);
        (status, value)
    }

    /// Posts a form body to the FreeSWITCH endpoint and returns the XML document.
    pub async fn freeswitch(&self, body: Vec<u8>) -> String {
        let response = self
            .client
            .post(format!("{}/freeswitch", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("the FreeSWITCH endpoint answers");
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.expect("read the XML answer")
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.send("GET", path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.send("POST", path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.send("PUT", path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.send("DELETE", path, Some(token), None).await
    }
}

async fn token(store: &Store, role: RoleArg, scope: Option<&str>) -> String {
    create_token(store, role, scope, None, "test")
        .await
        .expect("create a test token")
}

/// Returns the `error.field` of an error body.
pub fn error_field(body: &Value) -> Option<&str> {
    body["error"]["field"].as_str()
}

/// Returns the `error.code` of an error body.
pub fn error_code(body: &Value) -> Option<&str> {
    body["error"]["code"].as_str()
}
