//! The `sitedial` command line: `serve`, `migrate`, `import`, `export`, `token` and `generate`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing::info;

use super::config::{LogFormat, ServeArgs, StoreArgs};
use super::generate::{self, GenerateOptions};
use super::server::{self, ServerSettings};
use super::telemetry;
use crate::admin::{self, TokenCommand};
use crate::domain::dataset::DataSet;
use crate::store::{redact_url, Store, StoreOptions};

/// Dialplan and directory server for FreeSWITCH mod_xml_curl.
#[derive(Debug, Parser)]
#[command(name = "sitedial", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve FreeSWITCH and the admin API.
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load a data set (JSON, as written by `export`) into an empty store.
    Import {
        /// The JSON file to read; `-` reads standard input.
        file: PathBuf,
    },
    /// Write the whole data set as JSON.
    Export {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Manage admin API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Write a synthetic data set for benchmarks as JSON to standard output (opens no store).
    Generate(GenerateArgs),
}

/// Options of `sitedial generate`.
#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// Enterprises to create.
    #[arg(long, default_value_t = 10)]
    pub enterprises: u32,
    /// Sites per enterprise.
    #[arg(long, default_value_t = 4)]
    pub sites: u32,
    /// Extensions per tenant (sites and standalone tenants alike).
    #[arg(long, default_value_t = 100)]
    pub extensions: u32,
    /// Tenants outside any enterprise.
    #[arg(long, default_value_t = 0)]
    pub standalone: u32,
    /// Seed of the random generator; one seed always gives the same data set.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(&cli.store, *args).await,
        Command::Migrate => {
            telemetry::init(LogFormat::Text);
            let store = open_store(&cli.store).await?;
            info!(database = %redact_url(cli.store.url()), "migrations applied");
            store.close().await;
            Ok(())
        }
        Command::Import { file } => {
            telemetry::init(LogFormat::Text);
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading standard input")?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?
            };
            let data: DataSet = serde_json::from_str(&text)
                .with_context(|| format!("invalid data set in {}", file.display()))?;
            data.validate()
                .with_context(|| format!("invalid data set in {}", file.display()))?;
            let store = open_store(&cli.store).await?;
            store.import(&data).await?;
            info!(
                enterprises = data.enterprises.len(),
                tenants = data.tenants.len(),
                extensions = data.extensions.len(),
                dids = data.dids.len(),
                "data set imported"
            );
            store.close().await;
            Ok(())
        }
        Command::Export { output } => {
            telemetry::init(LogFormat::Text);
            let store = open_store(&cli.store).await?;
            let data = store.export().await?;
            let mut text = serde_json::to_string_pretty(&data)?;
            text.push('\n');
            match output {
                Some(path) => write_private(&path, text.as_bytes())
                    .with_context(|| format!("writing {}", path.display()))?,
                None => std::io::stdout().write_all(text.as_bytes())?,
            }
            store.close().await;
            Ok(())
        }
        Command::Generate(args) => generate(&args),
        Command::Token { command } => {
            telemetry::init(LogFormat::Text);
            let store = open_store(&cli.store).await?;
            let result = admin::run_token_command(&store, command).await;
            store.close().await;
            result
        }
    }
}

fn generate(args: &GenerateArgs) -> anyhow::Result<()> {
    let options = GenerateOptions {
        enterprises: args.enterprises,
        sites: args.sites,
        extensions: args.extensions,
        standalone: args.standalone,
        seed: args.seed,
    };
    let data = generate::generate(&options).context("generating the data set")?;
    data.validate()
        .context("validating the generated data set")?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer(&mut out, &data)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// Writes a file readable only by its owner, because an export contains every SIP password.
fn write_private(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)
}

async fn open_store(args: &StoreArgs) -> anyhow::Result<Store> {
    let store = Store::connect(&StoreOptions::new(args.url()))?;
    store
        .migrate()
        .await
        .with_context(|| format!("opening {}", redact_url(args.url())))?;
    Ok(store)
}

async fn serve(store_args: &StoreArgs, args: ServeArgs) -> anyhow::Result<()> {
    telemetry::init(args.log_format);
    let fs = args.fs_config().map_err(anyhow::Error::msg)?;

    // `--demo` without a database URL serves from a temporary file that is removed on exit.
    let mut _demo_dir = None;
    let url = match (&store_args.database_url, args.demo) {
        (None, true) => {
            let dir = tempfile::tempdir()
                .context("creating a temporary directory for the demo database")?;
            let url = format!("sqlite://{}", dir.path().join("demo.db").display());
            _demo_dir = Some(dir);
            url
        }
        _ => store_args.url().to_owned(),
    };

    let settings = ServerSettings {
        fs_listen: args.fs_listen,
        api_listen: args.api_listen,
        store: StoreOptions::new(url.clone()),
        fs,
        demo: args.demo,
        cache_max_units: args.cache_max_units,
        preload: args.preload,
        shutdown_grace: Duration::from_secs(args.shutdown_grace),
    };
    info!(database = %redact_url(&url), demo = args.demo, "starting sitedial");
    let running = server::start(settings).await?;
    if let Some(token) = &running.demo_token {
        let mut out = std::io::stdout();
        writeln!(out, "Demo platform token (shown once): {token}")?;
        writeln!(
            out,
            "FreeSWITCH endpoint: http://{}/freeswitch",
            running.fs_addr
        )?;
        writeln!(out, "Admin API: http://{}/api", running.api_addr)?;
        out.flush()?;
    }

    server::termination_signal().await;
    info!("shutdown requested; finishing in-flight requests");
    running.shutdown().await;
    info!("sitedial stopped");
    Ok(())
}
