//! The HTTP side of the FreeSWITCH endpoint: client checks, the body limit, logging, and the rule
//! that every answer is a 200 with an XML document (but the 401 that libcurl needs to send its
//! credentials).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use base64::Engine;
use ipnet::IpNet;
use tracing::{debug, warn};

use super::answer::{answer, answer_oversized, FsAnswer};
use super::render::{self, RenderOptions};
use crate::model::ModelCache;

/// The largest request body read. FreeSWITCH dialplan requests carry every channel variable and
/// typically stay far below this; a larger body is cut here and answered by [`answer_oversized`].
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Settings of the FreeSWITCH endpoint.
#[derive(Debug, Clone)]
pub struct FsConfig {
    /// The path mod_xml_curl posts to.
    pub path: String,
    /// How long a request may wait for data that is not in memory.
    pub deadline: Duration,
    pub render: RenderOptions,
    /// `user:password` that clients must send with HTTP Basic authentication, when set.
    pub basic_auth: Option<String>,
    /// Client networks allowed to ask; empty allows every client.
    pub allowed_networks: Vec<IpNet>,
}

impl Default for FsConfig {
    fn default() -> Self {
        Self {
            path: "/freeswitch".to_owned(),
            deadline: Duration::from_millis(300),
            render: RenderOptions::default(),
            basic_auth: None,
            allowed_networks: Vec::new(),
        }
    }
}

/// The shared state of the FreeSWITCH handler.
#[derive(Clone)]
pub struct FsState {
    pub model: Arc<ModelCache>,
    pub config: Arc<FsConfig>,
    /// The expected Base64 credentials of the `Authorization: Basic` header, from `config.basic_auth`.
    expected_authorization: Option<Arc<str>>,
    /// Called with each answer and its duration, for metrics.
    pub observer: Option<AnswerObserver>,
}

impl std::fmt::Debug for FsState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FsState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A callback that sees every answer and its duration, for metrics.
pub type AnswerObserver = Arc<dyn Fn(&FsAnswer, Duration) + Send + Sync>;

impl FsState {
    /// Builds the state for a model and configuration.
    pub fn new(model: Arc<ModelCache>, config: FsConfig) -> Self {
        let expected_authorization = config.basic_auth.as_ref().map(|credentials| {
            Arc::from(base64::engine::general_purpose::STANDARD.encode(credentials))
        });
        Self {
            model,
            config: Arc::new(config),
            expected_authorization,
            observer: None,
        }
    }
}

/// Builds the router of the FreeSWITCH listener. mod_xml_curl POSTs by default; with its `method`
/// parameter set it sends the fields in the query string instead, so every method is served. Any
/// other path also gets a 200 "not found" document, because FreeSWITCH treats every other status as
/// a failure and falls back to its static files.
pub fn router(state: FsState) -> Router {
    let path = state.config.path.clone();
    Router::new()
        .route(&path, any(handle))
        .fallback(unknown_path)
        .with_state(state)
}

async fn unknown_path(request: Request) -> Response {
    warn!(http.method = %request.method(), http.path = request.uri().path(), "request for an unknown path");
    xml_response(render::not_found())
}

async fn handle(State(state): State<FsState>, request: Request) -> Response {
    let started = Instant::now();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());

    if let Err(reason) = check_client(&state, peer, request.headers()) {
        warn!(client.addr = ?peer, reason, "FreeSWITCH request rejected");
        return unauthorized();
    }

    let query = request.uri().query().map(|q| q.as_bytes().to_vec());
    let (body, complete) = read_capped(request.into_body(), MAX_BODY_BYTES).await;
    // GET-style requests (mod_xml_curl's `method` parameter) carry the fields in the query string.
    let body = match query {
        Some(query) if body.is_empty() => query,
        _ => body,
    };
    let answer = if complete {
        answer(
            &state.model,
            &state.config.render,
            state.config.deadline,
            &body,
        )
        .await
    } else {
        warn!(client.addr = ?peer, max_bytes = MAX_BODY_BYTES, "FreeSWITCH request body over the limit or unreadable");
        answer_oversized(&state.model, &body)
    };

    let elapsed = started.elapsed();
    debug!(
        client.addr = ?peer,
        section = answer.section.as_str(),
        outcome = answer.outcome.as_str(),
        enterprise.id = ?answer.enterprise_id,
        duration_us = elapsed.as_micros() as u64,
        "FreeSWITCH request"
    );
    if let Some(observer) = &state.observer {
        observer(&answer, elapsed);
    }
    xml_response(answer.xml)
}

/// Reads at most `limit` bytes of a body. Returns them and whether the body ended within the limit
/// and without a read error.
async fn read_capped(body: Body, limit: usize) -> (Vec<u8>, bool) {
    use http_body_util::BodyExt;

    let mut body = body;
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return (bytes, false);
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if bytes.len() + data.len() > limit {
            bytes.extend_from_slice(&data[..limit - bytes.len()]);
            return (bytes, false);
        }
        bytes.extend_from_slice(&data);
    }
    (bytes, true)
}

fn check_client(
    state: &FsState,
    peer: Option<IpAddr>,
    headers: &HeaderMap,
) -> Result<(), &'static str> {
    if !state.config.allowed_networks.is_empty() {
        let allowed = peer.is_some_and(|ip| {
            state
                .config
                .allowed_networks
                .iter()
                .any(|net| net.contains(&ip))
        });
        if !allowed {
            return Err("client address not in the allowed networks");
        }
    }
    if let Some(expected) = &state.expected_authorization {
        // The scheme name is case-insensitive (RFC 7235); the credentials are compared exactly.
        let sent = headers
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes)
            .unwrap_or_default();
        let valid = sent.len() > 6
            && sent[..6].eq_ignore_ascii_case(b"basic ")
            && constant_time_eq(&sent[6..], expected.as_bytes());
        if !valid {
            return Err("missing or wrong HTTP Basic credentials");
        }
    }
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn unauthorized() -> Response {
    let mut response = xml_response(render::not_found());
    *response.status_mut() = StatusCode::UNAUTHORIZED;
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"sitedial\""),
    );
    response
}

fn xml_response(xml: String) -> Response {
    let mut response = Response::new(Body::from(xml));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    response.into_response()
}
