//! The platform-wide index, always fully in memory: every tenant domain with its routing unit, and
//! every DID with its destination. Unknown domains (SIP scanners send many) are answered from here
//! without touching the database.

use std::collections::HashMap;
use std::sync::RwLock;

use uuid::Uuid;

use crate::domain::{DomainName, ExtensionNumber};
use crate::store::{IndexData, UnitData};

/// The key of a routing unit in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitKey {
    Enterprise(Uuid),
    Tenant(Uuid),
}

impl UnitKey {
    /// Returns the unit a tenant belongs to.
    pub fn of_tenant(tenant_id: Uuid, enterprise_id: Option<Uuid>) -> Self {
        enterprise_id.map_or(Self::Tenant(tenant_id), Self::Enterprise)
    }
}

/// The index entry of a tenant domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantEntry {
    pub tenant_id: Uuid,
    pub unit: UnitKey,
}

/// The destination of a DID: an extension in a tenant's context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DidRoute {
    pub tenant_id: Uuid,
    pub domain: DomainName,
    pub destination: ExtensionNumber,
}

#[derive(Debug, Default)]
struct Maps {
    domains: HashMap<DomainName, TenantEntry>,
    /// DIDs by their E.164 number, `+` included.
    dids: HashMap<String, DidRoute>,
    /// The domains and DIDs each unit contributed, so that a unit refresh can replace exactly those.
    members: HashMap<UnitKey, (Vec<DomainName>, Vec<String>)>,
}

/// Tenant domains and DIDs. Reads take a shared lock for a hash lookup; writes happen only when the
/// index is loaded or a unit is refreshed.
#[derive(Debug, Default)]
pub struct Index {
    maps: RwLock<Maps>,
}

impl Index {
    /// Replaces the whole index with what the store returned.
    pub fn replace(&self, data: &IndexData) {
        let mut maps = Maps::default();
        let mut domain_of = HashMap::with_capacity(data.tenants.len());
        for t in &data.tenants {
            let unit = UnitKey::of_tenant(t.id, t.enterprise_id);
            maps.domains.insert(
                t.domain.clone(),
                TenantEntry {
                    tenant_id: t.id,
                    unit,
                },
            );
            maps.members
                .entry(unit)
                .or_default()
                .0
                .push(t.domain.clone());
            domain_of.insert(t.id, (t.domain.clone(), unit));
        }
        for d in &data.dids {
            let Some((domain, unit)) = domain_of.get(&d.tenant_id) else {
                continue;
            };
            let route = DidRoute {
                tenant_id: d.tenant_id,
                domain: domain.clone(),
                destination: d.destination.clone(),
            };
            maps.dids.insert(d.number.as_str().to_owned(), route);
            maps.members
                .entry(*unit)
                .or_default()
                .1
                .push(d.number.as_str().to_owned());
        }
        *self.maps.write().unwrap_or_else(|e| e.into_inner()) = maps;
    }

    /// Replaces the entries a unit contributes with those of its fresh records, or removes them when
    /// `data` is `None` (the unit is gone). Entries that meanwhile belong to another unit are kept.
    pub fn update_unit(&self, key: UnitKey, data: Option<&UnitData>) {
        let mut maps = self.maps.write().unwrap_or_else(|e| e.into_inner());
        if let Some((domains, dids)) = maps.members.remove(&key) {
            for domain in domains {
                if maps.domains.get(&domain).is_some_and(|e| e.unit == key) {
                    maps.domains.remove(&domain);
                }
            }
            for did in dids {
                let owned_here = maps
                    .dids
                    .get(&did)
                    .and_then(|route| maps.domains.get(&route.domain).map(|e| e.unit == key))
                    .unwrap_or(true);
                if owned_here {
                    maps.dids.remove(&did);
                }
            }
        }
        let Some(data) = data else { return };

        let mut members = (Vec::new(), Vec::new());
        let mut domain_of = HashMap::new();
        for t in &data.tenants {
            maps.domains.insert(
                t.domain.clone(),
                TenantEntry {
                    tenant_id: t.id,
                    unit: key,
                },
            );
            members.0.push(t.domain.clone());
            domain_of.insert(t.id, t.domain.clone());
        }
        for d in &data.dids {
            let Some(domain) = domain_of.get(&d.tenant_id) else {
                continue;
            };
            let route = DidRoute {
                tenant_id: d.tenant_id,
                domain: domain.clone(),
                destination: d.destination.clone(),
            };
            maps.dids.insert(d.number.as_str().to_owned(), route);
            members.1.push(d.number.as_str().to_owned());
        }
        maps.members.insert(key, members);
    }

    /// Returns the entry of a lowercase tenant domain.
    pub fn tenant(&self, domain: &str) -> Option<TenantEntry> {
        self.maps
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .domains
            .get(domain)
            .copied()
    }

    /// Returns the route of a DID given exactly as stored, `+` included.
    pub fn did(&self, number: &str) -> Option<DidRoute> {
        self.maps
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .dids
            .get(number)
            .cloned()
    }

    /// Returns every unit key in the index, for warming the cache.
    pub fn unit_keys(&self) -> Vec<UnitKey> {
        self.maps
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .members
            .keys()
            .copied()
            .collect()
    }

    /// Returns the number of tenant domains.
    pub fn tenant_count(&self) -> usize {
        self.maps
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .domains
            .len()
    }
}
