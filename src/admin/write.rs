//! The shared steps of every write: locking rows in a fixed order (enterprise, then tenant) so that
//! concurrent limit checks run one after the other, re-checking the limits, and committing with a
//! change announcement and a model refresh.

use sqlx::AnyConnection;
use uuid::Uuid;

use super::error::ApiError;
use super::AdminState;
use crate::domain::{Enterprise, Tenant};
use crate::model::ChangeScope;
use crate::store::changes::{announce_change, ChangePayload};
use crate::store::enterprises::{count_sites, count_users, lock_enterprise_by_id};
use crate::store::tenants::{find_tenant_by_domain, lock_tenant_by_domain};
use crate::store::WriteTx;

/// Announces the change, commits, and reloads the affected routing units before the response is sent,
/// so the next FreeSWITCH request sees the change. A failed reload is logged and the request still
/// succeeds: the write is committed and the model retries the stale units later.
pub async fn commit_change(
    state: &AdminState,
    mut write: WriteTx<'_>,
    scope: ChangeScope,
) -> Result<(), ApiError> {
    let payload = ChangePayload {
        enterprises: scope.enterprises.clone(),
        tenants: scope.tenants.clone(),
    };
    announce_change(&mut write.tx, state.store().backend(), &payload).await?;
    write.commit().await?;

    if let Err(error) = state.model.refresh(&scope).await {
        tracing::warn!(
            error = %error,
            enterprises = ?scope.enterprises,
            tenants = ?scope.tenants,
            "model refresh after an admin write failed; the model retries later"
        );
    }
    Ok(())
}

/// Reads a tenant for a write and locks, on PostgreSQL, its enterprise row and then its own row.
/// Returns 409 when the tenant moved in or out of an enterprise between the read and the lock.
pub async fn lock_tenant(
    state: &AdminState,
    conn: &mut AnyConnection,
    domain: &str,
) -> Result<(Option<Enterprise>, Tenant), ApiError> {
    let domain = domain.to_ascii_lowercase();
    let for_update = state.store().for_update();
    let first = find_tenant_by_domain(conn, &domain)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("tenant {domain}")))?;
    let enterprise = match first.enterprise_id {
        Some(id) => Some(
            lock_enterprise_by_id(conn, for_update, id)
                .await?
                .ok_or_else(|| {
                    ApiError::conflict(format!("tenant {domain} changed concurrently; retry"))
                })?,
        ),
        None => None,
    };
    let tenant = lock_tenant_by_domain(conn, for_update, &domain)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("tenant {domain}")))?;
    if tenant.enterprise_id != first.enterprise_id {
        return Err(ApiError::conflict(format!(
            "tenant {domain} changed enterprise concurrently; retry"
        )));
    }
    Ok((enterprise, tenant))
}

/// Rejects with 409 when `adding` more sites would exceed the enterprise's `max_sites`.
pub async fn check_site_limit(
    conn: &mut AnyConnection,
    enterprise: &Enterprise,
    adding: u64,
) -> Result<(), ApiError> {
    let Some(max) = enterprise.max_sites.max() else {
        return Ok(());
    };
    let sites = count_sites(conn, enterprise.id).await?;
    if sites + adding > u64::from(max) {
        return Err(ApiError::conflict_field(
            "max_sites",
            format!(
                "enterprise {} has {sites} of {max} sites; adding {adding} would exceed max_sites",
                enterprise.code
            ),
        ));
    }
    Ok(())
}

/// Rejects with 409 when `adding` more extensions would exceed the enterprise's `max_users`, which
/// counts every extension of every site.
pub async fn check_user_limit(
    conn: &mut AnyConnection,
    enterprise: &Enterprise,
    adding: u64,
) -> Result<(), ApiError> {
    let Some(max) = enterprise.max_users.max() else {
        return Ok(());
    };
    let users = count_users(conn, enterprise.id).await?;
    if users + adding > u64::from(max) {
        return Err(ApiError::conflict_field(
            "max_users",
            format!(
                "enterprise {} has {users} of {max} users; adding {adding} would exceed max_users",
                enterprise.code
            ),
        ));
    }
    Ok(())
}

/// Returns the scope of a change to one tenant: the tenant and, when it is a site, its enterprise, because a
/// site's change can change what every sibling resolves.
pub fn tenant_scope(tenant: &Tenant) -> ChangeScope {
    ChangeScope {
        enterprises: tenant.enterprise_id.into_iter().collect(),
        tenants: vec![tenant.id],
    }
}

/// Returns the scope of a change to an enterprise and some of its (former) sites.
pub fn enterprise_scope(enterprise_id: Uuid, tenants: Vec<Uuid>) -> ChangeScope {
    ChangeScope {
        enterprises: vec![enterprise_id],
        tenants,
    }
}
