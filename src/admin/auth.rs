//! Bearer-token authentication and the scope rules of the three roles.
//!
//! A platform administrator may do everything. An enterprise administrator manages one enterprise, its
//! sites and their contents. A site administrator manages one tenant's contents and reads its
//! enterprise's directory. An object outside the caller's scope is answered with 404, so that its
//! existence does not leak; an object in scope that the role may not change is answered with 403.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use uuid::Uuid;

use super::error::ApiError;
use super::AdminState;
use crate::domain::{Enterprise, Tenant};
use crate::store::enterprises::find_enterprise_by_code;
use crate::store::tenants::find_tenant_by_domain;
use crate::store::tokens::{find_token_by_hash, TokenRole};

/// The authenticated caller of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    Platform,
    /// Administrator of the enterprise with this id.
    Enterprise(Uuid),
    /// Administrator of the tenant with this id.
    Site(Uuid),
}

/// Returns the lowercase hex SHA-256 of a token, the form the store keeps.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl FromRequestParts<AdminState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AdminState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or(ApiError::Unauthorized(
                "missing Authorization header; send `Authorization: Bearer TOKEN`",
            ))?;
        let token = header
            .to_str()
            .ok()
            // The scheme name is case-insensitive (RFC 7235).
            .and_then(|value| {
                let (scheme, token) = value.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then_some(token)
            })
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or(ApiError::Unauthorized(
                "invalid Authorization header; send `Authorization: Bearer TOKEN`",
            ))?;

        let mut conn = state
            .store()
            .pool()
            .acquire()
            .await
            .map_err(crate::store::StoreError::from)?;
        let stored = find_token_by_hash(&mut conn, &hash_token(token))
            .await?
            .ok_or(ApiError::Unauthorized("invalid token"))?;
        if stored.revoked_at.is_some() {
            return Err(ApiError::Unauthorized("the token is revoked"));
        }
        if stored
            .expires_at
            .is_some_and(|expiry| expiry <= crate::domain::now())
        {
            return Err(ApiError::Unauthorized("the token has expired"));
        }

        match (stored.role, stored.scope_id) {
            (TokenRole::Platform, _) => Ok(Self::Platform),
            (TokenRole::Enterprise, Some(id)) => Ok(Self::Enterprise(id)),
            (TokenRole::Site, Some(id)) => Ok(Self::Site(id)),
            (role, None) => {
                tracing::warn!(token.id = %stored.id, role = role.as_str(), "stored token has no scope; rejected");
                Err(ApiError::Unauthorized("invalid token"))
            }
        }
    }
}

/// An action on an enterprise, checked against the caller's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnterpriseAccess {
    /// Read the shared directory: every role whose scope includes the enterprise.
    ReadDirectory,
    /// Read or change the enterprise and its sites: platform and enterprise administrators.
    Manage,
    /// Delete the enterprise or bring in existing tenants: platform administrators only.
    Platform,
}

/// An action on a tenant, checked against the caller's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantAccess {
    /// Read or change the tenant's contents: every role whose scope includes the tenant.
    Contents,
    /// Delete the tenant or move it: platform and enterprise administrators.
    Manage,
}

impl Caller {
    /// Rejects every role but platform administrators, with 403.
    pub fn require_platform(self, action: &str) -> Result<(), ApiError> {
        match self {
            Self::Platform => Ok(()),
            _ => Err(ApiError::forbidden(format!(
                "only platform administrators may {action}"
            ))),
        }
    }

    /// Returns whether the caller may see any part of the enterprise (its directory at least).
    async fn sees_enterprise(
        self,
        conn: &mut AnyConnection,
        enterprise: &Enterprise,
    ) -> Result<bool, ApiError> {
        Ok(match self {
            Self::Platform => true,
            Self::Enterprise(id) => id == enterprise.id,
            Self::Site(tenant_id) => {
                let tenant = crate::store::tenants::list_tenants(
                    conn,
                    crate::store::tenants::TenantFilter {
                        enterprise_id: Some(enterprise.id),
                        tenant_id: Some(tenant_id),
                    },
                    None,
                    1,
                )
                .await?;
                !tenant.is_empty()
            }
        })
    }

    /// Checks that the caller may do `access` on `enterprise`: 404 when it lies outside the caller's
    /// scope, 403 when the caller sees it but its role may not do this.
    pub async fn check_enterprise(
        self,
        conn: &mut AnyConnection,
        enterprise: &Enterprise,
        access: EnterpriseAccess,
    ) -> Result<(), ApiError> {
        if !self.sees_enterprise(conn, enterprise).await? {
            return Err(ApiError::not_found(format!(
                "enterprise {}",
                enterprise.code
            )));
        }
        let allowed = matches!(
            (self, access),
            (Self::Platform, _)
                | (
                    Self::Enterprise(_),
                    EnterpriseAccess::ReadDirectory | EnterpriseAccess::Manage
                )
                | (Self::Site(_), EnterpriseAccess::ReadDirectory)
        );
        if !allowed {
            let role = if matches!(self, Self::Site(_)) {
                "site"
            } else {
                "enterprise"
            };
            return Err(ApiError::forbidden(format!(
                "{role} administrators may not do this on enterprise {}",
                enterprise.code
            )));
        }
        Ok(())
    }

    /// Checks that the caller may do `access` on `tenant`: 404 outside the scope, 403 when the role
    /// may not do this.
    pub fn check_tenant(self, tenant: &Tenant, access: TenantAccess) -> Result<(), ApiError> {
        let visible = match self {
            Self::Platform => true,
            Self::Enterprise(id) => tenant.enterprise_id == Some(id),
            Self::Site(id) => tenant.id == id,
        };
        if !visible {
            return Err(ApiError::not_found(format!("tenant {}", tenant.domain)));
        }
        if matches!((self, access), (Self::Site(_), TenantAccess::Manage)) {
            return Err(ApiError::forbidden(format!(
                "site administrators may not delete or move tenant {}",
                tenant.domain
            )));
        }
        Ok(())
    }
}

/// Loads an enterprise by code and checks the caller's access to it.
pub async fn enterprise_for(
    caller: Caller,
    conn: &mut AnyConnection,
    code: &str,
    access: EnterpriseAccess,
) -> Result<Enterprise, ApiError> {
    let enterprise = find_enterprise_by_code(conn, code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("enterprise {code}")))?;
    caller.check_enterprise(conn, &enterprise, access).await?;
    Ok(enterprise)
}

/// Loads a tenant by domain (any case) and checks the caller's access to it.
pub async fn tenant_for(
    caller: Caller,
    conn: &mut AnyConnection,
    domain: &str,
    access: TenantAccess,
) -> Result<Tenant, ApiError> {
    let domain = domain.to_ascii_lowercase();
    let tenant = find_tenant_by_domain(conn, &domain)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("tenant {domain}")))?;
    caller.check_tenant(&tenant, access)?;
    Ok(tenant)
}
