//! Change announcements between sitedial instances that share one PostgreSQL database.
//!
//! Every write transaction calls [`announce_change`] before it commits. On PostgreSQL this queues a
//! `NOTIFY` on [`CHANGES_CHANNEL`], which the database delivers to every listening instance when (and
//! only if) the transaction commits. SQLite serves one instance, so there it does nothing.

use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use uuid::Uuid;

use super::{Backend, StoreError};

/// The PostgreSQL channel that carries change announcements.
pub const CHANGES_CHANNEL: &str = "sitedial_changes";

/// The payload of one announcement: the enterprises and tenants whose routing units must be reloaded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePayload {
    #[serde(default)]
    pub enterprises: Vec<Uuid>,
    #[serde(default)]
    pub tenants: Vec<Uuid>,
}

/// Queues an announcement of a change inside the write transaction `conn` belongs to.
pub async fn announce_change(
    conn: &mut AnyConnection,
    backend: Backend,
    payload: &ChangePayload,
) -> Result<(), StoreError> {
    if backend != Backend::Postgres {
        return Ok(());
    }
    // NOTE: PostgreSQL caps a NOTIFY payload at 8000 bytes, about 200 ids; a larger change announces
    // an empty payload, which listeners treat as "reload everything".
    let mut text = serde_json::to_string(payload).unwrap_or_default();
    if text.len() > 7900 {
        text = "{}".to_owned();
    }
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANGES_CHANNEL)
        .bind(text)
        .execute(conn)
        .await?;
    Ok(())
}
