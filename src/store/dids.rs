//! Queries on the `did` table.

use sqlx::AnyConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use super::rows::{did_from_row, DID_COLUMNS};
use super::{format_time, StoreError};
use crate::domain::{Did, ExtensionNumber};

/// Lists a tenant's DIDs ordered by number, starting after the number `after`, at most `limit` of them.
pub async fn list_dids(
    conn: &mut AnyConnection,
    tenant_id: Uuid,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<Did>, StoreError> {
    let sql = format!(
        "SELECT {DID_COLUMNS} FROM did WHERE tenant_id = $1 AND ($2 IS NULL OR number > $2) ORDER BY number LIMIT $3"
    );
    let rows = sqlx::query(&sql)
        .bind(tenant_id.to_string())
        .bind(after.map(str::to_owned))
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?;
    rows.iter().map(did_from_row).collect()
}

/// Finds a DID of a tenant by its E.164 number.
pub async fn find_did(
    conn: &mut AnyConnection,
    tenant_id: Uuid,
    number: &str,
) -> Result<Option<Did>, StoreError> {
    let sql = format!("SELECT {DID_COLUMNS} FROM did WHERE tenant_id = $1 AND number = $2");
    let row = sqlx::query(&sql)
        .bind(tenant_id.to_string())
        .bind(number)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(did_from_row).transpose()
}

/// Lists the DIDs of a tenant that route to one extension.
pub async fn list_dids_to_extension(
    conn: &mut AnyConnection,
    tenant_id: Uuid,
    destination: &str,
) -> Result<Vec<Did>, StoreError> {
    let sql = format!(
        "SELECT {DID_COLUMNS} FROM did WHERE tenant_id = $1 AND destination = $2 ORDER BY number"
    );
    let rows = sqlx::query(&sql)
        .bind(tenant_id.to_string())
        .bind(destination)
        .fetch_all(conn)
        .await?;
    rows.iter().map(did_from_row).collect()
}

/// Points a DID at another extension of its tenant.
pub async fn update_did_destination(
    conn: &mut AnyConnection,
    id: Uuid,
    destination: &ExtensionNumber,
    updated_at: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE did SET destination = $2, updated_at = $3 WHERE id = $1")
        .bind(id.to_string())
        .bind(destination.as_str())
        .bind(format_time(updated_at))
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes a DID.
pub async fn delete_did(conn: &mut AnyConnection, id: Uuid) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM did WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}
