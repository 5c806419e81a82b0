//! The application around the library: command line and configuration, telemetry, the two
//! listeners, start-up and shutdown.

pub mod access_log;
pub mod cli;
pub mod config;
pub mod generate;
pub mod health;
pub mod metrics;
pub mod propagation;
pub mod server;
pub mod telemetry;
