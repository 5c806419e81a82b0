//! Start-up and shutdown of `sitedial serve`: open the store, load the model in the background, bind
//! both listeners, and stop gracefully on request.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{error, info, warn};

use super::health;
use crate::admin::{self, AdminState};
use crate::domain::dataset::DataSet;
use crate::freeswitch::{self, FsConfig, FsState};
use crate::model::ModelCache;
use crate::store::{Store, StoreError, StoreOptions};

/// The demo data set, compiled in so that `serve --demo` needs no file beside the binary.
pub const DEMO_JSON: &str = include_str!("../../fixtures/demo.json");

/// How often the background task retries stale units and checks the store.
const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(1);

/// Everything [`start`] needs.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub fs_listen: SocketAddr,
    pub api_listen: SocketAddr,
    pub store: StoreOptions,
    pub fs: FsConfig,
    /// Load the demo data set into the store when it is empty.
    pub demo: bool,
    pub cache_max_units: u64,
    pub preload: bool,
    pub shutdown_grace: Duration,
}

/// A started server.
pub struct RunningServer {
    pub fs_addr: SocketAddr,
    pub api_addr: SocketAddr,
    pub model: Arc<ModelCache>,
    /// The platform token created for the demo, when one was.
    pub demo_token: Option<String>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningServer {
    /// Stops accepting, lets in-flight requests finish and waits for both listeners.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }

    /// Returns a receiver that turns `true` when shutdown starts.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Starts shutdown without waiting.
    pub fn trigger_shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Waits until both listeners have stopped.
    pub async fn wait(self) {
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Opens the store, binds both listeners and starts serving. Returns once the listeners are bound;
/// the model loads in the background, so an unreachable database does not stop the start.
pub async fn start(settings: ServerSettings) -> anyhow::Result<RunningServer> {
    let store = Store::connect(&settings.store)?;
    let model = ModelCache::new(store.clone(), settings.cache_max_units);

    let mut demo_token = None;
    if settings.demo {
        store
            .migrate()
            .await
            .context("migrating the demo database")?;
        load_demo(&store).await?;
        demo_token = admin::create_demo_token(&store).await?;
    }

    let fs_listener = TcpListener::bind(settings.fs_listen)
        .await
        .with_context(|| format!("binding the FreeSWITCH listener on {}", settings.fs_listen))?;
    let api_listener = TcpListener::bind(settings.api_listen)
        .await
        .with_context(|| format!("binding the admin listener on {}", settings.api_listen))?;
    let fs_addr = fs_listener.local_addr()?;
    let api_addr = api_listener.local_addr()?;

    let (shutdown, shutdown_rx) = watch::channel(false);
    let fs_router = freeswitch::router(FsState::new(model.clone(), settings.fs.clone()));
    let api_router =
        health::router(model.clone()).merge(admin::router(AdminState::new(model.clone())));

    let mut tasks = Vec::new();
    tasks.push(tokio::spawn(serve_listener(
        "freeswitch",
        fs_listener,
        fs_router,
        shutdown_rx.clone(),
    )));
    tasks.push(tokio::spawn(serve_listener(
        "admin",
        api_listener,
        api_router,
        shutdown_rx.clone(),
    )));
    tokio::spawn(maintain_model(model.clone(), settings.preload, shutdown_rx));

    info!(fs.addr = %fs_addr, api.addr = %api_addr, fs.path = %settings.fs.path, "sitedial listening");
    Ok(RunningServer {
        fs_addr,
        api_addr,
        model,
        demo_token,
        shutdown,
        tasks,
    })
}

async fn serve_listener(
    name: &'static str,
    listener: TcpListener,
    router: axum::Router,
    mut stop: watch::Receiver<bool>,
) {
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stopping| *stopping).await;
        })
        .await;
    match result {
        Ok(()) => info!(listener = name, "listener stopped"),
        Err(error) => error!(listener = name, %error, "listener failed"),
    }
}

/// Loads the demo data set into an empty store; a store that already holds tenants is left as is.
async fn load_demo(store: &Store) -> anyhow::Result<()> {
    let data: DataSet =
        serde_json::from_str(DEMO_JSON).context("parsing the built-in demo data set")?;
    data.validate()
        .context("validating the built-in demo data set")?;
    match store.import(&data).await {
        Ok(()) => {
            info!(
                tenants = data.tenants.len(),
                extensions = data.extensions.len(),
                "demo data set loaded"
            );
            Ok(())
        }
        Err(StoreError::NotEmpty(tenants)) => {
            warn!(
                tenants,
                "the store already holds data; the demo data set was not loaded"
            );
            Ok(())
        }
        Err(error) => Err(error).context("loading the demo data set"),
    }
}

/// Migrates and loads the model, retrying until the store answers, then keeps retrying stale units.
async fn maintain_model(model: Arc<ModelCache>, preload: bool, mut stop: watch::Receiver<bool>) {
    let mut ready = false;
    loop {
        if !ready {
            ready = initial_load(&model, preload).await;
        } else {
            model.retry_stale().await;
            if !model.health().store_reachable {
                let _ = model.observe(model.store().ping().await);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(MAINTENANCE_INTERVAL) => {}
            _ = stop.wait_for(|stopping| *stopping) => return,
        }
    }
}

async fn initial_load(model: &ModelCache, preload: bool) -> bool {
    if let Err(error) = model.store().migrate().await {
        warn!(%error, "store not ready; retrying");
        let _ = model.observe::<()>(Err(error));
        return false;
    }
    if let Err(error) = model.load_index().await {
        warn!(%error, "loading the model index failed; retrying");
        return false;
    }
    if preload {
        let started = std::time::Instant::now();
        match model.warm_all().await {
            Ok(units) => info!(
                units,
                duration_ms = started.elapsed().as_millis() as u64,
                "model preloaded"
            ),
            Err(error) => warn!(%error, "preloading the model failed; units load on demand"),
        }
    }
    model.mark_startup_done();
    true
}

/// Resolves when the process receives SIGTERM or Ctrl-C.
pub async fn termination_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                error!(%error, "installing the SIGTERM handler failed");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
