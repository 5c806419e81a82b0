//! The whole data set as one JSON document: what `sitedial export` writes, `sitedial import` reads and
//! `fixtures/demo.json` holds. Records keep their ids and timestamps, so export then import is exact.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::records::{Did, DirectoryEntry, Enterprise, Extension, Tenant};

/// The format number written into every export; import rejects other numbers.
pub const DATASET_FORMAT: u32 = 1;

/// Every record of a sitedial store.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSet {
    pub format: u32,
    pub enterprises: Vec<Enterprise>,
    pub tenants: Vec<Tenant>,
    pub extensions: Vec<Extension>,
    pub dids: Vec<Did>,
    pub directory_entries: Vec<DirectoryEntry>,
}

/// A data set whose records do not fit together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataSetError {
    #[error("unsupported data set format {0}; this version reads format {DATASET_FORMAT}")]
    Format(u32),
    #[error("duplicate {kind} {value}")]
    Duplicate { kind: &'static str, value: String },
    #[error("{kind} {value} refers to a missing {target} {reference}")]
    MissingReference {
        kind: &'static str,
        value: String,
        target: &'static str,
        reference: String,
    },
    #[error("tenant {domain}: {reason}")]
    Membership {
        domain: String,
        reason: &'static str,
    },
}

impl DataSet {
    /// Checks that ids, codes, domains and numbers are unique where the store requires it and that
    /// every reference points to a record of the set.
    pub fn validate(&self) -> Result<(), DataSetError> {
        if self.format != DATASET_FORMAT {
            return Err(DataSetError::Format(self.format));
        }

        let mut enterprise_ids = HashSet::new();
        let mut enterprise_codes = HashSet::new();
        for enterprise in &self.enterprises {
            unique(&mut enterprise_ids, enterprise.id, "enterprise id")?;
            unique(
                &mut enterprise_codes,
                enterprise.code.as_str(),
                "enterprise code",
            )?;
        }

        let mut tenant_ids = HashMap::new();
        let mut domains = HashSet::new();
        let mut site_codes = HashSet::new();
        for tenant in &self.tenants {
            unique(&mut domains, tenant.domain.as_str(), "tenant domain")?;
            if tenant_ids.insert(tenant.id, tenant).is_some() {
                return Err(duplicate("tenant id", tenant.id));
            }
            match (tenant.enterprise_id, &tenant.dialing_code) {
                (Some(enterprise_id), Some(code)) => {
                    if !enterprise_ids.contains(&enterprise_id) {
                        return Err(missing(
                            "tenant",
                            &tenant.domain,
                            "enterprise",
                            enterprise_id,
                        ));
                    }
                    if !site_codes.insert((enterprise_id, code.as_str())) {
                        return Err(duplicate(
                            "dialing code",
                            format!("{code} in enterprise {enterprise_id}"),
                        ));
                    }
                }
                (Some(_), None) => {
                    return Err(DataSetError::Membership {
                        domain: tenant.domain.to_string(),
                        reason: "a site needs a dialing code",
                    })
                }
                (None, Some(_)) => {
                    return Err(DataSetError::Membership {
                        domain: tenant.domain.to_string(),
                        reason: "a standalone tenant has no dialing code",
                    })
                }
                (None, None) => {}
            }
        }

        let mut extension_ids = HashSet::new();
        let mut extension_numbers = HashSet::new();
        for extension in &self.extensions {
            unique(&mut extension_ids, extension.id, "extension id")?;
            if !tenant_ids.contains_key(&extension.tenant_id) {
                return Err(missing(
                    "extension",
                    &extension.number,
                    "tenant",
                    extension.tenant_id,
                ));
            }
            if !extension_numbers.insert((extension.tenant_id, extension.number.as_str())) {
                return Err(duplicate(
                    "extension",
                    format!("{} in tenant {}", extension.number, extension.tenant_id),
                ));
            }
        }

        let mut did_ids = HashSet::new();
        let mut did_numbers = HashSet::new();
        for did in &self.dids {
            unique(&mut did_ids, did.id, "DID id")?;
            unique(&mut did_numbers, did.number.as_str(), "DID")?;
            if !tenant_ids.contains_key(&did.tenant_id) {
                return Err(missing("DID", &did.number, "tenant", did.tenant_id));
            }
            if !extension_numbers.contains(&(did.tenant_id, did.destination.as_str())) {
                return Err(missing("DID", &did.number, "extension", &did.destination));
            }
        }

        let mut entry_ids = HashSet::new();
        for entry in &self.directory_entries {
            unique(&mut entry_ids, entry.id, "directory entry id")?;
            if !enterprise_ids.contains(&entry.enterprise_id) {
                return Err(missing(
                    "directory entry",
                    entry.id,
                    "enterprise",
                    entry.enterprise_id,
                ));
            }
            if let Some(site) = entry.site_tenant_id {
                let in_enterprise = tenant_ids
                    .get(&site)
                    .is_some_and(|t| t.enterprise_id == Some(entry.enterprise_id));
                if !in_enterprise {
                    return Err(missing(
                        "directory entry",
                        entry.id,
                        "site of its enterprise",
                        site,
                    ));
                }
            }
        }
        Ok(())
    }

    /// Sorts every list by id, the order `export` writes, so that two exports of one store compare equal.
    pub fn sort(&mut self) {
        self.enterprises.sort_by_key(|r| r.id);
        self.tenants.sort_by_key(|r| r.id);
        self.extensions.sort_by_key(|r| r.id);
        self.dids.sort_by_key(|r| r.id);
        self.directory_entries.sort_by_key(|r| r.id);
    }
}

fn unique<T: Eq + std::hash::Hash + std::fmt::Display + Copy>(
    seen: &mut HashSet<T>,
    value: T,
    kind: &'static str,
) -> Result<(), DataSetError> {
    if seen.insert(value) {
        Ok(())
    } else {
        Err(duplicate(kind, value))
    }
}

fn duplicate(kind: &'static str, value: impl std::fmt::Display) -> DataSetError {
    DataSetError::Duplicate {
        kind,
        value: value.to_string(),
    }
}

fn missing(
    kind: &'static str,
    value: impl std::fmt::Display,
    target: &'static str,
    reference: impl std::fmt::Display,
) -> DataSetError {
    DataSetError::MissingReference {
        kind,
        value: value.to_string(),
        target,
        reference: reference.to_string(),
    }
}

/// Returns a fresh random id.
pub fn new_id() -> Uuid {
    Uuid::new_v4()
}
