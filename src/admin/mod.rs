//! The admin REST API: enterprises (`/api/organization`), the site lifecycle, tenants, extensions,
//! DIDs, the shared directory, roles and Bearer tokens.
//!
//! One file per resource holds its handlers (`list_*`, `get_*`, `create_*`, `update_*`, `delete_*`).
//! Request bodies are validated into domain types by [`extract::ValidJson`]; every failure is an
//! [`error::ApiError`], turned into the one JSON error shape in one place. Every write runs in one
//! transaction and refreshes the model before it answers (see [`write`]).

pub mod auth;
pub mod dids;
pub mod directory;
pub mod error;
pub mod extensions;
pub mod extract;
pub mod fields;
pub mod openapi;
pub mod organization;
pub mod sites;
pub mod tenants;
pub mod tokens;
pub mod write;

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::handler::Handler;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::model::ModelCache;
use crate::store::{Store, StoreError};
use error::ApiError;

pub use tokens::{create_demo_token, run_token_command, RoleArg, TokenCommand};

/// The shared state of every admin handler: the model, which also owns the store.
#[derive(Clone, Debug)]
pub struct AdminState {
    pub model: Arc<ModelCache>,
}

impl AdminState {
    /// Builds the state over a model.
    pub fn new(model: Arc<ModelCache>) -> Self {
        Self { model }
    }

    /// Returns the store behind the model.
    pub fn store(&self) -> &Store {
        self.model.store()
    }

    /// Takes a pooled connection for reads.
    pub async fn connection(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, ApiError> {
        Ok(self
            .store()
            .pool()
            .acquire()
            .await
            .map_err(StoreError::from)?)
    }
}

/// A router under construction that records each `(method, path)` it gets, so that a test can compare
/// the routes with the OpenAPI document.
struct Routes {
    router: Router<AdminState>,
    table: Vec<(String, String)>,
}

macro_rules! route_method {
    ($name:ident) => {
        fn $name<H, T>(mut self, path: &str, handler: H) -> Self
        where
            H: Handler<T, AdminState>,
            T: 'static,
        {
            self.router = self.router.route(path, axum::routing::$name(handler));
            self.table
                .push((stringify!($name).to_owned(), path.to_owned()));
            self
        }
    };
}

impl Routes {
    route_method!(get);
    route_method!(post);
    route_method!(put);
    route_method!(delete);
}

fn routes() -> Routes {
    Routes {
        router: Router::new(),
        table: Vec::new(),
    }
    .get("/api/openapi.json", openapi::get_openapi)
    .get("/api/organization", organization::list_enterprises)
    .post("/api/organization", organization::create_enterprise)
    .post("/api/organization/promote", organization::promote_tenant)
    .get("/api/organization/{code}", organization::get_enterprise)
    .put("/api/organization/{code}", organization::update_enterprise)
    .delete("/api/organization/{code}", organization::delete_enterprise)
    .get("/api/organization/{code}/sites", sites::list_sites_grid)
    .post("/api/organization/{code}/sites", sites::create_site)
    .post("/api/organization/{code}/sites/assign", sites::assign_sites)
    .post(
        "/api/organization/{code}/sites/unassign",
        sites::unassign_sites,
    )
    .post("/api/organization/{code}/sites/delete", sites::delete_sites)
    .get(
        "/api/organization/{code}/directory",
        directory::list_directory,
    )
    .post(
        "/api/organization/{code}/directory",
        directory::create_directory_entry,
    )
    .put(
        "/api/organization/{code}/directory/{id}",
        directory::update_directory_entry,
    )
    .delete(
        "/api/organization/{code}/directory/{id}",
        directory::delete_directory_entry,
    )
    .get("/api/tenants", tenants::list_tenants)
    .post("/api/tenants", tenants::create_tenant)
    .get("/api/tenants/{domain}", tenants::get_tenant)
    .put("/api/tenants/{domain}", tenants::update_tenant)
    .delete("/api/tenants/{domain}", tenants::delete_tenant)
    .get(
        "/api/tenants/{domain}/extensions",
        extensions::list_extensions,
    )
    .post(
        "/api/tenants/{domain}/extensions",
        extensions::create_extension,
    )
    .get(
        "/api/tenants/{domain}/extensions/{number}",
        extensions::get_extension,
    )
    .put(
        "/api/tenants/{domain}/extensions/{number}",
        extensions::update_extension,
    )
    .delete(
        "/api/tenants/{domain}/extensions/{number}",
        extensions::delete_extension,
    )
    .get("/api/tenants/{domain}/dids", dids::list_dids)
    .post("/api/tenants/{domain}/dids", dids::create_did)
    .get("/api/tenants/{domain}/dids/{number}", dids::get_did)
    .put("/api/tenants/{domain}/dids/{number}", dids::update_did)
    .delete("/api/tenants/{domain}/dids/{number}", dids::delete_did)
}

/// Builds the router of every `/api/...` route. Unknown `/api/` paths and methods get the JSON error
/// shape; each request is logged once (method, route, status, duration), never with its body.
pub fn router(state: AdminState) -> Router {
    routes()
        .router
        .route("/api/{*rest}", axum::routing::any(unknown_route))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

/// Returns every `(method, path)` the router serves, methods lowercase, sorted.
pub fn route_table() -> Vec<(String, String)> {
    let mut table = routes().table;
    table.sort();
    table
}

async fn unknown_route() -> Response {
    ApiError::NotFound("no such API route; the routes are listed in /api/openapi.json".to_owned())
        .into_response()
}

async fn method_not_allowed() -> Response {
    let body = serde_json::json!({"error": {
        "code": "method_not_allowed",
        "message": "this route does not accept the method; see /api/openapi.json",
        "field": null,
    }});
    (axum::http::StatusCode::METHOD_NOT_ALLOWED, axum::Json(body)).into_response()
}

/// Logs one event per admin request. Bodies are never logged: they carry SIP passwords.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        http.method = %method,
        http.route = %route,
        http.status = response.status().as_u16(),
        duration_us = started.elapsed().as_micros() as u64,
        "admin request"
    );
    response
}
