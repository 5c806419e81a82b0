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

use super::metrics::{self, Metrics};
use super::propagation::{self, Propagation};
use super::{access_log, health};
use crate::admin::{self, AdminState};
use crate::domain::dataset::DataSet;
use crate::freeswitch::{self, FsConfig, FsState};
use crate::model::ModelCache;
use crate::store::{redact_url, Backend, Store, StoreError, StoreOptions};

/// The demo data set, compiled in so that `serve --demo` needs no file beside the binary.
pub const DEMO_JSON: &str = include_str!("../../fixtures/demo.json");

/// How often the background task retries stale units and checks the store.
const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(1);

/// How long the store health check waits for `SELECT 1` before it counts the store as unreachable.
const STORE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// How long the initial model load waits for the change listener's first connection attempt, so
/// that it starts after LISTEN when the database is up, but does not wait long when it is not.
const LISTENER_FIRST_ATTEMPT_WAIT: Duration = Duration::from_secs(5);

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
    pub metrics: Arc<Metrics>,
    /// The platform token created for the demo, when one was.
    pub demo_token: Option<String>,
    shutdown: watch::Sender<bool>,
    shutdown_grace: Duration,
    /// The two listener tasks.
    tasks: Vec<JoinHandle<()>>,
    /// Model maintenance and the change listener, which stop as soon as shutdown starts.
    background: Vec<JoinHandle<()>>,
}

impl RunningServer {
    /// Stops accepting, lets in-flight requests finish for at most the shutdown grace period, and
    /// waits for both listeners.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        self.wait().await;
    }

    /// Returns a receiver that turns `true` when shutdown starts.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Starts shutdown without waiting.
    pub fn trigger_shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Waits until shutdown starts and both listeners have stopped. Connections still open when the
    /// grace period after the start of shutdown ends are closed, their requests unanswered.
    pub async fn wait(mut self) {
        let mut started = self.shutdown.subscribe();
        let _ = started.wait_for(|stopping| *stopping).await;

        let drained = tokio::time::timeout(self.shutdown_grace, async {
            for task in &mut self.tasks {
                let _ = task.await;
            }
        })
        .await;
        if drained.is_err() {
            warn!(
                grace_s = self.shutdown_grace.as_secs_f64(),
                "shutdown grace period over; closing the connections still open"
            );
            for task in &self.tasks {
                task.abort();
            }
        }
        for task in self.background {
            task.abort();
            let _ = task.await;
        }
    }
}

/// Opens the store, binds both listeners and starts serving. Returns once the listeners are bound;
/// the model loads in the background, so an unreachable database does not stop the start.
pub async fn start(settings: ServerSettings) -> anyhow::Result<RunningServer> {
    let store = Store::connect(&settings.store)?;
    let model = ModelCache::new(store.clone(), settings.cache_max_units);

    // An SQLite file that cannot be opened is a configuration error, not an outage to ride out.
    if store.backend() == Backend::Sqlite {
        store
            .migrate()
            .await
            .with_context(|| format!("opening {}", redact_url(&settings.store.url)))?;
    }

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
    let metrics = Metrics::new();
    let mut fs_state = FsState::new(model.clone(), settings.fs.clone());
    fs_state.observer = Some(metrics.fs_observer());
    let fs_router = freeswitch::router(fs_state);
    let api_router = health::router(model.clone(), metrics.clone())
        .merge(metrics::router(metrics.clone(), model.clone()))
        .merge(admin::router(AdminState::new(model.clone())))
        .layer(axum::middleware::from_fn_with_state(
            metrics.clone(),
            access_log::log_admin_request,
        ));

    let tasks = vec![
        tokio::spawn(serve_listener(
            "freeswitch",
            fs_listener,
            fs_router,
            shutdown_rx.clone(),
        )),
        tokio::spawn(serve_listener(
            "admin",
            api_listener,
            api_router,
            shutdown_rx.clone(),
        )),
    ];

    let mut background = Vec::new();
    let (store_recoveries, store_recoveries_rx) = watch::channel(0u64);
    let mut listener_first_attempt = None;
    if store.backend() == Backend::Postgres {
        let (first_attempt, first_attempt_rx) = watch::channel(false);
        listener_first_attempt = Some(first_attempt_rx);
        background.push(tokio::spawn(propagation::run_listener(Propagation {
            url: settings.store.url.clone(),
            model: model.clone(),
            metrics: metrics.clone(),
            first_attempt,
            store_recoveries: store_recoveries_rx,
            stop: shutdown_rx.clone(),
        })));
    }
    background.push(tokio::spawn(maintain_model(Maintenance {
        model: model.clone(),
        preload: settings.preload,
        listener_first_attempt,
        store_recoveries,
        stop: shutdown_rx,
    })));

    info!(fs.addr = %fs_addr, api.addr = %api_addr, fs.path = %settings.fs.path, "sitedial listening");
    Ok(RunningServer {
        fs_addr,
        api_addr,
        model,
        metrics,
        demo_token,
        shutdown,
        shutdown_grace: settings.shutdown_grace,
        tasks,
        background,
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

/// Loads the demo data set into an empty store; a store that already contains data is left as is.
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
        Err(StoreError::NotEmpty(records)) => {
            warn!(
                records,
                "the store already holds data; the demo data set was not loaded"
            );
            Ok(())
        }
        Err(error) => Err(error).context("loading the demo data set"),
    }
}

/// Inputs of [`maintain_model`].
struct Maintenance {
    model: Arc<ModelCache>,
    preload: bool,
    /// Turns `true` after the change listener's first connection attempt (PostgreSQL only).
    listener_first_attempt: Option<watch::Receiver<bool>>,
    /// Raised each time the store becomes reachable again after the model was loaded.
    store_recoveries: watch::Sender<u64>,
    stop: watch::Receiver<bool>,
}

/// Migrates and loads the model, retrying until the store answers. Then, every second, checks the
/// store and retries stale units, so that an outage is reported even while every request is answered
/// from memory, and the model catches up when the store returns.
async fn maintain_model(mut task: Maintenance) {
    if let Some(mut first_attempt) = task.listener_first_attempt.take() {
        let _ = tokio::time::timeout(
            LISTENER_FIRST_ATTEMPT_WAIT,
            first_attempt.wait_for(|done| *done),
        )
        .await;
    }

    let model = &task.model;
    let mut ready = false;
    let mut store_was_down = false;
    loop {
        if !ready {
            ready = initial_load(model, task.preload).await;
        } else {
            let reachable = check_store(model).await;
            if reachable && store_was_down {
                info!("store reachable again; catching up on stale data");
                task.store_recoveries.send_modify(|count| *count += 1);
            }
            store_was_down = !reachable;
            if reachable {
                model.retry_stale().await;
                pick_up_first_import(model).await;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(MAINTENANCE_INTERVAL) => {}
            _ = task.stop.wait_for(|stopping| *stopping) => return,
        }
    }
}

/// Reloads the model when a server that started on an empty SQLite store finds tenants in it, so that
/// `sitedial import` run beside it takes effect. PostgreSQL instances learn of imports by NOTIFY, and
/// a store that already had tenants only changes through sitedial, which refreshes the model itself.
async fn pick_up_first_import(model: &ModelCache) {
    if model.store().backend() != Backend::Sqlite || model.index().tenant_count() > 0 {
        return;
    }
    match model.store().count_tenants().await {
        Ok(0) => {}
        Ok(tenants) => {
            info!(
                tenants,
                "tenants appeared in an empty store; reloading the model"
            );
            if let Err(error) = model.reload_all().await {
                warn!(%error, "reloading the model after an import failed; retrying");
            }
        }
        Err(error) => warn!(%error, "counting tenants failed"),
    }
}

/// Runs `SELECT 1` with a timeout and records the result in the model's store health.
async fn check_store(model: &ModelCache) -> bool {
    let result = match tokio::time::timeout(STORE_CHECK_TIMEOUT, model.store().ping()).await {
        Ok(result) => result,
        Err(_) => Err(StoreError::Unavailable(sqlx::Error::Io(
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "the store did not answer a health check within {} ms",
                    STORE_CHECK_TIMEOUT.as_millis()
                ),
            ),
        ))),
    };
    model.observe(result).is_ok()
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
