//! Queries on the `enterprise` table and the usage counts its limits are checked against.

use sqlx::AnyConnection;
use uuid::Uuid;

use super::rows::{
    enterprise_from_row, select_list, Columns, ENTERPRISE_BOOLEANS, ENTERPRISE_COLUMNS,
};
use super::{format_time, StoreError};
use crate::domain::Enterprise;

/// Lists enterprises ordered by code, starting after the code `after`, at most `limit` of them.
/// `only` restricts the list to one enterprise (the scope of an enterprise administrator).
pub async fn list_enterprises(
    conn: &mut AnyConnection,
    only: Option<Uuid>,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<Enterprise>, StoreError> {
    let sql = format!(
        "SELECT {columns} FROM enterprise \
         WHERE ($1 IS NULL OR id = $1) AND ($2 IS NULL OR code > $2) ORDER BY code LIMIT $3",
        columns = select_list("", ENTERPRISE_COLUMNS, ENTERPRISE_BOOLEANS)
    );
    let rows = sqlx::query(&sql)
        .bind(only.map(|id| id.to_string()))
        .bind(after.map(str::to_owned))
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?;
    rows.iter().map(enterprise_from_row).collect()
}

/// Finds an enterprise by its code.
pub async fn find_enterprise_by_code(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<Option<Enterprise>, StoreError> {
    let sql = format!(
        "SELECT {columns} FROM enterprise WHERE code = $1",
        columns = select_list("", ENTERPRISE_COLUMNS, ENTERPRISE_BOOLEANS)
    );
    let row = sqlx::query(&sql).bind(code).fetch_optional(conn).await?;
    row.as_ref().map(enterprise_from_row).transpose()
}

/// Finds an enterprise by id.
pub async fn find_enterprise_by_id(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<Enterprise>, StoreError> {
    let sql = format!(
        "SELECT {columns} FROM enterprise WHERE id = $1",
        columns = select_list("", ENTERPRISE_COLUMNS, ENTERPRISE_BOOLEANS)
    );
    let row = sqlx::query(&sql)
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(enterprise_from_row).transpose()
}

/// Reads an enterprise by code and, on PostgreSQL, locks its row until the transaction ends, so that
/// limit checks of concurrent writers run one after the other. `for_update` is
/// [`super::Store::for_update`].
pub async fn lock_enterprise_by_code(
    conn: &mut AnyConnection,
    for_update: &str,
    code: &str,
) -> Result<Option<Enterprise>, StoreError> {
    let sql = format!(
        "SELECT {columns} FROM enterprise WHERE code = $1{for_update}",
        columns = select_list("", ENTERPRISE_COLUMNS, ENTERPRISE_BOOLEANS)
    );
    let row = sqlx::query(&sql).bind(code).fetch_optional(conn).await?;
    row.as_ref().map(enterprise_from_row).transpose()
}

/// Reads an enterprise by id and, on PostgreSQL, locks its row until the transaction ends.
pub async fn lock_enterprise_by_id(
    conn: &mut AnyConnection,
    for_update: &str,
    id: Uuid,
) -> Result<Option<Enterprise>, StoreError> {
    let sql = format!(
        "SELECT {columns} FROM enterprise WHERE id = $1{for_update}",
        columns = select_list("", ENTERPRISE_COLUMNS, ENTERPRISE_BOOLEANS)
    );
    let row = sqlx::query(&sql)
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(enterprise_from_row).transpose()
}

/// Writes every mutable column of an enterprise; the code and id never change.
pub async fn update_enterprise(conn: &mut AnyConnection, e: &Enterprise) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE enterprise SET name = $2, enabled = $3, intersite_mode = $4, access_prefix = $5, max_sites = $6, \
         max_users = $7, max_concurrent_calls = $8, updated_at = $9 WHERE id = $1",
    )
    .bind(e.id.to_string())
    .bind(e.name.as_str())
    .bind(e.enabled)
    .bind(e.intersite_mode.as_str())
    .bind(e.access_prefix.as_str())
    .bind(e.max_sites.to_stored())
    .bind(e.max_users.to_stored())
    .bind(e.max_concurrent_calls.to_stored())
    .bind(format_time(e.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes an enterprise. Its directory entries go with it; detach its sites first with
/// [`super::tenants::detach_sites`].
pub async fn delete_enterprise(conn: &mut AnyConnection, id: Uuid) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM enterprise WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts the sites of an enterprise.
pub async fn count_sites(conn: &mut AnyConnection, enterprise_id: Uuid) -> Result<u64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM tenant WHERE enterprise_id = $1")
        .bind(enterprise_id.to_string())
        .fetch_one(conn)
        .await?;
    Ok(Columns::new(&row, "tenant").i64("n")?.max(0) as u64)
}

/// Counts the users of an enterprise: every extension of every site, enabled or not.
pub async fn count_users(conn: &mut AnyConnection, enterprise_id: Uuid) -> Result<u64, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM extension e JOIN tenant t ON t.id = e.tenant_id WHERE t.enterprise_id = $1",
    )
    .bind(enterprise_id.to_string())
    .fetch_one(conn)
    .await?;
    Ok(Columns::new(&row, "extension").i64("n")?.max(0) as u64)
}
