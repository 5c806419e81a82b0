//! Logging: `tracing` events to standard error, as text or JSON, filtered by `RUST_LOG`
//! (default `info`).

use tracing_subscriber::EnvFilter;

use super::config::LogFormat;

/// Installs the global subscriber. Calling it twice keeps the first.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
