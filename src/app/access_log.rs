//! One log event and one metrics count per admin listener request.
//!
//! The event carries the method, the matched route template (`/api/tenants/{id}`, not the raw path,
//! so no query string or token reaches the log), the status and the duration. Bodies and headers are
//! never logged: they carry SIP passwords and Bearer tokens.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tracing::info;

use super::metrics::Metrics;

/// The route name logged for a request that matched no route.
const UNMATCHED_ROUTE: &str = "unmatched";

/// Logs and counts one admin request; use with `axum::middleware::from_fn_with_state`.
pub async fn log_admin_request(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| UNMATCHED_ROUTE.to_owned());

    let response = next.run(request).await;

    let status = response.status().as_u16();
    let duration_us = started.elapsed().as_micros() as u64;
    info!(
        http.method = %method,
        http.route = %route,
        http.status = status,
        duration_us,
        "admin request"
    );
    metrics.record_admin_request(method.as_str(), &route, status);
    response
}
