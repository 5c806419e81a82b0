//! `/api/tenants`: tenants (one FreeSWITCH domain each), standalone or sites of an enterprise.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::{tenant_for, Caller, TenantAccess};
use super::error::{ApiError, ErrorBody};
use super::extract::{finish_page, PageQuery, ValidJson};
use super::fields::{enabled_by_default, present, Name};
use super::write::{commit_change, lock_tenant, tenant_scope};
use super::AdminState;
use crate::domain::dataset::new_id;
use crate::domain::{now, DialingCode, DomainName, FreeText, Limit, Tenant};
use crate::store::enterprises::find_enterprise_by_id;
use crate::store::tenants::{
    count_dids, count_extensions, delete_tenant as delete_tenant_row, find_tenant_by_domain,
    list_sites, list_tenants as list_tenant_rows, update_tenant as update_tenant_row, TenantFilter,
};
use crate::store::transfer::insert_tenant;

/// A tenant as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantView {
    pub id: Uuid,
    #[schema(value_type = String, example = "hq.acme.example")]
    pub domain: DomainName,
    #[schema(value_type = String)]
    pub name: FreeText,
    #[schema(value_type = String)]
    pub description: FreeText,
    #[schema(value_type = String)]
    pub location: FreeText,
    pub enabled: bool,
    /// The code of the enterprise this tenant is a site of; null for a standalone tenant.
    pub enterprise: Option<String>,
    /// The site's dialing code; null for a standalone tenant.
    #[schema(value_type = Option<String>, example = "10")]
    pub dialing_code: Option<DialingCode>,
    #[schema(value_type = Option<u32>)]
    pub max_extensions: Limit,
    #[schema(value_type = Option<u32>)]
    pub max_dids: Limit,
    #[schema(value_type = Option<u32>)]
    pub max_queues: Limit,
    #[schema(value_type = Option<u32>)]
    pub max_external_calls: Limit,
    pub contact_center: bool,
    pub ms_teams: bool,
    #[schema(value_type = String)]
    pub tag: FreeText,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl TenantView {
    /// Builds the view of a tenant whose enterprise has the code `enterprise`.
    pub fn new(t: Tenant, enterprise: Option<String>) -> Self {
        Self {
            id: t.id,
            domain: t.domain,
            name: t.name,
            description: t.description,
            location: t.location,
            enabled: t.enabled,
            enterprise,
            dialing_code: t.dialing_code,
            max_extensions: t.max_extensions,
            max_dids: t.max_dids,
            max_queues: t.max_queues,
            max_external_calls: t.max_external_calls,
            contact_center: t.contact_center,
            ms_teams: t.ms_teams,
            tag: t.tag,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// One page of tenants.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantList {
    pub items: Vec<TenantView>,
    /// Pass as `?cursor=` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The body that creates a tenant: `POST /api/tenants` (standalone) or
/// `POST /api/organization/{code}/sites` (a new site).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTenant {
    /// A DNS name, unique on the platform, stored lowercase; cannot change later.
    #[schema(value_type = String, example = "paris.acme.example")]
    pub domain: DomainName,
    #[schema(value_type = String, example = "Acme Paris")]
    pub name: Name,
    #[serde(default = "FreeText::empty")]
    #[schema(value_type = String)]
    pub description: FreeText,
    #[serde(default = "FreeText::empty")]
    #[schema(value_type = String)]
    pub location: FreeText,
    #[serde(default = "enabled_by_default")]
    #[schema(default = true)]
    pub enabled: bool,
    /// Only for a new site: its dialing code; chosen automatically when absent.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, example = "40")]
    pub dialing_code: Option<DialingCode>,
    /// Null or 0 means unlimited.
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub max_extensions: Limit,
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub max_dids: Limit,
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub max_queues: Limit,
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub max_external_calls: Limit,
    #[serde(default)]
    pub contact_center: bool,
    #[serde(default)]
    pub ms_teams: bool,
    #[serde(default = "FreeText::empty")]
    #[schema(value_type = String)]
    pub tag: FreeText,
}

impl CreateTenant {
    /// Builds the tenant record, standalone; the caller sets the membership of a site.
    pub fn into_tenant(self) -> Tenant {
        let created = now();
        Tenant {
            id: new_id(),
            domain: self.domain,
            name: self.name.0,
            description: self.description,
            location: self.location,
            enabled: self.enabled,
            enterprise_id: None,
            dialing_code: None,
            max_extensions: self.max_extensions,
            max_dids: self.max_dids,
            max_queues: self.max_queues,
            max_external_calls: self.max_external_calls,
            contact_center: self.contact_center,
            ms_teams: self.ms_teams,
            tag: self.tag,
            created_at: created,
            updated_at: created,
        }
    }
}

/// The body of `PUT /api/tenants/{domain}`: only the fields present change. The domain and the
/// enterprise membership cannot change here (see the site lifecycle under `/api/organization`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTenant {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Name>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub description: Option<FreeText>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub location: Option<FreeText>,
    #[serde(default, deserialize_with = "present")]
    pub enabled: Option<bool>,
    /// Sites only: digits, at most 16, unique in the enterprise. Not for site administrators.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub dialing_code: Option<DialingCode>,
    /// Null or 0 means unlimited. Not for site administrators.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    pub max_extensions: Option<Limit>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    pub max_dids: Option<Limit>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    pub max_queues: Option<Limit>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    pub max_external_calls: Option<Limit>,
    #[serde(default, deserialize_with = "present")]
    pub contact_center: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    pub ms_teams: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub tag: Option<FreeText>,
}

/// Returns the code of an enterprise, for views.
pub async fn enterprise_code(
    conn: &mut AnyConnection,
    enterprise_id: Option<Uuid>,
) -> Result<Option<String>, ApiError> {
    let Some(id) = enterprise_id else {
        return Ok(None);
    };
    Ok(find_enterprise_by_id(conn, id)
        .await?
        .map(|e| e.code.to_string()))
}

/// Lists the tenants in the caller's scope, ordered by domain.
#[utoipa::path(get, path = "/api/tenants", tag = "tenants",
    params(("limit" = Option<u32>, Query, description = "page size, 1 to 1000, default 100"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = TenantList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_tenants(
    State(state): State<AdminState>,
    caller: Caller,
    page: PageQuery,
) -> Result<Json<TenantList>, ApiError> {
    let filter = match caller {
        Caller::Platform => TenantFilter::default(),
        Caller::Enterprise(id) => TenantFilter {
            enterprise_id: Some(id),
            tenant_id: None,
        },
        Caller::Site(id) => TenantFilter {
            enterprise_id: None,
            tenant_id: Some(id),
        },
    };
    let mut conn = state.connection().await?;
    let mut rows =
        list_tenant_rows(&mut conn, filter, page.after.as_deref(), page.limit + 1).await?;
    let next_cursor = finish_page(&mut rows, page.limit, |t| t.domain.to_string());

    let mut codes: HashMap<Uuid, Option<String>> = HashMap::new();
    let mut items = Vec::with_capacity(rows.len());
    for tenant in rows {
        let code = match tenant.enterprise_id {
            Some(id) => match codes.get(&id) {
                Some(code) => code.clone(),
                None => {
                    let code = enterprise_code(&mut conn, Some(id)).await?;
                    codes.insert(id, code.clone());
                    code
                }
            },
            None => None,
        };
        items.push(TenantView::new(tenant, code));
    }
    Ok(Json(TenantList { items, next_cursor }))
}

/// Creates a standalone tenant (platform administrators). New sites are created under
/// `/api/organization/{code}/sites`.
#[utoipa::path(post, path = "/api/tenants", tag = "tenants", request_body = CreateTenant,
    responses((status = 201, body = TenantView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_tenant(
    State(state): State<AdminState>,
    caller: Caller,
    ValidJson(body): ValidJson<CreateTenant>,
) -> Result<(StatusCode, Json<TenantView>), ApiError> {
    caller.require_platform(
        "create standalone tenants; enterprise administrators add sites to their enterprise",
    )?;
    if body.dialing_code.is_some() {
        return Err(ApiError::invalid(
            "dialing_code",
            "a standalone tenant has no dialing code; create a site with POST /api/organization/{code}/sites",
        ));
    }
    let tenant = body.into_tenant();

    let mut write = state.store().begin_write().await?;
    if find_tenant_by_domain(&mut write.tx, tenant.domain.as_str())
        .await?
        .is_some()
    {
        return Err(ApiError::conflict_field(
            "domain",
            format!("tenant {} already exists", tenant.domain),
        ));
    }
    insert_tenant(&mut write.tx, &tenant).await?;
    commit_change(&state, write, tenant_scope(&tenant)).await?;
    Ok((StatusCode::CREATED, Json(TenantView::new(tenant, None))))
}

/// Returns one tenant.
#[utoipa::path(get, path = "/api/tenants/{domain}", tag = "tenants",
    params(("domain" = String, Path, description = "tenant domain")),
    responses((status = 200, body = TenantView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_tenant(
    State(state): State<AdminState>,
    caller: Caller,
    Path(domain): Path<String>,
) -> Result<Json<TenantView>, ApiError> {
    let mut conn = state.connection().await?;
    let tenant = tenant_for(caller, &mut conn, &domain, TenantAccess::Contents).await?;
    let code = enterprise_code(&mut conn, tenant.enterprise_id).await?;
    Ok(Json(TenantView::new(tenant, code)))
}

/// Changes the fields the body carries. Site administrators may not change the dialing code or the
/// limits (403 naming the field).
#[utoipa::path(put, path = "/api/tenants/{domain}", tag = "tenants", request_body = UpdateTenant,
    params(("domain" = String, Path, description = "tenant domain")),
    responses((status = 200, body = TenantView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn update_tenant(
    State(state): State<AdminState>,
    caller: Caller,
    Path(domain): Path<String>,
    ValidJson(body): ValidJson<UpdateTenant>,
) -> Result<Json<TenantView>, ApiError> {
    let mut write = state.store().begin_write().await?;
    let (enterprise, mut tenant) = lock_tenant(&state, &mut write.tx, &domain).await?;
    caller.check_tenant(&tenant, TenantAccess::Contents)?;
    if matches!(caller, Caller::Site(_)) {
        let restricted = [
            ("dialing_code", body.dialing_code.is_some()),
            ("max_extensions", body.max_extensions.is_some()),
            ("max_dids", body.max_dids.is_some()),
            ("max_queues", body.max_queues.is_some()),
            ("max_external_calls", body.max_external_calls.is_some()),
        ];
        if let Some((field, _)) = restricted.iter().find(|(_, set)| *set) {
            return Err(ApiError::forbidden_field(
                field,
                format!("site administrators may not change {field}"),
            ));
        }
    }

    if let Some(code) = body.dialing_code {
        let Some(enterprise) = &enterprise else {
            return Err(ApiError::invalid(
                "dialing_code",
                format!(
                    "tenant {} is standalone and has no dialing code",
                    tenant.domain
                ),
            ));
        };
        let taken = list_sites(&mut write.tx, enterprise.id)
            .await?
            .into_iter()
            .find(|site| site.id != tenant.id && site.dialing_code.as_ref() == Some(&code));
        if let Some(other) = taken {
            return Err(ApiError::conflict_field(
                "dialing_code",
                format!(
                    "dialing code {code} is already used by {} in enterprise {}",
                    other.domain, enterprise.code
                ),
            ));
        }
        tenant.dialing_code = Some(code);
    }
    if let Some(max) = body.max_extensions {
        let used = count_extensions(&mut write.tx, tenant.id).await?;
        if !max.allows(used) {
            return Err(ApiError::conflict_field(
                "max_extensions",
                format!(
                    "tenant {} has {used} extensions, more than the new max_extensions",
                    tenant.domain
                ),
            ));
        }
        tenant.max_extensions = max;
    }
    if let Some(max) = body.max_dids {
        let used = count_dids(&mut write.tx, tenant.id).await?;
        if !max.allows(used) {
            return Err(ApiError::conflict_field(
                "max_dids",
                format!(
                    "tenant {} has {used} DIDs, more than the new max_dids",
                    tenant.domain
                ),
            ));
        }
        tenant.max_dids = max;
    }
    if let Some(max) = body.max_queues {
        tenant.max_queues = max;
    }
    if let Some(max) = body.max_external_calls {
        tenant.max_external_calls = max;
    }
    if let Some(name) = body.name {
        tenant.name = name.0;
    }
    if let Some(description) = body.description {
        tenant.description = description;
    }
    if let Some(location) = body.location {
        tenant.location = location;
    }
    if let Some(enabled) = body.enabled {
        tenant.enabled = enabled;
    }
    if let Some(flag) = body.contact_center {
        tenant.contact_center = flag;
    }
    if let Some(flag) = body.ms_teams {
        tenant.ms_teams = flag;
    }
    if let Some(tag) = body.tag {
        tenant.tag = tag;
    }
    tenant.updated_at = now();

    update_tenant_row(&mut write.tx, &tenant).await?;
    commit_change(&state, write, tenant_scope(&tenant)).await?;
    let code = enterprise.map(|e| e.code.to_string());
    Ok(Json(TenantView::new(tenant, code)))
}

/// Deletes a tenant with its extensions and DIDs (platform administrators, and enterprise
/// administrators for their sites).
#[utoipa::path(delete, path = "/api/tenants/{domain}", tag = "tenants",
    params(("domain" = String, Path, description = "tenant domain")),
    responses((status = 204, description = "deleted"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete_tenant(
    State(state): State<AdminState>,
    caller: Caller,
    Path(domain): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut write = state.store().begin_write().await?;
    let (_, tenant) = lock_tenant(&state, &mut write.tx, &domain).await?;
    caller.check_tenant(&tenant, TenantAccess::Manage)?;
    delete_tenant_row(&mut write.tx, tenant.id).await?;
    commit_change(&state, write, tenant_scope(&tenant)).await?;
    Ok(StatusCode::NO_CONTENT)
}
