//! `/api/organization`: enterprises, and promoting a standalone tenant into a new enterprise.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::{enterprise_for, Caller, EnterpriseAccess};
use super::error::{ApiError, ErrorBody};
use super::extract::{finish_page, PageQuery, ValidJson};
use super::fields::{enabled_by_default, present, IntersiteModeSchema, Name};
use super::write::{check_user_limit, commit_change, enterprise_scope};
use super::AdminState;
use crate::domain::dataset::new_id;
use crate::domain::{
    now, AccessPrefix, DialingCode, DomainName, Enterprise, EnterpriseCode, IntersiteMode, Limit,
};
use crate::store::enterprises::{
    count_sites, count_users, delete_enterprise as delete_enterprise_row, find_enterprise_by_code,
    list_enterprises as list_enterprise_rows, lock_enterprise_by_code,
    update_enterprise as update_enterprise_row,
};
use crate::store::tenants::{detach_sites, list_sites, lock_tenant_by_domain, set_membership};
use crate::store::transfer::insert_enterprise;

/// An enterprise with its usage.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnterpriseView {
    pub id: Uuid,
    #[schema(value_type = String, example = "acme-corp")]
    pub code: EnterpriseCode,
    #[schema(value_type = String, example = "Acme Corporation")]
    pub name: crate::domain::FreeText,
    pub enabled: bool,
    #[schema(value_type = IntersiteModeSchema)]
    pub intersite_mode: IntersiteMode,
    #[schema(value_type = String, example = "*88")]
    pub access_prefix: AccessPrefix,
    /// Maximum number of sites; null means unlimited.
    #[schema(value_type = Option<u32>)]
    pub max_sites: Limit,
    /// Maximum number of extensions over all sites; null means unlimited.
    #[schema(value_type = Option<u32>)]
    pub max_users: Limit,
    /// Maximum concurrent calls of all sites together; null means unlimited.
    #[schema(value_type = Option<u32>)]
    pub max_concurrent_calls: Limit,
    pub usage: EnterpriseUsage,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// What an enterprise uses of its limits.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnterpriseUsage {
    /// Number of sites.
    pub sites: u64,
    /// Number of extensions over all sites, enabled or not.
    pub users: u64,
}

/// One page of enterprises.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnterpriseList {
    pub items: Vec<EnterpriseView>,
    /// Pass as `?cursor=` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The body of `POST /api/organization`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEnterprise {
    /// `^[a-z0-9][a-z0-9_-]{0,62}$`; cannot change later.
    #[schema(value_type = String, example = "acme-corp")]
    pub code: EnterpriseCode,
    #[schema(value_type = String, example = "Acme Corporation")]
    pub name: Name,
    #[serde(default = "enabled_by_default")]
    #[schema(default = true)]
    pub enabled: bool,
    #[serde(default)]
    #[schema(value_type = IntersiteModeSchema, default = "prefix")]
    pub intersite_mode: IntersiteMode,
    /// 1 to 8 of `*`, `#` and digits.
    #[serde(default)]
    #[schema(value_type = String, default = "*88")]
    pub access_prefix: AccessPrefix,
    /// Null or 0 means unlimited.
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub max_sites: Limit,
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub max_users: Limit,
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub max_concurrent_calls: Limit,
}

/// The body of `PUT /api/organization/{code}`: every field is optional and only the fields present
/// change. The code cannot change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEnterprise {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Name>,
    #[serde(default, deserialize_with = "present")]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<IntersiteModeSchema>)]
    pub intersite_mode: Option<IntersiteMode>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub access_prefix: Option<AccessPrefix>,
    /// Null or 0 means unlimited. Platform administrators only.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    pub max_sites: Option<Limit>,
    /// Platform administrators only.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    pub max_users: Option<Limit>,
    /// Platform administrators only.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    pub max_concurrent_calls: Option<Limit>,
}

/// The body of `POST /api/organization/promote`: the enterprise's fields plus the tenant that becomes
/// its first site.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromoteTenant {
    /// The domain of a standalone tenant.
    #[schema(value_type = String, example = "globex.example")]
    pub tenant: DomainName,
    /// The first site's dialing code; `1` when absent.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, example = "1")]
    pub dialing_code: Option<DialingCode>,
    #[schema(value_type = String, example = "globex")]
    pub code: EnterpriseCode,
    #[schema(value_type = String, example = "Globex")]
    pub name: Name,
    #[serde(default = "enabled_by_default")]
    #[schema(default = true)]
    pub enabled: bool,
    #[serde(default)]
    #[schema(value_type = IntersiteModeSchema, default = "prefix")]
    pub intersite_mode: IntersiteMode,
    #[serde(default)]
    #[schema(value_type = String, default = "*88")]
    pub access_prefix: AccessPrefix,
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub max_sites: Limit,
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub max_users: Limit,
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub max_concurrent_calls: Limit,
}

async fn view(conn: &mut AnyConnection, e: Enterprise) -> Result<EnterpriseView, ApiError> {
    let usage = EnterpriseUsage {
        sites: count_sites(conn, e.id).await?,
        users: count_users(conn, e.id).await?,
    };
    Ok(EnterpriseView {
        id: e.id,
        code: e.code,
        name: e.name,
        enabled: e.enabled,
        intersite_mode: e.intersite_mode,
        access_prefix: e.access_prefix,
        max_sites: e.max_sites,
        max_users: e.max_users,
        max_concurrent_calls: e.max_concurrent_calls,
        usage,
        created_at: e.created_at,
        updated_at: e.updated_at,
    })
}

/// Lists enterprises: all of them for platform administrators, their own for enterprise administrators.
#[utoipa::path(get, path = "/api/organization", tag = "organization",
    params(("limit" = Option<u32>, Query, description = "page size, 1 to 1000, default 100"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = EnterpriseList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn list_enterprises(
    State(state): State<AdminState>,
    caller: Caller,
    page: PageQuery,
) -> Result<Json<EnterpriseList>, ApiError> {
    let only = match caller {
        Caller::Platform => None,
        Caller::Enterprise(id) => Some(id),
        Caller::Site(_) => {
            return Err(ApiError::forbidden(
                "site administrators may not list enterprises",
            ))
        }
    };
    let mut conn = state.connection().await?;
    let mut rows =
        list_enterprise_rows(&mut conn, only, page.after.as_deref(), page.limit + 1).await?;
    let next_cursor = finish_page(&mut rows, page.limit, |e| e.code.to_string());
    let mut items = Vec::with_capacity(rows.len());
    for e in rows {
        items.push(view(&mut conn, e).await?);
    }
    Ok(Json(EnterpriseList { items, next_cursor }))
}

/// Creates an enterprise without sites (platform administrators).
#[utoipa::path(post, path = "/api/organization", tag = "organization", request_body = CreateEnterprise,
    responses((status = 201, body = EnterpriseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_enterprise(
    State(state): State<AdminState>,
    caller: Caller,
    ValidJson(body): ValidJson<CreateEnterprise>,
) -> Result<(StatusCode, Json<EnterpriseView>), ApiError> {
    caller.require_platform("create enterprises")?;
    let created = now();
    let enterprise = Enterprise {
        id: new_id(),
        code: body.code,
        name: body.name.0,
        enabled: body.enabled,
        intersite_mode: body.intersite_mode,
        access_prefix: body.access_prefix,
        max_sites: body.max_sites,
        max_users: body.max_users,
        max_concurrent_calls: body.max_concurrent_calls,
        created_at: created,
        updated_at: created,
    };

    let mut write = state.store().begin_write().await?;
    if find_enterprise_by_code(&mut write.tx, enterprise.code.as_str())
        .await?
        .is_some()
    {
        return Err(ApiError::conflict_field(
            "code",
            format!("enterprise {} already exists", enterprise.code),
        ));
    }
    insert_enterprise(&mut write.tx, &enterprise).await?;
    commit_change(&state, write, enterprise_scope(enterprise.id, Vec::new())).await?;

    let mut conn = state.connection().await?;
    Ok((
        StatusCode::CREATED,
        Json(view(&mut conn, enterprise).await?),
    ))
}

/// Returns one enterprise with its usage.
#[utoipa::path(get, path = "/api/organization/{code}", tag = "organization",
    params(("code" = String, Path, description = "enterprise code")),
    responses((status = 200, body = EnterpriseView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn get_enterprise(
    State(state): State<AdminState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<EnterpriseView>, ApiError> {
    let mut conn = state.connection().await?;
    let enterprise = enterprise_for(caller, &mut conn, &code, EnterpriseAccess::Manage).await?;
    Ok(Json(view(&mut conn, enterprise).await?))
}

/// Changes the fields the body carries. Enterprise administrators may not set limits (403 naming the
/// field); a limit below the current usage is a conflict.
#[utoipa::path(put, path = "/api/organization/{code}", tag = "organization", request_body = UpdateEnterprise,
    params(("code" = String, Path, description = "enterprise code")),
    responses((status = 200, body = EnterpriseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn update_enterprise(
    State(state): State<AdminState>,
    caller: Caller,
    Path(code): Path<String>,
    ValidJson(body): ValidJson<UpdateEnterprise>,
) -> Result<Json<EnterpriseView>, ApiError> {
    let mut write = state.store().begin_write().await?;
    let mut enterprise = lock_enterprise_by_code(&mut write.tx, state.store().for_update(), &code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("enterprise {code}")))?;
    caller
        .check_enterprise(&mut write.tx, &enterprise, EnterpriseAccess::Manage)
        .await?;
    if caller != Caller::Platform {
        let limits = [
            ("max_sites", body.max_sites.is_some()),
            ("max_users", body.max_users.is_some()),
            ("max_concurrent_calls", body.max_concurrent_calls.is_some()),
        ];
        if let Some((field, _)) = limits.iter().find(|(_, set)| *set) {
            return Err(ApiError::forbidden_field(
                field,
                format!("only platform administrators may set {field}"),
            ));
        }
    }

    if let Some(max_sites) = body.max_sites {
        let sites = count_sites(&mut write.tx, enterprise.id).await?;
        if !max_sites.allows(sites) {
            return Err(ApiError::conflict_field(
                "max_sites",
                format!("enterprise {code} has {sites} sites, more than max_sites {}; remove sites first", limit_text(max_sites)),
            ));
        }
        enterprise.max_sites = max_sites;
    }
    if let Some(max_users) = body.max_users {
        let users = count_users(&mut write.tx, enterprise.id).await?;
        if !max_users.allows(users) {
            return Err(ApiError::conflict_field(
                "max_users",
                format!("enterprise {code} has {users} users, more than max_users {}; remove users first", limit_text(max_users)),
            ));
        }
        enterprise.max_users = max_users;
    }
    if let Some(max) = body.max_concurrent_calls {
        enterprise.max_concurrent_calls = max;
    }
    if let Some(name) = body.name {
        enterprise.name = name.0;
    }
    if let Some(enabled) = body.enabled {
        enterprise.enabled = enabled;
    }
    if let Some(mode) = body.intersite_mode {
        enterprise.intersite_mode = mode;
    }
    if let Some(prefix) = body.access_prefix {
        enterprise.access_prefix = prefix;
    }
    enterprise.updated_at = now();

    update_enterprise_row(&mut write.tx, &enterprise).await?;
    commit_change(&state, write, enterprise_scope(enterprise.id, Vec::new())).await?;

    let mut conn = state.connection().await?;
    Ok(Json(view(&mut conn, enterprise).await?))
}

fn limit_text(limit: Limit) -> String {
    limit
        .max()
        .map_or_else(|| "unlimited".to_owned(), |max| max.to_string())
}

/// Deletes an enterprise (platform administrators). Its sites become standalone tenants with their
/// data kept; its manual directory entries are deleted.
#[utoipa::path(delete, path = "/api/organization/{code}", tag = "organization",
    params(("code" = String, Path, description = "enterprise code")),
    responses((status = 204, description = "deleted"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete_enterprise(
    State(state): State<AdminState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut write = state.store().begin_write().await?;
    let enterprise = lock_enterprise_by_code(&mut write.tx, state.store().for_update(), &code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("enterprise {code}")))?;
    caller
        .check_enterprise(&mut write.tx, &enterprise, EnterpriseAccess::Platform)
        .await?;

    let sites: Vec<Uuid> = list_sites(&mut write.tx, enterprise.id)
        .await?
        .iter()
        .map(|t| t.id)
        .collect();
    detach_sites(&mut write.tx, enterprise.id, now()).await?;
    delete_enterprise_row(&mut write.tx, enterprise.id).await?;
    commit_change(&state, write, enterprise_scope(enterprise.id, sites)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates an enterprise with a standalone tenant as its first site (platform administrators).
#[utoipa::path(post, path = "/api/organization/promote", tag = "organization", request_body = PromoteTenant,
    responses((status = 201, body = EnterpriseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn promote_tenant(
    State(state): State<AdminState>,
    caller: Caller,
    ValidJson(body): ValidJson<PromoteTenant>,
) -> Result<(StatusCode, Json<EnterpriseView>), ApiError> {
    caller.require_platform("promote tenants")?;
    let created = now();
    let enterprise = Enterprise {
        id: new_id(),
        code: body.code,
        name: body.name.0,
        enabled: body.enabled,
        intersite_mode: body.intersite_mode,
        access_prefix: body.access_prefix,
        max_sites: body.max_sites,
        max_users: body.max_users,
        max_concurrent_calls: body.max_concurrent_calls,
        created_at: created,
        updated_at: created,
    };
    let dialing_code = body
        .dialing_code
        .unwrap_or_else(|| DialingCode::parse("1").expect("1 is a valid dialing code"));

    let mut write = state.store().begin_write().await?;
    let tenant = lock_tenant_by_domain(
        &mut write.tx,
        state.store().for_update(),
        body.tenant.as_str(),
    )
    .await?
    .ok_or_else(|| ApiError::not_found(format!("tenant {}", body.tenant)))?;
    if tenant.enterprise_id.is_some() {
        return Err(ApiError::conflict_field(
            "tenant",
            format!(
                "tenant {} is already a site of an enterprise",
                tenant.domain
            ),
        ));
    }
    if find_enterprise_by_code(&mut write.tx, enterprise.code.as_str())
        .await?
        .is_some()
    {
        return Err(ApiError::conflict_field(
            "code",
            format!("enterprise {} already exists", enterprise.code),
        ));
    }
    insert_enterprise(&mut write.tx, &enterprise).await?;
    let brought = crate::store::tenants::count_extensions(&mut write.tx, tenant.id).await?;
    check_user_limit(&mut write.tx, &enterprise, brought).await?;
    set_membership(
        &mut write.tx,
        tenant.id,
        Some(enterprise.id),
        Some(&dialing_code),
        created,
    )
    .await?;
    commit_change(
        &state,
        write,
        enterprise_scope(enterprise.id, vec![tenant.id]),
    )
    .await?;

    let mut conn = state.connection().await?;
    Ok((
        StatusCode::CREATED,
        Json(view(&mut conn, enterprise).await?),
    ))
}
