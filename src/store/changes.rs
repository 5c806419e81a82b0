//! Change announcements between sitedial instances that share one PostgreSQL database.
//!
//! Every write transaction calls [`announce_change`] before it commits. On PostgreSQL this queues a
//! `NOTIFY` on [`CHANGES_CHANNEL`], which the database delivers to every listening instance when (and
//! only if) the transaction commits. SQLite serves one instance, so there it does nothing.
//! [`ChangeListener`] is the receiving side: one dedicated connection per instance.

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
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

/// One batch of received announcements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceivedChange {
    /// Reload the units of these enterprises and tenants.
    Scope(ChangePayload),
    /// Reload everything, because a payload was empty or unreadable.
    Everything,
}

impl ReceivedChange {
    /// Parses one notification payload. An empty payload (sent for changes too large to list) and
    /// one that is not a [`ChangePayload`] both mean "reload everything".
    pub fn parse(payload: &str) -> Self {
        match serde_json::from_str::<ChangePayload>(payload) {
            Ok(parsed) if !parsed.enterprises.is_empty() || !parsed.tenants.is_empty() => {
                Self::Scope(parsed)
            }
            _ => Self::Everything,
        }
    }

    /// Merges another announcement into this one, so that a burst is applied as one refresh.
    pub fn merge(&mut self, other: ReceivedChange) {
        match (&mut *self, other) {
            (Self::Everything, _) => {}
            (_, Self::Everything) => *self = Self::Everything,
            (Self::Scope(mine), Self::Scope(theirs)) => {
                for id in theirs.enterprises {
                    if !mine.enterprises.contains(&id) {
                        mine.enterprises.push(id);
                    }
                }
                for id in theirs.tenants {
                    if !mine.tenants.contains(&id) {
                        mine.tenants.push(id);
                    }
                }
            }
        }
    }
}

/// How long the listener waits for its connection before it reports the database lost.
const LISTENER_ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// A dedicated PostgreSQL connection that listens on [`CHANGES_CHANNEL`].
///
/// It does not reconnect by itself: after [`ChangeListener::next`] fails, the caller drops it, opens a
/// new one and reloads what it may have missed, because notifications sent while no connection listens
/// are lost.
pub struct ChangeListener {
    inner: PgListener,
}

impl ChangeListener {
    /// Connects to `url` (a `postgres://` URL) and starts listening.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        // sqlx's listener reconnects through its own one-connection pool. A short acquire timeout
        // makes a lost database show up as an error within seconds, not after the default 30 s.
        let options: sqlx::postgres::PgConnectOptions = url.parse()?;
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(LISTENER_ACQUIRE_TIMEOUT)
            .connect_lazy_with(options);
        let mut inner = PgListener::connect_with(&pool).await?;
        inner.listen(CHANGES_CHANNEL).await?;
        Ok(Self { inner })
    }

    /// Waits for the next announcement and merges every further one already received into it.
    ///
    /// Fails when the connection is lost. Cancelling the returned future can leave the connection
    /// mid-message, so a caller that cancels it must drop the listener.
    pub async fn next(&mut self) -> Result<ReceivedChange, StoreError> {
        let first = match self.inner.try_recv().await? {
            Some(notification) => notification,
            None => return Err(StoreError::Unavailable(listener_lost())),
        };
        let mut change = ReceivedChange::parse(first.payload());
        while let Some(notification) = self.inner.next_buffered() {
            change.merge(ReceivedChange::parse(notification.payload()));
        }
        Ok(change)
    }
}

fn listener_lost() -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        "the change listener connection was closed",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn parse_scope_payload() {
        let text = format!(r#"{{"enterprises":["{}"],"tenants":[]}}"#, id(1));
        let expected = ChangePayload {
            enterprises: vec![id(1)],
            tenants: vec![],
        };
        assert_eq!(
            ReceivedChange::parse(&text),
            ReceivedChange::Scope(expected)
        );
    }

    #[test]
    fn parse_empty_or_invalid_reloads_everything() {
        assert_eq!(ReceivedChange::parse("{}"), ReceivedChange::Everything);
        assert_eq!(ReceivedChange::parse(""), ReceivedChange::Everything);
        assert_eq!(
            ReceivedChange::parse("not json"),
            ReceivedChange::Everything
        );
        assert_eq!(
            ReceivedChange::parse(r#"{"enterprises":["x"]}"#),
            ReceivedChange::Everything
        );
    }

    #[test]
    fn merge_unions_ids() {
        let mut change = ReceivedChange::Scope(ChangePayload {
            enterprises: vec![id(1)],
            tenants: vec![id(10)],
        });
        change.merge(ReceivedChange::Scope(ChangePayload {
            enterprises: vec![id(1), id(2)],
            tenants: vec![],
        }));
        let expected = ReceivedChange::Scope(ChangePayload {
            enterprises: vec![id(1), id(2)],
            tenants: vec![id(10)],
        });
        assert_eq!(change, expected);
    }

    #[test]
    fn merge_with_everything_is_everything() {
        let mut change = ReceivedChange::Scope(ChangePayload::default());
        change.merge(ReceivedChange::Everything);
        assert_eq!(change, ReceivedChange::Everything);
    }
}
