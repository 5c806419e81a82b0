//! The cache of routing units and the loader that fills it from the store.
//!
//! The request path calls [`ModelCache::unit`]: a hit is a moka lookup; a miss loads the unit from the
//! store once, however many requests wait for it. Writes made through sitedial call
//! [`ModelCache::refresh`] before they answer, so the next request sees them. A refresh that fails keeps
//! the last good unit in place and marks it for a retry, because an old answer is better for a phone
//! call than none.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tracing::{debug, info, warn};
use uuid::Uuid;

use super::index::{Index, UnitKey};
use super::unit::Unit;
use crate::store::{Store, StoreError, UnitData, UnitId};

/// The reason a unit could not be returned.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The store failed while the unit was not in memory.
    #[error("unit {key:?} is not loaded and the store failed: {source}")]
    Store {
        key: UnitKey,
        source: Arc<StoreError>,
    },
    /// The unit no longer exists in the store.
    #[error("unit {0:?} does not exist")]
    Gone(UnitKey),
}

/// The records a change touched, so that exactly the affected units are reloaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeScope {
    pub enterprises: Vec<Uuid>,
    pub tenants: Vec<Uuid>,
}

impl ChangeScope {
    /// Returns the scope of a change to one enterprise and everything in it.
    pub fn enterprise(id: Uuid) -> Self {
        Self {
            enterprises: vec![id],
            tenants: Vec::new(),
        }
    }

    /// Returns the scope of a change to one tenant, whichever unit it belongs to.
    pub fn tenant(id: Uuid) -> Self {
        Self {
            enterprises: Vec::new(),
            tenants: vec![id],
        }
    }
}

/// The state `/readyz` and the metrics report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelHealth {
    /// The index of domains and DIDs has been loaded at least once.
    pub index_loaded: bool,
    /// The last store operation succeeded.
    pub store_reachable: bool,
    /// Units in memory.
    pub loaded_units: u64,
    /// Units whose last refresh failed and that are served from older data.
    pub stale_units: u64,
}

/// Counters for the metrics endpoint.
#[derive(Debug, Default)]
pub struct CacheCounters {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub store_errors: AtomicU64,
}

/// The in-memory model: the index plus the cache of routing units.
pub struct ModelCache {
    store: Store,
    index: Index,
    units: moka::future::Cache<UnitKey, Arc<Unit>>,
    index_loaded: AtomicBool,
    store_reachable: AtomicBool,
    /// Units whose refresh failed; [`ModelCache::retry_stale`] reloads them.
    stale: Mutex<HashSet<UnitKey>>,
    /// The whole index needs a reload, because a change could not be applied or may have been missed.
    index_stale: AtomicBool,
    /// The start-up load (index, and every unit when preloading) has finished.
    startup_done: AtomicBool,
    /// Serialises loads that replace data in memory (refreshes, reloads, the index, the preload),
    /// so that a load that started earlier can never install its older data over a later one.
    reload_lock: tokio::sync::Mutex<()>,
    /// Counts refresh installs, so that an on-demand load can tell that a refresh ran meanwhile.
    refresh_generation: AtomicU64,
    pub counters: CacheCounters,
}

impl std::fmt::Debug for ModelCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelCache")
            .field("health", &self.health())
            .finish_non_exhaustive()
    }
}

impl ModelCache {
    /// Creates an empty model over a store. `max_units` bounds the cache (0 means unbounded); an
    /// evicted unit is simply loaded again on its next request.
    pub fn new(store: Store, max_units: u64) -> Arc<Self> {
        let mut builder = moka::future::Cache::builder();
        if max_units > 0 {
            builder = builder.max_capacity(max_units);
        }
        Arc::new(Self {
            store,
            index: Index::default(),
            units: builder.build(),
            index_loaded: AtomicBool::new(false),
            store_reachable: AtomicBool::new(false),
            stale: Mutex::new(HashSet::new()),
            index_stale: AtomicBool::new(false),
            startup_done: AtomicBool::new(false),
            reload_lock: tokio::sync::Mutex::new(()),
            refresh_generation: AtomicU64::new(0),
            counters: CacheCounters::default(),
        })
    }

    /// Returns the store behind the model.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Returns the index of tenant domains and DIDs.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Loads the whole index from the store.
    pub async fn load_index(&self) -> Result<(), StoreError> {
        let _guard = self.reload_lock.lock().await;
        self.load_index_locked().await
    }

    async fn load_index_locked(&self) -> Result<(), StoreError> {
        let data = self.observe(self.store.load_index().await)?;
        self.index.replace(&data);
        self.index_loaded.store(true, Ordering::Release);
        self.index_stale.store(false, Ordering::Release);
        info!(
            tenants = data.tenants.len(),
            dids = data.dids.len(),
            "model index loaded"
        );
        Ok(())
    }

    /// Returns whether the index has been loaded.
    pub fn index_loaded(&self) -> bool {
        self.index_loaded.load(Ordering::Acquire)
    }

    /// Returns a unit from memory, or loads it from the store.
    pub async fn unit(&self, key: UnitKey) -> Result<Arc<Unit>, ModelError> {
        if let Some(unit) = self.units.get(&key).await {
            self.counters.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(unit);
        }
        self.counters.misses.fetch_add(1, Ordering::Relaxed);
        self.units
            .try_get_with(key, async {
                let generation = self.refresh_generation.load(Ordering::Acquire);
                let data = self
                    .load_unit_data(key)
                    .await
                    .map_err(|e| ModelError::Store {
                        key,
                        source: Arc::new(e),
                    })?;
                let Some(data) = data else {
                    return Err(ModelError::Gone(key));
                };
                // A refresh that ran during this load installed data at least as new: keep it.
                if self.refresh_generation.load(Ordering::Acquire) != generation {
                    if let Some(unit) = self.units.get(&key).await {
                        return Ok(unit);
                    }
                }
                self.index.update_unit(key, Some(&data));
                debug!(unit = ?key, "unit loaded on demand");
                Ok(Arc::new(Unit::from_data(data)))
            })
            .await
            .map_err(|e| match Arc::try_unwrap(e) {
                Ok(e) => e,
                Err(shared) => match &*shared {
                    ModelError::Store { key, source } => ModelError::Store {
                        key: *key,
                        source: source.clone(),
                    },
                    ModelError::Gone(key) => ModelError::Gone(*key),
                },
            })
    }

    /// Returns the unit if it is in memory, without touching the store.
    pub async fn cached_unit(&self, key: UnitKey) -> Option<Arc<Unit>> {
        self.units.get(&key).await
    }

    /// Reloads every unit a change touched. Units that cannot be reloaded keep their old data and are
    /// retried later. The error returned is the first failure.
    pub async fn refresh(&self, scope: &ChangeScope) -> Result<(), StoreError> {
        let _guard = self.reload_lock.lock().await;
        let mut enterprises: Vec<Uuid> = scope.enterprises.clone();
        let mut first_error = None;

        for &tenant_id in &scope.tenants {
            match self.observe(self.store.load_tenant_unit(tenant_id).await) {
                Ok(None) => self.remove_unit(UnitKey::Tenant(tenant_id)).await,
                Ok(Some(data)) => match data.tenants.first().and_then(|t| t.enterprise_id) {
                    Some(enterprise_id) => {
                        self.remove_unit(UnitKey::Tenant(tenant_id)).await;
                        if !enterprises.contains(&enterprise_id) {
                            enterprises.push(enterprise_id);
                        }
                    }
                    None => self.install(UnitKey::Tenant(tenant_id), data).await,
                },
                Err(e) => {
                    warn!(tenant.id = %tenant_id, error = %e, "tenant refresh failed; serving older data");
                    self.index_stale.store(true, Ordering::Release);
                    first_error.get_or_insert(e);
                }
            }
        }

        for enterprise_id in enterprises {
            let key = UnitKey::Enterprise(enterprise_id);
            if let Err(e) = self.refresh_unit_locked(key).await {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Reloads one unit; on failure keeps the old one and marks it stale.
    pub async fn refresh_unit(&self, key: UnitKey) -> Result<(), StoreError> {
        let _guard = self.reload_lock.lock().await;
        self.refresh_unit_locked(key).await
    }

    async fn refresh_unit_locked(&self, key: UnitKey) -> Result<(), StoreError> {
        match self.observe(self.load_unit_data(key).await) {
            Ok(Some(data)) => {
                self.install(key, data).await;
                Ok(())
            }
            Ok(None) => {
                self.remove_unit(key).await;
                Ok(())
            }
            Err(e) => {
                warn!(unit = ?key, error = %e, "unit refresh failed; serving older data");
                self.stale
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key);
                Err(e)
            }
        }
    }

    /// Reloads the index and every unit in memory, for when changes may have been missed (a lost
    /// notification connection, or a database that came back).
    pub async fn reload_all(&self) -> Result<(), StoreError> {
        let _guard = self.reload_lock.lock().await;
        self.load_index_locked().await?;
        let keys: Vec<UnitKey> = self.units.iter().map(|(k, _)| *k).collect();
        for key in keys {
            self.refresh_unit_locked(key).await?;
        }
        Ok(())
    }

    /// Retries the units whose refresh failed, and the index if it may be out of date.
    pub async fn retry_stale(&self) {
        if self.index_stale.load(Ordering::Acquire) || !self.index_loaded() {
            if let Err(e) = self.load_index().await {
                debug!(error = %e, "index reload still failing");
                return;
            }
        }
        let keys: Vec<UnitKey> = self
            .stale
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .copied()
            .collect();
        for key in keys {
            if self.refresh_unit(key).await.is_ok() {
                self.stale
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&key);
                info!(unit = ?key, "stale unit reloaded");
            }
        }
    }

    /// Loads every routing unit into memory with one query per table. A unit that is already in
    /// memory (loaded on demand or refreshed by a write meanwhile) is newer and is kept.
    pub async fn warm_all(&self) -> Result<usize, StoreError> {
        let _guard = self.reload_lock.lock().await;
        let units = self.observe(self.store.load_all_units().await)?;
        let count = units.len();
        for (id, data) in units {
            let key = match id {
                UnitId::Enterprise(id) => UnitKey::Enterprise(id),
                UnitId::Tenant(id) => UnitKey::Tenant(id),
            };
            if !self.units.contains_key(&key) {
                self.install(key, data).await;
            }
        }
        Ok(count)
    }

    /// Records that the start-up load has finished.
    pub fn mark_startup_done(&self) {
        self.startup_done.store(true, Ordering::Release);
    }

    /// Returns whether the start-up load (index, and every unit when preloading) has finished.
    pub fn startup_done(&self) -> bool {
        self.startup_done.load(Ordering::Acquire)
    }

    /// Returns the state for health checks and metrics.
    pub fn health(&self) -> ModelHealth {
        ModelHealth {
            index_loaded: self.index_loaded(),
            store_reachable: self.store_reachable.load(Ordering::Acquire),
            // moka updates entry_count() lazily, so count the entries; health is not on the request path.
            loaded_units: self.units.iter().count() as u64,
            stale_units: self.stale.lock().unwrap_or_else(|e| e.into_inner()).len() as u64,
        }
    }

    /// Records whether the store answered, for health reporting, and passes the result on.
    pub fn observe<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        match &result {
            Ok(_) => {
                if !self.store_reachable.swap(true, Ordering::AcqRel) {
                    info!("store reachable");
                }
            }
            Err(StoreError::Unavailable(e)) => {
                self.counters.store_errors.fetch_add(1, Ordering::Relaxed);
                if self.store_reachable.swap(false, Ordering::AcqRel) {
                    warn!(error = %e, "store unreachable; serving requests from memory");
                }
            }
            Err(_) => {}
        }
        result
    }

    async fn load_unit_data(&self, key: UnitKey) -> Result<Option<UnitData>, StoreError> {
        let data = match key {
            UnitKey::Enterprise(id) => self.store.load_enterprise_unit(id).await,
            UnitKey::Tenant(id) => self.store.load_tenant_unit(id).await,
        };
        let data = self.observe(data)?;
        // A tenant that joined an enterprise is no longer a standalone unit.
        Ok(data.filter(|d| {
            !matches!(key, UnitKey::Tenant(_))
                || d.tenants.iter().all(|t| t.enterprise_id.is_none())
        }))
    }

    async fn install(&self, key: UnitKey, data: UnitData) {
        self.refresh_generation.fetch_add(1, Ordering::AcqRel);
        self.index.update_unit(key, Some(&data));
        self.units
            .insert(key, Arc::new(Unit::from_data(data)))
            .await;
        self.stale
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
    }

    async fn remove_unit(&self, key: UnitKey) {
        self.refresh_generation.fetch_add(1, Ordering::AcqRel);
        self.index.update_unit(key, None);
        self.units.invalidate(&key).await;
        self.stale
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
    }
}
