//! Queries on the `directory_entry` table: the manual entries of an enterprise's shared directory.

use sqlx::AnyConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use super::rows::{directory_entry_from_row, DIRECTORY_ENTRY_COLUMNS};
use super::{format_time, StoreError};
use crate::domain::DirectoryEntry;

/// Lists every manual entry of an enterprise's directory, in no particular order.
pub async fn list_directory_entries(
    conn: &mut AnyConnection,
    enterprise_id: Uuid,
) -> Result<Vec<DirectoryEntry>, StoreError> {
    let sql =
        format!("SELECT {DIRECTORY_ENTRY_COLUMNS} FROM directory_entry WHERE enterprise_id = $1");
    let rows = sqlx::query(&sql)
        .bind(enterprise_id.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(directory_entry_from_row).collect()
}

/// Finds a manual entry of an enterprise's directory by id.
pub async fn find_directory_entry(
    conn: &mut AnyConnection,
    enterprise_id: Uuid,
    id: Uuid,
) -> Result<Option<DirectoryEntry>, StoreError> {
    let sql = format!("SELECT {DIRECTORY_ENTRY_COLUMNS} FROM directory_entry WHERE enterprise_id = $1 AND id = $2");
    let row = sqlx::query(&sql)
        .bind(enterprise_id.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(directory_entry_from_row).transpose()
}

/// Writes every mutable column of a manual entry.
pub async fn update_directory_entry(
    conn: &mut AnyConnection,
    d: &DirectoryEntry,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE directory_entry SET name = $2, number = $3, site_tenant_id = $4, department = $5, email = $6, \
         updated_at = $7 WHERE id = $1",
    )
    .bind(d.id.to_string())
    .bind(d.name.as_str())
    .bind(d.number.as_str())
    .bind(d.site_tenant_id.map(|id| id.to_string()))
    .bind(d.department.as_str())
    .bind(d.email.as_str())
    .bind(format_time(d.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a manual entry.
pub async fn delete_directory_entry(conn: &mut AnyConnection, id: Uuid) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM directory_entry WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Clears the site of every manual entry that names a tenant which is leaving the enterprise, because
/// an entry may only name a site of its own enterprise.
pub async fn clear_directory_site(
    conn: &mut AnyConnection,
    enterprise_id: Uuid,
    tenant_id: Uuid,
    updated_at: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE directory_entry SET site_tenant_id = NULL, updated_at = $3 \
         WHERE enterprise_id = $1 AND site_tenant_id = $2",
    )
    .bind(enterprise_id.to_string())
    .bind(tenant_id.to_string())
    .bind(format_time(updated_at))
    .execute(conn)
    .await?;
    Ok(())
}
