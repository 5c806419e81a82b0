//! `/healthz` (the process is up) and `/readyz` (the model is loaded; the body says whether the store
//! is reachable or the instance serves from memory, degraded).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::model::ModelCache;

/// Builds the router of the health endpoints.
pub fn router(model: Arc<ModelCache>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(model)
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(model): State<Arc<ModelCache>>) -> (StatusCode, Json<serde_json::Value>) {
    let health = model.health();
    let status = match (health.index_loaded, health.store_reachable) {
        (false, _) => "loading",
        (true, true) => "ready",
        (true, false) => "degraded",
    };
    let code = if health.index_loaded {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": status,
        "store_reachable": health.store_reachable,
        "loaded_units": health.loaded_units,
        "stale_units": health.stale_units,
        "tenants": model.index().tenant_count(),
    });
    (code, Json(body))
}
