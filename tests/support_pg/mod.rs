//! Helpers for the PostgreSQL tests: a throwaway database per test, created on the server named by
//! `SITEDIAL_TEST_POSTGRES_URL` and dropped afterwards, and a TCP proxy that a test can cut to
//! simulate a database outage.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::{Connection, Executor, PgConnection};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The environment variable naming the PostgreSQL server to test against, for example
/// `postgres://postgres@127.0.0.1:5432/test`. Without it the PostgreSQL tests are skipped.
pub const POSTGRES_URL_VAR: &str = "SITEDIAL_TEST_POSTGRES_URL";

/// A database created for one test and dropped (with its connections) when this value is dropped.
pub struct PgDatabase {
    /// URL of the new database.
    pub url: String,
    admin_url: String,
    pub name: String,
}

impl PgDatabase {
    /// Creates `sitedial_t_<random>`, or prints a skip line and returns `None` when
    /// `SITEDIAL_TEST_POSTGRES_URL` is not set.
    pub async fn create(test: &str) -> Option<Self> {
        let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
            eprintln!("skipped {test}: set {POSTGRES_URL_VAR} to run it against PostgreSQL");
            return None;
        };
        let name = format!("sitedial_t_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("connecting to {POSTGRES_URL_VAR}: {e}"));
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap_or_else(|e| panic!("creating database {name}: {e}"));
        conn.close().await.ok();
        let url = with_database(&admin_url, &name);
        Some(Self {
            url,
            admin_url,
            name,
        })
    }

    /// Returns the address of the PostgreSQL server (port 5432 when the URL names none).
    pub async fn server_addr(&self) -> SocketAddr {
        let rest = self.url.split_once("://").expect("URL has a scheme").1;
        let after_user = rest.split_once('@').map_or(rest, |(_, host)| host);
        let authority = after_user.split('/').next().unwrap();
        let authority = if authority.contains(':') {
            authority.to_owned()
        } else {
            format!("{authority}:5432")
        };
        let mut addresses = tokio::net::lookup_host(authority.as_str())
            .await
            .unwrap_or_else(|e| panic!("resolving {authority}: {e}"));
        addresses
            .next()
            .unwrap_or_else(|| panic!("{authority} resolves to no address"))
    }

    /// Returns the database URL with its host and port replaced by `addr`, to go through a proxy.
    pub fn url_via(&self, addr: SocketAddr) -> String {
        let (scheme, rest) = self.url.split_once("://").expect("URL has a scheme");
        let (userinfo, after_user) = match rest.split_once('@') {
            Some((user, host)) => (format!("{user}@"), host),
            None => (String::new(), rest),
        };
        let path_start = after_user.find('/').expect("URL names a database");
        format!("{scheme}://{userinfo}{addr}{}", &after_user[path_start..])
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs outside async code, so the cleanup gets its own runtime on its own thread.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("cleanup runtime");
            runtime.block_on(async move {
                let mut conn = PgConnection::connect(&admin_url).await?;
                conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await?;
                conn.close().await
            })
        });
        if let Ok(Err(error)) = cleanup.join() {
            eprintln!("dropping test database {}: {error}", self.name);
        }
    }
}

/// Replaces the database name in a `postgres://` URL, keeping any query string.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// A TCP proxy on 127.0.0.1 that forwards to `target` until it is cut.
pub struct TcpProxy {
    pub addr: SocketAddr,
    state: Arc<ProxyState>,
    accept_task: JoinHandle<()>,
}

#[derive(Default)]
struct ProxyState {
    cut: AtomicBool,
    connections: Mutex<Vec<JoinHandle<()>>>,
}

impl TcpProxy {
    /// Starts forwarding from a port chosen by the OS.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(ProxyState::default());
        let accept_state = state.clone();
        let accept_task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                if accept_state.cut.load(Ordering::Acquire) {
                    // While cut, accept and close at once, as a database that went away would.
                    drop(client);
                    continue;
                }
                let forward = tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    let mut client = client;
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                });
                accept_state.connections.lock().unwrap().push(forward);
            }
        });
        Self {
            addr,
            state,
            accept_task,
        }
    }

    /// Closes every forwarded connection and refuses new ones until [`TcpProxy::restore`].
    pub fn cut(&self) {
        self.state.cut.store(true, Ordering::Release);
        for connection in self.state.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }

    /// Forwards new connections again.
    pub fn restore(&self) {
        self.state.cut.store(false, Ordering::Release);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.accept_task.abort();
        for connection in self.state.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }
}

#[test]
fn with_database_replaces_the_path() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/test?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
}
