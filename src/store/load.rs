//! The queries that feed the in-memory model: the index of every tenant domain and DID, and the
//! records of one routing unit (an enterprise with its sites, or one standalone tenant).

use uuid::Uuid;

use super::rows::{
    did_from_row, enterprise_from_row, extension_from_row, select_list, tenant_from_row, Columns,
    DID_COLUMNS, ENTERPRISE_BOOLEANS, ENTERPRISE_COLUMNS, EXTENSION_BOOLEANS, EXTENSION_COLUMNS,
    TENANT_BOOLEANS, TENANT_COLUMNS,
};
use super::{Store, StoreError};
use crate::domain::{Did, DidNumber, DomainName, Enterprise, Extension, ExtensionNumber, Tenant};

/// One tenant as the index needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexTenant {
    pub id: Uuid,
    pub domain: DomainName,
    pub enterprise_id: Option<Uuid>,
}

/// One DID as the index needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexDid {
    pub number: DidNumber,
    pub tenant_id: Uuid,
    pub destination: ExtensionNumber,
}

/// Every tenant domain and DID of the platform.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexData {
    pub tenants: Vec<IndexTenant>,
    pub dids: Vec<IndexDid>,
}

/// The records of one routing unit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitData {
    /// The enterprise, for an enterprise unit.
    pub enterprise: Option<Enterprise>,
    pub tenants: Vec<Tenant>,
    pub extensions: Vec<Extension>,
    pub dids: Vec<Did>,
}

impl Store {
    /// Loads every tenant domain and every DID.
    pub async fn load_index(&self) -> Result<IndexData, StoreError> {
        let tenant_rows = sqlx::query("SELECT id, domain, enterprise_id FROM tenant")
            .fetch_all(self.pool())
            .await?;
        let mut tenants = Vec::with_capacity(tenant_rows.len());
        for row in &tenant_rows {
            let c = Columns::new(row, "tenant");
            tenants.push(IndexTenant {
                id: c.uuid("id")?,
                domain: c.parsed("domain", DomainName::parse)?,
                enterprise_id: c.opt_uuid("enterprise_id")?,
            });
        }

        let did_rows = sqlx::query("SELECT number, tenant_id, destination FROM did")
            .fetch_all(self.pool())
            .await?;
        let mut dids = Vec::with_capacity(did_rows.len());
        for row in &did_rows {
            let c = Columns::new(row, "did");
            dids.push(IndexDid {
                number: c.parsed("number", DidNumber::parse)?,
                tenant_id: c.uuid("tenant_id")?,
                destination: c.parsed("destination", ExtensionNumber::parse)?,
            });
        }
        Ok(IndexData { tenants, dids })
    }

    /// Loads an enterprise with all its sites, their extensions and DIDs; `None` when it is gone.
    pub async fn load_enterprise_unit(
        &self,
        enterprise_id: Uuid,
    ) -> Result<Option<UnitData>, StoreError> {
        let id = enterprise_id.to_string();
        let sql = format!(
            "SELECT {} FROM enterprise WHERE id = $1",
            select_list("", ENTERPRISE_COLUMNS, ENTERPRISE_BOOLEANS)
        );
        let Some(row) = sqlx::query(&sql)
            .bind(&id)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let enterprise = enterprise_from_row(&row)?;

        let sql = format!(
            "SELECT {} FROM tenant WHERE enterprise_id = $1",
            select_list("", TENANT_COLUMNS, TENANT_BOOLEANS)
        );
        let tenants = sqlx::query(&sql).bind(&id).fetch_all(self.pool()).await?;
        let sql = format!(
            "SELECT {} FROM extension e JOIN tenant t ON t.id = e.tenant_id WHERE t.enterprise_id = $1",
            select_list("e", EXTENSION_COLUMNS, EXTENSION_BOOLEANS)
        );
        let extensions = sqlx::query(&sql).bind(&id).fetch_all(self.pool()).await?;
        let sql = format!(
            "SELECT {} FROM did d JOIN tenant t ON t.id = d.tenant_id WHERE t.enterprise_id = $1",
            select_list("d", DID_COLUMNS, &[])
        );
        let dids = sqlx::query(&sql).bind(&id).fetch_all(self.pool()).await?;

        Ok(Some(UnitData {
            enterprise: Some(enterprise),
            tenants: tenants
                .iter()
                .map(tenant_from_row)
                .collect::<Result<_, _>>()?,
            extensions: extensions
                .iter()
                .map(extension_from_row)
                .collect::<Result<_, _>>()?,
            dids: dids.iter().map(did_from_row).collect::<Result<_, _>>()?,
        }))
    }

    /// Loads one tenant with its extensions and DIDs; `None` when it is gone. The caller checks
    /// `enterprise_id` to see whether the tenant is standalone.
    pub async fn load_tenant_unit(&self, tenant_id: Uuid) -> Result<Option<UnitData>, StoreError> {
        let id = tenant_id.to_string();
        let sql = format!(
            "SELECT {} FROM tenant WHERE id = $1",
            select_list("", TENANT_COLUMNS, TENANT_BOOLEANS)
        );
        let Some(row) = sqlx::query(&sql)
            .bind(&id)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let tenant = tenant_from_row(&row)?;
        let sql = format!(
            "SELECT {} FROM extension WHERE tenant_id = $1",
            select_list("", EXTENSION_COLUMNS, EXTENSION_BOOLEANS)
        );
        let extensions = sqlx::query(&sql).bind(&id).fetch_all(self.pool()).await?;
        let sql = format!("SELECT {DID_COLUMNS} FROM did WHERE tenant_id = $1");
        let dids = sqlx::query(&sql).bind(&id).fetch_all(self.pool()).await?;
        Ok(Some(UnitData {
            enterprise: None,
            tenants: vec![tenant],
            extensions: extensions
                .iter()
                .map(extension_from_row)
                .collect::<Result<_, _>>()?,
            dids: dids.iter().map(did_from_row).collect::<Result<_, _>>()?,
        }))
    }
}

/// The key of a routing unit as the store sees it: an enterprise, or a standalone tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitId {
    Enterprise(Uuid),
    Tenant(Uuid),
}

impl Store {
    /// Loads every routing unit with one query per table, for preloading at start-up: far fewer
    /// round trips than loading units one by one. Rows are decoded as they stream in.
    pub async fn load_all_units(&self) -> Result<Vec<(UnitId, UnitData)>, StoreError> {
        use futures_util::TryStreamExt;
        use std::collections::HashMap;

        let mut units: HashMap<UnitId, UnitData> = HashMap::new();
        let sql = format!(
            "SELECT {} FROM enterprise",
            select_list("", ENTERPRISE_COLUMNS, ENTERPRISE_BOOLEANS)
        );
        let mut rows = sqlx::query(&sql).fetch(self.pool());
        while let Some(row) = rows.try_next().await? {
            let enterprise = enterprise_from_row(&row)?;
            let unit = units.entry(UnitId::Enterprise(enterprise.id)).or_default();
            unit.enterprise = Some(enterprise);
        }
        drop(rows);

        let mut unit_of_tenant = HashMap::new();
        let sql = format!(
            "SELECT {} FROM tenant",
            select_list("", TENANT_COLUMNS, TENANT_BOOLEANS)
        );
        let mut rows = sqlx::query(&sql).fetch(self.pool());
        while let Some(row) = rows.try_next().await? {
            let tenant = tenant_from_row(&row)?;
            let id = match tenant.enterprise_id {
                Some(enterprise_id) => UnitId::Enterprise(enterprise_id),
                None => UnitId::Tenant(tenant.id),
            };
            unit_of_tenant.insert(tenant.id, id);
            units.entry(id).or_default().tenants.push(tenant);
        }
        drop(rows);

        // The extension table is most of the data. sqlx hands SQLite rows from a worker thread to
        // the async task one by one, so four queries over ranges of tenant ids, each decoded on its
        // own task, keep both sides of that hand-off busy on several cores.
        let bounds = ["", "4", "8", "c", "~"];
        let mut tasks = Vec::new();
        for range in bounds.windows(2) {
            let store = self.clone();
            let (low, high) = (range[0].to_owned(), range[1].to_owned());
            tasks.push(tokio::spawn(async move {
                store.load_extension_range(&low, &high).await
            }));
        }
        for task in tasks {
            let extensions = task.await.map_err(|e| StoreError::Unreadable {
                table: "extension",
                column: "*",
                reason: e.to_string(),
            })??;
            for extension in extensions {
                if let Some(id) = unit_of_tenant.get(&extension.tenant_id) {
                    units.entry(*id).or_default().extensions.push(extension);
                }
            }
        }

        let sql = format!("SELECT {DID_COLUMNS} FROM did");
        let mut rows = sqlx::query(&sql).fetch(self.pool());
        while let Some(row) = rows.try_next().await? {
            let did = did_from_row(&row)?;
            if let Some(id) = unit_of_tenant.get(&did.tenant_id) {
                units.entry(*id).or_default().dids.push(did);
            }
        }
        drop(rows);

        // An enterprise row that a concurrent delete removed leaves its sites without the enterprise.
        units.retain(|id, data| match id {
            UnitId::Enterprise(_) => data.enterprise.is_some(),
            UnitId::Tenant(_) => true,
        });
        Ok(units.into_iter().collect())
    }

    /// Loads the extensions whose tenant id sorts in `[low, high)`.
    async fn load_extension_range(
        &self,
        low: &str,
        high: &str,
    ) -> Result<Vec<Extension>, StoreError> {
        use futures_util::TryStreamExt;

        let sql = format!(
            "SELECT {} FROM extension WHERE tenant_id >= $1 AND tenant_id < $2",
            select_list("", EXTENSION_COLUMNS, EXTENSION_BOOLEANS)
        );
        let mut rows = sqlx::query(&sql).bind(low).bind(high).fetch(self.pool());
        let mut extensions = Vec::new();
        while let Some(row) = rows.try_next().await? {
            extensions.push(extension_from_row(&row)?);
        }
        Ok(extensions)
    }
}
