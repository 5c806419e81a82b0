//! `/healthz` (the process is up) and `/readyz` (the model is loaded; the body says whether the store
//! is reachable or the instance serves from memory, degraded).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::metrics::Metrics;
use crate::model::ModelCache;

/// State shared by the health endpoints.
#[derive(Clone)]
struct HealthState {
    model: Arc<ModelCache>,
    metrics: Arc<Metrics>,
}

/// Builds the router of the health endpoints.
pub fn router(model: Arc<ModelCache>, metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(HealthState { model, metrics })
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// Returns 200 once the model is loaded, and 503 before. The status is `degraded` while the store is
/// unreachable or, on PostgreSQL, while the change listener is down, because requests are then
/// served from memory and may miss recent changes.
async fn readyz(State(state): State<HealthState>) -> (StatusCode, Json<serde_json::Value>) {
    let health = state.model.health();
    let listener = &state.metrics.listener;
    let listener_state = if !listener.enabled.load(Ordering::Acquire) {
        "not_used"
    } else if listener.connected.load(Ordering::Acquire) {
        "connected"
    } else {
        "disconnected"
    };
    let degraded = !health.store_reachable || listener.is_degraded();
    let status = match (health.index_loaded, degraded) {
        (false, _) => "loading",
        (true, false) => "ready",
        (true, true) => "degraded",
    };
    let code = if health.index_loaded {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": status,
        "store_reachable": health.store_reachable,
        "change_listener": listener_state,
        "loaded_units": health.loaded_units,
        "stale_units": health.stale_units,
        "tenants": state.model.index().tenant_count(),
    });
    (code, Json(body))
}
