//! The application around the library: command line and configuration, telemetry, the two
//! listeners, start-up and shutdown.

pub mod cli;
pub mod config;
pub mod health;
pub mod server;
pub mod telemetry;
