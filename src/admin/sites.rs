//! The site lifecycle under `/api/organization/{code}/sites`: the sites grid with its collision
//! warnings, adding a brand-new site, assigning existing tenants, unassigning and deleting sites, and
//! the rule that picks a dialing code automatically.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{enterprise_for, Caller, EnterpriseAccess};
use super::error::{ApiError, ErrorBody};
use super::extract::{page_in_memory, PageQuery, ValidJson};
use super::tenants::{CreateTenant, TenantView};
use super::write::{check_site_limit, check_user_limit, commit_change, enterprise_scope};
use super::AdminState;
use crate::domain::{now, DialingCode, DomainName, Enterprise, FreeText, Limit, Tenant};
use crate::store::directory::clear_directory_site;
use crate::store::enterprises::lock_enterprise_by_code;
use crate::store::tenants::{
    count_extensions, delete_tenant as delete_tenant_row, find_tenant_by_domain, list_sites,
    lock_tenant_by_domain, set_membership,
};
use crate::store::transfer::insert_tenant;

/// Used and maximum count of one kind of item.
#[derive(Debug, Serialize, ToSchema)]
pub struct Usage {
    pub used: u64,
    /// Null means unlimited.
    #[schema(value_type = Option<u32>)]
    pub max: Limit,
}

/// One row of the sites grid.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteRow {
    #[schema(value_type = String)]
    pub name: FreeText,
    #[schema(value_type = String)]
    pub description: FreeText,
    #[schema(value_type = String)]
    pub domain: DomainName,
    #[schema(value_type = Option<String>)]
    pub dialing_code: Option<DialingCode>,
    #[schema(value_type = String)]
    pub location: FreeText,
    pub enabled: bool,
    pub extensions: Usage,
    pub dids: Usage,
    /// Queues are not stored yet, so `used` is always 0.
    pub queues: Usage,
    #[schema(value_type = Option<u32>)]
    pub max_external_calls: Limit,
    pub contact_center: bool,
    pub ms_teams: bool,
    #[schema(value_type = String)]
    pub tag: FreeText,
}

/// A dialing code that is a prefix of another: `*88` `1` `0...` and `*88` `10` `...` overlap, and the
/// longest code wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CodePrefixWarning {
    pub code: String,
    pub site: String,
    /// The longer code that starts with `code`.
    pub prefix_of: String,
    pub other_site: String,
}

/// An extension number present in several sites; in `direct` mode only the first site (by dialing
/// code) is reached without the prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DuplicateExtension {
    pub number: String,
    /// The sites' domains, in dialing-code order.
    pub sites: Vec<String>,
}

/// The warnings an administrator needs before choosing an inter-site mode.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct SiteWarnings {
    pub code_prefixes: Vec<CodePrefixWarning>,
    pub duplicate_extensions: Vec<DuplicateExtension>,
}

/// One page of the sites grid, in dialing-code order, with the warnings of the whole enterprise.
#[derive(Debug, Serialize, ToSchema)]
pub struct SitesGrid {
    pub items: Vec<SiteRow>,
    pub next_cursor: Option<String>,
    pub warnings: SiteWarnings,
}

/// A list of tenant domains, the body of assign, unassign and delete.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantDomains {
    #[schema(value_type = Vec<String>, example = json!(["globex.example"]))]
    pub tenants: Vec<DomainName>,
}

/// A tenant that became a site.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignedSite {
    pub domain: String,
    pub dialing_code: String,
}

/// A tenant that was left out, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkippedTenant {
    pub domain: String,
    pub reason: String,
}

/// The result of assigning tenants.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignResult {
    pub assigned: Vec<AssignedSite>,
    pub skipped: Vec<SkippedTenant>,
    /// Dialing codes that had to collide with a prefix of another code.
    pub warnings: Vec<String>,
}

/// The result of unassigning or deleting sites.
#[derive(Debug, Serialize, ToSchema)]
pub struct SitesChanged {
    /// The domains of the tenants that were unassigned or deleted.
    pub tenants: Vec<String>,
}

/// A new site, with any warning about its dialing code.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteCreated {
    pub site: TenantView,
    pub warnings: Vec<String>,
}

/// Picks the dialing code of a new site: the lowest positive integer that is unused and is neither a
/// prefix of an existing code nor has one as its prefix (demo codes 10, 20, 30 give 4). When no such
/// code of at most 16 digits exists, it picks the lowest unused one and returns a warning.
pub fn automatic_dialing_code(existing: &[&str]) -> (DialingCode, Option<String>) {
    let mut candidate: u128 = 1;
    loop {
        let text = candidate.to_string();
        if text.len() > 16 {
            break;
        }
        if let Some(prefix) = existing.iter().find(|code| text.starts_with(**code)) {
            // Every number that starts with `prefix` is blocked: jump past them, for example from 15
            // (blocked by 1) to 20.
            let rest = text.len() - prefix.len();
            let prefix_value: u128 = prefix.parse().unwrap_or(0);
            candidate = (prefix_value + 1) * 10u128.pow(rest as u32);
            continue;
        }
        if existing.iter().any(|code| code.starts_with(text.as_str())) {
            candidate += 1;
            continue;
        }
        return (
            DialingCode::parse(&text).expect("a positive integer of at most 16 digits"),
            None,
        );
    }

    let mut fallback: u128 = 1;
    while existing.contains(&fallback.to_string().as_str()) {
        fallback += 1;
    }
    let text = fallback.to_string();
    let warning = format!(
        "no dialing code is free of prefix collisions; assigned {text}, which overlaps another code in prefix dialing"
    );
    (
        DialingCode::parse(&text).expect("a positive integer"),
        Some(warning),
    )
}

/// Returns the warnings for an explicitly chosen dialing code that overlaps an existing one.
fn explicit_code_warnings(code: &DialingCode, sites: &[Tenant]) -> Vec<String> {
    sites
        .iter()
        .filter_map(|site| {
            let other = site.dialing_code.as_ref()?;
            let overlaps = other.as_str().starts_with(code.as_str())
                || code.as_str().starts_with(other.as_str());
            overlaps.then(|| {
                format!(
                    "dialing code {code} overlaps code {other} of {} in prefix dialing",
                    site.domain
                )
            })
        })
        .collect()
}

/// Finds the collisions of an enterprise's sites: codes that are prefixes of other codes, and
/// extension numbers present in several sites. `sites` must be in dialing-code order.
pub fn site_warnings(sites: &[Tenant], extensions: &[crate::domain::Extension]) -> SiteWarnings {
    let mut warnings = SiteWarnings::default();
    for a in sites {
        for b in sites {
            let (Some(code_a), Some(code_b)) = (&a.dialing_code, &b.dialing_code) else {
                continue;
            };
            if a.id != b.id
                && code_a.as_str().len() < code_b.as_str().len()
                && code_b.as_str().starts_with(code_a.as_str())
            {
                warnings.code_prefixes.push(CodePrefixWarning {
                    code: code_a.to_string(),
                    site: a.domain.to_string(),
                    prefix_of: code_b.to_string(),
                    other_site: b.domain.to_string(),
                });
            }
        }
    }

    let position: std::collections::HashMap<_, _> =
        sites.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let mut by_number: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for extension in extensions {
        if let Some(&i) = position.get(&extension.tenant_id) {
            by_number
                .entry(extension.number.as_str())
                .or_default()
                .push(i);
        }
    }
    for (number, mut owners) in by_number {
        owners.sort_unstable();
        owners.dedup();
        if owners.len() > 1 {
            let sites = owners
                .iter()
                .map(|&i| sites[i].domain.to_string())
                .collect();
            warnings.duplicate_extensions.push(DuplicateExtension {
                number: number.to_owned(),
                sites,
            });
        }
    }
    warnings
}

/// Sorts sites by numeric dialing code, the order direct dialing tries them in.
pub fn sort_by_code(sites: &mut [Tenant]) {
    sites.sort_by(|a, b| match (&a.dialing_code, &b.dialing_code) {
        (Some(x), Some(y)) => x.numeric_cmp(y).then_with(|| a.domain.cmp(&b.domain)),
        _ => a.domain.cmp(&b.domain),
    });
}

/// A sort key whose string order is the numeric dialing-code order, for cursors.
fn code_key(site: &Tenant) -> String {
    let code = site.dialing_code.as_ref().map_or("", |c| c.as_str());
    let trimmed = code.trim_start_matches('0');
    format!("{trimmed:0>16}{:02}{}", code.len(), site.domain)
}

/// Returns the sites grid: usage per site and the collision warnings of the whole enterprise.
#[utoipa::path(get, path = "/api/organization/{code}/sites", tag = "sites",
    params(("code" = String, Path, description = "enterprise code"),
           ("limit" = Option<u32>, Query, description = "page size, 1 to 1000, default 100"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = SitesGrid), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_sites_grid(
    State(state): State<AdminState>,
    caller: Caller,
    Path(code): Path<String>,
    page: PageQuery,
) -> Result<Json<SitesGrid>, ApiError> {
    let mut conn = state.connection().await?;
    let enterprise = enterprise_for(caller, &mut conn, &code, EnterpriseAccess::Manage).await?;
    drop(conn);
    let unit = state
        .store()
        .load_enterprise_unit(enterprise.id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("enterprise {code}")))?;

    let mut sites = unit.tenants;
    sort_by_code(&mut sites);
    let warnings = site_warnings(&sites, &unit.extensions);
    let (sites, next_cursor) = page_in_memory(sites, &page, code_key);

    let items = sites
        .into_iter()
        .map(|site| {
            let extensions = unit
                .extensions
                .iter()
                .filter(|x| x.tenant_id == site.id)
                .count() as u64;
            let dids = unit.dids.iter().filter(|d| d.tenant_id == site.id).count() as u64;
            SiteRow {
                extensions: Usage {
                    used: extensions,
                    max: site.max_extensions,
                },
                dids: Usage {
                    used: dids,
                    max: site.max_dids,
                },
                queues: Usage {
                    used: 0,
                    max: site.max_queues,
                },
                name: site.name,
                description: site.description,
                domain: site.domain,
                dialing_code: site.dialing_code,
                location: site.location,
                enabled: site.enabled,
                max_external_calls: site.max_external_calls,
                contact_center: site.contact_center,
                ms_teams: site.ms_teams,
                tag: site.tag,
            }
        })
        .collect();
    Ok(Json(SitesGrid {
        items,
        next_cursor,
        warnings,
    }))
}

/// Creates a brand-new tenant as a site of the enterprise, within `max_sites`. The dialing code is
/// chosen automatically when the body gives none.
#[utoipa::path(post, path = "/api/organization/{code}/sites", tag = "sites", request_body = CreateTenant,
    params(("code" = String, Path, description = "enterprise code")),
    responses((status = 201, body = SiteCreated), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn create_site(
    State(state): State<AdminState>,
    caller: Caller,
    Path(code): Path<String>,
    ValidJson(body): ValidJson<CreateTenant>,
) -> Result<(StatusCode, Json<SiteCreated>), ApiError> {
    let requested_code = body.dialing_code.clone();
    let mut tenant = body.into_tenant();

    let mut write = state.store().begin_write().await?;
    let enterprise = lock_for_lifecycle(
        &state,
        &mut write.tx,
        caller,
        &code,
        EnterpriseAccess::Manage,
    )
    .await?;
    if find_tenant_by_domain(&mut write.tx, tenant.domain.as_str())
        .await?
        .is_some()
    {
        return Err(ApiError::conflict_field(
            "domain",
            format!("tenant {} already exists", tenant.domain),
        ));
    }
    check_site_limit(&mut write.tx, &enterprise, 1).await?;

    let sites = list_sites(&mut write.tx, enterprise.id).await?;
    let (dialing_code, warnings) = match requested_code {
        Some(requested) => {
            if let Some(other) = sites
                .iter()
                .find(|s| s.dialing_code.as_ref() == Some(&requested))
            {
                return Err(ApiError::conflict_field(
                    "dialing_code",
                    format!(
                        "dialing code {requested} is already used by {}",
                        other.domain
                    ),
                ));
            }
            let warnings = explicit_code_warnings(&requested, &sites);
            (requested, warnings)
        }
        None => {
            let codes: Vec<&str> = sites
                .iter()
                .filter_map(|s| s.dialing_code.as_ref().map(|c| c.as_str()))
                .collect();
            let (code, warning) = automatic_dialing_code(&codes);
            (code, warning.into_iter().collect())
        }
    };
    tenant.enterprise_id = Some(enterprise.id);
    tenant.dialing_code = Some(dialing_code);
    insert_tenant(&mut write.tx, &tenant).await?;
    commit_change(
        &state,
        write,
        enterprise_scope(enterprise.id, vec![tenant.id]),
    )
    .await?;

    let site = TenantView::new(tenant, Some(enterprise.code.to_string()));
    Ok((StatusCode::CREATED, Json(SiteCreated { site, warnings })))
}

/// Makes existing standalone tenants sites of the enterprise (platform administrators), each with an
/// automatic dialing code. Tenants already in an enterprise are skipped. The whole request fails with
/// 409 when it would exceed `max_sites` or `max_users` (which counts the extensions the tenants bring).
#[utoipa::path(post, path = "/api/organization/{code}/sites/assign", tag = "sites", request_body = TenantDomains,
    params(("code" = String, Path, description = "enterprise code")),
    responses((status = 200, body = AssignResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn assign_sites(
    State(state): State<AdminState>,
    caller: Caller,
    Path(code): Path<String>,
    ValidJson(body): ValidJson<TenantDomains>,
) -> Result<Json<AssignResult>, ApiError> {
    let domains = distinct_domains(body.tenants)?;
    let mut write = state.store().begin_write().await?;
    let enterprise = lock_for_lifecycle(
        &state,
        &mut write.tx,
        caller,
        &code,
        EnterpriseAccess::Platform,
    )
    .await?;

    let mut to_assign = Vec::new();
    let mut skipped = Vec::new();
    for domain in &domains {
        let tenant =
            lock_tenant_by_domain(&mut write.tx, state.store().for_update(), domain.as_str())
                .await?
                .ok_or_else(|| ApiError::not_found(format!("tenant {domain}")))?;
        match tenant.enterprise_id {
            Some(id) if id == enterprise.id => skipped.push(SkippedTenant {
                domain: domain.to_string(),
                reason: format!("already a site of {}", enterprise.code),
            }),
            Some(_) => skipped.push(SkippedTenant {
                domain: domain.to_string(),
                reason: "already a site of another enterprise".to_owned(),
            }),
            None => to_assign.push(tenant),
        }
    }

    check_site_limit(&mut write.tx, &enterprise, to_assign.len() as u64).await?;
    let mut brought = 0;
    for tenant in &to_assign {
        brought += count_extensions(&mut write.tx, tenant.id).await?;
    }
    check_user_limit(&mut write.tx, &enterprise, brought).await?;

    let mut codes: Vec<String> = list_sites(&mut write.tx, enterprise.id)
        .await?
        .into_iter()
        .filter_map(|s| s.dialing_code.map(|c| c.to_string()))
        .collect();
    let changed_at = now();
    let mut assigned = Vec::new();
    let mut warnings = Vec::new();
    for tenant in &to_assign {
        let existing: Vec<&str> = codes.iter().map(String::as_str).collect();
        let (dialing_code, warning) = automatic_dialing_code(&existing);
        set_membership(
            &mut write.tx,
            tenant.id,
            Some(enterprise.id),
            Some(&dialing_code),
            changed_at,
        )
        .await?;
        warnings.extend(warning.map(|w| format!("{}: {w}", tenant.domain)));
        assigned.push(AssignedSite {
            domain: tenant.domain.to_string(),
            dialing_code: dialing_code.to_string(),
        });
        codes.push(dialing_code.to_string());
    }

    let tenant_ids = to_assign.iter().map(|t| t.id).collect();
    commit_change(&state, write, enterprise_scope(enterprise.id, tenant_ids)).await?;
    Ok(Json(AssignResult {
        assigned,
        skipped,
        warnings,
    }))
}

/// Makes sites standalone tenants again: their enterprise link and dialing code are cleared, and
/// directory entries that named them lose that site. Nothing else of the tenants changes.
#[utoipa::path(post, path = "/api/organization/{code}/sites/unassign", tag = "sites", request_body = TenantDomains,
    params(("code" = String, Path, description = "enterprise code")),
    responses((status = 200, body = SitesChanged), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn unassign_sites(
    State(state): State<AdminState>,
    caller: Caller,
    Path(code): Path<String>,
    ValidJson(body): ValidJson<TenantDomains>,
) -> Result<Json<SitesChanged>, ApiError> {
    let domains = distinct_domains(body.tenants)?;
    let mut write = state.store().begin_write().await?;
    let enterprise = lock_for_lifecycle(
        &state,
        &mut write.tx,
        caller,
        &code,
        EnterpriseAccess::Manage,
    )
    .await?;
    let sites = lock_sites(&state, &mut write.tx, &enterprise, &domains).await?;

    let changed_at = now();
    for site in &sites {
        clear_directory_site(&mut write.tx, enterprise.id, site.id, changed_at).await?;
        set_membership(&mut write.tx, site.id, None, None, changed_at).await?;
    }
    let tenants = sites.iter().map(|s| s.domain.to_string()).collect();
    commit_change(
        &state,
        write,
        enterprise_scope(enterprise.id, sites.iter().map(|s| s.id).collect()),
    )
    .await?;
    Ok(Json(SitesChanged { tenants }))
}

/// Deletes sites with all their data (extensions, DIDs).
#[utoipa::path(post, path = "/api/organization/{code}/sites/delete", tag = "sites", request_body = TenantDomains,
    params(("code" = String, Path, description = "enterprise code")),
    responses((status = 200, body = SitesChanged), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delete_sites(
    State(state): State<AdminState>,
    caller: Caller,
    Path(code): Path<String>,
    ValidJson(body): ValidJson<TenantDomains>,
) -> Result<Json<SitesChanged>, ApiError> {
    let domains = distinct_domains(body.tenants)?;
    let mut write = state.store().begin_write().await?;
    let enterprise = lock_for_lifecycle(
        &state,
        &mut write.tx,
        caller,
        &code,
        EnterpriseAccess::Manage,
    )
    .await?;
    let sites = lock_sites(&state, &mut write.tx, &enterprise, &domains).await?;

    for site in &sites {
        delete_tenant_row(&mut write.tx, site.id).await?;
    }
    let tenants = sites.iter().map(|s| s.domain.to_string()).collect();
    commit_change(
        &state,
        write,
        enterprise_scope(enterprise.id, sites.iter().map(|s| s.id).collect()),
    )
    .await?;
    Ok(Json(SitesChanged { tenants }))
}

/// Locks the enterprise row for a lifecycle operation and checks the caller's access to it.
async fn lock_for_lifecycle(
    state: &AdminState,
    conn: &mut sqlx::AnyConnection,
    caller: Caller,
    code: &str,
    access: EnterpriseAccess,
) -> Result<Enterprise, ApiError> {
    let enterprise = lock_enterprise_by_code(conn, state.store().for_update(), code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("enterprise {code}")))?;
    caller.check_enterprise(conn, &enterprise, access).await?;
    Ok(enterprise)
}

/// Locks the named tenants, which must all be sites of `enterprise` (404 naming the first that is not).
async fn lock_sites(
    state: &AdminState,
    conn: &mut sqlx::AnyConnection,
    enterprise: &Enterprise,
    domains: &[DomainName],
) -> Result<Vec<Tenant>, ApiError> {
    let mut sites = Vec::with_capacity(domains.len());
    for domain in domains {
        let tenant =
            lock_tenant_by_domain(conn, state.store().for_update(), domain.as_str()).await?;
        match tenant {
            Some(tenant) if tenant.enterprise_id == Some(enterprise.id) => sites.push(tenant),
            _ => {
                return Err(ApiError::NotFound(format!(
                    "tenant {domain} not found among the sites of enterprise {}",
                    enterprise.code
                )))
            }
        }
    }
    Ok(sites)
}

/// Removes repeated domains and sorts them, so that concurrent requests lock rows in the same order.
fn distinct_domains(domains: Vec<DomainName>) -> Result<Vec<DomainName>, ApiError> {
    if domains.is_empty() {
        return Err(ApiError::invalid(
            "tenants",
            "tenants: must name at least one tenant domain",
        ));
    }
    let distinct: BTreeSet<DomainName> = domains.into_iter().collect();
    Ok(distinct.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(existing: &[&str]) -> (String, bool) {
        let (code, warning) = automatic_dialing_code(existing);
        (code.to_string(), warning.is_some())
    }

    #[test]
    fn automatic_code_skips_prefix_collisions() {
        assert_eq!(code(&[]), ("1".to_owned(), false));
        assert_eq!(code(&["10", "20", "30"]), ("4".to_owned(), false));
        assert_eq!(code(&["1", "2"]), ("3".to_owned(), false));
        assert_eq!(
            code(&["1", "2", "3", "4", "5", "6", "7", "8"]),
            ("9".to_owned(), false)
        );
    }

    #[test]
    fn automatic_code_moves_to_longer_codes() {
        let nine: Vec<String> = (1..=9).map(|n| n.to_string()).collect();
        let existing: Vec<&str> = nine.iter().map(String::as_str).collect();
        assert_eq!(code(&existing), ("10".to_owned(), true));

        assert_eq!(
            code(&["1", "2", "3", "4", "5", "6", "7", "8", "90"]),
            ("91".to_owned(), false)
        );
    }

    #[test]
    fn automatic_code_falls_back_with_warning() {
        let nine: Vec<String> = (1..=9).map(|n| n.to_string()).collect();
        let mut existing: Vec<&str> = nine.iter().map(String::as_str).collect();
        existing.push("10");
        assert_eq!(code(&existing), ("11".to_owned(), true));
    }
}
