//! Queries on the `api_token` table. Only the SHA-256 hash of a token is stored, never the token.

use sqlx::AnyConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use super::rows::Columns;
use super::{format_time, StoreError};

/// The role a token grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenRole {
    /// Everything on the platform.
    Platform,
    /// One enterprise, its sites and their contents.
    Enterprise,
    /// One tenant's contents.
    Site,
}

impl TokenRole {
    /// Returns the name stored in the `role` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Platform => "platform",
            Self::Enterprise => "enterprise",
            Self::Site => "site",
        }
    }

    /// Parses a stored role name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "platform" => Some(Self::Platform),
            "enterprise" => Some(Self::Enterprise),
            "site" => Some(Self::Site),
            _ => None,
        }
    }
}

/// One stored API token.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    pub id: Uuid,
    /// Lowercase hex SHA-256 of the token.
    pub token_hash: String,
    pub role: TokenRole,
    /// The enterprise (role `enterprise`) or tenant (role `site`) id; `None` for platform tokens.
    pub scope_id: Option<Uuid>,
    pub label: String,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

const TOKEN_COLUMNS: &str =
    "id, token_hash, role, scope_id, label, created_at, expires_at, revoked_at";

fn token_from_row(row: &sqlx::any::AnyRow) -> Result<ApiToken, StoreError> {
    let c = Columns::new(row, "api_token");
    let role = c.string("role")?;
    Ok(ApiToken {
        id: c.uuid("id")?,
        token_hash: c.string("token_hash")?,
        role: TokenRole::parse(&role).ok_or_else(|| StoreError::Unreadable {
            table: "api_token",
            column: "role",
            reason: format!("unknown role {role:?}"),
        })?,
        scope_id: c.opt_uuid("scope_id")?,
        label: c.string("label")?,
        created_at: c.time("created_at")?,
        expires_at: c.opt_time("expires_at")?,
        revoked_at: c.opt_time("revoked_at")?,
    })
}

/// Inserts one token.
pub async fn insert_token(conn: &mut AnyConnection, t: &ApiToken) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO api_token ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(t.id.to_string())
    .bind(t.token_hash.as_str())
    .bind(t.role.as_str())
    .bind(t.scope_id.map(|id| id.to_string()))
    .bind(t.label.as_str())
    .bind(format_time(t.created_at))
    .bind(t.expires_at.map(format_time))
    .bind(t.revoked_at.map(format_time))
    .execute(conn)
    .await?;
    Ok(())
}

/// Finds a token by the hash of its secret, whether or not it is revoked or expired.
pub async fn find_token_by_hash(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<ApiToken>, StoreError> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_token WHERE token_hash = $1");
    let row = sqlx::query(&sql)
        .bind(token_hash)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(token_from_row).transpose()
}

/// Lists every token, oldest first.
pub async fn list_tokens(conn: &mut AnyConnection) -> Result<Vec<ApiToken>, StoreError> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_token ORDER BY created_at, id");
    let rows = sqlx::query(&sql).fetch_all(conn).await?;
    rows.iter().map(token_from_row).collect()
}

/// Marks a token revoked; returns false when no unrevoked token has this id.
pub async fn revoke_token(
    conn: &mut AnyConnection,
    id: Uuid,
    revoked_at: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE api_token SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id.to_string())
            .bind(format_time(revoked_at))
            .execute(conn)
            .await?;
    Ok(done.rows_affected() > 0)
}
