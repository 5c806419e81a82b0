//! `sitedial token create|list|revoke`: API tokens. A token is printed once; the store keeps only its
//! SHA-256 hash. An enterprise or site token is bound to the entity's UUID, so it grants nothing once
//! the entity is deleted.

use anyhow::{bail, Context};
use rand::RngCore;

use super::auth::hash_token;
use crate::domain::{now, DomainName, EnterpriseCode, FreeText};
use crate::store::enterprises::find_enterprise_by_code;
use crate::store::tenants::find_tenant_by_domain;
use crate::store::tokens::{insert_token, list_tokens, revoke_token, ApiToken, TokenRole};
use crate::store::Store;

/// The role of a new token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    /// Everything on the platform.
    Platform,
    /// One enterprise (`--scope CODE`), its sites and their contents.
    Enterprise,
    /// One tenant (`--scope DOMAIN`) and its contents.
    Site,
}

/// The `sitedial token` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once on stdout; only its hash is stored.
    Create {
        /// The role of a token.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The enterprise code (role enterprise) or tenant domain (role site) the token is limited to.
        #[arg(long, value_name = "CODE_OR_DOMAIN")]
        scope: Option<String>,
        /// Days until the token expires; without it the token does not expire.
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=36500))]
        expires: Option<u32>,
        /// A note shown by `token list`, such as who holds the token.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List tokens (never the tokens themselves): id, role, scope, label, creation, expiry, state.
    List,
    /// Revoke a token by the id `token list` shows.
    Revoke {
        /// The token id.
        id: uuid::Uuid,
    },
}

/// Runs one `sitedial token` subcommand against the store.
pub async fn run_token_command(store: &Store, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create {
            role,
            scope,
            expires,
            label,
        } => {
            let token = create_token(store, role, scope.as_deref(), expires, &label).await?;
            println!("{token}");
            eprintln!("Store this token now: it is shown only once.");
        }
        TokenCommand::List => {
            let mut conn = store
                .pool()
                .acquire()
                .await
                .context("failed to connect to the database")?;
            let tokens = list_tokens(&mut conn).await?;
            println!(
                "{:<36}  {:<10}  {:<36}  {:<20}  {:<20}  {:<8}  LABEL",
                "ID", "ROLE", "SCOPE", "CREATED", "EXPIRES", "STATE"
            );
            let current = now();
            for token in tokens {
                let state = if token.revoked_at.is_some() {
                    "revoked"
                } else if token.expires_at.is_some_and(|at| at <= current) {
                    "expired"
                } else {
                    "active"
                };
                let scope = token
                    .scope_id
                    .map_or_else(|| "-".to_owned(), |id| id.to_string());
                let expires = token.expires_at.map_or_else(|| "never".to_owned(), date);
                println!(
                    "{:<36}  {:<10}  {:<36}  {:<20}  {:<20}  {:<8}  {}",
                    token.id,
                    token.role.as_str(),
                    scope,
                    date(token.created_at),
                    expires,
                    state,
                    token.label
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let mut conn = store
                .pool()
                .acquire()
                .await
                .context("failed to connect to the database")?;
            if !revoke_token(&mut conn, id, now()).await? {
                bail!("no active token with id {id}; run `sitedial token list` to see the ids");
            }
            println!("revoked {id}");
        }
    }
    Ok(())
}

/// Creates a platform token for `serve --demo` and returns it; only its hash is stored.
pub async fn create_demo_token(store: &Store) -> anyhow::Result<Option<String>> {
    create_token(store, RoleArg::Platform, None, None, "serve --demo")
        .await
        .map(Some)
}

/// Creates and stores a token, and returns the token text.
pub async fn create_token(
    store: &Store,
    role: RoleArg,
    scope: Option<&str>,
    expires_days: Option<u32>,
    label: &str,
) -> anyhow::Result<String> {
    let label = FreeText::parse(label).context("invalid --label")?;
    let mut conn = store
        .pool()
        .acquire()
        .await
        .context("failed to connect to the database")?;
    let (role, scope_id) = match (role, scope) {
        (RoleArg::Platform, None) => (TokenRole::Platform, None),
        (RoleArg::Platform, Some(_)) => {
            bail!("--scope is not allowed with --role platform, which covers everything")
        }
        (RoleArg::Enterprise, Some(code)) => {
            let code = EnterpriseCode::parse(code).context("invalid --scope")?;
            let enterprise = find_enterprise_by_code(&mut conn, code.as_str())
                .await?
                .with_context(|| {
                    format!(
                        "enterprise {code} not found; --scope takes an existing enterprise code"
                    )
                })?;
            (TokenRole::Enterprise, Some(enterprise.id))
        }
        (RoleArg::Site, Some(domain)) => {
            let domain = DomainName::parse(domain).context("invalid --scope")?;
            let tenant = find_tenant_by_domain(&mut conn, domain.as_str())
                .await?
                .with_context(|| {
                    format!("tenant {domain} not found; --scope takes an existing tenant domain")
                })?;
            (TokenRole::Site, Some(tenant.id))
        }
        (RoleArg::Enterprise, None) => bail!("--role enterprise needs --scope ENTERPRISE_CODE"),
        (RoleArg::Site, None) => bail!("--role site needs --scope TENANT_DOMAIN"),
    };

    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut secret);
    let token = format!("sdt_{}", hex::encode(secret));
    let created = now();
    let record = ApiToken {
        id: uuid::Uuid::new_v4(),
        token_hash: hash_token(&token),
        role,
        scope_id,
        label: label.to_string(),
        created_at: created,
        expires_at: expires_days.map(|days| created + time::Duration::days(i64::from(days))),
        revoked_at: None,
    };
    insert_token(&mut conn, &record).await?;
    Ok(token)
}

fn date(value: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    value.format(&format).unwrap_or_default()
}
