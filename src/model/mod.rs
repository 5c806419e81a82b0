//! The in-memory model that FreeSWITCH requests are answered from.
//!
//! The platform is split into routing units: an enterprise with all its sites, or one standalone
//! tenant. A unit is the scope of every routing decision (a site can only reach its siblings), so it is
//! also the unit of caching and invalidation. [`index`] keeps every tenant domain and DID in memory at
//! all times; [`cache`] holds the loaded units and refreshes them from the store.

pub mod cache;
pub mod index;
pub mod unit;

pub use cache::{ChangeScope, ModelCache, ModelError, ModelHealth};
pub use index::{DidRoute, Index, TenantEntry, UnitKey};
pub use unit::{EnterpriseInfo, ExtensionInfo, Site, Unit};
