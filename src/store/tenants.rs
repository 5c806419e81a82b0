//! Queries on the `tenant` table: tenants, the sites of an enterprise, membership changes and the
//! per-tenant usage counts.

use sqlx::AnyConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use super::rows::{select_list, tenant_from_row, Columns, TENANT_BOOLEANS, TENANT_COLUMNS};
use super::{format_time, StoreError};
use crate::domain::{DialingCode, Tenant};

/// A restriction of a tenant list to the caller's scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TenantFilter {
    /// Only the sites of this enterprise.
    pub enterprise_id: Option<Uuid>,
    /// Only this tenant.
    pub tenant_id: Option<Uuid>,
}

/// Lists tenants ordered by domain, starting after the domain `after`, at most `limit` of them.
pub async fn list_tenants(
    conn: &mut AnyConnection,
    filter: TenantFilter,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<Tenant>, StoreError> {
    let sql = format!(
        "SELECT {columns} FROM tenant WHERE ($1 IS NULL OR enterprise_id = $1) AND ($2 IS NULL OR id = $2) \
         AND ($3 IS NULL OR domain > $3) ORDER BY domain LIMIT $4", columns = select_list("", TENANT_COLUMNS, TENANT_BOOLEANS));
    let rows = sqlx::query(&sql)
        .bind(filter.enterprise_id.map(|id| id.to_string()))
        .bind(filter.tenant_id.map(|id| id.to_string()))
        .bind(after.map(str::to_owned))
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?;
    rows.iter().map(tenant_from_row).collect()
}

/// Lists every site of an enterprise, in no particular order.
pub async fn list_sites(
    conn: &mut AnyConnection,
    enterprise_id: Uuid,
) -> Result<Vec<Tenant>, StoreError> {
    let sql = format!(
        "SELECT {columns} FROM tenant WHERE enterprise_id = $1",
        columns = select_list("", TENANT_COLUMNS, TENANT_BOOLEANS)
    );
    let rows = sqlx::query(&sql)
        .bind(enterprise_id.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(tenant_from_row).collect()
}

/// Finds a tenant by its lowercase domain.
pub async fn find_tenant_by_domain(
    conn: &mut AnyConnection,
    domain: &str,
) -> Result<Option<Tenant>, StoreError> {
    let sql = format!(
        "SELECT {columns} FROM tenant WHERE domain = $1",
        columns = select_list("", TENANT_COLUMNS, TENANT_BOOLEANS)
    );
    let row = sqlx::query(&sql).bind(domain).fetch_optional(conn).await?;
    row.as_ref().map(tenant_from_row).transpose()
}

/// Reads a tenant by domain and, on PostgreSQL, locks its row until the transaction ends.
/// `for_update` is [`super::Store::for_update`].
pub async fn lock_tenant_by_domain(
    conn: &mut AnyConnection,
    for_update: &str,
    domain: &str,
) -> Result<Option<Tenant>, StoreError> {
    let sql = format!(
        "SELECT {columns} FROM tenant WHERE domain = $1{for_update}",
        columns = select_list("", TENANT_COLUMNS, TENANT_BOOLEANS)
    );
    let row = sqlx::query(&sql).bind(domain).fetch_optional(conn).await?;
    row.as_ref().map(tenant_from_row).transpose()
}

/// Writes every mutable column of a tenant, membership included; the domain and id never change.
pub async fn update_tenant(conn: &mut AnyConnection, t: &Tenant) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE tenant SET name = $2, description = $3, location = $4, enabled = $5, enterprise_id = $6, \
         dialing_code = $7, max_extensions = $8, max_dids = $9, max_queues = $10, max_external_calls = $11, \
         contact_center = $12, ms_teams = $13, tag = $14, updated_at = $15 WHERE id = $1",
    )
    .bind(t.id.to_string())
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
    .bind(format_time(t.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets or clears a tenant's enterprise and dialing code, and nothing else.
pub async fn set_membership(
    conn: &mut AnyConnection,
    tenant_id: Uuid,
    enterprise_id: Option<Uuid>,
    dialing_code: Option<&DialingCode>,
    updated_at: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE tenant SET enterprise_id = $2, dialing_code = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(tenant_id.to_string())
    .bind(enterprise_id.map(|id| id.to_string()))
    .bind(dialing_code.map(|c| c.as_str().to_owned()))
    .bind(format_time(updated_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Turns every site of an enterprise into a standalone tenant (no enterprise, no dialing code).
pub async fn detach_sites(
    conn: &mut AnyConnection,
    enterprise_id: Uuid,
    updated_at: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE tenant SET enterprise_id = NULL, dialing_code = NULL, updated_at = $2 WHERE enterprise_id = $1")
        .bind(enterprise_id.to_string())
        .bind(format_time(updated_at))
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes a tenant; its extensions and DIDs go with it.
pub async fn delete_tenant(conn: &mut AnyConnection, id: Uuid) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM tenant WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts the extensions of a tenant, enabled or not.
pub async fn count_extensions(
    conn: &mut AnyConnection,
    tenant_id: Uuid,
) -> Result<u64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM extension WHERE tenant_id = $1")
        .bind(tenant_id.to_string())
        .fetch_one(conn)
        .await?;
    Ok(Columns::new(&row, "extension").i64("n")?.max(0) as u64)
}

/// Counts the DIDs of a tenant.
pub async fn count_dids(conn: &mut AnyConnection, tenant_id: Uuid) -> Result<u64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM did WHERE tenant_id = $1")
        .bind(tenant_id.to_string())
        .fetch_one(conn)
        .await?;
    Ok(Columns::new(&row, "did").i64("n")?.max(0) as u64)
}
