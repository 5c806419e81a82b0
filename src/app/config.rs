//! Configuration of `sitedial serve`: every option is a flag with a `SITEDIAL_*` environment variable,
//! a documented default and unit, parsed once into typed settings.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, ValueEnum};
use ipnet::IpNet;

use crate::freeswitch::{CredentialMode, FsConfig, LimitBackend, RenderOptions};

/// The database used when neither `--database-url` nor `SITEDIAL_DATABASE_URL` is given.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://sitedial.db";

/// Options shared by every subcommand that opens the store.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Database URL: sqlite://PATH (created if missing) or postgres://USER@HOST/DATABASE.
    /// [default: sqlite://sitedial.db]
    #[arg(long, env = "SITEDIAL_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
}

impl StoreArgs {
    /// Returns the database URL, or the default.
    pub fn url(&self) -> &str {
        self.database_url.as_deref().unwrap_or(DEFAULT_DATABASE_URL)
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The form of SIP credentials in user documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CredentialArg {
    /// The plain `password` parameter.
    Password,
    /// The `a1-hash` parameter, computed per request for the realm the phone sent.
    A1Hash,
}

/// The FreeSWITCH limit backend for enterprise concurrent-call limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LimitBackendArg {
    /// mod_hash: counts per FreeSWITCH node.
    Hash,
    /// mod_db: counts across nodes that share FreeSWITCH's core database.
    Db,
    /// mod_hiredis: counts across nodes in a shared Redis.
    Hiredis,
}

/// Options of `sitedial serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address of the FreeSWITCH listener (mod_xml_curl posts to it).
    #[arg(long, env = "SITEDIAL_FS_LISTEN", default_value = "127.0.0.1:8080")]
    pub fs_listen: SocketAddr,

    /// Address of the admin listener (REST API, health and metrics).
    #[arg(long, env = "SITEDIAL_API_LISTEN", default_value = "127.0.0.1:8081")]
    pub api_listen: SocketAddr,

    /// Serve the demo data set: from a fresh temporary SQLite database, or, with --database-url,
    /// loaded into that store if it is empty.
    #[arg(long, env = "SITEDIAL_DEMO")]
    pub demo: bool,

    /// HTTP path of the FreeSWITCH endpoint.
    #[arg(long, env = "SITEDIAL_FS_PATH", default_value = "/freeswitch")]
    pub fs_path: String,

    /// Maximum time, in milliseconds, that a FreeSWITCH request waits for data not yet in memory.
    #[arg(long, env = "SITEDIAL_DEADLINE_MS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub deadline_ms: u64,

    /// The form of SIP credentials in directory documents: password or a1-hash.
    #[arg(
        long,
        env = "SITEDIAL_CREDENTIALS",
        value_enum,
        default_value = "password"
    )]
    pub credentials: CredentialArg,

    /// FreeSWITCH user cache lifetime in milliseconds (the `cacheable` attribute); 0 turns it off.
    #[arg(long, env = "SITEDIAL_USER_CACHE_MS", default_value_t = 0)]
    pub user_cache_ms: u64,

    /// How long a local extension rings, in seconds, before voicemail.
    #[arg(long, env = "SITEDIAL_CALL_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=600))]
    pub call_timeout: u32,

    /// FreeSWITCH limit backend for enterprise concurrent-call limits.
    #[arg(
        long,
        env = "SITEDIAL_LIMIT_BACKEND",
        value_enum,
        default_value = "hash"
    )]
    pub limit_backend: LimitBackendArg,

    /// hiredis profile name, the limit realm when --limit-backend is hiredis.
    #[arg(long, env = "SITEDIAL_HIREDIS_PROFILE", default_value = "default")]
    pub hiredis_profile: String,

    /// HTTP Basic credentials `user:password` that FreeSWITCH must send (its `gateway-credentials`).
    #[arg(long, env = "SITEDIAL_FS_CREDENTIALS", hide_env_values = true)]
    pub fs_credentials: Option<String>,

    /// Client networks allowed on the FreeSWITCH listener, comma-separated CIDRs; empty allows all.
    #[arg(long, env = "SITEDIAL_FS_ALLOW", value_delimiter = ',')]
    pub fs_allow: Vec<IpNet>,

    /// Maximum routing units (enterprises or standalone tenants) kept in memory; 0 keeps all.
    #[arg(long, env = "SITEDIAL_CACHE_MAX_UNITS", default_value_t = 0)]
    pub cache_max_units: u64,

    /// Load every routing unit into memory at start-up instead of on its first request.
    #[arg(long, env = "SITEDIAL_PRELOAD", default_value_t = true, action = clap::ArgAction::Set)]
    pub preload: bool,

    /// Log format.
    #[arg(long, env = "SITEDIAL_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Seconds that shutdown waits for in-flight requests after SIGTERM.
    #[arg(long, env = "SITEDIAL_SHUTDOWN_GRACE", default_value_t = 10)]
    pub shutdown_grace: u64,
}

impl ServeArgs {
    /// Builds the FreeSWITCH endpoint settings. Fails on a malformed `--fs-credentials`.
    pub fn fs_config(&self) -> Result<FsConfig, String> {
        if let Some(credentials) = &self.fs_credentials {
            let valid = credentials
                .split_once(':')
                .is_some_and(|(user, password)| !user.is_empty() && !password.is_empty());
            if !valid {
                return Err(
                    "invalid --fs-credentials (SITEDIAL_FS_CREDENTIALS): expected a non-empty user:password"
                        .to_owned(),
                );
            }
        }
        // The profile name is written into the `limit` action, where FreeSWITCH would expand `$`.
        let profile_valid = !self.hiredis_profile.is_empty()
            && self
                .hiredis_profile
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !profile_valid {
            return Err(format!(
                "invalid --hiredis-profile {:?}: use letters, digits, '_' and '-'",
                self.hiredis_profile
            ));
        }
        if !self.fs_path.starts_with('/') {
            return Err(format!(
                "invalid --fs-path {:?}: must start with /",
                self.fs_path
            ));
        }
        let limit_backend = match self.limit_backend {
            LimitBackendArg::Hash => LimitBackend::Hash,
            LimitBackendArg::Db => LimitBackend::Db,
            LimitBackendArg::Hiredis => LimitBackend::Hiredis {
                profile: self.hiredis_profile.clone(),
            },
        };
        Ok(FsConfig {
            path: self.fs_path.clone(),
            deadline: Duration::from_millis(self.deadline_ms),
            render: RenderOptions {
                credentials: match self.credentials {
                    CredentialArg::Password => CredentialMode::Password,
                    CredentialArg::A1Hash => CredentialMode::A1Hash,
                },
                user_cache_ms: (self.user_cache_ms > 0).then_some(self.user_cache_ms),
                call_timeout_secs: self.call_timeout,
                limit_backend,
            },
            basic_auth: self.fs_credentials.clone(),
            allowed_networks: self.fs_allow.clone(),
        })
    }
}
