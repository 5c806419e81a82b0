//! Change propagation between instances that share one PostgreSQL database.
//!
//! Each instance keeps one connection listening on the changes channel and refreshes the routing
//! units that each announcement names. Notifications sent while no connection listens are lost, so
//! after every (re)connection the task reloads the whole model before it reports itself caught up.
//! It LISTENs before that reload, so a change committed in between is either in the reloaded data or
//! announced on the new connection.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::watch;
use tracing::{debug, info, warn};

use super::metrics::Metrics;
use crate::model::{ChangeScope, ModelCache};
use crate::store::changes::{ChangeListener, ReceivedChange};
use crate::store::{redact_url, StoreError};

/// First wait before reconnecting after a lost connection; it doubles up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(200);
/// Maximum wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Maximum time one connection attempt may take before it counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Inputs of [`run_listener`].
pub struct Propagation {
    /// The `postgres://` URL to listen on.
    pub url: String,
    pub model: Arc<ModelCache>,
    pub metrics: Arc<Metrics>,
    /// Turns `true` once the first connection attempt has finished, successful or not, so that the
    /// initial model load can start after LISTEN and miss nothing.
    pub first_attempt: watch::Sender<bool>,
    /// A counter that the store health check raises each time the store becomes reachable again. The
    /// listener then reconnects, because a connection that died silently (no reset from the peer)
    /// would otherwise wait forever.
    pub store_recoveries: watch::Receiver<u64>,
    pub stop: watch::Receiver<bool>,
}

/// Listens for change announcements until `stop` turns `true`, reconnecting with backoff.
pub async fn run_listener(task: Propagation) {
    let Propagation {
        url,
        model,
        metrics,
        first_attempt,
        mut store_recoveries,
        mut stop,
    } = task;
    metrics.listener.enabled.store(true, Ordering::Release);
    let mut backoff = MIN_BACKOFF;
    let mut first = true;

    loop {
        let listener = tokio::select! {
            connected = connect_and_catch_up(&url, &model, &metrics, first) => connected,
            _ = stop.wait_for(|stopping| *stopping) => return,
        };
        if first {
            first = false;
            let _ = first_attempt.send(true);
        }

        match listener {
            Ok(mut listener) => {
                metrics.listener.connected.store(true, Ordering::Release);
                backoff = MIN_BACKOFF;
                let recoveries_seen = *store_recoveries.borrow_and_update();
                let reason = tokio::select! {
                    error = receive_changes(&mut listener, &model, &metrics) => error,
                    _ = store_recoveries.wait_for(|n| *n > recoveries_seen) => {
                        "the store became reachable again".to_owned()
                    }
                    _ = stop.wait_for(|stopping| *stopping) => return,
                };
                // Dropping the listener closes its connection, which also ends a receive cut short
                // by the select above.
                drop(listener);
                metrics.listener.connected.store(false, Ordering::Release);
                metrics.listener.losses.fetch_add(1, Ordering::Relaxed);
                warn!(reason = %reason, "change listener connection lost; reconnecting and reloading the model");
            }
            Err(error) => {
                metrics.listener.losses.fetch_add(1, Ordering::Relaxed);
                warn!(%error, retry_in_ms = backoff.as_millis() as u64, "change listener could not connect; retrying");
                let wait = jittered(backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.wait_for(|stopping| *stopping) => return,
                }
            }
        }
    }
}

/// Connects, LISTENs, and reloads the model when it may have missed changes: always after a lost
/// connection, and on the first connection only if the model was already loaded.
async fn connect_and_catch_up(
    url: &str,
    model: &ModelCache,
    metrics: &Metrics,
    first: bool,
) -> Result<ChangeListener, String> {
    let listener = match tokio::time::timeout(CONNECT_TIMEOUT, ChangeListener::connect(url)).await {
        Ok(Ok(listener)) => listener,
        Ok(Err(error)) => return Err(error.to_string()),
        Err(_) => {
            return Err(format!(
                "connecting to {} timed out after {} s",
                redact_url(url),
                CONNECT_TIMEOUT.as_secs()
            ))
        }
    };

    if !first || model.index_loaded() {
        model
            .reload_all()
            .await
            .map_err(|error| format!("reloading the model after connecting failed: {error}"))?;
        metrics.listener.reloads.fetch_add(1, Ordering::Relaxed);
        if first {
            info!("change listener connected; model reloaded");
        } else {
            info!("change listener reconnected; model reloaded to catch up");
        }
    } else {
        info!("change listener connected");
    }
    Ok(listener)
}

/// Applies announcements until the connection fails or a full reload fails, and returns why.
async fn receive_changes(
    listener: &mut ChangeListener,
    model: &ModelCache,
    metrics: &Metrics,
) -> String {
    loop {
        let change = match listener.next().await {
            Ok(change) => change,
            Err(error) => return error.to_string(),
        };
        metrics
            .listener
            .notifications
            .fetch_add(1, Ordering::Relaxed);
        if let Err(error) = apply(model, metrics, change).await {
            return format!("reloading the model after a change announcement failed: {error}");
        }
    }
}

/// Refreshes what one announcement names. A failed scoped refresh keeps the old data and marks it
/// stale for the model maintenance task to retry. A failed full reload is returned, so that the
/// caller reconnects and reloads again, because it may have left some units out of date.
async fn apply(
    model: &ModelCache,
    metrics: &Metrics,
    change: ReceivedChange,
) -> Result<(), StoreError> {
    match change {
        ReceivedChange::Scope(payload) => {
            let scope = ChangeScope {
                enterprises: payload.enterprises,
                tenants: payload.tenants,
            };
            match model.refresh(&scope).await {
                Ok(()) => debug!(
                    enterprises = scope.enterprises.len(),
                    tenants = scope.tenants.len(),
                    "change announcement applied"
                ),
                Err(error) => {
                    warn!(%error, "applying a change announcement failed; retrying later")
                }
            }
            Ok(())
        }
        ReceivedChange::Everything => {
            model.reload_all().await?;
            metrics.listener.reloads.fetch_add(1, Ordering::Relaxed);
            info!("model reloaded after a change announcement without a scope");
            Ok(())
        }
    }
}

/// Spreads reconnection attempts of several instances by up to ±20 %.
fn jittered(wait: Duration) -> Duration {
    let factor = rand::thread_rng().gen_range(0.8..1.2);
    wait.mul_f64(factor)
}
