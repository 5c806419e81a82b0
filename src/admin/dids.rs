//! `/api/tenants/{domain}/dids`: the public numbers of a tenant and the extension each routes to.

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
use super::fields::present;
use super::write::{commit_change, lock_tenant, tenant_scope};
use super::AdminState;
use crate::domain::dataset::new_id;
use crate::domain::{now, Did, DidNumber, ExtensionNumber, Tenant};
use crate::store::dids::{
    delete_did as delete_did_row, find_did, list_dids as list_did_rows, update_did_destination,
};
use crate::store::extensions::find_extension;
use crate::store::tenants::count_dids;
use crate::store::transfer::insert_did;

/// A DID as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DidView {
    pub id: Uuid,
    /// The tenant's domain.
    pub tenant: String,
    #[schema(value_type = String, example = "+12125550100")]
    pub number: DidNumber,
    /// An extension of the same tenant.
    #[schema(value_type = String, example = "1001")]
    pub destination: ExtensionNumber,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl DidView {
    fn new(d: Did, tenant: &Tenant) -> Self {
        Self {
            id: d.id,
            tenant: tenant.domain.to_string(),
            number: d.number,
            destination: d.destination,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// One page of DIDs.
#[derive(Debug, Serialize, ToSchema)]
pub struct DidList {
    pub items: Vec<DidView>,
    pub next_cursor: Option<String>,
}

/// The body of `POST /api/tenants/{domain}/dids`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDid {
    /// E.164 with `+`, unique on the platform.
    #[schema(value_type = String, example = "+12125550199")]
    pub number: DidNumber,
    /// An existing extension of the tenant.
    #[schema(value_type = String, example = "1001")]
    pub destination: ExtensionNumber,
}

/// The body of `PUT /api/tenants/{domain}/dids/{number}`. The number itself cannot change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDid {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub destination: Option<ExtensionNumber>,
}

async fn require_destination(
    conn: &mut AnyConnection,
    tenant: &Tenant,
    destination: &ExtensionNumber,
) -> Result<(), ApiError> {
    if find_extension(conn, tenant.id, destination.as_str())
        .await?
        .is_none()
    {
        return Err(ApiError::invalid(
            "destination",
            format!(
                "destination: tenant {} has no extension {destination}",
                tenant.domain
            ),
        ));
    }
    Ok(())
}

/// Lists a tenant's DIDs ordered by number.
#[utoipa::path(get, path = "/api/tenants/{domain}/dids", tag = "dids",
    params(("domain" = String, Path, description = "tenant domain"),
           ("limit" = Option<u32>, Query, description = "page size, 1 to 1000, default 100"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = DidList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn list_dids(
    State(state): State<AdminState>,
    caller: Caller,
    Path(domain): Path<String>,
    page: PageQuery,
) -> Result<Json<DidList>, ApiError> {
    let mut conn = state.connection().await?;
    let tenant = tenant_for(caller, &mut conn, &domain, TenantAccess::Contents).await?;
    let mut rows =
        list_did_rows(&mut conn, tenant.id, page.after.as_deref(), page.limit + 1).await?;
    let next_cursor = finish_page(&mut rows, page.limit, |d| d.number.to_string());
    let items = rows.into_iter().map(|d| DidView::new(d, &tenant)).collect();
    Ok(Json(DidList { items, next_cursor }))
}

/// Creates a DID within the tenant's `max_dids`.
#[utoipa::path(post, path = "/api/tenants/{domain}/dids", tag = "dids", request_body = CreateDid,
    params(("domain" = String, Path, description = "tenant domain")),
    responses((status = 201, body = DidView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_did(
    State(state): State<AdminState>,
    caller: Caller,
    Path(domain): Path<String>,
    ValidJson(body): ValidJson<CreateDid>,
) -> Result<(StatusCode, Json<DidView>), ApiError> {
    let mut write = state.store().begin_write().await?;
    let (_, tenant) = lock_tenant(&state, &mut write.tx, &domain).await?;
    caller.check_tenant(&tenant, TenantAccess::Contents)?;
    require_destination(&mut write.tx, &tenant, &body.destination).await?;
    if let Some(max) = tenant.max_dids.max() {
        let used = count_dids(&mut write.tx, tenant.id).await?;
        if used + 1 > u64::from(max) {
            return Err(ApiError::conflict_field(
                "max_dids",
                format!(
                    "tenant {} has {used} of {max} DIDs; raise max_dids first",
                    tenant.domain
                ),
            ));
        }
    }

    let created = now();
    let did = Did {
        id: new_id(),
        tenant_id: tenant.id,
        number: body.number,
        destination: body.destination,
        created_at: created,
        updated_at: created,
    };
    insert_did(&mut write.tx, &did).await.map_err(|error| {
        if error.is_unique_violation() {
            ApiError::conflict_field(
                "number",
                format!("DID {} already exists on the platform", did.number),
            )
        } else {
            error.into()
        }
    })?;
    commit_change(&state, write, tenant_scope(&tenant)).await?;
    Ok((StatusCode::CREATED, Json(DidView::new(did, &tenant))))
}

/// Returns one DID; the `+` of the number may be written `%2B`.
#[utoipa::path(get, path = "/api/tenants/{domain}/dids/{number}", tag = "dids",
    params(("domain" = String, Path, description = "tenant domain"), ("number" = String, Path, description = "E.164 number")),
    responses((status = 200, body = DidView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_did(
    State(state): State<AdminState>,
    caller: Caller,
    Path((domain, number)): Path<(String, String)>,
) -> Result<Json<DidView>, ApiError> {
    let mut conn = state.connection().await?;
    let tenant = tenant_for(caller, &mut conn, &domain, TenantAccess::Contents).await?;
    let did = find_did(&mut conn, tenant.id, &number)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("DID {number} in tenant {}", tenant.domain)))?;
    Ok(Json(DidView::new(did, &tenant)))
}

/// Points a DID at another extension of its tenant.
#[utoipa::path(put, path = "/api/tenants/{domain}/dids/{number}", tag = "dids", request_body = UpdateDid,
    params(("domain" = String, Path, description = "tenant domain"), ("number" = String, Path, description = "E.164 number")),
    responses((status = 200, body = DidView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_did(
    State(state): State<AdminState>,
    caller: Caller,
    Path((domain, number)): Path<(String, String)>,
    ValidJson(body): ValidJson<UpdateDid>,
) -> Result<Json<DidView>, ApiError> {
    let mut write = state.store().begin_write().await?;
    let (_, tenant) = lock_tenant(&state, &mut write.tx, &domain).await?;
    caller.check_tenant(&tenant, TenantAccess::Contents)?;
    let mut did = find_did(&mut write.tx, tenant.id, &number)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("DID {number} in tenant {}", tenant.domain)))?;
    if let Some(destination) = body.destination {
        require_destination(&mut write.tx, &tenant, &destination).await?;
        did.destination = destination;
        did.updated_at = now();
        update_did_destination(&mut write.tx, did.id, &did.destination, did.updated_at).await?;
    }
    commit_change(&state, write, tenant_scope(&tenant)).await?;
    Ok(Json(DidView::new(did, &tenant)))
}

/// Deletes a DID.
#[utoipa::path(delete, path = "/api/tenants/{domain}/dids/{number}", tag = "dids",
    params(("domain" = String, Path, description = "tenant domain"), ("number" = String, Path, description = "E.164 number")),
    responses((status = 204, description = "deleted"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_did(
    State(state): State<AdminState>,
    caller: Caller,
    Path((domain, number)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let mut write = state.store().begin_write().await?;
    let (_, tenant) = lock_tenant(&state, &mut write.tx, &domain).await?;
    caller.check_tenant(&tenant, TenantAccess::Contents)?;
    let did = find_did(&mut write.tx, tenant.id, &number)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("DID {number} in tenant {}", tenant.domain)))?;
    delete_did_row(&mut write.tx, did.id).await?;
    commit_change(&state, write, tenant_scope(&tenant)).await?;
    Ok(StatusCode::NO_CONTENT)
}
