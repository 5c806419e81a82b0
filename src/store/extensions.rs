//! Queries on the `extension` table.

use sqlx::AnyConnection;
use uuid::Uuid;

use super::rows::{extension_from_row, select_list, EXTENSION_BOOLEANS, EXTENSION_COLUMNS};
use super::{format_time, StoreError};
use crate::domain::Extension;

/// Lists a tenant's extensions ordered by number (as strings, so `0101` sorts before `101`), starting
/// after the number `after`, at most `limit` of them.
pub async fn list_extensions(
    conn: &mut AnyConnection,
    tenant_id: Uuid,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<Extension>, StoreError> {
    let sql = format!(
        "SELECT {columns} FROM extension WHERE tenant_id = $1 AND ($2 IS NULL OR number > $2) \
         ORDER BY number LIMIT $3",
        columns = select_list("", EXTENSION_COLUMNS, EXTENSION_BOOLEANS)
    );
    let rows = sqlx::query(&sql)
        .bind(tenant_id.to_string())
        .bind(after.map(str::to_owned))
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?;
    rows.iter().map(extension_from_row).collect()
}

/// Finds an extension of a tenant by number.
pub async fn find_extension(
    conn: &mut AnyConnection,
    tenant_id: Uuid,
    number: &str,
) -> Result<Option<Extension>, StoreError> {
    let sql = format!(
        "SELECT {columns} FROM extension WHERE tenant_id = $1 AND number = $2",
        columns = select_list("", EXTENSION_COLUMNS, EXTENSION_BOOLEANS)
    );
    let row = sqlx::query(&sql)
        .bind(tenant_id.to_string())
        .bind(number)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(extension_from_row).transpose()
}

/// Writes every mutable column of an extension, the number included.
pub async fn update_extension(conn: &mut AnyConnection, x: &Extension) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE extension SET number = $2, display_name = $3, sip_password = $4, voicemail_enabled = $5, \
         voicemail_pin = $6, internal_caller_id_name = $7, internal_caller_id_number = $8, \
         outbound_caller_id_name = $9, outbound_caller_id_number = $10, enabled = $11, updated_at = $12 WHERE id = $1",
    )
    .bind(x.id.to_string())
    .bind(x.number.as_str())
    .bind(x.display_name.as_str())
    .bind(x.sip_password.as_str())
    .bind(x.voicemail_enabled)
    .bind(x.voicemail_pin.as_ref().map(|v| v.as_str().to_owned()))
    .bind(x.internal_caller_id_name.as_ref().map(|v| v.as_str().to_owned()))
    .bind(x.internal_caller_id_number.as_ref().map(|v| v.as_str().to_owned()))
    .bind(x.outbound_caller_id_name.as_ref().map(|v| v.as_str().to_owned()))
    .bind(x.outbound_caller_id_number.as_ref().map(|v| v.as_str().to_owned()))
    .bind(x.enabled)
    .bind(format_time(x.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes an extension.
pub async fn delete_extension(conn: &mut AnyConnection, id: Uuid) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM extension WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}
