//! The admin REST API: enterprises (`/api/organization`), the site lifecycle, tenants, extensions,
//! DIDs, the shared directory, roles and Bearer tokens.

use std::sync::Arc;

use crate::model::ModelCache;
use crate::store::Store;

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
}

/// Builds the router of every `/api/...` route.
pub fn router(state: AdminState) -> axum::Router {
    // TODO: the admin API routes are not built yet.
    axum::Router::new().with_state(state)
}

/// The `sitedial token` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once.
    Create,
}

/// Runs one `sitedial token` subcommand against the store.
pub async fn run_token_command(_store: &Store, _command: TokenCommand) -> anyhow::Result<()> {
    anyhow::bail!("token commands are not available yet")
}

/// Creates a platform token for `serve --demo` and returns it; only its hash is stored.
pub async fn create_demo_token(_store: &Store) -> anyhow::Result<Option<String>> {
    Ok(None)
}
