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
