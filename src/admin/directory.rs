//! `/api/organization/{code}/directory`: an enterprise's shared directory. It lists every enabled
//! extension of every enabled site, with the number to dial it from another site written in the
//! prefix form (`*88` `10` `1001`, whatever the inter-site mode), plus manual entries.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::{enterprise_for, Caller, EnterpriseAccess};
use super::error::{ApiError, ErrorBody};
use super::extract::{page_in_memory, PageQuery, ValidJson};
use super::fields::{present, Email, Name};
use super::write::{commit_change, enterprise_scope};
use super::AdminState;
use crate::domain::dataset::new_id;
use crate::domain::{
    now, CallerIdNumber, DirectoryEntry, DomainName, Enterprise, FreeText, Tenant,
};
use crate::store::directory::{
    delete_directory_entry as delete_entry_row, find_directory_entry, list_directory_entries,
    update_directory_entry as update_entry_row,
};
use crate::store::enterprises::lock_enterprise_by_code;
use crate::store::tenants::find_tenant_by_domain;
use crate::store::transfer::insert_directory_entry;

/// Whether a directory item comes from an extension or was added by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DirectoryKind {
    /// Generated from an enabled extension of an enabled site; changes with the extension.
    Extension,
    /// A manual entry; change or remove it under `/directory/{id}`.
    Manual,
}

/// One entry of the shared directory.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectoryItem {
    pub kind: DirectoryKind,
    /// The id of a manual entry; null for generated entries.
    pub id: Option<Uuid>,
    pub name: String,
    /// The number to dial: for extensions, access prefix + dialing code + extension.
    pub number: String,
    /// The extension number inside its site; null for manual entries.
    pub extension: Option<String>,
    /// The site's name and domain, when the entry belongs to a site.
    pub site: Option<String>,
    pub site_domain: Option<String>,
    pub department: String,
    pub email: String,
}

/// One page of the shared directory, sorted by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryList {
    pub items: Vec<DirectoryItem>,
    pub next_cursor: Option<String>,
}

/// The body of `POST /api/organization/{code}/directory`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDirectoryEntry {
    #[schema(value_type = String, example = "Front desk")]
    pub name: Name,
    /// 1 to 32 of digits, `+`, `*` and `#`.
    #[schema(value_type = String, example = "+12125550100")]
    pub number: CallerIdNumber,
    /// The domain of a site of this enterprise.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub site: Option<DomainName>,
    #[serde(default = "FreeText::empty")]
    #[schema(value_type = String)]
    pub department: FreeText,
    #[serde(default)]
    #[schema(value_type = String, example = "desk@acme.example")]
    pub email: Email,
}

/// The body of `PUT /api/organization/{code}/directory/{id}`: only the fields present change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDirectoryEntry {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Name>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub number: Option<CallerIdNumber>,
    /// Null removes the site.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub site: Option<Option<DomainName>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub department: Option<FreeText>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Email>,
}

fn sort_key(item: &DirectoryItem) -> String {
    let tie = item.id.map_or_else(
        || item.site_domain.clone().unwrap_or_default(),
        |id| id.to_string(),
    );
    format!(
        "{}\u{0}{}\u{0}{}",
        item.name.to_lowercase(),
        item.number,
        tie
    )
}

fn matches(item: &DirectoryItem, q: &str) -> bool {
    let q = q.trim().to_lowercase();
    item.name.to_lowercase().contains(&q)
        || item.number.contains(&q)
        || item.extension.as_deref().is_some_and(|x| x.contains(&q))
}

fn manual_item(entry: DirectoryEntry, sites: &[Tenant]) -> DirectoryItem {
    let site = entry
        .site_tenant_id
        .and_then(|id| sites.iter().find(|s| s.id == id));
    DirectoryItem {
        kind: DirectoryKind::Manual,
        id: Some(entry.id),
        name: entry.name.to_string(),
        number: entry.number.to_string(),
        extension: None,
        site: site.map(|s| s.name.to_string()),
        site_domain: site.map(|s| s.domain.to_string()),
        department: entry.department.to_string(),
        email: entry.email.to_string(),
    }
}

/// Lists the shared directory; `?q=` keeps entries whose name, number or extension contains it
/// (names compared case-insensitively).
#[utoipa::path(get, path = "/api/organization/{code}/directory", tag = "directory",
    params(("code" = String, Path, description = "enterprise code"),
           ("q" = Option<String>, Query, description = "search by name or number"),
           ("limit" = Option<u32>, Query, description = "page size, 1 to 1000, default 100"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = DirectoryList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn list_directory(
    State(state): State<AdminState>,
    caller: Caller,
    Path(code): Path<String>,
    page: PageQuery,
) -> Result<Json<DirectoryList>, ApiError> {
    let mut conn = state.connection().await?;
    let enterprise =
        enterprise_for(caller, &mut conn, &code, EnterpriseAccess::ReadDirectory).await?;
    let manual = list_directory_entries(&mut conn, enterprise.id).await?;
    drop(conn);
    let unit = state
        .store()
        .load_enterprise_unit(enterprise.id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("enterprise {code}")))?;

    let mut items = Vec::new();
    for extension in unit.extensions.iter().filter(|x| x.enabled) {
        let Some(site) = unit
            .tenants
            .iter()
            .find(|t| t.id == extension.tenant_id && t.enabled)
        else {
            continue;
        };
        let Some(dialing_code) = &site.dialing_code else {
            continue;
        };
        let name = if extension.display_name.as_str().is_empty() {
            extension.number.to_string()
        } else {
            extension.display_name.to_string()
        };
        items.push(DirectoryItem {
            kind: DirectoryKind::Extension,
            id: None,
            name,
            number: format!(
                "{}{}{}",
                enterprise.access_prefix, dialing_code, extension.number
            ),
            extension: Some(extension.number.to_string()),
            site: Some(site.name.to_string()),
            site_domain: Some(site.domain.to_string()),
            department: String::new(),
            email: String::new(),
        });
    }
    items.extend(
        manual
            .into_iter()
            .map(|entry| manual_item(entry, &unit.tenants)),
    );
    if let Some(q) = &page.q {
        items.retain(|item| matches(item, q));
    }
    items.sort_by_key(sort_key);

    let (items, next_cursor) = page_in_memory(items, &page, sort_key);
    Ok(Json(DirectoryList { items, next_cursor }))
}

/// Checks that `site` is a site of the enterprise and returns its tenant (422 naming `site` if not).
async fn site_of(
    conn: &mut AnyConnection,
    enterprise: &Enterprise,
    site: &DomainName,
) -> Result<Tenant, ApiError> {
    match find_tenant_by_domain(conn, site.as_str()).await? {
        Some(tenant) if tenant.enterprise_id == Some(enterprise.id) => Ok(tenant),
        _ => Err(ApiError::invalid(
            "site",
            format!(
                "site: {site} is not a site of enterprise {}",
                enterprise.code
            ),
        )),
    }
}

async fn lock_for_directory(
    state: &AdminState,
    conn: &mut AnyConnection,
    caller: Caller,
    code: &str,
) -> Result<Enterprise, ApiError> {
    let enterprise = lock_enterprise_by_code(conn, state.store().for_update(), code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("enterprise {code}")))?;
    caller
        .check_enterprise(conn, &enterprise, EnterpriseAccess::Manage)
        .await?;
    Ok(enterprise)
}

/// Adds a manual entry to the shared directory.
#[utoipa::path(post, path = "/api/organization/{code}/directory", tag = "directory", request_body = CreateDirectoryEntry,
    params(("code" = String, Path, description = "enterprise code")),
    responses((status = 201, body = DirectoryItem), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_directory_entry(
    State(state): State<AdminState>,
    caller: Caller,
    Path(code): Path<String>,
    ValidJson(body): ValidJson<CreateDirectoryEntry>,
) -> Result<(StatusCode, Json<DirectoryItem>), ApiError> {
    let mut write = state.store().begin_write().await?;
    let enterprise = lock_for_directory(&state, &mut write.tx, caller, &code).await?;
    let site = match &body.site {
        Some(domain) => Some(site_of(&mut write.tx, &enterprise, domain).await?),
        None => None,
    };
    let created = now();
    let entry = DirectoryEntry {
        id: new_id(),
        enterprise_id: enterprise.id,
        name: body.name.0,
        number: body.number,
        site_tenant_id: site.as_ref().map(|s| s.id),
        department: body.department,
        email: body.email.0,
        created_at: created,
        updated_at: created,
    };
    insert_directory_entry(&mut write.tx, &entry).await?;
    commit_change(&state, write, enterprise_scope(enterprise.id, Vec::new())).await?;
    Ok((
        StatusCode::CREATED,
        Json(manual_item(entry, site.as_slice())),
    ))
}

fn parse_entry_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::not_found(format!("directory entry {id}")))
}

/// Changes the fields of a manual entry that the body carries.
#[utoipa::path(put, path = "/api/organization/{code}/directory/{id}", tag = "directory", request_body = UpdateDirectoryEntry,
    params(("code" = String, Path, description = "enterprise code"), ("id" = String, Path, description = "manual entry id")),
    responses((status = 200, body = DirectoryItem), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_directory_entry(
    State(state): State<AdminState>,
    caller: Caller,
    Path((code, id)): Path<(String, String)>,
    ValidJson(body): ValidJson<UpdateDirectoryEntry>,
) -> Result<Json<DirectoryItem>, ApiError> {
    let id = parse_entry_id(&id)?;
    let mut write = state.store().begin_write().await?;
    let enterprise = lock_for_directory(&state, &mut write.tx, caller, &code).await?;
    let mut entry = find_directory_entry(&mut write.tx, enterprise.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("directory entry {id}")))?;

    if let Some(name) = body.name {
        entry.name = name.0;
    }
    if let Some(number) = body.number {
        entry.number = number;
    }
    if let Some(site) = body.site {
        entry.site_tenant_id = match site {
            Some(domain) => Some(site_of(&mut write.tx, &enterprise, &domain).await?.id),
            None => None,
        };
    }
    if let Some(department) = body.department {
        entry.department = department;
    }
    if let Some(email) = body.email {
        entry.email = email.0;
    }
    entry.updated_at = now();
    update_entry_row(&mut write.tx, &entry).await?;

    let site = match entry.site_tenant_id {
        Some(site_id) => {
            crate::store::tenants::list_tenants(
                &mut write.tx,
                crate::store::tenants::TenantFilter {
                    enterprise_id: None,
                    tenant_id: Some(site_id),
                },
                None,
                1,
            )
            .await?
        }
        None => Vec::new(),
    };
    commit_change(&state, write, enterprise_scope(enterprise.id, Vec::new())).await?;
    Ok(Json(manual_item(entry, &site)))
}

/// Removes a manual entry.
#[utoipa::path(delete, path = "/api/organization/{code}/directory/{id}", tag = "directory",
    params(("code" = String, Path, description = "enterprise code"), ("id" = String, Path, description = "manual entry id")),
    responses((status = 204, description = "deleted"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete_directory_entry(
    State(state): State<AdminState>,
    caller: Caller,
    Path((code, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = parse_entry_id(&id)?;
    let mut write = state.store().begin_write().await?;
    let enterprise = lock_for_directory(&state, &mut write.tx, caller, &code).await?;
    let entry = find_directory_entry(&mut write.tx, enterprise.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("directory entry {id}")))?;
    delete_entry_row(&mut write.tx, entry.id).await?;
    commit_change(&state, write, enterprise_scope(enterprise.id, Vec::new())).await?;
    Ok(StatusCode::NO_CONTENT)
}
