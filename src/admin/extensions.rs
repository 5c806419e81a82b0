//! `/api/tenants/{domain}/extensions`: the SIP users of a tenant. Passwords and voicemail PINs are
//! accepted on create and update and never returned.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::{tenant_for, Caller, TenantAccess};
use super::error::{ApiError, ErrorBody};
use super::extract::{finish_page, PageQuery, ValidJson};
use super::fields::{enabled_by_default, present};
use super::write::{check_user_limit, commit_change, lock_tenant, tenant_scope};
use super::AdminState;
use crate::domain::dataset::new_id;
use crate::domain::{
    now, CallerIdNumber, Extension, ExtensionNumber, FreeText, Secret, Tenant, VoicemailPin,
};
use crate::store::dids::{list_dids_to_extension, update_did_destination};
use crate::store::extensions::{
    delete_extension as delete_extension_row, find_extension,
    list_extensions as list_extension_rows, update_extension as update_extension_row,
};
use crate::store::tenants::count_extensions;
use crate::store::transfer::insert_extension;

/// An extension as the API shows it, without its password and PIN.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtensionView {
    pub id: Uuid,
    /// The tenant's domain.
    pub tenant: String,
    #[schema(value_type = String, example = "1001")]
    pub number: ExtensionNumber,
    #[schema(value_type = String, example = "Alice Reyes")]
    pub display_name: FreeText,
    pub voicemail_enabled: bool,
    /// Whether a voicemail PIN is set; the PIN itself is never returned.
    pub voicemail_pin_set: bool,
    #[schema(value_type = Option<String>)]
    pub internal_caller_id_name: Option<FreeText>,
    #[schema(value_type = Option<String>)]
    pub internal_caller_id_number: Option<CallerIdNumber>,
    #[schema(value_type = Option<String>)]
    pub outbound_caller_id_name: Option<FreeText>,
    #[schema(value_type = Option<String>)]
    pub outbound_caller_id_number: Option<CallerIdNumber>,
    pub enabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl ExtensionView {
    fn new(x: Extension, tenant: &Tenant) -> Self {
        Self {
            id: x.id,
            tenant: tenant.domain.to_string(),
            number: x.number,
            display_name: x.display_name,
            voicemail_enabled: x.voicemail_enabled,
            voicemail_pin_set: x.voicemail_pin.is_some(),
            internal_caller_id_name: x.internal_caller_id_name,
            internal_caller_id_number: x.internal_caller_id_number,
            outbound_caller_id_name: x.outbound_caller_id_name,
            outbound_caller_id_number: x.outbound_caller_id_number,
            enabled: x.enabled,
            created_at: x.created_at,
            updated_at: x.updated_at,
        }
    }
}

/// One page of extensions.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtensionList {
    pub items: Vec<ExtensionView>,
    pub next_cursor: Option<String>,
}

/// The body of `POST /api/tenants/{domain}/extensions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateExtension {
    /// 2 to 15 digits, as a string: `0101` and `101` are different extensions.
    #[schema(value_type = String, example = "1004")]
    pub number: ExtensionNumber,
    #[serde(default = "FreeText::empty")]
    #[schema(value_type = String, example = "Dana Kim")]
    pub display_name: FreeText,
    /// The SIP password: 1 to 128 printable ASCII characters without space, `$`, `{`, `}` or `\`.
    /// Never returned.
    #[schema(value_type = String, format = Password)]
    pub password: Secret,
    #[serde(default = "enabled_by_default")]
    #[schema(default = true)]
    pub voicemail_enabled: bool,
    /// 4 to 12 digits. Never returned.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Password)]
    pub voicemail_pin: Option<VoicemailPin>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub internal_caller_id_name: Option<FreeText>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub internal_caller_id_number: Option<CallerIdNumber>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub outbound_caller_id_name: Option<FreeText>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub outbound_caller_id_number: Option<CallerIdNumber>,
    #[serde(default = "enabled_by_default")]
    #[schema(default = true)]
    pub enabled: bool,
}

/// The body of `PUT /api/tenants/{domain}/extensions/{number}`: only the fields present change. A new
/// `number` renumbers the extension and the DIDs that route to it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateExtension {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub number: Option<ExtensionNumber>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub display_name: Option<FreeText>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Password)]
    pub password: Option<Secret>,
    #[serde(default, deserialize_with = "present")]
    pub voicemail_enabled: Option<bool>,
    /// Null removes the PIN.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Password)]
    pub voicemail_pin: Option<Option<VoicemailPin>>,
    /// Null removes the value; the same holds for the other caller ID fields.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub internal_caller_id_name: Option<Option<FreeText>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub internal_caller_id_number: Option<Option<CallerIdNumber>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub outbound_caller_id_name: Option<Option<FreeText>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub outbound_caller_id_number: Option<Option<CallerIdNumber>>,
    #[serde(default, deserialize_with = "present")]
    pub enabled: Option<bool>,
}

/// Lists a tenant's extensions ordered by number.
#[utoipa::path(get, path = "/api/tenants/{domain}/extensions", tag = "extensions",
    params(("domain" = String, Path, description = "tenant domain"),
           ("limit" = Option<u32>, Query, description = "page size, 1 to 1000, default 100"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = ExtensionList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn list_extensions(
    State(state): State<AdminState>,
    caller: Caller,
    Path(domain): Path<String>,
    page: PageQuery,
) -> Result<Json<ExtensionList>, ApiError> {
    let mut conn = state.connection().await?;
    let tenant = tenant_for(caller, &mut conn, &domain, TenantAccess::Contents).await?;
    let mut rows =
        list_extension_rows(&mut conn, tenant.id, page.after.as_deref(), page.limit + 1).await?;
    let next_cursor = finish_page(&mut rows, page.limit, |x| x.number.to_string());
    let items = rows
        .into_iter()
        .map(|x| ExtensionView::new(x, &tenant))
        .collect();
    Ok(Json(ExtensionList { items, next_cursor }))
}

/// Creates an extension within the tenant's `max_extensions` and the enterprise's `max_users`.
#[utoipa::path(post, path = "/api/tenants/{domain}/extensions", tag = "extensions", request_body = CreateExtension,
    params(("domain" = String, Path, description = "tenant domain")),
    responses((status = 201, body = ExtensionView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_extension(
    State(state): State<AdminState>,
    caller: Caller,
    Path(domain): Path<String>,
    ValidJson(body): ValidJson<CreateExtension>,
) -> Result<(StatusCode, Json<ExtensionView>), ApiError> {
    let mut write = state.store().begin_write().await?;
    let (enterprise, tenant) = lock_tenant(&state, &mut write.tx, &domain).await?;
    caller.check_tenant(&tenant, TenantAccess::Contents)?;

    if find_extension(&mut write.tx, tenant.id, body.number.as_str())
        .await?
        .is_some()
    {
        return Err(ApiError::conflict_field(
            "number",
            format!(
                "extension {} already exists in tenant {}",
                body.number, tenant.domain
            ),
        ));
    }
    if let Some(max) = tenant.max_extensions.max() {
        let used = count_extensions(&mut write.tx, tenant.id).await?;
        if used + 1 > u64::from(max) {
            return Err(ApiError::conflict_field(
                "max_extensions",
                format!(
                    "tenant {} has {used} of {max} extensions; raise max_extensions first",
                    tenant.domain
                ),
            ));
        }
    }
    if let Some(enterprise) = &enterprise {
        check_user_limit(&mut write.tx, enterprise, 1).await?;
    }

    let created = now();
    let extension = Extension {
        id: new_id(),
        tenant_id: tenant.id,
        number: body.number,
        display_name: body.display_name,
        sip_password: body.password,
        voicemail_enabled: body.voicemail_enabled,
        voicemail_pin: body.voicemail_pin,
        internal_caller_id_name: body.internal_caller_id_name,
        internal_caller_id_number: body.internal_caller_id_number,
        outbound_caller_id_name: body.outbound_caller_id_name,
        outbound_caller_id_number: body.outbound_caller_id_number,
        enabled: body.enabled,
        created_at: created,
        updated_at: created,
    };
    insert_extension(&mut write.tx, &extension).await?;
    commit_change(&state, write, tenant_scope(&tenant)).await?;
    Ok((
        StatusCode::CREATED,
        Json(ExtensionView::new(extension, &tenant)),
    ))
}

/// Returns one extension.
#[utoipa::path(get, path = "/api/tenants/{domain}/extensions/{number}", tag = "extensions",
    params(("domain" = String, Path, description = "tenant domain"), ("number" = String, Path, description = "extension number")),
    responses((status = 200, body = ExtensionView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_extension(
    State(state): State<AdminState>,
    caller: Caller,
    Path((domain, number)): Path<(String, String)>,
) -> Result<Json<ExtensionView>, ApiError> {
    let mut conn = state.connection().await?;
    let tenant = tenant_for(caller, &mut conn, &domain, TenantAccess::Contents).await?;
    let extension = find_extension(&mut conn, tenant.id, &number)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("extension {number} in tenant {}", tenant.domain))
        })?;
    Ok(Json(ExtensionView::new(extension, &tenant)))
}

/// Changes the fields the body carries; a new number also moves the DIDs that route to the extension.
#[utoipa::path(put, path = "/api/tenants/{domain}/extensions/{number}", tag = "extensions", request_body = UpdateExtension,
    params(("domain" = String, Path, description = "tenant domain"), ("number" = String, Path, description = "extension number")),
    responses((status = 200, body = ExtensionView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_extension(
    State(state): State<AdminState>,
    caller: Caller,
    Path((domain, number)): Path<(String, String)>,
    ValidJson(body): ValidJson<UpdateExtension>,
) -> Result<Json<ExtensionView>, ApiError> {
    let mut write = state.store().begin_write().await?;
    let (_, tenant) = lock_tenant(&state, &mut write.tx, &domain).await?;
    caller.check_tenant(&tenant, TenantAccess::Contents)?;
    let mut extension = find_extension(&mut write.tx, tenant.id, &number)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("extension {number} in tenant {}", tenant.domain))
        })?;
    let changed_at = now();

    if let Some(new_number) = body.number.filter(|n| *n != extension.number) {
        if find_extension(&mut write.tx, tenant.id, new_number.as_str())
            .await?
            .is_some()
        {
            return Err(ApiError::conflict_field(
                "number",
                format!(
                    "extension {new_number} already exists in tenant {}",
                    tenant.domain
                ),
            ));
        }
        for did in
            list_dids_to_extension(&mut write.tx, tenant.id, extension.number.as_str()).await?
        {
            update_did_destination(&mut write.tx, did.id, &new_number, changed_at).await?;
        }
        extension.number = new_number;
    }
    if let Some(display_name) = body.display_name {
        extension.display_name = display_name;
    }
    if let Some(password) = body.password {
        extension.sip_password = password;
    }
    if let Some(enabled) = body.voicemail_enabled {
        extension.voicemail_enabled = enabled;
    }
    if let Some(pin) = body.voicemail_pin {
        extension.voicemail_pin = pin;
    }
    if let Some(value) = body.internal_caller_id_name {
        extension.internal_caller_id_name = value;
    }
    if let Some(value) = body.internal_caller_id_number {
        extension.internal_caller_id_number = value;
    }
    if let Some(value) = body.outbound_caller_id_name {
        extension.outbound_caller_id_name = value;
    }
    if let Some(value) = body.outbound_caller_id_number {
        extension.outbound_caller_id_number = value;
    }
    if let Some(enabled) = body.enabled {
        extension.enabled = enabled;
    }
    extension.updated_at = changed_at;

    update_extension_row(&mut write.tx, &extension).await?;
    commit_change(&state, write, tenant_scope(&tenant)).await?;
    Ok(Json(ExtensionView::new(extension, &tenant)))
}

/// Deletes an extension. An extension that DIDs route to is a conflict: point or delete the DIDs first.
#[utoipa::path(delete, path = "/api/tenants/{domain}/extensions/{number}", tag = "extensions",
    params(("domain" = String, Path, description = "tenant domain"), ("number" = String, Path, description = "extension number")),
    responses((status = 204, description = "deleted"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn delete_extension(
    State(state): State<AdminState>,
    caller: Caller,
    Path((domain, number)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let mut write = state.store().begin_write().await?;
    let (_, tenant) = lock_tenant(&state, &mut write.tx, &domain).await?;
    caller.check_tenant(&tenant, TenantAccess::Contents)?;
    let extension = find_extension(&mut write.tx, tenant.id, &number)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("extension {number} in tenant {}", tenant.domain))
        })?;
    let dids = list_dids_to_extension(&mut write.tx, tenant.id, extension.number.as_str()).await?;
    if !dids.is_empty() {
        let numbers: Vec<&str> = dids.iter().map(|d| d.number.as_str()).collect();
        return Err(ApiError::conflict(format!(
            "DIDs {} route to extension {number}; point them elsewhere or delete them first",
            numbers.join(", ")
        )));
    }
    delete_extension_row(&mut write.tx, extension.id).await?;
    commit_change(&state, write, tenant_scope(&tenant)).await?;
    Ok(StatusCode::NO_CONTENT)
}
