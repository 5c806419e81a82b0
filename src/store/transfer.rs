//! Whole-data-set import and export, and the single-record inserts they share with the admin API.

use sqlx::AnyConnection;

use super::changes::{announce_change, ChangePayload};
use super::rows::{
    did_from_row, directory_entry_from_row, enterprise_from_row, extension_from_row, select_list,
    tenant_from_row, Columns, DID_COLUMNS, DIRECTORY_ENTRY_COLUMNS, ENTERPRISE_BOOLEANS,
    ENTERPRISE_COLUMNS, EXTENSION_BOOLEANS, EXTENSION_COLUMNS, TENANT_BOOLEANS, TENANT_COLUMNS,
};
use super::{format_time, Store, StoreError};
use crate::domain::dataset::{DataSet, DATASET_FORMAT};
use crate::domain::{Did, DirectoryEntry, Enterprise, Extension, Tenant};

impl Store {
    /// Returns the number of tenants, to tell an empty store from a used one.
    pub async fn count_tenants(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM tenant")
            .fetch_one(self.pool())
            .await?;
        Columns::new(&row, "tenant").i64("n")
    }

    /// Writes a validated data set into an empty store, in one transaction.
    pub async fn import(&self, data: &DataSet) -> Result<(), StoreError> {
        let mut write = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM enterprise) + (SELECT COUNT(*) FROM tenant) \
             + (SELECT COUNT(*) FROM extension) + (SELECT COUNT(*) FROM did) \
             + (SELECT COUNT(*) FROM directory_entry) AS n",
        )
        .fetch_one(&mut *write.tx)
        .await?;
        let existing = Columns::new(&row, "store").i64("n")?;
        if existing > 0 {
            return Err(StoreError::NotEmpty(existing));
        }
        for enterprise in &data.enterprises {
            insert_enterprise(&mut write.tx, enterprise).await?;
        }
        for tenant in &data.tenants {
            insert_tenant(&mut write.tx, tenant).await?;
        }
        for extension in &data.extensions {
            insert_extension(&mut write.tx, extension).await?;
        }
        for did in &data.dids {
            insert_did(&mut write.tx, did).await?;
        }
        for entry in &data.directory_entries {
            insert_directory_entry(&mut write.tx, entry).await?;
        }
        // An empty payload tells running instances on PostgreSQL to reload everything.
        announce_change(&mut write.tx, self.backend(), &ChangePayload::default()).await?;
        write.commit().await
    }

    /// Reads every record, sorted by id.
    pub async fn export(&self) -> Result<DataSet, StoreError> {
        let mut tx = self.pool().begin().await?;
        let enterprises = sqlx::query(&format!(
            "SELECT {} FROM enterprise ORDER BY id",
            select_list("", ENTERPRISE_COLUMNS, ENTERPRISE_BOOLEANS)
        ))
        .fetch_all(&mut *tx)
        .await?;
        let tenants = sqlx::query(&format!(
            "SELECT {} FROM tenant ORDER BY id",
            select_list("", TENANT_COLUMNS, TENANT_BOOLEANS)
        ))
        .fetch_all(&mut *tx)
        .await?;
        let extensions = sqlx::query(&format!(
            "SELECT {} FROM extension ORDER BY id",
            select_list("", EXTENSION_COLUMNS, EXTENSION_BOOLEANS)
        ))
        .fetch_all(&mut *tx)
        .await?;
        let dids = sqlx::query(&format!("SELECT {DID_COLUMNS} FROM did ORDER BY id"))
            .fetch_all(&mut *tx)
            .await?;
        let entries = sqlx::query(&format!(
            "SELECT {DIRECTORY_ENTRY_COLUMNS} FROM directory_entry ORDER BY id"
        ))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;

        let mut data = DataSet {
            format: DATASET_FORMAT,
            enterprises: enterprises
                .iter()
                .map(enterprise_from_row)
                .collect::<Result<_, _>>()?,
            tenants: tenants
                .iter()
                .map(tenant_from_row)
                .collect::<Result<_, _>>()?,
            extensions: extensions
                .iter()
                .map(extension_from_row)
                .collect::<Result<_, _>>()?,
            dids: dids.iter().map(did_from_row).collect::<Result<_, _>>()?,
            directory_entries: entries
                .iter()
                .map(directory_entry_from_row)
                .collect::<Result<_, _>>()?,
        };
        data.sort();
        Ok(data)
    }
}

/// Inserts one enterprise.
pub async fn insert_enterprise(conn: &mut AnyConnection, e: &Enterprise) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO enterprise ({ENTERPRISE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(e.id.to_string())
    .bind(e.code.as_str())
    .bind(e.name.as_str())
    .bind(e.enabled)
    .bind(e.intersite_mode.as_str())
    .bind(e.access_prefix.as_str())
    .bind(e.max_sites.to_stored())
    .bind(e.max_users.to_stored())
    .bind(e.max_concurrent_calls.to_stored())
    .bind(format_time(e.created_at))
    .bind(format_time(e.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Inserts one tenant.
pub async fn insert_tenant(conn: &mut AnyConnection, t: &Tenant) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO tenant ({TENANT_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    ))
    .bind(t.id.to_string())
    .bind(t.domain.as_str())
    .bind(t.name.as_str())
    .bind(t.description.as_str())
    .bind(t.location.as_str())
    .bind(t.enabled)
    .bind(t.enterprise_id.map(|id| id.to_string()))
    .bind(t.dialing_code.as_ref().map(|c| c.as_str().to_owned()))
    .bind(t.max_extensions.to_stored())
    .bind(t.max_dids.to_stored())
    .bind(t.max_queues.to_stored())
    .bind(t.max_external_calls.to_stored())
    .bind(t.contact_center)
    .bind(t.ms_teams)
    .bind(t.tag.as_str())
    .bind(format_time(t.created_at))
    .bind(format_time(t.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Inserts one extension.
pub async fn insert_extension(conn: &mut AnyConnection, x: &Extension) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO extension ({EXTENSION_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    ))
    .bind(x.id.to_string())
    .bind(x.tenant_id.to_string())
    .bind(x.number.as_str())
    .bind(x.display_name.as_str())
    .bind(x.sip_password.as_str())
    .bind(x.voicemail_enabled)
    .bind(x.voicemail_pin.as_ref().map(|v| v.as_str().to_owned()))
    .bind(
        x.internal_caller_id_name
            .as_ref()
            .map(|v| v.as_str().to_owned()),
    )
    .bind(
        x.internal_caller_id_number
            .as_ref()
            .map(|v| v.as_str().to_owned()),
    )
    .bind(
        x.outbound_caller_id_name
            .as_ref()
            .map(|v| v.as_str().to_owned()),
    )
    .bind(
        x.outbound_caller_id_number
            .as_ref()
            .map(|v| v.as_str().to_owned()),
    )
    .bind(x.enabled)
    .bind(format_time(x.created_at))
    .bind(format_time(x.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Inserts one DID.
pub async fn insert_did(conn: &mut AnyConnection, d: &Did) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO did ({DID_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
    ))
    .bind(d.id.to_string())
    .bind(d.tenant_id.to_string())
    .bind(d.number.as_str())
    .bind(d.destination.as_str())
    .bind(format_time(d.created_at))
    .bind(format_time(d.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Inserts one manual shared-directory entry.
pub async fn insert_directory_entry(
    conn: &mut AnyConnection,
    d: &DirectoryEntry,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO directory_entry ({DIRECTORY_ENTRY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(d.id.to_string())
    .bind(d.enterprise_id.to_string())
    .bind(d.name.as_str())
    .bind(d.number.as_str())
    .bind(d.site_tenant_id.map(|id| id.to_string()))
    .bind(d.department.as_str())
    .bind(d.email.as_str())
    .bind(format_time(d.created_at))
    .bind(format_time(d.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}
